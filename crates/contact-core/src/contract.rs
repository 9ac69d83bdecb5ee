//! The contract as data: the top-level keys, the contact and entity fields with their
//! rules, the limits, the required sets, the codes with their HTTP statuses and check
//! steps, the field-level codes and the country codes, read from the tables the
//! checks themselves run on. `cargo run -q -p contact-core --example contract`
//! prints it; the OpenAPI checks, the benchmark schemas and the form read it instead
//! of listing the contract again.

use crate::batch::{BATCH_KEYS, ITEM_KEYS, MAX_BATCH_BODY_BYTES, MAX_ITEMS};
use crate::check_order::STEPS;
use crate::custom::{FieldType, DEFAULT_TEXT_MAX, MAX_PATTERN_BYTES, PATTERN_SIZE_LIMIT};
use crate::fields::{self, Field, Rule};
use crate::rules::text::Lines;
use crate::rules::{country, email, phone, url};
use crate::store::read::MAX_PHONE_CANDIDATES;
use crate::validate::problem::{
    Code, ProblemCode, MAX_ECHOED_CHARS, MAX_LISTED_PROBLEMS, MAX_MESSAGE_LINES,
};
use crate::validate::request::{LookupBy, Mode, MAX_BODY_BYTES, TOP_LEVEL_KEYS};
use serde_json::{json, Value};

/// The whole contract as one JSON value.
pub fn contract() -> Value {
    json!({
        "top_level_keys": TOP_LEVEL_KEYS,
        "batch_keys": BATCH_KEYS,
        "batch_item_keys": ITEM_KEYS,
        "modes": Mode::ALL.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        "lookups": LookupBy::ALL.iter().map(|(name, l)| json!({"name": name, "field": l.field()})).collect::<Vec<_>>(),
        "contact_fields": fields::CONTACT.iter().map(field).collect::<Vec<_>>(),
        "entity_fields": fields::ENTITY.iter().map(field).collect::<Vec<_>>(),
        "required_to_create": fields::CONTACT.iter().filter(|f| f.required_to_create).map(|f| f.name).collect::<Vec<_>>(),
        "limits": {
            "max_body_bytes": MAX_BODY_BYTES,
            "max_batch_body_bytes": MAX_BATCH_BODY_BYTES,
            "max_batch_items": MAX_ITEMS,
            "max_tags": fields::MAX_TAGS,
            "max_tag_chars": fields::MAX_TAG_CHARS,
            "email_max_local_octets": email::MAX_LOCAL_OCTETS,
            "email_max_address_octets": email::MAX_ADDRESS_OCTETS,
            "phone_min_digits": phone::MIN_DIGITS,
            "phone_max_digits": phone::MAX_DIGITS,
            "url_max_chars": url::MAX_CHARS,
            "custom_text_default_max": DEFAULT_TEXT_MAX,
            "pattern_max_bytes": MAX_PATTERN_BYTES,
            "pattern_compiled_max_bytes": PATTERN_SIZE_LIMIT,
            "max_listed_problems": MAX_LISTED_PROBLEMS,
            "max_message_lines": MAX_MESSAGE_LINES,
            "max_echoed_chars": MAX_ECHOED_CHARS,
            "max_phone_candidates": MAX_PHONE_CANDIDATES,
        },
        "codes": Code::ALL.iter().map(|code| json!({
            "code": code.as_str(),
            "status": code.http_status(),
            "step": STEPS.iter().find(|s| s.codes.contains(code)).map(|s| s.number),
        })).collect::<Vec<_>>(),
        "problem_codes": ProblemCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "custom_field_types": FieldType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "countries": country::codes().collect::<Vec<_>>(),
    })
}

/// One field: its JSON name, column, rule and whether creating needs it.
fn field(f: &Field) -> Value {
    let rule = match f.rule {
        Rule::Text(max, Lines::Single) => json!({"type": "text", "max_chars": max}),
        Rule::Text(max, Lines::Multi) => {
            json!({"type": "text", "max_chars": max, "multiline": true})
        }
        Rule::Email => json!({"type": "email"}),
        Rule::Phone => json!({"type": "phone"}),
        Rule::Url => json!({"type": "url", "max_chars": url::MAX_CHARS}),
        Rule::Country => json!({"type": "country"}),
        Rule::Uuid => json!({"type": "uuid"}),
        Rule::Tags => {
            json!({"type": "tags", "max_items": fields::MAX_TAGS, "max_chars": fields::MAX_TAG_CHARS})
        }
        Rule::CustomFields => json!({"type": "custom_fields"}),
    };
    json!({
        "name": f.name,
        "column": f.column,
        "rule": rule,
        "required_to_create": f.required_to_create,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_lists_what_the_checks_run_on() {
        let c = contract();
        assert_eq!(c["contact_fields"].as_array().unwrap().len(), 22);
        assert_eq!(c["contact_fields"][1]["name"], "firstName");
        assert_eq!(
            c["contact_fields"][1]["rule"],
            json!({"type": "text", "max_chars": 100})
        );
        assert_eq!(
            c["required_to_create"],
            json!(["firstName", "primaryEmail"])
        );
        assert_eq!(c["modes"], json!(["insert", "update", "upsert"]));
        assert_eq!(
            c["codes"][0],
            json!({"code": "METHOD_NOT_ALLOWED", "status": 405, "step": 1})
        );
        assert_eq!(
            c["codes"][24],
            json!({"code": "INTERNAL_ERROR", "status": 500, "step": null})
        );
        assert_eq!(c["limits"]["max_body_bytes"], 131_072);
        assert_eq!(c["limits"]["max_batch_body_bytes"], 1_048_576);
        assert_eq!(c["limits"]["max_batch_items"], 100);
        assert_eq!(
            c["codes"][22],
            json!({"code": "BATCH_ROLLED_BACK", "status": 207, "step": null})
        );
        assert_eq!(
            c["codes"][12],
            json!({"code": "RATE_LIMITED", "status": 429, "step": 9})
        );
        assert_eq!(c["batch_keys"][7], "items");
        assert_eq!(c["countries"].as_array().unwrap().len(), 249);
        assert!(c["problem_codes"]
            .as_array()
            .unwrap()
            .contains(&json!("bidi_control")));
    }
}
