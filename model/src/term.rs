//! Symbolic terms, hash-consed.
//!
//! Every term is interned once in a process-wide table and named by a `TermId` (a `u32`):
//! a role state or the attacker's knowledge holds ids, so states stay small and cheap to
//! hash and compare. Interning is canonical: building the same term twice gives the same id,
//! and the one equational theory we need, Diffie-Hellman exponentiation
//! `(g^a)^b = (g^b)^a`, is normalised at construction (exponents kept as a sorted list), so
//! equal terms modulo the theory have equal ids. Concatenation is normalised to be
//! associative, like byte strings.
//!
//! Terms are immortal: the table only grows, which keeps lookups lock-free: an id is read
//! from an append-only segmented table, and each thread caches the terms it interned.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::fmt;
use std::sync::{LazyLock, OnceLock, RwLock};

/// A term, by its interned id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId(u32);

/// What an atom is; decides what the attacker may put in a typed message field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sort {
    /// Agent names: public.
    Agent,
    /// Constants (labels, message tags, PSK identities): public.
    Const,
    /// Fresh nonces and randoms.
    Nonce,
    /// Long-term and fresh symmetric keys, private keys.
    Key,
    /// Diffie-Hellman secret exponents.
    DhSecret,
}

impl Sort {
    pub fn is_public(self) -> bool {
        matches!(self, Sort::Agent | Sort::Const)
    }
}

/// A symbolic term. Sub-terms are ids.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Term {
    /// A name: `session` distinguishes fresh values of different role instances.
    Atom {
        sort: Sort,
        name: &'static str,
        session: u16,
    },
    /// A structured message (fields in order).
    Tuple(Box<[TermId]>),
    /// Byte-string concatenation, flattened (associative).
    Concat(Box<[TermId]>),
    Hash(TermId),
    Hmac {
        key: TermId,
        msg: TermId,
    },
    /// HKDF-Extract(salt, IKM), RFC 5869.
    Extract {
        salt: TermId,
        ikm: TermId,
    },
    /// HKDF-Expand-Label(Secret, Label, Context, Length), RFC 8446 section 7.1 (the length is
    /// implied by the label in this model). Also stands for the 3GPP KDF with `label` as FC.
    ExpandLabel {
        secret: TermId,
        label: TermId,
        context: TermId,
    },
    /// Authenticated encryption; opening needs `key`.
    Aead {
        key: TermId,
        nonce: TermId,
        ad: TermId,
        pt: TermId,
    },
    /// The public key of private key `sk`.
    Pk(TermId),
    /// Public-key encryption under `pk`; opening needs the private key.
    AEnc {
        pk: TermId,
        msg: TermId,
    },
    /// A signature with private key `sk`; reveals `msg`, checked with `pk(sk)`.
    Sign {
        sk: TermId,
        msg: TermId,
    },
    /// `g` raised to the product of `exps` (sorted, non-empty): DH values.
    Exp(Box<[TermId]>),
}

/// The term table. `ids` maps a term to its id (behind a lock, for writers and for
/// threads that miss in their local copy); `TERMS` maps an id to its term without a lock:
/// segment `k` holds `2^k * SEGMENT_BASE` slots, each set once.
struct Table {
    ids: FxHashMap<&'static Term, TermId>,
    len: u32,
}

const SEGMENT_BASE: usize = 1024;
const SEGMENTS: usize = 22;

/// A term with what symmetry reduction asks of it, computed once when it is interned.
struct Entry {
    term: Term,
    /// A hash of the term with every fresh value's session left out: equal for terms that
    /// differ only in which sessions' fresh values they hold.
    shape: u64,
    /// The sessions whose fresh values occur in the term, one bit each (63: 63 and above).
    sessions: u64,
}

