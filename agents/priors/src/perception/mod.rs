//! Perception from pixels: the modules that turn the frame a subject sees into a scene of typed
//! objects and a located self. Each module says what it does and what its lesion replaces.
//!
//! - `statics`: static/dynamic split (background by majority vote).
//! - `grid`, `objects`: objectness (the tile grid; segmentation into candidate objects).
//! - `selfloc`: self-localisation by contingency.
//! - `similarity`: objects grouped into types by appearance.
//! - `semantics`, `affordances`: what an appearance suggests, from the committed `priors.toml`.
//! - `physics`: gravity and the keys' labelled effects, as prior hypotheses.
//! - `view`: which way is down, learned from how the self falls; the frame turned to match.

pub mod affordances;
pub mod grid;
pub mod objects;
pub mod physics;
pub mod selfloc;
pub mod semantics;
pub mod similarity;
pub mod statics;
pub mod view;
