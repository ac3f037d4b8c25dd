//! The believed map: for each grid cell, whether it is free space and, if not, the belief about
//! its object's type. The planner's predicates (solid, climbable, deadly risk, goal, uncertain)
//! are thresholds on those beliefs, so the plan changes the moment a belief does.

use crate::kind::{Belief, Kind};
use crate::perception::similarity::TypeId;

/// Beliefs at or above this count as known for exploration.
pub const SURE: f32 = 0.9;

/// What the agent believes about one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellInfo {
    /// Free space (nothing there).
    pub free: bool,
    /// The type of the object there.
    pub type_id: Option<TypeId>,
    /// Belief about that type.
    pub belief: Belief,
}

impl CellInfo {
    /// A free cell.
    pub const FREE: CellInfo = CellInfo {
        free: true,
        type_id: None,
        belief: Belief {
            deadly: 0.0,
            goal: 0.0,
            climbable: 0.0,
            solid: 0.0,
            neutral: 1.0,
        },
    };
}

/// The believed map of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// Columns.
    pub cols: i32,
    /// Rows.
    pub rows: i32,
    /// Cells, row-major.
    pub cells: Vec<CellInfo>,
}

impl Map {
    /// A map of free cells.
    pub fn empty(cols: i32, rows: i32) -> Map {
        Map {
            cols,
            rows,
            cells: vec![CellInfo::FREE; (cols * rows).max(0) as usize],
        }
    }

    /// Marks the cells the body was seen to fall freely through as holding no ladder, whatever
    /// their type is believed to be: their P(climbable) goes to the other kinds (neutral if it
    /// was all). A thing that looks like the ladders (shares their type, or is one object with
    /// one) but let the body fall is not climbed from or towards there.
    pub fn mark_no_ladder(&mut self, cells: &std::collections::BTreeSet<(i32, i32)>) {
        for &(c, r) in cells {
            if !(0..self.cols).contains(&c) || !(0..self.rows).contains(&r) {
                continue;
            }
            let x = &mut self.cells[(r * self.cols + c) as usize];
            if x.free || x.belief.climbable <= 0.0 {
                continue;
            }
            let mut a = x.belief.to_array();
            a[Kind::Climbable as usize] = 0.0;
            if a.iter().sum::<f32>() <= 0.0 {
                a[Kind::Neutral as usize] = 1.0;
            }
            x.belief = Belief::from_array(a);
        }
    }

    /// Parses a picture, one char per cell: `.` free, `#` solid, `H` climbable, `F` deadly, `G`
    /// goal, `?` an unknown thing (uniform belief); each letter its own type. For tests.
    pub fn from_ascii(s: &str) -> Map {
        let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let (rows, cols) = (lines.len() as i32, lines[0].len() as i32);
        let mut m = Map::empty(cols, rows);
        for (r, l) in lines.iter().enumerate() {
            for (c, ch) in l.chars().enumerate() {
                let sure = |k: Kind| {
                    let mut a = [0.0; 5];
                    a[k as usize] = 1.0;
                    Belief::from_array(a)
                };
                let (t, b) = match ch {
                    '#' => (0, sure(Kind::Solid)),
                    'H' => (1, sure(Kind::Climbable)),
                    'F' => (2, sure(Kind::Deadly)),
                    'G' => (3, sure(Kind::Goal)),
                    '?' => (4, Belief::uniform()),
                    _ => continue,
                };
                m.cells[r * cols as usize + c] = CellInfo {
                    free: false,
                    type_id: Some(t),
                    belief: b,
                };
            }
        }
        m
    }

    /// The cell at `(c, r)`; `None` outside the grid.
    pub fn at(&self, c: i32, r: i32) -> Option<&CellInfo> {
        (c >= 0 && r >= 0 && c < self.cols && r < self.rows)
            .then(|| &self.cells[(r * self.cols + c) as usize])
    }

    /// Believed solid (the frame's left and right edges count as walls).
    pub fn solid(&self, c: i32, r: i32) -> bool {
        if c < 0 || c >= self.cols {
            return true;
        }
        self.at(c, r)
            .is_some_and(|x| !x.free && x.belief.solid >= 0.5)
    }

    /// Believed climbable.
    pub fn climbable(&self, c: i32, r: i32) -> bool {
        self.at(c, r)
            .is_some_and(|x| !x.free && x.belief.climbable >= 0.5)
    }

    /// P(deadly) of the cell (0 for free space and outside).
    pub fn risk(&self, c: i32, r: i32) -> f32 {
        self.at(c, r)
            .map_or(0.0, |x| if x.free { 0.0 } else { x.belief.deadly })
    }

    /// Free, or a thing believed more likely passable (neutral or climbable) than not.
    pub fn passable(&self, c: i32, r: i32) -> bool {
        self.at(c, r)
            .is_none_or(|x| x.free || x.belief.neutral + x.belief.climbable >= 0.5)
    }

    /// Believed the goal.
    pub fn goal(&self, c: i32, r: i32) -> bool {
        self.at(c, r)
            .is_some_and(|x| !x.free && x.belief.goal >= 0.5)
    }

    /// A thing whose type is not yet known well enough.
    pub fn uncertain(&self, c: i32, r: i32) -> bool {
        self.at(c, r)
            .is_some_and(|x| !x.free && !x.belief.is_sure(SURE))
    }

    /// Whether the self can rest with its feet in `(c, r)`: not solid, and held up by something
    /// solid below, by something climbable there, or standing on the top of something
    /// climbable (a ladder's top rung is a step).
    pub fn node(&self, c: i32, r: i32) -> bool {
        self.at(c, r).is_some()
            && !self.solid(c, r)
            && (self.solid(c, r + 1) || self.climbable(c, r) || self.climbable(c, r + 1))
    }

    /// The first and last column of the run of climbable cells in row `r` that holds column
    /// `c` (a two-wide ladder is climbed with the body's box over both of its columns).
    pub fn climb_run(&self, c: i32, r: i32) -> (i32, i32) {
        let (mut a, mut b) = (c, c);
        while self.climbable(a - 1, r) {
            a -= 1;
        }
        while self.climbable(b + 1, r) {
            b += 1;
        }
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_stand_on_solid_or_hang_on_climbable() {
        let m = Map::from_ascii(
            "....
             .H..
             .H.F
             ####",
        );
        assert!(m.node(0, 2) && m.node(1, 1) && !m.node(2, 1) && !m.node(0, 3));
        // On top of the ladder.
        assert!(m.node(1, 0) && !m.node(2, 0));
        let two = Map::from_ascii("HH..");
        assert_eq!(two.climb_run(1, 0), (0, 1));
        assert_eq!(two.climb_run(0, 0), (0, 1));
        assert!(m.solid(-1, 0) && m.risk(3, 2) == 1.0 && !m.uncertain(3, 2));
    }

    #[test]
    fn a_place_fallen_through_holds_no_ladder_though_its_type_is_one() {
        // Two cells of one type, believed a ladder for sure; the body fell through the one at
        // (3, 1) (and past free (2, 1); (9, 9) is off the map).
        let mut m = Map::from_ascii(
            "....
             .H.H
             ####",
        );
        assert!(m.climbable(3, 1));
        let fell: std::collections::BTreeSet<(i32, i32)> = [(3, 1), (2, 1), (9, 9)].into();
        m.mark_no_ladder(&fell);
        assert!(!m.climbable(3, 1) && m.climbable(1, 1));
        assert_eq!(m.at(3, 1).unwrap().belief.likeliest(), Kind::Neutral);
        assert!(m.at(2, 1).unwrap().free);
    }
}
