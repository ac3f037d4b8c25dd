//! Search over the learned model: Dijkstra over the cells where the self can rest, with the moves
//! its movement model allows (walk, walk off an edge and fall, climb, jump across or up), each
//! move costed by its length plus a penalty for the believed risk of death on the way.
//!
//! Targets: a cell believed to be the goal; failing that, exploration as the cheapest informative
//! test: the nearest thing whose type is uncertain (touched by standing in it, on it, or walking
//! or falling into it), its cost raised by its believed risk, ties broken by the run's seed.

use crate::planning::map::Map;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Cost added per unit of P(deadly) of a cell entered.
pub const RISK_COST: f32 = 200.0;
/// Cost added per unit of P(deadly) of the thing an exploration test touches.
pub const TEST_RISK_COST: f32 = 40.0;

/// A move between resting cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Walk one cell (-1 left, +1 right) to a resting cell in the same row.
    Walk {
        /// Direction.
        dir: i32,
        /// Target cell.
        to: (i32, i32),
    },
    /// Walk off an edge and fall to the resting cell below.
    Fall {
        /// Direction.
        dir: i32,
        /// Where the fall ends.
        to: (i32, i32),
    },
    /// Climb one cell up.
    ClimbUp {
        /// Target cell.
        to: (i32, i32),
    },
    /// Climb one cell down.
    ClimbDown {
        /// Target cell.
        to: (i32, i32),
    },
    /// Jump to a resting cell `k` cells away in the same row or one row up.
    Jump {
        /// Direction.
        dir: i32,
        /// Target cell.
        to: (i32, i32),
        /// Something stands in the way at the take-off height (rise clear of it before moving
        /// across); otherwise the jump moves across from the start.
        over: bool,
    },
    /// Touch the neighbouring thing in direction `dir` (0: the one the self stands in or on).
    Touch {
        /// Direction.
        dir: i32,
    },
    /// Jump straight up into the thing just above the self's cell (a test of a thing overhead).
    Bump,
}

/// Whether an uncertain thing just above a standing cell is tested by jumping into it (`Bump`);
/// off only to show what it fixes.
const OVERHEAD_TESTS: bool = true;

/// Whether a goal just above the resting cell it is reached from (and not in it) is touched by
/// jumping into it (`Bump`); off only to show what it fixes. keydoor / masked-affordances seed 1
/// (fifteenth session): a texture believed the goal one row above the walking row was "reached"
/// by a plan with no move, and the body stood under it for 20,000 ticks.
const GOAL_ABOVE_BUMPED: bool = true;

/// What the search may use of the movement model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    /// Walking both ways is known.
    pub walk: bool,
    /// The climb-up key is known.
    pub climb_up: bool,
    /// The climb-down key is known.
    pub climb_down: bool,
    /// Horizontal jump reach in cells while higher than a cell (`None`: no jumps): how far a
    /// jump carries over something in the way or up onto a ledge.
    pub jump_reach: Option<i32>,
    /// Horizontal span of a jump in cells, landing level (at least `jump_reach`): how wide an
    /// open gap a jump crosses.
    pub jump_span: i32,
    /// A jump rises at least one cell.
    pub jump_up: bool,
}

/// Why a plan was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Reach the believed goal.
    Goal,
    /// Test an uncertain thing at this cell.
    Explore((i32, i32)),
}

/// A plan: the moves from the current cell, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Moves in order.
    pub moves: Vec<Move>,
    /// Why.
    pub purpose: Purpose,
    /// Total cost.
    pub cost: f32,
}

