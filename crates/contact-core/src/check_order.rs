//! The contract's check order, step by step, and where each step runs. The first
//! step that fails answers; no later step runs.
//!
//! | # | check | runs in |
//! |---|---|---|
//! | 1 | method is POST | [`crate::endpoint::preflight`] |
//! | 2 | JSON media type, body ≤ 128 KiB, UTF-8, a JSON object, no key twice | [`crate::endpoint::preflight`], [`crate::endpoint::body_text`] (the Worker stops reading a stream at the limit), [`crate::read_body`] (one pass over the text into a [`crate::validate::Body`]; [`crate::parse_body`] into a `Value`) |
//! | 3 | `api_key` present | [`crate::validate::Body::authenticate`] |
//! | 4 | `api_key` of the issued form and a key of an active member | [`crate::validate::Body::authenticate`], asking [`crate::auth::gate::Gate::api_key`] |
//! | 5 | `developer_secret` present | [`crate::validate::Body::authenticate`] |
//! | 6 | `developer_secret` matches a developer key of that api key | [`crate::auth::gate::Gate::developer_secret`] |
//! | 7 | the client address is in that key's allow-list | [`crate::auth::gate::Gate::client_address`] |
//! | 8 | `org_id` is the key's organization | [`crate::auth::gate::Gate::organization`] |
//! | 9 | `member_id` is an active member of it | [`crate::auth::gate::Gate::member`] |
//! | 10 | `contact` is present and an object | [`crate::validate::Draft::finish`] (the body is read once into a [`crate::validate::Draft`] before step 3; its problems are reported here, in order) |
//! | 11 | every field and option valid | [`crate::validate::Draft::finish`] (the field tables of [`crate::fields`], the rules of [`crate::rules`]) |
//! | 12 | every custom field valid against the organization's definitions | [`crate::validate::custom::Definitions::check`], compiled only once steps 3–9 passed |
//! | 13 | the write: the lookup's contact, conflicts | [`crate::store::decide()`] on the rows of [`crate::store::read`], written by [`crate::store::sql`] |
//!
//! Beyond the reference page (the contract's last section):
//!
//! | where | check | runs in |
//! |---|---|---|
//! | before 3 | a client address over its limit of requests refused before authentication answers `RATE_LIMITED` in place of the refusal | the Worker (`contact-worker`'s `limits`): the binding can only count, so refusals are counted as they happen and an address over its limit is refused before the read for the rest of its window |
//! | after 9 | the api key is under its rate limit, counted once the caller is authenticated (`RATE_LIMITED`); a batch counts against a policy of its own | [`crate::endpoint::Database::admit`], called by [`crate::endpoint::handle`] and [`crate::batch::handle`] |
//! | 2 | `Idempotency-Key`, when sent, is 1–255 printable ASCII characters (`INVALID_IDEMPOTENCY_KEY`) | [`crate::store::idempotency::IdempotencyKey::parse`], before the body is read |
//! | 2 (batch) | the body is at most 1 MiB | [`crate::batch::preflight`], [`crate::batch::body_text`] |
//! | 3–9 (batch) | the credentials, once for the whole batch, as above | [`crate::batch::handle`] through [`crate::validate::authenticate`] |
//! | 10 (batch) | `items` is an array of 1–100 objects (`INVALID_ITEMS`) | [`crate::batch::items`] |
//! | 11 (batch) | the batch's own keys and options (`VALIDATION_ERROR` for the whole batch) | [`crate::batch::handle`] |
//! | 10–13 (batch item) | each item as the single endpoint checks a request, paths prefixed `items[i].` | [`crate::validate::Draft::finish`], [`crate::store::decide()`] on the state the earlier items left |
//! | 13 | an idempotency key already used with another body (`IDEMPOTENCY_KEY_REUSED`) or whose first request has not finished (`IDEMPOTENCY_KEY_IN_USE`) | [`crate::store::idempotency`], on the row the read answered |
//! | item | with `all_or_none`, an item not written because another failed (`BATCH_ROLLED_BACK`) | [`crate::batch::handle`] |
//!
//! Problems of steps 11 and 12 are reported together, as `VALIDATION_ERROR` when any
//! of them is not a custom field's.
//!
//! The browser module runs steps 2–12 with [`crate::auth::gate::Offline`], which lets the
//! steps that need the database pass; the Worker runs them with
//! [`crate::auth::gate::Credentials`], built from one read.

use crate::Code;

/// One step of the check order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub number: u8,
    pub check: &'static str,
    /// The codes the step answers with when it fails.
    pub codes: &'static [Code],
}

/// The steps, in order.
pub const STEPS: [Step; 13] = [
    Step {
        number: 1,
        check: "method is POST",
        codes: &[Code::MethodNotAllowed],
    },
    Step {
        number: 2,
        check: "JSON content type; body at most 128 KiB (a batch 1 MiB); body is a JSON object; Idempotency-Key, when sent, is 1-255 printable ASCII characters",
        codes: &[
            Code::UnsupportedMediaType,
            Code::PayloadTooLarge,
            Code::InvalidJson,
            Code::InvalidIdempotencyKey,
        ],
    },
    Step {
        number: 3,
        check: "api_key present and not empty",
        codes: &[Code::MissingApiKey],
    },
    Step {
        number: 4,
        check: "api_key matches an active key of an active member",
        codes: &[Code::InvalidApiKey],
    },
    Step {
        number: 5,
        check: "developer_secret present and not empty",
        codes: &[Code::MissingDeveloperSecret],
    },
    Step {
        number: 6,
        check: "developer_secret matches an active developer key of that api key",
        codes: &[Code::InvalidDeveloperSecret],
    },
    Step {
        number: 7,
        check: "CF-Connecting-IP is in that developer key's allow-list",
        codes: &[Code::IpNotWhitelisted],
    },
    Step {
        number: 8,
        check: "org_id is the key's organization",
        codes: &[Code::OrgMismatch],
    },
    Step {
        number: 9,
        check: "member_id is an active member of it; then the api key is under its rate limit",
        codes: &[Code::MemberNotFound, Code::RateLimited],
    },
    Step {
        number: 10,
        check: "contact is present and an object (a batch: items is an array of 1-100 objects)",
        codes: &[Code::MissingContact, Code::InvalidItems],
    },
    Step {
        number: 11,
        check: "every field valid",
        codes: &[Code::ValidationError],
    },
    Step {
        number: 12,
        check: "every custom field valid",
        codes: &[Code::CustomFieldError],
    },
    Step {
        number: 13,
        check: "the write",
        codes: &[
            Code::NotFoundUpdate,
            Code::ContactExists,
            Code::AmbiguousMatch,
            Code::IdempotencyKeyReused,
            Code::IdempotencyKeyInUse,
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_name_every_code_once_in_the_order_codes_are_declared() {
        let listed: Vec<Code> = STEPS.iter().flat_map(|s| s.codes.iter().copied()).collect();
        let declared: Vec<Code> = Code::ALL
            .iter()
            .copied()
            // Not checks: no route, the unexpected, and a batch item not written
            // because another one failed.
            .filter(|c| {
                !matches!(
                    c,
                    Code::NotFound | Code::InternalError | Code::BatchRolledBack
                )
            })
            .collect();
        assert_eq!(listed, declared);
        for (i, step) in STEPS.iter().enumerate() {
            assert_eq!(usize::from(step.number), i + 1);
        }
    }
}
