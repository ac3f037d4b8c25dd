//! `priors train`: trains the exploration agent (issue 4) on one level under one condition and
//! writes a run folder (see `priors_agent::run` for its files).
//!
//! This module only turns flags into a [`priors_agent::TrainConfig`], loads the level and the
//! condition, builds the environment batch and names the run folder; the algorithm lives in the
//! `priors-agent` crate. `--algo priors` (issue 16, the agent with priors) is handed to
//! `priors_run` (cmd/train/priors_run.rs), which needs no libtorch. Built without the `agent` feature (no libtorch), the command explains how
//! to get it instead of failing at link time.

use anyhow::Result;
use std::path::PathBuf;

pub mod priors_run;

/// Learner.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgoArg {
    /// PPO (CleanRL-style).
    Ppo,
    /// Uniformly random actions (baseline).
    Random,
    /// The agent with priors (issue 16): perceives objects in the frame a subject sees, learns
    /// by contact, plans; plays under the human rules with the condition's key map. No torch.
    /// Stops at first completion unless `--stop-at budget`; see `--lesion`.
    Priors,
}

/// Exploration bonus (an intrinsic reward stream kept apart from the game's reward).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BonusArg {
    /// None (PPO baseline).
    None,
    /// SimHash counts, beta / sqrt(n) (Tang et al. 2017).
    Count,
    /// Intrinsic curiosity module (Pathak et al. 2017), as in the paper.
    Icm,
    /// Random network distillation (Burda et al. 2018).
    Rnd,
}

/// Observation.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObsArg {
    /// The condition's rendered frame, grey, resized (what a subject sees).
    Pixels,
    /// One channel per object kind, no textures (the agent with priors).
    ObjectGrid,
}

/// Action set.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionsArg {
    /// The released game's six actions (`noop left right up down jump`), the paper's agent's.
    #[value(alias = "original-six")]
    Six,
    /// The 18 combinations that differ in effect.
    Effective,
    /// All 32 button sets (only 18 differ in effect).
    All,
}

/// A named set of defaults.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresetArg {
    /// PPO (CleanRL-style) with a separate intrinsic stream; defaults: count bonus, 18 actions.
    Ppo,
    /// The paper's agent with its code's arithmetic: A3C (one Adam step per env rollout segment
    /// of at most 20 steps) with an LSTM(256) policy and ICM, the six actions (see
    /// `TrainConfig::paper` and README).
    Paper,
}

/// When a run stops before its budget.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopAtArg {
    /// Only at the budget.
    Budget,
    /// At first completion.
    First,
    /// At reliable completion.
    Reliable,
}

/// How pixel observations are resized.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObsFilterArg {
    /// Area averaging (a smooth resize, as the paper's pipeline).
    Area,
    /// Nearest-neighbour sampling (fast; aliases fine textures).
    Nearest,
}

/// Network torso.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetArg {
    /// Two convolutions and a linear layer.
    Cnn,
    /// Two linear layers on the flattened observation.
    Mlp,
    /// Pathak et al.'s four 3x3 stride-2 ELU convolutions and a linear layer.
    Universe,
}

/// Device.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceArg {
    /// CPU.
    Cpu,
    /// First CUDA GPU.
    Cuda,
}

