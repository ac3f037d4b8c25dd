//! # priors-agent-interface
//!
//! The thin boundary between an agent that plays like a subject and the game that runs it:
//! what a subject perceives ([`Frame`], [`Observation`]) and what it does ([`Key`], [`KeySet`],
//! [`Agent`]). It exists so that an agent crate can depend on it alone and provably never reach
//! the level file, the world state, the tile grid or the step function (issue 16: the agent
//! "sees only what a subject sees").
//!
//! What it deliberately does not hold: any game type. The runner (in `priors-experiments`)
//! converts the renderer's frame into a [`Frame`] and a [`KeySet`] into the condition's key map,
//! so the condition's controls act on the agent exactly as on a person.

/// An RGB frame as rendered for the condition (rotation and theme included), rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes: R, G, B of each pixel, rows top to bottom.
    pub rgb: Vec<u8>,
}

impl Frame {
    /// A black frame.
    pub fn new(width: u32, height: u32) -> Frame {
        Frame {
            width,
            height,
            rgb: vec![0; width as usize * height as usize * 3],
        }
    }

    /// The colour at `(x, y)`; black outside the frame.
    pub fn pixel(&self, x: i32, y: i32) -> [u8; 3] {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return [0; 3];
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Sets the colour at `(x, y)`; ignored outside the frame.
    pub fn set_pixel(&mut self, x: i32, y: i32, c: [u8; 3]) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        self.rgb[i..i + 3].copy_from_slice(&c);
    }
}

/// A key a subject can press: the paper's protocol names the four arrows; the space bar is there
/// because an experiment file may map it. What a key *does* is the condition's business (its key
/// map); the agent only knows the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// Left arrow.
    Left,
    /// Right arrow.
    Right,
    /// Up arrow.
    Up,
    /// Down arrow.
    Down,
    /// Space bar.
    Space,
}

impl Key {
    /// Every key, in bit order (bit i of a [`KeySet`] is `Key::ALL[i]`, the order of the
    /// condition key map's keys).
    pub const ALL: [Key; 5] = [Key::Left, Key::Right, Key::Up, Key::Down, Key::Space];

    /// The key's label as printed on the keyboard.
    pub fn name(self) -> &'static str {
        match self {
            Key::Left => "left",
            Key::Right => "right",
            Key::Up => "up",
            Key::Down => "down",
            Key::Space => "space",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The keys held during one tick (bit i = [`Key::ALL`]`[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeySet(u8);

impl KeySet {
    /// No key held.
    pub const NONE: KeySet = KeySet(0);

    /// The set of one key.
    pub fn one(k: Key) -> KeySet {
        KeySet(k.bit())
    }

    /// This set with `k` added.
    pub fn with(self, k: Key) -> KeySet {
        KeySet(self.0 | k.bit())
    }

    /// Whether `k` is held.
    pub fn has(self, k: Key) -> bool {
        self.0 & k.bit() != 0
    }

    /// Whether no key is held.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bits (bit i = [`Key::ALL`]`[i]`), as a condition's key map takes held keys.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The held keys, in [`Key::ALL`] order.
    pub fn keys(self) -> impl Iterator<Item = Key> {
        Key::ALL.into_iter().filter(move |k| self.has(*k))
    }
}

/// What a subject perceives after a tick (or at the start).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The frame on screen.
    pub frame: Frame,
    /// The reward of the last tick (+1 when the goal was reached, else 0): what a person sees as
    /// the game saying "well done".
    pub reward: f32,
    /// Whether the episode ended with the last tick (goal reached or time up); the next
    /// observation then starts a new episode.
    pub episode_ended: bool,
}

/// An agent that plays like a subject: it is shown each frame and answers with the keys it holds
/// for the next tick.
pub trait Agent {
    /// The keys to hold during the next tick, given what is on screen now and what the last tick
    /// brought. Called once per tick; the first call of an episode carries reward 0.
    fn act(&mut self, obs: &Observation) -> KeySet;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_bits_follow_the_key_order() {
        let s = KeySet::one(Key::Up).with(Key::Left);
        assert_eq!(s.bits(), 0b00101);
        assert!(s.has(Key::Up) && s.has(Key::Left) && !s.has(Key::Right));
        assert_eq!(s.keys().collect::<Vec<_>>(), vec![Key::Left, Key::Up]);
    }

    #[test]
    fn pixels_outside_the_frame_are_black_and_ignored() {
        let mut f = Frame::new(2, 2);
        f.set_pixel(1, 1, [1, 2, 3]);
        f.set_pixel(5, 5, [9, 9, 9]);
        assert_eq!(f.pixel(1, 1), [1, 2, 3]);
        assert_eq!(f.pixel(-1, 0), [0, 0, 0]);
    }
}
