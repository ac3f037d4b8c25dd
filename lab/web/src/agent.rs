//! The agent API: a remote agent (any language, any machine) plays the study's level under one
//! of its conditions, under a token from the tokens file, over plain HTTP + JSON.
//!
//! `POST /api/v1/reset` starts an episode (a session folder of its own, marked simulated, origin
//! `agent-api`, participant `agent-<name>`, played under the human rules: respawn after a death,
//! the study's time limit); `POST /api/v1/step` plays one or several actions, one tick each;
//! `GET /api/v1/frame` is the frame (PNG or raw RGBA, the frame a participant sees);
//! `POST /api/v1/end` ends it and answers the verifier's verdict. Every tick is recorded
//! through `priors-protocol` exactly like a participant's, so `priors verify` and
//! `priors analyze` read agent episodes as sessions. Each agent has an action budget per level
//! over all its episodes ([`crate::DEFAULT_AGENT_BUDGET`]); a step past it is refused.
//!
//! The wire format is in lab/web/README.md.

use crate::wire::{FrameFormat, rgba};
use crate::{App, WebError, mono_s};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use priors_core::{Action, Outcome};
use priors_protocol::{DEFAULT_INSTRUCTIONS, DEFAULT_TIME_LIMIT_S, Session, SessionSpec, Stamp};
use priors_records::session::{DisplayInfo, FileRef, Status};
use priors_records::verify::{verdict_line, verify_dir};
use priors_render::{Image, Renderer, encode_png};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Most actions one step request may carry.
pub const MAX_ACTIONS_PER_STEP: usize = 1000;

/// A running agent episode.
pub struct Episode {
    /// The agent's name (from the tokens file).
    pub agent: String,
    session: Session,
    renderer: Renderer,
    image: Image,
    frame: u64,
    last_t_s: f64,
}

impl std::fmt::Debug for Episode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Episode")
            .field("agent", &self.agent)
            .field("dir", &self.session.dir())
            .finish()
    }
}

fn stamp(frame: u64) -> Stamp {
    Stamp {
        frame,
        t_s: mono_s(),
        utc: SystemTime::now(),
    }
}

/// The agent named by the request's `Authorization: Bearer <token>`.
fn agent_of(app: &App, headers: &HeaderMap) -> Result<String, WebError> {
    if app.tokens.is_empty() {
        return Err(WebError::Unauthorized(
            "this server has no agent API (start it with --tokens)".into(),
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| WebError::Unauthorized("send `Authorization: Bearer <token>`".into()))?;
    app.tokens
        .get(token.trim())
        .cloned()
        .ok_or_else(|| WebError::Unauthorized("unknown token".into()))
}

fn episode(app: &App, agent: &str, id: &str) -> Result<Arc<Mutex<Episode>>, WebError> {
    let map = app.episodes.lock().unwrap_or_else(|p| p.into_inner());
    match map.get(id) {
        // Another agent's episode is reported exactly like a missing one.
        Some(e) if e.lock().unwrap_or_else(|p| p.into_inner()).agent == agent => Ok(e.clone()),
        _ => Err(WebError::NotFound(format!(
            "no episode {id:?} of this agent"
        ))),
    }
}

fn budget_key(app: &App, agent: &str) -> (String, String) {
    (agent.to_string(), app.study.level.value.header.name.clone())
}

fn budget_left(app: &App, agent: &str) -> u64 {
    let used = app
        .budgets
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&budget_key(app, agent))
        .copied()
        .unwrap_or(0);
    app.config.agent_budget.saturating_sub(used)
}

/// What `GET /api/v1/info` answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct Info {
    /// The level's name.
    pub level: String,
    /// Conditions an episode may ask for.
    pub conditions: Vec<String>,
    /// The level's ticks per second.
    pub tick_hz: u32,
    /// The frame size, px.
    pub frame_px: [u32; 2],
    /// Every action name (`noop`, or buttons joined by `+`).
    pub actions: Vec<String>,
    /// Ticks this agent may still play on this level.
    pub budget_left: u64,
}

/// `GET /api/v1/info`.
pub async fn info(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Info>, WebError> {
    let agent = agent_of(&app, &headers)?;
    let level = &app.study.level.value;
    Ok(Json(Info {
        level: level.header.name.clone(),
        conditions: app.study.conditions.keys().cloned().collect(),
        tick_hz: level.header.tick_hz,
        frame_px: {
            let r = Renderer::new(level, &priors_core::Condition::original())?;
            let (w, h) = r.frame_size();
            [w, h]
        },
        actions: Action::EFFECTIVE.iter().map(|a| a.to_string()).collect(),
        budget_left: budget_left(&app, &agent),
    }))
}

/// Body of `POST /api/v1/reset`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// One of the study's conditions (default: its first).
    #[serde(default)]
    pub condition: Option<String>,
}

