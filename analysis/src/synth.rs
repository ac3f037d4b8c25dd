//! Synthetic session folders, for tests and benchmarks only: a small writer that produces the
//! lab window's folder format (session.json, ticks.csv and events.csv with their column
//! dictionaries, byte-exact level and condition copies) from an action sequence, stepping the
//! real core, plus two seeded generators of action sequences (a "subject" who follows the
//! optimal route with pauses, detours and deaths, and a random walker for long traces).
//!
//! **These are fixtures, not data.** Every folder written here says so in `session.json`
//! (`host = "synthetic-fixture"`, script name `synth`) and is marked `simulated` unless a test
//! asks otherwise to exercise the inclusion rules. The files are written with the lab's own types and
//! writers from `priors-records`.

use crate::error::AnalysisError;
use priors_core::replay::format_hash;
use priors_core::rng::SplitMix64;
use priors_core::trace::{TICKS_SCHEMA_VERSION, TickRow, ticks_columns};
use priors_core::{Action, Condition, Event, Level, Outcome, Rules, World, step};
use priors_records::session::{
    ColumnsFile, DisplayInfo, EventKind, EventRow, FileRef, FrameStats, SESSION_SCHEMA_VERSION,
    SessionMeta, Status, events_columns, events_header, files, ticks_header,
};
use priors_records::sink::{CsvLog, session_dir_name};
use priors_records::util::{sha256_hex, write_json_atomic};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to write.
#[derive(Debug, Clone)]
pub struct SynthSession {
    /// Participant id (letters, digits, `-`).
    pub participant: String,
    /// Session id.
    pub session: String,
    /// The level file to copy.
    pub level_path: PathBuf,
    /// The condition file to copy (`None`: the built-in original).
    pub condition_path: Option<PathBuf>,
    /// The actions, one per tick (stops early when the episode ends).
    pub actions: Vec<Action>,
    /// Mark as pilot data.
    pub pilot: bool,
    /// Mark as simulated (scripted) input.
    pub simulated: bool,
    /// Leave the session `running` (a crash) with a cut last line.
    pub crash: bool,
    /// Time limit, s.
    pub time_limit_s: u32,
}

/// A spec's level, condition and human rules as the lab would load them, with the files' bytes.
pub type Setup = (Level, Condition, Rules, Vec<u8>, Option<Vec<u8>>);

/// The level, condition and human rules of a spec, as the lab would load them.
pub fn setup(spec: &SynthSession) -> Result<Setup, AnalysisError> {
    let lb = std::fs::read(&spec.level_path).map_err(|e| AnalysisError::io(&spec.level_path, e))?;
    let level = priors_core::parse_level(
        &String::from_utf8_lossy(&lb),
        &spec.level_path.display().to_string(),
    )
    .map_err(|e| AnalysisError::Malformed {
        path: spec.level_path.clone(),
        line: e.location().line as u64,
        message: e.to_string(),
    })?;
    let (condition, cb) = match &spec.condition_path {
        Some(p) => {
            let cb = std::fs::read(p).map_err(|e| AnalysisError::io(p, e))?;
            let c = priors_core::parse_condition(
                &String::from_utf8_lossy(&cb),
                &p.display().to_string(),
            )
            .map_err(|e| AnalysisError::Malformed {
                path: p.clone(),
                line: e.at.line as u64,
                message: e.to_string(),
            })?;
            (c, Some(cb))
        }
        None => (Condition::original(), None),
    };
    let hz = level.header.tick_hz;
    let rules = Rules {
        tick_limit: Some(spec.time_limit_s * hz),
        ..Rules::human(hz)
    }
    .with_ladder(condition.mechanics.ladder);
    Ok((level, condition, rules, lb, cb))
}

