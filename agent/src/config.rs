//! The typed configuration of a training run: every hyperparameter, with its default and where
//! the default comes from. Serialised verbatim to a run's `config.toml`, and read back by
//! `--resume` and `priors eval`, so a run folder always says exactly how it was trained.
//!
//! Defaults follow CleanRL's `ppo_atari.py` / `ppo_rnd_envpool.py` unless a line says otherwise.

use serde::{Deserialize, Serialize};

/// Which learner acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algo {
    /// Proximal policy optimisation (Schulman et al. 2017), CleanRL style.
    Ppo,
    /// Uniformly random actions (baseline; no network, no learning).
    Random,
}

/// The exploration bonus, kept as a separate intrinsic reward stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bonus {
    /// No bonus: extrinsic reward only (baseline).
    None,
    /// Count-based with SimHash (Tang et al. 2017): `beta / sqrt(n(hash(obs)))`.
    Count,
    /// Intrinsic curiosity module (Pathak et al. 2017): forward-model error in feature space.
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

/// The torso of the actor-critic network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetKind {
    /// Small CNN: conv 8x8/4 (16) - conv 4x4/2 (32) - linear (hidden); for stacked grey frames.
    Cnn,
    /// Two hidden linear layers on the flattened observation; for the object grid.
    Mlp,
}

/// Compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// CPU (reproducible with a fixed seed and one torch thread).
    Cpu,
    /// The first CUDA GPU.
    Cuda,
}

/// Every hyperparameter of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Learner.
    pub algo: Algo,
    /// Exploration bonus (ignored by `random`).
    pub bonus: Bonus,
    /// Seed of everything random: weights, action sampling, minibatch order, hash projections.
    pub seed: u64,
    /// Stop after this many environment steps (ticks summed over all environments).
    pub max_steps: u64,
    /// Parallel environments.
    pub num_envs: usize,
    /// Steps per environment per rollout (CleanRL: 128).
    pub num_steps: usize,
    /// Observations stacked along channels (the paper's ICM code and CleanRL: 4).
    pub frame_stack: usize,
    /// Network torso.
    pub net: NetKind,
    /// Width of the hidden layer(s).
    pub hidden: usize,
    /// Compute device.
    pub device: DeviceKind,
    /// Torch intra-op threads; 1 is fastest on a busy 2-core box and makes CPU runs reproducible.
    pub torch_threads: usize,
    /// Adam learning rate (CleanRL: 2.5e-4).
    pub learning_rate: f64,
    /// Anneal the learning rate linearly to 0 over `max_steps`.
    pub anneal_lr: bool,
    /// Discount of the extrinsic stream (RND: 0.999; episodes here run up to 2,000 ticks).
    pub gamma_ext: f64,
    /// Discount of the intrinsic stream (RND: 0.99).
    pub gamma_int: f64,
    /// GAE lambda (CleanRL: 0.95).
    pub gae_lambda: f64,
    /// Minibatches per epoch (CleanRL: 4).
    pub num_minibatches: usize,
    /// Optimisation epochs per rollout (CleanRL: 4).
    pub update_epochs: usize,
    /// Normalise advantages per minibatch (CleanRL: true).
    pub norm_adv: bool,
    /// PPO ratio clip (CleanRL: 0.1).
    pub clip_coef: f64,
    /// Clip the value loss around the old values as in PPO2 (CleanRL: true).
    pub clip_vloss: bool,
    /// Entropy bonus weight (CleanRL Atari: 0.01).
    pub ent_coef: f64,
    /// Value loss weight (CleanRL: 0.5).
    pub vf_coef: f64,
    /// Global gradient-norm clip (CleanRL: 0.5).
    pub max_grad_norm: f64,
    /// Stop the epoch loop early when the approximate KL exceeds this (CleanRL: off).
    pub target_kl: Option<f64>,
    /// Weight of the extrinsic advantage in the policy gradient (RND: 2.0).
    pub ext_coef: f64,
    /// Weight of the intrinsic advantage in the policy gradient (RND: 1.0).
    pub int_coef: f64,
    /// Divide intrinsic rewards by a running std of the discounted intrinsic return (RND).
    pub norm_int_reward: bool,
    /// Count bonus scale: bonus = beta / sqrt(n) (Tang et al. 2017: 0.01).
    pub count_beta: f64,
    /// SimHash bits (Tang et al. 2017 use 64 to 256 for pixels).
    pub simhash_bits: usize,
    /// ICM: weight of the forward loss against the inverse loss (Pathak et al.: 0.2).
    pub icm_beta: f64,
    /// ICM / RND: weight of the model loss in the total loss.
    pub model_loss_coef: f64,
    /// ICM / RND: fraction of each minibatch the model is trained on (RND: 0.25).
    pub model_update_proportion: f64,
    /// ICM: feature size.
    pub icm_feature: usize,
    /// Success rate over the last `reliable_window` episodes that counts as reliable completion.
    pub reliable_rate: f64,
    /// Episodes in the reliable-completion window (issue 4: 100).
    pub reliable_window: usize,
    /// Stop as soon as reliable completion holds.
    pub stop_on_reliable: bool,
    /// Write a checkpoint every this many updates (and always at the end).
    pub checkpoint_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            algo: Algo::Ppo,
            bonus: Bonus::Count,
            seed: 1,
            max_steps: 2_000_000,
            num_envs: 32,
            num_steps: 128,
            frame_stack: 4,
            net: NetKind::Cnn,
            hidden: 256,
            device: DeviceKind::Cpu,
            torch_threads: 1,
            learning_rate: 2.5e-4,
            anneal_lr: true,
            gamma_ext: 0.999,
            gamma_int: 0.99,
            gae_lambda: 0.95,
            num_minibatches: 4,
            update_epochs: 4,
            norm_adv: true,
            clip_coef: 0.1,
            clip_vloss: true,
            ent_coef: 0.01,
            vf_coef: 0.5,
            max_grad_norm: 0.5,
            target_kl: None,
            ext_coef: 2.0,
            int_coef: 1.0,
            norm_int_reward: true,
            count_beta: 0.01,
            simhash_bits: 64,
            icm_beta: 0.2,
            model_loss_coef: 1.0,
            model_update_proportion: 0.25,
            icm_feature: 256,
            reliable_rate: 0.9,
            reliable_window: 100,
            stop_on_reliable: true,
            checkpoint_every: 50,
        }
    }
}

