//! The movement of the authors' released princess game, for the `released-2018` profiles.
//!
//! Dubey et al. (2018) ran their agent on a PLE-based pygame game (`originalgame`, 230 x 230 px,
//! 30 fps). Its constants are the spec's (walk 7, jump 7, gravity 1, fall cap 8), but the order in
//! which it tests collisions gives trajectories of its own, measured in
//! `data/reference/released-princess/`. This module reproduces that behaviour in integer
//! sub-pixels, written here from the measured trajectories and a reading of the game's rules:
//!
//! 1. Before any key is read, the 15 x 15 box is probed 2 px below (ladders, floors) and 2 px
//!    above (ceilings). A ladder under the probe whose centre is at or below the player's centre
//!    latches the player onto it (gravity off), unless a floor is under the probe.
//! 2. Each held button acts as one key-down: `jump` (off a ladder) or `up` (touching a ladder)
//!    starts a jump when the probe found a floor and the player is not in flight, so `up` at a
//!    ladder's foot jumps; left/right walk 7 px and are undone on overlapping a wall; on a ladder
//!    `up` climbs (undone, by the down step, if it would leave the ladder or enter a wall) and
//!    `down` climbs down unchecked.
//! 3. In flight, a wall overlapped *before* moving ends the fall: the player snaps to 16 px above
//!    that wall's centre (so it sinks into the floor for one tick first, then stands 1 px above
//!    it). Otherwise the player moves by its speed and gravity applies.
//!
//! Where the game visits several tiles in turn (the ladders under the probe in 1., the first wall
//! overlapped in 3.), it visits them in its sprite groups' iteration order, which `overlapped`
//! takes to be reading order: the order in which the map filled the groups, and the only order
//! under Python 3. Under Python 2 a pygame group iterates a dict keyed by the sprite objects, in an
//! order set by their memory addresses. For the ladders that order is the same in every fresh
//! process of our harness (measured) but changes with what was allocated before, e.g. when the game
//! is re-initialised in the same process, as PLE does before every episode; the walls' order
//! changes even between fresh processes (address randomisation), but on the princess level no box
//! in flight overlaps walls of two rows, so that order never shows. One thing on the princess level
//! depends on the ladders' order: at a ladder's top beside a wall (left ladder at x >= 38, right
//! ladder at x <= 201) with two ladder rows under the probe, the 3 px latch push applies once per
//! row whose centre is still at or below the player's, so visiting the upper row first pushes
//! twice. Example: left ladder, x 50, y 157, `left`: y 163 in reading order (a fresh Python 2
//! process; Python 3 always), y 160 in the other order (Python 2 on about a third of re-initialised
//! boards). Reading order is kept for both stacks; see
//! `data/reference/released-princess/README.md`.
//!
//! Buttons held together (humans in the lab, the `effective` and `all` action sets) act as
//! key-downs in button order (left, right, up, down, jump) after opposing buttons cancel; the
//! released game's six actions are single buttons, for which this is exactly its behaviour.
//!
//! What it deliberately does not do: patrol, key and door logic, hazards and the goal are the
//! shared ones of [`crate::world::step`]; only the stomp test has its own reference points
//! ([`stomps`]).

use crate::action::{Action, Button};
use crate::condition::LadderMode;
use crate::level::{Level, Profile, RELEASED_BOX_PX, Rect, SUB, Tile, pygame_rect};
use crate::world::{Rules, World};

/// The released game's probe distance above and below the player before each step, px.
const PROBE_PX: i32 = 2;
/// How far a latching player is pushed down when a wall is 2 px above it, px (`updateY(3)`).
const LATCH_PUSH_PX: i32 = 3;
/// A landing puts the centre this far above the wall's centre: half a box, half a tile and 1 px
/// (the game's `height + 1` with height 15).
const SNAP_PX: i32 = RELEASED_BOX_PX + 1;
/// A landing kills an enemy when the player's centre is more than this many px above the enemy's
/// centre (the game's `player.y + 7 < enemy.y`).
const STOMP_PX: i32 = 7;

/// The parts where the two Python stacks differ.
struct Stack {
    /// A tile's centre below its top edge, sub-pixels (`row * 15 + 15 / 2`: 7 px under Python 2's
    /// integer division, 7.5 px under Python 3).
    tile_centre: i32,
    /// One climb step up, sub-pixels (`-speed / 2`: -4 px under Python 2, -3.5 under Python 3).
    climb_up: i32,
    /// One climb step down, and the step that undoes a refused climb up (`speed / 2`: 3 px / 3.5).
    climb_down: i32,
}

fn stack(level: &Level) -> Stack {
    let walk = level.physics.walk;
    match level.physics.profile {
        Profile::Released2018 => {
            // Python 2 divides integers by flooring: -7 / 2 = -4, 7 / 2 = 3.
            let walk_px = walk.div_euclid(SUB);
            Stack {
                tile_centre: (RELEASED_BOX_PX / 2) * SUB,
                climb_up: -(-walk_px).div_euclid(2) * SUB,
                climb_down: walk_px.div_euclid(2) * SUB,
            }
        }
        _ => Stack {
            tile_centre: RELEASED_BOX_PX * SUB / 2,
            climb_up: walk / 2,
            climb_down: walk / 2,
        },
    }
}

/// The player's 15 x 15 box as pygame places it around the centre (`x`, `y`) (sub-pixels).
pub fn player_box(x: i32, y: i32) -> Rect {
    pygame_rect(x, y, RELEASED_BOX_PX, RELEASED_BOX_PX)
}

