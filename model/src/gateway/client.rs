//! A registrant of the MSGin5G server: the legacy 3GPP message gateway (MSGin5G-2), the
//! non-3GPP message gateway (MSGin5G-4), or an application server (MSGin5G-3), which first
//! gets a CAPIF access token from the CAPIF core function. It registers, takes the
//! server's response, sends one MSGin5G message and receives one.

use super::messages::{GatewayCodec, Msg};
use super::{AUTHORIZATION, MESSAGE, REGISTRATION, SERVER_AUTH};
use crate::backend::Fresh;
use crate::role::{Interface, Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use properties::Agent;

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ClientConfig<V> {
    pub me: Agent,
    pub server: Agent,
    pub identity: V,
    pub kind: V,
    pub service: V,
    /// The server's name and public key (its certificate).
    pub server_name: V,
    pub server_key: V,
    /// Its own private key, sent as a client certificate (mutual TLS); `None`: none.
    pub credential: Option<V>,
    /// TLS on the interface (`false`: `no-transport-protection`).
    pub tls: bool,
    /// An AS: the CAPIF core function's agent and public key (CAPIF-1e is mutual TLS).
    pub capif: Option<(Agent, V)>,
    /// The recipient of the MSGin5G message it sends.
    pub recipient: V,
    /// Key registration: the server is dishonest and its certificate's key is whichever
    /// key the attacker registered under its name; the registrant looks it up first.
    pub registry: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Client<V> {
    Start,
    /// An AS waits for its CAPIF token.
    ExpectToken {
        key: V,
    },
    /// Key registration: waits for the registry's answer for the server's key (an AS
    /// holding its CAPIF token).
    Lookup {
        token: Option<V>,
    },
    /// Waits for the registration response.
    ExpectAccept {
        key: V,
    },
    /// Registered; waits for the server's MSGin5G message.
    ExpectMessage {
        key: V,
    },
    Done,
}

impl<V: Clone + Eq> Client<V> {
    pub fn step<B: GatewayCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Client<V>, V> {
        let mut out = Vec::new();
        let next = match (self, input, &cfg.capif) {
            // An AS onboards with the CAPIF core function first (TS 33.122 clause 6.5.2).
            (Client::Start, None, Some((_, ccf_key))) => {
                let key = b.fresh(Fresh::Nonce("capif_tls_key"));
                let m = b.encode(&Msg::TokenRequest {
                    identity: cfg.identity.clone(),
                    server: cfg.server_name.clone(),
                });
                let ccf = cfg.tls.then_some(ccf_key);
                let me = cfg.credential.as_ref().map(|sk| (&cfg.identity, sk));
                out.push(Output::Send("CAPIF-1e", b.connect(ccf, me, &key, &m)));
                Client::ExpectToken { key }
            }
            (Client::Start, None, None) => self.register(cfg, None, b, &mut out),
            (Client::ExpectToken { key }, Some(v), _) => {
                let m = b.open(key, false, 0, v)?;
                let Msg::TokenResponse { token } = b.decode(&m)? else {
                    return Err(Reject("expected the CAPIF token"));
                };
                self.register(cfg, Some(token), b, &mut out)
            }
            (Client::Lookup { token }, Some(v), _) => {
                let server_key = b.registered_key(&cfg.server_name, v)?;
                self.connect(cfg, token.clone(), &server_key, b, &mut out)
            }
            // The response: for this registrant; then its message, the first record up.
            (Client::ExpectAccept { key }, Some(v), _) => {
                let m = b.open(key, false, 0, v)?;
                let Msg::Accept {
                    identity,
                    client_ids,
                } = b.decode(&m)?
                else {
                    return Err(Reject("expected the registration response"));
                };
                if identity != cfg.identity {
                    return Err(Reject("registration response for another registrant"));
                }
                let data = b.tuple(&[&cfg.identity, &cfg.service, &client_ids]);
                out.push(Output::commit(cfg.me, cfg.server, SERVER_AUTH, data));
                let msg = Msg::Message {
                    id: b.fresh(Fresh::Nonce("message_id")),
                    originator: cfg.identity.clone(),
                    recipient: cfg.recipient.clone(),
                    payload: b.fresh(Fresh::Nonce("payload")),
                };
                out.push(Output::running(
                    cfg.me,
                    cfg.server,
                    MESSAGE,
                    message_data(b, &msg),
                ));
                let m = b.encode(&msg);
                out.push(Output::Send(registrant(cfg), b.seal(key, true, 1, &m)));
                Client::ExpectMessage { key: key.clone() }
            }
            // The server's message to it (the second record down).
            (Client::ExpectMessage { key }, Some(v), _) => {
                let m = b.open(key, false, 1, v)?;
                let msg = b.decode(&m)?;
                let Msg::Message { recipient, .. } = &msg else {
                    return Err(Reject("expected an MSGin5G message"));
                };
                if *recipient != cfg.identity {
                    return Err(Reject("MSGin5G message for another recipient"));
                }
                let data = message_data(b, &msg);
                out.push(Output::commit(cfg.me, cfg.server, MESSAGE, data));
                Client::Done
            }
            (_, None, _) => return Err(Reject("the registrant has started")),
            (_, Some(_), _) => return Err(Reject("the registrant expects nothing")),
        };
        Ok((next, out))
    }

    /// The registration request, with `token` for an AS, once the server's key is known
    /// (with key registration, after the registry's answer).
    fn register<B: GatewayCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        token: Option<V>,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Client<V> {
        if cfg.registry {
            return Client::Lookup { token };
        }
        self.connect(cfg, token, &cfg.server_key, b, out)
    }

    /// The registration request in a new TLS connection to the server whose certificate
    /// has `server_key`; the registrant runs with the server and the service's owner
    /// (itself).
    fn connect<B: GatewayCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        token: Option<V>,
        server_key: &V,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Client<V> {
        let key = b.fresh(Fresh::Nonce("tls_key"));
        let data = b.tuple(&[&cfg.identity, &cfg.kind, &cfg.service]);
        out.push(Output::running(cfg.me, cfg.server, REGISTRATION, data));
        let data = b.tuple(&[&cfg.service, &cfg.identity]);
        out.push(Output::running(cfg.me, cfg.server, AUTHORIZATION, data));
        let m = b.encode(&Msg::Register {
            identity: cfg.identity.clone(),
            kind: cfg.kind.clone(),
            service: cfg.service.clone(),
            token,
        });
        let server = cfg.tls.then_some(server_key);
        // An AS authenticates with its token, over TLS with the server's certificate.
        let me = match cfg.capif {
            None => cfg.credential.as_ref().map(|sk| (&cfg.identity, sk)),
            Some(_) => None,
        };
        out.push(Output::Send(
            registrant(cfg),
            b.connect(server, me, &key, &m),
        ));
        Client::ExpectAccept { key }
    }
}

/// What sender and receiver of an MSGin5G message agree on.
pub fn message_data<V, B: GatewayCodec<Value = V>>(b: &mut B, m: &Msg<V>) -> V {
    match m {
        Msg::Message {
            id,
            originator,
            recipient,
            payload,
        } => b.tuple(&[id, originator, recipient, payload]),
        _ => b.tuple(&[]),
    }
}

/// The interface a registrant talks to the MSGin5G server on: an AS (with CAPIF) on
/// MSGin5G-3, a legacy 3GPP or non-3GPP message gateway on MSGin5G-2 or -4.
fn registrant<V>(cfg: &ClientConfig<V>) -> Interface {
    match cfg.capif {
        Some(_) => "MSGin5G-3",
        None => "MSGin5G-2/-4",
    }
}
