//! The batch endpoint on SQLite: whole-request refusals, `INVALID_ITEMS`, per-item
//! verdicts with prefixed paths, items applied in order on top of each other,
//! `all_or_none`, dry runs, lost races, and one read plus one write within D1's limits.

mod support;

use contact_core::endpoint::Outcome;
use serde_json::{json, Value};
use support::*;

fn item(first: &str, email: &str) -> Value {
    json!({"contact": {"firstName": first, "primaryEmail": email}})
}

fn code(outcome: &Outcome) -> &str {
    outcome.body["code"].as_str().unwrap_or("")
}

#[test]
fn a_batch_creates_and_updates_in_one_read_and_one_write() {
    let f = Fixture::new();
    f.send(
        &f.a,
        json!({"skip_entity": true, "contact": {"firstName": "Old", "primaryEmail": "old@x.io"}}),
    );
    let before = f.db.batches.get();
    let out = f.send_batch(
        &f.a,
        json!({"debug": true, "items": [
            {"contact": {"firstName": "Ann", "primaryEmail": "ann@x.io"}, "entity": {"name": "Acme"}},
            {"contact": {"firstName": "Old", "primaryEmail": "OLD@x.io", "jobTitle": "CTO"}},
        ]}),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["status"], "success");
    assert_eq!(
        out.body["summary"],
        json!({"created": 1, "updated": 1, "failed": 0})
    );
    let results = out.body["results"].as_array().unwrap();
    assert_eq!(results[0]["index"], 0);
    assert_eq!(results[0]["status"], "success");
    assert_eq!(results[0]["data"]["action"], "created");
    assert_eq!(
        results[0]["data"]["message"],
        "Contact created successfully"
    );
    assert_eq!(results[0]["data"]["entity_action"], "created");
    assert_eq!(results[1]["data"]["action"], "updated");
    assert_eq!(
        results[1]["data"]["message"],
        "Contact updated successfully"
    );
    assert_eq!(f.db.batches.get() - before, 2, "one read and one write");
    assert_eq!(out.body["debug"]["d1_round_trips"], 2);
    assert_eq!(out.body["debug"]["write_attempts"], 1);
    assert_eq!(out.body["debug"]["read_statements"], 3);
    let rows = f.rows("SELECT first_name, job_title FROM contacts ORDER BY email_key");
    assert_eq!(rows[0]["first_name"], "Ann");
    assert_eq!(rows[1]["job_title"], "CTO");
    assert_eq!(f.count("write_guards"), 0);
}

