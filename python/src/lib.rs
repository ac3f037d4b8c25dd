//! # priors-gym (native part, `priors_gym._native`)
//!
//! The Rust side of the Python package: builds an [`EnvConfig`] from the package's keyword
//! arguments (levels and conditions through `priors-catalog`), one env, a vector env that steps N
//! envs with the GIL released straight into NumPy buffers it owns, a session-folder check through
//! the records crate's verifier (`priors_records::verify`, the one `priors verify` runs), and two
//! reference helpers (the Rust `VecEnv` run on given actions, and its timing loop) so tests and
//! benchmarks compare against Rust in the same process.
//!
//! What it deliberately does not do: no Gymnasium logic (spaces, registration, info layout live in
//! the Python package), no session-folder checks of its own (a second verifier could accept what
//! `priors verify` rejects), no dependency on the lab window crate.

use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{
    PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods, ToPyArray,
};
use priors_catalog::CatalogError;
use priors_core::replay::format_hash;
use priors_core::world::{Outcome, Rules};
use priors_core::{ActionSet, Events, Level, Profile, World};
use priors_env::{Env, EnvConfig, Info, OBJECT_CHANNELS, ObsKind, VecEnv};
use priors_records::RecordError;
use priors_records::verify::{Mismatch, verdict_line, verify_dir};
use priors_render::{Image, Renderer};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::path::PathBuf;

pyo3::create_exception!(
    _native,
    DataError,
    PyValueError,
    "A level, condition, trace or session file that cannot be used; the message names the file."
);

fn data_err(e: impl std::fmt::Display) -> PyErr {
    DataError::new_err(e.to_string())
}

fn catalog_err(e: CatalogError) -> PyErr {
    match e {
        CatalogError::Io { .. } => PyOSError::new_err(e.to_string()),
        other => data_err(other),
    }
}

/// What the Python side observes: the Rust env's kinds plus the full RGB frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Observation {
    /// Grey pixels (the Rust env's `ObsKind::Pixels`), shape (1, height, width).
    Pixels,
    /// Object grid (`ObsKind::ObjectGrid`), shape (7, height, width).
    Grid,
    /// The renderer's RGB frame, shape (frame height, frame width, 3).
    Rgb,
}

/// A validated environment configuration (see `priors_gym.make_config`).
#[pyclass(frozen, module = "priors_gym._native")]
#[derive(Clone)]
struct Config {
    cfg: EnvConfig,
    observation: Observation,
    #[pyo3(get)]
    level_name: String,
    #[pyo3(get)]
    level_path: String,
    #[pyo3(get)]
    level_sha256: String,
    #[pyo3(get)]
    condition_id: String,
    #[pyo3(get)]
    condition_path: String,
    #[pyo3(get)]
    condition_sha256: String,
    #[pyo3(get)]
    profile: String,
    #[pyo3(get)]
    tick_limit: Option<u32>,
    #[pyo3(get)]
    tick_hz: u32,
    #[pyo3(get)]
    tile_px: u32,
    #[pyo3(get)]
    obs_shape: Vec<usize>,
    #[pyo3(get)]
    frame_shape: Vec<usize>,
}

#[pymethods]
impl Config {
    /// The observation kind: `pixels`, `grid` or `rgb`.
    #[getter]
    fn observation(&self) -> &'static str {
        match self.observation {
            Observation::Pixels => "pixels",
            Observation::Grid => "grid",
            Observation::Rgb => "rgb",
        }
    }
    /// The action set's name.
    #[getter]
    fn action_set(&self) -> &'static str {
        self.cfg.actions.name()
    }
    /// The actions of the set, in index order (`noop`, `right+jump`, ...).
    #[getter]
    fn action_names(&self) -> Vec<String> {
        self.cfg
            .actions
            .actions()
            .iter()
            .map(|a| a.to_string())
            .collect()
    }
    /// `agent` (death ends the episode) or `human` (respawn, deaths counted).
    #[getter]
    fn rules(&self) -> &'static str {
        match self.cfg.rules.on_death {
            priors_core::OnDeath::EndEpisode => "agent",
            priors_core::OnDeath::RespawnAtStart => "human",
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "Config(level={:?}, condition={:?}, observation={:?}, obs_shape={:?}, action_set={:?}, rules={:?}, profile={:?}, tick_limit={:?})",
            self.level_name,
            self.condition_id,
            self.observation(),
            self.obs_shape,
            self.action_set(),
            self.rules(),
            self.profile,
            self.tick_limit
        )
    }
}

fn parse_profile(s: &str) -> PyResult<Profile> {
    match s {
        "clean" => Ok(Profile::Clean),
        "released-2018" => Ok(Profile::Released2018),
        "released-2018-py3" => Ok(Profile::Released2018Py3),
        o => Err(PyValueError::new_err(format!(
            "unknown physics profile {o:?}: expected clean, released-2018 or released-2018-py3"
        ))),
    }
}

