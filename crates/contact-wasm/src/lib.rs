//! The contact upsert API's validation for JavaScript, published to npm as
//! `zyntro-contact`: a thin wasm-bindgen binding of `contact-core`, so a form or a
//! JavaScript app gets exactly the verdicts, paths and messages the server gives.
//!
//! Every input crosses the boundary as JSON text: an object is turned into text by
//! the engine's own `JSON.stringify` and parsed here by serde_json, which is faster
//! than walking a JavaScript object property by property through the boundary, and
//! means a string and an object take the same path (the one a request takes over
//! HTTP). Answers go back the same way, through `JSON.parse`. A valid verdict is an
//! object literal made in JavaScript around the normalized contact or request, the
//! only part of it that needs parsing; a contact whose text is its normalized text
//! already is parsed from the input string as it came, or copied from the input
//! object when its values are all strings. A valid request's or batch
//! item's contact, which is also its normalized request's, is parsed once and set
//! under both names.
//!
//! The plain-Rust half ([`verdict`], [`options`]) tests natively; this file only
//! converts.

pub mod options;
pub mod types;
pub mod verdict;
pub mod write;

/// Request bodies the tests share.
#[cfg(test)]
pub(crate) mod test_bodies {
    use serde_json::Value;

    /// `rest`'s keys with credentials valid in form.
    pub(crate) fn with_credentials(rest: Value) -> Value {
        let Value::Object(mut body) = rest else {
            panic!("not an object: {rest}");
        };
        for (key, value) in [
            ("api_key", format!("zak_{}", "b".repeat(64))),
            ("developer_secret", format!("zdk_{}", "a".repeat(64))),
            ("org_id", "0b6f3c52-7d3e-4a51-9a43-2f1c8e5d7a10".into()),
            ("member_id", "5e2d8a41-93b7-4c0f-8e16-b4a7c9d2e3f8".into()),
        ] {
            body.insert(key.into(), value.into());
        }
        Value::Object(body)
    }
}

use js_sys::{Array, JsString, TypeError, JSON};
use options::Settings;
use serde_json::Value;
use std::cell::RefCell;
use types::BatchVerdict;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use write::Contact;

#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
extern "C" {
    /// A contact: an object, or its JSON text.
    #[wasm_bindgen(typescript_type = "Contact | string")]
    pub type ContactInput;

    /// A request body: an object, or its JSON text.
    #[wasm_bindgen(typescript_type = "RequestBody | string")]
    pub type RequestInput;

    /// A batch body: an object, or its JSON text.
    #[wasm_bindgen(typescript_type = "BatchBody | string")]
    pub type BatchInput;

    /// The options of a validation.
    #[wasm_bindgen(typescript_type = "Options")]
    pub type OptionsInput;

    /// An answer as `JSON.parse` made it: a verdict, or a batch's.
    type Parsed;

    #[wasm_bindgen(method, getter)]
    fn request(this: &Parsed) -> Parsed;

    #[wasm_bindgen(method, getter)]
    fn contact(this: &Parsed) -> JsValue;

    #[wasm_bindgen(method, setter)]
    fn set_contact(this: &Parsed, contact: &JsValue);

    #[wasm_bindgen(method, getter)]
    fn items(this: &Parsed) -> Array;
}

