//! The physics prior: gravity points down the frame, the arrows act as labelled (left walks left,
//! right walks right, up jumps and climbs, down climbs down) and a jump carries the body about one
//! cell up and a few cells across. These are *hypotheses* the movement model
//! (`learning/movement.rs`) starts from and replaces as soon as an observation contradicts them
//! (reversed keys), so a wrong prior costs a surprise, not a failure. Gravity's direction is
//! tested the same way (`view.rs`): a body seen to fall sideways or up the screen, often enough
//! to outweigh the prior, turns the agent's view until it falls down, and the arrows' labelled
//! roles are then hypotheses in the turned view.
//!
//! Lesion (`Lesion::physics`): a broad hypothesis space. No key has an assumed role (each may
//! walk either way, jump, climb or do nothing until it has been pressed and watched) and no jump
//! is planned before one has been seen. Gravity's direction has no prior weight: the first
//! falls seen decide which way is down.

use priors_agent_interface::Key;

/// What a key does to the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Walks towards smaller x.
    WalkLeft,
    /// Walks towards larger x.
    WalkRight,
    /// Jumps from the ground and climbs up.
    Up,
    /// Climbs down.
    Down,
    /// Moves nothing.
    Nothing,
}

/// The prior hypotheses.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicsPrior {
    /// The assumed role of each key (`None`: unknown).
    pub roles: Vec<(Key, Option<Role>)>,
    /// Assumed horizontal reach of a jump, cells (`None`: no jump planned before one is seen).
    pub jump_reach_cells: Option<i32>,
}

/// The prior, or the broad hypothesis space when `lesioned`.
pub fn prior(lesioned: bool) -> PhysicsPrior {
    let label = |k: Key| match k {
        Key::Left => Some(Role::WalkLeft),
        Key::Right => Some(Role::WalkRight),
        Key::Up => Some(Role::Up),
        Key::Down => Some(Role::Down),
        Key::Space => None,
    };
    PhysicsPrior {
        roles: Key::ALL
            .iter()
            .map(|k| (*k, if lesioned { None } else { label(*k) }))
            .collect(),
        jump_reach_cells: (!lesioned).then_some(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arrows_act_as_labelled_unless_lesioned() {
        let p = prior(false);
        assert!(p.roles.contains(&(Key::Right, Some(Role::WalkRight))));
        assert_eq!(p.jump_reach_cells, Some(3));
        let broad = prior(true);
        assert!(broad.roles.iter().all(|(_, r)| r.is_none()));
        assert_eq!(broad.jump_reach_cells, None);
    }
}