/// Answer of reset and step.
#[derive(Debug, Serialize, Deserialize)]
pub struct StepReply {
    /// The episode id.
    pub episode: String,
    /// Ticks played in the episode.
    pub tick: u32,
    /// Reward of the actions of this request (+1 on reaching the goal, else 0).
    pub reward: f64,
    /// Whether the episode has ended (goal or time limit).
    pub done: bool,
    /// `running`, `won` or `timed_out`.
    pub outcome: String,
    /// Deaths so far (the player respawns at the start, as humans do).
    pub deaths: u32,
    /// Actions of the request that were played (fewer when the episode ended).
    pub taken: usize,
    /// Ticks this agent may still play on this level.
    pub budget_left: u64,
    /// The session folder's name under the data root.
    pub folder: String,
}

fn reply(app: &App, id: &str, e: &Episode, reward: f64, taken: usize) -> StepReply {
    let w = e.session.world();
    StepReply {
        episode: id.to_string(),
        tick: w.tick,
        reward,
        done: w.is_done(),
        outcome: match w.outcome {
            Outcome::Won => "won",
            Outcome::TimedOut => "timed_out",
            _ => "running",
        }
        .into(),
        deaths: w.deaths,
        taken,
        budget_left: budget_left(app, &e.agent),
        folder: e
            .session
            .dir()
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
    }
}

/// `POST /api/v1/reset`: a new episode (a new session folder).
pub async fn reset(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Option<Json<ResetRequest>>,
) -> Result<Json<StepReply>, WebError> {
    let agent = agent_of(&app, &headers)?;
    let req = body.map(|b| b.0).unwrap_or_default();
    let name = match req.condition {
        Some(c) => c,
        None => app.study.experiment.file.conditions[0].clone(),
    };
    let condition = app
        .study
        .conditions
        .get(&name)
        .ok_or_else(|| WebError::BadRequest(format!("condition {name:?} is not in this study")))?
        .clone();
    let level = app.study.level.clone();
    let renderer = Renderer::new(
        &level.value,
        &condition
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(priors_core::Condition::original),
    )?;
    let file = &app.study.experiment.file;
    let spec = SessionSpec {
        root: app.config.data.clone(),
        participant: format!("agent-{agent}"),
        session: "1".into(),
        new_run: true,
        pilot: false,
        level,
        condition,
        assignment: None,
        script: Some(FileRef {
            name: format!("agent:{agent}"),
            source_path: "agent-api".into(),
            copy: None,
            sha256: "NA".into(),
        }),
        time_limit_s: file.time_limit_s.unwrap_or(DEFAULT_TIME_LIMIT_S),
        hash_every: app.config.hash_every,
        time_scale: 1.0,
        consent_text: None,
        instructions: file
            .instructions
            .clone()
            .unwrap_or_else(|| DEFAULT_INSTRUCTIONS.into()),
        extra_keys: file.keys.clone(),
        origin: "agent-api".into(),
        display: DisplayInfo {
            frame_px: {
                let (w, h) = renderer.frame_size();
                [w, h]
            },
            ..DisplayInfo::default()
        },
        pause_on_focus_loss: false,
    };
    let mut session = Session::create(spec, stamp(0))?;
    session.start_play()?;
    let id = session.meta().uuid.clone();
    let ep = Episode {
        agent,
        image: renderer.new_frame(),
        renderer,
        session,
        frame: 0,
        last_t_s: mono_s(),
    };
    let r = reply(&app, &id, &ep, 0.0, 0);
    app.episodes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, Arc::new(Mutex::new(ep)));
    Ok(Json(r))
}

/// Body of `POST /api/v1/step`: `action` or `actions`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// The episode.
    pub episode: String,
    /// One action (`noop`, `right`, `left+jump`, ...).
    #[serde(default)]
    pub action: Option<String>,
    /// Several actions, one tick each (at most [`MAX_ACTIONS_PER_STEP`]).
    #[serde(default)]
    pub actions: Option<Vec<String>>,
}

