//! What both ends hold after IKE_SA_INIT, and the CHILD_SA both use for ESP (RFC 4303): one
//! packet each way, the receiver's anti-replay window (section 3.4.3) and its check that
//! the inner source address is the authenticated peer's (RFC 4301 section 5.2, the inbound
//! SPD check that binds traffic to the IKE identity).

use super::messages::{IkeCodec, IkeKeys, Inner, Msg};
use super::schedule::{auth, signed_octets};
use super::{EndConfig, Peer, ESP, ESP_PAYLOAD};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::Terms;
use properties::{Agent, Agents};

// Refusals that are the receiver's decision on a well-formed packet (`Protocol::POLICY`).
/// The anti-replay window has seen this sequence number (`no-anti-replay` has none).
pub const REPLAYED_SEQ: &str = "replayed ESP sequence number";
/// The inner source address is not the authenticated peer's (`identity-not-bound` does not
/// check).
pub const NOT_PEER_ADDRESS: &str = "source address is not the authenticated peer's";
/// The receiver's packet budget in this bound is spent.
pub const NO_MORE_PACKETS: &str = "no more ESP packets in this bound";

/// The packets a CHILD_SA takes in this bound: one more than its peer sends.
pub const MAX_PACKETS: u8 = 2;

/// What IKE_SA_INIT established, on both sides.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Exchange<V> {
    pub spi_i: V,
    pub spi_r: V,
    pub ni: V,
    pub nr: V,
    pub ke_i: V,
    pub ke_r: V,
    pub keys: IkeKeys<V>,
    /// The two IKE_SA_INIT messages as sent: each side's AUTH signs its own.
    pub msg1: V,
    pub msg2: V,
}

/// An IKE_AUTH message's protected contents (section 1.2): IDx, AUTH, the sender's inbound
/// CHILD_SA SPI (SAx2) and its traffic selector.
pub struct IdAuth<V> {
    pub id: V,
    pub auth: V,
    pub child_spi: V,
    pub ts: V,
}

impl<V: Clone + Eq> Exchange<V> {
    /// Section 2.15: the octets the initiator's (`by_responder` false) or the responder's
    /// AUTH covers for identity `id`: its own IKE_SA_INIT message, the other's nonce,
    /// prf(SK_pi or SK_pr, ID).
    pub fn octets<B: IkeCodec<Value = V>>(&self, b: &mut B, by_responder: bool, id: &V) -> V {
        match by_responder {
            false => signed_octets(b, &self.msg1, &self.nr, &self.keys.sk_pi, id),
            true => signed_octets(b, &self.msg2, &self.ni, &self.keys.sk_pr, id),
        }
    }

    /// Message 3 (`response` false) or 4 of end `c`: its identity, its AUTH, a fresh
    /// inbound CHILD_SA SPI (returned too) and its address.
    pub fn send_auth<B: IkeCodec<Value = V>>(
        &self,
        b: &mut B,
        c: &EndConfig<V>,
        response: bool,
    ) -> (V, V) {
        let octets = self.octets(b, response, &c.id);
        let child_spi = b.fresh(Fresh::Nonce(match response {
            false => "child_spi_i",
            true => "child_spi_r",
        }));
        let payload = IdAuth {
            id: c.id.clone(),
            auth: auth(b, &c.own, &octets),
            child_spi: child_spi.clone(),
            ts: c.addr.clone(),
        };
        (self.seal_auth(b, response, payload), child_spi)
    }

    /// Message 3 (`response` false: under SK_ei, message ID 1) or 4 (under SK_er, message
    /// ID 2) of this IKE SA.
    pub fn seal_auth<B: IkeCodec<Value = V>>(&self, b: &mut B, response: bool, p: IdAuth<V>) -> V {
        let IdAuth {
            id,
            auth,
            child_spi,
            ts,
        } = p;
        let (inner, key) = match response {
            false => (
                Inner::IdAuthI {
                    id,
                    auth,
                    child_spi,
                    ts,
                },
                &self.keys.sk_ei,
            ),
            true => (
                Inner::IdAuthR {
                    id,
                    auth,
                    child_spi,
                    ts,
                },
                &self.keys.sk_er,
            ),
        };
        let inner = b.encode_inner(&inner);
        let (spi_i, spi_r) = (self.spi_i.clone(), self.spi_r.clone());
        let sk = b.seal_sk(key, (&spi_i, &spi_r), response, &inner);
        b.encode(&match response {
            false => Msg::AuthRequest { spi_i, spi_r, sk },
            true => Msg::AuthResponse { spi_i, spi_r, sk },
        })
    }

