//! TLS 1.3 with an external PSK between the 5GMSGS client and the MSGin5G server over
//! MSGin5G-1: key issue #2, solution #5 (`seeds/004`: mandatory to support when the UE has a
//! SEAL client; the PSK is provisioned by SEAL key management).
//!
//! ```text
//! C: the 5GMSGS client, S: the MSGin5G server, PSK shared by C and S under identity id.
//! 1. C -> S: ClientHello(Rc, groups, (G, g^x), psk_dhe_ke | psk_ke, early_data?, (4.1.2,
//!            id, binder = HMAC(binder_key(PSK), H(ClientHello without binders)))  4.2.11)
//! 2. C -> S: {client_data0}_client_early_traffic_secret           (0-RTT, 4.2.10)
//!    when S accepts none of C's shares but a group G' C supports (4.1.4):
//!    S -> C: HelloRetryRequest(G')
//!    C -> S: ClientHello2 = ClientHello1 with (G', g^x') and no early_data, its binder
//!            and every later hash over message_hash(H(ClientHello1)) || HRR || ...  (4.4.1)
//! 3. S -> C: ServerHello(Rs, g^y)                                 (4.1.3)
//! 4. S -> C: {EncryptedExtensions(early_data?)}_s_hs_traffic      (4.3.1)
//! 5. S -> C: {Finished(HMAC(s_finished_key, H(1..4)))}_s_hs_traffic       (4.4.4)
//! 6. C -> S: {EndOfEarlyData}_c_e_traffic    (when S accepted 0-RTT, 4.5)
//! 7. C -> S: {Finished(HMAC(c_finished_key, H(1..6)))}_c_hs_traffic
//! 8. C -> S: {client_data}_c_ap_traffic;  S -> C: {server_data}_s_ap_traffic
//! ```
//! The key schedule (section 7.1, `schedule`): early secret from the PSK, handshake secret
//! with g^xy (psk_dhe_ke) or without (psk_ke), traffic secrets over the transcript.
//! Claims: each side agrees with the other on (id, Rc, Rs, the group of the first key share
//! and the negotiated group, the application traffic secrets), in Lowe's four strengths; the session key is secret, and forward secret once
//! the PSK is revealed; the server agrees with the client on the 0-RTT data (which a
//! replay can make non-injective); the 0-RTT data is secret, but not forward secret (its
//! key comes from the PSK alone, section 2.3), as the RFC 8446 ProVerif models find.
//!
//! Groups: x25519 and secp256r1, both ideal Diffie-Hellman groups (no weak group, so a
//! group downgrade shows only as disagreement on the groups); the HelloRetryRequest has no
//! cookie (the reference client echoes one; our server sends none).
//! Out of scope: certificates (a PSK-only handshake), session tickets and
//! resumption PSKs (the schedule has the resumption binder label, no scenario uses it),
//! KeyUpdate, alerts and record padding; cipher suites are one symbolic AEAD and one hash;
//! the attacker cannot break the primitives, and guesses no value.
//!
//! The roles in `client` and `server` are generic over the backend: the model runs them on
//! `Symbolic`, the reference crate on real crypto.

pub mod client;
mod forge;
pub mod messages;
pub mod schedule;
pub mod server;

use crate::attacker::Knowledge;
use crate::backend::{Backend, Symbolic};
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::{Initial, Output, Reject, Status};
use crate::role::{Machine, Steps};
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::{self, Sort, TermId};
use crate::term::{MapValues, Terms};
use client::{client_hello, Client, ClientConfig};
use messages::{ClientHello, ContentType, Handshake, KeyShare, NamedGroup, PskMode};
use messages::{ServerHello, TlsCodec};
use properties::{Claim, Property};
use schedule::{self as ks, PskKind};
use server::{PskEntry, Server, ServerConfig};

