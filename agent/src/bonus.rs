//! Exploration bonuses: the models that turn observations into an *intrinsic* reward.
//!
//! - [`SimHash`]: count-based exploration with a locality-sensitive hash (Tang et al. 2017):
//!   `bonus = beta / sqrt(n(phi(s)))`, `phi(s) = sign(A g(s))` with a fixed Gaussian `A`. By
//!   default `g(s)` is the *footprint*: 1 where the observation differs from the condition's
//!   static background, else 0, so the hash sees where the player, the enemy and the key are and
//!   not how they are drawn, and a move changes it alike under every condition (issue 14). The
//!   older inputs, the observation as rendered (centred at grey 0.5) or minus the mean start
//!   frame, remain options.
//! - [`Icm`]: the intrinsic curiosity module (Pathak et al. 2017): an encoder trained by an
//!   inverse model (predict the action from two consecutive features) and a forward model
//!   (predict the next feature); the bonus is the forward error.
//! - [`Rnd`]: random network distillation (Burda et al. 2018): the bonus is the error of a
//!   predictor regressing a fixed, randomly initialised network on normalised observations.
//!
//! These return intrinsic rewards only. The trainer keeps them in their own stream (own value
//! head, own returns and advantages, non-episodic); they are never added to the extrinsic reward.

use crate::config::NetKind;
use crate::model::{InputShape, ModelError, torso};
use crate::rng::Rng;
use std::collections::HashMap;
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

/// SimHash state counts.
#[derive(Debug, Clone)]
pub struct SimHash {
    dim: usize,
    bits: usize,
    beta: f64,
    /// The Gaussian projection `A` (`bits x dim`), stored transposed: row `i` holds the `bits`
    /// weights of input `i`, so an input adds one contiguous row (and a footprint's zeros cost
    /// nothing).
    proj_t: Vec<f32>,
    /// Subtracted from every observation before projecting: the level-independent grey 0.5 (the
    /// hash sees the observation as rendered, masking included), or the mean start frame with
    /// [`SimHash::set_center`] (the `count_subtract_start` option). Unused with a footprint.
    center: Vec<f32>,
    /// The static background: with it the input is the footprint (1 where a pixel differs
    /// from it), see [`SimHash::set_background`].
    background: Option<Vec<u8>>,
    counts: HashMap<u64, u32>,
}

impl SimHash {
    /// A counter for observations of `dim` bytes, hashing to `bits` bits (1..=64), drawing the
    /// projection from `seed`.
    pub fn new(dim: usize, bits: usize, beta: f64, seed: u64) -> SimHash {
        let mut rng = Rng::new(seed ^ 0x5151_4a5a_0000_0001);
        // Drawn bit by bit (row-major `A`), then transposed: the same `A` as before the layout
        // changed, so checkpointed counts keep their keys.
        let proj: Vec<f32> = (0..bits * dim).map(|_| rng.normal() as f32).collect();
        let mut proj_t = vec![0f32; bits * dim];
        for b in 0..bits {
            for i in 0..dim {
                proj_t[i * bits + b] = proj[b * dim + i];
            }
        }
        SimHash {
            dim,
            bits: bits.clamp(1, 64),
            beta,
            proj_t,
            center: vec![0.5; dim],
            background: None,
            counts: HashMap::new(),
        }
    }

    /// Hashes footprints: 1 where an observation differs from `background` (one observation
    /// of the static scene, `dim` bytes), 0 elsewhere.
    pub fn set_background(&mut self, background: &[u8]) {
        assert_eq!(background.len(), self.dim, "background of one observation");
        self.background = Some(background.to_vec());
    }

    /// Sets the centre to the mean of `frames` (a whole number of observations).
    pub fn set_center(&mut self, frames: &[u8]) {
        let n = frames.len() / self.dim;
        if n == 0 {
            return;
        }
        let mut c = vec![0f32; self.dim];
        for f in frames.chunks_exact(self.dim) {
            for (ci, &x) in c.iter_mut().zip(f) {
                *ci += x as f32 / 255.0;
            }
        }
        c.iter_mut().for_each(|x| *x /= n as f32);
        self.center = c;
    }

