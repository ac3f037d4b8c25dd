//! The session folder's format: `session.json` (who, what, when, on which machine and how it
//! ended, with a typed [`Status`]), the `events.csv` row, the column dictionaries, and
//! [`read_meta`], the one reader of session.json. Plain serde structs: the lab window fills and
//! writes them ([`crate::sink`]), `priors verify` and the analysis read them ([`crate::verify`]).

use crate::error::RecordError;
use priors_core::trace::Column;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Protocol screens of a session, in order, as named in events.csv (`screen` column). The lab
/// window's `Screen` enum names its screens with exactly these strings (tested there).
pub const SCREENS: [&str; 6] = [
    "consent",
    "instructions",
    "ready",
    "playing",
    "confirm_abort",
    "end",
];

/// Schema version of session.json and events.csv; bump on any field or column change.
pub const SESSION_SCHEMA_VERSION: u32 = 1;

/// File names inside a session folder.
pub mod files {
    /// The session record.
    pub const SESSION: &str = "session.json";
    /// One row per tick.
    pub const TICKS: &str = "ticks.csv";
    /// Column dictionary of ticks.csv.
    pub const TICKS_COLUMNS: &str = "ticks.columns.json";
    /// Raw input and protocol events.
    pub const EVENTS: &str = "events.csv";
    /// Column dictionary of events.csv.
    pub const EVENTS_COLUMNS: &str = "events.columns.json";
    /// A byte-exact copy of the level file played.
    pub const LEVEL: &str = "level.level";
    /// A byte-exact copy of the condition file played (absent for the built-in original).
    pub const CONDITION: &str = "condition.toml";
}

/// How a session stands or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Started and not ended; after a crash it stays so (verify reports crashed-incomplete).
    Running,
    /// The goal was reached.
    Complete,
    /// The time limit was reached.
    Timeout,
    /// Ended by the experimenter (abort key combination) or by closing the window.
    Aborted,
    /// The participant declined consent; nothing was played.
    Declined,
    /// A data write failed; the files hold what was written before the failure.
    WriteFailed,
    /// The process was asked to stop (SIGTERM, SIGHUP: a lab machine shutting down, a terminal
    /// closed); the rows were flushed and `n_ticks` says how many ticks were played.
    Interrupted,
}

impl Status {
    /// Whether the session ended in a way the program recorded.
    pub fn is_final(self) -> bool {
        self != Status::Running
    }

    /// Whether the session ended normally (the data is the whole session).
    pub fn is_complete(self) -> bool {
        matches!(
            self,
            Status::Complete | Status::Timeout | Status::Aborted | Status::Declined
        )
    }

    /// The kebab-case name written to session.json.
    pub fn name(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Complete => "complete",
            Status::Timeout => "timeout",
            Status::Aborted => "aborted",
            Status::Declined => "declined",
            Status::WriteFailed => "write-failed",
            Status::Interrupted => "interrupted",
        }
    }
}

/// A data file the session depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    /// Name (level name or condition id).
    pub name: String,
    /// Where it was loaded from (`builtin` for the built-in original condition).
    pub source_path: String,
    /// Name of the byte-exact copy in the session folder, if any.
    pub copy: Option<String>,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
}

impl FileRef {
    /// The reference of a condition file copied into the session folder as `condition.toml`.
    pub fn condition_copy(name: &str, source_path: &str, sha256: &str) -> FileRef {
        FileRef {
            name: name.into(),
            source_path: source_path.into(),
            copy: Some(files::CONDITION.into()),
            sha256: sha256.into(),
        }
    }

    /// The built-in original condition: no file, no copy, no hash (`NA`).
    pub fn builtin_original() -> FileRef {
        FileRef {
            name: "original".into(),
            source_path: "builtin".into(),
            copy: None,
            sha256: "NA".into(),
        }
    }
}

/// How the condition was chosen when an experiment file assigned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentRecord {
    /// The experiment file.
    pub experiment_file: String,
    /// Its SHA-256.
    pub experiment_sha256: String,
    /// `latin-square` or `balanced`.
    pub design: String,
    /// Seed of the condition order.
    pub seed: u64,
    /// The number taken from the participant id.
    pub participant_number: u32,
    /// The conditions in the order this participant's row uses.
    pub order: Vec<String>,
}

