//! The batch endpoint, `POST …/addContactsFull/batch`: up to [`MAX_ITEMS`] contacts in
//! one request, each checked and written as the single endpoint would, in one read
//! round trip and one write batch.
//!
//! The whole request is refused as the single endpoint refuses one (transport,
//! credentials, address, organization, member) before any item is looked at; then
//! `items` must be an array of 1–100 objects (`INVALID_ITEMS`) and the batch's own
//! options valid. Each item is then checked (steps 10–12) and planned (step 13) in
//! input order, on the rows the read found with the plans of the items before it
//! applied ([`crate::store::state`]), so that two items naming one contact or one
//! entity are a create and an update of one row. Every planned item goes into one D1
//! batch: guards for the stored rows read, the writes in input order. A batch that
//! loses a race is read, planned and written again as a whole.
//!
//! The answer is 200 when every item succeeded, else 207, with a result per item in
//! input order; an item's error is the single endpoint's error body, paths prefixed
//! `items[i].`. With `all_or_none`, one failing item means nothing is written and the
//! items that would have succeeded answer `BATCH_ROLLED_BACK`.

use crate::auth::gate::{Credentials, Gate};
use crate::auth::secrets;
use crate::endpoint::{
    self, admit, all, credentials, db_fault, read_with, success_body, Call, Database, DbError,
    Fault, Keyed, Outcome, Rows, DEFINITIONS,
};
use crate::store::idempotency::{self, IdempotencyKey, Verdict};
use crate::store::read::{Found, Probe, StoredEntity};
use crate::store::read_many::{entities_by_name_statement, Keys, ManyRead};
use crate::store::{decide, sql, state, Action, Context, Decision, Statement, WritePlan};
use crate::validate::problem::{Code, Failure, Problem, ProblemCode};
use crate::validate::read::unknown_key;
use crate::validate::{self as checks, parse, type_name, Caller, Draft};
use crate::ContactRequest;
use serde_json::{json, Map, Value};

/// The batch endpoint's path.
pub const PATH: &str = "/apis/v2/public/crm/addContactsFull/batch";

/// Largest batch body, in bytes.
pub const MAX_BATCH_BODY_BYTES: usize = 1024 * 1024;

/// The most items one batch holds.
pub const MAX_ITEMS: usize = 100;

/// The top-level keys of a batch: the single request's, with `items` and
/// `all_or_none` in place of `contact` and `entity`.
pub const BATCH_KEYS: [&str; 11] = [
    "api_key",
    "developer_secret",
    "org_id",
    "member_id",
    "mode",
    "lookup_by",
    "skip_entity",
    "items",
    "all_or_none",
    "debug",
    "dry_run",
];

/// The keys of one item.
pub const ITEM_KEYS: [&str; 2] = ["contact", "entity"];

/// The options every item takes from the top level.
const ITEM_OPTIONS: [&str; 5] = ["mode", "lookup_by", "skip_entity", "debug", "dry_run"];

/// The keys steps 3–9 read.
const CREDENTIAL_KEYS: [&str; 4] = ["api_key", "developer_secret", "org_id", "member_id"];

/// The most problems one item's error lists in a batch answer; the rest are counted
/// in its `errors_omitted`, and its message still says how many there are in all.
/// A single answer lists up to [`crate::validate::problem::MAX_LISTED_PROBLEMS`]; a
/// batch answer has up to 100 of them, and must stay small too.
pub const MAX_LISTED_PROBLEMS_PER_ITEM: usize = 10;

/// The statements one Worker invocation may run on D1; a batch that would need more
/// to retry a lost race stops.
pub const MAX_STATEMENTS: usize = 1000;

/// Steps 1 and 2 before the body is read, with the batch's size limit.
pub fn preflight(
    method: &str,
    content_type: Option<&str>,
    content_length: Option<u64>,
) -> Result<(), Failure> {
    endpoint::preflight(method, content_type, None)?;
    match content_length {
        Some(len) if len > MAX_BATCH_BODY_BYTES as u64 => {
            Err(too_large(Some(usize::try_from(len).unwrap_or(usize::MAX))))
        }
        _ => Ok(()),
    }
}

