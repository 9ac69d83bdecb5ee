//! Errors as data: a stable top-level [`Code`], and for each problem a path, a stable
//! snake_case code and a readable message.

use super::join;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;

/// Declares a code enum whose variants carry their wire names once: the enum
/// serializes by them, `as_str` answers them and `ALL` lists every variant.
macro_rules! wire_codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum $name {
            $($(#[$doc])* #[serde(rename = $wire)] $variant,)*
        }

        impl $name {
            /// Every code, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_codes! {
    /// The top-level outcome codes of the contract, in check order.
    #[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(rename = "ErrorCode"))]
    pub enum Code {
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
        InvalidJson = "INVALID_JSON",
        /// The `Idempotency-Key` header is empty, longer than 255 characters or not
        /// printable ASCII (step 2).
        InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY",
        MissingApiKey = "MISSING_API_KEY",
        InvalidApiKey = "INVALID_API_KEY",
        MissingDeveloperSecret = "MISSING_DEVELOPER_SECRET",
        InvalidDeveloperSecret = "INVALID_DEVELOPER_SECRET",
        IpNotWhitelisted = "IP_NOT_WHITELISTED",
        OrgMismatch = "ORG_MISMATCH",
        MemberNotFound = "MEMBER_NOT_FOUND",
        /// Over a rate limit: the api key's, counted once the caller is authenticated,
        /// or the client address's for requests refused before authentication.
        RateLimited = "RATE_LIMITED",
        MissingContact = "MISSING_CONTACT",
        /// The batch endpoint's `items` is not an array of 1–100 objects (step 10).
        InvalidItems = "INVALID_ITEMS",
        ValidationError = "VALIDATION_ERROR",
        CustomFieldError = "CUSTOM_FIELD_ERROR",
        NotFoundUpdate = "NOT_FOUND_UPDATE",
        ContactExists = "CONTACT_EXISTS",
        AmbiguousMatch = "AMBIGUOUS_MATCH",
        /// The idempotency key was used before with another body (step 13).
        IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED",
        /// The idempotency key's first request has not finished (step 13).
        IdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE",
        /// A batch item with `all_or_none` that was not written because another item
        /// failed. Only ever an item's code, never a whole answer's.
        BatchRolledBack = "BATCH_ROLLED_BACK",
        NotFound = "NOT_FOUND",
        InternalError = "INTERNAL_ERROR",
    }
}

impl Code {
    /// The HTTP status the endpoint answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Code::MethodNotAllowed => 405,
            Code::UnsupportedMediaType => 415,
            Code::PayloadTooLarge => 413,
            Code::InvalidJson
            | Code::InvalidIdempotencyKey
            | Code::MissingContact
            | Code::InvalidItems => 400,
            Code::MissingApiKey | Code::InvalidApiKey | Code::MissingDeveloperSecret => 401,
            Code::InvalidDeveloperSecret | Code::IpNotWhitelisted | Code::OrgMismatch => 403,
            Code::MemberNotFound | Code::NotFoundUpdate | Code::NotFound => 404,
            // The seed answers validation errors with 200.
            Code::ValidationError | Code::CustomFieldError => 200,
            Code::ContactExists | Code::AmbiguousMatch | Code::IdempotencyKeyInUse => 409,
            // An item's code: the batch answers 207 around it.
            Code::BatchRolledBack => 207,
            Code::IdempotencyKeyReused => 422,
            Code::RateLimited => 429,
            Code::InternalError => 500,
        }
    }
}

