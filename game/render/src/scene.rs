//! The theme applied to a level: the static view layer and the bitmaps of dynamic things.
//!
//! Interprets a condition's [`Theme`]: each [`Kind`] is painted with its theme entry or, when the
//! theme does not list it, the original look (the embedded sprites on a dark background). The
//! static layer (background, tiles, placebo blocks, door, goal) is rasterised once in unrotated
//! view coordinates; the player, enemies and key become small bitmaps placed per frame. This
//! module neither rotates nor samples (see `raster`) and never looks at a `World`.

use crate::sprite::{self, Sprite};
use crate::texture;
use crate::{RenderError, luma};
use priors_core::condition::{Paint, Placebo, Rgb, Theme};
use priors_core::level::Placed;
use priors_core::rng::{SplitMix64, mix};
use priors_core::{Kind, Level, Rect, SUB, Tile};

/// Background of the original look: near-black with a blue tint, as behind the original game's
/// sprites.
pub(crate) const ORIGINAL_BACKGROUND: [u8; 3] = [0x10, 0x10, 0x18];

/// Grey value marking a transparent bitmap pixel (real greys are 0..=255).
pub(crate) const TRANSPARENT: u16 = u16::MAX;

/// A small picture of one thing: colour and precomputed grey per pixel.
#[derive(Debug, Clone)]
pub(crate) struct Bitmap {
    /// Width, px.
    pub w: i32,
    /// Height, px.
    pub h: i32,
    /// Row-major colours; `None` is transparent.
    pub rgb: Vec<Option<[u8; 3]>>,
    /// Row-major [`luma`] of `rgb`, [`TRANSPARENT`] where transparent.
    pub grey: Vec<u16>,
}

impl Bitmap {
    fn new(w: i32, h: i32, rgb: Vec<Option<[u8; 3]>>) -> Bitmap {
        let grey = rgb
            .iter()
            .map(|p| p.map_or(TRANSPARENT, |c| luma(c) as u16))
            .collect();
        Bitmap { w, h, rgb, grey }
    }

    fn from_sprite(s: &Sprite) -> Bitmap {
        Bitmap::new(s.width as i32, s.height as i32, s.pixels.clone())
    }

    /// The bitmap flipped left to right (the player facing left).
    pub fn mirrored(&self) -> Bitmap {
        let mut rgb = Vec::with_capacity(self.rgb.len());
        for row in self.rgb.chunks(self.w as usize) {
            rgb.extend(row.iter().rev());
        }
        Bitmap::new(self.w, self.h, rgb)
    }

    /// Top-left corner (view px) that puts this bitmap on `r`: a bitmap of the box's own size
    /// covers it exactly; a sprite of another size is centred horizontally and stands on the
    /// box's bottom edge, so things keep standing on floors.
    #[inline]
    pub fn origin_on(&self, r: Rect) -> (i32, i32) {
        let (x0, y0, w, h) = px_box(r);
        (x0 + (w - self.w).div_euclid(2), y0 + h - self.h)
    }
}

/// A sub-pixel rectangle as whole pixels (x0, y0, w, h), rounding half up.
#[inline]
pub(crate) fn px_box(r: Rect) -> (i32, i32, i32, i32) {
    let round = |v: i32| (v + SUB / 2).div_euclid(SUB);
    (
        round(r.x0),
        round(r.y0),
        ((r.x1 - r.x0 + SUB / 2) / SUB).max(1),
        ((r.y1 - r.y0 + SUB / 2) / SUB).max(1),
    )
}

/// The original look of each kind.
pub(crate) fn original_paint(kind: Kind) -> Paint {
    let sprite = |s: &str| Paint::Sprite {
        sprite: s.to_string(),
    };
    match kind {
        Kind::Player => sprite("robot"),
        Kind::Wall => sprite("wall"),
        Kind::Platform => sprite("brick"),
        Kind::Ladder => sprite("ladder"),
        Kind::Fire => sprite("fire"),
        Kind::Spikes => sprite("spikes"),
        Kind::Enemy => sprite("enemy"),
        Kind::Key => sprite("key"),
        Kind::Door => sprite("door"),
        Kind::Goal => sprite("princess"),
        Kind::Background => Paint::Color {
            color: Rgb(ORIGINAL_BACKGROUND),
        },
    }
}

