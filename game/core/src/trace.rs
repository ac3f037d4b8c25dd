//! Trace rows: the serde structs at the CSV boundary, shared by the lab window (writer), the
//! agent's recorded episodes (writer) and the analysis (reader). No IO here.
//!
//! Conventions for every CSV the platform writes: snake_case column names, units in names,
//! seconds for time, `.` decimals, `true`/`false` booleans, and `NA` as the one missing-value
//! token (read by pandas' `read_csv` and readr's `read_csv` without options).

use crate::action::Action;
use crate::level::{Level, SUB};
use crate::replay::format_hash;
use crate::world::{Events, World};
use serde::{Deserialize, Serialize};

/// Schema version of ticks.csv; bump on any column change.
pub const TICKS_SCHEMA_VERSION: u32 = 1;

/// One row of `ticks.csv`: the state after one tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TickRow {
    /// Tick index from 0.
    pub tick: u32,
    /// Simulation time at the end of the tick, seconds (`(tick + 1) / tick_hz`).
    pub t_s: f64,
    /// The action of this tick (`noop` or buttons joined by `+`).
    pub action: String,
    /// Player centre x after the tick, px.
    pub x_px: f64,
    /// Player centre y after the tick, px (grows downwards).
    pub y_px: f64,
    /// Whether the player touches a ladder.
    pub on_ladder: bool,
    /// Whether the player holds the key.
    pub has_key: bool,
    /// Deaths so far.
    pub deaths: u32,
    /// Events of this tick joined by `;`, or `NA`.
    pub event: String,
    /// State hash after the tick (`0x` + 16 hex digits), every N ticks; `NA` otherwise.
    pub state_hash: String,
}

impl TickRow {
    /// The row for the state `w` reached by `action`; the hash is written when `with_hash`.
    pub fn new(
        level: &Level,
        w: &World,
        action: Action,
        events: &Events,
        with_hash: bool,
    ) -> TickRow {
        let tick = w.tick.saturating_sub(1);
        TickRow {
            tick,
            t_s: w.tick as f64 / level.header.tick_hz as f64,
            action: action.to_string(),
            x_px: w.player.x as f64 / SUB as f64,
            y_px: w.player.y as f64 / SUB as f64,
            on_ladder: w.player.on_ladder,
            has_key: w.has_key,
            deaths: w.deaths,
            event: if events.is_empty() {
                "NA".into()
            } else {
                events.joined()
            },
            state_hash: if with_hash {
                format_hash(w.state_hash())
            } else {
                "NA".into()
            },
        }
    }
}

/// One column of a dictionary file (written next to every CSV as `<name>.columns.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// What it holds.
    pub description: String,
    /// Unit, or `NA`.
    pub units: String,
    /// `integer`, `number`, `boolean` or `string`.
    pub r#type: String,
    /// For categorical columns, the allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<String>,
}

fn col(name: &str, ty: &str, units: &str, description: &str) -> Column {
    Column {
        name: name.into(),
        description: description.into(),
        units: units.into(),
        r#type: ty.into(),
        levels: vec![],
    }
}

/// The column dictionary of ticks.csv.
pub fn ticks_columns() -> Vec<Column> {
    vec![
        col(
            "tick",
            "integer",
            "ticks",
            "Tick index from 0; one row per simulation tick.",
        ),
        col(
            "t_s",
            "number",
            "s",
            "Simulation time at the end of the tick: (tick + 1) / tick_hz.",
        ),
        col(
            "action",
            "string",
            "NA",
            "Logical buttons held this tick: noop or left/right/up/down/jump joined by +.",
        ),
        col(
            "x_px",
            "number",
            "px",
            "Player hitbox centre x after the tick, from the level's left edge.",
        ),
        col(
            "y_px",
            "number",
            "px",
            "Player hitbox centre y after the tick, from the level's top edge (down is positive).",
        ),
        col(
            "on_ladder",
            "boolean",
            "NA",
            "Whether the player touches a ladder (gravity off).",
        ),
        col(
            "has_key",
            "boolean",
            "NA",
            "Whether the player holds the key.",
        ),
        col(
            "deaths",
            "integer",
            "count",
            "Deaths so far in this session.",
        ),
        col(
            "event",
            "string",
            "NA",
            "Events of this tick joined by ; (key_picked, door_touched_with_key, door_touched_without_key, enemy_stomped_<i>, died_<cause>, respawned, goal_reached, timed_out), or NA.",
        ),
        col(
            "state_hash",
            "string",
            "NA",
            "FNV-1a hash of the full simulation state after the tick (0x + 16 hex digits), every N ticks and on events; NA otherwise.",
        ),
    ]
}

/// One row of a per-tick trajectory export (`priors replay-check --positions`): the player's
/// centre in px after each tick, the convention of data/reference/released-princess (there
/// `step` = our `tick` + 1), so a trajectory can be held against another implementation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionRow {
    /// Tick index from 0.
    pub tick: u32,
    /// The action of this tick.
    pub action: String,
    /// Player centre x after the tick's physics, px.
    pub x_px: f64,
    /// Player centre y after the tick's physics, px (grows downwards).
    pub y_px: f64,
    /// Whether the player is on a ladder after the tick.
    pub on_ladder: bool,
    /// Events of the tick joined by `;`, or `NA`.
    pub event: String,
}

/// The per-tick trajectory of `actions` from the start of `level`, stopping when the episode ends.
pub fn positions(
    level: &Level,
    rules: &crate::world::Rules,
    actions: &[Action],
) -> Vec<PositionRow> {
    let mut w = World::new(level);
    let mut out = Vec::with_capacity(actions.len());
    for &a in actions {
        if w.is_done() {
            break;
        }
        let tick = w.tick;
        let ev = crate::world::step(level, rules, &mut w, a);
        out.push(PositionRow {
            tick,
            action: a.to_string(),
            x_px: w.player.x as f64 / SUB as f64,
            y_px: w.player.y as f64 / SUB as f64,
            on_ladder: w.player.on_ladder,
            event: if ev.is_empty() {
                "NA".into()
            } else {
                ev.joined()
            },
        });
    }
    out
}
