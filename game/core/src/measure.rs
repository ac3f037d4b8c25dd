//! The one definition of each exploration measure the human-versus-agent comparison rests on,
//! used by the env's episode statistics, the agent's logs (through the env) and the analysis,
//! and quoted in the column dictionaries:
//! - *unique positions*: distinct whole-pixel player centres `(floor(x_px), floor(y_px))`
//!   inside the level's pixel rectangle (a centre outside it, while falling off the grid, is
//!   not a position);
//! - *unique tiles*: distinct grid tiles under the player's centre, inside the grid;
//! - *active ticks*: ticks whose action is not `noop`;
//! - *time*: ticks / tick rate, seconds ([`time_s`]).
//!
//! Every measure counts the states *after* each tick (the start state before the first tick is
//! not a tick), the same for a human trace replayed by the analysis and an agent episode.
//!
//! A [`Coverage`] is allocated once per level (two bitsets) and cleared between episodes; its
//! [`Coverage::record`] does no allocation, so it can run in the env's step loop.

use crate::action::Action;
use crate::level::{Level, SUB};
use crate::world::World;

/// The words of the unique-positions rule, for column dictionaries.
pub const UNIQUE_POSITIONS_RULE: &str = "distinct whole-pixel player centres (floor(x_px), floor(y_px)) inside the level's pixel rectangle";

/// The words of the unique-tiles rule, for column dictionaries.
pub const UNIQUE_TILES_RULE: &str =
    "distinct grid tiles under the player's centre, inside the grid";

/// Seconds of `ticks` at `tick_hz` ticks per second.
pub fn time_s(ticks: u32, tick_hz: u32) -> f64 {
    ticks as f64 / tick_hz.max(1) as f64
}

/// The level's height tiers (`tiers_y_px`, floor lines in the header's order) and the one rule
/// of reaching one: the player's feet at or above its line. The analysis' per-tier first ticks
/// and the episodes' `max_tier` both use it.
#[derive(Debug, Clone)]
pub struct TierLines {
    /// The lines in sub-pixels.
    lines_sub: Vec<i32>,
    /// From the player's centre to its feet, sub-pixels.
    half_h_sub: i32,
}

impl TierLines {
    /// The tiers of `level`.
    pub fn new(level: &Level) -> TierLines {
        TierLines {
            lines_sub: level
                .header
                .tiers_y_px
                .iter()
                .map(|&y| y as i32 * SUB)
                .collect(),
            half_h_sub: level.physics.player_h - level.physics.player_h / 2,
        }
    }

    /// Number of tiers.
    pub fn len(&self) -> usize {
        self.lines_sub.len()
    }

    /// Whether the level has no tiers.
    pub fn is_empty(&self) -> bool {
        self.lines_sub.is_empty()
    }

    /// The tiers whose line the feet of `w`'s player are at or above, in index order.
    pub fn reached<'a>(&'a self, w: &World) -> impl Iterator<Item = usize> + 'a {
        let feet = w.player.y + self.half_h_sub;
        self.lines_sub
            .iter()
            .enumerate()
            .filter(move |&(_, &line)| feet <= line)
            .map(|(k, _)| k)
    }
}

/// Counts the measures of one trace, tick by tick.
#[derive(Debug, Clone)]
pub struct Coverage {
    width_px: usize,
    height_px: usize,
    tile_px: i32,
    cols: usize,
    rows: usize,
    positions: Vec<u64>,
    tiles: Vec<u64>,
    /// Unique positions so far.
    pub unique_positions: u32,
    /// Unique tiles so far.
    pub unique_tiles: u32,
    /// Ticks recorded.
    pub ticks: u32,
    /// Ticks whose action was not `noop`.
    pub active_ticks: u32,
    /// The level's height tiers.
    tiers: TierLines,
    /// The highest tier index the feet have reached (at or above its line; 0 = the first), if
    /// any: the analysis' `max_tier` of a whole trace, here per episode.
    pub max_tier: Option<u32>,
}

fn set(bits: &mut [u64], i: usize) -> bool {
    let (w, b) = (i / 64, 1u64 << (i % 64));
    let new = bits[w] & b == 0;
    bits[w] |= b;
    new
}

