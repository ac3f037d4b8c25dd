//! What a type of thing can turn out to be for the player: the five kinds the agent's beliefs
//! range over (issue 16: deadly, goal, climbable, solid, neutral), and a belief (a probability
//! over them).

use serde::Deserialize;

/// A kind of thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Touching it kills.
    Deadly,
    /// Touching it wins.
    Goal,
    /// It can be climbed.
    Climbable,
    /// It cannot be entered; it can be stood on.
    Solid,
    /// It can be passed through and does nothing.
    Neutral,
}

impl Kind {
    /// All kinds, in index order.
    pub const ALL: [Kind; 5] = [
        Kind::Deadly,
        Kind::Goal,
        Kind::Climbable,
        Kind::Solid,
        Kind::Neutral,
    ];
}

/// A probability over [`Kind`]s (index = position in [`Kind::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Belief {
    /// P(deadly).
    #[serde(default)]
    pub deadly: f32,
    /// P(goal).
    #[serde(default)]
    pub goal: f32,
    /// P(climbable).
    #[serde(default)]
    pub climbable: f32,
    /// P(solid).
    #[serde(default)]
    pub solid: f32,
    /// P(neutral).
    #[serde(default)]
    pub neutral: f32,
}

impl Belief {
    /// The uniform belief.
    pub fn uniform() -> Belief {
        Belief::from_array([0.2; 5])
    }

    /// From probabilities in [`Kind::ALL`] order (normalised).
    pub fn from_array(p: [f32; 5]) -> Belief {
        let mut b = Belief {
            deadly: p[0],
            goal: p[1],
            climbable: p[2],
            solid: p[3],
            neutral: p[4],
        };
        b.normalise();
        b
    }

    /// Probabilities in [`Kind::ALL`] order.
    pub fn to_array(&self) -> [f32; 5] {
        [
            self.deadly,
            self.goal,
            self.climbable,
            self.solid,
            self.neutral,
        ]
    }

    /// P(kind).
    pub fn p(&self, k: Kind) -> f32 {
        self.to_array()[k as usize]
    }

    fn normalise(&mut self) {
        let a = self.to_array();
        let s: f32 = a.iter().sum();
        let a = if s > 0.0 { a.map(|x| x / s) } else { [0.2; 5] };
        *self = Belief {
            deadly: a[0],
            goal: a[1],
            climbable: a[2],
            solid: a[3],
            neutral: a[4],
        };
    }

    /// Combines independent cues: the product, normalised (uniform when they contradict).
    pub fn combine(&self, o: &Belief) -> Belief {
        let (a, b) = (self.to_array(), o.to_array());
        Belief::from_array([0, 1, 2, 3, 4].map(|i| a[i] * b[i]))
    }

    /// Whether some kind has at least probability `p`.
    pub fn is_sure(&self, p: f32) -> bool {
        self.to_array().iter().any(|x| *x >= p)
    }

    /// The likeliest kind.
    pub fn likeliest(&self) -> Kind {
        let a = self.to_array();
        let mut best = 0;
        for i in 1..5 {
            if a[i] > a[best] {
                best = i;
            }
        }
        Kind::ALL[best]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_cues_multiplies_and_normalises() {
        let a = Belief::from_array([0.5, 0.0, 0.0, 0.5, 0.0]);
        let b = Belief::from_array([0.5, 0.0, 0.0, 0.25, 0.25]);
        let c = a.combine(&b);
        assert!((c.deadly - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(c.likeliest(), Kind::Deadly);
        assert!(!Belief::uniform().is_sure(0.5));
    }
}