/// Frame-interval statistics measured in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameStats {
    /// Frames drawn while playing.
    pub n_frames: u64,
    /// Mean frame interval, ms.
    pub mean_ms: f64,
    /// Median frame interval, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Longest frame interval, ms.
    pub max_ms: f64,
    /// Ticks run while playing.
    pub ticks_run: u64,
    /// Ticks the wall clock asked for while playing (elapsed unpaused time x tick rate, floored).
    pub ticks_expected: u64,
    /// Ticks the wall clock asked for that never ran (Bevy clamps long frames): expected - run, at least 0.
    pub ticks_dropped: u64,
    /// Frames that ran more than one tick (a tick that was never shown on screen).
    pub frames_with_several_ticks: u64,
}

/// The display the session ran on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DisplayInfo {
    /// Borderless fullscreen (true) or windowed.
    pub fullscreen: bool,
    /// Monitor index asked for (fullscreen only).
    pub monitor_index: Option<usize>,
    /// The monitor asked for (or the primary one): name, size and refresh rate, when known.
    pub monitor_name: Option<String>,
    /// Window size in physical pixels.
    pub window_px: [u32; 2],
    /// OS scale factor (physical / logical pixels).
    pub os_scale_factor: f64,
    /// Size of the game frame the renderer makes, px.
    pub frame_px: [u32; 2],
    /// Integer nearest-neighbour upscale of the frame on screen.
    pub frame_scale: u32,
    /// Present mode (`AutoVsync`, `Fifo`, ...).
    pub present_mode: String,
    /// GPU adapter name, driver and backend.
    pub gpu_adapter: String,
    /// The browser's user agent string (web sessions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// The record in session.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// [`SESSION_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// ticks.csv schema version ([`priors_core::trace::TICKS_SCHEMA_VERSION`]).
    pub ticks_schema_version: u32,
    /// Version of the program.
    pub app_version: String,
    /// Git commit the program was built from (`unknown` outside a checkout; `-dirty` when modified).
    pub git_hash: String,
    /// Participant id (pseudonymous; prefixed `pilot-` in pilot mode).
    pub participant: String,
    /// Session id.
    pub session: String,
    /// Run number of (participant, session), from 1.
    pub run: u32,
    /// UUID of this folder.
    pub uuid: String,
    /// Pilot data (written under `<out>/pilot/`).
    pub pilot: bool,
    /// Input came from a script (`--script`), not a person.
    pub simulated: bool,
    /// The script played, when simulated.
    pub script: Option<FileRef>,
    /// The level.
    pub level: FileRef,
    /// The condition.
    pub condition: FileRef,
    /// The assignment, when an experiment file chose the condition.
    pub assignment: Option<AssignmentRecord>,
    /// The participant's seed (`participant_seed(experiment seed, participant id)`): seeds the
    /// per-participant arrow re-mapping of conditions that ask for it (hard); `key_map` shows
    /// the resulting map.
    pub seed: u64,
    /// The resolved key mapping: key -> logical buttons (`noop` or `+`-joined).
    pub key_map: Vec<(String, String)>,
    /// Ladder mode of the condition.
    pub ladder_mode: String,
    /// Simulation ticks per second.
    pub tick_hz: u32,
    /// Tick limit (time limit x tick rate).
    pub tick_limit: u32,
    /// State hashes are written every this many ticks (and on every event).
    pub hash_every_n_ticks: u32,
    /// Wall-clock speed of the simulation relative to real time (1 in sessions; less in slow-motion tests).
    pub time_scale: f64,
    /// Folder creation time, UTC ISO 8601.
    pub created_utc: String,
    /// Start of play (the ready screen was left), UTC ISO 8601.
    pub start_utc: Option<String>,
    /// End of the session, UTC ISO 8601.
    pub end_utc: Option<String>,
    /// How it stands.
    pub status: Status,
    /// Words on the status (error message, abort reason).
    pub status_detail: Option<String>,
    /// Ticks played.
    pub n_ticks: u32,
    /// Deaths.
    pub deaths: u32,
    /// Final state hash (`0x` + 16 hex digits) when ended.
    pub final_state_hash: Option<String>,
    /// The display.
    pub display: DisplayInfo,
    /// Measured frame intervals and tick pacing.
    pub frame_timing: FrameStats,
    /// Host name of the lab machine.
    pub host: String,
    /// Process id that wrote this folder.
    pub pid: u32,
    /// Where the session was played: `lab` for the lab window (and files written before this
    /// field existed), `web` for a browser through `priors serve`, `agent-api` for a remote
    /// agent through the same server.
    #[serde(default = "lab_origin")]
    pub origin: String,
}

fn lab_origin() -> String {
    "lab".into()
}

