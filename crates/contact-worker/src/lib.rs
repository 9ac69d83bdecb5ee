//! The Worker: routing, HTTP and D1. Every decision is contact-core's; this crate
//! only moves bytes between the request, the core and D1.

mod d1;
mod rate;

use contact_core::batch;
use contact_core::endpoint::{self, Call, Outcome};
use contact_core::validate::{request::MAX_BODY_BYTES, too_large_streamed};
use contact_core::{Code, Failure};
use futures_util::StreamExt;
use js_sys::{Function, Reflect};
use rate::Rates;
use wasm_bindgen::{JsCast, JsValue};
use worker::{event, Context, Env, Request, Response, Result};

/// The endpoint of the seed.
pub const PATH: &str = "/apis/v2/public/crm/addContactsFull";

/// Panics reach the log with their message and place (never a request's data: the
/// core does not panic on input, and its messages hold no secrets).
#[event(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| worker::console_error!("panic: {info}")));
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let request_id = random_uuid();
    match serve(&mut req, &env, &request_id).await {
        Ok(response) => Ok(response),
        // A failure outside the core (a binding, a header, the runtime, building the
        // answer) is still the contract's JSON 500, with the request id to quote. The
        // error names what failed (a binding, a header), never a request's data.
        Err(error) => {
            let outcome = Outcome::internal(&request_id, format!("worker: {error}"));
            log(&outcome, &request_id);
            respond(&outcome, &request_id)
        }
    }
}

/// One request's answer. Every `Err` is a failure outside the core, which `fetch`
/// turns into the JSON 500.
async fn serve(req: &mut Request, env: &Env, request_id: &str) -> Result<Response> {
    let route = route(&req.path());
    // The API's answers, and only those, carry the rate-limit headers.
    let rates = match route {
        Route::Endpoint => Some(Rates::new(env, rate::Kind::Key)?),
        Route::Batch => Some(Rates::new(env, rate::Kind::Batch)?),
        Route::Demo | Route::NotFound => None,
    };
    let outcome = answer(req, env, route, rates.as_ref(), request_id).await?;
    log(&outcome, request_id);
    let mut response = respond(&outcome, request_id)?;
    if let Some(rates) = &rates {
        let headers = response.headers_mut();
        for (name, value) in rates.headers() {
            headers.set(name, &value)?;
        }
    }
    Ok(response)
}

/// The core's log lines never hold secrets; they name the request to find it by.
fn log(outcome: &Outcome, request_id: &str) {
    if let Some(log) = &outcome.log {
        worker::console_error!("request {request_id}: {log}");
    }
}

/// Where a path goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Endpoint,
    /// Up to 100 contacts in one request.
    Batch,
    /// Only in a build for local development (the `dev` feature).
    #[cfg_attr(not(feature = "dev"), allow(dead_code))]
    Demo,
    NotFound,
}

fn route(path: &str) -> Route {
    match path {
        PATH => Route::Endpoint,
        batch::PATH => Route::Batch,
        #[cfg(feature = "dev")]
        DEMO_PATH => Route::Demo,
        _ => Route::NotFound,
    }
}

async fn answer(
    req: &mut Request,
    env: &Env,
    route: Route,
    rates: Option<&Rates>,
    request_id: &str,
) -> Result<Outcome> {
    let (limits, rates) = match (route, rates) {
        (Route::Endpoint, Some(rates)) => (Limits::SINGLE, rates),
        (Route::Batch, Some(rates)) => (Limits::BATCH, rates),
        (Route::Demo, _) => return Ok(demo(env).await.unwrap_or_else(|| not_found(req))),
        _ => return Ok(not_found(req)),
    };
    let body = match read(req, &limits).await {
        Ok(body) => body,
        Err(failure) => return Ok(failure),
    };
    let client_ip = req.headers().get("CF-Connecting-IP")?;
    // Before step 3: an address over its limit of refused requests.
    if let Some(limited) = rates.blocked(client_ip.as_deref()) {
        return Ok(failure(&limited));
    }
    let db = d1::D1(env.d1("DB")?, rates);
    let now = js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let idempotency_key = req.headers().get("Idempotency-Key")?;
    let call = Call {
        body: &body,
        client_ip: client_ip.as_deref(),
        request_id,
        now: &now,
        idempotency_key: idempotency_key.as_deref(),
    };
    let outcome = match route {
        Route::Batch => batch::handle(&db, call, &mut random_uuid).await,
        _ => endpoint::handle(&db, call, &mut random_uuid).await,
    };
    // A refusal before authentication counts against the address.
    Ok(
        match rates.count_refusal(&outcome, client_ip.as_deref()).await {
            Some(limited) => failure(&limited),
            None => outcome,
        },
    )
}

/// The method, the media type and the declared length, before the body is read.
type Preflight = fn(&str, Option<&str>, Option<u64>) -> std::result::Result<(), Failure>;

/// Steps 1 and 2 of one endpoint: its checks before the body is read, its size
/// limit, its check of the bytes read, and its answer to a stream that passed the
/// limit.
struct Limits {
    preflight: Preflight,
    max_bytes: usize,
    body_text: fn(&[u8]) -> std::result::Result<&str, Failure>,
    too_large_streamed: fn() -> Failure,
}

