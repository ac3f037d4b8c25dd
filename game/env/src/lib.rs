//! # priors-env
//!
//! A Gymnasium-shaped environment over the core simulation and the CPU renderer, and a
//! vectorised batch of them with auto-reset, for agents written in Rust.
//!
//! - [`Env`]: `reset(seed) -> obs`, `step(action) -> (obs, reward, terminated, truncated, info)`.
//! - [`VecEnv`]: N envs stepping together into one preallocated buffer; a finished env is reset
//!   at once and its slot holds the first observation of its next episode, while `infos` carry the
//!   finished episode's statistics.
//!
//! Observations are either the condition's pixels (grey, the very renderer humans see through,
//! so visual masking reaches the agent exactly as it reaches humans) or an object grid (one
//! channel per object kind, no textures: the "agent with priors" contrast). Rewards are
//! extrinsic only (+1 on the goal); exploration bonuses belong to the agent, never here.
//! The game has no randomness: `seed` is recorded and returned, it changes nothing in the
//! dynamics. Stepping allocates nothing.

use priors_core::measure::Coverage;
use priors_core::world::{DeathCause, Events, Outcome, Rules, World, reward, step};
use priors_core::{Action, Condition, Level, SUB};
use priors_render::{AreaObserver, Observer, RenderError, Renderer};
use std::sync::Arc;

/// What the agent observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObsKind {
    /// One grey channel of the condition's rendered frame, resized (nearest) to width x height.
    Pixels {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// One grey channel of the rendered frame resized by area averaging (each pixel the mean of
    /// the frame over the area it covers, as the paper's smooth resize), width x height.
    PixelsArea {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// [`OBJECT_CHANNELS`] channels, one per object kind, each 0 or 255, on a width x height grid
    /// over the view (a cell is 255 where an object overlaps any part of it); unaffected by the
    /// condition's visuals.
    ObjectGrid {
        /// Grid width.
        width: u32,
        /// Grid height.
        height: u32,
    },
}

/// Channels of the object grid, in order.
pub const OBJECT_CHANNELS: [&str; 7] = [
    "solid",
    "ladder",
    "hazard",
    "enemy",
    "key",
    "door_or_goal",
    "player",
];

/// Which actions the agent chooses among: the core's one definition (`six`, `effective`, `all`).
pub use priors_core::ActionSet;

/// Everything that defines an environment.
#[derive(Debug, Clone)]
pub struct EnvConfig {
    /// The level.
    pub level: Level,
    /// The condition (its visuals reach pixel observations; its ladder mode reaches the rules).
    pub condition: Condition,
    /// Episode rules (usually [`Rules::agent`]); the condition's ladder mode is applied on top.
    pub rules: Rules,
    /// Observation kind.
    pub obs: ObsKind,
    /// Action set.
    pub actions: ActionSet,
}

/// Statistics of a finished episode.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpisodeStats {
    /// Ticks.
    pub length: u32,
    /// Sum of extrinsic rewards.
    pub ret: f32,
    /// Whether the goal was reached.
    pub success: bool,
    /// Why the player died, if the episode ended by death.
    pub death_cause: Option<DeathCause>,
    /// Whether the episode was cut by the tick limit.
    pub truncated: bool,
    /// Unique positions as `priors_core::measure` defines them: distinct whole-pixel player
    /// centres inside the level.
    pub unique_positions: u32,
    /// Deaths (above 0 only under the respawn rule).
    pub deaths: u32,
    /// The highest height tier the feet reached ([`priors_core::measure::Coverage::max_tier`]).
    pub max_tier: Option<u32>,
}

/// Per-step information.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// Player centre x, px.
    pub x_px: f32,
    /// Player centre y, px.
    pub y_px: f32,
    /// Deaths so far.
    pub deaths: u32,
    /// Whether the key is held.
    pub has_key: bool,
    /// This step's events.
    pub events: Events,
    /// Outcome after the step (before any auto-reset).
    pub outcome: Outcome,
    /// Set on the step that ended an episode.
    pub episode: Option<EpisodeStats>,
}

