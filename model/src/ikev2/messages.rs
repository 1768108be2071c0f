//! IKEv2 messages (RFC 7296 section 1.2: IKE_SA_INIT and IKE_AUTH) and ESP records (RFC
//! 4303), generic over the value type, and the codec a backend provides for them and for
//! IKEv2's own primitives (prf, prf+, signatures). The symbolic codec is here.

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::{self, Term, TermId};
use crate::term::{MapValues, Tagged, Terms};

/// The messages on the wire. The IKE header's SPIs head each IKE message; the exchange
/// type and the response flag are the variant (section 3.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues, Tagged)]
pub enum Msg<V> {
    /// 1. HDR(SPIi, 0), SAi1, KEi, Ni (section 1.2).
    #[tag(SA_INIT_REQUEST)]
    SaInitRequest { spi_i: V, sa: V, ke: V, nonce: V },
    /// 2. HDR(SPIi, SPIr), SAr1, KEr, Nr.
    #[tag(SA_INIT_RESPONSE)]
    SaInitResponse {
        spi_i: V,
        spi_r: V,
        sa: V,
        ke: V,
        nonce: V,
    },
    /// 3. HDR, SK{IDi, AUTH, SAi2, TSi, TSr}: `sk` the Encrypted payload (section 3.14).
    #[tag(AUTH_REQUEST)]
    AuthRequest { spi_i: V, spi_r: V, sk: V },
    /// 4. HDR, SK{IDr, AUTH, SAr2, TSi, TSr}.
    #[tag(AUTH_RESPONSE)]
    AuthResponse { spi_i: V, spi_r: V, sk: V },
    /// An ESP packet (RFC 4303 section 2): SPI, sequence number, and the protected inner
    /// packet (AEAD, or in the clear with an ICV under ESP-NULL).
    #[tag(ESP)]
    Esp { spi: V, seq: V, body: V },
}

/// What an IKE_AUTH message's Encrypted payload carries: the identity, the AUTH payload,
/// the CHILD_SA's inbound SPI (SAi2/SAr2) and the traffic selector (the sender's address).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues, Tagged)]
pub enum Inner<V> {
    /// Message 3's: IDi, AUTH, SAi2, TSi (`ts`), TSr.
    #[tag(ID_AUTH_I)]
    IdAuthI { id: V, auth: V, child_spi: V, ts: V },
    /// Message 4's: IDr, AUTH, SAr2, TSi, TSr (`ts`).
    #[tag(ID_AUTH_R)]
    IdAuthR { id: V, auth: V, child_spi: V, ts: V },
    /// The inner IP packet of an ESP record: its source and destination addresses and
    /// payload.
    #[tag(PACKET)]
    Packet { src: V, dst: V, data: V },
}

const SA_INIT_REQUEST: &str = "IKE_SA_INIT request";
const SA_INIT_RESPONSE: &str = "IKE_SA_INIT response";
const AUTH_REQUEST: &str = "IKE_AUTH request";
const AUTH_RESPONSE: &str = "IKE_AUTH response";
const ESP: &str = "ESP";
const ID_AUTH_I: &str = "IDi AUTH SAi2 TSi TSr";
const ID_AUTH_R: &str = "IDr AUTH SAr2 TSi TSr";
const PACKET: &str = "packet";

/// The keys of an IKE SA (section 2.14). With an AEAD transform (RFC 5282) SK_ai and SK_ar
/// are empty and not derived.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct IkeKeys<V> {
    pub sk_d: V,
    pub sk_ei: V,
    pub sk_er: V,
    pub sk_pi: V,
    pub sk_pr: V,
}

/// The keys of a CHILD_SA (section 2.17): initiator to responder first.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct ChildKeys<V> {
    pub i_to_r: V,
    pub r_to_i: V,
}

