//! An in-process fake of the batch endpoint: HTTP/1.1 on a loopback port, one
//! connection at a time. It keeps contacts by lower-cased `primaryEmail`, answers
//! per item as the server does (created / updated, CONTACT_EXISTS in insert mode, an
//! unknown custom field), keeps idempotency records (replay with
//! `Idempotent-Replayed: true`, IDEMPOTENCY_KEY_REUSED for another body), and can be
//! told to answer scripted replies first or to be down for some batches.

#![allow(dead_code)]

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const API_KEY: &str = "zk_live_FAKEAPIKEY0000000000000000000000000000000";
pub const DEVELOPER_SECRET: &str = "zds_FAKEDEVSECRET00000000000000000000000000000";
pub const ORG_ID: &str = "0b7c5a52-4f1e-4d7e-9a57-6c1a3c1e7f01";
pub const MEMBER_ID: &str = "9d2e8f40-1c3b-4a6d-8e2f-5b7a9c0d1e02";

/// The custom fields the fake organization defines.
pub const DEFINED: [&str; 5] = [
    "industry",
    "company_size",
    "employees",
    "newsletter",
    "interests",
];

/// A reply the fake sends instead of handling the request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: json!({"status": "error", "code": code, "message": message, "data": [message], "errors": []})
                .to_string(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
    pub at: Instant,
}

impl Received {
    pub fn items(&self) -> &Vec<Value> {
        self.body["items"].as_array().expect("items")
    }
}

#[derive(Default)]
pub struct State {
    pub received: Vec<Received>,
    /// By lower-cased primary e-mail.
    pub contacts: BTreeMap<String, Value>,
    /// Key → (body text, status, answer).
    pub records: HashMap<String, (String, u16, String)>,
    /// Sent, in order, before any handling.
    pub script: VecDeque<Reply>,
    /// Batches from this index on (by their key's last number) get 503.
    pub down_from_batch: Option<u64>,
}

pub struct Fake {
    pub url: String,
    pub state: Arc<Mutex<State>>,
}

impl Fake {
    pub fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                serve(stream, &shared);
            }
        });
        Fake { url, state }
    }

    pub fn script(&self, reply: Reply) {
        self.state.lock().unwrap().script.push_back(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    pub fn contacts(&self) -> BTreeMap<String, Value> {
        self.state.lock().unwrap().contacts.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers: HashMap<String, String> = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header line");
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let length: usize = headers
        .get("content-length")
        .expect("the client sends a Content-Length")
        .parse()
        .expect("length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    let text = String::from_utf8(body).expect("utf-8 body");
    assert!(
        request_line.starts_with("POST /apis/v2/public/crm/addContactsFull/batch "),
        "{request_line}"
    );
    let reply = handle(state, &headers, &text);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
}

fn handle(state: &Mutex<State>, headers: &HashMap<String, String>, text: &str) -> Reply {
    let mut state = state.lock().unwrap();
    let body: Value = serde_json::from_str(text).expect("JSON body");
    let key = headers.get("idempotency-key").cloned();
    state.received.push(Received {
        key: key.clone(),
        content_type: headers.get("content-type").cloned(),
        body: body.clone(),
        at: Instant::now(),
    });
    if let Some(reply) = state.script.pop_front() {
        return reply;
    }
    let batch = key
        .as_deref()
        .and_then(|k| k.rsplit('-').next())
        .and_then(|n| n.parse::<u64>().ok());
    if let (Some(from), Some(batch)) = (state.down_from_batch, batch) {
        if batch >= from {
            return Reply::error(503, "SERVICE_UNAVAILABLE", "The service is down");
        }
    }
    if body["api_key"] != API_KEY || body["developer_secret"] != DEVELOPER_SECRET {
        return Reply::error(401, "INVALID_API_KEY", "Invalid API key");
    }
    if let Some(key) = &key {
        if let Some((sent, status, answer)) = state.records.get(key) {
            if sent != text {
                return Reply::error(
                    422,
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was used with another request body; send a new key for a new request",
                );
            }
            return Reply {
                status: *status,
                headers: vec![("Idempotent-Replayed".into(), "true".into())],
                body: answer.clone(),
            };
        }
    }
    let insert = body["mode"] == "insert";
    let mut results = Vec::new();
    let (mut created, mut updated, mut failed) = (0, 0, 0);
    for (i, item) in body["items"].as_array().expect("items").iter().enumerate() {
        let contact = item["contact"].as_object().expect("contact");
        let email = contact["primaryEmail"]
            .as_str()
            .expect("email")
            .to_lowercase();
        let unknown: Vec<&String> = contact
            .get("customFields")
            .and_then(Value::as_object)
            .map(|c| {
                c.keys()
                    .filter(|k| !DEFINED.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(tag) = unknown.first() {
            failed += 1;
            let message = "unknown custom field; the defined fields are: company_size, employees, industry, interests, newsletter";
            results.push(json!({
                "index": i, "status": "error", "code": "CUSTOM_FIELD_ERROR",
                "message": format!("Contact custom field errors: contact.customFields.{tag}: {message}"),
                "data": [format!("contact.customFields.{tag}: {message}")],
                "errors": [{"path": format!("items[{i}].contact.customFields.{tag}"), "code": "unknown_custom_field", "message": message}],
            }));
            continue;
        }
        let exists = state.contacts.contains_key(&email);
        if insert && exists {
            failed += 1;
            results.push(json!({
                "index": i, "status": "error", "code": "CONTACT_EXISTS",
                "message": "A contact with this primaryEmail already exists",
                "data": ["A contact with this primaryEmail already exists"],
                "errors": [{"path": format!("items[{i}].contact.primaryEmail"), "code": "contact_exists", "message": "another contact has this e-mail"}],
            }));
            continue;
        }
        let mut stored: Map<String, Value> = state
            .contacts
            .get(&email)
            .and_then(|c| c.as_object().cloned())
            .unwrap_or_default();
        stored.extend(contact.clone());
        state.contacts.insert(email, Value::Object(stored));
        let action = if exists { "updated" } else { "created" };
        if exists {
            updated += 1;
        } else {
            created += 1;
        }
        results.push(json!({"index": i, "status": "success", "data": {"action": action}}));
    }
    let status = if failed == 0 { 200 } else { 207 };
    let answer = json!({
        "status": if failed == 0 { "success" } else if created + updated == 0 { "error" } else { "partial" },
        "summary": {"created": created, "updated": updated, "failed": failed},
        "results": results,
    })
    .to_string();
    if let Some(key) = key {
        state
            .records
            .insert(key, (text.to_string(), status, answer.clone()));
    }
    Reply {
        status,
        headers: Vec::new(),
        body: answer,
    }
}
