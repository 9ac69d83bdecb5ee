//! The commands. Each one checks its input first, then makes one batch of SQL whose
//! writes are conditioned on the rows they depend on (`INSERT … SELECT … WHERE`,
//! `UPDATE … WHERE`) and answer what they wrote with `RETURNING`. An empty answer
//! means nothing was written, and the rest of the same batch (read-only
//! diagnostics) says why. One call of wrangler per command, and no window between a
//! check and the write it guards.

use crate::clock;
use crate::d1::{Row, D1};
use crate::failure::Failure;
use crate::sql;
use contact_core::allowlist::{AllowList, Family, Range};
use contact_core::custom::{Definition, FieldType};
use contact_core::gate::CrmMode;
use contact_core::rules::{email, text, uuid as uuid_rule};
use contact_core::secrets::{digest, from_random, SecretKind, SECRET_BYTES};
use serde::Serialize;
use serde_json::Value;

/// Longest organization or member name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// `active` of a usable member or key, and of a deactivated or revoked one.
const ACTIVE: i64 = 1;
const INACTIVE: i64 = 0;
/// How often `allow-ip` and `remove-ip` re-read a list that changed under them
/// before giving up.
const ALLOW_IP_ATTEMPTS: usize = 5;
/// The flag that lets an allow-list admit every address of a family.
const ALLOW_ANY_FLAG: &str = "--allow-any-address";

/// The commands, run against one database.
pub struct Admin {
    db: D1,
}

#[derive(Serialize)]
struct OrgCreated {
    org_id: String,
}

#[derive(Serialize)]
struct MemberAdded {
    member_id: String,
}

#[derive(Serialize)]
struct MemberState {
    member_id: String,
    active: bool,
}

#[derive(Serialize)]
struct ApiKeyIssued {
    api_key_id: String,
    api_key: String,
}

#[derive(Serialize)]
struct ApiKeyState {
    api_key_id: String,
    active: bool,
}

#[derive(Serialize)]
struct DeveloperKeyIssued {
    developer_key_id: String,
    developer_secret: String,
}

#[derive(Serialize)]
struct DeveloperKeyAllowList {
    developer_key_id: String,
    allowed_ips: Vec<String>,
}

#[derive(Serialize)]
struct DeveloperKeyState {
    developer_key_id: String,
    active: bool,
}

#[derive(Serialize)]
struct CustomFieldAdded {
    tag: String,
}

#[derive(Serialize)]
struct CustomFieldList {
    org_id: String,
    custom_fields: Vec<Definition>,
}

#[derive(Serialize)]
struct Demo {
    org_id: String,
    member_id: String,
    api_key: String,
    developer_secret: String,
}

impl Admin {
    /// The commands against `db`.
    pub fn new(db: D1) -> Admin {
        Admin { db }
    }

    /// `org create`: a new organization.
    pub fn org_create(&self, name: &str, mode: CrmMode) -> Result<String, Failure> {
        let name = name_arg("--name", name)?;
        let org_id = new_id();
        self.db.execute(&format!(
            "INSERT INTO organizations (id, name, crm_mode, created_at) VALUES ({}, {}, {}, {});",
            sql::text(&org_id)?,
            sql::text(name)?,
            sql::text(mode.as_str())?,
            sql::text(&clock::now())?,
        ))?;
        output(&OrgCreated { org_id })
    }

    /// `member add`: a new active member of an existing organization.
    pub fn member_add(
        &self,
        org: &str,
        name: &str,
        email_address: &str,
    ) -> Result<String, Failure> {
        let org = id_arg("organization", org)?;
        let name = name_arg("--name", name)?;
        let email_address = text::trim(email_address);
        email::check(email_address)
            .map_err(|v| Failure::Input(format!("--email {email_address:?}: {}", v.message)))?;
        let member_id = new_id();
        let results = self.db.execute(&format!(
            "INSERT INTO members (id, org_id, name, email, active, created_at) \
             SELECT {}, o.id, {}, {}, {}, {} FROM organizations o WHERE o.id = {} RETURNING id;",
            sql::text(&member_id)?,
            sql::text(name)?,
            sql::text(email_address)?,
            sql::int(ACTIVE),
            sql::text(&clock::now())?,
            sql::text(&org)?,
        ))?;
        if statement(&results, 0)?.is_empty() {
            return Err(no("organization", &org));
        }
        output(&MemberAdded { member_id })
    }

