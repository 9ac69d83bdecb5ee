//! Custom field patterns: the syntax an organization may use, read once here and
//! handed to the regular expression engine written out explicitly.
//!
//! The server (the Worker, the CLI) matches with the `regex` crate; the browser
//! module with [`nfa`], a small matcher of its own (`regex`, or even `regex-lite`,
//! would be a large part of the module). No engine ever reads an organization's
//! pattern: [`translate`] parses it with the one reading documented below, refuses
//! what is outside it with a message naming the construct, and writes an equivalent
//! pattern in a minimal syntax that both engines read alike: literals as `\x{..}`,
//! classes as explicit ranges (so `\d \w \s` and `(?i)` mean the same whatever the
//! engine's own Unicode support), `(?:..)`, `|`, repetitions and `\A`/`\z`. The
//! same code runs on both sides, so a pattern is accepted, refused and matched alike
//! everywhere.
//!
//! The syntax (the `regex` crate's, restricted):
//! - literal characters; `\` before any ASCII punctuation; `\t \n \r \f \v`;
//!   `\xHH` and `\x{H..}`;
//! - `.` (any character but a line feed), classes `[..]` and `[^..]` of
//!   characters, ranges and `\d \D \w \W \s \S`; a `-` is literal first or last;
//! - `\d \w \s` and their negations `\D \W \S` with their Unicode meaning, as the
//!   `regex` crate has it (Unicode 16 decimal digits, word characters, white space);
//! - groups `(..)`, `(?:..)`, `(?P<name>..)`, `(?<name>..)`; alternation `|`;
//! - repetitions `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy (`?`);
//! - `^` and `$` (the start and end of the value: there is no multi-line mode);
//! - the flag `i` (`(?i)`, `(?-i)`, `(?i:..)`): ASCII case-insensitivity, `k`
//!   matching `k` and `K` and nothing else.
//!
//! Refused: Unicode classes (`\p{..}`, `\P{..}`), word boundaries (`\b`, `\B`,
//! `\<`, `\>`), flags other than `i`, nested classes, POSIX classes and class set
//! operations (`&&`, `--`, `~~`), backreferences, octal and other escapes, and
//! patterns nested more than [`MAX_NESTING`] groups deep.
//!
//! The cost of a pattern, measured here in the same way on both sides, stands in
//! for its compiled size: [`PATTERN_SIZE_LIMIT`] bounds it, as the Worker compiles
//! a pattern on a request.

mod tables;

pub mod nfa;

/// The engine's own bound on a compiled pattern: well above what any pattern within
/// [`PATTERN_SIZE_LIMIT`] compiles to, so that only the cost decides (the same on
/// both sides); the fuzz target `pattern_engines` checks that `regex` builds every
/// accepted pattern.
pub const ENGINE_SIZE_LIMIT: usize = 4 * 1024 * 1024;
/// The engine's bound on nesting, above what [`MAX_NESTING`] lets through.
pub const ENGINE_NEST_LIMIT: u32 = 100;
/// Upper bound on the `regex` crate's lazy DFA cache of one pattern while it matches.
#[cfg(feature = "regex")]
const PATTERN_DFA_LIMIT: usize = 256 * 1024;

/// A custom field pattern, compiled to match whole values: by the `regex` crate
/// with the default feature `regex` (the server, the CLI, natively), by [`nfa`]
/// without it (the browser module, for its size).
#[derive(Debug, Clone)]
pub struct Pattern(
    #[cfg(feature = "regex")] regex::Regex,
    #[cfg(not(feature = "regex"))] nfa::Nfa,
);

impl Pattern {
    /// Reads `source` (see the module's documentation) and compiles it.
    pub fn new(source: &str) -> Result<Pattern, PatternError> {
        let written = translate(source)?;
        #[cfg(feature = "regex")]
        let compiled = regex::RegexBuilder::new(&written)
            .size_limit(ENGINE_SIZE_LIMIT)
            .nest_limit(ENGINE_NEST_LIMIT)
            .dfa_size_limit(PATTERN_DFA_LIMIT)
            .build();
        #[cfg(not(feature = "regex"))]
        let compiled = nfa::Nfa::new(&written);
        compiled
            .map(Pattern)
            .map_err(|e| PatternError::Engine(e.to_string()))
    }

