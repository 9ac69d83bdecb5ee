//! Bytes → (UTF-8) `parse_body` → `check` with definitions of every custom field type
//! and the offline gate, and the same text through `check_body` (one pass, as the
//! Worker reads it), which must give the same verdict. A request that passes is
//! rendered with `to_json()`, sent again as text, and must come out the same; a
//! failure must be an offline outcome and render.

#![no_main]

use contact_core::gate::Offline;
use contact_core::{check, check_body, parse_body, Code};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    static DEFINITIONS: OnceLock<contact_core::custom::Definitions> = OnceLock::new();
    let defs = DEFINITIONS.get_or_init(common::definitions);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(
        check_body(text, defs, &mut Offline),
        parse_body(text).and_then(|b| check(&b, defs, &mut Offline)),
        "check_body and parse_body + check disagree"
    );
    let body = match parse_body(text) {
        Ok(body) => body,
        Err(failure) => {
            assert!(matches!(
                failure.code,
                Code::InvalidJson | Code::PayloadTooLarge
            ));
            let _ = failure.to_json();
            return;
        }
    };
    let request = match check(&body, defs, &mut Offline) {
        Ok(request) => request,
        Err(failure) => {
            assert!(
                common::OFFLINE_CODES.contains(&failure.code),
                "offline check gave {}",
                failure.code
            );
            let rendered = failure.to_json();
            assert!(!rendered["data"].as_array().unwrap().is_empty());
            return;
        }
    };
    // The normalized request, as text and back.
    let normalized = request.to_json();
    let text = serde_json::to_string(&normalized).expect("normalized JSON serializes");
    let parsed: Value = serde_json::from_str(&text).expect("normalized JSON parses");
    assert!(common::json_close(&parsed, &normalized));
    // Sending the normalized contact and entity again gives the same request.
    let mut again = body.as_object().cloned().unwrap();
    again.insert("contact".into(), normalized["contact"].clone());
    match normalized.get("entity") {
        Some(entity) => again.insert("entity".into(), entity.clone()),
        None => again.remove("entity"),
    };
    let text = serde_json::to_string(&Value::Object(again)).unwrap();
    let second = parse_body(&text)
        .and_then(|b| check(&b, defs, &mut Offline))
        .unwrap_or_else(|f| panic!("the normalized request fails: {}", f.to_json()));
    assert!(
        common::json_close(&second.to_json(), &normalized),
        "normalizing twice changed the request:\n{}\n{}",
        normalized,
        second.to_json()
    );
});
