//! The typed configuration of a training run: every hyperparameter, with its default and where
//! the default comes from. Serialised verbatim to a run's `config.toml`, and read back by
//! `--resume` and `priors eval`, so a run folder always says exactly how it was trained.
//! It lives in the records crate (the owner of the run folder's files) so that the analysis reads
//! `config.toml` typed without linking libtorch; the agent re-exports it as `priors_agent::config`.
//!
//! Defaults follow CleanRL's `ppo_atari.py` / `ppo_rnd_envpool.py` unless a line says otherwise.

use serde::{Deserialize, Serialize};

/// The learner, the bonus and the device are declared once, in [`crate::study`] (run folders,
/// study files and the trainer share them).
pub use crate::study::{Algo, Bonus, Device as DeviceKind};

/// A named set of defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The modern learner: CleanRL-style PPO with a separate intrinsic stream.
    #[default]
    Ppo,
    /// The paper's agent as closely as this stack allows: synchronous A3C (A2C) with ICM at the
    /// constants of Pathak et al. 2017 (see [`TrainConfig::paper`]).
    Paper,
}

impl Preset {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ppo => "ppo",
            Preset::Paper => "paper",
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
    /// The "universe" head of Pathak et al. 2017: four 3x3 stride-2 convolutions of 32 filters
    /// with ELU ("same" padding; 288 features on 42 x 42), then a linear layer of `hidden` with
    /// ELU standing in for their 256-unit LSTM (frames are stacked instead).
    Universe,
}

/// How the networks are updated from a rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateRule {
    /// CleanRL's PPO: `update_epochs` passes over the whole batch in `num_minibatches`
    /// minibatches, two value heads (extrinsic, intrinsic).
    #[default]
    Ppo,
    /// The reference A3C of Pathak et al.'s `a3c.py`: every env's rollout is cut at episode ends
    /// into segments of at most `num_steps` steps and each segment takes one optimiser step, in
    /// env order (sequential segments of a synchronous batch, where A3C's workers take them
    /// asynchronously); one value head on the (clipped) sum of reward and bonus; the policy's and
    /// the ICM's losses scaled and clipped separately, applied by one Adam.
    A3c,
}

/// How the weights are initialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    /// CleanRL: orthogonal (gain sqrt 2; 0.01 for the policy head, 1 for the value heads), zero
    /// biases.
    #[default]
    Cleanrl,
    /// Pathak et al.'s `model.py`: convolutions uniform in +-sqrt(6 / (fan_in + fan_out)),
    /// linear layers by `normalized_columns_initializer` (each unit's weights a Gaussian draw
    /// scaled to norm 0.01; 1.0 for the value head), so the ICM's forward and inverse heads start
    /// near zero; the LSTM's kernel Glorot-uniform with forget bias 1 (TensorFlow's
    /// `BasicLSTMCell`).
    Reference,
}

