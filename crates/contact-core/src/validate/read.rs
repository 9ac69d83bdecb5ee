//! The body read in one pass: serde visitors that take a request's JSON straight to
//! what the checks need, with no `Value` tree in between. Strings stay borrowed from
//! the text unless they hold escapes; only `customFields` and the normalized field
//! values are built, since the checked request keeps them.
//!
//! The visitors run on JSON text, with `serde_json`'s deserializer, so its syntax
//! errors, its nesting limit and positions are those of [`crate::json::from_str`]. A
//! parsed `Value` is read from its JSON text ([`super::json::to_text`]), so that every
//! way into the checks reads a body with this one code. As in `from_str`, an object
//! that names a key twice is refused when the second key is read, at any depth.
//!
//! Problems come out in the order of a `Value`'s sorted keys, whatever the order of
//! the text: a record's problems are sorted by key once read.

use super::fields::{Field, Rule, MAX_TAGS, MAX_TAG_CHARS};
use super::json::{duplicate_key, UniqueKeys};
use super::problem::{echo, Problem, ProblemCode};
use super::request::{Change, Record};
use super::rules::{country, email, phone, text, url, uuid, Violation};
use super::suggest;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

/// A value of which only the text, or else the JSON type, matters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Text(Cow<'a, str>),
    /// A number, an array or an object, by the name messages give its type.
    Other(&'static str),
}

impl Scalar<'_> {
    /// The JSON type, as messages name it (the same names as [`super::type_name`]).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Text(_) => "a string",
            Scalar::Other(name) => name,
        }
    }
}

const NUMBER: &str = "a number";
const ARRAY: &str = "an array";
const OBJECT: &str = "an object";

/// Reads any value into a [`Scalar`], refusing duplicate keys inside it.
pub(crate) struct Any;

impl<'de> DeserializeSeed<'de> for Any {
    type Value = Scalar<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Any {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Other(NUMBER))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Other(NUMBER))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Other(NUMBER))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(Any)?.is_some() {}
        Ok(Scalar::Other(ARRAY))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if keys.contains(&key) {
                return Err(duplicate_key(&key));
            }
            keys.insert(key);
            map.next_value_seed(Any)?;
        }
        Ok(Scalar::Other(OBJECT))
    }
}

/// Reads a key, borrowed from the text when it holds no escape.
pub(crate) struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The visit methods for booleans and numbers of a visitor that takes them only by
/// their type: each answers `self.other(type name)`.
macro_rules! by_type {
    () => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(self.other("a boolean"))
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(self.other(NUMBER))
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(self.other(NUMBER))
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(self.other(NUMBER))
        }
    };
}

/// The top level of a request body as read: the value of each key of the request
/// (`None` when absent), and the keys that are not the request's. No `Debug`: it
/// holds the secrets.
#[derive(Default)]
pub(crate) struct TopRead<'a> {
    pub api_key: Option<Scalar<'a>>,
    pub developer_secret: Option<Scalar<'a>>,
    pub org_id: Option<Scalar<'a>>,
    pub member_id: Option<Scalar<'a>>,
    pub mode: Option<Scalar<'a>>,
    pub lookup_by: Option<Scalar<'a>>,
    pub skip_entity: Option<Scalar<'a>>,
    pub debug: Option<Scalar<'a>>,
    pub dry_run: Option<Scalar<'a>>,
    pub contact: Option<Object>,
    pub entity: Option<Object>,
    /// The keys outside [`super::request::TOP_LEVEL_KEYS`], sorted.
    pub unknown: BTreeSet<Cow<'a, str>>,
}

