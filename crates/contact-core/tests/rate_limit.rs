//! The api key's rate limit in the endpoint's flow, on SQLite: asked once the caller
//! is authenticated, never for a refused caller, before anything is written; a
//! refusal is `RATE_LIMITED` with nothing written, on both endpoints.

mod support;

use serde_json::{json, Value};
use support::*;

/// The id of organization A's api key in the fixture.
const KEY_A: &str = "21000000-0000-4000-8000-000000000000";

fn contact(email: &str) -> Value {
    json!({"contact": {"firstName": "Jane", "primaryEmail": email}})
}

#[test]
fn an_authenticated_key_over_its_limit_is_refused_before_anything_is_written() {
    let f = Fixture::new();
    f.db.quota.borrow_mut().push((KEY_A.to_string(), 1));

    let first = f.send(&f.a, contact("one@acme.com"));
    assert_eq!(first.body["data"]["action"], "created", "{}", first.body);

    let batches = f.db.batches.get();
    let second = f.send(&f.a, contact("two@acme.com"));
    assert_eq!(second.status, 429);
    assert_eq!(second.body["code"], "RATE_LIMITED");
    assert_eq!(second.body["message"], "Too many requests for this api key");
    // The read ran (it authenticates), the write did not.
    assert_eq!(f.db.batches.get(), batches + 1);
    assert_eq!(f.count("contacts"), 1);

    // A batch is refused the same way, whatever its items.
    let batch = f.send_batch(
        &f.a,
        json!({"items": [contact("three@acme.com"), contact("four@acme.com")]}),
    );
    assert_eq!(batch.status, 429, "{}", batch.body);
    assert_eq!(batch.body["code"], "RATE_LIMITED");
    assert_eq!(f.count("contacts"), 1);

    // Another organization's key has its own quota.
    let other = f.send(&f.b, contact("one@b.test"));
    assert_eq!(other.body["data"]["action"], "created", "{}", other.body);
}

#[test]
fn refused_callers_are_not_counted_against_the_key() {
    let f = Fixture::new();
    let mut wrong_secret = contact("x@acme.com");
    wrong_secret["developer_secret"] = f.b.developer_secret.clone().into();
    let refused = f.send(&f.a, wrong_secret);
    assert_eq!(refused.body["code"], "INVALID_DEVELOPER_SECRET");
    let refused = f.send_from(&f.a, contact("x@acme.com"), Some("192.0.2.1"));
    assert_eq!(refused.body["code"], "IP_NOT_WHITELISTED");
    let mut not_a_key = contact("x@acme.com");
    not_a_key["api_key"] = "nope".into();
    assert_eq!(f.send(&f.a, not_a_key).body["code"], "INVALID_API_KEY");
    assert!(f.db.admitted.borrow().is_empty());

    // Validation errors come after authentication: they count.
    let invalid = f.send(&f.a, json!({"contact": {"firstName": "Jane"}}));
    assert_eq!(invalid.body["code"], "VALIDATION_ERROR");
    assert_eq!(*f.db.admitted.borrow(), vec![KEY_A.to_string()]);
}
