//! # priors-core
//!
//! The deterministic simulation at the centre of Priors: the level format and its parser and
//! printer, conditions as data, the shared action set, the world state and its one-tick
//! [`world::step`], a state hash for replay checks, and an optimal BFS [`solve`]r.
//!
//! What it deliberately does not do: no rendering, no IO, no clock, no global RNG, no Bevy and no
//! torch. Everything here is a pure function of its arguments, so the lab window, the agent and the
//! analysis all reproduce the same trajectory from the same actions.

pub mod action;
pub mod condition;
pub mod level;
pub mod measure;
mod plain_csv;
pub mod reference;
pub mod released;
pub mod replay;
pub mod rng;
pub mod solve;
pub mod trace;
pub mod world;

pub use action::{Action, ActionSet, Button};
pub use condition::{Condition, parse_condition};
pub use level::{
    Kind, Level, LevelError, Profile, Rect, SUB, Tile, parse as parse_level, print as print_level,
};
pub use world::{DeathCause, Event, Events, OnDeath, Outcome, Rules, World, step};
