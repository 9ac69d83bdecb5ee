//! What a hostile or unlucky caller can do to the endpoint, on SQLite: many
//! contacts on one phone, a write refused with nothing changed, answers that must
//! stay small, look-alike entity names, and the api key recorded with every write.

mod support;

use contact_core::endpoint;
use contact_core::validate::problem::{MAX_ECHOED_CHARS, MAX_LISTED_PROBLEMS};
use serde_json::{json, Value};
use support::*;

const SHARED_PHONE: &str = "+1 555 0100";
const API_KEY_A: &str = "21000000-0000-4000-8000-000000000000";

fn code(outcome: &endpoint::Outcome) -> &str {
    outcome.body["code"].as_str().unwrap_or("")
}

/// `n` contacts of organization A on one phone, inserted in one transaction:
/// `c<i>@x.io`, ids `c0000000-0000-4000-8000-<i as 12 digits>`.
fn contacts_on_one_phone(f: &Fixture, n: usize) {
    let conn = f.db.conn.borrow();
    let mut sql = String::from("BEGIN;");
    for i in 0..n {
        sql += &format!(
            "INSERT INTO contacts (id, org_id, first_name, primary_email, email_key, primary_phone, phone_key, \
             created_by, updated_by, created_at, updated_at) VALUES ('{}', '{ORG_A}', 'C{i}', 'c{i}@x.io', \
             'c{i}@x.io', '{SHARED_PHONE}', '+15550100', '{MEMBER_A}', '{MEMBER_A}', 'then', 'then');",
            contact_id(i)
        );
    }
    sql += "COMMIT;";
    conn.execute_batch(&sql).unwrap();
}

fn contact_id(i: usize) -> String {
    format!("c0000000-0000-4000-8000-{i:012}")
}

fn lookups_find_their_contact_among(n: usize) {
    let f = Fixture::new();
    contacts_on_one_phone(&f, n);
    let last = n - 1;
    // By e-mail, upsert: the last contact, not a new one.
    let upsert = f.send(
        &f.a,
        json!({"skip_entity": true, "contact": {"firstName": "Last", "primaryEmail": format!("c{last}@x.io"), "primaryPhone": SHARED_PHONE}}),
    );
    assert_eq!(upsert.status, 200, "{}", upsert.body);
    assert_eq!(upsert.body["data"]["action"], "updated");
    assert_eq!(upsert.body["data"]["contact_id"], contact_id(last).as_str());
    // By e-mail, update.
    let update = f.send(
        &f.a,
        json!({"mode": "update", "skip_entity": true, "contact": {"primaryEmail": format!("c{last}@x.io"), "jobTitle": "CTO"}}),
    );
    assert_eq!(update.body["data"]["action"], "updated", "{}", update.body);
    assert_eq!(update.body["data"]["contact_id"], contact_id(last).as_str());
    // By id.
    let by_id = f.send(
        &f.a,
        json!({"mode": "update", "lookup_by": "contact_id", "skip_entity": true,
               "contact": {"id": contact_id(last), "jobTitle": "CEO"}}),
    );
    assert_eq!(by_id.body["data"]["action"], "updated", "{}", by_id.body);
    assert_eq!(by_id.body["data"]["contact_id"], contact_id(last).as_str());
    let row = &f.rows(&format!(
        "SELECT first_name, job_title FROM contacts WHERE id = '{}'",
        contact_id(last)
    ))[0];
    assert_eq!(
        (&row["first_name"], &row["job_title"]),
        (&json!("Last"), &json!("CEO"))
    );
    assert_eq!(f.count("contacts"), n as i64);
    // By phone: ambiguous, the candidates named as far as the answer lists them.
    let before = f.dump();
    let by_phone = f.send(
        &f.a,
        json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": SHARED_PHONE, "jobTitle": "X"}}),
    );
    assert_eq!(
        (by_phone.status, code(&by_phone)),
        (409, "AMBIGUOUS_MATCH"),
        "{}",
        by_phone.body
    );
    assert_eq!(
        by_phone.body["message"],
        "More than 10 contacts match this primaryPhone; use lookup_by contact_id or email"
    );
    assert_eq!(
        by_phone.body["errors"][0]["message"],
        "more than 10 contacts match this value"
    );
    let ids = by_phone.body["candidate_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 10);
    assert_eq!(ids[0], contact_id(0).as_str());
    assert_eq!(f.dump(), before);
}

#[test]
fn sixty_contacts_on_one_phone_hide_no_lookup() {
    lookups_find_their_contact_among(60);
}

#[test]
fn five_hundred_contacts_on_one_phone_hide_no_lookup() {
    lookups_find_their_contact_among(500);
}

#[test]
fn a_few_contacts_on_one_phone_are_counted_exactly() {
    let f = Fixture::new();
    contacts_on_one_phone(&f, 3);
    let by_phone = f.send(
        &f.a,
        json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": SHARED_PHONE}}),
    );
    assert_eq!(
        by_phone.body["message"],
        "3 contacts match this primaryPhone; use lookup_by contact_id or email"
    );
    assert_eq!(
        by_phone.body["candidate_ids"],
        json!([contact_id(0), contact_id(1), contact_id(2)])
    );
}

#[test]
fn a_write_refused_with_nothing_changed_answers_its_code_without_retrying() {
    let f = Fixture::new();
    f.send(
        &f.a,
        json!({"skip_entity": true, "contact": {"firstName": "A", "primaryEmail": "a@x.io"}}),
    );
    // The read now misses the stored contact: the insert meets the e-mail index, and
    // reading again finds the same nothing.
    f.db.hide_contacts.set(true);
    let before = f.dump();
    let batches = f.db.batches.get();
    let outcome = f.send(
        &f.a,
        json!({"skip_entity": true, "contact": {"firstName": "B", "primaryEmail": "A@x.io"}}),
    );
    assert_eq!(
        (outcome.status, code(&outcome)),
        (409, "CONTACT_EXISTS"),
        "{}",
        outcome.body
    );
    assert_eq!(outcome.body["message"], "Contact already exists");
    assert_eq!(
        outcome.body["errors"],
        json!([{"path": "contact.primaryEmail", "code": "contact_exists",
                "message": "a contact with this primaryEmail already exists"}])
    );
    // The read, the refused write and one re-read.
    assert_eq!(f.db.batches.get() - batches, 3);
    assert_eq!(f.dump(), before);
}

#[test]
fn thousands_of_unknown_custom_fields_answer_a_small_error() {
    let f = Fixture::new();
    let fields: serde_json::Map<String, Value> =
        (0..3000).map(|i| (format!("f{i}"), json!(1))).collect();
    let outcome = f.send(
        &f.a,
        json!({"contact": {"firstName": "J", "primaryEmail": "j@x.io", "customFields": fields}}),
    );
    assert_eq!(code(&outcome), "CUSTOM_FIELD_ERROR");
    let text = outcome.body.to_string();
    assert!(text.len() < 16 * 1024, "{} bytes", text.len());
    let errors = outcome.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), MAX_LISTED_PROBLEMS);
    assert_eq!(
        outcome.body["data"].as_array().unwrap().len(),
        MAX_LISTED_PROBLEMS
    );
    assert_eq!(outcome.body["errors_omitted"], 3000 - MAX_LISTED_PROBLEMS);
    // The organization's tags are named once, in the first problem.
    assert_eq!(
        errors[0]["message"],
        "unknown custom field; the defined fields are: company_size, industry, score"
    );
    assert_eq!(errors[1]["message"], "unknown custom field");
    assert_eq!(
        text.matches("company_size").count(),
        3,
        "message, data and errors"
    );
    assert!(outcome.body["message"]
        .as_str()
        .unwrap()
        .ends_with("; … 3000 problems in all"));
}