    /// The hash of one observation.
    pub fn key(&self, frame: &[u8]) -> u64 {
        assert_eq!(frame.len(), self.dim, "one observation");
        let bits = self.bits;
        let mut acc = [0f32; 64];
        let acc = &mut acc[..bits];
        let mut add = |i: usize, x: f32| {
            for (a, w) in acc.iter_mut().zip(&self.proj_t[i * bits..(i + 1) * bits]) {
                *a += x * w;
            }
        };
        match &self.background {
            Some(bg) => {
                for (i, (v, b)) in frame.iter().zip(bg).enumerate() {
                    if v != b {
                        add(i, 1.0);
                    }
                }
            }
            None => {
                for (i, (&v, &c)) in frame.iter().zip(&self.center).enumerate() {
                    add(i, v as f32 / 255.0 - c);
                }
            }
        }
        acc.iter()
            .enumerate()
            .fold(0u64, |k, (b, &d)| if d > 0.0 { k | 1 << b } else { k })
    }

    /// Counts a visit to `frame` and returns its bonus `beta / sqrt(n)` (n includes this visit).
    pub fn visit(&mut self, frame: &[u8]) -> f32 {
        let n = self.counts.entry(self.key(frame)).or_insert(0);
        *n = n.saturating_add(1);
        (self.beta / (*n as f64).sqrt()) as f32
    }

    /// Visits so far of `frame`'s hash bucket.
    pub fn count(&self, frame: &[u8]) -> u32 {
        self.counts.get(&self.key(frame)).copied().unwrap_or(0)
    }

    /// Distinct hash buckets seen.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// The counts, sorted by key (for checkpoints; independent of hash-map order).
    pub fn counts_sorted(&self) -> Vec<(u64, u32)> {
        let mut v: Vec<(u64, u32)> = self.counts.iter().map(|(&k, &n)| (k, n)).collect();
        v.sort_unstable();
        v
    }

    /// Replaces the counts (from a checkpoint).
    pub fn set_counts(&mut self, counts: &[(u64, u32)]) {
        self.counts = counts.iter().copied().collect();
    }
}

fn mlp_head(p: nn::Path, i: usize, hidden: usize, o: usize) -> nn::Sequential {
    nn::seq()
        .add(nn::linear(
            &p / "h",
            i as i64,
            hidden as i64,
            Default::default(),
        ))
        .add_fn(|x| x.relu())
        .add(nn::linear(
            &p / "o",
            hidden as i64,
            o as i64,
            Default::default(),
        ))
}

/// The intrinsic curiosity module.
#[derive(Debug)]
pub struct Icm {
    encoder: nn::Sequential,
    inverse: nn::Sequential,
    forward: nn::Sequential,
    num_actions: i64,
    /// Forward loss summed over features (Pathak et al.) instead of averaged.
    forward_sum: bool,
    /// Stop the forward loss's gradient at the next state's features (off in Pathak et al.'s
    /// code, where the encoder learns from both losses).
    detach_target: bool,
}

/// Per-sample ICM terms.
#[derive(Debug)]
pub struct IcmTerms {
    /// `0.5 * mean_k (f(phi(s), a)_k - phi(s')_k)^2` (or the sum over k), `[B]`; the target is
    /// detached.
    pub forward: Tensor,
    /// Cross-entropy of the inverse model's action prediction, `[B]`.
    pub inverse: Tensor,
}

impl Icm {
    /// Builds the module under `p` on inputs of `shape` (the stacked observation, as the policy
    /// sees it). With the universe encoder the features are its raw convolution output (288 on
    /// 42 x 42, Pathak et al.) and `feature` is ignored.
    pub fn new(
        p: &nn::Path,
        kind: NetKind,
        shape: InputShape,
        feature: usize,
        hidden: usize,
        num_actions: usize,
        forward_sum: bool,
    ) -> Result<Icm, ModelError> {
        let (encoder, feature) = match kind {
            NetKind::Universe => crate::model::universe_convs(&(p / "encoder"), shape)?,
            _ => (torso(&(p / "encoder"), kind, shape, feature)?, feature),
        };
        Ok(Icm {
            encoder,
            inverse: mlp_head(p / "inverse", 2 * feature, hidden, num_actions),
            forward: mlp_head(p / "forward", feature + num_actions, hidden, feature),
            num_actions: num_actions as i64,
            forward_sum,
            detach_target: true,
        })
    }

    /// This module with the forward target's gradient stopped (`true`, the default) or not.
    pub fn with_detached_target(mut self, detach: bool) -> Icm {
        self.detach_target = detach;
        self
    }

    /// The encoder's features `[B, F]` of inputs in [0, 1].
    pub fn features(&self, x: &Tensor) -> Tensor {
        self.encoder.forward(x)
    }

    /// Forward and inverse terms for transitions `(obs, actions, next)`; inputs in [0, 1].
    pub fn terms(&self, obs: &Tensor, next: &Tensor, actions: &Tensor) -> IcmTerms {
        let phi = self.encoder.forward(obs);
        let phi_next = self.encoder.forward(next);
        self.terms_of_features(&phi, &phi_next, actions)
    }

