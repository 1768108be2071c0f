//! The responder: the MSGin5G server's end of the tunnel. It answers IKE_SA_INIT,
//! authenticates the 5GMSGS client by its IKE identity and credential in IKE_AUTH, then
//! takes and sends ESP.

use super::messages::{IkeCodec, Msg};
use super::sa::{send_first, ChildSa, Exchange, IdAuth};
use super::schedule::{auth_ok, child_keys, ike_keys};
use super::{EndConfig, CHILD_SA_KEY, INITIATOR_AUTH, RESPONDER_AUTH};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::Terms;
use properties::{Agents, Event};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Responder<V> {
    ExpectSaInit,
    ExpectAuthRequest(Exchange<V>),
    Established(ChildSa<V>),
}

impl<V: Clone + Eq> Responder<V> {
    pub fn step<B: IkeCodec<Value = V>>(
        &self,
        c: &EndConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Responder<V>, V> {
        let m = input.ok_or(Reject("waits for a message"))?;
        match self {
            Responder::ExpectSaInit => {
                let Msg::SaInitRequest {
                    spi_i,
                    sa,
                    ke,
                    nonce: ni,
                } = b.decode(m)?
                else {
                    return Err(Reject("expected an IKE_SA_INIT request"));
                };
                if sa != c.proposal {
                    return Err(Reject("NO_PROPOSAL_CHOSEN"));
                }
                // 2. HDR(SPIi, SPIr), SAr1, KEr, Nr.
                let spi_r = b.fresh(Fresh::Nonce("spi_r"));
                let y = b.fresh(Fresh::DhSecret("y"));
                let nr = b.fresh(Fresh::Nonce("nr"));
                let ke_r = b.dh_public(&y);
                let shared = b.dh_shared(&y, &ke).ok_or(Reject("bad KEi"))?;
                let msg2 = b.encode(&Msg::SaInitResponse {
                    spi_i: spi_i.clone(),
                    spi_r: spi_r.clone(),
                    sa,
                    ke: ke_r.clone(),
                    nonce: nr.clone(),
                });
                let keys = ike_keys(b, &shared, &ni, &nr, &spi_i, &spi_r);
                let ex = Exchange {
                    spi_i,
                    spi_r,
                    ni,
                    nr,
                    ke_i: ke,
                    ke_r,
                    keys,
                    msg1: m.clone(),
                    msg2: msg2.clone(),
                };
                let out = vec![Output::Send("MSGin5G-1", msg2)];
                Ok((Responder::ExpectAuthRequest(ex), out))
            }
            Responder::ExpectAuthRequest(ex) => {
                let IdAuth {
                    id,
                    auth: proof,
                    child_spi: spi_out,
                    ts,
                } = ex.open_auth(b, false, m)?;
                // Section 2.15: IDi is a client it knows (its peer authorization
                // database, RFC 4301 section 4.4.3), AUTH proves it over
                // msg1 | Nr | prf(SK_pi, IDi), and TSi is that client's address.
                let client = c
                    .peers
                    .iter()
                    .find(|p| p.id == id)
                    .ok_or(Reject("AUTHENTICATION_FAILED: unknown IDi"))?;
                if ts != client.addr {
                    return Err(Reject("TS_UNACCEPTABLE"));
                }
                let octets = ex.octets(b, false, &id);
                if !auth_ok(b, &client.credential, &octets, &proof) {
                    return Err(Reject("AUTHENTICATION_FAILED: AUTH does not verify"));
                }
                let agreed = ex.agreed(b, &id, &c.id);
                // 4. HDR, SK{IDr, AUTH, SAr2, TSi, TSr}; AUTH over msg2 | Ni | prf(SK_pr, IDr).
                let (msg4, child_spi) = ex.send_auth(b, c, true);
                let keys = child_keys(b, &ex.keys.sk_d, (&ex.ni, &ex.nr), c.esp.encrypt);
                let peer = client.agent;
                let mut out = vec![
                    Output::commit(c.me, peer, INITIATOR_AUTH, agreed.clone()),
                    Output::running(c.me, peer, RESPONDER_AUTH, agreed),
                    Output::Claim(Event::Secret {
                        actor: c.me,
                        partners: Agents::of(&[c.me, peer]),
                        claim: CHILD_SA_KEY,
                        value: keys.i_to_r.clone(),
                    }),
                    Output::Send("MSGin5G-1", msg4),
                ];
                send_first(b, c, client, (&spi_out, &keys.r_to_i), &mut out);
                let sa = ChildSa {
                    peer,
                    spi_in: child_spi,
                    key_in: keys.i_to_r,
                    peer_addr: client.addr.clone(),
                    seen: Vec::new(),
                };
                Ok((Responder::Established(sa), out))
            }
            Responder::Established(sa) => {
                let (sa, out) = sa.receive(b, c, m)?;
                Ok((Responder::Established(sa), out))
            }
        }
    }
}