/// The level with another physics profile: printed and parsed again, so everything the parser
/// derives from the profile (box sizes, pygame rectangles) follows it.
fn with_profile(level: &Level, profile: Profile, file: &str) -> PyResult<Level> {
    if level.physics.profile == profile {
        return Ok(level.clone());
    }
    let mut l = level.clone();
    l.header.physics.profile = profile;
    let text = priors_core::print_level(&l);
    priors_core::parse_level(&text, &format!("{file} (profile {})", profile.name()))
        .map_err(data_err)
}

/// Builds a configuration. `size` is (width, height) of pixel or grid observations.
#[pyfunction]
#[pyo3(signature = (level, condition, observation, size, action_set, rules, profile=None, tick_limit=None))]
#[allow(clippy::too_many_arguments)]
fn make_config(
    level: &str,
    condition: &str,
    observation: &str,
    size: (u32, u32),
    action_set: &str,
    rules: &str,
    profile: Option<&str>,
    tick_limit: Option<i64>,
) -> PyResult<Config> {
    let lv = priors_catalog::load_level(level).map_err(catalog_err)?;
    let cond = priors_catalog::load_condition(condition).map_err(catalog_err)?;
    let level_path = lv.path.display().to_string();
    let lvl = match profile {
        Some(p) => with_profile(&lv.value, parse_profile(p)?, &level_path)?,
        None => lv.value.clone(),
    };
    let actions: ActionSet = action_set.parse().map_err(PyValueError::new_err)?;
    let mut r = match rules {
        "agent" => Rules::agent(),
        "human" => Rules::human(lvl.header.tick_hz),
        o => {
            return Err(PyValueError::new_err(format!(
                "unknown rules {o:?}: expected agent or human"
            )));
        }
    };
    if let Some(t) = tick_limit {
        r.tick_limit = match t {
            0 => None,
            t if t > 0 && t <= u32::MAX as i64 => Some(t as u32),
            t => {
                return Err(PyValueError::new_err(format!(
                    "tick_limit {t} must be positive (or 0 for none)"
                )));
            }
        };
    }
    let (w, h) = size;
    if w == 0 || h == 0 {
        return Err(PyValueError::new_err(format!(
            "observation size {w}x{h} must be positive"
        )));
    }
    let (obs_kind, obs) = match observation {
        "pixels" => (
            ObsKind::Pixels {
                width: w,
                height: h,
            },
            Observation::Pixels,
        ),
        // Grey pixels resized by area averaging (the paper's smooth resize).
        "pixels_area" => (
            ObsKind::PixelsArea {
                width: w,
                height: h,
            },
            Observation::Pixels,
        ),
        "grid" => (
            ObsKind::ObjectGrid {
                width: w,
                height: h,
            },
            Observation::Grid,
        ),
        // The Rust env still needs an observation; the smallest one costs nothing.
        "rgb" => (
            ObsKind::Pixels {
                width: 1,
                height: 1,
            },
            Observation::Rgb,
        ),
        o => {
            return Err(PyValueError::new_err(format!(
                "unknown observation {o:?}: expected pixels, rgb or grid"
            )));
        }
    };
    let renderer = Renderer::new(&lvl, &cond.value).map_err(data_err)?;
    let (fw, fh) = renderer.frame_size();
    let frame_shape = vec![fh as usize, fw as usize, 3];
    let obs_shape = match obs {
        Observation::Pixels => vec![1, h as usize, w as usize],
        Observation::Grid => vec![OBJECT_CHANNELS.len(), h as usize, w as usize],
        Observation::Rgb => frame_shape.clone(),
    };
    Ok(Config {
        level_name: lvl.header.name.clone(),
        tick_hz: lvl.header.tick_hz,
        tile_px: lvl.header.tile_px,
        profile: lvl.physics.profile.name().to_string(),
        level_path,
        level_sha256: lv.sha256,
        condition_id: cond.value.id.clone(),
        condition_path: cond.path.display().to_string(),
        condition_sha256: cond.sha256,
        tick_limit: r.tick_limit,
        obs_shape,
        frame_shape,
        observation: obs,
        cfg: EnvConfig {
            level: lvl,
            condition: cond.value,
            rules: r,
            obs: obs_kind,
            actions,
        },
    })
}

/// Names of the shipped levels.
#[pyfunction]
fn level_names() -> PyResult<Vec<String>> {
    priors_catalog::level_names().map_err(catalog_err)
}

/// Names of the shipped conditions, in the paper's order first.
#[pyfunction]
fn condition_names() -> PyResult<Vec<String>> {
    let names = priors_catalog::condition_names().map_err(catalog_err)?;
    let mut out: Vec<String> = priors_catalog::PAPER_CONDITIONS
        .iter()
        .map(|s| s.to_string())
        .filter(|s| names.contains(s))
        .collect();
    let rest: Vec<String> = names.into_iter().filter(|n| !out.contains(n)).collect();
    out.extend(rest);
    Ok(out)
}