impl Limits {
    const SINGLE: Limits = Limits {
        preflight: endpoint::preflight,
        max_bytes: MAX_BODY_BYTES,
        body_text: endpoint::body_text,
        too_large_streamed,
    };
    const BATCH: Limits = Limits {
        preflight: batch::preflight,
        max_bytes: batch::MAX_BATCH_BODY_BYTES,
        body_text: batch::body_text,
        too_large_streamed: || batch::too_large(None),
    };
}

/// Where the form's development panel finds the demo organization's credentials.
pub const DEMO_PATH: &str = "/dev/demo";

fn not_found(req: &Request) -> Outcome {
    failure(&Failure::new(
        Code::NotFound,
        format!("No endpoint at {}; the API is POST {PATH}", req.path()),
    ))
}

/// The demo credentials and the demo organization's custom field definitions, for
/// local development only: the route exists only in a build with the `dev` feature
/// (`scripts/build-worker.sh --local`, which `scripts/dev.sh` and the tests use; the
/// deploy build has no such route), and answers only where `DEMO_CREDENTIALS` is set,
/// which `scripts/dev.sh` does through `.dev.vars`, a file never deployed.
#[cfg(feature = "dev")]
async fn demo(env: &Env) -> Option<Outcome> {
    let credentials = env.var("DEMO_CREDENTIALS").ok()?.to_string();
    let mut body: serde_json::Value = serde_json::from_str(&credentials).ok()?;
    let org_id = body.get("org_id")?.as_str()?.to_string();
    let db = env.d1("DB").ok()?;
    let rows = db
        .prepare("SELECT definition FROM custom_fields WHERE org_id = ?1 ORDER BY rowid")
        .bind(&[org_id.into()])
        .ok()?
        .all()
        .await
        .ok()?
        .results::<serde_json::Value>()
        .ok()?;
    let definitions: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|row| serde_json::from_str(row.get("definition")?.as_str()?).ok())
        .collect();
    body["custom_fields"] = definitions.into();
    Some(Outcome {
        status: 200,
        body,
        log: None,
        replayed: false,
    })
}

#[cfg(not(feature = "dev"))]
async fn demo(_: &Env) -> Option<Outcome> {
    None
}

/// Steps 1 and 2 up to the body's text: method, media type, size, UTF-8. The body is
/// read as a stream and refused as soon as it passes the limit, so a body without a
/// `Content-Length` is never held beyond the limit (128 KiB, a batch 1 MiB) and one
/// chunk.
async fn read(req: &mut Request, limits: &Limits) -> std::result::Result<String, Outcome> {
    let headers = req.headers();
    let content_type = headers.get("Content-Type").ok().flatten();
    let length = headers
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    (limits.preflight)(req.method().as_ref(), content_type.as_deref(), length)
        .map_err(|f| failure(&f))?;
    let unreadable = || {
        failure(&Failure::new(
            Code::InvalidJson,
            "The request body could not be read",
        ))
    };
    let mut bytes = Vec::new();
    if req.inner().body().is_some() {
        let mut stream = req.stream().map_err(|_| unreadable())?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if bytes.len() + chunk.len() > limits.max_bytes {
                return Err(failure(&(limits.too_large_streamed)()));
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    (limits.body_text)(&bytes)
        .map(str::to_string)
        .map_err(|f| failure(&f))
}

fn failure(failure: &Failure) -> Outcome {
    Outcome {
        status: failure.code.http_status(),
        body: failure.to_json(),
        log: None,
        replayed: false,
    }
}

fn respond(outcome: &Outcome, request_id: &str) -> Result<Response> {
    let mut response = Response::from_json(&outcome.body)?.with_status(outcome.status);
    let headers = response.headers_mut();
    headers.set("X-Request-Id", request_id)?;
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    if outcome.body["code"] == Code::MethodNotAllowed.as_str() {
        headers.set("Allow", "POST")?;
    }
    if outcome.replayed {
        headers.set("Idempotent-Replayed", "true")?;
    }
    Ok(response)
}

/// `crypto.randomUUID()`: ids and request ids from the runtime's CSPRNG.
fn random_uuid() -> String {
    let global = js_sys::global();
    let uuid = Reflect::get(&global, &JsValue::from_str("crypto"))
        .ok()
        .and_then(|crypto| {
            let f = Reflect::get(&crypto, &JsValue::from_str("randomUUID")).ok()?;
            f.dyn_into::<Function>()
                .ok()?
                .call0(&crypto)
                .ok()?
                .as_string()
        });
    // Workers always have crypto.randomUUID; without it no id could be trusted.
    uuid.unwrap_or_else(|| panic!("crypto.randomUUID is not available"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_routed_and_other_paths_are_not_found() {
        assert_eq!(route(PATH), Route::Endpoint);
        assert_eq!(route(batch::PATH), Route::Batch);
        assert_eq!(
            route("/apis/v2/public/crm/addContactsFull/batch/"),
            Route::NotFound
        );
        assert_eq!(route("/apis/v2/public/crm/addContacts"), Route::NotFound);
        assert_eq!(route("/"), Route::NotFound);
    }

    /// The deploy build (no `dev` feature, as `cargo test` builds it) has no demo route.
    #[cfg(not(feature = "dev"))]
    #[test]
    fn a_build_without_the_dev_feature_has_no_demo_route() {
        assert_eq!(route(DEMO_PATH), Route::NotFound);
    }

    #[cfg(feature = "dev")]
    #[test]
    fn a_build_for_local_development_routes_the_demo() {
        assert_eq!(route(DEMO_PATH), Route::Demo);
    }
}
