//! The attacker's synthesis for Needham-Schroeder: what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

pub(super) fn forge(
    c: &Config,
    role: &Role,
    know: &Knowledge,
    b: &mut Symbolic,
    out: &mut Vec<TermId>,
) {
    let nonces: Vec<TermId> = know.atoms(Sort::Nonce).collect();
    let own_pk = c.pks[c.me as usize];
    match role {
        Role::InitiatorStart => {
            let others = c
                .names
                .iter()
                .enumerate()
                .filter(|(a, _)| *a != c.me as usize);
            out.extend(others.map(|(_, n)| start(*n)));
        }
        Role::ExpectMessage2 { peer, na, .. } => {
            for nb in &nonces {
                let pt = if c.lowe {
                    b.tuple(&[na, nb, &c.names[*peer as usize]])
                } else {
                    b.tuple(&[na, nb])
                };
                out.push(b.pk_encrypt(&own_pk, &pt));
            }
        }
        Role::ResponderStart => {
            for na in &nonces {
                for name in &c.names {
                    let pt = b.tuple(&[na, name]);
                    out.push(b.pk_encrypt(&own_pk, &pt));
                }
            }
        }
        // The registry's answer: any public key the attacker knows, or makes of a key it
        // holds, registered under the dishonest peer's name.
        Role::InitiatorLookup { peer } | Role::ResponderLookup { peer, .. } => {
            out.extend(registry::answers(know, c.names[*peer as usize]))
        }
        Role::ExpectMessage3 { nb, .. } => out.push(b.pk_encrypt(&own_pk, nb)),
        Role::Done => {}
    }
}
