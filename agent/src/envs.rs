//! The environment interface the trainer needs, and a tiny stand-in over the core.
//!
//! [`VecEnvironment`] is the slice of `priors_env::VecEnv` the agent uses (auto-reset batch of
//! u8 observations, extrinsic rewards, per-episode statistics), as a trait so that unit tests and
//! smoke runs can train on [`TileVecEnv`] - the core's simulation observed as a coarse tile grid,
//! no renderer - and so the agent's tests do not depend on the renderer being built.
//! The adapter for the real environment is [`crate::env_adapter::PriorsVecEnv`].

use priors_core::measure::Coverage;
use priors_core::world::{Outcome, Rules, World, reward, step};
use priors_core::{Action, Level};

/// Statistics of a finished episode (the columns of `episodes.csv`): the environment crate's
/// own record, so the stand-in env and the real one report the same type.
pub use priors_env::EpisodeStats as Episode;

/// What one vectorised step returns; slices are indexed by env.
#[derive(Debug)]
pub struct Transition<'a> {
    /// Observations after the step, `num_envs * obs_len`; a finished env holds the first
    /// observation of its next episode.
    pub obs: &'a [u8],
    /// Extrinsic rewards.
    pub rewards: &'a [f32],
    /// Episode ended by goal or death.
    pub terminated: &'a [bool],
    /// Episode cut by the tick limit.
    pub truncated: &'a [bool],
    /// Statistics of the episodes that ended on this step.
    pub episodes: &'a [Option<Episode>],
    /// Once [`VecEnvironment::keep_final_observations`] returned true: per env, where its
    /// episode ended on this step, the observation of the world it ended in (`num_envs *
    /// obs_len`; other slots are stale). `None` otherwise.
    pub final_obs: Option<&'a [u8]>,
    /// Once [`VecEnvironment::set_action_repeat`] accepted a repeat: the ticks each env took
    /// on this step. `None`: one tick each.
    pub ticks: Option<&'a [u32]>,
}

impl Transition<'_> {
    /// Per env, whether its episode ended on this step (goal, death or the tick limit).
    pub fn done(&self) -> Vec<bool> {
        self.terminated
            .iter()
            .zip(self.truncated)
            .map(|(&x, &y)| x || y)
            .collect()
    }
}

/// A batch of environments stepping together with auto-reset.
pub trait VecEnvironment {
    /// Number of environments.
    fn num_envs(&self) -> usize;
    /// Number of discrete actions.
    fn num_actions(&self) -> usize;
    /// (channels, height, width) of one env's observation, without frame stacking.
    fn obs_shape(&self) -> (usize, usize, usize);
    /// Resets every env; all observations concatenated.
    fn reset(&mut self) -> &[u8];
    /// Steps every env with its action index.
    fn step(&mut self, actions: &[usize]) -> Transition<'_>;
    /// One observation of the static scene alone (what every observation shares; what differs
    /// from it moved), if the env can give it: the count bonus hashes that difference.
    fn background(&self) -> Option<Vec<u8>> {
        None
    }
    /// Asks the env to return each finished episode's last observation from now on
    /// ([`Transition::final_obs`]); false if it cannot.
    fn keep_final_observations(&mut self) -> bool {
        false
    }
    /// Asks the env to hold each action for `k` ticks from now on (stopping where an episode
    /// ends; [`Transition::ticks`] says how many each env took); false if it cannot. Every env
    /// can do `k = 1`.
    fn set_action_repeat(&mut self, k: usize) -> bool {
        k == 1
    }
}

/// A renderer-free batch over the core: the observation is two channels on the level's tile grid
/// (solid tiles, player tile), 0 or 255. For tests and smoke runs only; experiments use
/// `priors_env::VecEnv` through [`crate::env_adapter`].
#[derive(Debug, Clone)]
pub struct TileVecEnv {
    level: Level,
    rules: Rules,
    actions: Vec<Action>,
    worlds: Vec<World>,
    rets: Vec<f32>,
    /// Unique positions and the other measures, by the one rule (`priors_core::measure`).
    coverage: Vec<Coverage>,
    obs: Vec<u8>,
    /// Finished episodes' last observations, once asked for (else empty).
    final_obs: Vec<u8>,
    rewards: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    episodes: Vec<Option<Episode>>,
}

impl TileVecEnv {
    /// `num_envs` copies of `level` under `rules`, choosing among `actions`.
    pub fn new(level: Level, rules: Rules, actions: &[Action], num_envs: usize) -> TileVecEnv {
        let n = 2 * level.width * level.height;
        let mut e = TileVecEnv {
            worlds: vec![World::new(&level); num_envs],
            rets: vec![0.0; num_envs],
            coverage: vec![Coverage::new(&level); num_envs],
            obs: vec![0; n * num_envs],
            final_obs: Vec::new(),
            rewards: vec![0.0; num_envs],
            terminated: vec![false; num_envs],
            truncated: vec![false; num_envs],
            episodes: vec![None; num_envs],
            actions: actions.to_vec(),
            level,
            rules,
        };
        e.reset();
        e
    }

    fn observe(&mut self, i: usize) {
        let (w, h) = (self.level.width, self.level.height);
        let n = 2 * w * h;
        let out = &mut self.obs[i * n..(i + 1) * n];
        for (j, t) in self.level.tiles.iter().enumerate() {
            out[j] = if t.is_solid() { 255 } else { 0 };
        }
        out[w * h..].fill(0);
        let t = self.level.tile_sub();
        let p = &self.worlds[i].player;
        let (c, r) = (p.x.div_euclid(t), p.y.div_euclid(t));
        if c >= 0 && r >= 0 && (c as usize) < w && (r as usize) < h {
            out[w * h + r as usize * w + c as usize] = 255;
        }
    }

