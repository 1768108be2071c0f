//! The home network's AKMA functions: the AUSF, which registers the AKMA anchor key after
//! primary authentication (TS 33.535 clause 6.1), and the AAnF, which keeps it and answers
//! AFs' requests for application keys (clause 6.2 steps 3-5; for an AF outside the
//! operator's domain the NEF's checks of clause 6.3 are folded in here).

use super::keys;
use super::messages::{Sbi, SbiCodec};
use super::{AF_ID, K_AF, K_AKMA};
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use properties::{Agent, Agents, Event};

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct AusfConfig<V> {
    pub me: Agent,
    pub ue: Agent,
    pub aanf: Agent,
    pub name: V,
    /// The channel key shared with the AAnF; `None` for an unprotected channel.
    pub channel: Option<V>,
    pub k_ausf: V,
    pub supi: V,
    pub rid: V,
    pub hni: V,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Ausf {
    Start,
    Done,
}

impl Ausf {
    pub fn step<B: SbiCodec>(
        &self,
        cfg: &AusfConfig<B::Value>,
        input: Option<&B::Value>,
        b: &mut B,
    ) -> Stepped<Self, B::Value> {
        if *self != Ausf::Start || input.is_some() {
            return Err(Reject("the AUSF registers once"));
        }
        // Clause 6.1 step 3: K_AKMA and A-KID from K_AUSF; step 4: register them.
        let a = keys::anchor(b, &cfg.k_ausf, &cfg.supi, &cfg.rid, &cfg.hni);
        let reg = b.encode_sbi(&Sbi::AnchorKeyRegister {
            supi: cfg.supi.clone(),
            a_kid: a.a_kid,
            k_akma: a.k_akma.clone(),
        });
        let env = b.seal_sbi(&cfg.name, cfg.channel.as_ref(), None, &reg);
        let out = vec![
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: Agents::of(&[cfg.ue, cfg.me, cfg.aanf]),
                claim: K_AKMA,
                value: a.k_akma,
            }),
            Output::Send("N61", env),
        ];
        Ok((Ausf::Done, out))
    }
}

/// An AF the AAnF knows: its channel, the AF_ID it owns, and whether it is inside the
/// operator's domain (clause 6.2 step 4: only then may it be given the SUPI).
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Grant<V> {
    pub agent: Agent,
    pub name: V,
    pub channel: Option<V>,
    pub af_id: V,
    pub internal: bool,
}

/// A subscriber: SUPI, GPSI, and the UE agent.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Subscriber<V> {
    pub agent: Agent,
    pub supi: V,
    pub gpsi: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct AanfConfig<V> {
    pub me: Agent,
    pub name: V,
    pub ausf_name: V,
    pub ausf_channel: Option<V>,
    /// The AFs authorized for AKMA.
    pub afs: Vec<Grant<V>>,
    pub subscribers: Vec<Subscriber<V>>,
    /// Check that the requesting AF owns the AF_ID it asks for (off in
    /// `afid-not-authenticated`).
    pub check_af_id: bool,
    /// Give the SUPI to AFs outside the operator's domain too (`supi-to-external-af`).
    pub supi_to_external: bool,
    pub kaf_bound: bool,
    pub expiry: V,
    /// Requests it answers before it stops (the bound).
    pub requests: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Aanf<V> {
    ExpectRegister,
    Serving {
        supi: V,
        a_kid: V,
        k_akma: V,
        left: u8,
    },
    Done,
}

impl<V: Clone + Eq> Aanf<V> {
    pub fn step<B: SbiCodec<Value = V>>(
        &self,
        cfg: &AanfConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Self, V> {
        let env = input.ok_or(Reject("waiting for a message"))?;
        match self {
            // Clause 6.1 step 4: store (SUPI, A-KID, K_AKMA).
            Aanf::ExpectRegister => {
                if b.sbi_sender(env)? != cfg.ausf_name {
                    return Err(Reject("anchor key registration not from the AUSF"));
                }
                let body = b.open_sbi(env, cfg.ausf_channel.as_ref(), None)?;
                let Sbi::AnchorKeyRegister {
                    supi,
                    a_kid,
                    k_akma,
                } = b.decode_sbi(&body)?
                else {
                    return Err(Reject("expected Naanf_AKMA_AnchorKey_Register"));
                };
                Ok((
                    Aanf::Serving {
                        supi,
                        a_kid,
                        k_akma,
                        left: cfg.requests,
                    },
                    Vec::new(),
                ))
            }
            Aanf::Serving {
                supi,
                a_kid,
                k_akma,
                left,
            } => {
                // Clause 6.2 step 4: the requesting AF must be authorized ...
                let sender = b.sbi_sender(env)?;
                let from = cfg
                    .afs
                    .iter()
                    .find(|g| g.name == sender)
                    .ok_or(Reject("request from an AF not authorized for AKMA"))?;
                let body = b.open_sbi(env, from.channel.as_ref(), None)?;
                let Sbi::ApplicationKeyGet {
                    a_kid: asked,
                    af_id,
                } = b.decode_sbi(&body)?
                else {
                    return Err(Reject("expected Naanf_AKMA_ApplicationKey_Get"));
                };
                if asked != *a_kid {
                    return Err(Reject("unknown A-KID"));
                }
                // ... for the AF_ID it asks for.
                let owner = cfg
                    .afs
                    .iter()
                    .find(|g| g.af_id == af_id)
                    .ok_or(Reject("unknown AF_ID"))?;
                if cfg.check_af_id && owner.agent != from.agent {
                    return Err(Reject("AF_ID not owned by the requesting AF"));
                }
                let ue = cfg
                    .subscribers
                    .iter()
                    .find(|s| s.supi == *supi)
                    .ok_or(Reject("no subscriber for this SUPI"))?;
                let k_af = keys::k_af(b, k_akma, &af_id, cfg.kaf_bound);
                let data = b.tuple(&[a_kid, &af_id]);
                let partners = Agents::of(&[owner.agent, ue.agent, cfg.me]);
                let mut out = vec![
                    Output::commit(cfg.me, owner.agent, AF_ID, data),
                    Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners,
                        claim: K_AF,
                        value: k_af.clone(),
                    }),
                ];
                // Step 5: the SUPI only to an AF inside the operator's domain.
                let reply = b.encode_sbi(&Sbi::ApplicationKey {
                    k_af,
                    expiry: cfg.expiry.clone(),
                    supi: (from.internal || cfg.supi_to_external).then(|| supi.clone()),
                    gpsi: ue.gpsi.clone(),
                });
                out.push(Output::Send(
                    "N62",
                    b.seal_sbi(&cfg.name, from.channel.as_ref(), Some(&body), &reply),
                ));
                let next = match left {
                    0 | 1 => Aanf::Done,
                    n => Aanf::Serving {
                        supi: supi.clone(),
                        a_kid: a_kid.clone(),
                        k_akma: k_akma.clone(),
                        left: n - 1,
                    },
                };
                Ok((next, out))
            }
            Aanf::Done => Err(Reject("the AAnF's request budget is spent")),
        }
    }
}