/// The data folder levels and conditions are read from.
#[pyfunction]
fn data_dir() -> PyResult<String> {
    Ok(priors_catalog::data_dir()
        .map_err(catalog_err)?
        .display()
        .to_string())
}

fn outcome_name(o: Outcome) -> String {
    match o {
        Outcome::Running => "running".into(),
        Outcome::Won => "won".into(),
        Outcome::Died(c) => format!("died_{}", c.name()),
        Outcome::TimedOut => "timed_out".into(),
    }
}

fn event_names(e: &Events) -> Vec<String> {
    e.iter().map(|e| e.name()).collect()
}

/// The per-step info dict of the single env.
fn info_dict<'py>(
    py: Python<'py>,
    world: &World,
    info: Option<&Info>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("tick", world.tick)?;
    d.set_item("x_px", world.player.x as f64 / priors_core::SUB as f64)?;
    d.set_item("y_px", world.player.y as f64 / priors_core::SUB as f64)?;
    d.set_item("deaths", world.deaths)?;
    d.set_item("has_key", world.has_key)?;
    d.set_item("on_ladder", world.player.on_ladder)?;
    d.set_item("state_hash", world.state_hash())?;
    let events = info.map(|i| event_names(&i.events)).unwrap_or_default();
    d.set_item("events", PyTuple::new(py, events)?)?;
    d.set_item("outcome", outcome_name(world.outcome))?;
    if let Some(ep) = info.and_then(|i| i.episode) {
        let e = PyDict::new(py);
        e.set_item("r", ep.ret)?;
        e.set_item("l", ep.length)?;
        e.set_item("success", ep.success)?;
        e.set_item("truncated", ep.truncated)?;
        e.set_item("death_cause", ep.death_cause.map(|c| c.name()))?;
        e.set_item("unique_positions", ep.unique_positions)?;
        e.set_item("deaths", ep.deaths)?;
        d.set_item("episode", e)?;
    }
    Ok(d)
}

fn action_index(a: i64, n: usize) -> PyResult<usize> {
    if a < 0 || a as usize >= n {
        return Err(PyValueError::new_err(format!(
            "action {a} is outside the action set (0..{n})"
        )));
    }
    Ok(a as usize)
}

/// One environment.
#[pyclass(module = "priors_gym._native")]
struct NativeEnv {
    env: Env,
    observation: Observation,
    obs_shape: Vec<usize>,
    frame: Image,
}

impl NativeEnv {
    /// The observation as a new array: the env's pixels or grid, or the rendered frame.
    fn obs_array<'py>(&mut self, py: Python<'py>, obs: &[u8]) -> Bound<'py, PyArrayDyn<u8>> {
        let data = if self.observation == Observation::Rgb {
            self.env
                .renderer()
                .render(self.env.world(), &mut self.frame);
            self.frame.rgb.clone()
        } else {
            obs.to_vec()
        };
        ArrayD::from_shape_vec(IxDyn(&self.obs_shape), data)
            .expect("observation length matches its shape")
            .to_pyarray(py)
    }
}

#[pymethods]
impl NativeEnv {
    #[new]
    fn new(config: &Config) -> PyResult<NativeEnv> {
        let env = Env::new(config.cfg.clone()).map_err(data_err)?;
        let frame = env.renderer().new_frame();
        Ok(NativeEnv {
            env,
            observation: config.observation,
            obs_shape: config.obs_shape.clone(),
            frame,
        })
    }

    /// Starts an episode; returns (obs, info).
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: u64,
    ) -> PyResult<(Bound<'py, PyArrayDyn<u8>>, Bound<'py, PyDict>)> {
        let obs = self.env.reset(seed).to_vec();
        let arr = self.obs_array(py, &obs);
        Ok((arr, info_dict(py, self.env.world(), None)?))
    }

    /// One tick; returns (obs, reward, terminated, truncated, info).
    #[allow(clippy::type_complexity)]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: i64,
    ) -> PyResult<(
        Bound<'py, PyArrayDyn<u8>>,
        f32,
        bool,
        bool,
        Bound<'py, PyDict>,
    )> {
        let a = action_index(action, self.env.num_actions())?;
        let (obs, r, term, trunc, info) = self.env.step(a);
        let obs = obs.to_vec();
        let arr = self.obs_array(py, &obs);
        let d = info_dict(py, self.env.world(), Some(&info))?;
        Ok((arr, r, term, trunc, d))
    }

    /// The renderer's RGB frame of the current state, (height, width, 3).
    fn render<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyArrayDyn<u8>> {
        self.env
            .renderer()
            .render(self.env.world(), &mut self.frame);
        let (w, h) = (self.frame.width as usize, self.frame.height as usize);
        ArrayD::from_shape_vec(IxDyn(&[h, w, 3]), self.frame.rgb.clone())
            .expect("frame length matches its size")
            .to_pyarray(py)
    }

    /// The current state hash (as recorded in traces).
    fn state_hash(&self) -> u64 {
        self.env.world().state_hash()
    }

    /// The world as ASCII (for debugging).
    fn ascii(&self) -> String {
        self.env.world().ascii(&self.env.renderer().level().clone())
    }
}