type Segment = Box<[OnceLock<&'static Entry>]>;

static TABLE: LazyLock<RwLock<Table>> = LazyLock::new(|| {
    RwLock::new(Table {
        ids: FxHashMap::default(),
        len: 0,
    })
});

static TERMS: [OnceLock<Segment>; SEGMENTS] = [const { OnceLock::new() }; SEGMENTS];

/// Segment and offset of id `i`.
fn slot(i: usize) -> (usize, usize) {
    let k = (i / SEGMENT_BASE + 1).ilog2() as usize;
    (k, i - SEGMENT_BASE * ((1 << k) - 1))
}

thread_local! {
    /// This thread's cache of term -> id: terms never change, so a cached entry is always
    /// valid and the shared lock is taken only for terms this thread has not interned yet.
    static LOCAL: RefCell<FxHashMap<&'static Term, TermId>> = RefCell::new(FxHashMap::default());
}

thread_local! {
    /// Atoms by (name address, name length, sort, session): see [`atom`].
    static ATOMS: RefCell<FxHashMap<(usize, usize, Sort, u16), TermId>> =
        RefCell::new(FxHashMap::default());
}

/// Intern a term (without normalisation: use the constructors below).
fn intern(term: Term) -> TermId {
    LOCAL.with_borrow_mut(|local| {
        if let Some(id) = local.get(&term) {
            return *id;
        }
        let (leaked, id) = {
            let mut t = TABLE.write().expect("term table poisoned");
            match t.ids.get_key_value(&term) {
                Some((k, id)) => (*k, *id),
                None => {
                    let id = TermId(t.len);
                    let (k, off) = slot(id.0 as usize);
                    assert!(k < SEGMENTS, "term table overflow");
                    let entry: &'static Entry = Box::leak(Box::new(Entry {
                        shape: shape_of(&term),
                        sessions: sessions_of(&term),
                        term,
                    }));
                    let leaked = &entry.term;
                    let segment = TERMS[k]
                        .get_or_init(|| (0..SEGMENT_BASE << k).map(|_| OnceLock::new()).collect());
                    assert!(segment[off].set(entry).is_ok(), "slot set once");
                    t.ids.insert(leaked, id);
                    t.len += 1;
                    (leaked, id)
                }
            }
        };
        local.insert(leaked, id);
        id
    })
}

impl TermId {
    fn entry(self) -> &'static Entry {
        let (k, off) = slot(self.0 as usize);
        TERMS[k]
            .get()
            .and_then(|seg| seg[off].get())
            .expect("ids are only made by interning")
    }

    /// The term this id names.
    pub fn get(self) -> &'static Term {
        &self.entry().term
    }

    /// A hash of the term's shape: the same for terms that differ only in which sessions'
    /// fresh values they hold.
    pub fn shape(self) -> u64 {
        self.entry().shape
    }

    /// The sessions whose fresh values occur in the term, one bit each (bit 63 stands for
    /// session 63 and above).
    pub fn sessions(self) -> u64 {
        self.entry().sessions
    }

    pub fn index(self) -> u32 {
        self.0
    }

    /// The atom's sort, if this is an atom.
    pub fn sort(self) -> Option<Sort> {
        match self.get() {
            Term::Atom { sort, .. } => Some(*sort),
            _ => None,
        }
    }
}

impl Term {
    /// Is this a fresh value of a session, and of which? Fresh values are the nonces and DH
    /// secrets a role draws ([`crate::backend::Fresh`]), named after the instance that drew
    /// them; the only other nonces and DH secrets are the attacker's own, whose names begin
    /// with `attacker`.
    pub fn fresh_session(&self) -> Option<u16> {
        match self {
            Term::Atom {
                sort: Sort::Nonce | Sort::DhSecret,
                name,
                session,
            } if !name.starts_with("attacker") => Some(*session),
            _ => None,
        }
    }

