//! The endpoint's whole flow, with the database behind a trait: the Worker brings
//! D1, the tests bring SQLite. Steps 1–2 are [`preflight`] and [`read_body`]; then
//! one read round trip fetches everything the checks and the plan need, the checks
//! run in the contract's order, and the plan is written in one batch. A batch that
//! fails on a guard or a unique index means another request changed the rows first:
//! the rows are read again and the request planned again.

use crate::auth::gate::{ApiKeyRecord, Credentials, DeveloperKeyRecord};
use crate::auth::secrets;
use crate::store::idempotency::{self, IdempotencyKey, StoredAnswer, Verdict};
use crate::store::read::{self, Found, Probe, ReadBatch, StoredEntity};
use crate::store::{decide, sql, Action, Context, Decision, EntityAction, Statement, WritePlan};
use crate::validate::custom::{Definitions, DefinitionsCache};
use crate::validate::problem::{Code, Failure, ProblemCode};
use crate::validate::request::MAX_BODY_BYTES;
use crate::validate::{self as checks, read_body};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use std::cell::RefCell;

/// The rows of one statement, each a JSON object keyed by column.
pub type Rows = Vec<Map<String, Value>>;

/// Why a batch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// A constraint refused the batch (a guard or a unique index): the rows changed
    /// since they were read. Nothing was written.
    Conflict(String),
    /// Anything else. Nothing was written.
    Other(String),
}

/// A database that runs a batch of statements as one transaction.
#[allow(async_fn_in_trait)] // One thread in a Worker: no `Send` bound is wanted.
pub trait Database {
    /// Runs the statements in order, all or nothing, and answers each one's rows.
    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, DbError>;

    /// The api key's rate limit, asked once the caller is authenticated (steps 3–9
    /// passed) and before anything else: `Some` refuses the request with that failure
    /// (`RATE_LIMITED`). The Worker counts it on a Rate Limiting binding; by default
    /// every request is admitted.
    async fn admit(&self, api_key_id: &str) -> Option<Failure> {
        let _ = api_key_id;
        None
    }

    /// Waits a little before write attempt `attempt` (2, 3, …) after a conflict, so
    /// that requests racing for one row spread out. No wait by default.
    async fn pause(&self, attempt: u32) {
        let _ = attempt;
    }
}

/// One call of the endpoint, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub body: &'a str,
    /// The `CF-Connecting-IP` header.
    pub client_ip: Option<&'a str>,
    pub request_id: &'a str,
    /// RFC 3339 UTC.
    pub now: &'a str,
    /// The `Idempotency-Key` header, as sent.
    pub idempotency_key: Option<&'a str>,
}

/// The answer: an HTTP status and a JSON body, plus a line for the log when
/// something unexpected happened (never with secrets in it).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: u16,
    pub body: Value,
    pub log: Option<String>,
    /// An answer stored under the request's `Idempotency-Key`, answered again: the
    /// HTTP layer adds `Idempotent-Replayed: true`.
    pub replayed: bool,
}

impl Outcome {
    pub(crate) fn failure(failure: &Failure) -> Outcome {
        Outcome {
            status: failure.code.http_status(),
            body: failure.to_json(),
            log: None,
            replayed: false,
        }
    }

    /// `INTERNAL_ERROR`: nothing that helps an attacker, the request id to quote.
    pub fn internal(request_id: &str, log: String) -> Outcome {
        let failure = Failure::new(
            Code::InternalError,
            format!(
                "An unexpected error occurred; quote request id {request_id} when reporting it"
            ),
        )
        .with_extra("request_id", request_id.into());
        Outcome {
            log: Some(log),
            ..Outcome::failure(&failure)
        }
    }
}

/// Write attempts before giving up: each failed one means another request wrote
/// first, so the loop always makes progress, and this bounds a request's work.
pub const MAX_WRITE_ATTEMPTS: u32 = 16;

