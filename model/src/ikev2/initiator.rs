//! The initiator: the 5GMSGS client's UE setting up the tunnel to the MSGin5G server
//! (solution #1 step 10, solution #3): IKE_SA_INIT, IKE_AUTH, then one ESP packet.

use super::messages::{IkeCodec, Msg};
use super::sa::{send_first, ChildSa, Exchange, IdAuth};
use super::schedule::{auth_ok, child_keys, ike_keys};
use super::{EndConfig, CHILD_SA_KEY, INITIATOR_AUTH, RESPONDER_AUTH};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::Terms;
use properties::{Agents, Event};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Initiator<V> {
    Start,
    ExpectSaInitResponse { spi_i: V, x: V, ni: V, msg1: V },
    ExpectAuthResponse { ex: Exchange<V>, child_spi: V },
    Established(ChildSa<V>),
}

impl<V: Clone + Eq> Initiator<V> {
    pub fn step<B: IkeCodec<Value = V>>(
        &self,
        c: &EndConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Initiator<V>, V> {
        let server = &c.peers[0];
        match (self, input) {
            // 1. HDR(SPIi, 0), SAi1, KEi, Ni (section 1.2).
            (Initiator::Start, None) => {
                let spi_i = b.fresh(Fresh::Nonce("spi_i"));
                let x = b.fresh(Fresh::DhSecret("x"));
                let ni = b.fresh(Fresh::Nonce("ni"));
                let ke = b.dh_public(&x);
                let msg1 = b.encode(&Msg::SaInitRequest {
                    spi_i: spi_i.clone(),
                    sa: c.proposal.clone(),
                    ke,
                    nonce: ni.clone(),
                });
                let next = Initiator::ExpectSaInitResponse {
                    spi_i,
                    x,
                    ni,
                    msg1: msg1.clone(),
                };
                Ok((next, vec![Output::Send("MSGin5G-1", msg1)]))
            }
            (Initiator::ExpectSaInitResponse { spi_i, x, ni, msg1 }, Some(m)) => {
                let Msg::SaInitResponse {
                    spi_i: echoed,
                    spi_r,
                    sa,
                    ke,
                    nonce: nr,
                } = b.decode(m)?
                else {
                    return Err(Reject("expected the IKE_SA_INIT response"));
                };
                if echoed != *spi_i {
                    return Err(Reject("not my IKE SA"));
                }
                if sa != c.proposal {
                    return Err(Reject("a proposal I did not offer"));
                }
                let ke_i = b.dh_public(x);
                let shared = b.dh_shared(x, &ke).ok_or(Reject("bad KEr"))?;
                // Section 2.14: SKEYSEED and the IKE SA keys.
                let keys = ike_keys(b, &shared, ni, &nr, spi_i, &spi_r);
                let ex = Exchange {
                    spi_i: spi_i.clone(),
                    spi_r,
                    ni: ni.clone(),
                    nr,
                    ke_i,
                    ke_r: ke,
                    keys,
                    msg1: msg1.clone(),
                    msg2: m.clone(),
                };
                // 3. HDR, SK{IDi, AUTH, SAi2, TSi, TSr}; AUTH over msg1 | Nr | prf(SK_pi, IDi).
                let (msg3, child_spi) = ex.send_auth(b, c, false);
                let agreed = ex.agreed(b, &c.id, &server.id);
                let out = vec![
                    Output::running(c.me, server.agent, INITIATOR_AUTH, agreed),
                    Output::Send("MSGin5G-1", msg3),
                ];
                Ok((Initiator::ExpectAuthResponse { ex, child_spi }, out))
            }
            (Initiator::ExpectAuthResponse { ex, child_spi }, Some(m)) => {
                let IdAuth {
                    id,
                    auth: proof,
                    child_spi: spi_out,
                    ts,
                } = ex.open_auth(b, true, m)?;
                // Section 2.15: IDr is the server I asked for, and AUTH proves it over
                // msg2 | Ni | prf(SK_pr, IDr).
                if id != server.id || ts != server.addr {
                    return Err(Reject("not the server I want"));
                }
                let octets = ex.octets(b, true, &id);
                if !auth_ok(b, &server.credential, &octets, &proof) {
                    return Err(Reject("AUTH does not verify"));
                }
                let agreed = ex.agreed(b, &c.id, &server.id);
                // Section 2.17: the CHILD_SA's keys.
                let keys = child_keys(b, &ex.keys.sk_d, (&ex.ni, &ex.nr), c.esp.encrypt);
                let mut out = vec![
                    Output::commit(c.me, server.agent, RESPONDER_AUTH, agreed),
                    Output::Claim(Event::Secret {
                        actor: c.me,
                        partners: Agents::of(&[c.me, server.agent]),
                        claim: CHILD_SA_KEY,
                        value: keys.i_to_r.clone(),
                    }),
                ];
                send_first(b, c, server, (&spi_out, &keys.i_to_r), &mut out);
                let sa = ChildSa {
                    peer: server.agent,
                    spi_in: child_spi.clone(),
                    key_in: keys.r_to_i,
                    peer_addr: server.addr.clone(),
                    seen: Vec::new(),
                };
                Ok((Initiator::Established(sa), out))
            }
            (Initiator::Established(sa), Some(m)) => {
                let (sa, out) = sa.receive(b, c, m)?;
                Ok((Initiator::Established(sa), out))
            }
            (_, None) => Err(Reject("waits for a message")),
            (Initiator::Start, Some(_)) => Err(Reject("not started")),
        }
    }
}
