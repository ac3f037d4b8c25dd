//! Scripted input: turns an actions CSV (the core's trace format) into the physical keys to
//! hold on each tick, so `--script` drives the window through the same key path a person uses.
//!
//! Key sets are chosen per tick among the 32 subsets of the condition's keys: a set whose mapped
//! action equals the scripted action if there is one, else one with the same canonical action,
//! else one that leads the simulation to the same next state (the default mapping has no key
//! for `up` without `jump`, but on a ladder they do the same). A script no key set can follow
//! is an error naming the tick.

use anyhow::{Result, bail};
use priors_core::condition::KeyMap;
use priors_core::{Action, Level, Rules, World, step};

/// A key set (bit i = `Key::ALL[i]`) whose mapped action has `action`'s effect in `world`: one
/// mapping to exactly `action`, else to the same canonical action, else one reaching the same
/// next state. `None` when no combination of the condition's keys can.
pub fn key_set_for(
    level: &Level,
    rules: &Rules,
    keymap: &KeyMap,
    world: &World,
    action: Action,
) -> Option<u8> {
    (0u8..32)
        .find(|k| keymap.action(*k) == action)
        .or_else(|| (0u8..32).find(|k| keymap.action(*k).canonical() == action.canonical()))
        .or_else(|| {
            let mut want = world.clone();
            step(level, rules, &mut want, action);
            (0u8..32).find(|k| {
                let mut got = world.clone();
                step(level, rules, &mut got, keymap.action(*k));
                got == want
            })
        })
}

/// The key set (bit i = `Key::ALL[i]`) to hold on each tick to reproduce `actions` from the start.
pub fn key_sets(
    level: &Level,
    rules: &Rules,
    keymap: &KeyMap,
    actions: &[Action],
) -> Result<Vec<u8>> {
    let mut w = World::new(level);
    let mut out = Vec::with_capacity(actions.len());
    for (tick, &a) in actions.iter().enumerate() {
        let Some(keys) = key_set_for(level, rules, keymap, &w, a) else {
            bail!("tick {tick}: no combination of the condition's keys produces action {a} here");
        };
        step(level, rules, &mut w, keymap.action(keys));
        out.push(keys);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use priors_core::solve::solve;

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