/// Errors building an environment.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// The renderer rejected the condition.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A zero-sized observation or batch.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Static parts shared by every env of a batch.
struct Shared {
    cfg: EnvConfig,
    rules: Rules,
    /// The world at tick 0, copied (without allocating) into a world that restarts.
    start: World,
    renderer: Renderer,
    observer: Option<Observer>,
    area: Option<AreaObserver>,
    /// Object grid: the static channels, precomputed.
    grid_static: Vec<u8>,
    /// Object grid: cell boundaries (sub-pixels), width + 1 and height + 1 of them.
    grid_x: Vec<i32>,
    grid_y: Vec<i32>,
    obs_shape: (usize, usize, usize),
}

impl Shared {
    fn new(cfg: EnvConfig) -> Result<Shared, EnvError> {
        let rules = cfg.rules.with_ladder(cfg.condition.mechanics.ladder);
        let renderer = Renderer::new(&cfg.level, &cfg.condition)?;
        let (mut observer, mut area, mut grid_static, mut grid_x, mut grid_y) =
            (None, None, Vec::new(), Vec::new(), Vec::new());
        let obs_shape = match cfg.obs {
            ObsKind::Pixels { width, height } => {
                if width == 0 || height == 0 {
                    return Err(EnvError::Config("observation size must be positive".into()));
                }
                observer = Some(renderer.observer(width, height));
                (1, height as usize, width as usize)
            }
            ObsKind::PixelsArea { width, height } => {
                if width == 0 || height == 0 {
                    return Err(EnvError::Config("observation size must be positive".into()));
                }
                area = Some(renderer.area_observer(width, height));
                (1, height as usize, width as usize)
            }
            ObsKind::ObjectGrid { width, height } => {
                if width == 0 || height == 0 {
                    return Err(EnvError::Config("grid size must be positive".into()));
                }
                let (vw, vh) = cfg.level.view_px();
                // Cell boundaries in sub-pixels; a cell is marked when an object overlaps any of
                // its area, so small objects never fall between samples.
                grid_x = (0..=width)
                    .map(|u| (u as i64 * vw as i64 * SUB as i64 / width as i64) as i32)
                    .collect();
                grid_y = (0..=height)
                    .map(|v| (v as i64 * vh as i64 * SUB as i64 / height as i64) as i32)
                    .collect();
                let (w, h) = (width as usize, height as usize);
                grid_static = vec![0; OBJECT_CHANNELS.len() * w * h];
                let level = &cfg.level;
                for row in 0..level.height {
                    for col in 0..level.width {
                        let tile = level.tiles[row * level.width + col];
                        let ch = if tile.is_solid() {
                            0
                        } else if tile == priors_core::Tile::Ladder {
                            1
                        } else if tile.is_deadly() {
                            2
                        } else {
                            continue;
                        };
                        let r = level.cell_rect(priors_core::level::Placed {
                            col: col as u16,
                            row: row as u16,
                        });
                        paint_cells(&mut grid_static, &grid_x, &grid_y, ch, r);
                    }
                }
                for r in level.goal.iter().chain(level.door_rect.iter()) {
                    paint_cells(&mut grid_static, &grid_x, &grid_y, 5, *r);
                }
                (OBJECT_CHANNELS.len(), h, w)
            }
        };
        Ok(Shared {
            start: World::new(&cfg.level),
            cfg,
            rules,
            renderer,
            observer,
            area,
            grid_static,
            grid_x,
            grid_y,
            obs_shape,
        })
    }

    fn obs_len(&self) -> usize {
        self.obs_shape.0 * self.obs_shape.1 * self.obs_shape.2
    }

