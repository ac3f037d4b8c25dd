//! Self-localisation by contingency: which thing on screen is *me*? Before it knows, the agent
//! follows every blob of changing pixels from tick to tick and counts, for each, the ticks it
//! moved while a key was held and the ticks it moved with no key held. The self is the blob
//! whose motion follows the keys (a patrolling enemy moves whatever is pressed; a wall never
//! moves). From then on the self is tracked as the connected dynamic pixels (see `statics.rs`)
//! near where it was, and a jump of many cells in one tick is reported as a teleport (a death
//! and respawn under the human rules, as a subject sees it).
//!
//! Lesions do not touch this module: knowing which body one controls is the precondition of all
//! the priors the paper varies (none of its conditions hides the player).

use crate::geom::PxBox;
use crate::perception::statics::StaticModel;
use priors_agent_interface::{Frame, KeySet};

/// Ticks of key-following motion, less twice the ticks of motion without keys, that identify
/// the self.
const CONTINGENT_TICKS: i32 = 3;
/// How far (px) the self is searched around its last box.
const TRACK_WINDOW_PX: i32 = 16;
/// Ticks running on which the box, held in place without a reliable sight of the self, does not
/// move while keys are held, before the self is taken as lost and found again by contingency.
pub const LOST_TICKS: u32 = 24;

/// Whether the self is carried over a turn of the view (see [`SelfTracker::turned`]); off only
/// to show what it fixes.
pub(crate) const CARRY_OVER_TURNS: bool = true;

/// A blob followed while the self is unknown.
#[derive(Debug, Clone)]
struct Track {
    bbox: PxBox,
    keyed_moves: i32,
    free_moves: i32,
}

/// What the tracker saw this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SelfEvent {
    /// The self is not known yet.
    Unknown,
    /// The self was found this tick.
    Found(PxBox),
    /// The self is at this box (it moved by `(dx, dy)` px since the last tick).
    At {
        /// Its box now.
        bbox: PxBox,
        /// Horizontal motion of its centre, px.
        dx: f32,
        /// Vertical motion of its centre, px (positive is down the frame).
        dy: f32,
        /// False when the self was seen merged with something else or cut short, so its
        /// position is a guess and its motion is not to be learned from.
        reliable: bool,
    },
    /// The self vanished from where it was and appeared far away (`from` its last box).
    Teleported {
        /// Its box before.
        from: PxBox,
        /// Its box now.
        to: PxBox,
    },
}

/// Finds and follows the self.
#[derive(Debug, Clone, Default)]
pub struct SelfTracker {
    prev: Option<Frame>,
    tracks: Vec<Track>,
    /// The self's box, once known.
    pub self_box: Option<PxBox>,
    /// Where the self was first seen (its spawn point).
    pub spawn: Option<PxBox>,
    /// The size of the self candidate last tick (it must hold steady to be trusted).
    pending_size: Option<(i32, i32)>,
    /// The self's size when found.
    size: Option<(i32, i32)>,
    /// The self's own colours (those of at least a twentieth of its pixels when found) and
    /// how many of its pixels had them.
    look: Option<(Vec<[u8; 3]>, u32)>,
    /// Ticks running with keys held on which the box stayed put, unreliable.
    stale: u32,
    /// The box was carried over a turn of the view (see [`SelfTracker::turned`]): the next
    /// frame reports it found there.
    carried: bool,
}

