//! Idempotency keys on SQLite, both endpoints: the answer stored in the write's own
//! batch, replayed byte for byte for the same body, 422 for another body, nothing
//! stored before the write or for a dry run, the write step's refusals stored, scoping
//! to the api key, expiry and purging, and two requests racing with one key.

mod support;

use contact_core::endpoint::Outcome;
use contact_core::store::idempotency::IdempotencyKey;
use serde_json::{json, Value};
use support::*;

const API_KEY_A: &str = "21000000-0000-4000-8000-000000000000";

fn code(outcome: &Outcome) -> &str {
    outcome.body["code"].as_str().unwrap_or("")
}

fn keyed(f: &Fixture, key: &str) {
    *f.idempotency_key.borrow_mut() = Some(key.into());
}

fn jane() -> Value {
    json!({"contact": {"firstName": "Jane", "primaryEmail": "jane@x.io", "tags": ["a"]}, "entity": {"name": "Acme"}})
}

#[test]
fn a_retry_with_the_same_key_and_body_answers_the_stored_answer_and_writes_nothing() {
    let f = Fixture::new();
    keyed(&f, "order-1");
    let first = f.send(&f.a, jane());
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!first.replayed);
    assert_eq!(f.count("idempotency_keys"), 1);
    let before = f.dump();
    let batches = f.db.batches.get();
    let again = f.send(&f.a, jane());
    assert_eq!(again.status, 200);
    assert!(again.replayed);
    assert_eq!(again.body.to_string(), first.body.to_string());
    assert_eq!(again.body["data"]["action"], "created");
    assert_eq!(f.dump(), before, "a replay wrote");
    assert_eq!(
        f.db.batches.get() - batches,
        1,
        "a replay is the read alone"
    );
    // The same body with its keys in another order and other white space is the same request.
    let text = format!(
        "{{ \"entity\": {{\"name\": \"Acme\"}}, \"contact\": {{\"tags\": [\"a\"], \"primaryEmail\": \"jane@x.io\", \"firstName\": \"Jane\"}},
           \"member_id\": \"{MEMBER_A}\", \"org_id\": \"{ORG_A}\", \"developer_secret\": \"{}\", \"api_key\": \"{}\" }}",
        f.a.developer_secret, f.a.api_key
    );
    let reordered = f.send_text(&text, Some("127.0.0.1"));
    assert!(reordered.replayed);
    assert_eq!(reordered.body, first.body);
    // Without the key, the same body is a new request: an update.
    *f.idempotency_key.borrow_mut() = None;
    assert_eq!(f.send(&f.a, jane()).body["data"]["action"], "updated");
}