/// The `PAYLOAD_TOO_LARGE` failure of a batch body of `len` bytes; `None` for a body
/// read as a stream and refused as soon as it passed the limit.
pub fn too_large(len: Option<usize>) -> Failure {
    let message = match len {
        Some(len) => format!(
            "The request body is {len} bytes; the limit of a batch is {MAX_BATCH_BODY_BYTES} bytes (1 MiB)"
        ),
        None => format!(
            "The request body is larger than the limit of a batch, {MAX_BATCH_BODY_BYTES} bytes (1 MiB)"
        ),
    };
    Failure::new(Code::PayloadTooLarge, message)
}

/// The body bytes as text: too large is `PAYLOAD_TOO_LARGE`, not UTF-8 is
/// `INVALID_JSON`.
pub fn body_text(bytes: &[u8]) -> Result<&str, Failure> {
    if bytes.len() > MAX_BATCH_BODY_BYTES {
        return Err(too_large(Some(bytes.len())));
    }
    std::str::from_utf8(bytes)
        .map_err(|_| Failure::new(Code::InvalidJson, "The request body is not valid UTF-8"))
}

/// Step 2 on the batch body's text: a JSON object with no key twice, at most
/// [`MAX_BATCH_BODY_BYTES`].
pub fn parse(text: &str) -> Result<Value, Failure> {
    if text.len() > MAX_BATCH_BODY_BYTES {
        return Err(too_large(Some(text.len())));
    }
    // The single endpoint's parser and messages, with the batch's own size limit.
    let value = crate::json::from_str(text).map_err(parse::invalid_json)?;
    if !value.is_object() {
        return Err(parse::not_an_object());
    }
    Ok(value)
}

/// Step 10 of a batch: `items` is an array of 1–[`MAX_ITEMS`] objects.
pub fn items(items: Option<&Value>) -> Result<&Vec<Value>, Failure> {
    let invalid = |message: String| Failure::new(Code::InvalidItems, message);
    match items {
        None | Some(Value::Null) => Err(invalid(
            "items is required: an array of 1 to 100 objects {contact, entity?}".into(),
        )),
        Some(Value::Array(list)) if list.is_empty() => {
            Err(invalid("items is empty; send 1 to 100 items".into()))
        }
        Some(Value::Array(list)) if list.len() > MAX_ITEMS => Err(invalid(format!(
            "items holds {} items; a batch holds at most {MAX_ITEMS}",
            list.len()
        ))),
        Some(Value::Array(list)) => match list.iter().position(|item| !item.is_object()) {
            Some(i) => Err(Failure::at(
                Code::InvalidItems,
                format!(
                    "items[{i}] is not an object; every item is an object {{contact, entity?}}"
                ),
                Problem::new(
                    format!("items[{i}]"),
                    ProblemCode::InvalidType,
                    format!("must be an object, not {}", type_name(&list[i])),
                ),
            )),
            None => Ok(list),
        },
        Some(other) => Err(invalid(format!(
            "items must be an array of 1 to 100 objects, not {}",
            type_name(other)
        ))),
    }
}

/// Every check of a batch that needs no database, in order, on a parsed body: steps
/// 3–9 through the [`Gate`], `items`, the batch's own options, then each item's
/// verdict (steps 10–12), its failure's paths prefixed `items[i].`. The browser module
/// runs it with [`crate::auth::gate::Offline`]; the Worker's flow ([`handle`]) runs the
/// same steps on the rows of its read.
pub fn check(
    body: &Value,
    definitions: &crate::custom::Definitions,
    gate: &mut impl Gate,
) -> Result<Vec<Result<ContactRequest, Failure>>, Failure> {
    let caller = authenticate(body, gate)?;
    let list = items(body.get("items"))?;
    options(body, &caller)?;
    Ok(list
        .iter()
        .enumerate()
        .map(|(index, item)| {
            verdict(read_item(body, item), caller.clone(), definitions)
                .map_err(|failure| at_item(index, failure))
        })
        .collect())
}