/// Where the value of one of the request's keys goes.
enum Slot<'t, 'a> {
    Scalar(&'t mut Option<Scalar<'a>>),
    Object(&'t mut Option<Object>, RecordSeed),
}

impl<'a> TopRead<'a> {
    /// The slot of a key of the request; `None` for any other key.
    fn slot(&mut self, key: &str) -> Option<Slot<'_, 'a>> {
        Some(match key {
            "api_key" => Slot::Scalar(&mut self.api_key),
            "developer_secret" => Slot::Scalar(&mut self.developer_secret),
            "org_id" => Slot::Scalar(&mut self.org_id),
            "member_id" => Slot::Scalar(&mut self.member_id),
            "mode" => Slot::Scalar(&mut self.mode),
            "lookup_by" => Slot::Scalar(&mut self.lookup_by),
            "skip_entity" => Slot::Scalar(&mut self.skip_entity),
            "debug" => Slot::Scalar(&mut self.debug),
            "dry_run" => Slot::Scalar(&mut self.dry_run),
            "contact" => Slot::Object(&mut self.contact, RecordSeed::CONTACT),
            "entity" => Slot::Object(&mut self.entity, RecordSeed::ENTITY),
            _ => return None,
        })
    }
}

/// Reads a request body: `None` when it is not a JSON object.
pub(crate) struct Top;

impl<'de> DeserializeSeed<'de> for Top {
    type Value = Option<TopRead<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Top {
    fn other<T>(&self, _: &'static str) -> Option<T> {
        None
    }
}

impl<'de> Visitor<'de> for Top {
    type Value = Option<TopRead<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    by_type!();

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Any.visit_seq(seq)?;
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut top = TopRead::default();
        while let Some(key) = map.next_key_seed(Key)? {
            match top.slot(&key) {
                Some(Slot::Scalar(slot)) => {
                    if slot.is_some() {
                        return Err(duplicate_key(&key));
                    }
                    *slot = Some(map.next_value_seed(Any)?);
                }
                Some(Slot::Object(slot, seed)) => {
                    if slot.is_some() {
                        return Err(duplicate_key(&key));
                    }
                    *slot = Some(map.next_value_seed(seed)?);
                }
                None => {
                    if top.unknown.contains(&key) {
                        return Err(duplicate_key(&key));
                    }
                    map.next_value_seed(Any)?;
                    top.unknown.insert(key);
                }
            }
        }
        Ok(Some(top))
    }
}

/// The contact or the entity as read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Object {
    /// An object: its fields normalized (those with problems left out) and the
    /// problems found, in the order of its sorted keys.
    Read {
        record: Record,
        problems: Vec<Problem>,
    },
    Null,
    /// Not an object: its type, as messages name it.
    Other(&'static str),
}

/// Reads a contact or an entity against its field table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordSeed {
    pub table: &'static [Field],
    /// The path of the object: `contact` or `entity`.
    pub prefix: &'static str,
}

impl RecordSeed {
    pub const CONTACT: RecordSeed = RecordSeed {
        table: &super::fields::CONTACT,
        prefix: "contact",
    };
    pub const ENTITY: RecordSeed = RecordSeed {
        table: &super::fields::ENTITY,
        prefix: "entity",
    };

    fn other(&self, name: &'static str) -> Object {
        Object::Other(name)
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Object;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    by_type!();

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Object::Null)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Object::Other("a string"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Any.visit_seq(seq)?;
        Ok(Object::Other(ARRAY))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let table = self.table;
        // The fields seen, by their place in the table (at most 64 fields).
        let mut seen = 0u64;
        let mut unknown = BTreeSet::new();
        // The changes in the table's order; `places[i]` is the place of `changes[i]`.
        let mut changes: Vec<(&'static Field, Change)> = Vec::with_capacity(table.len());
        let mut places = [0u8; 64];
        // Each problem with its key, to put them in the keys' order.
        let mut problems: Vec<(Cow<'de, str>, Problem)> = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            // Length and first letter first: most names differ there.
            let Some(place) = table.iter().position(|f| {
                f.name.len() == key.len()
                    && f.name.as_bytes().first() == key.as_bytes().first()
                    && f.name.as_bytes() == key.as_bytes()
            }) else {
                if unknown.contains(&key) {
                    return Err(duplicate_key(&key));
                }
                map.next_value_seed(Any)?;
                let problem = unknown_key(self.prefix, &key, table.iter().map(|f| f.name));
                problems.push((key.clone(), problem));
                unknown.insert(key);
                continue;
            };
            let bit = 1u64 << place;
            if seen & bit != 0 {
                return Err(duplicate_key(&key));
            }
            seen |= bit;
            let field = &table[place];
            match map.next_value_seed(FieldSeed(field))? {
                Ok(Some(change)) => {
                    // Sent in the table's order, as most are, it goes last.
                    let mut at = changes.len();
                    while at > 0 && usize::from(places[at - 1]) > place {
                        at -= 1;
                    }
                    places.copy_within(at..changes.len(), at + 1);
                    places[at] = place as u8;
                    changes.insert(at, (field, change));
                }
                Ok(None) => {}
                Err(found) => {
                    for problem in located(self.prefix, &key, found) {
                        problems.push((key.clone(), problem));
                    }
                }
            }
        }
        // Stable: a key's problems (a tag's, by index) keep their order.
        problems.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Object::Read {
            record: Record { changes },
            problems: problems.into_iter().map(|(_, problem)| problem).collect(),
        })
    }
}