wire_codes! {
    /// What is wrong with one field: the stable snake_case code of a [`Problem`].
    #[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
    pub enum ProblemCode {
        /// A field that creating or finding needs is absent (folded into the seed's
        /// `Missing required contact fields: …` line).
        Required = "required",
        /// `org_id` or `member_id` is absent.
        Missing = "missing",
        InvalidType = "invalid_type",
        /// Not one of the allowed names (`mode`, `lookup_by`).
        InvalidValue = "invalid_value",
        UnknownField = "unknown_field",
        UnknownCustomField = "unknown_custom_field",
        CannotClear = "cannot_clear",
        NotAllowed = "not_allowed",
        /// The write: no contact matches the lookup.
        NotFound = "not_found",
        /// The write: more than one contact shares the phone looked up.
        AmbiguousMatch = "ambiguous_match",
        /// The write: another contact holds the value.
        ContactExists = "contact_exists",
        TooLong = "too_long",
        TooManyItems = "too_many_items",
        Empty = "empty",
        ControlCharacter = "control_character",
        BidiControl = "bidi_control",
        InvalidEmail = "invalid_email",
        EmailTooLong = "email_too_long",
        InvalidPhone = "invalid_phone",
        InvalidUrl = "invalid_url",
        InvalidUuid = "invalid_uuid",
        InvalidDate = "invalid_date",
        InvalidCountry = "invalid_country",
        InvalidOption = "invalid_option",
        DuplicateOption = "duplicate_option",
        PatternMismatch = "pattern_mismatch",
        BelowMinimum = "below_minimum",
        AboveMaximum = "above_maximum",
    }
}

impl PartialEq<&str> for ProblemCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One problem with one place in the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `contact.primaryEmail`, `contact.tags[3]`, `contact.customFields.industry`.
    pub path: String,
    /// What, as a stable snake_case code clients can branch on.
    pub code: ProblemCode,
    /// What, for people.
    pub message: String,
    /// Found by step 12, the organization's custom field definitions.
    #[serde(skip)]
    pub custom_field: bool,
}

impl Problem {
    pub fn new(path: impl Into<String>, code: ProblemCode, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            code,
            message: message.into(),
            custom_field: false,
        }
    }

    /// A problem with a custom field's value or key (step 12 of the checks).
    pub fn custom(path: impl Into<String>, code: ProblemCode, message: impl Into<String>) -> Self {
        Problem {
            custom_field: true,
            ..Problem::new(path, code, message)
        }
    }

    /// True for a problem with a custom field's value or key (step 12 of the checks).
    pub fn is_custom_field(&self) -> bool {
        self.custom_field
    }
}

/// The most problems an error answer lists; the rest are counted in
/// `errors_omitted`. Together with [`MAX_ECHOED_CHARS`] this keeps an error answer
/// small whatever the request holds.
pub const MAX_LISTED_PROBLEMS: usize = 50;

/// The most problem lines the summary `message` repeats; `data` and `errors` hold
/// the listed problems in full.
pub const MAX_MESSAGE_LINES: usize = 5;

/// The most characters of a client's own key (an unknown field's name) that a
/// path or message repeats; a longer key is cut there and ends with `…`.
pub const MAX_ECHOED_CHARS: usize = 64;

/// A key of the request as paths and messages repeat it: cut at
/// [`MAX_ECHOED_CHARS`] characters.
///
/// ```
/// use contact_core::validate::problem::echo;
/// assert_eq!(echo("nickname"), "nickname");
/// assert_eq!(echo(&"x".repeat(100)), format!("{}…", "x".repeat(64)));
/// ```
pub fn echo(key: &str) -> std::borrow::Cow<'_, str> {
    match key.char_indices().nth(MAX_ECHOED_CHARS) {
        None => key.into(),
        Some((end, _)) => format!("{}…", &key[..end]).into(),
    }
}

