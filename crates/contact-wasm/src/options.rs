//! The options of the validation functions, read from their JSON text, and the
//! organization's compiled custom field definitions, kept between calls.

use crate::types::Options;
use contact_core::custom::{Definition, Definitions};
use contact_core::{LookupBy, Mode};
use serde::de::{Deserializer, SeqAccess, Visitor};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

/// The options, checked: what a validation runs with. `mode` and `lookup_by` are
/// `None` when not given.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Option<Mode>,
    pub lookup_by: Option<LookupBy>,
    pub definitions: Rc<Definitions>,
}

/// A mistake of the caller's in the options, not in the data validated: the
/// binding throws it as a `TypeError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError(pub String);

thread_local! {
    /// The last definitions compiled, by their JSON text. A form passes the same
    /// definitions on every keystroke; compiling their patterns each time would be
    /// the most expensive part of a check.
    static COMPILED: RefCell<Option<(String, Rc<Definitions>)>> = const { RefCell::new(None) };
}

/// Reads the options from their JSON text; `None` (no options) means the defaults.
pub fn read(text: Option<&str>) -> Result<Settings, OptionsError> {
    let options: Options = match text {
        None => Options::default(),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| OptionsError(format!("options: {}", serde_message(&e))))?,
    };
    let mode = match options.mode.as_deref() {
        None => None,
        Some(name) => Some(Mode::parse(name).ok_or_else(|| {
            OptionsError(format!(
                "options.mode must be one of: {}; got {name:?}",
                names(&Mode::ALL)
            ))
        })?),
    };
    let lookup_by = match options.lookup_by.as_deref() {
        None => None,
        Some(name) => Some(LookupBy::parse(name).ok_or_else(|| {
            OptionsError(format!(
                "options.lookupBy must be one of: {}; got {name:?}",
                names(&LookupBy::ALL)
            ))
        })?),
    };
    let definitions = match &options.custom_fields {
        None => Rc::new(Definitions::default()),
        Some(raw) => compiled(raw.get())?,
    };
    Ok(Settings {
        mode,
        lookup_by,
        definitions,
    })
}

/// The compiled definitions of this JSON text: the cached ones if the text is the
/// one compiled last.
fn compiled(text: &str) -> Result<Rc<Definitions>, OptionsError> {
    if let Some(hit) = COMPILED.with_borrow(|cached| {
        cached
            .as_ref()
            .filter(|(key, _)| key == text)
            .map(|(_, definitions)| Rc::clone(definitions))
    }) {
        return Ok(hit);
    }
    let definitions = Rc::new(compile(text)?);
    COMPILED.set(Some((text.to_string(), Rc::clone(&definitions))));
    Ok(definitions)
}

/// Reads and compiles definitions straight from their JSON text, naming the one at
/// fault by its index.
fn compile(text: &str) -> Result<Definitions, OptionsError> {
    let fail = |message: String| OptionsError(format!("options.customFields: {message}"));
    // The text is the binding's serialization of the caller's value, so it is JSON.
    if text == "null" {
        return Ok(Definitions::default());
    }
    if !text.starts_with('[') {
        return Err(fail("must be an array of custom field definitions".into()));
    }
    let at = Cell::new(0);
    let mut reader = serde_json::Deserializer::from_str(text);
    let definitions = reader.deserialize_seq(Items(&at)).map_err(|e| {
        OptionsError(format!(
            "options.customFields[{}]: {}",
            at.get(),
            serde_message(&e)
        ))
    })?;
    Definitions::new(definitions).map_err(|e| fail(e.to_string()))
}

/// The definitions of an array, each read from the text as it comes; the index of
/// the one being read is kept in `.0` for the error that names it.
struct Items<'a>(&'a Cell<usize>);

impl<'de> Visitor<'de> for Items<'_> {
    type Value = Vec<Definition>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of custom field definitions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        let mut definitions = Vec::new();
        while let Some(definition) = items.next_element()? {
            definitions.push(definition);
            self.0.set(definitions.len());
        }
        Ok(definitions)
    }
}