/// Arguments of `priors train`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Level name or file.
    #[arg(long, default_value = "princess")]
    pub level: String,
    /// Condition name or file.
    #[arg(long, default_value = "original")]
    pub condition: String,
    /// Learner.
    #[arg(long, value_enum, default_value = "ppo")]
    pub algo: AlgoArg,
    /// Preset: ppo (modern learner) or paper (A3C + ICM as in Dubey et al. / Pathak et al.).
    #[arg(long, value_enum, default_value = "ppo")]
    pub preset: PresetArg,
    /// Exploration bonus (default: count for ppo, icm for paper; ignored by --algo random).
    #[arg(long, value_enum)]
    pub bonus: Option<BonusArg>,
    /// Seed of the run (weights, sampling, minibatch order, hashes).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Budget in environment steps (ticks summed over all environments).
    #[arg(long, default_value_t = 2_000_000)]
    pub max_steps: u64,
    /// Parallel environments (default: 32 for ppo, 20 for paper).
    #[arg(long)]
    pub num_envs: Option<usize>,
    /// Steps per environment per rollout (default: 32 for ppo, 20 for paper).
    #[arg(long)]
    pub num_steps: Option<usize>,
    /// Compute device.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// Torch intra-op threads (1 is fastest on a busy 2-core machine, and reproducible).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Observation kind.
    #[arg(long, value_enum, default_value = "pixels")]
    pub obs: ObsArg,
    /// Observation side in pixels or grid cells (default: 42 for pixels, 32 for the object grid).
    #[arg(long)]
    pub obs_size: Option<u32>,
    /// How pixel observations are resized from the frame.
    #[arg(long, value_enum, default_value = "area")]
    pub obs_filter: ObsFilterArg,
    /// Network torso (default: universe for paper, cnn for pixels, mlp for the object grid).
    #[arg(long, value_enum)]
    pub net: Option<NetArg>,
    /// Action set (default: six for paper, effective for ppo).
    #[arg(long, value_enum)]
    pub actions: Option<ActionsArg>,
    /// Stop when this measure is known: `first` (the first episode that reaches the goal),
    /// `reliable` (>= 90 % success over the last 100 episodes; the default), or only at the
    /// `budget`. A run past its measure spends nothing more; one that never reaches it is
    /// censored at the budget. Given with --resume, it replaces the run's rule.
    #[arg(long, value_enum)]
    pub stop_at: Option<StopAtArg>,
    /// Keep training after reliable completion (the same as --stop-at budget).
    #[arg(long, conflicts_with = "stop_at")]
    pub no_early_stop: bool,
    /// A TOML file of hyperparameters overriding the defaults (any `TrainConfig` field).
    #[arg(long)]
    pub hparams: Option<PathBuf>,
    /// Parent folder of the run folder (named level_condition_learner_sSEED_TIME).
    #[arg(long, default_value = "runs")]
    pub out: PathBuf,
    /// Continue the run in this folder from its last checkpoint (up to --max-steps); other
    /// flags except --max-steps, --device and --threads are taken from its config.toml.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Never print the progress line (it is printed only on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
    /// Priors switched off for --algo priors: `none` or a comma-separated list of semantics,
    /// similarity, objects, affordances, physics (see agents/priors/README.md).
    #[arg(long, default_value = "none")]
    pub lesion: String,
}

/// Runs `priors train`.
pub fn run(args: Args) -> Result<()> {
    // The agent with priors needs no libtorch: it runs with or without the `agent` feature.
    if args.algo == AlgoArg::Priors {
        return priors_run::train(&args);
    }
    imp::run(args)
}

#[cfg(not(feature = "agent"))]
mod imp {
    use super::Args;
    use anyhow::{Result, bail};

    pub fn run(_args: Args) -> Result<()> {
        bail!(NO_AGENT)
    }

    pub const NO_AGENT: &str = "this `priors` was built without the `agent` feature, so it has no libtorch. \
To train: run scripts/setup-torch.sh (creates a virtualenv with torch 2.13.0), then \
`eval \"$(scripts/setup-torch.sh --env)\"` and rebuild with the feature, e.g. \
`cargo build --release -p priors-experiments --no-default-features --features agent` (no lab window).";
}

#[cfg(not(feature = "agent"))]
pub use imp::NO_AGENT;

#[cfg(feature = "agent")]
mod imp {
    use super::*;
    use anyhow::{Context, bail};
    use priors_agent::config::StopAt;
    use priors_agent::env_adapter::PriorsVecEnv;
    use priors_agent::run::{RunConfig, RunMeta, RunOptions};
    use priors_agent::{Algo, Bonus, DeviceKind, NetKind, TrainConfig};

    impl From<StopAtArg> for StopAt {
        fn from(s: StopAtArg) -> StopAt {
            match s {
                StopAtArg::Budget => StopAt::Budget,
                StopAtArg::First => StopAt::First,
                StopAtArg::Reliable => StopAt::Reliable,
            }
        }
    }
    use priors_catalog as catalog;
    use priors_env::{ActionSet, EnvConfig, ObsKind, VecEnv};
    use std::path::Path;