#[test]
fn items_naming_one_contact_apply_in_order_on_top_of_each_other() {
    let f = Fixture::new();
    let out = f.send_batch(
        &f.a,
        json!({"items": [
            {"contact": {"firstName": "Jo", "primaryEmail": "jo@x.io", "tags": ["a"], "customFields": {"score": 1}}, "entity": {"name": "Acme"}},
            {"contact": {"firstName": "Jo", "primaryEmail": "JO@x.io", "tags": ["b"], "city": "Leeds"}, "entity": {"name": "acme", "city": "York"}},
            {"contact": {"firstName": "Jo", "primaryEmail": "jo@x.io", "tags": ["A", "c"], "customFields": {"industry": "Finance"}}},
            {"contact": {"firstName": "Al", "primaryEmail": "al@x.io"}, "entity": {"name": " ACME "}},
        ]}),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    let r = &out.body["results"];
    let actions: Vec<&str> = (0..4)
        .map(|i| r[i]["data"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "updated", "updated", "created"]);
    let entity_actions: Vec<&str> = (0..4)
        .map(|i| r[i]["data"]["entity_action"].as_str().unwrap())
        .collect();
    assert_eq!(
        entity_actions,
        ["created", "updated", "unchanged", "linked"]
    );
    assert_eq!(r[0]["data"]["contact_id"], r[1]["data"]["contact_id"]);
    assert_eq!(r[0]["data"]["contact_id"], r[2]["data"]["contact_id"]);
    assert_eq!(r[0]["data"]["entity_id"], r[3]["data"]["entity_id"]);
    assert_eq!(f.count("contacts"), 2);
    assert_eq!(f.count("entities"), 1);
    let jo = &f.rows("SELECT * FROM contacts WHERE email_key = 'jo@x.io'")[0];
    assert_eq!(jo["tags"], r#"["a","b","c"]"#);
    assert_eq!(jo["city"], "Leeds");
    assert_eq!(jo["custom_fields"], r#"{"score":1,"industry":"Finance"}"#);
    assert_eq!(jo["version"], 3);
    let acme = &f.rows("SELECT * FROM entities")[0];
    assert_eq!(
        (&acme["city"], &acme["version"]),
        (&json!("York"), &json!(2))
    );
}

#[test]
fn each_item_gets_the_single_endpoints_verdict_with_prefixed_paths() {
    let f = Fixture::new();
    f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "Taken", "primaryEmail": "taken@x.io"}}));
    let taken = f.rows("SELECT id FROM contacts")[0]["id"].clone();
    let before = f.count("contacts");
    let out = f.send_batch(
        &f.a,
        json!({"skip_entity": true, "items": [
            item("Good", "good@x.io"),
            {"contact": {"firstName": "Bad", "primaryEmail": "not-an-email"}},
            {"contact": {"lastName": "Smith"}},
            {"contact": {"firstName": "C", "primaryEmail": "c@x.io", "customFields": {"industry": "Mining"}}},
            {"entity": {"name": "Acme"}},
            {"contact": {"firstName": "K", "primaryEmail": "k@x.io"}, "mode": "insert"},
            {"contact": {"firstName": "T", "primaryEmail": "taken@x.io"}},
            {"contact": {"first_name": "U", "primaryEmail": "u@x.io"}},
        ]}),
    );
    assert_eq!(out.status, 207, "{}", out.body);
    assert_eq!(out.body["status"], "partial");
    assert_eq!(
        out.body["summary"],
        json!({"created": 1, "updated": 1, "failed": 6})
    );
    let r = &out.body["results"];
    assert_eq!(r[0]["status"], "success");
    assert_eq!(
        r[1],
        json!({"index": 1, "status": "error", "code": "VALIDATION_ERROR",
               "message": "Contact validation errors: items[1].contact.primaryEmail: not a valid e-mail address",
               "data": ["items[1].contact.primaryEmail: not a valid e-mail address"],
               "errors": [{"path": "items[1].contact.primaryEmail", "code": "invalid_email", "message": "not a valid e-mail address"}]})
    );
    assert_eq!(
        r[2]["data"],
        json!(["Missing required contact fields: firstName, primaryEmail"])
    );
    assert_eq!(r[2]["errors"][0]["path"], "items[2].contact.firstName");
    assert_eq!(r[3]["code"], "CUSTOM_FIELD_ERROR");
    assert_eq!(
        r[3]["errors"][0]["path"],
        "items[3].contact.customFields.industry"
    );
    assert_eq!(
        r[4],
        json!({"index": 4, "status": "error", "code": "MISSING_CONTACT", "message": "contact data is required",
               "data": ["contact data is required"], "errors": []})
    );
    assert_eq!(r[5]["code"], "VALIDATION_ERROR");
    assert_eq!(r[5]["errors"][0]["path"], "items[5].mode");
    assert_eq!(r[5]["errors"][0]["code"], "unknown_field");
    // An upsert of a taken e-mail updates it: an item is the single request.
    assert_eq!(r[6]["data"]["action"], "updated");
    assert_eq!(r[6]["data"]["contact_id"], taken);
    assert_eq!(
        r[7]["errors"][0]["message"],
        "unknown field first_name; did you mean firstName?"
    );
    assert_eq!(r[7]["errors"][0]["path"], "items[7].contact.first_name");
    assert_eq!(f.count("contacts"), before + 1);
}

#[test]
fn write_step_refusals_are_items_results_and_the_rest_is_written() {
    let f = Fixture::new();
    f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "Taken", "primaryEmail": "taken@x.io"}}));
    let taken = f.rows("SELECT id FROM contacts")[0]["id"].clone();
    let out = f.send_batch(
        &f.a,
        json!({"mode": "insert", "skip_entity": true, "items": [
            item("T", "taken@x.io"),
            item("New", "new@x.io"),
            item("Again", "NEW@x.io"),
        ]}),
    );
    assert_eq!(out.status, 207, "{}", out.body);
    let r = &out.body["results"];
    assert_eq!(r[0]["code"], "CONTACT_EXISTS");
    assert_eq!(r[0]["contact_id"], taken);
    assert_eq!(r[0]["errors"][0]["path"], "items[0].contact.primaryEmail");
    assert_eq!(r[1]["data"]["action"], "created");
    // The second insert of one e-mail meets the contact the first created.
    assert_eq!(r[2]["code"], "CONTACT_EXISTS");
    assert_eq!(r[2]["contact_id"], r[1]["data"]["contact_id"]);
    assert_eq!(f.count("contacts"), 2);
    let update = f.send_batch(
        &f.a,
        json!({"mode": "update", "items": [{"contact": {"primaryEmail": "nobody@x.io", "city": "X"}}]}),
    );
    assert_eq!(update.status, 207);
    assert_eq!(update.body["status"], "error");
    assert_eq!(update.body["results"][0]["code"], "NOT_FOUND_UPDATE");
    assert_eq!(
        update.body["results"][0]["errors"][0]["path"],
        "items[0].contact.primaryEmail"
    );
}

