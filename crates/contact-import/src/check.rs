//! The local check of an item before it is sent: the core's steps 10–12 on the
//! contact and the entity, with the mode and lookup of the import, so a row the
//! server would refuse for its fields is reported without being sent, with the
//! server's code, message and paths.
//!
//! Custom fields are the exception: their definitions belong to the organization
//! and the client does not know them, so `customFields` is left to the server (its
//! values only go through the conversions of their CSV columns, see
//! [`crate::input::CellKind`]).

use crate::input::Item;
use crate::report::Rejection;
use contact_core::custom::Definitions;
use contact_core::validate::Caller;
use contact_core::{Code, Failure, LookupBy, Mode};
use serde_json::{Map, Value};

/// The import's options as every item of it is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// `None`: not sent, the server's default (`upsert`).
    pub mode: Option<Mode>,
    /// `None`: not sent, the server's default (`email`).
    pub lookup_by: Option<LookupBy>,
}

impl Options {
    /// The options as the top-level keys of a request.
    pub fn to_json(self) -> Map<String, Value> {
        let mut body = Map::new();
        if let Some(mode) = self.mode {
            body.insert("mode".into(), serde_json::json!(mode));
        }
        if let Some(lookup_by) = self.lookup_by {
            body.insert("lookup_by".into(), serde_json::json!(lookup_by));
        }
        body
    }
}

/// Checks an item as the server checks it, except for its custom fields' values.
/// Answers the item's JSON text to send, or why the row is rejected.
pub fn check(item: &Item, options: Options) -> Result<String, Rejection> {
    let mut body = options.to_json();
    if let Some(contact) = item.value.get("contact") {
        let mut contact = contact.clone();
        if let Value::Object(fields) = &mut contact {
            // Only the organization's definitions can check these; a `customFields`
            // that is not an object stays, for the core to refuse.
            if matches!(fields.get("customFields"), Some(Value::Object(_))) {
                fields.remove("customFields");
            }
        }
        body.insert("contact".into(), contact);
    }
    if let Some(entity) = item.value.get("entity") {
        body.insert("entity".into(), entity.clone());
    }
    // The caller is not looked at by steps 10–12.
    let caller = Caller {
        org_id: String::new(),
        member_id: String::new(),
    };
    let verdict =
        contact_core::validate::validate(&Value::Object(body), caller, &Definitions::default());
    let failure = match verdict {
        Ok(_) if item.problems.is_empty() => {
            return Ok(Value::Object(item.value.clone()).to_string());
        }
        Ok(_) => Failure::from_problems(item.problems.clone()),
        Err(failure) if matches!(failure.code, Code::ValidationError | Code::CustomFieldError) => {
            // The core's problems first, as the server lists them before custom fields'.
            let mut problems = failure.problems;
            problems.extend(item.problems.iter().cloned());
            Failure::from_problems(problems)
        }
        Err(failure) => failure,
    };
    Err(Rejection::from_failure(&failure))
}
