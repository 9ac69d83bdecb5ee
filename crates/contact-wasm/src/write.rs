//! The JSON text of the answers, written straight into a buffer: byte for byte what
//! serde_json writes for the same [`Verdict`], [`BatchVerdict`] or field errors
//! (the tests hold the two equal), without the serializer's per-piece I/O plumbing,
//! which took more of a valid request's time in wasm than reading and checking it,
//! and without its code for each answer type in the module.

use crate::types::{BatchVerdict, FieldError, InvalidVerdict, Verdict};
use contact_core::validate::request::{Change, Record};
use contact_core::{ContactRequest, LookupBy, Mode};
use serde_json::Value;

/// How a valid verdict that carries the normalized request writes its `contact`,
/// the same record as `request.contact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// Written out: the text serde_json writes.
    Written,
    /// Written as `null`, for the binding to set to the parsed `request.contact`:
    /// the record is written, decoded and parsed once instead of twice.
    Shared,
}

impl Contact {
    /// Whether `verdict`, written so, leaves its `contact` as `null` for the binding
    /// to set: a valid verdict with a request, shared.
    pub fn left_to_binding(self, verdict: &Verdict) -> bool {
        self == Contact::Shared && matches!(verdict, Verdict::Valid(v) if v.request.is_some())
    }
}

/// The verdict of `validateRequest` or `validateContact`.
pub fn verdict(out: &mut Vec<u8>, verdict: &Verdict, contact: Contact) {
    let left = contact.left_to_binding(verdict);
    match verdict {
        Verdict::Valid(v) => valid(out, &v.contact.0, v.request.as_ref().map(|r| &r.0), left),
        Verdict::Invalid(v) => invalid(out, v),
    }
}

