//! Keyboard input for the window: Bevy's key codes as the snake_case names the session files
//! use, and (re-exported from `priors-protocol`, shared with the web server) the accumulator
//! that turns per-frame key changes into one key set per tick.
//!
//! Bevy delivers key changes once per frame (as `KeyboardInput` messages) while the simulation
//! runs on a fixed tick; reading `just_pressed` inside the fixed loop loses or doubles presses
//! (bevy issue 6183), which is why the session consumes [`KeyAccumulator`] once per tick.
//! Nothing here knows about Bevy, files or the clock.

pub use priors_protocol::input::{KeyAccumulator, key_bit, key_name, key_named};

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

#[cfg(test)]
mod tests {
    use super::*;
    use priors_core::condition::Key;

    #[test]
    fn key_names_are_snake_case() {
        assert_eq!(snake_case("ArrowLeft"), "arrow_left");
        assert_eq!(snake_case("KeyA"), "key_a");
        assert_eq!(snake_case("F12"), "f12");
        assert_eq!(key_name(Key::ArrowDown), "arrow_down");
    }
}
