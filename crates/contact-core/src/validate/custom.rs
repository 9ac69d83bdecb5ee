//! Custom fields: an organization's own definitions (Settings > CRM > Custom Fields),
//! and the validation of `contact.customFields` against them.
//!
//! ```
//! use contact_core::custom::{Definitions, Definition};
//! use serde_json::json;
//! let defs: Vec<Definition> = serde_json::from_value(json!([
//!     {"tag": "industry", "type": "select", "options": ["Technology", "Finance"]}
//! ])).unwrap();
//! let defs = Definitions::new(defs).unwrap();
//! let problems = defs.check(&json!({"industry": "Mining"}).as_object().unwrap()).unwrap_err();
//! assert_eq!(problems[0].path, "contact.customFields.industry");
//! assert_eq!(problems[0].message, "must be one of: Technology, Finance");
//! ```

use crate::validate::pattern::Pattern;
use crate::validate::problem::{Problem, ProblemCode};
use crate::validate::rules::{date, text};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::rc::Rc;

/// Longest text value when a definition sets no `maxLength`.
pub const DEFAULT_TEXT_MAX: usize = 1000;
pub use crate::validate::pattern::PATTERN_SIZE_LIMIT;
/// The longest pattern source, in bytes.
pub const MAX_PATTERN_BYTES: usize = 1000;

/// The type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Number,
    Boolean,
    Date,
    Select,
    Multiselect,
}

impl FieldType {
    pub const ALL: [FieldType; 6] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::Select,
        FieldType::Multiselect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Select => "select",
            FieldType::Multiselect => "multiselect",
        }
    }
}

/// One custom field definition, as stored and as the browser module takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(rename = "CustomFieldDefinition")
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Definition {
    /// `[a-z][a-z0-9_]{0,63}`: the key in `customFields`.
    pub tag: String,
    /// What the value is: text, number, boolean, date, select or multiselect.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The allowed values of a select or multiselect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// For text: a regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// For text: the longest value in characters (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// For number: the smallest value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// For number: the largest value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Why a definition cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub tag: String,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "custom field {:?}: {}", self.tag, self.message)
    }
}

impl std::error::Error for DefinitionError {}

impl Definition {
    /// Checks the definition itself: its tag, that its constraints fit its type,
    /// and compiles its pattern.
    pub fn compile(self) -> Result<Compiled, DefinitionError> {
        let fail = |message: String| DefinitionError {
            tag: self.tag.clone(),
            message,
        };
        if !is_tag(&self.tag) {
            return Err(fail(
                "a tag is a lower-case letter, then up to 63 lower-case letters, digits or _"
                    .into(),
            ));
        }
        let choice = matches!(self.field_type, FieldType::Select | FieldType::Multiselect);
        if choice && self.options.is_empty() {
            return Err(fail(format!(
                "a {} needs options",
                self.field_type.as_str()
            )));
        }
        if !choice && !self.options.is_empty() {
            return Err(fail(format!(
                "a {} has no options",
                self.field_type.as_str()
            )));
        }
        for (i, option) in self.options.iter().enumerate() {
            if option.trim() != option || option.is_empty() {
                return Err(fail(format!(
                    "option {option:?} is empty or has spaces around it"
                )));
            }
            if self.options[..i].contains(option) {
                return Err(fail(format!("option {option:?} is listed twice")));
            }
        }
        let text = self.field_type == FieldType::Text;
        if !text && (self.pattern.is_some() || self.max_length.is_some()) {
            return Err(fail("pattern and maxLength are for text fields".into()));
        }
        let number = self.field_type == FieldType::Number;
        if !number && (self.min.is_some() || self.max.is_some()) {
            return Err(fail("min and max are for number fields".into()));
        }
        if let (Some(min), Some(max)) = (self.min, self.max) {
            if min > max {
                return Err(fail(format!("min {min} is greater than max {max}")));
            }
        }
        if self.max_length == Some(0) {
            return Err(fail("maxLength must be at least 1".into()));
        }
        let pattern = match &self.pattern {
            Some(source) if source.len() > MAX_PATTERN_BYTES => {
                return Err(fail(format!(
                    "a pattern has at most {MAX_PATTERN_BYTES} bytes (this one has {})",
                    source.len()
                )));
            }
            Some(source) => Some(Pattern::new(source).map_err(|e| fail(e.message()))?),
            None => None,
        };
        Ok(Compiled {
            definition: self,
            pattern,
        })
    }
}