/// The client authenticates the server: the client commits on the server's Finished.
pub const SERVER_AUTH: Claim = 0;
/// The server authenticates the client: the server commits on the client's Finished.
pub const CLIENT_AUTH: Claim = 1;
/// The server accepts 0-RTT data as coming from the client.
pub const EARLY_DATA_AUTH: Claim = 2;
/// The application traffic secrets.
pub const SESSION_KEY: Claim = 3;
/// The 0-RTT application data.
pub const EARLY_DATA: Claim = 4;
pub const CLAIMS: &[&str] = &[
    "server_auth",
    "client_auth",
    "early_data_auth",
    "session_key",
    "early_data",
];

/// What both sides agree on: (PSK identity, both randoms, the groups, application traffic
/// secrets).
pub fn claim_data<B: Backend>(
    b: &mut B,
    identity: &B::Value,
    client_random: &B::Value,
    server_random: &B::Value,
    groups: &B::Value,
    c_ap: &B::Value,
    s_ap: &B::Value,
) -> B::Value {
    b.tuple(&[identity, client_random, server_random, groups, c_ap, s_ap])
}

/// The groups of a handshake as a side claims them: the group of the first ClientHello's
/// key share and the negotiated group ("none" in psk_ke). A HelloRetryRequest that the
/// server did not send shows as a first group the server never saw.
pub fn groups_value<B: Backend>(
    b: &mut B,
    first: Option<NamedGroup>,
    negotiated: Option<NamedGroup>,
) -> B::Value {
    let mut name = |g: Option<NamedGroup>| {
        let n = g.map_or("none", NamedGroup::name);
        b.constant(n, n.as_bytes())
    };
    let (first, negotiated) = (name(first), name(negotiated));
    b.tuple(&[&first, &negotiated])
}

/// A named variant: the question it asks and the verdicts analysis predicts for it.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub mode: PskMode,
    pub early_data: bool,
    pub check_binder: bool,
    /// One PSK for two agents that each act as client and as server.
    pub shared_psk: bool,
    /// The dishonest E holds C's PSK too (one PSK provisioned to a group of clients).
    pub group_psk: bool,
    /// The client's supported groups, in preference order (its first key share is in the
    /// first), and the server's.
    pub client_groups: &'static [NamedGroup],
    pub server_groups: &'static [NamedGroup],
    /// ClientHello1 and a HelloRetryRequest in the transcript (RFC 8446 section 4.4.1).
    pub bind_hello_retry: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

/// Both groups, X25519 first: what our endpoints offer and accept by default.
pub const BOTH_GROUPS: &[NamedGroup] = &[NamedGroup::X25519, NamedGroup::Secp256r1];

/// Agreement both ways at every level, and the properties `$more`.
macro_rules! agreement_both_ways_and {
    ($($more:literal),*) => {
        &[
            "server_auth_aliveness",
            "server_auth_weak_agreement",
            "server_auth_non_injective_agreement",
            "server_auth_injective_agreement",
            "client_auth_aliveness",
            "client_auth_weak_agreement",
            "client_auth_non_injective_agreement",
            "client_auth_injective_agreement",
            $($more),*
        ]
    };
}

const AGREEMENT_BOTH_WAYS: &[&str] = agreement_both_ways_and!();