impl Coverage {
    /// Empty counts for traces on `level`.
    pub fn new(level: &Level) -> Coverage {
        let (w, h) = (level.width_px() as usize, level.height_px() as usize);
        Coverage {
            width_px: w,
            height_px: h,
            tile_px: level.header.tile_px as i32,
            cols: level.width,
            rows: level.height,
            positions: vec![0; (w * h).div_ceil(64)],
            tiles: vec![0; (level.width * level.height).div_ceil(64)],
            unique_positions: 0,
            unique_tiles: 0,
            ticks: 0,
            active_ticks: 0,
            tiers: TierLines::new(level),
            max_tier: None,
        }
    }

    /// Forgets everything (a new episode).
    pub fn clear(&mut self) {
        self.positions.fill(0);
        self.tiles.fill(0);
        self.unique_positions = 0;
        self.unique_tiles = 0;
        self.ticks = 0;
        self.active_ticks = 0;
        self.max_tier = None;
    }

    /// Records the state `w` reached by `action`.
    #[inline]
    pub fn record(&mut self, w: &World, action: Action) {
        self.ticks += 1;
        self.active_ticks += (action != Action::NOOP) as u32;
        let above = self.max_tier.map_or(0, |t| t as usize + 1);
        if let Some(k) = self.tiers.reached(w).filter(|&k| k >= above).max() {
            self.max_tier = Some(k as u32);
        }
        let (x, y) = (w.player.x.div_euclid(SUB), w.player.y.div_euclid(SUB));
        if x < 0 || y < 0 || x as usize >= self.width_px || y as usize >= self.height_px {
            return;
        }
        if set(&mut self.positions, y as usize * self.width_px + x as usize) {
            self.unique_positions += 1;
        }
        let (col, row) = ((x / self.tile_px) as usize, (y / self.tile_px) as usize);
        if col < self.cols && row < self.rows && set(&mut self.tiles, row * self.cols + col) {
            self.unique_tiles += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Rules, parse_level, step};

    #[test]
    fn a_walk_counts_each_pixel_once_and_noop_is_not_active() {
        let text =
            "+++\nname = \"t\"\ntile_px = 15\ntick_hz = 30\n+++\n#####\n#...#\n#P.Q#\n#####\n";
        let level = parse_level(text, "t.level").unwrap();
        let rules = Rules::agent();
        let mut w = World::new(&level);
        let mut c = Coverage::new(&level);
        let right: Action = "right".parse().unwrap();
        step(&level, &rules, &mut w, right);
        c.record(&w, right);
        step(&level, &rules, &mut w, Action::NOOP);
        c.record(&w, Action::NOOP);
        assert_eq!((c.ticks, c.active_ticks), (2, 1));
        assert_eq!(c.unique_positions, 1, "standing still adds no position");
        assert_eq!(c.unique_tiles, 1);
        assert_eq!(c.max_tier, None, "a level without tiers");
        c.clear();
        assert_eq!(c.unique_positions, 0);
        assert_eq!(time_s(45, 30), 1.5);
    }

    #[test]
    fn the_highest_tier_is_the_highest_line_the_feet_reached() {
        // Tiers at the floor's top (y 45) and one row up (y 30); the player stands on y 45.
        let text = "+++\nname = \"t\"\ntile_px = 15\ntick_hz = 30\ntiers_y_px = [45, 30, 0]\n+++\n#####\n#...#\n#P.Q#\n#####\n";
        let level = parse_level(text, "t.level").unwrap();
        let rules = Rules::agent();
        let mut w = World::new(&level);
        let mut c = Coverage::new(&level);
        c.record(&w, Action::NOOP);
        assert_eq!(c.max_tier, Some(0), "standing on the first tier");
        let jump: Action = "jump".parse().unwrap();
        step(&level, &rules, &mut w, jump);
        for _ in 0..3 {
            step(&level, &rules, &mut w, Action::NOOP);
        }
        c.record(&w, Action::NOOP);
        assert_eq!(c.max_tier, Some(1), "a jump lifts the feet above y 30");
        for _ in 0..20 {
            step(&level, &rules, &mut w, Action::NOOP);
            c.record(&w, Action::NOOP);
        }
        assert_eq!(c.max_tier, Some(1), "landing again keeps the highest");
        c.clear();
        assert_eq!(c.max_tier, None);
    }
}
