//! Sending one batch to `POST {url}/apis/v2/public/crm/addContactsFull/batch`, with
//! its idempotency key, and retrying what may succeed later.
//!
//! Retried, with jittered exponential back-off and at least the `Retry-After` the
//! server asks for: 429, every 5xx, `409 IDEMPOTENCY_KEY_IN_USE` (the same batch is
//! still being written by an earlier try) and failures to connect or to read an
//! answer. The idempotency key makes a retry of a batch that was written in fact a
//! replay, never a second write.

use crate::report::Rejection;
use serde_json::Value;
use std::time::Duration;

/// The batch endpoint's path.
pub const PATH: &str = "/apis/v2/public/crm/addContactsFull/batch";

/// The code of a batch that got no answer from the server.
pub const UNREACHABLE: &str = "UNREACHABLE";

/// How a batch is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included.
    pub tries: u32,
    /// The first back-off; each next one doubles, up to `cap`. Each wait is drawn
    /// between half the back-off and all of it.
    pub base: Duration,
    pub cap: Duration,
    /// The longest `Retry-After` honoured.
    pub retry_after_cap: Duration,
}

impl Default for Retry {
    /// 6 tries over about 15 s (0.5, 1, 2, 4, 8 s back-off) unless the server asks
    /// for longer; a `Retry-After` is honoured up to 5 minutes.
    fn default() -> Self {
        Retry {
            tries: 6,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(300),
        }
    }
}

impl Retry {
    /// The wait before try `next` (2, 3, …): the jittered back-off, or the server's
    /// `Retry-After` when that is longer.
    pub fn wait(&self, next: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = next.saturating_sub(2).min(20);
        let backoff = self.base.saturating_mul(1 << exponent).min(self.cap);
        let half = backoff / 2;
        let jittered = half + half.mul_f64(fastrand::f64());
        match retry_after {
            Some(asked) => jittered.max(asked.min(self.retry_after_cap)),
            None => jittered,
        }
    }
}

/// The result of one item of an answered batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemResult {
    /// Written: `created`, `updated`, …
    Written(String),
    Rejected(Rejection),
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 or 207: a result per item, in input order.
    Results {
        results: Vec<ItemResult>,
        replayed: bool,
    },
    /// The whole batch refused for its content, or given up on after the last try:
    /// its rows are rejected with this (problems at `items[i].` go to row `i`).
    Refused { body: Value },
    /// A refusal that every batch would get (credentials, address, organization,
    /// member, path): the import stops.
    Stop(Rejection),
}

/// The batch endpoint of one server, with the credentials' body prefix.
pub struct Client {
    agent: ureq::Agent,
    endpoint: String,
    retry: Retry,
}

/// One try's outcome.
enum Try {
    Done(Answer),
    /// Worth another try: the body to report if there is none, and the wait asked.
    Again {
        body: Value,
        retry_after: Option<Duration>,
    },
}

impl Client {
    pub fn new(url: &str, retry: Retry) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(120)))
            .user_agent(concat!("contact-import/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            endpoint: format!("{}{PATH}", url.trim_end_matches('/')),
            retry,
        }
    }

    /// Sends one batch body, retrying as the module says. `note` hears of each retry.
    pub fn send(&self, body: &str, key: &str, note: &mut dyn FnMut(String)) -> Answer {
        let mut tried = 0;
        loop {
            tried += 1;
            match self.try_once(body, key) {
                Try::Done(answer) => return answer,
                Try::Again { body, retry_after } => {
                    let code = body
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or(UNREACHABLE)
                        .to_string();
                    if tried >= self.retry.tries {
                        let message = body
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        return Answer::Refused {
                            body: serde_json::json!({
                                "code": code,
                                "message": format!("gave up after {tried} tries: {message}"),
                                "errors": body.get("errors").cloned().unwrap_or(Value::Array(Vec::new())),
                            }),
                        };
                    }
                    let wait = self.retry.wait(tried + 1, retry_after);
                    note(format!(
                        "batch {key}: {code}; try {} of {} in {:.1} s",
                        tried + 1,
                        self.retry.tries,
                        wait.as_secs_f64()
                    ));
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn try_once(&self, body: &str, key: &str) -> Try {
        let sent = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .send(body.as_bytes());
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return unreachable(&e),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(str::to_string)
        };
        let retry_after = header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let replayed = header("idempotent-replayed").is_some_and(|v| v == "true");
        let text = match response
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
        {
            Ok(text) => text,
            Err(e) => return unreachable(&e),
        };
        // A body that is not the API's JSON (a proxy's page) is not repeated: it
        // could be long, and is no use in a report.
        let parsed: Option<Value> = serde_json::from_str(&text).ok().filter(Value::is_object);
        let code = parsed
            .as_ref()
            .and_then(|b| b.get("code"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let error_body = || {
            parsed.clone().unwrap_or_else(|| {
                serde_json::json!({
                    "code": format!("HTTP_{status}"),
                    "message": format!("HTTP {status} with a body that is not the API's JSON"),
                })
            })
        };
        match status {
            200 | 207 => match parsed.as_ref().and_then(results) {
                Some(results) => Try::Done(Answer::Results { results, replayed }),
                None => Try::Done(Answer::Refused {
                    body: serde_json::json!({
                        "code": "INVALID_RESPONSE",
                        "message": format!("HTTP {status} without a result per item"),
                    }),
                }),
            },
            429 | 500..=599 => Try::Again {
                body: error_body(),
                retry_after,
            },
            409 if code.as_deref() == Some("IDEMPOTENCY_KEY_IN_USE") => Try::Again {
                body: error_body(),
                retry_after,
            },
            // The same for every batch: no use sending the others.
            401 | 403 | 404 | 405 | 415 => {
                Try::Done(Answer::Stop(Rejection::from_body(&error_body(), 0)))
            }
            _ => Try::Done(Answer::Refused { body: error_body() }),
        }
    }
}

fn unreachable(error: &ureq::Error) -> Try {
    Try::Again {
        body: serde_json::json!({"code": UNREACHABLE, "message": error.to_string()}),
        retry_after: None,
    }
}

/// The per-item results of a 200 or 207 answer, in input order.
fn results(body: &Value) -> Option<Vec<ItemResult>> {
    let list = body.get("results")?.as_array()?;
    let mut results = Vec::with_capacity(list.len());
    for (i, result) in list.iter().enumerate() {
        let index = result.get("index").and_then(Value::as_u64);
        if index != Some(i as u64) {
            return None;
        }
        match result.get("status").and_then(Value::as_str) {
            Some("success") => {
                let action = result
                    .get("data")
                    .and_then(|d| d.get("action"))
                    .and_then(Value::as_str)
                    .unwrap_or("written");
                results.push(ItemResult::Written(action.to_string()));
            }
            _ => results.push(ItemResult::Rejected(Rejection::from_body(result, i))),
        }
    }
    Some(results)
}
