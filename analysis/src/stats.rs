//! Statistics by hand: descriptive statistics, a seeded percentile bootstrap, the Mann-Whitney U
//! test (normal approximation with tie correction and continuity correction, as SciPy's
//! `mannwhitneyu(..., method="asymptotic")`), a two-sample permutation test on the difference
//! of means (exact when the number of splits is small, seeded Monte Carlo otherwise), Holm's
//! step-down correction, and effect sizes (rank-biserial correlation, Cohen's d).
//!
//! Paired data (issue 14: an agent seed gives the same initial network in every condition, so
//! runs pair by seed): the Wilcoxon signed-rank test ([`wilcoxon_signed_rank`], exact by
//! enumerating the sign-flip distribution of the observed ranks, so ties are exact too; zero
//! differences dropped) and a paired permutation test on the differences
//! ([`paired_permutation_test`]). Censored times (an agent run that never completed within its
//! budget) enter as [`Observed::Censored`] and are cut at a common horizon
//! ([`common_horizon`]) before any test: a censored value is its budget, a lower bound.
//!
//! Rank correlation (issue 16, the agent's slowdowns beside the paper's humans): Spearman's
//! rho on average ranks ([`spearman`]), its Fisher-z interval with Fieller, Hartley and
//! Pearson's variance ([`spearman_fisher_ci`]) and a percentile bootstrap over pairs
//! ([`bootstrap_spearman_ci`]).
//!
//! Every random draw comes from [`priors_core::rng::SplitMix64`] with an explicit seed, so a
//! report is bit-identical on every run. What it deliberately does not do: no distributions
//! beyond the normal, no regression, no missing-value handling (callers drop `NA` first).

use priors_core::rng::SplitMix64;

/// Arithmetic mean; `None` for an empty sample.
pub fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample standard deviation (denominator n - 1); `None` below two values.
pub fn sd(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x)?;
    Some((x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt())
}

/// Standard error of the mean, `sd / sqrt(n)`; `None` below two values.
pub fn sem(x: &[f64]) -> Option<f64> {
    sd(x).map(|s| s / (x.len() as f64).sqrt())
}

/// Quantile `q` in [0, 1] by linear interpolation between order statistics (type 7, the default
/// of R's `quantile` and NumPy's `percentile`); `None` for an empty sample.
pub fn quantile(x: &[f64], q: f64) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    Some(quantile_sorted(&v, q))
}

fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Median; `None` for an empty sample.
pub fn median(x: &[f64]) -> Option<f64> {
    quantile(x, 0.5)
}

/// Percentile bootstrap confidence interval of the mean: `resamples` resamples with replacement
/// drawn with a SplitMix64 seeded by `seed`, interval `[(1 - level) / 2, (1 + level) / 2]`
/// quantiles of the resampled means. `None` for an empty sample.
pub fn bootstrap_mean_ci(x: &[f64], level: f64, resamples: usize, seed: u64) -> Option<(f64, f64)> {
    if x.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let n = x.len() as u64;
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| (0..n).map(|_| x[rng.below(n) as usize]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Some((quantile_sorted(&means, a), quantile_sorted(&means, 1.0 - a)))
}

/// Average ranks (1-based, ties get the mean of their ranks) of `v`, and the tie term
/// `sum(t^3 - t)` over tie groups.
pub fn ranks(v: &[f64]) -> (Vec<f64>, f64) {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    (r, ties)
}

/// The result of a Mann-Whitney U test of `x` against `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample: pairs (x_i, y_j) with x_i > y_j, plus half the ties.
    pub u1: f64,
    /// Normal deviate with tie and continuity corrections (sign: positive when x tends larger).
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Rank-biserial correlation `2 U1 / (n1 n2) - 1`: +1 when every x exceeds every y.
    pub rank_biserial: f64,
}

/// Two-sided Mann-Whitney U test with the normal approximation, tie correction and continuity
/// correction (SciPy's `mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")`).
/// `None` when a sample is empty.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (r, ties) = ranks(&all);
    let r1: f64 = r[..x.len()].iter().sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    let mu = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    let rank_biserial = 2.0 * u1 / (n1 * n2) - 1.0;
    if var <= 0.0 {
        return Some(MannWhitney {
            u1,
            z: 0.0,
            p: 1.0,
            rank_biserial,
        });
    }
    let d = u1 - mu;
    let z = (d.abs() - 0.5).max(0.0) / var.sqrt() * d.signum();
    let p = (2.0 * normal_sf(z.abs())).min(1.0);
    Some(MannWhitney {
        u1,
        z,
        p,
        rank_biserial,
    })
}

/// Upper tail of the standard normal, `P(Z > z)`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7
/// everywhere).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let ans = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { ans } else { 2.0 - ans }
}

