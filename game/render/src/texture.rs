//! Seeded procedural textures, the families of [`TextureKind`].
//!
//! Textures hide what a surface affords (masked-affordances, masked-similarity,
//! all-priors-masked): a background that looks like bricks and rungs, platforms that look like
//! something else, and, with per-instance seeds, no two platform segments alike. Every texture is
//! a pure function of (family, seed, palette, cell size, x, y), built on
//! [`priors_core::rng`]'s SplitMix64, so a condition file fully determines the picture. Nothing
//! here is downloaded, cached, or drawn with a global RNG; this module does not know about tiles
//! or kinds.

use priors_core::condition::{Rgb, TextureKind};
use priors_core::rng::{SplitMix64, mix};

/// A stable hash of a seed and two integer coordinates.
#[inline]
fn hash(seed: u64, a: i32, b: i32) -> u64 {
    mix(seed, ((a as u32 as u64) << 32) | b as u32 as u64)
}

fn pick(palette: &[Rgb], h: u64) -> [u8; 3] {
    palette[(h % palette.len() as u64) as usize].0
}

/// Two palette colours picked by `p`, distinct whenever the palette has more than one.
fn two(palette: &[Rgb], p: &mut SplitMix64) -> [[u8; 3]; 2] {
    let n = palette.len() as u64;
    let a = p.below(n);
    let b = if n > 1 {
        (a + 1 + p.below(n - 1)) % n
    } else {
        a
    };
    [palette[a as usize].0, palette[b as usize].0]
}

fn scale(c: [u8; 3], num: u32, den: u32) -> [u8; 3] {
    c.map(|v| ((v as u32 * num) / den).min(255) as u8)
}

/// A small seeded per-cell brightness jitter, so cells of one colour still read as a texture.
fn jitter(c: [u8; 3], h: u64) -> [u8; 3] {
    let d = (h >> 40) as i32 % 25 - 12;
    c.map(|v| (v as i32 + d).clamp(0, 255) as u8)
}

/// The colour of texture `kind` at pixel (x, y). `palette` must not be empty; `cell_px` is the
/// level's tile size (patchwork patches are one tile, so they mimic tiles).
pub fn sample(
    kind: TextureKind,
    seed: u64,
    palette: &[Rgb],
    cell_px: i32,
    x: i32,
    y: i32,
) -> [u8; 3] {
    let mut p = SplitMix64::new(seed);
    match kind {
        TextureKind::Bricks => {
            // Courses 4-6 px high, bricks about twice as long, every other course offset by half a
            // brick, in two seeded palette colours; mortar is the first of them darkened (as in
            // the platform sprite). Two seeds differ in shape and, usually, in colour.
            let bh = 4 + p.below(3) as i32;
            let bw = 2 * bh + p.below(5) as i32;
            let (ox, oy) = (p.below(bw as u64) as i32, p.below(bh as u64) as i32);
            let pair = two(palette, &mut p);
            let yy = y + oy;
            let row = yy.div_euclid(bh);
            let xx = x + ox + if row.rem_euclid(2) == 1 { bw / 2 } else { 0 };
            let col = xx.div_euclid(bw);
            let (rx, ry) = (xx.rem_euclid(bw), yy.rem_euclid(bh));
            if rx == 0 || ry == 0 {
                scale(pair[0], 2, 5)
            } else {
                let h = hash(seed, col, row);
                let c = jitter(pair[(h & 1) as usize], h);
                if ry == 1 { scale(c, 6, 5) } else { c }
            }
        }
        TextureKind::Rungs => {
            // Pairs of rails with rungs across, like the ladder sprite, over a dark base; rail,
            // rung and base colours are seeded picks from the palette.
            let lw = 9 + p.below(6) as i32;
            let gap = 3 + p.below(4) as i32;
            let (ox, oy) = (p.below(64) as i32, p.below(64) as i32);
            let (rail_c, rung_c, base_c) = (
                pick(palette, p.next_u64()),
                pick(palette, p.next_u64()),
                pick(palette, p.next_u64()),
            );
            let (xx, yy) = (x + ox, y + oy);
            let rx = xx.rem_euclid(lw);
            if rx < 2 || rx >= lw - 2 {
                rail_c
            } else if yy.rem_euclid(gap + 1) == 0 {
                scale(rung_c, 6, 5)
            } else {
                scale(base_c, 1, 3)
            }
        }
        TextureKind::Noise => {
            let cs = 2 + p.below(4) as i32;
            let (cx, cy) = (x.div_euclid(cs), y.div_euclid(cs));
            let h = hash(seed, cx, cy);
            jitter(pick(palette, h), h)
        }
        TextureKind::Stripes => {
            let sw = 2 + p.below(4) as i32;
            let d = if p.below(2) == 0 { x + y } else { x - y };
            let band = (d + p.below(64) as i32).div_euclid(sw);
            let pair = two(palette, &mut p);
            pair[band.rem_euclid(2) as usize]
        }
        TextureKind::Patchwork => {
            // One tile-sized patch of another family each, so free space holds things that look
            // like platforms and ladders.
            let cell = cell_px.max(1);
            let (px, py) = (x.div_euclid(cell), y.div_euclid(cell));
            let h = hash(seed, px, py);
            let family = [
                TextureKind::Bricks,
                TextureKind::Rungs,
                TextureKind::Noise,
                TextureKind::Stripes,
            ][(h % 4) as usize];
            sample(family, h, palette, cell_px, x, y)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAL: [Rgb; 3] = [Rgb([200, 40, 40]), Rgb([40, 200, 40]), Rgb([40, 40, 200])];
    const ALL: [TextureKind; 5] = [
        TextureKind::Bricks,
        TextureKind::Rungs,
        TextureKind::Noise,
        TextureKind::Stripes,
        TextureKind::Patchwork,
    ];

    fn patch(kind: TextureKind, seed: u64) -> Vec<[u8; 3]> {
        (0..30 * 30)
            .map(|i| sample(kind, seed, &PAL, 15, i % 30, i / 30))
            .collect()
    }

    #[test]
    fn textures_are_seeded_and_deterministic() {
        for kind in ALL {
            let a = patch(kind, 1);
            assert_eq!(a, patch(kind, 1), "{kind:?}");
            assert_ne!(a, patch(kind, 2), "{kind:?}: seed has no effect");
            let distinct: std::collections::BTreeSet<_> = a.iter().collect();
            assert!(distinct.len() >= 2, "{kind:?} is flat");
        }
    }

    #[test]
    fn negative_coordinates_are_fine() {
        for kind in ALL {
            let _ = sample(kind, 3, &PAL[..1], 15, -7, -100);
        }
    }
}
