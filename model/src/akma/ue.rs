//! The UE (the MSGin5G client's device): after primary authentication it holds K_AUSF and
//! its SUPI, derives the AKMA keys (TS 33.535 clause 6.1 step 2) and K_AF for the AF it
//! wants to reach (clause 6.2 step 1), then runs Ua*: the TLS-PSK client of `tls_psk`, with
//! K_AF as the external PSK and the A-KID as its identity (the A-KID reaches the AF in the
//! ClientHello: clause 6.2 step 2, "application session establishment request").

use super::keys::{self, AkmaBackend};
use super::{relay, K_AF, K_AKMA, SUPI};
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use crate::tls_psk::client::{Client, ClientConfig};
use crate::tls_psk::messages::{NamedGroup, PskMode, TlsCodec};
use crate::tls_psk::schedule::PskKind;
use properties::{Agent, Agents, Event};

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct UeConfig<V> {
    pub me: Agent,
    /// The AF (MSGin5G server) this UE means to reach.
    pub af: Agent,
    pub ausf: Agent,
    pub aanf: Agent,
    pub k_ausf: V,
    pub supi: V,
    /// Routing indicator and home network identifier, for the A-KID.
    pub rid: V,
    pub hni: V,
    /// The AF_ID of the AF it means to reach.
    pub af_id: V,
    /// Who may learn the SUPI: the home network and the AFs inside the operator's domain.
    pub supi_partners: Agents,
    pub mode: PskMode,
    /// K_AF bound to AF_ID (off in `kaf-without-afid`).
    pub kaf_bound: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Ue<V> {
    Start,
    /// Ua* under way.
    Ua {
        a_kid: V,
        k_af: V,
        tls: Client<V>,
    },
}

impl<V: Clone> UeConfig<V> {
    /// The Ua* client: K_AF as the external PSK, A-KID as its identity.
    pub fn ua(&self, a_kid: &V, k_af: &V) -> ClientConfig<V> {
        ClientConfig {
            me: self.me,
            peer: self.af,
            psk: k_af.clone(),
            psk_kind: PskKind::External,
            identity: a_kid.clone(),
            mode: self.mode,
            early_data: false,
            // Ua* on x25519 alone: the groups are not what the AKMA model asks about.
            groups: vec![NamedGroup::X25519],
            bind_hello_retry: true,
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug> Ue<V> {
    pub fn step<B: TlsCodec<Value = V> + AkmaBackend>(
        &self,
        cfg: &UeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Self, V> {
        let mut out = Vec::new();
        let (a_kid, k_af, tls) = match self {
            Ue::Start => {
                if input.is_some() {
                    return Err(Reject("the UE has not started"));
                }
                let a = keys::anchor(b, &cfg.k_ausf, &cfg.supi, &cfg.rid, &cfg.hni);
                let k_af = keys::k_af(b, &a.k_akma, &cfg.af_id, cfg.kaf_bound);
                let secret = |partners, claim, value| {
                    Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners,
                        claim,
                        value,
                    })
                };
                let home = [cfg.me, cfg.ausf, cfg.aanf];
                out.push(secret(Agents::of(&home), K_AKMA, a.k_akma));
                out.push(secret(
                    Agents::of(&[cfg.me, cfg.af, cfg.aanf]),
                    K_AF,
                    k_af.clone(),
                ));
                out.push(secret(cfg.supi_partners, SUPI, cfg.supi.clone()));
                (a.a_kid, k_af, Client::Start)
            }
            Ue::Ua { a_kid, k_af, tls } => (a_kid.clone(), k_af.clone(), tls.clone()),
        };
        let (tls, inner) = tls.step(&cfg.ua(&a_kid, &k_af), input, b)?;
        let data = b.tuple(&[&a_kid, &cfg.af_id, &k_af]);
        relay(inner, &data, &mut out);
        Ok((Ue::Ua { a_kid, k_af, tls }, out))
    }
}