/// How a backend encodes IKEv2 and ESP, and computes IKEv2's primitives.
pub trait IkeCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
    fn encode_inner(&mut self, m: &Inner<Self::Value>) -> Self::Value;
    fn decode_inner(&mut self, v: &Self::Value) -> Result<Inner<Self::Value>, Reject>;
    /// The negotiated PRF (PRF_HMAC_SHA2_256).
    fn prf(&mut self, key: &Self::Value, data: &Self::Value) -> Self::Value;
    /// prf+(K, S) cut into the keys `names` of `len` octets each, in order (section 2.13).
    fn prf_plus(
        &mut self,
        key: &Self::Value,
        seed: &Self::Value,
        names: &[(&'static str, usize)],
    ) -> Vec<Self::Value>;
    fn sign(&mut self, sk: &Self::Value, octets: &Self::Value) -> Self::Value;
    fn verify(&mut self, pk: &Self::Value, octets: &Self::Value, sig: &Self::Value) -> bool;
    /// The Encrypted payload of IKE_AUTH's request (`response` false, from the original
    /// initiator) or response on the IKE SA (SPIi, SPIr): RFC 5282 AEAD with the IKE
    /// header and the payload's own header as additional data (section 5.1).
    fn seal_sk(
        &mut self,
        key: &Self::Value,
        spis: (&Self::Value, &Self::Value),
        response: bool,
        pt: &Self::Value,
    ) -> Self::Value;
    fn open_sk(
        &mut self,
        key: &Self::Value,
        spis: (&Self::Value, &Self::Value),
        response: bool,
        sk: &Self::Value,
    ) -> Option<Self::Value>;
    /// An ESP body under `key` for (SPI, seq): AEAD (RFC 4106), or with `encrypt` false
    /// the packet in the clear and its ICV (ESP-NULL, RFC 4303 section 3.2.2).
    fn seal_esp(
        &mut self,
        key: &Self::Value,
        spi: &Self::Value,
        seq: u64,
        encrypt: bool,
        pt: &Self::Value,
    ) -> Self::Value;
    fn open_esp(
        &mut self,
        key: &Self::Value,
        spi: &Self::Value,
        seq: u64,
        encrypt: bool,
        body: &Self::Value,
    ) -> Option<Self::Value>;
    /// An ESP sequence number on the wire, and back.
    fn seq(&mut self, n: u64) -> Self::Value;
    fn seq_number(&mut self, v: &Self::Value) -> Option<u64>;
}

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

/// The symbolic nonce of an IKE_AUTH Encrypted payload: the message it is in (a key
/// seals one message each way).
fn sk_nonce(response: bool) -> TermId {
    c(term::numbered("IKE message", 1 + response as usize))
}

/// The ESP sequence numbers the symbolic model names (the senders send one record, the
/// attacker may number its own up to this).
pub const MAX_SEQ: u64 = 2;

impl IkeCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        m.to_term()
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        Msg::from_term(*v).ok_or(Reject("not an IKEv2 or ESP message"))
    }

    fn encode_inner(&mut self, m: &Inner<TermId>) -> TermId {
        m.to_term()
    }

    fn decode_inner(&mut self, v: &TermId) -> Result<Inner<TermId>, Reject> {
        Inner::from_term(*v).ok_or(Reject("malformed protected payload"))
    }

    fn prf(&mut self, key: &TermId, data: &TermId) -> TermId {
        term::hmac(*key, *data)
    }

    fn prf_plus(
        &mut self,
        key: &TermId,
        seed: &TermId,
        names: &[(&'static str, usize)],
    ) -> Vec<TermId> {
        names
            .iter()
            .map(|(name, _)| term::expand_label(*key, c(name), *seed))
            .collect()
    }

    fn sign(&mut self, sk: &TermId, octets: &TermId) -> TermId {
        term::sign(*sk, *octets)
    }

    fn verify(&mut self, pk: &TermId, octets: &TermId, sig: &TermId) -> bool {
        matches!(sig.get(), Term::Sign { sk, msg } if crate::registry::verifies(*pk, *sk) && msg == octets)
    }

    fn seal_sk(
        &mut self,
        key: &TermId,
        (spi_i, spi_r): (&TermId, &TermId),
        response: bool,
        pt: &TermId,
    ) -> TermId {
        let header = term::tuple(&[*spi_i, *spi_r]);
        self.aead_seal(key, &sk_nonce(response), &header, pt)
    }

    fn open_sk(
        &mut self,
        key: &TermId,
        (spi_i, spi_r): (&TermId, &TermId),
        response: bool,
        sk: &TermId,
    ) -> Option<TermId> {
        let header = term::tuple(&[*spi_i, *spi_r]);
        self.aead_open(key, &sk_nonce(response), &header, sk)
    }

    fn seal_esp(
        &mut self,
        key: &TermId,
        spi: &TermId,
        seq: u64,
        encrypt: bool,
        pt: &TermId,
    ) -> TermId {
        let seq = self.seq(seq);
        let ad = term::tuple(&[*spi, seq]);
        match encrypt {
            true => self.aead_seal(key, &seq, &ad, pt),
            false => term::tuple(&[*pt, term::hmac(*key, term::tuple(&[ad, *pt]))]),
        }
    }

    fn open_esp(
        &mut self,
        key: &TermId,
        spi: &TermId,
        seq: u64,
        encrypt: bool,
        body: &TermId,
    ) -> Option<TermId> {
        let seq = self.seq(seq);
        let ad = term::tuple(&[*spi, seq]);
        match (encrypt, body.get()) {
            (true, _) => self.aead_open(key, &seq, &ad, body),
            (false, Term::Tuple(f)) => match &f[..] {
                [pt, icv] if *icv == term::hmac(*key, term::tuple(&[ad, *pt])) => Some(*pt),
                _ => None,
            },
            (false, _) => None,
        }
    }

    fn seq(&mut self, n: u64) -> TermId {
        c(term::numbered("seq", n as usize))
    }

    fn seq_number(&mut self, v: &TermId) -> Option<u64> {
        (1..=MAX_SEQ).find(|n| self.seq(*n) == *v)
    }
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let m = Msg::from_term(v)?;
    Some(match m {
        Msg::Esp { seq, .. } => format!("ESP({})", term::Shown(seq, 1)),
        _ => term::tag_name(v, Msg::TAGS)?,
    })
}
