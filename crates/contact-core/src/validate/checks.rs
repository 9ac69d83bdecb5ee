//! Steps 3–12 on a parsed body, in the contract's order (`crate::check_order` maps
//! every step): the credentials through a [`Gate`], then the contact, its fields and
//! its custom fields.

use super::custom::Definitions;
use super::json::to_text;
use super::parse::{read_body, read_text};
use super::problem::{Code, Failure, Problem, ProblemCode};
use super::read::{unknown_key, Object, Scalar, TopRead};
use super::record::finish_contact;
use super::request::{named, Change, ContactRequest, LookupBy, Mode, Record, TOP_LEVEL_KEYS};
use super::rules::{text, uuid};
use crate::auth::gate::Gate;
use crate::auth::secrets;
use serde_json::Value;
use std::fmt;

/// Runs every check of the contract, in its order, on a parsed body: steps 3–9 ask
/// the [`Gate`], steps 10–12 are the validation of the fields. The body is read from
/// its JSON text, as [`check_body`] reads a request's.
pub fn check(
    body: &Value,
    definitions: &Definitions,
    gate: &mut impl Gate,
) -> Result<ContactRequest, Failure> {
    let text = to_text(body);
    read_text(&text)?.check(definitions, gate)
}

/// [`read_body`] then [`Body::check`]: steps 2–12 on a request body's text, in one
/// pass over it; the verdict of [`parse_body`](super::parse_body) then [`check`].
pub fn check_body(
    text: &str,
    definitions: &Definitions,
    gate: &mut impl Gate,
) -> Result<ContactRequest, Failure> {
    read_body(text)?.check(definitions, gate)
}

/// Who a request acts as, once steps 3–9 passed: normalized ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub org_id: String,
    pub member_id: String,
}

/// Steps 3–9 of [`check`]: the credentials, the address, the organization and the
/// member, asked of the [`Gate`] in the contract's order.
pub fn authenticate(body: &Value, gate: &mut impl Gate) -> Result<Caller, Failure> {
    let text = to_text(body);
    read_text(&text)?.authenticate(gate)
}

/// Steps 10–12 of [`check`] for an authenticated caller: the contact, every field
/// and every custom field against the organization's definitions.
pub fn validate(
    body: &Value,
    caller: Caller,
    definitions: &Definitions,
) -> Result<ContactRequest, Failure> {
    let text = to_text(body);
    read_text(&text)?.into_draft().finish(caller, definitions)
}

/// A request body read once from its text (by [`read_body`]; a parsed `Value` is read
/// from its JSON text): the credentials as sent, borrowed from the text, and the
/// [`Draft`] of the rest. Its debug output leaves the secrets out.
#[derive(Clone)]
pub struct Body<'a> {
    api_key: Option<Scalar<'a>>,
    developer_secret: Option<Scalar<'a>>,
    org_id: Option<Scalar<'a>>,
    member_id: Option<Scalar<'a>>,
    draft: Draft,
}

impl<'a> Body<'a> {
    pub(crate) fn from_read(mut top: TopRead<'a>) -> Body<'a> {
        Body {
            api_key: top.api_key.take(),
            developer_secret: top.developer_secret.take(),
            org_id: top.org_id.take(),
            member_id: top.member_id.take(),
            draft: Draft::from_read(top),
        }
    }

    /// Steps 3–9: the credentials, the address, the organization and the member,
    /// asked of the [`Gate`] in the contract's order.
    pub fn authenticate(&self, gate: &mut impl Gate) -> Result<Caller, Failure> {
        let api_key = secret_field(self.api_key.as_ref(), secrets::SecretKind::ApiKey)?;
        gate.api_key(api_key)?;
        let developer_secret = secret_field(
            self.developer_secret.as_ref(),
            secrets::SecretKind::DeveloperSecret,
        )?;
        gate.developer_secret(developer_secret)?;
        gate.client_address()?;
        let org_id = id_field(self.org_id.as_ref(), "org_id")?;
        gate.organization(&org_id)?;
        let member_id = id_field(self.member_id.as_ref(), "member_id")?;
        gate.member(&member_id)?;
        Ok(Caller { org_id, member_id })
    }

    /// Steps 3–12: [`Body::authenticate`], then [`Draft::finish`].
    pub fn check(
        self,
        definitions: &Definitions,
        gate: &mut impl Gate,
    ) -> Result<ContactRequest, Failure> {
        let caller = self.authenticate(gate)?;
        self.draft.finish(caller, definitions)
    }

    /// The `api_key` as sent, trimmed; empty when it is absent or not a string.
    pub fn api_key(&self) -> &str {
        text_of(self.api_key.as_ref())
    }

    /// The `developer_secret` as sent, trimmed; empty when absent or not a string.
    pub fn developer_secret(&self) -> &str {
        text_of(self.developer_secret.as_ref())
    }

    /// The `member_id` as sent, trimmed; empty when absent or not a string.
    pub fn member_id(&self) -> &str {
        text_of(self.member_id.as_ref())
    }

    /// The rest of the body: its options, contact and entity.
    pub fn draft(&self) -> &Draft {
        &self.draft
    }

    /// The [`Draft`], for [`Draft::finish`] once the caller is authenticated.
    pub fn into_draft(self) -> Draft {
        self.draft
    }
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |secret: &Option<Scalar<'_>>| secret.as_ref().map(|_| "(hidden)");
        f.debug_struct("Body")
            .field("api_key", &hidden(&self.api_key))
            .field("developer_secret", &hidden(&self.developer_secret))
            .field("org_id", &self.org_id)
            .field("member_id", &self.member_id)
            .field("draft", &self.draft)
            .finish()
    }
}

