//! The developer key's IP allow-list: IPv4 and IPv6 addresses and CIDR ranges. The
//! client address is the `CF-Connecting-IP` header alone. An empty list lets no one in.
//!
//! ```
//! use contact_core::allowlist::AllowList;
//! let list = AllowList::parse(["203.0.113.0/24", "::1"]).unwrap();
//! assert!(list.allows("203.0.113.77"));
//! assert!(list.allows("::1"));
//! assert!(!list.allows("198.51.100.1"));
//! ```

use std::fmt;
use std::net::IpAddr;

/// One entry: a network address and its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    network: IpAddr,
    prefix: u8,
}

impl Range {
    /// Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32` or `::1`. Host bits
    /// set below the prefix are refused: `10.0.0.1/8` is most likely a mistake.
    pub fn parse(text: &str) -> Result<Range, AllowListError> {
        let text = text.trim();
        let fail = || AllowListError(text.to_string());
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => {
                if prefix.is_empty()
                    || prefix.len() > 3
                    || !prefix.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(fail());
                }
                (address, Some(prefix.parse::<u8>().map_err(|_| fail())?))
            }
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| fail())?;
        let width = bits(network);
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return Err(fail());
        }
        let range = Range { network, prefix };
        if !range.contains(network) || masked(network, prefix) != to_u128(network) {
            return Err(fail());
        }
        Ok(range)
    }

    /// True when `address` is in this range. An IPv4-mapped IPv6 address
    /// (`::ffff:203.0.113.7`) counts as its IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        bits(address) == bits(self.network)
            && masked(address, self.prefix) == masked(self.network, self.prefix)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        v4 => v4,
    }
}

fn bits(address: IpAddr) -> u8 {
    if address.is_ipv4() {
        32
    } else {
        128
    }
}

fn to_u128(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn masked(address: IpAddr, prefix: u8) -> u128 {
    let width = bits(address);
    let host_bits = u32::from(width - prefix);
    let value = to_u128(address);
    if host_bits >= 128 {
        0
    } else {
        value >> host_bits << host_bits
    }
}

/// An entry that is not an address or CIDR range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowListError(pub String);

impl fmt::Display for AllowListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an IPv4 or IPv6 address or a CIDR range such as 203.0.113.0/24 (with no host bits set)",
            self.0
        )
    }
}

impl std::error::Error for AllowListError {}

/// A developer key's allowed addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    ranges: Vec<Range>,
}

impl AllowList {
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<AllowList, AllowListError> {
        let ranges = entries
            .into_iter()
            .map(Range::parse)
            .collect::<Result<_, _>>()?;
        Ok(AllowList { ranges })
    }

    /// Parses the stored form, a JSON array of strings.
    pub fn from_json(text: &str) -> Result<AllowList, AllowListError> {
        let entries: Vec<String> =
            serde_json::from_str(text).map_err(|_| AllowListError(text.to_string()))?;
        AllowList::parse(entries.iter().map(String::as_str))
    }

    /// True when the client address (the `CF-Connecting-IP` value) is allowed. A
    /// missing or unparsable address is never allowed.
    pub fn allows(&self, client: &str) -> bool {
        match client.trim().parse::<IpAddr>() {
            Ok(address) => self.ranges.iter().any(|r| r.contains(address)),
            Err(_) => false,
        }
    }

    pub fn ranges(&self) -> &[Range] {
        &self.ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_ranges() {
        let list = AllowList::parse(["10.1.0.0/16", "192.0.2.5"]).unwrap();
        assert!(list.allows("10.1.255.255"));
        assert!(list.allows("10.1.0.0"));
        assert!(!list.allows("10.2.0.0"));
        assert!(list.allows("192.0.2.5"));
        assert!(!list.allows("192.0.2.6"));
        assert!(list.allows("::ffff:10.1.2.3"));
    }

    #[test]
    fn ipv6_ranges() {
        let list = AllowList::parse(["2001:db8::/32", "::1"]).unwrap();
        assert!(list.allows("2001:db8:ffff::1"));
        assert!(!list.allows("2001:db9::1"));
        assert!(list.allows("::1"));
        assert!(!list.allows("127.0.0.1"));
    }

    #[test]
    fn everything_and_nothing() {
        assert!(AllowList::parse(["0.0.0.0/0"])
            .unwrap()
            .allows("198.51.100.1"));
        assert!(AllowList::parse(["::/0"]).unwrap().allows("2001:db8::1"));
        assert!(!AllowList::default().allows("127.0.0.1"));
    }

    #[test]
    fn refuses_bad_entries_and_addresses() {
        for bad in [
            "",
            "10.0.0.1/8",
            "10.0.0.0/33",
            "::1/129",
            "10.0.0/8",
            "host",
            "1.2.3.4/",
            "1.2.3.4/ 8",
        ] {
            assert!(Range::parse(bad).is_err(), "{bad}");
        }
        let list = AllowList::parse(["127.0.0.1"]).unwrap();
        assert!(!list.allows(""));
        assert!(!list.allows("127.0.0.1, 10.0.0.1"));
        assert!(!list.allows("localhost"));
    }
}
