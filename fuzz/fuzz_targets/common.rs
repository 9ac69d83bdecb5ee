#![allow(dead_code)] // each target uses part of it
//! What both targets share: definitions of every custom field type, the outcomes an
//! offline check can give, and a JSON comparison that forgives the last bit of a
//! float (serde_json's default float parsing may be one unit in the last place off
//! the shortest text another parse gave).

use contact_core::custom::{Definition, Definitions};
use contact_core::Code;
use serde_json::{json, Value};

pub fn definitions() -> Definitions {
    let defs: Vec<Definition> = serde_json::from_value(json!([
        {"tag": "industry", "type": "select", "options": ["Technology", "Finance", "Healthcare", "Retail"]},
        {"tag": "company_size", "type": "select", "options": ["1-10", "11-50", "50-200", "201-1000", "1000+"]},
        {"tag": "account_code", "type": "text", "maxLength": 12, "pattern": "[A-Z]{3}-[0-9]{4}"},
        {"tag": "nickname", "type": "text", "maxLength": 20},
        {"tag": "bio", "type": "text"},
        {"tag": "seats", "type": "number", "min": 1, "max": 500},
        {"tag": "score", "type": "number"},
        {"tag": "newsletter", "type": "boolean"},
        {"tag": "renewal_date", "type": "date"},
        {"tag": "interests", "type": "multiselect", "options": ["Product", "Pricing", "Support", "Integrations"]}
    ]))
    .expect("definitions deserialize");
    Definitions::new(defs).expect("definitions compile")
}

pub const TAGS: [&str; 10] = [
    "industry",
    "company_size",
    "account_code",
    "nickname",
    "bio",
    "seats",
    "score",
    "newsletter",
    "renewal_date",
    "interests",
];

/// The outcomes `check` can give with the offline gate.
pub const OFFLINE_CODES: [Code; 8] = [
    Code::InvalidJson,
    Code::MissingApiKey,
    Code::InvalidApiKey,
    Code::MissingDeveloperSecret,
    Code::InvalidDeveloperSecret,
    Code::MissingContact,
    Code::ValidationError,
    Code::CustomFieldError,
];

/// JSON equality in which two numbers are equal when they are the same `f64` or
/// neighbours.
pub fn json_close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || x.to_bits().abs_diff(y.to_bits()) <= 1,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_close(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_close(v, w)))
        }
        _ => a == b,
    }
}