    /// The observation of the static scene (no key, enemies or player); the object grid's
    /// static channels for that observation kind.
    fn background(&self) -> &[u8] {
        match (&self.observer, &self.area) {
            (Some(o), _) => o.background_observation(),
            (None, Some(a)) => a.background_observation(),
            (None, None) => &self.grid_static,
        }
    }

    fn observe(&self, world: &World, out: &mut [u8]) {
        match (&self.observer, &self.area) {
            (Some(o), _) => o.observe(&self.renderer, world, out),
            (None, Some(a)) => a.observe(&self.renderer, world, out),
            (None, None) => self.observe_grid(world, out),
        }
    }

    fn observe_grid(&self, world: &World, out: &mut [u8]) {
        out.copy_from_slice(&self.grid_static);
        let level = &self.cfg.level;
        for i in 0..level.enemies.len() {
            if world.enemy_alive(i) {
                paint_cells(
                    out,
                    &self.grid_x,
                    &self.grid_y,
                    3,
                    world.enemy_rect(level, i),
                );
            }
        }
        if world.key_present
            && let Some(k) = level.key_rect
        {
            paint_cells(out, &self.grid_x, &self.grid_y, 4, k);
        }
        paint_cells(out, &self.grid_x, &self.grid_y, 6, world.player_rect(level));
    }
}

/// Marks (255) every cell of channel `ch` that `r` overlaps; `bx`/`by` are cell boundaries.
fn paint_cells(out: &mut [u8], bx: &[i32], by: &[i32], ch: usize, r: priors_core::Rect) {
    let (w, h) = (bx.len() - 1, by.len() - 1);
    for v in 0..h {
        if by[v] >= r.y1 || by[v + 1] <= r.y0 {
            continue;
        }
        for u in 0..w {
            if bx[u] < r.x1 && bx[u + 1] > r.x0 {
                out[ch * w * h + v * w + u] = 255;
            }
        }
    }
}

/// Per-episode bookkeeping that does not belong in the world state.
struct Tally {
    ret: f32,
    /// The measures of `priors_core::measure` (one definition shared with the analysis).
    coverage: Coverage,
}

impl Tally {
    fn new(level: &Level) -> Tally {
        Tally {
            ret: 0.0,
            coverage: Coverage::new(level),
        }
    }
    fn reset(&mut self) {
        self.ret = 0.0;
        self.coverage.clear();
    }
    fn visit(&mut self, w: &World, action: Action) {
        self.coverage.record(w, action);
    }
}

/// `dst = src.clone()` without allocating: `World`'s derived `Clone` has no `clone_from` of its
/// own, so the plain one would allocate the enemy vectors anew on every call (levels with
/// patrolling enemies). The destructuring lists every field, so a field added to `World` is a
/// compile error here rather than a silently stale copy.
fn copy_world(dst: &mut World, src: &World) {
    let World {
        tick,
        player,
        has_key,
        key_present,
        enemies_alive,
        enemy_x,
        enemy_dir,
        deaths,
        touching_door,
        outcome,
    } = src;
    dst.tick = *tick;
    dst.player = *player;
    dst.has_key = *has_key;
    dst.key_present = *key_present;
    dst.enemies_alive = *enemies_alive;
    dst.enemy_x.clone_from(enemy_x);
    dst.enemy_dir.clone_from(enemy_dir);
    dst.deaths = *deaths;
    dst.touching_door = *touching_door;
    dst.outcome = *outcome;
}

impl Shared {
    /// Starts a new episode in `world` and `tally` (no observation).
    fn restart(&self, world: &mut World, tally: &mut Tally) {
        copy_world(world, &self.start);
        tally.reset();
    }