    /// The terms of the consecutive transitions of one sequence, `frames` `[T + 1, ...]` and
    /// `actions` `[T]`, encoding each frame once (transition t goes from frame t to t + 1).
    pub fn sequence_terms(&self, frames: &Tensor, actions: &Tensor) -> IcmTerms {
        let t = actions.size()[0];
        let phi = self.encoder.forward(frames);
        self.terms_of_features(&phi.narrow(0, 0, t), &phi.narrow(0, 1, t), actions)
    }

    /// The terms from encoded features `phi` (before) and `phi_next` (after).
    pub fn terms_of_features(&self, phi: &Tensor, phi_next: &Tensor, actions: &Tensor) -> IcmTerms {
        let onehot = actions.one_hot(self.num_actions).to_kind(Kind::Float);
        let pred = self.forward.forward(&Tensor::cat(&[phi, &onehot], 1));
        let target = if self.detach_target {
            phi_next.detach()
        } else {
            phi_next.shallow_clone()
        };
        let sq = (pred - target).square();
        let forward = if self.forward_sum {
            sq.sum_dim_intlist(-1, false, Kind::Float) * 0.5
        } else {
            sq.mean_dim(-1, false, Kind::Float) * 0.5
        };
        let logits = self.inverse.forward(&Tensor::cat(&[phi, phi_next], 1));
        let inverse = -crate::ppo::log_prob(&logits, actions);
        IcmTerms { forward, inverse }
    }
}

/// Random network distillation, with its per-pixel observation normaliser.
#[derive(Debug)]
pub struct Rnd {
    target: nn::Sequential,
    predictor: nn::Sequential,
    obs_mean: Tensor,
    obs_var: Tensor,
    obs_count: f64,
}

impl Rnd {
    /// Builds the predictor under `p` (trained) and the target under `target` (a frozen store),
    /// both on single observations of `shape`.
    pub fn new(
        p: &nn::Path,
        target: &nn::Path,
        kind: NetKind,
        shape: InputShape,
        feature: usize,
        hidden: usize,
    ) -> Result<Rnd, ModelError> {
        let t = torso(&(target / "torso"), kind, shape, hidden)?.add(nn::linear(
            target / "out",
            hidden as i64,
            feature as i64,
            Default::default(),
        ));
        let pr = torso(&(p / "torso"), kind, shape, hidden)?.add(mlp_head(
            p / "head",
            hidden,
            hidden,
            feature,
        ));
        let (c, h, w) = shape;
        let dims = [c as i64, h as i64, w as i64];
        Ok(Rnd {
            target: t,
            predictor: pr,
            obs_mean: Tensor::zeros(dims, (Kind::Float, p.device())),
            obs_var: Tensor::ones(dims, (Kind::Float, p.device())),
            obs_count: 1e-4,
        })
    }

    /// Folds a batch `[B, C, H, W]` (floats in [0, 1]) into the observation statistics.
    pub fn update_obs_stats(&mut self, x: &Tensor) {
        tch::no_grad(|| {
            let n = x.size()[0] as f64;
            let mean = x.mean_dim(0, false, Kind::Float);
            let var = x.var_dim(0, false, false);
            let delta = &mean - &self.obs_mean;
            let tot = self.obs_count + n;
            let m2 = &self.obs_var * self.obs_count
                + var * n
                + delta.square() * (self.obs_count * n / tot);
            self.obs_mean = &self.obs_mean + delta * (n / tot);
            self.obs_var = m2 / tot;
            self.obs_count = tot;
        })
    }

    fn normalise(&self, x: &Tensor) -> Tensor {
        ((x - &self.obs_mean) / (&self.obs_var.sqrt() + 1e-8)).clamp(-5.0, 5.0)
    }

    /// Per-sample distillation error `0.5 * mean_k (pred_k - target_k)^2`, `[B]`.
    pub fn error(&self, x: &Tensor) -> Tensor {
        let z = self.normalise(x);
        let t = tch::no_grad(|| self.target.forward(&z));
        (self.predictor.forward(&z) - t)
            .square()
            .mean_dim(-1, false, Kind::Float)
            * 0.5
    }

    /// The observation statistics (mean, var, count), for checkpoints.
    pub fn obs_stats(&self) -> (&Tensor, &Tensor, f64) {
        (&self.obs_mean, &self.obs_var, self.obs_count)
    }

    /// Restores the observation statistics.
    pub fn set_obs_stats(&mut self, mean: Tensor, var: Tensor, count: f64) {
        self.obs_mean = mean;
        self.obs_var = var;
        self.obs_count = count;
    }
}
