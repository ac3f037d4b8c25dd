//! Planning in the agent's own model: the scene as it believes it to be (`map`), a search over
//! the moves its learned movement model allows (`search`), and the controller that turns the next
//! move into keys and notices surprises (`control`). Nothing here reads the game: the map is
//! built from perceived objects and beliefs, the moves from the learned movement model.

pub mod control;
pub mod map;
pub mod search;