/// Handles a batch body from step 2 on. `new_id` yields fresh UUIDs.
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

/// One item as read before the checks: its draft, and the problems with its own keys.
struct ItemDraft {
    draft: Draft,
    problems: Vec<Problem>,
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
    let body = parse(call.body)?;
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
    };
    let api_key = text("api_key");
    if !secrets::has_format(secrets::SecretKind::ApiKey, api_key) {
        return Err(authenticate(&body, &mut Credentials::default())
            .err()
            .map(Fault::Refused)
            .unwrap_or_else(|| Fault::Internal("a malformed api key passed the checks".into())));
    }
    // Every item read once, before the read: the read's keys come from the drafts.
    let listed = items(body.get("items"));
    let drafts: Vec<ItemDraft> = match &listed {
        Ok(list) => list.iter().map(|item| read_item(&body, item)).collect(),
        Err(_) => Vec::new(),
    };
    let mut keys = Keys::default();
    for item in &drafts {
        keys.add(&Probe::from_draft(&item.draft));
    }
    let key_digest = secrets::digest(api_key);
    let keyed = idempotency_key.as_ref().map(|key| Keyed {
        read: idempotency::read_statement(&key_digest, key, call.now),
        key,
        hash: idempotency::request_hash("batch", &body),
    });
    let reads = ManyRead::new(
        &key_digest,
        &secrets::digest(text("developer_secret")),
        text("member_id"),
        &keys,
    );
    let mut round_trips = 1;
    let mut executed = reads.all().len() + usize::from(keyed.is_some());
    let (rows, stored) = read_with(db, reads.all(), keyed.as_ref(), "read").await?;
    let [credential_rows, contact_rows, entity_rows] = <[Rows; 3]>::try_from(rows)
        .map_err(|_| Fault::Internal("read answered the wrong number of results".into()))?;
    let (mut credentials, definitions) = credentials(credential_rows, call.client_ip)?;
    let caller = authenticate(&body, &mut credentials)?;
    if let Some(limited) = admit(db, &credentials).await? {
        return Err(Fault::Refused(limited));
    }
    // A retry of a batch whose answer is stored is answered it again.
    let mut reused = false;
    if let Some(keyed) = &keyed {
        match keyed.verdict(stored)? {
            Verdict::Replay(outcome) => return Ok(outcome),
            Verdict::Reused => reused = true,
            Verdict::Fresh => {}
        }
    }
    listed?;
    let options = options(&body, &caller)?;
    if reused && !options.dry_run {
        return Err(Fault::Refused(idempotency::reused()));
    }
    // Dry runs store nothing.
    let keyed = keyed.filter(|_| !options.dry_run);
    let definitions = DEFINITIONS
        .with(|cache| cache.borrow_mut().get(&caller.org_id, &definitions))
        .map_err(|e| Fault::Internal(format!("stored custom field definition: {e}")))?;
    let (crm_mode, api_key_id) = match &credentials.api_key {
        Some(key) => (key.crm_mode, key.api_key_id.clone()),
        None => return Err(Fault::Internal("no api key after authentication".into())),
    };
    let verdicts: Vec<Result<ContactRequest, Failure>> = drafts
        .into_iter()
        .map(|item| verdict(item, caller.clone(), &definitions))
        .collect();
    let ids: Vec<(String, String)> = verdicts.iter().map(|_| (new_id(), new_id())).collect();
    let contexts: Vec<Context> = ids
        .iter()
        .map(|(contact_id, entity_id)| Context {
            crm_mode,
            new_contact_id: contact_id,
            new_entity_id: entity_id,
            now: call.now,
            api_key_id: &api_key_id,
        })
        .collect();
    let mut found = Found {
        contacts: all(contact_rows)?,
        entities: all(entity_rows)?,
    };
    // The entities the read answered come first; those fetched by name are appended.
    let mut read_entities = found.entities.len();
    let mut fetched_names = keys.entity_name_keys.clone();
    // Each lost race means another request wrote first, so the loop makes progress;
    // what bounds it is D1's statements per invocation, which a batch of many
    // items reaches sooner than a single request's attempts.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let plans = loop {
            match plan_all(&verdicts, &found, &fetched_names, &contexts)? {
                Pass::Planned(plans) => break plans,
                Pass::Fetch(names) => {
                    let statement = entities_by_name_statement(&caller.org_id, &names);
                    round_trips += 1;
                    executed += 1;
                    let rows = db
                        .batch(&[statement])
                        .await
                        .map_err(|e| db_fault("entity read", e))?;
                    found.entities.extend(all::<StoredEntity>(
                        rows.into_iter().next().unwrap_or_default(),
                    )?);
                    fetched_names.extend(names);
                }
            }
        };
        let rolled_back = options.all_or_none && plans.iter().any(Result::is_err);
        let mut statements = if rolled_back {
            Vec::new()
        } else {
            write_statements(&plans, &verdicts, &contexts, &caller.org_id, &ids)
        };
        // Under an idempotency key the answer is stored even when nothing else is written.
        let write = !options.dry_run && (!statements.is_empty() || keyed.is_some());
        let debug = options.debug.then(|| {
            json!({
                "request_id": call.request_id,
                "d1_round_trips": round_trips + u32::from(write),
                "write_attempts": attempt,
                "crm_mode": crm_mode,
                "items": verdicts.len(),
                "read_statements": reads.all().len(),
                "statements": statements.len()
                    + keyed.as_ref().map_or(0, |_| idempotency::STORE_STATEMENTS),
            })
        });
        let outcome = answer(&plans, &ids, &options, rolled_back, debug);
        if !write {
            return Ok(outcome);
        }
        if let Some(keyed) = &keyed {
            statements.extend(idempotency::store_statements(
                &api_key_id,
                keyed.key,
                &keyed.hash,
                &outcome,
                call.now,
            ));
        }
        if executed + statements.len() + reads.candidates().len() > MAX_STATEMENTS {
            return Err(Fault::Internal(format!(
                "batch write still conflicting after {} attempts: another would run more \
                 than {MAX_STATEMENTS} statements",
                attempt - 1
            )));
        }
        round_trips += 1;
        executed += statements.len();
        match db.batch(&statements).await {
            Ok(_) => return Ok(outcome),
            Err(DbError::Conflict(conflict)) => {
                // Another request wrote first: read the candidates again and re-plan.
                db.pause(attempt + 1).await;
                round_trips += 1;
                executed += reads.candidates().len() + usize::from(keyed.is_some());
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
                let [contacts, entities] = <[Rows; 2]>::try_from(rows).map_err(|_| {
                    Fault::Internal("re-read answered the wrong number of results".into())
                })?;
                let again = Found {
                    contacts: all(contacts)?,
                    entities: all(entities)?,
                };
                // Nothing the plans read has changed: planning again would write the
                // same statements into the same conflict.
                if again.contacts == found.contacts
                    && again.entities[..] == found.entities[..read_entities]
                {
                    return Err(Fault::Internal(format!(
                        "batch write refused by a constraint with nothing changed: {conflict}"
                    )));
                }
                read_entities = again.entities.len();
                found = again;
                fetched_names = keys.entity_name_keys.clone();
            }
            Err(DbError::Other(e)) => return Err(Fault::Internal(format!("write: {e}"))),
        }
    }
}

