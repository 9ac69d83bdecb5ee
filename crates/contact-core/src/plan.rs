//! The write, decided here and only executed by the Worker: which contact a request
//! matches, whether it is created or updated, what happens to its entity, and the SQL
//! of one atomic D1 batch. The SQL that reads what these decisions need is here too,
//! so that both run natively against SQLite in the tests.
//!
//! A plan is made from rows read in an earlier round trip, so it carries guards: a
//! write that finds a row changed since it was read fails as a whole (a `CHECK` on
//! `write_guards`, or the unique e-mail and entity-name indexes), and the caller reads
//! again and plans again. That is what keeps concurrent upserts of one e-mail to one
//! contact, without interactive transactions.

use crate::fields::{self, Rule};
use crate::gate::CrmMode;
use crate::problem::{Code, Failure, Problem, ProblemCode};
use crate::request::{Change, ContactRequest, LookupBy, Mode, Record};
use crate::rules::{email, phone, text};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One SQL statement with its positional parameters (`?1`, `?2`, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
}

impl Statement {
    fn new(sql: impl Into<String>, params: Vec<Value>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// The keys a request may be matched on, read from the raw body before validation
/// so that the one read round trip can fetch everything. The normalization is the
/// same one validation applies, so a valid request's keys are these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub contact_id: Option<String>,
    /// Entity names the request may link: `entity.name` and the name an entity
    /// made from the contact would get.
    pub entity_name_keys: Vec<String>,
}

impl Probe {
    pub fn from_body(body: &Value) -> Probe {
        let contact = body.get("contact");
        let mut entity_name_keys = Vec::new();
        if let Some(name) = text(body.get("entity"), "name") {
            entity_name_keys.push(name_key(name));
        }
        if let Some(first) = text(contact, "firstName") {
            let name = entity_name_for(first, text(contact, "lastName"));
            entity_name_keys.push(name_key(&name));
        }
        Probe {
            email_key: text(contact, "primaryEmail").map(email::lookup_key),
            phone_key: text(contact, "primaryPhone").map(phone::lookup_key),
            contact_id: text(contact, "id").map(str::to_ascii_lowercase),
            entity_name_keys,
        }
    }
}

/// A trimmed, non-empty string member of an optional object.
fn text<'a>(object: Option<&'a Value>, key: &str) -> Option<&'a str> {
    object
        .and_then(|o| o.get(key))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The key an entity is found by: its name trimmed and lower-cased, without the
/// characters that show as nothing ([`text::is_invisible`]), so that two names that
/// look the same are one company. The stored name stays as sent.
///
/// ```
/// use contact_core::plan::name_key;
/// assert_eq!(name_key(" Acme\u{200B} Corp\u{FEFF} "), "acme corp");
/// ```
pub fn name_key(name: &str) -> String {
    name.trim()
        .chars()
        .filter(|&c| !text::is_invisible(c))
        .collect::<String>()
        .trim()
        .to_lowercase()
}

/// The name of an entity made from a contact: `firstName lastName`, cut to the
/// 200 characters an entity name may have.
pub fn entity_name_for(first: &str, last: Option<&str>) -> String {
    let full = match last {
        Some(last) if !last.trim().is_empty() => format!("{} {}", first.trim(), last.trim()),
        _ => first.trim().to_string(),
    };
    full.chars().take(200).collect()
}

