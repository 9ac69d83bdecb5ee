//! Steps 10–12 for one record: every key of the contact or entity against the
//! field tables and rules, the rules that depend on the mode, and the custom fields.

use super::checks::contact_object;
use super::custom::Definitions;
use super::fields::{self, Field, Rule};
use super::problem::{Failure, Problem, ProblemCode};
use super::request::{Change, LookupBy, Mode, Record};
use super::rules::{country, email, phone, text, url, uuid, Violation};
use super::suggest;
use serde_json::{Map, Value};

/// Steps 10–12 for a contact alone, as a form validates it: the same verdict,
/// paths and messages the server gives for this contact in a request with this
/// mode and lookup.
pub fn check_contact(
    contact: &Value,
    mode: Mode,
    lookup_by: LookupBy,
    definitions: &Definitions,
) -> Result<Record, Failure> {
    let contact = contact_object(Some(contact))?;
    let mut problems = Vec::new();
    let record = read_contact(contact, Some((mode, lookup_by)), definitions, &mut problems);
    if problems.is_empty() {
        Ok(record)
    } else {
        Err(Failure::from_problems(problems))
    }
}

/// Validates a contact object alone: for the browser module's `validateContact`,
/// and the contact part of a request. `mode` is `None` when the request's mode or
/// lookup is itself invalid, so the required fields cannot be known.
pub fn read_contact(
    contact: &Map<String, Value>,
    mode: Option<(Mode, LookupBy)>,
    definitions: &Definitions,
    problems: &mut Vec<Problem>,
) -> Record {
    let record = read_record(contact, &fields::CONTACT, "contact", problems);
    finish_contact(record, mode, definitions, problems)
}

