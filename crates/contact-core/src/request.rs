//! The request: parsed from JSON, checked in the contract's order, and normalized
//! into a [`ContactRequest`] the planner and the browser module both use.

use crate::custom::Definitions;
use crate::fields::{self, Field, Rule};
use crate::gate::Gate;
use crate::problem::{Code, Failure, Problem, ProblemCode};
use crate::rules::{self, country, email, phone, text, url, uuid, Violation};
use crate::secrets;
use crate::suggest;
use serde::Serialize;
use serde_json::{Map, Value};

/// Largest request body the endpoint reads, in bytes.
pub const MAX_BODY_BYTES: usize = 128 * 1024;

/// The top-level keys of the request.
pub const TOP_LEVEL_KEYS: [&str; 11] = [
    "api_key",
    "developer_secret",
    "org_id",
    "member_id",
    "mode",
    "lookup_by",
    "skip_entity",
    "contact",
    "entity",
    "debug",
    "dry_run",
];

/// What the request asks for: create only, update only, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Insert,
    Update,
    #[default]
    Upsert,
}

/// How an existing contact is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LookupBy {
    #[default]
    Email,
    Phone,
    ContactId,
}

impl Mode {
    pub const ALL: [(&'static str, Mode); 3] = [
        ("insert", Mode::Insert),
        ("update", Mode::Update),
        ("upsert", Mode::Upsert),
    ];
    /// The mode named `name` (`insert`, `update`, `upsert`).
    pub fn parse(name: &str) -> Option<Mode> {
        named(&Mode::ALL, name)
    }
    /// Whether the request may create a contact, so needs what creating needs.
    pub fn may_create(self, lookup_by: LookupBy) -> bool {
        match self {
            Mode::Insert => true,
            Mode::Update => false,
            // Contact ids are issued by the server: an upsert by id never creates.
            Mode::Upsert => lookup_by != LookupBy::ContactId,
        }
    }
    /// Whether the request looks an existing contact up.
    pub fn finds(self) -> bool {
        self != Mode::Insert
    }
}

impl LookupBy {
    pub const ALL: [(&'static str, LookupBy); 3] = [
        ("email", LookupBy::Email),
        ("phone", LookupBy::Phone),
        ("contact_id", LookupBy::ContactId),
    ];
    /// The lookup named `name` (`email`, `phone`, `contact_id`).
    pub fn parse(name: &str) -> Option<LookupBy> {
        named(&LookupBy::ALL, name)
    }
    /// The contact field holding the lookup key.
    pub fn field(self) -> &'static str {
        match self {
            LookupBy::Email => "primaryEmail",
            LookupBy::Phone => "primaryPhone",
            LookupBy::ContactId => "id",
        }
    }
}

/// The value of a name table (`Mode::ALL`, `LookupBy::ALL`) named `name`.
fn named<T: Copy>(table: &[(&'static str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// A field's new state in a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Change {
    /// The normalized value: a string, the tags array, or the custom fields object.
    Set(Value),
    /// `null`: clear an optional field.
    Clear,
}

/// A contact's or an entity's fields as sent, normalized, in the contract's order.
/// Absent fields (and empty strings) are not in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub changes: Vec<(&'static Field, Change)>,
}

impl Record {
    /// The change to one field, by JSON name.
    pub fn get(&self, name: &str) -> Option<&Change> {
        self.changes
            .iter()
            .find(|(f, _)| f.name == name)
            .map(|(_, c)| c)
    }

    /// The new string value of a field, if one is set.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Change::Set(Value::String(s))) => Some(s),
            _ => None,
        }
    }

    /// The normalized record as JSON, camelCase, `null` for cleared fields.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (field, change) in &self.changes {
            let value = match change {
                Change::Set(v) => v.clone(),
                Change::Clear => Value::Null,
            };
            map.insert(field.name.to_string(), value);
        }
        Value::Object(map)
    }
}

/// A request that passed every check up to the write.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRequest {
    pub org_id: String,
    pub member_id: String,
    pub mode: Mode,
    pub lookup_by: LookupBy,
    pub skip_entity: bool,
    pub debug: bool,
    pub dry_run: bool,
    pub contact: Record,
    pub entity: Option<Record>,
}

impl ContactRequest {
    /// The normalized request as JSON, secrets left out: what the server acts on.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("org_id".into(), self.org_id.clone().into());
        map.insert("member_id".into(), self.member_id.clone().into());
        map.insert(
            "mode".into(),
            serde_json::to_value(self.mode).unwrap_or_default(),
        );
        map.insert(
            "lookup_by".into(),
            serde_json::to_value(self.lookup_by).unwrap_or_default(),
        );
        map.insert("skip_entity".into(), self.skip_entity.into());
        map.insert("debug".into(), self.debug.into());
        map.insert("dry_run".into(), self.dry_run.into());
        map.insert("contact".into(), self.contact.to_json());
        if let Some(entity) = &self.entity {
            map.insert("entity".into(), entity.to_json());
        }
        Value::Object(map)
    }

    /// The normalized key the lookup matches on.
    pub fn lookup_key(&self) -> Option<String> {
        lookup_value(&self.contact, self.lookup_by)
    }

    /// The e-mail key of the contact as sent, if it sets one.
    pub fn email_key(&self) -> Option<String> {
        self.contact.text("primaryEmail").map(email::lookup_key)
    }
}

