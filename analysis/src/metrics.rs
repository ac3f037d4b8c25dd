//! Per-trace measures, accumulated tick by tick while a trace is replayed: actions, time,
//! deaths, unique positions and tiles, the key-and-door sequence of the paper's Fig. 4, the first
//! tick at each height tier, and visit counts for exploration heatmaps.
//!
//! Definitions (the spec's "What is measured", made exact):
//! - *unique positions*, *unique tiles*, *active ticks*: exactly `priors_core::measure` (one
//!   definition shared with the env and the agent's logs): distinct whole-pixel player centres
//!   inside the level, distinct tiles under the centre, ticks whose action is not `noop`.
//! - *key before door*: the first key pick-up happened before the first touch of the door.
//! - *key-to-door fraction*: ticks from the last key pick-up to the goal, over all ticks
//!   (completed keydoor sessions only).
//! - *ticks to tier k*: first tick (counted from 1) after which the player's feet
//!   (`y + player_h / 2`) are at or above `Level.header.tiers_y_px[k]`.

use priors_core::measure::{Coverage, TierLines};
use priors_core::{Action, Event, Events, Level, Outcome, SUB, World};

/// Side of a heatmap cell, px.
pub const HEAT_CELL_PX: u32 = 3;

/// Extra rows below the level kept in the position bitset (a falling player leaves the grid).
const BELOW_PX: u32 = 64;

/// What one trace measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measures {
    /// Ticks replayed (= actions taken, one per tick).
    pub n_ticks: u32,
    /// Ticks whose action was not `noop`.
    pub n_active_ticks: u32,
    /// Deaths.
    pub deaths: u32,
    /// Whether the goal was reached.
    pub completed: bool,
    /// Whether the tick limit ended it.
    pub timed_out: bool,
    /// Distinct whole-pixel positions.
    pub unique_positions: u32,
    /// Distinct tiles under the player's centre.
    pub unique_tiles: u32,
    /// Tick (from 1) of the first key pick-up.
    pub first_key_tick: Option<u32>,
    /// Tick (from 1) of the first door touch (with or without the key).
    pub first_door_tick: Option<u32>,
    /// Tick (from 1) of the last key pick-up.
    pub last_key_tick: Option<u32>,
    /// Door touches without the key.
    pub door_touches_without_key: u32,
    /// Key pick-ups (the key is lost on death).
    pub key_pickups: u32,
    /// First tick (from 1) at each height tier, in the order of `tiers_y_px`.
    pub tier_ticks: Vec<Option<u32>>,
    /// Visit counts per heatmap cell (row-major, [`HEAT_CELL_PX`] cells over the level).
    pub heat: Vec<u32>,
}

impl Measures {
    /// Whether the key was reached before the door (`None` on levels without a door or when
    /// neither was reached).
    pub fn key_before_door(&self) -> Option<bool> {
        match (self.first_key_tick, self.first_door_tick) {
            (None, None) => None,
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (Some(k), Some(d)) => Some(k <= d),
        }
    }
    /// Ticks from the last key pick-up to the goal over all ticks (completed sessions with a key).
    pub fn key_to_door_fraction(&self) -> Option<f64> {
        let k = self.last_key_tick?;
        (self.completed && self.n_ticks > 0)
            .then(|| (self.n_ticks - k) as f64 / self.n_ticks as f64)
    }
    /// Highest tier index reached (0 = the first tier), if any.
    pub fn max_tier(&self) -> Option<usize> {
        self.tier_ticks.iter().rposition(Option::is_some)
    }
}

/// Heatmap grid size (columns, rows) for a level.
pub fn heat_dims(level: &Level) -> (usize, usize) {
    (
        level.width_px().div_ceil(HEAT_CELL_PX) as usize,
        level.height_px().div_ceil(HEAT_CELL_PX) as usize,
    )
}

