//! [`AreaObserver`]: grey observations resized by area averaging, the way the paper's pipeline
//! resized frames (a smooth resize, not a sample), so fine textures blend instead of aliasing.
//!
//! Each output pixel is the exact mean of the grey frame over the rectangle of source pixels it
//! covers, fractional edges weighted by their overlap (integer weights, so the result is the same
//! on every machine). It renders the full frame first, so it costs a frame render plus a
//! separable filter per observation (tens of microseconds; BENCHMARKS.md), against the nearest
//! [`crate::Observer`]'s sub-microsecond path. It keeps one scratch frame per thread.

use crate::{Image, Renderer, luma};
use priors_core::World;
use std::cell::RefCell;

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

thread_local! {
    static SCRATCH: RefCell<(Image, Vec<u8>, Vec<u32>)> = RefCell::new((Image::new(1, 1), Vec::new(), Vec::new()));
}

impl Renderer {
    /// An observer producing `width x height` area-averaged grey observations (both at least 1).
    pub fn area_observer(&self, width: u32, height: u32) -> AreaObserver {
        assert!(
            width > 0 && height > 0,
            "observation size {width}x{height} is empty"
        );
        let (frame_w, frame_h) = self.frame_size();
        AreaObserver {
            width,
            height,
            frame_w,
            frame_h,
            wx: weights(frame_w, width),
            wy: weights(frame_h, height),
        }
    }
}

impl AreaObserver {
    /// Observation (width, height) in px.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The area-averaged grey observation of `world` into `out` (`width * height` bytes,
    /// row-major; panics on another length). `renderer` must be the one this came from.
    pub fn observe(&self, renderer: &Renderer, world: &World, out: &mut [u8]) {
        let (w, h) = (self.width as usize, self.height as usize);
        assert_eq!(out.len(), w * h, "observation buffer has the wrong length");
        let (fw, fh) = (self.frame_w as usize, self.frame_h as usize);
        SCRATCH.with(|s| {
            let (frame, grey, rows) = &mut *s.borrow_mut();
            if (frame.width, frame.height) != (self.frame_w, self.frame_h) {
                *frame = Image::new(self.frame_w, self.frame_h);
            }
            renderer.render(world, frame);
            grey.clear();
            grey.extend(frame.rgb.chunks_exact(3).map(|p| luma([p[0], p[1], p[2]])));
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
        });
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
