//! # priors-analysis
//!
//! Turns lab sessions and agent runs into the paper's tables and figures. Every session trace is
//! streamed once, validated (schema, replay through the core with state-hash checks) and measured
//! in the same pass; agent runs are read from their summary and episode files. Incomplete,
//! simulated and pilot data are reported and excluded by default.
//!
//! Code map: [`stats`] (statistics by hand), [`session`] and [`run`] (readers), [`metrics`]
//! (per-trace measures), [`collect`] (finding inputs, parallel reading, inclusion), [`aggregate`]
//! (the tables), [`human_comparison`] (the agent's slowdowns beside the paper's humans, with
//! Spearman's rho), [`figures`] (PNG and SVG), [`report`] (report.md and report.html, the whole
//! `priors analyze` pipeline), [`bids`] (BIDS export), [`synth`] (synthetic session folders for
//! tests and benchmarks).
//!
//! What it deliberately does not do: no Bevy and no torch (it depends on the core, the catalog
//! and the renderer only), no training, no windows, no study files (the sweep reads those: the
//! analysis reads the run folders a sweep leaves).

pub mod aggregate;
pub mod bids;
pub mod collect;
pub mod error;
pub mod figures;
pub mod human_comparison;
pub mod metrics;
pub mod report;
pub mod run;
pub mod session;
pub mod stats;
pub mod synth;
pub mod table;

pub use error::AnalysisError;