/// The default: what every other variant changes.
pub const DEFAULT: Variant = Variant {
    name: "default",
    about: "psk_dhe_ke, one PSK per client-server pair used in one direction only, binder \
                checked, no 0-RTT; both sides support x25519 and secp256r1, the client shares \
                x25519 (the attacker may answer with a HelloRetryRequest for secp256r1). \
                Expected: every property holds within the bound.",
    mode: PskMode::PskDheKe,
    early_data: false,
    check_binder: true,
    shared_psk: false,
    group_psk: false,
    client_groups: BOTH_GROUPS,
    server_groups: BOTH_GROUPS,
    bind_hello_retry: true,
    answers: &[],
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    DEFAULT,
    Variant {
        name: "psk-ke",
        about: "psk_ke (RFC 8446 section 4.2.9), no (EC)DHE: revealing the PSK after a session \
                gives its traffic keys. Expected: session_key_forward_secrecy violated, the \
                rest holds.",
        mode: PskMode::PskKe,
        expect_violated: &["session_key_forward_secrecy"],
        ..DEFAULT
    },
    Variant {
        name: "hello-retry",
        about: "The server accepts secp256r1 only: it answers the client's x25519 share with \
                a HelloRetryRequest (RFC 8446 section 4.1.4), and the second ClientHello's \
                binder and every transcript hash cover message_hash(ClientHello1) || \
                HelloRetryRequest (section 4.4.1). Expected: every property holds; a \
                HelloRetryRequest the server did not send changes the transcript.",
        server_groups: &[NamedGroup::Secp256r1],
        ..DEFAULT
    },
    Variant {
        name: "hello-retry-unbound",
        about: "Both sides leave ClientHello1 and the HelloRetryRequest out of the \
                transcript and the binder (against RFC 8446 section 4.4.1): can the \
                attacker's HelloRetryRequest move the client off the group both prefer? \
                Expected: yes: the attacker answers the x25519 share with a \
                HelloRetryRequest for secp256r1 and hands the second ClientHello to a \
                server that never saw the first; both complete on secp256r1 and disagree \
                on the first key share: non-injective and injective agreement violated \
                both ways, secrecy holds (both groups are ideal here; with a weak group \
                this is the downgrade).",
        bind_hello_retry: false,
        expect_violated: &[
            "server_auth_non_injective_agreement",
            "server_auth_injective_agreement",
            "client_auth_non_injective_agreement",
            "client_auth_injective_agreement",
        ],
        ..DEFAULT
    },
    Variant {
        name: "shared-psk",
        about: "One PSK shared by two agents that both act as client and server (RFC 8446 \
                section 4.2.11 warns against it; the Selfie reflection attack, Drucker and \
                Gueron 2019): the attacker reflects A's ClientHello to A's own server. \
                Expected: agreement violated both ways at every level, secrecy holds.",
        shared_psk: true,
        expect_violated: AGREEMENT_BOTH_WAYS,
        ..DEFAULT
    },
    Variant {
        name: "no-binder",
        about: "The server does not verify the PSK binder (RFC 8446 section 4.2.11.2). \
                Expected: nothing breaks within the bound; the Finished MACs and the key \
                schedule still bind the PSK to the transcript.",
        check_binder: false,
        expect_violated: &[],
        ..DEFAULT
    },
    Variant {
        name: "no-binder-early-data",
        about: "No binder check, with 0-RTT. Expected: as early-data (the replay), nothing \
                more: the early traffic key is derived from the whole ClientHello, so an \
                altered ClientHello cannot carry replayed 0-RTT data.",
        early_data: true,
        check_binder: false,
        expect_violated: &[
            "early_data_injective_agreement",
            "early_data_forward_secrecy",
        ],
        ..DEFAULT
    },
    Variant {
        name: "early-data",
        about: "0-RTT application data (RFC 8446 sections 2.3, 8) without anti-replay: the \
                attacker replays the ClientHello and its early data to a second server \
                session; and revealing the PSK after the session gives the 0-RTT data \
                (section 2.3: not forward secret). Expected: early_data_injective_agreement \
                and early_data_forward_secrecy violated, the rest holds.",
        early_data: true,
        expect_violated: &[
            "early_data_injective_agreement",
            "early_data_forward_secrecy",
        ],
        ..DEFAULT
    },
    Variant {
        name: "group-psk-early-data",
        about: "One PSK provisioned to a group of clients (the dishonest client E holds C's \
                PSK too), with 0-RTT: does a per-client PSK matter, as SEAL key management \
                provisions it? Expected: E reads C's 0-RTT data and session keys and \
                impersonates either side to the other: every property violated.",
        early_data: true,
        group_psk: true,
        expect_violated: EVERY_PROPERTY_WITH_EARLY_DATA,
        answers: &[seeds::SOL5_SAYS],
        ..DEFAULT
    },
];

