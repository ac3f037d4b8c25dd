//! The view transform as per-axis maps, and blitting bitmaps through them.
//!
//! Every output image (the full frame or a downsampled observation) is described by a [`Grid`]:
//! for each output column the level-view coordinate it shows, the same for each output row, and
//! whether columns run along the level's y axis (quarter turns). A rotation by a multiple of 90
//! degrees followed by nearest-neighbour downsampling is exactly such a separable map, so one code
//! path serves the frame and every observation size, and an observation is bit-for-bit the
//! sample of the frame. Maps are monotonic, so the output pixels a level rectangle covers are one
//! contiguous range per axis, found by binary search. This module knows nothing about kinds or
//! themes.

use priors_core::condition::Rotation;
use std::ops::Range;

/// One output axis: the view coordinate shown at each output index (monotonic).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// View coordinate (px) per output index.
    pub map: Vec<i32>,
    /// Whether `map` increases (false: decreases) with the output index.
    pub increasing: bool,
}

impl Axis {
    /// Output indices whose view coordinate lies in `[a, b)`.
    #[inline]
    pub fn range(&self, a: i32, b: i32) -> Range<usize> {
        if self.increasing {
            self.map.partition_point(|&m| m < a)..self.map.partition_point(|&m| m < b)
        } else {
            self.map.partition_point(|&m| m >= b)..self.map.partition_point(|&m| m >= a)
        }
    }
}

/// How an output image samples the (unrotated, cropped) view.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    /// Output columns.
    pub cols: Axis,
    /// Output rows.
    pub rows: Axis,
    /// True when output columns run along the view's y axis (90 and 270 degrees).
    pub swapped: bool,
    /// Frame column sampled by each output column (identity for the frame itself).
    pub frame_x: Vec<u32>,
    /// Frame row sampled by each output row.
    pub frame_y: Vec<u32>,
}

/// Frame size (w, h) of a `view_w x view_h` view under `rot`.
pub(crate) fn frame_size(rot: Rotation, view_w: u32, view_h: u32) -> (u32, u32) {
    match rot {
        Rotation::R0 | Rotation::R180 => (view_w, view_h),
        Rotation::R90 | Rotation::R270 => (view_h, view_w),
    }
}

impl Grid {
    /// The grid of an output of `out_w x out_h` pixels sampling the rotated frame of a
    /// `view_w x view_h` view: output (x, y) shows frame pixel `(x * fw / out_w, y * fh / out_h)`.
    pub fn new(rot: Rotation, view_w: u32, view_h: u32, out_w: u32, out_h: u32) -> Grid {
        let (fw, fh) = frame_size(rot, view_w, view_h);
        let frame_x: Vec<u32> = (0..out_w as u64)
            .map(|x| (x * fw as u64 / out_w as u64) as u32)
            .collect();
        let frame_y: Vec<u32> = (0..out_h as u64)
            .map(|y| (y * fh as u64 / out_h as u64) as u32)
            .collect();
        let (vw, vh) = (view_w as i32, view_h as i32);
        // Clockwise quarter turn: view (vx, vy) lands at frame (vh - 1 - vy, vx), so frame column
        // fx shows view row vh - 1 - fx and frame row fy shows view column fy.
        let axis = |f: &[u32], flip: Option<i32>| Axis {
            map: f
                .iter()
                .map(|&v| flip.map_or(v as i32, |n| n - 1 - v as i32))
                .collect(),
            increasing: flip.is_none(),
        };
        let (cols, rows, swapped) = match rot {
            Rotation::R0 => (axis(&frame_x, None), axis(&frame_y, None), false),
            Rotation::R180 => (axis(&frame_x, Some(vw)), axis(&frame_y, Some(vh)), false),
            Rotation::R90 => (axis(&frame_x, Some(vh)), axis(&frame_y, None), true),
            Rotation::R270 => (axis(&frame_x, None), axis(&frame_y, Some(vw)), true),
        };
        Grid {
            cols,
            rows,
            swapped,
            frame_x,
            frame_y,
        }
    }