/// Steps 1 and 2 before the body is read: the method, the media type and the size
/// the client declared.
pub fn preflight(
    method: &str,
    content_type: Option<&str>,
    content_length: Option<u64>,
) -> Result<(), Failure> {
    if !method.eq_ignore_ascii_case("POST") {
        return Err(Failure::new(
            Code::MethodNotAllowed,
            format!("Method {method} is not allowed; use POST"),
        ));
    }
    let media_type = content_type
        .and_then(|t| t.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(Failure::new(
            Code::UnsupportedMediaType,
            "Content-Type must be application/json",
        ));
    }
    match content_length {
        Some(len) if len > MAX_BODY_BYTES as u64 => Err(checks::too_large(
            usize::try_from(len).unwrap_or(usize::MAX),
        )),
        _ => Ok(()),
    }
}

/// The body bytes as text: too large is `PAYLOAD_TOO_LARGE`, not UTF-8 is
/// `INVALID_JSON`.
pub fn body_text(bytes: &[u8]) -> Result<&str, Failure> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(checks::too_large(bytes.len()));
    }
    std::str::from_utf8(bytes)
        .map_err(|_| Failure::new(Code::InvalidJson, "The request body is not valid UTF-8"))
}

/// Handles a request body from step 2 on. `new_id` yields fresh UUIDs.
pub async fn handle(
    db: &impl Database,
    call: Call<'_>,
    new_id: &mut impl FnMut() -> String,
) -> Outcome {
    match run(db, call, new_id).await {
        Ok(outcome) => outcome,
        Err(Fault::Refused(failure)) => Outcome::failure(&failure),
        Err(Fault::Internal(log)) => Outcome::internal(call.request_id, log),
    }
}

pub(crate) enum Fault {
    Refused(Failure),
    Internal(String),
}

impl From<Failure> for Fault {
    fn from(failure: Failure) -> Self {
        Fault::Refused(failure)
    }
}

pub(crate) fn db_fault(what: &str, error: DbError) -> Fault {
    let detail = match error {
        DbError::Conflict(e) | DbError::Other(e) => e,
    };
    Fault::Internal(format!("{what}: {detail}"))
}

