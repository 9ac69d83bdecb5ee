//! The SQL of one atomic batch that carries a [`WritePlan`] out: guards for every row
//! the plan read and changes, then the inserts and updates.

use super::decide::{ContactWrite, Context, EntityWrite, WritePlan};
use super::read::name_key;
use super::Statement;
use crate::validate::fields::Rule;
use crate::validate::request::{Change, ContactRequest, Record};
use crate::validate::rules::{email, phone};
use serde_json::Value;

/// The statements of the write: one D1 batch, all of them or none. A guard for every
/// stored row the plan changes, then [`writes`], then the guard rows deleted again.
pub fn statements(plan: &WritePlan, request: &ContactRequest, ctx: &Context) -> Vec<Statement> {
    let read = read_versions(plan);
    let mut statements: Vec<Statement> = read
        .iter()
        .map(|(table, id, version)| guard(table, id, &request.org_id, *version))
        .collect();
    statements.extend(writes(plan, request, ctx));
    if !read.is_empty() {
        statements.push(clear_guards());
    }
    statements
}

/// The stored rows a plan changes, with the version it planned from: (table, id,
/// version), the entity first.
pub fn read_versions(plan: &WritePlan) -> Vec<(&'static str, &str, i64)> {
    let mut read = Vec::new();
    if let EntityWrite::Update { id, version, .. } = &plan.entity {
        read.push(("entities", id.as_str(), *version));
    }
    if let ContactWrite::Update { id, version, .. } = &plan.contact {
        read.push(("contacts", id.as_str(), *version));
    }
    read
}

/// The inserts and updates of a plan, without guards: the entity, then the contact.
pub fn writes(plan: &WritePlan, request: &ContactRequest, ctx: &Context) -> Vec<Statement> {
    let mut statements = Vec::new();
    match &plan.entity {
        EntityWrite::None => {}
        EntityWrite::Insert(record) => statements.push(insert_entity(request, ctx, record)),
        EntityWrite::Update { id, sets, .. } => {
            statements.push(update_entity(request, ctx, id, sets))
        }
    }
    match &plan.contact {
        ContactWrite::Insert => {
            statements.push(insert_contact(request, ctx, plan.entity_id.as_deref()))
        }
        ContactWrite::Update { id, tags, link, .. } => statements.push(update_contact(
            request,
            ctx,
            id,
            tags.as_deref(),
            link.as_ref(),
        )),
    }
    statements
}

/// Deletes the guard rows of a write, in the same batch: the table is empty between
/// writes.
pub fn clear_guards() -> Statement {
    Statement::new("DELETE FROM write_guards", vec![])
}

/// One guard for many rows of one table: inserted only while every row named still has
/// the version given (`rows` is (id, version)). The rows go in as one JSON array, so
/// that a batch of any size guards a table in one statement with two bound parameters.
pub fn guard_many(table: &'static str, org_id: &str, rows: &[(&str, i64)]) -> Statement {
    let rows: Vec<Value> = rows
        .iter()
        .map(|(id, version)| serde_json::json!([id, version]))
        .collect();
    Statement::new(
        format!(
            "INSERT INTO write_guards (ok) SELECT COUNT(*) = 0 FROM json_each(?2) g \
             WHERE (SELECT t.version FROM {table} t WHERE t.id = json_extract(g.value, '$[0]') \
             AND t.org_id = ?1) IS NOT json_extract(g.value, '$[1]')"
        ),
        vec![org_id.into(), Value::Array(rows).to_string().into()],
    )
}

/// A guard row: inserted only while the row still has the version the plan read.
fn guard(table: &str, id: &str, org_id: &str, version: i64) -> Statement {
    Statement::new(
        format!("INSERT INTO write_guards (ok) VALUES ((SELECT version FROM {table} WHERE id = ?1 AND org_id = ?2) = ?3)"),
        vec![id.into(), org_id.into(), version.into()],
    )
}

fn update_entity(
    request: &ContactRequest,
    ctx: &Context,
    id: &str,
    sets: &[(&'static str, Value)],
) -> Statement {
    let mut assignments = Vec::new();
    let mut params = Vec::new();
    for (column, value) in sets {
        params.push(value.clone());
        assignments.push(format!("{column} = ?{}", params.len()));
    }
    params.extend([
        request.member_id.clone().into(),
        ctx.api_key_id.into(),
        ctx.now.into(),
        id.into(),
        request.org_id.clone().into(),
    ]);
    let n = params.len();
    Statement::new(
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
    )
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
    ctx: &Context,
    id: &str,
    tags: Option<&[Value]>,
    link: Option<&Option<String>>,
) -> Statement {
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
                let merged = Value::Array(tags.unwrap_or_default().to_vec());
                set("tags", "?", merged.to_string().into());
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
    if let Some(entity_id) = link {
        set("entity_id", "?", entity_id.clone().into());
    }
    set("updated_by", "?", request.member_id.clone().into());
    set("updated_by_key", "?", ctx.api_key_id.into());
    set("updated_at", "?", ctx.now.into());
    params.push(id.into());
    params.push(request.org_id.clone().into());
    let n = params.len();
    Statement::new(
        format!(
            "UPDATE contacts SET {}, version = version + 1 WHERE id = ?{} AND org_id = ?{n}",
            assignments.join(", "),
            n - 1
        ),
        params,
    )
}