    /// Builds the environment batch a run's metadata describes.
    pub fn make_env(
        meta: &RunMeta,
        num_envs: usize,
        seed: u64,
    ) -> Result<(PriorsVecEnv, priors_core::Level, priors_core::Condition)> {
        let level = catalog::load_level(&meta.level)
            .with_context(|| format!("loading level {}", meta.level))?
            .value;
        let condition = catalog::load_condition(&meta.condition)
            .with_context(|| format!("loading condition {}", meta.condition))?
            .value;
        let obs = match meta.obs.as_str() {
            "pixels_area" => ObsKind::PixelsArea {
                width: meta.obs_width,
                height: meta.obs_height,
            },
            "pixels" => ObsKind::Pixels {
                width: meta.obs_width,
                height: meta.obs_height,
            },
            "object_grid" => ObsKind::ObjectGrid {
                width: meta.obs_width,
                height: meta.obs_height,
            },
            o => bail!("unknown observation kind {o:?} in config.toml"),
        };
        let actions = match meta.action_set.as_str() {
            // `original_six` is the name run folders used before the six became `six`.
            "original_six" => ActionSet::Six,
            a => a
                .parse::<ActionSet>()
                .map_err(|e| anyhow::anyhow!("{e} in config.toml"))?,
        };
        let cfg = EnvConfig {
            level: level.clone(),
            condition: condition.clone(),
            rules: priors_core::Rules::agent(),
            obs,
            actions,
        };
        let env = VecEnv::new(cfg, num_envs, seed).context("building the environments")?;
        Ok((PriorsVecEnv::new(env), level, condition))
    }

    fn stem(name: &str) -> String {
        Path::new(name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(name)
            .to_string()
    }

    /// Applies a TOML file of overrides to a configuration.
    fn apply_hparams(cfg: TrainConfig, path: &Path) -> Result<TrainConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        cfg.with_overrides(&text)
            .with_context(|| format!("applying {}", path.display()))
    }