/// N environments stepped together in Rust into NumPy buffers owned by this object.
#[pyclass(module = "priors_gym._native")]
struct NativeVecEnv {
    envs: Vec<Env>,
    observation: Observation,
    same_step: bool,
    obs_len: usize,
    frames: Vec<Image>,
    pending_reset: Vec<bool>,
    actions: Vec<usize>,
    events: Vec<(usize, Vec<String>)>,
    seed: u64,
    episodes_started: u64,
    /// (n, *obs_shape)
    #[pyo3(get)]
    obs: Py<PyArrayDyn<u8>>,
    /// (n, *obs_shape): the last observation of episodes that ended this step (same-step mode).
    #[pyo3(get)]
    final_obs: Py<PyArrayDyn<u8>>,
    #[pyo3(get)]
    rewards: Py<PyArray1<f32>>,
    #[pyo3(get)]
    terminated: Py<PyArray1<bool>>,
    #[pyo3(get)]
    truncated: Py<PyArray1<bool>>,
    #[pyo3(get)]
    x_px: Py<PyArray1<f32>>,
    #[pyo3(get)]
    y_px: Py<PyArray1<f32>>,
    #[pyo3(get)]
    deaths: Py<PyArray1<u32>>,
    #[pyo3(get)]
    has_key: Py<PyArray1<bool>>,
    #[pyo3(get)]
    tick: Py<PyArray1<u32>>,
    #[pyo3(get)]
    state_hash: Py<PyArray1<u64>>,
    /// Where an episode ended this step.
    #[pyo3(get)]
    episode_done: Py<PyArray1<bool>>,
    #[pyo3(get)]
    episode_return: Py<PyArray1<f32>>,
    #[pyo3(get)]
    episode_length: Py<PyArray1<u32>>,
    #[pyo3(get)]
    episode_success: Py<PyArray1<bool>>,
    #[pyo3(get)]
    episode_unique_positions: Py<PyArray1<u32>>,
    #[pyo3(get)]
    episode_deaths: Py<PyArray1<u32>>,
}

/// Mutable views of every buffer, taken while holding the GIL and used without it.
struct Views<'a> {
    obs: &'a mut [u8],
    final_obs: &'a mut [u8],
    rewards: &'a mut [f32],
    terminated: &'a mut [bool],
    truncated: &'a mut [bool],
    x_px: &'a mut [f32],
    y_px: &'a mut [f32],
    deaths: &'a mut [u32],
    has_key: &'a mut [bool],
    tick: &'a mut [u32],
    state_hash: &'a mut [u64],
    episode_done: &'a mut [bool],
    episode_return: &'a mut [f32],
    episode_length: &'a mut [u32],
    episode_success: &'a mut [bool],
    episode_unique_positions: &'a mut [u32],
    episode_deaths: &'a mut [u32],
}

/// Rust state of a vector env, without the Python buffers.
struct Core<'a> {
    envs: &'a mut [Env],
    frames: &'a mut [Image],
    pending_reset: &'a mut [bool],
    events: &'a mut Vec<(usize, Vec<String>)>,
    seed: u64,
    episodes_started: &'a mut u64,
    observation: Observation,
    same_step: bool,
    obs_len: usize,
}

