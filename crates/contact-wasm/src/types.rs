//! The shapes that cross the JavaScript boundary. Their TypeScript declarations are
//! derived from these types by tsify, doc comments included, and land in the
//! package's `.d.ts`. The contact, entity and request shapes describe what the
//! endpoint reads; `tests` below holds them to the core's field tables.

use contact_core::validate::request::Record;
use contact_core::ContactRequest;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use tsify::Tsify;

// The core's own types, whose TypeScript declarations its `tsify` feature derives.
use contact_core::{LookupBy, Mode};

/// The kind of lookup key `lookupKey` normalizes.
#[derive(Debug, Clone, Copy, Serialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum LookupKind {
    /// Trimmed and lower-cased.
    Email,
    /// The leading `+` (if any) and the digits alone.
    Phone,
}

/// The value of one custom field, by its definition's type: `text`, `date`
/// (`YYYY-MM-DD`) and `select` take a string, `number` a number, `boolean` a
/// boolean, `multiselect` an array of distinct options.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(untagged)]
pub enum CustomFieldValue {
    Text(String),
    Number(f64),
    Boolean(bool),
    Options(Vec<String>),
}

/// A contact, as the endpoint takes it (`contact` in the request) and as a verdict
/// answers it normalized. Keys are camelCase. Strings are trimmed and an empty one
/// counts as absent; lengths count characters. On update an absent key leaves the
/// field as it is and `null` clears it.
#[derive(Debug, Default, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The contact's UUID: only to find it with `lookup_by: "contact_id"`; ids are
    /// issued by the server.
    #[tsify(optional)]
    pub id: Option<Option<String>>,
    /// 1–100 characters; required to create.
    #[tsify(optional)]
    pub first_name: Option<Option<String>>,
    /// At most 100 characters.
    #[tsify(optional)]
    pub last_name: Option<Option<String>>,
    /// An e-mail address (what `<input type=email>` accepts, local part ≤ 64 and
    /// whole address ≤ 254 characters); required to create; unique per organization.
    #[tsify(optional)]
    pub primary_email: Option<Option<String>>,
    /// An e-mail address.
    #[tsify(optional)]
    pub secondary_email: Option<Option<String>>,
    /// A phone number: an optional leading `+`, 7–15 digits with spaces, `-`, `.`,
    /// `(` or `)` between them.
    #[tsify(optional)]
    pub primary_phone: Option<Option<String>>,
    /// A phone number.
    #[tsify(optional)]
    pub secondary_phone: Option<Option<String>>,
    /// At most 100 characters.
    #[tsify(optional)]
    pub role_label: Option<Option<String>>,
    /// At most 150 characters.
    #[tsify(optional)]
    pub job_title: Option<Option<String>>,
    /// At most 100 characters.
    #[tsify(optional)]
    pub source: Option<Option<String>>,
    /// At most 50 characters.
    #[tsify(optional)]
    pub status: Option<Option<String>>,
    /// An http(s) URL with a host, at most 2048 characters.
    #[tsify(optional)]
    pub website: Option<Option<String>>,
    /// An http(s) URL with a host, at most 2048 characters.
    #[tsify(optional)]
    pub linkedin_url: Option<Option<String>>,
    /// At most 200 characters.
    #[tsify(optional)]
    pub address_line1: Option<Option<String>>,
    /// At most 200 characters.
    #[tsify(optional)]
    pub address_line2: Option<Option<String>>,
    /// At most 200 characters.
    #[tsify(optional)]
    pub city: Option<Option<String>>,
    /// At most 200 characters.
    #[tsify(optional)]
    pub region: Option<Option<String>>,
    /// At most 20 characters.
    #[tsify(optional)]
    pub postal_code: Option<Option<String>>,
    /// An ISO 3166-1 alpha-2 code in either case, normalized upper-case.
    #[tsify(optional)]
    pub country: Option<Option<String>>,
    /// At most 10,000 characters; newlines and tabs allowed.
    #[tsify(optional)]
    pub notes: Option<Option<String>>,
    /// At most 50 tags of 1–50 characters; duplicates (ignoring case) are dropped,
    /// order kept. On update they are added to the contact's tags.
    #[tsify(optional)]
    pub tags: Option<Option<Vec<String>>>,
    /// The organization's custom fields by tag. On update they merge: keys are
    /// added or overwritten, a key set to `null` is removed.
    #[tsify(optional, type = "Record<string, CustomFieldValue | null> | null")]
    pub custom_fields: Option<Option<Value>>,
}