fn text_of<'b>(value: Option<&'b Scalar<'_>>) -> &'b str {
    match value {
        Some(Scalar::Text(s)) => text::trim(s),
        _ => "",
    }
}

/// Steps 3 and 5: a secret that is absent, `null` or empty is missing; one that is
/// not a string of the issued format can match no key.
fn secret_field<'b>(
    value: Option<&'b Scalar<'_>>,
    kind: secrets::SecretKind,
) -> Result<&'b str, Failure> {
    let missing = || match kind {
        secrets::SecretKind::ApiKey => Failure::new(Code::MissingApiKey, "API key is required"),
        secrets::SecretKind::DeveloperSecret => {
            Failure::new(Code::MissingDeveloperSecret, "Missing developer_secret")
        }
    };
    let invalid = || match kind {
        secrets::SecretKind::ApiKey => Failure::new(Code::InvalidApiKey, "Invalid API key"),
        secrets::SecretKind::DeveloperSecret => {
            Failure::new(Code::InvalidDeveloperSecret, "Invalid developer_secret")
        }
    };
    match value {
        None | Some(Scalar::Null) => Err(missing()),
        Some(Scalar::Text(s)) => match text::trim(s) {
            "" => Err(missing()),
            s if secrets::has_format(kind, s) => Ok(s),
            _ => Err(invalid()),
        },
        Some(_) => Err(invalid()),
    }
}

/// Steps 8 and 9 need a well-formed id; a missing or malformed one is a validation
/// error at that step.
fn id_field(value: Option<&Scalar<'_>>, key: &'static str) -> Result<String, Failure> {
    let problem = match value {
        None | Some(Scalar::Null) => {
            Problem::new(key, ProblemCode::Missing, format!("{key} is required"))
        }
        Some(Scalar::Text(s)) => match text::trim(s) {
            // An empty string after trimming means absent, as everywhere else.
            "" => Problem::new(key, ProblemCode::Missing, format!("{key} is required")),
            s => match uuid::check(s) {
                Ok(()) => return Ok(s.to_ascii_lowercase()),
                Err(v) => Problem::new(key, v.code, v.message),
            },
        },
        Some(other) => Problem::new(
            key,
            ProblemCode::InvalidType,
            format!("must be a string, not {}", other.type_name()),
        ),
    };
    Err(Failure::from_problems(vec![problem]))
}

#[derive(Debug, Clone)]
struct TopLevel {
    mode: Mode,
    lookup_by: LookupBy,
    skip_entity: bool,
    debug: bool,
    dry_run: bool,
}

/// The options of the request, with the problems found with them: unknown keys
/// first, in their sorted order.
fn top_level(top: &TopRead<'_>) -> Result<TopLevel, Vec<Problem>> {
    let mut problems: Vec<Problem> = top
        .unknown
        .iter()
        .map(|key| unknown_key("", key, TOP_LEVEL_KEYS))
        .collect();
    let mode = choice(top.mode.as_ref(), "mode", &Mode::ALL, &mut problems);
    let lookup_by = choice(
        top.lookup_by.as_ref(),
        "lookup_by",
        &LookupBy::ALL,
        &mut problems,
    );
    let mut flag = |value: Option<&Scalar<'_>>, key: &'static str| match value {
        None | Some(Scalar::Null) => false,
        Some(Scalar::Bool(b)) => *b,
        Some(other) => {
            problems.push(Problem::new(
                key,
                ProblemCode::InvalidType,
                format!("must be true or false, not {}", other.type_name()),
            ));
            false
        }
    };
    let top = TopLevel {
        skip_entity: flag(top.skip_entity.as_ref(), "skip_entity"),
        debug: flag(top.debug.as_ref(), "debug"),
        dry_run: flag(top.dry_run.as_ref(), "dry_run"),
        mode,
        lookup_by,
    };
    if problems.is_empty() {
        Ok(top)
    } else {
        Err(problems)
    }
}