/// Problems inside one value: a path suffix (`[3]`) and the violation.
pub(crate) type ValueProblems = Vec<(String, Violation)>;

/// The problems inside the value of `key` in the object at `prefix`, at their paths
/// (`contact.tags[3]`).
pub(crate) fn located<'a>(
    prefix: &'a str,
    key: &'a str,
    found: ValueProblems,
) -> impl Iterator<Item = Problem> + 'a {
    found
        .into_iter()
        .map(move |(suffix, v)| Problem::new(format!("{prefix}.{key}{suffix}"), v.code, v.message))
}

/// One field's value read: `Ok(None)` when it counts as absent.
pub(crate) type FieldRead = Result<Option<Change>, ValueProblems>;

/// Reads one field's value against its rule.
pub(crate) struct FieldSeed(pub &'static Field);

impl FieldSeed {
    /// What the field's value must be, as messages say it.
    fn expected(&self) -> &'static str {
        match self.0.rule {
            Rule::Tags => "an array of strings",
            Rule::CustomFields => OBJECT,
            _ => "a string",
        }
    }

    fn other(&self, got: &'static str) -> FieldRead {
        Err(vec![(String::new(), wrong_type(self.expected(), got))])
    }
}

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = FieldRead;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = FieldRead;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    by_type!();

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(Some(Change::Clear)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        if matches!(self.0.rule, Rule::Tags | Rule::CustomFields) {
            return Ok(self.other("a string"));
        }
        let s = text::trim(s);
        if s.is_empty() {
            return Ok(Ok(None));
        }
        Ok(check_string(self.0.rule, s)
            .map(|normalized| Some(Change::Set(Value::String(normalized))))
            .map_err(|v| vec![(String::new(), v)]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if self.0.rule == Rule::Tags {
            return read_tags(seq);
        }
        Any.visit_seq(seq)?;
        Ok(self.other(ARRAY))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if self.0.rule == Rule::CustomFields {
            return Ok(Ok(Some(Change::Set(UniqueKeys.visit_map(map)?))));
        }
        Any.visit_map(map)?;
        Ok(self.other(OBJECT))
    }
}

/// Checks a trimmed, non-empty string against a rule and answers its stored form.
pub(crate) fn check_string(rule: Rule, s: &str) -> Result<String, Violation> {
    // Text runs it in its own check; notes keeps bidirectional controls.
    if !matches!(rule, Rule::Text(..)) {
        text::bidi(s)?;
    }
    match rule {
        Rule::Text(max, lines) => text::check(s, max, lines).map(|()| s.to_string()),
        Rule::Email => email::check(s).map(|()| s.to_string()),
        Rule::Phone => phone::check(s).map(|()| s.to_string()),
        Rule::Url => url::check(s).map(|()| s.to_string()),
        Rule::Country => country::normalize(s),
        Rule::Uuid => uuid::check(s).map(|()| s.to_ascii_lowercase()),
        Rule::Tags | Rule::CustomFields => Err(Violation::new(
            ProblemCode::InvalidType,
            "must not be a string",
        )),
    }
}

/// The tags: at most [`MAX_TAGS`] strings, each 1–[`MAX_TAG_CHARS`] characters;
/// the first of those equal but for case is kept.
fn read_tags<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<FieldRead, A::Error> {
    let mut count = 0usize;
    let mut problems = Vec::new();
    let mut valid: Vec<Cow<'de, str>> = Vec::new();
    while let Some(item) = seq.next_element_seed(Any)? {
        let i = count;
        count += 1;
        // Too many tags is the one problem told; the rest are still read, as JSON.
        if count > MAX_TAGS {
            continue;
        }
        let Scalar::Text(tag) = item else {
            problems.push((format!("[{i}]"), wrong_type("a string", item.type_name())));
            continue;
        };
        let tag = trimmed(tag);
        if tag.is_empty() {
            problems.push((
                format!("[{i}]"),
                Violation::new(ProblemCode::Empty, "a tag must not be empty"),
            ));
            continue;
        }
        if let Err(v) = text::check(&tag, MAX_TAG_CHARS, text::Lines::Single) {
            problems.push((format!("[{i}]"), v));
            continue;
        }
        valid.push(tag);
    }
    if count > MAX_TAGS {
        return Ok(Err(vec![(
            String::new(),
            Violation::new(
                ProblemCode::TooManyItems,
                format!("must have at most {MAX_TAGS} tags (got {count})"),
            ),
        )]));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    // The tags kept, each with its lower-case form when it is not ASCII (ASCII tags
    // compare ignoring ASCII case, which is the same).
    let mut kept: Vec<(Cow<'de, str>, Option<String>)> = Vec::with_capacity(valid.len());
    for tag in valid {
        let lower = (!tag.is_ascii()).then(|| crate::validate::rules::case::lowercase(&tag));
        let seen = kept.iter().any(|(other, other_lower)| {
            // A lower-case form holds no upper-case ASCII letter, so comparing it to
            // ASCII text ignoring ASCII case compares it to that text lower-cased.
            match (&lower, other_lower) {
                (None, None) => tag.eq_ignore_ascii_case(other),
                (Some(lower), None) => lower.eq_ignore_ascii_case(other),
                (None, Some(other_lower)) => other_lower.eq_ignore_ascii_case(&tag),
                (Some(lower), Some(other_lower)) => lower == other_lower,
            }
        });
        if !seen {
            kept.push((tag, lower));
        }
    }
    let tags = kept
        .into_iter()
        .map(|(tag, _)| Value::String(tag.into_owned()))
        .collect();
    Ok(Ok(Some(Change::Set(Value::Array(tags)))))
}

/// A string trimmed as the contract trims, still borrowed when it was.
fn trimmed(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(s) => Cow::Borrowed(text::trim(s)),
        Cow::Owned(s) if text::trim(&s).len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(text::trim(&s).to_owned()),
    }
}

pub(crate) fn wrong_type(expected: &str, got: &str) -> Violation {
    Violation::new(
        ProblemCode::InvalidType,
        format!("must be {expected}, not {got}"),
    )
}

/// An unknown key's problem. `prefix` is the path of its object (empty at the top
/// level); the key is repeated at most [`super::problem::MAX_ECHOED_CHARS`] long.
pub(crate) fn unknown_key<'a>(
    prefix: &str,
    key: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Problem {
    let shown = echo(key);
    let message = match suggest::closest(key, known) {
        Some(name) => format!("unknown field {shown}; did you mean {name}?"),
        None => format!("unknown field {shown}"),
    };
    let path = if prefix.is_empty() {
        shown.into_owned()
    } else {
        format!("{prefix}.{shown}")
    };
    Problem::new(path, ProblemCode::UnknownField, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::request::TOP_LEVEL_KEYS;

    #[test]
    fn every_key_of_the_request_has_a_slot() {
        let mut top = TopRead::default();
        for key in TOP_LEVEL_KEYS {
            assert!(top.slot(key).is_some(), "{key}");
        }
        assert!(top.slot("contacts").is_none());
        assert!(top.slot("").is_none());
    }

    proptest::proptest! {
        /// Tags equal but for case are kept once, the first of them, by the same
        /// fold as `str::to_lowercase`, whether or not they are ASCII.
        #[test]
        fn tags_equal_but_for_case_are_kept_once(
            tags in proptest::collection::vec("[kKaA\u{212A}éÉßİiıΣσς ]{1,4}", 0..12)
        ) {
            let field = super::super::fields::contact_field("tags").unwrap();
            let value = Value::from(tags.clone());
            let mut expected: Vec<String> = Vec::new();
            let mut folded: Vec<String> = Vec::new();
            for tag in &tags {
                let tag = tag.trim();
                if tag.is_empty() {
                    // An empty tag is a problem: nothing is kept.
                    expected.clear();
                    break;
                }
                if !folded.contains(&tag.to_lowercase()) {
                    folded.push(tag.to_lowercase());
                    expected.push(tag.to_string());
                }
            }
            let read = crate::validate::read_value(field, &value);
            if tags.iter().any(|t| t.trim().is_empty()) {
                proptest::prop_assert!(read.is_err());
            } else {
                proptest::prop_assert_eq!(
                    read.unwrap(),
                    Some(Change::Set(Value::from(expected)))
                );
            }
        }
    }

    #[test]
    fn field_tables_fit_the_seen_mask() {
        assert!(super::super::fields::CONTACT.len() <= 64);
        assert!(super::super::fields::ENTITY.len() <= 64);
    }
}
