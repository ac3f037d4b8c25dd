//! [`AreaObserver`]: grey observations resized by area averaging, the way the paper's pipeline
//! resized frames (a smooth resize, not a sample), so fine textures blend instead of aliasing.
//!
//! Each output pixel is the exact mean of the grey frame over the rectangle of source pixels it
//! covers, fractional edges weighted by their overlap (integer weights, so the result is the same
//! on every machine).
//!
//! Why it is incremental: a frame is the renderer's static background plus a few small dynamic
//! bitmaps (key, live enemies, player; [`Renderer`]'s `dynamic`), so almost every output pixel
//! is the same on every step. The observer precomputes the grey background frame and its
//! observation once; [`AreaObserver::observe`] draws only the dynamic bitmaps onto a per-thread
//! copy of that grey frame, recomputes only the output pixels whose source rectangles meet a
//! bitmap's rectangle, and puts the background back. Sums are exact integers, so the order of
//! summation cannot change a byte: the result equals [`AreaObserver::observe_full`] (render the
//! whole frame, filter all of it), which stays as the reference for tests and benchmarks.
//!
//! What it does not do: keep any history between calls beyond that scratch frame (which always
//! holds a background again when a call returns), or know which sprites moved since the last
//! step (redrawing the few dynamic rectangles is cheaper than tracking them).

use crate::scene::TRANSPARENT;
use crate::{Image, Renderer, luma};
use priors_core::World;
use std::cell::RefCell;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// Produces `width x height` area-averaged grey observations from a [`Renderer`].
#[derive(Debug, Clone)]
pub struct AreaObserver {
    width: u32,
    height: u32,
    frame_w: u32,
    frame_h: u32,
    /// Per output column: (first source column, weights of consecutive source columns).
    wx: Vec<(u32, Vec<u32>)>,
    /// Per output row, likewise.
    wy: Vec<(u32, Vec<u32>)>,
    /// The renderer's static background as grey, frame-sized (`frame_w * frame_h`).
    grey_background: Vec<u8>,
    /// The observation of the background alone (`width * height`).
    background: Vec<u8>,
    /// Which background the per-thread scratch frame holds: unique per constructed observer
    /// (clones share it, and share the background), never 0.
    id: u64,
}

/// Overlap weights of `n` output cells over `src` source cells, in units of 1/`n` source pixel:
/// output cell i covers [i * src, (i + 1) * src), source cell s covers [s * n, (s + 1) * n).
fn weights(src: u32, n: u32) -> Vec<(u32, Vec<u32>)> {
    (0..n)
        .map(|i| {
            let (a, b) = (i as u64 * src as u64, (i as u64 + 1) * src as u64);
            let (s0, s1) = (a / n as u64, (b - 1) / n as u64);
            let w = (s0..=s1)
                .map(|s| {
                    let (c, d) = (s * n as u64, (s + 1) * n as u64);
                    (b.min(d) - a.max(c)) as u32
                })
                .collect();
            (s0 as u32, w)
        })
        .collect()
}

/// The output cells (of one axis) whose source span meets source cells `[a, b)`. Each cell's
/// span is `s0 ..= s0 + len - 1` with every weight positive, and both ends grow with the cell
/// index, so the answer is one contiguous range found by two binary searches.
fn outputs_touching(ws: &[(u32, Vec<u32>)], a: usize, b: usize) -> Range<usize> {
    let start = ws.partition_point(|(s0, w)| (*s0 as usize + w.len()) <= a);
    let end = ws.partition_point(|(s0, _)| (*s0 as usize) < b);
    start..end.max(start)
}

/// Source of observer ids; 0 means "no background" in [`Scratch::holds`].
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Per-thread working memory of [`AreaObserver::observe`], so observing allocates nothing once
/// warm and an observer can be shared between threads (`&self`).
struct Scratch {
    /// A grey frame equal to the background of observer `holds` between calls.
    grey: Vec<u8>,
    /// The id of the observer whose background `grey` holds; 0 while sprites are drawn on it
    /// (so a panic mid-call leaves it to be recopied rather than trusted).
    holds: u64,
    /// This call's dirty rectangles in frame pixels: (columns, rows).
    dirty: Vec<(Range<usize>, Range<usize>)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { grey: Vec::new(), holds: 0, dirty: Vec::new() })
    };
    /// The reference path's full frame, grey frame and row sums.
    static FULL: RefCell<(Image, Vec<u8>, Vec<u32>)> =
        RefCell::new((Image::new(1, 1), Vec::new(), Vec::new()));
}

