//! The shared discrete action set.
//!
//! One action per tick, for humans and agents alike. An [`Action`] is the set of logical buttons
//! held during that tick (left, right, up, down, jump), so every key combination a player can hold
//! is expressible and a human trace and an agent trace are the same kind of object. Opposing
//! buttons (left+right, up+down) are legal and cancel inside the simulation.
//!
//! The agent usually acts in the smaller [`Action::EFFECTIVE`] set: the 18 combinations that
//! differ in effect. This module does not know about physical keys; the mapping from keyboard
//! keys to buttons is a property of a condition ([`crate::condition::Controls`]).

use std::fmt;
use std::str::FromStr;

/// A logical button. The discriminant is its bit in [`Action`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Button {
    /// Walk towards smaller x.
    Left = 0,
    /// Walk towards larger x.
    Right = 1,
    /// Climb up a ladder.
    Up = 2,
    /// Climb down a ladder.
    Down = 3,
    /// Jump (only from standing).
    Jump = 4,
}

impl Button {
    /// All buttons in bit order.
    pub const ALL: [Button; 5] = [
        Button::Left,
        Button::Right,
        Button::Up,
        Button::Down,
        Button::Jump,
    ];

    /// Lower-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Button::Left => "left",
            Button::Right => "right",
            Button::Up => "up",
            Button::Down => "down",
            Button::Jump => "jump",
        }
    }

    fn from_name(s: &str) -> Option<Button> {
        Button::ALL.into_iter().find(|b| b.name() == s)
    }
}

/// The buttons held during one tick, as a 5-bit set (32 values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Action(u8);

impl Action {
    /// Nothing held.
    pub const NOOP: Action = Action(0);
    /// Number of distinct actions (every subset of the five buttons).
    pub const COUNT: usize = 32;

    /// The 18 actions that differ in effect: horizontal {none, left, right} x vertical
    /// {none, up, down} x jump {no, yes}. Order is fixed (agents index into it).
    pub const EFFECTIVE: [Action; 18] = {
        let mut out = [Action(0); 18];
        let hs = [0u8, 1, 2];
        let vs = [0u8, 4, 8];
        let mut i = 0;
        let mut j = 0;
        while j < 2 {
            let mut v = 0;
            while v < 3 {
                let mut h = 0;
                while h < 3 {
                    out[i] = Action(hs[h] | vs[v] | if j == 1 { 16 } else { 0 });
                    i += 1;
                    h += 1;
                }
                v += 1;
            }
            j += 1;
        }
        out
    };

    /// The six actions of the original RL game (PLE MonsterKong): no-op, left, right, up, down, jump.
    pub const ORIGINAL_SIX: [Action; 6] = [
        Action(0),
        Action(1),
        Action(2),
        Action(4),
        Action(8),
        Action(16),
    ];

    /// Builds an action from its bit pattern; `None` if bits above the five buttons are set.
    pub fn from_bits(bits: u8) -> Option<Action> {
        (bits < 32).then_some(Action(bits))
    }

    /// The bit pattern (bit i = [`Button`] with discriminant i).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Builds an action from a list of held buttons.
    pub fn from_buttons(buttons: &[Button]) -> Action {
        Action(buttons.iter().fold(0, |acc, b| acc | (1 << *b as u8)))
    }

    /// Whether `button` is held.
    pub fn has(self, button: Button) -> bool {
        self.0 & (1 << button as u8) != 0
    }

    /// This action with `button` also held.
    pub fn with(self, button: Button) -> Action {
        Action(self.0 | (1 << button as u8))
    }

    /// Horizontal intent after cancelling opposing buttons: -1, 0 or +1.
    pub fn dx(self) -> i32 {
        self.has(Button::Right) as i32 - self.has(Button::Left) as i32
    }

    /// Vertical intent after cancelling opposing buttons: -1 (up), 0 or +1 (down).
    pub fn dy(self) -> i32 {
        self.has(Button::Down) as i32 - self.has(Button::Up) as i32
    }