    /// The view intervals `[a, b)` that output columns and output rows of a `w x h` bitmap at
    /// view (x0, y0) run along (columns follow the view's y axis under quarter turns).
    #[inline]
    fn spans(&self, x0: i32, y0: i32, w: i32, h: i32) -> ((i32, i32), (i32, i32)) {
        if self.swapped {
            ((y0, y0 + h), (x0, x0 + w))
        } else {
            ((x0, x0 + w), (y0, y0 + h))
        }
    }

    /// The output columns and rows that show some pixel of a `w x h` bitmap whose top-left corner
    /// is at view (x0, y0): exactly the rectangle [`Grid::cover`] visits (clipped to the view;
    /// either range is empty when the bitmap is outside). Callers that redraw only what changed
    /// use it as the dirty rectangle.
    #[inline]
    pub fn span(&self, x0: i32, y0: i32, w: i32, h: i32) -> (Range<usize>, Range<usize>) {
        let (c, r) = self.spans(x0, y0, w, h);
        (self.cols.range(c.0, c.1), self.rows.range(r.0, r.1))
    }

    /// Calls `f(output_index, bitmap_index)` for every output pixel that shows a pixel of a
    /// `w x h` bitmap whose top-left corner is at view (x0, y0); output indices are row-major with
    /// `out_w` columns. Pixels outside the view are skipped.
    #[inline]
    pub fn cover(&self, x0: i32, y0: i32, w: i32, h: i32, mut f: impl FnMut(usize, usize)) {
        let out_w = self.cols.map.len();
        let (col_span, row_span) = self.spans(x0, y0, w, h);
        let cr = self.cols.range(col_span.0, col_span.1);
        let rr = self.rows.range(row_span.0, row_span.1);
        // Bitmap index = (vy - y0) * w + (vx - x0), split into a row part and a column part.
        let (col_stride, row_stride) = if self.swapped { (w, 1) } else { (1, w) };
        for oy in rr {
            let row_part = (self.rows.map[oy] - row_span.0) * row_stride;
            let base = oy * out_w;
            for ox in cr.clone() {
                let idx = row_part + (self.cols.map[ox] - col_span.0) * col_stride;
                f(base + ox, idx as usize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Full-size grids: which view pixel each frame pixel shows.
    fn shown(rot: Rotation, vw: u32, vh: u32) -> Vec<(i32, i32)> {
        let (fw, fh) = frame_size(rot, vw, vh);
        let g = Grid::new(rot, vw, vh, fw, fh);
        let mut out = vec![(-1, -1); (fw * fh) as usize];
        for vy in 0..vh as i32 {
            for vx in 0..vw as i32 {
                g.cover(vx, vy, 1, 1, |o, i| {
                    assert_eq!(i, 0);
                    out[o] = (vx, vy);
                });
            }
        }
        out
    }

    #[test]
    fn rotations_move_the_corners_as_expected() {
        // A 3x2 view; frame (0, 0) is the top-left of the picture as shown.
        let r0 = shown(Rotation::R0, 3, 2);
        assert_eq!(r0[0], (0, 0));
        let r90 = shown(Rotation::R90, 3, 2); // frame 2x3: the view's bottom-left is now top-left
        assert_eq!(r90[0], (0, 1));
        assert_eq!(r90[1], (0, 0));
        assert_eq!(r90[5], (2, 0));
        let r180 = shown(Rotation::R180, 3, 2);
        assert_eq!(r180[0], (2, 1));
        let r270 = shown(Rotation::R270, 3, 2);
        assert_eq!(r270[0], (2, 0));
        for v in [r0, r90, r180, r270] {
            assert!(
                v.iter().all(|&p| p != (-1, -1)),
                "every frame pixel shows some view pixel"
            );
        }
    }

    #[test]
    fn cover_clips_to_the_view() {
        let g = Grid::new(Rotation::R0, 4, 4, 4, 4);
        let mut n = 0;
        g.cover(-2, -2, 3, 3, |o, i| {
            assert_eq!((o, i), (0, 8));
            n += 1;
        });
        assert_eq!(n, 1);
        g.cover(10, 0, 3, 3, |_, _| panic!("outside"));
    }
}
