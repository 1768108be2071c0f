//! The messages of gateway and application-server registration (key issues #3 and #4) and
//! MSGin5G message exchange, and the transport they travel on (key issue #1).
//!
//! Transport: TLS 1.3 with the server's certificate, and the client's when it has one
//! (mutual TLS). Modelled as key transport to the server's public key, with the client's
//! signature on (key, server) when it authenticates, then records under the key with a
//! direction and sequence number (confidentiality, integrity, replay protection). Without
//! transport protection (`no-transport-protection`) the key travels in the clear.

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::MapValues;
use crate::term::{self, Term, TermId};
use crate::term::{Tagged, Terms};

/// A client certificate the receiver does not trust: its own decision (`Protocol::POLICY`).
pub const UNTRUSTED_CERTIFICATE: &str = "client certificate not trusted";

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues, Tagged)]
pub enum Msg<V> {
    /// Registration of a gateway (MSGin5G-2, -4) or an application server (MSGin5G-3):
    /// its identity, its kind and the service it fronts; an AS adds its CAPIF token.
    #[tag(REGISTER)]
    Register {
        identity: V,
        kind: V,
        service: V,
        token: Option<V>,
    },
    /// The server's response: the 5GMSGS client IDs and service IDs of the service (the
    /// disclosure key issue #4 is about).
    #[tag(ACCEPT)]
    Accept { identity: V, client_ids: V },
    /// An MSGin5G message (TS 23.554): message id, originator, recipient, payload.
    #[tag(MESSAGE)]
    Message {
        id: V,
        originator: V,
        recipient: V,
        payload: V,
    },
    /// CAPIF-1e (TS 33.122 clause 6.5.2): the AS, authenticated by its certificate, asks
    /// the CAPIF core function for an access token for an API exposing function (`server`).
    #[tag(TOKEN_REQUEST)]
    TokenRequest { identity: V, server: V },
    #[tag(TOKEN_RESPONSE)]
    TokenResponse { token: V },
}

/// The claims of a CAPIF access token (TS 33.122 clause 6.5.2.3, an OAuth 2.0 token).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct CapifToken<V> {
    pub subject: V,
    /// The API exposing function it is for; `None` in `capif-token-without-audience`.
    pub aud: Option<V>,
    pub service: V,
}

/// A first flight as the server reads it.
pub struct Accepted<V> {
    pub key: V,
    /// The client's name, when its certificate verified.
    pub client: Option<V>,
    pub message: V,
}

/// How a backend encodes these messages and carries the transport.
pub trait GatewayCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
    fn sign_token(&mut self, sk: &Self::Value, t: &CapifToken<Self::Value>) -> Self::Value;
    fn verify_token(
        &mut self,
        pk: &Self::Value,
        v: &Self::Value,
    ) -> Result<CapifToken<Self::Value>, Reject>;
    /// The first flight: `key` to the holder of `server` (None: in the clear), with the
    /// client's name and signature when it authenticates (`client`: name, private key).
    fn connect(
        &mut self,
        server: Option<&Self::Value>,
        client: Option<(&Self::Value, &Self::Value)>,
        key: &Self::Value,
        m: &Self::Value,
    ) -> Self::Value;
    /// The key, the client's authenticated name (checked against `certs`: name, public
    /// key) and the message of a first flight, with the server's private key (None: in
    /// the clear, nothing authenticated).
    fn accept(
        &mut self,
        sk: Option<&Self::Value>,
        certs: &[(Self::Value, Self::Value)],
        v: &Self::Value,
    ) -> Result<Accepted<Self::Value>, Reject>;
    /// The key the registry's answer `v` gives for `name` (`--register-keys`).
    fn registered_key(
        &mut self,
        name: &Self::Value,
        v: &Self::Value,
    ) -> Result<Self::Value, Reject>;
    /// A record under `key`, from the client (`up`) or the server, with sequence `seq`.
    fn seal(&mut self, key: &Self::Value, up: bool, seq: u8, m: &Self::Value) -> Self::Value;
    fn open(
        &mut self,
        key: &Self::Value,
        up: bool,
        seq: u8,
        v: &Self::Value,
    ) -> Result<Self::Value, Reject>;
}

const REGISTER: &str = "Registration Request";
pub const ACCEPT: &str = "Registration Response";
const MESSAGE: &str = "MSGin5G message";
const TOKEN_REQUEST: &str = "CAPIF token request";
const TOKEN_RESPONSE: &str = "CAPIF token response";
const CAPIF_TOKEN: &str = "CAPIF access token";
pub const TLS: &str = "TLS";
pub const PLAIN: &str = "plain";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

fn opt(v: &Option<TermId>) -> TermId {
    term::optional(*v)
}

