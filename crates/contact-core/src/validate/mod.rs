//! Validation: the request model, its parsing, the checks of the contract in order,
//! the field tables and rules, custom fields, and problems as data. Pure: the same
//! verdicts natively, in the Worker and in the browser.

pub(crate) mod checks;
pub mod custom;
pub mod fields;
pub mod json;
pub(crate) mod packed;
pub(crate) mod parse;
pub mod pattern;
pub mod problem;
pub(crate) mod read;
pub(crate) mod record;
pub mod request;
pub mod rules;
pub(crate) mod suggest;

pub use checks::{authenticate, check, check_body, validate, Body, Caller, Draft};
pub use parse::{parse_body, read_body, too_large, too_large_streamed};
pub use record::{check_contact, check_field, read_value, type_name};

/// `parts` with `separator` between them, as `[T]::join` does: one function for
/// every list a message names, where `join` is compiled once per kind of item.
pub fn join(parts: &mut dyn Iterator<Item = &str>, separator: &str) -> String {
    let mut joined = String::new();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            joined.push_str(separator);
        }
        joined.push_str(part);
    }
    joined
}