async fn run(
    db: &impl Database,
    call: Call<'_>,
    new_id: &mut impl FnMut() -> String,
) -> Result<Outcome, Fault> {
    let idempotency_key = call
        .idempotency_key
        .map(IdempotencyKey::parse)
        .transpose()?;
    // Step 2 and the read of the body in one pass: the read's lookup keys and the
    // verdict both come from it.
    let body = read_body(call.body)?;
    // Steps 3 and 4 without a round trip when the key cannot match anything.
    if !secrets::has_format(secrets::SecretKind::ApiKey, body.api_key()) {
        return Err(body
            .check(&Definitions::default(), &mut Credentials::default())
            .err()
            .map(Fault::Refused)
            .unwrap_or_else(|| Fault::Internal("a malformed api key passed the checks".into())));
    }
    let key_digest = secrets::digest(body.api_key());
    let secret_digest = secrets::digest(body.developer_secret());
    let probe = Probe::from_draft(body.draft());
    let reads = ReadBatch::new(&key_digest, &secret_digest, body.member_id(), &probe);
    let keyed = match &idempotency_key {
        // Only a keyed request needs the body as a tree: its digest ignores white
        // space and key order. The text was read whole above, so it parses.
        Some(key) => Some(Keyed {
            read: idempotency::read_statement(&key_digest, key, call.now),
            key,
            hash: idempotency::request_hash(
                "single",
                &serde_json::from_str(call.body)
                    .map_err(|e| Fault::Internal(format!("body read twice: {e}")))?,
            ),
        }),
        None => None,
    };
    let mut round_trips = 1;
    let (rows, stored) = read_with(db, reads.all(), keyed.as_ref(), "read").await?;
    let rows = ReadBatch::rows(rows)
        .ok_or_else(|| Fault::Internal("read answered the wrong number of results".into()))?;
    let (mut credentials, definitions) = credentials(rows.credentials, call.client_ip)?;
    let caller = body.authenticate(&mut credentials)?;
    if let Some(limited) = admit(db, &credentials).await? {
        return Err(Fault::Refused(limited));
    }
    // A retry of a request whose answer is stored is answered it again, whatever the
    // checks after authentication would say now; another request under the key is
    // refused at step 13.
    let mut reused = false;
    if let Some(keyed) = &keyed {
        match keyed.verdict(stored)? {
            Verdict::Replay(outcome) => return Ok(outcome),
            Verdict::Reused => reused = true,
            Verdict::Fresh => {}
        }
    }
    // Patterns are compiled only for a caller who passed every credential check.
    let definitions = DEFINITIONS
        .with(|cache| cache.borrow_mut().get(&caller.org_id, &definitions))
        .map_err(|e| Fault::Internal(format!("stored custom field definition: {e}")))?;
    let request = body.into_draft().finish(caller, &definitions)?;
    // A dry run neither stores an answer nor is judged by one.
    if reused && !request.dry_run {
        return Err(Fault::Refused(idempotency::reused()));
    }
    let (crm_mode, api_key_id) = match &credentials.api_key {
        Some(key) => (key.crm_mode, key.api_key_id.clone()),
        None => return Err(Fault::Internal("no api key after authentication".into())),
    };
    // Dry runs store nothing.
    let keyed = keyed.filter(|_| !request.dry_run);
    let mut found = Found {
        contacts: all(rows.contacts)?,
        entities: all(rows.entities)?,
    };
    // The entities the read answered come first in `found.entities`; those a plan
    // fetched by name after it are appended.
    let mut read_entities = found.entities.len();
    let mut fetched_names = probe.entity_name_keys.clone();
    let (contact_id, entity_id) = (new_id(), new_id());
    let ctx = Context {
        crm_mode,
        new_contact_id: &contact_id,
        new_entity_id: &entity_id,
        now: call.now,
        api_key_id: &api_key_id,
    };
    for attempt in 1..=MAX_WRITE_ATTEMPTS {
        let write = loop {
            match decide(&request, &found, &fetched_names, &ctx) {
                Ok(Decision::Write(write)) => break Ok(write),
                Ok(Decision::FetchEntity(key)) => {
                    let statement = read::entity_by_name_statement(&request.org_id, &key);
                    round_trips += 1;
                    let rows = db
                        .batch(&[statement])
                        .await
                        .map_err(|e| db_fault("entity read", e))?;
                    found.entities.extend(all::<StoredEntity>(
                        rows.into_iter().next().unwrap_or_default(),
                    )?);
                    fetched_names.push(key);
                }
                // A refusal of the write step is stored under a key, so it is
                // written as an answer of its own; without a key it is answered now.
                Err(failure) if keyed.is_some() && failure.code != Code::InternalError => {
                    break Err(failure)
                }
                Err(failure) => return Err(failure.into()),
            }
        };
        let (mut statements, outcome) = match &write {
            Ok(write) => {
                let statements = sql::statements(write, &request, &ctx);
                let debug = request.debug.then(|| {
                    json!({
                        "request_id": call.request_id,
                        "d1_round_trips": round_trips + u32::from(!request.dry_run),
                        "write_attempts": attempt,
                        "crm_mode": crm_mode,
                        "mode": request.mode,
                        "lookup_by": request.lookup_by,
                        "statements": statements.len()
                            + keyed.as_ref().map_or(0, |_| idempotency::STORE_STATEMENTS),
                        "normalized": request.to_json(),
                    })
                });
                let outcome = success(success_body(write, request.dry_run, debug));
                if request.dry_run {
                    return Ok(outcome);
                }
                (statements, outcome)
            }
            Err(failure) => (Vec::new(), Outcome::failure(failure)),
        };
        if let Some(keyed) = &keyed {
            statements.extend(idempotency::store_statements(
                &api_key_id,
                keyed.key,
                &keyed.hash,
                &outcome,
                call.now,
            ));
        }
        round_trips += 1;
        match db.batch(&statements).await {
            Ok(_) => return Ok(outcome),
            Err(DbError::Conflict(conflict)) => {
                // Another request wrote first: read the candidates again and re-plan.
                db.pause(attempt + 1).await;
                round_trips += 1;
                let (rows, stored) =
                    read_with(db, reads.candidates(), keyed.as_ref(), "re-read").await?;
                if let Some(keyed) = &keyed {
                    match keyed.verdict(stored)? {
                        Verdict::Replay(outcome) => return Ok(outcome),
                        Verdict::Reused => return Err(Fault::Refused(idempotency::reused())),
                        Verdict::Fresh if idempotency::refused_on_key(&conflict) => {
                            return Err(Fault::Refused(idempotency::in_use()))
                        }
                        Verdict::Fresh => {}
                    }
                }
                let rows = ReadBatch::candidate_rows(rows).ok_or_else(|| {
                    Fault::Internal("re-read answered the wrong number of results".into())
                })?;
                let again = Found {
                    contacts: all(rows.contacts)?,
                    entities: all(rows.entities)?,
                };
                // Nothing the plan read has changed, so planning again would write
                // the same statements into the same conflict: no race to retry.
                if again.contacts == found.contacts
                    && again.entities[..] == found.entities[..read_entities]
                {
                    return Err(unchanged_conflict(&conflict));
                }
                read_entities = again.entities.len();
                found = again;
                fetched_names = probe.entity_name_keys.clone();
            }
            Err(DbError::Other(e)) => return Err(Fault::Internal(format!("write: {e}"))),
        }
    }
    Err(Fault::Internal(format!(
        "write still conflicting after {MAX_WRITE_ATTEMPTS} attempts"
    )))
}

