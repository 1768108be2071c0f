//! Model attacks on solution #1, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given the trace's values (SIM-S's signing
//! key an ES256 key, the rest text), and the attacker's messages evaluated into real HTTP
//! messages and ES256 JWTs. The tunnels are TLS below the roles, so a tunnel term evaluates
//! to the message inside it.

use crate::attack::{self, fresh_of, input_err, text_leaf, AttackInputs, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::{Endpoint, Machine};
use crate::replay::Report;
use crate::trace::{Trace, TraceError};
use crate::wire::{Hex, Profile};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::backend::Symbolic;
use model::harness::{DyModel, Output, PropertyResult, Reject, RevealPolicy, Status};
use model::oidc::messages::{self, Msg, OidcCodec, Token};
use model::oidc::{self, Config, Oidc, Role, S};
use model::term::{self, Term, TermId};
use std::collections::BTreeMap;

impl Machine for Role<Bytes> {
    type Config = Config<Bytes>;
    fn step(
        &self,
        cfg: &Config<Bytes>,
        input: Option<&Bytes>,
        b: &mut Concrete,
    ) -> Result<(Self, Vec<Output<Bytes>>), Reject> {
        Role::step(self, cfg, input, b)
    }
    fn status(&self) -> Status {
        Role::status(self)
    }
    fn waiting_for(&self) -> &'static str {
        Role::waiting_for(self)
    }
}

/// The user's sessions with S in model `m` (what rebuilds its scenario).
fn sessions(m: &DyModel<Oidc>) -> usize {
    m.scenario
        .instances
        .iter()
        .filter(|i| matches!(&i.cfg, Config::Ue(c) if c.client.server == S))
        .count()
}

/// Write the counterexample of `result` (or the honest run) on the OIDC model as a trace.
pub fn export(m: &DyModel<Oidc>, result: &PropertyResult, source: &str) -> Option<String> {
    let n = sessions(m);
    let value = |a: &str| attack::text_value(a, oidc::SIGNING_KEY);
    attack::export_with(m, result, source, "MSGin5G-1", Vec::new(), Some(n), &value)
}

/// Evaluates solution #1's terms to its concrete messages.
struct Eval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
    /// The tokens honest roles sent, with their claims: ES256 signatures are randomized, so
    /// a signature term SIM-S made evaluates to the token SIM-S sent, not a new one.
    tokens: Vec<(Token<Bytes>, Bytes)>,
}

impl Eval<'_> {
    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        // A tunnel's key is TLS's business.
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
                    .try_sign(&sk, &claims)
                    .map_err(|Reject(r)| format!("token: {r}"))
            }
            Term::AEnc { msg, .. } => {
                let f = term::tagged(*msg, messages::TUNNEL, 2).ok_or("not a tunnel request")?;
                self.eval(f[1])
            }
            Term::Aead { pt, .. } => self.eval(*pt),
            Term::Hash(v) => {
                let v = self.eval(*v)?;
                Ok(self.b.challenge(&v))
            }
            Term::Tuple(parts) => {
                if let Some(f) = term::tagged(t, messages::PLAIN, 2) {
                    return self.eval(f[1]);
                }
                match (Symbolic { session: 0 }).decode(&t) {
                    Ok(m) => {
                        let m = m.try_map(&mut |v| self.eval(*v))?;
                        self.b
                            .try_encode(&m)
                            .map_err(|Reject(r)| format!("message: {r}"))
                    }
                    // Claim data: (user, client, server, token).
                    Err(_) => {
                        let vs = parts
                            .iter()
                            .map(|p| self.eval(*p))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(model::backend::Backend::tuple(
                            &mut self.b,
                            &vs.iter().collect::<Vec<_>>(),
                        ))
                    }
                }
            }
            _ => Err(format!("cannot evaluate {t:?}")),
        }
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
        if let Ok(Msg::TokenResponse {
            id_token,
            access_token,
        }) = self.b.decode(sent)
        {
            for token in [id_token, access_token] {
                if let Some(claims) = unverified_claims(&token) {
                    self.tokens.push((claims, token));
                }
            }
        }
    }
}

/// The claims of a JWT an honest role issued, read without its signature.
fn unverified_claims(token: &Bytes) -> Option<Token<Bytes>> {
    let text = std::str::from_utf8(&token.0).ok()?;
    let mut parts = text.split('.');
    let header = jsonwebtoken::decode_header(text).ok()?;
    let payload = B64.decode(parts.nth(1)?).ok()?;
    let claims: super::jwt::Claims = serde_json::from_slice(&payload).ok()?;
    super::jwt::to_token(super::jwt::kind(&header), claims).ok()
}

/// Replay an exported OIDC attack on the reference roles.
pub fn replay(t: &Trace, inputs: &AttackInputs) -> Result<Report, TraceError> {
    let variant = t.header.variant.as_deref().unwrap_or("default");
    let sessions = inputs
        .sessions
        .ok_or_else(|| input_err("header inputs: an oidc trace needs sessions".into()))?;
    if !(1..=4).contains(&sessions) {
        return Err(input_err(format!(
            "header inputs.sessions: {sessions} (1 to 4)"
        )));
    }
    let m = model::catalog::oidc_model(variant, Some(sessions), RevealPolicy::Final)
        .ok_or_else(|| input_err(format!("unknown oidc variant {variant:?}")))?;
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
    attack::run(t, inputs, eps, lanes, oidc::properties(), &mut eval)
}
