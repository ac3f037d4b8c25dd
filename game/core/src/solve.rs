//! The optimal solver: breadth-first search over the deterministic state space.
//!
//! BFS from the start state with every action of an [`ActionSet`] (by default the 18 effective
//! ones), pruning states
//! already seen by an exact key of everything that can influence the future (position, speed,
//! ladder and zigzag flags, key, live enemies; plus patrol positions). Deaths are dead ends
//! (agent rule). The first goal state popped gives the minimal number of ticks, which is the
//! physical limit every human and agent number is compared to.

use crate::action::{Action, ActionSet};
use crate::level::Level;
use crate::world::{Outcome, Rules, World, step};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast, fixed hasher for 128-bit keys (membership only; nothing iterates the set).
#[derive(Default)]
struct KeyHasher(u64);
impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u128(&mut self, v: u128) {
        let x = (v as u64) ^ ((v >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 ^= self.0 >> 32;
    }
}

/// The search key of a state (tick and deaths excluded: they do not change what can follow).
fn key(w: &World) -> u128 {
    let p = &w.player;
    let mut k = (p.x as u16 as u128)
        | (p.y as u16 as u128) << 16
        | ((p.vy + 512) as u16 as u128 & 0x3ff) << 32
        | ((p.zig + 1) as u128) << 42
        | (w.has_key as u128) << 44
        | (w.key_present as u128) << 45
        | (w.touching_door as u128) << 46
        | (p.on_ladder as u128) << 47
        | (p.airborne as u128) << 48
        | (w.enemies_alive as u128) << 64;
    // Patrol positions are folded in by hashing (probabilistic only for patrol levels).
    for (i, (&x, &d)) in w.enemy_x.iter().zip(&w.enemy_dir).enumerate() {
        let mut h = KeyHasher::default();
        h.write(&[i as u8]);
        h.write(&x.to_le_bytes());
        h.write(&[d as u8]);
        k ^= (h.finish() as u128) << 64;
    }
    k
}

/// A shortest route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// The actions, one per tick; their count is the minimum.
    pub actions: Vec<Action>,
    /// Distinct states expanded.
    pub states_explored: usize,
}

/// Why no route was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    /// The whole reachable space was searched.
    #[error("no route to the goal: all {states} reachable states searched")]
    Unreachable {
        /// States searched.
        states: usize,
    },
    /// The state budget ran out first.
    #[error("gave up after {states} states (budget)")]
    Budget {
        /// States searched.
        states: usize,
    },
}

/// Finds a minimal action sequence from the start to the goal under `rules` (its `on_death` is
/// treated as end-of-episode; its tick limit is ignored). `max_states` bounds memory.
pub fn solve(level: &Level, rules: &Rules, max_states: usize) -> Result<Solution, SolveError> {
    solve_with(
        level,
        rules,
        ActionSet::Effective,
        &World::new(level),
        max_states,
    )
}

/// As [`solve`], from any state (e.g. where a player is now). A finished `start` is unreachable.
pub fn solve_from(
    level: &Level,
    rules: &Rules,
    start: &World,
    max_states: usize,
) -> Result<Solution, SolveError> {
    solve_with(level, rules, ActionSet::Effective, start, max_states)
}

/// The minimal route from `start` choosing each tick from `set`.
pub fn solve_with(
    level: &Level,
    rules: &Rules,
    set: ActionSet,
    start: &World,
    max_states: usize,
) -> Result<Solution, SolveError> {
    let rules = Rules {
        on_death: crate::world::OnDeath::EndEpisode,
        tick_limit: None,
        ..*rules
    };
    if start.is_done() {
        return Err(SolveError::Unreachable { states: 0 });
    }
    let start = start.clone();
    let mut seen: HashSet<u128, BuildHasherDefault<KeyHasher>> = HashSet::default();
    seen.insert(key(&start));
    // Nodes: (state, parent index, action that led here). Index 0 is the root.
    let mut nodes: Vec<(World, u32, Action)> = vec![(start, u32::MAX, Action::NOOP)];
    let mut head = 0usize;
    while head < nodes.len() {
        if nodes.len() > max_states {
            return Err(SolveError::Budget {
                states: nodes.len(),
            });
        }
        for &a in set.actions() {
            let mut w = nodes[head].0.clone();
            step(level, &rules, &mut w, a);
            match w.outcome {
                Outcome::Won => {
                    let mut actions = vec![a];
                    let mut i = head;
                    while nodes[i].1 != u32::MAX {
                        actions.push(nodes[i].2);
                        i = nodes[i].1 as usize;
                    }
                    actions.reverse();
                    return Ok(Solution {
                        actions,
                        states_explored: nodes.len(),
                    });
                }
                Outcome::Running => {
                    if seen.insert(key(&w)) {
                        nodes.push((w, head as u32, a));
                    }
                }
                Outcome::Died(_) | Outcome::TimedOut => {}
            }
        }
        head += 1;
    }
    Err(SolveError::Unreachable {
        states: nodes.len(),
    })
}
