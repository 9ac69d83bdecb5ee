//! Properties of the request checks that no list of cases can pin down:
//! normalization is idempotent, nothing panics whatever the input, and the lookup
//! keys have their documented form.

use contact_core::custom::{Definition, Definitions};
use contact_core::gate::Offline;
use contact_core::rules::{country, phone};
use contact_core::store::{entity_name_for, name_key, Probe};
use contact_core::validate::request::{email_key, phone_key, MAX_BODY_BYTES, TOP_LEVEL_KEYS};
use contact_core::validate::Draft;
use contact_core::{check, check_body, fields, parse_body, read_body, Code};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// A value of `tests/support/placeholders.json`, shared with the case runners.
fn placeholder(name: &str) -> &'static str {
    static FILE: OnceLock<Value> = OnceLock::new();
    let file = FILE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/support/placeholders.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    });
    file["offline"][name].as_str().unwrap()
}

const INDUSTRIES: [&str; 4] = ["Technology", "Finance", "Healthcare", "Retail"];
const INTERESTS: [&str; 4] = ["Product", "Pricing", "Support", "Integrations"];

/// One definition of every type, compiled once.
fn definitions() -> &'static Definitions {
    static DEFINITIONS: OnceLock<Definitions> = OnceLock::new();
    DEFINITIONS.get_or_init(compile_definitions)
}

fn compile_definitions() -> Definitions {
    let defs: Vec<Definition> = serde_json::from_value(json!([
        {"tag": "industry", "type": "select", "options": INDUSTRIES},
        {"tag": "company_size", "type": "select", "options": ["1-10", "11-50", "50-200"]},
        {"tag": "account_code", "type": "text", "maxLength": 12, "pattern": "[A-Z]{3}-[0-9]{4}"},
        {"tag": "bio", "type": "text"},
        {"tag": "seats", "type": "number", "min": 1, "max": 500},
        {"tag": "newsletter", "type": "boolean"},
        {"tag": "renewal_date", "type": "date"},
        {"tag": "interests", "type": "multiselect", "options": INTERESTS}
    ]))
    .expect("definitions deserialize");
    Definitions::new(defs).expect("definitions compile")
}

fn credentials() -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("api_key".into(), placeholder("$API_KEY").into());
    map.insert(
        "developer_secret".into(),
        placeholder("$DEVELOPER_SECRET").into(),
    );
    map.insert("org_id".into(), placeholder("$ORG_ID").into());
    map.insert("member_id".into(), placeholder("$MEMBER_ID").into());
    map
}

/// `n` cases per property, or `PROPTEST_CASES` when set (for a longer run).
fn cases(n: u32) -> Config {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    Config::with_cases(n)
}

/// The outcomes `check` can give with the offline gate.
const OFFLINE_CODES: [Code; 8] = [
    Code::InvalidJson,
    Code::MissingApiKey,
    Code::InvalidApiKey,
    Code::MissingDeveloperSecret,
    Code::InvalidDeveloperSecret,
    Code::MissingContact,
    Code::ValidationError,
    Code::CustomFieldError,
];

// ---------------------------------------------------------------------------------
// Valid-ish requests

/// A string strategy from a regular expression, compiled once (a bare `&str` as a
/// strategy compiles its expression again for every value it generates).
fn re(pattern: &str) -> BoxedStrategy<String> {
    prop::string::string_regex(pattern)
        .expect("a valid generator pattern")
        .boxed()
}

/// White space a client might leave around a value.
fn pad() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "", "", "", " ", "  ", "\t", "\n", "\u{a0}", "\u{3000}",
    ])
    .prop_map(str::to_string)
}

fn padded(inner: impl Strategy<Value = String>) -> impl Strategy<Value = Value> {
    (pad(), inner, pad()).prop_map(|(a, s, b)| Value::String(format!("{a}{s}{b}")))
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        re("[A-Z][a-z]{0,12}"),
        re("[\\p{L}][\\p{L}\\p{M} '.-]{0,30}"),
        re("[\\p{L}\\p{N}\\p{So} ]{1,110}"),
    ]
}

fn email() -> impl Strategy<Value = String> {
    re("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,20}@[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?(\\.[A-Za-z]{2,6}){0,2}")
}

