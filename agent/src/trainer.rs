//! The training loop: CleanRL's PPO (rollout, GAE, clipped ratio, minibatch epochs) with an
//! optional intrinsic stream in the style of `ppo_rnd_envpool.py`, over any [`VecEnvironment`].
//!
//! One call of [`Trainer::update`] is one CleanRL iteration: `num_steps` vectorised steps, then
//! `update_epochs` passes over the batch in `num_minibatches` shuffled minibatches (without
//! replacement). It returns the finished episodes and the `charts/*` / `losses/*` scalars;
//! writing them to disk is [`crate::run`]'s job.
//!
//! **Invariant:** the intrinsic reward never enters the extrinsic reward. It has its own value
//! head, returns and advantages; the intrinsic stream is non-episodic (no `done` cut), the
//! extrinsic one episodic; the policy gradient uses `ext_coef * A_ext + int_coef * A_int`.
//!
//! **Invariant:** with `device = cpu`, `torch_threads = 1` and a fixed seed, a run is a pure
//! function of its configuration and environment: torch draws only the initial weights
//! (`tch::manual_seed`); actions, minibatch order and hash projections come from [`Rng`].
//!
//! Choices where CleanRL is silent or differs: truncation (the 2,000-tick cut) is treated as the
//! end of the episode with no bootstrap, as CleanRL does; the auto-reset hides the final
//! observation, so the intrinsic reward of the step that ended an episode is 0 (its transition
//! is also left out of ICM training).

use crate::adam::{Adam, clip_grad_norm as clip_group};
use crate::bonus::{Icm, Rnd, SimHash};
use crate::config::{Algo, Bonus, DeviceKind, InitScheme, StopAt, TrainConfig, UpdateRule};
use crate::envs::{Episode, VecEnvironment};
use crate::model::{ActorCritic, InputShape, Memory, RecurrentPolicy, frames_to_input, to_input};
use crate::ppo::{RunningMeanStd, entropy, gae, log_prob, normalize, policy_loss, value_loss};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::Path;
use std::time::Instant;
use tch::nn;
use tch::{Device, Kind, Tensor};

mod a3c;

/// Errors of the trainer.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A network that does not fit the observation.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// A torch error (device, checkpoint files).
    #[error("torch: {0}")]
    Torch(#[from] tch::TchError),
    /// `--device cuda` without a usable GPU.
    #[error(
        "device cuda requested but torch sees no CUDA device (tch::Cuda::is_available() is false)"
    )]
    NoCuda,
    /// A tensor that should have held numbers did not convert (wrong kind or shape).
    #[error("torch: reading {what} back from a tensor: {source}")]
    Convert {
        /// Which values.
        what: &'static str,
        /// The conversion error.
        source: tch::TchError,
    },
    /// Checkpoint state file.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// One finished episode, as written to `episodes.csv`: the records crate owns the row.
pub use priors_records::run::EpisodeRow;

/// Completion bookkeeping (the numbers `summary.json` reports).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Environment steps so far, summed over envs.
    pub global_step: u64,
    /// Updates (rollouts) done.
    pub update: u64,
    /// Episodes finished.
    pub episodes: u64,
    /// Successful episodes.
    pub successes: u64,
    /// `global_step` when the first episode reached the goal.
    pub first_success_step: Option<u64>,
    /// `global_step` when reliable completion first held.
    pub reliable_step: Option<u64>,
    /// Success flags of the last `reliable_window` episodes.
    pub window: VecDeque<bool>,
}

impl Progress {
    /// Success rate over the window (0 when empty).
    pub fn window_rate(&self) -> f64 {
        if self.window.is_empty() {
            0.0
        } else {
            self.window.iter().filter(|&&s| s).count() as f64 / self.window.len() as f64
        }
    }
}

/// What one update produced.
#[derive(Debug, Clone)]
pub struct UpdateReport {
    /// Episodes that ended during the rollout.
    pub episodes: Vec<EpisodeRow>,
    /// `charts/*` and `losses/*` scalars, always the same names in the same order (`None`: not
    /// applicable to this run or this update).
    pub scalars: Vec<(&'static str, Option<f64>)>,
}

/// Everything of a trainer that is not a torch variable, for checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedState {
    progress: Progress,
    rng: Rng,
    int_rms: RunningMeanStd,
    int_filter: Vec<f64>,
    simhash_counts: Vec<(u64, u32)>,
    rnd_obs: Option<(Vec<f32>, Vec<f32>, f64)>,
    /// Adam steps of the policy's and the ICM's optimisers (their moments are in optim.ot and
    /// icm_optim.ot); absent in checkpoints written before the optimiser state was saved.
    #[serde(default)]
    adam_steps: Option<(i64, Option<i64>)>,
}

/// The trainer: environment batch, networks, optimiser, bonus model and bookkeeping.
pub struct Trainer<E: VecEnvironment> {
    cfg: TrainConfig,
    env: E,
    device: Device,
    num_actions: usize,
    frame_len: usize,
    frame_shape: InputShape,
    input: InputShape,
    vs: nn::VarStore,
    target_vs: Option<nn::VarStore>,
    net: Option<ActorCritic>,
    /// The reference A3C's recurrent policy (`update = "a3c"`); `net` is then `None`.
    rnet: Option<RecurrentPolicy>,
    /// Its memory for the current episodes, `[1, num_envs, cells]`.
    memory: Option<Memory>,
    /// The policy's trainable tensors and the ICM's, clipped as separate groups.
    policy_params: Vec<Tensor>,
    icm_params: Vec<Tensor>,
    /// Where this update's time went (`perf/*` scalars).
    clock: Phases,
    icm: Option<Icm>,
    rnd: Option<Rnd>,
    simhash: Option<SimHash>,
    /// The policy's optimiser (every trainable variable, or all but the ICM's with
    /// `icm_own_optimizer`).
    opt: Option<Adam>,
    /// The ICM's own optimiser (`icm_own_optimizer`).
    icm_opt: Option<Adam>,
    rng: Rng,
    /// Stacked observations, `[N, k * c, h, w]`, oldest frame first.
    stack: Vec<u8>,
    /// Latest single observations, `[N, c, h, w]`.
    latest: Vec<u8>,
    /// With `final_transition`: per env, the frame its last finished episode ended in
    /// (`[N, c, h, w]`; a slot is fresh on the step its env's episode ended). Else empty.
    final_frames: Vec<u8>,
    int_rms: RunningMeanStd,
    int_filter: Vec<f64>,
    progress: Progress,
}

