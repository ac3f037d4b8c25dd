//! The lab session as the window drives it: a thin wrapper that stamps the calls of
//! `priors-protocol`'s [`Session`] (the one session state machine, shared with the web server)
//! with the window's clocks, and keeps the lab's own wording (the experimenter aborts, "please
//! call the experimenter") and Escape on the end screen. Independent of Bevy.
//!
//! The Bevy layer ([`crate::app`]) calls, each frame: [`Lab::begin_frame`], then [`Lab::key`]
//! and [`Lab::focus`] for every input message, then [`Lab::tick`] once per fixed tick, then
//! [`Lab::end_frame`]. The protocol's invariants hold here unchanged: a tick consumes the keys
//! accumulated since the previous tick exactly once, and ticks never run in the frame in which
//! play starts, nor while paused or on another screen.
//!
//! Clocks: an event's `t_s` is the monotonic time since the folder was created, read when the
//! event is logged (a wall-clock jump, e.g. by NTP, does not move it); the flush policy
//! ([`FLUSH_EVERY_S`]) runs on the frame clock given to [`Lab::begin_frame`]; the UTC fields of
//! session.json are read when they are written.
//!
//! What it deliberately does not do: no screen, tick, file or key rule of its own (those are
//! the protocol's); a failed write is returned as an `anyhow` error, which the caller hands to
//! [`Lab::fail`].

use crate::meta::{DisplayInfo, FrameStats, SessionMeta, Status};
use anyhow::Result;
use priors_core::condition::KeyMap;
use priors_core::{Condition, Events, Level, World};
use priors_protocol::{AbortDetails, Session, Stamp};
use std::path::Path;
use std::time::{Instant, SystemTime};

/// Longest time rows may wait in memory, s (the flush policy of `priors_records::sink`).
pub use priors_records::sink::FLUSH_EVERY_S;

pub use priors_protocol::{DEFAULT_INSTRUCTIONS, DEFAULT_TIME_LIMIT_S, Screen, git_hash};

/// The last line of the end screens: the lab has an experimenter in the next room.
const END_HINT: &str = "Please call the experimenter.";

/// What a confirmed abort writes in the lab: only the experimenter knows Ctrl+Shift+A.
const ABORT_DETAILS: AbortDetails = AbortDetails {
    event: "experimenter",
    status: "aborted by the experimenter",
};

/// Everything needed to start a session: the protocol's own spec (one definition for the window,
/// the web server and the bots).
pub use priors_protocol::SessionSpec;

/// A running lab session: the protocol's [`Session`] and the window's clocks.
#[derive(Debug)]
pub struct Lab {
    session: Session,
    /// Started when the folder was created: events' `t_s`.
    created_clock: Instant,
    /// The current frame's index.
    frame: u64,
    /// The current frame's time on the frame clock, s.
    now_s: f64,
    exit_requested: bool,
}

impl Lab {
    /// Claims and creates the session folder with all headers, dictionaries, file copies and a
    /// `running` session.json. Refuses an existing (participant, session) unless `new_run`.
    pub fn create(spec: SessionSpec) -> Result<Lab> {
        let created = Stamp {
            frame: 0,
            t_s: 0.0,
            utc: SystemTime::now(),
        };
        let mut session = Session::create(spec, created)?;
        session.set_abort_details(ABORT_DETAILS);
        Ok(Lab {
            session,
            created_clock: Instant::now(),
            frame: 0,
            now_s: 0.0,
            exit_requested: false,
        })
    }

    /// The stamp of an event logged now: monotonic seconds since creation.
    fn event_stamp(&self) -> Stamp {
        Stamp {
            frame: self.frame,
            t_s: self.created_clock.elapsed().as_secs_f64(),
            utc: SystemTime::now(),
        }
    }

    /// The stamp of a flush decision: the frame clock.
    fn frame_stamp(&self) -> Stamp {
        Stamp {
            frame: self.frame,
            t_s: self.now_s,
            utc: SystemTime::now(),
        }
    }

    /// The protocol's session (rules, focus pause and the rest of its read-only view).
    pub fn session(&self) -> &Session {
        &self.session
    }
    /// The session folder.
    pub fn dir(&self) -> &Path {
        self.session.dir()
    }
    /// The level.
    pub fn level(&self) -> &Level {
        self.session.level()
    }
    /// The condition.
    pub fn condition(&self) -> &Condition {
        self.session.condition()
    }
    /// The key map of this session (the condition's, re-mapped per participant where asked).
    pub fn keymap(&self) -> &KeyMap {
        self.session.keymap()
    }
    /// The simulation state.
    pub fn world(&self) -> &World {
        self.session.world()
    }
    /// The events of the last tick.
    pub fn last_events(&self) -> &Events {
        self.session.last_events()
    }
    /// The current screen.
    pub fn screen(&self) -> Screen {
        self.session.screen()
    }
    /// The session record as it stands.
    pub fn meta(&self) -> &SessionMeta {
        self.session.meta()
    }
    /// The text of the current screen (empty while playing), in the lab's wording.
    pub fn screen_text(&self) -> String {
        if self.session.failure().is_none() {
            match (self.screen(), self.meta().status) {
                (Screen::ConfirmAbort, _) => {
                    return "Abort this session?\n\nY: abort    N: continue".into();
                }
                (Screen::End, Status::Declined) => return format!("Thank you. {END_HINT}"),
                _ => {}
            }
        }
        self.session.screen_text(END_HINT)
    }
    /// Whether the experimenter asked to close the window (Escape on the end screen).
    pub fn exit_requested(&self) -> bool {
        self.exit_requested
    }
    /// The fatal error, once a write failed.
    pub fn failure(&self) -> Option<&str> {
        self.session.failure()
    }
    /// Ticks simulated so far.
    pub fn ticks_done(&self) -> u32 {
        self.world().tick
    }
    /// Whether ticks run now (playing, not paused, started in an earlier frame, no failure).
    pub fn ticking(&self) -> bool {
        self.session.ticking()
    }