fn phone_number() -> impl Strategy<Value = String> {
    re("\\+?(\\([0-9]{1,3}\\) ?)?[0-9]{2,4}([ .-]?[0-9]{2,4}){1,3}")
}

fn country_code() -> impl Strategy<Value = String> {
    (
        prop::sample::select(country::codes().collect::<Vec<_>>()),
        any::<[bool; 2]>(),
    )
        .prop_map(|(code, lower)| {
            code.chars()
                .zip(lower)
                .map(|(c, l)| if l { c.to_ascii_lowercase() } else { c })
                .collect()
        })
}

fn url() -> impl Strategy<Value = String> {
    re("(http|https|HTTPS)://[a-z0-9]{1,12}(\\.[a-z]{2,6}){0,2}(:[0-9]{2,4})?(/[A-Za-z0-9._~-]{0,10}){0,3}(\\?[a-z]=[0-9]{1,3})?")
}

fn tags() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        prop_oneof![
            re("[A-Za-z]{1,8}"),
            re("[ÄäÖöÜüß ]{1,6}"),
            prop::sample::select(vec![
                "VIP",
                "vip",
                " Vip ",
                "Lead",
                "LEAD",
                "İstanbul",
                "ΣΑΣ"
            ])
            .prop_map(str::to_string),
        ],
        0..12,
    )
    .prop_map(|tags| Value::Array(tags.into_iter().map(Value::String).collect()))
}

fn custom_fields() -> impl Strategy<Value = Value> {
    let date = (1900u32..2100, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| Value::String(format!("{y:04}-{m:02}-{d:02}")));
    let pairs = prop::collection::vec(
        prop_oneof![
            padded(prop::sample::select(INDUSTRIES.to_vec()).prop_map(str::to_string))
                .prop_map(|v| ("industry", v)),
            padded(re("[A-Z]{3}-[0-9]{4}")).prop_map(|v| ("account_code", v)),
            padded(re("[\\p{L} \n]{0,40}")).prop_map(|v| ("bio", v)),
            (1i64..=500).prop_map(|n| ("seats", json!(n))),
            // Prices and the like: two decimals, which parse back exactly.
            (100u32..=50_000).prop_map(|cents| ("seats", json!(f64::from(cents) / 100.0))),
            any::<bool>().prop_map(|b| ("newsletter", json!(b))),
            date.prop_map(|d| ("renewal_date", d)),
            prop::sample::subsequence(INTERESTS.to_vec(), 0..=4)
                .prop_map(|items| ("interests", json!(items))),
            prop::sample::select(vec!["industry", "seats", "bio", "interests"])
                .prop_map(|tag| (tag, Value::Null)),
        ],
        0..6,
    );
    pairs.prop_map(|pairs| {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    })
}

/// A value for one optional contact or entity field: mostly well-formed, sometimes
/// `null`, empty or white space.
fn optional(inner: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        4 => Just(None),
        4 => inner.prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => pad().prop_map(|p| Some(Value::String(p))),
    ]
    .boxed()
}

fn contact() -> impl Strategy<Value = Map<String, Value>> {
    let text = |max: usize| padded(re(&format!("[\\p{{L}}\\p{{N}} ,.'&-]{{1,{max}}}"))).boxed();
    let strategies: Vec<(&'static str, BoxedStrategy<Option<Value>>)> = vec![
        ("firstName", padded(name()).prop_map(Some).boxed()),
        ("lastName", optional(padded(name()).boxed())),
        ("primaryEmail", padded(email()).prop_map(Some).boxed()),
        ("secondaryEmail", optional(padded(email()).boxed())),
        ("primaryPhone", optional(padded(phone_number()).boxed())),
        ("secondaryPhone", optional(padded(phone_number()).boxed())),
        ("roleLabel", optional(text(100))),
        ("jobTitle", optional(text(150))),
        ("source", optional(text(100))),
        ("status", optional(text(50))),
        ("website", optional(padded(url()).boxed())),
        ("linkedinUrl", optional(padded(url()).boxed())),
        ("addressLine1", optional(text(200))),
        ("city", optional(text(200))),
        ("postalCode", optional(text(20))),
        ("country", optional(padded(country_code()).boxed())),
        (
            "notes",
            optional(padded(re("[\\p{L}\\p{N} .,\n\t\r]{1,300}")).boxed()),
        ),
        ("tags", optional(tags().boxed())),
        ("customFields", optional(custom_fields().boxed())),
    ];
    strategies.prop_map(|fields| {
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect()
    })
}

