//! Synthetic session folders, for tests and benchmarks only: a small writer that produces the
//! lab window's folder format (session.json, ticks.csv and events.csv with their column
//! dictionaries, byte-exact level and condition copies) from an action sequence, stepping the
//! real core, plus two seeded generators of action sequences (a "subject" who follows the
//! optimal route with pauses, detours and deaths, and a random walker for long traces).
//!
//! **These are fixtures, not data.** Every folder written here says so in `session.json`
//! (`host = "synthetic-fixture"`, script name `synth`) and is marked `simulated` unless a test
//! asks otherwise to exercise the inclusion rules. Field names follow `priors_frontend::meta`
//! (issue 3); the writer is kept independent of that crate because it pulls Bevy.

use crate::error::AnalysisError;
use priors_core::replay::format_hash;
use priors_core::rng::SplitMix64;
use priors_core::trace::{TICKS_SCHEMA_VERSION, TickRow, ticks_columns};
use priors_core::{Action, Condition, Event, Level, Outcome, Rules, World, step};
use serde_json::json;
use sha2::{Digest, Sha256};
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

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

/// Writes the session folder under `root` and returns its path.
pub fn write_session(root: &Path, spec: &SynthSession, run: u32) -> Result<PathBuf, AnalysisError> {
    let (level, condition, rules, level_bytes, cond_bytes) = setup(spec)?;
    let n = spec
        .participant
        .bytes()
        .fold(run as u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let uuid = format!("00000000-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff);
    let dir = root.join(format!(
        "{}_{}_{}_{}",
        spec.participant, spec.session, run, uuid
    ));
    std::fs::create_dir_all(&dir).map_err(|e| AnalysisError::io(&dir, e))?;
    let io = |p: &Path, e: std::io::Error| AnalysisError::io(p, e);
    std::fs::write(dir.join("level.level"), &level_bytes).map_err(|e| io(&dir, e))?;
    if let Some(cb) = &cond_bytes {
        std::fs::write(dir.join("condition.toml"), cb).map_err(|e| io(&dir, e))?;
    }
    // ticks.csv, streamed.
    let tpath = dir.join("ticks.csv");
    let file = std::fs::File::create(&tpath).map_err(|e| io(&tpath, e))?;
    let mut ticks = csv::WriterBuilder::new()
        .has_headers(true)
        .from_writer(std::io::BufWriter::with_capacity(1 << 16, file));
    let mut events: Vec<(u32, String, String)> = Vec::new();
    let mut w = World::new(&level);
    let hash_every = 30;
    for &a in &spec.actions {
        if w.is_done() {
            break;
        }
        let ev = step(&level, &rules, &mut w, a);
        let with_hash = w.tick.is_multiple_of(hash_every) || !ev.is_empty() || w.is_done();
        ticks
            .serialize(TickRow::new(&level, &w, a, &ev, with_hash))
            .map_err(|e| AnalysisError::io(&tpath, e))?;
        for e in ev.iter() {
            let (kind, detail) = match e {
                Event::KeyPicked => ("key_picked", "NA".to_string()),
                Event::DoorTouched { has_key } => (
                    "door_touched",
                    if has_key { "with_key" } else { "without_key" }.to_string(),
                ),
                Event::EnemyStomped { enemy } => ("enemy_stomped", enemy.to_string()),
                Event::Died { cause } => ("died", cause.name().to_string()),
                Event::Respawned => ("respawned", "NA".to_string()),
                Event::GoalReached => ("goal_reached", "NA".to_string()),
                Event::TimedOut => ("timed_out", "NA".to_string()),
            };
            events.push((w.tick, kind.to_string(), detail));
        }
    }
    let mut inner = ticks
        .into_inner()
        .map_err(|e| AnalysisError::io(&tpath, e))?;
    inner.flush().map_err(|e| io(&tpath, e))?;
    drop(inner);
    if spec.crash {
        // A kill inside a write: half a row at the end.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&tpath)
            .map_err(|e| io(&tpath, e))?;
        f.write_all(b"99999,3333.3,rig")
            .map_err(|e| io(&tpath, e))?;
    }
    // events.csv: protocol rows, then the game events.
    let epath = dir.join("events.csv");
    let mut ew = csv::Writer::from_path(&epath).map_err(|e| AnalysisError::io(&epath, e))?;
    let header = [
        "seq", "frame", "t_s", "tick", "kind", "key", "repeat", "focused", "screen", "deaths",
        "detail",
    ];
    ew.write_record(header)
        .map_err(|e| AnalysisError::io(&epath, e))?;
    let mut rows = vec![
        (0u32, "screen".to_string(), "instructions".to_string()),
        (0, "screen".into(), "ready".into()),
        (0, "play_started".into(), "NA".into()),
    ];
    rows.extend(events);
    for (seq, (tick, kind, detail)) in rows.iter().enumerate() {
        let t = *tick as f64 / level.header.tick_hz as f64 + 2.0;
        ew.write_record([
            seq.to_string(),
            (seq * 2).to_string(),
            format!("{t:.6}"),
            tick.to_string(),
            kind.clone(),
            "NA".into(),
            "NA".into(),
            "true".into(),
            "playing".into(),
            "0".into(),
            detail.clone(),
        ])
        .map_err(|e| AnalysisError::io(&epath, e))?;
    }
    ew.flush().map_err(|e| io(&epath, e))?;
    let columns = |file: &str, version: u32, cols: serde_json::Value| json!({"file": file, "schema_version": version, "missing_value": "NA", "columns": cols});
    let tcols = serde_json::to_value(ticks_columns()).unwrap_or_default();
    let ecols: Vec<serde_json::Value> = header.iter().map(|h| json!({"name": h, "description": format!("events.csv column {h} (synthetic fixture)"), "units": "NA", "type": "string"})).collect();
    write_json(
        &dir.join("ticks.columns.json"),
        &columns("ticks.csv", TICKS_SCHEMA_VERSION, tcols),
    )?;
    write_json(
        &dir.join("events.columns.json"),
        &columns("events.csv", 1, json!(ecols)),
    )?;
    let status = if spec.crash {
        "running"
    } else {
        match w.outcome {
            Outcome::Won => "complete",
            Outcome::TimedOut => "timeout",
            _ => "aborted",
        }
    };
    let cond_ref = match &cond_bytes {
        Some(cb) => {
            json!({"name": condition.id, "source_path": spec.condition_path.as_ref().map(|p| p.display().to_string()), "copy": "condition.toml", "sha256": sha(cb)})
        }
        None => json!({"name": "original", "source_path": "builtin", "copy": null, "sha256": "NA"}),
    };
    let meta = json!({
        "schema_version": 1,
        "ticks_schema_version": TICKS_SCHEMA_VERSION,
        "app_version": env!("CARGO_PKG_VERSION"),
        "git_hash": "synthetic",
        "participant": spec.participant,
        "session": spec.session,
        "run": run,
        "uuid": uuid,
        "pilot": spec.pilot,
        "simulated": spec.simulated,
        "script": if spec.simulated { json!({"name": "synth", "source_path": "priors_analysis::synth", "copy": null, "sha256": "NA"}) } else { json!(null) },
        "level": {"name": level.header.name, "source_path": spec.level_path.display().to_string(), "copy": "level.level", "sha256": sha(&level_bytes)},
        "condition": cond_ref,
        "assignment": null,
        "seed": 0,
        "key_map": [],
        "ladder_mode": format!("{:?}", condition.mechanics.ladder).to_lowercase(),
        "tick_hz": level.header.tick_hz,
        "tick_limit": spec.time_limit_s * level.header.tick_hz,
        "hash_every_n_ticks": hash_every,
        "time_scale": 1.0,
        "created_utc": "2026-01-01T00:00:00.000Z",
        "start_utc": "2026-01-01T00:00:02.000Z",
        "end_utc": if spec.crash { json!(null) } else { json!("2026-01-01T00:30:00.000Z") },
        "status": status,
        "status_detail": null,
        "n_ticks": if spec.crash { 0 } else { w.tick },
        "deaths": w.deaths,
        "final_state_hash": if spec.crash { json!(null) } else { json!(format_hash(w.state_hash())) },
        "display": {},
        "frame_timing": {},
        "host": "synthetic-fixture",
        "pid": 0
    });
    write_json(&dir.join("session.json"), &meta)?;
    Ok(dir)
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<(), AnalysisError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| AnalysisError::io(path, e))?;
    s.push('\n');
    std::fs::write(path, s).map_err(|e| AnalysisError::io(path, e))
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
