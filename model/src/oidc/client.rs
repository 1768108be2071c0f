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
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Client<V> {
    /// Waits for the registration response (step 13).
    ExpectResponse {
        key: V,
    },
    Registered,
}

impl<V: Clone + Eq> Client<V> {
    /// Steps 10-11: the tunnel and the registration request with `token`.
    pub fn register<B: OidcCodec<Value = V>>(
        cfg: &ClientConfig<V>,
        token: V,
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
            b.tunnel_request(Some(&cfg.server_tunnel), &key, &m),
        ));
        Client::ExpectResponse { key }
    }

    /// Step 13: the accept, for this client.
    pub fn step<B: OidcCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        input: &V,
        b: &mut B,
    ) -> Result<Client<V>, Reject> {
        let Client::ExpectResponse { key } = self else {
            return Err(Reject("the 5GMSGS client is registered"));
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