fn entity() -> impl Strategy<Value = Option<Map<String, Value>>> {
    let fields = (
        optional(padded(re("[\\p{L} .&-]{1,60}")).boxed()),
        optional(padded(re("[A-Za-z ]{1,20}")).boxed()),
        optional(padded(url()).boxed()),
        optional(padded(email()).boxed()),
        optional(padded(phone_number()).boxed()),
        optional(padded(country_code()).boxed()),
    )
        .prop_map(|(name, label, website, email, phone, country)| {
            [
                ("name", name),
                ("label", label),
                ("website", website),
                ("primaryEmail", email),
                ("primaryPhone", phone),
                ("country", country),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect::<Map<String, Value>>()
        });
    prop::option::of(fields)
}

/// A request that often passes every check: valid credentials, any mode and lookup,
/// a contact of mostly well-formed values.
fn request() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![None, Some("insert"), Some("update"), Some("upsert")]),
        prop::sample::select(vec![None, Some("email"), Some("phone"), Some("contact_id")]),
        contact(),
        entity(),
        any::<[Option<bool>; 3]>(),
        padded(re(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        )),
    )
        .prop_map(|(mode, lookup_by, mut contact, entity, flags, id)| {
            let mut body = credentials();
            if let Some(mode) = mode {
                body.insert("mode".into(), mode.into());
            }
            if let Some(lookup_by) = lookup_by {
                body.insert("lookup_by".into(), lookup_by.into());
                // Give each lookup what it needs, most of the time.
                match lookup_by {
                    "phone" => {
                        contact
                            .entry("primaryPhone")
                            .or_insert_with(|| "+1 555 0123".into());
                    }
                    "contact_id" => {
                        contact.insert("id".into(), id);
                    }
                    _ => {}
                }
            }
            for (key, flag) in ["skip_entity", "debug", "dry_run"].into_iter().zip(flags) {
                if let Some(flag) = flag {
                    body.insert(key.into(), flag.into());
                }
            }
            body.insert("contact".into(), Value::Object(contact));
            if let Some(entity) = entity {
                body.insert("entity".into(), Value::Object(entity));
            }
            Value::Object(body)
        })
}

/// Checks `body`, and when it passes, checks its normalized form again: the same
/// request must come out.
fn assert_idempotent(body: &Value, defs: &Definitions) -> Result<bool, TestCaseError> {
    let Ok(first) = check(body, defs, &mut Offline) else {
        return Ok(false);
    };
    let normalized = first.to_json();
    let mut again = body.as_object().cloned().unwrap_or_default();
    again.insert("contact".into(), normalized["contact"].clone());
    match normalized.get("entity") {
        Some(entity) => again.insert("entity".into(), entity.clone()),
        None => again.remove("entity"),
    };
    // Through text, as a client would send it.
    let text = serde_json::to_string(&Value::Object(again)).unwrap();
    let second = parse_body(&text)
        .and_then(|b| check(&b, defs, &mut Offline))
        .map_err(|f| {
            TestCaseError::fail(format!(
                "the normalized request fails: {}\nfirst:  {body}\nnormalized: {normalized}",
                f.to_json()
            ))
        })?;
    prop_assert_eq!(&second, &first, "normalizing twice changed the request");
    prop_assert_eq!(second.to_json(), normalized);
    Ok(true)
}

proptest! {
    #![proptest_config(cases(384))]

    #[test]
    fn normalization_is_idempotent(body in request()) {
        assert_one_pass_agrees(&reversed_text(&body), definitions())?;
        assert_idempotent(&body, definitions())?;
    }

    /// The read round trip fetches by keys taken from the request's draft, before the
    /// checks that need the database run; for every request that passes, they are the
    /// keys of the checked request, so the read finds every row the plan looks for.
    #[test]
    fn the_reads_keys_are_the_keys_the_check_derives(body in request()) {
        let Ok(request) = check(&body, definitions(), &mut Offline) else {
            return Ok(());
        };
        let probe = Probe::from_draft(&Draft::new(&body));
        prop_assert_eq!(probe.email_key, request.email_key());
        prop_assert_eq!(probe.phone_key, request.contact.text("primaryPhone").map(phone_key));
        prop_assert_eq!(
            probe.contact_id.as_deref(),
            request.contact.text("id"),
            "the contact id"
        );
        let mut names = Vec::new();
        if let Some(name) = request.entity.as_ref().and_then(|e| e.text("name")) {
            names.push(name_key(name));
        }
        if let Some(first) = request.contact.text("firstName") {
            names.push(name_key(&entity_name_for(first, request.contact.text("lastName"))));
        }
        prop_assert_eq!(probe.entity_name_keys, names);
    }
}

