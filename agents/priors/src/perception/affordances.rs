//! Affordance cues: what a surface invites the body to do, read from the shape of the pixels in
//! an object's cells, whatever their colours. Rungs (two or more filled rows with open rows
//! between, held by a filled rail column) invite climbing; a filled, textured surface whose top
//! edge is filled all along invites standing. Their beliefs are rows of `priors.toml`.
//!
//! Lesion (`Lesion::affordances`): no cue is read; whether a thing holds the player up or can be
//! climbed is learned only by standing on it and climbing it (`learning/beliefs.rs`).

use crate::perception::objects::{Object, Scene};
use crate::perception::semantics::Cue;

/// Whether a cell reads as rungs only when its rungs are fewer rows than the gaps between them;
/// off only to show what it fixes.
const RUNGS_A_MINORITY: bool = true;

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
    let gaps = row_fill.iter().filter(|f| **f <= 0.4).count();
    let rails = col_fill.iter().filter(|f| **f >= 0.8).count();
    // A ladder is mostly gaps between its rungs; a wall of bricks is mostly filled rows with thin
    // mortar lines between them (masked-similarity's floors, each of its own colours, read as
    // figures and so by their shape).
    let open = !RUNGS_A_MINORITY || gaps > rungs;
    rungs >= 2 && changes >= 4 && rails >= 1 && open
}

/// Whether one cell looks like a piece of floor (filled, top edge filled).
pub fn cell_is_floor_like(row_fill: &[f32]) -> bool {
    let n = row_fill.len().max(1) as f32;
    let fill: f32 = row_fill.iter().sum::<f32>() / n;
    row_fill.first().is_some_and(|t| *t >= 0.8) && fill >= 0.7
}

/// The affordance cues of an object: the cue that most of its cells show.
pub fn cues(o: &Object, scene: &Scene) -> Vec<Cue> {
    let (mut rungs, mut floor) = (0, 0);
    for &(c, r) in &o.cells {
        if let Some(cell) = scene.cell(c, r)
            && cell.shape_read
        {
            if cell_has_rungs(&cell.row_fill, &cell.col_fill) {
                rungs += 1;
            } else if cell_is_floor_like(&cell.row_fill) {
                floor += 1;
            }
        }
    }
    let n = o.cells.len();
    if rungs * 2 > n {
        vec![Cue::Rungs]
    } else if floor * 2 > n {
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

    #[test]
    fn a_texture_with_no_figure_in_front_gives_no_cue() {
        // A patchwork of 15-px tiles in eight recurring flat colours, a dark mortar line across
        // two tiles of three at y = 7 (the most common colour, well under a quarter of the
        // frame): no plain background, so no cell's shape is read against one. Read against the
        // mortar's colour as if it were free space, every tile would be a floor (top edge
        // filled, most rows filled).
        use crate::perception::{grid::Grid, objects::segment};
        use priors_agent_interface::Frame;
        let (cols, rows) = (12, 10);
        let mut f = Frame::new(15 * cols as u32, 15 * rows as u32);
        for r in 0..rows {
            for c in 0..cols {
                let i = ((r * cols + c) % 8) as u32;
                let flat = [53, 97, 151].map(|k| ((i * k) % 200 + 30) as u8);
                for y in 0..15 {
                    for x in 0..15 {
                        let mortar = (r * cols + c) % 3 != 0 && y == 7;
                        f.set_pixel(c * 15 + x, r * 15 + y, if mortar { [5, 5, 5] } else { flat });
                    }
                }
            }
        }
        let g = Grid {
            cell: 15,
            ox: 0,
            oy: 0,
            cols,
            rows,
        };
        let scene = segment(&f, g, true);
        assert!(!scene.objects.is_empty());
        let cued = scene
            .objects
            .iter()
            .filter(|o| !cues(o, &scene).is_empty())
            .count();
        assert_eq!(cued, 0, "of {} objects", scene.objects.len());
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
}
