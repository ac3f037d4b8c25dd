//! `priors eval <run>`: plays a trained run's checkpoint for K episodes (sampled from the policy by
//! default, as it acted in training; `--greedy` takes the most likely action), prints the success
//! rate with its 95 % Wilson interval, writes
//! the same per-episode CSV as training, and optionally each episode's tick trace in the lab
//! sessions' `ticks.csv` format, so the analysis treats agent and human episodes alike.
//!
//! Built without the `agent` feature, the command explains how to get libtorch.

use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `priors eval`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The run folder written by `priors train`.
    pub run: PathBuf,
    /// Episodes to play (at least 100 for a success rate worth reporting).
    #[arg(long, default_value_t = 100)]
    pub episodes: usize,
    /// Take the most likely action instead of sampling from the policy (a greedy policy can
    /// loop forever where the sampled one succeeds; the reported rate is the sampled one's).
    #[arg(long)]
    pub greedy: bool,
    /// Write each episode's ticks.csv and actions.csv (replayed through the core).
    #[arg(long)]
    pub record: bool,
    /// Parallel environments.
    #[arg(long, default_value_t = 1)]
    pub num_envs: usize,
    /// Output folder (default: RUN/eval_greedy or RUN/eval_sampled).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed of the sampled actions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `priors eval`.
pub fn run(args: Args) -> Result<()> {
    imp::run(args)
}

#[cfg(not(feature = "agent"))]
mod imp {
    use super::Args;
    use anyhow::{Result, bail};

    pub fn run(_args: Args) -> Result<()> {
        bail!(super::super::train::NO_AGENT)
    }
}

#[cfg(feature = "agent")]
mod imp {
    use super::Args;
    use anyhow::{Context, Result};
    use priors_agent::run::{EvalOptions, Recorder, RunConfig};
    use priors_analysis::stats::wilson;

    pub fn run(args: Args) -> Result<()> {
        let rc = RunConfig::read(&args.run)?;
        let mut cfg = rc.train;
        cfg.num_envs = args.num_envs;
        cfg.seed = args.seed;
        let (env, level, condition) =
            super::super::train::make_env(&rc.run, cfg.num_envs, cfg.seed)?;
        let record = args.record.then(|| Recorder {
            actions: env.inner().actions().to_vec(),
            rules: priors_core::Rules::agent().with_ladder(condition.mechanics.ladder),
            level,
            hash_every: 30,
        });
        let out = args.out.clone().unwrap_or_else(|| {
            args.run.join(if args.greedy {
                "eval_greedy"
            } else {
                "eval_sampled"
            })
        });
        let opts = EvalOptions {
            episodes: args.episodes,
            greedy: args.greedy,
            out: out.clone(),
            record,
        };
        let s = priors_agent::run::evaluate(&args.run, cfg, env, &opts)
            .with_context(|| format!("evaluating {}", args.run.display()))?;
        let (lo, hi) = wilson(s.successes as f64, s.episodes as f64);
        println!(
            "{}: {} of {} episodes reached the goal ({} policy): success rate {:.3} (95 % CI {:.3}-{:.3}), mean length {:.1} ticks (checkpoint at {} env steps)",
            out.display(),
            s.successes,
            s.episodes,
            if args.greedy { "greedy" } else { "sampled" },
            s.successes as f64 / (s.episodes as f64).max(1.0),
            lo,
            hi,
            s.mean_length,
            s.checkpoint_env_steps
        );
        Ok(())
    }
}
