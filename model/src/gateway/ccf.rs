//! The CAPIF core function (TS 23.222, TS 33.122 clause 6.5.2): it authenticates an API
//! invoker (the application server) by its certificate on CAPIF-1e and issues an access
//! token for the API exposing function (the MSGin5G server) it asks for.

use super::messages::{Accepted, CapifToken, GatewayCodec, Msg};
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use properties::Agent;

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The CCF's token budget is spent.
pub const NO_MORE_TOKENS: &str = "no more tokens in this bound";
/// A token request over a channel that authenticates no API invoker.
pub const NOT_AUTHENTICATED: &str = "API invoker not authenticated";
/// A token request from an API invoker the CCF has not onboarded.
pub const NOT_ONBOARDED: &str = "API invoker not onboarded";

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct CcfConfig<V> {
    pub me: Agent,
    /// Its private key (TLS) and token signing key.
    pub tls_key: V,
    pub signing_key: V,
    /// Onboarded API invokers: name, public key (certificate), the service it may use.
    pub invokers: Vec<(V, V, V)>,
    /// Tokens name their audience (`false`: `capif-token-without-audience`).
    pub audience: bool,
    /// TLS on CAPIF-1e (`false`: `no-transport-protection`).
    pub tls: bool,
    pub max_tokens: u8,
}

/// The tokens issued so far (it serves every request).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Ccf {
    pub issued: u8,
}

impl Ccf {
    pub fn step<V: Clone + Eq, B: GatewayCodec<Value = V>>(
        &self,
        cfg: &CcfConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Ccf, V> {
        let v = input.ok_or(Reject("the CAPIF core function only answers"))?;
        if self.issued >= cfg.max_tokens {
            return Err(Reject(NO_MORE_TOKENS));
        }
        let certs: Vec<(V, V)> = cfg
            .invokers
            .iter()
            .map(|(n, pk, _)| (n.clone(), pk.clone()))
            .collect();
        let Accepted {
            key,
            client: name,
            message: m,
        } = b.accept(cfg.tls.then_some(&cfg.tls_key), &certs, v)?;
        let Msg::TokenRequest { identity, server } = b.decode(&m)? else {
            return Err(Reject("expected a CAPIF token request"));
        };
        // The invoker is who its certificate says (in the clear: who it claims to be).
        if cfg.tls && name.as_ref() != Some(&identity) {
            return Err(Reject(NOT_AUTHENTICATED));
        }
        let (_, _, service) = cfg
            .invokers
            .iter()
            .find(|(n, _, _)| *n == identity)
            .ok_or(Reject(NOT_ONBOARDED))?;
        let token = b.sign_token(
            &cfg.signing_key,
            &CapifToken {
                subject: identity,
                aud: cfg.audience.then_some(server),
                service: service.clone(),
            },
        );
        let m = b.encode(&Msg::TokenResponse { token });
        let out = vec![Output::Send("CAPIF-1e", b.seal(&key, false, 0, &m))];
        Ok((
            Ccf {
                issued: self.issued + 1,
            },
            out,
        ))
    }
}