impl Core<'_> {
    fn next_seed(&mut self) -> u64 {
        *self.episodes_started += 1;
        priors_core::rng::mix(self.seed, *self.episodes_started)
    }

    /// For rgb observations, renders env `i`'s current state into `out` (its slot).
    fn render_obs(&mut self, i: usize, out: &mut [u8]) {
        if self.observation == Observation::Rgb {
            let (e, f) = (&self.envs[i], &mut self.frames[i]);
            e.renderer().render(e.world(), f);
            out.copy_from_slice(&f.rgb);
        }
    }

    fn reset_env(&mut self, i: usize, out: &mut [u8]) {
        let s = self.next_seed();
        let obs = self.envs[i].reset(s);
        if self.observation != Observation::Rgb {
            out.copy_from_slice(obs);
        }
        self.render_obs(i, out);
    }

    fn write_state(&self, i: usize, v: &mut Views<'_>) {
        let w = self.envs[i].world();
        v.x_px[i] = w.player.x as f32 / priors_core::SUB as f32;
        v.y_px[i] = w.player.y as f32 / priors_core::SUB as f32;
        v.deaths[i] = w.deaths;
        v.has_key[i] = w.has_key;
        v.tick[i] = w.tick;
        v.state_hash[i] = w.state_hash();
    }

    fn reset_all(&mut self, v: &mut Views<'_>) {
        let n = self.obs_len;
        for i in 0..self.envs.len() {
            self.reset_env(i, &mut v.obs[i * n..(i + 1) * n]);
            self.pending_reset[i] = false;
            self.write_state(i, v);
        }
        v.rewards.fill(0.0);
        v.terminated.fill(false);
        v.truncated.fill(false);
        v.episode_done.fill(false);
        self.events.clear();
    }

    fn step(&mut self, actions: &[usize], v: &mut Views<'_>) {
        let n = self.obs_len;
        self.events.clear();
        for i in 0..self.envs.len() {
            v.episode_done[i] = false;
            if self.pending_reset[i] {
                // Next-step autoreset: this call resets the env and ignores its action.
                self.reset_env(i, &mut v.obs[i * n..(i + 1) * n]);
                self.pending_reset[i] = false;
                v.rewards[i] = 0.0;
                v.terminated[i] = false;
                v.truncated[i] = false;
                self.write_state(i, v);
                continue;
            }
            let slot = i * n..(i + 1) * n;
            let same_step = self.same_step;
            let rgb = self.observation == Observation::Rgb;
            // Same-step autoreset keeps the final observation aside; otherwise it is the slot's.
            let (r, term, trunc, info, final_in_side) = {
                let (obs, r, term, trunc, info) = self.envs[i].step(actions[i]);
                let side = (term || trunc) && same_step;
                let dst = if side {
                    &mut v.final_obs[slot.clone()]
                } else {
                    &mut v.obs[slot.clone()]
                };
                if !rgb {
                    dst.copy_from_slice(obs);
                }
                (r, term, trunc, info, side)
            };
            if rgb {
                let dst = if final_in_side {
                    &mut v.final_obs[slot.clone()]
                } else {
                    &mut v.obs[slot.clone()]
                };
                self.render_obs(i, dst);
            }
            v.rewards[i] = r;
            v.terminated[i] = term;
            v.truncated[i] = trunc;
            self.write_state(i, v);
            if !info.events.is_empty() {
                self.events.push((i, event_names(&info.events)));
            }
            if let Some(ep) = info.episode {
                v.episode_done[i] = true;
                v.episode_return[i] = ep.ret;
                v.episode_length[i] = ep.length;
                v.episode_success[i] = ep.success;
                v.episode_unique_positions[i] = ep.unique_positions;
                v.episode_deaths[i] = ep.deaths;
                if self.same_step {
                    self.reset_env(i, &mut v.obs[slot]);
                } else {
                    self.pending_reset[i] = true;
                }
            }
        }
    }
}

fn zeros<'py, T: numpy::Element>(py: Python<'py>, shape: &[usize]) -> Py<PyArrayDyn<T>> {
    PyArrayDyn::<T>::zeros(py, IxDyn(shape), false).unbind()
}

fn zeros1<'py, T: numpy::Element>(py: Python<'py>, n: usize) -> Py<PyArray1<T>> {
    PyArray1::<T>::zeros(py, n, false).unbind()
}

