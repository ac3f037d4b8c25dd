//! # priors-agent
//!
//! Home of the headless exploration agent (PPO with count-based and ICM bonuses on tch; issue 4).
//! It is empty until that issue lands: the environment it will train on is `priors-env`.