/// A theme with every kind resolved and every sprite parsed, checked once up front so a typo in
/// a condition file fails when the renderer is built, not when the thing first appears.
pub(crate) struct Resolved {
    paints: Vec<(Kind, Paint, Option<Sprite>)>,
}

impl Resolved {
    pub fn new(theme: &Theme) -> Result<Resolved, RenderError> {
        let mut paints = Vec::with_capacity(Kind::ALL.len());
        for kind in Kind::ALL {
            let paint = theme
                .paint
                .get(&kind)
                .cloned()
                .unwrap_or_else(|| original_paint(kind));
            let sprite = match &paint {
                Paint::Sprite { sprite: name } => Some(sprite::embedded(name)?.ok_or_else(
                    || RenderError::UnknownSprite {
                        kind,
                        name: name.clone(),
                        known: sprite::known_names(),
                    },
                )?),
                Paint::Texture { palette, .. } if palette.is_empty() => {
                    return Err(RenderError::EmptyPalette { kind });
                }
                _ => None,
            };
            paints.push((kind, paint, sprite));
        }
        if let Some(p) = &theme.placebo
            && p.palette.is_empty()
        {
            return Err(RenderError::EmptyPalette {
                kind: Kind::Background,
            });
        }
        Ok(Resolved { paints })
    }

    fn get(&self, kind: Kind) -> (&Paint, Option<&Sprite>) {
        let (_, p, s) = self
            .paints
            .iter()
            .find(|(k, _, _)| *k == kind)
            .expect("every kind is resolved");
        (p, s.as_ref())
    }

    /// The bitmap of one object of `kind` whose box is `r`; `instance` tells apart objects of one
    /// kind for per-instance textures. Textures are sampled in the object's own coordinates, so
    /// they move with it.
    pub fn object(&self, kind: Kind, r: Rect, instance: u64, tile_px: i32) -> Bitmap {
        let (_, _, w, h) = px_box(r);
        match self.get(kind) {
            (_, Some(s)) => Bitmap::from_sprite(s),
            (paint, None) => paint_block(paint, w, h, instance, tile_px)
                .expect("sprites are resolved and palettes checked in Resolved::new"),
        }
    }
}

/// A `w x h` block of a colour or texture paint, textures sampled in the block's own coordinates
/// (`instance` seeds per-instance textures); `None` for sprites and empty palettes.
fn paint_block(paint: &Paint, w: i32, h: i32, instance: u64, tile_px: i32) -> Option<Bitmap> {
    match paint {
        Paint::Color { color } => Some(Bitmap::new(w, h, vec![Some(color.0); (w * h) as usize])),
        Paint::Texture {
            texture,
            seed,
            palette,
            per_instance,
        } if !palette.is_empty() => {
            let seed = if *per_instance {
                mix(*seed, instance)
            } else {
                *seed
            };
            let rgb = (0..w * h)
                .map(|i| {
                    Some(texture::sample(
                        *texture,
                        seed,
                        palette,
                        tile_px,
                        i % w,
                        i / w,
                    ))
                })
                .collect();
            Some(Bitmap::new(w, h, rgb))
        }
        _ => None,
    }
}

