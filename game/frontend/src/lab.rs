//! The lab session as plain Rust: protocol screens, input accumulation, the simulation and its
//! files, driven by a frame loop but independent of Bevy (unit-testable without a window).
//!
//! The Bevy layer ([`crate::app`]) calls, each frame: [`Lab::begin_frame`], then [`Lab::key`]
//! and [`Lab::focus`] for every input message, then [`Lab::tick`] once per fixed tick, then
//! [`Lab::end_frame`]. No game rule lives here either: a tick maps the held keys through the
//! condition's [`KeyMap`] to one [`Action`] and calls [`priors_core::step`].
//!
//! **Invariant:** a tick consumes the keys accumulated since the previous tick exactly once
//! ([`KeyAccumulator`]); ticks never run in the frame in which play starts (so the key press
//! that leaves the ready screen is not an action), nor while paused or on another screen.
//!
//! Data: every tick is a [`TickRow`] in ticks.csv, every raw key change and protocol or game
//! event a row in events.csv; both are flushed at least every [`FLUSH_EVERY_S`] and in every
//! frame that logged an event. Any failed write is returned as an error: the caller hands it to
//! [`Lab::fail`], which stops play and marks the session `write-failed`.

use crate::input::{KeyAccumulator, key_name};
use crate::meta::{
    AssignmentRecord, ColumnsFile, DisplayInfo, EventKind, EventRow, FileRef, FrameStats,
    SESSION_SCHEMA_VERSION, SessionMeta, Status, events_columns, events_header, files,
    ticks_header,
};
use crate::sink::{CsvLog, PendingDir};
use anyhow::{Context, Result};
use priors_catalog::Loaded;
use priors_core::condition::{Key, KeyMap};
use priors_core::replay::format_hash;
use priors_core::trace::{TICKS_SCHEMA_VERSION, TickRow, ticks_columns};
use priors_core::{Action, Condition, Event, Events, Level, Outcome, Rules, World, step};
use priors_records::util::write_json_atomic;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Longest time rows may wait in memory, s (the flush policy of `priors_records::sink`).
pub use priors_records::sink::FLUSH_EVERY_S;

/// The paper's only instruction to subjects.
pub const DEFAULT_INSTRUCTIONS: &str =
    "Finish the game as quickly as possible using the arrow keys.";

/// The paper's time limit, s.
pub const DEFAULT_TIME_LIMIT_S: u32 = 30 * 60;

/// Protocol screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Consent text (only when configured): Y agrees, N declines.
    Consent,
    /// Instructions: Space continues.
    Instructions,
    /// Ready: Space starts play.
    Ready,
    /// The game.
    Playing,
    /// The experimenter pressed Ctrl+Shift+A: Y aborts, N or Escape returns to the game.
    ConfirmAbort,
    /// The end: "please call the experimenter". Escape closes the window.
    End,
}

impl Screen {
    /// All screens.
    pub const ALL: [Screen; 6] = [
        Screen::Consent,
        Screen::Instructions,
        Screen::Ready,
        Screen::Playing,
        Screen::ConfirmAbort,
        Screen::End,
    ];

    /// snake_case name for files.
    pub fn name(self) -> &'static str {
        match self {
            Screen::Consent => "consent",
            Screen::Instructions => "instructions",
            Screen::Ready => "ready",
            Screen::Playing => "playing",
            Screen::ConfirmAbort => "confirm_abort",
            Screen::End => "end",
        }
    }
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
    /// The script, when input is simulated.
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
    pub extra_keys:
        std::collections::BTreeMap<priors_core::condition::Key, Vec<priors_core::Button>>,
    /// Display settings known before the window opens.
    pub display: DisplayInfo,
}

impl SessionSpec {
    /// The key map a lab made from this spec will use (the condition's map for this participant,
    /// plus the experiment's keys), known before the lab (and its folder) exists.
    pub fn keymap(&self) -> KeyMap {
        Setup::of(self).keymap
    }
}

