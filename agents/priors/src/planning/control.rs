//! The controller: turns the plan's next move into the keys of one tick, closing the loop on
//! where the self actually is (walk until centred on the target column, centre on a ladder's
//! column before climbing, climb until the feet are in the target row; a walk that does not move
//! the body hops). A jump is the one commitment over several ticks: press the jump key once,
//! rise until clear of a cell-high obstacle when one is in the way, then steer to the target
//! column while in the air (the physics prior's "walk also in the air" is not assumed: if
//! steering does nothing the jump lands short and the agent replans from where it lands).

use crate::geom::PxBox;
use crate::perception::grid::Grid;
use crate::planning::search::Move;
use priors_agent_interface::{Key, KeySet};

/// The self as the controller needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfState {
    /// Its box.
    pub bbox: PxBox,
    /// Vertical motion of the last tick, px.
    pub dy: f32,
    /// Resting on something solid.
    pub standing: bool,
    /// Holding on to something climbable.
    pub on_ladder: bool,
    /// Its whole box, feet included, touches something climbable (at a ladder's top the body
    /// can rest with its feet a pixel into the ladder, not holding on).
    pub at_ladder: bool,
}

/// The keys believed to have each role (`None`: unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoleKeys {
    /// Walks left.
    pub left: Option<Key>,
    /// Walks right.
    pub right: Option<Key>,
    /// Jumps and climbs up.
    pub up: Option<Key>,
    /// Climbs down.
    pub down: Option<Key>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Jump {
    target_x: f32,
    takeoff_bottom: i32,
    ticks: i32,
    over: bool,
}

/// How many ways of pressing keys a climb may need (see [`climb_keys`]).
pub const CLIMB_RECIPES: usize = 6;

/// Whether a jump that did not leave the ground is dropped (`drop_jump_not_taken`); off only to
/// show what it fixes.
const LAUNCH_CHECK: bool = true;

/// Whether a climb into a column of a ladder run is started from inside that column
/// (`climb_window`); off only to show what it fixes (the body is then centred on the run's
/// middle line, which on a two-wide ladder is the border between its columns).
const CLIMB_IN_COLUMN: bool = true;

/// Where the body's centre (px) must be for a climb into column `col` of the ladder run that
/// spans `run` (px, from its left edge to its right edge), the body `w` px wide. Before, it was
/// the run's middle line +- `tol`; now it is the part of that, or of the column's own centre
/// line +- `tol`, that lies in column `col` itself (where the planner, which places the body by
/// its centre, puts it) with the whole box over the run (a body overlapping the next column
/// catches on whatever is solid there) and one pixel to spare at each end (the box is drawn in
/// whole pixels, the body's position is not); at least `tol` either side of its middle, so that
/// a walking step can always land in it (a one-wide ladder: its centre line +- `tol`, as
/// before).
/// h10-unseen-7 seed 1 (ticks 175-1,550): the left ladder is two wide; centring on its middle
/// line (the border between its columns, x 30) put the body's centre at x 27 (column 1) while
/// the plan, made with the body at x 34 (column 2), climbed down column 2; replanned from column
/// 1, it walked back right, and the two alternated every tick for hundreds of ticks.
/// keydoor seed 1, without the spare pixel: the body drawn at x 300-312 on a ladder whose run
/// begins at x 300 was at x 299.5-311.5, caught on the floor beside the ladder, and climbed no
/// higher. princess / masked-affordances seed 5, with the whole column allowed: on a run of
/// textures believed climbable the body climbed at the column's edge, into a floor.
pub fn climb_window(grid: &Grid, col: i32, run: (f32, f32), w: f32, tol: f32) -> (f32, f32) {
    let mid = (run.0 + run.1) / 2.0;
    if !CLIMB_IN_COLUMN {
        return (mid - tol, mid + tol);
    }
    // In the column, the box over the run.
    let lo = (grid.x0(col) as f32).max(run.0 + w / 2.0 + 1.0);
    let hi = (grid.x0(col + 1) as f32 - 0.5).min(run.1 - w / 2.0 - 1.0);
    // Near the column's centre line or the run's middle line.
    let near = |line: f32| {
        let (a, b) = (lo.max(line - tol), hi.min(line + tol));
        (a <= b).then_some((a, b))
    };
    let (lo, hi) = match (near(grid.cx(col)), near(mid)) {
        (Some(a), Some(b)) => (a.0.min(b.0), a.1.max(b.1)),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => (grid.cx(col), grid.cx(col)),
    };
    let (centre, half) = ((lo + hi) / 2.0, ((hi - lo) / 2.0).max(tol));
    (centre - half, centre + half)
}