/// When a run stops before its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopAt {
    /// Only at the budget.
    Budget,
    /// At the first episode that reaches the goal (first completion is then known).
    First,
    /// When reliable completion holds.
    Reliable,
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
    /// Ticks each chosen action is held for (Pathak et al.'s `SkipEnv`, 4 for Doom and 6 for
    /// Mario in their code; the released game's wrapper has none): 1 = one action per tick.
    /// Env steps still count ticks. 1 in configs written before this field.
    #[serde(default = "default_repeat")]
    pub action_repeat: usize,
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
    /// Anneal the learning rate linearly to 0 over `lr_horizon_steps` (a fixed horizon, not the
    /// budget, so runs with different budgets or resumed runs share one schedule).
    pub anneal_lr: bool,
    /// The annealing horizon in env steps (recorded in the run; CleanRL anneals over its whole
    /// budget, which ties the schedule to the budget).
    #[serde(default = "default_lr_horizon")]
    pub lr_horizon_steps: u64,
    /// Which preset these values came from (recorded; `paper` also switches the ICM to its
    /// paper form, see the `icm_*` fields).
    #[serde(default)]
    pub preset: Preset,
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
    /// Count bonus: subtract the condition's mean start frame before hashing (off: hash the
    /// observation as rendered, centred at the level-independent grey 0.5, so static masking
    /// such as textures and placebos reaches the counts).
    #[serde(default)]
    pub count_subtract_start: bool,
    /// Count bonus: hash the *footprint*, 1 where the observation differs from the condition's
    /// static background and 0 elsewhere, so the hash resolves positions of the moving things
    /// alike under every condition (a whole-frame hash's resolution depends on each condition's
    /// background texture and brightness; issue 14). Off in configs written before this field.
    #[serde(default)]
    pub count_footprint: bool,
    /// ICM: weight of the forward loss against the inverse loss (Pathak et al.: 0.2).
    pub icm_beta: f64,
    /// ICM / RND: weight of the model loss in the total loss.
    pub model_loss_coef: f64,
    /// ICM / RND: fraction of each minibatch the model is trained on (RND: 0.25).
    pub model_update_proportion: f64,
    /// ICM: feature size (ignored with the universe encoder, which gives 288 on 42 x 42).
    pub icm_feature: usize,
    /// ICM: the encoder's torso (default: the policy's `net`).
    #[serde(default)]
    pub icm_net: Option<NetKind>,
    /// ICM: forward loss summed over features, as Pathak et al.'s code (0.5 * mean * 288);
    /// off: averaged.
    #[serde(default)]
    pub icm_forward_sum: bool,
    /// ICM: train the module with its own Adam at `icm_lr_scale` x the policy's rate (Pathak et
    /// al.'s predictor learning-rate scale); off: inside the policy's loss and optimiser.
    #[serde(default)]
    pub icm_own_optimizer: bool,
    /// ICM: the predictor's learning-rate multiple with its own optimiser (Pathak et al.: 10).
    #[serde(default = "default_icm_lr_scale")]
    pub icm_lr_scale: f64,
    /// ICM: the bonus is this times the forward loss (Pathak et al.'s PREDICTION_BETA: 0.01).
    #[serde(default = "default_one")]
    pub icm_eta: f64,
    /// Cut the intrinsic stream at episode ends as the extrinsic one (A3C + ICM adds the bonus
    /// to an episodic reward); off: non-episodic (RND).
    #[serde(default)]
    pub int_episodic: bool,
    /// The update rule (`ppo`, or the reference `a3c` of the paper preset).
    #[serde(default)]
    pub update: UpdateRule,
    /// LSTM cells between the torso and the heads (0: none; the paper preset: 256, Pathak et
    /// al.'s `LSTMPolicy`). Only with `update = "a3c"`.
    #[serde(default)]
    pub lstm: usize,
    /// The policy loss is multiplied by this before its gradient (Pathak et al.: 20, "batchsize=20.
    /// Factored out to make hyperparams not depend on it").
    #[serde(default = "default_one")]
    pub loss_scale: f64,
    /// The ICM loss is multiplied by this inside the shared optimiser (Pathak et al.'s
    /// PREDICTION_LR_SCALE 10, applied to the loss, not to a learning rate), and then by
    /// `loss_scale`. Only with `update = "a3c"`.
    #[serde(default = "default_one")]
    pub icm_loss_scale: f64,
    /// Clip reward + bonus to [-x, x] before the returns (Pathak et al.'s REWARD_CLIP 1.0); none:
    /// no clipping. Only with `update = "a3c"`.
    #[serde(default)]
    pub reward_clip: Option<f64>,
    /// Adam's epsilon (CleanRL: 1e-5; TensorFlow's default, the reference's: 1e-8).
    #[serde(default = "default_adam_eps")]
    pub adam_eps: f64,
    /// Weight initialisation.
    #[serde(default)]
    pub init: InitScheme,
    /// ICM: stop the forward loss's gradient at the next state's features (off in Pathak et
    /// al.'s code, where the encoder also learns from the forward loss).
    #[serde(default = "default_true")]
    pub icm_detach_target: bool,
    /// The transition into an episode's end gets its bonus and trains the ICM, from the frame
    /// the episode ended in (Pathak et al.'s `env_runner` adds it to the rollout before the
    /// reset); off, that transition is masked (the auto-reset hides its frame). Only with
    /// `update = "a3c"`; off in configs written before this field.
    #[serde(default)]
    pub final_transition: bool,
    /// The extrinsic critic's output layer starts at zero, so every value is 0 until the first
    /// reward: a death is then never better than expected (with random initial values a death
    /// before any reward can get a positive advantage and be learnt; issue 14). Off in configs
    /// written before this field.
    #[serde(default)]
    pub zero_init_ext_critic: bool,
    /// Stop when this measure is known (`first`, `reliable`) or only at the budget; absent in
    /// older configs, which follow `stop_on_reliable`.
    #[serde(default)]
    pub stop_at: Option<StopAt>,
    /// Success rate over the last `reliable_window` episodes that counts as reliable completion.
    pub reliable_rate: f64,
    /// Episodes in the reliable-completion window (issue 4: 100).
    pub reliable_window: usize,
    /// Stop as soon as reliable completion holds (superseded by `stop_at` when that is set).
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
            // 32 x 32 = 1,024 samples per update, four times the updates per sample of 32 x 128:
            // on princess / original (six actions, count bonus) the median first completion went
            // from 499 k env steps to 134 k on seeds 1-5 (each seed faster) and was 67 k on seeds
            // 6-10, held out (results/2026-12-06-ppo-rollout). Runs made before carry their 128
            // in config.toml.
            num_steps: 32,
            frame_stack: 4,
            action_repeat: 1,
            net: NetKind::Cnn,
            hidden: 256,
            device: DeviceKind::Cpu,
            torch_threads: 1,
            learning_rate: 2.5e-4,
            anneal_lr: true,
            lr_horizon_steps: default_lr_horizon(),
            preset: Preset::Ppo,
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
            count_subtract_start: false,
            count_footprint: true,
            icm_beta: 0.2,
            model_loss_coef: 1.0,
            model_update_proportion: 0.25,
            icm_feature: 256,
            icm_net: None,
            icm_forward_sum: false,
            icm_own_optimizer: false,
            icm_lr_scale: default_icm_lr_scale(),
            icm_eta: 1.0,
            int_episodic: false,
            update: UpdateRule::Ppo,
            lstm: 0,
            loss_scale: 1.0,
            icm_loss_scale: 1.0,
            reward_clip: None,
            adam_eps: default_adam_eps(),
            init: InitScheme::Cleanrl,
            icm_detach_target: true,
            final_transition: false,
            zero_init_ext_critic: true,
            stop_at: Some(StopAt::Reliable),
            reliable_rate: 0.9,
            reliable_window: 100,
            stop_on_reliable: true,
            checkpoint_every: 50,
        }
    }
}

