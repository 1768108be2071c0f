//! The AKMA Application Function: the MSGin5G server (TS 33.535 clause 6.2). It reads the
//! A-KID from the UE's ClientHello, asks the AAnF for K_AF with (A-KID, AF_ID), then runs
//! Ua*: the TLS-PSK server of `tls_psk`, with K_AF as the PSK of identity A-KID, fed the
//! ClientHello it kept.

use super::messages::{AkmaCodec, Sbi};
use super::{relay, AF_ID, K_AF};
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use crate::tls_psk::messages::{Handshake, NamedGroup, PskMode};
use crate::tls_psk::schedule::PskKind;
use crate::tls_psk::server::{PskEntry, Server, ServerConfig};
use properties::{Agent, Agents, Event};

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct AfConfig<V> {
    pub me: Agent,
    /// This AF's name on the channel to the AAnF (or NEF).
    pub name: V,
    pub aanf: Agent,
    pub aanf_name: V,
    /// The channel key shared with the AAnF; `None` for an unprotected channel.
    pub channel: Option<V>,
    pub af_id: V,
    /// The subscribers this AF serves, by GPSI: who a K_AF's GPSI names.
    pub subscribers: Vec<(V, Agent)>,
    pub mode: PskMode,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Af<V> {
    ExpectClientHello,
    /// Waiting for K_AF; `ch` is the ClientHello record, `request` the request sent (the
    /// response must answer it).
    ExpectKey {
        ch: V,
        a_kid: V,
        request: V,
    },
    /// Ua* under way with subscriber `peer`.
    Ua {
        a_kid: V,
        k_af: V,
        peer: Agent,
        tls: Server<V>,
    },
}

impl<V: Clone> AfConfig<V> {
    /// The Ua* server: one PSK, K_AF, under identity A-KID.
    pub fn ua(&self, a_kid: &V, k_af: &V, peer: Agent) -> ServerConfig<V> {
        ServerConfig {
            me: self.me,
            psks: vec![PskEntry {
                identity: a_kid.clone(),
                psk: k_af.clone(),
                kind: PskKind::External,
                peer,
            }],
            mode: self.mode,
            accept_early_data: false,
            check_binder: true,
            // Ua* on x25519 alone: the groups are not what the AKMA model asks about.
            groups: vec![NamedGroup::X25519],
            bind_hello_retry: true,
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug> Af<V> {
    pub fn step<B: AkmaCodec<Value = V>>(
        &self,
        cfg: &AfConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Self, V> {
        let input = input.ok_or(Reject("waiting for a message"))?;
        let mut out = Vec::new();
        let next = match self {
            // Clause 6.2 step 2: the application session establishment request.
            Af::ExpectClientHello => {
                let content = b.plaintext_content(input)?;
                let Handshake::ClientHello(hello) = b.decode(&content)? else {
                    return Err(Reject("expected ClientHello"));
                };
                // Step 3: Naanf_AKMA_ApplicationKey_Get(A-KID, AF_ID).
                let get = b.encode_sbi(&Sbi::ApplicationKeyGet {
                    a_kid: hello.identity.clone(),
                    af_id: cfg.af_id.clone(),
                });
                let env = b.seal_sbi(&cfg.name, cfg.channel.as_ref(), None, &get);
                let data = b.tuple(&[&hello.identity, &cfg.af_id]);
                out.push(Output::running(cfg.me, cfg.aanf, AF_ID, data));
                out.push(Output::Send("N62", env));
                Af::ExpectKey {
                    ch: input.clone(),
                    a_kid: hello.identity,
                    request: get,
                }
            }
            // Step 5: K_AF, its expiry, the GPSI (and the SUPI inside the operator's domain).
            Af::ExpectKey { ch, a_kid, request } => {
                if b.sbi_sender(input)? != cfg.aanf_name {
                    return Err(Reject("K_AF not from the AAnF"));
                }
                let body = b.open_sbi(input, cfg.channel.as_ref(), Some(request))?;
                let Sbi::ApplicationKey {
                    k_af, expiry, gpsi, ..
                } = b.decode_sbi(&body)?
                else {
                    return Err(Reject("expected AkmaAfKeyData"));
                };
                if b.expired(&expiry) {
                    return Err(Reject("K_AF has expired"));
                }
                let peer = cfg
                    .subscribers
                    .iter()
                    .find(|(g, _)| *g == gpsi)
                    .map(|(_, a)| *a)
                    .ok_or(Reject("K_AF for a GPSI this AF does not serve"))?;
                out.push(Output::Claim(Event::Secret {
                    actor: cfg.me,
                    partners: Agents::of(&[cfg.me, peer, cfg.aanf]),
                    claim: K_AF,
                    value: k_af.clone(),
                }));
                // Step 6: Ua* from the ClientHello kept at step 2.
                let ua = Af::Ua {
                    a_kid: a_kid.clone(),
                    k_af,
                    peer,
                    tls: Server::ExpectClientHello,
                };
                let (next, more) = ua.step(cfg, Some(ch), b)?;
                out.extend(more);
                next
            }
            Af::Ua {
                a_kid,
                k_af,
                peer,
                tls,
            } => {
                let (tls, inner) = tls.step(&cfg.ua(a_kid, k_af, *peer), Some(input), b)?;
                let data = b.tuple(&[a_kid, &cfg.af_id, k_af]);
                relay(inner, &data, &mut out);
                Af::Ua {
                    a_kid: a_kid.clone(),
                    k_af: k_af.clone(),
                    peer: *peer,
                    tls,
                }
            }
        };
        Ok((next, out))
    }
}
