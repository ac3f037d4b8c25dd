//! Conditions: one experimental manipulation of the prior knowledge a player can use.
//!
//! A condition is data (one TOML file each in data/conditions/): a visual theme (how each
//! [`Kind`] is painted), a view transform, a control mapping from physical keys to logical
//! buttons, and mechanic switches. Adding a condition needs no Rust change. This module only
//! types and validates the data; the renderer interprets the theme, the frontend the controls,
//! and [`crate::world::Rules`] the mechanics.

use crate::action::{Action, Button};
use crate::level::{Kind, Location};
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An RGB colour written `"#rrggbb"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub [u8; 3]);

impl Serialize for Rgb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!(
            "#{:02x}{:02x}{:02x}",
            self.0[0], self.0[1], self.0[2]
        ))
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rgb, D::Error> {
        let s = String::deserialize(d)?;
        let h = s
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
        let h =
            h.ok_or_else(|| serde::de::Error::custom(format!("colour {s:?} is not \"#rrggbb\"")))?;
        let b = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0);
        Ok(Rgb([b(0), b(2), b(4)]))
    }
}

/// Procedural texture families the renderer can draw (all seeded, all authored in this repo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextureKind {
    /// Brick-like courses, resembling the platform sprite.
    Bricks,
    /// Rungs and rails, resembling the ladder sprite.
    Rungs,
    /// Coloured value noise.
    Noise,
    /// Diagonal stripes.
    Stripes,
    /// A patchwork of all of the above (for backgrounds that must mimic platforms and ladders).
    Patchwork,
}

/// How one kind of thing is painted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, untagged)]
pub enum Paint {
    /// A pixel-art sprite from data/sprites/, by name.
    Sprite {
        /// Sprite name (file stem).
        sprite: String,
    },
    /// A flat colour over the object's box.
    Color {
        /// The colour.
        color: Rgb,
    },
    /// A seeded procedural texture.
    Texture {
        /// Texture family.
        texture: TextureKind,
        /// Seed; textures with equal seeds look alike.
        seed: u64,
        /// Palette the texture draws from (at least one colour).
        palette: Vec<Rgb>,
        /// When true every instance (platform segment, ladder, object) gets its own seed,
        /// so no two share a texture (masked-similarity).
        #[serde(default)]
        per_instance: bool,
    },
}

/// Distractor blocks painted on the platforms (masked-object-identity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placebo {
    /// How many blocks (ignored when `fill`).
    #[serde(default)]
    pub count: u32,
    /// Put a block on every free cell where an object could stand (directly above a floor, not
    /// taken by a real object), as the paper's masked object identity hides the real objects
    /// among distractors everywhere.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fill: bool,
    /// Seed of their placement, sizes and colours.
    pub seed: u64,
    /// Colours to choose from (flat blocks).
    pub palette: Vec<Rgb>,
    /// Paint the blocks with this instead of flat palette colours (all-priors-masked: the same
    /// texture as the real objects, so identity cannot be read from texture). Colour and texture
    /// paints only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paint: Option<Paint>,
}

/// The visual theme: a paint per kind (kinds not listed use the original theme's paint).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// Paint per kind.
    #[serde(default)]
    pub paint: BTreeMap<Kind, Paint>,
    /// Optional distractor blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placebo: Option<Placebo>,
}

/// A rotation of the whole view. The simulation is unaffected (the paper rotated the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Rotation {
    /// Upright.
    #[default]
    #[serde(rename = "0")]
    R0,
    /// A quarter turn clockwise.
    #[serde(rename = "90")]
    R90,
    /// Upside down.
    #[serde(rename = "180")]
    R180,
    /// A quarter turn anticlockwise.
    #[serde(rename = "270")]
    R270,
}

/// The view transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// Clockwise rotation in degrees: "0", "90", "180" or "270".
    #[serde(default)]
    pub rotate_deg: Rotation,
}

/// A physical key a subject presses (the paper's protocol: arrow keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// Left arrow.
    ArrowLeft,
    /// Right arrow.
    ArrowRight,
    /// Up arrow.
    ArrowUp,
    /// Down arrow.
    ArrowDown,
    /// Space bar.
    Space,
}

impl Key {
    /// All keys in bit order.
    pub const ALL: [Key; 5] = [
        Key::ArrowLeft,
        Key::ArrowRight,
        Key::ArrowUp,
        Key::ArrowDown,
        Key::Space,
    ];
}

/// Key mapping: physical key -> logical buttons. Defaults to the paper's protocol ("using the
/// arrow keys", Dubey et al. 2018, Sec. 2): left/right walk, up climbs and jumps, down descends;
/// no other key moves the player. Space does nothing unless a condition or an experiment file
/// maps it explicitly.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controls {
    /// Explicit map; keys not listed keep the default meaning.
    #[serde(default)]
    pub map: BTreeMap<Key, Vec<Button>>,
    /// When set, the arrow keys' meanings are permuted by this seed; the permutation is a pure
    /// function of the seed (mixed with the participant's seed when `shuffle_per_participant`)
    /// and is logged with the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_seed: Option<u64>,
    /// Re-map the arrows at random for each participant (hard): the permutation's seed is mixed
    /// with [`participant_seed`] (experiment seed and participant id), so subjects differ but a
    /// participant's map is reproducible.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shuffle_per_participant: bool,
}

/// A participant's seed: FNV-1a of the participant id, mixed with the experiment's seed.
/// Logged in session.json; it seeds per-participant key maps.
pub fn participant_seed(experiment_seed: u64, participant: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in participant.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    SplitMix64::new(h ^ experiment_seed.rotate_left(32)).next_u64()
}

/// The resolved mapping, one button set per [`Key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMap(pub [Action; 5]);