/// The released game's stomp test: the player's centre more than 7 px above the enemy's centre,
/// where an enemy's centre is its tile's (`enemy` is its 15 x 15 tile box).
pub fn stomps(level: &Level, player_y: i32, enemy: &Rect) -> bool {
    player_y + STOMP_PX * SUB < enemy.y0 + stack(level).tile_centre
}

/// The tiles a box overlaps, in reading order (rows top to bottom, columns left to right): the
/// order in which the game's sprite groups were filled from its map, and the order in which it
/// iterates them under Python 3 (and in a fresh Python 2 process wherever it matters on the
/// princess level; see the module docs).
fn overlapped<'a>(level: &'a Level, r: &Rect) -> impl Iterator<Item = (i32, Tile)> + 'a {
    let t = level.tile_sub();
    let (c0, c1, r0, r1) = (
        r.x0.div_euclid(t),
        (r.x1 - 1).div_euclid(t),
        r.y0.div_euclid(t),
        (r.y1 - 1).div_euclid(t),
    );
    (r0..=r1).flat_map(move |row| (c0..=c1).map(move |col| (row, level.tile(col, row))))
}

fn touches_wall(level: &Level, x: i32, y: i32) -> bool {
    overlapped(level, &player_box(x, y)).any(|(_, t)| t.is_solid())
}

fn touches_ladder(level: &Level, x: i32, y: i32) -> bool {
    overlapped(level, &player_box(x, y)).any(|(_, t)| t == Tile::Ladder)
}

/// The released game's movement for one tick (see the module docs for the order).
pub(crate) fn movement(level: &Level, rules: &Rules, w: &mut World, action: Action) {
    let ph = &level.physics;
    let st = stack(level);
    let t = level.tile_sub();
    let p = &mut w.player;

    // 1. Probes 2 px below and above, then the ladder latch.
    let probe = PROBE_PX * SUB;
    let walls_below = touches_wall(level, p.x, p.y + probe);
    let walls_above = touches_wall(level, p.x, p.y - probe);
    let below = player_box(p.x, p.y + probe);
    let mut ladder_below = false;
    if !walls_below {
        // Each ladder tile under the probe is tested in turn against the (moving) centre.
        for (row, tile) in overlapped(level, &below) {
            if tile != Tile::Ladder {
                continue;
            }
            ladder_below = true;
            if row * t + st.tile_centre >= p.y {
                p.on_ladder = true;
                p.airborne = false;
                if walls_above {
                    p.y += LATCH_PUSH_PX * SUB;
                }
            }
        }
    }
    if !ladder_below || walls_below {
        p.on_ladder = false;
    }

    // 2. Key-downs.
    let a = action.canonical();
    let zigzag = rules.ladder == LadderMode::Zigzag;
    let dx = a.dx();
    // Changed-ladder: while up is held on a ladder, alternating horizontal presses climb and
    // do not walk.
    let zig_climb = zigzag && a.has(Button::Up) && p.on_ladder;
    let mut zig_step = false;
    if zig_climb && dx != 0 && dx as i8 != p.zig {
        zig_step = true;
        p.zig = dx as i8;
    }
    for b in Button::ALL {
        if !a.has(b) {
            continue;
        }
        match b {
            Button::Left | Button::Right => {
                let d = if b == Button::Left { -1 } else { 1 };
                p.facing = d as i8;
                if !zig_climb {
                    p.x += d * ph.walk;
                    if touches_wall(level, p.x, p.y) {
                        p.x -= d * ph.walk;
                    }
                }
            }
            Button::Up | Button::Jump => {
                let starts = if b == Button::Jump {
                    !p.on_ladder
                } else {
                    touches_ladder(level, p.x, p.y)
                };
                if starts && !p.airborne && walls_below {
                    p.airborne = true;
                    p.vy = -ph.jump;
                }
                if b == Button::Up && p.on_ladder && (!zigzag || zig_step) {
                    p.y -= st.climb_up;
                    if !touches_ladder(level, p.x, p.y) || touches_wall(level, p.x, p.y) {
                        p.y += st.climb_down;
                    }
                }
            }
            Button::Down => {
                if p.on_ladder {
                    p.y += st.climb_down;
                }
            }
        }
    }
    if !p.on_ladder {
        p.zig = 0;
    }

    // 3. Flight and landing (off ladders only).
    if p.on_ladder {
        return;
    }
    let mut hit: Option<i32> = None;
    if p.airborne {
        // The first wall the box overlaps before moving, in reading order.
        hit = overlapped(level, &player_box(p.x, p.y))
            .find(|(_, t)| t.is_solid())
            .map(|(row, _)| row);
    } else {
        let probe_box = player_box(p.x, p.y + probe);
        if !overlapped(level, &probe_box).any(|(_, t)| t.is_solid() || t == Tile::Ladder) {
            p.airborne = true;
            p.vy = 0;
        }
    }
    if !p.airborne {
        return;
    }
    if let Some(row) = hit {
        let wall_cy = row * t + st.tile_centre;
        if wall_cy > p.y {
            p.airborne = false;
            p.y = wall_cy - SNAP_PX * SUB;
        } else if wall_cy < p.y {
            p.vy = 0;
            p.y = wall_cy + SNAP_PX * SUB;
        }
    }
    if p.airborne {
        p.y += p.vy;
        p.vy = (p.vy + ph.gravity).min(ph.max_fall);
    }
}