/// An entity (company), as the endpoint takes it (`entity` in the request). In a B2B
/// organization it is found by name (ignoring case) or created.
#[derive(Debug, Default, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// 1–200 characters; it cannot be cleared.
    #[tsify(optional)]
    pub name: Option<String>,
    /// At most 100 characters.
    #[tsify(optional)]
    pub label: Option<Option<String>>,
    /// At most 50 characters.
    #[tsify(optional)]
    pub status: Option<Option<String>>,
    /// An http(s) URL with a host.
    #[tsify(optional)]
    pub website: Option<Option<String>>,
    /// At most 100 characters.
    #[tsify(optional)]
    pub industry: Option<Option<String>>,
    /// An e-mail address.
    #[tsify(optional)]
    pub primary_email: Option<Option<String>>,
    /// A phone number.
    #[tsify(optional)]
    pub primary_phone: Option<Option<String>>,
    /// At most 200 characters.
    #[tsify(optional)]
    pub city: Option<Option<String>>,
    /// An ISO 3166-1 alpha-2 code, normalized upper-case.
    #[tsify(optional)]
    pub country: Option<Option<String>>,
}

/// The body of `POST /apis/v2/public/crm/addContactsFull`. Keys are snake_case at
/// this level; an unknown key at any level is an error that names it.
#[derive(Debug, Default, Serialize, Tsify)]
pub struct RequestBody {
    /// Your API key.
    pub api_key: String,
    /// Your developer secret (`zdk_…`). Never put a real one into a page that is
    /// deployed: add credentials on your server.
    pub developer_secret: String,
    /// Your organization's UUID.
    pub org_id: String,
    /// The UUID of the member performing the action.
    pub member_id: String,
    /// Default `upsert`.
    #[tsify(optional)]
    pub mode: Option<Mode>,
    /// Default `email`.
    #[tsify(optional)]
    pub lookup_by: Option<LookupBy>,
    /// Skip creating and linking an entity even in B2B mode. Default `false`.
    #[tsify(optional)]
    pub skip_entity: Option<bool>,
    /// The contact's fields.
    pub contact: Contact,
    /// The contact's company.
    #[tsify(optional)]
    pub entity: Option<Option<Entity>>,
    /// Add debug information to the response. Default `false`.
    #[tsify(optional)]
    pub debug: Option<bool>,
    /// Validate, authenticate and plan, write nothing, and answer what would
    /// happen. Default `false`.
    #[tsify(optional)]
    pub dry_run: Option<bool>,
}

/// One item of a batch: a contact and, optionally, its company.
#[derive(Debug, Default, Serialize, Tsify)]
pub struct BatchItem {
    /// The contact's fields.
    pub contact: Contact,
    /// The contact's company.
    #[tsify(optional)]
    pub entity: Option<Option<Entity>>,
}

/// The body of `POST /apis/v2/public/crm/addContactsFull/batch`: the single request's
/// keys with `items` in place of `contact` and `entity`. `mode`, `lookup_by`,
/// `skip_entity`, `debug` and `dry_run` apply to every item.
#[derive(Debug, Default, Serialize, Tsify)]
pub struct BatchBody {
    /// Your API key.
    pub api_key: String,
    /// Your developer secret (`zdk_…`). Never put a real one into a page that is
    /// deployed: add credentials on your server.
    pub developer_secret: String,
    /// Your organization's UUID.
    pub org_id: String,
    /// The UUID of the member performing the action.
    pub member_id: String,
    /// Default `upsert`.
    #[tsify(optional)]
    pub mode: Option<Mode>,
    /// Default `email`.
    #[tsify(optional)]
    pub lookup_by: Option<LookupBy>,
    /// Skip creating and linking entities even in B2B mode. Default `false`.
    #[tsify(optional)]
    pub skip_entity: Option<bool>,
    /// 1 to 100 items, written in this order, each on top of the ones before it.
    pub items: Vec<BatchItem>,
    /// When any item fails, write nothing. Default `false`.
    #[tsify(optional)]
    pub all_or_none: Option<bool>,
    /// Add debug information to the response. Default `false`.
    #[tsify(optional)]
    pub debug: Option<bool>,
    /// Check and plan every item, write nothing. Default `false`.
    #[tsify(optional)]
    pub dry_run: Option<bool>,
}