#[test]
fn thousands_of_unknown_long_keys_answer_a_small_error() {
    let f = Fixture::new();
    let long = "k".repeat(1000);
    let contact: serde_json::Map<String, Value> = (0..100)
        .map(|i| (format!("{long}{i}"), json!(1)))
        .chain([
            ("firstName".to_string(), json!("J")),
            ("primaryEmail".to_string(), json!("j@x.io")),
        ])
        .collect();
    let outcome = f.send(&f.a, json!({"contact": contact}));
    assert_eq!(code(&outcome), "VALIDATION_ERROR", "{}", outcome.body);
    assert!(outcome.body.to_string().len() < 32 * 1024);
    let shown = format!("contact.{}…", "k".repeat(MAX_ECHOED_CHARS));
    assert_eq!(outcome.body["errors"][0]["path"], shown.as_str());
    assert_eq!(outcome.body["errors_omitted"], 100 - MAX_LISTED_PROBLEMS);
}

#[test]
fn entity_names_that_look_the_same_are_one_company() {
    let f = Fixture::new();
    let first = f.send(
        &f.a,
        json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io"}, "entity": {"name": "Acme Corp"}}),
    );
    assert_eq!(
        first.body["data"]["entity_action"], "created",
        "{}",
        first.body
    );
    let second = f.send(
        &f.a,
        json!({"contact": {"firstName": "B", "primaryEmail": "b@x.io"},
               "entity": {"name": "Acme\u{200B} Corp\u{FEFF}"}}),
    );
    assert_eq!(
        second.body["data"]["entity_action"], "linked",
        "{}",
        second.body
    );
    assert_eq!(
        second.body["data"]["entity_id"],
        first.body["data"]["entity_id"]
    );
    assert_eq!(f.count("entities"), 1);
    let third = f.send(
        &f.a,
        json!({"contact": {"firstName": "C", "primaryEmail": "c@x.io"},
               "entity": {"name": "\u{2060}Beta\u{200D}co"}}),
    );
    assert_eq!(third.body["data"]["entity_action"], "created");
    let entity = &f.rows("SELECT name, name_key FROM entities WHERE name_key = 'betaco'")[0];
    // The stored name stays as sent.
    assert_eq!(entity["name"], "\u{2060}Beta\u{200D}co");
}