    /// `member deactivate`: the member's api keys stop working (the Worker accepts
    /// only keys of active members); the rows stay for the contacts' history.
    pub fn member_deactivate(&self, id: &str) -> Result<String, Failure> {
        let id = id_arg("member", id)?;
        self.deactivate("members", "member", &id)?;
        output(&MemberState {
            member_id: id,
            active: false,
        })
    }

    /// `api-key issue`: a new key for an active member, in the member's organization.
    pub fn api_key_issue(&self, org: &str, member: &str) -> Result<String, Failure> {
        let org = id_arg("organization", org)?;
        let member = id_arg("member", member)?;
        let api_key = new_secret(SecretKind::ApiKey)?;
        let api_key_id = new_id();
        let (org_q, member_q) = (sql::text(&org)?, sql::text(&member)?);
        let results = self.db.execute(&format!(
            "INSERT INTO api_keys (id, org_id, member_id, key_digest, active, created_at) \
             SELECT {}, m.org_id, m.id, {}, {active}, {} FROM members m \
             WHERE m.id = {member_q} AND m.org_id = {org_q} AND m.active = {active} RETURNING id; \
             SELECT EXISTS (SELECT 1 FROM organizations WHERE id = {org_q}) AS org_found, \
             (SELECT org_id FROM members WHERE id = {member_q}) AS member_org, \
             (SELECT active FROM members WHERE id = {member_q}) AS member_active;",
            sql::text(&api_key_id)?,
            sql::text(&digest(&api_key))?,
            sql::text(&clock::now())?,
            active = sql::int(ACTIVE),
        ))?;
        if statement(&results, 0)?.is_empty() {
            let why = first_row(&results, 1)?;
            return Err(if !flag(why, "org_found") {
                no("organization", &org)
            } else if why.get("member_org").is_none_or(Value::is_null) {
                no("member", &member)
            } else if why.get("member_org").and_then(Value::as_str) != Some(org.as_str()) {
                Failure::Input(format!(
                    "member {member} is not a member of organization {org}"
                ))
            } else if !flag(why, "member_active") {
                Failure::Input(format!(
                    "member {member} is deactivated; api keys are issued to active members only"
                ))
            } else {
                Failure::Runtime(
                    "the api key was not stored, for no reason the database gave".into(),
                )
            });
        }
        output(&ApiKeyIssued {
            api_key_id,
            api_key,
        })
    }

    /// `api-key revoke`: the key stops working, and so do the developer keys issued
    /// under it (the Worker checks both).
    pub fn api_key_revoke(&self, id: &str) -> Result<String, Failure> {
        let id = id_arg("api key", id)?;
        self.deactivate("api_keys", "api key", &id)?;
        output(&ApiKeyState {
            api_key_id: id,
            active: false,
        })
    }