fn edges(m: &Map, (c, r): (i32, i32), ab: &Abilities, gamble: bool, out: &mut Vec<(Move, f32)>) {
    out.clear();
    if ab.walk {
        for dir in [-1, 1] {
            let c2 = c + dir;
            if m.solid(c2, r) || m.at(c2, r).is_none() {
                continue;
            }
            if m.node(c2, r) {
                out.push((
                    Move::Walk { dir, to: (c2, r) },
                    1.0 + RISK_COST * m.risk(c2, r),
                ));
                continue;
            }
            let mut risk = m.risk(c2, r);
            for r2 in r + 1..m.rows {
                if m.solid(c2, r2) {
                    break;
                }
                risk += m.risk(c2, r2);
                if m.node(c2, r2) {
                    let cost = 1.0 + 0.3 * (r2 - r) as f32 + RISK_COST * risk;
                    out.push((Move::Fall { dir, to: (c2, r2) }, cost));
                    break;
                }
            }
        }
    }
    if ab.climb_up && (m.climbable(c, r) || m.climbable(c, r - 1)) && m.node(c, r - 1) {
        out.push((
            Move::ClimbUp { to: (c, r - 1) },
            1.0 + RISK_COST * m.risk(c, r - 1),
        ));
    }
    if ab.climb_down && m.climbable(c, r + 1) && m.node(c, r + 1) {
        out.push((
            Move::ClimbDown { to: (c, r + 1) },
            1.0 + RISK_COST * m.risk(c, r + 1),
        ));
    }
    // Where the jump key climbs (a ladder) it does not jump. Only a place known to be a ladder
    // rules a jump out; one only believed more likely a ladder than not (a placebo passed
    // through, neutral or climbable at even odds) makes the jump cost its chance of failing,
    // charged as a missed jump would be (keydoor / masked-object-identity: such blocks at the
    // edges of the top floor's gaps kept the key and the door out of every plan).
    let ladder_here = m
        .at(c, r)
        .map_or(0.0, |x| if x.free { 0.0 } else { x.belief.climbable });
    let takeoff_cost = if m.climbable(c, r) {
        ladder_here * RISK_COST
    } else {
        0.0
    };
    let known_ladder = m.climbable(c, r)
        && m.at(c, r)
            .is_some_and(|x| x.belief.is_sure(crate::planning::map::SURE));
    // The headroom a jump rises through (the row above the body) rules it out only where it is
    // known solid; a ceiling only believed solid (a texture whose floor cue was never tested:
    // no test touches a ceiling) makes the jump cost its chance of bumping it, charged as a
    // missed jump would be (princess / masked-affordances seed 4: the one way along the top
    // tier passed an enemy known deadly, the texture over it was believed solid, so no jump
    // over the enemy was planned and the goal plan walked into it 531 times).
    let mut head = Headroom {
        gamble,
        ..Headroom::default()
    };
    if let Some(reach) = ab.jump_reach
        && m.solid(c, r + 1)
        && !known_ladder
        && head.rise_through(m, c, r - 1)
    {
        let ladder_cost = takeoff_cost;
        // Up onto a ledge the body rises from under the take-off's headroom only.
        let takeoff_cost = ladder_cost + head.cost();
        for dir in [-1, 1] {
            // Across, in the same row: over open space as far as the span, over something in
            // the way (the body must first rise clear of it) only as far as the reach.
            let (mut passed_risk, mut over) = (0.0, false);
            let mut head = head.clone();
            for k in 1..=ab.jump_span.max(reach) {
                let c2 = c + dir * k;
                if m.solid(c2, r) || !head.rise_through(m, c2, r - 1) || m.at(c2, r).is_none() {
                    break;
                }
                if over && k > reach {
                    break;
                }
                if k >= 2 && m.node(c2, r) && m.solid(c2, r + 1) {
                    let cost = k as f32
                        + 2.0
                        + RISK_COST * m.risk(c2, r)
                        + 5.0 * passed_risk
                        + ladder_cost
                        + head.cost();
                    out.push((
                        Move::Jump {
                            dir,
                            to: (c2, r),
                            over,
                        },
                        cost,
                    ));
                }
                passed_risk += m.risk(c2, r);
                // Only what is not believed passable stands in the way (a thing learned to be
                // scenery is flown through, not over).
                over |= !m.passable(c2, r);
            }
            // Up onto a ledge one row higher.
            if ab.jump_up && !m.solid(c, r - 2) {
                for k in 1..reach {
                    let c2 = c + dir * k;
                    if m.solid(c2, r - 1) || m.solid(c2, r - 2) || m.at(c2, r - 1).is_none() {
                        break;
                    }
                    if m.node(c2, r - 1) && m.solid(c2, r) {
                        let cost = k as f32 + 3.0 + RISK_COST * m.risk(c2, r - 1) + takeoff_cost;
                        out.push((
                            Move::Jump {
                                dir,
                                to: (c2, r - 1),
                                over: true,
                            },
                            cost,
                        ));
                        break;
                    }
                }
            }
        }
    }
}