/// Accumulates [`Measures`] while a trace is replayed.
#[derive(Debug)]
pub struct Tracker {
    m: Measures,
    w_px: u32,
    h_px: u32,
    coverage: Coverage,
    heat_w: usize,
    heat_h: usize,
    tiers: TierLines,
}

impl Tracker {
    /// A tracker for a trace on `level`, starting from the level's start state.
    pub fn new(level: &Level) -> Tracker {
        let (w_px, h_px) = (level.width_px(), level.height_px() + BELOW_PX);
        let (heat_w, heat_h) = heat_dims(level);
        Tracker {
            m: Measures {
                tier_ticks: vec![None; level.header.tiers_y_px.len()],
                heat: vec![0; heat_w * heat_h],
                ..Measures::default()
            },
            w_px,
            h_px,
            coverage: Coverage::new(level),
            heat_w,
            heat_h,
            tiers: TierLines::new(level),
        }
    }

    /// Records the state `w` reached by `action` with `events`.
    #[inline]
    pub fn tick(&mut self, level: &Level, w: &World, action: Action, events: &Events) {
        let _ = level;
        self.coverage.record(w, action);
        let m = &mut self.m;
        m.n_ticks = self.coverage.ticks;
        m.n_active_ticks = self.coverage.active_ticks;
        m.unique_positions = self.coverage.unique_positions;
        m.unique_tiles = self.coverage.unique_tiles;
        let (x, y) = (w.player.x.div_euclid(SUB), w.player.y.div_euclid(SUB));
        let (xc, yc) = (
            x.clamp(0, self.w_px as i32 - 1) as u32,
            y.clamp(0, self.h_px as i32 - 1) as u32,
        );
        let (hx, hy) = ((xc / HEAT_CELL_PX) as usize, (yc / HEAT_CELL_PX) as usize);
        if hx < self.heat_w && hy < self.heat_h {
            m.heat[hy * self.heat_w + hx] += 1;
        }
        for k in self.tiers.reached(w) {
            m.tier_ticks[k].get_or_insert(w.tick);
        }
        if !events.is_empty() {
            for e in events.iter() {
                match e {
                    Event::KeyPicked => {
                        m.key_pickups += 1;
                        m.first_key_tick.get_or_insert(w.tick);
                        m.last_key_tick = Some(w.tick);
                    }
                    Event::DoorTouched { has_key } => {
                        m.first_door_tick.get_or_insert(w.tick);
                        m.door_touches_without_key += (!has_key) as u32;
                    }
                    _ => {}
                }
            }
        }
    }

    /// The measures, given the final state.
    pub fn finish(mut self, _level: &Level, w: &World) -> Measures {
        self.m.deaths = w.deaths;
        self.m.completed = w.outcome == Outcome::Won;
        self.m.timed_out = w.outcome == Outcome::TimedOut;
        self.m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use priors_core::{Rules, parse_level, step};

    #[test]
    fn a_walk_counts_positions_tiles_and_tiers() {
        let text = "+++\nname = \"t\"\ntile_px = 15\ntick_hz = 30\ntiers_y_px = [45, 30]\n+++\n#####\n#...#\n#P.Q#\n#####\n";
        let level = parse_level(text, "t.level").unwrap();
        let rules = Rules::agent();
        let mut w = World::new(&level);
        let mut t = Tracker::new(&level);
        let right: Action = "right".parse().unwrap();
        for _ in 0..3 {
            let ev = step(&level, &rules, &mut w, right);
            t.tick(&level, &w, right, &ev);
        }
        let m = t.finish(&level, &w);
        assert_eq!(m.n_ticks, m.n_active_ticks);
        assert!(m.completed, "{m:?}");
        assert_eq!(m.unique_positions, m.n_ticks);
        // Standing on the floor at y = 45: tier 45 reached at the first tick, tier 30 never.
        assert_eq!(m.tier_ticks, vec![Some(1), None]);
        assert_eq!(m.max_tier(), Some(0));
        assert_eq!(m.key_before_door(), None);
        assert_eq!(m.heat.iter().sum::<u32>(), m.n_ticks);
    }
}