fn names<T>(all: &[(&str, T)]) -> String {
    contact_core::validate::join(&mut all.iter().map(|(n, _)| *n), ", ")
}

/// A serde error without the position in the JSON text, which the caller never
/// wrote: it is the binding's serialization of their object.
fn serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        read(Some(text)).unwrap_err().0
    }

    #[test]
    fn defaults() {
        let settings = read(None).unwrap();
        assert_eq!(settings.mode, None);
        assert_eq!(settings.lookup_by, None);
        assert_eq!(settings.definitions.iter().count(), 0);
        let settings = read(Some(r#"{"mode": null, "customFields": null}"#)).unwrap();
        assert_eq!(settings.mode, None);
    }

    #[test]
    fn mode_and_lookup() {
        let settings = read(Some(r#"{"mode": "insert", "lookupBy": "contact_id"}"#)).unwrap();
        assert_eq!(settings.mode, Some(Mode::Insert));
        assert_eq!(settings.lookup_by, Some(LookupBy::ContactId));
    }

    #[test]
    fn bad_options_name_the_option() {
        assert_eq!(
            error(r#"{"mode": "create"}"#),
            r#"options.mode must be one of: insert, update, upsert; got "create""#
        );
        assert_eq!(
            error(r#"{"lookupBy": "id"}"#),
            r#"options.lookupBy must be one of: email, phone, contact_id; got "id""#
        );
        assert!(error(r#"{"lookup_by": "email"}"#)
            .starts_with("options: unknown field `lookup_by`, expected one of"));
        assert_eq!(
            error(r#"{"mode": 3}"#),
            "options: invalid type: integer `3`, expected a string"
        );
        assert_eq!(
            error(r#"{"customFields": {"tag": "x"}}"#),
            "options.customFields: must be an array of custom field definitions"
        );
        assert!(error(
            r#"{"customFields": [{"tag": "a", "type": "text"}, {"tag": "b", "type": "dropdown"}]}"#
        )
        .starts_with("options.customFields[1]: unknown variant `dropdown`"));
        assert_eq!(
            error(r#"{"customFields": [{"tag": "size", "type": "select"}]}"#),
            r#"options.customFields: custom field "size": a select needs options"#
        );
        assert!(
            error(r#"{"customFields": [{"tag": "code", "type": "text", "pattern": "("}]}"#)
                .starts_with(
                    r#"options.customFields: custom field "code": pattern does not compile"#
                )
        );
    }

    #[test]
    fn a_definition_at_fault_is_named_by_its_index() {
        assert_eq!(
            error(r#"{"customFields": [{"tag": "n", "type": "number", "min": "low"}]}"#),
            r#"options.customFields[0]: invalid type: string "low", expected f64"#
        );
        assert_eq!(
            error(r#"{"customFields": [{"tag": "a", "type": "text"}, 1]}"#),
            "options.customFields[1]: invalid type: integer `1`, expected struct Definition"
        );
        assert_eq!(
            error(r#"{"customFields": [{"tag": "a", "type": "text", "maxLength": 1.5}]}"#),
            "options.customFields[0]: invalid type: floating point `1.5`, expected usize"
        );
        assert_eq!(
            error(r#"{"customFields": [{"type": "text"}]}"#),
            "options.customFields[0]: missing field `tag`"
        );
        assert_eq!(
            error(r#"{"customFields": "tags"}"#),
            "options.customFields: must be an array of custom field definitions"
        );
        let settings = read(Some(r#"{"customFields": []}"#)).unwrap();
        assert_eq!(settings.definitions.iter().count(), 0);
    }

    #[test]
    fn the_same_definitions_compile_once() {
        let text = r#"{"customFields": [{"tag": "code", "type": "text", "pattern": "[A-Z]+"}]}"#;
        let first = read(Some(text)).unwrap().definitions;
        let again = read(Some(text)).unwrap().definitions;
        assert!(Rc::ptr_eq(&first, &again));
        let other = read(Some(
            r#"{"customFields": [{"tag": "code", "type": "text"}]}"#,
        ))
        .unwrap()
        .definitions;
        assert!(!Rc::ptr_eq(&first, &other));
    }
}
