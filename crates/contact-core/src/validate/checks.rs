//! Steps 3–12 on a parsed body, in the contract's order (`crate::check_order` maps
//! every step): the credentials through a [`Gate`], then the contact, its fields and
//! its custom fields.

use super::custom::Definitions;
use super::parse::not_an_object;
use super::problem::{Code, Failure, Problem, ProblemCode};
use super::record::{finish_contact, read_record, type_name, unknown_key};
use super::request::{named, Change, ContactRequest, LookupBy, Mode, Record, TOP_LEVEL_KEYS};
use super::{fields, rules::uuid};
use crate::auth::gate::Gate;
use crate::auth::secrets;
use serde_json::{Map, Value};

/// Runs every check of the contract, in its order, on a parsed body: steps 3–9 ask
/// the [`Gate`], steps 10–12 are the validation of the fields.
pub fn check(
    body: &Value,
    definitions: &Definitions,
    gate: &mut impl Gate,
) -> Result<ContactRequest, Failure> {
    let caller = authenticate(body, gate)?;
    validate(body, caller, definitions)
}

/// Who a request acts as, once steps 3–9 passed: normalized ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub org_id: String,
    pub member_id: String,
}

/// Steps 3–9 of [`check`]: the credentials, the address, the organization and the
/// member, asked of the [`Gate`] in the contract's order.
pub fn authenticate(body: &Value, gate: &mut impl Gate) -> Result<Caller, Failure> {
    let Some(body) = body.as_object() else {
        return Err(not_an_object());
    };
    let api_key = secret_field(body, "api_key", secrets::SecretKind::ApiKey)?;
    gate.api_key(api_key)?;
    let developer_secret = secret_field(
        body,
        "developer_secret",
        secrets::SecretKind::DeveloperSecret,
    )?;
    gate.developer_secret(developer_secret)?;
    gate.client_address()?;
    let org_id = id_field(body, "org_id")?;
    gate.organization(&org_id)?;
    let member_id = id_field(body, "member_id")?;
    gate.member(&member_id)?;
    Ok(Caller { org_id, member_id })
}

/// Steps 10–12 of [`check`] for an authenticated caller: the contact, every field
/// and every custom field against the organization's definitions.
pub fn validate(
    body: &Value,
    caller: Caller,
    definitions: &Definitions,
) -> Result<ContactRequest, Failure> {
    if !body.is_object() {
        return Err(not_an_object());
    }
    Draft::new(body).finish(caller, definitions)
}

/// Steps 3 and 5: a secret that is absent, `null` or empty is missing; one that is
/// not a string of the issued format can match no key.
fn secret_field<'a>(
    body: &'a Map<String, Value>,
    key: &str,
    kind: secrets::SecretKind,
) -> Result<&'a str, Failure> {
    let missing = || match kind {
        secrets::SecretKind::ApiKey => Failure::new(Code::MissingApiKey, "API key is required"),
        secrets::SecretKind::DeveloperSecret => {
            Failure::new(Code::MissingDeveloperSecret, "Missing developer_secret")
        }
    };
    let invalid = || match kind {
        secrets::SecretKind::ApiKey => Failure::new(Code::InvalidApiKey, "Invalid API key"),
        secrets::SecretKind::DeveloperSecret => {
            Failure::new(Code::InvalidDeveloperSecret, "Invalid developer_secret")
        }
    };
    match body.get(key) {
        None | Some(Value::Null) => Err(missing()),
        Some(Value::String(s)) if s.trim().is_empty() => Err(missing()),
        Some(Value::String(s)) if secrets::has_format(kind, s.trim()) => Ok(s.trim()),
        Some(_) => Err(invalid()),
    }
}

/// Steps 8 and 9 need a well-formed id; a missing or malformed one is a validation
/// error at that step.
fn id_field(body: &Map<String, Value>, key: &'static str) -> Result<String, Failure> {
    let problem = match body.get(key) {
        None | Some(Value::Null) => {
            Problem::new(key, ProblemCode::Missing, format!("{key} is required"))
        }
        // An empty string after trimming means absent, as everywhere else.
        Some(Value::String(s)) if s.trim().is_empty() => {
            Problem::new(key, ProblemCode::Missing, format!("{key} is required"))
        }
        Some(Value::String(s)) => match uuid::check(s.trim()) {
            Ok(()) => return Ok(s.trim().to_ascii_lowercase()),
            Err(v) => Problem::new(key, v.code, v.message),
        },
        Some(other) => Problem::new(
            key,
            ProblemCode::InvalidType,
            format!("must be a string, not {}", type_name(other)),
        ),
    };
    Err(Failure::from_problems(vec![problem]))
}

#[derive(Debug, Clone)]
struct TopLevel {
    mode: Mode,
    lookup_by: LookupBy,
    skip_entity: bool,
    debug: bool,
    dry_run: bool,
}