/// Steps 3–9 on a batch body, read from its credentials alone (a body that is not an
/// object is read whole, and refused as the single endpoint refuses one).
fn authenticate(body: &Value, gate: &mut impl Gate) -> Result<Caller, Failure> {
    match body.as_object() {
        Some(object) => checks::authenticate(&Value::Object(only(object, &CREDENTIAL_KEYS)), gate),
        None => checks::authenticate(body, gate),
    }
}

/// The entries of `object` under `keys`, as a map of their own.
fn only(object: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    let mut map = Map::new();
    for key in keys {
        if let Some(value) = object.get(*key) {
            map.insert(key.to_string(), value.clone());
        }
    }
    map
}

/// The batch's own options, once the caller is authenticated: unknown top-level keys
/// and bad options refuse the whole batch with `VALIDATION_ERROR`, as the single
/// endpoint refuses a request.
struct Options {
    all_or_none: bool,
    debug: bool,
    dry_run: bool,
}

fn options(body: &Value, caller: &Caller) -> Result<Options, Failure> {
    let empty = Map::new();
    let body = body.as_object().unwrap_or(&empty);
    let mut problems: Vec<Problem> = body
        .keys()
        .filter(|key| !BATCH_KEYS.contains(&key.as_str()))
        .map(|key| unknown_key("", key, BATCH_KEYS))
        .collect();
    // The options read as the single endpoint reads them, with an empty contact whose
    // own problems are not the batch's.
    let mut only_options = only(body, &ITEM_OPTIONS);
    only_options.insert("contact".into(), Value::Object(Map::new()));
    let only_options = Value::Object(only_options);
    if let Err(failure) =
        Draft::new(&only_options).finish(caller.clone(), &crate::custom::Definitions::default())
    {
        problems.extend(
            failure
                .problems
                .into_iter()
                .filter(|p| p.path != "contact" && !p.path.starts_with("contact.")),
        );
    }
    let flag = |key: &'static str, problems: &mut Vec<Problem>| match body.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            if key == "all_or_none" {
                problems.push(Problem::new(
                    key,
                    ProblemCode::InvalidType,
                    format!("must be true or false, not {}", type_name(other)),
                ));
            }
            false
        }
    };
    let options = Options {
        all_or_none: flag("all_or_none", &mut problems),
        debug: flag("debug", &mut problems),
        dry_run: flag("dry_run", &mut problems),
    };
    if problems.is_empty() {
        Ok(options)
    } else {
        Err(Failure::from_problems(problems))
    }
}

