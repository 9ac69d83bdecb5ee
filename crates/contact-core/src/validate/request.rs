//! The request model: what a checked request asks for, normalized, as the planner
//! and the browser module both use it.

use super::fields::Field;
use super::rules::{self, email, phone};
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

/// What the request asks for: `insert` (create only), `update` (update only) or
/// `upsert` (create or update; the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Insert,
    Update,
    #[default]
    Upsert,
}

/// How an existing contact is found in `update` and `upsert` mode: by `primaryEmail`
/// (`email`, the default), by `primaryPhone` (`phone`) or by `id` (`contact_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
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
pub(crate) fn named<T: Copy>(table: &[(&'static str, T)], name: &str) -> Option<T> {
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

// The rules module is reached through here by the browser binding's `lookupKey`.
pub use rules::{email::lookup_key as email_key, phone::lookup_key as phone_key};