#[test]
fn all_or_none_writes_nothing_when_an_item_fails() {
    let f = Fixture::new();
    let before = f.dump();
    let out = f.send_batch(
        &f.a,
        json!({"all_or_none": true, "items": [item("A", "a@x.io"), item("B", "bad"), item("C", "c@x.io")]}),
    );
    assert_eq!(out.status, 207, "{}", out.body);
    assert_eq!(out.body["status"], "error");
    assert_eq!(
        out.body["summary"],
        json!({"created": 0, "updated": 0, "failed": 3})
    );
    for i in [0, 2] {
        assert_eq!(
            out.body["results"][i],
            json!({"index": i, "status": "error", "code": "BATCH_ROLLED_BACK",
                   "message": "Not written: another item of this all_or_none batch failed",
                   "data": ["Not written: another item of this all_or_none batch failed"], "errors": []})
        );
    }
    assert_eq!(out.body["results"][1]["code"], "VALIDATION_ERROR");
    assert_eq!(f.dump(), before);
    let ok = f.send_batch(
        &f.a,
        json!({"all_or_none": true, "items": [item("A", "a@x.io"), item("C", "c@x.io")]}),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(f.count("contacts"), 2);
}

#[test]
fn whole_request_refusals_come_before_the_items() {
    let f = Fixture::new();
    let before = f.dump();
    let no_items = json!({"contact": {"firstName": "A", "primaryEmail": "a@x.io"}});
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"api_key": null}), 401, "MISSING_API_KEY"),
        (
            json!({"api_key": format!("zak_{}", "0".repeat(64))}),
            401,
            "INVALID_API_KEY",
        ),
        (
            json!({"developer_secret": ""}),
            401,
            "MISSING_DEVELOPER_SECRET",
        ),
        (
            json!({"developer_secret": f.b.developer_secret}),
            403,
            "INVALID_DEVELOPER_SECRET",
        ),
        (json!({"org_id": ORG_B}), 403, "ORG_MISMATCH"),
        (
            json!({"member_id": MEMBER_A_INACTIVE}),
            404,
            "MEMBER_NOT_FOUND",
        ),
        (json!({}), 400, "INVALID_ITEMS"),
        (json!({"items": []}), 400, "INVALID_ITEMS"),
        (json!({"items": {"contact": {}}}), 400, "INVALID_ITEMS"),
        (json!({"items": [1]}), 400, "INVALID_ITEMS"),
        (
            json!({"items": vec![item("A", "a@x.io"); 101]}),
            400,
            "INVALID_ITEMS",
        ),
    ];
    for (changes, status, expected) in cases {
        let mut body = no_items.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        let out = f.send_batch(&f.a, body.clone());
        assert_eq!(
            (out.status, code(&out)),
            (status, expected),
            "{body}: {}",
            out.body
        );
    }
    let out = f.send_batch_text(
        &json!({"api_key": f.a.api_key, "developer_secret": f.a.developer_secret, "org_id": ORG_A,
                "member_id": MEMBER_A, "items": [item("A", "a@x.io")]})
        .to_string(),
        Some("192.0.2.1"),
    );
    assert_eq!((out.status, code(&out)), (403, "IP_NOT_WHITELISTED"));
    // The batch's own keys and options: the whole batch, as the single request.
    let out = f.send_batch(
        &f.a,
        json!({"items": [item("A", "a@x.io")], "mode": "merge", "all_or_none": "yes", "entity": {}}),
    );
    assert_eq!(
        (out.status, code(&out)),
        (200, "VALIDATION_ERROR"),
        "{}",
        out.body
    );
    let paths: Vec<&str> = out.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["entity", "mode", "all_or_none"]);
    assert_eq!(
        out.body["errors"][2]["message"],
        "must be true or false, not a string"
    );
    assert_eq!(f.dump(), before);
    assert_eq!(
        code(&f.send_batch_text("[1]", Some("127.0.0.1"))),
        "INVALID_JSON"
    );
    let big = format!(
        "{{\"items\": [], \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let out = f.send_batch_text(&big, Some("127.0.0.1"));
    assert_eq!((out.status, code(&out)), (413, "PAYLOAD_TOO_LARGE"));
}

