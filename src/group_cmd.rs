//! `msgin5g group scef|scs|ue`: group messaging, solution 2 (Rel-13 GROUPE, `seeds/003`
//! clause 4.1.4.2), on real sockets. `scef` plays the SCEF as group management function over
//! HTTPS with the MME in the same process, broadcasting protected group messages as UDP
//! datagrams to the members' addresses on loopback; `scs` an SCS/AS that sends one; `ue` a
//! member that gets its credentials and takes the group messages.

use crate::usage::{https_party, setup, Failure, TlsArgs};
use clap::Args;
use clap::Subcommand;
use reference::group::run::{self, GroupServer, GroupSetup, Member, Received};
use reference::oidc::http::Request;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

#[derive(Subcommand)]
pub enum Group {
    /// Play the SCEF (and the MME) over HTTPS with client certificates chaining to --ca:
    /// POST /group/v1/messages with a group message request from an SCS authorized for the
    /// group broadcasts the message (the body under Gkey, the SCEF's ECDSA P-256 signature)
    /// to the group's members and answers 201 with the delivery report; POST
    /// /group/v1/credentials from a member answers 200 with the group security credentials.
    /// A refusal is 401/403/400 with a ProblemDetails cause.
    Scef(crate::usage::ConfiguredServer),
    /// Play an SCS/AS: send --payload to the group --group through --scef; print the report.
    Scs(ScsArgs),
    /// Play a member UE: get the credentials from --scef, then take group messages on
    /// --listen-udp until --messages are accepted or --timeout seconds pass; print each,
    /// accepted or refused with the reason. Exit 1 when fewer were accepted.
    Ue(UeArgs),
}

/// Where an SCS or UE finds the SCEF, its credentials, and its group.
#[derive(Args)]
pub struct PartyArgs {
    /// The SCEF's base URL (https).
    #[arg(long)]
    scef: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// The External Group ID.
    #[arg(long)]
    group: String,
}

#[derive(Args)]
pub struct ScsArgs {
    #[command(flatten)]
    party: PartyArgs,
    #[arg(long, default_value = "hello from the SCS")]
    payload: String,
}

#[derive(Args)]
pub struct UeArgs {
    #[command(flatten)]
    party: PartyArgs,
    /// The SCSs it takes group messages from (repeat the flag).
    #[arg(long = "scs", required = true)]
    senders: Vec<String>,
    /// Where the broadcast reaches it (UDP, the address the SCEF's configuration gives).
    #[arg(long)]
    listen_udp: SocketAddr,
    /// Accept unsigned group messages (solution 3's group key alone: any member can forge
    /// one).
    #[arg(long)]
    no_signature: bool,
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    messages: u64,
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// The group message ids the SCEF remembers (its replay cache).
const SCEF_MAX_REQUESTS: usize = 4096;

pub fn run(cmd: &Group) -> Result<(), Failure> {
    match cmd {
        Group::Scef(a) => a.serve(
            GroupSetup::parse,
            "SCEF (group messages)",
            |s| {
                format!(
                    "{} SCSs, {} groups; Gkeys and an ECDSA P-256 key drawn fresh",
                    s.senders.len(),
                    s.groups.len()
                )
            },
            |s| {
                let mut server = GroupServer::new(s, SCEF_MAX_REQUESTS)?;
                Ok(move |r: &Request| server.handle(r))
            },
        ),
        Group::Scs(a) => {
            let p = &a.party;
            let report = run::send(&https_party(&p.scef, &p.tls)?, &p.group, &a.payload)?;
            say!("{report}");
            Ok(())
        }
        Group::Ue(a) => {
            let udp = UdpSocket::bind(a.listen_udp)
                .map_err(|e| format!("cannot listen on {}: {e}", a.listen_udp));
            let udp = setup(udp)?;
            let member = Member {
                group: a.party.group.clone(),
                senders: a.senders.clone(),
                require_signature: !a.no_signature,
            };
            let wanted = a.messages as usize;
            let accepted = run::receive(
                &https_party(&a.party.scef, &a.party.tls)?,
                &member,
                &udp,
                wanted,
                Duration::from_secs(a.timeout.max(1)),
                |r| match r {
                    Received::Ready => say!(
                        "{}: got the group credentials; listening on udp {}",
                        a.party.group,
                        a.listen_udp
                    ),
                    Received::Accepted { sender, payload } => {
                        say!("group message from {sender}: {payload}")
                    }
                    Received::Refused(why) => say!("refused a datagram: {why}"),
                },
            )?;
            match accepted == wanted {
                true => Ok(()),
                false => {
                    Err(format!("{accepted} of {wanted} group messages in {} s", a.timeout).into())
                }
            }
        }
    }
}
