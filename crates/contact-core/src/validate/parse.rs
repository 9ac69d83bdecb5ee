//! Step 2 on the body's text: a JSON object, no key twice, not nested too deep, at
//! most [`MAX_BODY_BYTES`].

use super::problem::{Code, Failure};
use super::request::MAX_BODY_BYTES;
use serde_json::Value;

/// Parses a request body; anything but a JSON object is `INVALID_JSON`.
pub fn parse_body(text: &str) -> Result<Value, Failure> {
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large(text.len()));
    }
    let value: Value = crate::validate::json::from_str(text).map_err(|e| {
        let text = e.to_string();
        let detail = if text.contains("recursion limit") {
            "nesting is too deep".to_string()
        } else if let Some(at) = text.find("duplicate key") {
            // serde_json appends " at line L column C" to custom errors.
            text[at..].to_string()
        } else {
            format!(
                "{} at line {} column {}",
                describe(&e),
                e.line(),
                e.column()
            )
        };
        Failure::new(
            Code::InvalidJson,
            format!("The request body is not valid JSON: {detail}"),
        )
    })?;
    if !value.is_object() {
        return Err(not_an_object());
    }
    Ok(value)
}

/// The `PAYLOAD_TOO_LARGE` failure for a body of `len` bytes.
pub fn too_large(len: usize) -> Failure {
    Failure::new(
        Code::PayloadTooLarge,
        format!("The request body is {len} bytes; the limit is {MAX_BODY_BYTES} bytes (128 KiB)"),
    )
}

/// The `PAYLOAD_TOO_LARGE` failure for a body whose length was not declared: it is
/// read as a stream and refused as soon as it passes the limit, so its whole length
/// is never known.
pub fn too_large_streamed() -> Failure {
    Failure::new(
        Code::PayloadTooLarge,
        format!("The request body is larger than the limit of {MAX_BODY_BYTES} bytes (128 KiB)"),
    )
}

pub(crate) fn not_an_object() -> Failure {
    Failure::new(Code::InvalidJson, "The request body must be a JSON object")
}

fn describe(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of input",
        Category::Syntax => "syntax error",
        Category::Data | Category::Io => "invalid data",
    }
}