impl NativeVecEnv {
    /// Takes mutable slices of every buffer and runs `f` on them and the Rust state with the GIL
    /// released.
    #[allow(unsafe_code)]
    fn with_views<R: Send>(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&mut Core<'_>, &mut Views<'_>) -> R + Send,
    ) -> PyResult<R> {
        let NativeVecEnv {
            envs,
            observation,
            same_step,
            obs_len,
            frames,
            pending_reset,
            events,
            seed,
            episodes_started,
            obs,
            final_obs,
            rewards,
            terminated,
            truncated,
            x_px,
            y_px,
            deaths,
            has_key,
            tick,
            state_hash,
            episode_done,
            episode_return,
            episode_length,
            episode_success,
            episode_unique_positions,
            episode_deaths,
            ..
        } = self;
        let (obs, final_obs) = (obs.bind(py), final_obs.bind(py));
        let (rewards, terminated, truncated) =
            (rewards.bind(py), terminated.bind(py), truncated.bind(py));
        let (x_px, y_px, deaths, has_key, tick, state_hash) = (
            x_px.bind(py),
            y_px.bind(py),
            deaths.bind(py),
            has_key.bind(py),
            tick.bind(py),
            state_hash.bind(py),
        );
        let (ed, er, el, es, eu, edt) = (
            episode_done.bind(py),
            episode_return.bind(py),
            episode_length.bind(py),
            episode_success.bind(py),
            episode_unique_positions.bind(py),
            episode_deaths.bind(py),
        );
        let err = |e: numpy::AsSliceError| PyValueError::new_err(e.to_string());
        // SAFETY: every buffer is a C-contiguous array this object allocated and never hands
        // out for writing; the slices live only for this call, during which this object is
        // mutably borrowed (PyO3 refuses a second borrow), so no other Rust code aliases them.
        // A Python thread reading a returned buffer while a step runs would see a mix of old and
        // new bytes (documented: use copy=True, the default, to own the results).
        let mut v = unsafe {
            Views {
                obs: obs.as_slice_mut().map_err(err)?,
                final_obs: final_obs.as_slice_mut().map_err(err)?,
                rewards: rewards.as_slice_mut().map_err(err)?,
                terminated: terminated.as_slice_mut().map_err(err)?,
                truncated: truncated.as_slice_mut().map_err(err)?,
                x_px: x_px.as_slice_mut().map_err(err)?,
                y_px: y_px.as_slice_mut().map_err(err)?,
                deaths: deaths.as_slice_mut().map_err(err)?,
                has_key: has_key.as_slice_mut().map_err(err)?,
                tick: tick.as_slice_mut().map_err(err)?,
                state_hash: state_hash.as_slice_mut().map_err(err)?,
                episode_done: ed.as_slice_mut().map_err(err)?,
                episode_return: er.as_slice_mut().map_err(err)?,
                episode_length: el.as_slice_mut().map_err(err)?,
                episode_success: es.as_slice_mut().map_err(err)?,
                episode_unique_positions: eu.as_slice_mut().map_err(err)?,
                episode_deaths: edt.as_slice_mut().map_err(err)?,
            }
        };
        let mut core = Core {
            envs,
            frames,
            pending_reset,
            events,
            seed: *seed,
            episodes_started,
            observation: *observation,
            same_step: *same_step,
            obs_len: *obs_len,
        };
        Ok(py.detach(move || f(&mut core, &mut v)))
    }
}

#[pymethods]
impl NativeVecEnv {
    /// `autoreset`: `next_step` (Gymnasium's default) or `same_step` (the Rust `VecEnv`'s).
    #[new]
    fn new(
        py: Python<'_>,
        config: &Config,
        num_envs: usize,
        autoreset: &str,
    ) -> PyResult<NativeVecEnv> {
        if num_envs == 0 {
            return Err(PyValueError::new_err("num_envs must be positive"));
        }
        let same_step = match autoreset {
            "same_step" => true,
            "next_step" => false,
            o => {
                return Err(PyValueError::new_err(format!(
                    "unknown autoreset mode {o:?}: expected next_step or same_step"
                )));
            }
        };
        let envs = (0..num_envs)
            .map(|_| Env::new(config.cfg.clone()).map_err(data_err))
            .collect::<PyResult<Vec<Env>>>()?;
        let frames = if config.observation == Observation::Rgb {
            envs.iter().map(|e| e.renderer().new_frame()).collect()
        } else {
            Vec::new()
        };
        let mut shape = vec![num_envs];
        shape.extend(&config.obs_shape);
        let obs_len = config.obs_shape.iter().product();
        let n = num_envs;
        Ok(NativeVecEnv {
            envs,
            observation: config.observation,
            same_step,
            obs_len,
            frames,
            pending_reset: vec![false; n],
            actions: vec![0; n],
            events: Vec::new(),
            seed: 0,
            episodes_started: 0,
            obs: zeros(py, &shape),
            final_obs: zeros(py, &shape),
            rewards: zeros1(py, n),
            terminated: zeros1(py, n),
            truncated: zeros1(py, n),
            x_px: zeros1(py, n),
            y_px: zeros1(py, n),
            deaths: zeros1(py, n),
            has_key: zeros1(py, n),
            tick: zeros1(py, n),
            state_hash: zeros1(py, n),
            episode_done: zeros1(py, n),
            episode_return: zeros1(py, n),
            episode_length: zeros1(py, n),
            episode_success: zeros1(py, n),
            episode_unique_positions: zeros1(py, n),
            episode_deaths: zeros1(py, n),
        })
    }

    /// Resets every env (episode seeds derive from `seed` as in the Rust `VecEnv`).
    fn reset(&mut self, py: Python<'_>, seed: u64) -> PyResult<()> {
        self.seed = seed;
        self.episodes_started = 0;
        self.with_views(py, |core, v| core.reset_all(v))
    }

    /// Steps every env with its action index (an int64 array of length num_envs). Returns the
    /// events of this step as a list of (env index, event names).
    fn step(
        &mut self,
        py: Python<'_>,
        actions: numpy::PyReadonlyArray1<'_, i64>,
    ) -> PyResult<Vec<(usize, Vec<String>)>> {
        let a = actions
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if a.len() != self.envs.len() {
            return Err(PyValueError::new_err(format!(
                "{} actions for {} envs",
                a.len(),
                self.envs.len()
            )));
        }
        let k = self.envs[0].num_actions();
        let mut acts = std::mem::take(&mut self.actions);
        for (dst, &src) in acts.iter_mut().zip(a) {
            *dst = action_index(src, k)?;
        }
        let r = self.with_views(py, |core, v| core.step(&acts, v));
        self.actions = acts;
        r?;
        Ok(self.events.clone())
    }

