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
use crate::config::{Algo, Bonus, DeviceKind, TrainConfig};
use crate::envs::{Episode, VecEnvironment};
use crate::model::{ActorCritic, InputShape, to_input};
use crate::ppo::{RunningMeanStd, entropy, gae, log_prob, normalize, policy_loss, value_loss};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::Path;
use tch::nn;
use tch::{Device, Kind, Tensor};

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
        let num_actions = env.num_actions();
        let frame_shape = env.obs_shape();
        let (c, h, w) = frame_shape;
        let frame_len = c * h * w;
        let input = (c * cfg.frame_stack, h, w);
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let mut target_vs = None;
        let (mut net, mut icm, mut rnd, mut simhash, mut opt) = (None, None, None, None, None);
        let mut icm_opt = None;
        if cfg.algo == Algo::Ppo {
            net = Some(ActorCritic::new(
                &(&root / "policy"),
                cfg.net,
                input,
                cfg.hidden,
                num_actions,
            )?);
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
                    icm = Some(Icm::new(
                        &(&root / "icm"),
                        cfg.icm_net.unwrap_or(cfg.net),
                        input,
                        cfg.icm_feature,
                        cfg.hidden,
                        num_actions,
                        cfg.icm_forward_sum,
                    )?)
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
            // CleanRL's Adam epsilon 1e-5 (PyTorch's default is 1e-8).
            let mut vars: Vec<(String, Tensor)> = vs
                .variables()
                .into_iter()
                .filter(|(_, t)| t.requires_grad())
                .collect();
            if cfg.bonus == Bonus::Icm && cfg.icm_own_optimizer {
                let (icm_vars, rest): (Vec<_>, Vec<_>) =
                    vars.into_iter().partition(|(n, _)| n.starts_with("icm"));
                vars = rest;
                icm_opt = Some(Adam::new(icm_vars, 1e-5));
            }
            opt = Some(Adam::new(vars, 1e-5));
        }
        let first = env.reset().to_vec();
        if let Some(s) = simhash.as_mut()
            && cfg.count_subtract_start
        {
            s.set_center(&first);
        }
        let mut t = Trainer {
            rng: Rng::new(cfg.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5),
            stack: vec![0; n * cfg.frame_stack * frame_len],
            latest: first,
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

    /// Policy on the current stacks: (actions, log-probs, v_ext, v_int). `greedy` takes the argmax.
    fn act(&mut self, greedy: bool) -> (Vec<usize>, Vec<f32>, Vec<f32>, Vec<f32>) {
        let n = self.cfg.num_envs;
        let Some(net) = &self.net else {
            let a = (0..n).map(|_| self.rng.below(self.num_actions)).collect();
            let lp = vec![-(self.num_actions as f32).ln(); n];
            return (a, lp, vec![0.0; n], vec![0.0; n]);
        };
        let (logp, v_ext, v_int) = tch::no_grad(|| {
            let out = net.forward(&to_input(&self.stack, n, self.input, self.device));
            (
                out.logits
                    .log_softmax(-1, Kind::Float)
                    .to_device(Device::Cpu),
                out.v_ext.to_device(Device::Cpu),
                out.v_int.to_device(Device::Cpu),
            )
        });
        let logp: Vec<f32> = Vec::<f32>::try_from(logp.flatten(0, -1)).unwrap_or_default();
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
        (
            actions,
            lps,
            Vec::<f32>::try_from(v_ext).unwrap_or_default(),
            Vec::<f32>::try_from(v_int).unwrap_or_default(),
        )
    }

    fn record_episode(&mut self, e: usize, ep: &Episode, out: &mut Vec<EpisodeRow>) {
        let p = &mut self.progress;
        out.push(EpisodeRow {
            env_steps_total: p.global_step,
            episode: p.episodes,
            env: e,
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
        });
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

    /// Whether training should stop (budget spent, or reliable completion with early stop on).
    pub fn done(&self) -> bool {
        self.progress.global_step >= self.cfg.max_steps
            || (self.cfg.stop_on_reliable && self.progress.reliable_step.is_some())
    }

    /// One rollout and (for PPO) one optimisation phase.
    pub fn update(&mut self) -> UpdateReport {
        let cfg = self.cfg.clone();
        let (n, steps) = (cfg.num_envs, cfg.num_steps);
        let batch = n * steps;
        let in_len = self.stack.len() / n;
        // A fixed horizon, not the budget: a run's schedule does not depend on --max-steps, and
        // a resumed run continues it from its recorded global step.
        let lr = cfg.lr_at(self.progress.global_step);
        let mut obs_buf = Vec::with_capacity(if self.net.is_some() {
            batch * in_len
        } else {
            0
        });
        let keep_next = self.icm.is_some() || self.rnd.is_some();
        let mut next_buf = Vec::with_capacity(if keep_next { batch * in_len } else { 0 });
        let mut next_frames = Vec::with_capacity(if self.rnd.is_some() {
            batch * self.frame_len
        } else {
            0
        });
        let (mut actions, mut logps, mut v_ext, mut v_int) = (
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
            Vec::with_capacity(batch),
        );
        let (mut r_ext, mut r_int, mut dones) = (
            Vec::with_capacity(batch),
            vec![0f32; batch],
            Vec::with_capacity(batch),
        );
        let mut episodes = Vec::new();
        let learning = self.net.is_some();
        for t in 0..steps {
            if learning {
                obs_buf.extend_from_slice(&self.stack);
            }
            let (a, lp, ve, vi) = self.act(false);
            let tr = self.env.step(&a);
            self.progress.global_step += n as u64;
            self.latest.copy_from_slice(tr.obs);
            r_ext.extend_from_slice(tr.rewards);
            let done: Vec<bool> = tr
                .terminated
                .iter()
                .zip(tr.truncated)
                .map(|(&x, &y)| x || y)
                .collect();
            let eps: Vec<(usize, Episode)> = tr
                .episodes
                .iter()
                .enumerate()
                .filter_map(|(e, ep)| ep.map(|ep| (e, ep)))
                .collect();
            for (e, ep) in eps {
                self.record_episode(e, &ep, &mut episodes);
            }
            for (e, &d) in done.iter().enumerate() {
                self.restack(e, d);
                if let Some(s) = self.simhash.as_mut() {
                    let b = s.visit(&self.latest[e * self.frame_len..(e + 1) * self.frame_len]);
                    if !d {
                        r_int[t * n + e] = b;
                    }
                }
            }
            if keep_next {
                next_buf.extend_from_slice(&self.stack);
            }
            if self.rnd.is_some() {
                next_frames.extend_from_slice(&self.latest);
            }
            dones.extend(done);
            actions.extend(a.iter().map(|&x| x as i64));
            logps.extend(lp);
            v_ext.extend(ve);
            v_int.extend(vi);
        }
        let mut scalars: Vec<(&'static str, Option<f64>)> = Vec::new();
        let Some(net) = &self.net else {
            self.progress.update += 1;
            return UpdateReport {
                episodes,
                scalars: self.scalars(lr, None),
            };
        };
        let (last_ext, last_int) = tch::no_grad(|| {
            let out = net.forward(&to_input(&self.stack, n, self.input, self.device));
            (
                Vec::<f32>::try_from(out.v_ext.to_device(Device::Cpu)).unwrap_or_default(),
                Vec::<f32>::try_from(out.v_int.to_device(Device::Cpu)).unwrap_or_default(),
            )
        });

        // Model-based intrinsic rewards, on the whole rollout.
        let chunk = 1024usize;
        if let Some(icm) = &self.icm {
            tch::no_grad(|| {
                for s in (0..batch).step_by(chunk) {
                    let m = chunk.min(batch - s);
                    let o = to_input(
                        &obs_buf[s * in_len..(s + m) * in_len],
                        m,
                        self.input,
                        self.device,
                    );
                    let nx = to_input(
                        &next_buf[s * in_len..(s + m) * in_len],
                        m,
                        self.input,
                        self.device,
                    );
                    let a = Tensor::from_slice(&actions[s..s + m]).to_device(self.device);
                    let f =
                        Vec::<f32>::try_from(icm.terms(&o, &nx, &a).forward.to_device(Device::Cpu))
                            .unwrap_or_default();
                    for (j, x) in f.into_iter().enumerate() {
                        r_int[s + j] = if dones[s + j] {
                            0.0
                        } else {
                            cfg.icm_eta as f32 * x
                        };
                    }
                }
            });
        }
        if let Some(rnd) = self.rnd.as_mut() {
            let x = to_input(&next_frames, batch, self.frame_shape, self.device);
            rnd.update_obs_stats(&x);
            tch::no_grad(|| {
                for s in (0..batch).step_by(chunk) {
                    let m = chunk.min(batch - s);
                    let f = Vec::<f32>::try_from(
                        rnd.error(&x.narrow(0, s as i64, m as i64))
                            .to_device(Device::Cpu),
                    )
                    .unwrap_or_default();
                    for (j, v) in f.into_iter().enumerate() {
                        r_int[s + j] = if dones[s + j] { 0.0 } else { v };
                    }
                }
            });
        }
        let has_int = cfg.bonus != Bonus::None;
        let raw_int_mean = r_int.iter().map(|&x| x as f64).sum::<f64>() / batch as f64;
        if has_int && cfg.norm_int_reward {
            let mut filtered = Vec::with_capacity(batch);
            for t in 0..steps {
                for e in 0..n {
                    self.int_filter[e] =
                        self.int_filter[e] * cfg.gamma_int + r_int[t * n + e] as f64;
                    filtered.push(self.int_filter[e] as f32);
                }
            }
            self.int_rms.update(&filtered);
            let sd = self.int_rms.std().max(1e-8) as f32;
            r_int.iter_mut().for_each(|r| *r /= sd);
        }
        let (adv_ext, ret_ext) = gae(
            &r_ext,
            &v_ext,
            &dones,
            &last_ext,
            n,
            cfg.gamma_ext,
            cfg.gae_lambda,
        );
        let no_dones = vec![false; batch];
        let (adv_int, ret_int) = gae(
            &r_int,
            &v_int,
            if cfg.int_episodic { &dones } else { &no_dones },
            &last_int,
            n,
            cfg.gamma_int,
            cfg.gae_lambda,
        );
        let adv: Vec<f32> = if has_int {
            adv_ext
                .iter()
                .zip(&adv_int)
                .map(|(a, b)| cfg.ext_coef as f32 * a + cfg.int_coef as f32 * b)
                .collect()
        } else {
            adv_ext.clone()
        };

        let dev = self.device;
        let (c, h, w) = self.input;
        let b_obs = Tensor::from_slice(&obs_buf)
            .view([batch as i64, c as i64, h as i64, w as i64])
            .to_device(dev);
        let b_next = keep_next.then(|| {
            Tensor::from_slice(&next_buf)
                .view([batch as i64, c as i64, h as i64, w as i64])
                .to_device(dev)
        });
        let b_frames = self.rnd.is_some().then(|| {
            let (fc, fh, fw) = self.frame_shape;
            Tensor::from_slice(&next_frames)
                .view([batch as i64, fc as i64, fh as i64, fw as i64])
                .to_device(dev)
        });
        let b_valid = Tensor::from_slice(
            &dones
                .iter()
                .map(|&d| if d { 0f32 } else { 1.0 })
                .collect::<Vec<_>>(),
        )
        .to_device(dev);
        let f = |v: &[f32]| Tensor::from_slice(v).to_device(dev);
        let (b_act, b_logp, b_adv) = (
            Tensor::from_slice(&actions).to_device(dev),
            f(&logps),
            f(&adv),
        );
        let (b_ret_ext, b_ret_int, b_v_ext, b_v_int) =
            (f(&ret_ext), f(&ret_int), f(&v_ext), f(&v_int));
        let mb = cfg.minibatch_size();
        let clip_v = cfg.clip_vloss.then_some(cfg.clip_coef);
        let mut sums = [0f64; 10];
        let mut count = 0f64;
        let mut stop = false;
        for _epoch in 0..cfg.update_epochs {
            let perm: Vec<i64> = self
                .rng
                .permutation(batch)
                .into_iter()
                .map(|i| i as i64)
                .collect();
            for start in (0..batch).step_by(mb) {
                let idx = Tensor::from_slice(&perm[start..start + mb]).to_device(dev);
                let x = b_obs.index_select(0, &idx).to_kind(Kind::Float) / 255.0;
                let out = net.forward(&x);
                let act = b_act.index_select(0, &idx);
                let new_lp = log_prob(&out.logits, &act);
                let mut a = b_adv.index_select(0, &idx);
                if cfg.norm_adv {
                    a = normalize(&a);
                }
                let pl = policy_loss(&new_lp, &b_logp.index_select(0, &idx), &a, cfg.clip_coef);
                let vl_ext = value_loss(
                    &out.v_ext,
                    &b_v_ext.index_select(0, &idx),
                    &b_ret_ext.index_select(0, &idx),
                    clip_v,
                );
                let vl_int = if has_int {
                    value_loss(
                        &out.v_int,
                        &b_v_int.index_select(0, &idx),
                        &b_ret_int.index_select(0, &idx),
                        clip_v,
                    )
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
                let (mut fwd_l, mut inv_l) = (0f64, 0f64);
                if let (Some(icm), Some(nx)) = (&self.icm, &b_next) {
                    let xn = nx.index_select(0, &idx).to_kind(Kind::Float) / 255.0;
                    let terms = icm.terms(&x, &xn, &act);
                    let m = subset * b_valid.index_select(0, &idx);
                    let denom = m.sum(Kind::Float).clamp_min(1.0);
                    let fl = (&terms.forward * &m).sum(Kind::Float) / &denom;
                    let il = (&terms.inverse * &m).sum(Kind::Float) / &denom;
                    fwd_l = fl.double_value(&[]);
                    inv_l = il.double_value(&[]);
                    loss += cfg.model_loss_coef * ((1.0 - cfg.icm_beta) * il + cfg.icm_beta * fl);
                } else if let (Some(rnd), Some(fr)) = (&self.rnd, &b_frames) {
                    let xf = fr.index_select(0, &idx).to_kind(Kind::Float) / 255.0;
                    let err = rnd.error(&xf);
                    let fl =
                        (&err * &subset).sum(Kind::Float) / subset.sum(Kind::Float).clamp_min(1.0);
                    fwd_l = fl.double_value(&[]);
                    loss += cfg.model_loss_coef * fl;
                }
                let opt = self.opt.as_mut().expect("ppo has an optimiser");
                opt.zero_grad();
                if let Some(io) = self.icm_opt.as_mut() {
                    io.zero_grad();
                }
                // The ICM's loss reaches only its own variables (its bonus was computed without
                // gradients), so one backward pass serves both optimisers.
                loss.backward();
                let gn = clip_group(&opt.tensors(), cfg.max_grad_norm);
                opt.step(lr);
                if let Some(io) = self.icm_opt.as_mut() {
                    clip_group(&io.tensors(), cfg.max_grad_norm);
                    io.step(lr * cfg.icm_lr_scale);
                }
                let vals = [
                    pl.loss.double_value(&[]),
                    vl_ext.double_value(&[]),
                    vl_int.double_value(&[]),
                    ent.double_value(&[]),
                    pl.old_approx_kl.double_value(&[]),
                    pl.approx_kl.double_value(&[]),
                    pl.clipfrac.double_value(&[]),
                    gn,
                    fwd_l,
                    inv_l,
                ];
                for (s, v) in sums.iter_mut().zip(vals) {
                    *s += v;
                }
                count += 1.0;
                if cfg.target_kl.is_some_and(|k| vals[5] > k) {
                    stop = true;
                    break;
                }
            }
            if stop {
                break;
            }
        }
        self.progress.update += 1;
        let mean = |i: usize| Some(sums[i] / count.max(1.0));
        let var_y = variance(&ret_ext);
        let ev = if var_y == 0.0 {
            None
        } else {
            let diff: Vec<f32> = ret_ext.iter().zip(&v_ext).map(|(r, v)| r - v).collect();
            Some(1.0 - variance(&diff) / var_y)
        };
        let mut s = self.scalars(lr, Some(raw_int_mean));
        s.extend([
            ("losses/policy_loss", mean(0)),
            ("losses/value_loss", mean(1)),
            (
                "losses/int_value_loss",
                if has_int { mean(2) } else { None },
            ),
            ("losses/entropy", mean(3)),
            ("losses/old_approx_kl", mean(4)),
            ("losses/approx_kl", mean(5)),
            ("losses/clipfrac", mean(6)),
            ("losses/grad_norm", mean(7)),
            ("losses/explained_variance", ev),
            (
                "losses/forward_loss",
                if matches!(cfg.bonus, Bonus::Icm | Bonus::Rnd) {
                    mean(8)
                } else {
                    None
                },
            ),
            (
                "losses/inverse_loss",
                if cfg.bonus == Bonus::Icm {
                    mean(9)
                } else {
                    None
                },
            ),
        ]);
        scalars.extend(s);
        UpdateReport { episodes, scalars }
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
        if self.net.is_none() {
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
    ) {
        let n = self.cfg.num_envs;
        let mut acts: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut done_count = 0;
        // Start from fresh episodes so every recorded action list is complete.
        self.latest = self.env.reset().to_vec();
        for e in 0..n {
            self.restack(e, true);
        }
        while done_count < episodes {
            let (a, ..) = self.act(greedy);
            let tr = self.env.step(&a);
            self.latest.copy_from_slice(tr.obs);
            let done: Vec<bool> = tr
                .terminated
                .iter()
                .zip(tr.truncated)
                .map(|(&x, &y)| x || y)
                .collect();
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
        }
    }

    /// Writes `model.ot` (and `target.ot` for RND) and `state.json` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        std::fs::create_dir_all(dir).map_err(|e| ck(dir, e))?;
        // Each file is written beside its final name and renamed into place, so a kill during a
        // checkpoint leaves the previous file whole (state.json last: it marks a usable checkpoint).
        if self.net.is_some() {
            self.vs.save(dir.join("model.ot.tmp"))?;
            std::fs::rename(dir.join("model.ot.tmp"), dir.join("model.ot"))
                .map_err(|e| ck(dir, e))?;
        }
        if let Some(t) = &self.target_vs {
            t.save(dir.join("target.ot.tmp"))?;
            std::fs::rename(dir.join("target.ot.tmp"), dir.join("target.ot"))
                .map_err(|e| ck(dir, e))?;
        }
        let rnd_obs = self.rnd.as_ref().map(|r| {
            let (m, v, c) = r.obs_stats();
            let to = |t: &Tensor| {
                Vec::<f32>::try_from(t.to_device(Device::Cpu).flatten(0, -1)).unwrap_or_default()
            };
            (to(m), to(v), c)
        });
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
        if self.net.is_some() {
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