/// Reads one item (an object: [`items`] checked that) with the batch's options.
fn read_item(body: &Value, item: &Value) -> ItemDraft {
    let empty = Map::new();
    let body = body.as_object().unwrap_or(&empty);
    let item = item.as_object().unwrap_or(&empty);
    let problems = item
        .keys()
        .filter(|key| !ITEM_KEYS.contains(&key.as_str()))
        .map(|key| unknown_key("", key, ITEM_KEYS))
        .collect();
    let mut request = only(body, &ITEM_OPTIONS);
    for key in ITEM_KEYS {
        if let Some(value) = item.get(key) {
            request.insert(key.into(), value.clone());
        }
    }
    ItemDraft {
        draft: Draft::new(&Value::Object(request)),
        problems,
    }
}

/// Steps 10–12 for one item, its own unknown keys among the step 11 problems.
fn verdict(
    item: ItemDraft,
    caller: Caller,
    definitions: &crate::custom::Definitions,
) -> Result<ContactRequest, Failure> {
    let extra = item.problems;
    match item.draft.finish(caller, definitions) {
        Ok(request) if extra.is_empty() => Ok(request),
        Ok(_) => Err(Failure::from_problems(extra)),
        Err(failure) if extra.is_empty() || failure.code == Code::MissingContact => Err(failure),
        Err(failure) => {
            let mut problems = extra;
            problems.extend(failure.problems);
            Err(Failure::from_problems(problems))
        }
    }
}

