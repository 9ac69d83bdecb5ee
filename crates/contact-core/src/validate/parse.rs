//! Step 2 on the body's text: a JSON object, no key twice, not nested too deep, at
//! most [`MAX_BODY_BYTES`].

use super::checks::Body;
use super::problem::{Code, Failure};
use super::read::Top;
use super::request::MAX_BODY_BYTES;
use serde::de::DeserializeSeed;
use serde_json::Value;

/// Parses a request body; anything but a JSON object is `INVALID_JSON`.
pub fn parse_body(text: &str) -> Result<Value, Failure> {
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large(text.len()));
    }
    let value: Value = crate::validate::json::from_str(text).map_err(invalid_json)?;
    if !value.is_object() {
        return Err(not_an_object());
    }
    Ok(value)
}

/// [`parse_body`] and the read of the body for the checks in one pass over the
/// text, with no `Value` in between: the same failures, and a [`Body`] that
/// [`Body::check`] gives the verdict [`crate::check`] gives on the parsed body.
pub fn read_body(text: &str) -> Result<Body<'_>, Failure> {
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large(text.len()));
    }
    read_text(text)
}

/// [`read_body`] without the size limit of a request body: for the text of a value
/// already parsed, such as a batch's body or one of its items, whose size was
/// checked against its own limit when it was read.
pub(crate) fn read_text(text: &str) -> Result<Body<'_>, Failure> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let top = Top
        .deserialize(&mut deserializer)
        .and_then(|top| deserializer.end().map(|()| top))
        .map_err(invalid_json)?;
    top.map(Body::from_read).ok_or_else(not_an_object)
}

/// The `INVALID_JSON` failure of text that does not parse.
pub(crate) fn invalid_json(e: serde_json::Error) -> Failure {
    // serde_json writes an error's message, then " at line L column C".
    let text = e.to_string();
    let detail = if text.starts_with("recursion limit") {
        "nesting is too deep".to_string()
    } else if text.starts_with("duplicate key") {
        text
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
