//! The read round trip of a batch: the credentials statement of the single request,
//! and every contact and entity any item may need in two statements whatever the
//! number of items. The keys go in as JSON arrays (`json_each`), one bound parameter
//! each, so that a statement never nears D1's 100 bound parameters nor its 100 KB of
//! SQL text.

use super::read::{
    credentials_statement, Probe, CONTACT_COLUMNS, ENTITY_COLUMNS, MAX_PHONE_CANDIDATES,
};
use super::Statement;
use serde_json::Value;

/// The keys of every item of a batch, deduplicated, in the order first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub email_keys: Vec<String>,
    pub phone_keys: Vec<String>,
    pub contact_ids: Vec<String>,
    pub entity_name_keys: Vec<String>,
}

impl Keys {
    /// Adds one item's lookup keys.
    pub fn add(&mut self, probe: &Probe) {
        fn push(list: &mut Vec<String>, key: &str) {
            if !list.iter().any(|k| k == key) {
                list.push(key.to_string());
            }
        }
        if let Some(key) = &probe.email_key {
            push(&mut self.email_keys, key);
        }
        if let Some(key) = &probe.phone_key {
            push(&mut self.phone_keys, key);
        }
        if let Some(id) = &probe.contact_id {
            push(&mut self.contact_ids, &id.to_ascii_lowercase());
        }
        for key in &probe.entity_name_keys {
            push(&mut self.entity_name_keys, key);
        }
    }
}

/// The read batch of a batch request: credentials, contacts, entities; a re-read after
/// a lost race runs the last two alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ManyRead {
    statements: Vec<Statement>,
}

impl ManyRead {
    pub fn new(key_digest: &str, secret_digest: &str, member_id: &str, keys: &Keys) -> Self {
        let array = |list: &[String]| Value::from(Value::from(list.to_vec()).to_string());
        let params = vec![
            Value::from(key_digest),
            array(&keys.email_keys),
            array(&keys.phone_keys),
            array(&keys.contact_ids),
        ];
        // The contacts each lookup finds: an e-mail and an id match at most one
        // each; a phone is read only as far as the ambiguity answer needs.
        let candidates = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c JOIN api_keys k ON k.org_id = c.org_id \
             WHERE k.key_digest = ?1 AND c.email_key IN (SELECT value FROM json_each(?2)) \
             UNION SELECT {CONTACT_COLUMNS} FROM contacts c JOIN api_keys k ON k.org_id = c.org_id \
             WHERE k.key_digest = ?1 AND c.id IN (SELECT value FROM json_each(?4)) \
             UNION SELECT {CONTACT_COLUMNS} FROM (SELECT c.*, \
             row_number() OVER (PARTITION BY c.phone_key) AS n \
             FROM contacts c JOIN api_keys k ON k.org_id = c.org_id \
             WHERE k.key_digest = ?1 AND c.phone_key IN (SELECT value FROM json_each(?3))) c \
             WHERE c.n <= {}",
            MAX_PHONE_CANDIDATES + 1
        );
        let contacts = Statement::new(candidates.clone(), params.clone());
        let mut entity_params = params;
        entity_params.push(array(&keys.entity_name_keys));
        let entities = Statement::new(
            format!(
                "SELECT {ENTITY_COLUMNS} FROM entities e JOIN api_keys k ON k.org_id = e.org_id \
                 WHERE k.key_digest = ?1 AND (e.name_key IN (SELECT value FROM json_each(?5)) \
                 OR e.id IN (SELECT c.entity_id FROM ({candidates}) c))"
            ),
            entity_params,
        );
        ManyRead {
            statements: vec![
                credentials_statement(key_digest, secret_digest, member_id),
                contacts,
                entities,
            ],
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
}

/// The read of entities by name keys in the organization, for plans that need
/// entities named after contacts whose names were not in the request: one statement
/// for every such name of a batch.
pub fn entities_by_name_statement(org_id: &str, keys: &[String]) -> Statement {
    Statement::new(
        format!(
            "SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.org_id = ?1 \
             AND e.name_key IN (SELECT value FROM json_each(?2))"
        ),
        vec![org_id.into(), Value::from(keys.to_vec()).to_string().into()],
    )
}