fn lookup_value(contact: &Record, lookup_by: LookupBy) -> Option<String> {
    let value = contact.text(lookup_by.field())?;
    Some(match lookup_by {
        LookupBy::Email => email::lookup_key(value),
        LookupBy::Phone => phone::lookup_key(value),
        LookupBy::ContactId => value.to_ascii_lowercase(),
    })
}

/// Parses a request body; anything but a JSON object is `INVALID_JSON`.
pub fn parse_body(text: &str) -> Result<Value, Failure> {
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large(text.len()));
    }
    let value: Value = crate::json::from_str(text).map_err(|e| {
        let text = e.to_string();
        let detail = if text.contains("recursion limit") {
            "nesting is too deep".to_string()
        } else if let Some(at) = text.find("duplicate key") {
            // serde_json appends " at line L column C" to custom errors.
            text[at..].to_string()
        } else {
            format!(
                "{} at line {} column {}",
                describe(&e),
                e.line(),
                e.column()
            )
        };
        Failure::new(
            Code::InvalidJson,
            format!("The request body is not valid JSON: {detail}"),
        )
    })?;
    if !value.is_object() {
        return Err(not_an_object());
    }
    Ok(value)
}

/// The `PAYLOAD_TOO_LARGE` failure for a body of `len` bytes.
pub fn too_large(len: usize) -> Failure {
    Failure::new(
        Code::PayloadTooLarge,
        format!("The request body is {len} bytes; the limit is {MAX_BODY_BYTES} bytes (128 KiB)"),
    )
}

/// The `PAYLOAD_TOO_LARGE` failure for a body whose length was not declared: it is
/// read as a stream and refused as soon as it passes the limit, so its whole length
/// is never known.
pub fn too_large_streamed() -> Failure {
    Failure::new(
        Code::PayloadTooLarge,
        format!("The request body is larger than the limit of {MAX_BODY_BYTES} bytes (128 KiB)"),
    )
}

fn not_an_object() -> Failure {
    Failure::new(Code::InvalidJson, "The request body must be a JSON object")
}

fn describe(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of input",
        Category::Syntax => "syntax error",
        Category::Data | Category::Io => "invalid data",
    }
}

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
    let Some(body) = body.as_object() else {
        return Err(not_an_object());
    };
    validate_fields(body, definitions, caller.org_id, caller.member_id)
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
fn contact_object(contact: Option<&Value>) -> Result<&Map<String, Value>, Failure> {
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

/// Steps 10–12 on a body: the contact is there, every field is valid, every custom
/// field is valid.
fn validate_fields(
    body: &Map<String, Value>,
    definitions: &Definitions,
    org_id: String,
    member_id: String,
) -> Result<ContactRequest, Failure> {
    let contact = contact_object(body.get("contact"))?;
    let (top, mut problems) = match read_top_level(body) {
        Ok(top) => (Some(top), Vec::new()),
        Err(problems) => (None, problems),
    };
    let mode = top.as_ref().map(|t| (t.mode, t.lookup_by));
    let contact = read_contact(contact, mode, definitions, &mut problems);
    let entity = match body.get("entity") {
        None | Some(Value::Null) => None,
        Some(Value::Object(entity)) => Some(read_record(
            entity,
            &fields::ENTITY,
            "entity",
            &mut problems,
        )),
        Some(other) => {
            problems.push(Problem::new(
                "entity",
                ProblemCode::InvalidType,
                format!("must be an object, not {}", type_name(other)),
            ));
            None
        }
    };
    if let Some(entity) = &entity {
        if entity.get("name") == Some(&Change::Clear) {
            problems.push(Problem::new(
                "entity.name",
                ProblemCode::CannotClear,
                "an entity's name cannot be cleared",
            ));
        }
    }
    match top {
        Some(top) if problems.is_empty() => Ok(ContactRequest {
            org_id,
            member_id,
            mode: top.mode,
            lookup_by: top.lookup_by,
            skip_entity: top.skip_entity,
            debug: top.debug,
            dry_run: top.dry_run,
            contact,
            entity,
        }),
        _ => Err(Failure::from_problems(problems)),
    }
}

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
    let mut record = read_record(contact, &fields::CONTACT, "contact", problems);
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
        let change = record.get(field.name);
        if required.contains(&field.name) && !matches!(change, Some(Change::Set(_))) {
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
fn read_record(
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
/// level); the key is repeated at most [`crate::problem::MAX_ECHOED_CHARS`] long.
fn unknown_key<'a>(prefix: &str, key: &str, known: impl IntoIterator<Item = &'a str>) -> Problem {
    let shown = crate::problem::echo(key);
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
/// at most [`crate::problem::MAX_LISTED_PROBLEMS`] of them.
pub fn check_field(name: &str, value: &Value, definitions: &Definitions) -> Vec<Problem> {
    let mut problems = field_problems(name, value, definitions);
    problems.truncate(crate::problem::MAX_LISTED_PROBLEMS);
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

// The rules module is reached through here by the browser binding's `lookupKey`.
pub use rules::{email::lookup_key as email_key, phone::lookup_key as phone_key};