    /// True if the whole of `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        self.0.is_match(value)
    }
}

/// Upper bound on a pattern's cost: about its size compiled by the `regex` crate,
/// what one edge request can afford to build and hold (about a millisecond natively
/// per 100 KiB). A field format (`[A-Z]{2}-\d{6}`, a list of codes) costs a few
/// KiB and `\w+( \w+){0,5}` about 115 KiB; `\w{20}` (each `\w` is 796 Unicode
/// ranges) does not fit. Matching is linear in the input either way.
pub const PATTERN_SIZE_LIMIT: usize = 256 * 1024;
/// Groups nest at most this deep.
pub const MAX_NESTING: usize = 16;

/// A literal character or an assertion.
const ATOM_COST: u64 = 100;
/// What a class costs beyond its ranges.
const CLASS_COST: u64 = 100;
/// Each range of a class.
const RANGE_COST: u64 = 24;
/// Each branch of an alternation, each group and each repetition.
const NODE_COST: u64 = 16;

/// Why a pattern is refused; [`PatternError::message`] is the text to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// Not a regular expression: the reason and the byte offset where it was found.
    Syntax(&'static str, usize),
    /// A construct that custom field patterns do not support: its name.
    Unsupported(String),
    /// Over [`PATTERN_SIZE_LIMIT`].
    TooLarge,
    /// Accepted here but refused by the engine: never expected (the fuzz target
    /// `pattern_engines` looks for one); the engine's own message.
    Engine(String),
}

impl PatternError {
    pub fn message(&self) -> String {
        match self {
            PatternError::Syntax(what, at) => {
                format!("pattern does not compile: {what} (at byte {at})")
            }
            PatternError::Unsupported(what) => {
                format!("pattern uses {what}, which custom field patterns do not support")
            }
            PatternError::TooLarge => format!(
                "pattern is too large once compiled (the limit is {} KiB); \
                 use fewer or smaller repetitions or ASCII classes",
                PATTERN_SIZE_LIMIT / 1024
            ),
            PatternError::Engine(e) => format!("pattern does not compile: {e}"),
        }
    }
}

/// Parses `source` and answers the equivalent pattern for an engine, anchored to
/// match the whole value: `\A(?:…)\z`.
pub fn translate(source: &str) -> Result<String, PatternError> {
    let mut parser = Parser {
        src: source,
        pos: 0,
        out: String::with_capacity(source.len() * 4 + 8),
        depth: 0,
        names: Vec::new(),
    };
    parser.out.push_str(r"\A(?:");
    let cost = parser.alternation(false)?;
    if parser.pos < source.len() {
        // alternation() stops only at the end or at a `)`.
        return Err(PatternError::Syntax("a ) closes no group", parser.pos));
    }
    debug_assert!(cost <= PATTERN_SIZE_LIMIT as u64);
    parser.out.push_str(r")\z");
    Ok(parser.out)
}

/// A set of scalar values as sorted, disjoint, non-adjacent ranges.
#[derive(Debug, Clone, Default)]
struct Set(Vec<(u32, u32)>);

impl Set {
    fn of(ranges: &[(u32, u32)]) -> Set {
        Set(ranges.to_vec())
    }

    fn add(&mut self, lo: u32, hi: u32) {
        self.0.push((lo, hi));
    }

    fn extend(&mut self, other: &Set) {
        self.0.extend_from_slice(&other.0);
    }

    /// Sorts and merges; surrogates (not scalar values) are left out.
    fn normalize(&mut self) {
        let mut ranges = std::mem::take(&mut self.0);
        ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        for (lo, hi) in merged {
            if lo < 0xD800 && hi > 0xDFFF {
                self.0.push((lo, 0xD7FF));
                self.0.push((0xE000, hi));
            } else if lo >= 0xD800 && hi <= 0xDFFF {
                continue;
            } else if (0xD800..=0xDFFF).contains(&lo) {
                self.0.push((0xE000, hi));
            } else if (0xD800..=0xDFFF).contains(&hi) {
                self.0.push((lo, 0xD7FF));
            } else {
                self.0.push((lo, hi));
            }
        }
    }