/// True for a well-formed tag: `[a-z][a-z0-9_]{0,63}`.
pub fn is_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    (1..=64).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A definition with its pattern compiled, ready to check values.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub definition: Definition,
    pattern: Option<Pattern>,
}

/// An organization's custom field definitions, compiled once and kept sorted by tag.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    fields: Vec<Compiled>,
}

impl Definitions {
    /// Compiles every definition; tags must be distinct.
    pub fn new(definitions: Vec<Definition>) -> Result<Self, DefinitionError> {
        let mut fields = definitions
            .into_iter()
            .map(Definition::compile)
            .collect::<Result<Vec<_>, _>>()?;
        fields.sort_by(|a, b| a.definition.tag.cmp(&b.definition.tag));
        if let Some(w) = fields
            .windows(2)
            .find(|w| w[0].definition.tag == w[1].definition.tag)
        {
            return Err(DefinitionError {
                tag: w[0].definition.tag.clone(),
                message: "defined twice".into(),
            });
        }
        Ok(Definitions { fields })
    }

    /// The definitions, sorted by tag.
    pub fn iter(&self) -> impl Iterator<Item = &Definition> {
        self.fields.iter().map(|c| &c.definition)
    }

    fn get(&self, tag: &str) -> Option<&Compiled> {
        self.fields
            .binary_search_by(|c| c.definition.tag.as_str().cmp(tag))
            .ok()
            .map(|i| &self.fields[i])
    }

    /// Checks `customFields` and answers its normalized form (trimmed strings;
    /// `null` kept, as it removes the key when merged), or every problem found.
    pub fn check(&self, values: &Map<String, Value>) -> Result<Map<String, Value>, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut normalized = Map::new();
        // The defined tags are named once, in the first unknown field's message.
        let mut tags_named = false;
        for (tag, value) in values {
            let Some(field) = self.get(tag) else {
                problems.push(Problem::custom(
                    unknown_path(tag),
                    ProblemCode::UnknownCustomField,
                    self.unknown_tag_message(tag, !tags_named),
                ));
                tags_named = true;
                continue;
            };
            match field.check(value) {
                Ok(value) => {
                    normalized.insert(tag.clone(), value);
                }
                Err((code, message)) => problems.push(Problem::custom(
                    format!("contact.customFields.{tag}"),
                    code,
                    message,
                )),
            }
        }
        if problems.is_empty() {
            Ok(normalized)
        } else {
            Err(problems)
        }
    }

    /// The message of an unknown tag: a suggestion, and with `list_tags` every
    /// defined tag (named once per answer, however many tags are unknown).
    fn unknown_tag_message(&self, tag: &str, list_tags: bool) -> String {
        if self.fields.is_empty() {
            return "unknown custom field: this organization defines no custom fields".into();
        }
        let tags = || self.iter().map(|d| d.tag.as_str());
        let hint =
            crate::validate::suggest::closest(tag, tags()).map(|s| format!("did you mean {s}?"));
        match (hint, list_tags) {
            (Some(hint), true) => format!(
                "unknown custom field; {hint} the defined fields are: {}",
                super::join(&mut tags(), ", ")
            ),
            (None, true) => format!(
                "unknown custom field; the defined fields are: {}",
                super::join(&mut tags(), ", ")
            ),
            (Some(hint), false) => format!("unknown custom field; {hint}"),
            (None, false) => "unknown custom field".into(),
        }
    }

    /// Checks one custom field's value, as a form does while the user types.
    pub fn check_one(&self, tag: &str, value: &Value) -> Result<Value, Problem> {
        let Some(field) = self.get(tag) else {
            return Err(Problem::custom(
                unknown_path(tag),
                ProblemCode::UnknownCustomField,
                self.unknown_tag_message(tag, true),
            ));
        };
        let path = format!("contact.customFields.{tag}");
        field
            .check(value)
            .map_err(|(code, message)| Problem::custom(path, code, message))
    }
}

