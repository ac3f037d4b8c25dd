//! Learning from contact: a model of the agent's own movement fitted to what it observes
//! (`movement`), and per-type beliefs updated by what touching things does (`beliefs`). The games
//! are deterministic, so one observation settles a question: updates are exact eliminations, and
//! only a death with several suspects is shared out by Bayes' rule.

pub mod beliefs;
pub mod movement;
