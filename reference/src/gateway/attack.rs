//! Model attacks on gateway and AS registration, replayed on the reference: the scenario of
//! the trace's variant is rebuilt from the model, its terms given the trace's values (the
//! CAPIF core function's token key an ES256 key, the rest text), and the attacker's
//! messages evaluated into the JSON lines and ES256 CAPIF tokens of the reference. TLS is
//! below the roles: a first flight or record term evaluates to the message inside it, and
//! says which connection it comes on (its key) and which client certificate that
//! connection carries (the name it signs as, with a key the attacker holds: E's, or a
//! revealed one).

use crate::attack::{self, fresh_of, input_err, text_leaf, AttackInputs, Forger};
use crate::concrete::{Bytes, Concrete, Transport};
use crate::endpoint::Endpoint;
use crate::replay::Report;
use crate::trace::{Trace, TraceError};
use crate::wire::{Hex, Profile};
use model::backend::{Backend, Symbolic};
use model::gateway::messages::{self, CapifToken, GatewayCodec, Msg};
use model::gateway::{self, Gateway};
use model::harness::{DyModel, PropertyResult, Reject, RevealPolicy};
use model::term::{self, Term, TermId};
use std::collections::BTreeMap;

/// The CAPIF core function's token signing key (an ES256 key in a trace).
const CAPIF_SIGNING_KEY: &str = "sk_CCF_sign";

/// Write the counterexample of `result` (or the honest run) on the gateway model as a
/// trace. Replay rebuilds the scenario from the variant.
pub fn export(m: &DyModel<Gateway>, result: &PropertyResult, source: &str) -> Option<String> {
    let value = |a: &str| attack::text_value(a, CAPIF_SIGNING_KEY);
    attack::export_with(
        m,
        result,
        source,
        "MSGin5G-2/-3/-4",
        Vec::new(),
        None,
        &value,
    )
}

/// Evaluates the model's terms to the reference's messages.
struct Eval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
    /// The CAPIF tokens the CAPIF core function sent, with their claims: ES256 signatures
    /// are randomized, so a token term it made evaluates to the token it sent.
    tokens: Vec<(CapifToken<Bytes>, Bytes)>,
}

impl Eval<'_> {
    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        if let Some(v) = text_leaf(self.values, t) {
            return v;
        }
        match t.get() {
            Term::Sign { sk, msg } => {
                let claims = messages::token_claims(*msg).ok_or("a signature on no token")?;
                let claims = claims.try_map(&mut |v| self.eval(*v))?;
                if let Some((_, token)) = self.tokens.iter().find(|(c, _)| *c == claims) {
                    return Ok(token.clone());
                }
                let sk = self.eval(*sk)?;
                self.b
                    .try_sign_capif(&sk, &claims)
                    .map_err(|Reject(r)| format!("CAPIF token: {r}"))
            }
            // TLS is below the roles: the message inside a first flight or record.
            Term::AEnc { msg, .. } => {
                let f = term::tagged(*msg, messages::TLS, 4).ok_or("not a first flight")?;
                self.eval(f[3])
            }
            Term::Aead { pt, .. } => self.eval(*pt),
            Term::Tuple(parts) => {
                if let Some(f) = term::tagged(t, messages::PLAIN, 2) {
                    return self.eval(f[1]);
                }
                match (Symbolic { session: 0 }).decode(&t) {
                    Ok(m) => {
                        let m = m.try_map(&mut |v| self.eval(*v))?;
                        self.b
                            .try_encode_gateway(&m)
                            .map_err(|Reject(r)| format!("message: {r}"))
                    }
                    // Claim data.
                    Err(_) => {
                        let vs = parts
                            .iter()
                            .map(|p| self.eval(*p))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(self.b.tuple(&vs.iter().collect::<Vec<_>>()))
                    }
                }
            }
            _ => Err(format!("cannot evaluate {t:?}")),
        }
    }

    /// The connection a forged term comes on: its key, with the client certificate's name
    /// when it signs as a client.
    fn connection(&mut self, t: TermId) -> Option<Transport> {
        let (key, peer) = match t.get() {
            Term::AEnc { msg, .. } => {
                let f = term::tagged(*msg, messages::TLS, 4)?;
                let signed = matches!(f[2].get(), Term::Sign { .. });
                (f[0], signed.then_some(f[1]))
            }
            Term::Aead { key, .. } => (*key, None),
            _ => (term::tagged(t, messages::PLAIN, 2)?[0], None),
        };
        Some(Transport {
            connection: self.eval(key).ok()?.0,
            peer: peer.and_then(|p| self.eval(p).ok()),
        })
    }
}

impl Forger for Eval<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn observe(&mut self, sent: &Bytes) {
        if let Ok(Msg::TokenResponse { token }) = self.b.decode(sent) {
            let claims = std::str::from_utf8(&token.0)
                .ok()
                .and_then(unverified_claims);
            if let Some(c) = claims {
                self.tokens.push((c, token));
            }
        }
    }
    fn transport(
        &mut self,
        step: usize,
        forged: Option<TermId>,
        replayed: Option<&Transport>,
    ) -> Transport {
        let default = || Transport {
            connection: (step as u64).to_be_bytes().to_vec(),
            peer: None,
        };
        match (forged, replayed) {
            (Some(t), _) => self.connection(t).unwrap_or_else(default),
            (None, Some(on)) => on.clone(),
            (None, None) => default(),
        }
    }
}

/// The claims of a CAPIF token an honest role issued, read without its signature.
fn unverified_claims(token: &str) -> Option<CapifToken<Bytes>> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    super::capif_token(serde_json::from_slice(&payload).ok()?).ok()
}

/// Replay an exported gateway attack on the reference roles.
pub fn replay(t: &Trace, inputs: &AttackInputs) -> Result<Report, TraceError> {
    let name = t.header.variant.as_deref().unwrap_or("default");
    let v = gateway::variant(name)
        .ok_or_else(|| input_err(format!("unknown gateway variant {name:?}")))?;
    let m = gateway::model(v, RevealPolicy::Final);
    let mut eval = Eval {
        values: &inputs.values,
        b: Concrete::new(Profile::default()),
        tokens: Vec::new(),
    };
    let lanes = (0..m.scenario.instances.len())
        .map(|i| m.lane_name(i))
        .collect();
    let eps = m
        .scenario
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let cfg = inst
                .cfg
                .try_map(&mut |v| eval.eval(*v))
                .map_err(input_err)?;
            let role = cfg.initial();
            let b = Concrete::replaying(Profile::default(), fresh_of(&inputs.values, i));
            Ok(Endpoint::from_parts(role, cfg, b))
        })
        .collect::<Result<Vec<_>, TraceError>>()?;
    attack::run(t, inputs, eps, lanes, gateway::properties(), &mut eval)
}