/// The generator above must produce passing requests often, or the idempotence
/// property would hold vacuously.
#[test]
fn generated_requests_mostly_pass() {
    let defs = definitions();
    let mut runner = TestRunner::deterministic();
    let strategy = request();
    let (mut passed, total) = (0, 400);
    for _ in 0..total {
        let body = strategy.new_tree(&mut runner).unwrap().current();
        if check(&body, defs, &mut Offline).is_ok() {
            passed += 1;
        }
    }
    assert!(
        passed * 3 >= total,
        "only {passed} of {total} generated requests pass the checks"
    );
}

// ---------------------------------------------------------------------------------
// Arbitrary input never panics

/// Every key the contract knows, at any level, and some that trip parsers up.
fn known_key() -> impl Strategy<Value = String> {
    let mut keys: Vec<&'static str> = TOP_LEVEL_KEYS.to_vec();
    keys.extend(fields::CONTACT.iter().map(|f| f.name));
    keys.extend(fields::ENTITY.iter().map(|f| f.name));
    keys.extend([
        "industry",
        "company_size",
        "account_code",
        "bio",
        "seats",
        "newsletter",
        "renewal_date",
        "interests",
        "__proto__",
        "constructor",
        "first_name",
        "customFields.industry",
        "",
    ]);
    prop_oneof![
        4 => prop::sample::select(keys).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// Strings that mean something somewhere in the contract, and arbitrary ones.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => prop::sample::select(vec![
            "", " ", "insert", "update", "upsert", "email", "phone", "contact_id", "Technology",
            "Finance", "Product", "2024-02-29", "2023-02-29", "US", "us", "+1-555-0123",
            "jane@acme.com", "user@localhost", "a..b@x.com", "https://acme.com", "http://[::1]:8080/",
            placeholder("$API_KEY"), placeholder("$DEVELOPER_SECRET"), placeholder("$ORG_ID"),
            placeholder("$MEMBER_ID"), "null", "\u{0}", "\u{feff}",
            "é", "😀", "e\u{301}", "\u{85}", "\u{2028}",
        ])
        .prop_map(str::to_string),
        1 => email(),
        1 => phone_number(),
        1 => url(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite, and parsed back as itself", |f| round_trips(*f))
            .prop_map(Value::from),
        prop::sample::select(vec![0.0, -0.0, 1.0, 500.0, 500.01, 1e300, -1e-300, 0.5])
            .prop_map(Value::from),
    ]
}

/// Whether serde_json parses the shortest text of `f` back to `f`. Without its
/// `float_roundtrip` feature it may not, by one unit in the last place: a drift of
/// the parser, not of the checks, so the generators leave those numbers out.
fn round_trips(f: f64) -> bool {
    f.is_finite()
        && serde_json::to_string(&f)
            .ok()
            .and_then(|s| serde_json::from_str::<f64>(&s).ok())
            == Some(f)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(known_key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body that gets past the credentials most of the time, so that the checks behind
/// them run on arbitrary values.
fn arbitrary_body() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::collection::btree_map(known_key(), json_value(), 0..8),
        prop::collection::btree_map(known_key(), json_value(), 0..12),
        prop::option::of(prop::collection::btree_map(known_key(), json_value(), 0..8)),
    )
        .prop_map(|(with_credentials, top, contact, custom)| {
            let mut body = if with_credentials {
                credentials()
            } else {
                Map::new()
            };
            let mut contact: Map<String, Value> = contact.into_iter().collect();
            if let Some(custom) = custom {
                contact.insert(
                    "customFields".into(),
                    Value::Object(custom.into_iter().collect()),
                );
            }
            body.insert("contact".into(), Value::Object(contact));
            for (k, v) in top {
                // Keep the credentials most of the time: overwrite only other keys.
                if !with_credentials || !body.contains_key(&k) || k == "contact" {
                    body.insert(k, v);
                }
            }
            Value::Object(body)
        })
}