    /// Every scalar value not in the set (which must be normalized).
    fn negated(&self) -> Set {
        let mut out = Set::default();
        let mut next = 0u32;
        for &(lo, hi) in &self.0 {
            if lo > next {
                out.add(next, lo - 1);
            }
            next = hi + 1;
        }
        if next <= 0x10FFFF {
            out.add(next, 0x10FFFF);
        }
        out.normalize();
        out
    }

    /// Adds the other ASCII case of every ASCII letter in the set.
    fn fold_ascii_case(&mut self) {
        let mut extra = Vec::new();
        for &(lo, hi) in &self.0 {
            for (from, to) in [(b'a', b'A'), (b'A', b'a')] {
                let (a, z) = (u32::from(from), u32::from(from) + 25);
                let (s, e) = (lo.max(a), hi.min(z));
                if s <= e {
                    let shift = |c: u32| c - u32::from(from) + u32::from(to);
                    extra.push((shift(s), shift(e)));
                }
            }
        }
        self.0.extend(extra);
        self.normalize();
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    out: String,
    depth: usize,
    names: Vec<&'a str>,
}

/// The flags in force; only `i` exists.
#[derive(Clone, Copy)]
struct Flags {
    case_insensitive: bool,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, skip: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(skip)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn syntax<T>(&self, what: &'static str) -> Result<T, PatternError> {
        Err(PatternError::Syntax(what, self.pos))
    }

    fn unsupported<T>(&self, what: &str) -> Result<T, PatternError> {
        Err(PatternError::Unsupported(what.to_string()))
    }

    /// Branches separated by `|`, up to the end or a `)` (not consumed).
    fn alternation(&mut self, case_insensitive: bool) -> Result<u64, PatternError> {
        let mut flags = Flags { case_insensitive };
        let mut cost = 0u64;
        loop {
            cost = checked(cost + NODE_COST + self.concatenation(&mut flags)?)?;
            if !self.eat('|') {
                return Ok(cost);
            }
            self.out.push('|');
        }
    }

    /// Atoms and their repetitions, up to `|`, `)` or the end.
    fn concatenation(&mut self, flags: &mut Flags) -> Result<u64, PatternError> {
        let mut cost = 0u64;
        loop {
            let Some(c) = self.peek() else {
                return Ok(cost);
            };
            let start = self.out.len();
            let atom = match c {
                '|' | ')' => return Ok(cost),
                '*' | '+' | '?' | '{' => {
                    return self.syntax("a repetition must follow a character, a class or a group")
                }
                '(' => {
                    if self.flag_group(flags)? {
                        continue;
                    }
                    Some(self.group(*flags)?)
                }
                '[' => {
                    self.bump();
                    let set = self.class(*flags)?;
                    Some(self.emit_set(&set))
                }
                '^' | '$' => {
                    self.bump();
                    self.out.push_str(if c == '^' { r"\A" } else { r"\z" });
                    cost = checked(cost + ATOM_COST)?;
                    None
                }
                '.' => {
                    self.bump();
                    let mut set = Set::of(&[(0, 0x9), (0xB, 0x10FFFF)]);
                    set.normalize();
                    Some(self.emit_set(&set))
                }
                '\\' => match self.escape()? {
                    Escape::Char(c) => Some(self.emit_char(c, *flags)),
                    Escape::Class(set) => Some(self.emit_set(&set)),
                    Escape::Anchor(text) => {
                        self.out.push_str(text);
                        cost = checked(cost + ATOM_COST)?;
                        None
                    }
                },
                c => {
                    self.bump();
                    Some(self.emit_char(c, *flags))
                }
            };
            if let Some(atom) = atom {
                let atom = self.repetition(atom, start)?;
                cost = checked(cost + atom)?;
            } else if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
                return self.syntax("a repetition must follow a character, a class or a group");
            }
        }
    }

