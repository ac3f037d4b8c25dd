//! One session as an event-driven state machine that writes its own folder: the protocol
//! screens (consent, instructions, ready, play, confirm-abort, end), the held keys, the
//! simulation and its files.
//!
//! The driver (the lab window's frame loop, the web server's tick task, the agent API) calls
//! [`Session::key`] and [`Session::focus`] for every input as it arrives, [`Session::tick`] (or
//! [`Session::tick_action`] for non-keyboard input) once per fixed tick, and
//! [`Session::end_frame`] after each batch. Every call takes a [`Stamp`]: this module has **no
//! clock of its own**, so a test can drive it at any speed and the web server can stamp an input
//! with its arrival time.
//!
//! **Invariant:** a tick consumes the keys accumulated since the previous tick exactly once;
//! ticks never run in the frame in which play starts or resumes (the key press that leaves the
//! ready screen is not an action), nor while paused, on another screen, ended or failed.
//!
//! Data: every tick is a [`TickRow`] in ticks.csv, every raw key change and protocol or game
//! event a row in events.csv, through the records crate's whole-row [`CsvLog`]; rows are
//! flushed at least every [`FLUSH_EVERY_S`] and in every frame that logged an event. A failed
//! write is returned as an error; the driver hands it to [`Session::fail`], which stops play and
//! marks the session `write-failed`.
//!
//! The lab window's `Lab` (lab/window/src/lab.rs) is a thin wrapper around it. What it
//! deliberately does not do: draw, read devices, keep a clock, or decide when ticks happen.

use crate::input::{KeyAccumulator, key_name, key_named};
use crate::{ProtocolError, Screen};
use priors_catalog::Loaded;
use priors_core::condition::{Key, KeyMap};
use priors_core::replay::format_hash;
use priors_core::trace::{TICKS_SCHEMA_VERSION, TickRow, ticks_columns};
use priors_core::{Action, Condition, Event, Events, Level, Outcome, Rules, World, step};
use priors_records::RecordError;
use priors_records::session::{
    AssignmentRecord, ColumnsFile, DisplayInfo, EventKind, EventRow, FileRef, FrameStats,
    SESSION_SCHEMA_VERSION, SessionMeta, Status, events_columns, events_header, files,
    ticks_header,
};
use priors_records::sink::{CsvLog, FLUSH_EVERY_S, PendingDir};
use priors_records::util::write_json_atomic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The paper's only instruction to subjects.
pub const DEFAULT_INSTRUCTIONS: &str =
    "Finish the game as quickly as possible using the arrow keys.";

/// The paper's time limit, s.
pub const DEFAULT_TIME_LIMIT_S: u32 = 30 * 60;

/// When something happened, as the driver's clock says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    /// Index of the driver's frame (window frame, server tick period, agent step) from 0.
    pub frame: u64,
    /// The driver's monotonic clock, s (any origin; only differences are written).
    pub t_s: f64,
    /// Wall-clock time, for the UTC fields of session.json.
    pub utc: SystemTime,
}

/// Everything needed to start a session.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    /// Data root for this session (already `<out>/pilot` in pilot mode).
    pub root: PathBuf,
    /// Participant id (already prefixed `pilot-` in pilot mode).
    pub participant: String,
    /// Session id.
    pub session: String,
    /// Record another run when data for (participant, session) exists.
    pub new_run: bool,
    /// Pilot mode.
    pub pilot: bool,
    /// The level.
    pub level: Loaded<Level>,
    /// The condition file; `None` for the built-in original.
    pub condition: Option<Loaded<Condition>>,
    /// How the condition was assigned, if by an experiment file.
    pub assignment: Option<AssignmentRecord>,
    /// The script or agent, when input is not a person's (the data is marked simulated).
    pub script: Option<FileRef>,
    /// Time limit, s.
    pub time_limit_s: u32,
    /// Write the state hash every this many ticks (0: only on events and at the end).
    pub hash_every: u32,
    /// Wall-clock speed relative to real time (1 for subjects).
    pub time_scale: f64,
    /// Consent text; no consent screen when `None`.
    pub consent_text: Option<String>,
    /// Instruction text.
    pub instructions: String,
    /// Keys the experiment file adds over the condition's map (`[keys]`; empty: none).
    pub extra_keys: BTreeMap<Key, Vec<priors_core::Button>>,
    /// Display settings known at the start (window, browser, origin).
    pub display: DisplayInfo,
    /// Where it is played (session.json's `origin`): `lab`, `web` or `agent-api`.
    pub origin: String,
    /// Whether play pauses while the input device has no focus (a person cannot play then);
    /// off for scripts and agents.
    pub pause_on_focus_loss: bool,
}

