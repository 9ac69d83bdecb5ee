//! Arbitrary `customFields` against definitions of every type. The input is JSON text
//! when it parses as such (so the case files seed it), and otherwise builds a JSON
//! value from the bytes, with keys drawn mostly from the defined tags.
//!
//! Checked: `Definitions::check` never panics; its problems are all custom field
//! problems; what it accepts, it accepts again unchanged; and it agrees with
//! `check_one`, which a form calls field by field.

#![no_main]

use contact_core::custom::Definitions;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};
use std::sync::OnceLock;

#[path = "common.rs"]
mod common;

const MAX_DEPTH: u32 = 6;

fn key(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0..=4 => common::TAGS[u.choose_index(common::TAGS.len())?].to_string(),
        5 => [
            "__proto__",
            "constructor",
            "prototype",
            "",
            "Industry",
            "a.b",
        ][u.choose_index(6)?]
        .to_string(),
        _ => u.arbitrary()?,
    })
}

fn string(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0 => [
            "Technology",
            " Finance ",
            "technology",
            "Product",
            "Pricing",
            "ACM-0001",
            "2024-02-29",
            "2023-02-29",
            "",
            " ",
            "\u{0}",
            "1-10",
        ][u.choose_index(12)?]
        .to_string(),
        1 => {
            let (y, m, d): (u16, u8, u8) = u.arbitrary()?;
            format!("{:04}-{:02}-{:02}", y % 10_000, m % 14, d % 33)
        }
        _ => u.arbitrary()?,
    })
}

fn value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let choices = if depth >= MAX_DEPTH { 5 } else { 7 };
    Ok(match u.choose_index(choices)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(Number::from(u.arbitrary::<i64>()?)),
        3 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 => Value::String(string(u)?),
        5 => {
            let n = u.int_in_range(0..=6)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Object(object(u, depth + 1)?),
    })
}

fn object(u: &mut Unstructured, depth: u32) -> Result<Map<String, Value>> {
    let n = u.int_in_range(0..=12)?;
    let mut map = Map::new();
    for _ in 0..n {
        map.insert(key(u)?, value(u, depth)?);
    }
    Ok(map)
}

fn input(data: &[u8]) -> Option<Value> {
    if let Ok(Ok(value)) = std::str::from_utf8(data).map(serde_json::from_str::<Value>) {
        return Some(value);
    }
    let mut u = Unstructured::new(data);
    object(&mut u, 0).ok().map(Value::Object)
}

fuzz_target!(|data: &[u8]| {
    static DEFINITIONS: OnceLock<Definitions> = OnceLock::new();
    let defs = DEFINITIONS.get_or_init(common::definitions);
    let Some(value) = input(data) else { return };
    let Value::Object(fields) = &value else {
        return;
    };
    match defs.check(fields) {
        Ok(normalized) => {
            assert_eq!(
                normalized.keys().collect::<Vec<_>>(),
                fields.keys().collect::<Vec<_>>(),
                "normalizing keeps every key"
            );
            let again = defs
                .check(&normalized)
                .unwrap_or_else(|p| panic!("the normalized fields fail: {p:?}"));
            assert!(common::json_close(
                &Value::Object(again),
                &Value::Object(normalized.clone())
            ));
            for (tag, v) in fields {
                let one = defs.check_one(tag, v).expect("check_one agrees with check");
                assert!(common::json_close(&one, &normalized[tag]));
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            for problem in &problems {
                assert!(
                    problem.is_custom_field(),
                    "not a custom field problem: {problem:?}"
                );
            }
            // Every key check_one refuses is among the problems, with the same verdict;
            // an answer names the defined tags once, so only the first unknown tag's
            // message lists them.
            for (tag, v) in fields {
                if let Err(one) = defs.check_one(tag, v) {
                    let found = problems.iter().any(|p| {
                        p.path == one.path
                            && p.code == one.code
                            && (p.message == one.message
                                || (p.code == "unknown_custom_field"
                                    && one.message.starts_with(p.message.as_str())))
                    });
                    assert!(found, "check_one: {one:?} not in {problems:?}");
                }
            }
        }
    }
});