#[test]
fn bidi_controls_are_refused_in_single_line_fields_and_kept_in_notes() {
    let f = Fixture::new();
    let outcome = f.send(
        &f.a,
        json!({"contact": {"firstName": "Jane\u{202E}gpj.exe", "primaryEmail": "j@x.io",
                           "tags": ["ok", "\u{2066}vip\u{2069}"], "notes": "line \u{2067}one\u{2069}"},
               "entity": {"name": "Acme\u{202D}"}}),
    );
    assert_eq!(code(&outcome), "VALIDATION_ERROR");
    assert_eq!(
        outcome.body["errors"],
        json!([
            {"path": "contact.firstName", "code": "bidi_control",
             "message": "must not contain bidirectional control characters (found U+202E)"},
            {"path": "contact.tags[1]", "code": "bidi_control",
             "message": "must not contain bidirectional control characters (found U+2066)"},
            {"path": "entity.name", "code": "bidi_control",
             "message": "must not contain bidirectional control characters (found U+202D)"}
        ])
    );
    assert_eq!(f.count("contacts"), 0);
    let notes = f.send(
        &f.a,
        json!({"contact": {"firstName": "Jane", "primaryEmail": "j@x.io", "notes": "line \u{2067}one\u{2069}"}}),
    );
    assert_eq!(notes.body["data"]["action"], "created", "{}", notes.body);
}

#[test]
fn every_write_records_the_api_key_that_made_it() {
    let f = Fixture::new();
    let created = f.send(
        &f.a,
        json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io"}, "entity": {"name": "Acme"}}),
    );
    assert_eq!(
        created.body["data"]["action"], "created",
        "{}",
        created.body
    );
    let audit = |table: &str| {
        let row = &f.rows(&format!(
            "SELECT created_by, updated_by, created_by_key, updated_by_key FROM {table}"
        ))[0];
        (
            row["created_by"].clone(),
            row["updated_by"].clone(),
            row["created_by_key"].clone(),
            row["updated_by_key"].clone(),
        )
    };
    let expected = (
        json!(MEMBER_A),
        json!(MEMBER_A),
        json!(API_KEY_A),
        json!(API_KEY_A),
    );
    assert_eq!(audit("contacts"), expected);
    assert_eq!(audit("entities"), expected);
    // An update written by another key of the organization records that key.
    f.db.conn
        .borrow()
        .execute_batch(
            "UPDATE contacts SET updated_by_key = NULL; UPDATE entities SET updated_by_key = NULL;",
        )
        .unwrap();
    let updated = f.send(
        &f.a,
        json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io", "jobTitle": "CTO"},
               "entity": {"name": "Acme", "city": "Leeds"}}),
    );
    assert_eq!(
        updated.body["data"]["entity_action"], "updated",
        "{}",
        updated.body
    );
    assert_eq!(audit("contacts").3, json!(API_KEY_A));
    assert_eq!(audit("entities").3, json!(API_KEY_A));
}

#[test]
fn custom_field_definitions_compile_once_per_version_and_only_after_authentication() {
    let f = Fixture::new();
    let compiled = endpoint::definitions_compiled;
    let start = compiled();
    // A wrong developer secret: refused at step 6, nothing compiled.
    let mut intruder = f.a.clone();
    intruder.developer_secret = f.b.developer_secret.clone();
    let refused = f.send(
        &intruder,
        json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io"}}),
    );
    assert_eq!(code(&refused), "INVALID_DEVELOPER_SECRET");
    assert_eq!(compiled(), start);
    // Authenticated requests compile the definitions once.
    for i in 0..3 {
        let outcome = f.send(
            &f.a,
            json!({"contact": {"firstName": "A", "primaryEmail": format!("a{i}@x.io"), "customFields": {"score": 5}}}),
        );
        assert_eq!(outcome.body["status"], "success", "{}", outcome.body);
    }
    assert_eq!(compiled(), start + 1);
    // A new version of the definitions is compiled once more and used at once.
    f.db.conn
        .borrow()
        .execute(
            "INSERT INTO custom_fields VALUES (?1, 'code', ?2, 'now')",
            rusqlite::params![
                ORG_A,
                r#"{"tag":"code","type":"text","pattern":"[A-Z]{2}-[0-9]{4}"}"#
            ],
        )
        .unwrap();
    for _ in 0..2 {
        let outcome = f.send(
            &f.a,
            json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io", "customFields": {"code": "ab-1"}}}),
        );
        assert_eq!(
            outcome.body["errors"][0]["code"], "pattern_mismatch",
            "{}",
            outcome.body
        );
    }
    assert_eq!(compiled(), start + 2);
}