/// Show what a ceiling believed solid but not known to be (`Headroom`) changes; off only to see
/// the test fail.
const CEILINGS_GAMBLED: bool = true;

/// The headroom cells a jump rises through, as far as it has gone: whether a known-solid one
/// stops it, and the chance that one only believed solid does (one chance per type: look-alikes
/// share their belief, so they are solid or not together).
#[derive(Debug, Clone, Default)]
struct Headroom {
    /// Whether a ceiling only believed solid may be risked (for the goal only, see
    /// `plan_with`).
    gamble: bool,
    /// The types of the cells believed solid but not known to be, with their P(solid).
    doubted: Vec<(Option<crate::perception::similarity::TypeId>, f32)>,
}

impl Headroom {
    /// Adds cell `(c, r)` of the headroom; false if it rules the jump out (known solid, or a
    /// wall at the frame's edge).
    fn rise_through(&mut self, m: &Map, c: i32, r: i32) -> bool {
        if !m.solid(c, r) {
            return true;
        }
        let Some(x) = m.at(c, r) else { return false };
        if !CEILINGS_GAMBLED || !self.gamble || x.belief.is_sure(crate::planning::map::SURE) {
            return false;
        }
        if !self.doubted.iter().any(|(t, _)| *t == x.type_id) {
            self.doubted.push((x.type_id, x.belief.solid));
        }
        true
    }

    /// P(one of them is solid) x `RISK_COST`: what the jump is charged.
    fn cost(&self) -> f32 {
        let clear: f32 = self.doubted.iter().map(|(_, p)| 1.0 - p).product();
        RISK_COST * (1.0 - clear)
    }
}

/// Small seeded jitter in `0..0.01` for tie-breaking between equally good tests.
fn jitter(seed: u64, c: i32, r: i32) -> f32 {
    let mut z = seed ^ ((c as u64) << 32) ^ (r as u64) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z % 1000) as f32 / 100_000.0
}

/// Plans from `start` (a cell where the self rests): to the goal if one is believed reachable,
/// else to the cheapest test of an uncertain thing (not one of `skip`, tests that were tried
/// without result). `None` when neither exists.
pub fn plan(
    m: &Map,
    start: (i32, i32),
    ab: &Abilities,
    seed: u64,
    skip: &std::collections::BTreeSet<(i32, i32)>,
) -> Option<Plan> {
    plan_with(m, start, ab, seed, skip, &Failed::new())
}

/// Moves (from resting cell, to resting cell) that ended in a death, and how often.
pub type Failed = std::collections::BTreeMap<((i32, i32), (i32, i32)), u32>;

/// As [`plan`], with each move that ended in a death `n` times costed `n x RISK_COST` more: a
/// move the model believes safe but that killed (a jump that falls short into a pit) is not
/// repeated while another way is left, whatever the beliefs about the things it passes.
pub fn plan_with(
    m: &Map,
    start: (i32, i32),
    ab: &Abilities,
    seed: u64,
    skip: &std::collections::BTreeSet<(i32, i32)>,
    failed: &Failed,
) -> Option<Plan> {
    // The goal may be reached past a ceiling only believed solid, at its chance of bumping it
    // (`Headroom`); a test is made only where the model does not doubt the way there.
    match search(m, start, ab, seed, skip, failed, true) {
        Some(p) if p.purpose == Purpose::Goal => Some(p),
        _ => search(m, start, ab, seed, skip, failed, false),
    }
}