impl SessionSpec {
    /// The key map a session made from this spec will use (the condition's map for this
    /// participant, plus the experiment's keys), known before the session (and its folder)
    /// exists: a script's key sets are chosen with it.
    pub fn keymap(&self) -> KeyMap {
        Setup::of(self).keymap
    }
}

/// What a session plays, derived from its spec before any file is written.
#[derive(Debug)]
struct Setup {
    level: Level,
    condition: Condition,
    rules: Rules,
    tick_limit: u32,
    seed: u64,
    keymap: KeyMap,
}

impl Setup {
    fn of(spec: &SessionSpec) -> Setup {
        let level = spec.level.value.clone();
        let condition = spec
            .condition
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(Condition::original);
        let tick_hz = level.header.tick_hz;
        let tick_limit = spec.time_limit_s.saturating_mul(tick_hz);
        let rules = Rules {
            tick_limit: Some(tick_limit),
            ..Rules::human(tick_hz)
        }
        .with_ladder(condition.mechanics.ladder);
        // The participant's seed re-maps the arrows where the condition asks for it (hard).
        let experiment_seed = spec.assignment.as_ref().map_or(0, |a| a.seed);
        let seed = priors_core::condition::participant_seed(experiment_seed, &spec.participant);
        let keymap = condition
            .controls
            .key_map_for(seed)
            .with_keys(&spec.extra_keys);
        Setup {
            level,
            condition,
            rules,
            tick_limit,
            seed,
            keymap,
        }
    }
}

fn utc(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// The git commit this crate was built from (set by build.rs).
pub fn git_hash() -> &'static str {
    env!("PRIORS_GIT_HASH")
}

/// Copies the level and condition files into the pending folder; returns the condition's ref.
fn copy_inputs(spec: &SessionSpec, pending: &PendingDir) -> Result<FileRef, RecordError> {
    let copy = |from: &Path, to: &str| {
        std::fs::copy(from, pending.tmp.join(to))
            .map_err(|e| RecordError::io(from, format!("copying: {e}")))
    };
    copy(&spec.level.path, files::LEVEL)?;
    Ok(match &spec.condition {
        Some(c) => {
            copy(&c.path, files::CONDITION)?;
            FileRef::condition_copy(&c.value.id, &c.path.display().to_string(), &c.sha256)
        }
        None => FileRef::builtin_original(),
    })
}

fn session_meta(
    spec: &SessionSpec,
    setup: &Setup,
    pending: &PendingDir,
    condition: FileRef,
    created: SystemTime,
) -> SessionMeta {
    SessionMeta {
        schema_version: SESSION_SCHEMA_VERSION,
        ticks_schema_version: TICKS_SCHEMA_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        git_hash: git_hash().into(),
        participant: spec.participant.clone(),
        session: spec.session.clone(),
        run: pending.run,
        uuid: pending.uuid.clone(),
        pilot: spec.pilot,
        simulated: spec.script.is_some(),
        script: spec.script.clone(),
        level: FileRef {
            name: setup.level.header.name.clone(),
            source_path: spec.level.path.display().to_string(),
            copy: Some(files::LEVEL.into()),
            sha256: spec.level.sha256.clone(),
        },
        condition,
        assignment: spec.assignment.clone(),
        seed: setup.seed,
        key_map: Key::ALL
            .iter()
            .zip(setup.keymap.0)
            .map(|(k, a)| (key_name(*k).to_string(), a.to_string()))
            .collect(),
        ladder_mode: format!("{:?}", setup.condition.mechanics.ladder).to_lowercase(),
        tick_hz: setup.level.header.tick_hz,
        tick_limit: setup.tick_limit,
        hash_every_n_ticks: spec.hash_every,
        time_scale: spec.time_scale,
        created_utc: utc(created),
        start_utc: None,
        end_utc: None,
        status: Status::Running,
        status_detail: None,
        n_ticks: 0,
        deaths: 0,
        final_state_hash: None,
        display: spec.display.clone(),
        frame_timing: FrameStats::default(),
        host: host_name(),
        pid: std::process::id(),
        origin: spec.origin.clone(),
    }
}

