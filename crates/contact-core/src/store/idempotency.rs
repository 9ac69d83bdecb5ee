//! Idempotency keys (draft-ietf-httpapi-idempotency-key-header, as Stripe runs them):
//! a client sends `Idempotency-Key` so that a retry of a request whose answer it never
//! saw cannot write twice.
//!
//! - The key is 1–[`MAX_KEY_CHARS`] printable ASCII characters, scoped to the api key,
//!   and kept only as its SHA-256 digest.
//! - The first request that reaches the write stores its answer (status and body) in
//!   the same D1 batch as the write ([`store_statements`]), so the answer is stored if
//!   and only if the write happened. A refusal at the write step (`CONTACT_EXISTS`,
//!   `NOT_FOUND_UPDATE`, `AMBIGUOUS_MATCH`) is stored too, in a batch of its own;
//!   refusals before it (credentials, validation) and dry runs are not.
//! - The read round trip fetches the key's stored answer beside everything else
//!   ([`read_statement`]). Once the caller is authenticated, a stored answer for the
//!   same request ([`request_hash`]: the body without its secrets) is answered again,
//!   byte for byte, and nothing is written; one for another request is
//!   `IDEMPOTENCY_KEY_REUSED`.
//! - Two requests racing with one key both plan; the primary key lets one write, and the
//!   other's batch fails whole, reads again, and answers the stored answer. A write
//!   refused on the key whose re-read still finds no stored answer is
//!   `IDEMPOTENCY_KEY_IN_USE`.
//! - Answers are kept [`TTL_HOURS`]; each keyed write purges up to
//!   [`PURGE_PER_WRITE`] expired rows.

use super::Statement;
use crate::auth::secrets;
use crate::endpoint::Outcome;
use crate::validate::problem::{Code, Failure};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The longest key accepted.
pub const MAX_KEY_CHARS: usize = 255;

/// How long an answer is kept.
pub const TTL_HOURS: u32 = 24;

/// Expired rows one keyed write deletes, at most.
pub const PURGE_PER_WRITE: u32 = 100;

/// A well-formed `Idempotency-Key`, as its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    digest: String,
}

impl IdempotencyKey {
    /// Step 2: 1–255 printable ASCII characters (space to `~`), else
    /// `INVALID_IDEMPOTENCY_KEY`. The message never repeats the key.
    ///
    /// ```
    /// use contact_core::store::idempotency::IdempotencyKey;
    /// assert!(IdempotencyKey::parse("order-42/retry").is_ok());
    /// assert!(IdempotencyKey::parse("").is_err());
    /// assert!(IdempotencyKey::parse("clé").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<IdempotencyKey, Failure> {
        let invalid = |why: &str| {
            Failure::new(
                Code::InvalidIdempotencyKey,
                format!("The Idempotency-Key header {why}; send 1 to {MAX_KEY_CHARS} printable ASCII characters"),
            )
        };
        if raw.is_empty() {
            return Err(invalid("is empty"));
        }
        if !raw.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(invalid("holds a character that is not printable ASCII"));
        }
        if raw.len() > MAX_KEY_CHARS {
            return Err(invalid(&format!("is {} characters long", raw.len())));
        }
        Ok(IdempotencyKey {
            digest: secrets::hex(&Sha256::digest(raw.as_bytes())),
        })
    }

    /// The SHA-256 digest of the key, in hex: all that is stored of it.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

/// The digest a stored answer is matched on: the endpoint's name and the parsed body
/// without `api_key` and `developer_secret` (whose digests are elsewhere, and never
/// stored with a request), written as compact JSON with sorted keys. Two bodies that
/// differ only in white space or key order are one request.
pub fn request_hash(endpoint: &str, body: &Value) -> String {
    let mut body = body.clone();
    if let Value::Object(map) = &mut body {
        map.remove("api_key");
        map.remove("developer_secret");
    }
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.to_string().as_bytes());
    secrets::hex(&hasher.finalize())
}

/// The read of the key's stored answer, if one is live, under the api key whose digest
/// is given: one more statement of the read round trip.
pub fn read_statement(api_key_digest: &str, key: &IdempotencyKey, now: &str) -> Statement {
    Statement::new(
        "SELECT i.request_hash, i.status, i.response FROM idempotency_keys i \
         JOIN api_keys k ON k.id = i.api_key_id \
         WHERE k.key_digest = ?1 AND i.key_digest = ?2 \
         AND i.expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', ?3)",
        vec![api_key_digest.into(), key.digest().into(), now.into()],
    )
}