    /// One tick with the action at `action` in the action set (out-of-range indices are no-ops):
    /// reward, terminated, truncated and the step's info. Observes nothing, so a batch can
    /// observe once, after any auto-reset, straight into its own buffer.
    fn advance(
        &self,
        world: &mut World,
        tally: &mut Tally,
        action: usize,
    ) -> (f32, bool, bool, Info) {
        let a = self
            .cfg
            .actions
            .actions()
            .get(action)
            .copied()
            .unwrap_or(Action::NOOP);
        let events = step(&self.cfg.level, &self.rules, world, a);
        let r = reward(&events);
        tally.ret += r;
        tally.visit(world, a);
        let (terminated, truncated) = match world.outcome {
            Outcome::Running => (false, false),
            Outcome::Won | Outcome::Died(_) => (true, false),
            Outcome::TimedOut => (false, true),
        };
        let episode = (terminated || truncated).then(|| EpisodeStats {
            length: world.tick,
            ret: tally.ret,
            success: world.outcome == Outcome::Won,
            death_cause: match world.outcome {
                Outcome::Died(c) => Some(c),
                _ => None,
            },
            truncated,
            unique_positions: tally.coverage.unique_positions,
            deaths: world.deaths + matches!(world.outcome, Outcome::Died(_)) as u32,
            max_tier: tally.coverage.max_tier,
        });
        let info = Info {
            x_px: world.player.x as f32 / SUB as f32,
            y_px: world.player.y as f32 / SUB as f32,
            deaths: world.deaths,
            has_key: world.has_key,
            events,
            outcome: world.outcome,
            episode,
        };
        (r, terminated, truncated, info)
    }
}

/// One environment.
pub struct Env {
    shared: Arc<Shared>,
    world: World,
    tally: Tally,
    obs: Vec<u8>,
    seed: u64,
}

/// What [`Env::step`] returns.
pub type StepResult<'a> = (&'a [u8], f32, bool, bool, Info);

impl Env {
    /// Builds an environment (call [`Env::reset`] before stepping).
    pub fn new(cfg: EnvConfig) -> Result<Env, EnvError> {
        let shared = Arc::new(Shared::new(cfg)?);
        let mut e = Env {
            world: shared.start.clone(),
            tally: Tally::new(&shared.cfg.level),
            obs: vec![0; shared.obs_len()],
            seed: 0,
            shared,
        };
        e.reset(0);
        Ok(e)
    }

    /// Starts a new episode. The game is deterministic; `seed` is only recorded.
    pub fn reset(&mut self, seed: u64) -> &[u8] {
        self.seed = seed;
        self.shared.restart(&mut self.world, &mut self.tally);
        self.shared.observe(&self.world, &mut self.obs);
        &self.obs
    }

    /// The seed passed to the last reset.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of actions.
    pub fn num_actions(&self) -> usize {
        self.shared.cfg.actions.actions().len()
    }

    /// (channels, height, width) of an observation.
    pub fn obs_shape(&self) -> (usize, usize, usize) {
        self.shared.obs_shape
    }

    /// The current world state.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The renderer (for full frames, e.g. videos).
    pub fn renderer(&self) -> &Renderer {
        &self.shared.renderer
    }

    /// Steps with the action at `action` in the action set (out-of-range indices are no-ops).
    /// After `terminated || truncated`, call [`Env::reset`].
    pub fn step(&mut self, action: usize) -> StepResult<'_> {
        let (r, term, trunc, info) = self
            .shared
            .advance(&mut self.world, &mut self.tally, action);
        self.shared.observe(&self.world, &mut self.obs);
        (&self.obs, r, term, trunc, info)
    }
}

/// N environments stepping together, with auto-reset.
///
/// The batch owns its worlds and bookkeeping directly (not N [`Env`]s): each env's observation
/// is drawn once per step straight into its slot of the batch buffer, after any auto-reset, and
/// [`VecEnv::worlds`] is the batch's own state, so a step copies neither observations nor worlds
/// and allocates nothing.
pub struct VecEnv {
    shared: Arc<Shared>,
    worlds: Vec<World>,
    tallies: Vec<Tally>,
    /// The seed recorded at each env's last (auto-)reset.
    seeds: Vec<u64>,
    obs: Vec<u8>,
    /// Each env's last observation of its finished episode (`num_envs * obs_len`), drawn only
    /// when [`VecEnv::keep_final_observations`] asked for it; empty otherwise.
    final_obs: Vec<u8>,
    rewards: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    infos: Vec<Info>,
    /// Ticks each env took on the last step (1 unless an action repeats).
    ticks: Vec<u32>,
    /// Ticks each action is held for ([`VecEnv::set_action_repeat`]; 1 by default).
    repeat: u32,
    seed: u64,
    episodes_started: u64,
}