fn write_headers(pending: &PendingDir, meta: &SessionMeta) -> Result<(), RecordError> {
    let columns = |file: &str, columns| ColumnsFile {
        file: file.into(),
        schema_version: SESSION_SCHEMA_VERSION,
        missing_value: "NA".into(),
        columns,
    };
    write_json_atomic(
        &pending.tmp.join(files::TICKS_COLUMNS),
        &ColumnsFile {
            schema_version: TICKS_SCHEMA_VERSION,
            ..columns(files::TICKS, ticks_columns())
        },
    )?;
    write_json_atomic(
        &pending.tmp.join(files::EVENTS_COLUMNS),
        &columns(files::EVENTS, events_columns()),
    )?;
    CsvLog::create(&pending.tmp.join(files::TICKS), &ticks_header())?;
    CsvLog::create(&pending.tmp.join(files::EVENTS), &events_header())?;
    write_json_atomic(&pending.tmp.join(files::SESSION), meta)?;
    Ok(())
}

/// What a confirmed abort writes: the `aborted` event's detail and session.json's
/// `status_detail`. The lab window names the experimenter; the default names the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortDetails {
    /// The detail of the `aborted` row of events.csv.
    pub event: &'static str,
    /// session.json's `status_detail`.
    pub status: &'static str,
}

impl Default for AbortDetails {
    fn default() -> AbortDetails {
        AbortDetails {
            event: "confirmed",
            status: "aborted by key",
        }
    }
}

/// A running session: the protocol, the simulation and the open files of its folder.
#[derive(Debug)]
pub struct Session {
    level: Level,
    condition: Condition,
    rules: Rules,
    keymap: KeyMap,
    world: World,
    screen: Screen,
    focused: bool,
    pause_on_focus_loss: bool,
    acc: KeyAccumulator,
    ctrl: u8,
    shift: u8,
    dir: PathBuf,
    meta: SessionMeta,
    ticks: CsvLog,
    events: CsvLog,
    at: Stamp,
    created_t_s: f64,
    last_flush_t_s: f64,
    flush_now: bool,
    play_start_frame: u64,
    consent_text: Option<String>,
    instructions: String,
    hash_every: u32,
    abort_details: AbortDetails,
    failed: Option<String>,
    frame_ms: Vec<f32>,
    ticks_this_frame: u32,
    frames_multi: u64,
    play_wall_s: f64,
    last_events: Events,
}

impl Session {
    /// Claims and creates the session folder with all headers, dictionaries, file copies and a
    /// `running` session.json; opens on the first screen (logged and flushed). Refuses an
    /// existing (participant, session) unless `new_run`.
    pub fn create(spec: SessionSpec, at: Stamp) -> Result<Session, ProtocolError> {
        std::fs::create_dir_all(&spec.root)
            .map_err(|e| RecordError::io(&spec.root, format!("creating: {e}")))?;
        let pending =
            PendingDir::claim(&spec.root, &spec.participant, &spec.session, spec.new_run)?;
        let setup = Setup::of(&spec);
        let condition_ref = copy_inputs(&spec, &pending)?;
        let meta = session_meta(&spec, &setup, &pending, condition_ref, at.utc);
        write_headers(&pending, &meta)?;
        let dir = pending.publish()?;
        let ticks = CsvLog::append_to(&dir.join(files::TICKS))?;
        let events = CsvLog::append_to(&dir.join(files::EVENTS))?;
        let first = if spec.consent_text.is_some() {
            Screen::Consent
        } else {
            Screen::Instructions
        };
        let mut s = Session {
            world: World::new(&setup.level),
            level: setup.level,
            condition: setup.condition,
            rules: setup.rules,
            keymap: setup.keymap,
            screen: first,
            focused: true,
            pause_on_focus_loss: spec.pause_on_focus_loss,
            acc: KeyAccumulator::default(),
            ctrl: 0,
            shift: 0,
            dir,
            meta,
            ticks,
            events,
            at,
            created_t_s: at.t_s,
            last_flush_t_s: at.t_s,
            flush_now: false,
            play_start_frame: u64::MAX,
            consent_text: spec.consent_text,
            instructions: spec.instructions,
            hash_every: spec.hash_every,
            abort_details: AbortDetails::default(),
            failed: None,
            frame_ms: Vec::new(),
            ticks_this_frame: 0,
            frames_multi: 0,
            play_wall_s: 0.0,
            last_events: Events::default(),
        };
        s.log(EventKind::Screen, None, None, Some(first.name()))?;
        s.flush()?;
        Ok(s)
    }

