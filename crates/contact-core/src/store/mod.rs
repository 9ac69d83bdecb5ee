//! Persistence: what a write reads, what it decides, and the SQL that carries the
//! decision out, in three steps a test can take one at a time.
//!
//! - [`read`]: the statements of the one read round trip and the rows they answer.
//! - [`mod@decide`]: from a checked request and those rows, a pure [`decide::WritePlan`]:
//!   which contact, created or updated, what happens to its entity, what changes.
//! - [`sql`]: the statements of one atomic batch that carry a plan out.
//! - For a batch request: [`read_many`], one read for every item, and [`state`], a
//!   plan applied to the rows read so that the next item is planned on top of it.
//! - [`idempotency`]: the answer stored under an `Idempotency-Key` in the write's own
//!   batch, and answered again for a retry.
//!
//! A plan is made from rows read in an earlier round trip, so its SQL carries guards:
//! a write that finds a row changed since it was read fails as a whole (a `CHECK` on
//! `write_guards`, or the unique e-mail and entity-name indexes), and the caller reads
//! again and plans again. That is what keeps concurrent upserts of one e-mail to one
//! contact, without interactive transactions.

pub mod decide;
pub mod idempotency;
pub mod read;
pub mod read_many;
pub mod sql;
pub mod state;

pub use decide::{decide, Action, Context, Decision, EntityAction, WritePlan};
pub use read::{entity_name_for, name_key, Found, Probe, StoredContact, StoredEntity};

use serde::Serialize;
use serde_json::Value;

/// One SQL statement with its positional parameters (`?1`, `?2`, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
}

impl Statement {
    pub(crate) fn new(sql: impl Into<String>, params: Vec<Value>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}