/// Connected regions of equal non-empty tiles (4-neighbourhood), numbered in reading order of
/// their first cell: the "instances" of per-instance textures (a platform segment, a ladder).
pub(crate) fn tile_instances(level: &Level) -> Vec<u32> {
    let (w, h) = (level.width, level.height);
    let mut id = vec![u32::MAX; w * h];
    let mut next = 0;
    let mut stack = Vec::new();
    for start in 0..w * h {
        if id[start] != u32::MAX || level.tiles[start] == Tile::Empty {
            continue;
        }
        let tile = level.tiles[start];
        id[start] = next;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (c, r) = (i % w, i / w);
            let mut visit = |j: usize| {
                if id[j] == u32::MAX && level.tiles[j] == tile {
                    id[j] = next;
                    stack.push(j);
                }
            };
            if c > 0 {
                visit(i - 1);
            }
            if c + 1 < w {
                visit(i + 1);
            }
            if r > 0 {
                visit(i - w);
            }
            if r + 1 < h {
                visit(i + w);
            }
        }
        next += 1;
    }
    id
}

/// The cells where an object could stand: free, directly above a solid tile, inside the view.
pub fn standing_cells(level: &Level, view: (u32, u32)) -> Vec<(i32, i32)> {
    let t = level.header.tile_px as i32;
    let mut cells = Vec::new();
    for row in 0..level.height as i32 {
        for col in 0..level.width as i32 {
            let free = level.tile(col, row) == Tile::Empty && level.tile(col, row + 1).is_solid();
            let visible = col * t < view.0 as i32 && row * t < view.1 as i32;
            if free && visible {
                cells.push((col, row));
            }
        }
    }
    cells
}

/// The static real objects' boxes (goal, door, key, enemies), sub-pixels.
fn real_objects(level: &Level) -> Vec<Rect> {
    let mut v: Vec<Rect> = Vec::new();
    v.extend(level.goal);
    v.extend(level.door_rect);
    v.extend(level.key_rect);
    v.extend(level.enemy_rects.iter().copied());
    v
}

/// The sizes (w, h) in px of the level's real objects, the player's included: placebo blocks take
/// these sizes, so no real object stands out by its size.
fn object_sizes(level: &Level) -> Vec<(i32, i32)> {
    let ph = &level.physics;
    let mut v = vec![(ph.player_w / SUB, ph.player_h / SUB)];
    for r in real_objects(level) {
        v.push(((r.x1 - r.x0) / SUB, (r.y1 - r.y0) / SUB));
    }
    v.sort();
    v.dedup();
    v
}

/// Placebo blocks: (x0, y0, w, h, colour) in view px, standing on floors. Seeded cells among
/// [`standing_cells`] that no real object (goal, door, key, enemy) overlaps: all of them when
/// `fill`, else `count`; at most one block per cell, each of the size of one of the real objects.
pub(crate) fn placebo_blocks(
    level: &Level,
    p: &Placebo,
    view: (u32, u32),
) -> Vec<(i32, i32, i32, i32, [u8; 3])> {
    let t = level.header.tile_px as i32;
    let occupied = real_objects(level);
    let sizes = object_sizes(level);
    let mut cells: Vec<(i32, i32)> = standing_cells(level, view)
        .into_iter()
        .filter(|&(col, row)| {
            let cell = level.cell_rect(Placed {
                col: col as u16,
                row: row as u16,
            });
            !occupied.iter().any(|o| o.overlaps(&cell))
        })
        .collect();
    let mut rng = SplitMix64::new(p.seed);
    let n = if p.fill {
        cells.len()
    } else {
        (p.count as usize).min(cells.len())
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // Partial Fisher-Yates: the first n cells of a seeded shuffle.
        let j = i + rng.below((cells.len() - i) as u64) as usize;
        cells.swap(i, j);
        let (col, row) = cells[i];
        let first = rng.below(sizes.len() as u64) as usize;
        let offset = rng.next_u64();
        let colour = p.palette[rng.below(p.palette.len() as u64) as usize].0;
        // The drawn size first, then the others in turn: a block larger than its cell must not
        // cover a real object (one that fits its cell never does, as no object overlaps the cell).
        let placed = (0..sizes.len())
            .map(|k| sizes[(first + k) % sizes.len()])
            .find_map(|(w, h)| {
                // Within the cell when it fits, else centred on it.
                let x0 = if w <= t {
                    col * t + (offset % (t - w + 1) as u64) as i32
                } else {
                    col * t - (w - t) / 2
                };
                let y0 = (row + 1) * t - h;
                let r = Rect {
                    x0: x0 * SUB,
                    y0: y0 * SUB,
                    x1: (x0 + w) * SUB,
                    y1: (y0 + h) * SUB,
                };
                (!occupied.iter().any(|o| o.overlaps(&r))).then_some((x0, y0, w, h))
            });
        if let Some((x0, y0, w, h)) = placed {
            out.push((x0, y0, w, h, colour));
        }
    }
    out
}

