//! Study and experiment files, and the one counterbalancing rule used by the lab
//! (`priors session --experiment`) and by the sweep (`priors sweep --participants`).
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
//! [`assign_condition`] is pure: the same file, participant and session always give the same
//! condition. Experiment files and study files are one format, [`StudyFile`]: the lab reads
//! its human part ([`parse_experiment`]), the sweep its `[agents]` part (the `priors` binary's
//! `sweep::study::Study`).

use crate::error::RecordError;
use crate::session::AssignmentRecord;
use priors_core::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Counterbalancing design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// Cyclic Latin square over a seeded order.
    LatinSquare,
    /// Seeded random permutation per block of k participants.
    Balanced,
}

impl Design {
    /// The kebab-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Design::LatinSquare => "latin-square",
            Design::Balanced => "balanced",
        }
    }
}

/// Which learner acts (a study's `algos`, a run's config.toml; the agent's `Algo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algo {
    /// Proximal policy optimisation (Schulman et al. 2017), CleanRL style.
    Ppo,
    /// Uniformly random actions (baseline; no network, no learning).
    Random,
    /// The agent with priors (issue 16, `agents/priors`): no network; a study's jobs of it vary
    /// the lesions instead of presets and bonuses.
    Priors,
}

impl Algo {
    /// Lower-case name (run folder names, CSV).
    pub fn name(self) -> &'static str {
        match self {
            Algo::Ppo => "ppo",
            Algo::Random => "random",
            Algo::Priors => "priors",
        }
    }
}

/// The exploration bonus, kept as a separate intrinsic reward stream (a study's `bonuses`, a
/// run's config.toml; the agent's `Bonus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bonus {
    /// No bonus: extrinsic reward only (baseline).
    None,
    /// Count-based with SimHash (Tang et al. 2017): `beta / sqrt(n(hash(obs)))`.
    Count,
    /// Intrinsic curiosity module (Pathak et al. 2017): forward-model error in feature space;
    /// the paper's agent.
    Icm,
    /// Random network distillation (Burda et al. 2018): error predicting a fixed random network.
    Rnd,
}

impl Bonus {
    /// Lower-case name (run folder names, CSV).
    pub fn name(self) -> &'static str {
        match self {
            Bonus::None => "none",
            Bonus::Count => "count",
            Bonus::Icm => "icm",
            Bonus::Rnd => "rnd",
        }
    }
}

/// Compute device (a study's `device`, a run's config.toml; the agent's `DeviceKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// CPU (reproducible with a fixed seed and one torch thread).
    #[default]
    Cpu,
    /// The first CUDA GPU.
    Cuda,
}

impl Device {
    /// Lower-case name (the `--device` value).
    pub fn name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
        }
    }
}

/// A study file: the human sessions at the top level (what the lab's
/// `priors session --experiment` reads) and, for `priors sweep`, the `[agents]` sweep and its
/// `[resources]`, whose types the reader chooses: the lab keeps them as raw TOML (it does not
/// use them), the sweep reads them typed (the `priors` binary's `sweep::study`). One struct, so the lab and
/// the sweep can never read the same file two ways; unknown keys are refused by both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound(
    deserialize = "A: serde::de::DeserializeOwned, R: serde::de::DeserializeOwned",
    serialize = "A: Serialize, R: Serialize"
))]
pub struct StudyFile<A = toml::Value, R = toml::Value> {
    /// Human sessions: the level (name or path).
    #[serde(default)]
    pub level: Option<String>,
    /// Human sessions: the conditions (names or paths).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Human sessions: `latin-square` or `balanced`.
    #[serde(default)]
    pub design: Option<Design>,
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
    /// Keys added to (or re-mapped over) every condition's key map, e.g. `[keys]` with
    /// `space = ["jump"]`; by default only the four arrows move the player, as in the paper.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<priors_core::condition::Key, Vec<priors_core::Button>>,
    /// Online sessions (`priors serve`), if any: completion code, redirect, connection check.
    #[serde(default)]
    pub web: Option<WebSettings>,
    /// The agent sweep (`priors sweep`), if any.
    #[serde(default)]
    pub agents: Option<A>,
    /// Cluster and local resources of the sweep's jobs (`priors sweep`), if given.
    #[serde(default)]
    pub resources: Option<R>,
}

