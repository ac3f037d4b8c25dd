//! The agent's own seeded generator: SplitMix64 with a public state so checkpoints can store it.
//! Every random choice of the agent outside torch (action sampling, minibatch order, hash
//! projections, the random baseline) draws from one of these, so a seeded CPU run replays.

use serde::{Deserialize, Serialize};

/// SplitMix64 (Steele, Lea and Flood 2014), the same generator as `priors_core::rng`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rng {
    /// Internal state.
    pub state: u64,
}

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1) with 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
    /// A standard normal sample (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.next_f64().max(1e-300);
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// Index drawn from unnormalised non-negative weights (inverse CDF); the last index if the
    /// weights sum to zero or less.
    pub fn categorical(&mut self, probs: &[f32]) -> usize {
        let total: f64 = probs.iter().map(|&p| p.max(0.0) as f64).sum();
        let mut u = self.next_f64() * total;
        for (i, &p) in probs.iter().enumerate() {
            u -= p.max(0.0) as f64;
            if u < 0.0 {
                return i;
            }
        }
        probs.len().saturating_sub(1)
    }
    /// A uniformly random permutation of `0..n` (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            p.swap(i, j);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_core_splitmix_and_samples_sensibly() {
        let mut a = Rng::new(42);
        let mut b = priors_core::rng::SplitMix64::new(42);
        for _ in 0..5 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut p = a.permutation(10);
        p.sort();
        assert_eq!(p, (0..10).collect::<Vec<_>>());
        let mut hits = [0u32; 3];
        for _ in 0..3000 {
            hits[a.categorical(&[0.0, 1.0, 3.0])] += 1;
        }
        assert_eq!(hits[0], 0);
        assert!((600..900).contains(&hits[1]), "{hits:?}");
    }
}