/// Share of [`standing_cells`] that a placebo block or a real object (goal, door, key, enemy)
/// overlaps, with the count of cells: how completely the condition hides where objects are.
pub fn placebo_coverage(level: &Level, p: &Placebo) -> (f64, usize) {
    let view = level.view_px();
    let cells = standing_cells(level, view);
    let mut covered = real_objects(level);
    for (x0, y0, w, h, _) in placebo_blocks(level, p, view) {
        covered.push(Rect {
            x0: x0 * SUB,
            y0: y0 * SUB,
            x1: (x0 + w) * SUB,
            y1: (y0 + h) * SUB,
        });
    }
    let n = cells
        .iter()
        .filter(|&&(col, row)| {
            let cell = level.cell_rect(Placed {
                col: col as u16,
                row: row as u16,
            });
            covered.iter().any(|o| o.overlaps(&cell))
        })
        .count();
    (n as f64 / cells.len().max(1) as f64, cells.len())
}

/// A view-sized RGB layer in unrotated view coordinates.
pub(crate) struct Layer {
    pub w: i32,
    pub h: i32,
    pub px: Vec<[u8; 3]>,
}

impl Layer {
    fn put(&mut self, x: i32, y: i32, c: [u8; 3]) {
        if x >= 0 && y >= 0 && x < self.w && y < self.h {
            self.px[(y * self.w + x) as usize] = c;
        }
    }

    fn draw(&mut self, bm: &Bitmap, x0: i32, y0: i32) {
        for by in 0..bm.h {
            for bx in 0..bm.w {
                if let Some(c) = bm.rgb[(by * bm.w + bx) as usize] {
                    self.put(x0 + bx, y0 + by, c);
                }
            }
        }
    }
}