/// The verdict of `validateBatch`: each item's, or the batch's refusal.
pub fn batch(out: &mut Vec<u8>, batch: &BatchVerdict, contact: Contact) {
    match batch {
        BatchVerdict::Items(items) => {
            out.extend_from_slice(br#"{"ok":"#);
            boolean(out, items.ok);
            out.extend_from_slice(br#","code":null,"items":"#);
            list(out, b'[', &items.items, b']', |out, item| {
                verdict(out, item, contact)
            });
            out.push(b'}');
        }
        BatchVerdict::Invalid(v) => invalid(out, v),
    }
}

/// An invalid verdict: the server's error body.
pub fn invalid(out: &mut Vec<u8>, v: &InvalidVerdict) {
    out.extend_from_slice(br#"{"ok":"#);
    boolean(out, v.ok);
    out.extend_from_slice(br#","code":"#);
    string(out, v.code.as_str());
    out.extend_from_slice(br#","message":"#);
    string(out, &v.message);
    out.extend_from_slice(br#","data":"#);
    list(out, b'[', &v.data, b']', |out, line| string(out, line));
    out.extend_from_slice(br#","errors":"#);
    field_errors(out, &v.errors);
    if let Some(n) = v.errors_omitted {
        out.extend_from_slice(br#","errors_omitted":"#);
        out.extend_from_slice(n.to_string().as_bytes());
    }
    out.push(b'}');
}

/// Field errors, as `validateField` answers them and verdicts list them.
pub fn field_errors(out: &mut Vec<u8>, errors: &[FieldError]) {
    list(out, b'[', errors, b']', |out, e| {
        out.extend_from_slice(br#"{"path":"#);
        string(out, &e.path);
        out.extend_from_slice(br#","code":"#);
        string(out, e.code.as_str());
        out.extend_from_slice(br#","message":"#);
        string(out, &e.message);
        out.push(b'}');
    });
}

/// A valid verdict: `contact` (`null` when `left` to the binding), and `request` for
/// `validateRequest`.
fn valid(out: &mut Vec<u8>, contact: &Record, request: Option<&ContactRequest>, left: bool) {
    out.extend_from_slice(
        br#"{"ok":true,"code":null,"message":"valid","data":[],"errors":[],"contact":"#,
    );
    if left {
        out.extend_from_slice(b"null");
    } else {
        record(out, contact);
    }
    if let Some(r) = request {
        out.extend_from_slice(br#","request":"#);
        self::request(out, r);
    }
    out.push(b'}');
}

/// A normalized request, as `ContactRequest::to_json` renders it (secrets left out).
pub fn request(out: &mut Vec<u8>, r: &ContactRequest) {
    // The keys of `ContactRequest::to_json`, in its (sorted) order.
    out.extend_from_slice(br#"{"contact":"#);
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
pub fn record(out: &mut Vec<u8>, record: &Record) {
    let mut changes: Vec<_> = record.changes.iter().collect();
    changes.sort_unstable_by_key(|(field, _)| field.name);
    list(out, b'{', changes, b'}', |out, (field, change)| {
        string(out, field.name);
        out.push(b':');
        match change {
            Change::Set(value) => json(out, value),
            Change::Clear => out.extend_from_slice(b"null"),
        }
    });
}

fn json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => boolean(out, *b),
        // Numbers (custom fields only) in serde_json's own digits.
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => string(out, s),
        Value::Array(items) => list(out, b'[', items, b']', json),
        Value::Object(map) => list(out, b'{', map, b'}', |out, (key, item)| {
            string(out, key);
            out.push(b':');
            json(out, item);
        }),
    }
}

/// `items` between `open` and `close`, each written by `each`, with commas between.
fn list<T>(
    out: &mut Vec<u8>,
    open: u8,
    items: impl IntoIterator<Item = T>,
    close: u8,
    mut each: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(open);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(close);
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
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none of them needs an escape.
        if let Some(eight) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(eight.try_into().unwrap_or_default());
            if !may_need_escape(word) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        i += 1;
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i - 1]);
        start = i;
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

/// Whether any of the eight bytes of `word` may be a control character, `"` or `\`:
/// true whenever one is (the bytes are then looked at one by one), and rarely when
/// none is. Subtracting 0x01 from every byte sets the high bit of each zero byte
/// (and, by the borrow, perhaps of bytes above it), subtracting 0x20 that of each
/// byte below 0x20; bytes whose own high bit is set are left out. `"` and `\` are
/// the zero bytes of the word xor-ed with them.
fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    control
        | zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_bodies::with_credentials;
    use crate::types::Verdict;
    use contact_core::custom::Definitions;

    fn by_writer(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// A valid verdict as the writer writes it.
    fn written(v: &Verdict) -> String {
        assert!(matches!(v, Verdict::Valid(_)), "not valid: {v:?}");
        by_writer(|out| verdict(out, v, Contact::Written))
    }

    /// The benchmark corpus (`benches/corpus/requests.json`) and its custom field
    /// definitions.
    fn corpus() -> (Value, Definitions) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/corpus/requests.json"
        );
        let corpus: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let definitions =
            Definitions::new(serde_json::from_value(corpus["customFields"].clone()).unwrap())
                .unwrap();
        (corpus, definitions)
    }

    proptest::proptest! {
        /// Any string, its escapes at any place of an eight-byte word.
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(
            s in "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é€𝄞 ]{0,40}"
        ) {
            let mut out = Vec::new();
            string(&mut out, &s);
            proptest::prop_assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
        }
    }

    /// Every byte value, in every place of a word, is found when it needs an
    /// escape.
    #[test]
    fn a_byte_that_needs_an_escape_is_found_in_any_place() {
        for b in 0..=u8::MAX {
            let needs = b < 0x20 || b == b'"' || b == b'\\';
            for place in 0..8 {
                for fill in [b'a', 0x80, 0xFF, 0x21] {
                    let mut bytes = [fill; 8];
                    bytes[place] = b;
                    if needs {
                        assert!(
                            may_need_escape(u64::from_le_bytes(bytes)),
                            "{b:#x} at {place}"
                        );
                    }
                }
            }
        }
        assert!(!may_need_escape(u64::from_le_bytes(*b"plain ok")));
        assert!(!may_need_escape(u64::from_le_bytes(
            *b"\xc3\xa9\xe2\x82\xac~~~"
        )));
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

    /// An answer written with shared contacts, parsed, with every `contact` written
    /// as `null` set to its `request.contact`, as the binding sets it; a contact
    /// written out where it should be shared fails.
    fn shared(text: &str) -> Value {
        fn fill(verdict: &mut Value) {
            if let Some(request) = verdict.get("request") {
                assert_eq!(verdict["contact"], Value::Null, "not shared: {verdict}");
                verdict["contact"] = request["contact"].clone();
            }
        }
        let mut answer: Value = serde_json::from_str(text).unwrap();
        match answer.get_mut("items").and_then(Value::as_array_mut) {
            Some(items) => items.iter_mut().for_each(fill),
            None => fill(&mut answer),
        }
        answer
    }

    /// A valid request's contact, shared, is written once, as `null` where the
    /// binding puts `request.contact`: the answer is then the one written out. A
    /// contact alone, with no request, is written out either way.
    #[test]
    fn a_shared_contact_is_written_once() {
        let (corpus, definitions) = corpus();
        let mut compared = 0;
        for item in corpus["items"].as_array().unwrap() {
            let v = crate::verdict::request(item["body"].as_str().unwrap(), &definitions);
            let text = by_writer(|out| verdict(out, &v, Contact::Shared));
            assert_eq!(shared(&text), serde_json::to_value(&v).unwrap());
            if matches!(v, Verdict::Valid(_)) {
                assert!(text.contains(r#","contact":null,"request":{"contact":{"#));
                compared += 1;
            }
        }
        assert_eq!(compared, 718);
        let alone = crate::verdict::contact(
            r#"{"primaryEmail":"jane@acme.com"}"#,
            Mode::Upsert,
            LookupBy::Email,
            &definitions,
        );
        assert_eq!(
            by_writer(|out| verdict(out, &alone, Contact::Shared)),
            serde_json::to_string(&alone).unwrap()
        );
    }

    /// Every valid request of the benchmark corpus (the seed's custom fields, tags,
    /// entities, every mode) and its contact alone, written both ways.
    #[test]
    fn valid_verdicts_are_written_as_serde_json_writes_them() {
        let (corpus, definitions) = corpus();
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

    /// Every request of the benchmark corpus, valid or not, and its contact alone
    /// in every mode and lookup; then batches of its items, twenty at a time, and
    /// each contact field's value checked alone: each answer written both ways.
    #[test]
    fn every_answer_is_written_as_serde_json_writes_it() {
        let (corpus, definitions) = corpus();
        let items = corpus["items"].as_array().unwrap();
        let (mut valid, mut invalid, mut fields) = (0, 0, 0);
        for item in items {
            let body = item["body"].as_str().unwrap();
            let mut verdicts = vec![crate::verdict::request(body, &definitions)];
            if let Ok(Value::Object(parsed)) = serde_json::from_str::<Value>(body) {
                let contact = parsed.get("contact").cloned().unwrap_or(Value::Null);
                for (_, mode) in Mode::ALL {
                    for (_, lookup_by) in LookupBy::ALL {
                        let text = contact.to_string();
                        verdicts.push(crate::verdict::contact(
                            &text,
                            mode,
                            lookup_by,
                            &definitions,
                        ));
                    }
                }
                for (name, value) in contact.as_object().into_iter().flatten() {
                    let errors = crate::verdict::field(name, value, &definitions);
                    assert_eq!(
                        by_writer(|out| field_errors(out, &errors)),
                        serde_json::to_string(&errors).unwrap()
                    );
                    fields += 1;
                }
            }
            for v in &verdicts {
                assert_eq!(
                    by_writer(|out| verdict(out, v, Contact::Written)),
                    serde_json::to_string(v).unwrap()
                );
                match v {
                    Verdict::Valid(_) => valid += 1,
                    Verdict::Invalid(_) => invalid += 1,
                }
            }
        }
        assert!(
            valid > 1000 && invalid > 1000 && fields > 1000,
            "{valid} {invalid} {fields}"
        );

        let mut batches = 0;
        for chunk in items.chunks(20) {
            let items: Vec<Value> = chunk
                .iter()
                .filter_map(|i| serde_json::from_str::<Value>(i["body"].as_str().unwrap()).ok())
                .map(|body| {
                    let mut item = serde_json::Map::new();
                    for key in ["contact", "entity"] {
                        if let Some(v) = body.get(key) {
                            item.insert(key.into(), v.clone());
                        }
                    }
                    Value::Object(item)
                })
                .collect();
            let body = with_credentials(serde_json::json!({ "items": items }));
            for text in [body.to_string(), body["items"].to_string(), "{".into()] {
                let answer = crate::verdict::batch(&text, &definitions);
                assert_eq!(
                    by_writer(|out| batch(out, &answer, Contact::Written)),
                    serde_json::to_string(&answer).unwrap()
                );
                assert_eq!(
                    shared(&by_writer(|out| batch(out, &answer, Contact::Shared))),
                    serde_json::to_value(&answer).unwrap()
                );
                batches += 1;
            }
        }
        assert!(batches > 100, "{batches}");
    }

    #[test]
    fn an_answer_that_counts_omitted_errors() {
        let keys: serde_json::Map<String, Value> = (0..300)
            .map(|i| (format!("k{i}"), Value::from(1)))
            .collect();
        let v = crate::verdict::contact(
            &Value::Object(keys).to_string(),
            Mode::Upsert,
            LookupBy::Email,
            &Definitions::default(),
        );
        let text = by_writer(|out| verdict(out, &v, Contact::Written));
        assert_eq!(text, serde_json::to_string(&v).unwrap());
        assert!(text.ends_with(r#","errors_omitted":252}"#), "{text}");
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
        let body = with_credentials(serde_json::json!({
            "mode": "update", "lookup_by": "phone", "skip_entity": true,
            "contact": {"primaryPhone": "+1 555 0100", "lastName": null,
                        "notes": "line\none\t\"quoted\" \\ é",
                        "customFields": {"seats": 2.5e-7, "vip": false, "interests": ["A\"1"]}},
            "entity": {"name": "Acme"}
        }));
        let verdict = crate::verdict::request(&body.to_string(), &definitions);
        assert_eq!(written(&verdict), serde_json::to_string(&verdict).unwrap());
        assert!(written(&verdict).contains(r#""lastName":null"#));
    }
}