    /// An optional repetition of the atom just written (from `start` in the output),
    /// whose cost is `atom`; answers the cost with the repetition.
    fn repetition(&mut self, atom: u64, start: usize) -> Result<u64, PatternError> {
        let copies: u64 = match self.peek() {
            Some('*' | '+' | '?') => {
                let c = self.bump().unwrap_or('*');
                self.out.push(c);
                1
            }
            Some('{') => {
                self.bump();
                let at = self.pos;
                let min = self.number()?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if !self.eat('}') {
                    return self.syntax("a counted repetition is {n}, {n,} or {n,m}");
                }
                if max.is_some_and(|max| max < min) {
                    return Err(PatternError::Syntax(
                        "a counted repetition {n,m} needs n <= m",
                        at,
                    ));
                }
                self.out.push_str(&self.src[at - 1..self.pos]);
                u64::from(max.unwrap_or(min).max(min).max(1))
            }
            _ => return Ok(atom),
        };
        // A lazy repetition matches the same values.
        if self.eat('?') {
            self.out.push('?');
        }
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return self.syntax("a repetition of a repetition needs a group around the first");
        }
        debug_assert!(start < self.out.len());
        checked(atom.saturating_mul(copies) + NODE_COST)
    }

    /// Decimal digits of a counted repetition.
    fn number(&mut self) -> Result<u32, PatternError> {
        let at = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        if at == self.pos {
            return self.syntax("a counted repetition is {n}, {n,} or {n,m}");
        }
        // More than the cost allows anyway: refused as too large.
        self.src[at..self.pos]
            .parse::<u32>()
            .map_err(|_| PatternError::TooLarge)
    }

    /// `(?flags)` alone, which sets flags for the rest of the group: true if it was one.
    fn flag_group(&mut self, flags: &mut Flags) -> Result<bool, PatternError> {
        if self.peek_at(1) != Some('?') {
            return Ok(false);
        }
        let rest = &self.src[self.pos + 2..];
        let Some(end) = rest.find([')', ':']) else {
            return Ok(false);
        };
        if !rest[end..].starts_with(')') || rest.starts_with(['P', '<', '=', '!']) {
            return Ok(false);
        }
        if end == 0 {
            return self.syntax("a flag group is (?i), (?-i) or (?i:..)");
        }
        let at = self.pos;
        let set = read_flags(&rest[..end]).map_err(|e| match e {
            FlagError::Unsupported(c) => PatternError::Unsupported(format!("the flag {c}")),
            FlagError::Syntax(what) => PatternError::Syntax(what, at),
        })?;
        self.pos += 2 + end + 1;
        if let Some(i) = set {
            flags.case_insensitive = i;
        }
        Ok(true)
    }

    /// A group from its `(`: `(..)`, `(?:..)`, `(?flags:..)`, `(?P<name>..)`, `(?<name>..)`.
    fn group(&mut self, flags: Flags) -> Result<u64, PatternError> {
        let open = self.pos;
        self.bump();
        let mut inner = flags;
        if self.eat('?') {
            if self.eat('P') {
                if !self.eat('<') {
                    return self.syntax("a named group is (?P<name>..)");
                }
                self.group_name()?;
            } else if self.peek() == Some('<') {
                self.bump();
                if matches!(self.peek(), Some('=' | '!')) {
                    return self.unsupported("look-behind ((?<=..), (?<!..))");
                }
                self.group_name()?;
            } else if matches!(self.peek(), Some('=' | '!')) {
                return self.unsupported("look-ahead ((?=..), (?!..))");
            } else {
                let rest = &self.src[self.pos..];
                let Some(end) = rest.find([':', ')']) else {
                    return self.syntax("a group is not closed");
                };
                let at = self.pos;
                let set = read_flags(&rest[..end]).map_err(|e| match e {
                    FlagError::Unsupported(c) => PatternError::Unsupported(format!("the flag {c}")),
                    FlagError::Syntax(what) => PatternError::Syntax(what, at),
                })?;
                self.pos += end + 1;
                if let Some(i) = set {
                    inner.case_insensitive = i;
                }
            }
        }
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(PatternError::Unsupported(format!(
                "groups nested more than {MAX_NESTING} deep"
            )));
        }
        self.out.push_str("(?:");
        let cost = self.alternation(inner.case_insensitive)?;
        if !self.eat(')') {
            return Err(PatternError::Syntax("a group is not closed", open));
        }
        self.out.push(')');
        self.depth -= 1;
        checked(cost + NODE_COST)
    }

    /// `name>` of a named group: a letter or `_`, then letters, digits or `_`.
    fn group_name(&mut self) -> Result<(), PatternError> {
        let at = self.pos;
        let Some(len) = self.src[at..].find('>') else {
            return self.syntax("a group name is not closed with >");
        };
        let name = &self.src[at..at + len];
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return self.syntax("a group name is a letter or _, then letters, digits or _");
        }
        if self.names.contains(&name) {
            return self.syntax("a group name is used twice");
        }
        self.names.push(name);
        self.pos = at + len + 1;
        Ok(())
    }

    /// A class after its `[`, up to and with its `]`.
    fn class(&mut self, flags: Flags) -> Result<Set, PatternError> {
        let open = self.pos - 1;
        let negated = self.eat('^');
        let mut set = Set::default();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(PatternError::Syntax("a class is not closed with ]", open));
            };
            match c {
                ']' if !first => {
                    self.bump();
                    break;
                }
                '[' => return self.unsupported("a nested class or a POSIX class ([[..]], [:..:])"),
                '&' | '~' | '-' if self.peek_at(1) == Some(c) => {
                    return self.unsupported("a class set operation (&&, --, ~~)");
                }
                '-' if !first && self.peek_at(1) != Some(']') => {
                    return self.syntax(
                        "a literal - in a class comes first or last, or is escaped as \\-",
                    );
                }
                _ => {}
            }
            first = false;
            let lo = match self.class_item()? {
                Escape::Class(more) => {
                    set.extend(&more);
                    continue;
                }
                Escape::Char(c) => c,
                Escape::Anchor(_) => return self.unsupported("an assertion in a class"),
            };
            if self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']') | None) {
                self.bump();
                let at = self.pos;
                let hi = match self.class_item()? {
                    Escape::Char(c) => c,
                    _ => return Err(PatternError::Syntax("a range ends with a character", at)),
                };
                if hi < lo {
                    return Err(PatternError::Syntax(
                        "a range's end is before its start",
                        at,
                    ));
                }
                set.add(lo as u32, hi as u32);
            } else {
                set.add(lo as u32, lo as u32);
            }
        }
        set.normalize();
        if flags.case_insensitive {
            set.fold_ascii_case();
        }
        let set = if negated { set.negated() } else { set };
        if set.0.is_empty() {
            return Err(PatternError::Unsupported(
                "a class that matches nothing".into(),
            ));
        }
        Ok(set)
    }

    /// One character or escape inside a class.
    fn class_item(&mut self) -> Result<Escape, PatternError> {
        match self.peek() {
            Some('\\') => self.escape(),
            Some(c) => {
                self.bump();
                Ok(Escape::Char(c))
            }
            None => self.syntax("a class is not closed with ]"),
        }
    }

    /// An escape from its `\`.
    fn escape(&mut self) -> Result<Escape, PatternError> {
        let at = self.pos;
        self.bump();
        let Some(c) = self.bump() else {
            return Err(PatternError::Syntax("a \\ ends the pattern", at));
        };
        let class = |table: &[u8], negated: bool| {
            let mut set = Set(crate::validate::packed::ranges(table));
            set.normalize();
            Ok(Escape::Class(if negated { set.negated() } else { set }))
        };
        match c {
            'd' | 'D' => class(tables::DIGIT, c == 'D'),
            'w' | 'W' => class(tables::WORD, c == 'W'),
            's' | 'S' => class(tables::SPACE, c == 'S'),
            't' => Ok(Escape::Char('\t')),
            'n' => Ok(Escape::Char('\n')),
            'r' => Ok(Escape::Char('\r')),
            'f' => Ok(Escape::Char('\x0C')),
            'v' => Ok(Escape::Char('\x0B')),
            'A' => Ok(Escape::Anchor(r"\A")),
            'z' => Ok(Escape::Anchor(r"\z")),
            'x' => self.hex(at),
            'p' | 'P' => self.unsupported("a Unicode class (\\p{..}, \\P{..})"),
            'b' | 'B' | '<' | '>' => self.unsupported("a word boundary (\\b, \\B, \\<, \\>)"),
            '0'..='9' => self.unsupported("a backreference or an octal escape (\\1, \\0)"),
            c if c.is_ascii_punctuation() => Ok(Escape::Char(c)),
            _ => Err(PatternError::Unsupported(format!("the escape \\{c}"))),
        }
    }

    /// `\xHH` or `\x{H..}` after its `\x`.
    fn hex(&mut self, at: usize) -> Result<Escape, PatternError> {
        let digits = if self.eat('{') {
            let Some(len) = self.src[self.pos..].find('}') else {
                return Err(PatternError::Syntax("\\x{ is not closed with }", at));
            };
            let digits = &self.src[self.pos..self.pos + len];
            self.pos += len + 1;
            digits
        } else {
            let start = self.pos;
            for _ in 0..2 {
                if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    return Err(PatternError::Syntax("\\x takes two hex digits", at));
                }
                self.bump();
            }
            &self.src[start..self.pos]
        };
        let valid =
            (1..=8).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_hexdigit());
        match u32::from_str_radix(digits, 16)
            .ok()
            .filter(|_| valid)
            .and_then(char::from_u32)
        {
            Some(c) => Ok(Escape::Char(c)),
            None => Err(PatternError::Syntax(
                "\\x{..} names no Unicode scalar value",
                at,
            )),
        }
    }

    /// Writes a literal character; answers its cost.
    fn emit_char(&mut self, c: char, flags: Flags) -> u64 {
        if flags.case_insensitive && c.is_ascii_alphabetic() {
            let mut set = Set::of(&[(c as u32, c as u32)]);
            set.fold_ascii_case();
            return self.emit_set(&set);
        }
        if c.is_ascii_alphanumeric() {
            self.out.push(c);
        } else {
            push_hex(&mut self.out, c as u32);
        }
        ATOM_COST
    }

    /// Writes a class of explicit ranges; answers its cost.
    fn emit_set(&mut self, set: &Set) -> u64 {
        self.out.push('[');
        for &(lo, hi) in &set.0 {
            push_hex(&mut self.out, lo);
            if hi != lo {
                self.out.push('-');
                push_hex(&mut self.out, hi);
            }
        }
        self.out.push(']');
        CLASS_COST + RANGE_COST * set.0.len() as u64
    }
}