/// Connected components (8-neighbourhood) of the pixels where `mask` holds, inside `area`;
/// components closer than 3 px are merged. Returns (bbox, pixel count) per component.
pub fn components(area: PxBox, mask: impl Fn(i32, i32) -> bool) -> Vec<(PxBox, u32)> {
    let (w, h) = (area.w().max(0), area.h().max(0));
    let mut label = vec![u32::MAX; (w * h) as usize];
    let mut out: Vec<(PxBox, u32)> = Vec::new();
    let mut stack = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            if label[i] != u32::MAX || !mask(area.x0 + x, area.y0 + y) {
                continue;
            }
            let id = out.len() as u32;
            let mut b = PxBox {
                x0: x,
                y0: y,
                x1: x + 1,
                y1: y + 1,
            };
            let mut n = 0;
            label[i] = id;
            stack.push((x, y));
            while let Some((cx, cy)) = stack.pop() {
                n += 1;
                b = b.union(&PxBox {
                    x0: cx,
                    y0: cy,
                    x1: cx + 1,
                    y1: cy + 1,
                });
                for ny in (cy - 1).max(0)..=(cy + 1).min(h - 1) {
                    for nx in (cx - 1).max(0)..=(cx + 1).min(w - 1) {
                        let j = (ny * w + nx) as usize;
                        if label[j] == u32::MAX && mask(area.x0 + nx, area.y0 + ny) {
                            label[j] = id;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            out.push((b.shifted(area.x0, area.y0), n));
        }
    }
    // Merge components whose boxes nearly touch (a sprite with a gap is one thing).
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..out.len() {
            for j in i + 1..out.len() {
                if out[i].0.grown(2).overlaps(&out[j].0) {
                    let (b, n) = out.remove(j);
                    out[i].0 = out[i].0.union(&b);
                    out[i].1 += n;
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    out
}

fn whole(f: &Frame) -> PxBox {
    PxBox {
        x0: 0,
        y0: 0,
        x1: f.width as i32,
        y1: f.height as i32,
    }
}

impl SelfTracker {
    /// Gives the box up: it is on something else. The self is found again by contingency.
    pub fn lose(&mut self) {
        self.stale = 0;
        self.self_box = None;
        self.tracks.clear();
        self.pending_size = None;
    }

    /// The tracker for the view turned `k` quarter turns clockwise further: the self is the
    /// same body, and the turn moves it on the screen as it moves everything else, so its box
    /// and spawn are turned with the frame (its size with them), its colours are kept, and the
    /// next frame reports it found where the turn put it. What was followed frame to frame is
    /// dropped (the next frame is the first in the new view). Without this the self was found
    /// again by contingency in the new view, over a background only a few frames old: princess /
    /// hard seed 1 (tick 32) found it standing 2 px beside a ghost of where it had stood when
    /// the view turned, as one 24 x 15 box (the body is 15 x 15); the box kept that size for the
    /// rest of the run, every motion was unreliable, the grid was cut at 27 px, and the run was
    /// censored at 100,000 ticks.
    pub fn turned(&self, k: u8) -> SelfTracker {
        let (Some(prev), Some(b)) = (&self.prev, self.self_box) else {
            return SelfTracker::default();
        };
        if !CARRY_OVER_TURNS {
            return SelfTracker::default();
        }
        let (mut w, mut h) = (prev.width as i32, prev.height as i32);
        let (mut b, mut spawn, mut size) = (b, self.spawn, self.size);
        for _ in 0..k % 4 {
            b = b.turned_clockwise(h);
            spawn = spawn.map(|s| s.turned_clockwise(h));
            size = size.map(|(sw, sh)| (sh, sw));
            (w, h) = (h, w);
        }
        SelfTracker {
            self_box: Some(b),
            spawn,
            size,
            look: self.look.clone(),
            carried: true,
            ..SelfTracker::default()
        }
    }

    /// Forgets the self's whereabouts (a new episode) but keeps what it looks like and where it
    /// spawns.
    pub fn new_episode(&mut self) {
        self.prev = None;
        self.self_box = self.spawn;
    }

    /// Takes the frame after a tick in which `held` was pressed.
    pub fn observe(&mut self, frame: &Frame, statics: &StaticModel, held: KeySet) -> SelfEvent {
        let prev = self.prev.replace(frame.clone());
        let Some(prev) = prev else {
            if std::mem::take(&mut self.carried)
                && let Some(b) = self.self_box
            {
                return SelfEvent::Found(b);
            }
            return match self.self_box {
                Some(b) => SelfEvent::At {
                    bbox: b,
                    dx: 0.0,
                    dy: 0.0,
                    reliable: false,
                },
                None => SelfEvent::Unknown,
            };
        };
        match self.self_box {
            None => self.localise(frame, &prev, statics, held),
            Some(last) => {
                let ev = self.track(frame, statics, last);
                // A box that keeps its place, unsure, while keys are held is on something else
                // (keydoor / masked-object-identity: a placebo block of the self's colour, seen
                // merged with the self as it passed, then kept for ever since the box's pixels
                // are never voted on while the body walked away). Lost: find it again.
                let stuck = matches!(ev, SelfEvent::At { dx, dy, reliable: false, .. }
                    if dx == 0.0 && dy == 0.0)
                    && !held.is_empty();
                self.stale = if stuck { self.stale + 1 } else { 0 };
                if self.stale >= LOST_TICKS {
                    self.stale = 0;
                    self.self_box = None;
                    self.tracks.clear();
                    self.pending_size = None;
                    return SelfEvent::Unknown;
                }
                ev
            }
        }
    }

    fn localise(
        &mut self,
        frame: &Frame,
        prev: &Frame,
        statics: &StaticModel,
        held: KeySet,
    ) -> SelfEvent {
        let blobs = components(whole(frame), |x, y| frame.pixel(x, y) != prev.pixel(x, y));
        // Blobs of this tick near a track belong to it (a moving body with a uniform inside
        // changes only at its leading and trailing edges: two blobs).
        let mut moved = vec![None::<PxBox>; self.tracks.len()];
        for (b, _) in blobs {
            match self
                .tracks
                .iter()
                .position(|t| t.bbox.grown(12).overlaps(&b))
            {
                Some(i) => moved[i] = Some(moved[i].map_or(b, |m| m.union(&b))),
                None => {
                    self.tracks.push(Track {
                        bbox: b,
                        keyed_moves: 0,
                        free_moves: 0,
                    });
                    moved.push(Some(b));
                }
            }
        }
        for (t, m) in self.tracks.iter_mut().zip(moved) {
            if let Some(b) = m {
                t.bbox = b;
                if held.is_empty() {
                    t.free_moves += 1;
                } else {
                    t.keyed_moves += 1;
                }
            }
        }
        let best = self
            .tracks
            .iter()
            .filter(|t| t.keyed_moves - 2 * t.free_moves >= CONTINGENT_TICKS)
            .max_by_key(|t| t.keyed_moves - 2 * t.free_moves)
            .cloned();
        let Some(t) = best else {
            return SelfEvent::Unknown;
        };
        // The self's pixels now: the dynamic pixels inside the blob's area.
        let area = t.bbox.grown(2);
        let parts = components(area, |x, y| statics.is_dynamic(frame, x, y));
        let Some(b) = parts.iter().max_by_key(|p| p.1).map(|p| p.0) else {
            return SelfEvent::Unknown;
        };
        // Its size must hold for two ticks: while the self still covers pixels it covered in the
        // first frame, the background there is still its own colour and it looks cut short.
        let size = (b.w(), b.h());
        let steady = self
            .pending_size
            .is_some_and(|(w, h)| (w - size.0).abs() <= 1 && (h - size.1).abs() <= 1);
        self.pending_size = Some(size);
        if !steady {
            return SelfEvent::Unknown;
        }
        self.self_box = Some(b);
        self.size = Some(size);
        self.look = Some(Self::look_of(frame, statics, b));
        self.spawn.get_or_insert(b);
        self.tracks.clear();
        SelfEvent::Found(b)
    }

    /// The colours of the dynamic pixels in `b` that make up at least a twentieth of them.
    fn look_of(frame: &Frame, statics: &StaticModel, b: PxBox) -> (Vec<[u8; 3]>, u32) {
        let mut counts = std::collections::BTreeMap::<[u8; 3], u32>::new();
        for y in b.y0..b.y1 {
            for x in b.x0..b.x1 {
                if statics.is_dynamic(frame, x, y) {
                    *counts.entry(frame.pixel(x, y)).or_default() += 1;
                }
            }
        }
        let n: u32 = counts.values().sum();
        let own: Vec<([u8; 3], u32)> = counts.into_iter().filter(|(_, k)| k * 20 >= n).collect();
        (
            own.iter().map(|(c, _)| *c).collect(),
            own.iter().map(|(_, k)| k).sum(),
        )
    }

    /// Inside a blob larger than the self (the self merged with a ghost or with something it
    /// passes), the self-sized window holding most dynamic pixels of the self's own colours,
    /// the one nearest `last` among equals, and whether it holds nearly all the self's pixels.
    fn best_window(
        &self,
        frame: &Frame,
        statics: &StaticModel,
        blob: PxBox,
        (w, h): (i32, i32),
        last: PxBox,
    ) -> Option<(PxBox, bool)> {
        let (colours, n_own) = self.look.as_ref()?;
        if colours.is_empty() || blob.w() < w || blob.h() < h {
            return None;
        }
        let (bw, bh) = (blob.w() as usize, blob.h() as usize);
        // Integral image of "dynamic and of the self's colours".
        let mut acc = vec![0u32; (bw + 1) * (bh + 1)];
        for y in 0..bh {
            for x in 0..bw {
                let (px, py) = (blob.x0 + x as i32, blob.y0 + y as i32);
                let c = frame.pixel(px, py);
                let own = statics.is_dynamic(frame, px, py)
                    && colours
                        .iter()
                        .any(|o| crate::geom::colour_dist(*o, c) <= 12);
                acc[(y + 1) * (bw + 1) + x + 1] =
                    u32::from(own) + acc[y * (bw + 1) + x + 1] + acc[(y + 1) * (bw + 1) + x]
                        - acc[y * (bw + 1) + x];
            }
        }
        let sum = |x0: usize, y0: usize| {
            let (x1, y1) = (x0 + w as usize, y0 + h as usize);
            acc[y1 * (bw + 1) + x1] + acc[y0 * (bw + 1) + x0]
                - acc[y0 * (bw + 1) + x1]
                - acc[y1 * (bw + 1) + x0]
        };
        let mut best: Option<(u32, i32, PxBox)> = None;
        for y0 in 0..=(bh - h as usize) {
            for x0 in 0..=(bw - w as usize) {
                let b = PxBox {
                    x0: blob.x0 + x0 as i32,
                    y0: blob.y0 + y0 as i32,
                    x1: blob.x0 + x0 as i32 + w,
                    y1: blob.y0 + y0 as i32 + h,
                };
                let score = sum(x0, y0);
                let d = (b.x0 - last.x0).abs() + (b.y0 - last.y0).abs();
                if best.is_none_or(|(s, bd, _)| score > s || (score == s && d < bd)) {
                    best = Some((score, d, b));
                }
            }
        }
        let (score, _, b) = best?;
        (score > 0).then_some((b, score * 10 >= n_own * 9))
    }

    fn track(&mut self, frame: &Frame, statics: &StaticModel, last: PxBox) -> SelfEvent {
        let window = last.grown(TRACK_WINDOW_PX);
        let parts = components(window, |x, y| statics.is_dynamic(frame, x, y));
        // The part most like the self in size and place (a ghost left by a removed object
        // can lie right beside it).
        let (w, h) = self.size.unwrap_or((last.w(), last.h()));
        let (lx, ly) = last.centre();
        let near = parts
            .iter()
            .filter(|p| p.0.overlaps(&last.grown(10)) && p.1 >= 4)
            .min_by(|a, b| {
                let cost = |p: &PxBox| {
                    let (x, y) = p.centre();
                    ((p.w() - w).abs() + (p.h() - h).abs()) as f32
                        + ((x - lx).abs() + (y - ly).abs()) / 4.0
                };
                cost(&a.0).total_cmp(&cost(&b.0))
            })
            .map(|p| p.0);
        if let Some(mut b) = near {
            let mut reliable = true;
            if (b.w() - w).abs() > 3 || (b.h() - h).abs() > 3 {
                // Merged with something (a ghost, a sprite it touches) or partly hidden: keep the
                // known size, placed inside what was seen as near the last box as possible, and
                // say the motion is not to be learned from. Unless the self's own colours mark
                // out one self-sized window in it: then that is the self (a ghost left where it
                // stood holds none of them, so the box is not held back by the ghost).
                reliable = false;
                if let Some((found, sure)) = self.best_window(frame, statics, b, (w, h), last) {
                    self.self_box = Some(found);
                    let ((x0, y0), (x1, y1)) = (last.centre(), found.centre());
                    return SelfEvent::At {
                        bbox: found,
                        dx: x1 - x0,
                        dy: y1 - y0,
                        reliable: sure,
                    };
                }
                let x0 = last.x0.clamp(b.x0, (b.x1 - w).max(b.x0));
                let y0 = last.y0.clamp(b.y0, (b.y1 - h).max(b.y0));
                b = PxBox {
                    x0,
                    y0,
                    x1: x0 + w,
                    y1: y0 + h,
                };
            }
            self.self_box = Some(b);
            let ((x0, y0), (x1, y1)) = (last.centre(), b.centre());
            return SelfEvent::At {
                bbox: b,
                dx: x1 - x0,
                dy: y1 - y0,
                reliable,
            };
        }
        // Gone from here: look for a body of about the same size elsewhere, nearest the spawn.
        let size = (last.w(), last.h());
        let spawn = self.spawn.unwrap_or(last).centre();
        let far = components(whole(frame), |x, y| statics.is_dynamic(frame, x, y))
            .into_iter()
            .filter(|(b, n)| {
                *n >= 4
                    && (b.w() - size.0).abs() <= size.0 / 2 + 2
                    && (b.h() - size.1).abs() <= size.1 / 2 + 2
            })
            .min_by(|a, b| {
                let d = |p: &PxBox| {
                    let c = p.centre();
                    (c.0 - spawn.0).abs() + (c.1 - spawn.1).abs()
                };
                d(&a.0).total_cmp(&d(&b.0))
            });
        match far {
            Some((b, _)) => {
                self.self_box = Some(b);
                SelfEvent::Teleported { from: last, to: b }
            }
            // Not visible (e.g. hidden behind something of its own colours): assume it stayed.
            None => SelfEvent::At {
                bbox: last,
                dx: 0.0,
                dy: 0.0,
                reliable: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use priors_agent_interface::Key;

    fn scene(me_x: i32, other_x: i32) -> Frame {
        let mut f = Frame::new(120, 40);
        for (x0, col) in [(me_x, [0, 90, 250]), (other_x, [250, 120, 200])] {
            for y in 20..30 {
                for x in x0..x0 + 10 {
                    f.set_pixel(x, y, col);
                }
            }
        }
        f
    }

    #[test]
    fn the_self_is_the_blob_that_follows_the_keys_not_the_one_that_moves_alone() {
        let (mut me, mut other) = (10, 60);
        let mut frame = scene(me, other);
        let mut statics = StaticModel::new(&frame);
        let mut tr = SelfTracker::default();
        tr.observe(&frame, &statics, KeySet::NONE);
        let mut found = None;
        for t in 0..30 {
            // Keys on three ticks of four: the self moves then; the other blob patrols every tick.
            let held = if t % 4 != 0 {
                KeySet::one(Key::Right)
            } else {
                KeySet::NONE
            };
            // Faster than its own width per two ticks, as the player (7 px a tick, 15 px wide):
            // a body that lingers where it was in the first frame is seen cut short until the
            // background vote there turns (see `localise`).
            if !held.is_empty() {
                me += 6;
            }
            other += if (t / 10) % 2 == 0 { 3 } else { -3 };
            frame = scene(me, other);
            statics.update(&frame, tr.self_box);
            if let SelfEvent::Found(b) = tr.observe(&frame, &statics, held) {
                found = Some((b, me));
                break;
            }
        }
        let (b, x) = found.expect("the self was never found");
        assert_eq!((b.x0, b.x1, b.y0, b.y1), (x, x + 10, 20, 30));
    }

    #[test]
    fn a_turn_of_the_view_carries_the_self_over() {
        // The self known at x 30..40, y 20..30 of a 120 x 40 frame; the view is turned half a
        // turn. In the new view it is the same body, at x 80..90, y 10..20, found at once (not
        // searched for again over a background a few frames old, where it can be taken together
        // with a ghost of itself).
        let f = scene(30, 100);
        let statics = StaticModel::new(&f);
        let mut tr = SelfTracker {
            self_box: Some(PxBox {
                x0: 30,
                y0: 20,
                x1: 40,
                y1: 30,
            }),
            size: Some((10, 10)),
            look: Some((vec![[0, 90, 250]], 100)),
            ..SelfTracker::default()
        };
        tr.observe(&f, &statics, KeySet::NONE);
        let mut turned = tr.turned(2);
        let g = crate::perception::view::View { turns: 2 }.apply(&f);
        let ev = turned.observe(&g, &StaticModel::new(&g), KeySet::NONE);
        let want = PxBox {
            x0: 80,
            y0: 10,
            x1: 90,
            y1: 20,
        };
        assert_eq!(ev, SelfEvent::Found(want));
        assert_eq!(g.pixel(80, 10), [0, 90, 250]);
        assert_eq!(g.pixel(89, 19), [0, 90, 250]);
        // A quarter turn: the size turns with it.
        let q = tr.turned(1);
        assert_eq!(q.size, Some((10, 10)));
        let b = q.self_box.unwrap();
        let g1 = crate::perception::view::View { turns: 1 }.apply(&f);
        assert_eq!(g1.pixel(b.x0, b.y0), [0, 90, 250]);
        assert_eq!(g1.pixel(b.x1 - 1, b.y1 - 1), [0, 90, 250]);
        assert_eq!((b.w(), b.h()), (10, 10));
    }

    #[test]
    fn a_far_jump_is_a_teleport() {
        let mut tr = SelfTracker::default();
        let f0 = scene(80, 200);
        let statics = StaticModel::new(&Frame::new(120, 40));
        tr.self_box = Some(PxBox {
            x0: 80,
            y0: 20,
            x1: 90,
            y1: 30,
        });
        tr.spawn = Some(PxBox {
            x0: 10,
            y0: 20,
            x1: 20,
            y1: 30,
        });
        tr.observe(&f0, &statics, KeySet::NONE);
        let ev = tr.observe(&scene(12, 200), &statics, KeySet::NONE);
        assert!(
            matches!(ev, SelfEvent::Teleported { to, .. } if to.x0 == 12),
            "{ev:?}"
        );
    }

    #[test]
    fn a_self_merged_with_its_ghost_is_found_by_its_own_colours() {
        // The background holds a stale picture where the self stood (x 20..30: a ghost,
        // dynamic because the frame there is black now); the self has moved to x 28..38. One
        // dynamic blob covers both, wider than the self.
        let blue = [0, 90, 250];
        let mut bg = Frame::new(120, 40);
        for y in 20..30 {
            for x in 20..30 {
                bg.set_pixel(x, y, [200, 40, 40]);
            }
        }
        let statics = StaticModel::new(&bg);
        let mut now = Frame::new(120, 40);
        for y in 20..30 {
            for x in 28..38 {
                now.set_pixel(x, y, blue);
            }
        }
        let last = PxBox {
            x0: 20,
            y0: 20,
            x1: 30,
            y1: 30,
        };
        let mut tr = SelfTracker {
            self_box: Some(last),
            size: Some((10, 10)),
            look: Some((vec![blue], 100)),
            ..SelfTracker::default()
        };
        tr.observe(&bg, &statics, KeySet::NONE);
        let ev = tr.observe(&now, &statics, KeySet::NONE);
        match ev {
            SelfEvent::At { bbox, dx, .. } => {
                assert_eq!((bbox.x0, bbox.x1), (28, 38), "{ev:?}");
                assert_eq!(dx, 8.0);
            }
            _ => panic!("{ev:?}"),
        }
    }

    #[test]
    fn a_box_held_in_place_while_keys_are_held_is_given_up() {
        // The box sits on a static block of the self's colour that the background holds as
        // dynamic (a stale picture under the box); the body is far off, out of the window.
        let blue = [0, 90, 250];
        let statics = StaticModel::new(&Frame::new(120, 40));
        let mut f = Frame::new(120, 40);
        for y in 20..30 {
            for x in 20..30 {
                f.set_pixel(x, y, blue);
            }
        }
        let last = PxBox {
            x0: 20,
            y0: 20,
            x1: 30,
            y1: 36,
        };
        let mut tr = SelfTracker {
            self_box: Some(last),
            size: Some((10, 16)),
            look: Some((vec![blue], 160)),
            ..SelfTracker::default()
        };
        tr.observe(&f, &statics, KeySet::NONE);
        let mut lost = None;
        for t in 0..2 * LOST_TICKS {
            if let SelfEvent::Unknown = tr.observe(&f, &statics, KeySet::one(Key::Right)) {
                lost = Some(t + 1);
                break;
            }
        }
        assert_eq!(lost, Some(LOST_TICKS));
        assert!(tr.self_box.is_none());
    }
}
