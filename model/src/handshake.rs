//! What a handshake tells the registry (`catalog`): its name, its variants with the
//! properties each is documented to violate, and its scenario for a number of sessions.

use crate::harness::{DyModel, Protocol, RevealPolicy};
use crate::seeds::{Quote, Solution};
use properties::Property;

/// Sessions per honest role when the user gives none: one session per role cannot show an
/// injective agreement failing, two can.
pub const DEFAULT_SESSIONS: usize = 2;

/// A handshake as the registry sees it: its variants and its scenario for `sessions`.
pub trait Handshake: Protocol {
    type Variant: 'static;
    const NAME: &'static str;
    const ABOUT: &'static str;
    /// What `--sessions N` sets, in words.
    const SESSIONS_MEANING: &'static str;

    const VARIANTS: &'static [Self::Variant];
    /// The seeds' solutions this handshake models, with the key-issue requirements its
    /// properties check (none for a calibration model).
    const SOLUTIONS: &'static [Solution] = &[];
    /// The most sessions the scenario has names for, and what the names are.
    const MOST: (usize, &'static str) = (8, "sessions");

    fn variant_info(v: &Self::Variant) -> VariantInfo;
    /// The model of `v` with `sessions` (at most [`Handshake::MOST`]) per honest role.
    fn model(v: &Self::Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Self>;
    /// Key registration (`--register-keys`): the dishonest agents' public keys become
    /// whatever public key the attacker registers under their names, as ProVerif's
    /// key-registration process lets it ([`crate::registry`]). `Ok`: what it covers, in the
    /// bound's words (for a handshake where no honest role uses a dishonest agent's public
    /// key, that there is nothing to register). `Err`: why this handshake has none (yet).
    fn register_keys(_m: &mut DyModel<Self>) -> Result<&'static str, String> {
        Err("its models have no key registration yet".into())
    }
}

/// A variant as the CLI lists it.
#[derive(Clone, Debug)]
pub struct VariantInfo {
    pub name: &'static str,
    pub about: &'static str,
    /// Default sessions per honest role.
    pub default_sessions: usize,
    pub properties: Vec<Property>,
    pub expect_violated: &'static [&'static str],
    /// The seeds' Editor's Notes, FFS or steps whose question this variant answers.
    pub answers: &'static [Quote],
}

impl VariantInfo {
    /// A variant checked at [`DEFAULT_SESSIONS`].
    pub fn new(
        name: &'static str,
        about: &'static str,
        expect_violated: &'static [&'static str],
        properties: Vec<Property>,
    ) -> Self {
        VariantInfo {
            name,
            about,
            default_sessions: DEFAULT_SESSIONS,
            properties,
            expect_violated,
            answers: &[],
        }
    }

    /// The same, answering `notes` of the seeds.
    pub fn answering(self, answers: &'static [Quote]) -> Self {
        VariantInfo { answers, ..self }
    }
}

#[derive(Clone, Debug)]
pub struct HandshakeInfo {
    pub name: &'static str,
    pub about: &'static str,
    /// What `--sessions N` sets.
    pub sessions_meaning: &'static str,
    pub variants: Vec<VariantInfo>,
    pub solutions: &'static [Solution],
}