/// A configuration that cannot train.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid training configuration: {0}")]
pub struct ConfigError(pub String);

impl TrainConfig {
    /// Samples per rollout (`num_envs * num_steps`).
    pub fn batch_size(&self) -> usize {
        self.num_envs * self.num_steps
    }
    /// Samples per minibatch.
    pub fn minibatch_size(&self) -> usize {
        self.batch_size() / self.num_minibatches.max(1)
    }
    /// Rollouts needed for `max_steps` (rounded up).
    pub fn num_updates(&self) -> u64 {
        self.max_steps.div_ceil(self.batch_size().max(1) as u64)
    }
    /// This configuration with the fields named in `toml_text` (a TOML table of any
    /// [`TrainConfig`] fields) replaced; unknown names are an error.
    pub fn with_overrides(&self, toml_text: &str) -> Result<TrainConfig, ConfigError> {
        let over: toml::Table =
            toml::from_str(toml_text).map_err(|e| ConfigError(e.to_string()))?;
        let mut base = toml::Table::try_from(self).map_err(|e| ConfigError(e.to_string()))?;
        for (k, v) in over {
            if !base.contains_key(&k) && !matches!(k.as_str(), "target_kl") {
                return Err(ConfigError(format!("unknown hyperparameter {k:?}")));
            }
            base.insert(k, v);
        }
        let cfg: TrainConfig = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the values that would otherwise fail deep inside training.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError(m.to_string()));
        if self.num_envs == 0 || self.num_steps == 0 {
            return bad("num_envs and num_steps must be positive");
        }
        if self.num_minibatches == 0 || !self.batch_size().is_multiple_of(self.num_minibatches) {
            return bad("num_minibatches must divide num_envs * num_steps");
        }
        if self.frame_stack == 0 || self.hidden == 0 || self.torch_threads == 0 {
            return bad("frame_stack, hidden and torch_threads must be positive");
        }
        if !(1..=64).contains(&self.simhash_bits) {
            return bad("simhash_bits must be 1..=64");
        }
        if !(0.0..=1.0).contains(&self.model_update_proportion)
            || !(0.0..=1.0).contains(&self.reliable_rate)
        {
            return bad("model_update_proportion and reliable_rate must lie in [0, 1]");
        }
        if self.reliable_window == 0 {
            return bad("reliable_window must be positive");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_and_overrides() {
        let c = TrainConfig::default();
        let text = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<TrainConfig>(&text).unwrap(), c);
        let o = c
            .with_overrides("num_envs = 8\nbonus = \"icm\"\ntarget_kl = 0.02\n")
            .unwrap();
        assert_eq!(
            (o.num_envs, o.bonus, o.target_kl),
            (8, Bonus::Icm, Some(0.02))
        );
        assert!(c.with_overrides("nope = 1").is_err());
        assert!(c.with_overrides("num_minibatches = 3").is_err());
    }
}
