//! Counterbalanced condition assignment from an experiment file (`priors session --experiment`).
//!
//! An experiment file (TOML) lists the level, the conditions and a design:
//! ```toml
//! level = "keydoor"
//! conditions = ["original", "masked-semantics", "reverse-semantics"]
//! design = "latin-square"   # or "balanced"
//! seed = 2018
//! ```
//! `latin-square`: the conditions are first put in a seeded order; participant n (the number in
//! the participant id) in session s plays condition `(n - 1 + s - 1) mod k` of that order, so
//! over any k consecutive participants each condition appears once per session (a cyclic Latin
//! square; with one play per subject, as in the paper, this is a balanced rotation).
//! `balanced`: participants are taken in blocks of k; each block gets its own seeded random
//! permutation, so counts stay equal after every block and the order is not predictable.
//! The function is pure: the same file, participant and session always give the same condition.

use crate::meta::AssignmentRecord;
use anyhow::{Context, Result, bail};
use priors_core::rng::SplitMix64;
use serde::Deserialize;

/// An experiment file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Level name or path.
    pub level: String,
    /// Condition names or paths (at least one).
    pub conditions: Vec<String>,
    /// `latin-square` or `balanced`.
    pub design: Design,
    /// Seed of the condition order.
    #[serde(default)]
    pub seed: u64,
    /// Optional consent text (a consent screen is shown when present).
    #[serde(default)]
    pub consent_text: Option<String>,
    /// Optional instruction text (default: the paper's instruction).
    #[serde(default)]
    pub instructions: Option<String>,
    /// Optional time limit, s (default 1800).
    #[serde(default)]
    pub time_limit_s: Option<u32>,
    /// A study's agent sweep (`priors sweep`); not used by the lab, accepted so that one study
    /// file serves both.
    #[serde(default)]
    pub agents: Option<toml::Value>,
    /// A study's cluster resources (`priors sweep`); not used by the lab.
    #[serde(default)]
    pub resources: Option<toml::Value>,
}

/// Counterbalancing design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// Cyclic Latin square over a seeded order.
    LatinSquare,
    /// Seeded random permutation per block of k participants.
    Balanced,
}

/// Parses an experiment file's text.
pub fn parse_experiment(text: &str, file: &str) -> Result<Experiment> {
    let e: Experiment =
        toml::from_str(text).with_context(|| format!("{file}: bad experiment file"))?;
    if e.conditions.is_empty() {
        bail!("{file}: conditions is empty");
    }
    Ok(e)
}

/// The number in a participant id (`P017` -> 17); ids without digits are refused.
pub fn participant_number(id: &str) -> Result<u32> {
    let digits: String = id.chars().filter(|c| c.is_ascii_digit()).collect();
    let n: u32 = digits
        .parse()
        .with_context(|| format!("participant id {id:?} has no number to assign a condition by"))?;
    if n == 0 {
        bail!("participant id {id:?}: numbers start at 1");
    }
    Ok(n)
}

fn shuffled(items: &[String], seed: u64) -> Vec<String> {
    let mut v = items.to_vec();
    let mut rng = SplitMix64::new(seed);
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

/// The condition (index into `e.conditions`' names) for participant `n` in session `s` (both from 1),
/// with the record logged in session.json.
pub fn assign(
    e: &Experiment,
    n: u32,
    s: u32,
    file: &str,
    sha256: &str,
) -> (String, AssignmentRecord) {
    let k = e.conditions.len() as u32;
    let (order, index) = match e.design {
        Design::LatinSquare => (
            shuffled(&e.conditions, e.seed),
            (n - 1 + s.saturating_sub(1)) % k,
        ),
        Design::Balanced => {
            let block = (n - 1) / k;
            let seed = e.seed ^ (block as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (
                shuffled(&e.conditions, seed),
                ((n - 1) % k + s.saturating_sub(1)) % k,
            )
        }
    };
    let record = AssignmentRecord {
        experiment_file: file.into(),
        experiment_sha256: sha256.into(),
        design: match e.design {
            Design::LatinSquare => "latin-square".into(),
            Design::Balanced => "balanced".into(),
        },
        seed: e.seed,
        participant_number: n,
        order: order.clone(),
    };
    (order[index as usize].clone(), record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(design: &str) -> Experiment {
        parse_experiment(
            &format!("level = \"princess\"\nconditions = [\"a\", \"b\", \"c\", \"d\"]\ndesign = \"{design}\"\nseed = 7\n"),
            "e.toml",
        )
        .unwrap()
    }

    #[test]
    fn assignment_is_balanced_over_participants() {
        for design in ["latin-square", "balanced"] {
            let e = exp(design);
            for s in 1..=2 {
                let mut counts = std::collections::BTreeMap::new();
                for n in 1..=40 {
                    let (c, rec) = assign(&e, n, s, "e.toml", "x");
                    assert_eq!(rec.participant_number, n);
                    *counts.entry(c).or_insert(0) += 1;
                }
                assert_eq!(counts.len(), 4, "{design}: {counts:?}");
                assert!(counts.values().all(|&v| v == 10), "{design}: {counts:?}");
            }
            assert_eq!(
                assign(&e, 5, 1, "e.toml", "x").0,
                assign(&e, 5, 1, "e.toml", "x").0
            );
        }
        // A Latin square: one participant sees every condition once over k sessions.
        let e = exp("latin-square");
        let seen: std::collections::BTreeSet<String> =
            (1..=4).map(|s| assign(&e, 3, s, "e", "x").0).collect();
        assert_eq!(seen.len(), 4);
        assert_eq!(participant_number("P017").unwrap(), 17);
        assert!(participant_number("PX").is_err());
    }
}