/// Serialises `manual_seed` + weight initialisation across threads (see [`Trainer::new`]).
static TORCH_SEED: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Sets the torch thread count once per process (later calls are ignored by libtorch for the
/// inter-op pool, so do it before any tensor work).
fn set_threads(n: usize) {
    tch::set_num_threads(n as i32);
}

/// Resolves the configured device, failing clearly when CUDA is asked for but absent.
pub fn device(kind: DeviceKind) -> Result<Device, TrainError> {
    match kind {
        DeviceKind::Cpu => Ok(Device::Cpu),
        DeviceKind::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
        DeviceKind::Cuda => Err(TrainError::NoCuda),
    }
}

impl<E: VecEnvironment> Trainer<E> {
    /// Builds a fresh trainer and resets the environments.
    pub fn new(cfg: TrainConfig, mut env: E) -> Result<Trainer<E>, TrainError> {
        cfg.validate()?;
        crate::alloc::keep_freed_memory();
        set_threads(cfg.torch_threads);
        // torch's generator is process-wide: hold a lock from seeding until the last weight is
        // drawn, so trainers built at once on several threads (parallel tests, one process
        // training several seeds) each get exactly their seed's weights.
        let _seeding = TORCH_SEED.lock().unwrap_or_else(|e| e.into_inner());
        tch::manual_seed(cfg.seed as i64);
        let device = device(cfg.device)?;
        let n = env.num_envs();
        if n != cfg.num_envs {
            return Err(crate::config::ConfigError(format!(
                "config says {} envs, the batch has {n}",
                cfg.num_envs
            ))
            .into());
        }
        if !env.set_action_repeat(cfg.action_repeat) {
            return Err(crate::config::ConfigError(format!(
                "action_repeat = {} needs an env that can hold an action for several ticks",
                cfg.action_repeat
            ))
            .into());
        }
        let num_actions = env.num_actions();
        let frame_shape = env.obs_shape();
        let (c, h, w) = frame_shape;
        let frame_len = c * h * w;
        let input = (c * cfg.frame_stack, h, w);
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let mut target_vs = None;
        let (mut net, mut icm, mut rnd, mut simhash, mut opt) = (None, None, None, None, None);
        let (mut icm_opt, mut rnet) = (None, None);
        if cfg.algo == Algo::Ppo {
            match cfg.update {
                UpdateRule::Ppo => {
                    net = Some(ActorCritic::new(
                        &(&root / "policy"),
                        cfg.net,
                        input,
                        cfg.hidden,
                        num_actions,
                    )?)
                }
                UpdateRule::A3c => {
                    rnet = Some(RecurrentPolicy::new(
                        &(&root / "policy"),
                        input,
                        cfg.lstm,
                        cfg.hidden,
                        num_actions,
                    )?)
                }
            }
            match cfg.bonus {
                Bonus::None => {}
                Bonus::Count => {
                    simhash = Some(SimHash::new(
                        frame_len,
                        cfg.simhash_bits,
                        cfg.count_beta,
                        cfg.seed,
                    ))
                }
                Bonus::Icm => {
                    icm = Some(
                        Icm::new(
                            &(&root / "icm"),
                            cfg.icm_net.unwrap_or(cfg.net),
                            input,
                            cfg.icm_feature,
                            cfg.hidden,
                            num_actions,
                            cfg.icm_forward_sum,
                        )?
                        .with_detached_target(cfg.icm_detach_target),
                    )
                }
                Bonus::Rnd => {
                    let mut tvs = nn::VarStore::new(device);
                    rnd = Some(Rnd::new(
                        &(&root / "rnd"),
                        &tvs.root(),
                        cfg.net,
                        frame_shape,
                        cfg.icm_feature,
                        cfg.hidden,
                    )?);
                    tvs.freeze();
                    target_vs = Some(tvs);
                }
            }
            if cfg.init == InitScheme::Reference {
                crate::model::reference_init(&vs);
            }
            if cfg.zero_init_ext_critic {
                crate::model::zero_vars(&vs, "policy.critic_ext");
            }
            let mut vars: Vec<(String, Tensor)> = vs
                .variables()
                .into_iter()
                .filter(|(_, t)| t.requires_grad())
                .collect();
            if cfg.bonus == Bonus::Icm && cfg.icm_own_optimizer {
                let (icm_vars, rest): (Vec<_>, Vec<_>) =
                    vars.into_iter().partition(|(n, _)| n.starts_with("icm"));
                vars = rest;
                icm_opt = Some(Adam::new(icm_vars, cfg.adam_eps));
            }
            opt = Some(Adam::new(vars, cfg.adam_eps));
        }
        let group = |icm: bool| -> Vec<Tensor> {
            let mut v: Vec<(String, Tensor)> = vs
                .variables()
                .into_iter()
                .filter(|(n, t)| t.requires_grad() && n.starts_with("icm") == icm)
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v.into_iter().map(|(_, t)| t).collect()
        };
        let (policy_params, icm_params) = (group(false), group(true));
        let memory = rnet.as_ref().map(|r| r.zero_memory(n, device));
        if cfg.final_transition && !env.keep_final_observations() {
            return Err(crate::config::ConfigError(
                "final_transition needs an env that gives each episode's final observation".into(),
            )
            .into());
        }
        let final_frames = if cfg.final_transition {
            vec![0; n * frame_len]
        } else {
            Vec::new()
        };
        let first = env.reset().to_vec();
        if let Some(s) = simhash.as_mut() {
            if cfg.count_subtract_start {
                s.set_center(&first);
            }
            if cfg.count_footprint {
                let bg = env.background().ok_or_else(|| {
                    crate::config::ConfigError(
                        "count_footprint needs an env that gives its static background".into(),
                    )
                })?;
                s.set_background(&bg);
            }
        }
        let mut t = Trainer {
            rng: Rng::new(cfg.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5),
            stack: vec![0; n * cfg.frame_stack * frame_len],
            latest: first,
            final_frames,
            int_filter: vec![0.0; n],
            cfg,
            env,
            device,
            num_actions,
            frame_len,
            frame_shape,
            input,
            vs,
            target_vs,
            net,
            rnet,
            memory,
            policy_params,
            icm_params,
            clock: Phases::default(),
            icm,
            rnd,
            simhash,
            opt,
            icm_opt,
            int_rms: RunningMeanStd::default(),
            progress: Progress::default(),
        };
        for e in 0..n {
            t.restack(e, true);
        }
        if let Some(s) = t.simhash.as_mut() {
            for f in t.latest.chunks_exact(t.frame_len) {
                s.visit(f);
            }
        }
        Ok(t)
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }
    /// Completion bookkeeping.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }
    /// The environment batch.
    pub fn env(&self) -> &E {
        &self.env
    }
    /// Distinct SimHash buckets seen (count bonus only).
    pub fn distinct_hashes(&self) -> Option<usize> {
        self.simhash.as_ref().map(|s| s.distinct())
    }
    /// The trainable variables (checkpoint tests).
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// Pushes env `e`'s latest frame into its stack; `fresh` fills every slot with it.
    fn restack(&mut self, e: usize, fresh: bool) {
        let (fl, k) = (self.frame_len, self.cfg.frame_stack);
        let s = &mut self.stack[e * k * fl..(e + 1) * k * fl];
        let f = &self.latest[e * fl..(e + 1) * fl];
        if fresh {
            for slot in s.chunks_exact_mut(fl) {
                slot.copy_from_slice(f);
            }
        } else {
            s.copy_within(fl.., 0);
            s[(k - 1) * fl..].copy_from_slice(f);
        }
    }

    /// Policy on the current stacks: (actions, log-probs, v_ext, v_int). `greedy` takes the
    /// argmax. A recurrent policy also advances its memory by this tick (its one value is
    /// returned as `v_ext`).
    fn act(&mut self, greedy: bool) -> Result<Acted, TrainError> {
        let n = self.cfg.num_envs;
        let x = to_input(&self.stack, n, self.input, self.device);
        let (logits, v_ext, v_int) = if let Some(rnet) = &self.rnet {
            let memory = self
                .memory
                .as_ref()
                .expect("a recurrent policy has a memory");
            let (logits, v, next) = tch::no_grad(|| rnet.step(&x, memory));
            self.memory = Some(next);
            let zeros = Tensor::zeros([n as i64], (Kind::Float, Device::Cpu));
            (logits, v, zeros)
        } else if let Some(net) = &self.net {
            let out = tch::no_grad(|| net.forward(&x));
            (out.logits, out.v_ext, out.v_int)
        } else {
            let a = (0..n).map(|_| self.rng.below(self.num_actions)).collect();
            let lp = vec![-(self.num_actions as f32).ln(); n];
            return Ok((a, lp, vec![0.0; n], vec![0.0; n]));
        };
        let logp = floats(
            &logits.log_softmax(-1, Kind::Float),
            "action log-probabilities",
        )?;
        let (v_ext, v_int) = (floats(&v_ext, "values")?, floats(&v_int, "values")?);
        let a_n = self.num_actions;
        let mut actions = Vec::with_capacity(n);
        let mut lps = Vec::with_capacity(n);
        for e in 0..n {
            let row = &logp[e * a_n..(e + 1) * a_n];
            let a = if greedy {
                row.iter()
                    .enumerate()
                    .fold(0, |b, (i, &x)| if x > row[b] { i } else { b })
            } else {
                let probs: Vec<f32> = row.iter().map(|x| x.exp()).collect();
                self.rng.categorical(&probs)
            };
            actions.push(a);
            lps.push(row[a]);
        }
        Ok((actions, lps, v_ext, v_int))
    }

    fn record_episode(&mut self, e: usize, ep: &Episode, out: &mut Vec<EpisodeRow>) {
        let p = &mut self.progress;
        out.push(episode_row(p.global_step, p.episodes, e, ep));
        p.episodes += 1;
        if ep.success {
            p.successes += 1;
            p.first_success_step.get_or_insert(p.global_step);
        }
        p.window.push_back(ep.success);
        while p.window.len() > self.cfg.reliable_window {
            p.window.pop_front();
        }
        if p.reliable_step.is_none()
            && p.window.len() == self.cfg.reliable_window
            && p.window_rate() >= self.cfg.reliable_rate
        {
            p.reliable_step = Some(p.global_step);
        }
    }

    /// Whether training should stop: the budget is spent, or the measure the run stops at
    /// (`stop_at`) is known.
    pub fn done(&self) -> bool {
        let p = &self.progress;
        p.global_step >= self.cfg.max_steps
            || match self.cfg.stop_rule() {
                StopAt::Budget => false,
                StopAt::First => p.first_success_step.is_some(),
                StopAt::Reliable => p.reliable_step.is_some(),
            }
    }

    /// Whether this trainer has networks to learn (not the random baseline).
    fn learns(&self) -> bool {
        self.net.is_some() || self.rnet.is_some()
    }

    /// Forgets the recurrent memory of the envs whose episode ended (the reference resets its
    /// LSTM features at every episode end); nothing without a recurrent policy.
    fn forget(&mut self, done: &[bool]) {
        if let Some(m) = self.memory.as_mut() {
            let keep: Vec<f32> = done.iter().map(|&d| if d { 0.0 } else { 1.0 }).collect();
            let keep = Tensor::from_slice(&keep)
                .view([1, done.len() as i64, 1])
                .to_device(self.device);
            *m = tch::nn::LSTMState((&m.0.0 * &keep, &m.0.1 * &keep));
        }
    }

    /// One rollout and (for a learner) one optimisation phase: PPO's epochs of minibatches, or
    /// the reference A3C's one step per rollout segment (`update = "a3c"`).
    pub fn update(&mut self) -> Result<UpdateReport, TrainError> {
        if self.rnet.is_some() {
            return self.update_a3c();
        }
        let lr = self.cfg.lr_at(self.progress.global_step);
        self.clock = Phases::default();
        // ALGO LOGIC: rollout
        let mut ro = self.collect_rollout()?;
        if self.net.is_none() {
            self.progress.update += 1;
            return Ok(UpdateReport {
                episodes: ro.episodes,
                scalars: self.scalars(lr, None),
            });
        }
        // ALGO LOGIC: intrinsic rewards from the bonus models, then their normalisation
        let t = Instant::now();
        self.model_bonuses(&mut ro)?;
        self.clock.bonus += t.elapsed().as_secs_f64();
        let raw_int_mean = ro.r_int.iter().map(|&x| x as f64).sum::<f64>() / ro.len() as f64;
        self.normalise_intrinsic(&mut ro.r_int);
        // ALGO LOGIC: advantages and returns of both streams
        let adv = self.advantages(&ro)?;
        // ALGO LOGIC: optimisation epochs
        let losses = self.optimise(&ro, &adv, lr)?;
        self.progress.update += 1;
        let mut scalars = self.scalars(lr, Some(raw_int_mean));
        scalars.extend(losses.scalars(&self.cfg, explained_variance(&adv.ret_ext, &ro.v_ext)));
        scalars.extend(self.clock.scalars());
        Ok(UpdateReport {
            episodes: ro.episodes,
            scalars,
        })
    }

    /// Steps every env `num_steps` times with the current policy; keeps what the update needs.
    fn collect_rollout(&mut self) -> Result<Rollout, TrainError> {
        let (n, steps) = (self.cfg.num_envs, self.cfg.num_steps);
        let batch = n * steps;
        let in_len = self.stack.len() / n;
        let learning = self.net.is_some();
        let keep_next = self.icm.is_some() || self.rnd.is_some();
        let mut ro = Rollout::with_capacity(batch);
        ro.obs.reserve(if learning { batch * in_len } else { 0 });
        ro.next.reserve(if keep_next { batch * in_len } else { 0 });
        if self.rnd.is_some() {
            ro.next_frames.reserve(batch * self.frame_len);
        }
        ro.r_int = vec![0f32; batch];
        for t in 0..steps {
            if learning {
                ro.obs.extend_from_slice(&self.stack);
            }
            let clock = Instant::now();
            let (a, lp, ve, vi) = self.act(false)?;
            self.clock.policy += clock.elapsed().as_secs_f64();
            let done = self.step_envs(&a, &mut ro.r_ext, &mut ro.episodes);
            let clock = Instant::now();
            for (e, &d) in done.iter().enumerate() {
                if let Some(s) = self.simhash.as_mut() {
                    let b = s.visit(&self.latest[e * self.frame_len..(e + 1) * self.frame_len]);
                    if !d {
                        ro.r_int[t * n + e] = b;
                    }
                }
            }
            self.clock.bonus += clock.elapsed().as_secs_f64();
            if keep_next {
                ro.next.extend_from_slice(&self.stack);
            }
            if self.rnd.is_some() {
                ro.next_frames.extend_from_slice(&self.latest);
            }
            ro.dones.extend(done);
            ro.actions.extend(a.iter().map(|&x| x as i64));
            ro.logps.extend(lp);
            ro.v_ext.extend(ve);
            ro.v_int.extend(vi);
        }
        if let Some(net) = &self.net {
            let x = to_input(&self.stack, n, self.input, self.device);
            let out = tch::no_grad(|| net.forward(&x));
            ro.last_ext = floats(&out.v_ext, "bootstrap values")?;
            ro.last_int = floats(&out.v_int, "bootstrap values")?;
        }
        Ok(ro)
    }

    /// Steps the envs with `actions`: counts the steps, records ended episodes, restacks the
    /// frames, forgets ended episodes' memory; appends the rewards and returns the done flags.
    fn step_envs(
        &mut self,
        actions: &[usize],
        rewards: &mut Vec<f32>,
        episodes: &mut Vec<EpisodeRow>,
    ) -> Vec<bool> {
        let n = self.cfg.num_envs;
        let t = Instant::now();
        let tr = self.env.step(actions);
        // Env steps count ticks, also where an action is held for several.
        self.progress.global_step += match tr.ticks {
            Some(t) => t.iter().map(|&k| k as u64).sum(),
            None => n as u64,
        };
        self.latest.copy_from_slice(tr.obs);
        rewards.extend_from_slice(tr.rewards);
        let done = tr.done();
        if let Some(f) = tr.final_obs.filter(|_| !self.final_frames.is_empty()) {
            let fl = self.frame_len;
            for (e, _) in done.iter().enumerate().filter(|(_, d)| **d) {
                self.final_frames[e * fl..(e + 1) * fl].copy_from_slice(&f[e * fl..(e + 1) * fl]);
            }
        }
        let ended: Vec<(usize, Episode)> = tr
            .episodes
            .iter()
            .enumerate()
            .filter_map(|(e, ep)| ep.map(|ep| (e, ep)))
            .collect();
        for (e, ep) in ended {
            self.record_episode(e, &ep, episodes);
        }
        for (e, &d) in done.iter().enumerate() {
            self.restack(e, d);
        }
        self.forget(&done);
        self.clock.env += t.elapsed().as_secs_f64();
        done
    }

    /// The ICM's forward errors (times `icm_eta`) for transitions `obs -> next` by `actions`,
    /// without gradients, in chunks; 0 where `done` (the auto-reset hides the final frame).
    fn icm_bonus(
        &self,
        icm: &Icm,
        obs: &[u8],
        next: &[u8],
        actions: &[i64],
        done: &[bool],
    ) -> Result<Vec<f32>, TrainError> {
        const CHUNK: usize = 1024;
        let in_len = self.input.0 * self.input.1 * self.input.2;
        let mut out = Vec::with_capacity(actions.len());
        for s in (0..actions.len()).step_by(CHUNK) {
            let m = CHUNK.min(actions.len() - s);
            let o = to_input(
                &obs[s * in_len..(s + m) * in_len],
                m,
                self.input,
                self.device,
            );
            let nx = to_input(
                &next[s * in_len..(s + m) * in_len],
                m,
                self.input,
                self.device,
            );
            let a = Tensor::from_slice(&actions[s..s + m]).to_device(self.device);
            let f = tch::no_grad(|| icm.terms(&o, &nx, &a).forward);
            out.extend(floats(&f, "ICM forward errors")?);
        }
        for (x, &d) in out.iter_mut().zip(done) {
            *x = if d { 0.0 } else { self.cfg.icm_eta as f32 * *x };
        }
        Ok(out)
    }

    /// Model-based intrinsic rewards (ICM, RND) of the whole rollout.
    fn model_bonuses(&mut self, ro: &mut Rollout) -> Result<(), TrainError> {
        if let Some(icm) = &self.icm {
            ro.r_int = self.icm_bonus(icm, &ro.obs, &ro.next, &ro.actions, &ro.dones)?;
        }
        if let Some(rnd) = self.rnd.as_mut() {
            let x = to_input(&ro.next_frames, ro.len(), self.frame_shape, self.device);
            rnd.update_obs_stats(&x);
            let err = tch::no_grad(|| rnd.error(&x));
            let err = floats(&err, "RND errors")?;
            for ((r, v), &d) in ro.r_int.iter_mut().zip(err).zip(&ro.dones) {
                *r = if d { 0.0 } else { v };
            }
        }
        Ok(())
    }

    /// Divides the intrinsic rewards by a running std of their discounted sum (RND), if on.
    fn normalise_intrinsic(&mut self, r_int: &mut [f32]) {
        let cfg = &self.cfg;
        if cfg.bonus == Bonus::None || !cfg.norm_int_reward {
            return;
        }
        let n = cfg.num_envs;
        let mut filtered = Vec::with_capacity(r_int.len());
        for t in 0..r_int.len() / n {
            for e in 0..n {
                self.int_filter[e] = self.int_filter[e] * cfg.gamma_int + r_int[t * n + e] as f64;
                filtered.push(self.int_filter[e] as f32);
            }
        }
        self.int_rms.update(&filtered);
        let sd = self.int_rms.std().max(1e-8) as f32;
        r_int.iter_mut().for_each(|r| *r /= sd);
    }

    /// GAE of both streams and the policy's combined advantage.
    fn advantages(&self, ro: &Rollout) -> Result<Advantages, TrainError> {
        let cfg = &self.cfg;
        let n = cfg.num_envs;
        let (adv_ext, ret_ext) = gae(
            &ro.r_ext,
            &ro.v_ext,
            &ro.dones,
            &ro.last_ext,
            n,
            cfg.gamma_ext,
            cfg.gae_lambda,
        );
        let no_dones = vec![false; ro.len()];
        let (adv_int, ret_int) = gae(
            &ro.r_int,
            &ro.v_int,
            if cfg.int_episodic {
                &ro.dones
            } else {
                &no_dones
            },
            &ro.last_int,
            n,
            cfg.gamma_int,
            cfg.gae_lambda,
        );
        let adv = if cfg.bonus != Bonus::None {
            adv_ext
                .iter()
                .zip(&adv_int)
                .map(|(a, b)| cfg.ext_coef as f32 * a + cfg.int_coef as f32 * b)
                .collect()
        } else {
            adv_ext
        };
        Ok(Advantages {
            adv,
            ret_ext,
            ret_int,
        })
    }

    /// PPO's epochs over shuffled minibatches (with the bonus model's loss); the mean losses.
    fn optimise(
        &mut self,
        ro: &Rollout,
        adv: &Advantages,
        lr: f64,
    ) -> Result<LossMeans, TrainError> {
        let cfg = self.cfg.clone();
        let dev = self.device;
        let net = self.net.as_ref().expect("optimise needs the PPO network");
        let batch = ro.len();
        let (c, h, w) = self.input;
        let shape = |k: usize| [batch as i64, c as i64, h as i64, w as i64][..k].to_vec();
        let b_obs = Tensor::from_slice(&ro.obs)
            .view(&shape(4)[..])
            .to_device(dev);
        let b_next = (!ro.next.is_empty()).then(|| {
            Tensor::from_slice(&ro.next)
                .view(&shape(4)[..])
                .to_device(dev)
        });
        let b_frames = self.rnd.is_some().then(|| {
            let (fc, fh, fw) = self.frame_shape;
            Tensor::from_slice(&ro.next_frames)
                .view([batch as i64, fc as i64, fh as i64, fw as i64])
                .to_device(dev)
        });
        let valid: Vec<f32> = ro
            .dones
            .iter()
            .map(|&d| if d { 0.0 } else { 1.0 })
            .collect();
        let f = |v: &[f32]| Tensor::from_slice(v).to_device(dev);
        let b_valid = f(&valid);
        let b_act = Tensor::from_slice(&ro.actions).to_device(dev);
        let (b_logp, b_adv) = (f(&ro.logps), f(&adv.adv));
        let (b_ret_ext, b_ret_int) = (f(&adv.ret_ext), f(&adv.ret_int));
        let (b_v_ext, b_v_int) = (f(&ro.v_ext), f(&ro.v_int));
        let has_int = cfg.bonus != Bonus::None;
        let mb = cfg.minibatch_size();
        let clip_v = cfg.clip_vloss.then_some(cfg.clip_coef);
        let mut sums = LossMeans::default();
        'epochs: for _epoch in 0..cfg.update_epochs {
            let perm: Vec<i64> = self
                .rng
                .permutation(batch)
                .into_iter()
                .map(|i| i as i64)
                .collect();
            for start in (0..batch).step_by(mb) {
                let t = Instant::now();
                let idx = Tensor::from_slice(&perm[start..start + mb]).to_device(dev);
                let x = frames_to_input(&b_obs.index_select(0, &idx));
                let out = net.forward(&x);
                let act = b_act.index_select(0, &idx);
                let new_lp = log_prob(&out.logits, &act);
                let mut a = b_adv.index_select(0, &idx);
                if cfg.norm_adv {
                    a = normalize(&a);
                }
                let pl = policy_loss(&new_lp, &b_logp.index_select(0, &idx), &a, cfg.clip_coef);
                let sel = |t: &Tensor| t.index_select(0, &idx);
                let vl_ext = value_loss(&out.v_ext, &sel(&b_v_ext), &sel(&b_ret_ext), clip_v);
                let vl_int = if has_int {
                    value_loss(&out.v_int, &sel(&b_v_int), &sel(&b_ret_int), clip_v)
                } else {
                    Tensor::zeros([], (Kind::Float, dev))
                };
                let ent = entropy(&out.logits);
                let mut loss = &pl.loss - cfg.ent_coef * &ent + cfg.vf_coef * (&vl_ext + &vl_int);
                // Model losses on a random subset of the minibatch (RND's update proportion).
                let subset: Vec<f32> = (0..mb)
                    .map(|_| {
                        if self.rng.next_f64() < cfg.model_update_proportion {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let subset = Tensor::from_slice(&subset).to_device(dev);
                let (mut fwd_l, mut inv_l) = (None, None);
                if let (Some(icm), Some(nx)) = (&self.icm, &b_next) {
                    let xn = frames_to_input(&nx.index_select(0, &idx));
                    let terms = icm.terms(&x, &xn, &act);
                    let m = subset * b_valid.index_select(0, &idx);
                    let denom = m.sum(Kind::Float).clamp_min(1.0);
                    let fl = (&terms.forward * &m).sum(Kind::Float) / &denom;
                    let il = (&terms.inverse * &m).sum(Kind::Float) / &denom;
                    fwd_l = Some(fl.double_value(&[]));
                    inv_l = Some(il.double_value(&[]));
                    loss += cfg.model_loss_coef * ((1.0 - cfg.icm_beta) * il + cfg.icm_beta * fl);
                } else if let (Some(rnd), Some(fr)) = (&self.rnd, &b_frames) {
                    let xf = frames_to_input(&fr.index_select(0, &idx));
                    let err = rnd.error(&xf);
                    let fl =
                        (&err * &subset).sum(Kind::Float) / subset.sum(Kind::Float).clamp_min(1.0);
                    fwd_l = Some(fl.double_value(&[]));
                    loss += cfg.model_loss_coef * fl;
                }
                let opt = self.opt.as_mut().expect("ppo has an optimiser");
                opt.zero_grad();
                if let Some(io) = self.icm_opt.as_mut() {
                    io.zero_grad();
                }
                // The ICM's loss reaches only its own variables (its bonus was computed without
                // gradients), so one backward pass serves both optimisers.
                self.clock.forward += t.elapsed().as_secs_f64();
                let t = Instant::now();
                loss.backward();
                self.clock.backward += t.elapsed().as_secs_f64();
                let t = Instant::now();
                let gn = clip_group(&opt.tensors(), cfg.max_grad_norm);
                opt.step(lr);
                if let Some(io) = self.icm_opt.as_mut() {
                    clip_group(&io.tensors(), cfg.max_grad_norm);
                    io.step(lr * cfg.icm_lr_scale);
                }
                self.clock.optim += t.elapsed().as_secs_f64();
                let approx_kl = pl.approx_kl.double_value(&[]);
                sums.add(&LossMeans {
                    policy: pl.loss.double_value(&[]),
                    value: vl_ext.double_value(&[]),
                    int_value: vl_int.double_value(&[]),
                    entropy: ent.double_value(&[]),
                    old_approx_kl: pl.old_approx_kl.double_value(&[]),
                    approx_kl,
                    clipfrac: pl.clipfrac.double_value(&[]),
                    grad_norm: gn,
                    forward: fwd_l.unwrap_or(0.0),
                    inverse: inv_l.unwrap_or(0.0),
                    count: 1,
                });
                if cfg.target_kl.is_some_and(|k| approx_kl > k) {
                    break 'epochs;
                }
            }
        }
        Ok(sums.mean())
    }

    /// The `charts/*` scalars, plus `losses/*` as `None` for the random baseline.
    fn scalars(&self, lr: f64, int_mean: Option<f64>) -> Vec<(&'static str, Option<f64>)> {
        let p = &self.progress;
        let mut v = vec![
            ("charts/learning_rate", Some(lr)),
            ("charts/episodes", Some(p.episodes as f64)),
            ("charts/success_rate_window", Some(p.window_rate())),
            ("charts/mean_intrinsic_reward", int_mean),
            (
                "charts/distinct_hashes",
                self.simhash.as_ref().map(|s| s.distinct() as f64),
            ),
        ];
        if !self.learns() {
            for k in LOSS_NAMES {
                v.push((k, None));
            }
        }
        v
    }

    /// Runs the current policy (greedy or sampled) until `episodes` episodes have ended, without
    /// learning. `on_episode(env, stats, actions)` receives each episode with its action indices.
    pub fn evaluate(
        &mut self,
        episodes: usize,
        greedy: bool,
        mut on_episode: impl FnMut(usize, &Episode, &[usize]),
    ) -> Result<(), TrainError> {
        let n = self.cfg.num_envs;
        let mut acts: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut done_count = 0;
        // Start from fresh episodes so every recorded action list is complete.
        self.latest = self.env.reset().to_vec();
        for e in 0..n {
            self.restack(e, true);
        }
        self.forget(&vec![true; n]);
        while done_count < episodes {
            let (a, ..) = self.act(greedy)?;
            let tr = self.env.step(&a);
            self.latest.copy_from_slice(tr.obs);
            let done = tr.done();
            let eps: Vec<Option<Episode>> = tr.episodes.to_vec();
            for e in 0..n {
                acts[e].push(a[e]);
                if let Some(ep) = &eps[e]
                    && done_count < episodes
                {
                    on_episode(e, ep, &acts[e]);
                    done_count += 1;
                }
                if done[e] {
                    acts[e].clear();
                }
                self.restack(e, done[e]);
            }
            self.forget(&done);
        }
        Ok(())
    }

    /// Writes `model.ot` (and `target.ot` for RND) and `state.json` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        std::fs::create_dir_all(dir).map_err(|e| ck(dir, e))?;
        // Each file is written beside its final name and renamed into place, so a kill during a
        // checkpoint leaves the previous file whole (state.json last: it marks a usable checkpoint).
        if self.learns() {
            self.vs.save(dir.join("model.ot.tmp"))?;
            std::fs::rename(dir.join("model.ot.tmp"), dir.join("model.ot"))
                .map_err(|e| ck(dir, e))?;
        }
        if let Some(t) = &self.target_vs {
            t.save(dir.join("target.ot.tmp"))?;
            std::fs::rename(dir.join("target.ot.tmp"), dir.join("target.ot"))
                .map_err(|e| ck(dir, e))?;
        }
        let rnd_obs = match self.rnd.as_ref() {
            Some(r) => {
                let (m, v, c) = r.obs_stats();
                Some((
                    floats(m, "RND observation means")?,
                    floats(v, "RND observation variances")?,
                    c,
                ))
            }
            None => None,
        };
        let st = SavedState {
            progress: self.progress.clone(),
            rng: self.rng,
            int_rms: self.int_rms,
            int_filter: self.int_filter.clone(),
            simhash_counts: self
                .simhash
                .as_ref()
                .map(|s| s.counts_sorted())
                .unwrap_or_default(),
            rnd_obs,
            adam_steps: self
                .opt
                .as_ref()
                .map(|o| (o.steps, self.icm_opt.as_ref().map(|i| i.steps))),
        };
        if let Some(o) = &self.opt {
            o.save(&dir.join("optim.ot.tmp"))?;
            std::fs::rename(dir.join("optim.ot.tmp"), dir.join("optim.ot"))
                .map_err(|e| ck(dir, e))?;
        }
        if let Some(o) = &self.icm_opt {
            o.save(&dir.join("icm_optim.ot.tmp"))?;
            std::fs::rename(dir.join("icm_optim.ot.tmp"), dir.join("icm_optim.ot"))
                .map_err(|e| ck(dir, e))?;
        }
        let text = serde_json::to_string(&st).map_err(|e| ck(dir, e))?;
        let tmp = dir.join("state.json.tmp");
        std::fs::write(&tmp, text).map_err(|e| ck(dir, e))?;
        std::fs::rename(&tmp, dir.join("state.json")).map_err(|e| ck(dir, e))?;
        Ok(())
    }

    /// Restores a checkpoint written by [`Trainer::save`] into a trainer built with the same
    /// configuration, Adam's moments and step counts included (checkpoints from before they were
    /// saved restart them from zero). The environments restart from fresh episodes, so a resumed
    /// run is not bit-identical to an uninterrupted one.
    pub fn load(&mut self, dir: &Path) -> Result<(), TrainError> {
        if self.learns() {
            self.vs.load(dir.join("model.ot"))?;
        }
        if let Some(t) = self.target_vs.as_mut() {
            t.load(dir.join("target.ot"))?;
        }
        let path = dir.join("state.json");
        let text = std::fs::read_to_string(&path).map_err(|e| ck(&path, e))?;
        let st: SavedState = serde_json::from_str(&text).map_err(|e| ck(&path, e))?;
        if let Some((steps, icm_steps)) = st.adam_steps {
            if let Some(o) = self.opt.as_mut() {
                o.load(&dir.join("optim.ot"))?;
                o.steps = steps;
            }
            if let (Some(o), Some(n)) = (self.icm_opt.as_mut(), icm_steps) {
                o.load(&dir.join("icm_optim.ot"))?;
                o.steps = n;
            }
        }
        self.progress = st.progress;
        self.rng = st.rng;
        self.int_rms = st.int_rms;
        if st.int_filter.len() == self.int_filter.len() {
            self.int_filter = st.int_filter;
        }
        if let Some(s) = self.simhash.as_mut() {
            s.set_counts(&st.simhash_counts);
        }
        if let (Some(r), Some((m, v, c))) = (self.rnd.as_mut(), st.rnd_obs) {
            let (fc, fh, fw) = self.frame_shape;
            let shape = [fc as i64, fh as i64, fw as i64];
            r.set_obs_stats(
                Tensor::from_slice(&m).view(shape).to_device(self.device),
                Tensor::from_slice(&v).view(shape).to_device(self.device),
                c,
            );
        }
        Ok(())
    }
}

/// The `episodes.csv` row of an episode that ended at `env_steps_total` steps.
pub(crate) fn episode_row(
    env_steps_total: u64,
    episode: u64,
    env: usize,
    ep: &Episode,
) -> EpisodeRow {
    EpisodeRow {
        env_steps_total,
        episode,
        env,
        length: ep.length,
        ret: ep.ret,
        success: ep.success,
        death_cause: ep
            .death_cause
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| "NA".into()),
        truncated: ep.truncated,
        unique_positions: ep.unique_positions,
        deaths: ep.deaths,
        max_tier: ep.max_tier,
    }
}

/// What [`Trainer::collect_rollout`] keeps: time-major arrays, index `t * num_envs + env`.
#[derive(Debug, Default)]
struct Rollout {
    /// Stacked observations before each step (learners only).
    obs: Vec<u8>,
    /// Stacked observations after each step (a bonus model only; after an episode's end: the
    /// next episode's first, and the transition is masked out).
    next: Vec<u8>,
    /// Single frames after each step (RND only).
    next_frames: Vec<u8>,
    actions: Vec<i64>,
    logps: Vec<f32>,
    v_ext: Vec<f32>,
    v_int: Vec<f32>,
    r_ext: Vec<f32>,
    r_int: Vec<f32>,
    dones: Vec<bool>,
    /// Values of the observations after the last step, per env.
    last_ext: Vec<f32>,
    last_int: Vec<f32>,
    /// Episodes that ended during the rollout.
    episodes: Vec<EpisodeRow>,
}

impl Rollout {
    fn with_capacity(batch: usize) -> Rollout {
        Rollout {
            actions: Vec::with_capacity(batch),
            logps: Vec::with_capacity(batch),
            v_ext: Vec::with_capacity(batch),
            v_int: Vec::with_capacity(batch),
            r_ext: Vec::with_capacity(batch),
            dones: Vec::with_capacity(batch),
            ..Rollout::default()
        }
    }

    /// Samples in the rollout.
    fn len(&self) -> usize {
        self.actions.len()
    }
}

/// The policy's advantage and both streams' returns.
#[derive(Debug)]
struct Advantages {
    adv: Vec<f32>,
    ret_ext: Vec<f32>,
    ret_int: Vec<f32>,
}

/// Sums (then means) of the `losses/*` scalars over an update's optimiser steps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct LossMeans {
    policy: f64,
    value: f64,
    int_value: f64,
    entropy: f64,
    old_approx_kl: f64,
    approx_kl: f64,
    clipfrac: f64,
    grad_norm: f64,
    forward: f64,
    inverse: f64,
    /// Optimiser steps summed.
    count: u32,
}