    pub fn run(args: Args) -> Result<()> {
        let device = match args.device {
            DeviceArg::Cpu => DeviceKind::Cpu,
            DeviceArg::Cuda => DeviceKind::Cuda,
        };
        let (dir, meta, cfg, resume) = match &args.resume {
            Some(dir) => {
                let rc = RunConfig::read(dir)?;
                let mut cfg = rc.train;
                cfg.max_steps = args.max_steps;
                cfg.device = device;
                cfg.torch_threads = args.threads;
                if let Some(s) = args.stop_at {
                    cfg.stop_at = Some(s.into());
                }
                (dir.clone(), rc.run, cfg, true)
            }
            None => {
                let level = catalog::load_level(&args.level)
                    .with_context(|| format!("loading level {}", args.level))?;
                let condition = catalog::load_condition(&args.condition)
                    .with_context(|| format!("loading condition {}", args.condition))?;
                let paper = args.preset == PresetArg::Paper;
                let base = if paper {
                    TrainConfig::paper()
                } else {
                    TrainConfig::default()
                };
                let (obs, side, net) = match (args.obs, args.obs_filter) {
                    (ObsArg::Pixels, ObsFilterArg::Area) => {
                        ("pixels_area", args.obs_size.unwrap_or(42), NetKind::Cnn)
                    }
                    (ObsArg::Pixels, ObsFilterArg::Nearest) => {
                        ("pixels", args.obs_size.unwrap_or(42), NetKind::Cnn)
                    }
                    (ObsArg::ObjectGrid, _) => {
                        ("object_grid", args.obs_size.unwrap_or(32), NetKind::Mlp)
                    }
                };
                let net = match args.net {
                    Some(NetArg::Cnn) => NetKind::Cnn,
                    Some(NetArg::Mlp) => NetKind::Mlp,
                    Some(NetArg::Universe) => NetKind::Universe,
                    None if paper && args.obs == ObsArg::Pixels => NetKind::Universe,
                    None => net,
                };
                let mut cfg = TrainConfig {
                    algo: match args.algo {
                        AlgoArg::Ppo => Algo::Ppo,
                        AlgoArg::Random => Algo::Random,
                        AlgoArg::Priors => bail!("--algo priors is run by priors_run"),
                    },
                    bonus: match args.bonus {
                        Some(BonusArg::None) => Bonus::None,
                        Some(BonusArg::Count) => Bonus::Count,
                        Some(BonusArg::Icm) => Bonus::Icm,
                        Some(BonusArg::Rnd) => Bonus::Rnd,
                        None => base.bonus,
                    },
                    seed: args.seed,
                    max_steps: args.max_steps,
                    num_envs: args.num_envs.unwrap_or(base.num_envs),
                    num_steps: args.num_steps.unwrap_or(base.num_steps),
                    net,
                    device,
                    torch_threads: args.threads,
                    stop_on_reliable: !args.no_early_stop,
                    stop_at: Some(match (args.stop_at, args.no_early_stop) {
                        (Some(s), _) => s.into(),
                        (None, true) => StopAt::Budget,
                        (None, false) => StopAt::Reliable,
                    }),
                    ..base
                };
                if cfg.algo == Algo::Random {
                    cfg.bonus = Bonus::None;
                }
                if let Some(p) = &args.hparams {
                    cfg = apply_hparams(cfg, p)?;
                }
                let (stamp, iso) = crate::clock::now_utc();
                let learner = match cfg.algo {
                    Algo::Random => "random".to_string(),
                    Algo::Ppo => format!("{}-{}", cfg.preset.name(), cfg.bonus.name()),
                    Algo::Priors => bail!("--algo priors is run by priors_run"),
                };
                let name = format!(
                    "{}_{}_{}_s{}_{}",
                    level.value.header.name,
                    stem(&args.condition),
                    learner,
                    cfg.seed,
                    stamp
                );
                let meta = RunMeta {
                    level: args.level.clone(),
                    condition: args.condition.clone(),
                    level_sha256: level.sha256,
                    condition_sha256: condition.sha256,
                    obs: obs.into(),
                    obs_width: side,
                    obs_height: side,
                    action_set: match args.actions {
                        Some(ActionsArg::Six) => "six".into(),
                        Some(ActionsArg::Effective) => "effective".into(),
                        Some(ActionsArg::All) => "all".into(),
                        None if paper => "six".into(),
                        None => "effective".into(),
                    },
                    preset: cfg.preset.name().into(),
                    obs_filter: match (args.obs, args.obs_filter) {
                        (ObsArg::Pixels, ObsFilterArg::Area) => "area".into(),
                        (ObsArg::Pixels, ObsFilterArg::Nearest) => "nearest".into(),
                        (ObsArg::ObjectGrid, _) => "NA".into(),
                    },
                    // What this binary was built from (baked in by build.rs), never the tree now.
                    git_hash: crate::provenance::THIS_BINARY.git_hash(),
                    build_profile: crate::provenance::THIS_BINARY.profile.into(),
                    created_utc: iso,
                };
                (args.out.join(name), meta, cfg, false)
            }
        };
        let (env, _, _) = make_env(&meta, cfg.num_envs, cfg.seed)?;
        let progress = if args.quiet { Some(false) } else { None };
        eprintln!("priors train: run folder {}", dir.display());
        let s = priors_agent::run::train(
            meta,
            cfg,
            env,
            &RunOptions {
                dir: dir.clone(),
                resume,
                progress,
            },
        )
        .with_context(|| format!("training into {}", dir.display()))?;
        let show = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_else(|| "never".into());
        println!(
            "{}: {} env steps in {:.1} s ({:.0}/s); first completion {}; reliable completion {}; {} of {} episodes succeeded",
            dir.display(),
            s.total_env_steps,
            s.wall_time_s,
            s.steps_per_s,
            show(s.steps_to_first_completion),
            show(s.steps_to_reliable_completion),
            s.successes,
            s.episodes
        );
        Ok(())
    }
}

#[cfg(feature = "agent")]
pub use imp::make_env;