/// The `[web]` table of a study file: how `priors serve` runs the study online. Every field is
/// optional; a file without the table serves with the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Completion code shown (and put into the redirect) once the session verifies, e.g. the
    /// Prolific study's completion code.
    #[serde(default)]
    pub completion_code: Option<String>,
    /// Where the browser goes once the session verifies; `{code}` is replaced by the
    /// completion code (Prolific: `https://app.prolific.com/submissions/complete?cc={code}`).
    #[serde(default)]
    pub completion_url: Option<String>,
    /// The connection check before consent refuses a browser whose median round trip exceeds
    /// this, ms (default 250: beyond it, a key's effect arrives more than 7 ticks late).
    #[serde(default)]
    pub max_latency_ms: Option<f64>,
    /// Sessions one recruited person (Prolific PID, MTurk worker id) may play (default 1).
    #[serde(default)]
    pub sessions_per_participant: Option<u32>,
}

/// An experiment file: a study file with human sessions, as the lab reads it (the level and the
/// design are present and there is at least one condition).
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// Level name or path.
    pub level: String,
    /// The counterbalancing design.
    pub design: Design,
    /// The whole file (conditions, seed, texts, time limit, keys).
    pub file: StudyFile,
}

/// The 1-based line of a TOML error's span in `text` (0 when unknown).
pub fn toml_line(text: &str, e: &toml::de::Error) -> u64 {
    e.span().map_or(0, |s| {
        text[..s.start.min(text.len())].matches('\n').count() as u64 + 1
    })
}

/// Parses a study file's text (`file` names it in errors, with the line).
pub fn parse_study_file<A, R>(text: &str, file: &str) -> Result<StudyFile<A, R>, RecordError>
where
    A: serde::de::DeserializeOwned,
    R: serde::de::DeserializeOwned,
{
    toml::from_str(text).map_err(|e| {
        RecordError::malformed(
            Path::new(file),
            toml_line(text, &e),
            format!("bad study file: {}", e.message()),
        )
    })
}

/// Parses an experiment file's text (`file` names it in errors).
pub fn parse_experiment(text: &str, file: &str) -> Result<Experiment, RecordError> {
    let path = Path::new(file);
    let f: StudyFile = parse_study_file(text, file)?;
    let missing = |what: &str| {
        RecordError::malformed(
            path,
            0,
            format!("an experiment file needs `{what}` (human sessions)"),
        )
    };
    let level = f.level.clone().ok_or_else(|| missing("level"))?;
    let design = f.design.ok_or_else(|| missing("design"))?;
    if f.conditions.is_empty() {
        return Err(RecordError::malformed(path, 0, "conditions is empty"));
    }
    Ok(Experiment {
        level,
        design,
        file: f,
    })
}