    /// `developer-key issue`: a new developer key under an active api key. An
    /// allow-list that admits every address of a family needs `allow_any_address`.
    pub fn developer_key_issue(
        &self,
        api_key_id: &str,
        allow_ips: &[String],
        allow_any_address: bool,
    ) -> Result<String, Failure> {
        let api_key_id = id_arg("api key", api_key_id)?;
        let mut allowed: Vec<(Range, String)> = Vec::new();
        for entry in allow_ips {
            let (range, entry) = range_arg(entry)?;
            if !allowed.iter().any(|(r, _)| *r == range) {
                if !allow_any_address {
                    refuse_any_address(allowed.iter().map(|(r, _)| *r), range, &entry)?;
                }
                allowed.push((range, entry));
            }
        }
        let allowed: Vec<String> = allowed.into_iter().map(|(_, e)| e).collect();
        let secret = new_secret(SecretKind::DeveloperSecret)?;
        let developer_key_id = new_id();
        let key_q = sql::text(&api_key_id)?;
        let results = self.db.execute(&format!(
            "INSERT INTO developer_keys (id, api_key_id, secret_digest, allowed_ips, active, created_at) \
             SELECT {}, k.id, {}, {}, {active}, {} FROM api_keys k WHERE k.id = {key_q} AND k.active = {active} \
             RETURNING id; \
             SELECT active FROM api_keys WHERE id = {key_q};",
            sql::text(&developer_key_id)?,
            sql::text(&digest(&secret))?,
            sql::text(&json_array(&allowed))?,
            sql::text(&clock::now())?,
            active = sql::int(ACTIVE),
        ))?;
        if statement(&results, 0)?.is_empty() {
            return Err(if statement(&results, 1)?.is_empty() {
                no("api key", &api_key_id)
            } else {
                Failure::Input(format!(
                    "api key {api_key_id} is revoked; developer keys are issued under active api keys only"
                ))
            });
        }
        warn_about_allow_list(&developer_key_id, &allowed);
        output(&DeveloperKeyIssued {
            developer_key_id,
            developer_secret: secret,
        })
    }

    /// `developer-key allow-ip`: adds an address or range to an active developer
    /// key's allow-list, unless the list already has that range (in any spelling).
    /// An entry that makes the list admit every address of a family needs
    /// `allow_any_address`.
    pub fn developer_key_allow_ip(
        &self,
        id: &str,
        ip: &str,
        allow_any_address: bool,
    ) -> Result<String, Failure> {
        let id = id_arg("developer key", id)?;
        let (range, entry) = range_arg(ip)?;
        if !allow_any_address {
            // An entry that alone admits a whole family is refused before the
            // database is asked.
            refuse_any_address(std::iter::empty(), range, &entry)?;
        }
        let list = self.edit_allow_list(&id, |list| {
            let present = list
                .iter()
                .any(|e| Range::parse(e).is_ok_and(|r| r == range) || *e == entry);
            if present {
                return Ok(false);
            }
            if !allow_any_address {
                refuse_any_address(stored_ranges(list), range, &entry)?;
            }
            list.push(entry.clone());
            Ok(true)
        })?;
        warn_about_allow_list(&id, &list);
        output(&DeveloperKeyAllowList {
            developer_key_id: id,
            allowed_ips: list,
        })
    }

    /// `developer-key remove-ip`: removes an address or range from an active
    /// developer key's allow-list. The entry is matched as the allow-list parser
    /// reads it, so `10.0.0.1` removes a stored `10.0.0.1/32` and `::1` a stored
    /// `0:0:0:0:0:0:0:1`; an entry the list does not hold is an error.
    pub fn developer_key_remove_ip(&self, id: &str, ip: &str) -> Result<String, Failure> {
        let id = id_arg("developer key", id)?;
        let (range, entry) = range_arg(ip)?;
        let list = self.edit_allow_list(&id, |list| {
            let before = list.len();
            list.retain(|e| !Range::parse(e).is_ok_and(|r| r == range));
            if list.len() == before {
                return Err(Failure::Input(format!(
                    "{entry:?} is not in the allow-list of developer key {id}"
                )));
            }
            Ok(true)
        })?;
        warn_about_allow_list(&id, &list);
        output(&DeveloperKeyAllowList {
            developer_key_id: id,
            allowed_ips: list,
        })
    }