/// A request's `Idempotency-Key`: the key, the read of its stored answer, and the
/// digest of the request it is matched on.
pub(crate) struct Keyed<'a> {
    pub key: &'a IdempotencyKey,
    pub read: Statement,
    pub hash: String,
}

impl Keyed<'_> {
    /// What the stored answer the read found means for this request.
    pub fn verdict(&self, stored: Option<StoredAnswer>) -> Result<Verdict, Fault> {
        idempotency::verdict(stored, &self.hash).map_err(Fault::Internal)
    }
}

/// Runs a read batch, with the read of the request's stored answer after it when the
/// request has an idempotency key; answers the batch's rows and the stored answer.
pub(crate) async fn read_with(
    db: &impl Database,
    statements: &[Statement],
    keyed: Option<&Keyed<'_>>,
    what: &str,
) -> Result<(Vec<Rows>, Option<StoredAnswer>), Fault> {
    let Some(keyed) = keyed else {
        let rows = db.batch(statements).await.map_err(|e| db_fault(what, e))?;
        return Ok((rows, None));
    };
    let mut all_statements = statements.to_vec();
    all_statements.push(keyed.read.clone());
    let mut rows = db
        .batch(&all_statements)
        .await
        .map_err(|e| db_fault(what, e))?;
    let stored = rows.pop().unwrap_or_default();
    let stored = all::<StoredAnswer>(stored)?.into_iter().next();
    Ok((rows, stored))
}

/// The rate limit of the authenticated caller's api key.
pub(crate) async fn admit(
    db: &impl Database,
    credentials: &Credentials,
) -> Result<Option<Failure>, Fault> {
    match &credentials.api_key {
        Some(key) => Ok(db.admit(&key.api_key_id).await),
        None => Err(Fault::Internal("no api key after authentication".into())),
    }
}

/// The answer to a write refused by a constraint although nothing it was planned
/// from changed. The e-mail index refusing it means a contact holds the address
/// though the read could not find it: the request's true answer is that the
/// contact exists.
fn unchanged_conflict(conflict: &str) -> Fault {
    if conflict.contains("contacts.email_key") {
        Fault::Refused(Failure::at(
            Code::ContactExists,
            "Contact already exists",
            crate::validate::problem::Problem::new(
                "contact.primaryEmail",
                ProblemCode::ContactExists,
                "a contact with this primaryEmail already exists",
            ),
        ))
    } else {
        Fault::Internal(format!(
            "write refused by a constraint with nothing changed: {conflict}"
        ))
    }
}

pub(crate) fn success(body: Value) -> Outcome {
    Outcome {
        status: 200,
        body,
        log: None,
        replayed: false,
    }
}

