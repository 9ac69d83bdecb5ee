//! The decision of a write, pure: which contact the request matches, whether it is
//! created or updated, what happens to its entity and which values change. No SQL:
//! [`super::sql`] renders a plan, and tests assert decisions.

use super::read::{entity_name_for, name_key, Found, StoredContact, MAX_PHONE_CANDIDATES};
use crate::auth::gate::CrmMode;
use crate::validate::fields;
use crate::validate::problem::{Code, Failure, Problem, ProblemCode};
use crate::validate::request::{Change, ContactRequest, LookupBy, Mode, Record};
use crate::validate::rules::case;
use serde::Serialize;
use serde_json::Value;

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

/// The decision for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub action: Action,
    pub contact_id: String,
    pub entity_action: EntityAction,
    /// The contact's entity after the write; `None` when skipped.
    pub entity_id: Option<String>,
    pub contact: ContactWrite,
    pub entity: EntityWrite,
}

/// What is written to the contact.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactWrite {
    /// A new contact with every field the request sets, under the context's new id,
    /// linked to the plan's entity.
    Insert,
    /// The stored contact, while it still has `version`: the fields the request
    /// sends, `tags` merged with the stored ones when sent, and `link` when the
    /// contact's entity changes.
    Update {
        id: String,
        version: i64,
        tags: Option<Vec<Value>>,
        link: Option<Option<String>>,
    },
}

/// What is written to the entity.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityWrite {
    /// Nothing: skipped, or found with nothing to change.
    None,
    /// A new entity with these fields (its name always among them), under the
    /// context's new entity id.
    Insert(Record),
    /// The stored entity, while it still has `version`: the (column, value) pairs that change.
    Update {
        id: String,
        version: i64,
        sets: Vec<(&'static str, Value)>,
    },
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Write(WritePlan),
    /// The plan needs the entity with this name key, which the first read could not
    /// know to fetch; read it ([`super::read::entity_by_name_statement`]), add it to
    /// `found.entities` (or note that it is absent) and decide again.
    FetchEntity(String),
}

