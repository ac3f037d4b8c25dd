//! Semantics: what an appearance suggests (deadly, goal, climbable, solid, neutral), read from the
//! committed table `priors.toml` (written from everyday knowledge and platformer conventions
//! before any run, never fitted to evaluated outcomes). This module recognises the semantic cues
//! of an object's pixels (flame, person, creature, coin) and turns a set of cues into a prior.
//!
//! Lesion (`Lesion::semantics`): no semantic cue is read and a thing without an affordance cue
//! starts from the uniform belief instead of the table's `unmarked` row.

use crate::geom::hsv;
use crate::kind::Belief;
use crate::perception::objects::Object;
use serde::Deserialize;

/// The committed table.
pub const TABLE_TOML: &str = include_str!("../../priors.toml");

/// A cue the perception can recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cue {
    /// Fire colours.
    Flame,
    /// A person.
    Person,
    /// A creature with eyes.
    Creature,
    /// A gold coin-like thing.
    Coin,
    /// Rungs (affordance).
    Rungs,
    /// A floor-like top edge (affordance).
    Floor,
}

impl Cue {
    /// Every cue.
    pub const ALL: [Cue; 6] = [
        Cue::Flame,
        Cue::Person,
        Cue::Creature,
        Cue::Coin,
        Cue::Rungs,
        Cue::Floor,
    ];

    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Cue::Flame => "flame",
            Cue::Person => "person",
            Cue::Creature => "creature",
            Cue::Coin => "coin",
            Cue::Rungs => "rungs",
            Cue::Floor => "floor",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueRow {
    /// Cue name.
    pub name: String,
    /// `semantics` or `affordances`.
    pub module: String,
    /// What the detector looks for.
    pub looks_like: String,
    /// Why a person would believe the prior.
    pub reason: String,
    /// The prior.
    pub prior: Belief,
}

/// The `unmarked` row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unmarked {
    /// Why.
    pub reason: String,
    /// The prior of a thing with no cue.
    pub prior: Belief,
}

/// The whole table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorTable {
    /// The prior of a thing with no cue.
    pub unmarked: Unmarked,
    /// The cues.
    pub cue: Vec<CueRow>,
}

