//! Action traces: the one actions format shared by the solver's routes, `priors replay-check`,
//! the lab window's `--script` and the agent's recorded episodes, and their replay.
//!
//! The format is a CSV with a header row. Required columns: `tick` (0, 1, 2, ... without gaps)
//! and `action` (`noop` or buttons joined by `+`, see [`crate::Action`]). Optional column:
//! `state_hash` (`0x` + 16 hex digits, the [`crate::World::state_hash`] *after* that tick; empty
//! when not recorded). Other columns are ignored, so a lab session's ticks.csv replays too.
//! Parsing is from text (no IO); errors name file, line and column.

use crate::action::Action;
use crate::level::{Level, Location};
use crate::plain_csv::{PlainCsv, Unreadable};
use crate::world::{Events, Outcome, Rules, World, step};

/// One tick of a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRecord {
    /// Tick index, from 0.
    pub tick: u32,
    /// The action taken during that tick.
    pub action: Action,
    /// The state hash after the tick, if recorded.
    pub state_hash: Option<u64>,
}

/// A trace that does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct TraceError {
    /// Where.
    pub at: Location,
    /// Why.
    pub message: String,
}

/// Formats a state hash the way traces store it.
pub fn format_hash(h: u64) -> String {
    format!("0x{h:016x}")
}

/// Parses a hash written by [`format_hash`].
pub fn parse_hash(s: &str) -> Option<u64> {
    let h = s.trim().strip_prefix("0x")?;
    if h.len() != 16 {
        return None;
    }
    u64::from_str_radix(h, 16).ok()
}

/// Parses an actions CSV, read by the csv crate with columns found by header name. Fields are
/// plain (no quoting is needed for this format; a quoted field is an error).
pub fn parse_actions(text: &str, file: &str) -> Result<Vec<ActionRecord>, TraceError> {
    let err = |line: usize, column: usize, message: String| TraceError {
        at: Location {
            file: file.to_string(),
            line,
            column,
        },
        message,
    };
    let unreadable = |u: Unreadable| err(u.line, 1, u.message);
    let (header, lines) = PlainCsv::read(text).map_err(unreadable)?;
    let header = header.ok_or_else(|| {
        err(
            1,
            1,
            "empty file: expected a header row with `tick,action`".into(),
        )
    })?;
    let cols: Vec<&str> = header.fields().into_iter().map(str::trim).collect();
    let find = |name: &str| cols.iter().position(|c| *c == name);
    let tick_col = find("tick").ok_or_else(|| err(1, 1, "header has no `tick` column".into()))?;
    let action_col =
        find("action").ok_or_else(|| err(1, 1, "header has no `action` column".into()))?;
    let hash_col = find("state_hash");
    let mut out = Vec::new();
    for line in lines {
        let line = line.map_err(unreadable)?;
        let line_no = line.number;
        let fields = line.fields();
        // Column (1-based, in characters) where field k starts.
        let col_of = |k: usize| {
            fields[..k.min(fields.len())]
                .iter()
                .map(|f| f.chars().count() + 1)
                .sum::<usize>()
                + 1
        };
        if fields.len() != cols.len() {
            return Err(err(
                line_no,
                1,
                format!("{} fields, the header has {}", fields.len(), cols.len()),
            ));
        }
        let tick: u32 = fields[tick_col].trim().parse().map_err(|_| {
            err(
                line_no,
                col_of(tick_col),
                format!("tick {:?} is not a whole number", fields[tick_col]),
            )
        })?;
        if tick as usize != out.len() {
            return Err(err(
                line_no,
                col_of(tick_col),
                format!("tick {tick} out of order: expected {}", out.len()),
            ));
        }
        let action: Action =
            fields[action_col]
                .parse()
                .map_err(|e: crate::action::ParseActionError| {
                    err(line_no, col_of(action_col), e.to_string())
                })?;
        let state_hash = match hash_col.map(|c| fields[c].trim()) {
            None | Some("") | Some("NA") => None,
            Some(h) => Some(parse_hash(h).ok_or_else(|| {
                err(
                    line_no,
                    col_of(hash_col.unwrap_or(0)),
                    format!("state_hash {h:?} is not 0x followed by 16 hex digits"),
                )
            })?),
        };
        out.push(ActionRecord {
            tick,
            action,
            state_hash,
        });
    }
    Ok(out)
}

