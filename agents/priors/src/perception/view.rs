//! Which way is down: the view turned into the frame of reference of gravity.
//!
//! The physics prior (`physics.rs`) says gravity points down the screen. That is a hypothesis
//! like the others: a person playing on a screen turned by a quarter turn sees the body fall
//! sideways within seconds and from then on reads the game sideways ("down" is where things
//! fall). The agent does the same. Every tick the self moves freely, the motion of its centre is
//! checked for gravity's signature along each of the four screen directions: a speed that grows
//! by the same 1 px/tick each tick, twice running (a jump's rise slowing, or a fall speeding
//! up; see `learning::movement::falls_freely`). Each sighting is one vote for that direction.
//! When another direction has more votes than "down" plus the prior's weight (and at least
//! [`MIN_VOTES`]), the agent turns its view so that direction points down: every frame is
//! turned by whole quarter turns before perception, and what was learned in the old frame
//! (background, grid, objects, beliefs, key roles) is learned again in the new one, starting
//! from the same priors. The keys' roles need no special treatment: in the turned view the
//! labelled arrows are again hypotheses, kept or replaced by what the keys are seen to do.
//!
//! Lesion (`Lesion::physics`): no direction is preferred before a fall has been seen (the
//! prior's weight is zero), so the first sightings decide.

use priors_agent_interface::Frame;

/// Votes another direction needs at least before the view is turned towards it.
pub const MIN_VOTES: u32 = 3;
/// The weight, in votes, of the prior that gravity points down the screen.
pub const PRIOR_VOTES: u32 = 2;

/// Screen directions, in the order of a quarter turn clockwise (y grows down the screen).
pub const DIRS: [(i32, i32); 4] = [(0, 1), (-1, 0), (0, -1), (1, 0)];

/// How the frame is turned before perception: whole quarter turns clockwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct View {
    /// Quarter turns clockwise, 0..4.
    pub turns: u8,
}

impl View {
    /// The frame as seen in this view.
    pub fn apply(self, f: &Frame) -> Frame {
        let mut out = f.clone();
        for _ in 0..self.turns % 4 {
            out = turn_clockwise(&out);
        }
        out
    }

    /// This view turned further so that `dir` (a direction of the frame seen in this view, one
    /// of [`DIRS`]) points down the screen.
    pub fn towards(self, dir: (i32, i32)) -> View {
        let mut d = dir;
        let mut k = 0u8;
        // A quarter turn clockwise takes (x, y) to (-y, x) in screen coordinates.
        while d != (0, 1) && k < 4 {
            d = (-d.1, d.0);
            k += 1;
        }
        View {
            turns: (self.turns + k) % 4,
        }
    }
}

/// The frame turned a quarter turn clockwise: the pixel at (x, y) goes to (h - 1 - y, x).
pub fn turn_clockwise(f: &Frame) -> Frame {
    let (w, h) = (f.width as i32, f.height as i32);
    let mut out = Frame::new(f.height, f.width);
    for y in 0..h {
        for x in 0..w {
            out.set_pixel(h - 1 - y, x, f.pixel(x, y));
        }
    }
    out
}

/// Votes for where gravity points, from the self's free motion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GravityVotes {
    /// Sightings per direction of [`DIRS`], in the current view.
    pub votes: [u32; 4],
    /// The prior's weight for "down" (zero under the physics lesion).
    pub prior: u32,
}

impl GravityVotes {
    /// No sighting yet; `lesioned`: no preferred direction.
    pub fn new(lesioned: bool) -> GravityVotes {
        GravityVotes {
            votes: [0; 4],
            prior: if lesioned { 0 } else { PRIOR_VOTES },
        }
    }

    /// Records three successive motions of the self's centre (oldest first, px per tick). Returns
    /// the direction of [`DIRS`] in which gravity's signature was seen, if in exactly one.
    pub fn observe(&mut self, motions: [(f32, f32); 3]) -> Option<usize> {
        let seen: Vec<usize> = (0..4)
            .filter(|&i| {
                let (ux, uy) = DIRS[i];
                let along = motions.map(|(dx, dy)| dx * ux as f32 + dy * uy as f32);
                crate::learning::movement::falls_freely(along)
            })
            .collect();
        match seen.as_slice() {
            [i] => {
                self.votes[*i] += 1;
                Some(*i)
            }
            _ => None,
        }
    }

