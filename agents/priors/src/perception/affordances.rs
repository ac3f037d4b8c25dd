//! Affordance cues: what a surface invites the body to do, read from the shape of the pixels in
//! an object's cells, whatever their colours. Rungs (two or more filled rows with open rows
//! between, held by a filled rail column) invite climbing; a filled, textured surface whose top
//! edge is filled all along invites standing. Their beliefs are rows of `priors.toml`.
//!
//! Lesion (`Lesion::affordances`): no cue is read; whether a thing holds the player up or can be
//! climbed is learned only by standing on it and climbing it (`learning/beliefs.rs`).

use crate::perception::objects::{Cell, Object, Scene};
use crate::perception::semantics::Cue;

/// Whether one cell looks like a piece of ladder.
pub fn cell_has_rungs(row_fill: &[f32], col_fill: &[f32]) -> bool {
    // Rows read as rung (filled), gap (open) or neither; a ladder alternates at least twice
    // from rung to gap and back (a blob or a flame is filled in one run).
    let mut states = row_fill.iter().filter_map(|f| match *f {
        f if f >= 0.6 => Some(true),
        f if f <= 0.4 => Some(false),
        _ => None,
    });
    let mut changes = 0;
    if let Some(mut last) = states.next() {
        for s in states {
            if s != last {
                changes += 1;
                last = s;
            }
        }
    }
    let rungs = row_fill.iter().filter(|f| **f >= 0.6).count();
    let rails = col_fill.iter().filter(|f| **f >= 0.8).count();
    rungs >= 2 && changes >= 4 && rails >= 1
}

/// Whether one cell of a textured scene is drawn as a piece of ladder, from its pixels' colours
/// (`px`: rows of the cell, top to bottom). On a textured scene no colour is the open space
/// between rungs (a ladder is drawn on its own dark backing, and every cell's top edge is
/// "filled"), so filled-and-open rows do not tell rungs (keydoor / masked-affordances: its
/// brick floors, whose mortar lines are open rows in the dominant colour, read as rungs, and its
/// ladders, rails and rungs on a backing of another colour, read as floors). What a ladder is,
/// whatever its colours: rungs repeat down it, so its rows repeat with a short period (at least
/// two periods in the cell: 2 to half the cell's rows), not all alike; and its rails and the
/// spaces between them run down it unbroken, so some pixel column is one colour from top to
/// bottom. Brick courses repeat too, but their mortar lines cross every column; stripes repeat
/// but no column of them is one colour.
pub fn drawn_rungs(px: &[Vec<[u8; 3]>]) -> bool {
    use crate::geom::colour_dist;
    let n = px.len();
    let same = |a: [u8; 3], b: [u8; 3]| colour_dist(a, b) <= 12;
    let rows_alike = |a: &[[u8; 3]], b: &[[u8; 3]]| a.iter().zip(b).all(|(p, q)| same(*p, *q));
    if n < 4 || px.iter().all(|row| rows_alike(row, &px[0])) {
        return false;
    }
    let periodic = (2..=n / 2).any(|p| (0..n - p).all(|y| rows_alike(&px[y], &px[y + p])));
    let unbroken_column = (0..px[0].len()).any(|x| px.iter().all(|row| same(row[x], px[0][x])));
    periodic && unbroken_column
}

/// Whether a cell of the scene looks like a piece of ladder: drawn so on a textured scene,
/// filled so on a plain one.
pub fn reads_rungs(cell: &Cell) -> bool {
    cell.drawn_rungs
        .unwrap_or_else(|| cell_has_rungs(&cell.row_fill, &cell.col_fill))
}

/// Whether one cell looks like a piece of floor (filled, top edge filled).
pub fn cell_is_floor_like(row_fill: &[f32]) -> bool {
    let n = row_fill.len().max(1) as f32;
    let fill: f32 = row_fill.iter().sum::<f32>() / n;
    row_fill.first().is_some_and(|t| *t >= 0.8) && fill >= 0.7
}

/// Whether, on a textured scene, the floor cue needs a texture that runs on sideways
/// (`Object::runs`); off only to show what it fixes. keydoor / masked-affordances seed 1 (traced
/// with 527d400f, not a blind test): free-space patches that run on into one neighbour by chance
/// (so not patchwork tiles) kept the floor cue every filled cell of a textured scene shows
/// (solid 0.85); never touched (no test touches a ceiling), one over the gap between the ledge
/// and the floor of tier 4 barred every jump across it, and the tiers above were never reached.
pub const FLOORS_RUN_ON: bool = true;