/// Solution #5 and the key issue #1 and #2 requirements its properties check.
pub const SOLUTIONS: &[Solution] = &[Solution {
    name: "Solution #5: TLS 1.3 with a PSK from SEAL key management",
    says: seeds::SOL5_SAYS,
    variants: &[],
    requirements: &[
        checked_by(
            seeds::KI2_MUTUAL_AUTH,
            &[
                "server_auth_injective_agreement",
                "client_auth_injective_agreement",
            ],
        ),
        checked_by(seeds::KI2_AUTHORIZED, &["client_auth_injective_agreement"]).except(
            "the server's policy: a client is authorized by holding the PSK provisioned for it",
        ),
        checked_by(
            seeds::KI1_TRANSPORT,
            &[
                "session_key_secrecy",
                "early_data_secrecy",
                "early_data_injective_agreement",
            ],
        )
        .except("the 1-RTT record layer: its protection follows from the traffic keys' secrecy"),
    ],
}];

const EVERY_PROPERTY_WITH_EARLY_DATA: &[&str] = agreement_both_ways_and!(
    "session_key_secrecy",
    "session_key_forward_secrecy",
    "early_data_secrecy",
    "early_data_forward_secrecy",
    "early_data_non_injective_agreement",
    "early_data_injective_agreement"
);

/// The properties checked on a variant (early-data ones only where 0-RTT is on).
pub fn properties(early_data: bool) -> Vec<Property> {
    let mut v = properties::lemmas![
        session_key_secrecy: Secrecy(SESSION_KEY),
        session_key_forward_secrecy: ForwardSecrecy(SESSION_KEY),
        server_auth_aliveness: Aliveness(SERVER_AUTH),
        server_auth_weak_agreement: WeakAgreement(SERVER_AUTH),
        server_auth_non_injective_agreement: NonInjectiveAgreement(SERVER_AUTH),
        server_auth_injective_agreement: InjectiveAgreement(SERVER_AUTH),
        client_auth_aliveness: Aliveness(CLIENT_AUTH),
        client_auth_weak_agreement: WeakAgreement(CLIENT_AUTH),
        client_auth_non_injective_agreement: NonInjectiveAgreement(CLIENT_AUTH),
        client_auth_injective_agreement: InjectiveAgreement(CLIENT_AUTH),
    ];
    if early_data {
        v.extend(properties::lemmas![
            early_data_secrecy: Secrecy(EARLY_DATA),
            early_data_forward_secrecy: ForwardSecrecy(EARLY_DATA),
            early_data_non_injective_agreement: NonInjectiveAgreement(EARLY_DATA_AUTH),
            early_data_injective_agreement: InjectiveAgreement(EARLY_DATA_AUTH),
        ]);
    }
    v
}

/// The TLS-PSK protocol for the harness.
pub struct TlsPsk;

/// One TLS-PSK role instance: what the model explores and what the reference runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Client(Client<V>),
    Server(Server<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Client(ClientConfig<V>),
    Server(ServerConfig<V>),
}

impl<V> Initial for Config<V> {
    type Role = Role<V>;

    /// The state a role of this configuration starts in.
    fn initial(&self) -> Role<V> {
        match self {
            Config::Client(_) => Role::Client(Client::Start),
            Config::Server(_) => Role::Server(Server::ExpectClientHello),
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Client(c) => c.status(),
            Role::Server(s) => s.status(),
        }
    }

    /// What the role waits for, for error messages.
    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Client(c) => c.waiting_for(),
            Role::Server(s) => s.waiting_for(),
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug, B: TlsCodec<Value = V>> Steps<B>
    for Role<V>
{
    type Config = Config<V>;

    /// Step the role on one input (none to start a client), on any backend.
    fn step(
        &self,
        cfg: &Config<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Result<(Role<V>, Vec<Output<V>>), Reject> {
        match (cfg, self) {
            (Config::Client(c), Role::Client(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Client(r), o))
            }
            (Config::Server(c), Role::Server(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Server(r), o))
            }
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl Protocol for TlsPsk {
    type Role = Role;
    type Config = Config;

    fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
        forge::forge(cfg, role, know, b, out)
    }

    fn describe(msg: TermId) -> String {
        messages::describe(msg)
    }
}

impl crate::handshake::Handshake for TlsPsk {
    type Variant = Variant;
    const NAME: &'static str = "tls-psk";
    const ABOUT: &'static str = "TLS 1.3 with an external PSK between 5GMSGS client and \
        MSGin5G server over MSGin5G-1 (key issue #2, solution #5; RFC 8446)";
    const SESSIONS_MEANING: &'static str = "client sessions and server sessions per honest agent";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(
            v.name,
            v.about,
            v.expect_violated,
            properties(v.early_data),
        )
        .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<TlsPsk> {
        model(v, (n, n), reveal)
    }
    fn register_keys(_m: &mut DyModel<TlsPsk>) -> Result<&'static str, String> {
        Ok("nothing to register: TLS 1.3 with external PSKs uses no public keys")
    }
}