/// The record nonce: direction and sequence number.
fn nonce(up: bool, seq: u8) -> TermId {
    let dir = if up {
        "client to server"
    } else {
        "server to client"
    };
    term::tuple(&[c(dir), term::atom(term::Sort::Const, "seq", seq.into())])
}

impl GatewayCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        m.to_term()
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        Msg::from_term(*v).ok_or(Reject("not a registration or MSGin5G message"))
    }

    fn sign_token(&mut self, sk: &TermId, t: &CapifToken<TermId>) -> TermId {
        term::sign(
            *sk,
            term::tuple(&[c(CAPIF_TOKEN), t.subject, opt(&t.aud), t.service]),
        )
    }

    fn verify_token(&mut self, pk: &TermId, v: &TermId) -> Result<CapifToken<TermId>, Reject> {
        match v.get() {
            Term::Sign { sk, msg } if term::pk(*sk) == *pk => {
                token_claims(*msg).ok_or(Reject("not a CAPIF token"))
            }
            _ => Err(Reject("CAPIF token signature does not verify")),
        }
    }

    fn connect(
        &mut self,
        server: Option<&TermId>,
        client: Option<(&TermId, &TermId)>,
        key: &TermId,
        m: &TermId,
    ) -> TermId {
        let Some(pk) = server else {
            return term::tuple(&[c(PLAIN), *key, *m]);
        };
        let (name, sig) = match client {
            Some((name, sk)) => (*name, term::sign(*sk, term::tuple(&[*key, *pk]))),
            None => (c("none"), c("none")),
        };
        term::aenc(*pk, term::tuple(&[c(TLS), *key, name, sig, *m]))
    }

    fn accept(
        &mut self,
        sk: Option<&TermId>,
        certs: &[(TermId, TermId)],
        v: &TermId,
    ) -> Result<Accepted<TermId>, Reject> {
        let Some(sk) = sk else {
            let f = term::tagged(*v, PLAIN, 2).ok_or(Reject("not a first flight"))?;
            return Ok(Accepted {
                key: f[0],
                client: None,
                message: f[1],
            });
        };
        let pk = term::pk(*sk);
        let f = match v.get() {
            Term::AEnc { pk: to, msg } if *to == pk => term::tagged(*msg, TLS, 4),
            _ => None,
        }
        .ok_or(Reject("not a first flight to this server"))?;
        let (key, name, sig, m) = (f[0], f[1], f[2], f[3]);
        if name == c("none") {
            return Ok(Accepted {
                key,
                client: None,
                message: m,
            });
        }
        // The client's certificate is one the receiver trusts (its onboarded clients).
        let mut trusted = certs.iter().filter(|(n, _)| *n == name).peekable();
        if trusted.peek().is_none() {
            return Err(Reject(UNTRUSTED_CERTIFICATE));
        }
        // CertificateVerify: the named client's key signed this connection to this server.
        let signed = term::tuple(&[key, pk]);
        // With key registration a dishonest client's key is whichever the attacker
        // registered (`registry::any_key`).
        let ok = trusted.any(|(_, cpk)| {
            matches!(sig.get(), Term::Sign { sk, msg } if crate::registry::verifies(*cpk, *sk) && *msg == signed)
        });
        if !ok {
            return Err(Reject("client certificate does not verify"));
        }
        Ok(Accepted {
            key,
            client: Some(name),
            message: m,
        })
    }

    fn registered_key(&mut self, name: &TermId, v: &TermId) -> Result<TermId, Reject> {
        crate::registry::looked_up(*name, *v)
    }

    fn seal(&mut self, key: &TermId, up: bool, seq: u8, m: &TermId) -> TermId {
        term::aead(*key, nonce(up, seq), c(TLS), *m)
    }

    fn open(&mut self, key: &TermId, up: bool, seq: u8, v: &TermId) -> Result<TermId, Reject> {
        let (n, ad) = (nonce(up, seq), c(TLS));
        self.aead_open(key, &n, &ad, v)
            .ok_or(Reject("record does not open (key, direction or sequence)"))
    }
}

/// The claims of a signed CAPIF token's content term.
pub fn token_claims(msg: TermId) -> Option<CapifToken<TermId>> {
    let f = term::tagged(msg, CAPIF_TOKEN, 3)?;
    Some(CapifToken {
        subject: f[0],
        aud: term::present(f[1]),
        service: f[2],
    })
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = Msg::TAGS;
    let plain = |v: TermId| term::tag_name(v, names);
    match v.get() {
        Term::AEnc { msg, .. } => {
            let f = term::tagged(*msg, TLS, 4)?;
            Some(format!("TLS{{{}}}", plain(f[3])?))
        }
        Term::Aead { pt, .. } => Some(format!("TLS{{{}}}", plain(*pt)?)),
        _ => match term::tagged(v, PLAIN, 2) {
            Some(f) => plain(f[1]),
            None => plain(v),
        },
    }
}