/// The keys of one tick of climbing up under recipe `recipe` (`alt` flips every tick). When the
/// key that climbs is known (it was seen to jump or climb) but holding it on a ladder does not
/// raise the body, the way it must be pressed is searched, simplest first: the key alone; the
/// key held with each other arrow; the key held while the two walking keys alternate; the two
/// walking keys alternating alone. Motor babbling over a small space of key programs, not
/// knowledge of any one game.
pub fn climb_keys(recipe: usize, keys: &RoleKeys, alt: bool) -> KeySet {
    let set = |ks: &[Option<Key>]| ks.iter().flatten().fold(KeySet::NONE, |s, k| s.with(*k));
    let side = if alt { keys.right } else { keys.left };
    match recipe % CLIMB_RECIPES {
        0 => set(&[keys.up]),
        1 => set(&[keys.up, keys.left]),
        2 => set(&[keys.up, keys.right]),
        3 => set(&[keys.up, keys.down]),
        4 => set(&[keys.up, side]),
        _ => set(&[side]),
    }
}

/// Turns moves into keys.
#[derive(Debug, Clone, Default)]
pub struct Controller {
    jump: Option<Jump>,
    steer_x: Option<f32>,
    /// Where the self was when the last walk key was pressed.
    walked_from: Option<f32>,
    /// The way the climb key is pressed (see [`climb_keys`]); kept across deaths.
    pub climb_recipe: usize,
    /// Alternation phase of a climb recipe.
    alt: bool,
    /// Whether the last keys given were a climb up pressed on the ladder's line (centred, not
    /// steering towards it).
    pub pressed_climb: bool,
}

fn toward(keys: &RoleKeys, from: f32, to: f32, tol: f32) -> KeySet {
    let k = if to > from + tol {
        keys.right
    } else if to < from - tol {
        keys.left
    } else {
        None
    };
    k.map_or(KeySet::NONE, KeySet::one)
}

impl Controller {
    /// Whether a jump is in flight (the plan must not be changed).
    pub fn in_jump(&self) -> bool {
        self.jump.is_some()
    }

    /// Drops a jump whose key was pressed last tick and did not raise the body: no jump
    /// started (the key held may not be the one that jumps, or something is in the way), and
    /// steering on would walk the body into what the jump was to clear. h6-unseen-2 /
    /// reversed-keys seed 1 (ticks 44-52, then every 13 ticks, 225 deaths): the up arrow, assumed
    /// to jump, does nothing on a floor; the controller steered across the fire pit all the
    /// same and the body walked into it. With the jump dropped, the plan is made again from
    /// where the body stands, the same jump is pressed again, and after `STUCK_TICKS` the key
    /// is doubted as any move that makes no progress. Only a key `assumed` to jump is judged so
    /// (only an assumed role is doubted): a key seen to jump that once did not (pressed in the
    /// air just after a respawn) keeps its jump.
    pub fn drop_jump_not_taken(&mut self, me: &SelfState, assumed: bool) {
        if LAUNCH_CHECK && assumed && self.jump.is_some_and(|j| j.ticks == 0 && me.dy > -0.5) {
            self.jump = None;
        }
    }

    /// Forgets any commitment (after a death or a new episode).
    pub fn reset(&mut self) {
        *self = Controller {
            climb_recipe: self.climb_recipe,
            ..Controller::default()
        };
    }

