//! Runs the shared case files in `tests/cases/*.json` against the core: each case's
//! request goes through `parse_body` and `check`, and through `check_body` (the one
//! pass over the text the Worker runs), which must agree, with the file's custom
//! field definitions and the offline gate. The same files drive the
//! browser module's and the Worker's tests; `tests/cases/README.md` describes them.
//!
//! Every mismatch of every case is collected first, then reported together.

use contact_core::custom::{Definition, Definitions};
use contact_core::gate::Offline;
use contact_core::{check, check_body, parse_body, Failure};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The placeholders and the values they stand for, from
/// `tests/support/placeholders.json` (shared with the JavaScript and Python runners).
fn placeholders() -> &'static [(String, String)] {
    static PLACEHOLDERS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    PLACEHOLDERS.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/placeholders.json");
        let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        file["offline"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect()
    })
}

/// The outcomes a client can know without a database.
const OFFLINE_CODES: [&str; 8] = [
    "INVALID_JSON",
    "MISSING_API_KEY",
    "INVALID_API_KEY",
    "MISSING_DEVELOPER_SECRET",
    "INVALID_DEVELOPER_SECRET",
    "MISSING_CONTACT",
    "VALIDATION_ERROR",
    "CUSTOM_FIELD_ERROR",
];

const CASE_KEYS: [&str; 5] = ["name", "note", "request", "body", "expect"];
const EXPECT_KEYS: [&str; 7] = [
    "ok", "code", "errors", "data", "message", "contact", "entity",
];
const ERROR_KEYS: [&str; 3] = ["path", "code", "message"];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases")
}