    /// The session folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The level.
    pub fn level(&self) -> &Level {
        &self.level
    }
    /// The condition.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }
    /// The human rules of this session (tick limit, the condition's ladder).
    pub fn rules(&self) -> &Rules {
        &self.rules
    }
    /// The key map (the condition's, re-mapped per participant where asked, plus extra keys).
    pub fn keymap(&self) -> &KeyMap {
        &self.keymap
    }
    /// The simulation state.
    pub fn world(&self) -> &World {
        &self.world
    }
    /// The events of the last tick.
    pub fn last_events(&self) -> &Events {
        &self.last_events
    }
    /// The current screen.
    pub fn screen(&self) -> Screen {
        self.screen
    }
    /// The session record as it stands.
    pub fn meta(&self) -> &SessionMeta {
        &self.meta
    }
    /// The fatal error, once a write failed.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }
    /// Whether the session has ended (any final status, a failure included).
    pub fn ended(&self) -> bool {
        self.meta.status.is_final()
    }
    /// Whether play is paused because the input lost focus.
    pub fn paused_by_focus(&self) -> bool {
        self.pause_on_focus_loss && !self.focused
    }
    /// Whether play started or resumed in the current frame (ticks begin in the next one).
    pub fn resumed_this_frame(&self) -> bool {
        self.at.frame == self.play_start_frame
    }
    /// Whether play pauses while the input has no focus (the spec's `pause_on_focus_loss`);
    /// a driver that learns late that its input is a program's turns it off.
    pub fn set_pause_on_focus_loss(&mut self, pause: bool) {
        self.pause_on_focus_loss = pause;
    }
    /// What a confirmed abort writes (default: [`AbortDetails::default`]).
    pub fn set_abort_details(&mut self, details: AbortDetails) {
        self.abort_details = details;
    }
    /// Whether ticks run now (playing, not paused, started in an earlier frame, no failure).
    pub fn ticking(&self) -> bool {
        self.screen == Screen::Playing
            && !self.paused_by_focus()
            && self.failed.is_none()
            && self.at.frame > self.play_start_frame
            && !self.world.is_done()
    }

    /// The text of the current screen (empty while playing); `end_hint` closes the end screen
    /// ("Please call the experimenter." in the lab; the completion step on the web).
    pub fn screen_text(&self, end_hint: &str) -> String {
        if let Some(e) = &self.failed {
            return format!(
                "DATA WRITE FAILED - the session is stopped and marked incomplete.\n\n{e}\n\n{end_hint}"
            );
        }
        match self.screen {
            Screen::Consent => format!(
                "{}\n\nPress Y to agree, N to decline.",
                self.consent_text.as_deref().unwrap_or("")
            ),
            Screen::Instructions => format!("{}\n\nPress Space to continue.", self.instructions),
            Screen::Ready => "Ready?\n\nPress Space to start.".into(),
            Screen::Playing if self.paused_by_focus() => {
                "Paused: the window lost focus.\n\nClick on the window to continue.".into()
            }
            Screen::Playing => String::new(),
            Screen::ConfirmAbort => "End this session?\n\nY: end    N: continue".into(),
            Screen::End => match self.meta.status {
                Status::Complete => format!("Well done - you finished the game.\n\n{end_hint}"),
                Status::Timeout => format!("The time is up.\n\n{end_hint}"),
                Status::Declined => format!("Thank you.\n\n{end_hint}"),
                _ => format!("The session has ended.\n\n{end_hint}"),
            },
        }
    }

    /// Starts a frame: every input until the next [`Session::begin_frame`] is stamped `at`
    /// unless it brings its own stamp ([`Session::stamp`]).
    pub fn begin_frame(&mut self, at: Stamp) {
        self.at = at;
        self.ticks_this_frame = 0;
    }

    /// Stamps the calls that follow with `at` without starting a new frame: a driver that
    /// times each input as it comes (the lab window writes an event's `t_s` when it is
    /// logged) or each flush decision by its own clock.
    pub fn stamp(&mut self, at: Stamp) {
        self.at = at;
    }

