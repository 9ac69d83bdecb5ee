//! The core natively on the benchmark corpus (`benches/corpus/requests.json`):
//! parsing and checking each request body as the endpoint does (steps 2 and 10–12,
//! with the offline gate: `check_body`, one pass over the text), against the floor
//! of merely parsing the same bytes into a `serde_json::Value`. `benches/run.sh`
//! runs it and prints the ratios.
//!
//! `cargo bench -p contact-core --bench validation`

use contact_core::custom::{Definition, Definitions};
use contact_core::gate::Offline;
use contact_core::{check, check_body, check_contact, parse_body, LookupBy, Mode};
use criterion::{criterion_group, Criterion, Throughput};
use serde::Deserialize;
use serde_json::Value;
use std::hint::black_box;

#[derive(Deserialize)]
struct Corpus {
    #[serde(rename = "customFields")]
    custom_fields: Vec<Definition>,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    defect: Option<String>,
    body: String,
}

fn corpus() -> (Vec<String>, Vec<bool>, Definitions) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benches/corpus/requests.json"
    );
    let text = std::fs::read_to_string(path).expect("benches/corpus/requests.json");
    let corpus: Corpus = serde_json::from_str(&text).expect("the corpus parses");
    let definitions = Definitions::new(corpus.custom_fields).expect("the definitions compile");
    let valid = corpus.items.iter().map(|i| i.defect.is_none()).collect();
    let bodies = corpus.items.into_iter().map(|i| i.body).collect();
    (bodies, valid, definitions)
}

/// Parse and check: the normalized request or the failure, as the endpoint has them.
fn validate(body: &str, definitions: &Definitions) -> bool {
    check_body(body, definitions, &mut Offline).is_ok()
}

/// The same, rendered as the JSON text a client gets (what the npm package returns).
fn validate_and_render(body: &str, definitions: &Definitions) -> String {
    match check_body(body, definitions, &mut Offline) {
        Ok(request) => request.to_json().to_string(),
        Err(failure) => failure.to_json().to_string(),
    }
}

fn benches(c: &mut Criterion) {
    let (bodies, valid, definitions) = corpus();
    // The labels and the core agree, or the numbers would compare different work.
    for (body, &ok) in bodies.iter().zip(&valid) {
        assert_eq!(
            validate(body, &definitions),
            ok,
            "corpus label is wrong for {body}"
        );
    }
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(bodies.len() as u64));
    group.bench_function("floor: serde_json::from_str::<Value>", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(serde_json::from_str::<Value>(black_box(body)).is_ok());
            }
        })
    });
    group.bench_function("parse_body + check", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(validate(black_box(body), &definitions));
            }
        })
    });
    group.bench_function("parse_body + check + render JSON", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(validate_and_render(black_box(body), &definitions));
            }
        })
    });
    // The check alone on bodies parsed beforehand into a `Value` (what `check` takes).
    let parsed: Vec<Value> = bodies.iter().map(|b| parse_body(b).unwrap()).collect();
    group.bench_function("check alone (parsed beforehand)", |b| {
        b.iter(|| {
            for value in &parsed {
                black_box(check(black_box(value), &definitions, &mut Offline).is_ok());
            }
        })
    });
    group.finish();
}

/// `BENCH_PROFILE=floor|check|render|contact [BENCH_LOOPS=n]`: runs that workload over
/// the corpus `n` times (default 20) and exits, without criterion, for an instruction
/// profile (`valgrind --tool=callgrind`) of exactly that work. `contact` checks the
/// small contacts of the npm benchmark (benches/node/validation.mjs) with
/// `check_contact`, as its `validateContact` lines do.
fn profile(which: &str) {
    let loops: usize = std::env::var("BENCH_LOOPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let (bodies, _, definitions) = corpus();
    let inputs = match which {
        "contact" => small_contacts(&bodies),
        _ => bodies,
    };
    let mut sink = 0usize;
    for _ in 0..loops {
        for input in &inputs {
            sink += match which {
                "floor" => usize::from(serde_json::from_str::<Value>(black_box(input)).is_ok()),
                "check" => usize::from(validate(black_box(input), &definitions)),
                "render" => validate_and_render(black_box(input), &definitions).len(),
                "contact" => usize::from(
                    check_contact(
                        black_box(input),
                        Mode::Upsert,
                        LookupBy::Email,
                        &definitions,
                    )
                    .is_ok(),
                ),
                other => panic!("BENCH_PROFILE is floor, check, render or contact, not {other}"),
            };
        }
    }
    println!("{which}: {} inputs, sink {sink}", loops * inputs.len());
}

/// Each body's contact cut down to its name, e-mail and phone, as JSON text: the small
/// contacts of benches/node/validation.mjs.
fn small_contacts(bodies: &[String]) -> Vec<String> {
    bodies
        .iter()
        .filter_map(|body| match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(mut request)) => match request.remove("contact") {
                Some(Value::Object(contact)) => Some(contact),
                _ => None,
            },
            _ => None,
        })
        .map(|contact| {
            let kept: serde_json::Map<String, Value> = contact
                .into_iter()
                .filter(|(k, _)| {
                    ["firstName", "lastName", "primaryEmail", "primaryPhone"].contains(&k.as_str())
                })
                .collect();
            Value::Object(kept).to_string()
        })
        .collect()
}

criterion_group!(validation, benches);

fn main() {
    match std::env::var("BENCH_PROFILE") {
        Ok(which) => profile(&which),
        Err(_) => {
            validation();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
