//! Steps 3–9 of the checks, the ones that need the database: who is calling, from
//! where, for which organization and member. [`crate::check`] asks a [`Gate`] at each
//! step, so one sequence serves the server ([`Credentials`], built from one D1 read)
//! and the browser ([`Offline`], which cannot know and lets every step pass).

use crate::auth::allowlist::AllowList;
use crate::validate::problem::{Code, Failure};
use serde::{Deserialize, Serialize};

/// The answers of steps 4, 6, 7, 8 and 9, in that order.
pub trait Gate {
    /// Step 4: the api key matches an active key of an active member.
    fn api_key(&mut self, api_key: &str) -> Result<(), Failure>;
    /// Step 6: the secret matches an active developer key issued under that api key.
    fn developer_secret(&mut self, secret: &str) -> Result<(), Failure>;
    /// Step 7: the client address is in that developer key's allow-list.
    fn client_address(&mut self) -> Result<(), Failure>;
    /// Step 8: `org_id` is the key's organization.
    fn organization(&mut self, org_id: &str) -> Result<(), Failure>;
    /// Step 9: `member_id` is an active member of it.
    fn member(&mut self, member_id: &str) -> Result<(), Failure>;
}

/// The gate of a client that holds no database: every step passes, so a form
/// reports exactly the verdicts it can know.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl Gate for Offline {
    fn api_key(&mut self, _: &str) -> Result<(), Failure> {
        Ok(())
    }
    fn developer_secret(&mut self, _: &str) -> Result<(), Failure> {
        Ok(())
    }
    fn client_address(&mut self) -> Result<(), Failure> {
        Ok(())
    }
    fn organization(&mut self, _: &str) -> Result<(), Failure> {
        Ok(())
    }
    fn member(&mut self, _: &str) -> Result<(), Failure> {
        Ok(())
    }
}

/// An organization's CRM mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CrmMode {
    /// Contacts belong to companies (entities).
    B2B,
    /// Contacts stand alone.
    B2C,
}

impl CrmMode {
    pub const ALL: [CrmMode; 2] = [CrmMode::B2B, CrmMode::B2C];

    /// The mode as stored in `organizations.crm_mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            CrmMode::B2B => "B2B",
            CrmMode::B2C => "B2C",
        }
    }
}

/// The api key row matched by the key's digest, joined with its member and
/// organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiKeyRecord {
    pub api_key_id: String,
    pub org_id: String,
    pub crm_mode: CrmMode,
    pub key_active: bool,
    pub member_active: bool,
}

/// The developer key row matched by the secret's digest under that api key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeveloperKeyRecord {
    pub active: bool,
    /// The stored allow-list, a JSON array of addresses and ranges.
    pub allowed_ips: String,
}

/// Everything steps 4–9 need, read from D1 in one batch before any check runs.
/// Every lookup was already scoped to the organization of the api key, so a member
/// of another organization is simply absent.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub api_key: Option<ApiKeyRecord>,
    pub developer_key: Option<DeveloperKeyRecord>,
    /// `Some(active)` when `member_id` names a member of the key's organization.
    pub member_active: Option<bool>,
    /// The `CF-Connecting-IP` header, if the request had one.
    pub client_ip: Option<String>,
}

impl Credentials {
    /// The organization's CRM mode, known once step 4 passed.
    pub fn crm_mode(&self) -> Option<CrmMode> {
        self.api_key.as_ref().map(|k| k.crm_mode)
    }
}

impl Gate for Credentials {
    fn api_key(&mut self, _: &str) -> Result<(), Failure> {
        match &self.api_key {
            Some(key) if key.key_active && key.member_active => Ok(()),
            _ => Err(Failure::new(Code::InvalidApiKey, "Invalid API key")),
        }
    }

    fn developer_secret(&mut self, _: &str) -> Result<(), Failure> {
        match &self.developer_key {
            Some(key) if key.active => Ok(()),
            _ => Err(Failure::new(
                Code::InvalidDeveloperSecret,
                "Invalid developer_secret",
            )),
        }
    }

    fn client_address(&mut self) -> Result<(), Failure> {
        let allowed = match (&self.developer_key, &self.client_ip) {
            (Some(key), Some(ip)) => AllowList::from_json(&key.allowed_ips)
                // A stored list that does not parse lets no one in.
                .map(|list| list.allows(ip))
                .unwrap_or(false),
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(Failure::new(
                Code::IpNotWhitelisted,
                "IP address not whitelisted",
            ))
        }
    }

    fn organization(&mut self, org_id: &str) -> Result<(), Failure> {
        match &self.api_key {
            Some(key) if key.org_id.eq_ignore_ascii_case(org_id) => Ok(()),
            _ => Err(Failure::new(
                Code::OrgMismatch,
                "org_id does not match the organization of this API key",
            )),
        }
    }

    fn member(&mut self, _: &str) -> Result<(), Failure> {
        match self.member_active {
            Some(true) => Ok(()),
            _ => Err(Failure::new(
                Code::MemberNotFound,
                "Member not found in this organization",
            )),
        }
    }
}
