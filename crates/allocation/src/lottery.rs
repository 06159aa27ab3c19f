//! The seeded lottery ("sorteggio"): a random order that anyone can recompute from a recorded seed.
//!
//! # The algorithm, exactly
//!
//! Everything here is defined by the bytes below, not by a library version, so a draw made today
//! can be checked with any ChaCha20 implementation in ten years.
//!
//! 1. **Random stream.** The 32-byte [`LotterySeed`] is a ChaCha20 key (20 rounds, Bernstein's
//!    original layout: 64-bit block counter starting at 0, 64-bit nonce 0). The stream is the
//!    cipher's keystream, i.e. the encryption of zero bytes. With a zero nonce this is also the
//!    IETF (RFC 8439) keystream with nonce 0 and counter 0, for the first 256 GiB.
//!    (`rand_chacha::ChaCha20Rng::from_seed(seed)` yields exactly this stream.)
//! 2. **Words.** The stream is read in consecutive 8-byte chunks, each a little-endian `u64`.
//! 3. **Bounded integers** ([`uniform_below`]): a number uniform in `0..n` is drawn by rejection:
//!    take the next word `x`; if `x ≥ 2⁶⁴ − (2⁶⁴ mod n)` discard it and take another; else the
//!    result is `x mod n`. No bias, and (for the sizes of a lottery) practically never a retry.
//! 4. **Shuffle** ([`shuffle`]): Fisher–Yates as Durstenfeld wrote it, on the list in the given
//!    order: for `i` from `len − 1` down to `1`, draw `j` uniform in `0..=i` (step 3 with
//!    `n = i + 1`) and swap the items at `i` and `j`. Position 0 of the result is the first drawn
//!    ("il primo estratto").
//!
//! In Python (with the `cryptography` package), for checking by hand:
//!
//! ```text
//! from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
//! def shuffle(items, seed: bytes):
//!     ks = Cipher(algorithms.ChaCha20(seed, bytes(16)), None).encryptor()
//!     def below(n):
//!         while True:
//!             x = int.from_bytes(ks.update(bytes(8)), "little")
//!             if x < 2**64 - (2**64 % n): return x % n
//!     items = list(items)
//!     for i in range(len(items) - 1, 0, -1):
//!         j = below(i + 1); items[i], items[j] = items[j], items[i]
//!     return items
//! ```
//!
//! # Verifiable draws
//!
//! A seed chosen by the organiser could be chosen to favour someone. In a verifiable draw nobody
//! chooses it: the organiser publishes the list of applicants first, then a public random value
//! that nobody knew when the list was published fixes the seed (for example the numbers of a
//! national lottery draw on a stated date, written as agreed in advance, e.g.
//! `"Lotto 2019-03-02 Roma 12 45 67 3 88"`). Then
//!
//! ```text
//! canonical list = the ids sorted by their UTF-8 bytes, each followed by "\n"
//! seed           = SHA-256(canonical list ‖ public value as UTF-8)
//! order          = shuffle(the ids sorted by their UTF-8 bytes, seed)
//! ```
//!
//! **Decision: the list is sorted, not taken as published.** The draw then depends on the *set* of
//! applicants only, so re-sorting a spreadsheet or exporting it from another system cannot change
//! the outcome, and a verifier needs nothing but the ids. Ids must be unique, non-empty, and
//! contain no line break (`\n` or `\r`), so that one id per line is unambiguous. See
//! [`canonical_list`], [`verifiable_draw`] and [`verify`].
//!
//! ```
//! use skillhub_allocation::lottery::{verifiable_draw, verify};
//!
//! let applicants = ["rossi-anna", "bianchi-luca", "verdi-sara"];
//! let draw = verifiable_draw(&applicants, "Lotto 2019-03-02 Roma 12 45 67 3 88")?;
//! assert_eq!(draw.order.len(), 3);
//! assert!(verify(&applicants, "Lotto 2019-03-02 Roma 12 45 67 3 88", &draw.order));
//! let mut tampered = draw.order.clone();
//! tampered.swap(0, 2);
//! assert!(!verify(&applicants, "Lotto 2019-03-02 Roma 12 45 67 3 88", &tampered));
//! # Ok::<(), skillhub_allocation::lottery::LotteryError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Why a lottery input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LotteryError {
    /// A seed that is not 64 hexadecimal digits.
    #[error("a lottery seed is 64 hexadecimal digits, not {0:?}")]
    Seed(String),
    /// An id that is empty or contains a line break, so it cannot stand on a line of its own.
    #[error("id {0:?} cannot be drawn: ids must be non-empty and without line breaks")]
    Id(String),
    /// The same id twice in the list.
    #[error("id {0:?} appears twice in the list")]
    Duplicate(String),
    /// A draw commitment that is neither `sha256:` and 64 hexadecimal digits nor a
    /// description of a public value.
    #[error(
        "a draw commitment is `sha256:` followed by 64 hexadecimal digits, or the description of \
         a public value to come (1–500 characters), not {0:?}"
    )]
    Commitment(String),
}

