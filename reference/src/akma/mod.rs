//! AKMA on the concrete backend: the model's UE, AUSF, AAnF and AF roles with real bytes,
//! the derivations `msgin5g akma derive` prints, and the AF's socket loop (the ClientHello
//! starts a Naanf_AKMA_ApplicationKey_Get to the home network, then Ua* runs on the socket).

pub mod attack;
pub mod kdf;
pub mod sbi;

use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::tls_psk::runner::{self, read_record, RunError};
use crate::tls_psk::Party;
use crate::trace::Line;
use model::akma::af::{Af, AfConfig};
use model::akma::home::{Aanf, AanfConfig, Ausf, AusfConfig, Grant, Subscriber};
use model::akma::keys;
use model::akma::messages::SbiCodec;
use model::akma::ue::{Ue, UeConfig};
use model::akma::{Config, Role, AANF, AUSF, S, U};
use model::backend::{Backend, Fresh};
use model::role::Reject;
use model::tls_psk::messages::PskMode;
use properties::Agents;
use std::io::{Read, Write};
use std::time::{Duration, SystemTime};

/// A subscriber after primary authentication, as the UE and the AUSF both hold it.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub k_ausf: Bytes,
    /// SUPI as KDF parameter: the IMSI digits (TS 33.501 Annex A.7.0).
    pub supi: Bytes,
    pub rid: Bytes,
    pub hni: Bytes,
}

/// The home network identifier of an IMSI (TS 23.003 clause 28.7: 5gc.mnc<MNC>.mcc<MCC>.
/// 3gppnetwork.org, MNC in three digits), taking `mnc_digits` digits after the MCC as MNC.
pub fn default_hni(imsi: &str, mnc_digits: usize) -> Option<String> {
    let (mcc, mnc) = (imsi.get(0..3)?, imsi.get(3..3 + mnc_digits)?);
    Some(format!("5gc.mnc{mnc:0>3}.mcc{mcc}.3gppnetwork.org"))
}

/// AF_ID = FQDN || Ua* security protocol identifier (TS 33.535 Annex A.4).
pub fn af_id(fqdn: &str, ua_protocol: &[u8; 5]) -> Bytes {
    Bytes([fqdn.as_bytes(), ua_protocol].concat())
}

/// A fresh 32-octet SBI channel key, from the OS RNG.
pub fn channel_key() -> Bytes {
    Concrete::new().fresh(Fresh::Nonce("channel_key"))
}

/// What `msgin5g akma derive` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub k_akma: Bytes,
    pub a_tid: Bytes,
    pub a_kid: Bytes,
    pub k_af: Bytes,
}

/// The UE's derivations (clause 6.1 step 2, clause 6.2 step 1), with the model's code.
pub fn derive(sub: &Subscription, af_id: &Bytes) -> Derived {
    let mut b = Concrete::new();
    let a = keys::anchor(&mut b, &sub.k_ausf, &sub.supi, &sub.rid, &sub.hni);
    let k_af = keys::k_af(&mut b, &a.k_akma, af_id, true);
    Derived {
        k_akma: a.k_akma,
        a_tid: a.a_tid,
        a_kid: a.a_kid,
        k_af,
    }
}

pub type AkmaEndpoint = Endpoint<Role<Bytes>>;

fn endpoint(role: Role<Bytes>, cfg: Config<Bytes>, mode: PskMode) -> AkmaEndpoint {
    let mut b = Concrete::new();
    b.tls().prefer_mode = Some(mode);
    Endpoint::from_parts(role, cfg, b)
}

/// The UE of subscription `sub` reaching the AF with `af_id` (agents as in the model).
pub fn ue(sub: &Subscription, af_id: Bytes, mode: PskMode) -> AkmaEndpoint {
    let cfg = Config::Ue(UeConfig {
        me: U,
        af: S,
        ausf: AUSF,
        aanf: AANF,
        k_ausf: sub.k_ausf.clone(),
        supi: sub.supi.clone(),
        rid: sub.rid.clone(),
        hni: sub.hni.clone(),
        af_id,
        supi_partners: Agents::of(&[U, AUSF, AANF, S]),
        mode,
        kaf_bound: true,
    });
    endpoint(Role::Ue(Ue::Start), cfg, mode)
}

/// An AF's identity towards the home network.
#[derive(Clone, Debug)]
pub struct AfIdentity {
    pub name: Bytes,
    pub channel: Bytes,
    pub af_id: Bytes,
    /// Inside the operator's domain (it may be given the SUPI).
    pub internal: bool,
}

/// The AF (MSGin5G server) serving subscriber `gpsi`.
pub fn af(id: &AfIdentity, gpsi: &Bytes, mode: PskMode) -> AkmaEndpoint {
    let cfg = Config::Af(AfConfig {
        me: S,
        name: id.name.clone(),
        aanf: AANF,
        aanf_name: Bytes(b"AAnF".to_vec()),
        channel: Some(id.channel.clone()),
        af_id: id.af_id.clone(),
        subscribers: vec![(gpsi.clone(), U)],
        mode,
    });
    endpoint(Role::Af(Af::ExpectClientHello), cfg, mode)
}

/// The home network in one process: the AUSF and the AAnF, and the JSON they exchanged.
pub struct Home {
    pub aanf: AkmaEndpoint,
    /// Every SBI message in order, as (sender, receiver, JSON body as opened).
    pub log: Vec<(String, String, String)>,
    /// The channel keys, by sender, to open the bodies for the log.
    keys: Vec<(String, Bytes)>,
}