    /// Calls `f` on each direct sub-term, in field order.
    fn each_child(&self, f: &mut impl FnMut(TermId)) {
        match self {
            Term::Atom { .. } => {}
            Term::Tuple(items) | Term::Concat(items) | Term::Exp(items) => {
                items.iter().for_each(|i| f(*i))
            }
            Term::Hash(m) | Term::Pk(m) => f(*m),
            Term::Hmac { key: a, msg: b }
            | Term::Extract { salt: a, ikm: b }
            | Term::AEnc { pk: a, msg: b }
            | Term::Sign { sk: a, msg: b } => {
                f(*a);
                f(*b)
            }
            Term::ExpandLabel {
                secret,
                label,
                context,
            } => [*secret, *label, *context].into_iter().for_each(f),
            Term::Aead { key, nonce, ad, pt } => [*key, *nonce, *ad, *pt].into_iter().for_each(f),
        }
    }
}

fn shape_of(t: &Term) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    match t {
        Term::Atom {
            sort,
            name,
            session,
        } => {
            (sort, name).hash(&mut h);
            if t.fresh_session().is_none() {
                session.hash(&mut h);
            }
        }
        _ => {
            std::mem::discriminant(t).hash(&mut h);
            t.each_child(&mut |c| h.write_u64(c.shape()));
        }
    }
    h.finish()
}

fn sessions_of(t: &Term) -> u64 {
    if let Some(s) = t.fresh_session() {
        return 1 << s.min(63);
    }
    let mut sessions = 0;
    t.each_child(&mut |c| sessions |= c.sessions());
    sessions
}

/// A renaming of fresh values between sessions: session `s` becomes `to[s]` (for `s`
/// below `to.len()`). Renamed terms are remembered per thread, per renaming, across states:
/// most terms of a state are in the next one too.
pub struct Renaming<'a> {
    to: &'a [u16],
    /// A bit for each session that changes.
    moved: u64,
    id: u32,
}

thread_local! {
    static RENAMINGS: RefCell<FxHashMap<Box<[u16]>, u32>> = RefCell::new(FxHashMap::default());
    static RENAMED: RefCell<FxHashMap<(u32, TermId), TermId>> =
        RefCell::new(FxHashMap::default());
}

/// The most renamed terms a thread remembers before it forgets them all.
const RENAMED_CAP: usize = 1 << 22;

impl<'a> Renaming<'a> {
    pub fn new(to: &'a [u16]) -> Self {
        let moved = to
            .iter()
            .enumerate()
            .filter(|(s, t)| *s != **t as usize)
            .fold(0, |m, (s, _)| m | 1 << s.min(63));
        let id = RENAMINGS.with_borrow_mut(|r| {
            let next = r.len() as u32;
            *r.entry(to.into()).or_insert(next)
        });
        Renaming { to, moved, id }
    }

    pub fn is_identity(&self) -> bool {
        self.moved == 0
    }

    pub fn apply(&self, t: TermId) -> TermId {
        if t.sessions() & self.moved == 0 {
            return t;
        }
        if let Some(r) = RENAMED.with_borrow(|m| m.get(&(self.id, t)).copied()) {
            return r;
        }
        let r = match t.get() {
            Term::Atom {
                sort,
                name,
                session,
            } => atom(
                *sort,
                name,
                self.to.get(*session as usize).copied().unwrap_or(*session),
            ),
            _ => rebuild(t, |x| self.apply(x)),
        };
        RENAMED.with_borrow_mut(|m| {
            if m.len() >= RENAMED_CAP {
                m.clear();
            }
            m.insert((self.id, t), r)
        });
        r
    }
}