    /// The direction the view should be turned towards, if the evidence now says gravity
    /// points elsewhere than down the screen.
    pub fn turn_to(&self) -> Option<(i32, i32)> {
        let down = self.votes[0] + self.prior;
        (1..4)
            .filter(|&i| self.votes[i] >= MIN_VOTES && self.votes[i] > down)
            .max_by_key(|&i| self.votes[i])
            .map(|i| DIRS[i])
    }

    /// The votes re-expressed after the view was turned so that `dir` points down.
    pub fn turned(&self, dir: (i32, i32)) -> GravityVotes {
        let k = View::default().towards(dir).turns as usize;
        let mut votes = [0; 4];
        for (i, v) in self.votes.iter().enumerate() {
            votes[(i + k) % 4] = *v;
        }
        GravityVotes {
            votes,
            prior: self.prior,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_with(w: u32, h: u32, x: i32, y: i32) -> Frame {
        let mut f = Frame::new(w, h);
        f.set_pixel(x, y, [255, 0, 0]);
        f
    }

    #[test]
    fn a_quarter_turn_clockwise_moves_pixels_as_drawn() {
        // A 4 x 2 frame with a mark at its top right: turned clockwise it is 2 x 4 with the mark
        // at the bottom right.
        let t = turn_clockwise(&frame_with(4, 2, 3, 0));
        assert_eq!((t.width, t.height), (2, 4));
        assert_eq!(t.pixel(1, 3), [255, 0, 0]);
        // Four turns give the frame back.
        let f = frame_with(5, 3, 1, 2);
        assert_eq!(View { turns: 4 }.apply(&f), f);
        assert_eq!(View { turns: 0 }.apply(&f), f);
    }

    #[test]
    fn the_view_is_turned_so_that_gravity_points_down() {
        for (i, d) in DIRS.iter().enumerate() {
            let v = View::default().towards(*d);
            assert_eq!(v.turns as usize, (4 - i) % 4);
            // A body falling along `d` in the old view falls down the screen in the new one:
            // check with a pixel at the far end of `d` from the centre of a square frame.
            let f = frame_with(5, 5, 2 + 2 * d.0, 2 + 2 * d.1);
            assert_eq!(v.apply(&f).pixel(2, 4), [255, 0, 0], "gravity {d:?}");
        }
    }

    #[test]
    fn a_sideways_fall_turns_the_view_once_seen_often_enough() {
        let mut g = GravityVotes::new(false);
        // A jump seen sideways: the speed to the left shrinks by 1 px/tick per tick (gravity
        // points left), the walk along the screen's y axis is steady.
        let jump = [(7.0, 3.0), (6.0, 3.0), (5.0, 3.0)];
        let fall = [(-1.0, 0.0), (-2.0, 0.0), (-3.0, 0.0)];
        assert_eq!(g.observe(jump), Some(1));
        assert_eq!(g.turn_to(), None, "one sighting is not enough");
        g.observe(fall);
        assert_eq!(g.turn_to(), None, "nor two against the prior");
        g.observe(fall);
        assert_eq!(g.turn_to(), Some((-1, 0)));
        // After turning, the same evidence reads as gravity down.
        let t = g.turned((-1, 0));
        assert_eq!(t.votes[0], 3);
        assert_eq!(t.turn_to(), None);
        // Walking or standing is no evidence; a fall seen as expected keeps the view.
        let mut g = GravityVotes::new(false);
        assert_eq!(g.observe([(4.0, 0.0); 3]), None);
        assert_eq!(g.observe([(0.0, -6.0), (0.0, -5.0), (0.0, -4.0)]), Some(0));
        assert_eq!(g.turn_to(), None);
    }

    #[test]
    fn without_the_physics_prior_the_first_sightings_decide() {
        let up = [(0.0, 1.0), (0.0, 0.0), (0.0, -1.0)];
        let down = [(0.0, -1.0), (0.0, 0.0), (0.0, 1.0)];
        let votes = |lesioned: bool| {
            let mut g = GravityVotes::new(lesioned);
            g.observe(down);
            g.observe(down);
            for _ in 0..MIN_VOTES {
                g.observe(up);
            }
            g.turn_to()
        };
        // Three sightings up against two down: enough without the prior, not with it.
        assert_eq!(votes(true), Some((0, -1)));
        assert_eq!(votes(false), None);
    }
}