    fn log(
        &mut self,
        kind: EventKind,
        key: Option<&str>,
        repeat: Option<bool>,
        detail: Option<&str>,
    ) -> Result<(), ProtocolError> {
        let t_s = (self.at.t_s - self.created_t_s).max(0.0);
        let row = EventRow {
            seq: self.events.rows(),
            frame: self.at.frame,
            t_s: (t_s * 1e6).round() / 1e6,
            tick: self.world.tick,
            kind,
            key: key.unwrap_or("NA").into(),
            repeat: repeat.map_or("NA".into(), |r| r.to_string()),
            focused: self.focused,
            screen: self.screen.name().into(),
            deaths: self.world.deaths,
            detail: detail.unwrap_or("NA").into(),
        };
        self.events.push(&row)?;
        self.flush_now = true;
        Ok(())
    }

    fn set_screen(&mut self, s: Screen) -> Result<(), ProtocolError> {
        if self.screen != s {
            self.screen = s;
            self.log(EventKind::Screen, None, None, Some(s.name()))?;
        }
        Ok(())
    }

    /// Leaves the ready (or instructions) screen for play, as Space on the ready screen does:
    /// the first tick runs in the next frame, with no keys held. For drivers without a
    /// keyboard (the agent API); does nothing on any other screen.
    pub fn start_play(&mut self) -> Result<(), ProtocolError> {
        if self.failed.is_some() || !matches!(self.screen, Screen::Instructions | Screen::Ready) {
            return Ok(());
        }
        self.play_start_frame = self.at.frame;
        self.acc.clear();
        self.meta.start_utc = Some(utc(self.at.utc));
        self.set_screen(Screen::Playing)?;
        self.log(EventKind::PlayStarted, None, None, None)?;
        Ok(write_json_atomic(
            &self.dir.join(files::SESSION),
            &self.meta,
        )?)
    }

    /// A raw key change: `name` is the snake_case key code (`arrow_left`, `space`, `key_y`,
    /// `control_left`, ...); `detail` is written with it (e.g. the web client's timestamps).
    /// Logged always; acts on the protocol and, while playing, on the held keys.
    pub fn key(
        &mut self,
        name: &str,
        down: bool,
        repeat: bool,
        detail: Option<&str>,
    ) -> Result<(), ProtocolError> {
        if self.failed.is_some() {
            return Ok(());
        }
        let kind = if down {
            EventKind::KeyDown
        } else {
            EventKind::KeyUp
        };
        self.log(kind, Some(name), down.then_some(repeat), detail)?;
        let bit = |names: [&str; 2]| names.iter().position(|n| *n == name).map(|i| 1u8 << i);
        if let Some(b) = bit(["control_left", "control_right"]) {
            if down {
                self.ctrl |= b
            } else {
                self.ctrl &= !b
            }
        }
        if let Some(b) = bit(["shift_left", "shift_right"]) {
            if down {
                self.shift |= b
            } else {
                self.shift &= !b
            }
        }
        if self.screen == Screen::Playing {
            match (key_named(name), down) {
                (Some(k), true) => self.acc.press(k, repeat),
                (Some(k), false) => self.acc.release(k),
                _ => {}
            }
        }
        if !down || repeat {
            return Ok(());
        }
        if name == "key_a"
            && self.ctrl != 0
            && self.shift != 0
            && !matches!(self.screen, Screen::End | Screen::ConfirmAbort)
        {
            self.log(EventKind::AbortRequested, None, None, None)?;
            self.acc.clear();
            return self.set_screen(Screen::ConfirmAbort);
        }
        match (self.screen, name) {
            (Screen::Consent, "key_y") => {
                self.log(EventKind::ConsentGiven, None, None, None)?;
                self.set_screen(Screen::Instructions)
            }
            (Screen::Consent, "key_n") => {
                self.log(EventKind::ConsentDeclined, None, None, None)?;
                self.finish(Status::Declined, Some("consent declined".into()))
            }
            (Screen::Instructions, "space") => self.set_screen(Screen::Ready),
            (Screen::Ready, "space") => self.start_play(),
            (Screen::ConfirmAbort, "key_y") => {
                let details = self.abort_details;
                self.log(EventKind::Aborted, None, None, Some(details.event))?;
                self.finish(Status::Aborted, Some(details.status.into()))
            }
            (Screen::ConfirmAbort, "key_n" | "escape") => {
                self.log(EventKind::AbortCancelled, None, None, None)?;
                // The game resumes only after the current frame, with no keys held.
                self.play_start_frame = self.at.frame;
                let back = if self.world.tick > 0 || self.meta.start_utc.is_some() {
                    Screen::Playing
                } else {
                    Screen::Instructions
                };
                self.set_screen(back)
            }
            _ => Ok(()),
        }
    }