fn default_lr_horizon() -> u64 {
    10_000_000
}

fn default_icm_lr_scale() -> f64 {
    10.0
}

fn default_repeat() -> usize {
    1
}

fn default_one() -> f64 {
    1.0
}

fn default_true() -> bool {
    true
}

/// CleanRL's Adam epsilon (PyTorch's default is 1e-8).
fn default_adam_eps() -> f64 {
    1e-5
}

/// A configuration that cannot train.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid training configuration: {0}")]
pub struct ConfigError(pub String);

// The paper preset's constants, each with its source.

/// 20 parallel actors (Pathak et al. ran 20 A3C workers for Doom).
pub const PAPER_NUM_ENVS: usize = 20;

/// Rollouts of 20 steps (Pathak et al. 2017, constants.py ROLLOUT_MAXLEN = 20).
pub const PAPER_NUM_STEPS: usize = 20;

/// Adam 1e-4, constant (Pathak et al., LEARNING_RATE = 1e-4; no schedule).
pub const PAPER_LEARNING_RATE: f64 = 1e-4;

/// Discount 0.99 for both streams (Pathak et al., GAMMA = 0.99).
pub const PAPER_GAMMA: f64 = 0.99;

/// GAE lambda 1.0: plain n-step returns (Pathak et al., LAMBDA = 1.0).
pub const PAPER_GAE_LAMBDA: f64 = 1.0;

/// Entropy 0.01 (Pathak et al., ENTROPY_BETA = 0.01 for Doom).
pub const PAPER_ENT_COEF: f64 = 0.01;

/// Value loss weight 0.5 (Pathak et al.: "lr of critic is half of actor").
pub const PAPER_VF_COEF: f64 = 0.5;

/// Gradient norm clip 40 (Pathak et al., GRAD_NORM_CLIP = 40).
pub const PAPER_MAX_GRAD_NORM: f64 = 40.0;

/// Forward vs inverse loss weight 0.2 (Pathak et al., FORWARD_LOSS_WT = 0.2).
pub const PAPER_ICM_BETA: f64 = 0.2;