/// Replaces every placeholder inside every string value (keys are left alone).
fn substitute(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(substitute_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(substitute).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replaces every placeholder in a text. No placeholder is a prefix of another.
fn substitute_text(text: &str) -> String {
    let mut out = text.to_string();
    for (placeholder, real) in placeholders() {
        out = out.replace(placeholder, real);
    }
    out
}

/// JSON equality in which numbers compare by value (`100` equals `100.0`), as they do
/// once the output crosses into JavaScript.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// What running one case gave.
enum Outcome {
    Ok(Value),
    Err(Failure),
}

fn run(case: &Map<String, Value>, definitions: &Definitions) -> Result<Outcome, String> {
    let text = match (case.get("request"), case.get("body")) {
        (Some(request), None) => serde_json::to_string(&substitute(request))
            .map_err(|e| format!("request does not serialize: {e}"))?,
        (None, Some(Value::String(body))) => substitute_text(body),
        (None, Some(_)) => return Err("`body` must be a string".into()),
        _ => return Err("a case has exactly one of `request` and `body`".into()),
    };
    let checked = parse_body(&text).and_then(|body| check(&body, definitions, &mut Offline));
    // The endpoint reads the text in one pass: it must give the very same verdict.
    let one_pass = check_body(&text, definitions, &mut Offline);
    if one_pass != checked {
        return Err(format!(
            "check_body gives {one_pass:?}, parse_body + check {checked:?}"
        ));
    }
    let outcome = match checked {
        Ok(request) => Outcome::Ok(request.to_json()),
        Err(failure) => Outcome::Err(failure),
    };
    Ok(outcome)
}

/// The ways a case file can be malformed, found before anything runs.
fn lint_case(case: &Map<String, Value>) -> Vec<String> {
    let mut found = Vec::new();
    for key in case.keys() {
        if !CASE_KEYS.contains(&key.as_str()) {
            found.push(format!("unknown case key `{key}`"));
        }
    }
    let Some(expect) = case.get("expect").and_then(Value::as_object) else {
        found.push("`expect` must be an object".into());
        return found;
    };
    for key in expect.keys() {
        if !EXPECT_KEYS.contains(&key.as_str()) {
            found.push(format!("unknown expect key `{key}`"));
        }
    }
    let ok = expect.get("ok");
    let code = expect.get("code");
    match (ok, code) {
        (Some(Value::Bool(true)), None) => {
            for key in ["errors", "data", "message"] {
                if expect.contains_key(key) {
                    found.push(format!("an ok case has no `{key}`"));
                }
            }
            if !expect.get("contact").is_some_and(Value::is_object) {
                found.push("an ok case gives the normalized `contact`".into());
            }
        }
        (None, Some(Value::String(code))) => {
            if !OFFLINE_CODES.contains(&code.as_str()) {
                found.push(format!(
                    "`{code}` is not an outcome a client can know offline"
                ));
            }
            if matches!(code.as_str(), "VALIDATION_ERROR" | "CUSTOM_FIELD_ERROR")
                && !expect.contains_key("errors")
            {
                found.push(format!("a {code} case lists its `errors`"));
            }
            for key in ["contact", "entity"] {
                if expect.contains_key(key) {
                    found.push(format!("a failing case has no `{key}`"));
                }
            }
        }
        _ => found.push("`expect` has either `\"ok\": true` or a `code`".into()),
    }
    if let Some(errors) = expect.get("errors") {
        let well_formed = errors.as_array().is_some_and(|items| {
            items.iter().all(|e| {
                e.as_object().is_some_and(|e| {
                    e.keys().all(|k| ERROR_KEYS.contains(&k.as_str()))
                        && e.get("path").is_some_and(Value::is_string)
                        && e.get("code").is_some_and(Value::is_string)
                })
            })
        });
        if !well_formed {
            found.push("`errors` is a list of {path, code[, message]}".into());
        }
    }
    found
}

/// Compares an outcome with the expectation; answers the mismatches.
fn compare(expect: &Map<String, Value>, outcome: &Outcome) -> Vec<String> {
    let mut found = Vec::new();
    match (expect.get("code").and_then(Value::as_str), outcome) {
        (None, Outcome::Ok(normalized)) => {
            let got_contact = normalized.get("contact").cloned().unwrap_or(Value::Null);
            let want_contact = &expect["contact"];
            if !json_eq(want_contact, &got_contact) {
                found.push(format!(
                    "contact differs\n  expected: {}\n  got:      {}",
                    want_contact, got_contact
                ));
            }
            if let Some(want_entity) = expect.get("entity") {
                let got_entity = normalized.get("entity").cloned().unwrap_or(Value::Null);
                if !json_eq(want_entity, &got_entity) {
                    found.push(format!(
                        "entity differs\n  expected: {}\n  got:      {}",
                        want_entity, got_entity
                    ));
                }
            }
        }
        (None, Outcome::Err(failure)) => {
            found.push(format!(
                "expected ok, got {}\n{}",
                failure.code,
                pretty(&failure.to_json())
            ));
        }
        (Some(code), Outcome::Ok(normalized)) => {
            found.push(format!("expected {code}, got ok\n{}", pretty(normalized)));
        }
        (Some(code), Outcome::Err(failure)) => {
            let body = failure.to_json();
            if failure.code.as_str() != code {
                found.push(format!("code: expected {code}, got {}", failure.code));
            }
            if let Some(want) = expect.get("errors").and_then(Value::as_array) {
                let got = &failure.problems;
                let pairs_match = want.len() == got.len()
                    && want.iter().zip(got).all(|(w, g)| {
                        w["path"] == g.path.as_str()
                            && w["code"] == g.code.as_str()
                            && w.get("message").is_none_or(|m| *m == g.message.as_str())
                    });
                if !pairs_match {
                    let show = |items: Vec<String>| {
                        if items.is_empty() {
                            "  (none)".to_string()
                        } else {
                            items.join("\n")
                        }
                    };
                    found.push(format!(
                        "errors differ\n expected:\n{}\n got:\n{}",
                        show(
                            want.iter()
                                .map(|w| match w.get("message") {
                                    Some(m) => format!("  {} {} {}", w["path"], w["code"], m),
                                    None => format!("  {} {}", w["path"], w["code"]),
                                })
                                .collect()
                        ),
                        show(
                            got.iter()
                                .map(|g| format!("  {:?} {:?} {:?}", g.path, g.code, g.message))
                                .collect()
                        ),
                    ));
                }
            }
            for key in ["data", "message"] {
                if let Some(want) = expect.get(key) {
                    if !json_eq(want, &body[key]) {
                        found.push(format!(
                            "{key} differs\n  expected: {}\n  got:      {}",
                            want, body[key]
                        ));
                    }
                }
            }
        }
    }
    // Whatever the outcome, no secret leaves in it.
    let rendered = match outcome {
        Outcome::Ok(normalized) => normalized.to_string(),
        Outcome::Err(failure) => failure.to_json().to_string(),
    };
    for (placeholder, real) in placeholders() {
        // The ids are not secrets; the api key and developer secret are.
        if placeholder.ends_with("_ID") {
            continue;
        }
        if rendered.contains(real.as_str()) {
            found.push(format!("the answer contains the secret {placeholder}"));
        }
    }
    found
}

#[test]
fn shared_cases() {
    let dir = cases_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());

    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut report = String::new();
    let mut failed = 0usize;
    let mut total = 0usize;
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).expect("readable case file");
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
        assert!(
            doc.get("description").is_some_and(Value::is_string),
            "{file}: needs a `description`"
        );
        let definitions: Vec<Definition> = match doc.get("customFields") {
            None => Vec::new(),
            Some(defs) => serde_json::from_value(defs.clone())
                .unwrap_or_else(|e| panic!("{file}: customFields: {e}")),
        };
        let definitions =
            Definitions::new(definitions).unwrap_or_else(|e| panic!("{file}: customFields: {e}"));
        let cases = doc
            .get("cases")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{file}: needs a `cases` array"));
        assert!(!cases.is_empty(), "{file}: has no cases");
        let mut in_file = 0usize;
        for (i, case) in cases.iter().enumerate() {
            let Some(case) = case.as_object() else {
                panic!("{file}: case {i} is not an object");
            };
            let name = case
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{file}: case {i} has no name"))
                .to_string();
            if let Some(other) = names.insert(name.clone(), file.clone()) {
                panic!("case name {name:?} is used twice ({other} and {file})");
            }
            let mut problems = lint_case(case);
            if problems.is_empty() {
                match run(case, &definitions) {
                    Ok(outcome) => {
                        problems = compare(case["expect"].as_object().unwrap(), &outcome)
                    }
                    Err(e) => problems.push(e),
                }
            }
            in_file += 1;
            if !problems.is_empty() {
                failed += 1;
                let _ = writeln!(report, "\n=== {file} :: {name}");
                for p in problems {
                    let _ = writeln!(report, "- {p}");
                }
            }
        }
        println!("{file}: {in_file} cases");
        total += in_file;
    }
    println!("{total} cases in {} files", files.len());
    assert!(failed == 0, "{failed} of {total} cases failed:\n{report}");
}
