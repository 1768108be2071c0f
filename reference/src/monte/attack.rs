//! Model attacks on monitoring, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given the trace's values (32 random octets
//! each), and the attacker's terms evaluated with real crypto (`attack::channel`): messages
//! as the JSON codec writes them, sealed under their interface's key where the term is.

use crate::attack::channel::ChannelTerms;
use crate::attack::Attacks;
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::backend::Symbolic;
use model::monte::messages::MonteCodec;
use model::monte::{Config, Monitoring, Role};
use model::term::TermId;
use std::collections::BTreeMap;

/// Evaluates monitoring terms with real crypto.
pub(crate) struct Eval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
}

impl ChannelTerms for Eval<'_> {
    fn values(&self) -> &BTreeMap<String, Hex> {
        self.values
    }
    fn b(&mut self) -> &mut Concrete {
        &mut self.b
    }
    fn message(&mut self, t: TermId) -> Option<Result<Bytes, String>> {
        let m = (Symbolic { session: 0 }).decode(&t).ok()?;
        Some(m.try_map(&mut |v| self.eval(*v)).map(|m| super::encode(&m)))
    }
}

impl Attacks for Monitoring {
    type Machine = Role<Bytes>;
    type Eval<'a> = Eval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> Eval<'_> {
        Eval {
            values,
            b: Concrete::new(),
        }
    }
    fn evaluate(cfg: &Config, eval: &mut Eval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
}