/// What [`VecEnv::step`] returns; slices indexed by env.
pub struct VecStep<'a> {
    /// Observations, `num_envs * obs_len` (a finished env's slot holds its next episode's first obs).
    pub obs: &'a [u8],
    /// Extrinsic rewards.
    pub rewards: &'a [f32],
    /// Episode ended by goal or death.
    pub terminated: &'a [bool],
    /// Episode cut by the tick limit.
    pub truncated: &'a [bool],
    /// Per-env info (`episode` set where an episode ended).
    pub infos: &'a [Info],
    /// With [`VecEnv::keep_final_observations`]: `num_envs * obs_len`, where env `i` ended on
    /// this step its slot holds the observation of the world the episode ended in (the frame
    /// an env without auto-reset would return), elsewhere stale bytes. `None` otherwise.
    pub final_obs: Option<&'a [u8]>,
    /// Ticks each env took on this step: 1, or with [`VecEnv::set_action_repeat`] the repeat,
    /// fewer where the episode ended during it.
    pub ticks: &'a [u32],
}

impl VecEnv {
    /// Builds `num_envs` environments sharing one renderer.
    pub fn new(cfg: EnvConfig, num_envs: usize, seed: u64) -> Result<VecEnv, EnvError> {
        if num_envs == 0 {
            return Err(EnvError::Config("num_envs must be positive".into()));
        }
        let shared = Arc::new(Shared::new(cfg)?);
        let n = shared.obs_len();
        let info0 = Info {
            x_px: 0.0,
            y_px: 0.0,
            deaths: 0,
            has_key: false,
            events: Events::default(),
            outcome: Outcome::Running,
            episode: None,
        };
        let mut v = VecEnv {
            worlds: vec![shared.start.clone(); num_envs],
            tallies: (0..num_envs)
                .map(|_| Tally::new(&shared.cfg.level))
                .collect(),
            seeds: vec![0; num_envs],
            obs: vec![0; n * num_envs],
            final_obs: Vec::new(),
            rewards: vec![0.0; num_envs],
            terminated: vec![false; num_envs],
            truncated: vec![false; num_envs],
            infos: vec![info0; num_envs],
            ticks: vec![1; num_envs],
            repeat: 1,
            shared,
            seed,
            episodes_started: 0,
        };
        v.reset();
        Ok(v)
    }

    /// Number of environments.
    pub fn num_envs(&self) -> usize {
        self.worlds.len()
    }
    /// Number of actions.
    pub fn num_actions(&self) -> usize {
        self.actions().len()
    }
    /// (channels, height, width) of one env's observation.
    pub fn obs_shape(&self) -> (usize, usize, usize) {
        self.shared.obs_shape
    }
    /// One env's observation of the static scene alone (no key, enemies or player): what
    /// every observation of this level under this condition shares, so that what differs from
    /// it is what moved (the count bonus's footprint, `priors_agent::bonus::SimHash`).
    pub fn background_observation(&self) -> &[u8] {
        self.shared.background()
    }

    /// Length of one env's observation.
    pub fn obs_len(&self) -> usize {
        self.shared.obs_len()
    }
    /// The action set, indexed by the agent's choices.
    pub fn actions(&self) -> &[Action] {
        self.shared.cfg.actions.actions()
    }
    /// Current world states (after the last step's auto-resets).
    pub fn worlds(&self) -> &[World] {
        &self.worlds
    }
    /// The seed each env recorded at its last (auto-)reset (the game is deterministic: seeds
    /// change nothing in the dynamics).
    pub fn seeds(&self) -> &[u64] {
        &self.seeds
    }
    /// The shared renderer.
    pub fn renderer(&self) -> &Renderer {
        &self.shared.renderer
    }