/// Writes the session folder under `root` and returns its path. Every file is written with
/// the lab's own structs and writers from `priors-records` (session.json, ticks.csv and
/// events.csv rows, column dictionaries), so a fixture cannot drift from the real format.
pub fn write_session(root: &Path, spec: &SynthSession, run: u32) -> Result<PathBuf, AnalysisError> {
    let (level, condition, rules, level_bytes, cond_bytes) = setup(spec)?;
    let n = spec
        .participant
        .bytes()
        .fold(run as u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let uuid = format!("00000000-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff);
    let dir = root.join(session_dir_name(
        &spec.participant,
        &spec.session,
        run,
        &uuid,
    ));
    std::fs::create_dir_all(&dir).map_err(|e| AnalysisError::io(&dir, e))?;
    let io = |p: &Path, e: std::io::Error| AnalysisError::io(p, e);
    std::fs::write(dir.join(files::LEVEL), &level_bytes).map_err(|e| io(&dir, e))?;
    if let Some(cb) = &cond_bytes {
        std::fs::write(dir.join(files::CONDITION), cb).map_err(|e| io(&dir, e))?;
    }
    let hz = level.header.tick_hz;
    // ticks.csv, streamed through the lab's whole-row log.
    let tpath = dir.join(files::TICKS);
    let mut ticks = CsvLog::create(&tpath, &ticks_header())?;
    let epath = dir.join(files::EVENTS);
    let mut events = CsvLog::create(&epath, &events_header())?;
    let mut seq = 0u64;
    let mut event = |events: &mut CsvLog,
                     tick: u32,
                     deaths: u32,
                     kind: EventKind,
                     detail: String|
     -> Result<(), AnalysisError> {
        events.push(&EventRow {
            seq,
            frame: seq * 2,
            t_s: tick as f64 / hz as f64 + 2.0,
            tick,
            kind,
            key: "NA".into(),
            repeat: "NA".into(),
            focused: true,
            screen: "playing".into(),
            deaths,
            detail,
        })?;
        seq += 1;
        Ok(())
    };
    event(&mut events, 0, 0, EventKind::Screen, "instructions".into())?;
    event(&mut events, 0, 0, EventKind::Screen, "ready".into())?;
    event(&mut events, 0, 0, EventKind::PlayStarted, "NA".into())?;
    let mut w = World::new(&level);
    let hash_every = 30;
    for &a in &spec.actions {
        if w.is_done() {
            break;
        }
        let ev = step(&level, &rules, &mut w, a);
        let with_hash = w.tick.is_multiple_of(hash_every) || !ev.is_empty() || w.is_done();
        ticks.push(&TickRow::new(&level, &w, a, &ev, with_hash))?;
        for e in ev.iter() {
            let (kind, detail) = match e {
                Event::KeyPicked => (EventKind::KeyPicked, "NA".to_string()),
                Event::DoorTouched { has_key } => (
                    EventKind::DoorTouched,
                    if has_key { "with_key" } else { "without_key" }.to_string(),
                ),
                Event::EnemyStomped { enemy } => (EventKind::EnemyStomped, enemy.to_string()),
                Event::Died { cause } => (EventKind::Died, cause.name().to_string()),
                Event::Respawned => (EventKind::Respawned, "NA".to_string()),
                Event::GoalReached => (EventKind::GoalReached, "NA".to_string()),
                Event::TimedOut => (EventKind::TimedOut, "NA".to_string()),
            };
            event(&mut events, w.tick, w.deaths, kind, detail)?;
        }
    }
    ticks.sync()?;
    events.sync()?;
    if spec.crash {
        // A kill inside a write: half a row at the end.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&tpath)
            .map_err(|e| io(&tpath, e))?;
        f.write_all(b"99999,3333.3,rig")
            .map_err(|e| io(&tpath, e))?;
    }
    write_json_atomic(
        &dir.join(files::TICKS_COLUMNS),
        &ColumnsFile {
            file: files::TICKS.into(),
            schema_version: TICKS_SCHEMA_VERSION,
            missing_value: "NA".into(),
            columns: ticks_columns(),
        },
    )?;
    write_json_atomic(
        &dir.join(files::EVENTS_COLUMNS),
        &ColumnsFile {
            file: files::EVENTS.into(),
            schema_version: SESSION_SCHEMA_VERSION,
            missing_value: "NA".into(),
            columns: events_columns(),
        },
    )?;
    let status = if spec.crash {
        Status::Running
    } else {
        match w.outcome {
            Outcome::Won => Status::Complete,
            Outcome::TimedOut => Status::Timeout,
            _ => Status::Aborted,
        }
    };
    let condition_ref = match &cond_bytes {
        Some(cb) => FileRef::condition_copy(
            &condition.id,
            &spec
                .condition_path
                .as_ref()
                .map_or_else(String::new, |p| p.display().to_string()),
            &sha256_hex(cb),
        ),
        None => FileRef::builtin_original(),
    };
    let meta = SessionMeta {
        schema_version: SESSION_SCHEMA_VERSION,
        ticks_schema_version: TICKS_SCHEMA_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        git_hash: "synthetic".into(),
        participant: spec.participant.clone(),
        session: spec.session.clone(),
        run,
        uuid,
        pilot: spec.pilot,
        simulated: spec.simulated,
        script: spec.simulated.then(|| FileRef {
            name: "synth".into(),
            source_path: "priors_analysis::synth".into(),
            copy: None,
            sha256: "NA".into(),
        }),
        level: FileRef {
            name: level.header.name.clone(),
            source_path: spec.level_path.display().to_string(),
            copy: Some(files::LEVEL.into()),
            sha256: sha256_hex(&level_bytes),
        },
        condition: condition_ref,
        assignment: None,
        seed: 0,
        key_map: vec![],
        ladder_mode: format!("{:?}", condition.mechanics.ladder).to_lowercase(),
        tick_hz: hz,
        tick_limit: spec.time_limit_s * hz,
        hash_every_n_ticks: hash_every,
        time_scale: 1.0,
        created_utc: "2026-01-01T00:00:00.000Z".into(),
        start_utc: Some("2026-01-01T00:00:02.000Z".into()),
        end_utc: (!spec.crash).then(|| "2026-01-01T00:30:00.000Z".into()),
        status,
        status_detail: None,
        n_ticks: if spec.crash { 0 } else { w.tick },
        deaths: w.deaths,
        final_state_hash: (!spec.crash).then(|| format_hash(w.state_hash())),
        display: DisplayInfo::default(),
        frame_timing: FrameStats::default(),
        host: "synthetic-fixture".into(),
        pid: 0,
        origin: "lab".into(),
    };
    write_json_atomic(&dir.join(files::SESSION), &meta)?;
    Ok(dir)
}

/// Whether `w2` equals `w1` apart from the tick counter.
fn same_but_tick(w1: &World, w2: &World) -> bool {
    let mut a = w2.clone();
    a.tick = w1.tick;
    a == *w1
}

/// A seeded "subject": dies `deaths` times walking into the first hazard it finds (right, then
/// left), then follows `route` (an optimal route from the start, see
/// [`priors_core::solve::solve`]), inserting pauses (noops) and left-right detours wherever they
/// leave the state unchanged, with the given probabilities per route step.
pub fn subject_actions(
    level: &Level,
    rules: &Rules,
    route: &[Action],
    seed: u64,
    deaths: u32,
    pause_p: f64,
    detour_p: f64,
) -> Vec<Action> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::new();
    let mut w = World::new(level);
    let (left, right): (Action, Action) = (
        "left".parse().unwrap_or(Action::NOOP),
        "right".parse().unwrap_or(Action::NOOP),
    );
    for _ in 0..deaths {
        let before = w.deaths;
        'dir: for dir in [right, left] {
            let mut trial = w.clone();
            let mut acts = Vec::new();
            for _ in 0..400 {
                step(level, rules, &mut trial, dir);
                acts.push(dir);
                if trial.deaths > before {
                    out.extend(acts);
                    w = trial;
                    break 'dir;
                }
                if trial.is_done() {
                    break;
                }
            }
        }
    }
    let p = |rng: &mut SplitMix64, prob: f64| {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= prob
    };
    for &a in route {
        if p(&mut rng, pause_p) {
            let k = 1 + rng.below(20) as usize;
            let mut t = w.clone();
            for _ in 0..k {
                step(level, rules, &mut t, Action::NOOP);
            }
            if same_but_tick(&w, &t) {
                out.extend(std::iter::repeat_n(Action::NOOP, k));
                w = t;
            }
        }
        if p(&mut rng, detour_p) {
            let k = 1 + rng.below(6) as usize;
            let mut t = w.clone();
            let seq: Vec<Action> = std::iter::repeat_n(left, k)
                .chain(std::iter::repeat_n(right, k))
                .collect();
            for &s in &seq {
                step(level, rules, &mut t, s);
            }
            if same_but_tick(&w, &t) {
                out.extend(seq);
                w = t;
            }
        }
        step(level, rules, &mut w, a);
        out.push(a);
        if w.is_done() {
            break;
        }
    }
    out
}

/// A seeded random walker: holds a random effective action for 1-30 ticks at a time, `n` ticks.
pub fn random_walk_actions(seed: u64, n: usize) -> Vec<Action> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let a = Action::EFFECTIVE[rng.below(Action::EFFECTIVE.len() as u64) as usize];
        let k = 1 + rng.below(30) as usize;
        out.extend(std::iter::repeat_n(a, k.min(n - out.len())));
    }
    out
}