impl LossMeans {
    fn add(&mut self, o: &LossMeans) {
        self.policy += o.policy;
        self.value += o.value;
        self.int_value += o.int_value;
        self.entropy += o.entropy;
        self.old_approx_kl += o.old_approx_kl;
        self.approx_kl += o.approx_kl;
        self.clipfrac += o.clipfrac;
        self.grad_norm += o.grad_norm;
        self.forward += o.forward;
        self.inverse += o.inverse;
        self.count += o.count;
    }

    /// The means of the sums (zeros when nothing was summed).
    fn mean(&self) -> LossMeans {
        let k = self.count.max(1) as f64;
        LossMeans {
            policy: self.policy / k,
            value: self.value / k,
            int_value: self.int_value / k,
            entropy: self.entropy / k,
            old_approx_kl: self.old_approx_kl / k,
            approx_kl: self.approx_kl / k,
            clipfrac: self.clipfrac / k,
            grad_norm: self.grad_norm / k,
            forward: self.forward / k,
            inverse: self.inverse / k,
            count: self.count,
        }
    }

    /// The `losses/*` scalars in [`LOSS_NAMES`] order (`None` where not applicable).
    fn scalars(&self, cfg: &TrainConfig, ev: Option<f64>) -> Vec<(&'static str, Option<f64>)> {
        let has_int = cfg.bonus != Bonus::None && cfg.update == UpdateRule::Ppo;
        let ppo = cfg.update == UpdateRule::Ppo;
        let vals = [
            Some(self.policy),
            Some(self.value),
            has_int.then_some(self.int_value),
            Some(self.entropy),
            ppo.then_some(self.old_approx_kl),
            ppo.then_some(self.approx_kl),
            ppo.then_some(self.clipfrac),
            Some(self.grad_norm),
            ev,
            matches!(cfg.bonus, Bonus::Icm | Bonus::Rnd).then_some(self.forward),
            (cfg.bonus == Bonus::Icm).then_some(self.inverse),
        ];
        LOSS_NAMES.iter().copied().zip(vals).collect()
    }
}