fn choice<T: Copy + Default>(
    value: Option<&Scalar<'_>>,
    key: &'static str,
    allowed: &[(&'static str, T)],
    problems: &mut Vec<Problem>,
) -> T {
    let names = || super::join(&mut allowed.iter().map(|(n, _)| *n), ", ");
    match value {
        None | Some(Scalar::Null) => T::default(),
        Some(Scalar::Text(s)) => match named(allowed, text::trim(s)) {
            Some(v) => v,
            None => {
                problems.push(Problem::new(
                    key,
                    ProblemCode::InvalidValue,
                    format!("must be one of: {}", names()),
                ));
                T::default()
            }
        },
        Some(other) => {
            problems.push(Problem::new(
                key,
                ProblemCode::InvalidType,
                format!("must be one of: {}; not {}", names(), other.type_name()),
            ));
            T::default()
        }
    }
}

/// Step 10: the contact is present and an object, or the failure that says why not.
pub(crate) fn contact_object(contact: Option<Object>) -> Result<(Record, Vec<Problem>), Failure> {
    match contact {
        Some(Object::Read { record, problems }) => Ok((record, problems)),
        None | Some(Object::Null) => Err(Failure::new(
            Code::MissingContact,
            "contact data is required",
        )),
        Some(Object::Other(got)) => Err(Failure::at(
            Code::MissingContact,
            "contact data is required",
            Problem::new(
                "contact",
                ProblemCode::InvalidType,
                format!("must be an object, not {got}"),
            ),
        )),
    }
}

/// A request read once: its options, its contact and entity normalized, and the
/// problems found with them, not yet reported. The read round trip takes its lookup
/// keys from here, and [`Draft::finish`] renders the verdict in the contract's order
/// once the caller is authenticated and the organization's definitions are known.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Step 10: the contact object read, or why there is none.
    contact: Result<Record, Failure>,
    top: Option<TopLevel>,
    entity: Option<Record>,
    /// Step 11 problems with the options, in the order found.
    top_problems: Vec<Problem>,
    contact_problems: Vec<Problem>,
    entity_problems: Vec<Problem>,
}

impl Draft {
    /// Reads a parsed body (a JSON object; anything else has no contact) from its
    /// JSON text.
    pub fn new(body: &Value) -> Draft {
        match read_text(&to_text(body)) {
            Ok(body) => body.into_draft(),
            Err(_) => Draft::from_read(TopRead::default()),
        }
    }

    fn from_read(top: TopRead<'_>) -> Draft {
        let (options, top_problems) = match top_level(&top) {
            Ok(options) => (Some(options), Vec::new()),
            Err(problems) => (None, problems),
        };
        let (contact, contact_problems) = match contact_object(top.contact) {
            Ok((record, problems)) => (Ok(record), problems),
            Err(failure) => (Err(failure), Vec::new()),
        };
        let (entity, mut entity_problems) = match top.entity {
            None | Some(Object::Null) => (None, Vec::new()),
            Some(Object::Read { record, problems }) => (Some(record), problems),
            Some(Object::Other(got)) => (
                None,
                vec![Problem::new(
                    "entity",
                    ProblemCode::InvalidType,
                    format!("must be an object, not {got}"),
                )],
            ),
        };
        if let Some(entity) = &entity {
            if entity.get("name") == Some(&Change::Clear) {
                entity_problems.push(Problem::new(
                    "entity.name",
                    ProblemCode::CannotClear,
                    "an entity's name cannot be cleared",
                ));
            }
        }
        Draft {
            contact,
            top: options,
            entity,
            top_problems,
            contact_problems,
            entity_problems,
        }
    }

    /// The contact as read, if the body has one: its fields normalized, those with
    /// problems left out.
    pub fn contact(&self) -> Option<&Record> {
        self.contact.as_ref().ok()
    }

    /// The entity as read, if the body has one.
    pub fn entity(&self) -> Option<&Record> {
        self.entity.as_ref()
    }

    /// Steps 10–12 for an authenticated caller: the contact is there, every field is
    /// valid (with the rules of the request's mode), every custom field is valid.
    pub fn finish(
        self,
        caller: Caller,
        definitions: &Definitions,
    ) -> Result<ContactRequest, Failure> {
        let record = self.contact?;
        let mut problems = self.top_problems;
        problems.extend(self.contact_problems);
        let mode = self.top.as_ref().map(|t| (t.mode, t.lookup_by));
        let contact = finish_contact(record, mode, definitions, &mut problems);
        problems.extend(self.entity_problems);
        match self.top {
            Some(top) if problems.is_empty() => Ok(ContactRequest {
                org_id: caller.org_id,
                member_id: caller.member_id,
                mode: top.mode,
                lookup_by: top.lookup_by,
                skip_entity: top.skip_entity,
                debug: top.debug,
                dry_run: top.dry_run,
                contact,
                entity: self.entity,
            }),
            _ => Err(Failure::from_problems(problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bodys_debug_output_hides_the_secrets() {
        let api_key = "zak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let secret = "zdk_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
        let text = format!(
            r#"{{"api_key":"{api_key}","developer_secret":"{secret}","org_id":"o","contact":{{"firstName":"Jane"}}}}"#
        );
        let body = read_body(&text).unwrap();
        let shown = format!("{body:?}");
        assert!(
            !shown.contains(api_key) && !shown.contains(secret),
            "{shown}"
        );
        assert!(shown.contains(r#"api_key: Some("(hidden)")"#), "{shown}");
        assert!(shown.contains("Jane"), "{shown}");
        assert_eq!(body.api_key(), api_key);
    }
}
