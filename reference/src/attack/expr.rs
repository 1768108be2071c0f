//! Terms as a trace writes them, and back: an atom by sort, name and session, the rest by
//! constructor.

use model::derivation::{Recipe, CONSTRUCTORS};
use model::term::{self, Sort, Term, TermId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A term, as written in a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Atom {
        sort: String,
        name: String,
        session: u16,
    },
    Tuple(Vec<Expr>),
    Concat(Vec<Expr>),
    Hash(Box<Expr>),
    Hmac(Box<Expr>, Box<Expr>),
    Extract(Box<Expr>, Box<Expr>),
    ExpandLabel(Box<Expr>, Box<Expr>, Box<Expr>),
    Aead(Box<Expr>, Box<Expr>, Box<Expr>, Box<Expr>),
    /// g raised to the product of the exponents.
    Exp(Vec<Expr>),
    /// The public key of a private key; public-key encryption; a signature (solution #1's
    /// tunnels and tokens).
    Pk(Box<Expr>),
    AEnc(Box<Expr>, Box<Expr>),
    Sign(Box<Expr>, Box<Expr>),
}

fn sort_name(s: Sort) -> &'static str {
    match s {
        Sort::Agent => "agent",
        Sort::Const => "const",
        Sort::Nonce => "nonce",
        Sort::Key => "key",
        Sort::DhSecret => "dh_secret",
    }
}

pub(crate) fn key(name: &str, session: u16) -> String {
    format!("{name}#{session}")
}

/// The `name#session` of an atom term.
pub(crate) fn atom_key(t: TermId) -> String {
    match t.get() {
        Term::Atom { name, session, .. } => key(name, *session),
        _ => format!("{:?}", t),
    }
}

pub fn to_expr(t: TermId) -> Expr {
    let b = |t: &TermId| Box::new(to_expr(*t));
    let all = |ts: &[TermId]| ts.iter().map(|t| to_expr(*t)).collect();
    match t.get() {
        Term::Atom {
            sort,
            name,
            session,
        } => Expr::Atom {
            sort: sort_name(*sort).into(),
            name: name.to_string(),
            session: *session,
        },
        Term::Tuple(f) => Expr::Tuple(all(f)),
        Term::Concat(f) => Expr::Concat(all(f)),
        Term::Hash(x) => Expr::Hash(b(x)),
        Term::Hmac { key, msg } => Expr::Hmac(b(key), b(msg)),
        Term::Extract { salt, ikm } => Expr::Extract(b(salt), b(ikm)),
        Term::ExpandLabel {
            secret,
            label,
            context,
        } => Expr::ExpandLabel(b(secret), b(label), b(context)),
        Term::Aead { key, nonce, ad, pt } => Expr::Aead(b(key), b(nonce), b(ad), b(pt)),
        Term::Exp(e) => Expr::Exp(all(e)),
        Term::Pk(sk) => Expr::Pk(b(sk)),
        Term::AEnc { pk, msg } => Expr::AEnc(b(pk), b(msg)),
        Term::Sign { sk, msg } => Expr::Sign(b(sk), b(msg)),
    }
}

/// Every secret atom (nonce, key, DH secret) inside `t`.
pub(crate) fn secret_atoms(t: TermId, out: &mut BTreeSet<String>) {
    match t.get() {
        Term::Atom { sort, .. } => {
            if matches!(sort, Sort::Nonce | Sort::Key | Sort::DhSecret) {
                out.insert(atom_key(t));
            }
        }
        Term::Tuple(f) | Term::Concat(f) | Term::Exp(f) => {
            f.iter().for_each(|x| secret_atoms(*x, out))
        }
        Term::Hash(x) | Term::Pk(x) => secret_atoms(*x, out),
        Term::Hmac { key: a, msg: b }
        | Term::Extract { salt: a, ikm: b }
        | Term::AEnc { pk: a, msg: b }
        | Term::Sign { sk: a, msg: b } => {
            secret_atoms(*a, out);
            secret_atoms(*b, out);
        }
        Term::ExpandLabel {
            secret,
            label,
            context,
        } => [secret, label, context]
            .into_iter()
            .for_each(|x| secret_atoms(*x, out)),
        Term::Aead { key, nonce, ad, pt } => [key, nonce, ad, pt]
            .into_iter()
            .for_each(|x| secret_atoms(*x, out)),
    }
}

fn sort_of(name: &str) -> Option<Sort> {
    [
        Sort::Agent,
        Sort::Const,
        Sort::Nonce,
        Sort::Key,
        Sort::DhSecret,
    ]
    .into_iter()
    .find(|s| sort_name(*s) == name)
}

