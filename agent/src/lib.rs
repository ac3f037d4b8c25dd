//! # priors-agent
//!
//! The headless exploration agent of issue 4, on tch (libtorch 2.13): PPO done as CleanRL does it
//! (clipped ratio, GAE, optional value clipping, shuffled minibatches without replacement,
//! advantage normalisation, entropy bonus, gradient-norm clipping, learning-rate annealing), a
//! small CNN on stacked grey frames or an MLP on the object grid, and exploration bonuses -
//! SimHash counts, ICM, RND - kept as a separate intrinsic stream. Baselines: uniformly random
//! actions, and PPO without a bonus.
//!
//! Code map: [`config`] (every hyperparameter), [`ppo`] (GAE and losses), [`model`] (networks),
//! [`bonus`] (intrinsic reward models), [`trainer`] (the loop, checkpoints), [`run`] (the run
//! folder), [`watch`] (the warning for a collapsed ICM), [`envs`] (the environment trait and a
//! renderer-free stand-in), [`env_adapter`] (the real `priors_env::VecEnv`).
//!
//! What it deliberately does not do: parse command lines or pick run folder names (that is the
//! `priors` CLI), or touch the simulation (it only sees observations, rewards and episode stats).
//!
//! Building needs libtorch: run `scripts/setup-torch.sh` and export what it prints
//! (`LIBTORCH_USE_PYTORCH=1`, `VIRTUAL_ENV`); `build.rs` embeds the rpath so nothing else is needed
//! at run time.

pub mod adam;
pub mod alloc;
pub mod bonus;
pub mod config;
pub mod env_adapter;
pub mod envs;
pub mod model;
pub mod ppo;
pub mod rng;
pub mod run;
pub mod trainer;
pub mod watch;

pub use config::{Algo, Bonus, DeviceKind, NetKind, TrainConfig};
pub use envs::{Episode, TileVecEnv, Transition, VecEnvironment};
pub use run::{RunConfig, RunMeta, RunOptions, Summary};
pub use trainer::{EpisodeRow, Trainer};

/// The libtorch folder this crate was linked against (embedded as the rpath), if known.
pub const LIBTORCH_LIB: Option<&str> = option_env!("PRIORS_LIBTORCH_LIB");
