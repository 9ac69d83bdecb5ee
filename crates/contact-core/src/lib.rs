//! The contact upsert API's rules as one pure crate: no I/O, the same code natively,
//! in the Cloudflare Worker and in the browser.
//!
//! - [`parse_body`] and [`check`] run the contract's checks in order on a request
//!   body and answer a normalized [`ContactRequest`] or a [`Failure`].
//! - [`plan::plan`] turns a checked request and the rows the database holds into the
//!   statements of one atomic write.
//! - [`allowlist`] and [`secrets`] hold the pure parts of authentication.
//!
//! ```
//! use contact_core::{check, parse_body, custom::Definitions, gate::Offline};
//! let body = parse_body(r#"{"contact": {"lastName": "Smith"}}"#).unwrap();
//! let failure = check(&body, &Definitions::default(), &mut Offline).unwrap_err();
//! assert_eq!(failure.code.as_str(), "MISSING_API_KEY");
//! ```

pub mod allowlist;
pub mod custom;
pub mod endpoint;
pub mod fields;
pub mod gate;
pub mod json;
pub mod plan;
pub mod problem;
pub mod request;
pub mod rules;
pub mod secrets;
mod suggest;

pub use problem::{Code, Failure, Problem};
pub use request::{check, check_contact, check_field, parse_body, ContactRequest, LookupBy, Mode};
