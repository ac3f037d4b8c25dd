//! The agent's slowdowns beside the paper's humans (issue 16): for each (level, learner, bonus)
//! that has runs under `original` (the grouping of agent.csv, [`aggregate::agent_groups`]; the
//! agent with priors writes its lesion as its bonus, so lesions stay apart), per condition the
//! agent's median env steps (ticks) to the first completion, its slowdown ratio
//! `condition / original`, and the paper's human time ratio for the same conditions; then
//! Spearman's rho between the two ratios over the conditions that have both, with two 95 %
//! intervals. Written as `human_comparison.csv` (one row per condition, [`COMPARISON_COLUMNS`])
//! and `human_comparison_rho.csv` (one row per group, [`RHO_COLUMNS`]).
//!
//! Censoring: a run that never completed is censored at the env steps it took
//! ([`aggregate::first_completion`]). Every run of a group is cut at the group's common horizon
//! ([`stats::common_horizon`]: the smallest budget of a censored run among all its runs, the
//! rule agent.csv's tests use), so a censored run counts as that horizon, a lower bound, and
//! ties with every other run at or past it. A median at the horizon is flagged as a lower
//! bound, and each ratio says whether it is exact, a lower or an upper bound, or unknown.
//!
//! The paper's human values (the keydoor study's minutes to finish, Dubey et al. 2018) are read
//! from the condition files' `paper` field here and in [`aggregate`], for the keydoor level
//! only, and never reach an agent. Other levels get the agent's ratios and no rho.
//!
//! What it deliberately does not do: no test of rho against zero (with at most ten conditions
//! the interval says more), no pooling across learners or lesions, no human data of this
//! project's own (conditions.csv has those).

use crate::aggregate::{self, first_completion};
use crate::collect::{Collected, Options};
use crate::run::RunResult;
use crate::stats;
use crate::table::{NA, Table, opt, opt_d};

/// Conditions below which rho is flagged as meaningless (`too_few_conditions`): with 4 pairs
/// untied rho takes one of 11 values and rho = 1 happens by chance once in 24.
pub const MIN_MEANINGFUL_CONDITIONS: usize = 5;

/// The columns of human_comparison.csv.
pub const COMPARISON_COLUMNS: [&str; 14] = [
    "level",
    "algo",
    "bonus",
    "condition",
    "n_runs",
    "n_completed",
    "horizon_steps",
    "agent_median_steps",
    "agent_median_censored",
    "agent_ratio",
    "agent_ratio_bound",
    "paper_minutes",
    "paper_ratio",
    "in_rho",
];

/// The columns of human_comparison_rho.csv.
pub const RHO_COLUMNS: [&str; 12] = [
    "level",
    "algo",
    "bonus",
    "n_conditions",
    "conditions",
    "rho",
    "fisher_ci95_lo",
    "fisher_ci95_hi",
    "bootstrap_ci95_lo",
    "bootstrap_ci95_hi",
    "bootstrap_resamples_used",
    "too_few_conditions",
];

/// What the agent's ratio is, given which medians sit at the censoring horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatioBound {
    /// `original` itself: 1 by definition.
    Reference,
    /// Both medians are completions: the ratio is what it says.
    Exact,
    /// The condition's median is at the horizon: the true ratio is at least this.
    Lower,
    /// The original's median is at the horizon: the true ratio is at most this.
    Upper,
    /// Both medians are at the horizon: the ratio (1) says nothing.
    Unknown,
}

impl RatioBound {
    /// The CSV spelling.
    pub fn name(self) -> &'static str {
        match self {
            RatioBound::Reference => "reference",
            RatioBound::Exact => "exact",
            RatioBound::Lower => "lower",
            RatioBound::Upper => "upper",
            RatioBound::Unknown => "unknown",
        }
    }

    fn of(condition_censored: bool, original_censored: bool) -> RatioBound {
        match (condition_censored, original_censored) {
            (false, false) => RatioBound::Exact,
            (true, false) => RatioBound::Lower,
            (false, true) => RatioBound::Upper,
            (true, true) => RatioBound::Unknown,
        }
    }
}

