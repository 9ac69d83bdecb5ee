//! The read round trip: one batch that fetches the credentials, the custom field
//! definitions and every contact and entity the plan may need, all scoped to the
//! organization of the api key; and the rows it answers.

use super::Statement;
use crate::validate::rules::{case, email, phone, text};
use crate::validate::Draft;
use serde::Deserialize;
use serde_json::Value;

/// The keys a request may be matched on, taken from the request's [`Draft`] (the
/// body read once, before the checks that need the database run), so that the one
/// read round trip can fetch everything. They are the keys of the normalized records
/// the verdict is made from, so a valid request's keys are these.
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
    pub fn from_draft(draft: &Draft) -> Probe {
        let contact = draft.contact();
        let text = |name: &str| contact.and_then(|c| c.text(name));
        let mut entity_name_keys = Vec::new();
        if let Some(name) = draft.entity().and_then(|e| e.text("name")) {
            entity_name_keys.push(name_key(name));
        }
        if let Some(first) = text("firstName") {
            entity_name_keys.push(name_key(&entity_name_for(first, text("lastName"))));
        }
        Probe {
            email_key: text("primaryEmail").map(email::lookup_key),
            phone_key: text("primaryPhone").map(phone::lookup_key),
            contact_id: text("id").map(str::to_string),
            entity_name_keys,
        }
    }
}

/// The key an entity is found by: its name trimmed and lower-cased, without the
/// characters that show as nothing ([`text::is_invisible`]), so that two names that
/// look the same are one company. The stored name stays as sent.
///
/// ```
/// use contact_core::store::name_key;
/// assert_eq!(name_key(" Acme\u{200B} Corp\u{FEFF} "), "acme corp");
/// ```
pub fn name_key(name: &str) -> String {
    let visible: String = name
        .trim()
        .chars()
        .filter(|&c| !text::is_invisible(c))
        .collect();
    case::lowercase(visible.trim())
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

/// The read round trip: one batch of the credentials statement (api key, developer
/// key, acting member and custom field definitions in one row) and the candidates
/// statements (contacts, entities). Every one is scoped to the organization of the
/// api key whose digest is given. A re-read after a lost race runs the candidates
/// alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadBatch {
    /// The credentials statement first, then the candidates.
    statements: Vec<Statement>,
}

/// The rows of the read batch, by what they hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadRows<R> {
    pub credentials: R,
    pub contacts: R,
    pub entities: R,
}

impl ReadBatch {
    pub fn new(key_digest: &str, secret_digest: &str, member_id: &str, probe: &Probe) -> Self {
        ReadBatch {
            statements: read_statements(key_digest, secret_digest, member_id, probe),
        }
    }

    /// The whole batch: credentials and candidates.
    pub fn all(&self) -> &[Statement] {
        &self.statements
    }

    /// The candidates alone, for a re-read.
    pub fn candidates(&self) -> &[Statement] {
        &self.statements[1..]
    }

    /// Names the results of [`ReadBatch::all`]; `None` when their number is not the batch's.
    pub fn rows<R>(results: Vec<R>) -> Option<ReadRows<R>> {
        let [credentials, contacts, entities] = <[R; 3]>::try_from(results).ok()?;
        Some(ReadRows {
            credentials,
            contacts,
            entities,
        })
    }

    /// Names the results of [`ReadBatch::candidates`] (the credentials left as `R::default()`).
    pub fn candidate_rows<R: Default>(results: Vec<R>) -> Option<ReadRows<R>> {
        let [contacts, entities] = <[R; 2]>::try_from(results).ok()?;
        Some(ReadRows {
            credentials: R::default(),
            contacts,
            entities,
        })
    }
}

fn read_statements(
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
        credentials_statement(key_digest, secret_digest, member_id),
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

/// The credentials statement: the api key whose digest is given, with in one row the
/// developer key matched by the secret's digest, whether the acting member is active,
/// and the organization's custom field definitions. Steps 4–9 and the definitions in
/// one statement: every statement of a batch costs D1 time of its own.
pub fn credentials_statement(key_digest: &str, secret_digest: &str, member_id: &str) -> Statement {
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
            key_digest.into(),
            secret_digest.into(),
            member_id.to_ascii_lowercase().into(),
        ],
    )
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

pub(crate) const CONTACT_COLUMNS: &str =
    "c.id, c.entity_id, c.email_key, c.phone_key, c.first_name, c.last_name, c.tags, c.version";
pub(crate) const ENTITY_COLUMNS: &str =
    "e.id, e.name, e.name_key, e.label, e.status, e.website, e.industry, \
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
    pub(crate) fn column(&self, column: &str) -> Option<&str> {
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
