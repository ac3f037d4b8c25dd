//! Study (experiment) files as the sweep reads them: typed TOML, unknown keys rejected. A study
//! declares human sessions (level, conditions, counterbalancing) and/or an agent sweep (levels x
//! conditions x algos x presets x bonuses x seeds, with a budget and an action set) and the
//! resources a job needs on a cluster.
//!
//! The file is one struct, `priors_records::study::StudyFile`: the human keys at the top level
//! (`level`, `conditions`, `design`, `seed`, `consent_text`, `instructions`, `time_limit_s`,
//! `[keys]`) are what the lab's `priors session --experiment` reads, so a humans-only study
//! file is also a lab experiment file; this module types its `[agents]` and `[resources]`.
//! [`Study::assign`] is the one rule of `priors_records::study::assign_condition`, which the lab
//! uses too; a test pins its output.
//!
//! Agent jobs are numbered in a fixed order (levels, conditions, algos, presets, bonuses, seeds,
//! outer to inner); job `i` always has the same results folder, which is what makes a sweep
//! resumable and a Slurm array task index meaningful.

use anyhow::{Context, Result, bail};
use priors_core::ActionSet;
use priors_records::study::{Algo, Bonus, Device, StudyFile};
use priors_records::train::Preset;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The agent sweep of a study (`[agents]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSweep {
    /// Levels (shipped names or paths).
    pub levels: Vec<String>,
    /// Conditions (shipped names or paths).
    pub conditions: Vec<String>,
    /// Learners.
    pub algos: Vec<Algo>,
    /// Training presets (`priors train --preset`): `ppo` (the modern learner) or `paper` (the
    /// paper's A3C + ICM); one job per preset (default `["ppo"]`).
    #[serde(default = "d_presets")]
    pub presets: Vec<Preset>,
    /// Exploration bonuses (PPO and random jobs; a study of the agent with priors alone needs
    /// none).
    #[serde(default)]
    pub bonuses: Vec<Bonus>,
    /// The agent with priors' switches, one job each (`priors train --lesion`): `none` or a
    /// `,`/`+`-joined list of semantics, similarity, objects, affordances, physics. Only with
    /// `algos` holding `priors`, whose jobs vary these instead of presets and bonuses (default
    /// `["none"]`).
    #[serde(default)]
    pub lesions: Vec<String>,
    /// The action set (`priors train --actions`): `six` (the released game's, the paper's
    /// agent's), `effective` (18) or `all` (32). Default: the preset's own (six for `paper`,
    /// effective for `ppo`); shipped studies always say it.
    #[serde(default)]
    pub actions: Option<ActionSet>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Env steps budget per job (summed over parallel envs).
    pub max_steps: u64,
    /// Parallel environments per job (default: the preset's).
    #[serde(default)]
    pub num_envs: Option<usize>,
    /// Compute device.
    #[serde(default)]
    pub device: Device,
    /// Results tree, relative to the study file's folder (default `../../runs/<study name>`,
    /// the repository's gitignored `runs/`).
    #[serde(default)]
    pub results: Option<String>,
    /// Extra arguments passed verbatim to every `priors train` call; flags the study types
    /// (`--preset`, `--actions`, `--threads`, ...) are refused here, so the typed keys are the
    /// only place that says what runs.
    #[serde(default)]
    pub train_args: Vec<String>,
}

fn d_presets() -> Vec<Preset> {
    vec![Preset::Ppo]
}

/// Resources of one job (local parallelism and the Slurm request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Jobs run at once by a local `priors sweep`.
    #[serde(default = "d_parallel")]
    pub max_parallel: usize,
    /// CPU cores per job (`--cpus-per-task`), and the job's torch threads (`priors train
    /// --threads`).
    #[serde(default = "d_cpus")]
    pub cpus_per_task: u32,
    /// Memory per job, GiB (`--mem`).
    #[serde(default = "d_mem")]
    pub mem_gb: u32,
    /// Wall-time limit per job, `HH:MM:SS` (`--time`).
    #[serde(default = "d_time")]
    pub time_limit: String,
    /// GPUs per job (`--gres=gpu:N`), 0 for none.
    #[serde(default)]
    pub gpus_per_task: u32,
    /// Slurm partition (default: the cluster's default).
    #[serde(default)]
    pub partition: Option<String>,
    /// Array tasks running at once on the cluster (`--array=0-N%K`; default: no limit).
    #[serde(default)]
    pub max_concurrent_tasks: Option<u32>,
}