/// One row of human_comparison.csv: a condition of one (level, learner, bonus).
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionRatio {
    /// Level.
    pub level: String,
    /// Learner label (as in agent.csv).
    pub algo: String,
    /// Bonus (the lesion label for the agent with priors).
    pub bonus: String,
    /// Condition.
    pub condition: String,
    /// Runs of the condition.
    pub n_runs: usize,
    /// Of those, runs that completed.
    pub n_completed: usize,
    /// The group's censoring horizon, env steps (`None`: no run of the group is censored).
    pub horizon_steps: Option<f64>,
    /// Median env steps to the first completion, every run cut at the horizon.
    pub agent_median_steps: Option<f64>,
    /// Whether that median is at the horizon (a lower bound).
    pub agent_median_censored: bool,
    /// `agent_median_steps / original's`.
    pub agent_ratio: Option<f64>,
    /// What the ratio is.
    pub agent_ratio_bound: RatioBound,
    /// The paper's human minutes to finish (keydoor only).
    pub paper_minutes: Option<f64>,
    /// `paper_minutes / original's` (keydoor only).
    pub paper_ratio: Option<f64>,
    /// Whether the row enters rho (not `original`, both ratios known).
    pub in_rho: bool,
}

impl ConditionRatio {
    /// The cells, in [`COMPARISON_COLUMNS`] order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.level.clone(),
            self.algo.clone(),
            self.bonus.clone(),
            self.condition.clone(),
            self.n_runs.to_string(),
            self.n_completed.to_string(),
            opt(self.horizon_steps),
            opt(self.agent_median_steps),
            self.agent_median_censored.to_string(),
            opt(self.agent_ratio),
            self.agent_ratio_bound.name().into(),
            opt(self.paper_minutes),
            opt(self.paper_ratio),
            self.in_rho.to_string(),
        ]
    }
}

/// One row of human_comparison_rho.csv: rho of one (level, learner, bonus).
#[derive(Debug, Clone, PartialEq)]
pub struct RhoRow {
    /// Level.
    pub level: String,
    /// Learner label.
    pub algo: String,
    /// Bonus (the lesion label for the agent with priors).
    pub bonus: String,
    /// The conditions that entered rho, in the paper's order.
    pub conditions: Vec<String>,
    /// Spearman's rho of agent_ratio and paper_ratio (`None` below 3 conditions).
    pub rho: Option<f64>,
    /// Fisher-z 95 % interval (Fieller et al. 1957's variance; `None` below 4 conditions).
    pub fisher_ci95: Option<(f64, f64)>,
    /// Percentile bootstrap 95 % interval over conditions.
    pub bootstrap: Option<stats::RhoBootstrap>,
}

impl RhoRow {
    /// The cells, in [`RHO_COLUMNS`] order.
    pub fn cells(&self) -> Vec<String> {
        let n = self.conditions.len();
        vec![
            self.level.clone(),
            self.algo.clone(),
            self.bonus.clone(),
            n.to_string(),
            if n == 0 {
                NA.into()
            } else {
                self.conditions.join(" ")
            },
            opt(self.rho),
            opt(self.fisher_ci95.map(|c| c.0)),
            opt(self.fisher_ci95.map(|c| c.1)),
            opt(self.bootstrap.map(|b| b.lo)),
            opt(self.bootstrap.map(|b| b.hi)),
            opt_d(self.bootstrap.map(|b| b.used)),
            (n < MIN_MEANINGFUL_CONDITIONS).to_string(),
        ]
    }
}

/// The median of runs cut at `horizon`, and whether it is at the horizon (a lower bound: the
/// upper middle value is a cut one). `None` for no runs.
fn cut_median(runs: &[&RunResult], horizon: f64) -> Option<(f64, bool)> {
    let mut v: Vec<f64> = runs
        .iter()
        .map(|r| first_completion(r).at_horizon(horizon))
        .collect();
    v.sort_by(f64::total_cmp);
    let m = stats::median(&v)?;
    Some((m, horizon.is_finite() && v[v.len() / 2] >= horizon))
}