impl KeyMap {
    /// The original game's mapping.
    pub fn default_map() -> KeyMap {
        KeyMap([
            Action::from_buttons(&[Button::Left]),
            Action::from_buttons(&[Button::Right]),
            Action::from_buttons(&[Button::Up, Button::Jump]),
            Action::from_buttons(&[Button::Down]),
            Action::NOOP,
        ])
    }
    /// This map with the keys of `keys` re-mapped (a condition's `map`, or the keys an experiment
    /// file adds explicitly, e.g. `space = ["jump"]`).
    pub fn with_keys(mut self, keys: &BTreeMap<Key, Vec<Button>>) -> KeyMap {
        for (k, buttons) in keys {
            let i = Key::ALL.iter().position(|x| x == k).unwrap_or(0);
            self.0[i] = Action::from_buttons(buttons);
        }
        self
    }
    /// The action for a set of held keys (bit i = `Key::ALL[i]`).
    pub fn action(&self, held_keys: u8) -> Action {
        let mut bits = 0;
        for (i, a) in self.0.iter().enumerate() {
            if held_keys & (1 << i) != 0 {
                bits |= a.bits();
            }
        }
        Action::from_bits(bits).unwrap_or(Action::NOOP)
    }
}

impl Controls {
    /// Resolves the mapping for a session without a participant seed (seed 0).
    pub fn key_map(&self) -> KeyMap {
        self.key_map_for(0)
    }

    /// Resolves the mapping: defaults, then the seeded shuffle of the four arrows (per
    /// participant when asked), then `map`.
    pub fn key_map_for(&self, participant_seed: u64) -> KeyMap {
        let mut m = KeyMap::default_map();
        let seed = match (self.shuffle_seed, self.shuffle_per_participant) {
            (Some(s), true) => Some(SplitMix64::new(s ^ participant_seed).next_u64()),
            (None, true) => Some(participant_seed),
            (s, false) => s,
        };
        if let Some(seed) = seed {
            let mut rng = SplitMix64::new(seed);
            let mut arrows = [m.0[0], m.0[1], m.0[2], m.0[3]];
            // Fisher-Yates; re-draw the identity so the shuffle always changes something.
            loop {
                for i in (1..4).rev() {
                    let j = rng.below(i as u64 + 1) as usize;
                    arrows.swap(i, j);
                }
                if arrows != [m.0[0], m.0[1], m.0[2], m.0[3]] {
                    break;
                }
            }
            m.0[..4].copy_from_slice(&arrows);
        }
        m.with_keys(&self.map)
    }
}

/// How ladders are climbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LadderMode {
    /// Up climbs (the original).
    #[default]
    Normal,
    /// Up must be held while left and right alternate; each change of direction climbs one step
    /// (changed-ladder). Horizontal presses do not walk while climbing this way.
    Zigzag,
}

/// Mechanic switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mechanics {
    /// Ladder climbing mode.
    #[serde(default)]
    pub ladder: LadderMode,
}

/// The paper's human result for a condition (keydoor), kept with the condition for reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperResult {
    /// Minutes to finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<f64>,
    /// Deaths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaths: Option<f64>,
    /// Unique states visited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_states: Option<f64>,
}

