//! The messages of monitoring (`seeds/003` clause 5, Rel-13 MONTE): a third party's
//! monitoring request and the report it gets over T8 (TLS: AEAD under the pair's key, or in
//! the clear), and the SCEF's configuration of and event from the MME inside the operator's
//! network (NDS/IP: AEAD under the core key).

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::Terms;
use crate::term::{self, Term, TermId};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Msg<V> {
    /// Location reporting for a UE, by its external identifier.
    Request { requester: V, ue: V, event: V },
    /// The SCEF arms the MME for the UE (by IMSI) and its authorized area.
    Configure { imsi: V, area: V },
    /// The MME's event: the UE's location, outside its authorized area.
    Event { imsi: V, location: V, alert: V },
    /// The report to the third party; `imsi` when the private identity leaks.
    Report {
        ue: V,
        location: V,
        alert: V,
        imsi: Option<V>,
    },
}

pub trait MonteCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
}

const REQUEST: &str = "monitoring request";
const CONFIGURE: &str = "monitoring configuration";
const EVENT: &str = "monitoring event";
const REPORT: &str = "monitoring report";
/// The alert of solution 1 (clause 5.1.4.1): the UE is out of its authorized area.
pub const OUT_OF_AREA: &str = "moved out of the authorized area";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

impl MonteCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        let t = term::tuple;
        match m {
            Msg::Request {
                requester,
                ue,
                event,
            } => t(&[c(REQUEST), *requester, *ue, *event]),
            Msg::Configure { imsi, area } => t(&[c(CONFIGURE), *imsi, *area]),
            Msg::Event {
                imsi,
                location,
                alert,
            } => t(&[c(EVENT), *imsi, *location, *alert]),
            Msg::Report {
                ue,
                location,
                alert,
                imsi,
            } => t(&[c(REPORT), *ue, *location, *alert, term::optional(*imsi)]),
        }
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        let v = *v;
        if let Some(f) = term::tagged(v, REQUEST, 3) {
            return Ok(Msg::Request {
                requester: f[0],
                ue: f[1],
                event: f[2],
            });
        }
        if let Some(f) = term::tagged(v, CONFIGURE, 2) {
            return Ok(Msg::Configure {
                imsi: f[0],
                area: f[1],
            });
        }
        if let Some(f) = term::tagged(v, EVENT, 3) {
            return Ok(Msg::Event {
                imsi: f[0],
                location: f[1],
                alert: f[2],
            });
        }
        if let Some(f) = term::tagged(v, REPORT, 4) {
            return Ok(Msg::Report {
                ue: f[0],
                location: f[1],
                alert: f[2],
                imsi: term::present(f[3]),
            });
        }
        Err(Reject("not a monitoring message"))
    }
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = [(REQUEST, 3), (CONFIGURE, 2), (EVENT, 3), (REPORT, 4)];
    match v.get() {
        Term::Aead { pt, ad, .. } => {
            let via = match ad.get() {
                Term::Atom { name, .. } => name,
                _ => "AEAD",
            };
            Some(format!("{via}{{{}}}", term::tag_name(*pt, &names)?))
        }
        _ => term::tag_name(v, &names),
    }
}
