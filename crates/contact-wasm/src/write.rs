//! The JSON text of a valid verdict, written straight into a buffer: byte for byte
//! what serde_json writes for the same [`ValidVerdict`](crate::types::ValidVerdict)
//! (the tests hold the two equal), without the serializer's per-piece I/O plumbing,
//! which took more of a valid request's time in wasm than reading and checking it.

use contact_core::validate::request::{Change, Record};
use contact_core::{ContactRequest, LookupBy, Mode};
use serde_json::Value;

/// A valid verdict: `contact`, and `request` for `validateRequest`.
pub fn valid(out: &mut Vec<u8>, contact: &Record, request: Option<&ContactRequest>) {
    out.extend_from_slice(
        br#"{"ok":true,"code":null,"message":"valid","data":[],"errors":[],"contact":"#,
    );
    record(out, contact);
    if let Some(r) = request {
        // The keys of `ContactRequest::to_json`, in its (sorted) order.
        out.extend_from_slice(br#","request":{"contact":"#);
        record(out, &r.contact);
        out.extend_from_slice(br#","debug":"#);
        boolean(out, r.debug);
        out.extend_from_slice(br#","dry_run":"#);
        boolean(out, r.dry_run);
        if let Some(entity) = &r.entity {
            out.extend_from_slice(br#","entity":"#);
            record(out, entity);
        }
        out.extend_from_slice(br#","lookup_by":"#);
        string(out, lookup_name(r.lookup_by));
        out.extend_from_slice(br#","member_id":"#);
        string(out, &r.member_id);
        out.extend_from_slice(br#","mode":"#);
        string(out, mode_name(r.mode));
        out.extend_from_slice(br#","org_id":"#);
        string(out, &r.org_id);
        out.extend_from_slice(br#","skip_entity":"#);
        boolean(out, r.skip_entity);
        out.push(b'}');
    }
    out.push(b'}');
}

fn mode_name(mode: Mode) -> &'static str {
    Mode::ALL
        .iter()
        .find(|(_, m)| *m == mode)
        .map_or("", |(n, _)| n)
}

fn lookup_name(lookup_by: LookupBy) -> &'static str {
    LookupBy::ALL
        .iter()
        .find(|(_, l)| *l == lookup_by)
        .map_or("", |(n, _)| n)
}

/// A record as `Record::to_json` renders it: its fields by name.
fn record(out: &mut Vec<u8>, record: &Record) {
    let mut changes: Vec<_> = record.changes.iter().collect();
    changes.sort_unstable_by_key(|(field, _)| field.name);
    out.push(b'{');
    for (i, (field, change)) in changes.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, field.name);
        out.push(b':');
        match change {
            Change::Set(value) => json(out, value),
            Change::Clear => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
}

fn json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => boolean(out, *b),
        // Numbers (custom fields only) in serde_json's own digits.
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, key);
                out.push(b':');
                json(out, item);
            }
            out.push(b'}');
        }
    }
}

fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// A string as serde_json escapes it: `"` and `\`, the C escapes for backspace,
/// form feed, newline, carriage return and tab, `\u00XX` for the other control
/// characters; everything else as it is.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Verdict;
    use contact_core::custom::Definitions;

    fn written(verdict: &Verdict) -> String {
        let Verdict::Valid(v) = verdict else {
            panic!("not valid: {verdict:?}");
        };
        let mut out = Vec::new();
        valid(&mut out, &v.contact.0, v.request.as_ref().map(|r| &r.0));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é€𝄞\u{2028}\u{2029}\u{7f}\u{fffd}");
        for s in [every.as_str(), "", "plain", "\"", "a\\b", "\u{0}x\u{1f}"] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    /// Every valid request of the benchmark corpus (the seed's custom fields, tags,
    /// entities, every mode) and its contact alone, written both ways.
    #[test]
    fn valid_verdicts_are_written_as_serde_json_writes_them() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/corpus/requests.json"
        );
        let corpus: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let definitions =
            Definitions::new(serde_json::from_value(corpus["customFields"].clone()).unwrap())
                .unwrap();
        let mut compared = 0;
        for item in corpus["items"].as_array().unwrap() {
            let body = item["body"].as_str().unwrap();
            let verdict = crate::verdict::request(body, &definitions);
            if let Verdict::Valid(v) = &verdict {
                assert_eq!(written(&verdict), serde_json::to_string(&verdict).unwrap());
                let contact = v.contact.0.clone();
                let alone = Verdict::Valid(crate::types::ValidVerdict {
                    ok: true,
                    code: (),
                    message: "valid".into(),
                    data: vec![],
                    errors: vec![],
                    contact: crate::types::RecordJson(contact),
                    request: None,
                });
                assert_eq!(written(&alone), serde_json::to_string(&alone).unwrap());
                compared += 1;
            }
        }
        assert_eq!(compared, 718);
    }

    #[test]
    fn numbers_cleared_fields_and_escapes_in_a_verdict() {
        let definitions = Definitions::new(
            serde_json::from_value(serde_json::json!([
                {"tag": "seats", "type": "number"},
                {"tag": "vip", "type": "boolean"},
                {"tag": "interests", "type": "multiselect", "options": ["A\"1", "B"]}
            ]))
            .unwrap(),
        )
        .unwrap();
        let body = serde_json::json!({
            "api_key": format!("zak_{}", "b".repeat(64)),
            "developer_secret": format!("zdk_{}", "a".repeat(64)),
            "org_id": "0b6f3c52-7d3e-4a51-9a43-2f1c8e5d7a10",
            "member_id": "5e2d8a41-93b7-4c0f-8e16-b4a7c9d2e3f8",
            "mode": "update", "lookup_by": "phone", "skip_entity": true,
            "contact": {"primaryPhone": "+1 555 0100", "lastName": null,
                        "notes": "line\none\t\"quoted\" \\ é",
                        "customFields": {"seats": 2.5e-7, "vip": false, "interests": ["A\"1"]}},
            "entity": {"name": "Acme"}
        });
        let verdict = crate::verdict::request(&body.to_string(), &definitions);
        assert_eq!(written(&verdict), serde_json::to_string(&verdict).unwrap());
        assert!(written(&verdict).contains(r#""lastName":null"#));
    }
}