/// What fixes a draw before anyone knows who applied ("impegno sul sorteggio"), recorded on
/// the session while registration is open, so the organiser cannot pick a seed after seeing the
/// applicants:
/// - `sha256:HEX`: the SHA-256 of a secret published now and revealed after the close (a hash
///   commitment): only that secret is accepted as the public value;
/// - any other text: the description of a public value that nobody knows yet, e.g. `Lotto,
///   estrazione del 2019-03-02, ruota di Roma, i cinque numeri separati da spazi`, which anyone
///   can check against its source once it exists.
///
/// The seed is then `SHA-256(canonical list ‖ public value)` as in [`verifiable_draw`].
///
/// ```
/// use skillhub_allocation::lottery::{Commitment, LotterySeed};
/// use sha2::{Digest, Sha256};
/// let secret = "la nostra frase segreta 2019";
/// let hash = LotterySeed::from_bytes(Sha256::digest(secret).into()); // its 64 hex digits
/// let commitment = Commitment::parse(&format!("sha256:{hash}"))?;
/// assert!(commitment.admits(secret));
/// assert!(!commitment.admits("un'altra frase"));
/// let lotto = Commitment::parse("Lotto 2019-03-02, ruota di Roma")?;
/// assert!(lotto.admits("17 42 5 88 3"));
/// assert!(!lotto.admits("  "));
/// # Ok::<(), skillhub_allocation::lottery::LotteryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commitment {
    /// The SHA-256 of the secret to be revealed.
    Hash([u8; 32]),
    /// The description of a public value to come.
    PublicValue(String),
}

impl Commitment {
    /// Parses the recorded form (see the type's docs).
    pub fn parse(text: &str) -> Result<Self, LotteryError> {
        let text = text.trim();
        let bad = || LotteryError::Commitment(text.chars().take(80).collect());
        if let Some(hash) = text.strip_prefix("sha256:") {
            let seed = LotterySeed::parse(hash).map_err(|_| bad())?;
            return Ok(Commitment::Hash(*seed.as_bytes()));
        }
        let length = text.chars().count();
        if length == 0 || length > 500 || text.chars().any(char::is_control) {
            return Err(bad());
        }
        Ok(Commitment::PublicValue(text.to_owned()))
    }

    /// Whether `public_value` is what this commitment promised: the secret whose hash was
    /// committed, or (for a described value) any non-blank text, to be checked by anyone
    /// against the source the description names.
    pub fn admits(&self, public_value: &str) -> bool {
        match self {
            Commitment::Hash(hash) => Sha256::digest(public_value.as_bytes()).as_slice() == hash,
            Commitment::PublicValue(_) => !public_value.trim().is_empty(),
        }
    }
}

impl fmt::Display for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Commitment::Hash(hash) => write!(f, "sha256:{}", LotterySeed::from_bytes(*hash)),
            Commitment::PublicValue(text) => f.write_str(text),
        }
    }
}

/// The seed of a lottery: 32 bytes, recorded with every draw so that it can be recomputed
/// ("seme del sorteggio"). Written as 64 lowercase hexadecimal digits.
///
/// ```
/// use skillhub_allocation::lottery::LotterySeed;
/// let seed = LotterySeed::from_u64(42);
/// let text = seed.to_string();
/// assert_eq!(&text[..4], "2a00");
/// assert_eq!(text.parse::<LotterySeed>()?, seed);
/// assert!("xyz".parse::<LotterySeed>().is_err());
/// # Ok::<(), skillhub_allocation::lottery::LotteryError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LotterySeed([u8; 32]);