enum Pass {
    /// Every item's plan or failure, in input order.
    Planned(Vec<Result<WritePlan, Failure>>),
    /// Entities to read by name before planning again.
    Fetch(Vec<String>),
}

/// Plans every item in order, each on the rows the earlier plans leave. When plans
/// need entities the read could not know to fetch, the pass goes on as if they were
/// absent, to collect every such name for one read, and is then planned again.
fn plan_all(
    verdicts: &[Result<ContactRequest, Failure>],
    found: &Found,
    fetched_names: &[String],
    contexts: &[Context],
) -> Result<Pass, Fault> {
    let mut rows = found.clone();
    let mut fetched = fetched_names.to_vec();
    let mut wanted = Vec::new();
    let mut plans = Vec::with_capacity(verdicts.len());
    for (verdict, ctx) in verdicts.iter().zip(contexts) {
        let request = match verdict {
            Ok(request) => request,
            Err(failure) => {
                plans.push(Err(failure.clone()));
                continue;
            }
        };
        let decision = loop {
            match decide(request, &rows, &fetched, ctx) {
                Ok(Decision::FetchEntity(key)) => {
                    fetched.push(key.clone());
                    wanted.push(key);
                }
                Ok(Decision::Write(plan)) => break Ok(plan),
                Err(failure) if failure.code == Code::InternalError => {
                    return Err(Fault::Internal(format!("planning: {}", failure.message)));
                }
                Err(failure) => break Err(failure),
            }
        };
        if let Ok(plan) = &decision {
            state::apply(&mut rows, plan, request, ctx);
        }
        plans.push(decision);
    }
    Ok(if wanted.is_empty() {
        Pass::Planned(plans)
    } else {
        Pass::Fetch(wanted)
    })
}

