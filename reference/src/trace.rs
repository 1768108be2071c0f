//! Trace format v1 (DESIGN.md, "Traces and replay"): JSON Lines; line 1 is the header with
//! every input the reference roles need, then one line per message.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The format version: 1.
    pub trace: u32,
    pub handshake: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Where the recording comes from.
    pub source: String,
    /// Each party and who plays it in replay: "reference", "recorded", or "attacker".
    pub roles: BTreeMap<String, String>,
    /// Handshake-specific; for tls-psk a `TlsPskInputs` or an `AttackInputs`.
    pub inputs: serde_json::Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The receiving reference role must reject this message (a negative trace).
    Reject,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub step: usize,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// For attacker steps of an exported attack: what the attacker did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<serde_json::Value>,
}

impl Line {
    /// Message number `step` of a recorded run: `from` to `to` on `interface`, named `msg`.
    pub fn recorded(
        step: usize,
        (from, to): (&str, &str),
        interface: &str,
        msg: String,
        bytes: &[u8],
    ) -> Line {
        Line {
            step,
            from: from.into(),
            to: to.into(),
            interface: Some(interface.into()),
            msg,
            bytes: Some(Hex(bytes.to_vec())),
            expect: None,
            op: None,
        }
    }
}

/// A parsed trace: the header and the message lines with their line numbers.
#[derive(Clone, Debug)]
pub struct Trace {
    pub header: Header,
    pub lines: Vec<(usize, Line)>,
}

/// Why a trace cannot be read: the line and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn err(line: usize, message: impl Into<String>) -> TraceError {
    TraceError {
        line,
        message: message.into(),
    }
}

/// The largest trace file replay reads (the largest in `traces/` is about 40 KB).
pub const MAX_FILE: u64 = 16 << 20;
/// The longest trace line (the longest in `traces/` is about 20 KB).
pub const MAX_LINE: usize = 1 << 20;

/// Read a trace file of at most [`MAX_FILE`] bytes: a larger one (or an endless device) is
/// refused after reading that much, before anything is parsed.
pub fn read(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(format!(
            "larger than {} MiB: not a trace replay reads",
            MAX_FILE >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {} is not)",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Any JSON value, refusing an object that names a key twice (serde_json keeps the last
/// silently): a trace must say each thing once.
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut keys = std::collections::BTreeSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if !keys.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!("key {k:?} given twice")));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
}

/// Parse one JSON line of a trace: no key twice in any object, then as `T`.
fn line_of<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str::<NoDuplicateKeys>(text).map_err(|e| e.to_string())?;
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Parse a trace, checking the version and that steps count up from 1; a line longer than
/// [`MAX_LINE`] is refused before it is parsed.
pub fn parse(text: &str) -> Result<Trace, TraceError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    if let Some((n, l)) = text.lines().enumerate().find(|(_, l)| l.len() > MAX_LINE) {
        return Err(err(
            n + 1,
            format!(
                "{} bytes long: a trace line has at most {} KiB",
                l.len(),
                MAX_LINE >> 10
            ),
        ));
    }
    let (n, first) = lines.next().ok_or_else(|| err(1, "empty trace"))?;
    let header: Header = line_of(first).map_err(|e| err(n, format!("header: {e}")))?;
    if header.trace != 1 {
        return Err(err(
            n,
            format!("trace format {} (this reads 1)", header.trace),
        ));
    }
    let mut out = Vec::new();
    for (n, text) in lines {
        let line: Line = line_of(text).map_err(|e| err(n, e))?;
        if line.step != out.len() + 1 {
            return Err(err(
                n,
                format!("step {} where step {} was due", line.step, out.len() + 1),
            ));
        }
        out.push((n, line));
    }
    Ok(Trace { header, lines: out })
}

/// Write a trace as JSON Lines.
pub fn write(header: &Header, lines: &[Line]) -> String {
    let mut out = serde_json::to_string(header).expect("a header serializes");
    out.push('\n');
    for l in lines {
        out.push_str(&serde_json::to_string(l).expect("a line serializes"));
        out.push('\n');
    }
    out
}

/// Bytes written as hex in JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hex(pub Vec<u8>);

impl Serialize for Hex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(&s)
            .map(Hex)
            .map_err(|e| serde::de::Error::custom(format!("not hex ({e})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"trace":1,"handshake":"tls-psk","source":"t","roles":{},"inputs":{}}"#;

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("").unwrap_err().line, 1);
        let bad = format!(
            "{HEADER}\n{{\"step\":1,\"from\":\"a\",\"to\":\"b\",\"msg\":\"m\",\"colour\":1}}"
        );
        let e = parse(&bad).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown field `colour`"), "{e}");
        let skip = format!("{HEADER}\n{{\"step\":2,\"from\":\"a\",\"to\":\"b\",\"msg\":\"m\"}}");
        assert!(parse(&skip).unwrap_err().message.contains("step 1 was due"));
        let v2 = HEADER.replace("\"trace\":1", "\"trace\":2");
        assert!(parse(&v2).unwrap_err().message.contains("format 2"));
        let hex = format!(
            "{HEADER}\n{{\"step\":1,\"from\":\"a\",\"to\":\"b\",\"msg\":\"m\",\"bytes\":\"zz\"}}"
        );
        assert!(parse(&hex).unwrap_err().message.contains("not hex"));
    }

    #[test]
    fn round_trips() {
        let t = parse(HEADER).unwrap();
        let line = Line {
            step: 1,
            from: "client".into(),
            to: "server".into(),
            interface: None,
            msg: "ClientHello".into(),
            bytes: Some(Hex(vec![1, 2])),
            expect: Some(Expect::Reject),
            op: None,
        };
        let text = write(&t.header, &[line]);
        let back = parse(&text).unwrap();
        assert_eq!(back.lines[0].1.bytes, Some(Hex(vec![1, 2])));
        assert_eq!(back.lines[0].1.expect, Some(Expect::Reject));
    }
}
