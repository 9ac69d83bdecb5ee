//! Rate limits at the edge, on Cloudflare's Rate Limiting bindings, and their
//! headers (draft-ietf-httpapi-ratelimit-headers): every answer of the API names the
//! policies that apply to it in `RateLimit-Policy`; a 429 adds `RateLimit` and
//! `Retry-After`.
//!
//! - `key` (`batch` on the batch endpoint): requests of one api key, counted once the
//!   caller is authenticated (steps 3–9), so that nobody without the key's developer
//!   secret and an allowed address can spend its quota. A batch counts against a
//!   policy of its own, whose quota counts batches of up to 100 contacts.
//! - `address`: requests from one client address refused before authentication (a
//!   missing or wrong key or secret, an address not allowed), which is what guessing
//!   keys looks like. A refusal over the quota answers `RATE_LIMITED` in its place;
//!   for the rest of the window the isolate then refuses that address's requests
//!   before reading the database (the contract's place for it, before step 3).
//!   Authenticated requests from the same address are not counted.
//!
//! The binding counts per Cloudflare location and approximately (its counters are
//! cached and synchronized in the background), and so does the isolate's memory of
//! blocked addresses: these limits protect the service, they are not billing quotas.
//! Exact quotas need one counter for all locations, e.g. a Durable Object per api key.
//!
//! A binding can only count (`limit({key})` answers whether the key is still under
//! its quota, counting the call); it cannot say how many calls are left or when its
//! window ends. The quotas and windows are therefore also settings of the Worker
//! (`RATE_LIMIT_*` in `wrangler.toml`, next to the bindings they describe, and held
//! equal to them by a test), and a window is taken to end at the next multiple of its
//! length since the epoch, as the local runtime's counter resets.

use contact_core::endpoint::Outcome;
use contact_core::{Code, Failure};
use js_sys::Date;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use worker::{console_error, Env, Error, RateLimiter, Result};

/// One rate-limit policy: a binding, its quota and its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The name in the headers (`"key"`).
    pub name: &'static str,
    /// The Rate Limiting binding that counts it.
    pub binding: &'static str,
    /// The Worker setting that states its quota and window, `QUOTA/SECONDS`.
    pub setting: &'static str,
    pub quota: u32,
    /// Seconds: 10 or 60, the periods the binding supports.
    pub window: u32,
}

/// The policies, by what they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Single requests of one api key, counted once the key is authenticated.
    Key,
    /// Batch requests of one api key, counted once the key is authenticated: a
    /// policy of its own, whose quota counts batches (each of up to 100 contacts).
    Batch,
    /// Requests from one client address refused before authentication (a missing or
    /// wrong key or secret, an address not allowed): what guessing keys looks like.
    Address,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Key => "key",
            Kind::Batch => "batch",
            Kind::Address => "address",
        }
    }

    pub fn binding(self) -> &'static str {
        match self {
            Kind::Key => "KEY_RATE_LIMITER",
            Kind::Batch => "BATCH_RATE_LIMITER",
            Kind::Address => "ADDRESS_RATE_LIMITER",
        }
    }

    pub fn setting(self) -> &'static str {
        match self {
            Kind::Key => "RATE_LIMIT_KEY",
            Kind::Batch => "RATE_LIMIT_BATCH",
            Kind::Address => "RATE_LIMIT_ADDRESS",
        }
    }
}

/// Reads a policy's setting, `QUOTA/SECONDS` (e.g. `10000/10`).
pub fn policy(kind: Kind, setting: &str) -> Result<Policy, String> {
    let bad = || {
        format!(
            "{} must be QUOTA/SECONDS with a quota of at least 1 and a window of 10 or 60 seconds, e.g. 1000/10; got {setting:?}",
            kind.setting()
        )
    };
    let (quota, window) = setting.trim().split_once('/').ok_or_else(bad)?;
    let quota: u32 = quota.trim().parse().map_err(|_| bad())?;
    let window: u32 = window.trim().parse().map_err(|_| bad())?;
    if quota == 0 || !matches!(window, 10 | 60) {
        return Err(bad());
    }
    Ok(Policy {
        name: kind.name(),
        binding: kind.binding(),
        setting: kind.setting(),
        quota,
        window,
    })
}