/// The statements of the read round trip, in this order: the credentials (api key,
/// developer key, acting member and custom field definitions in one row), candidate
/// contacts, candidate entities. Every one is scoped to the organization of the api
/// key whose digest is given.
pub fn read_statements(
    key_digest: &str,
    secret_digest: &str,
    member_id: &str,
    probe: &Probe,
) -> Vec<Statement> {
    let key = Value::from(key_digest);
    let opt = |v: &Option<String>| v.clone().map(Value::from).unwrap_or(Value::Null);
    let names: Vec<Value> = probe
        .entity_name_keys
        .iter()
        .cloned()
        .map(Value::from)
        .collect();
    vec![
        // Steps 4–9 and the definitions in one statement: every statement of a batch
        // costs D1 time of its own.
        Statement::new(
            "SELECT k.id AS api_key_id, k.org_id, o.crm_mode, k.active AS key_active, \
             m.active AS member_active, \
             (SELECT json_object('active', d.active, 'allowed_ips', d.allowed_ips) \
              FROM developer_keys d WHERE d.api_key_id = k.id AND d.secret_digest = ?2) AS developer_key, \
             (SELECT a.active FROM members a WHERE a.org_id = k.org_id AND a.id = ?3) AS acting_member_active, \
             (SELECT json_group_array(json(f.definition)) FROM custom_fields f WHERE f.org_id = k.org_id) \
              AS definitions \
             FROM api_keys k JOIN organizations o ON o.id = k.org_id JOIN members m ON m.id = k.member_id \
             WHERE k.key_digest = ?1",
            vec![
                key.clone(),
                secret_digest.into(),
                member_id.to_ascii_lowercase().into(),
            ],
        ),
        // Each lookup on its own index: the e-mail and the id match at most one
        // contact each, whatever else shares a phone; the phone is read only as far
        // as the ambiguity answer needs.
        Statement::new(
            format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c JOIN api_keys k ON k.org_id = c.org_id \
                 WHERE k.key_digest = ?1 AND c.email_key = ?2 \
                 UNION SELECT {CONTACT_COLUMNS} FROM contacts c JOIN api_keys k ON k.org_id = c.org_id \
                 WHERE k.key_digest = ?1 AND c.id = ?4 \
                 UNION SELECT * FROM (SELECT {CONTACT_COLUMNS} FROM contacts c JOIN api_keys k \
                 ON k.org_id = c.org_id WHERE k.key_digest = ?1 AND c.phone_key = ?3 LIMIT {})",
                MAX_PHONE_CANDIDATES + 1
            ),
            vec![key.clone(), opt(&probe.email_key), opt(&probe.phone_key), opt(&probe.contact_id)],
        ),
        // The entities named in the request, and the entity of the contact each
        // lookup could find (a phone finds one only when it is the only match).
        Statement::new(
            format!(
                "SELECT {ENTITY_COLUMNS} FROM entities e JOIN api_keys k ON k.org_id = e.org_id \
                 WHERE k.key_digest = ?1 AND (e.name_key = ?2 OR e.name_key = ?3 OR e.id IN \
                 (SELECT c.entity_id FROM contacts c WHERE c.org_id = k.org_id AND c.email_key = ?4 \
                  UNION SELECT c.entity_id FROM contacts c WHERE c.org_id = k.org_id AND c.id = ?6 \
                  UNION SELECT * FROM (SELECT c.entity_id FROM contacts c \
                  WHERE c.org_id = k.org_id AND c.phone_key = ?5 LIMIT 2)))"
            ),
            vec![
                key,
                names.first().cloned().unwrap_or(Value::Null),
                names.get(1).cloned().unwrap_or(Value::Null),
                opt(&probe.email_key),
                opt(&probe.phone_key),
                opt(&probe.contact_id),
            ],
        ),
    ]
}

/// The read of one entity by name key in the organization, for the rare plan that
/// needs an entity named after a contact whose names were not in the request.
pub fn entity_by_name_statement(org_id: &str, key: &str) -> Statement {
    Statement::new(
        format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.org_id = ?1 AND e.name_key = ?2"),
        vec![org_id.into(), key.into()],
    )
}

/// The most contacts sharing a phone that an `AMBIGUOUS_MATCH` answer names; one
/// more is read, to tell "exactly this many" from "more".
pub const MAX_PHONE_CANDIDATES: usize = 10;

const CONTACT_COLUMNS: &str =
    "c.id, c.entity_id, c.email_key, c.phone_key, c.first_name, c.last_name, c.tags, c.version";
const ENTITY_COLUMNS: &str = "e.id, e.name, e.name_key, e.label, e.status, e.website, e.industry, \
     e.primary_email, e.primary_phone, e.city, e.country, e.version";

/// A contact as the read found it: what planning needs, not the whole row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredContact {
    pub id: String,
    pub entity_id: Option<String>,
    pub email_key: String,
    pub phone_key: Option<String>,
    pub first_name: String,
    pub last_name: Option<String>,
    /// The stored JSON array.
    pub tags: String,
    pub version: i64,
}

/// An entity as the read found it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredEntity {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub label: Option<String>,
    pub status: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub version: i64,
}

impl StoredEntity {
    fn column(&self, column: &str) -> Option<&str> {
        match column {
            "name" => Some(&self.name),
            "label" => self.label.as_deref(),
            "status" => self.status.as_deref(),
            "website" => self.website.as_deref(),
            "industry" => self.industry.as_deref(),
            "primary_email" => self.primary_email.as_deref(),
            "primary_phone" => self.primary_phone.as_deref(),
            "city" => self.city.as_deref(),
            "country" => self.country.as_deref(),
            _ => None,
        }
    }
}

