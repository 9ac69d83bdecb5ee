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
//!
//! A list can admit every address of a family, with a single range of prefix
//! length 0 (`0.0.0.0/0`, `::/0`) or with ranges that together cover the family
//! (`0.0.0.0/1` and `128.0.0.0/1`). Such a list is valid, but then only the
//! secrets protect the key; [`Range::admits_every_address`] and
//! [`AllowList::admits_every_address_of`] tell it so that tools can ask before
//! storing one:
//!
//! ```
//! use contact_core::allowlist::{AllowList, Family, Range};
//! assert!(Range::parse("0.0.0.0/0").unwrap().admits_every_address());
//! let halves = AllowList::parse(["0.0.0.0/1", "128.0.0.0/1"]).unwrap();
//! assert!(halves.admits_every_address_of(Family::V4));
//! assert!(!halves.admits_every_address_of(Family::V6));
//! ```

use std::fmt;
use std::net::IpAddr;

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// Both families, IPv4 first.
    pub const ALL: [Family; 2] = [Family::V4, Family::V6];

    /// The number of bits of an address of this family.
    fn width(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

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

    /// The family of the range's addresses.
    pub fn family(&self) -> Family {
        match self.network {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The prefix length: 32 or 128 for a single address, 0 for a whole family.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// True when this range alone admits every address of its [`family`](Self::family):
    /// its prefix length is 0, as in `0.0.0.0/0` or `::/0`. (A prefix length 0 with
    /// another address, such as `10.1.2.3/0`, has host bits set and does not parse.)
    pub fn admits_every_address(&self) -> bool {
        self.prefix == 0
    }

    /// The first and last address of the range, as numbers.
    fn bounds(&self) -> (u128, u128) {
        let host_bits = u32::from(bits(self.network) - self.prefix);
        let host_mask = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let first = masked(self.network, self.prefix);
        (first, first | host_mask)
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

    /// True when the list admits every address of `family`: one of its ranges has
    /// prefix length 0 ([`Range::admits_every_address`]), or its ranges together
    /// cover the family (`0.0.0.0/1` with `128.0.0.0/1`). For IPv6 the IPv4-mapped
    /// addresses (`::ffff:0:0/96`) need no cover: [`allows`](Self::allows) takes
    /// them as the IPv4 addresses they stand for, which only IPv4 ranges admit.
    pub fn admits_every_address_of(&self, family: Family) -> bool {
        let mut spans: Vec<(u128, u128)> = self
            .ranges
            .iter()
            .filter(|r| r.family() == family)
            .map(Range::bounds)
            .collect();
        if spans.is_empty() {
            return false;
        }
        if family == Family::V6 {
            let mapped = u128::from(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0));
            spans.push((mapped, mapped | u128::from(u32::MAX)));
        }
        spans.sort_unstable();
        let last = match family.width() {
            128 => u128::MAX,
            width => (1u128 << width) - 1,
        };
        // `next` is the lowest address no span seen so far covers.
        let mut next = 0u128;
        for (first, end) in spans {
            if first > next {
                return false;
            }
            if end >= last {
                return true;
            }
            next = next.max(end + 1);
        }
        false
    }

    /// The families of which the list admits every address, IPv4 first.
    pub fn families_admitted_entirely(&self) -> Vec<Family> {
        Family::ALL
            .into_iter()
            .filter(|&family| self.admits_every_address_of(family))
            .collect()
    }
}

impl FromIterator<Range> for AllowList {
    fn from_iter<I: IntoIterator<Item = Range>>(ranges: I) -> AllowList {
        AllowList {
            ranges: ranges.into_iter().collect(),
        }
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
    fn a_range_of_prefix_length_0_admits_a_whole_family() {
        for (entry, family) in [
            ("0.0.0.0/0", Family::V4),
            (" 0.0.0.0/00 ", Family::V4),
            ("::/0", Family::V6),
            ("0:0:0:0:0:0:0:0/000", Family::V6),
        ] {
            let range = Range::parse(entry).unwrap();
            assert!(range.admits_every_address(), "{entry}");
            assert_eq!(range.family(), family, "{entry}");
            assert_eq!(range.prefix_len(), 0, "{entry}");
            let list = AllowList::parse([entry]).unwrap();
            assert!(list.admits_every_address_of(family), "{entry}");
            assert_eq!(list.families_admitted_entirely(), vec![family], "{entry}");
        }
        for entry in [
            "0.0.0.0/1",
            "128.0.0.0/1",
            "0.0.0.0",
            "10.0.0.0/8",
            "::/1",
            "::",
            "2001:db8::/32",
        ] {
            let range = Range::parse(entry).unwrap();
            assert!(!range.admits_every_address(), "{entry}");
            let list = AllowList::parse([entry]).unwrap();
            assert_eq!(list.families_admitted_entirely(), vec![], "{entry}");
        }
        // Another address with prefix length 0 has host bits set: not an entry.
        assert!(Range::parse("10.1.2.3/0").is_err());
        assert!(Range::parse("::1/0").is_err());
        assert_eq!(Family::V4.to_string(), "IPv4");
        assert_eq!(Family::V6.to_string(), "IPv6");
    }

    #[test]
    fn ranges_that_together_cover_a_family_admit_all_of_it() {
        let halves = AllowList::parse(["128.0.0.0/1", "::1", "0.0.0.0/1"]).unwrap();
        assert!(halves.admits_every_address_of(Family::V4));
        assert!(!halves.admits_every_address_of(Family::V6));
        assert_eq!(halves.families_admitted_entirely(), vec![Family::V4]);
        // Overlapping and nested ranges, in any order.
        let overlapping = AllowList::parse([
            "192.0.0.0/2",
            "0.0.0.0/2",
            "64.0.0.0/2",
            "10.0.0.0/8",
            "128.0.0.0/2",
        ])
        .unwrap();
        assert!(overlapping.admits_every_address_of(Family::V4));
        // One address missing is not everything.
        let gap =
            AllowList::parse(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4"]).unwrap();
        assert!(!gap.admits_every_address_of(Family::V4));
        assert!(gap.allows("223.255.255.255"));
        assert!(!gap.allows("240.0.0.1"));
        let v6 = AllowList::parse(["8000::/1", "::/1", "0.0.0.0/0"]).unwrap();
        assert_eq!(
            v6.families_admitted_entirely(),
            vec![Family::V4, Family::V6]
        );
        assert!(!AllowList::default().admits_every_address_of(Family::V4));
        assert!(!AllowList::default().admits_every_address_of(Family::V6));
        assert_eq!(AllowList::default().families_admitted_entirely(), vec![]);
    }

    #[test]
    fn ipv6_coverage_needs_no_ipv4_mapped_addresses() {
        // Every IPv6 address but ::ffff:0:0/96: the sibling of each of its first 96
        // prefixes. The mapped addresses count as IPv4, so nothing is left out.
        let mapped = u128::from(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0));
        let siblings: Vec<String> = (1..=96u32)
            .map(|prefix| {
                let flipped = mapped ^ (1u128 << (128 - prefix));
                let network = flipped >> (128 - prefix) << (128 - prefix);
                format!("{}/{prefix}", std::net::Ipv6Addr::from(network))
            })
            .collect();
        let list = AllowList::parse(siblings.iter().map(String::as_str)).unwrap();
        assert!(list.allows("2001:db8::1") && list.allows("::1") && list.allows("::"));
        assert!(!list.allows("::ffff:10.0.0.1"));
        assert!(list.admits_every_address_of(Family::V6));
        assert!(!list.admits_every_address_of(Family::V4));
        // Without one sibling, a block of real IPv6 addresses is left out.
        let fewer = AllowList::parse(siblings[1..].iter().map(String::as_str)).unwrap();
        assert!(!fewer.admits_every_address_of(Family::V6));
    }

    #[test]
    fn lists_collect_from_ranges() {
        let list: AllowList = ["10.0.0.0/8", "::/0"]
            .into_iter()
            .map(|e| Range::parse(e).unwrap())
            .collect();
        assert_eq!(list, AllowList::parse(["10.0.0.0/8", "::/0"]).unwrap());
        assert_eq!(list.families_admitted_entirely(), vec![Family::V6]);
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
