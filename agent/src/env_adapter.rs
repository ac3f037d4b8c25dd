//! [`VecEnvironment`] for the real environment, `priors_env::VecEnv` (core + CPU renderer).
//!
//! A thin adapter: it forwards observations, rewards and flags untouched and turns each
//! `Info::episode` into an [`Episode`]. It adds nothing to the reward.

use crate::envs::{Episode, Transition, VecEnvironment};
use priors_env::VecEnv;

/// `priors_env::VecEnv` seen through the trainer's interface.
pub struct PriorsVecEnv {
    inner: VecEnv,
    episodes: Vec<Option<Episode>>,
    /// Whether actions repeat (then each step reports its ticks).
    repeats: bool,
}

impl PriorsVecEnv {
    /// Wraps a batch.
    pub fn new(inner: VecEnv) -> PriorsVecEnv {
        let n = inner.num_envs();
        PriorsVecEnv {
            inner,
            episodes: vec![None; n],
            repeats: false,
        }
    }
    /// The wrapped batch.
    pub fn inner(&self) -> &VecEnv {
        &self.inner
    }
}

impl VecEnvironment for PriorsVecEnv {
    fn num_envs(&self) -> usize {
        self.inner.num_envs()
    }
    fn num_actions(&self) -> usize {
        self.inner.num_actions()
    }
    fn obs_shape(&self) -> (usize, usize, usize) {
        self.inner.obs_shape()
    }
    fn reset(&mut self) -> &[u8] {
        self.inner.reset()
    }
    fn background(&self) -> Option<Vec<u8>> {
        Some(self.inner.background_observation().to_vec())
    }
    fn step(&mut self, actions: &[usize]) -> Transition<'_> {
        let s = self.inner.step(actions);
        for (slot, info) in self.episodes.iter_mut().zip(s.infos) {
            *slot = info.episode;
        }
        Transition {
            obs: s.obs,
            rewards: s.rewards,
            terminated: s.terminated,
            truncated: s.truncated,
            episodes: &self.episodes,
            final_obs: s.final_obs,
            ticks: self.repeats.then_some(s.ticks),
        }
    }
    fn keep_final_observations(&mut self) -> bool {
        self.inner.keep_final_observations();
        true
    }
    fn set_action_repeat(&mut self, k: usize) -> bool {
        let Ok(k32) = u32::try_from(k) else {
            return false;
        };
        if k32 == 0 {
            return false;
        }
        self.inner.set_action_repeat(k32);
        self.repeats = k32 > 1;
        true
    }
}