/// The rest of [`read_contact`] on a record already read: the mode's rules, then the
/// custom fields against the organization's definitions.
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
    let mut required: Vec<&'static str> = Vec::new();
    if mode.may_create(lookup_by) {
        required.extend(
            fields::CONTACT
                .iter()
                .filter(|f| f.required_to_create)
                .map(|f| f.name),
        );
    }
    if mode.finds() && !required.contains(&lookup_by.field()) {
        required.push(lookup_by.field());
    }
    for field in &fields::CONTACT {
        let needed = required.contains(&field.name);
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

/// Reads every key of an object against a field table.
pub(crate) fn read_record(
    object: &Map<String, Value>,
    table: &'static [Field],
    prefix: &str,
    problems: &mut Vec<Problem>,
) -> Record {
    // Each change with its field's place in the table, to put them in the table's order.
    let mut changes = Vec::with_capacity(object.len());
    for (key, value) in object {
        let Some(place) = table.iter().position(|f| f.name == key) else {
            problems.push(unknown_key(prefix, key, table.iter().map(|f| f.name)));
            continue;
        };
        let field = &table[place];
        match read_value(field, value) {
            Ok(Some(change)) => changes.push((place, (field, change))),
            Ok(None) => {}
            Err(found) => problems.extend(found.into_iter().map(|(suffix, v)| {
                Problem::new(format!("{prefix}.{key}{suffix}"), v.code, v.message)
            })),
        }
    }
    changes.sort_unstable_by_key(|(place, _)| *place);
    Record {
        changes: changes.into_iter().map(|(_, change)| change).collect(),
    }
}

/// Problems inside one value: a path suffix (`[3]`) and the violation.
type ValueProblems = Vec<(String, Violation)>;

/// Reads one field's value: `Ok(None)` when it counts as absent.
pub fn read_value(field: &Field, value: &Value) -> Result<Option<Change>, ValueProblems> {
    let one = |v: Violation| vec![(String::new(), v)];
    match (field.rule, value) {
        (_, Value::Null) => Ok(Some(Change::Clear)),
        (Rule::Tags, Value::Array(items)) => {
            read_tags(items).map(|tags| Some(Change::Set(Value::Array(tags))))
        }
        (Rule::Tags, other) => Err(one(wrong_type("an array of strings", other))),
        (Rule::CustomFields, Value::Object(_)) => Ok(Some(Change::Set(value.clone()))),
        (Rule::CustomFields, other) => Err(one(wrong_type("an object", other))),
        (rule, Value::String(s)) => {
            let s = text::trim(s);
            if s.is_empty() {
                return Ok(None);
            }
            check_string(rule, s)
                .map(|normalized| Some(Change::Set(Value::String(normalized))))
                .map_err(one)
        }
        (_, other) => Err(one(wrong_type("a string", other))),
    }
}

/// Checks a trimmed, non-empty string against a rule and answers its stored form.
fn check_string(rule: Rule, s: &str) -> Result<String, Violation> {
    // Text runs it in its own check; notes keeps bidirectional controls.
    if !matches!(rule, Rule::Text(..)) {
        text::bidi(s)?;
    }
    match rule {
        Rule::Text(max, lines) => text::check(s, max, lines).map(|()| s.to_string()),
        Rule::Email => email::check(s).map(|()| s.to_string()),
        Rule::Phone => phone::check(s).map(|()| s.to_string()),
        Rule::Url => url::check(s).map(|()| s.to_string()),
        Rule::Country => country::normalize(s),
        Rule::Uuid => uuid::check(s).map(|()| s.to_ascii_lowercase()),
        Rule::Tags | Rule::CustomFields => Err(Violation::new(
            ProblemCode::InvalidType,
            "must not be a string",
        )),
    }
}

fn read_tags(items: &[Value]) -> Result<Vec<Value>, ValueProblems> {
    let mut problems = Vec::new();
    if items.len() > fields::MAX_TAGS {
        problems.push((
            String::new(),
            Violation::new(
                ProblemCode::TooManyItems,
                format!(
                    "must have at most {} tags (got {})",
                    fields::MAX_TAGS,
                    items.len()
                ),
            ),
        ));
        return Err(problems);
    }
    let mut tags: Vec<Value> = Vec::with_capacity(items.len());
    let mut folded: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("[{i}]");
        let Value::String(s) = item else {
            problems.push((at, wrong_type("a string", item)));
            continue;
        };
        let s = text::trim(s);
        if s.is_empty() {
            problems.push((
                at,
                Violation::new(ProblemCode::Empty, "a tag must not be empty"),
            ));
            continue;
        }
        if let Err(v) = text::check(s, fields::MAX_TAG_CHARS, text::Lines::Single) {
            problems.push((at, v));
            continue;
        }
        let key = s.to_lowercase();
        if !folded.contains(&key) {
            folded.push(key);
            tags.push(Value::String(s.to_string()));
        }
    }
    if problems.is_empty() {
        Ok(tags)
    } else {
        Err(problems)
    }
}

fn wrong_type(expected: &str, got: &Value) -> Violation {
    Violation::new(
        ProblemCode::InvalidType,
        format!("must be {expected}, not {}", type_name(got)),
    )
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

/// An unknown key's problem. `prefix` is the path of its object (empty at the top
/// level); the key is repeated at most [`crate::validate::problem::MAX_ECHOED_CHARS`] long.
pub(crate) fn unknown_key<'a>(
    prefix: &str,
    key: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Problem {
    let shown = crate::validate::problem::echo(key);
    let message = match suggest::closest(key, known) {
        Some(name) => format!("unknown field {shown}; did you mean {name}?"),
        None => format!("unknown field {shown}"),
    };
    let path = if prefix.is_empty() {
        shown.into_owned()
    } else {
        format!("{prefix}.{shown}")
    };
    Problem::new(path, ProblemCode::UnknownField, message)
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
    let (table, prefix, field_name): (&'static [Field], &str, &str) =
        match name.strip_prefix("entity.") {
            Some(rest) => (&fields::ENTITY, "entity", rest),
            None => (
                &fields::CONTACT,
                "contact",
                name.strip_prefix("contact.").unwrap_or(name),
            ),
        };
    let mut problems = Vec::new();
    let mut object = Map::new();
    object.insert(field_name.to_string(), value.clone());
    let record = read_record(&object, table, prefix, &mut problems);
    if let (Some(Change::Set(Value::Object(values))), true) =
        (record.get("customFields"), problems.is_empty())
    {
        if let Err(found) = definitions.check(values) {
            problems.extend(found);
        }
    }
    problems
}