/// `RateLimit-Policy`: the policies that apply to an answer, e.g.
/// `"key";q=10000;w=10, "address";q=1000;w=10`.
pub fn policy_header(policies: &[Policy]) -> String {
    policies
        .iter()
        .map(|p| format!("\"{}\";q={};w={}", p.name, p.quota, p.window))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `RateLimit` of a 429: nothing remains of this policy's quota until `reset`
/// seconds from now.
pub fn limit_header(policy: &Policy, reset: u32) -> String {
    format!("\"{}\";r=0;t={reset}", policy.name)
}

/// Whole seconds until the current window of `window` seconds ends, at least 1:
/// windows end at multiples of their length since the epoch.
pub fn seconds_to_reset(now_ms: f64, window: u32) -> u32 {
    let window_ms = f64::from(window) * 1000.0;
    let left = window_ms - now_ms.rem_euclid(window_ms);
    // At most `window`: the cast cannot truncate.
    (left / 1000.0).ceil().clamp(1.0, f64::from(window)) as u32
}

/// The codes of requests refused before authentication: those the address policy counts.
const REFUSED_BEFORE_AUTHENTICATION: [Code; 5] = [
    Code::MissingApiKey,
    Code::InvalidApiKey,
    Code::MissingDeveloperSecret,
    Code::InvalidDeveloperSecret,
    Code::IpNotWhitelisted,
];

/// At most this many addresses are remembered as blocked by one isolate; past it the
/// memory starts again (the binding still counts).
const MAX_BLOCKED: usize = 10_000;

thread_local! {
    /// Addresses over the address policy, with the end of their window (ms since the
    /// epoch): refused before the read until then.
    static BLOCKED: RefCell<HashMap<String, f64>> = RefCell::new(HashMap::new());
}

/// The rate limits of one request to the API: its endpoint's key policy and the
/// address policy, their bindings, and the policy that refused it, if one did.
pub struct Rates {
    key: (Policy, RateLimiter),
    address: (Policy, RateLimiter),
    refused: Cell<Option<(Policy, u32)>>,
}

impl Rates {
    /// The policies of the single endpoint (`Kind::Key`) or the batch endpoint
    /// (`Kind::Batch`). A setting or binding that is missing or malformed is an
    /// error: the API answers its JSON 500 rather than run without limits.
    pub fn new(env: &Env, kind: Kind) -> Result<Rates> {
        let load = |kind: Kind| -> Result<(Policy, RateLimiter)> {
            let setting = env
                .var(kind.setting())
                .map_err(|_| {
                    Error::RustError(format!("the setting {} is missing", kind.setting()))
                })?
                .to_string();
            let policy = policy(kind, &setting).map_err(Error::RustError)?;
            Ok((policy, env.rate_limiter(kind.binding())?))
        };
        Ok(Rates {
            key: load(kind)?,
            address: load(Kind::Address)?,
            refused: Cell::new(None),
        })
    }

    /// Counts one authenticated request of this api key; over the quota, the
    /// `RATE_LIMITED` failure. A binding that fails admits the request (and says so
    /// in the log): the limit protects the service and must not take it down.
    pub async fn admit_key(&self, api_key_id: &str) -> Option<Failure> {
        let (policy, limiter) = &self.key;
        match limiter.limit(api_key_id.to_string()).await {
            Ok(outcome) if outcome.success => None,
            Ok(_) => Some(self.refuse(*policy)),
            Err(e) => {
                console_error!("rate limiter {}: {e}", policy.binding);
                None
            }
        }
    }

    /// The refusal of an address the isolate knows to be over the address policy.
    pub fn blocked(&self, client_ip: Option<&str>) -> Option<Failure> {
        let ip = client_ip?;
        let now = Date::now();
        let blocked = BLOCKED.with_borrow_mut(|blocked| match blocked.get(ip) {
            Some(&until) if until > now => true,
            Some(_) => {
                blocked.remove(ip);
                false
            }
            None => false,
        });
        blocked.then(|| self.refuse(self.address.0))
    }

    /// Counts a refusal before authentication against the client's address: over
    /// the quota, the `RATE_LIMITED` failure in its place.
    pub async fn count_refusal(
        &self,
        outcome: &Outcome,
        client_ip: Option<&str>,
    ) -> Option<Failure> {
        let code = outcome.body.get("code").and_then(|c| c.as_str())?;
        if !REFUSED_BEFORE_AUTHENTICATION
            .iter()
            .any(|c| c.as_str() == code)
        {
            return None;
        }
        let ip = client_ip.unwrap_or("unknown");
        let (policy, limiter) = &self.address;
        match limiter.limit(ip.to_string()).await {
            Ok(outcome) if outcome.success => None,
            Ok(_) => {
                let now = Date::now();
                let until = now + f64::from(seconds_to_reset(now, policy.window)) * 1000.0;
                BLOCKED.with_borrow_mut(|blocked| {
                    if blocked.len() >= MAX_BLOCKED {
                        blocked.clear();
                    }
                    blocked.insert(ip.to_string(), until);
                });
                Some(self.refuse(*policy))
            }
            Err(e) => {
                console_error!("rate limiter {}: {e}", policy.binding);
                None
            }
        }
    }

    fn refuse(&self, policy: Policy) -> Failure {
        let reset = seconds_to_reset(Date::now(), policy.window);
        self.refused.set(Some((policy, reset)));
        refusal(&policy, reset)
    }

    /// The headers of the answer: the policies, and for a 429 what is left.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![(
            "RateLimit-Policy",
            policy_header(&[self.key.0, self.address.0]),
        )];
        if let Some((policy, reset)) = self.refused.get() {
            headers.push(("RateLimit", limit_header(&policy, reset)));
            headers.push(("Retry-After", reset.to_string()));
        }
        headers
    }
}