/// Kinds of rows in events.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A key went down (raw, any key).
    KeyDown,
    /// A key went up.
    KeyUp,
    /// The window lost keyboard focus (play pauses; held keys are dropped).
    FocusLost,
    /// The window got keyboard focus back.
    FocusGained,
    /// The simulation paused.
    Paused,
    /// The simulation resumed.
    Resumed,
    /// A protocol screen was shown (detail: its name).
    Screen,
    /// Consent given.
    ConsentGiven,
    /// Consent declined.
    ConsentDeclined,
    /// Play started (first tick follows).
    PlayStarted,
    /// The player died (detail: cause).
    Died,
    /// The player respawned at the start.
    Respawned,
    /// The key was picked up.
    KeyPicked,
    /// The door was touched (detail: with_key / without_key).
    DoorTouched,
    /// An enemy was stomped (detail: its index).
    EnemyStomped,
    /// The goal was reached.
    GoalReached,
    /// The time limit was reached.
    TimedOut,
    /// The experimenter pressed the abort combination.
    AbortRequested,
    /// The experimenter cancelled the abort.
    AbortCancelled,
    /// The session was aborted.
    Aborted,
    /// The window was closed.
    WindowClosed,
}

impl EventKind {
    /// All kinds, for the column dictionary.
    pub const ALL: [EventKind; 21] = [
        EventKind::KeyDown,
        EventKind::KeyUp,
        EventKind::FocusLost,
        EventKind::FocusGained,
        EventKind::Paused,
        EventKind::Resumed,
        EventKind::Screen,
        EventKind::ConsentGiven,
        EventKind::ConsentDeclined,
        EventKind::PlayStarted,
        EventKind::Died,
        EventKind::Respawned,
        EventKind::KeyPicked,
        EventKind::DoorTouched,
        EventKind::EnemyStomped,
        EventKind::GoalReached,
        EventKind::TimedOut,
        EventKind::AbortRequested,
        EventKind::AbortCancelled,
        EventKind::Aborted,
        EventKind::WindowClosed,
    ];

    /// The snake_case name written to the file.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One row of events.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    /// Row index from 0.
    pub seq: u64,
    /// Frame index (from 0 at app start) in which the event was read.
    pub frame: u64,
    /// Wall time at which the frame read its input, s since the session folder was created.
    pub t_s: f64,
    /// Ticks simulated before this event (a game event belongs to tick `tick - 1`).
    pub tick: u32,
    /// What happened.
    pub kind: EventKind,
    /// Key name (snake_case, e.g. arrow_left) for key rows; NA otherwise.
    pub key: String,
    /// OS auto-repeat flag for key rows; NA otherwise.
    pub repeat: String,
    /// Whether the window had keyboard focus.
    pub focused: bool,
    /// Protocol screen at the time.
    pub screen: String,
    /// Deaths so far.
    pub deaths: u32,
    /// Detail (death cause, door with/without key, screen name, error); NA when none.
    pub detail: String,
}

fn col(name: &str, ty: &str, units: &str, description: &str, levels: Vec<String>) -> Column {
    Column {
        name: name.into(),
        description: description.into(),
        units: units.into(),
        r#type: ty.into(),
        levels,
    }
}

/// The column dictionary of events.csv.
pub fn events_columns() -> Vec<Column> {
    let screens = SCREENS.iter().map(|s| s.to_string()).collect();
    vec![
        col("seq", "integer", "NA", "Row index from 0.", vec![]),
        col(
            "frame",
            "integer",
            "frames",
            "Frame index (from 0 at program start) in which the event was read; input has frame precision only.",
            vec![],
        ),
        col(
            "t_s",
            "number",
            "s",
            "Wall time at which that frame read its input, seconds since the session folder was created.",
            vec![],
        ),
        col(
            "tick",
            "integer",
            "ticks",
            "Simulation ticks done before this event: for key rows, the first tick (ticks.csv) that sees the key; a game event (died, key_picked, ...) belongs to tick - 1.",
            vec![],
        ),
        col(
            "kind",
            "string",
            "NA",
            "What happened.",
            EventKind::ALL.iter().map(|k| k.name()).collect(),
        ),
        col(
            "key",
            "string",
            "NA",
            "Physical key for key_down/key_up (snake_case of the key code, e.g. arrow_left, space, key_a); NA otherwise.",
            vec![],
        ),
        col(
            "repeat",
            "boolean",
            "NA",
            "For key_down: whether the OS generated it by auto-repeat (ignored by the game); NA otherwise.",
            vec![],
        ),
        col(
            "focused",
            "boolean",
            "NA",
            "Whether the window had keyboard focus.",
            vec![],
        ),
        col(
            "screen",
            "string",
            "NA",
            "Protocol screen shown at the time.",
            screens,
        ),
        col("deaths", "integer", "count", "Deaths so far.", vec![]),
        col(
            "detail",
            "string",
            "NA",
            "Death cause (fire, spikes, enemy, fell), door with_key/without_key, stomped enemy index, screen name, or reason; NA when none.",
            vec![],
        ),
    ]
}

