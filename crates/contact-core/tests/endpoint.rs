//! The endpoint's flow end to end on SQLite: every check in order, the three modes
//! and lookups, entities, merging, conflicts and tenant isolation, and that a failed
//! request writes nothing.

mod support;

use serde_json::{json, Value};
use support::*;

fn seed_request() -> Value {
    json!({
        "mode": "upsert",
        "entity": {"name": "Acme Corp", "label": "Company", "status": "Active", "website": "https://acme.com"},
        "contact": {
            "tags": ["prospect", "enterprise"],
            "source": "API Import",
            "status": "Active",
            "lastName": "Smith",
            "firstName": "Jane",
            "roleLabel": "Decision Maker",
            "customFields": {"industry": "Technology", "company_size": "50-200"},
            "primaryEmail": "jane.smith@acme.com",
            "primaryPhone": "+1-555-0123"
        },
        "lookup_by": "email"
    })
}

fn code(outcome: &contact_core::endpoint::Outcome) -> &str {
    outcome.body["code"].as_str().unwrap_or("")
}

#[test]
fn seed_example_creates_then_updates() {
    let f = Fixture::new();
    let first = f.send(&f.a, seed_request());
    assert_eq!(first.status, 200, "{}", first.body);
    let data = &first.body["data"];
    assert_eq!(first.body["status"], "success");
    assert_eq!(data["action"], "created");
    assert_eq!(data["message"], "Contact created successfully");
    assert_eq!(data["entity_action"], "created");
    let contact_id = data["contact_id"].as_str().unwrap().to_string();
    let entity_id = data["entity_id"].as_str().unwrap().to_string();

    let row = &f.rows("SELECT * FROM contacts")[0];
    assert_eq!(row["id"], contact_id.as_str());
    assert_eq!(row["first_name"], "Jane");
    assert_eq!(row["email_key"], "jane.smith@acme.com");
    assert_eq!(row["phone_key"], "+15550123");
    assert_eq!(row["entity_id"], entity_id.as_str());
    assert_eq!(row["tags"], r#"["prospect","enterprise"]"#);
    assert_eq!(
        row["custom_fields"],
        r#"{"company_size":"50-200","industry":"Technology"}"#
    );
    assert_eq!(row["created_by"], MEMBER_A);
    let entity = &f.rows("SELECT * FROM entities")[0];
    assert_eq!(entity["name"], "Acme Corp");
    assert_eq!(entity["name_key"], "acme corp");
    assert_eq!(entity["website"], "https://acme.com");

    let second = f.send(&f.a, seed_request());
    assert_eq!(second.body["data"]["action"], "updated", "{}", second.body);
    assert_eq!(
        second.body["data"]["message"],
        "Contact updated successfully"
    );
    assert_eq!(second.body["data"]["contact_id"], contact_id.as_str());
    assert_eq!(second.body["data"]["entity_action"], "unchanged");
    assert_eq!(second.body["data"]["entity_id"], entity_id.as_str());
    assert_eq!(f.count("contacts"), 1);
    assert_eq!(f.count("entities"), 1);
    assert_eq!(f.count("write_guards"), 0);
}

#[test]
fn checks_answer_in_the_contract_order() {
    let f = Fixture::new();
    let body = seed_request();
    let with = |changes: Value| {
        let mut b = body.clone();
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases: Vec<(Value, Option<&str>, u16, &str)> = vec![
        (
            with(json!({"api_key": null})),
            Some("127.0.0.1"),
            401,
            "MISSING_API_KEY",
        ),
        (
            with(json!({"api_key": ""})),
            Some("127.0.0.1"),
            401,
            "MISSING_API_KEY",
        ),
        (
            with(json!({"api_key": "YOUR_API_KEY"})),
            Some("127.0.0.1"),
            401,
            "INVALID_API_KEY",
        ),
        (
            with(json!({"api_key": format!("zak_{}", "0".repeat(64))})),
            Some("127.0.0.1"),
            401,
            "INVALID_API_KEY",
        ),
        // An unknown key beats a missing secret: step 4 before step 5.
        (
            with(json!({"api_key": format!("zak_{}", "0".repeat(64)), "developer_secret": null})),
            Some("127.0.0.1"),
            401,
            "INVALID_API_KEY",
        ),
        (
            with(json!({"developer_secret": null})),
            Some("127.0.0.1"),
            401,
            "MISSING_DEVELOPER_SECRET",
        ),
        (
            with(json!({"developer_secret": "zdk_nope"})),
            Some("127.0.0.1"),
            403,
            "INVALID_DEVELOPER_SECRET",
        ),
        // B's secret under A's key: a secret must be issued under that api key.
        (
            with(json!({"developer_secret": f.b.developer_secret})),
            Some("127.0.0.1"),
            403,
            "INVALID_DEVELOPER_SECRET",
        ),
        (body.clone(), Some("192.0.2.1"), 403, "IP_NOT_WHITELISTED"),
        (body.clone(), None, 403, "IP_NOT_WHITELISTED"),
        (body.clone(), Some("11.0.0.1"), 403, "IP_NOT_WHITELISTED"),
        (
            with(json!({"org_id": ORG_B})),
            Some("10.20.30.40"),
            403,
            "ORG_MISMATCH",
        ),
        (
            with(json!({"org_id": "YOUR_ORG_ID"})),
            Some("127.0.0.1"),
            200,
            "VALIDATION_ERROR",
        ),
        (
            with(json!({"member_id": MEMBER_B})),
            Some("::1"),
            404,
            "MEMBER_NOT_FOUND",
        ),
        (
            with(json!({"member_id": MEMBER_A_INACTIVE})),
            Some("127.0.0.1"),
            404,
            "MEMBER_NOT_FOUND",
        ),
        (
            with(json!({"member_id": "nope"})),
            Some("127.0.0.1"),
            200,
            "VALIDATION_ERROR",
        ),
        (
            with(json!({"contact": null})),
            Some("127.0.0.1"),
            400,
            "MISSING_CONTACT",
        ),
        (
            with(json!({"contact": "Jane"})),
            Some("127.0.0.1"),
            400,
            "MISSING_CONTACT",
        ),
        (
            with(json!({"contact": {"lastName": "Smith"}})),
            Some("127.0.0.1"),
            200,
            "VALIDATION_ERROR",
        ),
        (
            with(
                json!({"contact": {"firstName": "J", "primaryEmail": "j@x.io", "customFields": {"industry": "Mining"}}}),
            ),
            Some("127.0.0.1"),
            200,
            "CUSTOM_FIELD_ERROR",
        ),
        (
            with(json!({"mode": "update", "contact": {"primaryEmail": "nobody@x.io"}})),
            Some("127.0.0.1"),
            404,
            "NOT_FOUND_UPDATE",
        ),
    ];
    let before = f.dump();
    for (body, ip, status, expected) in cases {
        let outcome = f.send_from(&f.a, body.clone(), ip);
        assert_eq!(
            (outcome.status, code(&outcome)),
            (status, expected),
            "{body} from {ip:?}: {}",
            outcome.body
        );
        assert_eq!(outcome.body["status"], "error");
        let text = outcome.body.to_string();
        assert!(
            !text.contains(&f.a.api_key) && !text.contains(&f.a.developer_secret),
            "{text}"
        );
    }
    assert_eq!(f.dump(), before, "a refused request changed the database");
    let revoked = f.send(&f.a_revoked, seed_request());
    assert_eq!((revoked.status, code(&revoked)), (401, "INVALID_API_KEY"));
}

#[test]
fn seed_validation_error_example() {
    let f = Fixture::new();
    let outcome = f.send(&f.a, json!({"contact": {"lastName": "Smith"}}));
    assert_eq!(outcome.status, 200);
    assert_eq!(
        outcome.body["data"],
        json!(["Missing required contact fields: firstName, primaryEmail"])
    );
    assert_eq!(
        outcome.body["message"],
        "Contact validation errors: Missing required contact fields: firstName, primaryEmail"
    );
    assert_eq!(
        outcome.body["errors"],
        json!([
            {"path": "contact.firstName", "code": "required", "message": "firstName is required"},
            {"path": "contact.primaryEmail", "code": "required", "message": "primaryEmail is required"}
        ])
    );
}

#[test]
fn insert_refuses_an_existing_email_with_its_id() {
    let f = Fixture::new();
    let created = f.send(
        &f.a,
        json!({"mode": "insert", "contact": {"firstName": "Jo", "primaryEmail": "jo@x.io"}}),
    );
    let id = created.body["data"]["contact_id"].clone();
    let again = f.send(
        &f.a,
        json!({"mode": "insert", "contact": {"firstName": "Jo", "primaryEmail": " JO@X.IO "}}),
    );
    assert_eq!((again.status, code(&again)), (409, "CONTACT_EXISTS"));
    assert_eq!(again.body["contact_id"], id);
    assert_eq!(again.body["errors"][0]["path"], "contact.primaryEmail");
    assert_eq!(f.count("contacts"), 1);
}

#[test]
fn update_changes_only_what_is_sent_and_null_clears() {
    let f = Fixture::new();
    f.send(&f.a, seed_request());
    let outcome = f.send(
        &f.a,
        json!({"mode": "update", "skip_entity": true, "contact": {
            "primaryEmail": "jane.smith@acme.com", "roleLabel": null, "city": "Lisbon",
            "tags": ["Enterprise", "vip"], "customFields": {"company_size": null, "score": 7}
        }}),
    );
    assert_eq!(
        outcome.body["data"]["action"], "updated",
        "{}",
        outcome.body
    );
    assert_eq!(outcome.body["data"]["entity_action"], "skipped");
    assert_eq!(outcome.body["data"]["entity_id"], Value::Null);
    let row = &f.rows("SELECT * FROM contacts")[0];
    assert_eq!(row["first_name"], "Jane");
    assert_eq!(row["last_name"], "Smith");
    assert_eq!(row["role_label"], Value::Null);
    assert_eq!(row["city"], "Lisbon");
    assert_eq!(row["tags"], r#"["prospect","enterprise","vip"]"#);
    assert_eq!(
        row["custom_fields"],
        r#"{"industry":"Technology","score":7}"#
    );
    assert_eq!(row["version"], 2);
    // skip_entity leaves the existing link alone.
    assert!(row["entity_id"].is_string());
}

#[test]
fn update_to_another_contacts_email_is_refused() {
    let f = Fixture::new();
    f.send(
        &f.a,
        json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io"}}),
    );
    let b = f.send(&f.a, json!({"contact": {"firstName": "B", "primaryEmail": "b@x.io", "primaryPhone": "555 0100 22"}}));
    let before = f.dump();
    let outcome = f.send(
        &f.a,
        json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": "5550100-22", "primaryEmail": "A@x.io"}}),
    );
    assert_eq!(
        (outcome.status, code(&outcome)),
        (409, "CONTACT_EXISTS"),
        "{}",
        outcome.body
    );
    assert_ne!(outcome.body["contact_id"], b.body["data"]["contact_id"]);
    assert_eq!(f.dump(), before);
}

#[test]
fn phone_lookup_never_guesses() {
    let f = Fixture::new();
    f.send(&f.a, json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io", "primaryPhone": "+1 555 0123"}}));
    let one = f.send(&f.a, json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": "+1-555-0123", "jobTitle": "CTO"}}));
    assert_eq!(one.body["data"]["action"], "updated", "{}", one.body);
    f.send(&f.a, json!({"contact": {"firstName": "B", "primaryEmail": "b@x.io", "primaryPhone": "+1.555.0123"}}));
    let before = f.dump();
    let two = f.send(&f.a, json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": "+15550123", "jobTitle": "CEO"}}));
    assert_eq!(
        (two.status, code(&two)),
        (409, "AMBIGUOUS_MATCH"),
        "{}",
        two.body
    );
    assert_eq!(two.body["candidate_ids"].as_array().unwrap().len(), 2);
    assert_eq!(f.dump(), before);
}

#[test]
fn contact_id_lookup_updates_and_unknown_ids_are_not_found() {
    let f = Fixture::new();
    let created = f.send(
        &f.a,
        json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io"}}),
    );
    let id = created.body["data"]["contact_id"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let updated = f.send(
        &f.a,
        json!({"lookup_by": "contact_id", "contact": {"id": id, "lastName": "Ames"}}),
    );
    assert_eq!(
        updated.body["data"]["action"], "updated",
        "{}",
        updated.body
    );
    let unknown = f.send(&f.a, json!({"lookup_by": "contact_id", "contact": {"id": "99999999-0000-4000-8000-000000000000", "lastName": "X"}}));
    assert_eq!((unknown.status, code(&unknown)), (404, "NOT_FOUND_UPDATE"));
}

#[test]
fn b2b_entities_are_created_linked_updated_and_named_after_the_contact() {
    let f = Fixture::new();
    let made = f.send(
        &f.a,
        json!({"contact": {"firstName": "Ana", "lastName": "Lopes", "primaryEmail": "ana@x.io"}}),
    );
    assert_eq!(made.body["data"]["entity_action"], "created");
    assert_eq!(f.rows("SELECT name FROM entities")[0]["name"], "Ana Lopes");
    let linked = f.send(&f.a, json!({"contact": {"firstName": "Rui", "primaryEmail": "rui@x.io"}, "entity": {"name": " ana LOPES "}}));
    assert_eq!(
        linked.body["data"]["entity_action"], "linked",
        "{}",
        linked.body
    );
    assert_eq!(
        linked.body["data"]["entity_id"],
        made.body["data"]["entity_id"]
    );
    let updated = f.send(&f.a, json!({"contact": {"firstName": "Rui", "primaryEmail": "rui@x.io"}, "entity": {"name": "Ana Lopes", "city": "Porto"}}));
    assert_eq!(updated.body["data"]["entity_action"], "updated");
    let kept = f.send(
        &f.a,
        json!({"mode": "update", "contact": {"primaryEmail": "rui@x.io", "jobTitle": "CFO"}}),
    );
    assert_eq!(kept.body["data"]["entity_action"], "unchanged");
    assert_eq!(f.count("entities"), 1);
    assert_eq!(f.rows("SELECT city FROM entities")[0]["city"], "Porto");
}

#[test]
fn an_update_without_names_fetches_the_entity_named_after_the_contact() {
    let f = Fixture::new();
    // Made while entities were skipped, so the contact has none.
    f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "Eva", "lastName": "Ng", "primaryEmail": "eva@x.io"}}));
    f.send(&f.a, json!({"contact": {"firstName": "Tom", "primaryEmail": "tom@x.io"}, "entity": {"name": "Eva Ng"}}));
    let outcome = f.send(&f.a, json!({"debug": true, "mode": "update", "contact": {"primaryEmail": "eva@x.io", "city": "Oslo"}}));
    assert_eq!(
        outcome.body["data"]["entity_action"], "linked",
        "{}",
        outcome.body
    );
    assert_eq!(outcome.body["data"]["debug"]["d1_round_trips"], 3);
    assert_eq!(f.count("entities"), 1);
}

#[test]
fn b2c_skips_entities() {
    let f = Fixture::new();
    let outcome = f.send(&f.b, seed_request_without_custom_fields());
    assert_eq!(
        outcome.body["data"]["entity_action"], "skipped",
        "{}",
        outcome.body
    );
    assert_eq!(outcome.body["data"]["entity_id"], Value::Null);
    assert_eq!(f.count("entities"), 0);
}

fn seed_request_without_custom_fields() -> Value {
    let mut body = seed_request();
    body["contact"]
        .as_object_mut()
        .unwrap()
        .remove("customFields");
    body
}

#[test]
fn organizations_do_not_see_each_others_contacts() {
    let f = Fixture::new();
    let a = f.send(&f.a, json!({"contact": {"firstName": "A", "primaryEmail": "same@x.io", "primaryPhone": "5550000111"}}));
    let a_id = a.body["data"]["contact_id"].as_str().unwrap().to_string();
    // The same e-mail in B is another contact.
    let b = f.send(
        &f.b,
        json!({"mode": "insert", "contact": {"firstName": "B", "primaryEmail": "same@x.io"}}),
    );
    assert_eq!(b.body["data"]["action"], "created", "{}", b.body);
    for body in [
        json!({"lookup_by": "contact_id", "contact": {"id": a_id, "firstName": "Hijack"}}),
        json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": "5550000111", "firstName": "Hijack"}}),
    ] {
        let outcome = f.send(&f.b, body);
        assert_eq!(code(&outcome), "NOT_FOUND_UPDATE", "{}", outcome.body);
    }
    assert_eq!(
        f.rows(&format!(
            "SELECT first_name FROM contacts WHERE id = '{a_id}'"
        ))[0]["first_name"],
        "A"
    );
}

#[test]
fn dry_run_writes_nothing_and_says_what_would_happen() {
    let f = Fixture::new();
    let before = f.dump();
    let mut body = seed_request();
    body["dry_run"] = json!(true);
    body["debug"] = json!(true);
    let outcome = f.send(&f.a, body);
    let data = &outcome.body["data"];
    assert_eq!(data["action"], "would_create", "{}", outcome.body);
    assert_eq!(data["contact_id"], Value::Null);
    assert_eq!(data["entity_action"], "created");
    assert_eq!(data["debug"]["d1_round_trips"], 1);
    assert_eq!(f.dump(), before);
    assert!(!outcome.body.to_string().contains(&f.a.api_key));
}

#[test]
fn a_write_that_lost_a_race_reads_again_and_updates() {
    let f = Fixture::new();
    // Between this request's read (batch 1) and write (batch 2), another request
    // creates the same e-mail.
    *f.db.before_batch.borrow_mut() = Some((
        2,
        Box::new(|conn: &rusqlite::Connection| {
            conn.execute_batch(&format!(
                "INSERT INTO contacts (id, org_id, first_name, primary_email, email_key, created_by, updated_by, created_at, updated_at)
                 VALUES ('77777777-0000-4000-8000-000000000000', '{ORG_A}', 'Racer', 'race@x.io', 'race@x.io', '{MEMBER_A}', '{MEMBER_A}', 'now', 'now')"
            ))
            .unwrap();
        }),
    ));
    let outcome = f.send(&f.a, json!({"debug": true, "skip_entity": true, "contact": {"firstName": "Late", "primaryEmail": "race@x.io"}}));
    assert_eq!(
        outcome.body["data"]["action"], "updated",
        "{}",
        outcome.body
    );
    assert_eq!(
        outcome.body["data"]["contact_id"],
        "77777777-0000-4000-8000-000000000000"
    );
    assert_eq!(outcome.body["data"]["debug"]["write_attempts"], 2);
    assert_eq!(f.count("contacts"), 1);
    assert_eq!(
        f.rows("SELECT first_name FROM contacts")[0]["first_name"],
        "Late"
    );
}

#[test]
fn a_stale_update_is_rolled_back_whole_and_retried() {
    let f = Fixture::new();
    f.send(
        &f.a,
        json!({"contact": {"firstName": "V", "primaryEmail": "v@x.io", "tags": ["a"]}}),
    );
    let n = f.db.batches.get();
    *f.db.before_batch.borrow_mut() = Some((
        n + 2,
        Box::new(|conn: &rusqlite::Connection| {
            conn.execute_batch("UPDATE contacts SET tags = '[\"a\",\"b\"]', version = version + 1")
                .unwrap();
        }),
    ));
    let outcome = f.send(&f.a, json!({"mode": "update", "contact": {"primaryEmail": "v@x.io", "tags": ["c"]}, "entity": {"name": "New Co"}}));
    assert_eq!(
        outcome.body["data"]["action"], "updated",
        "{}",
        outcome.body
    );
    // The concurrent tag survives: the first plan, made before it, was not applied.
    assert_eq!(
        f.rows("SELECT tags FROM contacts")[0]["tags"],
        r#"["a","b","c"]"#
    );
    assert_eq!(f.count("entities"), 2);
    assert_eq!(f.count("write_guards"), 0);
}

#[test]
fn malformed_bodies_are_refused_before_any_read() {
    let f = Fixture::new();
    for (text, expected) in [
        ("", "INVALID_JSON"),
        ("{", "INVALID_JSON"),
        ("[]", "INVALID_JSON"),
        ("\"x\"", "INVALID_JSON"),
        (
            &format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            "INVALID_JSON",
        ),
        ("{}", "MISSING_API_KEY"),
    ] {
        let outcome = f.send_text(text, Some("127.0.0.1"));
        assert_eq!(code(&outcome), expected, "{text:.40}");
    }
    assert_eq!(f.db.batches.get(), 0);
}

#[test]
fn too_many_merged_tags_are_a_validation_error() {
    let f = Fixture::new();
    let tags: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
    f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "T", "primaryEmail": "t@x.io", "tags": tags}}));
    let before = f.dump();
    let outcome = f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "T", "primaryEmail": "t@x.io", "tags": ["one-more"]}}));
    assert_eq!(code(&outcome), "VALIDATION_ERROR");
    assert_eq!(outcome.body["errors"][0]["path"], "contact.tags");
    assert_eq!(f.dump(), before);
}