impl LotterySeed {
    /// The seed with these bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        LotterySeed(bytes)
    }

    /// A seed from a small number, for tests, examples and files that say `"lottery_seed": 42`:
    /// the number's 8 little-endian bytes followed by 24 zero bytes.
    pub const fn from_u64(n: u64) -> Self {
        let mut bytes = [0u8; 32];
        let le = n.to_le_bytes();
        let mut i = 0;
        while i < 8 {
            bytes[i] = le[i];
            i += 1;
        }
        LotterySeed(bytes)
    }

    /// The seed of a verifiable draw: SHA-256 of `canonical` (see [`canonical_list`]) followed by
    /// the public value's UTF-8 bytes.
    pub fn from_public_value(canonical: &str, public_value: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(canonical.as_bytes());
        hasher.update(public_value.as_bytes());
        LotterySeed(hasher.finalize().into())
    }

    /// Parses 64 hexadecimal digits (either case).
    pub fn parse(text: &str) -> Result<Self, LotteryError> {
        let bad = || LotteryError::Seed(text.chars().take(80).collect());
        let digits = text.as_bytes();
        if digits.len() != 64 {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let hi = hex_value(pair[0]).ok_or_else(bad)?;
            let lo = hex_value(pair[1]).ok_or_else(bad)?;
            *byte = hi << 4 | lo;
        }
        Ok(LotterySeed(bytes))
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for LotterySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for LotterySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LotterySeed({self})")
    }
}

impl FromStr for LotterySeed {
    type Err = LotteryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for LotterySeed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LotterySeed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The random stream of a seed (step 1–2 of the module docs): ChaCha20 keystream as `u64`s.
#[derive(Debug, Clone)]
pub struct LotteryStream(ChaCha20Rng);

impl LotteryStream {
    /// The stream of `seed`, from its start.
    pub fn new(seed: &LotterySeed) -> Self {
        LotteryStream(ChaCha20Rng::from_seed(seed.0))
    }

