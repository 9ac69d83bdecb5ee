//! The validations in plain Rust, on JSON text: each calls the core exactly as the
//! server does and renders its answer as a [`Verdict`]. The JavaScript functions in
//! `lib.rs` only convert their arguments to text and the verdict back.

use crate::types::{
    BatchVerdict, FieldError, InvalidVerdict, ItemVerdicts, RecordJson, RequestJson, ValidVerdict,
    Verdict,
};
use contact_core::custom::Definitions;
use contact_core::gate::Offline;
use contact_core::validate::request::Record;
use contact_core::{ContactRequest, Failure, LookupBy, Mode};
use serde_json::Value;

/// A request body, as the endpoint reads it after the HTTP checks: parsed, then
/// every check of the contract in order, with a gate that lets the credential
/// checks that need the database pass.
pub fn request(text: &str, definitions: &Definitions) -> Verdict {
    match checked_request(text, definitions) {
        Ok(request) => valid(
            RecordJson(request.contact.clone()),
            Some(RequestJson(request)),
        ),
        Err(refused) => Verdict::Invalid(refused),
    }
}

/// [`request`]'s normalized request when the request is valid, its verdict when not.
pub fn checked_request(
    text: &str,
    definitions: &Definitions,
) -> Result<ContactRequest, InvalidVerdict> {
    contact_core::check_body(text, definitions, &mut Offline)
        .map_err(|failure| error_body(&failure))
}

/// A batch body, as the batch endpoint reads it: parsed (up to 1 MiB), then the
/// whole-request checks in order (credentials for presence and form only), then
/// each item's verdict with the paths the server's results give.
pub fn batch(text: &str, definitions: &Definitions) -> BatchVerdict {
    let checked = contact_core::batch::parse(text)
        .and_then(|body| contact_core::batch::check(&body, definitions, &mut Offline));
    match checked {
        Ok(verdicts) => {
            let items: Vec<Verdict> = verdicts
                .into_iter()
                .map(|verdict| match verdict {
                    Ok(request) => valid(
                        RecordJson(request.contact.clone()),
                        Some(RequestJson(request)),
                    ),
                    Err(failure) => invalid(&failure),
                })
                .collect();
            BatchVerdict::Items(ItemVerdicts {
                ok: items.iter().all(|v| matches!(v, Verdict::Valid(_))),
                code: (),
                items,
            })
        }
        Err(failure) => BatchVerdict::Invalid(error_body(&failure)),
    }
}

/// A contact alone, as the endpoint checks the `contact` of a request with this
/// mode and lookup.
pub fn contact(text: &str, mode: Mode, lookup_by: LookupBy, definitions: &Definitions) -> Verdict {
    match checked_contact(text, mode, lookup_by, definitions) {
        Ok(record) => valid(RecordJson(record), None),
        Err(refused) => Verdict::Invalid(refused),
    }
}

/// [`contact`]'s normalized contact when the contact is valid, its verdict when not.
pub fn checked_contact(
    text: &str,
    mode: Mode,
    lookup_by: LookupBy,
    definitions: &Definitions,
) -> Result<Record, InvalidVerdict> {
    contact_core::check_contact(text, mode, lookup_by, definitions)
        .map_err(|failure| error_body(&failure))
}

/// One field's problems, none when its value is valid: `name` is a contact field
/// (`firstName`), an entity field (`entity.name`) or a custom field
/// (`customFields.industry`).
pub fn field(name: &str, value: &Value, definitions: &Definitions) -> Vec<FieldError> {
    contact_core::check_field(name, value, definitions)
        .iter()
        .map(FieldError::from)
        .collect()
}

fn valid(contact: RecordJson, request: Option<RequestJson>) -> Verdict {
    Verdict::Valid(ValidVerdict {
        ok: true,
        code: (),
        message: "valid".into(),
        data: Vec::new(),
        errors: Vec::new(),
        contact,
        request,
    })
}

/// The server's error body for this failure, less its `status`.
fn invalid(failure: &Failure) -> Verdict {
    Verdict::Invalid(error_body(failure))
}

