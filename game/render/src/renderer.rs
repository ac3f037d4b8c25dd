//! [`Renderer`] (full RGB frames) and [`Observer`] (grey, downsampled agent observations).
//!
//! Both draw the same way: copy a cached background, then blit the few dynamic bitmaps (key,
//! live enemies, player) through the output's [`Grid`]. The observer's background is computed by
//! sampling the renderer's frame background, and its bitmaps' greys are the luma of the frame's
//! colours, so an observation equals the nearest-neighbour, BT.601-grey sample of the frame by
//! construction (and by test). Neither allocates per frame. They do not step the world, read
//! files or keep history (no frame stacking: that is the agent's business).

use crate::raster::{Grid, frame_size};
use crate::scene::{Bitmap, Resolved, TRANSPARENT, static_layer};
use crate::{Image, RenderError, luma};
use priors_core::{Condition, Kind, Level, World};

/// Renders one (level, condition) pair. Build once; render any number of world states.
#[derive(Debug, Clone)]
pub struct Renderer {
    level: Level,
    condition: Condition,
    frame: Grid,
    frame_w: u32,
    frame_h: u32,
    /// The static picture in frame coordinates (cropped and rotated), RGB8.
    background: Vec<u8>,
    /// The player facing right, then facing left.
    player: [Bitmap; 2],
    /// One bitmap per enemy (per-instance textures make them differ).
    enemies: Vec<Bitmap>,
    key: Option<Bitmap>,
}

/// Produces agent observations of a fixed size from a [`Renderer`]'s level and condition.
#[derive(Debug, Clone)]
pub struct Observer {
    width: u32,
    height: u32,
    grid: Grid,
    /// The static picture, grey, at observation size.
    background: Vec<u8>,
}

impl Renderer {
    /// Prepares the static background and the dynamic bitmaps for `level` seen under `condition`.
    pub fn new(level: &Level, condition: &Condition) -> Result<Renderer, RenderError> {
        let (vw, vh) = level.view_px();
        if vw == 0 || vh == 0 {
            return Err(RenderError::EmptyView {
                width: vw,
                height: vh,
            });
        }
        let res = Resolved::new(&condition.theme)?;
        let layer = static_layer(level, &res, condition.theme.placebo.as_ref());
        let rot = condition.view.rotate_deg;
        let (frame_w, frame_h) = frame_size(rot, vw, vh);
        let frame = Grid::new(rot, vw, vh, frame_w, frame_h);
        let mut background = vec![0; frame_w as usize * frame_h as usize * 3];
        frame.cover(0, 0, layer.w, layer.h, |o, i| {
            background[o * 3..o * 3 + 3].copy_from_slice(&layer.px[i])
        });

        let t = level.header.tile_px as i32;
        let world = World::new(level);
        let right = res.object(Kind::Player, world.player_rect(level), 0, t);
        let left = right.mirrored();
        let enemies = (0..level.enemies.len())
            .map(|i| res.object(Kind::Enemy, level.enemy_rects[i], i as u64, t))
            .collect();
        let key = level.key_rect.map(|r| res.object(Kind::Key, r, 0, t));
        Ok(Renderer {
            level: level.clone(),
            condition: condition.clone(),
            frame,
            frame_w,
            frame_h,
            background,
            player: [right, left],
            enemies,
            key,
        })
    }

    /// The level this renderer draws.
    pub fn level(&self) -> &Level {
        &self.level
    }

    /// The condition this renderer draws under.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// Frame (width, height) in px: the level's view, rotated.
    pub fn frame_size(&self) -> (u32, u32) {
        (self.frame_w, self.frame_h)
    }

    /// A black image of the frame size, to render into.
    pub fn new_frame(&self) -> Image {
        Image::new(self.frame_w, self.frame_h)
    }

    /// The frame's grid (view -> frame pixels, rotation included).
    pub(crate) fn frame_grid(&self) -> &Grid {
        &self.frame
    }

    /// The static picture in frame coordinates, RGB8 (what [`Renderer::render`] starts from).
    pub(crate) fn background_rgb(&self) -> &[u8] {
        &self.background
    }

    /// Calls `f(bitmap, x0, y0)` for each dynamic thing in drawing order (later on top): the key
    /// while it lies in the level, live enemies, then the player. Everything a frame draws from
    /// the `World` goes through here; the rest is the background.
    #[inline]
    pub(crate) fn dynamic(&self, world: &World, mut f: impl FnMut(&Bitmap, i32, i32)) {
        let level = &self.level;
        if world.key_present
            && let (Some(bm), Some(r)) = (&self.key, level.key_rect)
        {
            let (x, y) = bm.origin_on(r);
            f(bm, x, y);
        }
        for (i, bm) in self.enemies.iter().enumerate() {
            if world.enemy_alive(i) {
                let (x, y) = bm.origin_on(world.enemy_rect(level, i));
                f(bm, x, y);
            }
        }
        let bm = &self.player[(world.player.facing < 0) as usize];
        let (x, y) = bm.origin_on(world.player_rect(level));
        f(bm, x, y);
    }

