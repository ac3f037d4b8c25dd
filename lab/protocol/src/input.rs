//! Keyboard input, accumulated between ticks and consumed once per tick, and the key sets that
//! reproduce a scripted route through the same key path.
//!
//! Key changes arrive when they arrive (a Bevy frame, a WebSocket message) while the simulation
//! runs on a fixed tick; zero, one or several key changes can fall between two ticks. So this
//! module keeps two bit sets over the five mapped keys ([`Key::ALL`]): what is held now, and
//! what went down since the last tick. A tick consumes `held | pressed_since_tick`, so a tap
//! pressed and released between two ticks still counts for exactly one tick, and a key held over
//! several ticks counts for each of them. Nothing here knows about windows, sockets, files or
//! the clock.
//!
//! It lives outside the Bevy crate so that the lab window and the web server share one; the
//! window's `input` module re-exports it.

use priors_core::condition::{Key, KeyMap};
use priors_core::{Action, Level, Rules, World, step};

/// The bit of `key` in a held-key set (bit i = `Key::ALL[i]`).
pub fn key_bit(key: Key) -> u8 {
    1 << Key::ALL.iter().position(|k| *k == key).unwrap_or(0)
}

/// Key changes accumulated between ticks, consumed once per tick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyAccumulator {
    /// Keys down now.
    held: u8,
    /// Keys that went down since the last [`KeyAccumulator::consume`].
    pressed_since_tick: u8,
}

impl KeyAccumulator {
    /// A key went down (`repeat`: an OS auto-repeat, which changes nothing).
    pub fn press(&mut self, key: Key, repeat: bool) {
        if repeat {
            return;
        }
        let b = key_bit(key);
        self.held |= b;
        self.pressed_since_tick |= b;
    }

    /// A key went up. A release of a key that was never seen going down is ignored.
    pub fn release(&mut self, key: Key) {
        self.held &= !key_bit(key);
    }

    /// Forgets every key (focus lost: the releases will not arrive).
    pub fn clear(&mut self) {
        *self = KeyAccumulator::default();
    }

    /// Keys held now.
    pub fn held(&self) -> u8 {
        self.held
    }

    /// The key set of the next tick: held keys plus every key that went down since the last
    /// tick, even if already released; then starts a new accumulation window.
    pub fn consume(&mut self) -> u8 {
        let keys = self.held | self.pressed_since_tick;
        self.pressed_since_tick = 0;
        keys
    }
}

/// The file name of a mapped key (`arrow_left`, ..., `space`), as events.csv writes it.
pub fn key_name(key: Key) -> &'static str {
    match key {
        Key::ArrowLeft => "arrow_left",
        Key::ArrowRight => "arrow_right",
        Key::ArrowUp => "arrow_up",
        Key::ArrowDown => "arrow_down",
        Key::Space => "space",
    }
}

/// The mapped key named `name` (`arrow_left`, ...), if it is one.
pub fn key_named(name: &str) -> Option<Key> {
    Key::ALL.into_iter().find(|k| key_name(*k) == name)
}

/// A key set (bit i = `Key::ALL[i]`) whose mapped action has `action`'s effect in `world`: one
/// mapping to exactly `action`, else to the same canonical action, else one reaching the same
/// next state (the default map has no key for `up` without `jump`, but on a ladder they do the
/// same). `None` when no combination of the condition's keys can.
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

/// The key set to hold on each tick to reproduce `actions` from the start; `Err(tick)` names
/// the first tick no combination of the condition's keys can follow.
pub fn key_sets(
    level: &Level,
    rules: &Rules,
    keymap: &KeyMap,
    actions: &[Action],
) -> Result<Vec<u8>, usize> {
    let mut w = World::new(level);
    let mut out = Vec::with_capacity(actions.len());
    for (tick, &a) in actions.iter().enumerate() {
        let keys = key_set_for(level, rules, keymap, &w, a).ok_or(tick)?;
        step(level, rules, &mut w, keymap.action(keys));
        out.push(keys);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tap_between_two_ticks_counts_for_exactly_one_tick() {
        let mut a = KeyAccumulator::default();
        a.press(Key::Space, false);
        a.release(Key::Space);
        assert_eq!(a.consume(), key_bit(Key::Space));
        assert_eq!(a.consume(), 0, "the next tick must not see the tap again");
    }

    #[test]
    fn held_keys_count_every_tick_and_repeats_change_nothing() {
        let mut a = KeyAccumulator::default();
        a.press(Key::ArrowLeft, false);
        for _ in 0..3 {
            assert_eq!(a.consume(), key_bit(Key::ArrowLeft));
        }
        a.press(Key::ArrowLeft, true);
        a.release(Key::ArrowLeft);
        assert_eq!(a.consume(), 0);
        a.press(Key::ArrowUp, false);
        a.clear();
        assert_eq!(a.consume(), 0);
    }

    #[test]
    fn changes_between_two_ticks_all_count_for_the_next() {
        let mut a = KeyAccumulator::default();
        // Two taps (right, then left) before one tick; a stray release changes nothing.
        a.press(Key::ArrowRight, false);
        a.release(Key::ArrowRight);
        a.press(Key::ArrowLeft, false);
        a.release(Key::ArrowLeft);
        assert_eq!(
            a.consume(),
            key_bit(Key::ArrowRight) | key_bit(Key::ArrowLeft)
        );
        a.release(Key::ArrowUp);
        assert_eq!(a.consume(), 0);
    }

    #[test]
    fn key_names_round_trip() {
        for k in Key::ALL {
            assert_eq!(key_named(key_name(k)), Some(k));
        }
        assert_eq!(key_named("key_a"), None);
    }
}
