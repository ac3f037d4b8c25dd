//! The typed configuration of a training run. It is part of the run folder's format, so its one
//! declaration lives in the records crate ([`priors_records::train`]); this module re-exports it
//! so the agent's code and its users name it `priors_agent::config`.

pub use priors_records::train::*;