    /// Draws the full RGB frame of `world` into `out` (which must be [`Renderer::new_frame`]-sized;
    /// panics otherwise). Allocates nothing.
    pub fn render(&self, world: &World, out: &mut Image) {
        assert_eq!(
            (out.width, out.height),
            (self.frame_w, self.frame_h),
            "render target has the wrong size"
        );
        out.rgb.copy_from_slice(&self.background);
        let rgb = &mut out.rgb;
        self.dynamic(world, |bm, x0, y0| {
            self.frame.cover(x0, y0, bm.w, bm.h, |o, i| {
                if let Some(c) = bm.rgb[i] {
                    rgb[o * 3..o * 3 + 3].copy_from_slice(&c);
                }
            });
        });
    }

    /// An observer producing `width x height` grey observations (both at least 1).
    pub fn observer(&self, width: u32, height: u32) -> Observer {
        assert!(
            width > 0 && height > 0,
            "observation size {width}x{height} is empty"
        );
        let (vw, vh) = self.level.view_px();
        let grid = Grid::new(self.condition.view.rotate_deg, vw, vh, width, height);
        let mut background = Vec::with_capacity(width as usize * height as usize);
        for &fy in &grid.frame_y {
            for &fx in &grid.frame_x {
                let i = (fy as usize * self.frame_w as usize + fx as usize) * 3;
                background.push(luma([
                    self.background[i],
                    self.background[i + 1],
                    self.background[i + 2],
                ]));
            }
        }
        Observer {
            width,
            height,
            grid,
            background,
        }
    }
}

impl Observer {
    /// The observation of the static background alone (no key, enemies or player).
    pub fn background_observation(&self) -> &[u8] {
        &self.background
    }