    /// The input gained or lost focus (a window, a browser tab). Losing it drops all held keys
    /// (their releases will not arrive) and pauses play; regaining it resumes in the next frame.
    pub fn focus(&mut self, focused: bool) -> Result<(), ProtocolError> {
        if self.failed.is_some() || focused == self.focused {
            return Ok(());
        }
        self.focused = focused;
        let kind = if focused {
            EventKind::FocusGained
        } else {
            EventKind::FocusLost
        };
        self.log(kind, None, None, None)?;
        if !focused && self.pause_on_focus_loss {
            self.acc.clear();
            self.ctrl = 0;
            self.shift = 0;
        }
        if self.screen == Screen::Playing && self.pause_on_focus_loss {
            let kind = if focused {
                EventKind::Resumed
            } else {
                EventKind::Paused
            };
            self.log(kind, None, None, Some("focus"))?;
            if focused {
                self.play_start_frame = self.at.frame;
            }
        }
        Ok(())
    }

    /// One fixed tick from the held keys: consumes the accumulated keys, steps the world and
    /// writes the row. Returns the tick's events, or `None` when no tick ran.
    pub fn tick(&mut self) -> Result<Option<Events>, ProtocolError> {
        if !self.ticking() {
            return Ok(None);
        }
        let keys = self.acc.consume();
        let action = self.keymap.action(keys);
        self.step_with(action).map(Some)
    }

    /// One fixed tick with `action` chosen by a program (a script, a remote agent) instead of
    /// the held keys; the same conditions as [`Session::tick`].
    pub fn tick_action(&mut self, action: Action) -> Result<Option<Events>, ProtocolError> {
        if !self.ticking() {
            return Ok(None);
        }
        self.step_with(action).map(Some)
    }

    fn step_with(&mut self, action: Action) -> Result<Events, ProtocolError> {
        let ev = step(&self.level, &self.rules, &mut self.world, action);
        self.last_events = ev;
        self.ticks_this_frame += 1;
        let on_schedule = self.hash_every > 0 && self.world.tick.is_multiple_of(self.hash_every);
        let with_hash = on_schedule || !ev.is_empty() || self.world.is_done();
        let row = TickRow::new(&self.level, &self.world, action, &ev, with_hash);
        self.ticks.push(&row)?;
        for e in ev.iter() {
            let (kind, detail) = match e {
                Event::KeyPicked => (EventKind::KeyPicked, None),
                Event::DoorTouched { has_key } => (
                    EventKind::DoorTouched,
                    Some(if has_key { "with_key" } else { "without_key" }.to_string()),
                ),
                Event::EnemyStomped { enemy } => (EventKind::EnemyStomped, Some(enemy.to_string())),
                Event::Died { cause } => (EventKind::Died, Some(cause.name().to_string())),
                Event::Respawned => (EventKind::Respawned, None),
                Event::GoalReached => (EventKind::GoalReached, None),
                Event::TimedOut => (EventKind::TimedOut, None),
            };
            self.log(kind, None, None, detail.as_deref())?;
        }
        match self.world.outcome {
            Outcome::Won => self.finish(Status::Complete, None)?,
            Outcome::TimedOut => self.finish(Status::Timeout, None)?,
            Outcome::Died(_) | Outcome::Running => {}
        }
        Ok(ev)
    }