    /// The next 8 bytes of the keystream as a little-endian number.
    pub fn next_word(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// A number uniform in `0..n` from `stream` (step 3 of the module docs); `0` when `n` is 0 or 1,
/// without reading the stream.
///
/// ```
/// use skillhub_allocation::lottery::{LotterySeed, LotteryStream, uniform_below};
/// let mut stream = LotteryStream::new(&LotterySeed::from_u64(7));
/// assert!(uniform_below(&mut stream, 6) < 6);
/// ```
pub fn uniform_below(stream: &mut LotteryStream, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    // 2⁶⁴ mod n, computed in 64 bits: (2⁶⁴ − n) mod n.
    let rejected = n.wrapping_neg() % n;
    loop {
        let x = stream.next_word();
        // Accept x < 2⁶⁴ − rejected, i.e. x ≤ u64::MAX − rejected.
        if x <= u64::MAX - rejected {
            return x % n;
        }
    }
}

/// Shuffles `items` in place with the seed (step 4 of the module docs).
///
/// ```
/// use skillhub_allocation::lottery::{LotterySeed, shuffle};
/// let mut names = ["anna", "bruno", "carla", "dario"];
/// shuffle(&mut names, &LotterySeed::from_u64(1));
/// let mut again = ["anna", "bruno", "carla", "dario"];
/// shuffle(&mut again, &LotterySeed::from_u64(1));
/// assert_eq!(names, again);
/// ```
pub fn shuffle<T>(items: &mut [T], seed: &LotterySeed) {
    let mut stream = LotteryStream::new(seed);
    for i in (1..items.len()).rev() {
        // i < len ≤ isize::MAX, so both conversions are exact.
        let j = uniform_below(&mut stream, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// The draw of `n` numbered entries: `draw(n, seed)[k]` is the index (in `0..n`) of the entry
/// drawn in place `k`. The same as [`shuffle`] applied to `[0, 1, …, n − 1]`.
///
/// ```
/// use skillhub_allocation::lottery::{LotterySeed, draw};
/// let order = draw(5, &LotterySeed::from_u64(3));
/// let mut sorted = order.clone();
/// sorted.sort_unstable();
/// assert_eq!(sorted, [0, 1, 2, 3, 4]);
/// ```
pub fn draw(n: usize, seed: &LotterySeed) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order, seed);
    order
}

/// The inverse of [`draw`]: `places(n, seed)[i]` is the place (0 first) of entry `i`. Useful as
/// a tie-break key: sort by `(tier, place)`.
pub fn places(n: usize, seed: &LotterySeed) -> Vec<u32> {
    let order = draw(n, seed);
    let mut places = vec![0u32; n];
    for (place, &entry) in order.iter().enumerate() {
        places[entry] = u32::try_from(place).unwrap_or(u32::MAX);
    }
    places
}

/// The canonical form of an applicant list for a verifiable draw: the ids sorted by their UTF-8
/// bytes, each followed by `\n`. This is the text to publish before the public value is known.
///
/// ```
/// use skillhub_allocation::lottery::canonical_list;
/// assert_eq!(canonical_list(&["b", "a"])?, "a\nb\n");
/// assert!(canonical_list(&["a", "a"]).is_err());
/// assert!(canonical_list(&["a\nb"]).is_err());
/// # Ok::<(), skillhub_allocation::lottery::LotteryError>(())
/// ```
pub fn canonical_list<S: AsRef<str>>(ids: &[S]) -> Result<String, LotteryError> {
    let sorted = sorted_ids(ids)?;
    let mut text = String::with_capacity(sorted.iter().map(|id| id.len() + 1).sum());
    for id in sorted {
        text.push_str(id);
        text.push('\n');
    }
    Ok(text)
}

fn sorted_ids<S: AsRef<str>>(ids: &[S]) -> Result<Vec<&str>, LotteryError> {
    let mut sorted: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    if let Some(bad) = sorted
        .iter()
        .find(|id| id.is_empty() || id.contains(['\n', '\r']))
    {
        return Err(LotteryError::Id((*bad).to_owned()));
    }
    sorted.sort_unstable();
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(LotteryError::Duplicate(pair[0].to_owned()));
    }
    Ok(sorted)
}

/// The outcome of a verifiable draw: the seed it used and the ids in drawn order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiableDraw<'a> {
    /// SHA-256 of the canonical list followed by the public value.
    pub seed: LotterySeed,
    /// The ids, first drawn first.
    pub order: Vec<&'a str>,
}

/// Draws the ids verifiably (see the module docs): the canonical list and the public value fix
/// the seed, and the seed shuffles the sorted ids.
pub fn verifiable_draw<'a, S: AsRef<str>>(
    ids: &'a [S],
    public_value: &str,
) -> Result<VerifiableDraw<'a>, LotteryError> {
    let mut order = sorted_ids(ids)?;
    let canonical = canonical_list(&order)?;
    let seed = LotterySeed::from_public_value(&canonical, public_value);
    shuffle(&mut order, &seed);
    Ok(VerifiableDraw { seed, order })
}