    /// The action with cancelled opposing buttons removed; two actions with the same
    /// canonical form have the same effect in every state.
    pub fn canonical(self) -> Action {
        let mut a = Action(self.0 & 16);
        match self.dx() {
            -1 => a = a.with(Button::Left),
            1 => a = a.with(Button::Right),
            _ => {}
        }
        match self.dy() {
            -1 => a = a.with(Button::Up),
            1 => a = a.with(Button::Down),
            _ => {}
        }
        a
    }
}

impl fmt::Display for Action {
    /// `noop`, or the held buttons joined by `+` in bit order, e.g. `left+jump`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("noop");
        }
        let mut first = true;
        for b in Button::ALL {
            if self.has(b) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(b.name())?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A named set of actions an agent or the solver chooses from each tick.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionSet {
    /// The released game's six: `noop left right up down jump` (one key-down each), the paper's
    /// agent's action space.
    Six,
    /// The 18 combinations that differ in effect ([`Action::EFFECTIVE`]).
    #[default]
    Effective,
    /// All 32 button subsets (opposing buttons cancel, so only 18 differ).
    All,
}

impl ActionSet {
    /// Every set, for help texts.
    pub const NAMES: [&'static str; 3] = ["six", "effective", "all"];

    /// The actions, in the fixed order agents index into.
    pub fn actions(self) -> &'static [Action] {
        match self {
            ActionSet::Six => &Action::ORIGINAL_SIX,
            ActionSet::Effective => &Action::EFFECTIVE,
            ActionSet::All => &ALL_ACTIONS,
        }
    }
    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            ActionSet::Six => "six",
            ActionSet::Effective => "effective",
            ActionSet::All => "all",
        }
    }
}

impl fmt::Display for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ActionSet {
    type Err = String;
    fn from_str(s: &str) -> Result<ActionSet, String> {
        match s.trim() {
            "six" => Ok(ActionSet::Six),
            "effective" => Ok(ActionSet::Effective),
            "all" => Ok(ActionSet::All),
            o => Err(format!(
                "unknown action set {o:?}: expected six, effective or all"
            )),
        }
    }
}

const ALL_ACTIONS: [Action; 32] = {
    let mut out = [Action(0); 32];
    let mut i = 0;
    while i < 32 {
        out[i] = Action(i as u8);
        i += 1;
    }
    out
};

/// Error for an action name that is not `noop` or a `+`-joined list of buttons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown action {0:?}: expected `noop` or buttons joined by `+` (left, right, up, down, jump)"
)]
pub struct ParseActionError(pub String);

impl FromStr for Action {
    type Err = ParseActionError;
    fn from_str(s: &str) -> Result<Action, ParseActionError> {
        let t = s.trim();
        if t == "noop" {
            return Ok(Action::NOOP);
        }
        let mut a = Action::NOOP;
        for part in t.split('+') {
            let b =
                Button::from_name(part.trim()).ok_or_else(|| ParseActionError(s.to_string()))?;
            if a.has(b) {
                return Err(ParseActionError(s.to_string()));
            }
            a = a.with(b);
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_for_all_32() {
        for bits in 0..32u8 {
            let a = Action::from_bits(bits).unwrap();
            assert_eq!(a.to_string().parse::<Action>().unwrap(), a);
        }
        assert!(Action::from_bits(32).is_none());
        assert!("left+left".parse::<Action>().is_err());
        assert!("sideways".parse::<Action>().is_err());
    }

    #[test]
    fn effective_set_is_distinct_and_canonical() {
        let mut seen = std::collections::BTreeSet::new();
        for a in Action::EFFECTIVE {
            assert_eq!(a.canonical(), a);
            assert!(seen.insert(a));
        }
        // every action's canonical form is in the effective set
        for bits in 0..32u8 {
            assert!(seen.contains(&Action::from_bits(bits).unwrap().canonical()));
        }
        assert_eq!(
            "left+right+jump"
                .parse::<Action>()
                .unwrap()
                .canonical()
                .to_string(),
            "jump"
        );
    }
}
