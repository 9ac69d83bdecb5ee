//! JSON text to a `serde_json::Value`, refusing an object that names one key twice.
//!
//! Parsers disagree on duplicate keys (first wins, last wins, error), so a request
//! like `{"api_key": "a", "api_key": "b"}` could mean one thing to a proxy or a log and
//! another to this API. Refusing it leaves no room for that.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses JSON text; a duplicate key is an error that names it.
pub fn from_str(text: &str) -> serde_json::Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The JSON text of a parsed value, for the checks, which read JSON text only: keys
/// in the map's sorted order, numbers written so that they parse back exactly.
pub(crate) fn to_text(value: &Value) -> String {
    serde_json::to_string(value).expect("a Value's keys are strings, so it always serializes")
}

/// A `Value` seed whose maps refuse duplicate keys.
pub(crate) struct UniqueKeys;

/// The error of an object that names `key` twice.
pub(crate) fn duplicate_key<E: de::Error>(key: &str) -> E {
    E::custom(format_args!("duplicate key {key:?}"))
}

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity, so every parsed float is finite.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(duplicate_key(&key));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::from_str;
    use serde_json::json;

    #[test]
    fn parses_like_serde_json() {
        let text = r#"{"a": [1, -2, 3.5, "x", true, null, {"b": {}}], "c": "é\u00e9"}"#;
        assert_eq!(
            from_str(text).unwrap(),
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
        assert_eq!(
            from_str("18446744073709551615").unwrap(),
            json!(18446744073709551615u64)
        );
    }

    #[test]
    fn refuses_duplicate_keys_at_any_depth() {
        assert!(from_str(r#"{"a": 1, "a": 2}"#)
            .unwrap_err()
            .to_string()
            .contains("duplicate key \"a\""));
        assert!(from_str(r#"{"x": [{"k": 1, "k": 1}]}"#).is_err());
        // Escapes are decoded before keys are compared.
        assert!(from_str(r#"{"api_key": 1, "api\u005fkey": 2}"#).is_err());
    }

    #[test]
    fn refuses_trailing_text_and_deep_nesting() {
        assert!(from_str("{} x").is_err());
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(from_str(&deep)
            .unwrap_err()
            .to_string()
            .contains("recursion limit"));
    }
}