/// The result of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Permutation {
    /// Observed difference of means, `mean(x) - mean(y)`.
    pub diff: f64,
    /// Two-sided p-value: the share of splits with `|diff|` at least the observed one (exact),
    /// or `(hits + 1) / (resamples + 1)` (Monte Carlo).
    pub p: f64,
    /// Whether every split was enumerated.
    pub exact: bool,
}

/// Number of ways to choose `k` of `n`, saturating.
fn choose(n: usize, k: usize) -> u64 {
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (n - i) as u128 / (i + 1) as u128;
        if c > u64::MAX as u128 {
            return u64::MAX;
        }
    }
    c as u64
}

/// Two-sided permutation test of the difference of means. Enumerates every split of the pooled
/// sample when there are at most `max_exact` of them; otherwise draws `resamples` random splits
/// (seeded). `None` when a sample is empty.
pub fn permutation_test(
    x: &[f64],
    y: &[f64],
    resamples: usize,
    max_exact: u64,
    seed: u64,
) -> Option<Permutation> {
    let (m1, m2) = (mean(x)?, mean(y)?);
    let diff = m1 - m2;
    let pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let (n, k) = (pooled.len(), x.len());
    let total: f64 = pooled.iter().sum();
    // A split's |diff| from the sum of its first group; compared with a relative tolerance so
    // that splits equal to the observed one in exact arithmetic count as "at least as extreme".
    let stat = |s1: f64| (s1 / k as f64 - (total - s1) / (n - k) as f64).abs();
    let obs = diff.abs() * (1.0 - 1e-12) - 1e-12;
    let splits = choose(n, k);
    if splits <= max_exact {
        let mut hits = 0u64;
        let mut idx: Vec<usize> = (0..k).collect();
        loop {
            let s1: f64 = idx.iter().map(|&i| pooled[i]).sum();
            hits += (stat(s1) >= obs) as u64;
            // Next combination in lexicographic order: bump the rightmost index that can move.
            let mut i = k;
            while i > 0 && idx[i - 1] == n - k + i - 1 {
                i -= 1;
            }
            if i == 0 {
                return Some(Permutation {
                    diff,
                    p: hits as f64 / splits as f64,
                    exact: true,
                });
            }
            idx[i - 1] += 1;
            for j in i..k {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }
    let mut rng = SplitMix64::new(seed);
    let mut v = pooled.clone();
    let mut hits = 0u64;
    for _ in 0..resamples {
        // Partial Fisher-Yates: the first k slots are a uniform random subset.
        for i in 0..k {
            let j = i + rng.below((n - i) as u64) as usize;
            v.swap(i, j);
        }
        let s1: f64 = v[..k].iter().sum();
        hits += (stat(s1) >= obs) as u64;
    }
    Some(Permutation {
        diff,
        p: (hits + 1) as f64 / (resamples + 1) as f64,
        exact: false,
    })
}

/// Holm's step-down adjustment of p-values (same order as given; `None` entries are skipped
/// and stay `None`). Adjusted p = max over earlier steps of `min(1, (m - i) p_(i))`.
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    idx.sort_by(|&a, &b| p[a].unwrap_or(1.0).total_cmp(&p[b].unwrap_or(1.0)));
    let m = idx.len();
    let mut out = vec![None; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        let adj = ((m - rank) as f64 * p[i].unwrap_or(1.0)).min(1.0);
        running = running.max(adj);
        out[i] = Some(running);
    }
    out
}

/// The 95 % Wilson score interval of a binomial proportion `k / n` (`(0, 1)` when `n` is 0):
/// the interval `priors eval` prints beside a success rate.
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let z = Z_975;
    let p = k / n;
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    ((c - h).max(0.0), (c + h).min(1.0))
}

/// A time to an event (env steps to the first completion) that may be censored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observed {
    /// The event happened at this time.
    Event(f64),
    /// No event up to this time (a run that used its whole budget without completing): the
    /// true time is at least this bound.
    Censored(f64),
}

impl Observed {
    /// The value cut at `horizon`: `min(time, horizon)` for an event, the horizon for a censored
    /// observation (whose bound is at least the horizon when the horizon comes from
    /// [`common_horizon`]).
    pub fn at_horizon(self, horizon: f64) -> f64 {
        match self {
            Observed::Event(t) => t.min(horizon),
            Observed::Censored(b) => b.min(horizon),
        }
    }
}

/// The horizon up to which every observation of `obs` is known: the smallest bound of a
/// censored one (infinity when none is censored). Cut at it ([`Observed::at_horizon`]), two
/// observations compare as far as the data can tell: a censored one is larger than every event
/// before the horizon (its value is its budget, a lower bound), and ties with every event at or
/// after it and with every other censored one (their order is unknown). With equal budgets this
/// is "a censored run's value is its budget"; with unequal ones it never orders two runs by the
/// budgets alone (Gehan's rule).
pub fn common_horizon<'a>(obs: impl IntoIterator<Item = &'a Observed>) -> f64 {
    obs.into_iter()
        .filter_map(|o| match o {
            Observed::Censored(b) => Some(*b),
            Observed::Event(_) => None,
        })
        .fold(f64::INFINITY, f64::min)
}