impl Renderer {
    /// An observer producing `width x height` area-averaged grey observations (both at least 1).
    /// Precomputes the grey background frame and its observation (one full filter pass).
    pub fn area_observer(&self, width: u32, height: u32) -> AreaObserver {
        assert!(
            width > 0 && height > 0,
            "observation size {width}x{height} is empty"
        );
        let (frame_w, frame_h) = self.frame_size();
        let grey_background: Vec<u8> = self
            .background_rgb()
            .chunks_exact(3)
            .map(|p| luma([p[0], p[1], p[2]]))
            .collect();
        let mut o = AreaObserver {
            width,
            height,
            frame_w,
            frame_h,
            wx: weights(frame_w, width),
            wy: weights(frame_h, height),
            grey_background,
            background: vec![0; width as usize * height as usize],
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        };
        let mut background = std::mem::take(&mut o.background);
        o.filter(&o.grey_background, &mut Vec::new(), &mut background);
        o.background = background;
        o
    }
}

impl AreaObserver {
    /// The observation of the static background alone (no key, enemies or player): what every
    /// observation of this level under this condition shares (`width * height` bytes).
    pub fn background_observation(&self) -> &[u8] {
        &self.background
    }

    /// Observation (width, height) in px.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The area-averaged grey observation of `world` into `out` (`width * height` bytes,
    /// row-major; panics on another length). `renderer` must be the one this came from.
    ///
    /// Byte for byte [`AreaObserver::observe_full`], at the cost of the dynamic bitmaps' areas
    /// instead of the whole frame. Allocates nothing once the thread's scratch is warm.
    pub fn observe(&self, renderer: &Renderer, world: &World, out: &mut [u8]) {
        assert_eq!(
            out.len(),
            self.background.len(),
            "observation buffer has the wrong length"
        );
        debug_assert_eq!(renderer.frame_size(), (self.frame_w, self.frame_h));
        out.copy_from_slice(&self.background);
        let (w, fw) = (self.width as usize, self.frame_w as usize);
        let grid = renderer.frame_grid();
        SCRATCH.with(|s| {
            let Scratch { grey, holds, dirty } = &mut *s.borrow_mut();
            if *holds != self.id {
                grey.clear();
                grey.extend_from_slice(&self.grey_background);
            }
            *holds = 0;
            // 1. Composite: the frame pixels `Renderer::render` would overwrite, as grey (the
            // bitmaps' greys are the luma of their colours, as the reference takes the luma of
            // the rendered frame), each drawn rectangle noted.
            dirty.clear();
            renderer.dynamic(world, |bm, x0, y0| {
                let (cols, rows) = grid.span(x0, y0, bm.w, bm.h);
                if cols.is_empty() || rows.is_empty() {
                    return;
                }
                grid.cover(x0, y0, bm.w, bm.h, |o, i| {
                    let g = bm.grey[i];
                    if g != TRANSPARENT {
                        grey[o] = g as u8;
                    }
                });
                dirty.push((cols, rows));
            });
            // 2. Recompute every output pixel whose source rectangle meets a drawn rectangle
            // (from the composited frame, so overlapping bitmaps come out right; a pixel under
            // two rectangles is simply computed twice). The rest keep the background's value.
            for (cols, rows) in dirty.iter() {
                let xs = outputs_touching(&self.wx, cols.start, cols.end);
                for y in outputs_touching(&self.wy, rows.start, rows.end) {
                    for x in xs.clone() {
                        out[y * w + x] = self.pixel(grey, x, y);
                    }
                }
            }
            // 3. Put the background back under each drawn rectangle.
            for (cols, rows) in dirty.iter() {
                for fy in rows.clone() {
                    let line = fy * fw + cols.start..fy * fw + cols.end;
                    grey[line.clone()].copy_from_slice(&self.grey_background[line]);
                }
            }
            *holds = self.id;
        });
    }

    /// The reference path: renders the whole frame with [`Renderer::render`], takes its luma and
    /// area-filters all of it. Same contract and output as [`AreaObserver::observe`], tens of
    /// microseconds slower; kept for the equality test and the benchmark.
    pub fn observe_full(&self, renderer: &Renderer, world: &World, out: &mut [u8]) {
        assert_eq!(
            out.len(),
            self.background.len(),
            "observation buffer has the wrong length"
        );
        FULL.with(|s| {
            let (frame, grey, rows) = &mut *s.borrow_mut();
            if (frame.width, frame.height) != (self.frame_w, self.frame_h) {
                *frame = Image::new(self.frame_w, self.frame_h);
            }
            renderer.render(world, frame);
            grey.clear();
            grey.extend(frame.rgb.chunks_exact(3).map(|p| luma([p[0], p[1], p[2]])));
            self.filter(grey, rows, out);
        });
    }