/// The path of a tag that is not defined, the tag cut as problems repeat keys.
fn unknown_path(tag: &str) -> String {
    format!(
        "contact.customFields.{}",
        crate::validate::problem::echo(tag)
    )
}

type Verdict = Result<Value, (ProblemCode, String)>;

/// Compiled definitions by organization, each kept while its stored text is the
/// same: a change of definitions is a new text, so it is compiled again; an
/// unchanged one never is. Holds at most `capacity` organizations, dropping the
/// least recently used.
#[derive(Debug)]
pub struct DefinitionsCache {
    /// Most recently used last.
    entries: Vec<(String, String, Rc<Definitions>)>,
    capacity: usize,
    compiled: u64,
}

impl DefinitionsCache {
    pub fn new(capacity: usize) -> Self {
        DefinitionsCache {
            entries: Vec::new(),
            capacity: capacity.max(1),
            compiled: 0,
        }
    }

    /// The organization's definitions, compiled from `text` (the stored JSON array)
    /// unless the same text was compiled before.
    pub fn get(&mut self, org_id: &str, text: &str) -> Result<Rc<Definitions>, DefinitionError> {
        if let Some(at) = self.entries.iter().position(|(org, _, _)| org == org_id) {
            let entry = self.entries.remove(at);
            if entry.1 == text {
                let definitions = Rc::clone(&entry.2);
                self.entries.push(entry);
                return Ok(definitions);
            }
        }
        let definitions: Vec<Definition> =
            serde_json::from_str(text).map_err(|e| DefinitionError {
                tag: String::new(),
                message: format!("stored definitions do not parse: {e}"),
            })?;
        let definitions = Rc::new(Definitions::new(definitions)?);
        self.compiled += 1;
        if self.entries.len() == self.capacity {
            self.entries.remove(0);
        }
        self.entries.push((
            org_id.to_string(),
            text.to_string(),
            Rc::clone(&definitions),
        ));
        Ok(definitions)
    }

    /// How many times definitions were compiled: once per organization and text.
    pub fn compiled(&self) -> u64 {
        self.compiled
    }
}