/// The answer of `validateBatch`: the batch as a whole is refused (an
/// `InvalidVerdict`, as the server's whole-request error: `INVALID_ITEMS`,
/// `MISSING_API_KEY`, a bad option, …), or each item has its verdict. Branch on
/// `code`: `null` when the items were checked.
#[derive(Debug, Serialize, Tsify)]
#[serde(untagged)]
pub enum BatchVerdict {
    Items(ItemVerdicts),
    Invalid(InvalidVerdict),
}

/// Each item's verdict, in input order.
#[derive(Debug, Serialize, Tsify)]
pub struct ItemVerdicts {
    /// Whether every item is valid.
    pub ok: bool,
    #[tsify(type = "null")]
    pub code: (),
    /// One verdict per item, in the shapes of `validateRequest`: a valid item with
    /// its normalized contact and request; an invalid one with exactly the error the
    /// server answers for it in the batch's results, paths prefixed `items[i].`.
    pub items: Vec<Verdict>,
}

/// A request that passed every check a client can run: what the server acts on,
/// normalized, with the secrets left out and the defaults filled in.
#[derive(Debug, Default, Serialize, Tsify)]
pub struct NormalizedRequest {
    /// Lower-case.
    pub org_id: String,
    /// Lower-case.
    pub member_id: String,
    pub mode: Mode,
    pub lookup_by: LookupBy,
    pub skip_entity: bool,
    pub debug: bool,
    pub dry_run: bool,
    /// The normalized contact: the fields sent, trimmed, countries upper-case, tags
    /// de-duplicated; `null` for a field the request clears.
    pub contact: Contact,
    /// The normalized entity, when the request has one.
    #[tsify(optional)]
    pub entity: Option<Entity>,
}

/// The options of the validation functions.
#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    /// For `validateContact`: the mode the contact is sent with, which decides
    /// the required fields. Default `upsert`. `validateField` ignores it (one
    /// field's rules do not depend on it); `validateRequest` refuses it, as a
    /// request carries its own `mode`.
    #[tsify(optional, type = "Mode")]
    pub mode: Option<String>,
    /// For `validateContact`: how the contact is found, which decides the required
    /// lookup field. Default `email`. Ignored and refused as `mode` is.
    #[tsify(optional, type = "LookupBy")]
    pub lookup_by: Option<String>,
    /// The organization's custom field definitions, as the server holds them.
    /// Omitted: the organization defines none, so any custom field is an error.
    /// The compiled definitions are kept while the same definitions (by JSON
    /// text) are passed again, so validating on every keystroke stays cheap.
    #[tsify(optional, type = "CustomFieldDefinition[]")]
    pub custom_fields: Option<Box<RawValue>>,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Tsify)]
pub struct FieldError {
    /// Where, as a path into the request: `contact.primaryEmail`,
    /// `contact.tags[3]`, `contact.customFields.industry`, `entity.name`, `org_id`.
    pub path: String,
    /// What, as a stable snake_case code to branch on: `required`,
    /// `invalid_email`, `too_long`, `unknown_field`, `invalid_option`, …
    #[tsify(type = "ProblemCode")]
    pub code: contact_core::validate::problem::ProblemCode,
    /// What, for people: `not a valid e-mail address`.
    pub message: String,
}

impl From<&contact_core::Problem> for FieldError {
    fn from(problem: &contact_core::Problem) -> Self {
        FieldError {
            path: problem.path.clone(),
            code: problem.code,
            message: problem.message.clone(),
        }
    }
}

/// The answer of `validateContact` and `validateRequest`: valid, with the
/// normalized values, or not, with exactly the code, messages and field errors
/// that the server answers for the same input. Branch on `ok`.
#[derive(Debug, Serialize, Tsify)]
#[serde(untagged)]
pub enum Verdict {
    Valid(ValidVerdict),
    Invalid(InvalidVerdict),
}

/// The input passes every check a client can run; the server goes on to
/// authenticate the request and write.
#[derive(Debug, Serialize, Tsify)]
pub struct ValidVerdict {
    #[tsify(type = "true")]
    pub ok: bool,
    #[tsify(type = "null")]
    pub code: (),
    /// `valid`.
    pub message: String,
    #[tsify(type = "[]")]
    pub data: Vec<String>,
    #[tsify(type = "[]")]
    pub errors: Vec<FieldError>,
    /// The normalized contact, as the server stores it. With a `request`, the same
    /// object as `request.contact`.
    #[tsify(type = "Contact")]
    pub contact: RecordJson,
    /// `validateRequest` only: the normalized request, secrets left out.
    #[tsify(optional, type = "NormalizedRequest")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestJson>,
}