#[test]
fn preflight_checks_method_type_and_size() {
    use contact_core::endpoint::{body_text, preflight};
    let code_of = |r: Result<(), contact_core::Failure>| r.err().map(|f| f.code.as_str());
    assert_eq!(
        code_of(preflight("GET", Some("application/json"), None)),
        Some("METHOD_NOT_ALLOWED")
    );
    assert_eq!(
        code_of(preflight("POST", Some("text/plain"), None)),
        Some("UNSUPPORTED_MEDIA_TYPE")
    );
    assert_eq!(
        code_of(preflight("POST", None, None)),
        Some("UNSUPPORTED_MEDIA_TYPE")
    );
    assert_eq!(
        code_of(preflight(
            "POST",
            Some("Application/JSON; charset=utf-8"),
            Some(131_072)
        )),
        None
    );
    assert_eq!(
        code_of(preflight("POST", Some("application/json"), Some(131_073))),
        Some("PAYLOAD_TOO_LARGE")
    );
    assert_eq!(
        body_text(&vec![b' '; 131_073]).unwrap_err().code.as_str(),
        "PAYLOAD_TOO_LARGE"
    );
    assert_eq!(
        body_text(&[0xff, 0xfe]).unwrap_err().code.as_str(),
        "INVALID_JSON"
    );
}