/// The differences `x_i - y_i` of paired observations, each pair cut at its own
/// [`common_horizon`]: a pair where both are censored is a tie (0), an event before the other's
/// censoring bound differs by at least `bound - time`, an event at or after it is a tie.
pub fn paired_differences(pairs: &[(Observed, Observed)]) -> Vec<f64> {
    pairs
        .iter()
        .map(|(x, y)| {
            let h = common_horizon([x, y]);
            x.at_horizon(h) - y.at_horizon(h)
        })
        .collect()
}

/// The result of a Wilcoxon signed-rank test on paired differences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wilcoxon {
    /// Pairs given.
    pub n: usize,
    /// Pairs with a non-zero difference, the ones ranked (zeros are dropped, Wilcoxon's
    /// original rule and SciPy's `zero_method="wilcox"`).
    pub n_nonzero: usize,
    /// W+: the sum of the ranks of |d| (1-based, ties averaged) of the positive differences.
    pub w_plus: f64,
    /// Two-sided p-value: the probability, under random signs of the observed ranks, of a W+ at
    /// least as far from its mean `n_nonzero (n_nonzero + 1) / 4` as the observed one.
    pub p: f64,
    /// Whether `p` comes from enumerating every sign pattern (up to [`WILCOXON_EXACT_MAX`]
    /// non-zero pairs), else from the normal approximation with the tie correction.
    pub exact: bool,
    /// Matched-pairs rank-biserial correlation `(W+ - W-) / (W+ + W-)`: +1 when every
    /// non-zero difference is positive (0 when none is non-zero).
    pub rank_biserial: f64,
}

/// Non-zero pairs up to which [`wilcoxon_signed_rank`] is exact (a distribution over
/// `n (n + 1) + 1` half-rank sums built in `n` steps).
pub const WILCOXON_EXACT_MAX: usize = 400;

/// Two-sided Wilcoxon signed-rank test of paired differences `d` against a zero median. Zero
/// differences are dropped; tied |d| get their average rank, and the exact null distribution is
/// that of the observed ranks with random signs (exact with ties, which tables for untied ranks
/// are not). `None` for no pairs.
pub fn wilcoxon_signed_rank(d: &[f64]) -> Option<Wilcoxon> {
    if d.is_empty() {
        return None;
    }
    let nz: Vec<f64> = d.iter().copied().filter(|&v| v != 0.0).collect();
    let n = nz.len();
    if n == 0 {
        return Some(Wilcoxon {
            n: d.len(),
            n_nonzero: 0,
            w_plus: 0.0,
            p: 1.0,
            exact: true,
            rank_biserial: 0.0,
        });
    }
    let abs: Vec<f64> = nz.iter().map(|v| v.abs()).collect();
    let (r, ties) = ranks(&abs);
    // Average ranks are multiples of 1/2: doubled, every rank and sum is an exact integer.
    let r2: Vec<usize> = r.iter().map(|&x| (2.0 * x).round() as usize).collect();
    let total2: usize = r2.iter().sum();
    let w2: usize = r2
        .iter()
        .zip(&nz)
        .filter(|(_, v)| **v > 0.0)
        .map(|(r, _)| r)
        .sum();
    let w_plus = w2 as f64 / 2.0;
    let rank_biserial = (2.0 * w2 as f64 - total2 as f64) / total2 as f64;
    if n <= WILCOXON_EXACT_MAX {
        // prob[s] = P(doubled W+ = s) with each rank positive with probability 1/2.
        let mut prob = vec![0.0f64; total2 + 1];
        prob[0] = 1.0;
        let mut top = 0;
        for &k in &r2 {
            for s in (0..=top).rev() {
                let q = prob[s] / 2.0;
                prob[s] = q;
                prob[s + k] += q;
            }
            top += k;
        }
        // |2 W+ - total| in doubled units, compared as integers (no rounding at the boundary).
        let dev = |s: usize| (2 * s).abs_diff(total2);
        let obs = dev(w2);
        let p: f64 = (0..=total2)
            .filter(|&s| dev(s) >= obs)
            .map(|s| prob[s])
            .sum();
        return Some(Wilcoxon {
            n: d.len(),
            n_nonzero: n,
            w_plus,
            p: p.min(1.0),
            exact: true,
            rank_biserial,
        });
    }
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
    let p = if var > 0.0 {
        (2.0 * normal_sf(((w_plus - mean) / var.sqrt()).abs())).min(1.0)
    } else {
        1.0
    };
    Some(Wilcoxon {
        n: d.len(),
        n_nonzero: n,
        w_plus,
        p,
        exact: false,
        rank_biserial,
    })
}

