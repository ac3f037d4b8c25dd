//! Objectness, part 1: finding the tile grid. Level art in these games is laid out on a regular
//! grid, so the borders between free space and things pile up at one offset in x and in y. The period is the
//! side of the self's body (a prior: platformer tiles are sized to the character); the offset is
//! the one where the edge mass stands furthest above the other offsets (a z-score).
//!
//! What it deliberately does not do: read the level (the grid comes from pixels only), or assume
//! 15 px tiles. When objectness is lesioned the grid is still found (it is the agent's unit of
//! space for planning); what the lesion removes is the grouping into objects (`objects.rs`).

use crate::geom::PxBox;
use priors_agent_interface::Frame;

/// Smallest cell side accepted, px.
pub const MIN_CELL_PX: u32 = 8;
/// Largest cell side accepted, px.
pub const MAX_CELL_PX: u32 = 40;
/// Two neighbouring pixels whose channels differ by more than this in sum make an edge.
const EDGE_THRESHOLD: u32 = 40;
/// Whether a textured scene (no plain background) is gridded by every colour edge rather than
/// by the borders of its most common colour; off only to show what it fixes.
pub(crate) const TEXTURED_ALL_EDGES: bool = true;

/// A tile grid in frame pixels: cell `(c, r)` covers `x in ox + c*cell .. ox + (c+1)*cell`
/// (a strip narrower than a cell before the first line is not part of the grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Cell side, px.
    pub cell: i32,
    /// Offset of the cell lines in x, `0..cell`.
    pub ox: i32,
    /// Offset in y.
    pub oy: i32,
    /// Columns (cells at least half inside the frame).
    pub cols: i32,
    /// Rows.
    pub rows: i32,
}

impl Grid {
    /// The cell containing pixel `(x, y)` (may be outside `0..cols`, `0..rows`).
    pub fn cell_of(&self, x: f32, y: f32) -> (i32, i32) {
        (
            ((x - self.ox as f32) / self.cell as f32).floor() as i32,
            ((y - self.oy as f32) / self.cell as f32).floor() as i32,
        )
    }
    /// Whether `(c, r)` is a cell of the grid.
    pub fn contains(&self, c: i32, r: i32) -> bool {
        c >= 0 && r >= 0 && c < self.cols && r < self.rows
    }
    /// Left pixel of column `c`.
    pub fn x0(&self, c: i32) -> i32 {
        self.ox + c * self.cell
    }
    /// Top pixel of row `r`.
    pub fn y0(&self, r: i32) -> i32 {
        self.oy + r * self.cell
    }
    /// Centre of column `c`, px.
    pub fn cx(&self, c: i32) -> f32 {
        self.x0(c) as f32 + self.cell as f32 / 2.0
    }
    /// The cells (row by row) holding some pixel of `b` (may be outside `0..cols`, `0..rows`).
    pub fn cells_covered(&self, b: PxBox) -> impl Iterator<Item = (i32, i32)> {
        let (c0, r0) = self.cell_of(b.x0 as f32, b.y0 as f32);
        let (c1, r1) = self.cell_of((b.x1 - 1) as f32, (b.y1 - 1) as f32);
        (r0..=r1).flat_map(move |r| (c0..=c1).map(move |c| (c, r)))
    }
}

/// Edge counts per column and per row. Only edges between free space (the frame's dominant
/// colour) and something else count when there are enough of them: those lie on tile borders,
/// while the edges inside tile art (brick mortar, rungs) do not; a frame with little free space
/// (textured conditions) falls back to every colour edge.
fn edge_profiles(f: &Frame) -> (Vec<u64>, Vec<u64>) {
    use crate::perception::objects::{dominant_colour, plain_background};
    let free = dominant_colour(f);
    let is_free = |c: [u8; 3]| crate::perception::objects::is_free(c, free);
    let (w, h) = (f.width as i32, f.height as i32);
    let profiles = |border_only: bool| {
        let mut ex = vec![0u64; w as usize + 1];
        let mut ey = vec![0u64; h as usize + 1];
        for y in 0..h {
            for x in 0..w {
                let c = f.pixel(x, y);
                for (n, e) in [
                    (f.pixel(x - 1, y), &mut ex[x as usize]),
                    (f.pixel(x, y - 1), &mut ey[y as usize]),
                ] {
                    let edge = if border_only {
                        is_free(c) != is_free(n)
                    } else {
                        crate::geom::colour_dist(c, n) > EDGE_THRESHOLD
                    };
                    *e += u64::from(edge);
                }
            }
        }
        // Pixels outside the frame are not edges.
        ex[0] = 0;
        ey[0] = 0;
        (ex, ey)
    };
    // A scene whose dominant colour covers little of it has no plain background: that colour
    // is one of a texture's (keydoor / masked-affordances: 5.7 %, a dark patch colour), and its
    // borders lie inside the texture's art, not on the tile lines (found at (12, 11) there).
    if TEXTURED_ALL_EDGES {
        let plain = f
            .rgb
            .chunks_exact(3)
            .filter(|p| is_free([p[0], p[1], p[2]]))
            .count();
        if !plain_background(plain, (w * h) as usize) {
            return profiles(false);
        }
    }
    let (bx, by) = profiles(true);
    let n: u64 = bx.iter().chain(&by).sum();
    if n >= (w + h) as u64 * 2 {
        (bx, by)
    } else {
        profiles(false)
    }
}