    /// The renderer's RGB frame of env `i`'s current state, (height, width, 3).
    fn render<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
        let e = self
            .envs
            .get(i)
            .ok_or_else(|| PyValueError::new_err(format!("no env {i}")))?;
        let mut img = e.renderer().new_frame();
        e.renderer().render(e.world(), &mut img);
        let (w, h) = (img.width as usize, img.height as usize);
        Ok(ArrayD::from_shape_vec(IxDyn(&[h, w, 3]), img.rgb)
            .expect("frame length matches its size")
            .to_pyarray(py))
    }

    /// Number of envs.
    #[getter]
    fn num_envs(&self) -> usize {
        self.envs.len()
    }
}

/// The Rust `priors_env::VecEnv` itself on the given actions (shape (steps, num_envs)): a
/// reference for tests. Returns a dict of stacked per-step arrays.
#[pyfunction]
fn rust_vecenv_trace<'py>(
    py: Python<'py>,
    config: &Config,
    num_envs: usize,
    seed: u64,
    actions: PyReadonlyArray2<'py, i64>,
) -> PyResult<Bound<'py, PyDict>> {
    if config.observation == Observation::Rgb {
        return Err(PyValueError::new_err(
            "the Rust VecEnv has no rgb observation",
        ));
    }
    let mut v = VecEnv::new(config.cfg.clone(), num_envs, seed).map_err(data_err)?;
    let shape = actions.shape().to_vec();
    if shape[1] != num_envs {
        return Err(PyValueError::new_err(
            "actions must have shape (steps, num_envs)",
        ));
    }
    let steps = shape[0];
    let acts = actions.as_array();
    let k = v.num_actions();
    let obs_len = v.obs_len();
    let mut obs = Vec::with_capacity(steps * num_envs * obs_len);
    let (mut rew, mut term, mut trunc) = (Vec::new(), Vec::new(), Vec::new());
    let (mut xs, mut ys, mut deaths, mut keys, mut hashes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut events = Vec::new();
    let mut first = v.reset().to_vec();
    let mut row = vec![0usize; num_envs];
    for t in 0..steps {
        for i in 0..num_envs {
            row[i] = action_index(acts[[t, i]], k)?;
        }
        let s = v.step(&row);
        obs.extend_from_slice(s.obs);
        rew.extend_from_slice(s.rewards);
        term.extend_from_slice(s.terminated);
        trunc.extend_from_slice(s.truncated);
        for (i, info) in s.infos.iter().enumerate() {
            xs.push(info.x_px);
            ys.push(info.y_px);
            deaths.push(info.deaths);
            keys.push(info.has_key);
            if !info.events.is_empty() {
                events.push((t, i, event_names(&info.events)));
            }
        }
        for w in v.worlds() {
            hashes.push(w.state_hash());
        }
    }
    let mut oshape = vec![steps, num_envs];
    let (c, h, w) = v.obs_shape();
    oshape.extend([c, h, w]);
    let d = PyDict::new(py);
    let mut rshape = vec![num_envs];
    rshape.extend([c, h, w]);
    d.set_item(
        "reset_obs",
        ArrayD::from_shape_vec(IxDyn(&rshape), std::mem::take(&mut first))
            .expect("shape")
            .to_pyarray(py),
    )?;
    d.set_item(
        "obs",
        ArrayD::from_shape_vec(IxDyn(&oshape), obs)
            .expect("shape")
            .to_pyarray(py),
    )?;
    let two = |x: Vec<f32>| {
        ArrayD::from_shape_vec(IxDyn(&[steps, num_envs]), x)
            .expect("shape")
            .to_pyarray(py)
    };
    d.set_item("rewards", two(rew))?;
    d.set_item("x_px", two(xs))?;
    d.set_item("y_px", two(ys))?;
    let b2 = |x: Vec<bool>| {
        ArrayD::from_shape_vec(IxDyn(&[steps, num_envs]), x)
            .expect("shape")
            .to_pyarray(py)
    };
    d.set_item("terminated", b2(term))?;
    d.set_item("truncated", b2(trunc))?;
    d.set_item("has_key", b2(keys))?;
    d.set_item(
        "deaths",
        ArrayD::from_shape_vec(IxDyn(&[steps, num_envs]), deaths)
            .expect("shape")
            .to_pyarray(py),
    )?;
    d.set_item(
        "state_hash",
        ArrayD::from_shape_vec(IxDyn(&[steps, num_envs]), hashes)
            .expect("shape")
            .to_pyarray(py),
    )?;
    d.set_item("events", events)?;
    Ok(d)
}