impl Home {
    /// The AUSF registers `sub`'s anchor key (clause 6.1); the AAnF authorizes `af` and
    /// answers up to `requests` requests with K_AF valid for `lifetime`.
    pub fn new(
        sub: &Subscription,
        gpsi: &Bytes,
        af: &AfIdentity,
        requests: u8,
        lifetime: Duration,
    ) -> Result<Home, Reject> {
        let ausf_channel = channel_key();
        let mut ausf = endpoint(
            Role::Ausf(Ausf::Start),
            Config::Ausf(AusfConfig {
                me: AUSF,
                ue: U,
                aanf: AANF,
                name: Bytes(b"AUSF".to_vec()),
                channel: Some(ausf_channel.clone()),
                k_ausf: sub.k_ausf.clone(),
                supi: sub.supi.clone(),
                rid: sub.rid.clone(),
                hni: sub.hni.clone(),
            }),
            PskMode::PskDheKe,
        );
        let expiry = humantime::format_rfc3339_seconds(SystemTime::now() + lifetime);
        let aanf = endpoint(
            Role::Aanf(Aanf::ExpectRegister),
            Config::Aanf(AanfConfig {
                me: AANF,
                name: Bytes(b"AAnF".to_vec()),
                ausf_name: Bytes(b"AUSF".to_vec()),
                ausf_channel: Some(ausf_channel.clone()),
                afs: vec![Grant {
                    agent: S,
                    name: af.name.clone(),
                    channel: Some(af.channel.clone()),
                    af_id: af.af_id.clone(),
                    internal: af.internal,
                }],
                subscribers: vec![Subscriber {
                    agent: U,
                    supi: sub.supi.clone(),
                    gpsi: gpsi.clone(),
                }],
                check_af_id: true,
                supi_to_external: false,
                kaf_bound: true,
                expiry: Bytes(expiry.to_string().into_bytes()),
                requests,
            }),
            PskMode::PskDheKe,
        );
        let mut home = Home {
            aanf,
            log: Vec::new(),
            keys: vec![
                ("AUSF".into(), ausf_channel),
                (
                    String::from_utf8_lossy(&af.name.0).into(),
                    af.channel.clone(),
                ),
            ],
        };
        for env in ausf.step(None)? {
            home.deliver(&env)?;
        }
        Ok(home)
    }

    /// Deliver an envelope to the AAnF; returns its answers.
    pub fn deliver(&mut self, env: &Bytes) -> Result<Vec<Bytes>, Reject> {
        let b = &mut Concrete::new();
        let from = String::from_utf8_lossy(&b.sbi_sender(env)?.0).into_owned();
        let key = self.keys.iter().find(|(n, _)| *n == from).map(|(_, k)| k);
        let request = b.open_sbi(env, key, None).unwrap_or_else(|_| env.clone());
        let text = |v: &Bytes| String::from_utf8_lossy(&v.0).into_owned();
        self.log.push((from.clone(), "AAnF".into(), text(&request)));
        let out = self.aanf.step(Some(env))?;
        for o in &out {
            let body = b
                .open_sbi(o, key, Some(&request))
                .unwrap_or_else(|_| o.clone());
            self.log.push(("AAnF".into(), from.clone(), text(&body)));
        }
        Ok(out)
    }

    /// Step the AF on a message from the UE. The AF's requests to the AAnF (clause 6.2
    /// steps 3-5) are answered here; what the AF sends the UE is returned.
    pub fn af_step(&mut self, af: &mut AkmaEndpoint, input: &Bytes) -> Result<Vec<Bytes>, Reject> {
        let out = af.step(Some(input))?;
        if !matches!(af.role, Role::Af(Af::ExpectKey { .. })) {
            return Ok(out);
        }
        let mut records = Vec::new();
        for env in &out {
            for answer in self.deliver(env)? {
                records.extend(af.step(Some(&answer))?);
            }
        }
        Ok(records)
    }
}

/// Serve one Ua* connection as the AF: the ClientHello's A-KID goes to the home network
/// (Naanf_AKMA_ApplicationKey_Get), its K_AF back to the AF, then TLS runs on the stream.
pub fn serve<S: Read + Write>(
    stream: &mut S,
    af: &mut AkmaEndpoint,
    home: &mut Home,
    log: &mut Vec<Line>,
) -> Result<(), RunError> {
    let waiting = af.waiting_for();
    let io = |e: std::io::Error| RunError::Io {
        waiting,
        error: e.to_string(),
    };
    let hello = read_record(stream)
        .map_err(io)?
        .ok_or(RunError::Closed { waiting })?;
    let rejected = |reason: Reject| RunError::Rejected {
        waiting,
        reason: reason.0,
        alert: None,
    };
    let records = home.af_step(af, &Bytes(hello)).map_err(rejected)?;
    for record in &records {
        stream.write_all(&record.0).map_err(io)?;
    }
    runner::run(stream, af, Party::Server, log)
}

/// Every decoder of the SBI codec on `data`, results dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = b.decode_sbi(&v);
    let _ = b.sbi_sender(&v);
    let _ = b.open_sbi(&v, None, None);
    let _ = b.open_sbi(&v, Some(&Bytes(vec![1; 32])), None);
    let _ = b.expired(&v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_network_identifier_pads_the_mnc() {
        assert_eq!(
            default_hni("001010123456789", 2).unwrap(),
            "5gc.mnc001.mcc001.3gppnetwork.org"
        );
        assert_eq!(
            default_hni("310260123456789", 3).unwrap(),
            "5gc.mnc260.mcc310.3gppnetwork.org"
        );
        assert!(default_hni("0010", 2).is_none());
    }
}