// The valid verdicts of `validateContact` and `validateRequest`, made in JavaScript
// from the JSON text of the normalized contact or request: object literals, which the
// engine builds faster than it parses the same keys from text, around the one
// `JSON.parse` the contact or request needs. A request's contact is its normalized
// request's, one object under both names. Their keys are `write::verdict`'s for the
// same verdicts, in the same order. The npm build (scripts/npm-glue.mjs) copies these
// functions into the glue, so the package stays one JavaScript file.
//
// A contact sent as an object whose JSON text is already its normalized text is
// copied rather than parsed back from that text, when every one of its own keys
// holds a string and no `toJSON` decides its text: the same keys in the same order
// with the same strings, a fresh object, as `JSON.parse` would make it, in a fifth of
// the time. (Its keys are contact fields, so none is `__proto__`.)
#[wasm_bindgen(inline_js = "export function validContact(text, input) {
  const contact = (typeof input === \"object\" && copyOfStrings(input)) || JSON.parse(text);
  return { ok: true, code: null, message: \"valid\", data: [], errors: [], contact };
}
function copyOfStrings(object) {
  if (typeof object.toJSON === \"function\") return undefined;
  const copy = {};
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (typeof value !== \"string\") return undefined;
    copy[key] = value;
  }
  return copy;
}
export function validRequest(text) {
  const request = JSON.parse(text);
  return { ok: true, code: null, message: \"valid\", data: [], errors: [], contact: request.contact, request };
}")]
extern "C" {
    /// `input`: the contact as sent, when `text` is its JSON text and already the
    /// normalized contact's; `undefined` when `text` was written normalized.
    #[wasm_bindgen(js_name = validContact)]
    fn valid_contact(text: &JsValue, input: &JsValue) -> JsValue;

    #[wasm_bindgen(js_name = validRequest)]
    fn valid_request(text: &str) -> JsValue;
}

/// Validates a request body exactly as the endpoint does, in the contract's order,
/// up to the checks that need the server's database: the credentials are checked
/// for presence and form only.
///
/// `body` is an object or the request's JSON text (a string is parsed as the
/// server parses it: malformed text is `INVALID_JSON`). `options.customFields`
/// holds the organization's custom field definitions; the request's own `mode`
/// and `lookup_by` decide the required fields, so `options.mode` and
/// `options.lookupBy` are refused here.
///
/// Answers `{ ok: true, contact, request }` with the normalized contact and request
/// (secrets left out), or `{ ok: false, code, message, data, errors }` exactly as
/// the server's error body. Throws a `TypeError` for invalid options or custom
/// field definitions, or a body that `JSON.stringify` cannot serialize.
///
/// @example
/// const verdict = validateRequest({ api_key, developer_secret, org_id, member_id,
///   contact: { firstName: "Jane", primaryEmail: "jane@acme.com" } });
/// if (!verdict.ok) console.log(verdict.errors);
#[wasm_bindgen(js_name = validateRequest, unchecked_return_type = "Verdict")]
pub fn validate_request(
    body: RequestInput,
    options: Option<OptionsInput>,
) -> Result<JsValue, JsValue> {
    request_verdict(&body, &settings(options)?)
}

/// Validates a batch body exactly as the batch endpoint does, up to the checks that
/// need the server's database: the whole request first (credentials for presence
/// and form only, `items`, the batch's options), then every item as
/// `validateRequest` validates a request.
///
/// `body` is an object or the batch's JSON text. `options.customFields` holds the
/// organization's custom field definitions; `options.mode` and `options.lookupBy`
/// are refused, as the batch carries its own.
///
/// Answers `{ ok, code: null, items }` with one verdict per item in the shapes of
/// `validateRequest` (an invalid item's paths prefixed `items[i].`, as the server's
/// results give them), or `{ ok: false, code, message, data, errors }` when the
/// server would refuse the batch as a whole. Checking items against each other (an
/// `insert` of an e-mail an earlier item creates) needs the server.
///
/// @example
/// const verdict = validateBatch({ api_key, developer_secret, org_id, member_id,
///   items: [{ contact: { firstName: "Jane", primaryEmail: "jane@acme.com" } }] });
/// if (verdict.code) console.log("refused:", verdict.message);
/// else verdict.items.forEach((item, i) => item.ok || console.log(i, item.errors));
#[wasm_bindgen(js_name = validateBatch, unchecked_return_type = "BatchVerdict")]
pub fn validate_batch(body: BatchInput, options: Option<OptionsInput>) -> Result<JsValue, JsValue> {
    batch_verdict(&body, &settings(options)?)
}

fn batch_verdict(body: &JsValue, settings: &Settings) -> Result<JsValue, JsValue> {
    if settings.mode.is_some() || settings.lookup_by.is_some() {
        return Err(type_error(
            "options.mode and options.lookupBy are for validateContact: a batch carries its own mode and lookup_by",
        ));
    }
    let (text, _) = input_text(body, "batch body")?;
    let verdict = verdict::batch(&text, &settings.definitions);
    let answer = answer(|out| write::batch(out, &verdict, Contact::Shared))?;
    if let BatchVerdict::Items(verdicts) = &verdict {
        let items = answer.unchecked_ref::<Parsed>().items();
        for (i, item) in verdicts.items.iter().enumerate() {
            if Contact::Shared.left_to_binding(item) {
                share_contact(items.get(i as u32).unchecked_ref());
            }
        }
    }
    Ok(answer)
}

/// Validates a contact alone, as the endpoint checks the `contact` of a request
/// sent with `options.mode` (default `upsert`) and `options.lookupBy` (default
/// `email`), which decide the required fields.
///
/// `contact` is an object or its JSON text. Answers `{ ok: true, contact }` with the
/// normalized contact, or `{ ok: false, code, message, data, errors }` with the
/// code, messages and paths (`contact.primaryEmail`) the server answers. Throws a
/// `TypeError` for invalid options or custom field definitions.
///
/// @example
/// const verdict = validateContact({ firstName: "Jane", primaryEmail: "jane@" });
/// // verdict.errors: [{ path: "contact.primaryEmail", code: "invalid_email",
/// //                    message: "not a valid e-mail address" }]
#[wasm_bindgen(js_name = validateContact, unchecked_return_type = "Verdict")]
pub fn validate_contact(
    contact: ContactInput,
    options: Option<OptionsInput>,
) -> Result<JsValue, JsValue> {
    contact_verdict(&contact, &settings(options)?)
}

/// Validates one field as the user types it: answers its errors, `[]` when the
/// value is valid. Whether a field is required is a matter of the whole contact
/// and its mode: `validateContact` tells.
///
/// `name` is a contact field (`firstName`), an entity field (`entity.name`) or a
/// custom field (`customFields.industry`); `value` is the field's value as it
/// would be sent (a string, the tags array, a custom field's number, …).
/// `options.customFields` is needed for custom fields; `mode` and `lookupBy` are
/// ignored.
///
/// @example
/// validateField("primaryPhone", "+1-555-0123"); // []
/// validateField("country", "UK"); // [{ path: "contact.country", code: "invalid_country", … }]
#[wasm_bindgen(js_name = validateField, unchecked_return_type = "FieldError[]")]
pub fn validate_field(
    name: &str,
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
    options: Option<OptionsInput>,
) -> Result<JsValue, JsValue> {
    field_errors(name, &value, &settings(options)?)
}

/// The normalized key the server matches contacts on: for `"email"` the address
/// trimmed and lower-cased, for `"phone"` the leading `+` (if any) and the digits
/// alone. It does not validate the value: `validateField` does.
///
/// @example
/// lookupKey("email", " Jane.Smith@ACME.com "); // "jane.smith@acme.com"
/// lookupKey("phone", "+1 (555) 012-3456"); // "+15550123456"
#[wasm_bindgen(js_name = lookupKey)]
pub fn lookup_key(
    #[wasm_bindgen(unchecked_param_type = "LookupKind")] kind: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] value: JsValue,
) -> Result<String, JsValue> {
    let Some(value) = value.as_string() else {
        return Err(type_error("lookupKey: the value must be a string"));
    };
    match kind.as_string().as_deref() {
        Some("email") => Ok(contact_core::validate::request::email_key(&value)),
        Some("phone") => Ok(contact_core::validate::request::phone_key(&value)),
        _ => Err(type_error(
            "lookupKey: the kind must be \"email\" or \"phone\"",
        )),
    }
}

/// A validator for one organization: its options (custom field definitions,
/// and for `validateContact` the mode and lookup) read and compiled once, then used
/// for every call. The fastest way to validate many inputs, or one form as it is
/// typed; the functions of the same names read their options on every call.
///
/// @example
/// const validator = new Validator({ customFields: definitions });
/// for (const body of bodies) if (!validator.validateRequest(body).ok) …
#[wasm_bindgen]
pub struct Validator {
    settings: Settings,
}

#[wasm_bindgen]
impl Validator {
    /// Reads and compiles the options. Throws a `TypeError` for invalid options or
    /// custom field definitions, as the functions do.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<OptionsInput>) -> Result<Validator, JsValue> {
        Ok(Validator {
            settings: settings(options)?,
        })
    }

    /// `validateRequest(body, options)` with this validator's options; a validator
    /// made with `mode` or `lookupBy` refuses it, as the function does.
    #[wasm_bindgen(js_name = validateRequest, unchecked_return_type = "Verdict")]
    pub fn validate_request(&self, body: RequestInput) -> Result<JsValue, JsValue> {
        request_verdict(&body, &self.settings)
    }

    /// `validateBatch(body, options)` with this validator's options.
    #[wasm_bindgen(js_name = validateBatch, unchecked_return_type = "BatchVerdict")]
    pub fn validate_batch(&self, body: BatchInput) -> Result<JsValue, JsValue> {
        batch_verdict(&body, &self.settings)
    }

    /// `validateContact(contact, options)` with this validator's options.
    #[wasm_bindgen(js_name = validateContact, unchecked_return_type = "Verdict")]
    pub fn validate_contact(&self, contact: ContactInput) -> Result<JsValue, JsValue> {
        contact_verdict(&contact, &self.settings)
    }

    /// `validateField(name, value, options)` with this validator's options.
    #[wasm_bindgen(js_name = validateField, unchecked_return_type = "FieldError[]")]
    pub fn validate_field(
        &self,
        name: &str,
        #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
    ) -> Result<JsValue, JsValue> {
        field_errors(name, &value, &self.settings)
    }
}

fn request_verdict(body: &JsValue, settings: &Settings) -> Result<JsValue, JsValue> {
    if settings.mode.is_some() || settings.lookup_by.is_some() {
        return Err(type_error(
            "options.mode and options.lookupBy are for validateContact: a request carries its own mode and lookup_by",
        ));
    }
    let (text, _) = input_text(body, "request body")?;
    match verdict::checked_request(&text, &settings.definitions) {
        Ok(request) => answer_from(
            |out| write::request(out, &request),
            |written| Ok(valid_request(written)),
        ),
        Err(refused) => answer(|out| write::invalid(out, &refused)),
    }
}

/// What crossing the boundary costs `validateContact` when the contact is valid and
/// already normalized, its fastest case, with no check at all: the contact's text
/// into wasm memory and the verdict made as [`contact_verdict`] makes it. The floor
/// its speed cannot go below, the floor lines of benches/node/validation.mjs; only in
/// builds with the `floor` feature, never in the package.
#[cfg(feature = "floor")]
#[wasm_bindgen(js_name = floorContact, unchecked_return_type = "Verdict")]
pub fn floor_contact(contact: ContactInput) -> Result<JsValue, JsValue> {
    let (text, stringified) = input_text(&contact, "contact")?;
    std::hint::black_box(text);
    Ok(valid_contact(
        stringified.as_ref().unwrap_or(&contact),
        &contact,
    ))
}

fn contact_verdict(contact: &JsValue, settings: &Settings) -> Result<JsValue, JsValue> {
    let (text, stringified) = input_text(contact, "contact")?;
    let checked = verdict::checked_contact(
        &text,
        settings.mode.unwrap_or_default(),
        settings.lookup_by.unwrap_or_default(),
        &settings.definitions,
    );
    let record = match checked {
        Ok(record) => record,
        Err(refused) => return answer(|out| write::invalid(out, &refused)),
    };
    answer_from(
        |out| write::record(out, &record),
        |written| {
            // Input that is the normalized contact's text already (a contact stringified
            // with its keys in order and nothing to trim, say) is parsed as it came, the
            // engine's own string, not written back and decoded; or copied, when it came
            // as an object of strings. Not when the text may hold U+FFFD (its first byte,
            // 0xEF, begins U+F000 to U+FFFF): a lone surrogate of the JavaScript string
            // reached Rust as U+FFFD, as it reaches the server, so the string itself is
            // not what was checked.
            Ok(if written == text && !text.as_bytes().contains(&0xEF) {
                valid_contact(stringified.as_ref().unwrap_or(contact), contact)
            } else {
                valid_contact(&JsValue::from_str(written), &JsValue::UNDEFINED)
            })
        },
    )
}

fn field_errors(name: &str, value: &JsValue, settings: &Settings) -> Result<JsValue, JsValue> {
    // The keystroke path: a string needs no trip through JSON.
    let value = match value.as_string() {
        Some(s) => Value::String(s),
        None => match stringify(value, "value")?.as_string() {
            Some(text) => {
                contact_core::json::from_str(&text).map_err(|e| type_error(&e.to_string()))?
            }
            None => Value::Null,
        },
    };
    answer(|out| write::field_errors(out, &verdict::field(name, &value, &settings.definitions)))
}

fn settings(options: Option<OptionsInput>) -> Result<Settings, JsValue> {
    let text = match options {
        None => None,
        Some(options) => {
            let options: JsValue = options.into();
            if !options.is_object() {
                return Err(type_error("options must be an object"));
            }
            stringify(&options, "options")?.as_string()
        }
    };
    options::read(text.as_deref()).map_err(|e| type_error(&e.0))
}

/// The JSON text of an input as Rust text, and the JavaScript string that
/// `JSON.stringify` made of it: a string is taken as JSON text already (`None`);
/// `undefined` is `null`, as a missing value.
fn input_text(value: &JsValue, what: &str) -> Result<(String, Option<JsValue>), JsValue> {
    match value.as_string() {
        Some(text) => Ok((text, None)),
        None => {
            let stringified = stringify(value, what)?;
            let text = stringified.as_string().unwrap_or_else(|| "null".into());
            Ok((text, Some(stringified)))
        }
    }
}

/// `JSON.stringify`, which answers `undefined` for `undefined` and functions, and
/// throws for cycles and BigInts: the text as a JavaScript string.
fn stringify(value: &JsValue, what: &str) -> Result<JsValue, JsValue> {
    let text: JsString = JSON::stringify(value).map_err(|e| {
        let reason = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        type_error(&format!(
            "the {what} cannot be serialized as JSON: {reason}"
        ))
    })?;
    Ok(text.into())
}

thread_local! {
    /// The buffer answers are written into, kept between calls: its capacity grows
    /// to the largest answer once, instead of every answer growing a new one.
    static OUT: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(4096));
}

/// An answer as a JavaScript value: its JSON text, written by [`write`] into the
/// kept buffer, through `JSON.parse`. Measured faster on the benchmark corpus than
/// building the objects one property at a time through the boundary with
/// serde-wasm-bindgen (benches/RESULTS.md).
fn answer(render: impl FnOnce(&mut Vec<u8>)) -> Result<JsValue, JsValue> {
    answer_from(render, JSON::parse)
}

/// An answer made by `finish` from the text `render` writes into the kept buffer.
fn answer_from(
    render: impl FnOnce(&mut Vec<u8>),
    finish: impl FnOnce(&str) -> Result<JsValue, JsValue>,
) -> Result<JsValue, JsValue> {
    OUT.with_borrow_mut(|out| {
        out.clear();
        render(out);
        finish(written(out)?)
    })
}

/// What [`write`] wrote, as text. The writer writes whole strings and ASCII only, so
/// the check never fails; its error is not formatted, which would take the code that
/// formats a UTF-8 error into the module.
fn written(out: &[u8]) -> Result<&str, JsValue> {
    std::str::from_utf8(out).map_err(|_| type_error("an answer was written that is not UTF-8"))
}

/// Sets the `contact` of a verdict written as `null`
/// ([`write::Contact::left_to_binding`]) to its `request.contact`: one object, the
/// normalized contact, under both names.
fn share_contact(verdict: &Parsed) {
    verdict.set_contact(&verdict.request().contact());
}

fn type_error(message: &str) -> JsValue {
    TypeError::new(message).into()
}