/// A running lab session.
#[derive(Debug)]
pub struct Lab {
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
    created_clock: Instant,
    frame: u64,
    now_s: f64,
    last_flush_s: f64,
    flush_now: bool,
    play_start_frame: u64,
    consent_text: Option<String>,
    instructions: String,
    hash_every: u32,
    exit_requested: bool,
    failed: Option<String>,
    frame_ms: Vec<f32>,
    ticks_this_frame: u32,
    frames_multi: u64,
    play_wall_s: f64,
    last_events: Events,
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

/// What a session plays, derived from its spec before any file is written.
#[derive(Debug)]
struct Setup {
    /// The level.
    level: Level,
    /// The condition (the built-in original when the spec names none).
    condition: Condition,
    /// The human rules with the session's tick limit and the condition's ladders.
    rules: Rules,
    /// The tick limit: the time limit in ticks.
    tick_limit: u32,
    /// The participant's seed (experiment seed and participant id).
    seed: u64,
    /// Keys to buttons: the condition's map for this participant, plus the experiment's keys.
    keymap: KeyMap,
}

impl Setup {
    /// The level, condition, rules, seed and key map of `spec`.
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
        // The participant's seed (experiment seed and participant id) re-maps the arrows where the
        // condition asks for it (hard); it is logged as `seed` in session.json.
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

/// Copies the level file and the condition file (if any) into the pending folder; returns how
/// session.json names the condition.
fn copy_inputs(spec: &SessionSpec, pending: &PendingDir) -> Result<FileRef> {
    std::fs::copy(&spec.level.path, pending.tmp.join(files::LEVEL))
        .with_context(|| format!("copying {}", spec.level.path.display()))?;
    Ok(match &spec.condition {
        Some(c) => {
            std::fs::copy(&c.path, pending.tmp.join(files::CONDITION))
                .with_context(|| format!("copying {}", c.path.display()))?;
            FileRef::condition_copy(&c.value.id, &c.path.display().to_string(), &c.sha256)
        }
        None => FileRef::builtin_original(),
    })
}

/// The session.json of a session that has just started (`running`, nothing played yet).
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
    }
}

