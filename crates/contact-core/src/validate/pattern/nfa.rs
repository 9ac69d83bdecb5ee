//! A small matcher for the patterns [`super::translate`] writes, used by the browser
//! module instead of a regex crate (a fraction of the size): the written pattern is
//! parsed into a Thompson automaton and run over the value's characters with every
//! live state at once, so matching is linear in the value (times the automaton's
//! size, which the pattern's cost bounds). It answers only whether the whole value
//! matches; tests/patterns.rs and the fuzz target `pattern_engines` check it against
//! the `regex` crate.
//!
//! The written syntax: ASCII letters and digits, `\x{H..}`, classes `[..]` of
//! `\x{H..}` and `\x{H..}-\x{H..}`, `(?:..)`, `|`, `*` `+` `?` `{n}` `{n,}` `{n,m}`
//! (each maybe followed by a lazy `?`), `\A` and `\z`.

/// A written pattern that is not in the syntax above: never expected, as only
/// `translate` writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub usize);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the written pattern is malformed at byte {}", self.0)
    }
}

enum Node {
    /// The ranges `start..end` of the pool.
    Class(usize, usize),
    Start,
    End,
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

#[derive(Debug, Clone)]
enum Inst {
    /// One character in the ranges `start..end` of the pool, then the next
    /// instruction.
    Class(usize, usize),
    /// Both targets.
    Split(usize, usize),
    Jump(usize),
    /// At the start of the value only, then the next instruction.
    Start,
    /// At the end of the value only, then the next instruction.
    End,
    Match,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Nfa {
    program: Vec<Inst>,
    /// Every class's ranges, each class's sorted.
    pool: Vec<(u32, u32)>,
}

impl Nfa {
    pub fn new(written: &str) -> Result<Nfa, Malformed> {
        let mut reader = Reader {
            text: written.as_bytes(),
            pos: 0,
            pool: Vec::new(),
        };
        let node = reader.alternation()?;
        if reader.pos != reader.text.len() {
            return Err(Malformed(reader.pos));
        }
        let mut program = Vec::new();
        emit(&node, &mut program);
        program.push(Inst::Match);
        Ok(Nfa {
            program,
            pool: reader.pool,
        })
    }

    /// True if the whole of `value` matches (the written pattern is anchored).
    pub fn is_match(&self, value: &str) -> bool {
        let n = self.program.len();
        let mut current = Threads::new(n);
        let mut next = Threads::new(n);
        let mut stack = Vec::new();
        let mut chars = value.chars().peekable();
        let mut at_start = true;
        current.add(
            &self.program,
            0,
            at_start,
            chars.peek().is_none(),
            &mut stack,
        );
        while let Some(c) = chars.next() {
            at_start = false;
            let at_end = chars.peek().is_none();
            next.clear();
            for i in 0..current.len {
                let pc = current.dense[i];
                if let Inst::Class(start, end) = self.program[pc] {
                    if contains(&self.pool[start..end], c as u32) {
                        next.add(&self.program, pc + 1, at_start, at_end, &mut stack);
                    }
                }
            }
            std::mem::swap(&mut current, &mut next);
            if current.len == 0 {
                return false;
            }
        }
        (0..current.len).any(|i| matches!(self.program[current.dense[i]], Inst::Match))
    }
}

/// A set of instructions, in the order added.
struct Threads {
    dense: Vec<usize>,
    sparse: Vec<usize>,
    len: usize,
}

impl Threads {
    fn new(n: usize) -> Threads {
        Threads {
            dense: vec![0; n],
            sparse: vec![0; n],
            len: 0,
        }
    }

    fn contains(&self, pc: usize) -> bool {
        let i = self.sparse[pc];
        i < self.len && self.dense[i] == pc
    }

