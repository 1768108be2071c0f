//! The EAP roles on sockets. `ue_to_radius`: the UE and the SMF in one process (NAS between
//! them in memory), the SMF speaking RADIUS over UDP to a DN-AAA (our own, or FreeRADIUS).
//! `serve_dn_aaa`: the DN-AAA on a UDP socket, one EAP conversation per RADIUS State, for
//! any RADIUS client (our SMF, or eapol_test). `in_memory`: all three roles, no socket.

use super::tls::pki_of;
use super::{Side, State};
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::pki::{self, version_name, Versions};
use model::backend::{Backend, Fresh};
use model::eap::dn_aaa::{DnAaa, DnAaaConfig, Subscriber};
use model::eap::messages::{Eap as EapMsg, EapCodec, Radius};
use model::eap::smf::{Smf, SmfConfig};
use model::eap::tls::TlsCreds;
use model::eap::ue::{Phase, Ue, UeConfig};
use model::eap::{Config, Role, DN_AAA, MSK, SMF, U};
use model::role::{Output, Reject};
use properties::Event;
use rustls::ServerConfig;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

/// What a user gives for one side of EAP-TLS.
#[derive(Clone, Debug)]
pub struct TlsSide {
    /// PEM certificate (chain), private key and trust anchor.
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    pub ca: Vec<u8>,
    pub versions: Versions,
}

impl TlsSide {
    /// Do the PEMs load as a TLS client's credentials (certificate, matching key, trust
    /// anchor)? For a UE to refuse bad inputs before it sends anything.
    pub fn check(&self) -> Result<(), String> {
        pki::client_config(pki_of(&self.creds()), self.versions).map(|_| ())
    }

    fn creds(&self) -> TlsCreds<Bytes> {
        TlsCreds {
            cert: Bytes(self.cert.clone()),
            key: Bytes(self.key.clone()),
            ca: Bytes(self.ca.clone()),
        }
    }
}

/// The UE's side of a PDU session.
#[derive(Clone, Debug)]
pub struct UeOptions {
    pub tls: TlsSide,
    pub identity: String,
    pub dnn: String,
    pub gpsi: String,
    /// The name the DN-AAA's certificate must carry.
    pub server_name: String,
    pub secret: Vec<u8>,
    pub timeout: Duration,
}

/// How a UE run ended.
#[derive(Clone, Debug, Default)]
pub struct UeOutcome {
    /// Registered: EAP Success and the registration response.
    pub registered: bool,
    /// The MSK the UE derived from TLS, and the one the SMF got in the Access-Accept.
    pub ue_msk: Option<Vec<u8>>,
    pub smf_msk: Option<Vec<u8>>,
    pub registration: Option<Vec<u8>>,
    pub tls_version: Option<&'static str>,
    /// EAP rounds (Access-Requests sent).
    pub rounds: usize,
    /// Why it failed, when it did: the role's check and the codec's or TLS's detail.
    pub error: Option<String>,
    /// The RADIUS packets on N6, in order.
    pub recording: super::observe::Recording,
}

fn reason(r: Reject, b: &Concrete) -> String {
    let mut s = r.0.to_string();
    let Some(st) = b.peek::<State>() else {
        return s;
    };
    if let Some(e) = &st.error {
        s += &format!(" ({e})");
    }
    if let Some(e) = &st.tls.error {
        s += &format!(" (TLS: {e})");
    }
    s
}