/// `t` with each direct sub-term `c` replaced by `go(c)`, in field order, built again by the
/// constructors (so normalised); an atom is itself. `go` must map a DH exponent to a DH
/// secret.
pub fn rebuild(t: TermId, mut go: impl FnMut(TermId) -> TermId) -> TermId {
    let mut all = |xs: &[TermId]| xs.iter().map(|x| go(*x)).collect::<Vec<_>>();
    match t.get() {
        Term::Atom { .. } => t,
        Term::Tuple(items) => tuple(&all(items)),
        Term::Concat(items) => concat(&all(items)),
        Term::Exp(exps) => {
            let exps = all(exps);
            exps[1..].iter().fold(dh_public(exps[0]), |acc, x| {
                dh_exp(acc, *x).expect("g^x is a DH value")
            })
        }
        Term::Hash(m) => hash(go(*m)),
        Term::Pk(m) => pk(go(*m)),
        Term::Hmac { key, msg } => {
            let key = go(*key);
            hmac(key, go(*msg))
        }
        Term::Extract { salt, ikm } => {
            let salt = go(*salt);
            extract(salt, go(*ikm))
        }
        Term::AEnc { pk, msg } => {
            let pk = go(*pk);
            aenc(pk, go(*msg))
        }
        Term::Sign { sk, msg } => {
            let sk = go(*sk);
            sign(sk, go(*msg))
        }
        Term::ExpandLabel {
            secret,
            label,
            context,
        } => {
            let (secret, label) = (go(*secret), go(*label));
            expand_label(secret, label, go(*context))
        }
        Term::Aead { key, nonce, ad, pt } => {
            let (key, nonce, ad) = (go(*key), go(*nonce), go(*ad));
            aead(key, nonce, ad, go(*pt))
        }
    }
}

/// `t` with every occurrence of a sub-term that `map` names replaced by its image (outermost
/// first): the constructors recompute every hash, MAC, key and ciphertext around it.
pub fn substitute(t: TermId, map: &FxHashMap<TermId, TermId>) -> TermId {
    fn go(
        t: TermId,
        map: &FxHashMap<TermId, TermId>,
        done: &mut FxHashMap<TermId, TermId>,
    ) -> TermId {
        if let Some(to) = map.get(&t).or_else(|| done.get(&t)) {
            return *to;
        }
        let kids = children(t);
        let new: Vec<TermId> = kids.iter().map(|c| go(*c, map, done)).collect();
        // Most of a large term does not hold what is replaced: keep it as it is.
        let r = if new == kids {
            t
        } else {
            let mut new = new.into_iter();
            rebuild(t, |_| new.next().expect("one per child"))
        };
        done.insert(t, r);
        r
    }
    go(t, map, &mut FxHashMap::default())
}

/// The direct sub-terms of `t`, in the order [`rebuild`] visits them.
pub fn children(t: TermId) -> Vec<TermId> {
    let mut out = Vec::new();
    t.get().each_child(&mut |c| out.push(c));
    out
}

/// Values that hold terms: role states and what they are made of (`#[derive(Terms)]`).
/// Symmetry reduction renames the fresh values of interchangeable sessions in them, and
/// orders the sessions by the shapes of their states.
pub trait Terms {
    /// The same value with every term mapped by `f`.
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self;
    /// Hash the value with every term by its [`TermId::shape`].
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher);
}

pub use terms_derive::{MapValues, Tagged, Terms};

impl Terms for TermId {
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self {
        f(*self)
    }
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher) {
        h.write_u64(self.shape())
    }
}

/// Types that hold no terms.
macro_rules! no_terms {
    ($($t:ty),*) => {$(
        impl Terms for $t {
            fn map_terms(&self, _: &mut dyn FnMut(TermId) -> TermId) -> Self {
                self.clone()
            }
            fn hash_shape(&self, mut h: &mut dyn std::hash::Hasher) {
                std::hash::Hash::hash(self, &mut h)
            }
        }
    )*};
}
no_terms!(
    bool,
    u8,
    u16,
    u32,
    u64,
    usize,
    &'static str,
    properties::Agents
);

impl<T: Terms> Terms for Option<T> {
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self {
        self.as_ref().map(|x| x.map_terms(f))
    }
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher) {
        h.write_u8(self.is_some() as u8);
        if let Some(x) = self {
            x.hash_shape(h)
        }
    }
}

impl<T: Terms> Terms for Vec<T> {
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self {
        self.iter().map(|x| x.map_terms(f)).collect()
    }
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher) {
        h.write_usize(self.len());
        self.iter().for_each(|x| x.hash_shape(h))
    }
}

