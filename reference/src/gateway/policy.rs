//! The MSGin5G server's authorization policy (key issue #4: "authorization ... between the
//! MSGin5G server and the message gateways"): which authenticated identity may register as
//! which kind of registrant for which service, and the 5GMSGS client IDs and service IDs a
//! registration for each service discloses. A JSON file; `reference/gateway-policy.json`
//! is the example.

use crate::concrete::Bytes;
use model::gateway::server::{PolicyEntry, ServerConfig};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The MSGin5G server's own name (the originator of its messages).
    pub server: String,
    pub registrants: Vec<Registrant>,
    /// Per service: what a registration for it discloses.
    pub services: BTreeMap<String, Disclosed>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registrant {
    /// The name its client certificate carries (first dNSName subjectAltName, else CN).
    pub identity: String,
    /// `legacy` (MSGin5G-2), `non-3gpp` (MSGin5G-4) or `application-server` (MSGin5G-3).
    pub kind: String,
    /// The service it may front.
    pub service: String,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosed {
    pub client_ids: Vec<String>,
    pub service_ids: Vec<String>,
}

pub const KINDS: [&str; 3] = ["legacy", "non-3gpp", "application-server"];

/// The most registrants a policy names (claim events number agents in one octet).
const MAX_REGISTRANTS: usize = 200;

impl Policy {
    /// Parse and check a policy; errors name the entry and the field.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let p: Policy = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if p.registrants.len() > MAX_REGISTRANTS {
            return Err(format!("more than {MAX_REGISTRANTS} registrants"));
        }
        for (i, r) in p.registrants.iter().enumerate() {
            let at = |what: &str| format!("registrants[{i}].{what}");
            if !KINDS.contains(&r.kind.as_str()) {
                return Err(format!(
                    "{}: {:?} is not one of {}",
                    at("kind"),
                    r.kind,
                    KINDS.join(", ")
                ));
            }
            if !p.services.contains_key(&r.service) {
                return Err(format!(
                    "{}: {:?} is not in services",
                    at("service"),
                    r.service
                ));
            }
            if p.registrants[..i].iter().any(|o| o.identity == r.identity) {
                return Err(format!("{}: {:?} twice", at("identity"), r.identity));
            }
        }
        Ok(p)
    }

    /// The server role's configuration: mutual TLS, the policy enforced, every connection
    /// taken (the model's bound is for model checking). Agents: registrant `i` is agent
    /// `i`, the server the next one.
    pub fn server_config(&self) -> ServerConfig<Bytes> {
        let b = |s: &str| Bytes(s.as_bytes().to_vec());
        let me = self.registrants.len() as u8;
        ServerConfig {
            me,
            name: b(&self.server),
            // TLS (rustls) holds the server's key; the role only needs to know it is on.
            tls_key: Bytes::default(),
            // rustls verified the chain; a name the policy does not know is refused.
            certs: self
                .registrants
                .iter()
                .map(|r| (b(&r.identity), Bytes::default()))
                .collect(),
            policy: self
                .registrants
                .iter()
                .enumerate()
                .map(|(i, r)| PolicyEntry {
                    identity: b(&r.identity),
                    agent: i as u8,
                    kind: b(&r.kind),
                    service: b(&r.service),
                })
                .collect(),
            client_ids: self
                .services
                .iter()
                .map(|(s, d)| {
                    let ids = serde_json::to_vec(d).expect("IDs serialize");
                    (b(s), Bytes(ids))
                })
                .collect(),
            require_client_certificate: true,
            authorize: true,
            tls: true,
            // No CAPIF core function is configured: a CAPIF token does not verify.
            capif_key: Bytes::default(),
            check_audience: true,
            max_connections: usize::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../gateway-policy.json");

    #[test]
    fn the_example_policy_parses() {
        let p = Policy::parse(EXAMPLE).unwrap();
        assert!(p.registrants.iter().any(|r| r.kind == "legacy"));
        let cfg = p.server_config();
        assert_eq!(cfg.policy.len(), p.registrants.len());
    }

    #[test]
    fn errors_name_the_entry() {
        let bad = r#"{"server": "s", "registrants": [
            {"identity": "a", "kind": "legacy", "service": "x"}], "services": {}}"#;
        let e = Policy::parse(bad).unwrap_err();
        assert!(e.contains("registrants[0].service"), "{e}");
        let bad = r#"{"server": "s", "registrants": [
            {"identity": "a", "kind": "gateway", "service": "x"}], "services": {}}"#;
        let e = Policy::parse(bad).unwrap_err();
        assert!(e.contains("registrants[0].kind"), "{e}");
        let e = Policy::parse(r#"{"server": "s", "registrants": [], "servics": {}}"#).unwrap_err();
        assert!(e.contains("servics"), "{e}");
    }
}