#[test]
fn a_batch_between_128_kib_and_1_mib_is_read() {
    let f = Fixture::new();
    let items: Vec<Value> = (0..100)
        .map(|i| json!({"contact": {"firstName": "N", "primaryEmail": format!("n{i}@x.io"), "notes": "n".repeat(5000)}}))
        .collect();
    let body = json!({"skip_entity": true, "items": items});
    assert!(body.to_string().len() > 128 * 1024);
    let out = f.send_batch(&f.a, body);
    assert_eq!(out.status, 200, "{}", out.body["results"][0]);
    assert_eq!(f.count("contacts"), 100);
}

#[test]
fn a_hundred_items_take_one_read_and_one_write_within_d1s_limits() {
    let f = Fixture::new();
    // Half of them exist, with entities to update: guards on both tables.
    let first: Vec<Value> = (0..50)
        .map(|i| json!({"contact": {"firstName": "F", "lastName": format!("L{i}"), "primaryEmail": format!("p{i}@x.io"), "primaryPhone": format!("+1 555 01{i:02}")}, "entity": {"name": format!("Co {i}")}}))
        .collect();
    assert_eq!(f.send_batch(&f.a, json!({"items": first})).status, 200);
    let items: Vec<Value> = (0..100)
        .map(|i| json!({"contact": {"firstName": "F", "primaryEmail": format!("p{i}@x.io"), "tags": [format!("t{i}")],
                                      "customFields": {"score": i % 100}},
                        "entity": {"name": format!("Co {i}"), "city": "Leeds"}}))
        .collect();
    f.db.log.borrow_mut().clear();
    let out = f.send_batch(&f.a, json!({"debug": true, "items": items}));
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(
        out.body["summary"],
        json!({"created": 50, "updated": 50, "failed": 0})
    );
    let log = f.db.log.borrow();
    assert_eq!(log.len(), 2, "one read and one write");
    assert_eq!(out.body["debug"]["d1_round_trips"], 2);
    let written = out.body["debug"]["statements"].as_u64().unwrap() as usize;
    assert_eq!(written, log[1].len());
    // Two guards (entities, contacts), two writes per item, the guards cleared.
    assert_eq!(written, 2 + 200 + 1);
    for statement in log.iter().flatten() {
        assert!(statement.params.len() <= 100, "{}", statement.sql);
        assert!(statement.sql.len() < 100_000);
    }
    assert_eq!(f.count("contacts"), 100);
    assert_eq!(f.count("entities"), 100);
    assert_eq!(f.count("write_guards"), 0);
}

#[test]
fn an_update_without_names_reads_the_entities_named_after_contacts_once() {
    let f = Fixture::new();
    for (first, email) in [("Ann", "ann@x.io"), ("Bob", "bob@x.io")] {
        f.send(
            &f.a,
            json!({"skip_entity": true, "contact": {"firstName": first, "primaryEmail": email}}),
        );
    }
    f.send(&f.a, json!({"contact": {"firstName": "Other", "primaryEmail": "o@x.io"}, "entity": {"name": "Ann"}}));
    let out = f.send_batch(
        &f.a,
        json!({"debug": true, "mode": "update", "items": [
            {"contact": {"primaryEmail": "ann@x.io", "jobTitle": "CTO"}},
            {"contact": {"primaryEmail": "bob@x.io", "jobTitle": "CEO"}},
        ]}),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["debug"]["d1_round_trips"], 3);
    assert_eq!(out.body["results"][0]["data"]["entity_action"], "linked");
    assert_eq!(out.body["results"][1]["data"]["entity_action"], "created");
}