    /// Whether play pauses while the window has no keyboard focus (default: yes, a person cannot
    /// play then). Scripted input does not go through the keyboard focus: turn it off for scripts.
    pub fn set_pause_on_focus_loss(&mut self, pause: bool) {
        self.session.set_pause_on_focus_loss(pause);
    }

    /// Whether play started or resumed in the current frame (ticks begin in the next one).
    pub fn resumed_this_frame(&self) -> bool {
        self.session.resumed_this_frame()
    }

    /// Starts a frame: its index (from 0) and the wall time, s since program start is fine (only
    /// differences are used, by the flush policy).
    pub fn begin_frame(&mut self, frame: u64, now_s: f64) {
        self.frame = frame;
        self.now_s = now_s;
        self.session.begin_frame(self.frame_stamp());
    }

    /// A raw key message: `name` is the snake_case key code (`arrow_left`, `space`, `key_y`,
    /// `control_left`, ...). Logged always; acts on the protocol and, while playing, the game;
    /// Escape on the end screen asks to close the window.
    pub fn key(&mut self, name: &str, down: bool, repeat: bool) -> Result<()> {
        let on_end = self.screen() == Screen::End && self.failure().is_none();
        self.session.stamp(self.event_stamp());
        self.session.key(name, down, repeat, None)?;
        if on_end && down && !repeat && name == "escape" {
            self.exit_requested = true;
        }
        Ok(())
    }

    /// The window gained or lost keyboard focus. Losing it drops all held keys (their releases
    /// will not arrive) and pauses play.
    pub fn focus(&mut self, focused: bool) -> Result<()> {
        self.session.stamp(self.event_stamp());
        Ok(self.session.focus(focused)?)
    }

    /// One fixed tick: consumes the accumulated keys, steps the world and writes the row.
    /// Returns the tick's events, or `None` when no tick ran (not playing, paused, ended).
    pub fn tick(&mut self) -> Result<Option<Events>> {
        self.session.stamp(self.event_stamp());
        Ok(self.session.tick()?)
    }

    /// Ends a frame: `dt_s` is the real time since the previous frame. Records frame timing
    /// while playing and flushes when an event was logged or [`FLUSH_EVERY_S`] has passed.
    pub fn end_frame(&mut self, dt_s: f64) -> Result<()> {
        self.session.stamp(self.frame_stamp());
        Ok(self.session.end_frame(dt_s)?)
    }

    /// Writes every queued row now.
    pub fn flush(&mut self) -> Result<()> {
        self.session.stamp(self.frame_stamp());
        Ok(self.session.flush()?)
    }

    /// Records what is known about the display (written to session.json at start and end).
    pub fn set_display(&mut self, display: DisplayInfo) {
        self.session.set_display(display);
    }

    /// The frame timing measured so far.
    pub fn frame_stats(&self) -> FrameStats {
        self.session.frame_stats()
    }

    /// Ends the session with `status`: final rows, synced files, session.json, the end screen.
    pub fn finish(&mut self, status: Status, detail: Option<String>) -> Result<()> {
        self.session.stamp(self.event_stamp());
        Ok(self.session.finish(status, detail)?)
    }

    /// The window is closing: a session that has not ended is recorded as aborted.
    pub fn close(&mut self) -> Result<()> {
        self.session.stamp(self.event_stamp());
        Ok(self.session.close("window closed before the end")?)
    }

    /// The process was asked to stop (SIGTERM, SIGHUP, SIGINT: a lab machine shutting down, a
    /// terminal closed): flush every queued row, then mark the session `interrupted` with its
    /// tick count and final hash. A session that has already ended is left as it is.
    pub fn interrupt(&mut self, why: &str) -> Result<()> {
        self.session.stamp(self.event_stamp());
        Ok(self.session.interrupt(why)?)
    }

    /// A write failed: stop play, remember the message (the whole `anyhow` chain) for the
    /// screen, and try to mark the session `write-failed` (if even that fails, session.json
    /// stays `running`, which verify reports as crashed-incomplete).
    pub fn fail(&mut self, error: &anyhow::Error) {
        self.session.stamp(self.event_stamp());
        self.session.fail_with(format!("{error:#}"));
    }
}