/// The ICM learns on every transition (no subsampling in Pathak et al.).
pub const PAPER_MODEL_UPDATE_PROPORTION: f64 = 1.0;

/// The encoder: four 3x3 stride-2 ELU convolutions, 288 features (Pathak et al.).
pub const PAPER_ICM_NET: Option<NetKind> = Some(NetKind::Universe);

/// Forward loss 0.5 * mean * 288, i.e. summed over features (Pathak et al.).
pub const PAPER_ICM_FORWARD_SUM: bool = true;

/// One Adam for the policy and the predictor (a3c.py: `opt.apply_gradients(grads_and_vars +
/// pred_grads_and_vars)`); PREDICTION_LR_SCALE scales the predictor's loss instead.
pub const PAPER_ICM_OWN_OPTIMIZER: bool = false;

/// Bonus = 0.01 x forward loss (Pathak et al., PREDICTION_BETA = 0.01).
pub const PAPER_ICM_ETA: f64 = 0.01;

/// The predictor's learning-rate multiple (Pathak et al., PREDICTION_LR_SCALE = 10).
pub const PAPER_ICM_LR_SCALE: f64 = 10.0;

/// Four stacked frames (Pathak et al.'s Doom input is 42 x 42 x 4, `BufferedObsEnv` with n = 4,
/// fed to the LSTM policy).
pub const PAPER_FRAME_STACK: usize = 4;

/// The LSTM of the policy (Pathak et al., model.py `LSTMPolicy`: `BasicLSTMCell(256)`).
pub const PAPER_LSTM: usize = 256;

/// The policy loss times 20 (a3c.py: `tf.gradients(self.loss * 20.0, ...)`).
pub const PAPER_LOSS_SCALE: f64 = 20.0;

/// The ICM loss times PREDICTION_LR_SCALE = 10 inside the shared Adam (a3c.py: `self.predloss =
/// constants['PREDICTION_LR_SCALE'] * (...)`, then `* 20.0` like the policy's).
pub const PAPER_ICM_LOSS_SCALE: f64 = 10.0;

/// Reward + bonus clipped to [-1, 1] (constants.py REWARD_CLIP = 1.0; a3c.py `process_rollout`
/// with `clip=envWrap`, true for the wrapped Doom and Mario envs).
pub const PAPER_REWARD_CLIP: f64 = 1.0;

/// TensorFlow's Adam epsilon (`tf.train.AdamOptimizer` default 1e-8).
pub const PAPER_ADAM_EPS: f64 = 1e-8;

impl TrainConfig {
    /// The paper's agent (Dubey et al. 2018 ran the A3C + ICM of Pathak et al. 2017 on the
    /// released game), with the reference code's arithmetic (`noreward-rl`, `src/a3c.py`,
    /// `src/model.py`, `src/constants.py`): 20 envs stepped together, each env's 20-step rollout
    /// cut at episode ends into segments that each take one Adam step (one optimiser step per at
    /// most 20 env steps, as each A3C worker), an LSTM(256) policy on four stacked frames, one
    /// value head on reward + bonus clipped to [-1, 1], the policy loss x 20 and the predictor's
    /// x 10 x 20 with their gradients clipped separately to norm 40 and applied by one Adam at
    /// 1e-4 (epsilon 1e-8), the ICM's heads initialised near zero and its encoder learning from
    /// the forward loss too. What still differs is listed in README ("Training the agent").
    pub fn paper() -> TrainConfig {
        TrainConfig {
            preset: Preset::Paper,
            bonus: Bonus::Icm,
            num_envs: PAPER_NUM_ENVS,
            num_steps: PAPER_NUM_STEPS,
            frame_stack: PAPER_FRAME_STACK,
            action_repeat: 1,
            net: NetKind::Universe,
            hidden: 256,
            learning_rate: PAPER_LEARNING_RATE,
            anneal_lr: false,
            gamma_ext: PAPER_GAMMA,
            gamma_int: PAPER_GAMMA,
            gae_lambda: PAPER_GAE_LAMBDA,
            num_minibatches: 1,
            update_epochs: 1,
            norm_adv: false,
            clip_vloss: false,
            ent_coef: PAPER_ENT_COEF,
            vf_coef: PAPER_VF_COEF,
            max_grad_norm: PAPER_MAX_GRAD_NORM,
            ext_coef: 1.0,
            int_coef: 1.0,
            norm_int_reward: false,
            icm_beta: PAPER_ICM_BETA,
            model_loss_coef: 1.0,
            model_update_proportion: PAPER_MODEL_UPDATE_PROPORTION,
            icm_feature: 288,
            icm_net: PAPER_ICM_NET,
            icm_forward_sum: PAPER_ICM_FORWARD_SUM,
            icm_own_optimizer: PAPER_ICM_OWN_OPTIMIZER,
            icm_lr_scale: PAPER_ICM_LR_SCALE,
            icm_eta: PAPER_ICM_ETA,
            int_episodic: true,
            update: UpdateRule::A3c,
            lstm: PAPER_LSTM,
            loss_scale: PAPER_LOSS_SCALE,
            icm_loss_scale: PAPER_ICM_LOSS_SCALE,
            reward_clip: Some(PAPER_REWARD_CLIP),
            adam_eps: PAPER_ADAM_EPS,
            init: InitScheme::Reference,
            icm_detach_target: false,
            final_transition: true,
            // The reference's critic starts by normalized_columns_initializer(1.0) (init above).
            zero_init_ext_critic: false,
            ..TrainConfig::default()
        }
    }