impl<T: Terms + Ord> Terms for std::collections::BTreeSet<T> {
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self {
        self.iter().map(|x| x.map_terms(f)).collect()
    }
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher) {
        // In an order that does not depend on the sessions.
        let mut shapes: Vec<u64> = self.iter().map(shape_hash).collect();
        shapes.sort_unstable();
        h.write_usize(shapes.len());
        shapes.into_iter().for_each(|s| h.write_u64(s))
    }
}

impl<T: Terms> Terms for Box<T> {
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self {
        Box::new((**self).map_terms(f))
    }
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher) {
        (**self).hash_shape(h)
    }
}

impl<A: Terms, B: Terms> Terms for (A, B) {
    fn map_terms(&self, f: &mut dyn FnMut(TermId) -> TermId) -> Self {
        (self.0.map_terms(f), self.1.map_terms(f))
    }
    fn hash_shape(&self, h: &mut dyn std::hash::Hasher) {
        self.0.hash_shape(h);
        self.1.hash_shape(h)
    }
}

/// The shape hash of a value.
pub fn shape_hash<T: Terms>(x: &T) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    x.hash_shape(&mut h);
    h.finish()
}

// ---- constructors (the only way to build terms: they normalise) ----

/// The name `{base}_{n}`, for the `n`th fresh value of one kind a role draws (a message id per
/// connection, a code per grant): every count gets its own name, so no bound makes two fresh
/// values one. Names are made once and kept for the process.
pub fn numbered(base: &'static str, n: usize) -> &'static str {
    static NAMES: LazyLock<RwLock<FxHashMap<(&'static str, usize), &'static str>>> =
        LazyLock::new(Default::default);
    if let Some(name) = NAMES.read().expect("names lock").get(&(base, n)) {
        return name;
    }
    let mut names = NAMES.write().expect("names lock");
    names
        .entry((base, n))
        .or_insert_with(|| Box::leak(format!("{base}_{n}").into_boxed_str()))
}

pub fn atom(sort: Sort, name: &'static str, session: u16) -> TermId {
    // Atoms are built constantly (message tags, labels): find them by the address of their
    // static name first, which hashes and compares integers, not strings.
    let key = (name.as_ptr() as usize, name.len(), sort, session);
    if let Some(id) = ATOMS.with_borrow(|atoms| atoms.get(&key).copied()) {
        return id;
    }
    let id = intern(Term::Atom {
        sort,
        name,
        session,
    });
    ATOMS.with_borrow_mut(|atoms| atoms.insert(key, id));
    id
}
pub fn constant(name: &'static str) -> TermId {
    atom(Sort::Const, name, 0)
}
pub fn tuple(items: &[TermId]) -> TermId {
    intern(Term::Tuple(items.into()))
}
/// The `n` fields after the tag of `v`, if `v` is a tuple of the constant `tag` and `n`
/// fields: how the symbolic codecs take their messages apart.
pub fn tagged(v: TermId, tag: &'static str, n: usize) -> Option<&'static [TermId]> {
    match v.get() {
        Term::Tuple(f) if f.len() == n + 1 && f[0] == constant(tag) => Some(&f[1..]),
        _ => None,
    }
}
/// An optional field of a symbolic message: the value, or the constant `none`.
pub fn optional(v: Option<TermId>) -> TermId {
    v.unwrap_or_else(|| constant("none"))
}
/// The value of an optional field (`None` for the constant `none`).
pub fn present(v: TermId) -> Option<TermId> {
    (v != constant("none")).then_some(v)
}
/// The tag of `v` among `names` (tag, number of fields): a message's name, for charts.
pub fn tag_name(v: TermId, names: &[(&'static str, usize)]) -> Option<String> {
    names
        .iter()
        .find(|(n, k)| tagged(v, n, *k).is_some())
        .map(|(n, _)| n.to_string())
}
/// Concatenation; nested concatenations are flattened so that it is associative.
pub fn concat(items: &[TermId]) -> TermId {
    let mut flat = Vec::with_capacity(items.len() + 4);
    for &i in items {
        match i.get() {
            Term::Concat(inner) => flat.extend_from_slice(inner),
            _ => flat.push(i),
        }
    }
    if flat.len() == 1 {
        return flat[0];
    }
    intern(Term::Concat(flat.into()))
}
pub fn hash(msg: TermId) -> TermId {
    intern(Term::Hash(msg))
}
pub fn hmac(key: TermId, msg: TermId) -> TermId {
    intern(Term::Hmac { key, msg })
}
pub fn extract(salt: TermId, ikm: TermId) -> TermId {
    intern(Term::Extract { salt, ikm })
}
pub fn expand_label(secret: TermId, label: TermId, context: TermId) -> TermId {
    intern(Term::ExpandLabel {
        secret,
        label,
        context,
    })
}
pub fn aead(key: TermId, nonce: TermId, ad: TermId, pt: TermId) -> TermId {
    intern(Term::Aead { key, nonce, ad, pt })
}
pub fn pk(sk: TermId) -> TermId {
    intern(Term::Pk(sk))
}
pub fn aenc(pk: TermId, msg: TermId) -> TermId {
    intern(Term::AEnc { pk, msg })
}
pub fn sign(sk: TermId, msg: TermId) -> TermId {
    intern(Term::Sign { sk, msg })
}
/// `g^x` for a secret exponent `x`.
pub fn dh_public(x: TermId) -> TermId {
    intern(Term::Exp(Box::new([x])))
}
/// `base^x`, where `base` is `g` raised to some exponents: `(g^a)^b = g^(a*b) = (g^b)^a`.
/// `None` if `base` is not a DH value (the typed model has no other group elements).
pub fn dh_exp(base: TermId, x: TermId) -> Option<TermId> {
    match base.get() {
        Term::Exp(exps) => {
            let mut e = exps.to_vec();
            let at = e.partition_point(|y| *y <= x);
            e.insert(at, x);
            Some(intern(Term::Exp(e.into())))
        }
        _ => None,
    }
}

impl fmt::Debug for TermId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Shown(*self, 3))
    }
}

/// A term printed with nesting cut at a depth (TLS transcripts are deep).
pub struct Shown(pub TermId, pub usize);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shown(t, depth) = *self;
        let sub = |x: TermId| Shown(x, depth.saturating_sub(1));
        let list = |f: &mut fmt::Formatter<'_>, items: &[TermId], sep: &str| {
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{}", sub(*x))?;
            }
            Ok(())
        };
        let term = t.get();
        if depth == 0 && !matches!(term, Term::Atom { .. }) {
            return f.write_str("…");
        }
        match term {
            Term::Atom {
                sort: Sort::Agent | Sort::Const | Sort::Key,
                name,
                ..
            } => f.write_str(name),
            Term::Atom { name, session, .. } => write!(f, "{name}#{session}"),
            Term::Tuple(items) => {
                f.write_str("<")?;
                list(f, items, ", ")?;
                f.write_str(">")
            }
            Term::Concat(items) => list(f, items, "||"),
            Term::Hash(m) => write!(f, "h({})", sub(*m)),
            Term::Hmac { key, msg } => write!(f, "hmac({}, {})", sub(*key), sub(*msg)),
            Term::Extract { salt, ikm } => write!(f, "extract({}, {})", sub(*salt), sub(*ikm)),
            Term::ExpandLabel {
                secret,
                label,
                context,
            } => write!(
                f,
                "expand({}, {}, {})",
                sub(*secret),
                sub(*label),
                sub(*context)
            ),
            Term::Aead { key, pt, .. } => write!(f, "aead{{{}}}{}", sub(*pt), sub(*key)),
            Term::Pk(sk) => write!(f, "pk({})", sub(*sk)),
            Term::AEnc { pk, msg } => write!(f, "{{{}}}{}", sub(*msg), sub(*pk)),
            Term::Sign { sk, msg } => write!(f, "sig({}, {})", sub(*sk), sub(*msg)),
            Term::Exp(exps) => {
                f.write_str("g^")?;
                if exps.len() > 1 {
                    f.write_str("(")?;
                    list(f, exps, "*")?;
                    f.write_str(")")
                } else {
                    list(f, exps, "*")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn nonce(i: u16) -> TermId {
        atom(Sort::Nonce, "n", i)
    }
    fn secret(i: u16) -> TermId {
        atom(Sort::DhSecret, "x", i)
    }

    /// A random term shape built twice must intern to one id.
    #[derive(Clone, Debug)]
    enum Shape {
        Leaf(u16),
        Tuple(Vec<Shape>),
        Hash(Box<Shape>),
        Hmac(Box<Shape>, Box<Shape>),
        Aead(Box<Shape>, Box<Shape>),
    }

    fn build(s: &Shape) -> TermId {
        match s {
            Shape::Leaf(i) => nonce(*i),
            Shape::Tuple(items) => tuple(&items.iter().map(build).collect::<Vec<_>>()),
            Shape::Hash(m) => hash(build(m)),
            Shape::Hmac(k, m) => hmac(build(k), build(m)),
            Shape::Aead(k, m) => aead(build(k), constant("n"), constant("ad"), build(m)),
        }
    }

    fn shape() -> impl Strategy<Value = Shape> {
        (0u16..4)
            .prop_map(Shape::Leaf)
            .prop_recursive(4, 32, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Shape::Tuple),
                    inner.clone().prop_map(|m| Shape::Hash(Box::new(m))),
                    (inner.clone(), inner.clone())
                        .prop_map(|(k, m)| Shape::Hmac(Box::new(k), Box::new(m))),
                    (inner.clone(), inner).prop_map(|(k, m)| Shape::Aead(Box::new(k), Box::new(m))),
                ]
            })
    }

    proptest! {
        #[test]
        fn interning_is_canonical(s in shape()) {
            let a = build(&s);
            let b = build(&s);
            prop_assert_eq!(a, b);
            prop_assert_eq!(a.get(), b.get());
        }

        #[test]
        fn distinct_shapes_get_distinct_ids(s in shape(), t in shape()) {
            prop_assert_eq!(build(&s) == build(&t), format!("{s:?}") == format!("{t:?}"));
        }

        #[test]
        fn dh_commutes(xs in prop::collection::vec(0u16..5, 1..4), seed in any::<u64>()) {
            // Raise g to the exponents in two different orders.
            let mut order = xs.clone();
            let k = (seed as usize) % order.len();
            order.rotate_left(k);
            order.reverse();
            let pow = |es: &[u16]| {
                es[1..].iter().fold(dh_public(secret(es[0])), |acc, e| dh_exp(acc, secret(*e)).unwrap())
            };
            prop_assert_eq!(pow(&xs), pow(&order));
        }

        #[test]
        fn concat_is_associative(a in 0u16..4, b in 0u16..4, c in 0u16..4) {
            let (a, b, c) = (nonce(a), nonce(b), nonce(c));
            prop_assert_eq!(concat(&[concat(&[a, b]), c]), concat(&[a, concat(&[b, c])]));
        }
    }

    #[test]
    fn interning_from_two_threads_agrees() {
        let here = tuple(&[nonce(90), hash(nonce(91))]);
        let there = std::thread::spawn(|| tuple(&[nonce(90), hash(nonce(91))]))
            .join()
            .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn slots_tile_the_ids() {
        let mut expect = (0, 0);
        for i in 0..10 * SEGMENT_BASE {
            assert_eq!(slot(i), expect, "id {i}");
            expect.1 += 1;
            if expect.1 == SEGMENT_BASE << expect.0 {
                expect = (expect.0 + 1, 0);
            }
        }
    }

    #[test]
    fn printing_cuts_depth() {
        let t = hash(hash(hash(hash(nonce(1)))));
        assert_eq!(Shown(t, 2).to_string(), "h(h(…))");
        // Exponents print in id order, which depends on which test interned them first.
        let g12 = Shown(dh_exp(dh_public(secret(1)), secret(2)).unwrap(), 3).to_string();
        assert!(g12 == "g^(x#1*x#2)" || g12 == "g^(x#2*x#1)", "{g12}");
    }
}