/// Steps/s of the Rust `priors_env::VecEnv` on a fixed cyclic action pattern (that of
/// game/env/benches/env.rs), GIL released: the Rust figure beside the Python ones.
#[pyfunction]
fn rust_vecenv_steps_per_s(
    py: Python<'_>,
    config: &Config,
    num_envs: usize,
    steps: usize,
) -> PyResult<f64> {
    let mut v = VecEnv::new(config.cfg.clone(), num_envs, 1).map_err(data_err)?;
    let k = v.num_actions();
    Ok(py.detach(move || {
        let mut acts = vec![0usize; num_envs];
        let t0 = std::time::Instant::now();
        for s in 0..steps {
            for (i, a) in acts.iter_mut().enumerate() {
                *a = (s * 7 + i * 3) % k;
            }
            std::hint::black_box(v.step(&acts).rewards[0]);
        }
        (steps * num_envs) as f64 / t0.elapsed().as_secs_f64()
    }))
}

/// The first mismatch of a verification as a dict (the fields of [`Mismatch`]).
fn mismatch_dict<'py>(py: Python<'py>, m: &Mismatch) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("file", m.file.display().to_string())?;
    d.set_item("line", m.line)?;
    d.set_item("tick", m.tick)?;
    d.set_item("column", &m.column)?;
    d.set_item("recorded", &m.recorded)?;
    d.set_item("replayed", &m.replayed)?;
    d.set_item("message", m.to_string())?;
    Ok(d)
}

/// Verifies a session folder with the records crate's verifier
/// (`priors_records::verify::verify_dir`, the one `priors verify` runs) and returns what it
/// found as a dict; the verdict and every reason are the verifier's, nothing is re-checked here.
/// A folder it cannot read as a session raises `DataError` (`OSError` for a file that cannot
/// be read) with `priors verify`'s message, naming file and line.
#[pyfunction]
fn verify_session<'py>(py: Python<'py>, dir: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let result = py.detach(|| verify_dir(&dir));
    let line = verdict_line(&result);
    let v = match result {
        Ok(v) => v,
        Err(RecordError::Io { .. }) => return Err(PyOSError::new_err(line)),
        Err(_) => return Err(data_err(line)),
    };
    let w = &v.replay.world;
    let incomplete = v.incomplete_reason();
    let d = PyDict::new(py);
    d.set_item("session", v.dir.display().to_string())?;
    d.set_item("verdict", v.verdict.name())?;
    d.set_item("verdict_line", line)?;
    d.set_item("status", v.meta.status.name())?;
    d.set_item("rows", v.replay.rows)?;
    d.set_item("ticks", w.tick)?;
    d.set_item("recorded_ticks", v.meta.n_ticks)?;
    d.set_item("hashes_checked", v.replay.hashes_checked)?;
    match &v.replay.mismatch {
        Some(m) => d.set_item("divergence", mismatch_dict(py, m)?)?,
        None => d.set_item("divergence", py.None())?,
    }
    let problems: Vec<String> = v
        .replay
        .mismatch
        .iter()
        .map(Mismatch::to_string)
        .chain(incomplete.iter().cloned())
        .collect();
    d.set_item("problems", problems)?;
    d.set_item("incomplete", incomplete)?;
    d.set_item("outcome", outcome_name(w.outcome))?;
    d.set_item("deaths", w.deaths)?;
    d.set_item("final_state_hash", format_hash(w.state_hash()))?;
    d.set_item(
        "recorded_final_state_hash",
        v.meta.final_state_hash.as_deref(),
    )?;
    d.set_item("partial_last_line", v.replay.partial)?;
    d.set_item("event_rows", v.event_rows)?;
    d.set_item("events_partial_last_line", v.events_partial)?;
    let temps: Vec<String> = v
        .leftover_temp_files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    d.set_item("leftover_temp_files", temps)?;
    Ok(d)
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Config>()?;
    m.add_class::<NativeEnv>()?;
    m.add_class::<NativeVecEnv>()?;
    m.add_function(wrap_pyfunction!(make_config, m)?)?;
    m.add_function(wrap_pyfunction!(level_names, m)?)?;
    m.add_function(wrap_pyfunction!(condition_names, m)?)?;
    m.add_function(wrap_pyfunction!(data_dir, m)?)?;
    m.add_function(wrap_pyfunction!(rust_vecenv_trace, m)?)?;
    m.add_function(wrap_pyfunction!(rust_vecenv_steps_per_s, m)?)?;
    m.add_function(wrap_pyfunction!(verify_session, m)?)?;
    m.add("DataError", m.py().get_type::<DataError>())?;
    Ok(())
}