fn error_body(failure: &Failure) -> InvalidVerdict {
    InvalidVerdict {
        ok: false,
        code: failure.code,
        message: failure.message.clone(),
        data: failure.data(),
        errors: failure.problems.iter().map(FieldError::from).collect(),
        errors_omitted: (failure.omitted > 0).then_some(failure.omitted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_bodies::with_credentials;
    use serde_json::json;

    fn render(verdict: Verdict) -> Value {
        serde_json::to_value(verdict).unwrap()
    }

    /// The verdict of `validateContact` for an invalid contact (upsert by e-mail, no
    /// custom fields), and the server's error body for it, less `status`.
    fn contact_and_server_body(text: &str) -> (Value, Value) {
        let none = Definitions::default();
        let got = render(contact(text, Mode::Upsert, LookupBy::Email, &none));
        let failure =
            contact_core::check_contact(text, Mode::Upsert, LookupBy::Email, &none).unwrap_err();
        let mut server = failure.to_json();
        server.as_object_mut().unwrap().remove("status");
        server["ok"] = false.into();
        (got, server)
    }

    #[test]
    fn an_invalid_contact_renders_as_the_servers_error_body() {
        let text = r#"{"firstName": "Jane", "primaryEmail": "jane@"}"#;
        let (got, server) = contact_and_server_body(text);
        assert_eq!(got, server);
    }

    #[test]
    fn a_valid_contact_is_normalized() {
        let text = r#"{"firstName": " Jane ", "primaryEmail": "jane@acme.com", "country": "gb"}"#;
        let got = render(contact(
            text,
            Mode::Insert,
            LookupBy::Email,
            &Definitions::default(),
        ));
        assert_eq!(
            got,
            json!({"ok": true, "code": null, "message": "valid", "data": [], "errors": [],
                   "contact": {"firstName": "Jane", "primaryEmail": "jane@acme.com", "country": "GB"}})
        );
    }

    #[test]
    fn a_contact_that_is_not_json() {
        let got = render(contact(
            "{",
            Mode::Upsert,
            LookupBy::Email,
            &Definitions::default(),
        ));
        assert_eq!(got["code"], "INVALID_JSON");
        let got = render(contact(
            "[]",
            Mode::Upsert,
            LookupBy::Email,
            &Definitions::default(),
        ));
        assert_eq!(got["code"], "MISSING_CONTACT");
        assert_eq!(got["errors"][0]["code"], "invalid_type");
    }

    #[test]
    fn a_valid_request_answers_the_normalized_request_without_secrets() {
        let secret = format!("zdk_{}", "a".repeat(64));
        let body = json!({
            "api_key": format!("zak_{}", "b".repeat(64)),
            "developer_secret": secret,
            "org_id": "0B6F3C52-7D3E-4A51-9A43-2F1C8E5D7A10",
            "member_id": "5e2d8a41-93b7-4c0f-8e16-b4a7c9d2e3f8",
            "contact": {"firstName": "Jane", "primaryEmail": "jane@acme.com"},
            "entity": {"name": " Acme "}
        });
        let got = render(request(&body.to_string(), &Definitions::default()));
        assert_eq!(got["ok"], true);
        assert_eq!(got["contact"], got["request"]["contact"]);
        assert_eq!(
            got["request"]["org_id"],
            "0b6f3c52-7d3e-4a51-9a43-2f1c8e5d7a10"
        );
        assert_eq!(got["request"]["entity"], json!({"name": "Acme"}));
        assert!(!got.to_string().contains(&secret));
    }

    #[test]
    fn valid_verdicts_render_the_records_as_the_core_renders_them() {
        let mut defs = vec![];
        defs.push(
            serde_json::from_value(json!({"tag": "seats", "type": "number", "min": 1})).unwrap(),
        );
        defs.push(
            serde_json::from_value(
                json!({"tag": "interests", "type": "multiselect", "options": ["A", "B"]}),
            )
            .unwrap(),
        );
        let defs = Definitions::new(defs).unwrap();
        let body = json!({
            "api_key": format!("zak_{}", "b".repeat(64)),
            "developer_secret": format!("zdk_{}", "a".repeat(64)),
            "org_id": "0B6F3C52-7D3E-4A51-9A43-2F1C8E5D7A10",
            "member_id": "5e2d8a41-93b7-4c0f-8e16-b4a7c9d2e3f8",
            "mode": "update", "lookup_by": "phone", "dry_run": true,
            "contact": {"primaryPhone": "+1 555 0100", "lastName": null, "firstName": " Jo ",
                        "tags": ["x", "X", "y"], "country": "fr",
                        "customFields": {"seats": 3, "interests": null}},
            "entity": {"name": " Acme ", "website": null, "country": "de"}
        });
        let text = body.to_string();
        let checked = contact_core::check(
            &contact_core::parse_body(&text).unwrap(),
            &defs,
            &mut Offline,
        )
        .unwrap();
        let got = serde_json::to_string(&request(&text, &defs)).unwrap();
        let want = format!(
            r#"{{"ok":true,"code":null,"message":"valid","data":[],"errors":[],"contact":{},"request":{}}}"#,
            checked.contact.to_json(),
            checked.to_json()
        );
        // Byte for byte, key order included.
        assert_eq!(got, want);
        assert!(got.contains(r#""lastName":null"#) && got.contains(r#""interests":null"#));
        assert_eq!(
            serde_json::to_string(&RecordJson(checked.contact.clone())).unwrap(),
            checked.contact.to_json().to_string()
        );
    }

    #[test]
    fn many_problems_are_capped_as_the_server_caps_them() {
        let fields: serde_json::Map<String, Value> =
            (0..300).map(|i| (format!("k{i}"), json!(1))).collect();
        let text = Value::Object(fields).to_string();
        let (got, server) = contact_and_server_body(&text);
        assert_eq!(got, server);
        assert_eq!(got["errors"].as_array().unwrap().len(), 50);
        assert_eq!(got["errors_omitted"], 252);
    }

    #[test]
    fn a_batch_answers_each_items_verdict_as_the_server_reports_it() {
        let none = Definitions::default();
        let body = with_credentials(json!({
            "mode": "insert",
            "items": [
                {"contact": {"firstName": "Jane", "primaryEmail": "jane@acme.com"}, "entity": {"name": "Acme"}},
                {"contact": {"firstName": "Bob", "primaryEmail": "bob@"}},
                {"entity": {"name": "Acme"}}
            ]
        }));
        let got = render_batch(batch(&body.to_string(), &none));
        assert_eq!(got["ok"], false);
        assert_eq!(got["code"], Value::Null);
        assert_eq!(got["items"][0]["ok"], true);
        assert_eq!(got["items"][0]["request"]["mode"], "insert");
        assert_eq!(
            got["items"][0]["request"]["entity"],
            json!({"name": "Acme"})
        );
        assert_eq!(
            got["items"][1],
            json!({"ok": false, "code": "VALIDATION_ERROR",
                   "message": "Contact validation errors: items[1].contact.primaryEmail: not a valid e-mail address",
                   "data": ["items[1].contact.primaryEmail: not a valid e-mail address"],
                   "errors": [{"path": "items[1].contact.primaryEmail", "code": "invalid_email", "message": "not a valid e-mail address"}]})
        );
        assert_eq!(got["items"][2]["code"], "MISSING_CONTACT");
        assert!(!got.to_string().contains(&"a".repeat(64)));
    }

    #[test]
    fn a_batch_refused_as_a_whole() {
        let none = Definitions::default();
        let got = render_batch(batch(r#"{"items": []}"#, &none));
        assert_eq!(got["code"], "MISSING_API_KEY");
        let body = with_credentials(json!({ "items": [] }));
        let got = render_batch(batch(&body.to_string(), &none));
        assert_eq!(
            got,
            json!({"ok": false, "code": "INVALID_ITEMS", "message": "items is empty; send 1 to 100 items",
                   "data": ["items is empty; send 1 to 100 items"], "errors": []})
        );
        assert_eq!(render_batch(batch("[", &none))["code"], "INVALID_JSON");
    }

    fn render_batch(verdict: BatchVerdict) -> Value {
        serde_json::to_value(verdict).unwrap()
    }

    #[test]
    fn one_field() {
        let none = Definitions::default();
        assert_eq!(field("firstName", &json!("Jane"), &none), vec![]);
        let errors = field("primaryEmail", &json!("jane@"), &none);
        assert_eq!(
            errors,
            vec![FieldError {
                path: "contact.primaryEmail".into(),
                code: contact_core::validate::problem::ProblemCode::InvalidEmail,
                message: "not a valid e-mail address".into()
            }]
        );
        assert_eq!(
            field("entity.country", &json!("XX"), &none)[0].path,
            "entity.country"
        );
        assert_eq!(
            field("customFields.industry", &json!("Mining"), &none)[0].code,
            "unknown_custom_field"
        );
    }
}