/// Best offset of `profile` at period `p` and its z-score: how many standard deviations the edge
/// mass at that offset stands above the mass at the other offsets.
fn best_offset(profile: &[u64], p: usize) -> (usize, f64) {
    let sums: Vec<f64> = (0..p)
        .map(|o| profile.iter().skip(o).step_by(p).sum::<u64>() as f64)
        .collect();
    let mut o = 0;
    for i in 1..p {
        if sums[i] > sums[o] {
            o = i;
        }
    }
    let rest: Vec<f64> = sums
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != o)
        .map(|(_, s)| *s)
        .collect();
    let mean = rest.iter().sum::<f64>() / rest.len().max(1) as f64;
    let var = rest.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / rest.len().max(1) as f64;
    (o, (sums[o] - mean) / (var.sqrt() + 1e-9))
}

/// Finds the tile grid of a frame whose cells are `cell` px (the side of the self's body: a
/// platformer's tiles are sized to its character): the offsets in x and y at which the edges
/// pile up. `None` when the frame has no edges or `cell` is outside
/// [`MIN_CELL_PX`]..=[`MAX_CELL_PX`].
///
/// Why the period is not searched as well: on the shipped frames a free search over periods
/// (by lift or by z-score, with or without preferring divisors) was fooled by sparse art
/// (princess/original scored 35 px or 30 px above 15 px), while the offset at the body's period
/// was right on every condition tried.
pub fn detect(f: &Frame, cell: i32) -> Option<Grid> {
    if !(MIN_CELL_PX as i32..=MAX_CELL_PX as i32).contains(&cell) {
        return None;
    }
    let (ex, ey) = edge_profiles(f);
    if ex.iter().chain(&ey).all(|e| *e == 0) {
        return None;
    }
    let p = cell;
    let (ox, _) = best_offset(&ex, p as usize);
    let (oy, _) = best_offset(&ey, p as usize);
    let (ox, oy) = (ox as i32 % p, oy as i32 % p);
    // Cells from the first full line on, the last one counted when at least half inside (a
    // leading partial strip is left out).
    let count = |len: i32, o: i32| (len - o + p / 2) / p;
    Some(Grid {
        cell: p,
        ox,
        oy,
        cols: count(f.width as i32, ox),
        rows: count(f.height as i32, oy),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `cols x rows` tiles of side `p` offset by `(ox, oy)`, each tile either
    /// background or a bordered brick, in a fixed pseudo-random layout.
    pub(crate) fn tiled(p: i32, ox: i32, oy: i32, cols: i32, rows: i32) -> Frame {
        let (w, h) = (ox + p * cols, oy + p * rows);
        let mut f = Frame::new(w as u32, h as u32);
        for r in 0..rows {
            for c in 0..cols {
                if (c * 7 + r * 3) % 5 < 2 {
                    for y in 0..p {
                        for x in 0..p {
                            let edge = x == 0 || y == 0;
                            let col = if edge { [60, 60, 70] } else { [130, 130, 140] };
                            f.set_pixel(ox + c * p + x, oy + r * p + y, col);
                        }
                    }
                }
            }
        }
        f
    }

    #[test]
    fn finds_period_and_offset_of_a_tiled_frame() {
        for (p, ox, oy) in [(15, 0, 0), (12, 5, 3), (20, 0, 7)] {
            let g = detect(&tiled(p, ox, oy, 12, 10), p).unwrap();
            assert_eq!((g.cell, g.ox, g.oy), (p, ox % p, oy % p), "period {p}");
            assert_eq!((g.cols, g.rows), (12, 10));
        }
    }

    #[test]
    fn inner_mortar_lines_do_not_shift_the_grid() {
        // Tiles of 15 px whose inner mortar line alternates between x = 5 and x = 10 (bricks in
        // running bond): the edge pattern repeats every 30 px.
        let mut f = tiled(15, 0, 0, 12, 10);
        for r in 0..10 {
            for c in 0..12 {
                if (c * 7 + r * 3) % 5 < 2 {
                    let x = c * 15 + if c % 2 == 0 { 5 } else { 10 };
                    for y in 1..15 {
                        f.set_pixel(x, r * 15 + y, [60, 60, 70]);
                    }
                }
            }
        }
        assert_eq!(detect(&f, 15).map(|g| (g.ox, g.oy)), Some((0, 0)));
    }

    /// A patchwork: every 15-px tile a flat colour of its own (no colour recurs much), and in
    /// two tiles of three a mortar line of one colour at x = 5 and y = 7 of the tile: that colour
    /// is the frame's most common (under a quarter of it), and its borders lie off the grid.
    fn patchwork() -> Frame {
        let mut f = Frame::new(15 * 12, 15 * 10);
        for r in 0..10 {
            for c in 0..12 {
                let i = (r * 12 + c) as u32;
                let flat = [53, 97, 151].map(|k| ((i * k) % 200 + 30) as u8);
                for y in 0..15 {
                    for x in 0..15 {
                        let mortar = (r * 12 + c) % 3 != 0 && (x == 5 || y == 7);
                        let col = if mortar { [5, 5, 5] } else { flat };
                        f.set_pixel(c * 15 + x, r * 15 + y, col);
                    }
                }
            }
        }
        f
    }

    #[test]
    fn a_textured_frame_is_gridded_by_every_edge() {
        let f = patchwork();
        let d = crate::perception::objects::dominant_colour(&f);
        assert_eq!(d, [5, 5, 5]);
        let g = detect(&f, 15).expect("a grid");
        assert_eq!(
            (g.ox, g.oy),
            (0, 0),
            "TEXTURED_ALL_EDGES {TEXTURED_ALL_EDGES}"
        );
    }

    #[test]
    fn an_empty_frame_has_no_grid() {
        assert_eq!(detect(&Frame::new(50, 50), 15), None);
        assert_eq!(detect(&tiled(15, 0, 0, 4, 4), 3), None);
    }
}
