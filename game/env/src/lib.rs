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
        Ok(Env::from_shared(Arc::new(Shared::new(cfg)?)))
    }

    fn from_shared(shared: Arc<Shared>) -> Env {
        let world = World::new(&shared.cfg.level);
        let tally = Tally::new(&shared.cfg.level);
        let obs = vec![0; shared.obs_len()];
        let mut e = Env {
            shared,
            world,
            tally,
            obs,
            seed: 0,
        };
        e.reset_in_place(0);
        e
    }

    fn reset_in_place(&mut self, seed: u64) {
        self.seed = seed;
        self.world = World::new(&self.shared.cfg.level);
        self.tally.reset();
        self.shared.observe(&self.world, &mut self.obs);
    }

    /// Starts a new episode. The game is deterministic; `seed` is only recorded.
    pub fn reset(&mut self, seed: u64) -> &[u8] {
        self.reset_in_place(seed);
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
        let (r, term, trunc, info) = self.step_inner(action);
        (&self.obs, r, term, trunc, info)
    }

    fn step_inner(&mut self, action: usize) -> (f32, bool, bool, Info) {
        let a = self
            .shared
            .cfg
            .actions
            .actions()
            .get(action)
            .copied()
            .unwrap_or(Action::NOOP);
        let level = &self.shared.cfg.level;
        let events = step(level, &self.shared.rules, &mut self.world, a);
        let r = reward(&events);
        self.tally.ret += r;
        self.tally.visit(&self.world, a);
        let (terminated, truncated) = match self.world.outcome {
            Outcome::Running => (false, false),
            Outcome::Won | Outcome::Died(_) => (true, false),
            Outcome::TimedOut => (false, true),
        };
        let episode = (terminated || truncated).then(|| EpisodeStats {
            length: self.world.tick,
            ret: self.tally.ret,
            success: self.world.outcome == Outcome::Won,
            death_cause: match self.world.outcome {
                Outcome::Died(c) => Some(c),
                _ => None,
            },
            truncated,
            unique_positions: self.tally.coverage.unique_positions,
            deaths: self.world.deaths + matches!(self.world.outcome, Outcome::Died(_)) as u32,
        });
        let info = Info {
            x_px: self.world.player.x as f32 / SUB as f32,
            y_px: self.world.player.y as f32 / SUB as f32,
            deaths: self.world.deaths,
            has_key: self.world.has_key,
            events,
            outcome: self.world.outcome,
            episode,
        };
        self.shared.observe(&self.world, &mut self.obs);
        (r, terminated, truncated, info)
    }
}

/// N environments stepping together, with auto-reset.
pub struct VecEnv {
    envs: Vec<Env>,
    obs: Vec<u8>,
    rewards: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    infos: Vec<Info>,
    worlds: Vec<World>,
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
}

impl VecEnv {
    /// Builds `num_envs` environments sharing one renderer.
    pub fn new(cfg: EnvConfig, num_envs: usize, seed: u64) -> Result<VecEnv, EnvError> {
        if num_envs == 0 {
            return Err(EnvError::Config("num_envs must be positive".into()));
        }
        let shared = Arc::new(Shared::new(cfg)?);
        let envs: Vec<Env> = (0..num_envs)
            .map(|_| Env::from_shared(shared.clone()))
            .collect();
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
        let worlds = envs.iter().map(|e| e.world.clone()).collect();
        let mut v = VecEnv {
            obs: vec![0; n * num_envs],
            rewards: vec![0.0; num_envs],
            terminated: vec![false; num_envs],
            truncated: vec![false; num_envs],
            infos: vec![info0; num_envs],
            worlds,
            envs,
            seed,
            episodes_started: 0,
        };
        v.reset();
        Ok(v)
    }

    /// Number of environments.
    pub fn num_envs(&self) -> usize {
        self.envs.len()
    }
    /// Number of actions.
    pub fn num_actions(&self) -> usize {
        self.envs[0].num_actions()
    }
    /// (channels, height, width) of one env's observation.
    pub fn obs_shape(&self) -> (usize, usize, usize) {
        self.envs[0].obs_shape()
    }
    /// Length of one env's observation.
    pub fn obs_len(&self) -> usize {
        let (c, h, w) = self.obs_shape();
        c * h * w
    }
    /// The action set, indexed by the agent's choices.
    pub fn actions(&self) -> &[Action] {
        self.envs[0].shared.cfg.actions.actions()
    }
    /// Current world states (after the last step's auto-resets).
    pub fn worlds(&self) -> &[World] {
        &self.worlds
    }
    /// The shared renderer.
    pub fn renderer(&self) -> &Renderer {
        self.envs[0].renderer()
    }

    fn next_seed(&mut self) -> u64 {
        self.episodes_started += 1;
        priors_core::rng::mix(self.seed, self.episodes_started)
    }

    /// Resets every env; returns all observations.
    pub fn reset(&mut self) -> &[u8] {
        let n = self.obs_len();
        for i in 0..self.envs.len() {
            let s = self.next_seed();
            self.envs[i].reset_in_place(s);
            self.obs[i * n..(i + 1) * n].copy_from_slice(&self.envs[i].obs);
            self.worlds[i].clone_from(&self.envs[i].world);
        }
        &self.obs
    }

    /// Steps every env with its action index; finished envs reset automatically.
    pub fn step(&mut self, actions: &[usize]) -> VecStep<'_> {
        let n = self.obs_len();
        for i in 0..self.envs.len() {
            let a = actions.get(i).copied().unwrap_or(0);
            let (r, term, trunc, info) = self.envs[i].step_inner(a);
            if term || trunc {
                let s = self.next_seed();
                self.envs[i].reset_in_place(s);
            }
            self.rewards[i] = r;
            self.terminated[i] = term;
            self.truncated[i] = trunc;
            self.infos[i] = info;
            self.obs[i * n..(i + 1) * n].copy_from_slice(&self.envs[i].obs);
            self.worlds[i].clone_from(&self.envs[i].world);
        }
        VecStep {
            obs: &self.obs,
            rewards: &self.rewards,
            terminated: &self.terminated,
            truncated: &self.truncated,
            infos: &self.infos,
        }
    }
}
