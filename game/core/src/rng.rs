//! A tiny seeded generator (SplitMix64) for everything that must replay: placebo placement,
//! texture seeds, key shuffles, env seeds. No global RNG exists in this workspace's simulation.

/// SplitMix64 (Steele, Lea and Flood 2014). Not cryptographic; fast and well mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0), by multiply-shift (bias below 2^-32 for small n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n) >> 32
    }
}

/// Mixes two values into one seed (for per-instance textures).
pub fn mix(a: u64, b: u64) -> u64 {
    SplitMix64::new(a ^ b.rotate_left(32)).next_u64()
}