/// Reads the options of the request, collecting problems with them.
fn read_top_level(body: &Map<String, Value>) -> Result<TopLevel, Vec<Problem>> {
    let mut problems = Vec::new();
    for key in body.keys() {
        if !TOP_LEVEL_KEYS.contains(&key.as_str()) {
            problems.push(unknown_key("", key, TOP_LEVEL_KEYS));
        }
    }
    let mode = choice(body, "mode", &Mode::ALL, &mut problems);
    let lookup_by = choice(body, "lookup_by", &LookupBy::ALL, &mut problems);
    let mut flag = |key: &'static str| match body.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.push(Problem::new(
                key,
                ProblemCode::InvalidType,
                format!("must be true or false, not {}", type_name(other)),
            ));
            false
        }
    };
    let top = TopLevel {
        skip_entity: flag("skip_entity"),
        debug: flag("debug"),
        dry_run: flag("dry_run"),
        mode,
        lookup_by,
    };
    if problems.is_empty() {
        Ok(top)
    } else {
        Err(problems)
    }
}

fn choice<T: Copy + Default>(
    body: &Map<String, Value>,
    key: &'static str,
    allowed: &[(&'static str, T)],
    problems: &mut Vec<Problem>,
) -> T {
    let names = || {
        allowed
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match body.get(key) {
        None | Some(Value::Null) => T::default(),
        Some(Value::String(s)) => match named(allowed, s.trim()) {
            Some(v) => v,
            None => {
                problems.push(Problem::new(
                    key,
                    ProblemCode::InvalidValue,
                    format!("must be one of: {}", names()),
                ));
                T::default()
            }
        },
        Some(other) => {
            problems.push(Problem::new(
                key,
                ProblemCode::InvalidType,
                format!("must be one of: {}; not {}", names(), type_name(other)),
            ));
            T::default()
        }
    }
}

/// Step 10: the contact is present and an object.
pub(crate) fn contact_object(contact: Option<&Value>) -> Result<&Map<String, Value>, Failure> {
    match contact {
        Some(Value::Object(contact)) => Ok(contact),
        None | Some(Value::Null) => Err(Failure::new(
            Code::MissingContact,
            "contact data is required",
        )),
        Some(other) => Err(Failure::at(
            Code::MissingContact,
            "contact data is required",
            Problem::new(
                "contact",
                ProblemCode::InvalidType,
                format!("must be an object, not {}", type_name(other)),
            ),
        )),
    }
}

/// A request read once: its options, its contact and entity normalized, and the
/// problems found with them, not yet reported. The read round trip takes its lookup
/// keys from here, and [`Draft::finish`] renders the verdict in the contract's order
/// once the caller is authenticated and the organization's definitions are known.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Step 10: the contact object read, or why there is none.
    contact: Result<Record, Failure>,
    top: Option<TopLevel>,
    entity: Option<Record>,
    /// Step 11 problems with the options, in the order found.
    top_problems: Vec<Problem>,
    contact_problems: Vec<Problem>,
    entity_problems: Vec<Problem>,
}

impl Draft {
    /// Reads a parsed body (a JSON object; anything else has no contact).
    pub fn new(body: &Value) -> Draft {
        let empty = Map::new();
        let body = body.as_object().unwrap_or(&empty);
        let (top, top_problems) = match read_top_level(body) {
            Ok(top) => (Some(top), Vec::new()),
            Err(problems) => (None, problems),
        };
        let mut contact_problems = Vec::new();
        let contact = contact_object(body.get("contact"))
            .map(|c| read_record(c, &fields::CONTACT, "contact", &mut contact_problems));
        let mut entity_problems = Vec::new();
        let entity = match body.get("entity") {
            None | Some(Value::Null) => None,
            Some(Value::Object(entity)) => Some(read_record(
                entity,
                &fields::ENTITY,
                "entity",
                &mut entity_problems,
            )),
            Some(other) => {
                entity_problems.push(Problem::new(
                    "entity",
                    ProblemCode::InvalidType,
                    format!("must be an object, not {}", type_name(other)),
                ));
                None
            }
        };
        if let Some(entity) = &entity {
            if entity.get("name") == Some(&Change::Clear) {
                entity_problems.push(Problem::new(
                    "entity.name",
                    ProblemCode::CannotClear,
                    "an entity's name cannot be cleared",
                ));
            }
        }
        Draft {
            contact,
            top,
            entity,
            top_problems,
            contact_problems,
            entity_problems,
        }
    }

    /// The contact as read, if the body has one: its fields normalized, those with
    /// problems left out.
    pub fn contact(&self) -> Option<&Record> {
        self.contact.as_ref().ok()
    }

    /// The entity as read, if the body has one.
    pub fn entity(&self) -> Option<&Record> {
        self.entity.as_ref()
    }

    /// Steps 10–12 for an authenticated caller: the contact is there, every field is
    /// valid (with the rules of the request's mode), every custom field is valid.
    pub fn finish(
        self,
        caller: Caller,
        definitions: &Definitions,
    ) -> Result<ContactRequest, Failure> {
        let record = self.contact?;
        let mut problems = self.top_problems;
        problems.extend(self.contact_problems);
        let mode = self.top.as_ref().map(|t| (t.mode, t.lookup_by));
        let contact = finish_contact(record, mode, definitions, &mut problems);
        problems.extend(self.entity_problems);
        match self.top {
            Some(top) if problems.is_empty() => Ok(ContactRequest {
                org_id: caller.org_id,
                member_id: caller.member_id,
                mode: top.mode,
                lookup_by: top.lookup_by,
                skip_entity: top.skip_entity,
                debug: top.debug,
                dry_run: top.dry_run,
                contact,
                entity: self.entity,
            }),
            _ => Err(Failure::from_problems(problems)),
        }
    }
}
