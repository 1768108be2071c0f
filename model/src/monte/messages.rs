//! The messages of monitoring (`seeds/003` clause 5, Rel-13 MONTE): a third party's
//! monitoring request (location reporting, the number of UEs in an area, a UE's authorised
//! locations) and the report it gets over T8 (TLS: AEAD under the pair's key, or in
//! the clear), and the SCEF's configuration of and event from the MME inside the operator's
//! network (NDS/IP: AEAD under the core key).

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::{self, Term, TermId};
use crate::term::{MapValues, Tagged, Terms};

/// TS 23.682 clause 5.6.1.1: the third party's request carries its SCS/AS Reference ID,
/// the SCEF's configuration of the MME the SCEF Reference ID it assigned; the MME's
/// events name the SCEF Reference ID, and the SCEF's reports the SCS/AS Reference ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, Tagged, MapValues)]
pub enum Msg<V> {
    /// Location reporting for a UE, by its external identifier.
    #[tag(REQUEST)]
    Request {
        requester: V,
        reference: V,
        ue: V,
        event: V,
    },
    /// The SCEF arms the MME for the UE (by IMSI) and its authorized area.
    #[tag(CONFIGURE)]
    Configure { reference: V, imsi: V, area: V },
    /// The MME's event: the UE's location, outside its authorized area.
    #[tag(EVENT)]
    Event {
        reference: V,
        imsi: V,
        location: V,
        alert: V,
    },
    /// The report to the third party; `imsi` when the private identity leaks.
    #[tag(REPORT)]
    Report {
        reference: V,
        ue: V,
        location: V,
        alert: V,
        imsi: Option<V>,
    },
    /// Key issue 2 (clause 5.2.1): the SCEF asks the MME for the UEs in an area.
    #[tag(COUNT_CONFIGURE)]
    CountConfigure { reference: V, area: V },
    /// The MME's count: the number of UEs in the area, and who they are (each one's IMSI
    /// and position fix).
    #[tag(COUNT_EVENT)]
    CountEvent { reference: V, count: V, present: V },
    /// The count to the third party; `present` when the identities leak with it (the
    /// risk clause 5.2.1 names).
    #[tag(COUNT_REPORT)]
    CountReport {
        reference: V,
        area: V,
        count: V,
        present: Option<V>,
    },
    /// A UE's authorised locations, held in the network (clause 5.2.2's last threat).
    #[tag(AREA_ANSWER)]
    AreaAnswer { reference: V, ue: V, area: V },
}

pub trait MonteCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
}

const REQUEST: &str = "monitoring request";
const CONFIGURE: &str = "monitoring configuration";
const EVENT: &str = "monitoring event";
const REPORT: &str = "monitoring report";
const COUNT_CONFIGURE: &str = "UE count configuration";
const COUNT_EVENT: &str = "UE count event";
const COUNT_REPORT: &str = "UE count report";
const AREA_ANSWER: &str = "authorised locations";
/// The alert of solution 1 (clause 5.1.4.1): the UE is out of its authorized area.
pub const OUT_OF_AREA: &str = "moved out of the authorized area";

impl MonteCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        m.to_term()
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        Msg::from_term(*v).ok_or(Reject("not a monitoring message"))
    }
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = Msg::TAGS;
    match v.get() {
        Term::Aead { pt, ad, .. } => {
            let via = match ad.get() {
                Term::Atom { name, .. } => name,
                _ => "AEAD",
            };
            Some(format!("{via}{{{}}}", term::tag_name(*pt, names)?))
        }
        _ => term::tag_name(v, names),
    }
}