/// What the read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub contacts: Vec<StoredContact>,
    pub entities: Vec<StoredEntity>,
}

/// Values the caller brings, since the core has no clock and no randomness.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub crm_mode: CrmMode,
    /// Ids for the rows this write may create.
    pub new_contact_id: &'a str,
    pub new_entity_id: &'a str,
    /// RFC 3339 UTC.
    pub now: &'a str,
    /// The id of the api key that makes the write, recorded beside the member it
    /// names: any key of an organization may act as any of its members.
    pub api_key_id: &'a str,
}

/// Created or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
}

/// What happened to the contact's entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityAction {
    /// A new entity.
    Created,
    /// Found, and fields of it changed.
    Updated,
    /// Found by name, nothing to change, and linked to the contact.
    Linked,
    /// The contact's own entity, untouched.
    Unchanged,
    /// B2C, or `skip_entity`.
    Skipped,
}

/// The decision for one request and the statements that carry it out.
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub action: Action,
    pub contact_id: String,
    pub entity_action: EntityAction,
    pub entity_id: Option<String>,
    /// One D1 batch: all of them or none.
    pub statements: Vec<Statement>,
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Write(WritePlan),
    /// The plan needs the entity with this name key, which the first read could not
    /// know to fetch; read it ([`entity_by_name_statement`]), add it to `found.entities`
    /// (or note that it is absent) and plan again.
    FetchEntity(String),
}

/// Decides the write of a checked request against what the read found.
///
/// `fetched_names` lists the entity name keys already looked up (found or not), so
/// that planning asks for each one at most once.
pub fn plan(
    request: &ContactRequest,
    found: &Found,
    fetched_names: &[String],
    ctx: &Context,
) -> Result<Decision, Failure> {
    let target = find_target(request, found)?;
    let email_key = request.email_key();
    // The e-mail must stay unique: a contact other than the target holding it wins.
    if let Some(key) = &email_key {
        if let Some(other) = found
            .contacts
            .iter()
            .find(|c| &c.email_key == key && Some(c.id.as_str()) != target.map(|t| t.id.as_str()))
        {
            return Err(exists(
                other,
                "contact.primaryEmail",
                "a contact with this primaryEmail already exists",
            ));
        }
    }
    let entity = match plan_entity(request, target, found, fetched_names, ctx)? {
        EntityStep::Fetch(key) => return Ok(Decision::FetchEntity(key)),
        EntityStep::Decided(entity) => entity,
    };
    let mut statements = Vec::new();
    let mut guarded = false;
    let member = Value::from(request.member_id.as_str());
    let now = Value::from(ctx.now);
    match &entity.write {
        EntityWrite::None => {}
        EntityWrite::Insert(record) => statements.push(insert_entity(request, ctx, record)),
        EntityWrite::Update(id, version, sets) => {
            statements.push(guard("entities", id, &request.org_id, *version));
            guarded = true;
            let mut assignments = Vec::new();
            let mut params = Vec::new();
            for (column, value) in sets {
                params.push(value.clone());
                assignments.push(format!("{column} = ?{}", params.len()));
            }
            params.extend([
                member.clone(),
                ctx.api_key_id.into(),
                now.clone(),
                id.clone().into(),
                request.org_id.clone().into(),
            ]);
            let n = params.len();
            statements.push(Statement::new(
                format!(
                    "UPDATE entities SET {}, updated_by = ?{}, updated_by_key = ?{}, updated_at = ?{}, \
                     version = version + 1 WHERE id = ?{} AND org_id = ?{n}",
                    assignments.join(", "),
                    n - 4,
                    n - 3,
                    n - 2,
                    n - 1
                ),
                params,
            ));
        }
    }
    let (action, contact_id) = match target {
        None => {
            statements.push(insert_contact(request, ctx, entity.id.as_deref()));
            (Action::Created, ctx.new_contact_id.to_string())
        }
        Some(stored) => {
            statements.push(guard(
                "contacts",
                &stored.id,
                &request.org_id,
                stored.version,
            ));
            guarded = true;
            statements.push(update_contact(request, stored, &entity, ctx)?);
            (Action::Updated, stored.id.clone())
        }
    };
    if guarded {
        statements.push(Statement::new("DELETE FROM write_guards", vec![]));
    }
    Ok(Decision::Write(WritePlan {
        action,
        contact_id,
        entity_action: entity.action,
        entity_id: if entity.action == EntityAction::Skipped {
            None
        } else {
            entity.id
        },
        statements,
    }))
}

