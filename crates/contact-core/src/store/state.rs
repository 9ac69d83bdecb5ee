//! What a write leaves behind, as the rows a later plan reads: a batch plans its items
//! one after another, each on the rows the read found with the plans of the items
//! before it applied, so that two items naming one contact (or one entity) are a
//! create then an update of the same row, never two rows or a failed write.

use super::decide::{ContactWrite, Context, EntityWrite, WritePlan};
use super::read::{name_key, Found, StoredContact, StoredEntity};
use crate::validate::request::{Change, ContactRequest};
use crate::validate::rules::phone;
use serde_json::Value;

/// Applies a plan to the rows, as its SQL ([`super::sql::statements`]) applies it to
/// the database: new rows under the context's ids at version 1, changed rows one
/// version up.
pub fn apply(found: &mut Found, plan: &WritePlan, request: &ContactRequest, ctx: &Context) {
    match &plan.entity {
        EntityWrite::None => {}
        EntityWrite::Insert(record) => {
            let text = |name: &str| record.text(name).map(str::to_string);
            let name = text("name").unwrap_or_default();
            found.entities.push(StoredEntity {
                id: ctx.new_entity_id.to_string(),
                name_key: name_key(&name),
                name,
                label: text("label"),
                status: text("status"),
                website: text("website"),
                industry: text("industry"),
                primary_email: text("primaryEmail"),
                primary_phone: text("primaryPhone"),
                city: text("city"),
                country: text("country"),
                version: 1,
            });
        }
        EntityWrite::Update { id, sets, .. } => {
            if let Some(entity) = found.entities.iter_mut().find(|e| &e.id == id) {
                for (column, value) in sets {
                    let value = value.as_str().map(str::to_string);
                    match *column {
                        "label" => entity.label = value,
                        "status" => entity.status = value,
                        "website" => entity.website = value,
                        "industry" => entity.industry = value,
                        "primary_email" => entity.primary_email = value,
                        "primary_phone" => entity.primary_phone = value,
                        "city" => entity.city = value,
                        "country" => entity.country = value,
                        _ => {}
                    }
                }
                entity.version += 1;
            }
        }
    }
    let contact = &request.contact;
    let text = |name: &str| contact.text(name).map(str::to_string);
    match &plan.contact {
        ContactWrite::Insert => found.contacts.push(StoredContact {
            id: ctx.new_contact_id.to_string(),
            entity_id: plan.entity_id.clone(),
            email_key: request.email_key().unwrap_or_default(),
            phone_key: contact.text("primaryPhone").map(phone::lookup_key),
            first_name: text("firstName").unwrap_or_default(),
            last_name: text("lastName"),
            tags: match contact.get("tags") {
                Some(Change::Set(tags)) => tags.to_string(),
                _ => "[]".into(),
            },
            version: 1,
        }),
        ContactWrite::Update { id, tags, link, .. } => {
            let Some(stored) = found.contacts.iter_mut().find(|c| &c.id == id) else {
                return;
            };
            if let Some(key) = request.email_key() {
                stored.email_key = key;
            }
            match contact.get("primaryPhone") {
                Some(Change::Set(Value::String(p))) => {
                    stored.phone_key = Some(phone::lookup_key(p))
                }
                Some(_) => stored.phone_key = None,
                None => {}
            }
            if let Some(first) = text("firstName") {
                stored.first_name = first;
            }
            match contact.get("lastName") {
                Some(Change::Set(Value::String(last))) => stored.last_name = Some(last.clone()),
                Some(_) => stored.last_name = None,
                None => {}
            }
            if let Some(tags) = tags {
                stored.tags = Value::Array(tags.clone()).to_string();
            }
            if let Some(entity_id) = link {
                stored.entity_id = entity_id.clone();
            }
            stored.version += 1;
        }
    }
}
