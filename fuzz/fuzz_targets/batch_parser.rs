//! Bytes → (UTF-8) `batch::parse` → `batch::check` with definitions of every custom
//! field type and the offline gate. A whole-batch failure must be an offline outcome
//! or `INVALID_ITEMS`; otherwise there is one verdict per item, and each is the verdict
//! of the single request made of the batch's options and that item, its paths
//! prefixed `items[i].`, at most 10 of its problems listed and the rest counted.

#![no_main]

use contact_core::gate::Offline;
use contact_core::{batch, check, Code};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use std::sync::OnceLock;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    static DEFINITIONS: OnceLock<contact_core::custom::Definitions> = OnceLock::new();
    let defs = DEFINITIONS.get_or_init(common::definitions);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let body = match batch::parse(text) {
        Ok(body) => body,
        Err(failure) => {
            assert!(matches!(
                failure.code,
                Code::InvalidJson | Code::PayloadTooLarge
            ));
            return;
        }
    };
    let verdicts = match batch::check(&body, defs, &mut Offline) {
        Ok(verdicts) => verdicts,
        Err(failure) => {
            assert!(
                common::OFFLINE_CODES.contains(&failure.code) || failure.code == Code::InvalidItems,
                "offline batch check gave {}",
                failure.code
            );
            assert!(!failure.to_json()["data"].as_array().unwrap().is_empty());
            return;
        }
    };
    let items = body["items"].as_array().expect("checked items are an array");
    assert_eq!(verdicts.len(), items.len());
    for (index, (verdict, item)) in verdicts.iter().zip(items).enumerate() {
        let item = item.as_object().expect("checked items are objects");
        // An item with keys of its own other than contact and entity has problems a
        // single request would not: those items are not compared.
        if item.keys().any(|k| k != "contact" && k != "entity") {
            assert!(verdict.is_err());
            continue;
        }
        let mut single: Map<String, Value> = body
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "items" | "all_or_none"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        single.extend(item.iter().map(|(k, v)| (k.clone(), v.clone())));
        let alone = check(&Value::Object(single), defs, &mut Offline);
        match (verdict, alone) {
            (Ok(a), Ok(b)) => assert_eq!(a, &b),
            (Err(a), Err(b)) => {
                assert_eq!(a.code, b.code);
                // An item lists at most MAX_LISTED_PROBLEMS_PER_ITEM and counts the rest.
                let prefixed: Vec<String> = b
                    .problems
                    .iter()
                    .take(batch::MAX_LISTED_PROBLEMS_PER_ITEM)
                    .map(|p| format!("items[{index}].{}", p.path))
                    .collect();
                let paths: Vec<&str> = a.problems.iter().map(|p| p.path.as_str()).collect();
                assert_eq!(paths, prefixed);
                assert_eq!(a.omitted, b.omitted + b.problems.len() - a.problems.len());
            }
            (a, b) => panic!("item {index}: batch {a:?}, alone {b:?}"),
        }
    }
});
