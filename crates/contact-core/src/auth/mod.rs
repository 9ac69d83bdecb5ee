//! Authentication's pure parts: the secrets' format and digest, the IP allow-list,
//! and the gate that answers steps 4–9 from one database read (or lets every step
//! pass, in a browser).

pub mod allowlist;
pub mod gate;
pub mod secrets;