/// The contact the request matches by its lookup, if any; the failures of step 13
/// that need no write.
fn find_target<'a>(
    request: &ContactRequest,
    found: &'a Found,
) -> Result<Option<&'a StoredContact>, Failure> {
    let key = request.lookup_key();
    let matches: Vec<&StoredContact> = match (&key, request.lookup_by) {
        (None, _) => Vec::new(),
        (Some(key), LookupBy::Email) => found
            .contacts
            .iter()
            .filter(|c| &c.email_key == key)
            .collect(),
        (Some(key), LookupBy::Phone) => found
            .contacts
            .iter()
            .filter(|c| c.phone_key.as_ref() == Some(key))
            .collect(),
        (Some(key), LookupBy::ContactId) => {
            found.contacts.iter().filter(|c| &c.id == key).collect()
        }
    };
    let path = format!("contact.{}", request.lookup_by.field());
    if request.mode == Mode::Insert {
        return match matches.first() {
            Some(existing) => Err(exists(
                existing,
                &path,
                "a contact with this value already exists",
            )),
            None => Ok(None),
        };
    }
    match matches.as_slice() {
        [] if request.mode.may_create(request.lookup_by) => Ok(None),
        [] => Err(Failure::at(
            Code::NotFoundUpdate,
            "Contact not found for update",
            Problem::new(path, ProblemCode::NotFound, "no contact matches this value"),
        )),
        [one] => Ok(Some(one)),
        many => {
            let ids: Vec<Value> = many
                .iter()
                .take(MAX_PHONE_CANDIDATES)
                .map(|c| Value::from(c.id.as_str()))
                .collect();
            // The read stops one past the candidates named.
            let count = if many.len() > MAX_PHONE_CANDIDATES {
                format!("More than {MAX_PHONE_CANDIDATES}")
            } else {
                many.len().to_string()
            };
            Err(Failure::at(
                Code::AmbiguousMatch,
                format!(
                    "{count} contacts match this primaryPhone; use lookup_by contact_id or email"
                ),
                Problem::new(
                    path,
                    ProblemCode::AmbiguousMatch,
                    format!("{} contacts match this value", count.to_lowercase()),
                ),
            )
            .with_extra("candidate_ids", Value::Array(ids)))
        }
    }
}

fn exists(existing: &StoredContact, path: &str, message: &str) -> Failure {
    Failure::at(
        Code::ContactExists,
        "Contact already exists",
        Problem::new(
            path,
            ProblemCode::ContactExists,
            format!("{message} (contact_id {})", existing.id),
        ),
    )
    .with_extra("contact_id", existing.id.clone().into())
}

/// A guard row: inserted only while the row still has the version the plan read.
fn guard(table: &str, id: &str, org_id: &str, version: i64) -> Statement {
    Statement::new(
        format!("INSERT INTO write_guards (ok) VALUES ((SELECT version FROM {table} WHERE id = ?1 AND org_id = ?2) = ?3)"),
        vec![id.into(), org_id.into(), version.into()],
    )
}

