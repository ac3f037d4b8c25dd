//! The static/dynamic split of the frame: a per-pixel background estimate (the colour a pixel has
//! held most of the time, by a streaming majority vote) and the dynamic mask (pixels that differ
//! from it now). Whatever moves or appears for a short while (the self, a removed enemy, a picked
//! key) is dynamic; walls, ladders and resting objects are static.
//!
//! Why a majority vote: a moving body covers any one pixel only briefly, so the vote recovers the
//! scene behind it with no knowledge of what the body is; pixels under the self (once it is
//! known) are not voted on, so a self standing still never becomes background. A colour that
//! holds still for [`SETTLE_FRAMES`] frames outside the self becomes background at once (a
//! removed enemy leaves no lasting ghost).
//! What it replaces when lesioned: nothing (no prior is encoded here; it is the agent's retina).

use crate::geom::PxBox;
use priors_agent_interface::Frame;

/// Frames a new colour must hold, outside the self, to become background at once.
pub const SETTLE_FRAMES: u16 = 8;

/// The background estimate and its vote counts.
#[derive(Debug, Clone)]
pub struct StaticModel {
    width: u32,
    height: u32,
    /// The current background colour of each pixel.
    bg: Vec<[u8; 3]>,
    /// Votes for it (Boyer-Moore majority counter).
    votes: Vec<u16>,
    /// The colour each pixel had last frame, and for how many frames running.
    last: Vec<[u8; 3]>,
    stable: Vec<u16>,
    /// Pixels whose background colour changed since [`StaticModel::take_changed`].
    changed: usize,
}

impl StaticModel {
    /// A model that starts from `frame` (every pixel one vote).
    pub fn new(frame: &Frame) -> StaticModel {
        let bg: Vec<[u8; 3]> = frame
            .rgb
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        let n = (frame.width * frame.height) as usize;
        StaticModel {
            width: frame.width,
            height: frame.height,
            last: bg.clone(),
            bg,
            votes: vec![1; n],
            stable: vec![1; n],
            changed: 0,
        }
    }

    /// Votes with `frame`, skipping the pixels inside `exclude` (the self).
    pub fn update(&mut self, frame: &Frame, exclude: Option<PxBox>) {
        let w = self.width as i32;
        for (i, c) in frame.rgb.chunks_exact(3).enumerate() {
            if let Some(b) = exclude {
                let (x, y) = (i as i32 % w, i as i32 / w);
                if x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1 {
                    continue;
                }
            }
            let c = [c[0], c[1], c[2]];
            if self.last[i] == c {
                self.stable[i] = self.stable[i].saturating_add(1);
            } else {
                self.last[i] = c;
                self.stable[i] = 1;
            }
            if self.bg[i] != c && self.stable[i] >= SETTLE_FRAMES {
                // A new colour that has stayed put is the scene now (an enemy removed, a key
                // picked up): a long-held vote would otherwise keep its ghost for many frames.
                self.bg[i] = c;
                self.votes[i] = self.stable[i];
                self.changed += 1;
            } else if self.bg[i] == c {
                self.votes[i] = self.votes[i].saturating_add(1).min(64);
            } else if self.votes[i] == 0 {
                self.bg[i] = c;
                self.votes[i] = 1;
                self.changed += 1;
            } else {
                self.votes[i] -= 1;
            }
        }
    }

    /// The background colour at `(x, y)` (black outside).
    pub fn bg(&self, x: i32, y: i32) -> [u8; 3] {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return [0; 3];
        }
        self.bg[(y * self.width as i32 + x) as usize]
    }

    /// The background as a frame.
    pub fn background(&self) -> Frame {
        Frame {
            width: self.width,
            height: self.height,
            rgb: self.bg.iter().flatten().copied().collect(),
        }
    }

    /// Whether `(x, y)` is dynamic in `frame` (differs from the background).
    pub fn is_dynamic(&self, frame: &Frame, x: i32, y: i32) -> bool {
        frame.pixel(x, y) != self.bg(x, y)
    }

    /// How many background pixels changed since the last call, and resets the count.
    pub fn take_changed(&mut self) -> usize {
        std::mem::take(&mut self.changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_with_block(x0: i32) -> Frame {
        let mut f = Frame::new(40, 10);
        for y in 2..6 {
            for x in x0..x0 + 4 {
                f.set_pixel(x, y, [200, 0, 0]);
            }
        }
        f
    }

    #[test]
    fn a_moving_block_is_dynamic_and_the_scene_behind_it_is_recovered() {
        // The block starts at x = 2 (so it is in the first frame) and walks right.
        let mut m = StaticModel::new(&frame_with_block(2));
        for t in 0..30 {
            m.update(&frame_with_block(2 + t), None);
        }
        // The start position has been voted back to black.
        assert_eq!(m.bg(3, 3), [0, 0, 0]);
        let now = frame_with_block(31);
        assert!(m.is_dynamic(&now, 32, 3));
        assert!(!m.is_dynamic(&now, 10, 3));
    }

    #[test]
    fn a_removed_object_settles_into_the_background() {
        let with = frame_with_block(10);
        let mut m = StaticModel::new(&with);
        for _ in 0..60 {
            m.update(&with, None);
        }
        let without = Frame::new(40, 10);
        for _ in 0..SETTLE_FRAMES {
            m.update(&without, None);
        }
        assert!(!m.is_dynamic(&without, 11, 3));
        assert!(m.take_changed() > 0);
    }

    #[test]
    fn an_excluded_still_body_never_becomes_background() {
        let mut m = StaticModel::new(&Frame::new(40, 10));
        let f = frame_with_block(10);
        let b = PxBox {
            x0: 10,
            y0: 2,
            x1: 14,
            y1: 6,
        };
        for _ in 0..50 {
            m.update(&f, Some(b));
        }
        assert!(m.is_dynamic(&f, 11, 3));
    }
}