/// One condition file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Identifier, equal to the file stem (e.g. `masked-semantics`).
    pub id: String,
    /// What changes, in words.
    pub description: String,
    /// Visual theme.
    #[serde(default)]
    pub theme: Theme,
    /// View transform.
    #[serde(default)]
    pub view: View,
    /// Control mapping.
    #[serde(default)]
    pub controls: Controls,
    /// Mechanic switches.
    #[serde(default)]
    pub mechanics: Mechanics,
    /// The paper's figures for this condition, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<PaperResult>,
}

impl Condition {
    /// Whether the condition changes only what is seen (same trajectory for the same actions).
    pub fn is_purely_visual(&self) -> bool {
        self.mechanics == Mechanics::default() && self.controls == Controls::default()
    }
    /// The unmanipulated condition, used when no file is given.
    pub fn original() -> Condition {
        Condition {
            id: "original".into(),
            description: "The game as designed.".into(),
            theme: Theme::default(),
            view: View::default(),
            controls: Controls::default(),
            mechanics: Mechanics::default(),
            paper: None,
        }
    }
}

/// A condition file that does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}: bad condition: {message}")]
pub struct ConditionError {
    /// Where.
    pub at: Location,
    /// Why.
    pub message: String,
}

/// Parses a condition file's text; `file` is used only in messages.
pub fn parse_condition(text: &str, file: &str) -> Result<Condition, ConditionError> {
    let c: Condition = toml::from_str(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                (
                    before.matches('\n').count() + 1,
                    before
                        .rsplit('\n')
                        .next()
                        .map(|s| s.chars().count())
                        .unwrap_or(0)
                        + 1,
                )
            }
            None => (1, 1),
        };
        ConditionError {
            at: Location {
                file: file.into(),
                line,
                column,
            },
            message: e.message().to_string(),
        }
    })?;
    let at = Location {
        file: file.into(),
        line: 1,
        column: 1,
    };
    for (kind, paint) in &c.theme.paint {
        if let Paint::Texture { palette, .. } = paint
            && palette.is_empty()
        {
            return Err(ConditionError {
                at,
                message: format!("texture for {kind:?} has an empty palette"),
            });
        }
    }
    if let Some(p) = &c.theme.placebo
        && p.palette.is_empty()
    {
        return Err(ConditionError {
            at,
            message: "placebo palette is empty".into(),
        });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let c = parse_condition(
            "id = \"x\"\ndescription = \"d\"\n[theme.paint]\nladder = { color = \"#8b0000\" }\nplayer = { sprite = \"robot\" }\n[view]\nrotate_deg = \"90\"\n",
            "x.toml",
        )
        .unwrap();
        assert_eq!(
            c.theme.paint[&Kind::Ladder],
            Paint::Color {
                color: Rgb([0x8b, 0, 0])
            }
        );
        assert_eq!(c.view.rotate_deg, Rotation::R90);
        assert!(c.is_purely_visual());
        let e =
            parse_condition("id = \"x\"\ndescription = \"d\"\nbogus = 1\n", "y.toml").unwrap_err();
        assert_eq!(e.at.line, 3);
        assert!(e.to_string().starts_with("y.toml:3:"), "{e}");
        let e = parse_condition(
            "id = \"x\"\ndescription = \"d\"\n[theme.paint]\nladder = { color = \"red\" }\n",
            "z.toml",
        )
        .unwrap_err();
        assert_eq!(e.at.line, 4, "{e}");
    }

    #[test]
    fn shuffled_keys_are_a_seeded_permutation() {
        let c = Controls {
            map: BTreeMap::new(),
            shuffle_seed: Some(7),
            shuffle_per_participant: false,
        };
        let a = c.key_map();
        assert_eq!(a, c.key_map());
        assert_ne!(a, KeyMap::default_map());
        let mut got: Vec<u8> = a.0[..4].iter().map(|x| x.bits()).collect();
        let mut want: Vec<u8> = KeyMap::default_map().0[..4]
            .iter()
            .map(|x| x.bits())
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(
            KeyMap::default_map().action(0b00101),
            "left+up+jump".parse().unwrap()
        );
        // Space moves nothing by default; a map may add it explicitly.
        assert_eq!(KeyMap::default_map().action(0b10000), Action::NOOP);
        let extra = BTreeMap::from([(Key::Space, vec![Button::Jump])]);
        let m = KeyMap::default_map().with_keys(&extra);
        assert_eq!(m.action(0b10000), "jump".parse().unwrap());
        assert_eq!(
            m.0[..4],
            KeyMap::default_map().0[..4],
            "the arrows keep their meaning"
        );
    }
}
