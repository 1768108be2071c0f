//! A security association on an interface (TLS, NDS/IP, NAS: one AEAD key, the interface
//! as associated data), and messages that go in the clear where there is none.

use crate::backend::Backend;
use crate::role::Reject;

/// Seal `m` on an interface (`iface`: T8, Tsp, S6m, T4, NAS, A1, ...) under the security
/// association's `key` (TLS, NDS/IP, NAS: modelled as AEAD with the interface as associated
/// data). Replays are the receiving role's to refuse (TLS sequence numbers, NAS COUNT: it
/// remembers message ids).
pub fn seal_channel<B: Backend>(
    b: &mut B,
    key: &B::Value,
    iface: &'static str,
    m: &B::Value,
) -> B::Value {
    let (n, ad) = (b.zeros(12), b.constant(iface, iface.as_bytes()));
    b.aead_seal(key, &n, &ad, m)
}

pub fn open_channel<B: Backend>(
    b: &mut B,
    key: &B::Value,
    iface: &'static str,
    v: &B::Value,
) -> Result<B::Value, Reject> {
    let (n, ad) = (b.zeros(12), b.constant(iface, iface.as_bytes()));
    b.aead_open(key, &n, &ad, v)
        .ok_or(Reject("does not open under the interface's key"))
}

/// `m` on `iface` under the association's key, or in the clear where there is none.
pub fn seal_or_clear<B: Backend>(
    b: &mut B,
    key: Option<&B::Value>,
    iface: &'static str,
    m: &B::Value,
) -> B::Value {
    match key {
        Some(k) => seal_channel(b, k, iface, m),
        None => m.clone(),
    }
}

pub fn open_or_clear<B: Backend>(
    b: &mut B,
    key: Option<&B::Value>,
    iface: &'static str,
    v: &B::Value,
) -> Result<B::Value, Reject> {
    match key {
        Some(k) => open_channel(b, k, iface, v),
        None => Ok(v.clone()),
    }
}