/// A table that does not parse or lacks a cue.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// Not valid TOML of the expected shape.
    #[error("priors.toml: {0}")]
    Parse(#[from] toml::de::Error),
    /// A cue the detectors know has no row.
    #[error("priors.toml has no row for cue {0:?}")]
    Missing(&'static str),
}

impl PriorTable {
    /// Parses a table and checks that every cue has a row.
    pub fn parse(text: &str) -> Result<PriorTable, TableError> {
        let t: PriorTable = toml::from_str(text)?;
        for c in Cue::ALL {
            if !t.cue.iter().any(|r| r.name == c.name()) {
                return Err(TableError::Missing(c.name()));
            }
        }
        Ok(t)
    }

    /// The committed table.
    pub fn committed() -> PriorTable {
        PriorTable::parse(TABLE_TOML).expect("the committed priors.toml is checked by a test")
    }

    /// The prior of a cue.
    pub fn prior(&self, c: Cue) -> Belief {
        self.cue
            .iter()
            .find(|r| r.name == c.name())
            .map(|r| Belief::from_array(r.prior.to_array()))
            .unwrap_or_else(Belief::uniform)
    }
}

/// The semantic cues of an object (`cell_px`: the grid's cell side).
pub fn cues(o: &Object, cell_px: i32) -> Vec<Cue> {
    let n = o.pixels.len().max(1) as f32;
    let share = |f: &dyn Fn(f32, f32, f32) -> bool| {
        o.pixels
            .iter()
            .filter(|p| {
                let (h, s, v) = hsv(**p);
                f(h, s, v)
            })
            .count() as f32
            / n
    };
    let reds = share(&|h, s, v| !(35.0..=345.0).contains(&h) && s > 0.55 && v > 0.6);
    let yellows = share(&|h, s, v| (35.0..=65.0).contains(&h) && s > 0.55 && v > 0.6);
    let skin = share(&|h, s, v| (10.0..=40.0).contains(&h) && (0.15..=0.6).contains(&s) && v > 0.7);
    let dark = share(&|_, _, v| v < 0.2);
    // The saturated hues present (12 bins of 30 degrees), counting bins with 5 % of the pixels.
    let mut bins = [0u32; 12];
    for p in &o.pixels {
        let (h, s, v) = hsv(*p);
        if s > 0.3 && v > 0.3 {
            bins[(h / 30.0) as usize % 12] += 1;
        }
    }
    let hues = bins.iter().filter(|b| **b as f32 >= 0.05 * n).count();
    let dominant = *bins.iter().max().unwrap_or(&0) as f32 / n;
    let (w, h) = (o.bbox.w(), o.bbox.h());
    let area = (o.cells.len() as i32 * cell_px * cell_px).max(1) as f32;
    let fill = n / area;
    let small = w <= cell_px + cell_px / 4 && h <= cell_px + cell_px / 4;
    let mut out = Vec::new();
    if reds + yellows >= 0.5 && reds >= 0.2 && yellows >= 0.1 {
        out.push(Cue::Flame);
    } else if h * 4 >= w * 5 && h > cell_px && skin >= 0.04 && hues >= 3 {
        out.push(Cue::Person);
    } else if small && fill < 0.9 && dominant >= 0.5 && dark >= 0.02 {
        out.push(Cue::Creature);
    } else if small && yellows >= 0.5 {
        out.push(Cue::Coin);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::PxBox;

    fn object(w: i32, h: i32, cells: usize, colour: impl Fn(i32, i32) -> [u8; 3]) -> Object {
        let mut pixels = Vec::new();
        for y in 0..h {
            for x in 0..w {
                pixels.push(colour(x, y));
            }
        }
        Object {
            id: 0,
            cells: vec![(0, 0); cells],
            bbox: PxBox {
                x0: 0,
                y0: 0,
                x1: w,
                y1: h,
            },
            hist: Vec::new(),
            pixels,
            mosaic: false,
            runs: [false; 2],
            runs_read: false,
        }
    }

    #[test]
    fn the_committed_table_has_a_row_per_cue_and_a_reason_for_each() {
        let t = PriorTable::committed();
        for r in &t.cue {
            assert!(!r.reason.is_empty() && !r.looks_like.is_empty());
        }
        assert!(
            PriorTable::parse(&TABLE_TOML.replace("name = \"coin\"", "name = \"gold\"")).is_err()
        );
        assert!(t.prior(Cue::Flame).deadly > 0.5);
    }

    #[test]
    fn fire_a_person_and_a_creature_are_told_apart() {
        let fire = object(15, 10, 1, |x, _| {
            if x % 2 == 0 {
                [250, 80, 0]
            } else {
                [250, 220, 30]
            }
        });
        assert_eq!(cues(&fire, 15), vec![Cue::Flame]);
        // 18 x 25: crown, skin, hair, dress.
        let person = object(18, 25, 4, |_, y| match y {
            0..=2 => [240, 200, 20],
            3..=8 => [240, 190, 150],
            9..=10 => [120, 70, 30],
            _ => [230, 90, 160],
        });
        assert_eq!(cues(&person, 15), vec![Cue::Person]);
        let slime = object(13, 11, 1, |x, y| {
            if (4..=5).contains(&y) && (x == 4 || x == 8) {
                [10, 10, 10]
            } else {
                [240, 100, 170]
            }
        });
        assert_eq!(cues(&slime, 15), vec![Cue::Creature]);
        let block = object(15, 15, 1, |_, _| [240, 100, 170]);
        assert!(cues(&block, 15).is_empty());
        // The same blob without eyes is no creature.
        let blank = object(13, 11, 1, |_, _| [240, 100, 170]);
        assert!(cues(&blank, 15).is_empty());
    }
}