/// `POST /api/v1/step`.
pub async fn step(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(req): Json<StepRequest>,
) -> Result<Json<StepReply>, WebError> {
    let agent = agent_of(&app, &headers)?;
    let names = match (req.action, req.actions) {
        (Some(a), None) => vec![a],
        (None, Some(v)) if !v.is_empty() => v,
        _ => {
            return Err(WebError::BadRequest(
                "give `action` (one) or `actions` (a non-empty list), not both".into(),
            ));
        }
    };
    if names.len() > MAX_ACTIONS_PER_STEP {
        return Err(WebError::BadRequest(format!(
            "{} actions in one step; at most {MAX_ACTIONS_PER_STEP}",
            names.len()
        )));
    }
    // Every action is parsed before any is played: a bad name changes nothing.
    let actions = names
        .iter()
        .map(|n| n.parse::<Action>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let ep = episode(&app, &agent, &req.episode)?;
    let mut e = ep.lock().unwrap_or_else(|p| p.into_inner());
    if e.session.ended() {
        return Err(WebError::Conflict(format!(
            "episode {} has ended ({}); reset for a new one",
            req.episode,
            e.session.meta().status.name()
        )));
    }
    let left = budget_left(&app, &agent);
    if (actions.len() as u64) > left {
        return Err(WebError::Conflict(format!(
            "action budget: {left} ticks left on this level, {} asked",
            actions.len()
        )));
    }
    let mut reward = 0.0;
    let mut taken = 0;
    for a in actions {
        e.frame += 1;
        let at = stamp(e.frame);
        e.session.begin_frame(at);
        let ticked = match e.session.tick_action(a) {
            Ok(t) => t,
            Err(err) => {
                e.session.fail(&err);
                return Err(err.into());
            }
        };
        let Some(ev) = ticked else { break };
        taken += 1;
        if ev
            .iter()
            .any(|x| matches!(x, priors_core::Event::GoalReached))
        {
            reward += 1.0;
        }
        let dt = at.t_s - e.last_t_s;
        e.last_t_s = at.t_s;
        if let Err(err) = e.session.end_frame(dt) {
            e.session.fail(&err);
            return Err(err.into());
        }
        if e.session.ended() {
            break;
        }
    }
    // An agent may pause for any time between requests: its rows reach the disk now.
    if let Err(err) = e.session.flush() {
        e.session.fail(&err);
        return Err(err.into());
    }
    *app.budgets
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(budget_key(&app, &agent))
        .or_insert(0) += taken as u64;
    Ok(Json(reply(&app, &req.episode, &e, reward, taken)))
}

/// Query of `GET /api/v1/frame`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameQuery {
    /// The episode.
    pub episode: String,
    /// `png` (default) or `rgba`.
    #[serde(default)]
    pub format: FrameFormat,
}

/// `GET /api/v1/frame`: the frame now, as PNG or raw RGBA; headers `x-priors-tick`,
/// `x-priors-width`, `x-priors-height`.
pub async fn frame(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<FrameQuery>,
) -> Result<impl IntoResponse, WebError> {
    let agent = agent_of(&app, &headers)?;
    let ep = episode(&app, &agent, &q.episode)?;
    let mut guard = ep.lock().unwrap_or_else(|p| p.into_inner());
    let e = &mut *guard;
    e.renderer.render(e.session.world(), &mut e.image);
    let (body, ty) = match q.format {
        FrameFormat::Png => (encode_png(&e.image), "image/png"),
        FrameFormat::Rgba => (rgba(&e.image.rgb), "application/octet-stream"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, ty.to_string()),
            (
                header::HeaderName::from_static("x-priors-tick"),
                e.session.world().tick.to_string(),
            ),
            (
                header::HeaderName::from_static("x-priors-width"),
                e.image.width.to_string(),
            ),
            (
                header::HeaderName::from_static("x-priors-height"),
                e.image.height.to_string(),
            ),
        ],
        body,
    ))
}

/// Body of `POST /api/v1/end`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndRequest {
    /// The episode.
    pub episode: String,
}

/// Answer of `POST /api/v1/end`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EndReply {
    /// The session's status (`complete`, `timeout`, `aborted`).
    pub status: String,
    /// The verifier's one-line verdict on the folder.
    pub verdict: String,
    /// Ticks played.
    pub tick: u32,
    /// The session folder's name under the data root.
    pub folder: String,
}

/// `POST /api/v1/end`: ends the episode (recorded `aborted` if it had not ended) and verifies
/// its folder.
pub async fn end(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(req): Json<EndRequest>,
) -> Result<Json<EndReply>, WebError> {
    let agent = agent_of(&app, &headers)?;
    let ep = episode(&app, &agent, &req.episode)?;
    app.episodes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&req.episode);
    let (dir, status, tick) = {
        let mut e = ep.lock().unwrap_or_else(|p| p.into_inner());
        let at = stamp(e.frame + 1);
        e.session.begin_frame(at);
        e.session.close("ended by the agent")?;
        let s = &e.session;
        (s.dir().to_path_buf(), s.meta().status, s.world().tick)
    };
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let verdict = tokio::task::spawn_blocking(move || verdict_line(&verify_dir(&dir)))
        .await
        .map_err(|e| WebError::Setup(e.to_string()))?;
    Ok(Json(EndReply {
        status: status.name().into(),
        verdict,
        tick,
        folder,
    }))
}

/// Marks every running agent episode `interrupted` (the server is stopping).
pub fn interrupt_all(app: &App, why: &str) {
    let map = std::mem::take(&mut *app.episodes.lock().unwrap_or_else(|p| p.into_inner()));
    for ep in map.values() {
        let mut e = ep.lock().unwrap_or_else(|p| p.into_inner());
        if e.session.meta().status == Status::Running {
            let at = stamp(e.frame + 1);
            e.session.begin_frame(at);
            if let Err(err) = e.session.interrupt(why) {
                e.session.fail(&err);
            }
        }
    }
}