impl Compiled {
    fn check(&self, value: &Value) -> Verdict {
        let def = &self.definition;
        if value.is_null() {
            return Ok(Value::Null);
        }
        let wrong_type = |what: &str| Err((ProblemCode::InvalidType, format!("must be {what}")));
        match def.field_type {
            FieldType::Text => {
                let Some(s) = value.as_str() else {
                    return wrong_type("a string");
                };
                let s = s.trim();
                let max = def.max_length.unwrap_or(DEFAULT_TEXT_MAX);
                // Control characters are refused as in every string but `notes`.
                text::check(s, max, text::Lines::Single).map_err(|v| (v.code, v.message))?;
                if let Some(pattern) = &self.pattern {
                    if !pattern.is_match(s) {
                        return Err((
                            ProblemCode::PatternMismatch,
                            format!(
                                "does not match the pattern {}",
                                def.pattern.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                }
                Ok(Value::String(s.to_string()))
            }
            FieldType::Number => {
                let Some(n) = value.as_f64().filter(|_| value.is_number()) else {
                    return wrong_type("a number");
                };
                if let Some(min) = def.min.filter(|&min| n < min) {
                    return Err((
                        ProblemCode::BelowMinimum,
                        format!("must be at least {}", number(min)),
                    ));
                }
                if let Some(max) = def.max.filter(|&max| n > max) {
                    return Err((
                        ProblemCode::AboveMaximum,
                        format!("must be at most {}", number(max)),
                    ));
                }
                Ok(value.clone())
            }
            FieldType::Boolean => match value {
                Value::Bool(_) => Ok(value.clone()),
                _ => wrong_type("true or false"),
            },
            FieldType::Date => {
                let Some(s) = value.as_str() else {
                    return wrong_type("a date string written YYYY-MM-DD");
                };
                let s = s.trim();
                date::check(s).map_err(|v| (v.code, v.message))?;
                Ok(Value::String(s.to_string()))
            }
            FieldType::Select => {
                let Some(s) = value.as_str() else {
                    return wrong_type(&format!("one of: {}", options(def)));
                };
                let s = s.trim();
                if def.options.iter().any(|o| o == s) {
                    Ok(Value::String(s.to_string()))
                } else {
                    Err((
                        ProblemCode::InvalidOption,
                        format!("must be one of: {}", options(def)),
                    ))
                }
            }
            FieldType::Multiselect => {
                let Some(items) = value.as_array() else {
                    return wrong_type(&format!(
                        "a list of distinct options from: {}",
                        options(def)
                    ));
                };
                let mut chosen: Vec<Value> = Vec::with_capacity(items.len());
                for item in items {
                    let Some(s) = item
                        .as_str()
                        .map(str::trim)
                        .filter(|s| def.options.iter().any(|o| o == s))
                    else {
                        return Err((
                            ProblemCode::InvalidOption,
                            format!("each item must be one of: {}", options(def)),
                        ));
                    };
                    if chosen.iter().any(|c| c == s) {
                        return Err((
                            ProblemCode::DuplicateOption,
                            format!("lists {s} more than once"),
                        ));
                    }
                    chosen.push(Value::String(s.to_string()));
                }
                Ok(Value::Array(chosen))
            }
        }
    }
}

/// A select's options, as messages list them.
fn options(def: &Definition) -> String {
    super::join(&mut def.options.iter().map(String::as_str), ", ")
}

/// Writes a bound as JSON would: `5`, not `5.0`.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_with(pattern: &str) -> Result<Compiled, DefinitionError> {
        serde_json::from_value::<Definition>(
            json!({"tag": "code", "type": "text", "pattern": pattern}),
        )
        .unwrap()
        .compile()
    }

    #[test]
    fn field_formats_fit_the_pattern_budget() {
        for pattern in [
            "[A-Z]{3}-[0-9]{4}",
            r"\d{1,12}",
            r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
            "(?i)(gold|silver|bronze|platinum|diamond)",
            r"\w+( \w+){0,5}",
            r"\w{10}",
        ] {
            assert!(text_with(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn patterns_too_large_for_an_edge_request_are_refused() {
        for pattern in [r"\w{100}", r"\w{20}", r"(\d{3}-){200}"] {
            let error = text_with(pattern).unwrap_err();
            assert_eq!(
                error.message,
                "pattern is too large once compiled (the limit is 256 KiB); \
                 use fewer or smaller repetitions or ASCII classes",
                "{pattern}"
            );
        }
        let long = "a".repeat(MAX_PATTERN_BYTES + 1);
        assert_eq!(
            text_with(&long).unwrap_err().message,
            "a pattern has at most 1000 bytes (this one has 1001)"
        );
    }

    #[test]
    fn the_cache_compiles_each_text_once_and_keeps_the_newest_organizations() {
        let mut cache = DefinitionsCache::new(2);
        let one = r#"[{"tag":"a","type":"boolean"}]"#;
        let two = r#"[{"tag":"b","type":"boolean"}]"#;
        let first = cache.get("org1", one).unwrap();
        assert!(Rc::ptr_eq(&first, &cache.get("org1", one).unwrap()));
        assert_eq!(cache.compiled(), 1);
        assert_eq!(
            cache.get("org1", two).unwrap().iter().next().unwrap().tag,
            "b"
        );
        assert_eq!(cache.compiled(), 2);
        cache.get("org2", one).unwrap();
        cache.get("org1", two).unwrap();
        assert_eq!(cache.compiled(), 3);
        // org3 pushes out org2, the least recently used.
        cache.get("org3", one).unwrap();
        cache.get("org1", two).unwrap();
        assert_eq!(cache.compiled(), 4);
        cache.get("org2", one).unwrap();
        assert_eq!(cache.compiled(), 5);
        assert!(cache.get("org4", "[{").is_err());
    }
}
