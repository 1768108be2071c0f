//! The messages of group message delivery (`seeds/003` clause 4.1) and their protection.
//!
//! Interfaces: T8/Tsp between the SCS and the SCEF or MTC-IWF (TLS, as TS 33.187 secures
//! Tsp: modelled as AEAD under the pair's key), S6m and T4 inside the operator's network
//! (NDS/IP, TS 33.210: AEAD under a core key), NAS between the network and a UE (AEAD under
//! the UE's NAS key), and the group message itself (solution 2: AEAD under Gkey and the
//! SCEF's signature; solution 1: the same made by the SCS).

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::MapValues;
use crate::term::{self, Term, TermId};
use crate::term::{Tagged, Terms};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues, Tagged)]
pub enum Msg<V> {
    /// T8 (to the SCEF) or Tsp (to the MTC-IWF): the SCS's message for External Group ID
    /// `group`; `indication` says it is a group message (clause 4.1.3: "the network should
    /// be able to distinguish group message from other messages").
    #[tag(GROUP_REQUEST)]
    GroupRequest {
        sender: V,
        group: V,
        indication: V,
        id: V,
        payload: V,
    },
    /// The delivery report to the SCS; `local` is the Local Group ID when it leaks.
    #[tag(REPORT)]
    Report { group: V, local: Option<V> },
    /// Solution 2 step 4: the group security credentials to a UE in NAS signalling.
    #[tag(CREDENTIALS)]
    Credentials {
        group: V,
        gkey: V,
        verify_key: V,
        kid: V,
    },
    /// Solution 2 step 7 (solution 1: made by the SCS): key index, algorithm id, group,
    /// sender and message id in the clear, the payload in `body` (AEAD under Gkey, or the
    /// payload and a MAC when only integrity is on), the signature over all of it.
    #[tag(PROTECTED)]
    Protected {
        kid: V,
        alg: V,
        group: V,
        sender: V,
        id: V,
        body: V,
        sig: Option<V>,
    },
    /// S6m (solution 6): the MTC-IWF asks the HSS to resolve the External Group ID and
    /// whether the sender may send a group message to it.
    #[tag(RESOLVE)]
    Resolve { sender: V, group: V },
    /// The HSS's answer: the Local Group ID, the members (the IMSIs, as their NAS peers),
    /// and the sender's authorization (`GROUP_AUTHORIZED` or not).
    #[tag(RESOLVED)]
    Resolved {
        sender: V,
        group: V,
        local: V,
        authorized: V,
    },
    /// T4 (MTC-IWF to SMS-SC) and SMS in NAS (to the UE): a trigger to one member with the
    /// Trigger Indication, the External Group ID and the payload.
    #[tag(TRIGGER)]
    Trigger {
        ue: V,
        indication: V,
        group: V,
        sender: V,
        id: V,
        payload: V,
    },
    /// A member's own message to the network (the Editor's Notes of clause 4.1.1).
    #[tag(UPLINK)]
    Uplink { ue: V, id: V, payload: V },
}

/// How a backend encodes these messages and signs group messages.
pub trait GroupCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
    fn sign(&mut self, sk: &Self::Value, m: &Self::Value) -> Self::Value;
    fn verify(&mut self, pk: &Self::Value, m: &Self::Value, sig: &Self::Value) -> bool;
    /// The verification key of a signing key.
    fn verify_key(&mut self, sk: &Self::Value) -> Self::Value;
    /// The AEAD nonce of a group message, from its message id (unique per message).
    fn body_nonce(&mut self, id: &Self::Value) -> Self::Value;
    /// AEAD of a group message body; `open_body` is `None` when it does not open.
    fn seal_body(
        &mut self,
        key: &Self::Value,
        nonce: &Self::Value,
        ad: &Self::Value,
        pt: &Self::Value,
    ) -> Self::Value;
    fn open_body(
        &mut self,
        key: &Self::Value,
        nonce: &Self::Value,
        ad: &Self::Value,
        ct: &Self::Value,
    ) -> Option<Self::Value>;
    /// `m` on an interface (T8, Tsp, S6m, T4, NAS) under its security association's key.
    fn seal_on(&mut self, key: &Self::Value, iface: &'static str, m: &Self::Value) -> Self::Value;
    fn open_on(
        &mut self,
        key: &Self::Value,
        iface: &'static str,
        v: &Self::Value,
    ) -> Result<Self::Value, Reject>;
}

const GROUP_REQUEST: &str = "group message request";
const REPORT: &str = "delivery report";
const CREDENTIALS: &str = "group security credentials";
const PROTECTED: &str = "protected group message";
const RESOLVE: &str = "S6m group resolution request";
const RESOLVED: &str = "S6m group resolution answer";
const TRIGGER: &str = "group trigger";
const UPLINK: &str = "uplink message";
/// The Trigger Indication / request type of a group message.
pub const GROUP: &str = "group";
/// A request that does not say what it is (`no-group-indication`).
pub const UNSPECIFIED: &str = "unspecified";
pub const GROUP_AUTHORIZED: &str = "authorized";
pub const NOT_AUTHORIZED: &str = "not authorized";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

impl GroupCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        m.to_term()
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        Msg::from_term(*v).ok_or(Reject("not a group messaging message"))
    }

    fn sign(&mut self, sk: &TermId, m: &TermId) -> TermId {
        term::sign(*sk, *m)
    }

    fn verify(&mut self, pk: &TermId, m: &TermId, sig: &TermId) -> bool {
        matches!(sig.get(), Term::Sign { sk, msg } if term::pk(*sk) == *pk && msg == m)
    }

    fn verify_key(&mut self, sk: &TermId) -> TermId {
        term::pk(*sk)
    }

    fn body_nonce(&mut self, id: &TermId) -> TermId {
        term::tuple(&[c("group message nonce"), *id])
    }

    fn seal_body(&mut self, key: &TermId, nonce: &TermId, ad: &TermId, pt: &TermId) -> TermId {
        self.aead_seal(key, nonce, ad, pt)
    }

    fn open_body(
        &mut self,
        key: &TermId,
        nonce: &TermId,
        ad: &TermId,
        ct: &TermId,
    ) -> Option<TermId> {
        self.aead_open(key, nonce, ad, ct)
    }

    fn seal_on(&mut self, key: &TermId, iface: &'static str, m: &TermId) -> TermId {
        crate::channel::seal_channel(self, key, iface, m)
    }

    fn open_on(&mut self, key: &TermId, iface: &'static str, v: &TermId) -> Result<TermId, Reject> {
        crate::channel::open_channel(self, key, iface, v)
    }
}

/// What a group message's protection covers besides its payload (solution 2 step 7: the
/// key index and algorithm id travel with it).
pub fn header<B: Backend>(
    b: &mut B,
    kid: &B::Value,
    alg: &B::Value,
    group: &B::Value,
    sender: &B::Value,
    id: &B::Value,
) -> B::Value {
    b.tuple(&[kid, alg, group, sender, id])
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = Msg::TAGS;
    match v.get() {
        Term::Aead { pt, ad, .. } => {
            let inner = term::tag_name(*pt, names)?;
            let via = match ad.get() {
                Term::Atom { name, .. } => name,
                _ => "AEAD",
            };
            Some(format!("{via}{{{inner}}}"))
        }
        _ => term::tag_name(v, names),
    }
}