/// Writes the column dictionaries, the two CSV headers and session.json into the pending folder.
fn write_headers(pending: &PendingDir, meta: &SessionMeta) -> Result<()> {
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

impl Lab {
    /// Claims and creates the session folder with all headers, dictionaries, file copies and a
    /// `running` session.json. Refuses an existing (participant, session) unless `new_run`.
    pub fn create(spec: SessionSpec) -> Result<Lab> {
        let created = SystemTime::now();
        std::fs::create_dir_all(&spec.root)
            .with_context(|| format!("creating {}", spec.root.display()))?;
        let pending =
            PendingDir::claim(&spec.root, &spec.participant, &spec.session, spec.new_run)?;
        let setup = Setup::of(&spec);
        let condition_ref = copy_inputs(&spec, &pending)?;
        let meta = session_meta(&spec, &setup, &pending, condition_ref, created);
        write_headers(&pending, &meta)?;
        let dir = pending.publish()?;
        Lab::open(spec, setup, meta, dir)
    }

    /// The lab on the first screen of a published session folder, its logs open for appending;
    /// the screen is logged and flushed.
    fn open(spec: SessionSpec, setup: Setup, meta: SessionMeta, dir: PathBuf) -> Result<Lab> {
        let ticks = CsvLog::append_to(&dir.join(files::TICKS))?;
        let events = CsvLog::append_to(&dir.join(files::EVENTS))?;
        let world = World::new(&setup.level);
        let first = if spec.consent_text.is_some() {
            Screen::Consent
        } else {
            Screen::Instructions
        };
        let mut lab = Lab {
            level: setup.level,
            condition: setup.condition,
            rules: setup.rules,
            keymap: setup.keymap,
            world,
            screen: first,
            focused: true,
            pause_on_focus_loss: true,
            acc: KeyAccumulator::default(),
            ctrl: 0,
            shift: 0,
            dir,
            meta,
            ticks,
            events,
            created_clock: Instant::now(),
            frame: 0,
            now_s: 0.0,
            last_flush_s: 0.0,
            flush_now: false,
            play_start_frame: u64::MAX,
            consent_text: spec.consent_text,
            instructions: spec.instructions,
            hash_every: spec.hash_every,
            exit_requested: false,
            failed: None,
            frame_ms: Vec::new(),
            ticks_this_frame: 0,
            frames_multi: 0,
            play_wall_s: 0.0,
            last_events: Events::default(),
        };
        lab.log(EventKind::Screen, None, None, Some(first.name()))?;
        lab.flush()?;
        Ok(lab)
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
    /// The key map of this session (the condition's, re-mapped per participant where asked).
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
    /// The text of the current screen (empty while playing).
    pub fn screen_text(&self) -> String {
        if let Some(e) = &self.failed {
            return format!(
                "DATA WRITE FAILED - the session is stopped and marked incomplete.\n\n{e}\n\nPlease call the experimenter."
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
            Screen::ConfirmAbort => "Abort this session?\n\nY: abort    N: continue".into(),
            Screen::End => match self.meta.status {
                Status::Complete => {
                    "Well done - you finished the game.\n\nPlease call the experimenter.".into()
                }
                Status::Timeout => "The time is up.\n\nPlease call the experimenter.".into(),
                Status::Declined => "Thank you. Please call the experimenter.".into(),
                _ => "The session has ended.\n\nPlease call the experimenter.".into(),
            },
        }
    }
    /// Whether the experimenter asked to close the window (Escape on the end screen).
    pub fn exit_requested(&self) -> bool {
        self.exit_requested
    }
    /// The fatal error, once a write failed.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }
    /// Ticks simulated so far.
    pub fn ticks_done(&self) -> u32 {
        self.world.tick
    }
    fn paused_by_focus(&self) -> bool {
        self.pause_on_focus_loss && !self.focused
    }

    /// Whether ticks run now (playing, not paused, started in an earlier frame, no failure).
    pub fn ticking(&self) -> bool {
        self.screen == Screen::Playing
            && !self.paused_by_focus()
            && self.failed.is_none()
            && self.frame > self.play_start_frame
            && !self.world.is_done()
    }

    /// Whether play pauses while the window has no keyboard focus (default: yes, a person cannot
    /// play then). Scripted input does not go through the keyboard focus: turn it off for scripts.
    pub fn set_pause_on_focus_loss(&mut self, pause: bool) {
        self.pause_on_focus_loss = pause;
    }

    /// Whether play started or resumed in the current frame (ticks begin in the next one).
    pub fn resumed_this_frame(&self) -> bool {
        self.frame == self.play_start_frame
    }

    /// Starts a frame: its index (from 0) and the wall time, s since program start is fine (only
    /// differences and the creation offset are written).
    pub fn begin_frame(&mut self, frame: u64, now_s: f64) {
        self.frame = frame;
        self.now_s = now_s;
        self.ticks_this_frame = 0;
    }

    /// Seconds since the folder was created, on the monotonic clock (a wall-clock jump, e.g.
    /// by NTP, does not move it).
    fn t_s(&self) -> f64 {
        self.created_clock.elapsed().as_secs_f64()
    }

    fn log(
        &mut self,
        kind: EventKind,
        key: Option<&str>,
        repeat: Option<bool>,
        detail: Option<&str>,
    ) -> Result<()> {
        let row = EventRow {
            seq: self.events.rows(),
            frame: self.frame,
            t_s: (self.t_s() * 1e6).round() / 1e6,
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

    fn set_screen(&mut self, s: Screen) -> Result<()> {
        if self.screen != s {
            self.screen = s;
            self.log(EventKind::Screen, None, None, Some(s.name()))?;
        }
        Ok(())
    }

    /// A raw key message: `name` is the snake_case key code (`arrow_left`, `space`, `key_y`,
    /// `control_left`, ...). Logged always; acts on the protocol and, while playing, the game.
    pub fn key(&mut self, name: &str, down: bool, repeat: bool) -> Result<()> {
        if self.failed.is_some() {
            return Ok(());
        }
        self.log(
            if down {
                EventKind::KeyDown
            } else {
                EventKind::KeyUp
            },
            Some(name),
            down.then_some(repeat),
            None,
        )?;
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
        let mapped = Key::ALL.into_iter().find(|k| key_name(*k) == name);
        if self.screen == Screen::Playing {
            match (mapped, down) {
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
            && self.screen != Screen::End
            && self.screen != Screen::ConfirmAbort
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
            (Screen::Ready, "space") => {
                self.play_start_frame = self.frame;
                self.acc.clear();
                self.meta.start_utc = Some(utc(SystemTime::now()));
                self.set_screen(Screen::Playing)?;
                self.log(EventKind::PlayStarted, None, None, None)?;
                Ok(write_json_atomic(
                    &self.dir.join(files::SESSION),
                    &self.meta,
                )?)
            }
            (Screen::ConfirmAbort, "key_y") => {
                self.log(EventKind::Aborted, None, None, Some("experimenter"))?;
                self.finish(Status::Aborted, Some("aborted by the experimenter".into()))
            }
            (Screen::ConfirmAbort, "key_n" | "escape") => {
                self.log(EventKind::AbortCancelled, None, None, None)?;
                // The game resumes only after the current frame, with no keys held.
                self.play_start_frame = self.frame;
                let back = if self.world.tick > 0 || self.meta.start_utc.is_some() {
                    Screen::Playing
                } else {
                    Screen::Instructions
                };
                self.set_screen(back)
            }
            (Screen::End, "escape") => {
                self.exit_requested = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The window gained or lost keyboard focus. Losing it drops all held keys (their releases
    /// will not arrive) and pauses play.
    pub fn focus(&mut self, focused: bool) -> Result<()> {
        if self.failed.is_some() || focused == self.focused {
            return Ok(());
        }
        self.focused = focused;
        self.log(
            if focused {
                EventKind::FocusGained
            } else {
                EventKind::FocusLost
            },
            None,
            None,
            None,
        )?;
        if !focused && self.pause_on_focus_loss {
            self.acc.clear();
            self.ctrl = 0;
            self.shift = 0;
        }
        if self.screen == Screen::Playing && self.pause_on_focus_loss {
            self.log(
                if focused {
                    EventKind::Resumed
                } else {
                    EventKind::Paused
                },
                None,
                None,
                Some("focus"),
            )?;
            if focused {
                self.play_start_frame = self.frame;
            }
        }
        Ok(())
    }

    /// One fixed tick: consumes the accumulated keys, steps the world and writes the row.
    /// Returns the tick's events, or `None` when no tick ran (not playing, paused, ended).
    pub fn tick(&mut self) -> Result<Option<Events>> {
        if !self.ticking() {
            return Ok(None);
        }
        let keys = self.acc.consume();
        let action: Action = self.keymap.action(keys);
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
        Ok(Some(ev))
    }

    /// Ends a frame: `dt_s` is the real time since the previous frame. Records frame timing
    /// while playing and flushes when an event was logged or [`FLUSH_EVERY_S`] has passed.
    pub fn end_frame(&mut self, dt_s: f64) -> Result<()> {
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
        if self.flush_now || self.now_s - self.last_flush_s >= FLUSH_EVERY_S {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every queued row now.
    pub fn flush(&mut self) -> Result<()> {
        self.ticks.flush()?;
        self.events.flush()?;
        self.last_flush_s = self.now_s;
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
            // One tick of slack: the last frame may end inside a tick that is still accumulating.
            ticks_dropped: ticks_expected.saturating_sub(ticks_run + 1),
            frames_with_several_ticks: self.frames_multi,
        }
    }

    /// Ends the session with `status`: final rows, synced files, session.json, the end screen.
    pub fn finish(&mut self, status: Status, detail: Option<String>) -> Result<()> {
        if self.meta.status.is_final() {
            return Ok(());
        }
        self.meta.status = status;
        self.meta.status_detail = detail;
        self.meta.end_utc = Some(utc(SystemTime::now()));
        self.meta.n_ticks = self.world.tick;
        self.meta.deaths = self.world.deaths;
        self.meta.final_state_hash = Some(format_hash(self.world.state_hash()));
        self.meta.frame_timing = self.frame_stats();
        self.set_screen(Screen::End)?;
        self.ticks.sync()?;
        self.events.sync()?;
        Ok(write_json_atomic(
            &self.dir.join(files::SESSION),
            &self.meta,
        )?)
    }

    /// The window is closing: a session that has not ended is recorded as aborted.
    pub fn close(&mut self) -> Result<()> {
        if self.meta.status.is_final() || self.failed.is_some() {
            return Ok(());
        }
        self.log(EventKind::WindowClosed, None, None, None)?;
        self.finish(Status::Aborted, Some("window closed before the end".into()))
    }

    /// The process was asked to stop (SIGTERM, SIGHUP, SIGINT: a lab machine shutting down, a
    /// terminal closed): flush every queued row, then mark the session `interrupted` with its
    /// tick count and final hash. A session that has already ended is left as it is.
    pub fn interrupt(&mut self, why: &str) -> Result<()> {
        if self.meta.status.is_final() || self.failed.is_some() {
            return Ok(());
        }
        self.ticks.sync()?;
        self.events.sync()?;
        self.meta.status = Status::Interrupted;
        self.meta.status_detail = Some(why.to_string());
        self.meta.end_utc = Some(utc(SystemTime::now()));
        self.meta.n_ticks = self.world.tick;
        self.meta.deaths = self.world.deaths;
        self.meta.final_state_hash = Some(format_hash(self.world.state_hash()));
        self.meta.frame_timing = self.frame_stats();
        write_json_atomic(&self.dir.join(files::SESSION), &self.meta)?;
        Ok(())
    }

    /// A write failed: stop play, remember the message for the screen, and try to mark the
    /// session `write-failed` (if even that fails, session.json stays `running`, which verify
    /// reports as crashed-incomplete).
    pub fn fail(&mut self, error: &anyhow::Error) {
        let msg = format!("{error:#}");
        self.failed = Some(msg.clone());
        self.meta.status = Status::WriteFailed;
        self.meta.status_detail = Some(msg);
        self.meta.end_utc = Some(utc(SystemTime::now()));
        self.meta.n_ticks = self.world.tick;
        self.meta.deaths = self.world.deaths;
        let _ = self.ticks.flush();
        let _ = self.events.flush();
        let _ = write_json_atomic(&self.dir.join(files::SESSION), &self.meta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_names_are_the_records_crate_screens() {
        let names: Vec<&str> = Screen::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, priors_records::session::SCREENS);
    }
}
