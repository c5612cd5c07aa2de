//! The mutations a seeded fuzz loop applies to its inputs: byte-level edits (flips, interesting
//! values, big- and little-endian integers, insertions, deletions, splices, truncations) and, for
//! text, edits at the level of tokens (numbers made extreme, words from the format's dictionary).
//! Without coverage feedback (cargo fuzz needs a nightly toolchain these machines cannot fetch),
//! the loop keeps inputs whose outcome is new, so it gets past one check and on to the next.

use ticketlab::rng::{Rng, Stream};

/// Values that break arithmetic and bounds: zero, one, powers of two and their neighbours, maxima.
const INTERESTING: [u64; 16] = [
    0,
    1,
    2,
    3,
    7,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

/// Numbers a text format may meet: signs, exponents, fractions and the extremes.
const NUMBERS: [&str; 18] = [
    "0",
    "-1",
    "1",
    "2",
    "64",
    "65",
    "4096",
    "4097",
    "20000",
    "1e300",
    "-1e300",
    "0.5",
    "1e-320",
    "NaN",
    "4294967296",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
];

pub struct Mutator {
    rng: Rng,
    /// Words of the format (field names, layer kinds, separators), for token-level edits.
    dictionary: Vec<String>,
}

impl Mutator {
    pub fn new(seed: u64, dictionary: &[&str]) -> Mutator {
        Mutator { rng: Rng::new(seed, Stream::Scratch), dictionary: dictionary.iter().map(|w| w.to_string()).collect() }
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.rng.below(n.clamp(1, u32::MAX as usize) as u32) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A few stacked mutations of `input`; `other` is another corpus entry to splice from.
    pub fn mutate(&mut self, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut bytes = input.to_vec();
        for _ in 0..1 + self.below(4) {
            self.mutate_once(&mut bytes, other);
        }
        bytes
    }

    fn mutate_once(&mut self, bytes: &mut Vec<u8>, other: &[u8]) {
        let at = self.below(bytes.len() + 1);
        match self.below(11) {
            0 if !bytes.is_empty() => {
                let at = at.min(bytes.len() - 1);
                bytes[at] ^= 1 << self.below(8);
            }
            1 if !bytes.is_empty() => {
                let at = at.min(bytes.len() - 1);
                bytes[at] = *self.pick(&INTERESTING) as u8;
            }
            2 | 3 => {
                // An integer of 1, 2, 4 or 8 bytes written over, in either byte order.
                let width = 1 << self.below(4);
                let value = *self.pick(&INTERESTING);
                let encoded = if self.below(2) == 0 { value.to_le_bytes() } else { value.to_be_bytes() };
                let encoded = if encoded[0] == 0 && width < 8 { &encoded[8 - width..] } else { &encoded[..width] };
                let end = (at + width).min(bytes.len());
                bytes.splice(at.min(end)..end, encoded.iter().copied());
            }
            4 => {
                let count = 1 + self.below(16);
                let end = (at + count).min(bytes.len());
                bytes.drain(at..end);
            }
            5 => {
                let count = 1 + self.below(16);
                let filler = self.rng.next_u32() as u8;
                bytes.splice(at..at, std::iter::repeat(filler).take(count));
            }
            6 if !other.is_empty() => {
                // A piece of another input, in place of this one's rest or inserted.
                let from = self.below(other.len());
                let to = from + self.below(other.len() - from + 1);
                if self.below(2) == 0 {
                    bytes.truncate(at);
                }
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            7 => bytes.truncate(at),
            8 | 9 => self.mutate_token(bytes),
            _ => {
                // A chunk repeated: lengths and counts that no longer agree.
                let end = (at + 1 + self.below(64)).min(bytes.len());
                let chunk = bytes[at.min(end)..end].to_vec();
                bytes.splice(at..at, chunk);
            }
        }
    }

    /// In text: a number replaced with an extreme one, or a word of the format put in.
    fn mutate_token(&mut self, bytes: &mut Vec<u8>) {
        let digits: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_digit()).collect();
        let replacement = if self.below(2) == 0 || self.dictionary.is_empty() {
            self.pick(&NUMBERS).to_string()
        } else {
            let which = self.below(self.dictionary.len());
            self.dictionary[which].clone()
        };
        if !digits.is_empty() && self.below(3) > 0 {
            // The whole number around a digit.
            let mut start = digits[self.below(digits.len())];
            let mut end = start;
            let in_number = |b: u8| b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'-' || b == b'+';
            while start > 0 && in_number(bytes[start - 1]) {
                start -= 1;
            }
            while end < bytes.len() && in_number(bytes[end]) {
                end += 1;
            }
            bytes.splice(start..end, replacement.into_bytes());
        } else {
            let at = self.below(bytes.len() + 1);
            bytes.splice(at..at, replacement.into_bytes());
        }
    }
}