/// A request that cannot go on: the top-level code, a summary message, and the
/// problems behind it. Rendered by [`Failure::to_json`] in the contract's error shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    /// At most [`MAX_LISTED_PROBLEMS`], in the order they were found.
    pub problems: Vec<Problem>,
    /// How many more problems were found than `problems` lists.
    pub omitted: usize,
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
            omitted: 0,
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
    /// any problem is not a custom field's, else `CUSTOM_FIELD_ERROR`. The first
    /// [`MAX_LISTED_PROBLEMS`] are listed and the rest counted; the message repeats
    /// the first [`MAX_MESSAGE_LINES`] lines and says how many problems there are in all.
    pub fn from_problems(mut problems: Vec<Problem>) -> Self {
        let code = if problems.iter().all(Problem::is_custom_field) {
            Code::CustomFieldError
        } else {
            Code::ValidationError
        };
        let prefix = match code {
            Code::CustomFieldError => "Contact custom field errors: ",
            _ => "Contact validation errors: ",
        };
        let total = problems.len();
        problems.truncate(MAX_LISTED_PROBLEMS);
        let omitted = total - problems.len();
        let lines = render_data(&problems);
        let message = if lines.len() <= MAX_MESSAGE_LINES && omitted == 0 {
            format!(
                "{prefix}{}",
                join(&mut lines.iter().map(String::as_str), "; ")
            )
        } else {
            format!(
                "{prefix}{}; … {total} problems in all",
                join(
                    &mut lines[..MAX_MESSAGE_LINES.min(lines.len())]
                        .iter()
                        .map(String::as_str),
                    "; "
                )
            )
        };
        Failure {
            code,
            message,
            problems,
            omitted,
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
            if self.omitted > 0 {
                map.insert("errors_omitted".into(), self.omitted.into());
            }
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

impl std::error::Error for Failure {}

/// Renders problems as the seed's `data` lines. Missing required contact fields
/// become one line, `Missing required contact fields: firstName, primaryEmail`, at
/// the place of the first of them.
pub fn render_data(problems: &[Problem]) -> Vec<String> {
    let mut lines = Vec::with_capacity(problems.len());
    let missing: Vec<&str> = problems
        .iter()
        .filter(|p| p.code == ProblemCode::Required)
        .map(|p| p.path.rsplit('.').next().unwrap_or(&p.path))
        .collect();
    let mut missing_done = false;
    for problem in problems {
        if problem.code == ProblemCode::Required {
            if !missing_done {
                lines.push(format!(
                    "Missing required contact fields: {}",
                    join(&mut missing.iter().copied(), ", ")
                ));
                missing_done = true;
            }
        } else {
            lines.push(format!("{}: {}", problem.path, problem.message));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(n: usize) -> Vec<Problem> {
        (0..n)
            .map(|i| {
                Problem::new(
                    format!("contact.k{i}"),
                    ProblemCode::UnknownField,
                    format!("unknown field k{i}"),
                )
            })
            .collect()
    }

    #[test]
    fn a_few_problems_are_listed_whole() {
        let failure = Failure::from_problems(unknown(5));
        assert_eq!(failure.problems.len(), 5);
        assert_eq!(failure.omitted, 0);
        assert_eq!(
            failure.message,
            "Contact validation errors: contact.k0: unknown field k0; contact.k1: unknown field k1; \
             contact.k2: unknown field k2; contact.k3: unknown field k3; contact.k4: unknown field k4"
        );
        assert!(failure.to_json().get("errors_omitted").is_none());
    }

    #[test]
    fn many_problems_are_capped_and_counted() {
        let failure = Failure::from_problems(unknown(3000));
        assert_eq!(failure.problems.len(), MAX_LISTED_PROBLEMS);
        assert_eq!(failure.omitted, 3000 - MAX_LISTED_PROBLEMS);
        assert_eq!(
            failure.message,
            "Contact validation errors: contact.k0: unknown field k0; contact.k1: unknown field k1; \
             contact.k2: unknown field k2; contact.k3: unknown field k3; contact.k4: unknown field k4; \
             … 3000 problems in all"
        );
        let body = failure.to_json();
        assert_eq!(
            body["errors"].as_array().unwrap().len(),
            MAX_LISTED_PROBLEMS
        );
        assert_eq!(body["data"].as_array().unwrap().len(), MAX_LISTED_PROBLEMS);
        assert_eq!(body["errors_omitted"], 2950);
        assert_eq!(body["errors"][49]["path"], "contact.k49");
    }

    #[test]
    fn six_problems_summarize_the_message() {
        let failure = Failure::from_problems(unknown(6));
        assert_eq!(failure.problems.len(), 6);
        assert!(failure
            .message
            .ends_with("contact.k4: unknown field k4; … 6 problems in all"));
        assert!(!failure.message.contains("k5"));
    }

    #[test]
    fn long_keys_are_cut_when_repeated() {
        let key = "é".repeat(65);
        let cut = echo(&key);
        assert_eq!(cut.chars().count(), 65);
        assert!(cut.ends_with("é…"));
        assert_eq!(echo(&"é".repeat(64)), "é".repeat(64));
    }

    #[test]
    fn a_failure_is_an_error() {
        let failure: Box<dyn std::error::Error> =
            Box::new(Failure::new(Code::InvalidApiKey, "Invalid API key"));
        assert_eq!(failure.to_string(), "INVALID_API_KEY: Invalid API key");
    }
}
