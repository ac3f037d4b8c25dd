//! Per-type beliefs, updated by contact. Each type starts from its prior (semantics and
//! affordance cues, `priors.toml`) and every experience eliminates what it contradicts:
//! - passing through a thing alive, with no reward: not deadly, not goal, not solid;
//! - standing on it: solid; bumping into it while walking: solid;
//! - moving up through it at a steady climbing speed: climbable;
//! - the reward while touching it: goal;
//! - a death: deadly for the one suspect touched, or, with several suspects, each one's
//!   P(deadly) raised to its posterior given that at least one of them kills; a death among
//!   suspects all believed harmless reopens them (uniform) before sharing the blame.
//!
//! What it deliberately does not do: learn from the evaluated level's layout or from outcomes
//! outside contact; no learning rate (deterministic games make one observation enough).

use crate::kind::{Belief, Kind};
use crate::perception::similarity::TypeId;
use std::collections::BTreeMap;

/// Beliefs of every known type.
#[derive(Debug, Clone, Default)]
pub struct Beliefs {
    by_type: BTreeMap<TypeId, Belief>,
}

impl Beliefs {
    /// Registers a type with its prior (kept if already known).
    pub fn ensure(&mut self, t: TypeId, prior: Belief) {
        self.by_type.entry(t).or_insert(prior);
    }

    /// The belief about a type (uniform if unknown).
    pub fn get(&self, t: TypeId) -> Belief {
        self.by_type
            .get(&t)
            .copied()
            .unwrap_or_else(Belief::uniform)
    }

    /// Sets P(k) = 0 for each of `kinds`, renormalising. A belief that would lose everything
    /// (a perception error) keeps only what was not ruled out now, uniformly.
    pub fn rule_out(&mut self, t: TypeId, kinds: &[Kind]) {
        let b = self.get(t);
        let mut a = b.to_array();
        for k in kinds {
            a[*k as usize] = 0.0;
        }
        if a.iter().sum::<f32>() <= 0.0 {
            a = [0, 1, 2, 3, 4].map(|i| {
                if kinds.contains(&Kind::ALL[i]) {
                    0.0
                } else {
                    1.0
                }
            });
        }
        self.by_type.insert(t, Belief::from_array(a));
    }

    /// Makes `k` certain.
    pub fn confirm(&mut self, t: TypeId, k: Kind) {
        let mut a = [0.0; 5];
        a[k as usize] = 1.0;
        self.by_type.insert(t, Belief::from_array(a));
    }

    /// A death touching `suspects` (distinct types): at least one is deadly.
    pub fn blame_death(&mut self, suspects: &[TypeId]) {
        let live: Vec<TypeId> = suspects
            .iter()
            .copied()
            .filter(|t| self.get(*t).deadly > 0.0)
            .collect();
        let live = if live.is_empty() && !suspects.is_empty() {
            // Every suspect was believed harmless: a belief was wrong (a misread contact). Reopen
            // them all, as a surprise should, and share the blame.
            for t in suspects {
                self.by_type.insert(*t, Belief::uniform());
            }
            suspects.to_vec()
        } else {
            live
        };
        match live.as_slice() {
            [] => {}
            [one] => self.confirm(*one, Kind::Deadly),
            many => {
                let none: f32 = many.iter().map(|t| 1.0 - self.get(*t).deadly).product();
                let any = (1.0 - none).max(1e-6);
                for t in many {
                    let b = self.get(*t);
                    let d = (b.deadly / any).min(1.0);
                    let rest = 1.0 - b.deadly;
                    let scale = if rest > 0.0 { (1.0 - d) / rest } else { 0.0 };
                    let mut a = b.to_array().map(|x| x * scale);
                    a[Kind::Deadly as usize] = d;
                    self.by_type.insert(*t, Belief::from_array(a));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_eliminates_and_a_lone_suspect_is_deadly() {
        let mut b = Beliefs::default();
        b.ensure(0, Belief::uniform());
        b.ensure(1, Belief::uniform());
        b.rule_out(0, &[Kind::Deadly, Kind::Goal, Kind::Solid]);
        assert_eq!(b.get(0).deadly, 0.0);
        assert!((b.get(0).climbable - 0.5).abs() < 1e-6);
        // Type 0 is known harmless, so a death touching 0 and 1 blames 1 alone.
        b.blame_death(&[0, 1]);
        assert_eq!(b.get(1).likeliest(), Kind::Deadly);
        assert_eq!(b.get(1).deadly, 1.0);
    }

    #[test]
    fn a_death_among_things_believed_harmless_reopens_them() {
        let mut b = Beliefs::default();
        b.ensure(0, Belief::uniform());
        b.confirm(0, Kind::Solid);
        b.blame_death(&[0]);
        assert_eq!(b.get(0).likeliest(), Kind::Deadly);
    }

    #[test]
    fn two_suspects_share_the_blame() {
        let mut b = Beliefs::default();
        b.ensure(0, Belief::uniform());
        b.ensure(1, Belief::uniform());
        b.blame_death(&[0, 1]);
        let d = b.get(0).deadly;
        // 0.2 / (1 - 0.8^2) = 0.5556
        assert!((d - 0.2 / 0.36).abs() < 1e-4, "{d}");
        assert!((b.get(0).to_array().iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