fn d_parallel() -> usize {
    1
}
fn d_cpus() -> u32 {
    2
}
fn d_mem() -> u32 {
    8
}
fn d_time() -> String {
    "24:00:00".into()
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            max_parallel: d_parallel(),
            cpus_per_task: d_cpus(),
            mem_gb: d_mem(),
            time_limit: d_time(),
            gpus_per_task: 0,
            partition: None,
            max_concurrent_tasks: None,
        }
    }
}

/// `priors train` flags that a study's typed keys set, with the key to use instead; a
/// `train_args` entry naming one is refused.
const TYPED_FLAGS: [(&str, &str); 15] = [
    ("--level", "levels"),
    ("--lesion", "lesions"),
    ("--condition", "conditions"),
    ("--algo", "algos"),
    ("--preset", "presets"),
    ("--bonus", "bonuses"),
    ("--seed", "seeds"),
    ("--max-steps", "max_steps"),
    ("--num-envs", "num_envs"),
    ("--device", "device"),
    ("--actions", "actions"),
    ("--threads", "[resources] cpus_per_task"),
    ("--out", "results (or priors sweep --results)"),
    ("--resume", "nothing: the sweep resumes by itself"),
    ("--quiet", "nothing: jobs are always quiet"),
];

/// A study file as the sweep reads it: the records crate's one study-file struct
/// ([`StudyFile`], also read by the lab) with a typed `[agents]` sweep and `[resources]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Study(pub StudyFile<AgentSweep, Resources>);

impl std::ops::Deref for Study {
    type Target = StudyFile<AgentSweep, Resources>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// One agent job of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Index in the sweep (the Slurm array task id).
    pub index: usize,
    /// Level.
    pub level: String,
    /// Condition.
    pub condition: String,
    /// Learner.
    pub algo: Algo,
    /// Training preset.
    pub preset: Preset,
    /// Bonus.
    pub bonus: Bonus,
    /// The agent with priors' lesion label (`none`, `semantics+physics`, ...; its jobs only).
    pub lesion: Option<String>,
    /// Seed.
    pub seed: u64,
}

impl Job {
    /// The learner as folder names say it: the preset for PPO (`ppo`, `paper`), as `priors
    /// train` names its run folders, else the algorithm (`random`).
    pub fn learner(&self) -> &'static str {
        match self.algo {
            Algo::Ppo => self.preset.name(),
            Algo::Random | Algo::Priors => self.algo.name(),
        }
    }

    /// What follows the learner in folder names: the bonus, or the lesion of the agent with
    /// priors (as `priors train --algo priors` names its run folders).
    pub fn variant(&self) -> &str {
        self.lesion.as_deref().unwrap_or(self.bonus.name())
    }

    /// The job's folder name in the results tree.
    pub fn dir_name(&self) -> String {
        priors_records::run::job_dir_name(
            &self.level,
            &self.condition,
            self.learner(),
            self.variant(),
            self.seed,
        )
    }
}

