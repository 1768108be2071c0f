//! The 5GMSGS client (solution #1 steps 9-13): registration with the MSGin5G server over
//! MSGin5G-1 with the access token from SIM-C.

use super::messages::{ClientProfile, Msg, OidcCodec};
use super::USER_AUTH;
use crate::backend::Fresh;
use crate::role::{Output, Reject};
use crate::term::MapValues;
use crate::term::Terms;
use properties::Agent;

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ClientConfig<V> {
    pub me: Agent,
    pub server: Agent,
    pub username: V,
    /// The MSGin5G server's name (the token's audience) and tunnel key (public).
    pub server_name: V,
    pub server_tunnel: V,
    pub profile: ClientProfile<V>,
    /// Present the ID token as the access token (`id-token-as-access-token`).
    pub present_id_token: bool,
    /// Key registration: the server is dishonest and its tunnel key is whichever key the
    /// attacker registered under its name; the client looks it up first.
    pub registry: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Client<V> {
    /// Key registration: holds its token and waits for the registry's answer for the
    /// server's tunnel key.
    Lookup {
        token: V,
    },
    /// Waits for the registration response (step 13).
    ExpectResponse {
        key: V,
    },
    Registered,
}

impl<V: Clone + Eq> Client<V> {
    /// Steps 10-11 with `token`, once the server's tunnel key is known (with key
    /// registration, after the registry's answer).
    pub fn register<B: OidcCodec<Value = V>>(
        cfg: &ClientConfig<V>,
        token: V,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Client<V> {
        if cfg.registry {
            return Client::Lookup { token };
        }
        Client::tunnel(cfg, token, &cfg.server_tunnel, b, out)
    }

    /// Steps 10-11: the tunnel to `server_tunnel` and the registration request.
    fn tunnel<B: OidcCodec<Value = V>>(
        cfg: &ClientConfig<V>,
        token: V,
        server_tunnel: &V,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Client<V> {
        let key = b.fresh(Fresh::Nonce("client_tunnel_key"));
        let data = b.tuple(&[
            &cfg.username,
            &cfg.profile.client_id,
            &cfg.server_name,
            &token,
        ]);
        out.push(Output::running(cfg.me, cfg.server, USER_AUTH, data));
        let m = b.encode(&Msg::Registration {
            token,
            profile: cfg.profile.clone(),
        });
        out.push(Output::Send(
            "MSGin5G-1",
            b.tunnel_request(Some(server_tunnel), &key, &m),
        ));
        Client::ExpectResponse { key }
    }

    /// The registry's answer; step 13: the accept, for this client.
    pub fn step<B: OidcCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        input: &V,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Result<Client<V>, Reject> {
        let key = match self {
            Client::Lookup { token } => {
                let server_tunnel = b.registered_key(&cfg.server_name, input)?;
                return Ok(Client::tunnel(cfg, token.clone(), &server_tunnel, b, out));
            }
            Client::ExpectResponse { key } => key,
            Client::Registered => return Err(Reject("the 5GMSGS client is registered")),
        };
        let m = b.tunnel_open(key, input)?;
        match b.decode(&m)? {
            Msg::RegistrationAccept { client_id } if client_id == cfg.profile.client_id => {
                Ok(Client::Registered)
            }
            _ => Err(Reject("expected the registration accept for this client")),
        }
    }
}