    /// The learning rate at `global_step` env steps: constant, or linear to 0 (floored at 1e-3 of
    /// the rate) over the fixed `lr_horizon_steps`, never over the budget.
    pub fn lr_at(&self, global_step: u64) -> f64 {
        if !self.anneal_lr {
            return self.learning_rate;
        }
        let frac = 1.0 - (global_step as f64 / self.lr_horizon_steps.max(1) as f64).clamp(0.0, 1.0);
        self.learning_rate * frac.max(1e-3)
    }

    /// When this run stops before its budget (`stop_at`, or `stop_on_reliable` in configs
    /// written before `stop_at` existed).
    pub fn stop_rule(&self) -> StopAt {
        match self.stop_at {
            Some(s) => s,
            None if self.stop_on_reliable => StopAt::Reliable,
            None => StopAt::Budget,
        }
    }

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
        if self.action_repeat == 0 {
            return bad("action_repeat must be at least 1 (1: one action per tick)");
        }
        if !(1..=64).contains(&self.simhash_bits) {
            return bad("simhash_bits must be 1..=64");
        }
        if !(0.0..=1.0).contains(&self.model_update_proportion)
            || !(0.0..=1.0).contains(&self.reliable_rate)
        {
            return bad("model_update_proportion and reliable_rate must lie in [0, 1]");
        }
        if self.anneal_lr && self.lr_horizon_steps == 0 {
            return bad("lr_horizon_steps must be positive when anneal_lr is on");
        }
        if self.reliable_window == 0 {
            return bad("reliable_window must be positive");
        }
        if self.update == UpdateRule::Ppo && self.lstm > 0 {
            return bad("lstm needs update = \"a3c\" (the PPO learner has no recurrent state)");
        }
        if self.update == UpdateRule::A3c && !matches!(self.bonus, Bonus::Icm | Bonus::None) {
            return bad("update = \"a3c\" supports the bonuses icm and none");
        }
        if self.final_transition && self.update != UpdateRule::A3c {
            return bad("final_transition needs update = \"a3c\"");
        }
        if self.update == UpdateRule::A3c && self.icm_own_optimizer {
            return bad(
                "update = \"a3c\" trains the ICM in the policy's optimiser (icm_loss_scale)",
            );
        }
        if self.count_footprint && self.count_subtract_start {
            return bad("count_footprint and count_subtract_start are two different hash inputs");
        }
        if self.reward_clip.is_some_and(|c| c.is_nan() || c <= 0.0) || self.adam_eps <= 0.0 {
            return bad("reward_clip and adam_eps must be positive");
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
        assert!(c.with_overrides("action_repeat = 0").is_err());
        assert_eq!(
            c.with_overrides("action_repeat = 4").unwrap().action_repeat,
            4
        );
        // A config.toml written before the new fields still reads, with their defaults.
        let mut old: toml::Table = toml::from_str(&text).unwrap();
        for k in [
            "lr_horizon_steps",
            "preset",
            "count_subtract_start",
            "icm_net",
            "icm_forward_sum",
            "icm_own_optimizer",
            "icm_lr_scale",
            "icm_eta",
            "int_episodic",
            "update",
            "lstm",
            "loss_scale",
            "icm_loss_scale",
            "reward_clip",
            "adam_eps",
            "init",
            "icm_detach_target",
            "final_transition",
            "zero_init_ext_critic",
            "stop_at",
            "count_footprint",
            "action_repeat",
        ] {
            old.remove(k);
        }
        let back: TrainConfig = toml::Value::Table(old).try_into().unwrap();
        // Older runs were trained with a randomly initialised extrinsic critic and stopped by
        // stop_on_reliable: their config reads back as they ran.
        assert_eq!(
            back,
            TrainConfig {
                zero_init_ext_critic: false,
                stop_at: None,
                count_footprint: false,
                ..c.clone()
            }
        );
        assert_eq!(back.stop_rule(), StopAt::Reliable);
        let budget_only = TrainConfig {
            stop_on_reliable: false,
            ..back
        };
        assert_eq!(budget_only.stop_rule(), StopAt::Budget);
        let p = TrainConfig::paper();
        p.validate().unwrap();
        assert_eq!(
            (
                p.num_envs,
                p.num_steps,
                p.update_epochs,
                p.num_minibatches,
                p.preset
            ),
            (20, 20, 1, 1, Preset::Paper)
        );
        assert!(
            TrainConfig {
                lstm: 16,
                ..TrainConfig::default()
            }
            .validate()
            .is_err()
        );
        assert_eq!(
            toml::from_str::<TrainConfig>(&toml::to_string(&p).unwrap()).unwrap(),
            p
        );
    }