    /// From now on, also draw each finished episode's last observation (`VecStep::final_obs`),
    /// for learners that train on the transition into an episode's end (the reference A3C +
    /// ICM computes a bonus on it). Costs one more observation per finished episode.
    pub fn keep_final_observations(&mut self) {
        self.final_obs = vec![0; self.obs.len()];
    }

    /// From now on, each step holds every env's action for `k` ticks (at least 1), stopping
    /// early where the episode ends (Pathak et al.'s `SkipEnv`: repeat the action, sum the
    /// rewards, keep the last frame); `VecStep::ticks` says how many each env took. The
    /// observation is drawn once, after the last tick; the `Info` is the last tick's.
    pub fn set_action_repeat(&mut self, k: u32) {
        self.repeat = k.max(1);
    }

    /// Restarts env `i` with the next episode seed (no observation).
    fn restart(&mut self, i: usize) {
        self.episodes_started += 1;
        self.seeds[i] = priors_core::rng::mix(self.seed, self.episodes_started);
        self.shared
            .restart(&mut self.worlds[i], &mut self.tallies[i]);
    }

    /// Resets every env; returns all observations.
    pub fn reset(&mut self) -> &[u8] {
        let n = self.obs_len();
        for i in 0..self.worlds.len() {
            self.restart(i);
            self.shared
                .observe(&self.worlds[i], &mut self.obs[i * n..(i + 1) * n]);
        }
        &self.obs
    }