/// Writes an actions CSV (`tick,action,state_hash`).
pub fn write_actions(records: &[ActionRecord]) -> String {
    let mut s = String::from("tick,action,state_hash\n");
    for r in records {
        s.push_str(&format!(
            "{},{},{}\n",
            r.tick,
            r.action,
            r.state_hash.map(format_hash).unwrap_or_default()
        ));
    }
    s
}

/// Records `actions` from the start with their state hashes.
pub fn record(level: &Level, rules: &Rules, actions: &[Action]) -> Vec<ActionRecord> {
    let mut w = World::new(level);
    actions
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            step(level, rules, &mut w, a);
            ActionRecord {
                tick: i as u32,
                action: a,
                state_hash: Some(w.state_hash()),
            }
        })
        .collect()
}

/// Where a replay first disagreed with the recorded hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Divergence {
    /// Tick whose recorded hash differs.
    pub tick: u32,
    /// Hash in the trace.
    pub expected: u64,
    /// Hash the replay produced.
    pub actual: u64,
}

/// What replaying a trace produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Ticks replayed (stops at the end of the episode or the first divergence).
    pub ticks: u32,
    /// Recorded hashes that were compared.
    pub hashes_checked: u32,
    /// The first mismatch, if any.
    pub divergence: Option<Divergence>,
    /// Outcome after the last replayed tick.
    pub outcome: Outcome,
    /// Deaths after the last replayed tick.
    pub deaths: u32,
    /// Actions left over after the episode ended (a valid trace has none).
    pub actions_after_end: u32,
    /// Final state hash.
    pub final_hash: u64,
}

/// Replays a trace through the core, checking every recorded hash.
pub fn replay(level: &Level, rules: &Rules, records: &[ActionRecord]) -> ReplayReport {
    replay_with(level, rules, records, |_, _, _| {})
}

/// As [`replay`], calling `on_tick(record, world_after, events)` for every replayed tick.
pub fn replay_with(
    level: &Level,
    rules: &Rules,
    records: &[ActionRecord],
    mut on_tick: impl FnMut(&ActionRecord, &World, &Events),
) -> ReplayReport {
    let mut w = World::new(level);
    let mut report = ReplayReport {
        ticks: 0,
        hashes_checked: 0,
        divergence: None,
        outcome: Outcome::Running,
        deaths: 0,
        actions_after_end: 0,
        final_hash: w.state_hash(),
    };
    for (i, r) in records.iter().enumerate() {
        if w.is_done() {
            report.actions_after_end = (records.len() - i) as u32;
            break;
        }
        let ev = step(level, rules, &mut w, r.action);
        report.ticks += 1;
        on_tick(r, &w, &ev);
        if let Some(expected) = r.state_hash {
            report.hashes_checked += 1;
            let actual = w.state_hash();
            if actual != expected {
                report.divergence = Some(Divergence {
                    tick: r.tick,
                    expected,
                    actual,
                });
                break;
            }
        }
    }
    report.outcome = w.outcome;
    report.deaths = w.deaths;
    report.final_hash = w.state_hash();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_csv_round_trips_and_errors_point_at_cells() {
        let recs = vec![
            ActionRecord {
                tick: 0,
                action: "right".parse().unwrap(),
                state_hash: Some(0xdead_beef),
            },
            ActionRecord {
                tick: 1,
                action: Action::NOOP,
                state_hash: None,
            },
        ];
        let text = write_actions(&recs);
        assert_eq!(parse_actions(&text, "a.csv").unwrap(), recs);
        let e = parse_actions("tick,action\n0,right\n1,fly\n", "a.csv").unwrap_err();
        assert_eq!((e.at.line, e.at.column), (3, 3), "{e}");
        let e = parse_actions("tick,action\n0,right\n2,left\n", "a.csv").unwrap_err();
        assert_eq!((e.at.line, e.at.column), (3, 1), "{e}");
        let e = parse_actions("tick,act\n", "a.csv").unwrap_err();
        assert!(e.to_string().contains("no `action` column"), "{e}");
        let e = parse_actions("tick,action,state_hash\n0,noop,0x12\n", "a.csv").unwrap_err();
        assert_eq!((e.at.line, e.at.column), (2, 8), "{e}");
        // Extra columns (a session's ticks.csv) are ignored.
        let r = parse_actions("tick,t_s,action\n0,0.000,left+jump\n", "t.csv").unwrap();
        assert_eq!(r[0].action.to_string(), "left+jump");
    }
}