/// The model of a variant with `sessions` (client, server) sessions per honest agent.
pub fn model(v: &Variant, sessions: (usize, usize), reveal: RevealPolicy) -> DyModel<TlsPsk> {
    let (clients, servers) = sessions;
    let key = |name| term::atom(Sort::Key, name, 0);
    let id = term::constant;
    let mut agents = Vec::new();
    let mut instances = Vec::new();
    let server_cfg = |me, psks: Vec<PskEntry<TermId>>| {
        Config::Server(ServerConfig {
            me,
            psks,
            mode: v.mode,
            accept_early_data: v.early_data,
            check_binder: v.check_binder,
            groups: v.server_groups.to_vec(),
            bind_hello_retry: v.bind_hello_retry,
        })
    };
    let client_cfg = |me, peer, psk, identity| {
        Config::Client(ClientConfig {
            me,
            peer,
            psk,
            psk_kind: PskKind::External,
            identity,
            mode: v.mode,
            groups: v.client_groups.to_vec(),
            early_data: v.early_data,
            bind_hello_retry: v.bind_hello_retry,
        })
    };
    let revealable = vec![0, 1];
    if v.shared_psk {
        // A and B share one PSK and both act as client (to the other) and as server.
        let psk = key("psk_AB");
        agents.push(AgentInfo::new("A", true, vec![psk]));
        agents.push(AgentInfo::new("B", true, vec![psk]));
        for (me, peer) in [(0, 1), (1, 0)] {
            let client = client_cfg(me, peer, psk, id("id_AB"));
            instances.extend(Instance::sessions(clients, me, "client", client));
            let entry = PskEntry {
                identity: id("id_AB"),
                psk,
                kind: PskKind::External,
                peer,
            };
            let server = server_cfg(me, vec![entry]);
            instances.extend(Instance::sessions(servers, me, "server", server));
        }
    } else {
        // Client C and server S share psk_CS; the dishonest E holds its own PSK with S.
        let (psk_cs, psk_es) = (key("psk_CS"), key("psk_ES"));
        agents.push(AgentInfo::new("C", true, vec![psk_cs]));
        agents.push(AgentInfo::new("S", true, vec![psk_cs, psk_es]));
        let e_holds = match v.group_psk {
            true => vec![psk_es, psk_cs],
            false => vec![psk_es],
        };
        agents.push(AgentInfo::new("E", false, e_holds));
        let table = vec![
            PskEntry {
                identity: id("id_C"),
                psk: psk_cs,
                kind: PskKind::External,
                peer: 0,
            },
            PskEntry {
                identity: id("id_E"),
                psk: psk_es,
                kind: PskKind::External,
                peer: 2,
            },
        ];
        let client = client_cfg(0, 1, psk_cs, id("id_C"));
        instances.extend(Instance::sessions(clients, 0, "client", client));
        instances.extend(Instance::sessions(
            servers,
            1,
            "server",
            server_cfg(1, table),
        ));
    }
    let attacker = [
        term::atom(Sort::Nonce, "attacker_nonce", 0),
        term::atom(Sort::DhSecret, "attacker_dh", 0),
        term::atom(Sort::DhSecret, "attacker_dh_p256", 0),
    ];
    DyModel {
        handshake: <TlsPsk as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions: clients,
            agents,
            instances,
            initial_knowledge: attacker.to_vec(),
            revealable,
            reveal,
        },
        properties: properties(v.early_data),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