    /// Each of the reference's choices (issue 14 item 2), pinned so none drifts back; the agent's
    /// tests check that the trainer does what these values say.
    #[test]
    fn the_paper_preset_is_the_reference_arithmetic() {
        let p = TrainConfig::paper();
        assert_eq!(
            p.update,
            UpdateRule::A3c,
            "one optimiser step per rollout segment"
        );
        assert_eq!(p.num_steps, 20, "ROLLOUT_MAXLEN");
        assert_eq!(p.lstm, 256, "LSTMPolicy");
        assert_eq!(p.learning_rate, 1e-4, "LEARNING_RATE");
        assert!(!p.anneal_lr, "constant rate");
        assert_eq!(p.adam_eps, 1e-8, "TensorFlow's Adam");
        assert!(!p.icm_own_optimizer, "one Adam for policy and predictor");
        assert_eq!(p.loss_scale, 20.0, "loss * 20.0");
        assert_eq!(p.icm_loss_scale, 10.0, "PREDICTION_LR_SCALE on the loss");
        assert_eq!(p.max_grad_norm, 40.0, "GRAD_NORM_CLIP");
        assert_eq!(p.reward_clip, Some(1.0), "REWARD_CLIP");
        assert_eq!(
            p.init,
            InitScheme::Reference,
            "normalized_columns_initializer"
        );
        assert!(
            !p.icm_detach_target,
            "the encoder learns from the forward loss"
        );
        assert_eq!(
            (p.icm_beta, p.icm_eta),
            (0.2, 0.01),
            "FORWARD_LOSS_WT, PREDICTION_BETA"
        );
        assert_eq!((p.gamma_ext, p.gae_lambda, p.ent_coef), (0.99, 1.0, 0.01));
        assert!(p.icm_forward_sum, "forwardloss * 288");
        assert_eq!(
            p.action_repeat, 1,
            "the released game's gym wrapper steps one tick per action"
        );
        assert!(
            p.final_transition,
            "env_runner keeps the terminal frame: bonus and predictor on the last transition"
        );
        assert_eq!(p.bonus, Bonus::Icm);
    }

    #[test]
    fn the_schedule_does_not_depend_on_the_budget() {
        let short = TrainConfig {
            max_steps: 800_000,
            ..TrainConfig::default()
        };
        let long = TrainConfig {
            max_steps: 2_000_000,
            ..TrainConfig::default()
        };
        for step in [0, 400_000, 799_999] {
            assert_eq!(short.lr_at(step), long.lr_at(step));
        }
        assert!(short.lr_at(400_000) < short.lr_at(0), "annealed");
        assert_eq!(short.lr_at(5_000_000), short.learning_rate * 0.5);
        let paper = TrainConfig::paper();
        assert_eq!(paper.lr_at(0), paper.lr_at(9_000_000), "paper: constant");
    }
}
