//! Scripted input: turns an actions CSV (the core's trace format) into the physical keys to
//! hold on each tick, so `--script` drives the window through the same key path a person uses.
//!
//! Key sets are chosen per tick among the 32 subsets of the condition's keys: a set whose mapped
//! action equals the scripted action if there is one, else one with the same canonical action,
//! else one that leads the simulation to the same next state (the default mapping has no key
//! for `up` without `jump`, but on a ladder they do the same). A script no key set can follow
//! is an error naming the tick.
//!
//! The choice itself is `priors_protocol::input` (shared with the web server's scripted
//! clients); this module gives it the CLI's error.

use anyhow::{Result, anyhow};
use priors_core::condition::KeyMap;
use priors_core::{Action, Level, Rules};

pub use priors_protocol::input::key_set_for;

/// The key set (bit i = `Key::ALL[i]`) to hold on each tick to reproduce `actions` from the start
/// (`priors_protocol::input::key_sets`, with an error that names the tick and the action).
pub fn key_sets(
    level: &Level,
    rules: &Rules,
    keymap: &KeyMap,
    actions: &[Action],
) -> Result<Vec<u8>> {
    priors_protocol::input::key_sets(level, rules, keymap, actions).map_err(|tick| {
        anyhow!(
            "tick {tick}: no combination of the condition's keys produces action {} here",
            actions[tick]
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use priors_core::solve::solve;
    use priors_core::{World, step};

    #[test]
    fn the_princess_route_is_playable_with_arrow_keys() {
        let level = priors_catalog::load_level("princess").unwrap().value;
        let route = solve(&level, &Rules::agent(), 20_000_000).unwrap().actions;
        let rules = Rules::human(level.header.tick_hz);
        let keymap = KeyMap::default_map();
        let keys = key_sets(&level, &rules, &keymap, &route).unwrap();
        let mut w = World::new(&level);
        for k in &keys {
            step(&level, &rules, &mut w, keymap.action(*k));
        }
        assert_eq!(w.outcome, priors_core::Outcome::Won);
    }
}