/// The number in a participant id (`P017` -> 17); ids without digits are refused.
pub fn participant_number(id: &str) -> Result<u32, RecordError> {
    let digits: String = id.chars().filter(|c| c.is_ascii_digit()).collect();
    let n: u32 = digits.parse().map_err(|_| RecordError::Refused {
        message: format!("participant id {id:?} has no number to assign a condition by"),
    })?;
    if n == 0 {
        return Err(RecordError::Refused {
            message: format!("participant id {id:?}: numbers start at 1"),
        });
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

/// The one counterbalancing rule: the condition of participant `n` in session `s` (both from
/// 1; 0 is read as 1) and the seeded order it was taken from. `None` without conditions.
pub fn assign_condition(
    conditions: &[String],
    design: Design,
    seed: u64,
    n: u32,
    s: u32,
) -> Option<(String, Vec<String>)> {
    let k = conditions.len() as u32;
    if k == 0 {
        return None;
    }
    // In u64: participant and session numbers come from ids (up to u32::MAX each), and their
    // sum must not overflow (found by fuzzing, issue 10).
    let (n, s, k) = (n.max(1) as u64, s.max(1) as u64, k as u64);
    let (order, index) = match design {
        Design::LatinSquare => (shuffled(conditions, seed), (n - 1 + s - 1) % k),
        Design::Balanced => {
            let block = (n - 1) / k;
            let seed = seed ^ block.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (shuffled(conditions, seed), ((n - 1) % k + s - 1) % k)
        }
    };
    Some((order[index as usize].clone(), order))
}

/// The condition for participant `n` in session `s` under an experiment file, with the record
/// logged in session.json.
pub fn assign(
    e: &Experiment,
    n: u32,
    s: u32,
    file: &str,
    sha256: &str,
) -> Result<(String, AssignmentRecord), RecordError> {
    let (condition, order) = assign_condition(&e.file.conditions, e.design, e.file.seed, n, s)
        .ok_or_else(|| RecordError::malformed(Path::new(file), 0, "conditions is empty"))?;
    let record = AssignmentRecord {
        experiment_file: file.into(),
        experiment_sha256: sha256.into(),
        design: e.design.name().into(),
        seed: e.file.seed,
        participant_number: n,
        order,
    };
    Ok((condition, record))
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
    fn an_experiment_may_add_keys_explicitly() {
        let text = "level = \"princess\"\nconditions = [\"original\"]\ndesign = \"latin-square\"\n[keys]\nspace = [\"jump\"]\n";
        let e = parse_experiment(text, "exp.toml").unwrap();
        assert_eq!(
            e.file.keys.get(&priors_core::condition::Key::Space),
            Some(&vec![priors_core::Button::Jump])
        );
        let bad = text.replace("space = [\"jump\"]", "space = [\"fly\"]");
        assert!(parse_experiment(&bad, "exp.toml").is_err());
        let none = parse_experiment(
            &text.replace("[keys]\nspace = [\"jump\"]\n", ""),
            "exp.toml",
        )
        .unwrap();
        assert!(none.file.keys.is_empty(), "no extra keys by default");
    }

    #[test]
    fn assignment_is_balanced_over_participants() {
        for design in ["latin-square", "balanced"] {
            let e = exp(design);
            for s in 1..=2 {
                let mut counts = std::collections::BTreeMap::new();
                for n in 1..=40 {
                    let (c, rec) = assign(&e, n, s, "e.toml", "x").unwrap();
                    assert_eq!(rec.participant_number, n);
                    *counts.entry(c).or_insert(0) += 1;
                }
                assert_eq!(counts.len(), 4, "{design}: {counts:?}");
                assert!(counts.values().all(|&v| v == 10), "{design}: {counts:?}");
            }
        }
        // A Latin square: one participant sees every condition once over k sessions.
        let e = exp("latin-square");
        let seen: std::collections::BTreeSet<String> = (1..=4)
            .map(|s| assign(&e, 3, s, "e", "x").unwrap().0)
            .collect();
        assert_eq!(seen.len(), 4);
        assert_eq!(participant_number("P017").unwrap(), 17);
        assert!(participant_number("PX").is_err());
    }

    #[test]
    fn the_largest_participant_and_session_numbers_assign() {
        for design in ["latin-square", "balanced"] {
            let e = exp(design);
            let (c, _) = assign(&e, u32::MAX, u32::MAX, "e", "x").unwrap();
            assert!(e.file.conditions.contains(&c));
        }
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_experiment(
            "level = \"x\"\nconditions = [\"a\"]\ndesign = \"nope\"\n",
            "s.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("s.toml:3:"), "{e}");
        let e = parse_experiment("conditions = [\"a\"]\ndesign = \"balanced\"\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.toml") && e.contains("`level`"), "{e}");
    }
}