    /// Steps every env with its action index; finished envs reset automatically.
    pub fn step(&mut self, actions: &[usize]) -> VecStep<'_> {
        let n = self.obs_len();
        for i in 0..self.worlds.len() {
            let a = actions.get(i).copied().unwrap_or(0);
            let (mut r, mut term, mut trunc, mut info) =
                self.shared
                    .advance(&mut self.worlds[i], &mut self.tallies[i], a);
            let mut ticks = 1;
            while ticks < self.repeat && !(term || trunc) {
                let (r2, term2, trunc2, info2) =
                    self.shared
                        .advance(&mut self.worlds[i], &mut self.tallies[i], a);
                (r, term, trunc, info) = (r + r2, term2, trunc2, info2);
                ticks += 1;
            }
            self.ticks[i] = ticks;
            if (term || trunc) && !self.final_obs.is_empty() {
                self.shared
                    .observe(&self.worlds[i], &mut self.final_obs[i * n..(i + 1) * n]);
            }
            if term || trunc {
                self.restart(i);
            }
            self.rewards[i] = r;
            self.terminated[i] = term;
            self.truncated[i] = trunc;
            self.infos[i] = info;
            // The observation the agent gets: a finished episode's last frame is not shown here
            // (its slot holds the next episode's first); it is drawn above only when asked for.
            self.shared
                .observe(&self.worlds[i], &mut self.obs[i * n..(i + 1) * n]);
        }
        VecStep {
            obs: &self.obs,
            rewards: &self.rewards,
            terminated: &self.terminated,
            truncated: &self.truncated,
            infos: &self.infos,
            final_obs: (!self.final_obs.is_empty()).then_some(&self.final_obs[..]),
            ticks: &self.ticks,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The batch against its definition: N independent [`Env`]s, each reset on the step that
    //! finishes its episode, with the batch's seed sequence.

    use super::*;
    use priors_core::{Condition, parse_condition, parse_level};

    fn level(text: &str, name: &str) -> Level {
        parse_level(text, name).unwrap()
    }

    fn configs() -> Vec<EnvConfig> {
        let princess = include_str!("../../../data/levels/princess.level");
        let patrol = princess.replacen(
            "[physics]\nprofile = \"released-2018\"",
            "[physics]\nprofile = \"clean\"\nenemy_patrol_px = 1.5",
            1,
        );
        let levels = [
            level(princess, "princess"),
            level(&patrol, "princess-patrol"),
            level(
                include_str!("../../../data/levels/keydoor.level"),
                "keydoor",
            ),
        ];
        assert!(levels[1].physics.enemy_patrol > 0);
        let hard = parse_condition(
            include_str!("../../../data/conditions/hard.toml"),
            "hard.toml",
        )
        .unwrap();
        let obs = [
            ObsKind::Pixels {
                width: 42,
                height: 42,
            },
            ObsKind::PixelsArea {
                width: 42,
                height: 42,
            },
            ObsKind::ObjectGrid {
                width: 16,
                height: 16,
            },
        ];
        let mut out = Vec::new();
        for level in &levels {
            for condition in [Condition::original(), hard.clone()] {
                for obs in obs {
                    // Short episodes, so auto-resets and the tick limit come up often.
                    let mut rules = Rules::agent();
                    rules.tick_limit = Some(60);
                    out.push(EnvConfig {
                        level: level.clone(),
                        condition: condition.clone(),
                        rules,
                        obs,
                        actions: ActionSet::Effective,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn vec_env_equals_independent_envs_with_auto_reset() {
        const N: usize = 3;
        for (k, cfg) in configs().into_iter().enumerate() {
            // Every other batch also keeps each finished episode's last observation.
            let keep = k % 2 == 0;
            let what = format!(
                "{} / {} / {:?}",
                cfg.level.header.name, cfg.condition.id, cfg.obs
            );
            let seed = 11;
            let mut v = VecEnv::new(cfg.clone(), N, seed).unwrap();
            if keep {
                v.keep_final_observations();
            }
            let mut envs: Vec<Env> = (0..N).map(|_| Env::new(cfg.clone()).unwrap()).collect();
            let mut started = 0u64;
            let mut next_seed = || {
                started += 1;
                priors_core::rng::mix(seed, started)
            };
            let n = v.obs_len();
            let mut want = vec![0u8; n * N];
            // `VecEnv::new` resets once, the explicit reset below again.
            for _ in 0..2 {
                for (i, e) in envs.iter_mut().enumerate() {
                    want[i * n..(i + 1) * n].copy_from_slice(e.reset(next_seed()));
                }
            }
            assert_eq!(v.reset(), &want[..], "{what}: reset");
            let mut ends = 0;
            for t in 0..200usize {
                let actions: Vec<usize> = (0..N).map(|i| (t * 7 + i * 5) % 19).collect();
                let mut rows = Vec::new();
                let mut finals = Vec::new();
                for (i, e) in envs.iter_mut().enumerate() {
                    let (obs, r, term, trunc, info) = e.step(actions[i]);
                    want[i * n..(i + 1) * n].copy_from_slice(obs);
                    if term || trunc {
                        finals.push((i, obs.to_vec()));
                        ends += 1;
                        let o = e.reset(next_seed());
                        want[i * n..(i + 1) * n].copy_from_slice(o);
                    }
                    rows.push((r, term, trunc, info));
                }
                let s = v.step(&actions);
                assert_eq!(s.obs, &want[..], "{what}: obs at step {t}");
                assert_eq!(s.final_obs.is_some(), keep, "{what}: final observations");
                if let Some(f) = s.final_obs {
                    for (i, last) in &finals {
                        assert_eq!(
                            &f[i * n..(i + 1) * n],
                            &last[..],
                            "{what}: final obs of env {i} at step {t}"
                        );
                    }
                }
                for (i, (r, term, trunc, info)) in rows.into_iter().enumerate() {
                    assert_eq!(s.rewards[i], r, "{what}: reward");
                    assert_eq!(s.terminated[i], term, "{what}: terminated");
                    assert_eq!(s.truncated[i], trunc, "{what}: truncated");
                    assert_eq!(s.infos[i], info, "{what}: info");
                }
                for (i, e) in envs.iter().enumerate() {
                    assert_eq!(&v.worlds()[i], e.world(), "{what}: world {i} at step {t}");
                    assert_eq!(v.seeds()[i], e.seed(), "{what}: seed {i}");
                }
            }
            assert!(ends >= N, "{what}: only {ends} episodes ended");
        }
    }

    #[test]
    fn a_repeated_action_is_held_until_the_repeat_or_the_episode_ends() {
        const N: usize = 3;
        const K: u32 = 3;
        // Episodes that ended before their last step's repeat was done, over every batch.
        let mut short = 0;
        for cfg in configs().into_iter().step_by(3) {
            let what = format!("{} / {}", cfg.level.header.name, cfg.condition.id);
            let mut v = VecEnv::new(cfg.clone(), N, 5).unwrap();
            v.set_action_repeat(K);
            v.keep_final_observations();
            let mut envs: Vec<Env> = (0..N).map(|_| Env::new(cfg.clone()).unwrap()).collect();
            let n = v.obs_len();
            let mut ends = 0;
            for t in 0..80usize {
                let actions: Vec<usize> = (0..N).map(|i| (t * 7 + i * 5) % 19).collect();
                let s = v.step(&actions);
                let (ticks_of, rewards) = (s.ticks.to_vec(), s.rewards.to_vec());
                let ends_of: Vec<_> = s
                    .terminated
                    .iter()
                    .zip(s.truncated)
                    .map(|(a, b)| (*a, *b))
                    .collect();
                let (all_obs, finals) = (s.obs.to_vec(), s.final_obs.unwrap().to_vec());
                for (i, e) in envs.iter_mut().enumerate() {
                    let (mut ret, mut ticks) = (0.0, 0);
                    let (mut term, mut trunc) = (false, false);
                    while ticks < K && !(term || trunc) {
                        let (_, r, te, tr, _) = e.step(actions[i]);
                        (ret, term, trunc, ticks) = (ret + r, te, tr, ticks + 1);
                    }
                    assert_eq!(ticks_of[i], ticks, "{what}: ticks of env {i} at step {t}");
                    assert_eq!(rewards[i], ret, "{what}: summed reward");
                    assert_eq!(ends_of[i], (term, trunc), "{what}");
                    let mut obs = vec![0; n];
                    if term || trunc {
                        e.shared.observe(e.world(), &mut obs);
                        assert_eq!(&finals[i * n..(i + 1) * n], &obs[..], "{what}: final obs");
                        e.reset(0);
                        ends += 1;
                        short += (ticks < K) as usize;
                    }
                    assert_eq!(&v.worlds()[i], e.world(), "{what}: world {i} at step {t}");
                    e.shared.observe(e.world(), &mut obs);
                    assert_eq!(&all_obs[i * n..(i + 1) * n], &obs[..], "{what}: obs at {t}");
                }
            }
            assert!(
                ends >= N && short > 0,
                "{what}: {ends} ends, {short} mid-repeat"
            );
        }
    }

    #[test]
    fn copy_world_equals_clone() {
        let text = include_str!("../../../data/levels/princess.level").replacen(
            "[physics]\nprofile = \"released-2018\"",
            "[physics]\nprofile = \"clean\"\nenemy_patrol_px = 1.5",
            1,
        );
        let level = level(&text, "p");
        let rules = Rules::agent();
        let mut w = World::new(&level);
        let mut copy = World::new(&level);
        copy.enemy_x.clear();
        for t in 0..50 {
            step(&level, &rules, &mut w, Action::EFFECTIVE[t % 18]);
            copy_world(&mut copy, &w);
            assert_eq!(copy, w);
        }
        assert!(!w.enemy_x.is_empty(), "the copied world has enemy vectors");
    }
}
