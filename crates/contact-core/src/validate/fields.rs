//! The contract's field tables: each contact and entity field with its JSON name,
//! its column and its rule.

use crate::validate::rules::text::Lines;

/// The rule a field's value follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Free text of at most this many characters.
    Text(usize, Lines),
    Email,
    Phone,
    Url,
    Country,
    Uuid,
    /// At most [`MAX_TAGS`] strings of 1–[`MAX_TAG_CHARS`] characters.
    Tags,
    /// The organization's custom fields.
    CustomFields,
}

/// One field of the contract.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The camelCase name in JSON.
    pub name: &'static str,
    /// The snake_case column of the same name.
    pub column: &'static str,
    pub rule: Rule,
    /// Needed to create a record: `null` cannot clear it.
    pub required_to_create: bool,
}

pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_CHARS: usize = 50;

const fn field(name: &'static str, column: &'static str, rule: Rule) -> Field {
    Field {
        name,
        column,
        rule,
        required_to_create: false,
    }
}

const fn text(name: &'static str, column: &'static str, max: usize) -> Field {
    field(name, column, Rule::Text(max, Lines::Single))
}

/// The contact's fields, in the contract's order.
pub static CONTACT: [Field; 22] = [
    field("id", "id", Rule::Uuid),
    Field {
        required_to_create: true,
        ..text("firstName", "first_name", 100)
    },
    text("lastName", "last_name", 100),
    Field {
        required_to_create: true,
        ..field("primaryEmail", "primary_email", Rule::Email)
    },
    field("secondaryEmail", "secondary_email", Rule::Email),
    field("primaryPhone", "primary_phone", Rule::Phone),
    field("secondaryPhone", "secondary_phone", Rule::Phone),
    text("roleLabel", "role_label", 100),
    text("jobTitle", "job_title", 150),
    text("source", "source", 100),
    text("status", "status", 50),
    field("website", "website", Rule::Url),
    field("linkedinUrl", "linkedin_url", Rule::Url),
    text("addressLine1", "address_line1", 200),
    text("addressLine2", "address_line2", 200),
    text("city", "city", 200),
    text("region", "region", 200),
    text("postalCode", "postal_code", 20),
    field("country", "country", Rule::Country),
    field("notes", "notes", Rule::Text(10_000, Lines::Multi)),
    field("tags", "tags", Rule::Tags),
    field("customFields", "custom_fields", Rule::CustomFields),
];

/// The entity's (company's) fields.
pub static ENTITY: [Field; 9] = [
    Field {
        required_to_create: true,
        ..text("name", "name", 200)
    },
    text("label", "label", 100),
    text("status", "status", 50),
    field("website", "website", Rule::Url),
    text("industry", "industry", 100),
    field("primaryEmail", "primary_email", Rule::Email),
    field("primaryPhone", "primary_phone", Rule::Phone),
    text("city", "city", 200),
    field("country", "country", Rule::Country),
];

/// Looks a contact field up by its JSON name.
pub fn contact_field(name: &str) -> Option<&'static Field> {
    CONTACT.iter().find(|f| f.name == name)
}

/// Looks an entity field up by its JSON name.
pub fn entity_field(name: &str) -> Option<&'static Field> {
    ENTITY.iter().find(|f| f.name == name)
}