/// The paper's human minutes to finish a condition, from the condition file named by the runs
/// (as given to the trainer, else by its name); keydoor only ([`aggregate::paper_value`]).
fn paper_minutes(level: &str, runs: &[&RunResult]) -> Option<f64> {
    let r = runs.first()?;
    let cond = priors_catalog::load_condition(&r.condition_given)
        .or_else(|_| priors_catalog::load_condition(&r.condition))
        .ok()?
        .value;
    aggregate::paper_value(level, Some(&cond), "time_s").map(|s| s / 60.0)
}

/// The comparison of every (level, learner, bonus) with an `original` group: its per-condition
/// rows and its rho row, in agent.csv's order.
pub fn human_comparison(c: &Collected, o: &Options) -> (Vec<ConditionRatio>, Vec<RhoRow>) {
    let (mut rows, mut rhos) = (Vec::new(), Vec::new());
    for (gi, ((level, algo, bonus), groups)) in aggregate::agent_groups(c).into_iter().enumerate() {
        let Some((_, base)) = groups.iter().find(|(c, _)| c == "original") else {
            continue;
        };
        let all: Vec<stats::Observed> = groups
            .iter()
            .flat_map(|(_, runs)| runs.iter().map(|r| first_completion(r)))
            .collect();
        let horizon = stats::common_horizon(&all);
        let base_median = cut_median(base, horizon);
        let base_minutes = paper_minutes(&level, base);
        let first = rows.len();
        for (cond, runs) in &groups {
            let median = cut_median(runs, horizon);
            let censored = median.is_some_and(|m| m.1);
            let is_base = cond == "original";
            let (agent_ratio, bound) = match (median, base_median) {
                _ if is_base => (base_median.map(|_| 1.0), RatioBound::Reference),
                (Some((m, mc)), Some((b, bc))) if b > 0.0 => (Some(m / b), RatioBound::of(mc, bc)),
                _ => (None, RatioBound::Unknown),
            };
            let minutes = paper_minutes(&level, runs);
            let paper_ratio = match (minutes, base_minutes) {
                (Some(m), Some(b)) if b > 0.0 => Some(m / b),
                _ => None,
            };
            rows.push(ConditionRatio {
                level: level.clone(),
                algo: algo.clone(),
                bonus: bonus.clone(),
                condition: cond.clone(),
                n_runs: runs.len(),
                n_completed: runs
                    .iter()
                    .filter(|r| r.summary.steps_to_first_completion.is_some())
                    .count(),
                horizon_steps: horizon.is_finite().then_some(horizon),
                agent_median_steps: median.map(|m| m.0),
                agent_median_censored: censored,
                agent_ratio,
                agent_ratio_bound: bound,
                paper_minutes: minutes,
                paper_ratio,
                in_rho: !is_base && agent_ratio.is_some() && paper_ratio.is_some(),
            });
        }
        let used: Vec<&ConditionRatio> = rows[first..].iter().filter(|r| r.in_rho).collect();
        let x: Vec<f64> = used.iter().filter_map(|r| r.agent_ratio).collect();
        let y: Vec<f64> = used.iter().filter_map(|r| r.paper_ratio).collect();
        let rho = (x.len() >= 3).then(|| stats::spearman(&x, &y)).flatten();
        rhos.push(RhoRow {
            level,
            algo,
            bonus,
            conditions: used.iter().map(|r| r.condition.clone()).collect(),
            rho,
            fisher_ci95: rho.and_then(|r| stats::spearman_fisher_ci(r, x.len())),
            bootstrap: rho.and_then(|_| {
                stats::bootstrap_spearman_ci(
                    &x,
                    &y,
                    o.bootstrap_resamples,
                    o.seed.rotate_left(41) ^ gi as u64,
                )
            }),
        });
    }
    (rows, rhos)
}

/// human_comparison.csv and human_comparison_rho.csv as tables.
pub fn human_comparison_tables(c: &Collected, o: &Options) -> (Table, Table) {
    let (rows, rhos) = human_comparison(c, o);
    let mut t = Table::new(&COMPARISON_COLUMNS);
    for r in &rows {
        t.push(r.cells());
    }
    let mut s = Table::new(&RHO_COLUMNS);
    for r in &rhos {
        s.push(r.cells());
    }
    (t, s)
}