/// The `RATE_LIMITED` failure of a policy, `reset` seconds before its window ends.
pub fn refusal(policy: &Policy, reset: u32) -> Failure {
    let what = match policy.name {
        "batch" => "batch requests for this api key",
        "address" => "refused requests from this address",
        _ => "requests for this api key",
    };
    Failure::new(
        Code::RateLimited,
        format!(
            "Too many {what}: at most {} in {} seconds; retry in {reset} {}",
            policy.quota,
            policy.window,
            if reset == 1 { "second" } else { "seconds" }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_quota_slash_window() {
        assert_eq!(
            policy(Kind::Key, "10000/10"),
            Ok(Policy {
                name: "key",
                binding: "KEY_RATE_LIMITER",
                setting: "RATE_LIMIT_KEY",
                quota: 10_000,
                window: 10
            })
        );
        assert_eq!(policy(Kind::Address, " 5 / 60 ").unwrap().window, 60);
        for bad in ["", "10", "0/10", "10/30", "-1/10", "ten/10", "10/10/10"] {
            assert_eq!(
                policy(Kind::Batch, bad),
                Err(format!("RATE_LIMIT_BATCH must be QUOTA/SECONDS with a quota of at least 1 and a window of 10 or 60 seconds, e.g. 1000/10; got {bad:?}")),
                "{bad}"
            );
        }
    }

    #[test]
    fn headers_follow_the_draft() {
        let key = policy(Kind::Key, "1000/10").unwrap();
        let address = policy(Kind::Address, "100/60").unwrap();
        assert_eq!(
            policy_header(&[key, address]),
            "\"key\";q=1000;w=10, \"address\";q=100;w=60"
        );
        assert_eq!(limit_header(&key, 7), "\"key\";r=0;t=7");
    }

    #[test]
    fn refusals_name_the_policy_its_quota_and_the_wait() {
        let key = policy(Kind::Key, "1000/10").unwrap();
        let failure = refusal(&key, 7);
        assert_eq!(failure.code, Code::RateLimited);
        assert_eq!(
            failure.message,
            "Too many requests for this api key: at most 1000 in 10 seconds; retry in 7 seconds"
        );
        assert_eq!(
            refusal(&policy(Kind::Batch, "20/60").unwrap(), 60).message,
            "Too many batch requests for this api key: at most 20 in 60 seconds; retry in 60 seconds"
        );
        assert_eq!(
            refusal(&policy(Kind::Address, "5/10").unwrap(), 1).message,
            "Too many refused requests from this address: at most 5 in 10 seconds; retry in 1 second"
        );
    }

    #[test]
    fn a_window_resets_at_the_next_multiple_of_its_length() {
        assert_eq!(seconds_to_reset(1_000_000.0, 10), 10);
        assert_eq!(seconds_to_reset(1_000_000.5, 10), 10);
        assert_eq!(seconds_to_reset(1_003_000.0, 10), 7);
        assert_eq!(seconds_to_reset(1_009_999.0, 10), 1);
        // 1,759,000,020,000 ms is a multiple of 60 s.
        assert_eq!(seconds_to_reset(1_759_000_020_000.0, 60), 60);
        assert_eq!(seconds_to_reset(1_759_000_040_000.0, 60), 40);
        assert_eq!(seconds_to_reset(1_759_000_079_500.0, 60), 1);
    }
}
