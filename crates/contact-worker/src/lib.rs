//! The Worker: routing, HTTP and D1. Every decision is contact-core's; this crate
//! only moves bytes between the request, the core and D1.

mod d1;

use contact_core::endpoint::{self, Call, Outcome};
use contact_core::{Code, Failure};
use js_sys::{Function, Reflect};
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
    let outcome = if req.path() == PATH {
        match read(&mut req).await {
            Ok(body) => {
                let db = d1::D1(env.d1("DB")?);
                let now = js_sys::Date::new_0()
                    .to_iso_string()
                    .as_string()
                    .unwrap_or_default();
                let client_ip = req.headers().get("CF-Connecting-IP")?;
                let call = Call {
                    body: &body,
                    client_ip: client_ip.as_deref(),
                    request_id: &request_id,
                    now: &now,
                };
                endpoint::handle(&db, call, &mut random_uuid).await
            }
            Err(failure) => failure,
        }
    } else if req.path() == DEMO_PATH {
        demo(&env).await.unwrap_or_else(not_found(&req))
    } else {
        not_found(&req)()
    };
    if let Some(log) = &outcome.log {
        // The core's log lines never hold secrets; they name the request to find it by.
        worker::console_error!("request {request_id}: {log}");
    }
    respond(&outcome, &request_id)
}

/// Where the form's development panel finds the demo organization's credentials.
pub const DEMO_PATH: &str = "/dev/demo";

fn not_found(req: &Request) -> impl Fn() -> Outcome + '_ {
    move || {
        failure(&Failure::new(
            Code::NotFound,
            format!("No endpoint at {}; the API is POST {PATH}", req.path()),
        ))
    }
}

/// The demo credentials and the demo organization's custom field definitions, for
/// local development only: the answer exists only where `DEMO_CREDENTIALS` is set,
/// which `scripts/dev.sh` does through `.dev.vars`, a file never deployed.
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
    })
}

/// Steps 1 and 2 up to the body's text: method, media type, size, UTF-8.
async fn read(req: &mut Request) -> std::result::Result<String, Outcome> {
    let headers = req.headers();
    let content_type = headers.get("Content-Type").ok().flatten();
    let length = headers
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    endpoint::preflight(req.method().as_ref(), content_type.as_deref(), length)
        .map_err(|f| failure(&f))?;
    let bytes = req.bytes().await.map_err(|_| {
        failure(&Failure::new(
            Code::InvalidJson,
            "The request body could not be read",
        ))
    })?;
    endpoint::body_text(&bytes)
        .map(str::to_string)
        .map_err(|f| failure(&f))
}

fn failure(failure: &Failure) -> Outcome {
    Outcome {
        status: failure.code.http_status(),
        body: failure.to_json(),
        log: None,
    }
}

fn respond(outcome: &Outcome, request_id: &str) -> Result<Response> {
    let mut response = Response::from_json(&outcome.body)?.with_status(outcome.status);
    let headers = response.headers_mut();
    headers.set("X-Request-Id", request_id)?;
    headers.set("Cache-Control", "no-store")?;
    if outcome.body["code"] == Code::MethodNotAllowed.as_str() {
        headers.set("Allow", "POST")?;
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
