//! The messages of monitoring (`seeds/003` clause 5, Rel-13 MONTE): a third party's
//! monitoring request and the report it gets over T8 (TLS: AEAD under the pair's key, or in
//! the clear), and the SCEF's configuration of and event from the MME inside the operator's
//! network (NDS/IP: AEAD under the core key).

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::Terms;
use crate::term::{self, Term, TermId};

/// TS 23.682 clause 5.6.1.1: the third party's request carries its SCS/AS Reference ID,
/// the SCEF's configuration of the MME the SCEF Reference ID it assigned; the MME's
/// events name the SCEF Reference ID, and the SCEF's reports the SCS/AS Reference ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Msg<V> {
    /// Location reporting for a UE, by its external identifier.
    Request {
        requester: V,
        reference: V,
        ue: V,
        event: V,
    },
    /// The SCEF arms the MME for the UE (by IMSI) and its authorized area.
    Configure { reference: V, imsi: V, area: V },
    /// The MME's event: the UE's location, outside its authorized area.
    Event {
        reference: V,
        imsi: V,
        location: V,
        alert: V,
    },
    /// The report to the third party; `imsi` when the private identity leaks.
    Report {
        reference: V,
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
                reference,
                ue,
                event,
            } => t(&[c(REQUEST), *requester, *reference, *ue, *event]),
            Msg::Configure {
                reference,
                imsi,
                area,
            } => t(&[c(CONFIGURE), *reference, *imsi, *area]),
            Msg::Event {
                reference,
                imsi,
                location,
                alert,
            } => t(&[c(EVENT), *reference, *imsi, *location, *alert]),
            Msg::Report {
                reference,
                ue,
                location,
                alert,
                imsi,
            } => t(&[
                c(REPORT),
                *reference,
                *ue,
                *location,
                *alert,
                term::optional(*imsi),
            ]),
        }
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        let v = *v;
        if let Some(f) = term::tagged(v, REQUEST, 4) {
            return Ok(Msg::Request {
                requester: f[0],
                reference: f[1],
                ue: f[2],
                event: f[3],
            });
        }
        if let Some(f) = term::tagged(v, CONFIGURE, 3) {
            return Ok(Msg::Configure {
                reference: f[0],
                imsi: f[1],
                area: f[2],
            });
        }
        if let Some(f) = term::tagged(v, EVENT, 4) {
            return Ok(Msg::Event {
                reference: f[0],
                imsi: f[1],
                location: f[2],
                alert: f[3],
            });
        }
        if let Some(f) = term::tagged(v, REPORT, 5) {
            return Ok(Msg::Report {
                reference: f[0],
                ue: f[1],
                location: f[2],
                alert: f[3],
                imsi: term::present(f[4]),
            });
        }
        Err(Reject("not a monitoring message"))
    }
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = [(REQUEST, 4), (CONFIGURE, 3), (EVENT, 4), (REPORT, 5)];
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
