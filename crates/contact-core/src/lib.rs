//! The contact upsert API's rules as one pure crate: no I/O, the same code natively,
//! in the Cloudflare Worker and in the browser.
//!
//! Three layers and the flow that joins them:
//! - [`validate`]: [`parse_body`] and [`check`] run the contract's checks in order on
//!   a request body and answer a normalized [`ContactRequest`] or a [`Failure`]
//!   ([`check_body`] gives the same verdict in one pass over the text); field
//!   tables, rules, custom fields and problems as data.
//! - [`auth`]: the secrets' format and digest, the IP allow-list, and the [`gate`]
//!   that answers the credential steps.
//! - [`store`]: the read, the pure decision of a write, and its SQL.
//! - [`endpoint`]: the whole flow with the database behind a trait; [`batch`], the
//!   same for up to 100 contacts in one request.
//!
//! [`check_order`] maps each of the contract's 13 steps to the code that runs it.
//!
//! ```
//! use contact_core::{check, parse_body, custom::Definitions, gate::Offline};
//! let body = parse_body(r#"{"contact": {"lastName": "Smith"}}"#).unwrap();
//! let failure = check(&body, &Definitions::default(), &mut Offline).unwrap_err();
//! assert_eq!(failure.code.as_str(), "MISSING_API_KEY");
//! ```

pub mod auth;
pub mod batch;
pub mod check_order;
pub mod contract;
pub mod endpoint;
pub mod store;
pub mod validate;

pub use auth::{allowlist, gate, secrets};
pub use validate::problem::{Code, Failure, Problem, ProblemCode};
pub use validate::request::{ContactRequest, LookupBy, Mode};
pub use validate::{
    check, check_body, check_contact, check_field, custom, fields, json, parse_body, read_body,
    rules,
};
