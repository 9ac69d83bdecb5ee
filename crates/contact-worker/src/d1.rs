//! contact-core's `Database` on D1: a batch is one D1 `batch`, which D1 runs as
//! one transaction.

use crate::rate::Rates;
use contact_core::endpoint::{Database, DbError, Rows};
use contact_core::store::Statement;
use contact_core::Failure;
use serde_json::{Map, Number, Value};
use wasm_bindgen::JsValue;
use worker::D1Database;

/// The database, and the rate limits the core asks once a caller is authenticated.
pub struct D1<'a>(pub D1Database, pub &'a Rates);

impl Database for D1<'_> {
    async fn admit(&self, api_key_id: &str) -> Option<Failure> {
        self.1.admit_key(api_key_id).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, DbError> {
        let prepared = statements
            .iter()
            .map(|s| {
                let params: Vec<JsValue> = s.params.iter().map(param).collect();
                self.0.prepare(s.sql.as_str()).bind(&params)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DbError::Other(e.to_string()))?;
        let results = self.0.batch(prepared).await.map_err(classify)?;
        results
            .iter()
            .map(|result| {
                let rows = result
                    .results::<Value>()
                    .map_err(|e| DbError::Other(e.to_string()))?;
                Ok(rows.into_iter().map(row).collect())
            })
            .collect()
    }

    /// Exponential back-off with full jitter: up to 2, 4, 8 … ms, at most 64 ms.
    async fn pause(&self, attempt: u32) {
        let ceiling = f64::from(1u32 << attempt.clamp(1, 6));
        let ms = (js_sys::Math::random() * ceiling) as u64;
        worker::Delay::from(std::time::Duration::from_millis(ms)).await;
    }
}

fn param(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_f64(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or_default()),
        Value::String(s) => JsValue::from_str(s),
        other => JsValue::from_str(&other.to_string()),
    }
}

/// A row from JavaScript: every number is a float there, so whole ones are turned
/// back into integers for the core's integer columns.
fn row(value: Value) -> Map<String, Value> {
    let Value::Object(mut map) = value else {
        return Map::new();
    };
    for value in map.values_mut() {
        if let Some(f) = value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        {
            *value = Value::Number(Number::from(f as i64));
        }
    }
    map
}

/// A failed constraint (a guard or a unique index) means another request wrote
/// first; anything else is unexpected.
fn classify(error: worker::Error) -> DbError {
    let text = error.to_string();
    if text.contains("constraint failed") {
        DbError::Conflict(text)
    } else {
        DbError::Other(text)
    }
}