/// The result of a paired permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedPermutation {
    /// Observed mean difference.
    pub mean_diff: f64,
    /// Two-sided p-value: the share of sign patterns whose `|mean|` is at least the observed
    /// one (exact), or `(hits + 1) / (resamples + 1)` (Monte Carlo).
    pub p: f64,
    /// Whether every sign pattern was enumerated.
    pub exact: bool,
}

/// Two-sided paired permutation test of the mean of the differences `d`: under the null each
/// difference is as likely to have either sign. Enumerates all `2^n` sign patterns when `n` is
/// at most `max_exact_n` (at most 30), else draws `resamples` random ones (seeded). Zero
/// differences count in `n` and in the mean but cannot change sign. `None` for no pairs.
pub fn paired_permutation_test(
    d: &[f64],
    resamples: usize,
    max_exact_n: usize,
    seed: u64,
) -> Option<PairedPermutation> {
    let mean_diff = mean(d)?;
    let n = d.len();
    let total: f64 = d.iter().sum();
    // Same tolerance as the two-sample test: patterns equal to the observed one in exact
    // arithmetic count as at least as extreme.
    let obs = total.abs() * (1.0 - 1e-12) - 1e-12;
    if n <= max_exact_n.min(30) {
        let mut hits = 0u64;
        for mask in 0u64..(1u64 << n) {
            let s: f64 = d
                .iter()
                .enumerate()
                .map(|(i, v)| if mask >> i & 1 == 1 { -v } else { *v })
                .sum();
            hits += (s.abs() >= obs) as u64;
        }
        return Some(PairedPermutation {
            mean_diff,
            p: hits as f64 / (1u64 << n) as f64,
            exact: true,
        });
    }
    let mut rng = SplitMix64::new(seed);
    let mut hits = 0u64;
    for _ in 0..resamples {
        let s: f64 = d
            .iter()
            .map(|v| if rng.below(2) == 1 { -v } else { *v })
            .sum();
        hits += (s.abs() >= obs) as u64;
    }
    Some(PairedPermutation {
        mean_diff,
        p: (hits + 1) as f64 / (resamples + 1) as f64,
        exact: false,
    })
}

/// Spearman's rank correlation of paired samples: Pearson's correlation of their average ranks
/// ([`ranks`], so ties get the mean of their ranks, as SciPy's `spearmanr`). `None` when the
/// samples differ in length, hold fewer than two pairs, or one of them is constant (no ranking).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(x).0, ranks(y).0);
    let (mx, my) = (mean(&rx)?, mean(&ry)?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// The 0.975 quantile of the standard normal (two-sided 95 % intervals).
const Z_975: f64 = 1.959_963_984_540_054;

/// The 95 % confidence interval of Spearman's rho from `n` pairs by Fisher's z transform with
/// the variance of Fieller, Hartley and Pearson (1957, Biometrika 44:470), `1.06 / (n - 3)`:
/// `tanh(atanh(rho) -+ 1.96 sqrt(1.06 / (n - 3)))`. `None` below 4 pairs (no variance) or for a
/// rho outside [-1, 1]. A rho of exactly +-1 gives the degenerate interval `(rho, rho)`: the
/// transform has no spread there, which says nothing about the sampling error of few pairs.
pub fn spearman_fisher_ci(rho: f64, n: usize) -> Option<(f64, f64)> {
    if n < 4 || !(-1.0..=1.0).contains(&rho) {
        return None;
    }
    let z = rho.atanh();
    let h = Z_975 * (1.06 / (n - 3) as f64).sqrt();
    Some(((z - h).tanh(), (z + h).tanh()))
}

/// A percentile bootstrap of Spearman's rho: the interval, and how many resamples defined rho.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RhoBootstrap {
    /// 2.5 % quantile of the resampled rhos.
    pub lo: f64,
    /// 97.5 % quantile of the resampled rhos.
    pub hi: f64,
    /// Resamples in which rho was defined (a resample where either sample is constant, e.g. the
    /// same pair drawn n times, has no rho and is left out).
    pub used: usize,
}

/// Percentile bootstrap 95 % interval of Spearman's rho: `resamples` resamples of the `n`
/// pairs with replacement (pairs kept whole), drawn with a SplitMix64 seeded by `seed`; ranks
/// are recomputed in each resample. `None` below 3 pairs, with no resample, or when no resample
/// defined rho.
pub fn bootstrap_spearman_ci(
    x: &[f64],
    y: &[f64],
    resamples: usize,
    seed: u64,
) -> Option<RhoBootstrap> {
    if x.len() != y.len() || x.len() < 3 || resamples == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let n = x.len() as u64;
    let (mut bx, mut by) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let mut rhos: Vec<f64> = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for i in 0..x.len() {
            let k = rng.below(n) as usize;
            bx[i] = x[k];
            by[i] = y[k];
        }
        if let Some(r) = spearman(&bx, &by) {
            rhos.push(r);
        }
    }
    if rhos.is_empty() {
        return None;
    }
    rhos.sort_by(f64::total_cmp);
    Some(RhoBootstrap {
        lo: quantile_sorted(&rhos, 0.025),
        hi: quantile_sorted(&rhos, 0.975),
        used: rhos.len(),
    })
}