/// JSON text of `value` with every object's keys in reverse order, an order a
/// parsed `Value` (its keys sorted) never has.
fn reversed_text(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .rev()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), reversed_text(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(reversed_text).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// The one pass over the text the endpoint runs gives what parsing the text and then
/// checking the `Value` gives, and the read round trip's keys from its draft.
fn assert_one_pass_agrees(text: &str, defs: &Definitions) -> Result<(), TestCaseError> {
    let checked = parse_body(text).and_then(|body| check(&body, defs, &mut Offline));
    let one_pass = check_body(text, defs, &mut Offline);
    prop_assert_eq!(
        &one_pass,
        &checked,
        "check_body and parse_body + check disagree on {}",
        text
    );
    if let (Ok(body), Ok(parsed)) = (read_body(text), parse_body(text)) {
        prop_assert_eq!(
            Probe::from_draft(body.draft()),
            Probe::from_draft(&Draft::new(&parsed))
        );
    }
    Ok(())
}

/// Runs the checks and everything that renders their outcome.
fn exercise(body: &Value, defs: &Definitions) -> Result<(), TestCaseError> {
    assert_one_pass_agrees(&body.to_string(), defs)?;
    assert_one_pass_agrees(&reversed_text(body), defs)?;
    match check(body, defs, &mut Offline) {
        Ok(request) => {
            let rendered = request.to_json();
            prop_assert!(rendered["contact"].is_object());
            let text = rendered.to_string();
            prop_assert!(
                !text.contains(placeholder("$API_KEY"))
                    && !text.contains(placeholder("$DEVELOPER_SECRET"))
            );
            assert_idempotent(body, defs)?;
        }
        Err(failure) => {
            prop_assert!(
                OFFLINE_CODES.contains(&failure.code),
                "offline check gave {}",
                failure.code
            );
            let rendered = failure.to_json();
            prop_assert_eq!(rendered["code"].as_str(), Some(failure.code.as_str()));
            prop_assert!(!rendered["data"].as_array().unwrap().is_empty());
            let text = rendered.to_string();
            prop_assert!(
                !text.contains(placeholder("$API_KEY"))
                    && !text.contains(placeholder("$DEVELOPER_SECRET"))
            );
        }
    }
    Ok(())
}

/// Fragments of JSON, to build texts that are nearly requests.
fn json_ish_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "{",
                "}",
                "[",
                "]",
                ":",
                ",",
                " ",
                "\"",
                "\\",
                "null",
                "true",
                "false",
                "0",
                "-1.5e3",
                "1e400",
                "\"\\ud800\"",
                "\"\\u0000\"",
                "\"api_key\"",
                "\"contact\"",
                "\"firstName\"",
                "\"primaryEmail\"",
                "\"tags\"",
                "\"customFields\"",
                "\"industry\"",
                "\"jane@acme.com\"",
            ])
            .prop_map(str::to_string),
            interesting_string().prop_map(|s| serde_json::to_string(&s).unwrap()),
        ],
        0..64,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn check_never_panics_on_arbitrary_values(body in arbitrary_body()) {
        exercise(&body, definitions())?;
    }

    #[test]
    fn check_never_panics_on_any_json_value(value in json_value()) {
        let defs = definitions();
        match check(&value, defs, &mut Offline) {
            Ok(_) => exercise(&value, defs)?,
            Err(f) => prop_assert!(OFFLINE_CODES.contains(&f.code)),
        }
    }

    #[test]
    fn parse_body_never_panics_on_arbitrary_text(text in prop_oneof![any::<String>(), json_ish_text()]) {
        assert_one_pass_agrees(&text, definitions())?;
        match parse_body(&text) {
            Ok(body) => {
                prop_assert!(body.is_object());
                exercise(&body, definitions())?;
            }
            Err(f) => prop_assert!(
                f.code == Code::InvalidJson || (f.code == Code::PayloadTooLarge && text.len() > MAX_BODY_BYTES)
            ),
        }
    }
}