    /// Reads the allow-list of the active developer key `id`, lets `edit` change
    /// it (answering whether it did), and writes the result back only if the
    /// stored list is still the one read: a concurrent change makes the update
    /// match no row, and the list is read and edited again. Answers the list as
    /// it now stands.
    fn edit_allow_list(
        &self,
        id: &str,
        mut edit: impl FnMut(&mut Vec<String>) -> Result<bool, Failure>,
    ) -> Result<Vec<String>, Failure> {
        let id_q = sql::text(id)?;
        for _ in 0..ALLOW_IP_ATTEMPTS {
            let results = self.db.execute(&format!(
                "SELECT allowed_ips, active FROM developer_keys WHERE id = {id_q};"
            ))?;
            let Some(row) = statement(&results, 0)?.first() else {
                return Err(no("developer key", id));
            };
            if !flag(row, "active") {
                return Err(Failure::Input(format!(
                    "developer key {id} is revoked; its allow-list can no longer change"
                )));
            }
            let stored = row
                .get("allowed_ips")
                .and_then(Value::as_str)
                .ok_or_else(|| Failure::Runtime(format!("developer key {id} has no allow-list")))?;
            let mut list: Vec<String> = serde_json::from_str(stored).map_err(|_| {
                Failure::Runtime(format!(
                    "developer key {id} has an allow-list that is not a JSON array of strings"
                ))
            })?;
            if !edit(&mut list)? {
                return Ok(list);
            }
            let updated = self.db.execute(&format!(
                "UPDATE developer_keys SET allowed_ips = {} \
                 WHERE id = {id_q} AND active = {} AND allowed_ips = {} RETURNING id;",
                sql::text(&json_array(&list))?,
                sql::int(ACTIVE),
                sql::text(stored)?,
            ))?;
            if !statement(&updated, 0)?.is_empty() {
                return Ok(list);
            }
        }
        Err(Failure::Runtime(format!(
            "developer key {id} kept changing while its allow-list was updated; try again"
        )))
    }

    /// `developer-key revoke`: the key stops working.
    pub fn developer_key_revoke(&self, id: &str) -> Result<String, Failure> {
        let id = id_arg("developer key", id)?;
        self.deactivate("developer_keys", "developer key", &id)?;
        output(&DeveloperKeyState {
            developer_key_id: id,
            active: false,
        })
    }

    /// `custom-field add`: a new custom field definition, checked by the same code
    /// the Worker compiles it with.
    pub fn custom_field_add(&self, org: &str, definition: Definition) -> Result<String, Failure> {
        let org = id_arg("organization", org)?;
        let tag = definition.tag.clone();
        let stored = definition_json(definition)?;
        let org_q = sql::text(&org)?;
        let results = self.db.execute(&format!(
            "INSERT INTO custom_fields (org_id, tag, definition, created_at) \
             SELECT o.id, {}, {}, {} FROM organizations o WHERE o.id = {org_q} \
             ON CONFLICT (org_id, tag) DO NOTHING RETURNING tag; \
             SELECT EXISTS (SELECT 1 FROM organizations WHERE id = {org_q}) AS org_found;",
            sql::text(&tag)?,
            sql::text(&stored)?,
            sql::text(&clock::now())?,
        ))?;
        if statement(&results, 0)?.is_empty() {
            return Err(if !flag(first_row(&results, 1)?, "org_found") {
                no("organization", &org)
            } else {
                Failure::Input(format!(
                    "custom field {tag} already exists in organization {org}"
                ))
            });
        }
        output(&CustomFieldAdded { tag })
    }