#[test]
fn a_dry_run_writes_nothing_and_names_no_row_it_did_not_create() {
    let f = Fixture::new();
    let before = f.dump();
    let out = f.send_batch(
        &f.a,
        json!({"dry_run": true, "items": [item("A", "a@x.io"), item("A", "a@x.io")]}),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    let r = &out.body["results"];
    assert_eq!(r[0]["data"]["action"], "would_create");
    assert_eq!(r[1]["data"]["action"], "would_update");
    assert_eq!(r[1]["data"]["contact_id"], Value::Null);
    assert_eq!(r[1]["data"]["entity_id"], Value::Null);
    assert_eq!(f.dump(), before);
}

#[test]
fn a_batch_that_lost_a_race_reads_again_and_writes_on_top() {
    let f = Fixture::new();
    f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "Jo", "primaryEmail": "jo@x.io", "tags": ["old"]}}));
    let n = f.db.batches.get();
    // Between the batch's read and its write, another request creates race@x.io and
    // tags jo@x.io.
    *f.db.before_batch.borrow_mut() = Some((
        n + 2,
        Box::new(|conn: &rusqlite::Connection| {
            conn.execute_batch(&format!(
                "INSERT INTO contacts (id, org_id, first_name, primary_email, email_key, created_by, updated_by, created_at, updated_at)
                 VALUES ('77777777-0000-4000-8000-000000000000', '{ORG_A}', 'Racer', 'race@x.io', 'race@x.io', '{MEMBER_A}', '{MEMBER_A}', 'now', 'now');
                 UPDATE contacts SET tags = '[\"old\",\"theirs\"]', version = version + 1 WHERE email_key = 'jo@x.io';"
            ))
            .unwrap();
        }),
    ));
    let out = f.send_batch(
        &f.a,
        json!({"debug": true, "skip_entity": true, "items": [
            {"contact": {"firstName": "Late", "primaryEmail": "race@x.io"}},
            {"contact": {"firstName": "Jo", "primaryEmail": "jo@x.io", "tags": ["mine"]}},
        ]}),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["debug"]["write_attempts"], 2);
    assert_eq!(out.body["results"][0]["data"]["action"], "updated");
    assert_eq!(
        out.body["results"][0]["data"]["contact_id"],
        "77777777-0000-4000-8000-000000000000"
    );
    assert_eq!(f.count("contacts"), 2);
    let jo = &f.rows("SELECT tags FROM contacts WHERE email_key = 'jo@x.io'")[0];
    assert_eq!(jo["tags"], r#"["old","theirs","mine"]"#);
    assert_eq!(f.count("write_guards"), 0);
}

#[test]
fn a_b2c_batch_skips_entities_and_other_tenants_rows_are_not_seen() {
    let f = Fixture::new();
    f.send(
        &f.a,
        json!({"contact": {"firstName": "A", "primaryEmail": "same@x.io"}}),
    );
    let out = f.send_batch(&f.b, json!({"items": [item("B", "same@x.io"), {"contact": {"firstName": "B", "primaryEmail": "b@x.io"}, "entity": {"name": "Co"}}]}));
    assert_eq!(out.status, 200, "{}", out.body);
    for i in 0..2 {
        assert_eq!(out.body["results"][i]["data"]["action"], "created");
        assert_eq!(out.body["results"][i]["data"]["entity_action"], "skipped");
        assert_eq!(out.body["results"][i]["data"]["entity_id"], Value::Null);
    }
    assert_eq!(f.count("contacts"), 3);
}

#[test]
fn the_offline_checks_give_each_items_verdict_as_the_endpoint_does() {
    use contact_core::{batch, custom::Definitions, gate::Offline};
    let f = Fixture::new();
    let body = json!({"api_key": f.a.api_key, "developer_secret": f.a.developer_secret, "org_id": ORG_A,
                      "member_id": MEMBER_A, "items": [item("A", "a@x.io"), item("B", "bad")]});
    let verdicts = batch::check(&body, &Definitions::default(), &mut Offline).unwrap();
    assert_eq!(
        verdicts[0].as_ref().unwrap().email_key().as_deref(),
        Some("a@x.io")
    );
    let failure = verdicts[1].as_ref().unwrap_err();
    assert_eq!(failure.problems[0].path, "items[1].contact.primaryEmail");
    let served = f.send_batch(&f.a, body.clone());
    let mut expected = failure.to_json();
    expected["index"] = 1.into();
    assert_eq!(served.body["results"][1], expected);
    let mut no_items = body;
    no_items["items"] = json!([]);
    let failure = batch::check(&no_items, &Definitions::default(), &mut Offline).unwrap_err();
    assert_eq!(failure.code.as_str(), "INVALID_ITEMS");
}