/// A key named twice is refused where the second one is read, whatever its depth
/// and whether the checks look at that value: the same failure, position included,
/// from the one pass as from parsing first.
#[test]
fn duplicate_keys_are_refused_alike_at_every_depth() {
    let c = r#""api_key":"k","#;
    let texts = [
        format!(r#"{{{c}"api_key":"k"}}"#),
        format!(r#"{{"mode":1, "nickname":1,"nickname" :2,{c}"contact":{{}}}}"#),
        format!(r#"{{{c}"contact":{{"firstName":"A","lastName":"B","firstName":"A"}}}}"#),
        format!(r#"{{{c}"contact":{{"x":1,"y":2,"x":1}}}}"#),
        format!(r#"{{{c}"contact":{{"tags":["a",{{"k":1,"k":2}}]}}}}"#),
        format!(
            r#"{{{c}"contact":{{"customFields":{{"industry":"Finance","industry":"Retail"}}}}}}"#
        ),
        format!(r#"{{{c}"contact":{{"customFields":{{"bio":{{"a":[{{"b":1,"b":1}}]}}}}}}}}"#),
        format!(r#"{{{c}"entity":{{"name":"Acme","website":null,"name":"Acme"}}}}"#),
        format!(r#"{{{c}"extra":{{"deep":[[{{"z":0,"z":0}}]]}}}}"#),
        r#"{"developer_secret":"s","developer\u005fsecret":"s"}"#.to_string(),
        r#"[{"a":1,"a":1}]"#.to_string(),
        format!(r#"{{{c}"contact":{{"firstName":"\u0041","first\u004eame":"B"}}}}"#),
    ];
    for text in &texts {
        let checked = parse_body(text).and_then(|body| check(&body, definitions(), &mut Offline));
        let one_pass = check_body(text, definitions(), &mut Offline);
        assert_eq!(one_pass, checked, "{text}");
        let failure = one_pass.unwrap_err();
        assert_eq!(failure.code, Code::InvalidJson, "{text}");
        assert!(
            failure
                .message
                .starts_with("The request body is not valid JSON: duplicate key \""),
            "{text}: {}",
            failure.message
        );
    }
    assert_eq!(
        check_body(&texts[1], definitions(), &mut Offline)
            .unwrap_err()
            .message,
        "The request body is not valid JSON: duplicate key \"nickname\" at line 1 column 35"
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for depth in [127, 128, 129, 200, 10_000, 60_000] {
        let text = format!(
            "{{\"contact\": {}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        if let Ok(body) = parse_body(&text) {
            // Within the limit: the deep value is simply the wrong type.
            let _ = check(&body, definitions(), &mut Offline);
        } else {
            assert!(depth >= 127, "depth {depth} refused");
        }
    }
}

// ---------------------------------------------------------------------------------
// Lookup keys

proptest! {
    #![proptest_config(cases(2048))]

    #[test]
    fn email_key_is_idempotent(s in prop_oneof![any::<String>(), email(), padded(email()).prop_map(|v| v.as_str().unwrap().to_string())]) {
        let once = email_key(&s);
        prop_assert_eq!(email_key(&once), once.clone());
        prop_assert_eq!(once.trim(), once.as_str());
    }

    #[test]
    fn email_key_ignores_case_and_padding(s in email(), pad in pad()) {
        prop_assert_eq!(email_key(&format!("{pad}{}{pad}", s.to_uppercase())), email_key(&s));
    }

    #[test]
    fn phone_key_is_a_plus_then_digits(s in prop_oneof![any::<String>(), phone_number()]) {
        let key = phone_key(&s);
        prop_assert!(
            key.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+')),
            "key {:?} of {:?}", key, s
        );
        prop_assert_eq!(phone_key(&key), key);
    }

    #[test]
    fn a_valid_phone_has_a_key_of_7_to_15_digits(s in phone_number(), pad in pad()) {
        let padded = format!("{pad}{s}{pad}");
        if phone::check(padded.trim()).is_ok() {
            let key = phone_key(&padded);
            let digits = key.trim_start_matches('+');
            prop_assert!((phone::MIN_DIGITS..=phone::MAX_DIGITS).contains(&digits.len()));
            prop_assert_eq!(key.starts_with('+'), s.starts_with('+'));
            // Formatting does not change the key.
            let bare: String = s.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            prop_assert_eq!(phone_key(&bare), key);
        }
    }
}