/// The statements that store an answer, appended to the write batch: expired rows
/// purged (this key's first, so that a key may be used again once expired), then the
/// answer inserted. A live row under the key makes the insert, and so the whole batch,
/// fail.
pub fn store_statements(
    api_key_id: &str,
    key: &IdempotencyKey,
    request_hash: &str,
    outcome: &Outcome,
    now: &str,
) -> Vec<Statement> {
    vec![
        Statement::new(
            format!(
                "DELETE FROM idempotency_keys WHERE (api_key_id = ?1 AND key_digest = ?2 \
                 AND expires_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?3)) OR rowid IN \
                 (SELECT rowid FROM idempotency_keys \
                  WHERE expires_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?3) LIMIT {PURGE_PER_WRITE})"
            ),
            vec![api_key_id.into(), key.digest().into(), now.into()],
        ),
        Statement::new(
            format!(
                "INSERT INTO idempotency_keys (api_key_id, key_digest, request_hash, status, \
                 response, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, \
                 strftime('%Y-%m-%dT%H:%M:%fZ', ?6, '+{TTL_HOURS} hours'))"
            ),
            vec![
                api_key_id.into(),
                key.digest().into(),
                request_hash.into(),
                outcome.status.into(),
                outcome.body.to_string().into(),
                now.into(),
            ],
        ),
    ]
}

/// How many statements [`store_statements`] adds to a write batch.
pub const STORE_STATEMENTS: usize = 2;

/// A stored answer as the read finds it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: u16,
    /// The body as it was sent, compact JSON.
    pub response: String,
}

/// What a stored answer means for this request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No answer stored: go on.
    Fresh,
    /// The same request: answer this, write nothing.
    Replay(Outcome),
    /// Another request under the same key.
    Reused,
}

/// Judges the stored answer the read found, if any, for a request of `request_hash`.
pub fn verdict(stored: Option<StoredAnswer>, request_hash: &str) -> Result<Verdict, String> {
    let Some(stored) = stored else {
        return Ok(Verdict::Fresh);
    };
    if stored.request_hash != request_hash {
        return Ok(Verdict::Reused);
    }
    let body: Value = serde_json::from_str(&stored.response)
        .map_err(|e| format!("stored idempotent answer: {e}"))?;
    Ok(Verdict::Replay(Outcome {
        status: stored.status,
        body,
        log: None,
        replayed: true,
    }))
}

/// `IDEMPOTENCY_KEY_REUSED`.
pub fn reused() -> Failure {
    Failure::new(
        Code::IdempotencyKeyReused,
        "This Idempotency-Key was used with another request body; send a new key for a new request",
    )
}

/// `IDEMPOTENCY_KEY_IN_USE`.
pub fn in_use() -> Failure {
    Failure::new(
        Code::IdempotencyKeyInUse,
        "A request with this Idempotency-Key has not finished; retry it in a moment",
    )
}

/// Whether a refused write was refused on an idempotency key's row.
pub fn refused_on_key(conflict: &str) -> bool {
    conflict.contains("idempotency_keys")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_key_is_one_to_255_printable_ascii_characters() {
        for good in ["a", " x ", &"k".repeat(255), "~!@#$%^&*()_+{}|:\"<>?"] {
            assert!(IdempotencyKey::parse(good).is_ok(), "{good:?}");
        }
        let message = |raw: &str| IdempotencyKey::parse(raw).unwrap_err().message;
        assert_eq!(
            message(""),
            "The Idempotency-Key header is empty; send 1 to 255 printable ASCII characters"
        );
        assert_eq!(
            message(&"k".repeat(256)),
            "The Idempotency-Key header is 256 characters long; send 1 to 255 printable ASCII characters"
        );
        for bad in ["clé", "a\tb", "a\u{7f}", "\u{0}"] {
            assert_eq!(
                message(bad),
                "The Idempotency-Key header holds a character that is not printable ASCII; send 1 to 255 printable ASCII characters"
            );
        }
        assert_eq!(
            IdempotencyKey::parse("").unwrap_err().code,
            Code::InvalidIdempotencyKey
        );
    }

    #[test]
    fn keys_are_kept_as_digests_and_requests_without_their_secrets() {
        let key = IdempotencyKey::parse("abc").unwrap();
        assert_eq!(
            key.digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a =
            json!({"api_key": "zak_1", "developer_secret": "zdk_1", "contact": {"a": 1, "b": 2}});
        let b =
            json!({"contact": {"b": 2, "a": 1}, "api_key": "zak_2", "developer_secret": "zdk_2"});
        assert_eq!(request_hash("single", &a), request_hash("single", &b));
        assert_ne!(request_hash("single", &a), request_hash("batch", &a));
        let c = json!({"contact": {"a": 1, "b": 3}});
        assert_ne!(request_hash("single", &a), request_hash("single", &c));
    }

    #[test]
    fn a_stored_answer_is_replayed_for_the_same_request_only() {
        let stored = StoredAnswer {
            request_hash: "h".into(),
            status: 409,
            response: r#"{"code":"CONTACT_EXISTS","status":"error"}"#.into(),
        };
        assert_eq!(verdict(None, "h"), Ok(Verdict::Fresh));
        assert_eq!(verdict(Some(stored.clone()), "other"), Ok(Verdict::Reused));
        let Ok(Verdict::Replay(outcome)) = verdict(Some(stored), "h") else {
            panic!("not replayed")
        };
        assert_eq!(outcome.status, 409);
        assert!(outcome.replayed);
        assert_eq!(
            outcome.body.to_string(),
            r#"{"code":"CONTACT_EXISTS","status":"error"}"#
        );
    }
}
