//! Tables of numbers packed as unsigned LEB128 (seven bits a byte, low bits first,
//! the high bit set on every byte but a number's last), read where they are used:
//! the Unicode classes of patterns and the case tables. Small numbers take one
//! byte, and tables of differences are mostly small numbers.

/// The numbers of a table, in order.
pub(crate) fn numbers(table: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut bytes = table.iter();
    std::iter::from_fn(move || {
        let (mut value, mut shift) = (0u32, 0);
        for &b in bytes.by_ref() {
            value |= u32::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
        }
        None
    })
}

/// The ranges of a table, as inclusive `(start, end)` pairs. Each range is two
/// numbers: how far its start is past the previous range's end + 1 (or past 0), and
/// its end minus its start.
pub(crate) fn ranges(table: &[u8]) -> Vec<(u32, u32)> {
    let mut numbers = numbers(table);
    let mut next = 0u32;
    std::iter::from_fn(|| {
        let start = next + numbers.next()?;
        let end = start + numbers.next()?;
        next = end + 1;
        Some((start, end))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_one_and_more_bytes_are_read_in_order() {
        let table = [0x05, 0x7F, 0x80, 0x01, 0xE5, 0x8E, 0x26];
        assert_eq!(numbers(&table).collect::<Vec<_>>(), [5, 127, 128, 624_485]);
    }

    #[test]
    fn ranges_are_read_from_their_gaps_and_lengths() {
        // 3..=3, then 2 past 4 (6) to 6 + 10, then 0 past 17.
        assert_eq!(ranges(&[3, 0, 2, 10, 0, 0]), [(3, 3), (6, 16), (17, 17)]);
        // A last range with only its start is no range.
        assert_eq!(ranges(&[3, 0, 2]), [(3, 3)]);
    }
}