    fn reset_one(&mut self, i: usize) {
        self.worlds[i] = World::new(&self.level);
        self.rets[i] = 0.0;
        self.coverage[i].clear();
        self.observe(i);
    }
}

impl VecEnvironment for TileVecEnv {
    fn num_envs(&self) -> usize {
        self.worlds.len()
    }
    fn num_actions(&self) -> usize {
        self.actions.len()
    }
    fn obs_shape(&self) -> (usize, usize, usize) {
        (2, self.level.height, self.level.width)
    }
    fn background(&self) -> Option<Vec<u8>> {
        let wh = self.level.width * self.level.height;
        let mut out = vec![0u8; 2 * wh];
        for (o, t) in out.iter_mut().zip(&self.level.tiles) {
            *o = if t.is_solid() { 255 } else { 0 };
        }
        Some(out)
    }
    fn reset(&mut self) -> &[u8] {
        for i in 0..self.worlds.len() {
            self.reset_one(i);
        }
        &self.obs
    }
    fn step(&mut self, actions: &[usize]) -> Transition<'_> {
        for i in 0..self.worlds.len() {
            let a = actions
                .get(i)
                .and_then(|&a| self.actions.get(a))
                .copied()
                .unwrap_or(Action::NOOP);
            let ev = step(&self.level, &self.rules, &mut self.worlds[i], a);
            let r = reward(&ev);
            self.rets[i] += r;
            self.coverage[i].record(&self.worlds[i], a);
            let w = &self.worlds[i];
            let (term, trunc) = match w.outcome {
                Outcome::Running => (false, false),
                Outcome::TimedOut => (false, true),
                _ => (true, false),
            };
            self.rewards[i] = r;
            self.terminated[i] = term;
            self.truncated[i] = trunc;
            self.episodes[i] = (term || trunc).then(|| Episode {
                length: w.tick,
                ret: self.rets[i],
                success: w.outcome == Outcome::Won,
                death_cause: match w.outcome {
                    Outcome::Died(c) => Some(c),
                    _ => None,
                },
                truncated: trunc,
                unique_positions: self.coverage[i].unique_positions,
                deaths: w.deaths + matches!(w.outcome, Outcome::Died(_)) as u32,
                max_tier: self.coverage[i].max_tier,
            });
            if term || trunc {
                if !self.final_obs.is_empty() {
                    self.observe(i);
                    let n = self.obs.len() / self.worlds.len();
                    self.final_obs[i * n..(i + 1) * n]
                        .copy_from_slice(&self.obs[i * n..(i + 1) * n]);
                }
                self.reset_one(i);
            } else {
                self.observe(i);
            }
        }
        Transition {
            obs: &self.obs,
            rewards: &self.rewards,
            terminated: &self.terminated,
            truncated: &self.truncated,
            episodes: &self.episodes,
            final_obs: (!self.final_obs.is_empty()).then_some(&self.final_obs[..]),
            ticks: None,
        }
    }
    fn keep_final_observations(&mut self) -> bool {
        self.final_obs = vec![0; self.obs.len()];
        true
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use priors_core::parse_level;

    /// `n` envs of a 6-tile corridor (walking right reaches the goal) with the paper's six
    /// actions, episodes cut at `tick_limit` ticks so that short rollouts hold episode ends.
    pub(crate) fn corridor(n: usize, tick_limit: u32) -> TileVecEnv {
        let text =
            "+++\nname = \"short\"\ntile_px = 15\ntick_hz = 30\n+++\n#######\n#P....Q\n#######\n";
        let rules = Rules {
            tick_limit: Some(tick_limit),
            ..Rules::agent()
        };
        let level = parse_level(text, "short.level").unwrap();
        TileVecEnv::new(level, rules, &Action::ORIGINAL_SIX, n)
    }

    #[test]
    fn a_finished_episode_s_last_observation_is_the_world_it_ended_in() {
        let mut env = corridor(2, 5);
        assert!(
            env.step(&[0, 0]).final_obs.is_none(),
            "not kept unless asked"
        );
        assert!(env.keep_final_observations());
        let (mut ends, mut moved) = (0, 0);
        for t in 0..40usize {
            let actions = [t % 6, (t / 2) % 3];
            // The same step without auto-reset, observed.
            let mut shadow = env.clone();
            for (i, &a) in actions.iter().enumerate() {
                let act = shadow.actions[a];
                step(&shadow.level, &shadow.rules, &mut shadow.worlds[i], act);
                shadow.observe(i);
            }
            let tr = env.step(&actions);
            let n = tr.obs.len() / 2;
            for (i, d) in tr.done().into_iter().enumerate() {
                if d {
                    ends += 1;
                    let f = tr.final_obs.expect("kept");
                    assert_eq!(
                        &f[i * n..(i + 1) * n],
                        &shadow.obs[i * n..(i + 1) * n],
                        "env {i} at {t}"
                    );
                    moved += usize::from(f[i * n..(i + 1) * n] != tr.obs[i * n..(i + 1) * n]);
                }
            }
        }
        assert!(ends >= 8, "{ends} ends");
        assert!(moved > 0, "no ended world differed from the next start");
    }
}