impl Study {
    /// Reads and validates a study file (levels and conditions must load from the catalog).
    pub fn load(path: &Path) -> Result<Study> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let s = Study(priors_records::study::parse_study_file(
            &text,
            &path.display().to_string(),
        )?);
        if let Err(m) = s.validate() {
            bail!("{}: {m}", path.display());
        }
        Ok(s)
    }

    /// The job resources (the defaults when the file has no `[resources]`).
    pub fn resources(&self) -> Resources {
        self.0.resources.clone().unwrap_or_default()
    }

    fn validate(&self) -> Result<(), String> {
        let check_level = |l: &str| {
            priors_catalog::load_level(l)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let check_cond = |c: &str| {
            priors_catalog::load_condition(c)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        if self.level.is_none() && self.agents.is_none() {
            return Err(
                "declares neither human sessions (`level`, `conditions`, `design`) nor `[agents]`"
                    .into(),
            );
        }
        if let Some(l) = &self.level {
            if self.conditions.is_empty() || self.design.is_none() {
                return Err("human sessions need `conditions` (non-empty) and `design`".into());
            }
            check_level(l)?;
            for c in &self.conditions {
                check_cond(c)?;
            }
        }
        if let Some(a) = &self.agents {
            let learns = a.algos.iter().any(|&x| x != Algo::Priors);
            if a.levels.is_empty()
                || a.conditions.is_empty()
                || a.algos.is_empty()
                || a.presets.is_empty()
                || (learns && a.bonuses.is_empty())
                || a.seeds.is_empty()
            {
                return Err(
                    "[agents] needs non-empty levels, conditions, algos, presets, bonuses (unless the only learner is `priors`) and seeds"
                        .into(),
                );
            }
            if a.max_steps == 0 {
                return Err("[agents] max_steps must be positive".into());
            }
            if !a.lesions.is_empty() && !a.algos.contains(&Algo::Priors) {
                return Err("[agents] `lesions` are for the `priors` learner only".into());
            }
            for l in &a.lesions {
                l.parse::<priors_priors_agent::Lesion>()
                    .map_err(|e| format!("[agents] lesions: {e}"))?;
            }
            if a.algos.contains(&Algo::Random) && a.presets.len() > 1 {
                // A random learner ignores the preset: its jobs would share folders.
                return Err("[agents] `random` ignores the preset: give one preset".into());
            }
            for arg in &a.train_args {
                if let Some((flag, key)) = TYPED_FLAGS
                    .iter()
                    .find(|(f, _)| arg == f || arg.starts_with(&format!("{f}=")))
                {
                    return Err(format!(
                        "[agents] train_args: `{flag}` is set by the study, use {key}"
                    ));
                }
            }
            for l in &a.levels {
                check_level(l)?;
            }
            for c in &a.conditions {
                check_cond(c)?;
            }
        }
        if self.resources().max_parallel == 0 {
            return Err("[resources] max_parallel must be at least 1".into());
        }
        if self.resources().cpus_per_task == 0 {
            return Err("[resources] cpus_per_task must be at least 1".into());
        }
        Ok(())
    }

    /// The agent jobs, in their fixed order.
    pub fn jobs(&self) -> Vec<Job> {
        let Some(a) = &self.agents else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for l in &a.levels {
            for c in &a.conditions {
                for &algo in &a.algos {
                    // (preset, bonus, lesion) variants: the agent with priors has no preset or
                    // bonus (its jobs carry `ppo` and `none`, unused), only lesions.
                    let variants: Vec<(Preset, Bonus, Option<String>)> = if algo == Algo::Priors {
                        let lesions = if a.lesions.is_empty() {
                            vec!["none".to_string()]
                        } else {
                            a.lesions.clone()
                        };
                        lesions
                            .iter()
                            .map(|l| {
                                let label = l
                                    .parse::<priors_priors_agent::Lesion>()
                                    .map_or_else(|_| l.clone(), |x| x.label());
                                (Preset::Ppo, Bonus::None, Some(label))
                            })
                            .collect()
                    } else {
                        a.presets
                            .iter()
                            .flat_map(|&p| a.bonuses.iter().map(move |&b| (p, b, None)))
                            .collect()
                    };
                    for (preset, bonus, lesion) in variants {
                        for &seed in &a.seeds {
                            out.push(Job {
                                index: out.len(),
                                level: l.clone(),
                                condition: c.clone(),
                                algo,
                                preset,
                                bonus,
                                lesion: lesion.clone(),
                                seed,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// One line on what the sweep trains: learners, action set, budget, threads.
    pub fn describe_agents(&self) -> String {
        let Some(a) = &self.agents else {
            return "no agent jobs".into();
        };
        let names = |v: Vec<&str>| v.join(", ");
        format!(
            "{} jobs: algos {}, presets {}, bonuses {}{}, actions {}, {} env steps each, {} torch threads each",
            self.jobs().len(),
            names(a.algos.iter().map(|x| x.name()).collect()),
            names(a.presets.iter().map(|x| x.name()).collect()),
            names(a.bonuses.iter().map(|x| x.name()).collect()),
            // Said only when the agent with priors runs (its jobs vary these).
            match (a.algos.contains(&Algo::Priors), a.lesions.is_empty()) {
                (false, _) => String::new(),
                (true, true) => ", lesions none".to_string(),
                (true, false) => format!(", lesions {}", a.lesions.join(", ")),
            },
            a.actions.map_or("the preset's", |x| x.name()),
            a.max_steps,
            self.resources().cpus_per_task,
        )
    }

    /// The results tree of the sweep (absolute when `study_path` is).
    pub fn results_dir(&self, study_path: &Path) -> PathBuf {
        let base = study_path.parent().unwrap_or(Path::new("."));
        let name = study_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("study");
        match self.agents.as_ref().and_then(|a| a.results.as_deref()) {
            Some(r) => base.join(r),
            None => base.join("../../runs").join(name),
        }
    }

    /// The condition of participant `n` in session `s` (both from 1) under the study's design,
    /// with the seeded order used (`priors_records::study::assign_condition`).
    pub fn assign(&self, n: u32, s: u32) -> Option<(String, Vec<String>)> {
        if n == 0 {
            return None;
        }
        priors_records::study::assign_condition(&self.conditions, self.design?, self.seed, n, s)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes `text` to a fresh study file and loads it.
    pub(crate) fn study(text: &str) -> Result<Study> {
        let d = std::env::temp_dir().join(format!(
            "priors-study-{}-{:x}",
            std::process::id(),
            text.bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        ));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("s.toml");
        std::fs::write(&p, text).unwrap();
        Study::load(&p)
    }

    /// The agent with priors in a study: its jobs vary lesions (not presets or bonuses), are
    /// named as `priors train --algo priors` names its runs, and train without a preset.
    #[test]
    fn priors_jobs_vary_the_lesions() {
        let s = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\", \"masked-semantics\"]\nalgos = [\"priors\"]\nlesions = [\"none\", \"semantics\", \"physics,similarity\"]\nseeds = [1, 2]\nmax_steps = 1000\n").unwrap();
        let jobs = s.jobs();
        assert_eq!(jobs.len(), 2 * 3 * 2);
        let names: Vec<String> = jobs.iter().map(|j| j.dir_name()).collect();
        assert_eq!(names[0], "princess__original__priors-none__seed1");
        assert_eq!(names[2], "princess__original__priors-semantics__seed1");
        // A label as `Lesion::label` writes it (the run folder's name), whatever the list order.
        assert_eq!(
            names[4],
            "princess__original__priors-similarity+physics__seed1"
        );
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "job folders collide: {names:?}");
        let args = crate::sweep::train_flags::train_args(&s, &jobs[4], Path::new("/r"), None);
        let at = |f: &str| {
            args.iter()
                .position(|a| a == f)
                .map(|i| args[i + 1].clone())
        };
        assert_eq!(at("--algo").as_deref(), Some("priors"));
        assert_eq!(at("--lesion").as_deref(), Some("similarity,physics"));
        assert!(
            at("--preset").is_none() && at("--bonus").is_none(),
            "{args:?}"
        );
        assert!(
            s.describe_agents()
                .contains("lesions none, semantics, physics,similarity")
        );
        // Lesions belong to the priors learner, and must name priors the agent has.
        let e = study(&format!("{AGENTS}lesions = [\"semantics\"]\n")).unwrap_err();
        assert!(format!("{e:#}").contains("`priors` learner only"), "{e:#}");
        let e = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\"]\nalgos = [\"priors\"]\nlesions = [\"telepathy\"]\nseeds = [1]\nmax_steps = 10\n").unwrap_err();
        assert!(format!("{e:#}").contains("telepathy"), "{e:#}");
    }

    const AGENTS: &str = "[agents]\nlevels = [\"princess\"]\nconditions = [\"original\", \"masked-semantics\"]\nalgos = [\"ppo\"]\nbonuses = [\"count\", \"icm\"]\nseeds = [1, 2]\nmax_steps = 1000\n";

    #[test]
    fn unknown_keys_and_bad_names_are_rejected() {
        let e = study("level = \"keydoor\"\nconditions = [\"original\"]\ndesign = \"latin-square\"\ncolour = 1\n").unwrap_err().to_string();
        assert!(e.contains("colour") && e.contains("s.toml:4"), "{e}");
        let e = study("level = \"keydoor\"\nconditions = [\"nope\"]\ndesign = \"latin-square\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
        let e = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\"]\nalgos = [\"ppo\"]\nbonuses = [\"curiosity\"]\nseeds = [1]\nmax_steps = 10\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("curiosity"), "{e}");
        let e = study(&format!("{AGENTS}presets = [\"a3c\"]\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a3c"), "{e}");
        let e = study(&format!("{AGENTS}actions = \"seven\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("seven"), "{e}");
    }

    #[test]
    fn train_args_cannot_override_typed_keys() {
        for (arg, key) in [
            ("\"--preset\", \"paper\"", "presets"),
            ("\"--actions=six\"", "actions"),
            ("\"--threads\", \"4\"", "cpus_per_task"),
            ("\"--seed\", \"9\"", "seeds"),
        ] {
            let e = study(&format!("{AGENTS}train_args = [{arg}]\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("train_args") && e.contains(key), "{arg}: {e}");
        }
        // Flags the study does not type pass through.
        let s = study(&format!(
            "{AGENTS}train_args = [\"--obs-filter\", \"nearest\"]\n"
        ))
        .unwrap();
        assert_eq!(s.agents.as_ref().unwrap().train_args.len(), 2);
        let e = study(&format!(
            "{}presets = [\"ppo\", \"paper\"]\n",
            AGENTS.replace("[\"ppo\"]", "[\"random\"]")
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("one preset"), "{e}");
    }

    #[test]
    fn jobs_are_numbered_in_a_fixed_order() {
        let s = study(AGENTS).unwrap();
        let j = s.jobs();
        assert_eq!(j.len(), 8);
        assert_eq!(j[0].dir_name(), "princess__original__ppo-count__seed1");
        assert_eq!(j[3].dir_name(), "princess__original__ppo-icm__seed2");
        assert_eq!(
            j[7].dir_name(),
            "princess__masked-semantics__ppo-icm__seed2"
        );
        // Presets sit between algos and bonuses; the paper preset names its folders `paper-*`
        // as `priors train` names its run folders.
        let s = study(&format!("{AGENTS}presets = [\"ppo\", \"paper\"]\n")).unwrap();
        let j = s.jobs();
        assert_eq!(j.len(), 16);
        assert_eq!(j[3].dir_name(), "princess__original__ppo-icm__seed2");
        assert_eq!(j[4].dir_name(), "princess__original__paper-count__seed1");
        assert_eq!(
            j[15].dir_name(),
            "princess__masked-semantics__paper-icm__seed2"
        );
    }

    #[test]
    fn latin_square_assignment_is_balanced_and_pinned() {
        let text = "level = \"keydoor\"\nconditions = [\"original\", \"masked-semantics\", \"reverse-semantics\", \"hard\"]\ndesign = \"latin-square\"\nseed = 7\n";
        let s = study(text).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for n in 1..=40 {
            *counts.entry(s.assign(n, 1).unwrap().0).or_insert(0) += 1;
        }
        assert!(
            counts.len() == 4 && counts.values().all(|&v| v == 10),
            "{counts:?}"
        );
        // One participant over k sessions sees every condition once.
        let seen: std::collections::BTreeSet<String> =
            (1..=4).map(|ses| s.assign(3, ses).unwrap().0).collect();
        assert_eq!(seen.len(), 4);
        // The lab reads the same file as an experiment file and must assign the same.
        let e = priors_records::study::parse_experiment(text, "s.toml").unwrap();
        let (_, order) = s.assign(1, 1).unwrap();
        for n in 1..=8 {
            let lab = priors_records::study::assign(&e, n, 1, "s.toml", "x").unwrap();
            assert_eq!(Some((lab.0, lab.1.order)), s.assign(n, 1));
        }
        assert_eq!(s.assign(1, 1).unwrap().0, order[0]);
        assert_eq!(s.assign(2, 1).unwrap().0, order[1]);
    }

    /// Every shipped study says what it runs: the paper's agent studies run the `paper` preset
    /// on the six actions, the PPO + count studies the `ppo` preset with the count bonus; each
    /// study names its action set.
    #[test]
    fn shipped_studies_run_what_their_names_say() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies");
        let mut seen = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let s = Study::load(&path).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            let Some(a) = &s.agents else {
                continue;
            };
            seen += 1;
            assert!(a.actions.is_some(), "{name} does not name its action set");
            let paper_agent = name.starts_with("paper-agent")
                || name.ends_with("-paper")
                || name == "beyond-paper-agent"
                || name == "motivating-example";
            if paper_agent {
                assert_eq!(a.presets, vec![Preset::Paper], "{name}");
                assert_eq!(a.bonuses, vec![Bonus::Icm], "{name}");
                assert_eq!(a.actions, Some(ActionSet::Six), "{name}");
                // The preset's own number of envs, not an override.
                assert_eq!(a.num_envs, None, "{name}");
            } else if name.contains("ppo-count") || name == "fig8-all" {
                assert_eq!(a.presets, vec![Preset::Ppo], "{name}");
                assert_eq!(a.bonuses, vec![Bonus::Count], "{name}");
            } else {
                panic!("{name}: which learner does it run? Add it to this test");
            }
        }
        assert!(seen >= 5, "{seen} agent studies");
    }
}