fn sends(out: &[Output<Bytes>]) -> Vec<Bytes> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send(_, m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn backend(side: Side, versions: Versions) -> Concrete {
    let mut b = Concrete::new().with(State::new(side, super::tls::Tls::new(versions)));
    b.fresh_form = radius_form;
    b
}

/// A RADIUS request's Identifier and Request Authenticator are 1 + 16 octets (RFC 2865
/// section 3); every other fresh value 32.
fn radius_form(name: &str, mut random: Vec<u8>) -> Vec<u8> {
    if name.starts_with("request_authenticator") {
        random.truncate(17);
    }
    random
}

/// Run the UE and SMF against the RADIUS server at `server`.
pub fn ue_to_radius(o: &UeOptions, server: SocketAddr) -> UeOutcome {
    let sock = match UdpSocket::bind(("127.0.0.1", 0)).and_then(|s| {
        s.connect(server)?;
        s.set_read_timeout(Some(o.timeout))?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => {
            return UeOutcome {
                error: Some(format!("UDP socket to {server}: {e}")),
                ..UeOutcome::default()
            }
        }
    };
    run_ue(o, |packet| {
        sock.send(&packet.0)
            .map_err(|e| format!("send to {server}: {e}"))?;
        let mut buf = vec![0; 4096];
        let n = sock
            .recv(&mut buf)
            .map_err(|e| format!("no RADIUS answer from {server} within {:?}: {e}", o.timeout))?;
        Ok(Bytes(buf[..n].to_vec()))
    })
}

/// The UE and SMF, with `radius` answering each Access-Request the SMF sends.
pub fn run_ue(o: &UeOptions, mut radius: impl FnMut(&Bytes) -> Result<Bytes, String>) -> UeOutcome {
    let mut res = UeOutcome::default();
    // The inputs, checked up front (PEM, and the key belongs to the certificate), so that
    // a bad file is named before any packet.
    if let Err(e) = pki::client_config(pki_of(&o.tls.creds()), o.tls.versions) {
        res.error = Some(e);
        return res;
    }
    let mut ub = backend(Side::Peer, o.tls.versions);
    let sb = backend(Side::Authenticator, o.tls.versions);
    let k_nas = ub.fresh(Fresh::Nonce("K_NAS"));
    let b = |s: &str| Bytes(s.as_bytes().to_vec());
    // The one PDU session of the run.
    let psi = Bytes(vec![1]);
    let ucfg = UeConfig {
        me: U,
        smf: SMF,
        dn_aaa: DN_AAA,
        k_nas: k_nas.clone(),
        psi: psi.clone(),
        dnn: b(&o.dnn),
        nai: b(&o.identity),
        tls: o.tls.creds(),
        server_name: b(&o.server_name),
        success_unbound: false,
    };
    let scfg = SmfConfig {
        me: SMF,
        dn_aaa: DN_AAA,
        k_nas,
        gpsi: b(&o.gpsi),
        psi,
        secret: Some(Bytes(o.secret.clone())),
        success_unbound: false,
        max_rounds: 200,
    };
    let secret = scfg.secret.clone();
    let mut ue = Endpoint::from_parts(Role::Ue(Ue::new()), Config::Ue(ucfg), ub);
    let mut smf = Endpoint::from_parts(Role::Smf(Smf::Idle), Config::Smf(scfg), sb);
    let mut input: Option<Bytes> = None;
    loop {
        // The UE's step; its NAS message goes to the SMF.
        let mut out = match ue.step(input.as_ref()) {
            Ok(x) => x,
            Err(r) => {
                res.error = Some(format!("UE: {}", reason(r, &ue.b)));
                break;
            }
        };
        // The MSK the UE claims secret once TLS confirmed it.
        for e in ue.events.drain(..) {
            if let Event::Secret {
                claim: MSK, value, ..
            } = e
            {
                res.ue_msk = Some(value.0);
            }
        }
        if let Role::Ue(Ue { phase, .. }) = &ue.role {
            if matches!(phase, Phase::Done | Phase::Rejected) {
                res.registered = *phase == Phase::Done;
                break;
            }
        }
        let Some(nas) = out.pop() else { break };
        // The SMF's step: a RADIUS request out, its answer back in.
        let mut out = match smf.step(Some(&nas)) {
            Ok(x) => x,
            Err(r) => {
                res.error = Some(format!("SMF: {}", reason(r, &smf.b)));
                break;
            }
        };
        let Some(request) = out.pop() else {
            break;
        };
        res.rounds += 1;
        res.recording.push("smf", "dn-aaa", &request.0);
        let answer = match radius(&request) {
            Ok(a) => a,
            Err(e) => {
                res.error = Some(e);
                break;
            }
        };
        res.recording.push("dn-aaa", "smf", &answer.0);
        if let Ok(Radius::AccessAccept {
            msk, registration, ..
        }) = smf.b.open_radius(secret.as_ref(), &answer)
        {
            res.smf_msk = Some(msk.0);
            res.registration = Some(registration.0);
        }
        input = match smf.step(Some(&answer)) {
            Ok(mut out) => out.pop(),
            Err(r) => {
                res.error = Some(format!("SMF: {}", reason(r, &smf.b)));
                break;
            }
        };
        if input.is_none() {
            break;
        }
    }
    res.tls_version = ue.b.eap().tls.version.map(version_name);
    res
}

/// The DN-AAA's configuration.
#[derive(Clone, Debug)]
pub struct DnAaaOptions {
    pub tls: TlsSide,
    pub secret: Vec<u8>,
    pub dnns: Vec<String>,
    /// NAIs of the subscribers it authorizes; each must present a certificate naming it.
    pub subscribers: Vec<String>,
    /// Check the EAP identity against the client certificate (the model's
    /// `identity-not-bound` variant turns this off).
    pub bind_identity: bool,
}

impl DnAaaOptions {
    fn config(&self) -> DnAaaConfig<Bytes> {
        let b = |s: &String| Bytes(s.as_bytes().to_vec());
        DnAaaConfig {
            me: DN_AAA,
            smf: SMF,
            secret: Some(Bytes(self.secret.clone())),
            tls: self.tls.creds(),
            dnns: self.dnns.iter().map(b).collect(),
            subscribers: self
                .subscribers
                .iter()
                .enumerate()
                .map(|(i, n)| Subscriber {
                    agent: U + 16 + i as u8,
                    nai: b(n),
                    cert_name: b(n),
                })
                .collect(),
            bind_identity: self.bind_identity,
        }
    }
}

/// One EAP conversation of the DN-AAA.
struct Conversation {
    role: DnAaa<Bytes>,
    backend: Concrete,
    state: Option<Vec<u8>>,
    /// Its last request and the answer sent, for a retransmission.
    last: Option<(Vec<u8>, Vec<u8>)>,
    touched: std::time::Instant,
}

/// What the DN-AAA did with one RADIUS packet.
#[derive(Clone, Debug)]
pub enum Handled {
    Challenge,
    Accept {
        identity: String,
        msk: Vec<u8>,
    },
    Reject {
        why: String,
    },
    /// Not answered (it does not verify under the secret, or is no Access-Request).
    Dropped {
        why: String,
    },
    /// A retransmission of a request already answered: the same answer again (RFC 5080
    /// section 2.2.2).
    Retransmitted,
}

/// A conversation with no packet for this long is forgotten.
pub const CONVERSATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The most conversations open at once; beyond, the one idle longest is forgotten.
pub const MAX_CONVERSATIONS: usize = 256;
/// The most answers of ended conversations kept for retransmitted last requests.
pub const MAX_ANSWERED: usize = 64;

/// The DN-AAA: conversations by RADIUS State.
pub struct DnAaaServer {
    opts: DnAaaOptions,
    cfg: DnAaaConfig<Bytes>,
    /// The rustls configuration every conversation shares.
    tls: Arc<ServerConfig>,
    conversations: Vec<Conversation>,
    /// The last request and answer of conversations that ended, newest last.
    answered: std::collections::VecDeque<(Vec<u8>, Vec<u8>)>,
    /// Keep a recording (for `--trace-out`); otherwise nothing of a packet is kept once
    /// its conversation ends.
    pub record: bool,
    /// The RADIUS packets received and sent, in order.
    pub recording: super::observe::Recording,
}

impl DnAaaServer {
    /// The server; its inputs are checked here, before any packet.
    pub fn new(opts: DnAaaOptions) -> Result<Self, String> {
        let tls = pki::server_config(pki_of(&opts.tls.creds()), opts.tls.versions)?;
        Ok(DnAaaServer {
            cfg: opts.config(),
            tls: Arc::new(tls),
            opts,
            conversations: Vec::new(),
            answered: Default::default(),
            record: false,
            recording: Default::default(),
        })
    }

    /// Answer one RADIUS packet: the answer to send, and what happened. Nothing is kept of
    /// a packet that is no Access-Request verifying under the secret (RFC 2869 section
    /// 5.14: its Message-Authenticator); a retransmitted request gets the same answer.
    pub fn handle(&mut self, packet: &[u8]) -> (Option<Vec<u8>>, Handled) {
        let p = match super::radius::Packet::decode(packet) {
            Ok(p) => p,
            Err(e) => return (None, Handled::Dropped { why: e.to_string() }),
        };
        if p.code != super::radius::ACCESS_REQUEST {
            let why = "not an Access-Request".to_string();
            return (None, Handled::Dropped { why });
        }
        if let Err(e) = p.verify(&self.opts.secret, None) {
            let why = format!("does not verify under the shared secret: {e}");
            return (None, Handled::Dropped { why });
        }
        let now = std::time::Instant::now();
        let again = |last: &Option<(Vec<u8>, Vec<u8>)>| {
            last.as_ref()
                .filter(|(request, _)| request == packet)
                .map(|(_, answer)| answer.clone())
        };
        let open = self.conversations.iter().find_map(|c| again(&c.last));
        let ended = self
            .answered
            .iter()
            .find(|(r, _)| r == packet)
            .map(|(_, a)| a.clone());
        if let Some(answer) = open.or(ended) {
            return (Some(answer), Handled::Retransmitted);
        }
        self.conversations
            .retain(|c| now.duration_since(c.touched) < CONVERSATION_TIMEOUT);
        let state = p.attr(super::radius::STATE).map(<[u8]>::to_vec);
        let i = match self
            .conversations
            .iter()
            .position(|c| state.is_some() && c.state == state)
        {
            Some(i) => i,
            None => {
                if self.conversations.len() >= MAX_CONVERSATIONS {
                    let oldest = (0..self.conversations.len())
                        .min_by_key(|i| self.conversations[*i].touched)
                        .expect("conversations are open");
                    self.conversations.remove(oldest);
                }
                let mut backend = backend(Side::Server, self.opts.tls.versions);
                backend.eap().tls.server_config = Some(self.tls.clone());
                self.conversations.push(Conversation {
                    role: DnAaa::Idle,
                    backend,
                    state: None,
                    last: None,
                    touched: now,
                });
                self.conversations.len() - 1
            }
        };
        let (answer, handled) = self.step(i, packet);
        let c = &mut self.conversations[i];
        c.touched = now;
        if let Some(a) = &answer {
            c.last = Some((packet.to_vec(), a.clone()));
        }
        // An ended conversation is forgotten, but for its last answer.
        if matches!(c.role, DnAaa::Done) {
            let c = self.conversations.remove(i);
            if let Some(last) = c.last {
                self.answered.push_back(last);
                if self.answered.len() > MAX_ANSWERED {
                    self.answered.pop_front();
                }
            }
        }
        (answer, handled)
    }

    /// Step conversation `i` with `packet`.
    fn step(&mut self, i: usize, packet: &[u8]) -> (Option<Vec<u8>>, Handled) {
        let c = &mut self.conversations[i];
        let v = Bytes(packet.to_vec());
        match c.role.step(&self.cfg, Some(&v), &mut c.backend) {
            Ok((next, out)) => {
                let answer = sends(&out).pop().map(|b| b.0);
                let handled = match &next {
                    DnAaa::Done => match &c.role {
                        DnAaa::Committed { conv, msk } => Handled::Accept {
                            identity: String::from_utf8_lossy(&conv.nai.0).into(),
                            msk: msk.0.clone(),
                        },
                        _ => Handled::Challenge,
                    },
                    DnAaa::Started { conv }
                    | DnAaa::Hello { conv, .. }
                    | DnAaa::Committed { conv, .. } => {
                        c.state = Some(conv.state.0.clone());
                        Handled::Challenge
                    }
                    DnAaa::Idle => Handled::Challenge,
                };
                c.role = next;
                (answer, handled)
            }
            Err(r) => {
                let why = reason(r, &c.backend);
                // A request that verifies gets an Access-Reject with EAP-Failure; one that
                // does not is dropped (RFC 2865 section 3: silently discarded).
                match c.backend.open_radius(self.cfg.secret.as_ref(), &v) {
                    Ok(Radius::AccessRequest { authenticator, .. }) => {
                        let eap = c.backend.encode_eap(&EapMsg::Failure);
                        let m = Radius::AccessReject {
                            answers: authenticator,
                            eap,
                        };
                        let answer = c.backend.seal_radius(self.cfg.secret.as_ref(), &m);
                        c.role = DnAaa::Done;
                        (Some(answer.0), Handled::Reject { why })
                    }
                    _ => (None, Handled::Dropped { why }),
                }
            }
        }
    }
}

/// Serve RADIUS on `sock` until `report` says to stop (after each packet); each packet is
/// reported before its answer is sent, so that whoever has the answer finds it reported.
pub fn serve_dn_aaa(
    server: &mut DnAaaServer,
    sock: &UdpSocket,
    mut report: impl FnMut(SocketAddr, &Handled) -> bool,
) -> std::io::Result<()> {
    let mut buf = vec![0; 4096];
    loop {
        let (n, from) = sock.recv_from(&mut buf)?;
        let (answer, handled) = server.handle(&buf[..n]);
        let record = server.record && !matches!(handled, Handled::Dropped { .. });
        if record {
            server.recording.push("smf", "dn-aaa", &buf[..n]);
        }
        let go_on = report(from, &handled);
        if let Some(a) = answer {
            if record {
                server.recording.push("dn-aaa", "smf", &a);
            }
            sock.send_to(&a, from)?;
        }
        if !go_on {
            return Ok(());
        }
    }
}