/// One search: Dijkstra from `start`, then the goal or the cheapest test (see [`plan_with`]);
/// `gamble`: jumps may rise past a ceiling only believed solid.
fn search(
    m: &Map,
    start: (i32, i32),
    ab: &Abilities,
    seed: u64,
    skip: &std::collections::BTreeSet<(i32, i32)>,
    failed: &Failed,
    gamble: bool,
) -> Option<Plan> {
    let idx = |(c, r): (i32, i32)| (r * m.cols + c) as usize;
    m.at(start.0, start.1)?;
    let n = (m.cols * m.rows) as usize;
    let mut dist = vec![f32::INFINITY; n];
    let mut prev: Vec<Option<((i32, i32), Move)>> = vec![None; n];
    let mut heap = BinaryHeap::new();
    dist[idx(start)] = 0.0;
    heap.push(Reverse(((0.0f32 * 1000.0) as i64, idx(start))));
    let mut settled = Vec::new();
    let mut es = Vec::new();
    while let Some(Reverse((d, i))) = heap.pop() {
        let d = d as f32 / 1000.0;
        if d > dist[i] + 1e-6 {
            continue;
        }
        let cell = ((i as i32) % m.cols, (i as i32) / m.cols);
        settled.push(cell);
        edges(m, cell, ab, gamble, &mut es);
        for &(mv, cost) in &es {
            let to = match mv {
                Move::Walk { to, .. }
                | Move::Fall { to, .. }
                | Move::ClimbUp { to }
                | Move::ClimbDown { to }
                | Move::Jump { to, .. } => to,
                Move::Touch { .. } | Move::Bump => continue,
            };
            let j = idx(to);
            let cost = cost
                + failed
                    .get(&(cell, to))
                    .map_or(0.0, |n| *n as f32 * RISK_COST);
            if d + cost < dist[j] - 1e-6 {
                dist[j] = d + cost;
                prev[j] = Some((cell, mv));
                heap.push(Reverse((((d + cost) * 1000.0) as i64, j)));
            }
        }
    }
    let path_to = |mut at: (i32, i32)| {
        let mut moves = Vec::new();
        while let Some((from, mv)) = prev[idx(at)] {
            moves.push(mv);
            at = from;
        }
        moves.reverse();
        moves
    };
    // The goal: a resting cell in or just under a goal thing.
    let goal = settled
        .iter()
        .filter(|&&(c, r)| m.goal(c, r) || m.goal(c, r - 1) || m.goal(c - 1, r) || m.goal(c + 1, r))
        .min_by(|a, b| dist[idx(**a)].total_cmp(&dist[idx(**b)]));
    if let Some(&g) = goal {
        let mut moves = path_to(g);
        if !m.goal(g.0, g.1) {
            if !m.goal(g.0, g.1 - 1) {
                // Adjacent only: step into it.
                moves.push(Move::Touch {
                    dir: if m.goal(g.0 - 1, g.1) { -1 } else { 1 },
                });
            } else if GOAL_ABOVE_BUMPED && ab.jump_up && !m.climbable(g.0, g.1) {
                // Just above only: standing under it does not touch it; jump into it.
                moves.push(Move::Bump);
            }
        }
        return Some(Plan {
            moves,
            purpose: Purpose::Goal,
            cost: dist[idx(g)],
        });
    }
    // Exploration: the cheapest touch of an uncertain thing.
    // (score, resting cell, the touching move, the thing tested)
    type Test = (f32, (i32, i32), Move, (i32, i32));
    let mut best: Option<Test> = None;
    let mut consider = |score: f32, node: (i32, i32), mv: Move, target: (i32, i32)| {
        // A touch of this thing from this cell that ended in a death (a thing of a type that
        // also holds harmless look-alikes, so its P(deadly) stays middling) costs more each time.
        let killed = failed
            .get(&(node, target))
            .map_or(0.0, |n| *n as f32 * RISK_COST);
        let s = score + killed + jitter(seed, target.0, target.1);
        if !skip.contains(&target) && best.as_ref().is_none_or(|b| s < b.0) {
            best = Some((s, node, mv, target));
        }
    };
    for &(c, r) in &settled {
        let d = dist[idx((c, r))];
        for (dc, dr, dir) in [(0, 0, 0), (0, 1, 0), (-1, 0, -1), (1, 0, 1)] {
            let t = (c + dc, r + dr);
            if m.uncertain(t.0, t.1) {
                consider(
                    d + 1.0 + TEST_RISK_COST * m.risk(t.0, t.1),
                    (c, r),
                    Move::Touch { dir },
                    t,
                );
            }
        }
        // A thing just above, uncertain and standing alone in its row (nothing beside it, so
        // not part of a ceiling), is tested by jumping into it where a jump rises a cell
        // (h13-unseen-13 / masked-semantics: the princess drawn as a block one row above the
        // walking row was believed solid and never tested). Not from a ladder (the key climbs
        // there). A ceiling stays untested: a way past one only doubted is risked for the goal
        // only (see `a_test_is_not_planned_past_a_doubted_ceiling`).
        let alone = |c: i32, r: i32| {
            [c - 1, c + 1]
                .iter()
                .all(|&c2| m.at(c2, r).is_some_and(|x| x.free))
        };
        if OVERHEAD_TESTS
            && ab.jump_up
            && m.solid(c, r + 1)
            && !m.climbable(c, r)
            && m.uncertain(c, r - 1)
            && alone(c, r - 1)
        {
            consider(
                d + 2.0 + TEST_RISK_COST * m.risk(c, r - 1),
                (c, r),
                Move::Bump,
                (c, r - 1),
            );
        }
        // Falling past an uncertain thing below a neighbouring cell touches it.
        if ab.walk {
            for dir in [-1, 1] {
                let c2 = c + dir;
                if m.solid(c2, r) || m.node(c2, r) || m.at(c2, r).is_none() {
                    continue;
                }
                for r2 in r + 1..m.rows {
                    if m.uncertain(c2, r2) {
                        let cost =
                            d + 1.0 + 0.3 * (r2 - r) as f32 + TEST_RISK_COST * m.risk(c2, r2);
                        consider(cost, (c, r), Move::Touch { dir }, (c2, r2));
                        break;
                    }
                    if m.solid(c2, r2) || m.node(c2, r2) {
                        break;
                    }
                }
            }
        }
    }
    let (score, node, mv, target) = best?;
    let mut moves = path_to(node);
    if mv != (Move::Touch { dir: 0 }) {
        moves.push(mv);
    }
    Some(Plan {
        moves,
        purpose: Purpose::Explore(target),
        cost: score,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: std::collections::BTreeSet<(i32, i32)> = std::collections::BTreeSet::new();
    const ALL: Abilities = Abilities {
        walk: true,
        climb_up: true,
        climb_down: true,
        jump_reach: Some(4),
        jump_span: 6,
        jump_up: true,
    };

    fn targets(p: &Plan) -> Vec<(i32, i32)> {
        p.moves
            .iter()
            .filter_map(|m| match m {
                Move::Walk { to, .. }
                | Move::Fall { to, .. }
                | Move::ClimbUp { to }
                | Move::ClimbDown { to }
                | Move::Jump { to, .. } => Some(*to),
                Move::Touch { .. } | Move::Bump => None,
            })
            .collect()
    }

    #[test]
    fn an_uncertain_thing_overhead_is_tested_by_jumping_into_it() {
        // h13-unseen-13 / masked-semantics: a block one row above the walking row, believed
        // solid but not surely (the princess drawn as a plain block), nothing else to test.
        let mut m = Map::from_ascii(
            "........
             ....#...
             ........
             ########",
        );
        let i = (m.cols + 4) as usize;
        m.cells[i].type_id = Some(9);
        m.cells[i].belief = crate::kind::Belief::from_array([0.03, 0.02, 0.03, 0.85, 0.07]);
        assert!(m.uncertain(4, 1));
        let p = plan(&m, (0, 2), &ALL, 1, &NONE).expect("a test of the block overhead");
        assert_eq!(p.purpose, Purpose::Explore((4, 1)));
        assert_eq!(p.moves.last(), Some(&Move::Bump));
        assert_eq!(targets(&p).last(), Some(&(4, 2)), "{p:?}");
        // Not where no jump rises a cell.
        let no_rise = Abilities {
            jump_up: false,
            ..ALL
        };
        assert_eq!(plan(&m, (0, 2), &no_rise, 1, &NONE), None);
        // Nor a thing with another beside it in its row (part of a ceiling).
        m.cells[i + 1] = m.cells[0];
        m.cells[i + 1].free = false;
        m.cells[i + 1].type_id = Some(0);
        m.cells[i + 1].belief = crate::kind::Belief::from_array([0.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(plan(&m, (0, 2), &ALL, 1, &NONE), None);
    }

    #[test]
    fn climbs_walks_and_jumps_the_gap_to_the_goal_around_fire() {
        // The princess level in miniature: start bottom left, a gap over fire, a ladder up, a gap.
        let m = Map::from_ascii(
            "G.....H.
             ###..#H#
             ......H.
             ......H.
             ###FF###",
        );
        let p = plan(&m, (1, 3), &ALL, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Goal);
        let t = targets(&p);
        // It ends in the goal, or beside it and steps in.
        let end = (*t.last().unwrap(), *p.moves.last().unwrap());
        assert!(
            end.0 == (0, 0) || end == ((1, 0), Move::Touch { dir: -1 }),
            "{p:?}"
        );
        assert!(
            p.moves.iter().any(|m| matches!(m, Move::Jump { .. })),
            "{p:?}"
        );
        // Never into the fire.
        assert!(!t.iter().any(|&(c, r)| r == 3 && (c == 3 || c == 4)));
    }

    #[test]
    fn a_jump_from_a_place_only_maybe_a_ladder_is_planned_at_its_cost() {
        // The only way to the goal is a jump from (0, 0), which holds a thing passed through
        // and left neutral or climbable at even odds (a placebo block, keydoor /
        // masked-object-identity).
        let mut m = Map::from_ascii(
            "?...G
             #...#",
        );
        let even = crate::kind::Belief::from_array([0.0, 0.0, 0.5, 0.0, 0.5]);
        m.cells[0].belief = even;
        let p = plan(&m, (0, 0), &ALL, 1, &NONE).expect("a plan");
        assert_eq!(p.purpose, Purpose::Goal, "{p:?}");
        assert!(matches!(p.moves[0], Move::Jump { to: (4, 0), .. }), "{p:?}");
        // Charged its chance of failing, as a missed jump is.
        assert!(p.cost >= 0.5 * RISK_COST, "{p:?}");
        // A place known to be a ladder still rules the jump out.
        m.cells[0].belief = crate::kind::Belief::from_array([0.0, 0.0, 1.0, 0.0, 0.0]);
        let p = plan(&m, (0, 0), &ALL, 1, &NONE);
        assert!(
            p.as_ref().is_none_or(|p| p.purpose != Purpose::Goal),
            "{p:?}"
        );
    }

    #[test]
    fn with_no_goal_it_tests_the_nearest_uncertain_thing_and_avoids_risky_tests() {
        let m = Map::from_ascii(
            "........
             ?......?
             ########",
        );
        let p = plan(&m, (2, 1), &ALL, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Explore((0, 1)));
        // A believed-deadly thing is the last thing tested.
        let mut risky = m.clone();
        risky.cells[8].belief = crate::kind::Belief::from_array([0.8, 0.05, 0.05, 0.05, 0.05]);
        let p = plan(&risky, (2, 1), &ALL, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Explore((7, 1)));
        // A test given up is not planned again.
        let skip = [(0, 1)].into_iter().collect();
        assert_eq!(
            plan(&m, (2, 1), &ALL, 1, &skip).unwrap().purpose,
            Purpose::Explore((7, 1))
        );
    }

    #[test]
    fn without_a_jump_the_gap_cannot_be_crossed() {
        let m = Map::from_ascii(
            "G.......
             ###..###",
        );
        let no_jump = Abilities {
            jump_reach: None,
            ..ALL
        };
        let p = plan(&m, (6, 0), &no_jump, 1, &NONE);
        assert!(p.is_none_or(|p| p.purpose != Purpose::Goal));
        assert_eq!(
            plan(&m, (6, 0), &ALL, 1, &NONE).unwrap().purpose,
            Purpose::Goal
        );
    }

    #[test]
    fn an_open_gap_wider_than_the_reach_is_jumped_within_the_span_but_not_over_a_thing() {
        // A four-cell gap: its far edge is five cells from the near one. Reach 4, span 6.
        let gap = Map::from_ascii(
            "G.........
             ###....###",
        );
        let p = plan(&gap, (8, 0), &ALL, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Goal, "{p:?}");
        // Across the gap in one jump of five or six cells, steering from the start.
        assert!(
            p.moves.iter().any(|m| matches!(
                m,
                Move::Jump {
                    dir: -1,
                    to: (c, 0),
                    over: false
                } if *c <= 2
            )),
            "{p:?}"
        );
        // With a span no wider than the reach it cannot be crossed.
        let short = Abilities {
            jump_span: 4,
            ..ALL
        };
        let p = plan(&gap, (8, 0), &short, 1, &NONE);
        assert!(
            p.as_ref().is_none_or(|p| p.purpose != Purpose::Goal),
            "{p:?}"
        );
        // Something in the way at the body's height: the jump must rise clear of it first, so
        // only the reach counts.
        let blocked = Map::from_ascii(
            "G....F....
             ###....###",
        );
        let p = plan(&blocked, (7, 0), &ALL, 1, &NONE);
        assert!(
            p.as_ref().is_none_or(|p| p.purpose != Purpose::Goal),
            "{p:?}"
        );
        let far = Abilities {
            jump_reach: Some(5),
            ..ALL
        };
        assert_eq!(
            plan(&blocked, (7, 0), &far, 1, &NONE).unwrap().purpose,
            Purpose::Goal
        );
    }

    #[test]
    fn a_ceiling_only_believed_solid_does_not_rule_a_jump_over_a_killer_out() {
        // princess / masked-affordances seed 4: the top tier's one way to the goal passes a
        // thing known deadly (the enemy); the textures over the floor start believed solid from
        // their floor cue (0.85, never tested: a ceiling is never a test), so no jump over the
        // enemy was planned and the goal plan walked into it, 531 times.
        let mut m = Map::from_ascii(
            "???????
             G..F...
             #######",
        );
        let cue = crate::kind::Belief::from_array([0.03, 0.02, 0.03, 0.85, 0.07]);
        for c in 0..7 {
            m.cells[c].belief = cue;
        }
        let p = plan(&m, (5, 1), &ALL, 1, &NONE).expect("a plan");
        assert_eq!(p.purpose, Purpose::Goal, "{p:?}");
        assert!(
            !targets(&p).contains(&(3, 1)),
            "walks into the enemy: {p:?}"
        );
        assert!(
            p.moves
                .iter()
                .any(|mv| matches!(mv, Move::Jump { over: true, .. })),
            "{p:?}"
        );
        // Charged its chance of bumping the ceiling, as a missed jump is.
        assert!(p.cost >= 0.85 * RISK_COST, "{p:?}");
        // A ceiling known solid still rules the jump out: the only way left is the walk.
        for c in 0..7 {
            m.cells[c].belief = crate::kind::Belief::from_array([0.0, 0.0, 0.0, 1.0, 0.0]);
        }
        let q = plan(&m, (5, 1), &ALL, 1, &NONE).expect("a plan");
        assert!(targets(&q).contains(&(3, 1)), "{q:?}");
    }

    #[test]
    fn a_goal_just_above_the_walking_row_is_jumped_into() {
        // The goal thing one row above the floor's walking row, nothing in the walking row:
        // the plan walks under it and jumps into it (standing under it does not touch it).
        let m = Map::from_ascii(
            "......
             ...G..
             ......
             ######",
        );
        let p = plan(&m, (0, 2), &ALL, 1, &NONE).expect("a plan");
        assert_eq!(p.purpose, Purpose::Goal);
        assert_eq!(p.moves.last(), Some(&Move::Bump), "{p:?}");
        assert_eq!(targets(&p).last(), Some(&(3, 2)), "{p:?}");
        // A goal in the walking row is walked into; one two cells tall is touched standing.
        let m = Map::from_ascii(
            "......
             ...G..
             ...G..
             ######",
        );
        let p = plan(&m, (0, 2), &ALL, 1, &NONE).expect("a plan");
        assert!(!p.moves.contains(&Move::Bump), "{p:?}");
    }

    #[test]
    fn a_test_is_not_planned_past_a_doubted_ceiling() {
        // As above with no goal: the one thing left to test lies past the killer. A test is
        // made only along a way the model does not doubt (princess / masked-similarity seed 1,
        // tick 214: tests planned past doubted ceilings changed which ones were made around
        // the fire pit); the ceiling is risked for the goal only.
        let mut m = Map::from_ascii(
            "???????
             ?..F...
             #######",
        );
        let cue = crate::kind::Belief::from_array([0.03, 0.02, 0.03, 0.85, 0.07]);
        for c in 0..7 {
            m.cells[c].belief = cue;
        }
        let p = plan(&m, (5, 1), &ALL, 1, &NONE).expect("a plan");
        assert_eq!(p.purpose, Purpose::Explore((0, 1)), "{p:?}");
        assert!(
            !p.moves.iter().any(|mv| matches!(mv, Move::Jump { .. })),
            "{p:?}"
        );
    }

    #[test]
    fn a_move_that_killed_is_avoided_while_another_way_is_left() {
        // Two ways down to the goal row: fall off the left edge or the right edge.
        let m = Map::from_ascii(
            "........
             .######.
             ........
             G.......
             ########",
        );
        let p = plan(&m, (3, 0), &ALL, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Goal);
        let first = targets(&p)[0];
        // The first move ended in a death: it is now costed like a likely death.
        let mut failed = Failed::new();
        failed.insert(((3, 0), first), 1);
        let q = plan_with(&m, (3, 0), &ALL, 1, &NONE, &failed).unwrap();
        assert_eq!(q.purpose, Purpose::Goal);
        assert_ne!(targets(&q)[0], first, "{q:?}");
    }

    #[test]
    fn a_test_that_killed_gives_way_to_another() {
        // Two unknown things on the floor, the nearer on the left; touching the left one from
        // beside it killed once (a thing whose type also holds harmless look-alikes keeps a middling
        // P(deadly), so its test was chosen again and again).
        let m = Map::from_ascii(
            "?.....?
             #######",
        );
        let p = plan(&m, (2, 0), &ALL, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Explore((0, 0)));
        let mut failed = Failed::new();
        assert_eq!(targets(&p).last(), Some(&(1, 0)));
        failed.insert(((1, 0), (0, 0)), 1);
        let q = plan_with(&m, (2, 0), &ALL, 1, &NONE, &failed).unwrap();
        assert_eq!(q.purpose, Purpose::Explore((6, 0)), "{q:?}");
    }

    #[test]
    fn a_thing_believed_passable_is_jumped_through_not_over() {
        // A gap of four with a thing in the way at body height: believed scenery (neutral), it
        // does not cut the jump to the reach.
        let mut m = Map::from_ascii(
            "G....?....
             ###....###",
        );
        let i = 5;
        m.cells[i].belief = crate::kind::Belief::from_array([0.0, 0.0, 0.3, 0.0, 0.7]);
        let short_reach = Abilities {
            jump_reach: Some(3),
            ..ALL
        };
        let p = plan(&m, (7, 0), &short_reach, 1, &NONE).unwrap();
        assert_eq!(p.purpose, Purpose::Goal, "{p:?}");
        assert!(
            p.moves
                .iter()
                .any(|mv| matches!(mv, Move::Jump { over: false, .. })),
            "{p:?}"
        );
    }
}
