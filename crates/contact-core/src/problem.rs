//! Errors as data: a stable top-level [`Code`], and for each problem a path, a stable
//! snake_case code and a readable message.

use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;

/// The top-level outcome codes of the contract, in check order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(rename = "ErrorCode"))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    InvalidJson,
    MissingApiKey,
    InvalidApiKey,
    MissingDeveloperSecret,
    InvalidDeveloperSecret,
    IpNotWhitelisted,
    OrgMismatch,
    MemberNotFound,
    MissingContact,
    ValidationError,
    CustomFieldError,
    NotFoundUpdate,
    ContactExists,
    AmbiguousMatch,
    NotFound,
    InternalError,
}

impl Code {
    /// The HTTP status the endpoint answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Code::MethodNotAllowed => 405,
            Code::UnsupportedMediaType => 415,
            Code::PayloadTooLarge => 413,
            Code::InvalidJson | Code::MissingContact => 400,
            Code::MissingApiKey | Code::InvalidApiKey | Code::MissingDeveloperSecret => 401,
            Code::InvalidDeveloperSecret | Code::IpNotWhitelisted | Code::OrgMismatch => 403,
            Code::MemberNotFound | Code::NotFoundUpdate | Code::NotFound => 404,
            // The seed answers validation errors with 200.
            Code::ValidationError | Code::CustomFieldError => 200,
            Code::ContactExists | Code::AmbiguousMatch => 409,
            Code::InternalError => 500,
        }
    }

    /// The code as it appears on the wire (`VALIDATION_ERROR`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Code::InvalidJson => "INVALID_JSON",
            Code::MissingApiKey => "MISSING_API_KEY",
            Code::InvalidApiKey => "INVALID_API_KEY",
            Code::MissingDeveloperSecret => "MISSING_DEVELOPER_SECRET",
            Code::InvalidDeveloperSecret => "INVALID_DEVELOPER_SECRET",
            Code::IpNotWhitelisted => "IP_NOT_WHITELISTED",
            Code::OrgMismatch => "ORG_MISMATCH",
            Code::MemberNotFound => "MEMBER_NOT_FOUND",
            Code::MissingContact => "MISSING_CONTACT",
            Code::ValidationError => "VALIDATION_ERROR",
            Code::CustomFieldError => "CUSTOM_FIELD_ERROR",
            Code::NotFoundUpdate => "NOT_FOUND_UPDATE",
            Code::ContactExists => "CONTACT_EXISTS",
            Code::AmbiguousMatch => "AMBIGUOUS_MATCH",
            Code::NotFound => "NOT_FOUND",
            Code::InternalError => "INTERNAL_ERROR",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one place in the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `contact.primaryEmail`, `contact.tags[3]`, `contact.customFields.industry`.
    pub path: String,
    /// What, as a stable snake_case code clients can branch on.
    pub code: &'static str,
    /// What, for people.
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// True for a problem with a custom field's value or key (step 12 of the checks).
    pub fn is_custom_field(&self) -> bool {
        // A contact key spelled `customFields.x` is an unknown contact field, not a
        // custom field, though its path looks like one.
        self.path.starts_with("contact.customFields.") && self.code != "unknown_field"
    }
}

/// The code shared by every missing required contact field: they are reported
/// together in one message, as the seed shows.
pub const REQUIRED: &str = "required";

/// A request that cannot go on: the top-level code, a summary message, and the
/// problems behind it. Rendered by [`Failure::to_json`] in the contract's error shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    pub problems: Vec<Problem>,
    /// Extra top-level members of the error body (`contact_id`, `candidate_ids`).
    pub extra: Vec<(&'static str, Value)>,
}

impl Failure {
    /// A failure with a message and no field-level problems.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            problems: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// A failure about one field.
    pub fn at(code: Code, message: impl Into<String>, problem: Problem) -> Self {
        Failure {
            problems: vec![problem],
            ..Failure::new(code, message)
        }
    }

    pub fn with_extra(mut self, key: &'static str, value: Value) -> Self {
        self.extra.push((key, value));
        self
    }

    /// Builds the step 11/12 failure from every problem found: `VALIDATION_ERROR` when
    /// any problem is not a custom field's, else `CUSTOM_FIELD_ERROR`.
    pub fn from_problems(problems: Vec<Problem>) -> Self {
        let code = if problems.iter().all(Problem::is_custom_field) {
            Code::CustomFieldError
        } else {
            Code::ValidationError
        };
        let prefix = match code {
            Code::CustomFieldError => "Contact custom field errors: ",
            _ => "Contact validation errors: ",
        };
        let message = format!("{prefix}{}", render_data(&problems).join("; "));
        Failure {
            code,
            message,
            problems,
            extra: Vec::new(),
        }
    }

    /// The seed's `data`: one readable line per problem, the missing required
    /// fields folded into the seed's own sentence.
    pub fn data(&self) -> Vec<String> {
        if self.problems.is_empty() {
            vec![self.message.clone()]
        } else {
            render_data(&self.problems)
        }
    }

    /// The error body of the contract.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "status": "error",
            "code": self.code.as_str(),
            "message": self.message,
            "data": self.data(),
            "errors": self.problems,
        });
        if let Value::Object(map) = &mut body {
            for (key, value) in &self.extra {
                map.insert((*key).to_string(), value.clone());
            }
        }
        body
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Renders problems as the seed's `data` lines. Missing required contact fields
/// become one line, `Missing required contact fields: firstName, primaryEmail`, at
/// the place of the first of them.
pub fn render_data(problems: &[Problem]) -> Vec<String> {
    let mut lines = Vec::with_capacity(problems.len());
    let missing: Vec<&str> = problems
        .iter()
        .filter(|p| p.code == REQUIRED)
        .map(|p| p.path.rsplit('.').next().unwrap_or(&p.path))
        .collect();
    let mut missing_done = false;
    for problem in problems {
        if problem.code == REQUIRED {
            if !missing_done {
                lines.push(format!(
                    "Missing required contact fields: {}",
                    missing.join(", ")
                ));
                missing_done = true;
            }
        } else {
            lines.push(format!("{}: {}", problem.path, problem.message));
        }
    }
    lines
}
