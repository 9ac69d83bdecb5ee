//! Steps 10–12 for one record: every key of the contact or entity against the
//! field tables and rules, the rules that depend on the mode, and the custom fields.

use super::checks::contact_object;
use super::custom::Definitions;
use super::fields::{self, Field, Rule};
use super::json::to_text;
use super::parse::{invalid_json, too_large};
use super::problem::{Code, Failure, Problem, ProblemCode};
use super::read::{located, unknown_key, FieldSeed, RecordSeed, ValueProblems};
use super::request::{Change, LookupBy, Mode, Record, MAX_BODY_BYTES};
use super::rules::Violation;
use serde::de::DeserializeSeed;
use serde_json::Value;

/// Steps 10–12 for a contact alone, as a form validates it: the same verdict,
/// paths and messages the server gives for this contact in a request with this
/// mode and lookup. `text` is the contact's JSON text, read in one pass as the
/// server reads a body: a contact that is not JSON, or names a key twice, is
/// `INVALID_JSON`; one larger than a request could be is `PAYLOAD_TOO_LARGE`.
pub fn check_contact(
    text: &str,
    mode: Mode,
    lookup_by: LookupBy,
    definitions: &Definitions,
) -> Result<Record, Failure> {
    // A contact too large for a request could never reach the server.
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large(text.len()));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let contact = RecordSeed::CONTACT
        .deserialize(&mut deserializer)
        .and_then(|contact| deserializer.end().map(|()| contact))
        .map_err(|e| {
            Failure::new(
                Code::InvalidJson,
                format!("The contact is not valid JSON: {e}"),
            )
        })?;
    let (record, mut problems) = contact_object(Some(contact))?;
    let record = finish_contact(record, Some((mode, lookup_by)), definitions, &mut problems);
    if problems.is_empty() {
        Ok(record)
    } else {
        Err(Failure::from_problems(problems))
    }
}

/// The rest of the checks of a contact read: the mode's rules, then the custom fields
/// against the organization's definitions. `mode` is `None` when the request's mode
/// or lookup is itself invalid, so the required fields cannot be known.
pub(crate) fn finish_contact(
    mut record: Record,
    mode: Option<(Mode, LookupBy)>,
    definitions: &Definitions,
    problems: &mut Vec<Problem>,
) -> Record {
    if let Some((mode, lookup_by)) = mode {
        apply_mode(&mut record, mode, lookup_by, problems);
    }
    let checked = match record.get("customFields") {
        Some(Change::Set(Value::Object(values))) => Some(definitions.check(values)),
        _ => None,
    };
    match checked {
        Some(Ok(normalized)) => {
            if let Some((_, change)) = record
                .changes
                .iter_mut()
                .find(|(f, _)| f.rule == Rule::CustomFields)
            {
                *change = Change::Set(Value::Object(normalized));
            }
        }
        Some(Err(found)) => problems.extend(found),
        None => {}
    }
    record
}

/// The rules that depend on the mode: required fields, `null` on fields that cannot
/// be cleared, and `id`, which only finds.
fn apply_mode(record: &mut Record, mode: Mode, lookup_by: LookupBy, problems: &mut Vec<Problem>) {
    let creating_only = mode == Mode::Insert;
    if creating_only {
        // Nothing exists to clear: null is as good as absent.
        record.changes.retain(|(_, c)| *c != Change::Clear);
    }
    // Needed: what creating needs when the request may create, and the field the
    // lookup reads when it finds.
    let creating = mode.may_create(lookup_by);
    let lookup = mode.finds().then(|| lookup_by.field());
    for field in &fields::CONTACT {
        let needed = (creating && field.required_to_create) || lookup == Some(field.name);
        // Only needed fields and those that cannot be cleared have anything to check.
        if !needed && !field.required_to_create && field.name != "id" {
            continue;
        }
        let change = record.get(field.name);
        if needed && !matches!(change, Some(Change::Set(_))) {
            // A field sent with an invalid value already has its problem: it is not missing.
            let reported = problems
                .iter()
                .any(|p| p.path.strip_prefix("contact.") == Some(field.name));
            if !reported {
                problems.push(Problem::new(
                    format!("contact.{}", field.name),
                    ProblemCode::Required,
                    format!("{} is required", field.name),
                ));
            }
        } else if change == Some(&Change::Clear) && (field.required_to_create || field.name == "id")
        {
            problems.push(Problem::new(
                format!("contact.{}", field.name),
                ProblemCode::CannotClear,
                format!("{} cannot be cleared", field.name),
            ));
        }
    }
    if record.get("id").is_some() && lookup_by != LookupBy::ContactId {
        problems.push(Problem::new(
            "contact.id",
            ProblemCode::NotAllowed,
            "contact ids are issued by the server; id is only used to find a contact with lookup_by contact_id",
        ));
    }
}

/// Reads one field's value, from its JSON text as a body's values are read:
/// `Ok(None)` when it counts as absent.
pub fn read_value(field: &'static Field, value: &Value) -> Result<Option<Change>, ValueProblems> {
    let text = to_text(value);
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    FieldSeed(field)
        .deserialize(&mut deserializer)
        .unwrap_or_else(|e| {
            Err(vec![(
                String::new(),
                Violation::new(ProblemCode::InvalidType, invalid_json(e).message),
            )])
        })
}

/// The JSON type of a value, as messages name it.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks one field as a form does while the user types: `name` is a contact field
/// (`firstName`), an entity field (`entity.name`) or a custom field
/// (`customFields.industry`). Answers that field's problems, none when it is valid,
/// at most [`crate::validate::problem::MAX_LISTED_PROBLEMS`] of them.
pub fn check_field(name: &str, value: &Value, definitions: &Definitions) -> Vec<Problem> {
    let mut problems = field_problems(name, value, definitions);
    problems.truncate(crate::validate::problem::MAX_LISTED_PROBLEMS);
    problems
}

fn field_problems(name: &str, value: &Value, definitions: &Definitions) -> Vec<Problem> {
    if let Some(tag) = name.strip_prefix("customFields.") {
        return definitions
            .check_one(tag, value)
            .err()
            .into_iter()
            .collect();
    }
    let (seed, field_name) = match name.strip_prefix("entity.") {
        Some(rest) => (RecordSeed::ENTITY, rest),
        None => (
            RecordSeed::CONTACT,
            name.strip_prefix("contact.").unwrap_or(name),
        ),
    };
    let Some(field) = seed.table.iter().find(|f| f.name == field_name) else {
        let names = seed.table.iter().map(|f| f.name);
        return vec![unknown_key(seed.prefix, field_name, names)];
    };
    // The value read alone, as a contact's reader reads the value of one of its keys.
    match read_value(field, value) {
        // Only custom fields read as an object.
        Ok(Some(Change::Set(Value::Object(values)))) => {
            definitions.check(&values).err().unwrap_or_default()
        }
        Ok(_) => Vec::new(),
        Err(found) => located(seed.prefix, field_name, found).collect(),
    }
}