/// Cohen's d with the pooled standard deviation, `(mean(x) - mean(y)) / s_pooled`; `None`
/// below two values in a sample or with zero spread.
pub fn cohens_d(x: &[f64], y: &[f64]) -> Option<f64> {
    let (sx, sy) = (sd(x)?, sd(y)?);
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let pooled = (((n1 - 1.0) * sx * sx + (n2 - 1.0) * sy * sy) / (n1 + n2 - 2.0)).sqrt();
    let diff = mean(x)? - mean(y)?;
    (pooled > 0.0).then(|| diff / pooled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn descriptive_statistics_match_hand_values() {
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), Some(5.0));
        // Sum of squares 32, n - 1 = 7.
        assert!(close(sd(&x).unwrap(), (32.0f64 / 7.0).sqrt(), 1e-12));
        assert!(close(
            sem(&x).unwrap(),
            (32.0f64 / 7.0).sqrt() / 8f64.sqrt(),
            1e-12
        ));
        assert_eq!(median(&x), Some(4.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        // Type 7: h = 7 * 0.25 = 1.75 -> 4 + 0.75 * 0 = 4; h = 7 * 0.9 = 6.3 -> 7 + 0.3 * 2.
        assert_eq!(quantile(&x, 0.25), Some(4.0));
        assert!(close(quantile(&x, 0.9).unwrap(), 7.6, 1e-12));
        assert_eq!(mean(&[]), None);
        assert_eq!(sd(&[1.0]), None);
    }

    #[test]
    fn ranks_average_ties() {
        let (r, t) = ranks(&[10.0, 20.0, 10.0, 30.0]);
        assert_eq!(r, vec![1.5, 3.0, 1.5, 4.0]);
        assert_eq!(t, 6.0);
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        // Reference: scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [3.0, 6.0, 7.0, 8.0, 9.0];
        let r = mann_whitney(&x, &y).unwrap();
        // Hand: pairs with x > y are (4, 3) and (5, 3), plus half the tie (3, 3): U = 2.5.
        // n = 10, one tied pair -> sum t^3 - t = 6; var = 25/12 (11 - 6/90); z = -(10 - 0.5) / sd.
        assert_eq!(r.u1, 2.5);
        let var: f64 = 25.0 / 12.0 * (11.0 - 6.0 / 90.0);
        assert!(close(r.z, -9.5 / var.sqrt(), 1e-12), "{r:?}");
        // SciPy 1.17.1: statistic=2.5, pvalue=0.046532985074510584.
        assert!(close(r.p, 0.046_532_985_074_510_584, 1e-6), "{r:?}");
        assert!(close(r.rank_biserial, 2.0 * 2.5 / 25.0 - 1.0, 1e-12));
        // A second case with several tie groups; SciPy: statistic=38.0, pvalue=0.017149794603561603.
        let x = [12.0, 15.0, 15.0, 20.0, 22.0, 30.0, 31.0];
        let y = [10.0, 11.0, 12.0, 12.0, 14.0, 15.0];
        let r = mann_whitney(&x, &y).unwrap();
        assert_eq!(r.u1, 38.0);
        assert!(close(r.p, 0.017_149_794_603_561_603, 1e-6), "{r:?}");
        // Exact two-sided permutation p with |mean(x) - mean(y)| as the statistic, enumerated
        // with Python's itertools.combinations over all 1716 splits: 34 / 1716. (SciPy's
        // permutation_test doubles the smaller one-sided p instead and gives 26 / 1716 here.)
        let p = permutation_test(&x, &y, 0, u64::MAX, 1).unwrap();
        assert!(p.exact && close(p.p, 34.0 / 1716.0, 1e-12), "{p:?}");
        // Identical samples: p = 1.
        assert_eq!(mann_whitney(&[1.0, 1.0], &[1.0, 1.0]).unwrap().p, 1.0);
    }

    #[test]
    fn normal_tail_matches_tables() {
        assert!(close(normal_sf(0.0), 0.5, 1e-7));
        assert!(close(normal_sf(1.959_963_985), 0.025, 1e-7));
        assert!(close(normal_sf(-1.0), 0.841_344_746, 1e-7));
        assert!(close(normal_sf(3.0), 0.001_349_898, 1e-8));
    }

    #[test]
    fn exact_permutation_counts_splits_by_hand() {
        // x = [1, 2], y = [3, 4]: 6 splits of {1,2,3,4} into pairs; |mean diff| = 2 for {1,2}
        // and {3,4}, 1 for {1,3} and {2,4}, 0 for {1,4} and {2,3}. Observed 2 -> p = 2/6.
        let r = permutation_test(&[1.0, 2.0], &[3.0, 4.0], 1000, 1000, 1).unwrap();
        assert!(r.exact);
        assert_eq!(r.diff, -2.0);
        assert!(close(r.p, 2.0 / 6.0, 1e-12), "{r:?}");
        // Monte Carlo agrees within sampling error and is seeded.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [4.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let exact = permutation_test(&x, &y, 0, u64::MAX, 1).unwrap();
        let mc = permutation_test(&x, &y, 20_000, 0, 7).unwrap();
        assert!(exact.exact && !mc.exact);
        assert!(close(exact.p, mc.p, 0.01), "{exact:?} {mc:?}");
        assert_eq!(mc, permutation_test(&x, &y, 20_000, 0, 7).unwrap());
    }

    #[test]
    fn holm_matches_hand_computation() {
        // Sorted 0.01, 0.02, 0.03, 0.04 with m = 4: 0.04, 0.06, 0.06 (monotone), 0.06.
        let adj = holm(&[Some(0.03), Some(0.01), None, Some(0.04), Some(0.02)]);
        let want = [Some(0.06), Some(0.04), None, Some(0.06), Some(0.06)];
        for (a, w) in adj.iter().zip(want) {
            match (a, w) {
                (Some(a), Some(w)) => assert!(close(*a, w, 1e-12), "{adj:?}"),
                (None, None) => {}
                _ => panic!("{adj:?}"),
            }
        }
        assert_eq!(holm(&[Some(0.9), Some(0.8)]), vec![Some(1.0), Some(1.0)]);
    }

    #[test]
    fn cohens_d_and_bootstrap() {
        // Means 2 and 4, both sd 1 -> d = -2.
        assert!(close(
            cohens_d(&[1.0, 2.0, 3.0], &[3.0, 4.0, 5.0]).unwrap(),
            -2.0,
            1e-12
        ));
        let x: Vec<f64> = (1..=20).map(f64::from).collect();
        let (lo, hi) = bootstrap_mean_ci(&x, 0.95, 4000, 42).unwrap();
        // Normal theory: 10.5 +/- 1.96 * 5.916 / sqrt(20) = [7.91, 13.09]; the bootstrap's
        // plug-in sd is a bit smaller.
        assert!(lo > 7.6 && lo < 8.4 && hi > 12.6 && hi < 13.4, "{lo} {hi}");
        assert_eq!(bootstrap_mean_ci(&x, 0.95, 4000, 42), Some((lo, hi)));
        assert_eq!(bootstrap_mean_ci(&[3.0], 0.95, 10, 1), Some((3.0, 3.0)));
    }

    #[test]
    fn wilcoxon_exact_p_by_enumeration() {
        // d = [1, -2, 3, 4, 5]: ranks 1..5, W+ = 1 + 3 + 4 + 5 = 13, mean 7.5. Of the 32 subsets
        // of {1, ..., 5} (the sign patterns), the sums at least 5.5 from 7.5 are 0, 1, 2 and
        // 13, 14, 15, one subset each: p = 6 / 32. (SciPy 1.x: wilcoxon([1, -2, 3, 4, 5]) gives
        // statistic 2.0 = W-, pvalue 0.1875.)
        let w = wilcoxon_signed_rank(&[1.0, -2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!((w.n, w.n_nonzero, w.w_plus), (5, 5, 13.0), "{w:?}");
        assert!(w.exact && close(w.p, 6.0 / 32.0, 1e-15), "{w:?}");
        // (13 - 2) / 15.
        assert!(close(w.rank_biserial, 11.0 / 15.0, 1e-15), "{w:?}");
        // All positive: only the all-plus and all-minus patterns are as extreme, 2 / 32.
        let w = wilcoxon_signed_rank(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert!(
            close(w.p, 2.0 / 32.0, 1e-15) && w.rank_biserial == 1.0,
            "{w:?}"
        );
    }

    #[test]
    fn wilcoxon_drops_zeros_and_ranks_ties_exactly() {
        // d = [0, 1, 1, -1, 2, 4]: the zero is dropped (n_nonzero 5); |d| = 1, 1, 1, 2, 4 get
        // ranks 2, 2, 2, 4, 5 (the three tied 1s share ranks 1-3); W+ = 2 + 2 + 4 + 5 = 13 of
        // 15. In doubled ranks {4, 4, 4, 8, 10} (sum 30) W+ is 26, |2 * 26 - 30| = 22. Sign
        // patterns as extreme: doubled sums <= 4 ({}, {4a}, {4b}, {4c}) and, by symmetry,
        // >= 26 (their complements): 8 of 32, p = 0.25. The untied table for W+ = 13, n = 5
        // would say 6 / 32: the ties matter.
        let w = wilcoxon_signed_rank(&[0.0, 1.0, 1.0, -1.0, 2.0, 4.0]).unwrap();
        assert_eq!((w.n, w.n_nonzero, w.w_plus), (6, 5, 13.0), "{w:?}");
        assert!(w.exact && close(w.p, 8.0 / 32.0, 1e-15), "{w:?}");
        // Only zeros (every pair tied, e.g. both runs censored at one budget): no evidence.
        let w = wilcoxon_signed_rank(&[0.0, 0.0]).unwrap();
        assert_eq!((w.n_nonzero, w.p), (0, 1.0), "{w:?}");
        assert_eq!(wilcoxon_signed_rank(&[]), None);
        // Past WILCOXON_EXACT_MAX the normal approximation takes over (seven copies of the same
        // 60 differences: more of the same evidence, a smaller p).
        let d: Vec<f64> = (1..=60)
            .map(|i| if i % 3 == 0 { -(i as f64) } else { i as f64 })
            .collect();
        let exact = wilcoxon_signed_rank(&d).unwrap();
        assert!(exact.exact);
        let big: Vec<f64> = (0..=WILCOXON_EXACT_MAX / 60)
            .flat_map(|_| d.iter().copied())
            .collect();
        let approx = wilcoxon_signed_rank(&big).unwrap();
        assert!(!approx.exact && approx.p < exact.p, "{exact:?} {approx:?}");
    }

    #[test]
    fn paired_permutation_exact_p_by_enumeration() {
        // d = [1, 2, 3, -1]: |sum| = 5. With |d| = (1, 2, 3, 1) and F the sum of |d| given a
        // minus sign, a pattern's sum is 7 - 2F; |7 - 2F| >= 5 needs F <= 1 ({}, {1a}, {1b})
        // or F >= 6 (their complements): 6 of 16 patterns, p = 0.375.
        let r = paired_permutation_test(&[1.0, 2.0, 3.0, -1.0], 0, 20, 1).unwrap();
        assert!(r.exact && close(r.p, 6.0 / 16.0, 1e-15), "{r:?}");
        assert_eq!(r.mean_diff, 1.25);
        // Zeros count in the mean and cannot change sign: for [0, 1, 3] the sums +-1 +-3 are 4,
        // 2, -2, -4 (each twice, for the zero's two signs), |sum| >= 4 in 4 of 8, p = 0.5.
        let r = paired_permutation_test(&[0.0, 1.0, 3.0], 0, 20, 1).unwrap();
        assert!(
            close(r.p, 0.5, 1e-15) && close(r.mean_diff, 4.0 / 3.0, 1e-15),
            "{r:?}"
        );
        // One non-zero difference can never be significant.
        let r = paired_permutation_test(&[0.0, 0.0, 4.0], 0, 20, 1).unwrap();
        assert_eq!(r.p, 1.0, "{r:?}");
        // Monte Carlo agrees within sampling error, and is seeded.
        let d = [5.0, 3.0, -1.0, 4.0, 2.0, 6.0, -2.0, 3.0];
        let exact = paired_permutation_test(&d, 0, 20, 1).unwrap();
        let mc = paired_permutation_test(&d, 20_000, 0, 9).unwrap();
        assert!(!mc.exact && close(exact.p, mc.p, 0.01), "{exact:?} {mc:?}");
        assert_eq!(mc, paired_permutation_test(&d, 20_000, 0, 9).unwrap());
    }

    #[test]
    fn censored_values_are_cut_at_the_common_horizon() {
        use Observed::{Censored, Event};
        let pairs = [
            // An event before the other's budget: slower by at least budget - time.
            (Event(3.0), Censored(10.0)),
            // Both censored at one budget: a tie.
            (Censored(10.0), Censored(10.0)),
            // Both censored at different budgets: still a tie (neither is known to be later).
            (Censored(5.0), Censored(8.0)),
            // An event after the other's budget: order unknown, a tie.
            (Event(12.0), Censored(10.0)),
            // No censoring: the plain difference.
            (Event(4.0), Event(6.0)),
        ];
        assert_eq!(paired_differences(&pairs), vec![-7.0, 0.0, 0.0, 0.0, -2.0]);
        let obs = [Event(1.0), Censored(9.0), Event(11.0), Censored(7.0)];
        let h = common_horizon(&obs);
        assert_eq!(h, 7.0);
        let cut: Vec<f64> = obs.iter().map(|o| o.at_horizon(h)).collect();
        assert_eq!(cut, vec![1.0, 7.0, 7.0, 7.0]);
        assert_eq!(common_horizon(&[Event(1.0)]), f64::INFINITY);
    }

    #[test]
    fn spearman_matches_hand_values_with_ties_and_reversal() {
        // No ties: d = ranks(x) - ranks(y) = -1, 1, -1, 1, -1, 1, so 1 - 6 * 6 / (6 * 35).
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let r = spearman(&x, &[2.0, 1.0, 4.0, 3.0, 6.0, 5.0]).unwrap();
        assert!(close(r, 1.0 - 36.0 / 210.0, 1e-12), "{r}");
        // Ties: y = [5, 6, 7, 8, 7] ranks 1, 2, 3.5, 5, 3.5 (the 7s share ranks 3 and 4); against
        // ranks 1..5, deviations (-2, -1, 0, 1, 2) and (-2, -1, 0.5, 2, 0.5): sxy = 8, sxx = 10,
        // syy = 9.5, rho = 8 / sqrt(95) = 0.8207826816681233 (SciPy's spearmanr agrees; the
        // no-tie formula 1 - 6 sum d^2 / (n (n^2 - 1)) would give 0.825).
        let r = spearman(&x[..5], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
        assert!(close(r, 8.0 / 95f64.sqrt(), 1e-12), "{r}");
        // A perfectly reversed order, and the same order on another scale.
        assert_eq!(
            spearman(&x[..5], &[50.0, 40.0, 30.0, 20.0, 10.0]),
            Some(-1.0)
        );
        assert_eq!(spearman(&x[..5], &[1.0, 10.0, 100.0, 1e3, 1e4]), Some(1.0));
        // Undefined: a constant sample, one pair, unequal lengths.
        assert_eq!(spearman(&x[..3], &[2.0, 2.0, 2.0]), None);
        assert_eq!(spearman(&[1.0], &[2.0]), None);
        assert_eq!(spearman(&x, &x[..5]), None);
    }

    #[test]
    fn spearman_fisher_ci_contains_rho_and_narrows_with_n() {
        // rho = 0.5, n = 10: atanh 0.5 = 0.549306, half-width 1.96 sqrt(1.06 / 7) = 0.762700;
        // tanh of -0.213394 and 1.312006 (Python's math module).
        let (lo5, hi5) = spearman_fisher_ci(0.5, 10).unwrap();
        assert!(close(lo5, -0.210_209_761_183_020_4, 1e-12), "{lo5}");
        assert!(close(hi5, 0.864_781_372_544_531_9, 1e-12), "{hi5}");
        let mut last = f64::INFINITY;
        for n in [4, 5, 10, 30, 100] {
            for rho in [-0.9, -0.3, 0.0, 0.6] {
                let (lo, hi) = spearman_fisher_ci(rho, n).unwrap();
                assert!(lo < rho && rho < hi && lo > -1.0 && hi < 1.0, "{rho} {n}");
            }
            let (lo, hi) = spearman_fisher_ci(0.6, n).unwrap();
            assert!(
                hi - lo < last,
                "n = {n}: {lo} {hi} not narrower than {last}"
            );
            last = hi - lo;
        }
        // Symmetric in the sign of rho; undefined below 4 pairs.
        let (a, b) = spearman_fisher_ci(-0.5, 10).unwrap();
        assert!(close(a, -hi5, 1e-12) && close(b, -lo5, 1e-12), "{a} {b}");
        assert_eq!(spearman_fisher_ci(0.5, 3), None);
    }

    #[test]
    fn spearman_bootstrap_ci_contains_rho_narrows_with_n_and_is_seeded() {
        // y follows x with every second pair swapped and a few pairs moved further, so rho is
        // high but below 1 at every n; the same pattern repeated gives more conditions.
        let pattern = |n: usize| -> (Vec<f64>, Vec<f64>) {
            let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let y: Vec<f64> = (0..n)
                .map(|i| i as f64 + if i % 2 == 0 { 1.5 } else { -1.5 } + (i % 5) as f64 * 0.9)
                .collect();
            (x, y)
        };
        let mut last = f64::INFINITY;
        for n in [6, 12, 48] {
            let (x, y) = pattern(n);
            let rho = spearman(&x, &y).unwrap();
            let b = bootstrap_spearman_ci(&x, &y, 4000, 7).unwrap();
            assert!(b.lo <= rho && rho <= b.hi, "n = {n}: {rho} {b:?}");
            assert!(
                b.hi - b.lo < last,
                "n = {n}: {b:?} not narrower than {last}"
            );
            assert!(b.used > 3900 && b.used <= 4000, "{b:?}");
            last = b.hi - b.lo;
            assert_eq!(bootstrap_spearman_ci(&x, &y, 4000, 7), Some(b));
        }
        // Too few pairs to resample, or a constant sample: no interval.
        assert_eq!(
            bootstrap_spearman_ci(&[1.0, 2.0], &[2.0, 1.0], 100, 1),
            None
        );
        assert_eq!(
            bootstrap_spearman_ci(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0], 100, 1),
            None
        );
    }

    #[test]
    fn wilson_interval_matches_the_textbook_values() {
        // 0 of 100: [0, 0.037] (the upper bound 3.84 / 103.84); 50 of 100: 0.5 -+ 0.0962.
        let (lo, hi) = wilson(0.0, 100.0);
        assert!(
            lo.abs() < 1e-12 && (hi - 0.036_99).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(50.0, 100.0);
        assert!(
            (lo - 0.4038).abs() < 1e-4 && (hi - 0.5962).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0.0, 0.0), (0.0, 1.0));
    }
}
