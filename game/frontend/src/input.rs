//! Keyboard input, accumulated per frame and consumed per simulation tick.
//!
//! Bevy delivers key changes once per frame (as `KeyboardInput` messages) while the simulation
//! runs on a fixed tick; a frame can hold zero, one or several ticks. Reading `just_pressed`
//! inside the fixed loop loses or doubles presses (bevy issue 6183), so this module keeps two bit
//! sets over the five mapped keys ([`Key::ALL`]): what is held now, and what went down since the
//! last tick. A tick consumes `held | pressed_since_tick`, so a tap that is pressed and released
//! inside one frame still counts for exactly one tick, and a key held over several ticks counts
//! for each of them. Nothing here knows about Bevy, files or the clock.

use priors_core::condition::Key;

/// The bit of `key` in a held-key set (bit i = `Key::ALL[i]`).
pub fn key_bit(key: Key) -> u8 {
    1 << Key::ALL.iter().position(|k| *k == key).unwrap_or(0)
}

/// Per-frame accumulation of the mapped keys, consumed once per tick.
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

    /// Forgets every key (focus lost: the window will not see their releases).
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

/// Converts a CamelCase key name (`ArrowLeft`, `KeyA`) to the snake_case used in files
/// (`arrow_left`, `key_a`).
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// The file name of a mapped key (`arrow_left`, ..., `space`).
pub fn key_name(key: Key) -> &'static str {
    match key {
        Key::ArrowLeft => "arrow_left",
        Key::ArrowRight => "arrow_right",
        Key::ArrowUp => "arrow_up",
        Key::ArrowDown => "arrow_down",
        Key::Space => "space",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tap_inside_one_frame_counts_for_exactly_one_tick() {
        let mut a = KeyAccumulator::default();
        a.press(Key::Space, false);
        a.release(Key::Space);
        assert_eq!(a.consume(), key_bit(Key::Space));
        assert_eq!(
            a.consume(),
            0,
            "a second tick in the same frame must not see the tap again"
        );
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
    }

    #[test]
    fn frames_without_ticks_keep_their_presses() {
        let mut a = KeyAccumulator::default();
        // frame 1: tap right; frame 2: tap left; then one tick.
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
        a.press(Key::ArrowUp, false);
        a.clear();
        assert_eq!(a.consume(), 0);
    }

    #[test]
    fn key_names_are_snake_case() {
        assert_eq!(snake_case("ArrowLeft"), "arrow_left");
        assert_eq!(snake_case("KeyA"), "key_a");
        assert_eq!(snake_case("F12"), "f12");
        assert_eq!(key_name(Key::ArrowDown), "arrow_down");
    }
}