    /// The keys for this tick. `next` is the plan's next move (`None`: no plan); `walk_px` the
    /// learned walking speed; `climb_run` the ladder run a climb follows (its left and right
    /// edges, px; `None`: the target column alone; see [`climb_window`]).
    pub fn keys(
        &mut self,
        me: &SelfState,
        next: Option<Move>,
        grid: &Grid,
        keys: &RoleKeys,
        walk_px: f32,
        climb_run: Option<(f32, f32)>,
    ) -> KeySet {
        let cx = me.bbox.centre().0;
        let tol = (walk_px / 2.0).max(1.0);
        self.pressed_climb = false;
        if let Some(j) = &mut self.jump {
            j.ticks += 1;
            if j.ticks > 2 && (me.standing || me.on_ladder) && me.dy.abs() < 0.5 {
                self.jump = None;
            } else {
                let rise = j.takeoff_bottom - me.bbox.y1;
                // Over something: rise clear of it first (or until the jump tops out).
                let steer = !j.over || rise > grid.cell || (me.dy >= 0.0 && j.ticks > 1);
                return if steer {
                    toward(keys, cx, j.target_x, tol)
                } else {
                    KeySet::NONE
                };
            }
        }
        if !me.standing && !me.on_ladder {
            // Falling: steer to where the last walk was going.
            return self
                .steer_x
                .map_or(KeySet::NONE, |x| toward(keys, cx, x, tol));
        }
        self.steer_x = None;
        let Some(mv) = next else {
            return KeySet::NONE;
        };
        // A walk that did not move the body (off a ladder's top, the body is a little below the
        // floor it steps onto): hop or climb a little, steering on to the target.
        let blocked = self
            .walked_from
            .take()
            .is_some_and(|x| (x - cx).abs() < 0.5);
        let climb_at = match mv {
            Move::ClimbUp { to } | Move::ClimbDown { to } => {
                let run = climb_run.unwrap_or((grid.x0(to.0) as f32, grid.x0(to.0 + 1) as f32));
                Some(climb_window(grid, to.0, run, me.bbox.w() as f32, tol))
            }
            _ => None,
        };
        match mv {
            Move::Walk { to, .. } | Move::Fall { to, .. } if blocked && keys.up.is_some() => {
                self.steer_x = Some(grid.cx(to.0));
                if me.on_ladder || me.at_ladder {
                    // On a ladder, "climb a little" is pressed the way climbing was learned to
                    // work (a climb that needs a key program needs it for its last step too).
                    self.alt = !self.alt;
                    climb_keys(self.climb_recipe, keys, self.alt)
                } else {
                    keys.up.map_or(KeySet::NONE, KeySet::one)
                }
            }
            Move::Walk { to, .. } => {
                self.walked_from = Some(cx);
                toward(keys, cx, grid.cx(to.0), tol)
            }
            Move::Fall { to, .. } => {
                self.steer_x = Some(grid.cx(to.0));
                toward(keys, cx, grid.cx(to.0), tol)
            }
            // Climb from the planned column with the box over the ladder (`climb_window`).
            Move::ClimbUp { .. } | Move::ClimbDown { .. }
                if climb_at.is_some_and(|(lo, hi)| cx < lo || cx > hi) =>
            {
                let (lo, hi) = climb_at.unwrap_or((cx, cx));
                toward(keys, cx, (lo + hi) / 2.0, tol)
            }
            Move::ClimbUp { .. } => {
                self.alt = !self.alt;
                self.pressed_climb = true;
                climb_keys(self.climb_recipe, keys, self.alt)
            }
            Move::ClimbDown { .. } => keys.down.map_or(KeySet::NONE, KeySet::one),
            Move::Jump { to, over, .. } => {
                let Some(up) = keys.up else {
                    return KeySet::NONE;
                };
                self.jump = Some(Jump {
                    target_x: grid.cx(to.0),
                    takeoff_bottom: me.bbox.y1,
                    ticks: 0,
                    over,
                });
                KeySet::one(up)
            }
            Move::Bump => keys.up.map_or(KeySet::NONE, KeySet::one),
            Move::Touch { dir } => {
                let k = match dir {
                    d if d < 0 => keys.left,
                    d if d > 0 => keys.right,
                    _ => None,
                };
                if dir != 0 {
                    self.steer_x = Some(cx + dir as f32 * grid.cell as f32);
                }
                k.map_or(KeySet::NONE, KeySet::one)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: Grid = Grid {
        cell: 15,
        ox: 0,
        oy: 0,
        cols: 10,
        rows: 10,
    };
    const KEYS: RoleKeys = RoleKeys {
        left: Some(Key::Right),
        right: Some(Key::Left),
        up: Some(Key::Down),
        down: Some(Key::Up),
    };

    fn me(x0: i32, y1: i32, dy: f32, standing: bool) -> SelfState {
        SelfState {
            bbox: PxBox {
                x0,
                y0: y1 - 15,
                x1: x0 + 15,
                y1,
            },
            dy,
            standing,
            on_ladder: false,
            at_ladder: false,
        }
    }

    #[test]
    fn walks_with_the_learned_keys_until_centred() {
        let mut c = Controller::default();
        let walk = Some(Move::Walk { dir: 1, to: (3, 5) });
        // Reversed keys: the key that walks right is the left arrow.
        assert_eq!(
            c.keys(&me(15, 90, 0.0, true), walk, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Left)
        );
        assert_eq!(
            c.keys(&me(45, 90, 0.0, true), walk, &GRID, &KEYS, 7.0, None),
            KeySet::NONE
        );
    }

    #[test]
    fn climbing_starts_centred_on_the_ladder() {
        let mut c = Controller::default();
        let climb = Some(Move::ClimbUp { to: (2, 4) });
        // Centre at x = 43 in column 2 (centre 37.5): step left first (the right arrow, reversed).
        assert_eq!(
            c.keys(&me(37, 90, 0.0, true), climb, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Right)
        );
        assert_eq!(
            c.keys(&me(30, 90, 0.0, true), climb, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Down)
        );
        // A two-wide ladder (columns 2 and 3, x 30-60): from column 3 the body steps into the
        // planned column 2 first.
        assert_eq!(
            c.keys(
                &me(46, 90, 0.0, true),
                climb,
                &GRID,
                &KEYS,
                7.0,
                Some((30.0, 60.0))
            ),
            KeySet::one(Key::Right)
        );
    }

    #[test]
    fn a_two_wide_ladder_is_climbed_in_the_planned_column() {
        // h10-unseen-7 seed 1: a 12-px body, a two-wide ladder in columns 1 and 2 (x 15-45).
        let body = |x0: i32| SelfState {
            bbox: PxBox {
                x0,
                y0: 105,
                x1: x0 + 12,
                y1: 120,
            },
            dy: 0.0,
            standing: true,
            on_ladder: false,
            at_ladder: true,
        };
        let run = Some((15.0, 45.0));
        let mut c = Controller::default();
        // Centre at x 34, in column 2, the box (28-40) over the ladder: climb down column 2 at
        // once (centring on the middle line, x 30, moved it into column 1, from where the plan
        // walked it back: h10-unseen-7's alternation).
        let down2 = Some(Move::ClimbDown { to: (2, 8) });
        assert_eq!(
            c.keys(&body(28), down2, &GRID, &KEYS, 7.0, run),
            KeySet::one(Key::Up)
        );
        // Centre at x 27, in column 1: climb down column 1 at once too.
        let down1 = Some(Move::ClimbDown { to: (1, 8) });
        assert_eq!(
            c.keys(&body(21), down1, &GRID, &KEYS, 7.0, run),
            KeySet::one(Key::Up)
        );
        // Centre at x 41 (box 35-47 overhangs the ladder's right edge): step left into it.
        assert_eq!(
            c.keys(&body(35), down2, &GRID, &KEYS, 7.0, run),
            KeySet::one(Key::Right)
        );
        // Drawn at x 15-27, flush with the ladder's left edge (the body may be half a pixel
        // further left): step right first (keydoor seed 1).
        assert_eq!(
            c.keys(&body(15), down1, &GRID, &KEYS, 7.0, run),
            KeySet::one(Key::Left)
        );
        // A run believed seven wide (x 0-105; textures under masked affordances): in column 2
        // the body still climbs near the column's centre line, not at its edge (x 37-49 steps
        // left; princess / masked-affordances seed 5).
        let wide = Some((0.0, 105.0));
        assert_eq!(
            c.keys(&body(37), down2, &GRID, &KEYS, 7.0, wide),
            KeySet::one(Key::Right)
        );
        assert_eq!(
            c.keys(&body(30), down2, &GRID, &KEYS, 7.0, wide),
            KeySet::one(Key::Up)
        );
        // Planned column 1 with the centre in column 2: step left into column 1.
        assert_eq!(
            c.keys(&body(28), down1, &GRID, &KEYS, 7.0, run),
            KeySet::one(Key::Right)
        );
    }

    #[test]
    fn a_walk_that_does_not_move_hops_or_climbs_a_little_first() {
        let mut c = Controller::default();
        let walk = Some(Move::Walk {
            dir: -1,
            to: (1, 2),
        });
        let mut hanging = me(30, 46, 0.0, false);
        hanging.on_ladder = true;
        assert_eq!(
            c.keys(&hanging, walk, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Right)
        );
        // It did not move: climb (the down arrow climbs here).
        assert_eq!(
            c.keys(&hanging, walk, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Down)
        );
        assert_eq!(
            c.keys(&hanging, walk, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Right)
        );
    }

    #[test]
    fn a_blocked_walk_at_a_ladders_top_climbs_the_way_climbing_was_learned() {
        // Changed-ladder, keydoor seed 1: at a ladder's top the feet rest half a pixel into the
        // ladder, so a walk off it is refused; the climb key alone does not climb there (the
        // climb needs the walking keys alternated with it), so pressing it alone was repeated
        // for the rest of the run.
        let keys = RoleKeys {
            left: Some(Key::Left),
            right: Some(Key::Right),
            up: Some(Key::Up),
            down: Some(Key::Down),
        };
        let mut c = Controller {
            climb_recipe: 4,
            ..Controller::default()
        };
        let walk = Some(Move::Walk {
            dir: -1,
            to: (1, 2),
        });
        let mut top = me(30, 46, 0.0, true);
        top.at_ladder = true;
        let mut sides = Vec::new();
        for _ in 0..2 {
            assert_eq!(
                c.keys(&top, walk, &GRID, &keys, 7.0, None),
                KeySet::one(Key::Left)
            );
            // It did not move: one more step of the learned climb.
            let k = c.keys(&top, walk, &GRID, &keys, 7.0, None);
            assert!(k.has(Key::Up), "{k:?}");
            sides.push(k.has(Key::Left));
        }
        // The walking key held with the climb key alternates from one step to the next.
        assert_ne!(sides[0], sides[1]);
    }

    #[test]
    fn a_jump_rises_before_steering_and_ends_on_landing() {
        let mut c = Controller::default();
        let jump = Some(Move::Jump {
            dir: 1,
            to: (5, 5),
            over: true,
        });
        assert_eq!(
            c.keys(&me(30, 90, 0.0, true), jump, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Down)
        );
        assert!(c.in_jump());
        // 7 px up: not clear yet, no steering.
        assert_eq!(
            c.keys(&me(30, 83, -7.0, false), None, &GRID, &KEYS, 7.0, None),
            KeySet::NONE
        );
        // 18 px up: steer right (with the left arrow).
        assert_eq!(
            c.keys(&me(30, 72, -5.0, false), None, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Left)
        );
        c.keys(&me(37, 80, 4.0, false), None, &GRID, &KEYS, 7.0, None);
        // Landed.
        c.keys(&me(75, 90, 0.0, true), None, &GRID, &KEYS, 7.0, None);
        assert!(!c.in_jump());
        // Across an empty gap it steers from the first tick in the air.
        let gap = Some(Move::Jump {
            dir: 1,
            to: (5, 5),
            over: false,
        });
        c.keys(&me(30, 90, 0.0, true), gap, &GRID, &KEYS, 7.0, None);
        assert_eq!(
            c.keys(&me(30, 83, -7.0, false), None, &GRID, &KEYS, 7.0, None),
            KeySet::one(Key::Left)
        );
    }

    #[test]
    fn a_jump_that_does_not_leave_the_ground_is_dropped() {
        let mut c = Controller::default();
        let gap = Some(Move::Jump {
            dir: 1,
            to: (5, 5),
            over: false,
        });
        c.keys(&me(30, 90, 0.0, true), gap, &GRID, &KEYS, 7.0, None);
        // Risen the tick after the press: the jump goes on.
        c.drop_jump_not_taken(&me(30, 83, -7.0, false), true);
        assert!(c.in_jump());
        c.reset();
        // Still on the floor the tick after the press: no jump started, nothing steered.
        c.keys(&me(30, 90, 0.0, true), gap, &GRID, &KEYS, 7.0, None);
        c.drop_jump_not_taken(&me(30, 90, 0.0, true), false);
        // A key seen to jump keeps its jump.
        assert!(c.in_jump());
        c.drop_jump_not_taken(&me(30, 90, 0.0, true), true);
        assert!(!c.in_jump());
        assert_eq!(
            c.keys(&me(30, 90, 0.0, true), None, &GRID, &KEYS, 7.0, None),
            KeySet::NONE
        );
    }

    #[test]
    fn a_climb_that_needs_another_way_of_pressing_is_searched_simplest_first() {
        let keys = RoleKeys {
            left: Some(Key::Left),
            right: Some(Key::Right),
            up: Some(Key::Up),
            down: Some(Key::Down),
        };
        assert_eq!(climb_keys(0, &keys, false), KeySet::one(Key::Up));
        assert_eq!(
            climb_keys(1, &keys, false),
            KeySet::one(Key::Up).with(Key::Left)
        );
        // Held with the walking keys in alternation.
        assert_eq!(
            climb_keys(4, &keys, false),
            KeySet::one(Key::Up).with(Key::Left)
        );
        assert_eq!(
            climb_keys(4, &keys, true),
            KeySet::one(Key::Up).with(Key::Right)
        );
        // The controller alternates from tick to tick under that recipe, and keeps the recipe
        // across a death.
        let mut c = Controller {
            climb_recipe: 4,
            ..Controller::default()
        };
        let climb = Some(Move::ClimbUp { to: (2, 4) });
        let mut on = me(30, 90, 0.0, true);
        on.on_ladder = true;
        let a = c.keys(&on, climb, &GRID, &keys, 7.0, None);
        let b = c.keys(&on, climb, &GRID, &keys, 7.0, None);
        assert_ne!(a, b);
        assert!(a.has(Key::Up) && b.has(Key::Up));
        c.reset();
        assert_eq!(c.climb_recipe, 4);
    }
}
