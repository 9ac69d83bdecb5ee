//! One rule, one file. Each rule takes an already trimmed string and answers the
//! normalized value or a [`Violation`]: a stable code and a message without the path,
//! which the caller adds.

pub mod case;
pub mod country;
pub mod date;
pub mod email;
pub mod phone;
pub mod text;
pub mod url;
pub mod uuid;

pub use crate::validate::problem::ProblemCode;

/// A rule's verdict against one value: a stable code and a readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: ProblemCode,
    pub message: String,
}

impl Violation {
    pub fn new(code: ProblemCode, message: impl Into<String>) -> Self {
        Violation {
            code,
            message: message.into(),
        }
    }
}
