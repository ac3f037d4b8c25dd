//! Comparison with trajectories measured on another implementation, tick by tick.
//!
//! The reference files of `data/reference/released-princess/` hold, per step of a fixed action
//! sequence, the player's centre, ladder flag and event as the authors' released game produced
//! them. [`compare`] replays the same actions through [`crate::world::step`] and says, for each
//! step, whether our position is within 0.5 px and whether the episode ends the same way on the
//! same step. It parses text it is given and does no IO.

use crate::action::Action;
use crate::level::{Level, SUB};
use crate::plain_csv::{PlainCsv, Unreadable};
use crate::world::{Event, Rules, World, step};

/// How an episode ended on a step, as the reference files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Still playing after the step.
    Alive,
    /// The player died on the step.
    Died,
    /// The goal was reached on the step.
    Won,
}

/// One step of a reference trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct RefStep {
    /// 1-based step number (step k is our tick k - 1).
    pub step: u32,
    /// The action of the step.
    pub action: Action,
    /// Player centre x after the step's physics, px.
    pub x_px: f64,
    /// Player centre y after the step's physics, px.
    pub y_px: f64,
    /// Whether the game had the player on a ladder.
    pub on_ladder: bool,
    /// How the step ended.
    pub ending: Ending,
}

/// A reference file's line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RefError {
    /// File name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a reference CSV (`step,action,x,y,done,event,on_ladder,...`, header first), read by the
/// csv crate with columns found by header name; fields are plain (never quoted) and trimmed.
pub fn parse(text: &str, file: &str) -> Result<Vec<RefStep>, RefError> {
    let err = |line: usize, message: String| RefError {
        file: file.to_string(),
        line,
        message,
    };
    let unreadable = |u: Unreadable| err(u.line, u.message);
    let (header, lines) = PlainCsv::read(text).map_err(unreadable)?;
    let header = header.ok_or_else(|| err(1, "empty file".into()))?;
    let cols: Vec<&str> = header.fields().into_iter().map(str::trim).collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .ok_or_else(|| err(1, format!("no column {name:?}")))
    };
    let (ci_step, ci_action, ci_x, ci_y, ci_event, ci_ladder) = (
        col("step")?,
        col("action")?,
        col("x")?,
        col("y")?,
        col("event")?,
        col("on_ladder")?,
    );
    let mut out = Vec::new();
    for line in lines {
        let line = line.map_err(unreadable)?;
        let f: Vec<&str> = line.fields().into_iter().map(str::trim).collect();
        if f == [""] {
            continue;
        }
        let n = line.number;
        if f.len() != cols.len() {
            return Err(err(
                n,
                format!("{} fields, header has {}", f.len(), cols.len()),
            ));
        }
        let num = |c: usize| {
            f[c].parse::<f64>()
                .map_err(|_| err(n, format!("not a number: {:?}", f[c])))
        };
        out.push(RefStep {
            step: f[ci_step]
                .parse()
                .map_err(|_| err(n, format!("bad step {:?}", f[ci_step])))?,
            action: f[ci_action].parse().map_err(|e| err(n, format!("{e}")))?,
            x_px: num(ci_x)?,
            y_px: num(ci_y)?,
            on_ladder: match f[ci_ladder] {
                "1" | "true" => true,
                "0" | "false" => false,
                o => return Err(err(n, format!("bad on_ladder {o:?}"))),
            },
            ending: match f[ci_event] {
                "" => Ending::Alive,
                "died" => Ending::Died,
                "won" => Ending::Won,
                o => return Err(err(n, format!("unknown event {o:?}"))),
            },
        });
    }
    Ok(out)
}

/// The result of replaying a reference sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Steps in the reference.
    pub n_steps: usize,
    /// Steps whose x and y are within 0.5 px of the reference and whose ladder flag agrees.
    pub n_within: usize,
    /// First step (1-based) that is not, if any.
    pub first_divergence: Option<u32>,
    /// The reference's ending and its step.
    pub reference_end: (Ending, u32),
    /// Ours (`Alive` with the last step when the sequence ends first).
    pub our_end: (Ending, u32),
}

impl Comparison {
    /// Every step within tolerance and the same ending on the same step.
    pub fn matches(&self) -> bool {
        self.n_within == self.n_steps && self.reference_end == self.our_end
    }
}

/// Replays `actions` from the start of `level` and compares with `reference`. Ticks after our
/// episode ended count as divergent.
pub fn compare(
    level: &Level,
    rules: &Rules,
    actions: &[Action],
    reference: &[RefStep],
) -> Comparison {
    let mut w = World::new(level);
    let mut n_within = 0;
    let mut first = None;
    let mut our_end = None;
    for (k, r) in reference.iter().enumerate() {
        let a = actions.get(k).copied().unwrap_or(r.action);
        let alive_before = !w.is_done();
        let ev = step(level, rules, &mut w, a);
        if alive_before && our_end.is_none() {
            if ev.contains(Event::GoalReached) {
                our_end = Some((Ending::Won, r.step));
            } else if ev.iter().any(|e| matches!(e, Event::Died { .. })) {
                our_end = Some((Ending::Died, r.step));
            }
        }
        let dx = (w.player.x as f64 / SUB as f64 - r.x_px).abs();
        let dy = (w.player.y as f64 / SUB as f64 - r.y_px).abs();
        if alive_before && dx <= 0.5 && dy <= 0.5 && w.player.on_ladder == r.on_ladder {
            n_within += 1;
        } else if first.is_none() {
            first = Some(r.step);
        }
    }
    let last = reference.last().map(|r| r.step).unwrap_or(0);
    let our_end = our_end.unwrap_or((Ending::Alive, last));
    let reference_end = reference
        .last()
        .map(|r| (r.ending, r.step))
        .unwrap_or((Ending::Alive, 0));
    Comparison {
        n_steps: reference.len(),
        n_within,
        first_divergence: first,
        reference_end,
        our_end,
    }
}

/// The order of reference sequences: the number at the end of the name (`seq12` after `seq9`),
/// then the name (the test and the table example enumerate the folder in this order).
pub fn sequence_key(name: &str) -> (u64, String) {
    let digits: String = name
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (digits.parse().unwrap_or(u64::MAX), name.to_string())
}