enum Escape {
    Char(char),
    Class(Set),
    Anchor(&'static str),
}

enum FlagError {
    Unsupported(char),
    Syntax(&'static str),
}

/// The flags of `(?..)` or `(?..:`: `i`, `-i`, `i-i`…; answers the `i` it sets, if any.
fn read_flags(text: &str) -> Result<Option<bool>, FlagError> {
    let mut set = None;
    let mut negated = false;
    for c in text.chars() {
        match c {
            '-' if !negated => negated = true,
            '-' => return Err(FlagError::Syntax("a flag group has one -")),
            'i' if set.is_some() => return Err(FlagError::Syntax("a flag group names i once")),
            'i' => set = Some(!negated),
            c if c.is_ascii_alphabetic() => return Err(FlagError::Unsupported(c)),
            _ => return Err(FlagError::Syntax("a flag group is (?i), (?-i) or (?i:..)")),
        }
    }
    if negated && text.ends_with('-') {
        return Err(FlagError::Syntax("a flag group is (?i), (?-i) or (?i:..)"));
    }
    Ok(set)
}

/// Appends `\x{HEX}`.
fn push_hex(out: &mut String, value: u32) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("\\x{");
    let mut started = false;
    for shift in (0..6).rev() {
        let digit = (value >> (shift * 4)) & 0xF;
        if digit != 0 || started || shift == 0 {
            started = true;
            out.push(DIGITS[digit as usize] as char);
        }
    }
    out.push('}');
}

/// The cost so far, refused once over the limit.
fn checked(cost: u64) -> Result<u64, PatternError> {
    if cost > PATTERN_SIZE_LIMIT as u64 {
        Err(PatternError::TooLarge)
    } else {
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(source: &str) -> String {
        translate(source).unwrap_err().message()
    }

    #[test]
    fn literals_and_classes_are_written_out() {
        assert_eq!(translate("ab").unwrap(), r"\A(?:ab)\z");
        assert_eq!(
            translate("a.b").unwrap(),
            r"\A(?:a[\x{0}-\x{9}\x{B}-\x{D7FF}\x{E000}-\x{10FFFF}]b)\z"
        );
        assert_eq!(
            translate("[a-c_]").unwrap(),
            r"\A(?:[\x{5F}\x{61}-\x{63}])\z"
        );
        assert_eq!(
            translate("[^\x00-\u{10FFFE}]").unwrap(),
            r"\A(?:[\x{10FFFF}])\z"
        );
        assert_eq!(
            translate(r"\d{3}-\x41")
                .unwrap()
                .matches(r"\x{30}-\x{39}")
                .count(),
            1
        );
        assert_eq!(
            translate("(?i)k(?-i)k").unwrap(),
            r"\A(?:[\x{4B}\x{6B}]k)\z"
        );
        assert_eq!(
            translate("(?i:[a-c])x").unwrap(),
            r"\A(?:(?:[\x{41}-\x{43}\x{61}-\x{63}])x)\z"
        );
        assert_eq!(translate("(?P<y>a)|^$").unwrap(), r"\A(?:(?:a)|\A\z)\z");
        assert_eq!(translate("a{2,}?b*").unwrap(), r"\A(?:a{2,}?b*)\z");
        assert_eq!(translate("").unwrap(), r"\A(?:)\z");
        assert_eq!(translate("é").unwrap(), r"\A(?:\x{E9})\z");
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (source, what) in [
            (r"\p{Greek}", r"a Unicode class (\p{..}, \P{..})"),
            (r"\pL", r"a Unicode class (\p{..}, \P{..})"),
            (r"a\b", r"a word boundary (\b, \B, \<, \>)"),
            (r"(a)\1", r"a backreference or an octal escape (\1, \0)"),
            ("(?m)^a$", "the flag m"),
            ("(?s:.)", "the flag s"),
            ("(?x) a", "the flag x"),
            (
                "[[:alpha:]]",
                "a nested class or a POSIX class ([[..]], [:..:])",
            ),
            ("[a-z&&[^aeiou]]", "a class set operation (&&, --, ~~)"),
            ("(?=a)", "look-ahead ((?=..), (?!..))"),
            (r"\u{41}", r"the escape \u"),
            (r"\e", r"the escape \e"),
        ] {
            assert_eq!(
                refused(source),
                format!("pattern uses {what}, which custom field patterns do not support"),
                "{source}"
            );
        }
        let deep = format!("{}a{}", "(".repeat(17), ")".repeat(17));
        assert_eq!(
            refused(&deep),
            "pattern uses groups nested more than 16 deep, which custom field patterns do not support"
        );
        assert!(translate(&format!("{}a{}", "(".repeat(16), ")".repeat(16))).is_ok());
    }

    #[test]
    fn syntax_errors_say_where() {
        for (source, message) in [
            ("(", "a group is not closed (at byte 0)"),
            ("a)", "a ) closes no group (at byte 1)"),
            ("[a", "a class is not closed with ] (at byte 0)"),
            (
                "*",
                "a repetition must follow a character, a class or a group (at byte 0)",
            ),
            (
                "a**",
                "a repetition of a repetition needs a group around the first (at byte 2)",
            ),
            (
                "a{3,2}",
                "a counted repetition {n,m} needs n <= m (at byte 2)",
            ),
            (
                "a{,2}",
                "a counted repetition is {n}, {n,} or {n,m} (at byte 2)",
            ),
            ("[z-a]", "a range's end is before its start (at byte 3)"),
            (
                "[a-c-e]",
                r"a literal - in a class comes first or last, or is escaped as \- (at byte 4)",
            ),
            (
                r"\x{D800}",
                r"\x{..} names no Unicode scalar value (at byte 0)",
            ),
            ("a\\", r"a \ ends the pattern (at byte 1)"),
            (
                "(?P<1>a)",
                "a group name is a letter or _, then letters, digits or _ (at byte 4)",
            ),
            ("(?<n>a)(?<n>b)", "a group name is used twice (at byte 10)"),
        ] {
            assert_eq!(
                refused(source),
                format!("pattern does not compile: {message}"),
                "{source}"
            );
        }
    }

    #[test]
    fn the_cost_stands_in_for_the_compiled_size() {
        for fits in [
            r"\w{10}",
            r"\w+( \w+){0,5}",
            "(?:[A-Z]{3}-[0-9]{4}|[a-z]{1,20}){1,30}",
            "a{2000}",
        ] {
            assert!(translate(fits).is_ok(), "{fits}");
        }
        for too_large in [
            r"\w{20}",
            r"\w{100}",
            r"(\d{3}-){200}",
            "a{4000000000}",
            "a{99999999999}",
        ] {
            assert_eq!(
                translate(too_large),
                Err(PatternError::TooLarge),
                "{too_large}"
            );
        }
    }
}