/// Header of events.csv, in column order.
pub fn events_header() -> Vec<String> {
    events_columns().into_iter().map(|c| c.name).collect()
}

/// Header of ticks.csv, in column order.
pub fn ticks_header() -> Vec<String> {
    priors_core::trace::ticks_columns()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

/// A column dictionary file: the CSV it describes and its columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnsFile {
    /// The CSV file this describes.
    pub file: String,
    /// Schema version.
    pub schema_version: u32,
    /// The one missing-value token.
    pub missing_value: String,
    /// Columns in file order.
    pub columns: Vec<Column>,
}

/// Reads and checks session.json: a file from a newer schema version than this program knows
/// is refused (its fields may mean something else), as is a ticks schema this reader does not
/// know. Errors name the file and, for JSON errors, the line.
pub fn read_meta(dir: &Path) -> Result<SessionMeta, RecordError> {
    let path = dir.join(files::SESSION);
    let text = std::fs::read_to_string(&path).map_err(|e| RecordError::io(&path, e))?;
    parse_meta(&text, &path)
}

/// Parses session.json text (`path` names it in errors); see [`read_meta`].
pub fn parse_meta(text: &str, path: &Path) -> Result<SessionMeta, RecordError> {
    // The version is read first, so that a newer file is reported as such rather than as a
    // missing or unknown field.
    #[derive(Deserialize)]
    struct Version {
        schema_version: Option<u32>,
        ticks_schema_version: Option<u32>,
    }
    let v: Version = serde_json::from_str(text)
        .map_err(|e| RecordError::malformed(path, e.line() as u64, e.to_string()))?;
    match v.schema_version {
        Some(SESSION_SCHEMA_VERSION) => {}
        Some(n) if n > SESSION_SCHEMA_VERSION => {
            return Err(RecordError::malformed(
                path,
                0,
                format!(
                    "schema_version {n} is newer than this program reads ({SESSION_SCHEMA_VERSION}); use a newer priors"
                ),
            ));
        }
        Some(n) => {
            return Err(RecordError::malformed(
                path,
                0,
                format!(
                    "schema_version {n} is not one this program reads ({SESSION_SCHEMA_VERSION})"
                ),
            ));
        }
        None => return Err(RecordError::malformed(path, 0, "no schema_version")),
    }
    if let Some(t) = v.ticks_schema_version
        && t != crate::TICKS_SCHEMA_VERSION
    {
        return Err(RecordError::malformed(
            path,
            0,
            format!(
                "ticks_schema_version {t} (this program reads version {})",
                crate::TICKS_SCHEMA_VERSION
            ),
        ));
    }
    serde_json::from_str(text)
        .map_err(|e| RecordError::malformed(path, e.line() as u64, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_the_serde_names() {
        for s in [
            Status::Running,
            Status::Complete,
            Status::Timeout,
            Status::Aborted,
            Status::Declined,
            Status::WriteFailed,
            Status::Interrupted,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
    }

    /// Files written before `origin` existed (the Python package's lab fixture is one) read as
    /// the lab window's, and the field is written back.
    #[test]
    fn a_session_json_without_origin_reads_as_the_lab() {
        let text = include_str!("../../python/tests/data/sessions/F02_princess/session.json");
        assert!(!text.contains("\"origin\""));
        let m = parse_meta(text, Path::new("F02/session.json")).unwrap();
        assert_eq!(m.origin, "lab");
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back["origin"], "lab");
        let web = text.replacen('{', r#"{"origin": "web","#, 1);
        assert_eq!(parse_meta(&web, Path::new("x")).unwrap().origin, "web");
    }

    #[test]
    fn a_newer_schema_is_refused_by_name() {
        let e = parse_meta(r#"{"schema_version": 9}"#, Path::new("d/session.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("d/session.json: schema_version 9 is newer"),
            "{e}"
        );
    }
}