/// `1 - Var(returns - values) / Var(returns)`; `None` when the returns do not vary.
fn explained_variance(returns: &[f32], values: &[f32]) -> Option<f64> {
    let var_y = variance(returns);
    if var_y == 0.0 {
        return None;
    }
    let diff: Vec<f32> = returns.iter().zip(values).map(|(r, v)| r - v).collect();
    Some(1.0 - variance(&diff) / var_y)
}

/// Seconds spent in each phase of one update (CPU work is synchronous, so wall time is the
/// phase's time; on CUDA, kernels queue and the time lands where the host waits).
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    /// Stepping the envs (core ticks and observations) and restacking frames.
    env: f64,
    /// The policy's forward passes while acting.
    policy: f64,
    /// Exploration bonuses (hashing, ICM / RND forward passes).
    bonus: f64,
    /// Forward passes and losses of the learning step(s).
    forward: f64,
    /// Backward passes.
    backward: f64,
    /// Gradient clipping and optimiser steps.
    optim: f64,
}

impl Phases {
    fn scalars(&self) -> [(&'static str, Option<f64>); 6] {
        [
            ("perf/env_s", Some(self.env)),
            ("perf/policy_s", Some(self.policy)),
            ("perf/bonus_s", Some(self.bonus)),
            ("perf/forward_s", Some(self.forward)),
            ("perf/backward_s", Some(self.backward)),
            ("perf/optim_s", Some(self.optim)),
        ]
    }
}

/// What [`Trainer::act`] returns: actions, their log-probabilities, extrinsic and intrinsic
/// values, each per env.
type Acted = (Vec<usize>, Vec<f32>, Vec<f32>, Vec<f32>);

/// The values of a tensor (any device, any shape) as a flat `Vec<f32>`, or an error naming them.
fn floats(t: &Tensor, what: &'static str) -> Result<Vec<f32>, TrainError> {
    Vec::<f32>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Float).flatten(0, -1))
        .map_err(|source| TrainError::Convert { what, source })
}

/// Names of the `losses/*` scalars in report order.
pub const LOSS_NAMES: [&str; 11] = [
    "losses/policy_loss",
    "losses/value_loss",
    "losses/int_value_loss",
    "losses/entropy",
    "losses/old_approx_kl",
    "losses/approx_kl",
    "losses/clipfrac",
    "losses/grad_norm",
    "losses/explained_variance",
    "losses/forward_loss",
    "losses/inverse_loss",
];

fn ck(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn variance(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let n = x.len() as f64;
    let m = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / n
}