#[test]
fn phone_and_id_lookups_find_rows_read_and_rows_earlier_items_made() {
    let f = Fixture::new();
    for email in ["s1@x.io", "s2@x.io"] {
        f.send(&f.a, json!({"skip_entity": true, "contact": {"firstName": "S", "primaryEmail": email, "primaryPhone": "+44 20 0000 0001"}}));
    }
    let shared: Vec<Value> = f
        .rows("SELECT id FROM contacts ORDER BY id")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    let out = f.send_batch(
        &f.a,
        json!({"lookup_by": "phone", "skip_entity": true, "items": [
            {"contact": {"firstName": "P", "primaryEmail": "p@x.io", "primaryPhone": "+1 555 0100"}},
            {"contact": {"firstName": "P", "primaryEmail": "p@x.io", "primaryPhone": "+1-555-0100", "city": "Leeds"}},
            {"contact": {"firstName": "Q", "primaryEmail": "q@x.io", "primaryPhone": "+442000000001"}},
        ]}),
    );
    assert_eq!(out.status, 207, "{}", out.body);
    let r = &out.body["results"];
    assert_eq!(r[0]["data"]["action"], "created");
    assert_eq!(r[1]["data"]["action"], "updated");
    assert_eq!(r[1]["data"]["contact_id"], r[0]["data"]["contact_id"]);
    assert_eq!(r[2]["code"], "AMBIGUOUS_MATCH");
    assert_eq!(r[2]["candidate_ids"], json!(shared));
    assert_eq!(r[2]["errors"][0]["path"], "items[2].contact.primaryPhone");
    let id = r[0]["data"]["contact_id"].as_str().unwrap().to_uppercase();
    let out = f.send_batch(
        &f.a,
        json!({"mode": "update", "lookup_by": "contact_id", "skip_entity": true, "items": [
            {"contact": {"id": id, "jobTitle": "CTO"}},
            {"contact": {"id": "99999999-0000-4000-8000-000000000000", "jobTitle": "CTO"}},
            {"contact": {"id": shared[0], "primaryEmail": "p@x.io"}},
        ]}),
    );
    let r = &out.body["results"];
    assert_eq!(r[0]["data"]["action"], "updated", "{}", out.body);
    assert_eq!(r[1]["code"], "NOT_FOUND_UPDATE");
    // Moving a contact onto the e-mail of the contact the first item updated.
    assert_eq!(r[2]["code"], "CONTACT_EXISTS");
    assert_eq!(r[2]["errors"][0]["path"], "items[2].contact.primaryEmail");
    let row = &f.rows("SELECT job_title, city FROM contacts WHERE email_key = 'p@x.io'")[0];
    assert_eq!(
        (&row["job_title"], &row["city"]),
        (&json!("CTO"), &json!("Leeds"))
    );
}

fn items_contact(body: &Value, i: usize) -> Value {
    json!({"contact": body["items"][i]["contact"].clone()})
}

#[test]
fn a_batch_error_answer_is_bounded_by_the_per_item_cap() {
    let f = Fixture::new();
    // 100 items, each with 80 unknown keys of 64 characters: a body near 1 MiB.
    let items: Vec<Value> = (0..100)
        .map(|i| {
            let mut contact = serde_json::Map::new();
            for k in 0..80 {
                contact.insert(format!("{k:02}{}", "k".repeat(62)), json!(i));
            }
            json!({"contact": contact})
        })
        .collect();
    let body = json!({"items": items});
    let out = f.send_batch(&f.a, body.clone());
    assert_eq!(out.status, 207);
    let r = &out.body["results"];
    assert_eq!(r[99]["errors"].as_array().unwrap().len(), 10);
    assert_eq!(r[99]["data"].as_array().unwrap().len(), 10);
    assert_eq!(r[99]["errors_omitted"], 72);
    assert_eq!(
        r[99]["errors"][9]["path"],
        format!("items[99].contact.09{}", "k".repeat(62))
    );
    assert!(r[99]["message"]
        .as_str()
        .unwrap()
        .ends_with("… 82 problems in all"));
    // A single request with the same contact lists 50, and the same message.
    let single = f.send(&f.a, items_contact(&body, 99));
    assert_eq!(single.body["errors"].as_array().unwrap().len(), 50);
    assert_eq!(
        single.body["message"]
            .as_str()
            .unwrap()
            .replace("contact.", "items[99].contact."),
        r[99]["message"]
    );
    let size = out.body.to_string().len();
    assert!(size < 512 * 1024, "{size} bytes");
    println!(
        "request {} bytes, answer {size} bytes",
        body.to_string().len()
    );
}