    /// The contents of message 3 or 4 of this IKE SA.
    pub fn open_auth<B: IkeCodec<Value = V>>(
        &self,
        b: &mut B,
        response: bool,
        m: &V,
    ) -> Result<IdAuth<V>, Reject> {
        let (spi_i, spi_r, sk, key) = match (b.decode(m)?, response) {
            (Msg::AuthRequest { spi_i, spi_r, sk }, false) => (spi_i, spi_r, sk, &self.keys.sk_ei),
            (Msg::AuthResponse { spi_i, spi_r, sk }, true) => (spi_i, spi_r, sk, &self.keys.sk_er),
            _ => return Err(Reject("expected the IKE_AUTH message")),
        };
        if spi_i != self.spi_i || spi_r != self.spi_r {
            return Err(Reject("not this IKE SA"));
        }
        let inner = b
            .open_sk(key, (&spi_i, &spi_r), response, &sk)
            .ok_or(Reject("Encrypted payload does not open"))?;
        match (b.decode_inner(&inner)?, response) {
            (
                Inner::IdAuthI {
                    id,
                    auth,
                    child_spi,
                    ts,
                },
                false,
            )
            | (
                Inner::IdAuthR {
                    id,
                    auth,
                    child_spi,
                    ts,
                },
                true,
            ) => Ok(IdAuth {
                id,
                auth,
                child_spi,
                ts,
            }),
            _ => Err(Reject(match response {
                false => "expected IDi and AUTH",
                true => "expected IDr and AUTH",
            })),
        }
    }

    /// What the two ends agree on in IKE_AUTH: identities, SPIs, nonces, key shares.
    pub fn agreed<B: IkeCodec<Value = V>>(&self, b: &mut B, id_i: &V, id_r: &V) -> V {
        b.tuple(&[
            id_i,
            id_r,
            &self.spi_i,
            &self.spi_r,
            &self.ni,
            &self.nr,
            &self.ke_i,
            &self.ke_r,
        ])
    }
}

/// How the ends treat ESP: the variants' switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EspPolicy {
    /// The anti-replay window (RFC 4303 section 3.4.3).
    pub anti_replay: bool,
    /// Encryption (AEAD); off: ESP-NULL, integrity only (section 3.2.2).
    pub encrypt: bool,
    /// Inbound packets must come from the authenticated peer's address.
    pub bind_identity: bool,
}

/// An established CHILD_SA at one end.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct ChildSa<V> {
    /// The authenticated peer.
    pub peer: Agent,
    pub spi_in: V,
    pub key_in: V,
    /// The peer's address (its traffic selector).
    pub peer_addr: V,
    /// The sequence numbers accepted (the window).
    pub seen: Vec<u64>,
}

/// Send one packet on a new CHILD_SA from end `c` to `peer`: the payload is fresh, secret
/// to both ends, and the sender runs with its peer on it.
pub fn send_first<B: IkeCodec>(
    b: &mut B,
    c: &EndConfig<B::Value>,
    peer: &Peer<B::Value>,
    (spi_out, key_out): (&B::Value, &B::Value),
    out: &mut Vec<Output<B::Value>>,
) {
    let data = b.fresh(Fresh::Nonce("esp_data"));
    let packet = b.encode_inner(&Inner::Packet {
        src: c.addr.clone(),
        dst: peer.addr.clone(),
        data: data.clone(),
    });
    let body = b.seal_esp(key_out, spi_out, 1, c.esp.encrypt, &packet);
    let seq = b.seq(1);
    let esp = b.encode(&Msg::Esp {
        spi: spi_out.clone(),
        seq,
        body,
    });
    out.push(Output::running(c.me, peer.agent, ESP, data.clone()));
    out.push(Output::Claim(properties::Event::Secret {
        actor: c.me,
        partners: Agents::of(&[c.me, peer.agent]),
        claim: ESP_PAYLOAD,
        value: data,
    }));
    out.push(Output::Send("MSGin5G-1", esp));
}

impl<V: Clone + Eq> ChildSa<V> {
    /// An inbound packet at end `c`: SPI, ICV or AEAD tag, the anti-replay window, the
    /// source address; the receiver commits with the agent the packet is from (the peer
    /// when the address is checked, else whose address it is).
    pub fn receive<B: IkeCodec<Value = V>>(
        &self,
        b: &mut B,
        c: &EndConfig<V>,
        input: &V,
    ) -> Stepped<ChildSa<V>, V> {
        let policy = c.esp;
        let Msg::Esp { spi, seq, body } = b.decode(input)? else {
            return Err(Reject("expected an ESP packet"));
        };
        if spi != self.spi_in {
            return Err(Reject("unknown SPI"));
        }
        let n = b.seq_number(&seq).ok_or(Reject("bad sequence number"))?;
        let packet = b
            .open_esp(&self.key_in, &spi, n, policy.encrypt, &body)
            .ok_or(Reject("ESP integrity check failed"))?;
        let Inner::Packet { src, dst, data } = b.decode_inner(&packet)? else {
            return Err(Reject("not an inner packet"));
        };
        // RFC 4301 section 5.2: the inner destination is this end's (its traffic selector).
        if dst != c.addr {
            return Err(Reject("inner destination is not this end's address"));
        }
        if self.seen.len() >= MAX_PACKETS as usize {
            return Err(Reject(NO_MORE_PACKETS));
        }
        // Section 3.4.3: the window refuses a sequence number it has seen.
        if policy.anti_replay && self.seen.contains(&n) {
            return Err(Reject(REPLAYED_SEQ));
        }
        let from = match policy.bind_identity {
            true if src != self.peer_addr => return Err(Reject(NOT_PEER_ADDRESS)),
            true => self.peer,
            false => c.owner(&src).ok_or(Reject("source address of no one"))?,
        };
        let mut next = self.clone();
        next.seen.push(n);
        next.seen.sort_unstable();
        Ok((next, vec![Output::commit(c.me, from, ESP, data)]))
    }
}