    /// `custom-field list`: the organization's definitions, sorted by tag.
    pub fn custom_field_list(&self, org: &str) -> Result<String, Failure> {
        let org = id_arg("organization", org)?;
        let org_q = sql::text(&org)?;
        let results = self.db.execute(&format!(
            "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = {org_q}) AS org_found; \
             SELECT tag, definition FROM custom_fields WHERE org_id = {org_q} ORDER BY tag;"
        ))?;
        if !flag(first_row(&results, 0)?, "org_found") {
            return Err(no("organization", &org));
        }
        let custom_fields = statement(&results, 1)?
            .iter()
            .map(|row| {
                let tag = row.get("tag").and_then(Value::as_str).unwrap_or("?");
                row.get("definition")
                    .and_then(Value::as_str)
                    .and_then(|text| serde_json::from_str::<Definition>(text).ok())
                    .ok_or_else(|| {
                        Failure::Runtime(format!(
                            "custom field {tag} of organization {org} has a stored definition that does not parse"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        output(&CustomFieldList {
            org_id: org,
            custom_fields,
        })
    }

    /// `demo`: a B2B organization with a member, an api key, a developer key allowed
    /// from the loopback addresses and two select fields, in one batch.
    pub fn demo(&self) -> Result<String, Failure> {
        let now = sql::text(&clock::now())?;
        let active = sql::int(ACTIVE);
        let (org_id, member_id, api_key_id, developer_key_id) =
            (new_id(), new_id(), new_id(), new_id());
        let api_key = new_secret(SecretKind::ApiKey)?;
        let developer_secret = new_secret(SecretKind::DeveloperSecret)?;
        let (org_q, member_q, api_key_q) = (
            sql::text(&org_id)?,
            sql::text(&member_id)?,
            sql::text(&api_key_id)?,
        );
        let mut batch = vec![
            format!(
                "INSERT INTO organizations (id, name, crm_mode, created_at) \
                 VALUES ({org_q}, 'Demo Company', 'B2B', {now});"
            ),
            format!(
                "INSERT INTO members (id, org_id, name, email, active, created_at) \
                 VALUES ({member_q}, {org_q}, 'Demo Member', 'demo@example.com', {active}, {now});"
            ),
            format!(
                "INSERT INTO api_keys (id, org_id, member_id, key_digest, active, created_at) \
                 VALUES ({api_key_q}, {org_q}, {member_q}, {}, {active}, {now});",
                sql::text(&digest(&api_key))?
            ),
            format!(
                "INSERT INTO developer_keys (id, api_key_id, secret_digest, allowed_ips, active, created_at) \
                 VALUES ({}, {api_key_q}, {}, {}, {active}, {now});",
                sql::text(&developer_key_id)?,
                sql::text(&digest(&developer_secret))?,
                sql::text(&json_array(&["127.0.0.1".into(), "::1".into()]))?
            ),
        ];
        let fields: [(&str, &[&str]); 2] = [
            (
                "industry",
                &[
                    "Technology",
                    "Finance",
                    "Healthcare",
                    "Retail",
                    "Manufacturing",
                    "Education",
                    "Other",
                ],
            ),
            (
                "company_size",
                &["1-10", "11-50", "50-200", "201-1000", "1000+"],
            ),
        ];
        for (tag, options) in fields {
            let definition = Definition {
                tag: tag.into(),
                field_type: FieldType::Select,
                options: options.iter().map(|o| o.to_string()).collect(),
                pattern: None,
                max_length: None,
                min: None,
                max: None,
            };
            batch.push(format!(
                "INSERT INTO custom_fields (org_id, tag, definition, created_at) \
                 VALUES ({org_q}, {}, {}, {now});",
                sql::text(tag)?,
                sql::text(&definition_json(definition)?)?
            ));
        }
        self.db.execute(&batch.join("\n"))?;
        output(&Demo {
            org_id,
            member_id,
            api_key,
            developer_secret,
        })
    }

    /// Sets `active = 0` on the row `id` of `table`; an unknown id is an error.
    /// Deactivating twice is allowed: the state asked for is the state reached.
    fn deactivate(&self, table: &str, what: &str, id: &str) -> Result<(), Failure> {
        let results = self.db.execute(&format!(
            "UPDATE {table} SET active = {} WHERE id = {} RETURNING id;",
            sql::int(INACTIVE),
            sql::text(id)?
        ))?;
        if statement(&results, 0)?.is_empty() {
            return Err(no(what, id));
        }
        Ok(())
    }
}

/// A fresh random (v4) UUID, lower-case and hyphenated.
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh secret of 256 bits from the operating system's CSPRNG.
fn new_secret(kind: SecretKind) -> Result<String, Failure> {
    let mut random = [0u8; SECRET_BYTES];
    getrandom::fill(&mut random).map_err(|e| {
        Failure::Runtime(format!("no random numbers from the operating system: {e}"))
    })?;
    Ok(from_random(kind, &random))
}

/// An id argument, trimmed and lower-cased as ids are stored. Something that is not
/// a UUID names nothing, and is answered so without asking the database.
fn id_arg(what: &str, value: &str) -> Result<String, Failure> {
    let id = value.trim().to_ascii_lowercase();
    if uuid_rule::is_uuid(&id) {
        Ok(id)
    } else {
        Err(Failure::Input(format!(
            "no {what} {value:?}: ids are UUIDs such as a1b2c3d4-e5f6-7890-abcd-ef1234567890"
        )))
    }
}

/// The error for an id that names no row.
fn no(what: &str, id: &str) -> Failure {
    Failure::Input(format!("no {what} {id}"))
}

/// A name: trimmed, not empty, at most 200 characters, no control characters.
fn name_arg<'a>(flag: &str, value: &'a str) -> Result<&'a str, Failure> {
    let name = text::trim(value);
    if name.is_empty() {
        return Err(Failure::Input(format!("{flag} must not be empty")));
    }
    text::check(name, MAX_NAME_CHARS, text::Lines::Single)
        .map_err(|v| Failure::Input(format!("{flag}: {}", v.message)))?;
    Ok(name)
}

/// An allow-list entry, checked by the parser the Worker uses; stored as typed
/// (trimmed), so that the list reads back as the administrator wrote it.
fn range_arg(value: &str) -> Result<(Range, String), Failure> {
    let range = Range::parse(value).map_err(|e| Failure::Input(e.to_string()))?;
    Ok((range, value.trim().to_string()))
}

/// The ranges of a stored allow-list; an entry that does not parse admits nothing.
fn stored_ranges(list: &[String]) -> impl Iterator<Item = Range> + '_ {
    list.iter().filter_map(|e| Range::parse(e).ok())
}

/// Refuses `entry` (parsed as `range`) when it alone admits every address of its
/// family, or when adding it to `others` makes them admit every address of a
/// family they did not all admit before.
fn refuse_any_address(
    others: impl Iterator<Item = Range>,
    range: Range,
    entry: &str,
) -> Result<(), Failure> {
    let family = range.family();
    let how = if range.admits_every_address() {
        ""
    } else {
        let others: Vec<Range> = others.collect();
        let before: AllowList = others.iter().copied().collect();
        let after: AllowList = others.into_iter().chain([range]).collect();
        if before.admits_every_address_of(family) || !after.admits_every_address_of(family) {
            return Ok(());
        }
        " together with the other entries"
    };
    Err(Failure::Input(format!(
        "allow-list entry {entry:?}{how} admits every {family} address, so the developer key would work from anywhere; pass {ALLOW_ANY_FLAG} to store it anyway"
    )))
}

/// Warns on stderr about a developer key's allow-list that lets no one in, or
/// that admits every address of a family.
fn warn_about_allow_list(id: &str, list: &[String]) {
    if list.is_empty() {
        eprintln!(
            "warning: the allow-list is empty, so no one can use this developer key until `developer-key allow-ip` adds an address"
        );
        return;
    }
    let open: AllowList = stored_ranges(list).collect();
    let families: Vec<String> = open
        .families_admitted_entirely()
        .iter()
        .map(Family::to_string)
        .collect();
    if !families.is_empty() {
        eprintln!(
            "warning: every {} address can use developer key {id}: its allow-list admits them all",
            families.join(" and ")
        );
    }
}

/// A compiled-and-checked definition in its stored JSON form.
fn definition_json(definition: Definition) -> Result<String, Failure> {
    let compiled = definition
        .compile()
        .map_err(|e| Failure::Input(e.to_string()))?;
    serde_json::to_string(&compiled.definition)
        .map_err(|e| Failure::Runtime(format!("cannot encode the definition: {e}")))
}

fn json_array(entries: &[String]) -> String {
    // Serializing strings cannot fail.
    serde_json::to_string(entries).unwrap_or_else(|_| "[]".into())
}

/// The rows of statement `index` of a batch.
fn statement(results: &[Vec<Row>], index: usize) -> Result<&[Row], Failure> {
    results.get(index).map(Vec::as_slice).ok_or_else(|| {
        Failure::Runtime(format!(
            "the database answered {} statements, expected more",
            results.len()
        ))
    })
}

/// The single row of a diagnostic `SELECT` without `FROM`.
fn first_row(results: &[Vec<Row>], index: usize) -> Result<&Row, Failure> {
    statement(results, index)?
        .first()
        .ok_or_else(|| Failure::Runtime("the database answered no row".into()))
}

/// A 0/1 column as a bool.
fn flag(row: &Row, column: &str) -> bool {
    row.get(column)
        .and_then(Value::as_i64)
        .is_some_and(|n| n != 0)
}

fn output(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string(value)
        .map_err(|e| Failure::Runtime(format!("cannot encode the result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalized_or_refused() {
        assert_eq!(
            id_arg("organization", " A1B2C3D4-E5F6-7890-ABCD-EF1234567890 ").unwrap(),
            "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
        );
        let err = id_arg("organization", "x'; DROP TABLE organizations; --").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("no organization "));
    }

    #[test]
    fn new_ids_are_v4() {
        let id = new_id();
        assert!(uuid_rule::is_uuid(&id));
        assert_eq!(id, id.to_ascii_lowercase());
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, new_id());
    }

    #[test]
    fn secrets_have_their_format_and_differ() {
        use contact_core::secrets::has_format;
        let a = new_secret(SecretKind::ApiKey).unwrap();
        let b = new_secret(SecretKind::ApiKey).unwrap();
        assert!(has_format(SecretKind::ApiKey, &a));
        assert_ne!(a, b);
        assert!(has_format(
            SecretKind::DeveloperSecret,
            &new_secret(SecretKind::DeveloperSecret).unwrap()
        ));
    }

    #[test]
    fn names() {
        assert_eq!(name_arg("--name", "  Acme  ").unwrap(), "Acme");
        assert!(name_arg("--name", "   ").is_err());
        assert!(name_arg("--name", "a\nb").is_err());
        assert!(name_arg("--name", &"x".repeat(201)).is_err());
    }

    #[test]
    fn entries_that_admit_a_whole_family_are_refused() {
        let range = |e: &str| Range::parse(e).unwrap();
        let err = refuse_any_address(std::iter::empty(), range("::/0"), "::/0").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "allow-list entry \"::/0\" admits every IPv6 address, so the developer key would work from anywhere; pass --allow-any-address to store it anyway"
        );
        let err = refuse_any_address(
            [range("0.0.0.0/1"), range("::1")].into_iter(),
            range("128.0.0.0/1"),
            "128.0.0.0/1",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "allow-list entry \"128.0.0.0/1\" together with the other entries admits every IPv4 address, so the developer key would work from anywhere; pass --allow-any-address to store it anyway"
        );
        // Half of a family is not all of it, and a family already open stays so.
        assert!(refuse_any_address(std::iter::empty(), range("0.0.0.0/1"), "0.0.0.0/1").is_ok());
        assert!(refuse_any_address(
            [range("0.0.0.0/0")].into_iter(),
            range("10.0.0.0/8"),
            "10.0.0.0/8"
        )
        .is_ok());
        assert!(refuse_any_address(
            [range("0.0.0.0/1"), range("128.0.0.0/1")].into_iter(),
            range("128.0.0.0/2"),
            "128.0.0.0/2"
        )
        .is_ok());
        // A stored entry that does not parse admits nothing.
        let stored = vec!["bogus".to_string(), "0.0.0.0/1".to_string()];
        assert_eq!(stored_ranges(&stored).count(), 1);
    }

    #[test]
    fn definitions_are_checked_and_stored_in_camel_case() {
        let definition = Definition {
            tag: "code".into(),
            field_type: FieldType::Text,
            options: vec![],
            pattern: Some("[A-Z]{3}".into()),
            max_length: Some(3),
            min: None,
            max: None,
        };
        assert_eq!(
            definition_json(definition.clone()).unwrap(),
            r#"{"tag":"code","type":"text","pattern":"[A-Z]{3}","maxLength":3}"#
        );
        let bad = Definition {
            pattern: Some("(".into()),
            ..definition
        };
        assert!(definition_json(bad)
            .unwrap_err()
            .to_string()
            .contains("pattern does not compile"));
    }
}