pub(crate) fn all<T: DeserializeOwned>(rows: Rows) -> Result<Vec<T>, Fault> {
    rows.into_iter()
        .map(|row| {
            serde_json::from_value(Value::Object(normalize_row(row)))
                .map_err(|e| Fault::Internal(format!("unexpected row: {e}")))
        })
        .collect()
}

/// SQLite has no boolean: `active` columns come back as 0 or 1.
fn normalize_row(mut row: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in row.iter_mut() {
        if key.ends_with("active") {
            if let Some(n) = value.as_i64() {
                *value = Value::Bool(n != 0);
            }
        }
    }
    row
}

/// The credentials row: the api key, and beside it the developer key matched by the
/// secret, whether the acting member is active, and the custom field definitions as
/// stored (a JSON array, compiled only once the caller is authenticated).
/// No row: the api key matches nothing.
pub(crate) fn credentials(
    rows: Rows,
    client_ip: Option<&str>,
) -> Result<(Credentials, String), Fault> {
    let mut credentials = Credentials {
        client_ip: client_ip.map(str::to_string),
        ..Credentials::default()
    };
    let Some(row) = rows.into_iter().next().map(normalize_row) else {
        return Ok((credentials, "[]".into()));
    };
    let unexpected =
        |e: serde_json::Error| Fault::Internal(format!("unexpected credentials row: {e}"));
    credentials.member_active = row.get("acting_member_active").and_then(Value::as_bool);
    if let Some(text) = row.get("developer_key").and_then(Value::as_str) {
        let key: Map<String, Value> = serde_json::from_str(text).map_err(unexpected)?;
        credentials.developer_key = Some(
            serde_json::from_value::<DeveloperKeyRecord>(Value::Object(normalize_row(key)))
                .map_err(unexpected)?,
        );
    }
    let definitions = row
        .get("definitions")
        .and_then(Value::as_str)
        .unwrap_or("[]")
        .to_string();
    credentials.api_key =
        Some(serde_json::from_value::<ApiKeyRecord>(Value::Object(row)).map_err(unexpected)?);
    Ok((credentials, definitions))
}

/// Organizations whose compiled definitions one isolate keeps.
const CACHED_ORGANIZATIONS: usize = 64;

thread_local! {
    /// One per isolate in the Worker (one thread each), one per thread natively.
    pub(crate) static DEFINITIONS: RefCell<DefinitionsCache> =
        RefCell::new(DefinitionsCache::new(CACHED_ORGANIZATIONS));
}

/// How many times this thread (an isolate, in the Worker) compiled custom field
/// definitions: once per organization and version of its definitions.
pub fn definitions_compiled() -> u64 {
    DEFINITIONS.with(|cache| cache.borrow().compiled())
}

/// The success body of the contract; a dry run says what would happen.
pub(crate) fn success_body(plan: &WritePlan, dry_run: bool, debug: Option<Value>) -> Value {
    let (action, message) = match (plan.action, dry_run) {
        (Action::Created, false) => ("created", "Contact created successfully"),
        (Action::Updated, false) => ("updated", "Contact updated successfully"),
        (Action::Created, true) => (
            "would_create",
            "Dry run: the contact would be created; nothing was written",
        ),
        (Action::Updated, true) => (
            "would_update",
            "Dry run: the contact would be updated; nothing was written",
        ),
    };
    // Ids of rows a dry run did not create do not exist: they are reported as null.
    let contact_id = match (dry_run, plan.action) {
        (true, Action::Created) => Value::Null,
        _ => plan.contact_id.clone().into(),
    };
    let entity_id = match (dry_run, plan.entity_action) {
        (true, EntityAction::Created) => Value::Null,
        _ => plan
            .entity_id
            .clone()
            .map(Value::from)
            .unwrap_or(Value::Null),
    };
    let mut data = Map::new();
    data.insert("action".into(), action.into());
    data.insert("message".into(), message.into());
    data.insert("entity_id".into(), entity_id);
    data.insert("contact_id".into(), contact_id);
    data.insert("entity_action".into(), json!(plan.entity_action));
    if let Some(debug) = debug {
        data.insert("debug".into(), debug);
    }
    json!({"data": data, "status": "success"})
}
