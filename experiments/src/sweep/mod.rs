//! The sweep's side of a study file (issue 5, moved here from the analysis in issue 15): the
//! typed `[agents]` and `[resources]` tables and the job list ([`study`]), where each job stands
//! on disk ([`state`]) and which sweep process runs it now ([`lock`]), the `priors train` flags of a job ([`train_flags`]), the Slurm array
//! script ([`slurm`]) and the archive policy with its records ([`archive`]). `priors sweep`
//! (`cmd/sweep.rs`) drives them.
//!
//! What it deliberately does not hold: the study file's one struct and the counterbalancing
//! rule (`priors_records::study`, shared with the lab), the run folder's files
//! (`priors_records::run`), and anything the analysis needs to read results (it reads run
//! folders, never study files).

pub mod archive;
pub mod lock;
pub mod slurm;
pub mod state;
pub mod study;
pub mod train_flags;