/// The affordance cues of an object: the cue that most of its cells show.
pub fn cues(o: &Object, scene: &Scene) -> Vec<Cue> {
    let (mut rungs, mut floor) = (0, 0);
    for &(c, r) in &o.cells {
        if let Some(cell) = scene.cell(c, r) {
            if reads_rungs(cell) {
                rungs += 1;
            } else if cell_is_floor_like(&cell.row_fill) {
                floor += 1;
            }
        }
    }
    let n = o.cells.len();
    // On a textured scene a floor is a surface whose texture runs on sideways (a patch that runs
    // on only into the patch above or below it is no walkway, whatever its top edge).
    let walkway = !(FLOORS_RUN_ON && o.runs_read && !o.runs[0]);
    if rungs * 2 > n {
        vec![Cue::Rungs]
    } else if floor * 2 > n && walkway {
        vec![Cue::Floor]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder_cell() -> (Vec<f32>, Vec<f32>) {
        // 15 px: rails at columns 1 and 13, rungs every 4th row.
        let rows: Vec<f32> = (0..15)
            .map(|y| if y % 4 == 1 { 1.0 } else { 2.0 / 15.0 })
            .collect();
        let cols: Vec<f32> = (0..15)
            .map(|x| if x == 1 || x == 13 { 1.0 } else { 4.0 / 15.0 })
            .collect();
        (rows, cols)
    }

    /// A ladder cell as keydoor / masked-affordances draws one (measured on its first frame):
    /// a dark backing (a), a rail four pixels wide (b) and rungs every fourth row (c) that cross
    /// the backing but not the rail.
    fn drawn_ladder_cell() -> Vec<Vec<[u8; 3]>> {
        let (a, b, c) = ([35, 24, 16], [106, 74, 48], [165, 165, 182]);
        (0..15)
            .map(|y| {
                (0..15)
                    .map(|x| match ((5..9).contains(&x), y % 4 == 3) {
                        (true, _) => b,
                        (false, true) => c,
                        (false, false) => a,
                    })
                    .collect()
            })
            .collect()
    }

    /// A brick cell as keydoor / masked-affordances draws its floors: courses five rows high,
    /// a mortar line (m) on the second row of each, joints 14 px apart staggered by half a brick.
    fn brick_cell(x0: i32) -> Vec<Vec<[u8; 3]>> {
        let (m, k) = ([37, 37, 43], [120, 120, 130]);
        (0..15)
            .map(|y| {
                (0..15)
                    .map(|x| {
                        let joint = (x0 + x + if (y / 5) % 2 == 0 { 0 } else { 7 }) % 14 == 0;
                        if y % 5 == 1 || joint { m } else { k }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rungs_are_read_from_the_colours_of_a_textured_cell() {
        assert!(drawn_rungs(&drawn_ladder_cell()));
        // Brick courses repeat, but their mortar lines cross every column.
        assert!(!drawn_rungs(&brick_cell(0)) && !drawn_rungs(&brick_cell(9)));
        // Diagonal stripes repeat, but no column is one colour.
        let stripes: Vec<Vec<[u8; 3]>> = (0..15)
            .map(|y| {
                (0..15)
                    .map(|x| {
                        if (x + y) % 5 < 2 {
                            [200, 40, 90]
                        } else {
                            [40, 190, 220]
                        }
                    })
                    .collect()
            })
            .collect();
        assert!(!drawn_rungs(&stripes));
        // A flat patch, and a patch crossed once by a line, do not repeat.
        assert!(!drawn_rungs(&vec![vec![[90, 90, 90]; 15]; 15]));
        let mut crossed = vec![vec![[90, 90, 90]; 15]; 15];
        crossed[7] = vec![[5, 5, 5]; 15];
        assert!(!drawn_rungs(&crossed));
    }

    #[test]
    fn on_a_textured_scene_ladders_and_brick_floors_are_told_by_their_colours() {
        use crate::perception::grid::Grid;
        use crate::perception::objects::{TEXTURED_RUNGS, segment};
        use priors_agent_interface::Frame;
        // A patchwork of flat patches, each crossed by mortar lines (whose colour is the
        // scene's most common, under a quarter of it: the scene is textured), a brick floor
        // along row 8 and a ladder in column 5, rows 4 to 7.
        let g = Grid {
            cell: 15,
            ox: 0,
            oy: 0,
            cols: 12,
            rows: 10,
        };
        let mut f = Frame::new(180, 150);
        for r in 0..10 {
            for c in 0..12 {
                let i = (r * 12 + c) as u32;
                let flat = [53, 97, 151].map(|k| ((i * k) % 150 + 60) as u8);
                let cell = match (c, r) {
                    (_, 8) => brick_cell(c * 15),
                    (5, 4..=7) => drawn_ladder_cell(),
                    _ => (0..15)
                        .map(|y| {
                            (0..15)
                                .map(|x| if x == 5 || y == 7 { [37, 37, 43] } else { flat })
                                .collect()
                        })
                        .collect(),
                };
                for (y, row) in cell.iter().enumerate() {
                    for (x, p) in row.iter().enumerate() {
                        f.set_pixel(c * 15 + x as i32, r * 15 + y as i32, *p);
                    }
                }
            }
        }
        let s = segment(&f, g, true);
        let cue_at = |c, r| cues(&s.objects[s.object_at(c, r).expect("a thing")], &s);
        let (ladder, floor) = (cue_at(5, 5), cue_at(3, 8));
        let on = TEXTURED_RUNGS;
        assert_eq!(ladder, vec![Cue::Rungs], "TEXTURED_RUNGS {on}");
        assert_eq!(floor, vec![Cue::Floor], "TEXTURED_RUNGS {on}");
    }

    #[test]
    fn rungs_are_climbable_and_a_filled_top_edge_is_a_floor() {
        let (rows, cols) = ladder_cell();
        assert!(cell_has_rungs(&rows, &cols));
        assert!(!cell_is_floor_like(&rows));
        // A blob: open, then filled in one run, then open; a rail-like middle column.
        let blob: Vec<f32> = (0..15)
            .map(|y| if (3..12).contains(&y) { 0.8 } else { 0.1 })
            .collect();
        assert!(!cell_has_rungs(&blob, &cols));
        let brick = vec![1.0; 15];
        assert!(cell_is_floor_like(&brick) && !cell_has_rungs(&brick, &brick));
        // A plain block also has a filled top edge: affordances do not need semantics.
        let mut hollow = vec![0.1; 15];
        hollow[0] = 1.0;
        assert!(!cell_is_floor_like(&hollow));
    }

    #[test]
    fn on_a_textured_scene_a_floor_is_a_texture_that_runs_on_sideways() {
        use crate::perception::grid::Grid;
        use crate::perception::objects::tests::one_cell_object;
        use crate::perception::objects::{Cell, HIST_LEN};
        // One filled cell whose top edge is filled (a floor's look), on a textured scene.
        let cell = Cell {
            c: 0,
            r: 0,
            hist: vec![0.0; HIST_LEN],
            free_share: 0.0,
            empty: false,
            row_fill: vec![1.0; 15],
            col_fill: vec![1.0; 15],
            drawn_rungs: Some(false),
        };
        let object = |runs: [bool; 2], runs_read: bool| {
            one_cell_object(vec![0.0; HIST_LEN], runs, runs_read)
        };
        let scene = |o: Object| Scene {
            grid: Grid {
                cell: 15,
                ox: 0,
                oy: 0,
                cols: 1,
                rows: 1,
            },
            free_colour: [0; 3],
            cells: vec![cell.clone()],
            objects: vec![o],
            cell_object: vec![Some(0)],
        };
        let cues_of = |runs, read| {
            let s = scene(object(runs, read));
            cues(&s.objects[0], &s)
        };
        // keydoor / masked-affordances: a free-space patch that runs on only into the patch
        // below it is no walkway; a floor's bricks run on sideways.
        assert!(cues_of([false, true], true).is_empty());
        assert_eq!(cues_of([true, false], true), vec![Cue::Floor]);
        // Where how the texture runs was not read (a plain scene, a figure): the look alone.
        assert_eq!(cues_of([false, false], false), vec![Cue::Floor]);
    }
}