/// Whether `claimed` is exactly the verifiable draw of `ids` with `public_value`. A list that
/// cannot be drawn (a duplicate, an empty id, a line break) verifies nothing.
pub fn verify<S: AsRef<str>, C: AsRef<str>>(ids: &[S], public_value: &str, claimed: &[C]) -> bool {
    verifiable_draw(ids, public_value).is_ok_and(|draw| {
        draw.order.len() == claimed.len()
            && draw
                .order
                .iter()
                .zip(claimed)
                .all(|(a, b)| *a == b.as_ref())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stream_is_the_chacha20_keystream() {
        // Keystream of ChaCha20 with key 0 and nonce 0 (RFC 8439 A.1, test vector 1).
        let mut stream = LotteryStream::new(&LotterySeed::from_bytes([0; 32]));
        assert_eq!(
            stream.next_word(),
            u64::from_le_bytes([0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90])
        );
        assert_eq!(
            stream.next_word(),
            u64::from_le_bytes([0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28])
        );
    }

    /// Pins the algorithm: if any of this changes, old draws can no longer be recomputed.
    #[test]
    fn known_draws() {
        assert_eq!(draw(10, &LotterySeed::from_u64(42)), KNOWN_42);
        assert_eq!(draw(1000, &LotterySeed::from_u64(7))[..10], KNOWN_7_1000);
        let seed = LotterySeed::from_public_value("a\nb\nc\n", "12 45 67");
        assert_eq!(seed.to_string(), KNOWN_SEED);
        let draw = verifiable_draw(&["c", "a", "b"], "12 45 67").unwrap();
        assert_eq!(draw.seed, seed);
        assert_eq!(draw.order, KNOWN_ORDER);
    }

    // Computed independently in Python (the snippet of the module docs, and a pure-Python
    // ChaCha20), not by this code.
    const KNOWN_42: [usize; 10] = [1, 3, 7, 4, 2, 8, 0, 6, 9, 5];
    const KNOWN_7_1000: [usize; 10] = [167, 614, 911, 957, 703, 213, 936, 530, 130, 534];
    const KNOWN_SEED: &str = "6668f047dad8f2e5262fddbdb975ca4936e0df1a6f7e87837541653e1591a856";
    const KNOWN_ORDER: [&str; 3] = ["c", "a", "b"];

    #[test]
    fn seeds_print_and_parse() {
        let seed = LotterySeed::from_bytes(std::array::from_fn(|i| i as u8 * 7));
        let text = seed.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(LotterySeed::parse(&text).unwrap(), seed);
        assert_eq!(LotterySeed::parse(&text.to_uppercase()).unwrap(), seed);
        assert_eq!(serde_json::to_string(&seed).unwrap(), format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<LotterySeed>(&format!("\"{text}\"")).unwrap(),
            seed
        );
        for bad in [
            "",
            "00",
            &"g".repeat(64),
            &"0".repeat(63),
            &"0".repeat(65),
            &"é".repeat(32),
        ] {
            assert!(LotterySeed::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn verification() {
        let ids = ["rossi-anna", "bianchi-luca", "verdi-sara", "neri-ugo"];
        let draw = verifiable_draw(&ids, "7 21 33").unwrap();
        assert!(verify(&ids, "7 21 33", &draw.order));
        let mut reordered = ids;
        reordered.reverse();
        assert!(
            verify(&reordered, "7 21 33", &draw.order),
            "publication order is irrelevant"
        );
        let mut swapped = draw.order.clone();
        swapped.swap(0, 3);
        assert!(!verify(&ids, "7 21 33", &swapped));
        assert!(!verify(&ids, "7 21 33", &draw.order[..3]));
        assert!(!verify(&["a", "a"], "x", &["a", "a"]));
        assert!(verify::<&str, &str>(&[], "x", &[]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A draw is a permutation, and the same seed gives the same draw.
        #[test]
        fn draws_are_deterministic_permutations(n in 0usize..200, seed in any::<[u8; 32]>()) {
            let seed = LotterySeed::from_bytes(seed);
            let order = draw(n, &seed);
            prop_assert_eq!(&order, &draw(n, &seed));
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            let places = places(n, &seed);
            for (place, &entry) in order.iter().enumerate() {
                prop_assert_eq!(places[entry] as usize, place);
            }
        }

        /// Different seeds give different draws, except by a chance of 1 in 20! here.
        #[test]
        fn different_seeds_differ(a in any::<u64>(), b in any::<u64>()) {
            prop_assume!(a != b);
            prop_assert_ne!(draw(20, &LotterySeed::from_u64(a)), draw(20, &LotterySeed::from_u64(b)));
        }

        /// Bounded draws stay in bounds, for every bound including those that force rejections.
        #[test]
        fn bounded_draws_stay_below(n in any::<u64>(), seed in any::<u64>()) {
            let mut stream = LotteryStream::new(&LotterySeed::from_u64(seed));
            for _ in 0..8 {
                let x = uniform_below(&mut stream, n);
                prop_assert!(x < n.max(1));
            }
        }
    }

    /// Each of 3 items lands in each place about a third of the time (no modulo bias in practice).
    #[test]
    fn shuffle_is_roughly_uniform() {
        let mut counts = [[0u32; 3]; 3];
        for s in 0..3000 {
            for (place, &item) in draw(3, &LotterySeed::from_u64(s)).iter().enumerate() {
                counts[item][place] += 1;
            }
        }
        for row in counts {
            for c in row {
                assert!((850..1150).contains(&c), "{counts:?}");
            }
        }
    }
}