/// Intern an expression as a model term (names are leaked: a trace holds few).
pub(crate) fn intern(e: &Expr) -> Result<TermId, String> {
    let all = |es: &[Expr]| es.iter().map(intern).collect::<Result<Vec<_>, _>>();
    Ok(match e {
        Expr::Atom {
            sort,
            name,
            session,
        } => {
            let sort = sort_of(sort).ok_or_else(|| format!("unknown sort {sort:?}"))?;
            term::atom(sort, Box::leak(name.clone().into_boxed_str()), *session)
        }
        Expr::Tuple(f) => term::tuple(&all(f)?),
        Expr::Concat(f) => term::concat(&all(f)?),
        Expr::Hash(x) => term::hash(intern(x)?),
        Expr::Hmac(k, m) => term::hmac(intern(k)?, intern(m)?),
        Expr::Extract(s, i) => term::extract(intern(s)?, intern(i)?),
        Expr::ExpandLabel(s, l, c) => term::expand_label(intern(s)?, intern(l)?, intern(c)?),
        Expr::Aead(k, n, a, p) => term::aead(intern(k)?, intern(n)?, intern(a)?, intern(p)?),
        Expr::Exp(xs) => {
            let xs = all(xs)?;
            let (first, rest) = xs.split_first().ok_or("an empty exponent list")?;
            rest.iter()
                .try_fold(term::dh_public(*first), |acc, x| term::dh_exp(acc, *x))
                .ok_or("not a DH value")?
        }
        Expr::Pk(sk) => term::pk(intern(sk)?),
        Expr::AEnc(pk, m) => term::aenc(intern(pk)?, intern(m)?),
        Expr::Sign(sk, m) => term::sign(intern(sk)?, intern(m)?),
    })
}

/// How the attacker takes a derived value out of what it saw, as a trace writes it (a
/// [`model::derivation::Recipe`] whose seen terms are named).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum How {
    /// The message sent at this step.
    Step(usize),
    /// A value it holds without a message: its own, a dishonest agent's long-term key, a
    /// public key, a key revealed at an earlier step.
    Known(Expr),
    /// A public atom (a name, a constant).
    Public(Expr),
    /// Item `j` of a tuple or concatenation.
    Part(Box<How>, usize),
    /// The payload of a signature.
    Signed(Box<How>),
    /// A ciphertext opened with a key (for public-key encryption, the private key).
    Open(Box<How>, Box<How>),
    /// A term built by a public constructor (`model::derivation::CONSTRUCTORS`) from parts.
    Build(String, Vec<How>),
    /// A DH value raised to an exponent.
    Raise(Box<How>, Box<How>),
}

/// `r` as a trace writes it, `leaf` writing its seen terms.
pub(crate) fn to_how(r: &Recipe, leaf: &dyn Fn(usize) -> How) -> How {
    let b = |r: &Recipe| Box::new(to_how(r, leaf));
    match r {
        Recipe::Seen(i) => leaf(*i),
        Recipe::Public(t) => How::Public(to_expr(*t)),
        Recipe::Part(r, j) => How::Part(b(r), *j),
        Recipe::Signed(r) => How::Signed(b(r)),
        Recipe::Open(r, k) => How::Open(b(r), b(k)),
        Recipe::Build(name, parts) => How::Build(
            name.to_string(),
            parts.iter().map(|p| to_how(p, leaf)).collect(),
        ),
        Recipe::Raise(s, x) => How::Raise(b(s), b(x)),
    }
}

/// `h` as a model derivation: its seen terms in `leaves`, each resolved by `seen` (which
/// refuses a step that sent nothing or a value the attacker does not hold).
pub(crate) fn from_how(
    h: &How,
    seen: &mut dyn FnMut(&How) -> Result<TermId, String>,
    leaves: &mut Vec<TermId>,
) -> Result<Recipe, String> {
    Ok(match h {
        How::Step(_) | How::Known(_) => {
            let t = seen(h)?;
            leaves.push(t);
            Recipe::Seen(leaves.len() - 1)
        }
        How::Public(e) => Recipe::Public(intern(e)?),
        How::Part(r, j) => Recipe::Part(Box::new(from_how(r, seen, leaves)?), *j),
        How::Signed(r) => Recipe::Signed(Box::new(from_how(r, seen, leaves)?)),
        How::Open(r, k) => Recipe::Open(
            Box::new(from_how(r, seen, leaves)?),
            Box::new(from_how(k, seen, leaves)?),
        ),
        How::Build(name, parts) => {
            let name = CONSTRUCTORS
                .iter()
                .find(|c| *c == name)
                .ok_or_else(|| format!("no constructor {name:?}"))?;
            let parts = parts
                .iter()
                .map(|p| from_how(p, seen, leaves))
                .collect::<Result<_, _>>()?;
            Recipe::Build(name, parts)
        }
        How::Raise(s, x) => Recipe::Raise(
            Box::new(from_how(s, seen, leaves)?),
            Box::new(from_how(x, seen, leaves)?),
        ),
    })
}