enum EntityWrite {
    None,
    Insert(Record),
    /// The stored entity's id and version, and the (column, value) pairs that change.
    Update(String, i64, Vec<(&'static str, Value)>),
}

struct EntityPlan {
    action: EntityAction,
    id: Option<String>,
    write: EntityWrite,
}

enum EntityStep {
    Decided(EntityPlan),
    Fetch(String),
}

fn plan_entity(
    request: &ContactRequest,
    target: Option<&StoredContact>,
    found: &Found,
    fetched_names: &[String],
    ctx: &Context,
) -> Result<EntityStep, Failure> {
    let current = target.and_then(|t| t.entity_id.clone());
    if ctx.crm_mode == CrmMode::B2C || request.skip_entity {
        return Ok(EntityStep::Decided(EntityPlan {
            action: EntityAction::Skipped,
            id: current,
            write: EntityWrite::None,
        }));
    }
    let empty = Record::default();
    let sent = request.entity.as_ref().unwrap_or(&empty);
    let by_name = |key: &str| found.entities.iter().find(|e| e.name_key == key);
    let (stored, named) = if let Some(name) = sent.text("name") {
        (by_name(&name_key(name)), Some(name.to_string()))
    } else if let Some(id) = &current {
        match found.entities.iter().find(|e| &e.id == id) {
            Some(entity) => (Some(entity), None),
            None => {
                return Err(Failure::new(
                    Code::InternalError,
                    "the contact's entity was not read",
                ));
            }
        }
    } else {
        let first = request
            .contact
            .text("firstName")
            .or(target.map(|t| t.first_name.as_str()))
            .unwrap_or_default();
        let last = match request.contact.get("lastName") {
            Some(Change::Set(Value::String(s))) => Some(s.as_str()),
            Some(_) => None,
            None => target.and_then(|t| t.last_name.as_deref()),
        };
        let name = entity_name_for(first, last);
        let key = name_key(&name);
        match by_name(&key) {
            Some(entity) => (Some(entity), Some(name)),
            None if fetched_names.contains(&key) || target.is_none() => (None, Some(name)),
            None => return Ok(EntityStep::Fetch(key)),
        }
    };
    let plan = match stored {
        None => {
            let mut record = sent.clone();
            if record.text("name").is_none() {
                let name = named.unwrap_or_default();
                record.changes.retain(|(f, _)| f.name != "name");
                record
                    .changes
                    .insert(0, (&fields::ENTITY[0], Change::Set(Value::String(name))));
            }
            EntityPlan {
                action: EntityAction::Created,
                id: Some(ctx.new_entity_id.to_string()),
                write: EntityWrite::Insert(record),
            }
        }
        Some(entity) => {
            let sets: Vec<(&'static str, Value)> = sent
                .changes
                .iter()
                .filter(|(f, _)| f.name != "name")
                .filter_map(|(f, change)| {
                    let new = match change {
                        Change::Set(Value::String(s)) => Some(s.as_str()),
                        _ => None,
                    };
                    (new != entity.column(f.column))
                        .then(|| (f.column, new.map(Value::from).unwrap_or(Value::Null)))
                })
                .collect();
            let action = if !sets.is_empty() {
                EntityAction::Updated
            } else if current.as_deref() == Some(entity.id.as_str()) {
                EntityAction::Unchanged
            } else {
                EntityAction::Linked
            };
            EntityPlan {
                action,
                id: Some(entity.id.clone()),
                write: if sets.is_empty() {
                    EntityWrite::None
                } else {
                    EntityWrite::Update(entity.id.clone(), entity.version, sets)
                },
            }
        }
    };
    Ok(EntityStep::Decided(plan))
}

fn insert_entity(request: &ContactRequest, ctx: &Context, record: &Record) -> Statement {
    let name = record.text("name").unwrap_or_default();
    let mut columns = vec![
        "id",
        "org_id",
        "name_key",
        "created_by",
        "updated_by",
        "created_by_key",
        "updated_by_key",
        "created_at",
        "updated_at",
    ];
    let mut params: Vec<Value> = vec![
        ctx.new_entity_id.into(),
        request.org_id.clone().into(),
        name_key(name).into(),
        request.member_id.clone().into(),
        request.member_id.clone().into(),
        ctx.api_key_id.into(),
        ctx.api_key_id.into(),
        ctx.now.into(),
        ctx.now.into(),
    ];
    for (field, change) in &record.changes {
        if let Change::Set(value) = change {
            columns.push(field.column);
            params.push(value.clone());
        }
    }
    insert("entities", &columns, params)
}

fn insert(table: &str, columns: &[&str], params: Vec<Value>) -> Statement {
    let placeholders: Vec<String> = (1..=params.len()).map(|i| format!("?{i}")).collect();
    Statement::new(
        format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            placeholders.join(", ")
        ),
        params,
    )
}

fn insert_contact(request: &ContactRequest, ctx: &Context, entity_id: Option<&str>) -> Statement {
    let mut columns = vec![
        "id",
        "org_id",
        "entity_id",
        "email_key",
        "phone_key",
        "created_by",
        "updated_by",
        "created_by_key",
        "updated_by_key",
        "created_at",
        "updated_at",
    ];
    let phone_key = request.contact.text("primaryPhone").map(phone::lookup_key);
    let mut params: Vec<Value> = vec![
        ctx.new_contact_id.into(),
        request.org_id.clone().into(),
        entity_id.map(Value::from).unwrap_or(Value::Null),
        request.email_key().unwrap_or_default().into(),
        phone_key.map(Value::from).unwrap_or(Value::Null),
        request.member_id.clone().into(),
        request.member_id.clone().into(),
        ctx.api_key_id.into(),
        ctx.api_key_id.into(),
        ctx.now.into(),
        ctx.now.into(),
    ];
    let mut custom = None;
    for (field, change) in &request.contact.changes {
        let Change::Set(value) = change else { continue };
        match field.rule {
            Rule::CustomFields => custom = Some(value.to_string()),
            Rule::Tags => {
                columns.push(field.column);
                params.push(value.to_string().into());
            }
            _ if field.name == "id" => {}
            _ => {
                columns.push(field.column);
                params.push(value.clone());
            }
        }
    }
    let mut statement = insert("contacts", &columns, params);
    if let Some(custom) = custom {
        // json_patch drops the keys sent as null, as an update would.
        statement.params.push(custom.into());
        let n = statement.params.len();
        statement.sql = statement
            .sql
            .replacen(") VALUES (", ", custom_fields) VALUES (", 1)
            .trim_end_matches(')')
            .to_string()
            + &format!(", json_patch('{{}}', ?{n}))");
    }
    statement
}

fn update_contact(
    request: &ContactRequest,
    stored: &StoredContact,
    entity: &EntityPlan,
    ctx: &Context,
) -> Result<Statement, Failure> {
    let mut assignments: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let mut set = |column: &str, expression: &str, value: Value| {
        params.push(value);
        assignments.push(format!(
            "{column} = {}",
            expression.replace('?', &format!("?{}", params.len()))
        ));
    };
    for (field, change) in &request.contact.changes {
        let value = match change {
            Change::Set(v) => v.clone(),
            Change::Clear => Value::Null,
        };
        match (field.rule, field.name) {
            (_, "id") => {}
            (Rule::CustomFields, _) => {
                if let Change::Set(v) = change {
                    set(
                        "custom_fields",
                        "json_patch(custom_fields, ?)",
                        v.to_string().into(),
                    );
                } else {
                    set("custom_fields", "?", "{}".into());
                }
            }
            (Rule::Tags, _) => {
                let merged = merge_tags(&stored.tags, change)?;
                set("tags", "?", Value::Array(merged).to_string().into());
            }
            (_, "primaryEmail") => {
                set(
                    "email_key",
                    "?",
                    value.as_str().map(email::lookup_key).into(),
                );
                set(field.column, "?", value);
            }
            (_, "primaryPhone") => {
                set(
                    "phone_key",
                    "?",
                    value.as_str().map(phone::lookup_key).into(),
                );
                set(field.column, "?", value);
            }
            _ => set(field.column, "?", value),
        }
    }
    if entity.action != EntityAction::Skipped && entity.id != stored.entity_id {
        set("entity_id", "?", entity.id.clone().into());
    }
    set("updated_by", "?", request.member_id.clone().into());
    set("updated_by_key", "?", ctx.api_key_id.into());
    set("updated_at", "?", ctx.now.into());
    params.push(stored.id.clone().into());
    params.push(request.org_id.clone().into());
    let n = params.len();
    Ok(Statement::new(
        format!(
            "UPDATE contacts SET {}, version = version + 1 WHERE id = ?{} AND org_id = ?{n}",
            assignments.join(", "),
            n - 1
        ),
        params,
    ))
}

/// New tags are added to the stored ones, case-insensitive duplicates dropped and
/// order kept; `null` clears them. A contact holds at most [`fields::MAX_TAGS`].
fn merge_tags(stored: &str, change: &Change) -> Result<Vec<Value>, Failure> {
    let Change::Set(Value::Array(new)) = change else {
        return Ok(Vec::new());
    };
    let mut tags: Vec<Value> = serde_json::from_str(stored).unwrap_or_default();
    let mut folded: Vec<String> = tags
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect();
    for tag in new {
        let Some(s) = tag.as_str() else { continue };
        let key = s.to_lowercase();
        if !folded.contains(&key) {
            folded.push(key);
            tags.push(tag.clone());
        }
    }
    if tags.len() > fields::MAX_TAGS {
        return Err(Failure::from_problems(vec![Problem::new(
            "contact.tags",
            ProblemCode::TooManyItems,
            format!(
                "a contact has at most {} tags; adding these would give it {}",
                fields::MAX_TAGS,
                tags.len()
            ),
        )]));
    }
    Ok(tags)
}

/// The success body of the contract; a dry run says what would happen.
pub fn success_json(plan: &WritePlan, dry_run: bool, debug: Option<Value>) -> Value {
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