    fn insert(&mut self, pc: usize) -> bool {
        if self.contains(pc) {
            return false;
        }
        self.sparse[pc] = self.len;
        self.dense[self.len] = pc;
        self.len += 1;
        true
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Adds `pc` and everything it reaches without reading a character.
    fn add(
        &mut self,
        program: &[Inst],
        pc: usize,
        at_start: bool,
        at_end: bool,
        stack: &mut Vec<usize>,
    ) {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !self.insert(pc) {
                continue;
            }
            match program[pc] {
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Jump(to) => stack.push(to),
                Inst::Start if at_start => stack.push(pc + 1),
                Inst::End if at_end => stack.push(pc + 1),
                _ => {}
            }
        }
    }
}

fn contains(ranges: &[(u32, u32)], c: u32) -> bool {
    let i = ranges.partition_point(|&(_, hi)| hi < c);
    i < ranges.len() && ranges[i].0 <= c
}

/// Appends the instructions of `node`.
fn emit(node: &Node, program: &mut Vec<Inst>) {
    match node {
        Node::Class(start, end) => program.push(Inst::Class(*start, *end)),
        Node::Start => program.push(Inst::Start),
        Node::End => program.push(Inst::End),
        Node::Concat(items) => items.iter().for_each(|item| emit(item, program)),
        Node::Alternation(branches) => {
            let mut jumps = Vec::new();
            for (i, branch) in branches.iter().enumerate() {
                if i + 1 < branches.len() {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(branch, program);
                    jumps.push(program.len());
                    program.push(Inst::Jump(0));
                    let after = program.len();
                    program[split] = Inst::Split(split + 1, after);
                } else {
                    emit(branch, program);
                }
            }
            let end = program.len();
            for at in jumps {
                program[at] = Inst::Jump(end);
            }
        }
        Node::Repeat(item, min, max) => {
            for _ in 0..*min {
                emit(item, program);
            }
            match max {
                None => {
                    // item*
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(item, program);
                    program.push(Inst::Jump(split));
                    let after = program.len();
                    program[split] = Inst::Split(split + 1, after);
                }
                Some(max) => {
                    // (item (item (…)?)?)? for the optional ones
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(program.len());
                        program.push(Inst::Split(0, 0));
                        emit(item, program);
                    }
                    let after = program.len();
                    for at in splits {
                        program[at] = Inst::Split(at + 1, after);
                    }
                }
            }
        }
    }
}

struct Reader<'a> {
    text: &'a [u8],
    pos: usize,
    pool: Vec<(u32, u32)>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A class of one character.
    fn single(&mut self, c: u32) -> Node {
        self.pool.push((c, c));
        Node::Class(self.pool.len() - 1, self.pool.len())
    }

    fn fail<T>(&self) -> Result<T, Malformed> {
        Err(Malformed(self.pos))
    }

    fn alternation(&mut self) -> Result<Node, Malformed> {
        let mut branches = vec![self.concatenation()?];
        while self.eat(b'|') {
            branches.push(self.concatenation()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Concat(Vec::new()))
        } else {
            Node::Alternation(branches)
        })
    }

    fn concatenation(&mut self) -> Result<Node, Malformed> {
        let mut items = Vec::new();
        while let Some(b) = self.peek() {
            let atom = match b {
                b'|' | b')' => break,
                b'(' => {
                    if !self.text[self.pos..].starts_with(b"(?:") {
                        return self.fail();
                    }
                    self.pos += 3;
                    let inner = self.alternation()?;
                    if !self.eat(b')') {
                        return self.fail();
                    }
                    inner
                }
                b'[' => {
                    self.pos += 1;
                    let start = self.pool.len();
                    while !self.eat(b']') {
                        let lo = self.hex()?;
                        let hi = if self.eat(b'-') { self.hex()? } else { lo };
                        self.pool.push((lo, hi));
                    }
                    self.pool[start..].sort_unstable();
                    Node::Class(start, self.pool.len())
                }
                b'\\' if self.text[self.pos..].starts_with(b"\\A") => {
                    self.pos += 2;
                    Node::Start
                }
                b'\\' if self.text[self.pos..].starts_with(b"\\z") => {
                    self.pos += 2;
                    Node::End
                }
                b'\\' => {
                    let c = self.hex()?;
                    self.single(c)
                }
                b if b.is_ascii_alphanumeric() => {
                    self.pos += 1;
                    self.single(u32::from(b))
                }
                _ => return self.fail(),
            };
            items.push(self.repetition(atom)?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Node::Concat(Vec::new()))
        } else {
            Node::Concat(items)
        })
    }

    fn repetition(&mut self, atom: Node) -> Result<Node, Malformed> {
        let (min, max) = match self.peek() {
            Some(b'*') => (0, None),
            Some(b'+') => (1, None),
            Some(b'?') => (0, Some(1)),
            Some(b'{') => {
                self.pos += 1;
                let min = self.number()?;
                let max = if self.eat(b',') {
                    if self.peek() == Some(b'}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some(b'}') {
                    return self.fail();
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        // Lazy or greedy, the same values match.
        self.eat(b'?');
        Ok(Node::Repeat(Box::new(atom), min, max))
    }

    fn number(&mut self) -> Result<u32, Malformed> {
        self.digits(10)
    }

    /// Digits in `radix` (at least one), up to the first other byte.
    fn digits(&mut self, radix: u32) -> Result<u32, Malformed> {
        let start = self.pos;
        let mut value = 0u32;
        while let Some(digit) = self.peek().and_then(|b| char::from(b).to_digit(radix)) {
            value = value
                .checked_mul(radix)
                .and_then(|v| v.checked_add(digit))
                .ok_or(Malformed(self.pos))?;
            self.pos += 1;
        }
        if self.pos == start {
            return self.fail();
        }
        Ok(value)
    }

    /// `\x{H..}`
    fn hex(&mut self) -> Result<u32, Malformed> {
        if !self.text[self.pos..].starts_with(b"\\x{") {
            return self.fail();
        }
        self.pos += 3;
        let value = self.digits(16)?;
        if !self.eat(b'}') {
            return self.fail();
        }
        Ok(value)
    }
}