/// Rasterises everything static: background, tiles, placebo blocks, door and goal.
pub(crate) fn static_layer(level: &Level, res: &Resolved, placebo: Option<&Placebo>) -> Layer {
    let (vw, vh) = level.view_px();
    let t = level.header.tile_px as i32;
    let mut layer = Layer {
        w: vw as i32,
        h: vh as i32,
        px: vec![ORIGINAL_BACKGROUND; (vw * vh) as usize],
    };

    match res.get(Kind::Background) {
        (Paint::Color { color }, _) => layer.px.fill(color.0),
        (
            Paint::Texture {
                texture,
                seed,
                palette,
                ..
            },
            _,
        ) => {
            for y in 0..layer.h {
                for x in 0..layer.w {
                    layer.px[(y * layer.w + x) as usize] =
                        texture::sample(*texture, *seed, palette, t, x, y);
                }
            }
        }
        (_, Some(s)) => {
            // A background sprite is tiled, one copy per grid cell.
            let bm = Bitmap::from_sprite(s);
            for row in 0..layer.h.div_euclid(t) + 1 {
                for col in 0..layer.w.div_euclid(t) + 1 {
                    layer.draw(&bm, col * t, row * t);
                }
            }
        }
        (Paint::Sprite { .. }, None) => unreachable!("sprites are resolved in Resolved::new"),
    }

    let instances = tile_instances(level);
    for row in 0..level.height as i32 {
        for col in 0..level.width as i32 {
            let tile = level.tile(col, row);
            if tile == Tile::Empty || col * t >= layer.w || row * t >= layer.h {
                continue;
            }
            let (x0, y0) = (col * t, row * t);
            match res.get(Kind::from(tile)) {
                (_, Some(s)) => {
                    let bm = Bitmap::from_sprite(s);
                    layer.draw(&bm, x0 + (t - bm.w).div_euclid(2), y0 + t - bm.h);
                }
                (Paint::Color { color }, None) => {
                    for y in y0..y0 + t {
                        for x in x0..x0 + t {
                            layer.put(x, y, color.0);
                        }
                    }
                }
                (
                    Paint::Texture {
                        texture,
                        seed,
                        palette,
                        per_instance,
                    },
                    None,
                ) => {
                    // Sampled in view coordinates so neighbouring tiles of one instance join up.
                    let inst = instances[row as usize * level.width + col as usize] as u64;
                    let seed = if *per_instance {
                        mix(*seed, inst)
                    } else {
                        *seed
                    };
                    for y in y0..y0 + t {
                        for x in x0..x0 + t {
                            layer.put(x, y, texture::sample(*texture, seed, palette, t, x, y));
                        }
                    }
                }
                (Paint::Sprite { .. }, None) => {
                    unreachable!("sprites are resolved in Resolved::new")
                }
            }
        }
    }

    if let Some(p) = placebo {
        for (i, (x0, y0, w, h, c)) in placebo_blocks(level, p, (vw, vh)).into_iter().enumerate() {
            // Instances after the real objects' so no block repeats an object's look.
            match p
                .paint
                .as_ref()
                .and_then(|pt| paint_block(pt, w, h, 1000 + i as u64, t))
            {
                Some(bm) => layer.draw(&bm, x0, y0),
                None => {
                    for y in y0..y0 + h {
                        for x in x0..x0 + w {
                            layer.put(x, y, c);
                        }
                    }
                }
            }
        }
    }

    let statics = [(Kind::Door, level.door_rect), (Kind::Goal, level.goal)];
    for (kind, rect) in statics {
        if let Some(r) = rect {
            let bm = res.object(kind, r, 0, t);
            let (x0, y0) = bm.origin_on(r);
            layer.draw(&bm, x0, y0);
        }
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEVEL: &str = include_str!("../../../data/levels/princess.level");

    #[test]
    fn instances_split_segments_and_ladders() {
        let level = priors_core::parse_level(LEVEL, "princess.level").unwrap();
        let ids = tile_instances(&level);
        let at = |c: usize, r: usize| ids[r * level.width + c];
        // Row 4: `#===..=======HH#`: the two platform segments differ, each is one instance.
        assert_ne!(at(1, 4), at(6, 4));
        assert_eq!(at(1, 4), at(3, 4));
        // The right ladder (cols 13-14, rows 3-8) is one instance, the left another.
        assert_eq!(at(13, 3), at(14, 8));
        assert_ne!(at(13, 3), at(1, 9));
        assert_eq!(at(0, 0), at(0, 15 - 1), "the left wall is one piece");
    }

    #[test]
    fn placebo_blocks_avoid_objects_and_stand_on_floors() {
        let level = priors_core::parse_level(LEVEL, "princess.level").unwrap();
        let p = Placebo {
            count: 1000,
            fill: false,
            seed: 5,
            palette: vec![Rgb([1, 2, 3])],
            paint: None,
        };
        let blocks = placebo_blocks(&level, &p, level.view_px());
        assert!(blocks.len() > 10);
        let t = level.header.tile_px as i32;
        for &(x0, y0, w, h, _) in &blocks {
            let (col, row) = ((x0 + w / 2) / t, (y0 + h - 1) / t);
            assert!(
                level.tile(col, row + 1).is_solid(),
                "block at {col},{row} floats"
            );
            let block = Rect {
                x0: x0 * SUB,
                y0: y0 * SUB,
                x1: (x0 + w) * SUB,
                y1: (y0 + h) * SUB,
            };
            assert!(!level.goal.unwrap().overlaps(&block));
            assert!(!level.enemy_rects[0].overlaps(&block));
        }
        let again = placebo_blocks(&level, &p, level.view_px());
        assert_eq!(blocks, again);
    }
}