/// A normalized record, serialized straight from the core's [`Record`] as
/// [`Record::to_json`] renders it (keys in the same sorted order), without building
/// a JSON tree first.
#[derive(Debug, Clone)]
pub struct RecordJson(pub Record);

impl Serialize for RecordJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordRef(&self.0).serialize(serializer)
    }
}

struct RecordRef<'a>(&'a Record);

impl Serialize for RecordRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut changes: Vec<_> = self.0.changes.iter().collect();
        changes.sort_unstable_by_key(|(field, _)| field.name);
        let mut map = serializer.serialize_map(Some(changes.len()))?;
        for (field, change) in changes {
            map.serialize_entry(field.name, change)?;
        }
        map.end()
    }
}

/// A normalized request, serialized as [`ContactRequest::to_json`] renders it.
#[derive(Debug, Clone)]
pub struct RequestJson(pub ContactRequest);

impl Serialize for RequestJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = &self.0;
        let mut map = serializer.serialize_map(None)?;
        // The keys of `to_json`, in its (sorted) order.
        map.serialize_entry("contact", &RecordRef(&r.contact))?;
        map.serialize_entry("debug", &r.debug)?;
        map.serialize_entry("dry_run", &r.dry_run)?;
        if let Some(entity) = &r.entity {
            map.serialize_entry("entity", &RecordRef(entity))?;
        }
        map.serialize_entry("lookup_by", &r.lookup_by)?;
        map.serialize_entry("member_id", &r.member_id)?;
        map.serialize_entry("mode", &r.mode)?;
        map.serialize_entry("org_id", &r.org_id)?;
        map.serialize_entry("skip_entity", &r.skip_entity)?;
        map.end()
    }
}

/// The input fails a check: the server's error answer for it.
#[derive(Debug, Serialize, Tsify)]
pub struct InvalidVerdict {
    #[tsify(type = "false")]
    pub ok: bool,
    /// The top-level code, as the server answers it: `VALIDATION_ERROR`,
    /// `CUSTOM_FIELD_ERROR`, `MISSING_CONTACT`, `INVALID_JSON`, `MISSING_API_KEY`, …
    #[tsify(type = "ErrorCode")]
    pub code: contact_core::Code,
    /// The summary, as the server's `message`: `Contact validation errors: …`.
    pub message: String,
    /// The server's `data`: one readable line per problem, the missing required
    /// fields in one line (`Missing required contact fields: firstName, primaryEmail`).
    pub data: Vec<String>,
    /// The problems, with their paths, in the order the server finds them: at most
    /// 50, as the server lists them.
    pub errors: Vec<FieldError>,
    /// How many problems were found beyond those listed; absent when none were left out.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_omitted: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use contact_core::{fields, validate::request::TOP_LEVEL_KEYS};

    fn keys(value: impl Serialize) -> Vec<String> {
        match serde_json::to_value(value).expect("serializes") {
            Value::Object(map) => sorted(map.keys().cloned().collect()),
            other => panic!("not an object: {other}"),
        }
    }

    fn sorted(mut names: Vec<String>) -> Vec<String> {
        names.sort();
        names
    }

    #[test]
    fn contact_type_has_exactly_the_contract_fields() {
        let want = fields::CONTACT.iter().map(|f| f.name.to_string()).collect();
        assert_eq!(keys(Contact::default()), sorted(want));
    }

    #[test]
    fn entity_type_has_exactly_the_contract_fields() {
        let want = fields::ENTITY.iter().map(|f| f.name.to_string()).collect();
        assert_eq!(keys(Entity::default()), sorted(want));
    }

    #[test]
    fn request_type_has_exactly_the_top_level_keys() {
        let want = TOP_LEVEL_KEYS.iter().map(|k| k.to_string()).collect();
        assert_eq!(keys(RequestBody::default()), sorted(want));
    }

    #[test]
    fn batch_types_have_exactly_the_batch_keys() {
        let want = contact_core::batch::BATCH_KEYS
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(keys(BatchBody::default()), sorted(want));
        let want = contact_core::batch::ITEM_KEYS
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(keys(BatchItem::default()), sorted(want));
    }

    #[test]
    fn normalized_request_type_has_the_keys_of_to_json() {
        let request = ContactRequest {
            org_id: String::new(),
            member_id: String::new(),
            mode: Mode::Upsert,
            lookup_by: LookupBy::Email,
            skip_entity: false,
            debug: false,
            dry_run: false,
            contact: Default::default(),
            entity: Some(Default::default()),
        };
        assert_eq!(keys(NormalizedRequest::default()), keys(request.to_json()));
    }
}