#[test]
fn the_same_key_with_another_body_is_refused_and_writes_nothing() {
    let f = Fixture::new();
    keyed(&f, "order-1");
    f.send(&f.a, jane());
    let before = f.dump();
    let mut other = jane();
    other["contact"]["jobTitle"] = "CTO".into();
    let out = f.send(&f.a, other);
    assert_eq!((out.status, code(&out)), (422, "IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(
        out.body["message"],
        "This Idempotency-Key was used with another request body; send a new key for a new request"
    );
    assert!(!out.replayed);
    assert_eq!(f.dump(), before);
    // The same key on the batch endpoint is another request too.
    let out = f.send_batch(&f.a, json!({"items": [jane()]}));
    assert_eq!((out.status, code(&out)), (422, "IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(f.dump(), before);
}

#[test]
fn a_malformed_key_is_refused_at_step_2() {
    let f = Fixture::new();
    let before = f.dump();
    for (key, message) in [
        ("", "The Idempotency-Key header is empty; send 1 to 255 printable ASCII characters"),
        (&"k".repeat(256)[..], "The Idempotency-Key header is 256 characters long; send 1 to 255 printable ASCII characters"),
        ("clé", "The Idempotency-Key header holds a character that is not printable ASCII; send 1 to 255 printable ASCII characters"),
    ] {
        keyed(&f, key);
        let out = f.send(&f.a, jane());
        assert_eq!((out.status, code(&out)), (400, "INVALID_IDEMPOTENCY_KEY"));
        assert_eq!(out.body["message"], message);
        // Before the body is parsed, on both endpoints.
        let out = f.send_text("{", Some("127.0.0.1"));
        assert_eq!(code(&out), "INVALID_IDEMPOTENCY_KEY");
        let out = f.send_batch_text("{", Some("127.0.0.1"));
        assert_eq!(code(&out), "INVALID_IDEMPOTENCY_KEY");
    }
    keyed(&f, &"k".repeat(255));
    assert_eq!(f.send(&f.a, jane()).status, 200);
    assert_ne!(f.dump(), before);
}

#[test]
fn refusals_before_the_write_and_dry_runs_are_not_stored() {
    let f = Fixture::new();
    keyed(&f, "k1");
    let bad = json!({"contact": {"firstName": "Jane", "primaryEmail": "nope"}});
    assert_eq!(code(&f.send(&f.a, bad.clone())), "VALIDATION_ERROR");
    let again = f.send(&f.a, bad);
    assert_eq!(code(&again), "VALIDATION_ERROR");
    assert!(!again.replayed);
    let mut wrong = jane();
    wrong["developer_secret"] = f.b.developer_secret.clone().into();
    assert_eq!(code(&f.send(&f.a, wrong)), "INVALID_DEVELOPER_SECRET");
    let mut dry = jane();
    dry["dry_run"] = true.into();
    assert_eq!(
        f.send(&f.a, dry.clone()).body["data"]["action"],
        "would_create"
    );
    assert_eq!(f.count("idempotency_keys"), 0);
    // The key is still free: the real request stores under it.
    assert_eq!(f.send(&f.a, jane()).body["data"]["action"], "created");
    assert_eq!(f.count("idempotency_keys"), 1);
    // A dry run under a used key is neither replayed nor refused.
    let out = f.send(&f.a, dry);
    assert_eq!(out.body["data"]["action"], "would_update");
    assert!(!out.replayed);
    let out = f.send_batch(&f.a, json!({"dry_run": true, "items": [jane()]}));
    assert_eq!(out.body["results"][0]["data"]["action"], "would_update");
    assert_eq!(f.count("idempotency_keys"), 1);
}

#[test]
fn the_write_steps_refusals_are_stored_and_replayed() {
    let f = Fixture::new();
    keyed(&f, "update-1");
    let update =
        json!({"mode": "update", "contact": {"primaryEmail": "jane@x.io", "city": "Leeds"}});
    let first = f.send(&f.a, update.clone());
    assert_eq!((first.status, code(&first)), (404, "NOT_FOUND_UPDATE"));
    assert_eq!(f.count("idempotency_keys"), 1);
    // The contact appears; the retry still answers what the first request was told.
    *f.idempotency_key.borrow_mut() = None;
    f.send(&f.a, jane());
    keyed(&f, "update-1");
    let before = f.dump();
    let again = f.send(&f.a, update);
    assert_eq!((again.status, again.replayed), (404, true));
    assert_eq!(again.body, first.body);
    assert_eq!(f.dump(), before);
    keyed(&f, "insert-1");
    let insert =
        json!({"mode": "insert", "contact": {"firstName": "J", "primaryEmail": "jane@x.io"}});
    let exists = f.send(&f.a, insert.clone());
    assert_eq!((exists.status, code(&exists)), (409, "CONTACT_EXISTS"));
    let replay = f.send(&f.a, insert);
    assert_eq!((replay.status, replay.replayed), (409, true));
    assert_eq!(replay.body, exists.body);
}

#[test]
fn keys_are_scoped_to_the_api_key_and_nothing_secret_is_stored() {
    let f = Fixture::new();
    keyed(&f, "shared-key");
    let a = f.send(&f.a, jane());
    let b = f.send(&f.b, jane());
    assert!(!b.replayed);
    assert_eq!(b.body["data"]["action"], "created");
    assert_ne!(a.body["data"]["contact_id"], b.body["data"]["contact_id"]);
    assert_eq!(f.count("idempotency_keys"), 2);
    let stored = serde_json::to_string(&f.rows("SELECT * FROM idempotency_keys")).unwrap();
    for secret in [
        &f.a.api_key,
        &f.a.developer_secret,
        &f.b.api_key,
        &f.b.developer_secret,
    ] {
        assert!(!stored.contains(secret.as_str()));
    }
    assert!(!stored.contains("shared-key"));
    let digest = IdempotencyKey::parse("shared-key")
        .unwrap()
        .digest()
        .to_string();
    assert_eq!(
        f.rows(
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE key_digest = '{digest}'"
                .replace("{digest}", &digest)
                .as_str()
        )[0]["n"],
        2
    );
}

#[test]
fn answers_expire_after_24_hours_and_are_purged_by_later_keyed_writes() {
    let f = Fixture::new();
    keyed(&f, "old");
    f.send(&f.a, jane());
    let row = &f.rows("SELECT created_at, expires_at FROM idempotency_keys")[0];
    assert_eq!(row["created_at"], "2026-06-01T12:00:00Z");
    assert_eq!(row["expires_at"], "2026-06-02T12:00:00.000Z");
    *f.now.borrow_mut() = "2026-06-02T11:59:59Z".into();
    assert!(f.send(&f.a, jane()).replayed);
    *f.now.borrow_mut() = "2026-06-02T12:00:01Z".into();
    // Expired: the same key is a new request, and its answer replaces the old one.
    let later = f.send(&f.a, jane());
    assert!(!later.replayed);
    assert_eq!(later.body["data"]["action"], "updated");
    assert_eq!(f.count("idempotency_keys"), 1);
    // Another key's write purges expired rows.
    *f.now.borrow_mut() = "2026-06-04T00:00:00Z".into();
    keyed(&f, "new");
    f.send(
        &f.a,
        json!({"contact": {"firstName": "Other", "primaryEmail": "o@x.io"}}),
    );
    let keys = f.rows("SELECT created_at FROM idempotency_keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["created_at"], "2026-06-04T00:00:00Z");
}

/// The row another request under the same key stores when it writes first.
fn store_theirs(conn: &rusqlite::Connection, status: i64, response: &str) {
    let digest = IdempotencyKey::parse("race").unwrap().digest().to_string();
    conn.execute(
        "INSERT INTO idempotency_keys VALUES (?1, ?2, ?3, ?4, ?5, '2026-06-01T12:00:00Z', '2026-06-02T12:00:00.000Z')",
        rusqlite::params![API_KEY_A, digest, "their-hash", status, response],
    )
    .unwrap();
}

#[test]
fn a_request_that_loses_the_race_for_its_key_answers_the_winners_answer_or_in_use() {
    let f = Fixture::new();
    keyed(&f, "race");
    let n = f.db.batches.get();
    // The winner has the same body: its stored answer, with the same hash as ours, is
    // inserted between our read and our write.
    let body = jane();
    let probe = {
        let g = Fixture::new();
        keyed(&g, "race");
        g.send(&g.a, body.clone());
        g.rows("SELECT request_hash FROM idempotency_keys")[0]["request_hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    *f.db.before_batch.borrow_mut() = Some((
        n + 2,
        Box::new(move |conn: &rusqlite::Connection| {
            let digest = IdempotencyKey::parse("race").unwrap().digest().to_string();
            conn.execute(
                "INSERT INTO idempotency_keys VALUES (?1, ?2, ?3, 200, '{\"status\":\"success\",\"winner\":true}', '2026-06-01T12:00:00Z', '2026-06-02T12:00:00.000Z')",
                rusqlite::params![API_KEY_A, digest, probe],
            )
            .unwrap();
        }),
    ));
    let out = f.send(&f.a, body.clone());
    assert_eq!(out.status, 200);
    assert!(out.replayed);
    assert_eq!(out.body, json!({"status": "success", "winner": true}));
    assert_eq!(f.count("contacts"), 0, "the loser wrote");
    // A winner with another body: the loser is refused as reusing the key.
    let g = Fixture::new();
    keyed(&g, "race");
    *g.db.before_batch.borrow_mut() = Some((
        g.db.batches.get() + 2,
        Box::new(|conn: &rusqlite::Connection| store_theirs(conn, 200, "{}")),
    ));
    let out = g.send(&g.a, body.clone());
    assert_eq!((out.status, code(&out)), (422, "IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(g.count("contacts"), 0);
    // The key's row refuses the write, yet the re-read finds no answer under it: the
    // first request has not finished.
    let h = Fixture::new();
    keyed(&h, "race");
    let n = h.db.batches.get();
    *h.db.before_batch.borrow_mut() = Some((
        n + 2,
        Box::new(|conn: &rusqlite::Connection| store_theirs(conn, 200, "{}")),
    ));
    h.db.hooks.borrow_mut().push((
        n + 3,
        Box::new(|conn: &rusqlite::Connection| {
            conn.execute("DELETE FROM idempotency_keys", []).unwrap();
        }),
    ));
    let out = h.send(&h.a, body);
    assert_eq!((out.status, code(&out)), (409, "IDEMPOTENCY_KEY_IN_USE"));
    assert_eq!(
        out.body["message"],
        "A request with this Idempotency-Key has not finished; retry it in a moment"
    );
    assert_eq!(h.count("contacts"), 0);
}

#[test]
fn a_batch_stores_its_answer_207_included_and_replays_it() {
    let f = Fixture::new();
    keyed(&f, "batch-1");
    let body =
        json!({"items": [jane(), {"contact": {"firstName": "Bad", "primaryEmail": "nope"}}]});
    let first = f.send_batch(&f.a, body.clone());
    assert_eq!(first.status, 207);
    assert_eq!(f.count("idempotency_keys"), 1);
    let before = f.dump();
    let again = f.send_batch(&f.a, body.clone());
    assert_eq!((again.status, again.replayed), (207, true));
    assert_eq!(again.body.to_string(), first.body.to_string());
    assert_eq!(f.dump(), before);
    // All or none with a failure writes nothing but its answer.
    keyed(&f, "batch-2");
    let rolled = json!({"all_or_none": true, "items": [{"contact": {"firstName": "Z", "primaryEmail": "z@x.io"}}, {"contact": {"firstName": "Bad", "primaryEmail": "nope"}}]});
    let first = f.send_batch(&f.a, rolled.clone());
    assert_eq!(first.body["results"][0]["code"], "BATCH_ROLLED_BACK");
    assert_eq!(f.count("idempotency_keys"), 2);
    assert_eq!(f.count("contacts"), 1);
    assert!(f.send_batch(&f.a, rolled).replayed);
    let mut other = body;
    other["all_or_none"] = true.into();
    keyed(&f, "batch-1");
    let out = f.send_batch(&f.a, other);
    assert_eq!((out.status, code(&out)), (422, "IDEMPOTENCY_KEY_REUSED"));
}