    /// Observation (width, height) in px.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Grey u8 observation of `world`, `width * height` bytes, row-major, into `out` (panics if
    /// `out` has another length). Equals the nearest-neighbour sample of `renderer.render()`'s
    /// frame converted to grey with integer BT.601 luma, `x_src = x * frame_w / width` (same for
    /// y). `renderer` must be the one this observer came from. Allocates nothing.
    pub fn observe(&self, renderer: &Renderer, world: &World, out: &mut [u8]) {
        assert_eq!(
            out.len(),
            self.background.len(),
            "observation buffer has the wrong length"
        );
        out.copy_from_slice(&self.background);
        renderer.dynamic(world, |bm, x0, y0| {
            self.grid.cover(x0, y0, bm.w, bm.h, |o, i| {
                let g = bm.grey[i];
                if g != TRANSPARENT {
                    out[o] = g as u8;
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use priors_core::condition::{Paint, Rotation};
    use priors_core::rng::SplitMix64;
    use priors_core::{Action, Rules, parse_condition, parse_level, step};

    const LEVELS: [(&str, &str); 3] = [
        (
            "princess",
            include_str!("../../../data/levels/princess.level"),
        ),
        (
            "princess-15row",
            include_str!("../../../data/levels/princess-15row.level"),
        ),
        (
            "keydoor",
            include_str!("../../../data/levels/keydoor.level"),
        ),
    ];

    macro_rules! conditions {
        ($($id:literal),*) => { [$(($id, include_str!(concat!("../../../data/conditions/", $id, ".toml")))),*] };
    }

    const CONDITIONS: [(&str, &str); 11] = conditions!(
        "original",
        "masked-semantics",
        "reverse-semantics",
        "masked-object-identity",
        "masked-affordances",
        "masked-similarity",
        "changed-ladder",
        "rotated-gravity",
        "reversed-keys",
        "all-priors-masked",
        "hard"
    );

    fn level(name: &str) -> Level {
        let (_, text) = LEVELS.iter().find(|(n, _)| *n == name).unwrap();
        parse_level(text, name).unwrap()
    }

    fn condition(id: &str) -> Condition {
        let (_, text) = CONDITIONS.iter().find(|(n, _)| *n == id).unwrap();
        parse_condition(text, id).unwrap()
    }

    /// A spread of states: seeded random play (respawning on death), plus hand-made edge cases:
    /// facing left, enemies stomped, key taken, player partly outside the view.
    fn states(level: &Level) -> Vec<World> {
        let rules = Rules::human(level.header.tick_hz);
        let mut rng = SplitMix64::new(9);
        let mut w = World::new(level);
        let mut out = vec![w.clone()];
        for t in 1..=240 {
            let a = Action::EFFECTIVE[rng.below(Action::EFFECTIVE.len() as u64) as usize];
            step(level, &rules, &mut w, a);
            if t % 40 == 0 {
                out.push(w.clone());
            }
        }
        let mut odd = World::new(level);
        odd.player.facing = -1;
        odd.enemies_alive = 0;
        odd.key_present = false;
        out.push(odd.clone());
        let (vw, vh) = level.view_px();
        odd.player.x = (vw as i32 - 3) * priors_core::SUB;
        odd.player.y = (vh as i32 - 2) * priors_core::SUB + 7;
        out.push(odd.clone());
        odd.player.x = 2 * priors_core::SUB;
        odd.player.y = 3;
        out.push(odd);
        out
    }

    fn naive_observation(frame: &Image, w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                out.push(luma(frame.pixel(x * frame.width / w, y * frame.height / h)));
            }
        }
        out
    }

    #[test]
    fn every_shipped_condition_parses_with_its_file_name_as_id() {
        for (id, text) in CONDITIONS {
            let c = parse_condition(text, &format!("{id}.toml")).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.id, id);
        }
        assert!(!condition("reversed-keys").is_purely_visual());
        assert!(condition("masked-similarity").is_purely_visual());
    }

    #[test]
    fn observation_is_the_grey_nearest_neighbour_sample_of_the_frame() {
        for (lname, _) in LEVELS {
            let level = level(lname);
            let worlds = states(&level);
            for (id, _) in CONDITIONS {
                let r = Renderer::new(&level, &condition(id)).unwrap();
                let mut frame = r.new_frame();
                for (w, h) in [(84, 84), (42, 42), (64, 48), (300, 7)] {
                    let obs = r.observer(w, h);
                    assert_eq!(obs.size(), (w, h));
                    let mut got = vec![0; (w * h) as usize];
                    for (k, world) in worlds.iter().enumerate() {
                        r.render(world, &mut frame);
                        obs.observe(&r, world, &mut got);
                        assert!(
                            got == naive_observation(&frame, w, h),
                            "{lname} / {id} / {w}x{h} / state {k}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn rendering_is_repeatable_and_shows_the_state() {
        let level = level("keydoor");
        let worlds = states(&level);
        for (id, _) in CONDITIONS {
            let r = Renderer::new(&level, &condition(id)).unwrap();
            let (mut a, mut b) = (r.new_frame(), r.new_frame());
            r.render(&worlds[0], &mut a);
            r.render(&worlds[1], &mut b);
            assert_ne!(a, b, "{id}: the player's move is not visible");
            r.render(&worlds[0], &mut b);
            assert_eq!(a, b, "{id}: same state, different frame");
            let mut no_key = worlds[0].clone();
            no_key.key_present = false;
            r.render(&no_key, &mut b);
            assert_ne!(a, b, "{id}: the key is drawn after it was taken");
        }
    }

    #[test]
    fn rotations_turn_the_whole_view() {
        let level = level("princess");
        let world = &states(&level)[2];
        let upright = Renderer::new(&level, &Condition::original()).unwrap();
        let mut f0 = upright.new_frame();
        upright.render(world, &mut f0);
        let (vw, vh) = level.view_px();
        for rot in [Rotation::R90, Rotation::R180, Rotation::R270] {
            let mut c = Condition::original();
            c.view.rotate_deg = rot;
            let r = Renderer::new(&level, &c).unwrap();
            let mut f = r.new_frame();
            r.render(world, &mut f);
            let (fw, fh) = r.frame_size();
            for fy in 0..fh {
                for fx in 0..fw {
                    // Where frame pixel (fx, fy) comes from in the upright view.
                    let (vx, vy) = match rot {
                        Rotation::R90 => (fy, vh - 1 - fx),
                        Rotation::R180 => (vw - 1 - fx, vh - 1 - fy),
                        Rotation::R270 => (vw - 1 - fy, fx),
                        Rotation::R0 => unreachable!(),
                    };
                    assert_eq!(f.pixel(fx, fy), f0.pixel(vx, vy), "{rot:?} at {fx},{fy}");
                }
            }
        }
    }

    #[test]
    fn the_player_faces_where_it_walked() {
        let level = level("princess");
        let r = Renderer::new(&level, &Condition::original()).unwrap();
        let mut world = World::new(&level);
        let (mut right, mut left) = (r.new_frame(), r.new_frame());
        r.render(&world, &mut right);
        world.player.facing = -1;
        r.render(&world, &mut left);
        // Mirrored within the sprite's own extent (the box can be wider: 15 px under the released
        // profile for a 12 px robot).
        let bm = &r.player[0];
        let (x0, y0) = bm.origin_on(world.player_rect(&level));
        let (w, h) = (bm.w, bm.h);
        for y in y0..y0 + h {
            for x in 0..w {
                let (a, b) = (
                    right.pixel((x0 + x) as u32, y as u32),
                    left.pixel((x0 + w - 1 - x) as u32, y as u32),
                );
                assert_eq!(a, b, "row {y}");
            }
        }
        assert_ne!(right, left);
    }

    #[test]
    fn a_theme_naming_a_missing_sprite_is_an_error() {
        let level = level("princess");
        let mut c = Condition::original();
        c.theme.paint.insert(
            Kind::Enemy,
            Paint::Sprite {
                sprite: "dragon".into(),
            },
        );
        let e = Renderer::new(&level, &c).unwrap_err();
        assert!(
            matches!(e, RenderError::UnknownSprite { kind: Kind::Enemy, ref name, .. } if name == "dragon"),
            "{e}"
        );
        assert!(e.to_string().contains("robot"), "{e}");
    }
}