/// The write batch: one guard per table for every stored row the plans change (with
/// the version the read found: the first plan to change a row is the one that read
/// it), every item's writes in input order, and the guard rows deleted again.
fn write_statements(
    plans: &[Result<WritePlan, Failure>],
    verdicts: &[Result<ContactRequest, Failure>],
    contexts: &[Context],
    org_id: &str,
    ids: &[(String, String)],
) -> Vec<Statement> {
    let created = |id: &str| ids.iter().any(|(c, e)| c == id || e == id);
    let mut guarded: Vec<(&'static str, &str, i64)> = Vec::new();
    let mut writes = Vec::new();
    for ((plan, verdict), ctx) in plans.iter().zip(verdicts).zip(contexts) {
        let (Ok(plan), Ok(request)) = (plan, verdict) else {
            continue;
        };
        for (table, id, version) in sql::read_versions(plan) {
            if !created(id) && !guarded.iter().any(|(t, i, _)| *t == table && *i == id) {
                guarded.push((table, id, version));
            }
        }
        writes.extend(sql::writes(plan, request, ctx));
    }
    let mut statements = Vec::new();
    for table in ["entities", "contacts"] {
        let rows: Vec<(&str, i64)> = guarded
            .iter()
            .filter(|(t, _, _)| *t == table)
            .map(|(_, id, version)| (*id, *version))
            .collect();
        if !rows.is_empty() {
            statements.push(sql::guard_many(table, org_id, &rows));
        }
    }
    let any_guard = !statements.is_empty();
    statements.extend(writes);
    if any_guard {
        statements.push(sql::clear_guards());
    }
    statements
}

/// The answer: 200 when every item succeeded, else 207; a result per item in input
/// order and the counts.
fn answer(
    plans: &[Result<WritePlan, Failure>],
    ids: &[(String, String)],
    options: &Options,
    rolled_back: bool,
    debug: Option<Value>,
) -> Outcome {
    let (mut created, mut updated, mut failed) = (0, 0, 0);
    let results: Vec<Value> = plans
        .iter()
        .enumerate()
        .map(|(index, plan)| match plan {
            Ok(_) if rolled_back => {
                failed += 1;
                let failure = Failure::new(
                    Code::BatchRolledBack,
                    "Not written: another item of this all_or_none batch failed",
                );
                item_error(index, &failure)
            }
            Ok(plan) => {
                match plan.action {
                    Action::Created => created += 1,
                    Action::Updated => updated += 1,
                }
                let mut data = success_body(plan, options.dry_run, None)["data"].take();
                if options.dry_run {
                    // Rows an earlier item of a dry run would create do not exist either.
                    for key in ["contact_id", "entity_id"] {
                        let made = data[key]
                            .as_str()
                            .is_some_and(|id| ids.iter().any(|(c, e)| c == id || e == id));
                        if made {
                            data[key] = Value::Null;
                        }
                    }
                }
                json!({"index": index, "status": "success", "data": data})
            }
            Err(failure) => {
                failed += 1;
                item_error(index, failure)
            }
        })
        .collect();
    let status = match (failed, plans.len()) {
        (0, _) => "success",
        (f, n) if f == n => "error",
        _ => "partial",
    };
    let mut body = json!({
        "status": status,
        "summary": {"created": created, "updated": updated, "failed": failed},
        "results": results,
    });
    if let Some(debug) = debug {
        body["debug"] = debug;
    }
    Outcome {
        status: if failed == 0 { 200 } else { 207 },
        body,
        log: None,
        replayed: false,
    }
}

/// An item's error: the single endpoint's error body for it, its paths and lines
/// prefixed `items[i].`, with the item's index first.
fn item_error(index: usize, failure: &Failure) -> Value {
    let failure = at_item(index, failure.clone());
    let mut body = Map::new();
    body.insert("index".into(), index.into());
    if let Value::Object(rest) = failure.to_json() {
        body.extend(rest);
    }
    Value::Object(body)
}

/// A failure of item `index` as the batch reports it: every problem's path prefixed
/// `items[index].`, the summary message of a validation failure made again from them,
/// and at most [`MAX_LISTED_PROBLEMS_PER_ITEM`] problems listed.
pub fn at_item(index: usize, failure: Failure) -> Failure {
    let mut failure = prefixed(index, failure);
    if failure.problems.len() > MAX_LISTED_PROBLEMS_PER_ITEM {
        failure.omitted += failure.problems.len() - MAX_LISTED_PROBLEMS_PER_ITEM;
        failure.problems.truncate(MAX_LISTED_PROBLEMS_PER_ITEM);
    }
    failure
}

fn prefixed(index: usize, failure: Failure) -> Failure {
    let prefix = format!("items[{index}].");
    let problems: Vec<Problem> = failure
        .problems
        .into_iter()
        .map(|mut problem| {
            problem.path.insert_str(0, &prefix);
            problem
        })
        .collect();
    match failure.code {
        Code::ValidationError | Code::CustomFieldError => {
            let listed = problems.len();
            let mut again = Failure::from_problems(problems);
            if failure.omitted > 0 {
                again.omitted = failure.omitted;
                again.message = again.message.replace(
                    &format!("… {listed} problems in all"),
                    &format!("… {} problems in all", listed + failure.omitted),
                );
            }
            again.extra = failure.extra;
            again
        }
        _ => Failure {
            problems,
            ..failure
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch body larger than a single request's limit fails to parse with the
    /// messages a small one gets.
    #[test]
    fn a_large_body_that_does_not_parse_has_the_single_endpoints_messages() {
        let padding = "x".repeat(crate::validate::request::MAX_BODY_BYTES);
        let message = |text: &str| parse(text).unwrap_err().message;
        for (small, large) in [
            ("{\"a\":1", format!("{{\"pad\":\"{padding}\",\"a\":1")),
            (
                "{\"a\":1,\"a\":2}",
                format!("{{\"pad\":\"{padding}\",\"a\":1,\"a\":2}}"),
            ),
            ("{\"a\":1,}", format!("{{\"pad\":\"{padding}\",\"a\":1,}}")),
            ("[]", format!("[\"{padding}\"]")),
        ] {
            assert!(large.len() > crate::validate::request::MAX_BODY_BYTES);
            let (small, large) = (message(small), message(&large));
            // The same message, but for the column of the fault.
            let column = |m: &str| {
                m.rsplit_once(" column ")
                    .map_or(m.to_string(), |(head, _)| head.to_string())
            };
            assert_eq!(column(&large), column(&small), "{large}");
        }
        assert_eq!(
            message(&format!("{{\"pad\":\"{padding}\",\"a\":1")),
            format!(
                "The request body is not valid JSON: unexpected end of input at line 1 column {}",
                padding.len() + 15
            )
        );
        assert_eq!(
            message(&format!("{{\"pad\":\"{padding}\",\"a\":1,\"a\":2}}")),
            format!(
                "The request body is not valid JSON: duplicate key \"a\" at line 1 column {}",
                padding.len() + 19
            )
        );
        assert_eq!(
            message(&format!("{}{}", "[".repeat(200_000), "]".repeat(200_000))),
            "The request body is not valid JSON: nesting is too deep"
        );
    }

    #[test]
    fn items_must_be_an_array_of_one_to_a_hundred_objects() {
        let code = |v: Value| items(Some(&v)).err().map(|f| (f.code, f.message));
        assert_eq!(
            items(None).unwrap_err().message,
            "items is required: an array of 1 to 100 objects {contact, entity?}"
        );
        assert_eq!(
            code(json!([])),
            Some((
                Code::InvalidItems,
                "items is empty; send 1 to 100 items".into()
            ))
        );
        assert_eq!(
            code(json!({"contact": {}})),
            Some((
                Code::InvalidItems,
                "items must be an array of 1 to 100 objects, not an object".into()
            ))
        );
        let many = Value::Array(vec![json!({}); 101]);
        assert_eq!(
            code(many),
            Some((
                Code::InvalidItems,
                "items holds 101 items; a batch holds at most 100".into()
            ))
        );
        let failure = items(Some(&json!([{}, 3]))).unwrap_err();
        assert_eq!(failure.problems[0].path, "items[1]");
        assert_eq!(
            failure.problems[0].message,
            "must be an object, not a number"
        );
        assert_eq!(
            items(Some(&Value::Array(vec![json!({}); 100])))
                .unwrap()
                .len(),
            100
        );
    }

    #[test]
    fn an_items_failure_has_its_paths_and_lines_prefixed() {
        let failure = Failure::from_problems(vec![Problem::new(
            "contact.primaryEmail",
            ProblemCode::InvalidEmail,
            "not a valid e-mail address",
        )]);
        let body = at_item(3, failure).to_json();
        assert_eq!(
            body,
            json!({
                "status": "error",
                "code": "VALIDATION_ERROR",
                "message": "Contact validation errors: items[3].contact.primaryEmail: not a valid e-mail address",
                "data": ["items[3].contact.primaryEmail: not a valid e-mail address"],
                "errors": [{"path": "items[3].contact.primaryEmail", "code": "invalid_email", "message": "not a valid e-mail address"}],
            })
        );
    }

    #[test]
    fn an_items_failure_lists_ten_problems_and_counts_the_rest() {
        let problems: Vec<Problem> = (0..60)
            .map(|i| {
                Problem::new(
                    format!("contact.k{i}"),
                    ProblemCode::UnknownField,
                    "unknown field",
                )
            })
            .collect();
        let failure = at_item(0, Failure::from_problems(problems));
        assert_eq!(failure.problems.len(), MAX_LISTED_PROBLEMS_PER_ITEM);
        assert_eq!(failure.omitted, 50);
        assert!(
            failure.message.ends_with("… 60 problems in all"),
            "{}",
            failure.message
        );
        assert_eq!(failure.problems[9].path, "items[0].contact.k9");
        assert_eq!(failure.data().len(), 10);
    }
}