    /// Ends a frame: `dt_s` is the real time since the previous frame. Records frame timing
    /// while playing and flushes when an event was logged or [`FLUSH_EVERY_S`] has passed.
    pub fn end_frame(&mut self, dt_s: f64) -> Result<(), ProtocolError> {
        if self.failed.is_some() {
            return Ok(());
        }
        if self.ticking() || self.ticks_this_frame > 0 {
            self.frame_ms.push((dt_s * 1000.0) as f32);
            self.play_wall_s += dt_s;
            if self.ticks_this_frame > 1 {
                self.frames_multi += 1;
            }
        }
        if self.flush_now || self.at.t_s - self.last_flush_t_s >= FLUSH_EVERY_S {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every queued row now.
    pub fn flush(&mut self) -> Result<(), ProtocolError> {
        self.ticks.flush()?;
        self.events.flush()?;
        self.last_flush_t_s = self.at.t_s;
        self.flush_now = false;
        Ok(())
    }

    /// Records what is known about the display (written to session.json at start and end).
    pub fn set_display(&mut self, display: DisplayInfo) {
        self.meta.display = display;
    }

    /// The frame timing measured so far.
    pub fn frame_stats(&self) -> FrameStats {
        let mut ms = self.frame_ms.clone();
        ms.sort_by(f32::total_cmp);
        let q = |p: f64| {
            if ms.is_empty() {
                0.0
            } else {
                ms[((ms.len() - 1) as f64 * p).round() as usize] as f64
            }
        };
        let hz = self.level.header.tick_hz as f64 * self.meta.time_scale;
        let ticks_run = self.world.tick as u64;
        let ticks_expected = (self.play_wall_s * hz).floor() as u64;
        FrameStats {
            n_frames: ms.len() as u64,
            mean_ms: if ms.is_empty() {
                0.0
            } else {
                ms.iter().map(|x| *x as f64).sum::<f64>() / ms.len() as f64
            },
            p50_ms: q(0.5),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
            max_ms: q(1.0),
            ticks_run,
            ticks_expected,
            // One tick of slack: the last frame may end inside a tick still accumulating.
            ticks_dropped: ticks_expected.saturating_sub(ticks_run + 1),
            frames_with_several_ticks: self.frames_multi,
        }
    }

    fn close_meta(&mut self, status: Status, detail: Option<String>) {
        self.meta.status = status;
        self.meta.status_detail = detail;
        self.meta.end_utc = Some(utc(self.at.utc));
        self.meta.n_ticks = self.world.tick;
        self.meta.deaths = self.world.deaths;
        self.meta.final_state_hash = Some(format_hash(self.world.state_hash()));
        self.meta.frame_timing = self.frame_stats();
    }

    /// Ends the session with `status`: final rows, synced files, session.json, the end screen.
    /// A session that has ended already is left as it is.
    pub fn finish(&mut self, status: Status, detail: Option<String>) -> Result<(), ProtocolError> {
        if self.meta.status.is_final() {
            return Ok(());
        }
        self.close_meta(status, detail);
        self.set_screen(Screen::End)?;
        self.ticks.sync()?;
        self.events.sync()?;
        Ok(write_json_atomic(
            &self.dir.join(files::SESSION),
            &self.meta,
        )?)
    }

    /// The participant's side closed (a window, a browser tab, a lost connection that did not
    /// come back): a session that has not ended is recorded as aborted, with `why`.
    pub fn close(&mut self, why: &str) -> Result<(), ProtocolError> {
        if self.meta.status.is_final() || self.failed.is_some() {
            return Ok(());
        }
        self.log(EventKind::WindowClosed, None, None, Some(why))?;
        self.finish(Status::Aborted, Some(why.to_string()))
    }

    /// The process was asked to stop (SIGTERM, SIGINT): flush every queued row, then mark the
    /// session `interrupted` with its tick count and final hash.
    pub fn interrupt(&mut self, why: &str) -> Result<(), ProtocolError> {
        if self.meta.status.is_final() || self.failed.is_some() {
            return Ok(());
        }
        self.ticks.sync()?;
        self.events.sync()?;
        self.close_meta(Status::Interrupted, Some(why.to_string()));
        Ok(write_json_atomic(
            &self.dir.join(files::SESSION),
            &self.meta,
        )?)
    }

    /// A write failed: stop play, remember the message, and try to mark the session
    /// `write-failed` (if even that fails, session.json stays `running`, which verify reports
    /// as crashed-incomplete).
    pub fn fail(&mut self, error: &ProtocolError) {
        self.fail_with(error.to_string());
    }

    /// [`Session::fail`] with the driver's own message (a driver whose errors carry more
    /// context than a [`ProtocolError`], e.g. an `anyhow` chain).
    pub fn fail_with(&mut self, msg: String) {
        self.failed = Some(msg.clone());
        self.meta.status = Status::WriteFailed;
        self.meta.status_detail = Some(msg);
        self.meta.end_utc = Some(utc(self.at.utc));
        self.meta.n_ticks = self.world.tick;
        self.meta.deaths = self.world.deaths;
        let _ = self.ticks.flush();
        let _ = self.events.flush();
        let _ = write_json_atomic(&self.dir.join(files::SESSION), &self.meta);
    }
}
