//! The switch per prior (issue 16, item 5). Each field, when set, removes one prior module and
//! puts in its place the weakest assumption that still lets the agent act; the runner takes them
//! as `--lesion semantics,similarity,...`.
//!
//! | lesion | module removed | what replaces it |
//! |---|---|---|
//! | `semantics` | `perception/semantics.rs` (fire, persons, creatures, coins mean something) | a uniform prior over deadly / goal / climbable / solid / neutral for every type without an affordance cue |
//! | `similarity` | `perception/similarity.rs` (things that look alike are alike) | singleton types: every object is its own type, so nothing learned about one transfers |
//! | `objects` | `perception/objects.rs` segmentation (cells that continue each other are one thing) | no segmentation: every non-empty grid cell is its own object, so sprite shapes are never seen whole |
//! | `affordances` | `perception/affordances.rs` (top edges are floors, rungs are climbable) | no cue: solid and climbable are learned by standing on and climbing things |
//! | `physics` | `perception/physics.rs` (gravity down, arrows act as labelled, a jump clears a body height) | a broad hypothesis space: any key may walk, jump, climb or do nothing, and jumps are not planned until one has been seen |

use std::fmt;
use std::str::FromStr;

/// Which priors are switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Lesion {
    /// No semantic prior (uniform over kinds).
    pub semantics: bool,
    /// No similarity (singleton types).
    pub similarity: bool,
    /// No objectness (no segmentation).
    pub objects: bool,
    /// No affordance cues.
    pub affordances: bool,
    /// No physics prior (broad hypothesis space).
    pub physics: bool,
}

/// A lesion name that is not one of [`Lesion::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown lesion {0:?} (expected one of: semantics, similarity, objects, affordances, physics, none)"
)]
pub struct LesionError(pub String);

impl Lesion {
    /// The names, in a fixed order.
    pub const NAMES: [&'static str; 5] = [
        "semantics",
        "similarity",
        "objects",
        "affordances",
        "physics",
    ];

    /// The full agent (nothing switched off).
    pub fn none() -> Lesion {
        Lesion::default()
    }

    fn flags(&self) -> [bool; 5] {
        [
            self.semantics,
            self.similarity,
            self.objects,
            self.affordances,
            self.physics,
        ]
    }

    /// `none`, or the switched-off priors joined by `+` (run folders, tables).
    pub fn label(&self) -> String {
        let on: Vec<&str> = Self::NAMES
            .iter()
            .zip(self.flags())
            .filter(|(_, f)| *f)
            .map(|(n, _)| *n)
            .collect();
        if on.is_empty() {
            "none".into()
        } else {
            on.join("+")
        }
    }
}

impl fmt::Display for Lesion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for Lesion {
    type Err = LesionError;
    /// Parses a comma- or plus-separated list of names (`none` or empty: no lesion).
    fn from_str(s: &str) -> Result<Lesion, LesionError> {
        let mut l = Lesion::none();
        // A comma list on the command line, `+` in labels: one separator after the replace.
        let joined = s.replace(',', "+");
        for part in joined.split('+').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "none" => {}
                "semantics" => l.semantics = true,
                "similarity" => l.similarity = true,
                "objects" => l.objects = true,
                "affordances" => l.affordances = true,
                "physics" => l.physics = true,
                other => return Err(LesionError(other.into())),
            }
        }
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_unknown_names_fail() {
        let l: Lesion = "physics,semantics".parse().unwrap();
        assert!(l.semantics && l.physics && !l.objects);
        assert_eq!(l.label(), "semantics+physics");
        assert_eq!(l.label().parse::<Lesion>().unwrap(), l);
        assert_eq!("none".parse::<Lesion>().unwrap().label(), "none");
        assert!("gravity".parse::<Lesion>().is_err());
    }
}