/// Decides the write of a checked request against what the read found.
///
/// `fetched_names` lists the entity name keys already looked up (found or not), so
/// that planning asks for each one at most once.
pub fn decide(
    request: &ContactRequest,
    found: &Found,
    fetched_names: &[String],
    ctx: &Context,
) -> Result<Decision, Failure> {
    let target = find_target(request, found)?;
    // The e-mail must stay unique: a contact other than the target holding it wins.
    if let Some(key) = &request.email_key() {
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
    let skipped = entity.action == EntityAction::Skipped;
    let (action, contact_id, contact) = match target {
        None => (
            Action::Created,
            ctx.new_contact_id.to_string(),
            ContactWrite::Insert,
        ),
        Some(stored) => {
            let tags = match request.contact.get("tags") {
                Some(change) => Some(merge_tags(&stored.tags, change)?),
                None => None,
            };
            let link = (!skipped && entity.id != stored.entity_id).then(|| entity.id.clone());
            (
                Action::Updated,
                stored.id.clone(),
                ContactWrite::Update {
                    id: stored.id.clone(),
                    version: stored.version,
                    tags,
                    link,
                },
            )
        }
    };
    Ok(Decision::Write(WritePlan {
        action,
        contact_id,
        entity_action: entity.action,
        entity_id: if skipped { None } else { entity.id },
        contact,
        entity: entity.write,
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
                    format!("{} contacts match this value", count.to_ascii_lowercase()),
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
                    EntityWrite::Update {
                        id: entity.id.clone(),
                        version: entity.version,
                        sets,
                    }
                },
            }
        }
    };
    Ok(EntityStep::Decided(plan))
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
        .map(case::lowercase)
        .collect();
    for tag in new {
        let Some(s) = tag.as_str() else { continue };
        let key = case::lowercase(s);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Offline;
    use crate::store::read::StoredEntity;
    use crate::{check, custom::Definitions, parse_body};
    use serde_json::json;

    fn request(body: Value) -> ContactRequest {
        let mut body = body;
        let map = body.as_object_mut().unwrap();
        map.insert("api_key".into(), format!("zak_{}", "a".repeat(64)).into());
        map.insert(
            "developer_secret".into(),
            format!("zdk_{}", "b".repeat(64)).into(),
        );
        map.insert(
            "org_id".into(),
            "0a000000-0000-4000-8000-00000000000a".into(),
        );
        map.insert(
            "member_id".into(),
            "1a000000-0000-4000-8000-00000000000a".into(),
        );
        let body = parse_body(&body.to_string()).unwrap();
        check(&body, &Definitions::default(), &mut Offline).unwrap()
    }

    fn ctx(crm_mode: CrmMode) -> Context<'static> {
        Context {
            crm_mode,
            new_contact_id: "new-contact",
            new_entity_id: "new-entity",
            now: "2026-06-01T12:00:00Z",
            api_key_id: "key",
        }
    }

    fn contact(id: &str, email: &str, entity_id: Option<&str>, tags: &str) -> StoredContact {
        StoredContact {
            id: id.into(),
            entity_id: entity_id.map(str::to_string),
            email_key: email.into(),
            phone_key: Some("+15550100".into()),
            first_name: "Jane".into(),
            last_name: None,
            tags: tags.into(),
            version: 3,
        }
    }

    fn entity(id: &str, name: &str) -> StoredEntity {
        StoredEntity {
            id: id.into(),
            name: name.into(),
            name_key: name_key(name),
            label: None,
            status: None,
            website: None,
            industry: None,
            primary_email: None,
            primary_phone: None,
            city: Some("Leeds".into()),
            country: None,
            version: 7,
        }
    }

    fn write(decision: Decision) -> WritePlan {
        match decision {
            Decision::Write(plan) => plan,
            other => panic!("not a write: {other:?}"),
        }
    }

    #[test]
    fn a_new_email_creates_the_contact_and_its_named_entity() {
        let req = request(
            json!({"contact": {"firstName": "Jane", "primaryEmail": "jane@x.io"}, "entity": {"name": "Acme"}}),
        );
        let plan = write(decide(&req, &Found::default(), &[], &ctx(CrmMode::B2B)).unwrap());
        assert_eq!(plan.action, Action::Created);
        assert_eq!(plan.contact_id, "new-contact");
        assert_eq!(plan.contact, ContactWrite::Insert);
        assert_eq!(plan.entity_action, EntityAction::Created);
        assert_eq!(plan.entity_id.as_deref(), Some("new-entity"));
        let EntityWrite::Insert(record) = &plan.entity else {
            panic!("{:?}", plan.entity)
        };
        assert_eq!(record.text("name"), Some("Acme"));
    }

    #[test]
    fn an_existing_email_updates_merges_tags_and_links_the_entity_found_by_name() {
        let req = request(
            json!({"contact": {"firstName": "Jane", "primaryEmail": "JANE@x.io", "tags": ["B", "c"]},
                                 "entity": {"name": " acme "}}),
        );
        let found = Found {
            contacts: vec![contact("c1", "jane@x.io", None, r#"["a","b"]"#)],
            entities: vec![entity("e1", "Acme")],
        };
        let plan = write(decide(&req, &found, &[], &ctx(CrmMode::B2B)).unwrap());
        assert_eq!(plan.action, Action::Updated);
        assert_eq!(plan.entity_action, EntityAction::Linked);
        assert_eq!(plan.entity, EntityWrite::None);
        assert_eq!(
            plan.contact,
            ContactWrite::Update {
                id: "c1".into(),
                version: 3,
                tags: Some(vec![json!("a"), json!("b"), json!("c")]),
                link: Some(Some("e1".into())),
            }
        );
    }

    #[test]
    fn changed_entity_fields_update_the_entity_under_its_version() {
        let req = request(
            json!({"contact": {"firstName": "Jane", "primaryEmail": "jane@x.io"},
                                 "entity": {"name": "Acme", "city": "York"}}),
        );
        let found = Found {
            contacts: vec![contact("c1", "jane@x.io", Some("e1"), "[]")],
            entities: vec![entity("e1", "Acme")],
        };
        let plan = write(decide(&req, &found, &[], &ctx(CrmMode::B2B)).unwrap());
        assert_eq!(plan.entity_action, EntityAction::Updated);
        assert_eq!(
            plan.entity,
            EntityWrite::Update {
                id: "e1".into(),
                version: 7,
                sets: vec![("city", json!("York"))]
            }
        );
        assert_eq!(
            plan.contact,
            ContactWrite::Update {
                id: "c1".into(),
                version: 3,
                tags: None,
                link: None
            }
        );
    }

    #[test]
    fn b2c_skips_the_entity_and_keeps_the_link() {
        let req = request(
            json!({"contact": {"firstName": "Jane", "primaryEmail": "jane@x.io"}, "entity": {"name": "Acme"}}),
        );
        let found = Found {
            contacts: vec![contact("c1", "jane@x.io", Some("e9"), "[]")],
            entities: vec![],
        };
        let plan = write(decide(&req, &found, &[], &ctx(CrmMode::B2C)).unwrap());
        assert_eq!(plan.entity_action, EntityAction::Skipped);
        assert_eq!(plan.entity_id, None);
        assert_eq!(plan.entity, EntityWrite::None);
        assert!(matches!(
            plan.contact,
            ContactWrite::Update { link: None, .. }
        ));
    }

    #[test]
    fn an_update_without_names_asks_for_the_entity_named_after_the_contact() {
        let req = request(
            json!({"mode": "update", "contact": {"primaryEmail": "jane@x.io", "jobTitle": "CTO"}}),
        );
        let found = Found {
            contacts: vec![contact("c1", "jane@x.io", None, "[]")],
            entities: vec![],
        };
        let decision = decide(&req, &found, &[], &ctx(CrmMode::B2B)).unwrap();
        assert_eq!(decision, Decision::FetchEntity("jane".into()));
        let plan = write(decide(&req, &found, &["jane".into()], &ctx(CrmMode::B2B)).unwrap());
        assert_eq!(plan.entity_action, EntityAction::Created);
    }

    #[test]
    fn the_step_13_refusals() {
        let found = Found {
            contacts: vec![
                contact("c1", "a@x.io", None, "[]"),
                contact("c2", "b@x.io", None, "[]"),
            ],
            entities: vec![],
        };
        let b2b = ctx(CrmMode::B2B);
        let insert = request(
            json!({"mode": "insert", "contact": {"firstName": "A", "primaryEmail": "a@x.io"}}),
        );
        let failure = decide(&insert, &found, &[], &b2b).unwrap_err();
        assert_eq!(
            (failure.code, failure.extra[0].1.clone()),
            (Code::ContactExists, json!("c1"))
        );
        let update = request(json!({"mode": "update", "contact": {"primaryEmail": "z@x.io"}}));
        assert_eq!(
            decide(&update, &found, &[], &b2b).unwrap_err().code,
            Code::NotFoundUpdate
        );
        let phone = request(
            json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": "+1 555 0100"}}),
        );
        let failure = decide(&phone, &found, &[], &b2b).unwrap_err();
        assert_eq!(failure.code, Code::AmbiguousMatch);
        assert_eq!(failure.extra[0], ("candidate_ids", json!(["c1", "c2"])));
        // Moving a contact onto another contact's e-mail.
        let moving = request(
            json!({"mode": "update", "lookup_by": "phone", "contact": {"primaryPhone": "+1 555 0199", "primaryEmail": "b@x.io"}}),
        );
        let one = Found {
            contacts: vec![
                StoredContact {
                    phone_key: Some("+15550199".into()),
                    ..contact("c1", "a@x.io", None, "[]")
                },
                contact("c2", "b@x.io", None, "[]"),
            ],
            entities: vec![],
        };
        let failure = decide(&moving, &one, &[], &b2b).unwrap_err();
        assert_eq!(
            (failure.code, &failure.problems[0].path[..]),
            (Code::ContactExists, "contact.primaryEmail")
        );
    }
}