    /// The separable area filter of a whole grey frame into `out`; `rows` is scratch.
    fn filter(&self, grey: &[u8], rows: &mut Vec<u32>, out: &mut [u8]) {
        let (w, fw, fh) = (
            self.width as usize,
            self.frame_w as usize,
            self.frame_h as usize,
        );
        // Horizontal pass: rows[y * w + x] = sum of grey * weight (units: 1/w px).
        rows.clear();
        rows.resize(fh * w, 0);
        for y in 0..fh {
            let line = &grey[y * fw..(y + 1) * fw];
            for (x, (s0, ws)) in self.wx.iter().enumerate() {
                let mut acc = 0u32;
                for (k, &wt) in ws.iter().enumerate() {
                    acc += line[*s0 as usize + k] as u32 * wt;
                }
                rows[y * w + x] = acc;
            }
        }
        // Vertical pass, then divide by the covered area (frame_w * frame_h in these units).
        let area = fw as u64 * fh as u64;
        for (y, (s0, ws)) in self.wy.iter().enumerate() {
            for x in 0..w {
                let mut acc = 0u64;
                for (k, &wt) in ws.iter().enumerate() {
                    acc += rows[(*s0 as usize + k) * w + x] as u64 * wt as u64;
                }
                out[y * w + x] = ((acc + area / 2) / area) as u8;
            }
        }
    }

    /// One output pixel of a grey frame: the same weighted sum as [`AreaObserver::filter`]
    /// (exact integers in the same widths, so the same byte), for one (x, y).
    #[inline]
    fn pixel(&self, grey: &[u8], x: usize, y: usize) -> u8 {
        let fw = self.frame_w as usize;
        let (sx, wxs) = &self.wx[x];
        let (sy, wys) = &self.wy[y];
        let mut acc = 0u64;
        for (k, &wt) in wys.iter().enumerate() {
            let start = (*sy as usize + k) * fw + *sx as usize;
            let line = &grey[start..start + wxs.len()];
            let row: u32 = line.iter().zip(wxs).map(|(&g, &v)| g as u32 * v).sum();
            acc += row as u64 * wt as u64;
        }
        let area = self.frame_w as u64 * self.frame_h as u64;
        ((acc + area / 2) / area) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use priors_core::{Condition, parse_level};

    #[test]
    fn weights_cover_each_output_cell_exactly() {
        for (src, n) in [(230, 42), (230, 84), (42, 42), (10, 3), (3, 10)] {
            for (_, ws) in weights(src, n) {
                assert_eq!(ws.iter().sum::<u32>(), src, "{src}->{n}");
            }
        }
    }

    #[test]
    fn outputs_touching_is_exactly_the_cells_whose_span_meets_the_interval() {
        for (src, n) in [(230, 42), (230, 84), (10, 3), (3, 10), (7, 7)] {
            let ws = weights(src, n);
            for a in 0..src as usize {
                for b in a..=src as usize {
                    let want: Vec<usize> = (0..n as usize)
                        .filter(|&i| {
                            let (s0, w) = &ws[i];
                            (*s0 as usize) < b && a < *s0 as usize + w.len()
                        })
                        .collect();
                    let got: Vec<usize> = outputs_touching(&ws, a, b).collect();
                    assert_eq!(got, want, "{src}->{n}, [{a}, {b})");
                }
            }
        }
    }

    #[test]
    fn area_average_is_the_mean_of_the_covered_pixels() {
        let level = parse_level(include_str!("../../../data/levels/princess.level"), "p").unwrap();
        let r = Renderer::new(&level, &Condition::original()).unwrap();
        let world = World::new(&level);
        let mut frame = r.new_frame();
        r.render(&world, &mut frame);
        let grey: Vec<u8> = frame
            .rgb
            .chunks_exact(3)
            .map(|p| luma([p[0], p[1], p[2]]))
            .collect();
        let (fw, fh) = r.frame_size();
        // 230 -> 46 is exactly 5 x 5 source pixels per output pixel.
        let o = r.area_observer(46, 46);
        let mut out = vec![0; 46 * 46];
        o.observe(&r, &world, &mut out);
        for y in 0..46 {
            for x in 0..46 {
                let mut sum = 0u32;
                for dy in 0..5 {
                    for dx in 0..5 {
                        sum += grey[(y * 5 + dy) * fw as usize + x * 5 + dx] as u32;
                    }
                }
                assert_eq!(out[y * 46 + x] as u32, (sum + 12) / 25, "at {x},{y}");
            }
        }
        assert_eq!((fw, fh), (230, 230));
        // A uniform frame stays uniform at any size, fractional edges included.
        let mut c = Condition::original();
        c.theme.paint = priors_core::Kind::ALL
            .into_iter()
            .map(|k| {
                (
                    k,
                    priors_core::condition::Paint::Color {
                        color: priors_core::condition::Rgb([90, 90, 90]),
                    },
                )
            })
            .collect();
        let r = Renderer::new(&level, &c).unwrap();
        let mut out = vec![0; 42 * 42];
        r.area_observer(42, 42).observe(&r, &world, &mut out);
        assert!(
            out.iter().all(|&g| g == luma([90, 90, 90])),
            "{:?}",
            &out[..10]
        );
    }
}
