//! From analysed units to the paper's tables: `summary.csv` (one tidy row per session or run),
//! the per-condition table of Fig. 3 (descriptives, bootstrap CIs, tests against `original`
//! with Holm's correction, effect sizes), the key-and-door and height-tier tables of Fig. 4, the
//! agent table of Fig. 8 (failed seeds counted), and the human/agent/optimum ratios.
//!
//! Conventions: conditions are ordered as in the paper ([`priors_catalog::PAPER_CONDITIONS`]),
//! others after them alphabetically; each test family (one kind, level and measure) is corrected
//! with Holm over its conditions; statistics use only included units.

use crate::collect::{Collected, Entry, Options, Unit};
use crate::run::RunResult;
use crate::stats;
use crate::table::{NA, Table, num, opt, opt_d};
use priors_core::measure::time_s;
use priors_core::solve::solve;
use priors_core::{Condition, Level, Rules};
use std::collections::BTreeMap;

/// The paper's agent result on princess (Fig. 8): million env steps to the first completion,
/// mean of the 5 seeds that succeeded (shared/spec/experiment.md).
pub const PAPER_AGENT_PRINCESS_MSTEPS: [(&str, f64); 5] = [
    ("original", 4.1),
    ("masked-semantics", 3.7),
    ("masked-object-identity", 3.7),
    ("masked-affordances", 4.4),
    ("masked-similarity", 7.7),
];

/// The human measures of the per-condition table: (column in summary.csv, label).
pub const HUMAN_MEASURES: [(&str, &str); 5] = [
    ("time_s", "time (s)"),
    ("n_ticks", "actions (ticks)"),
    ("deaths", "deaths"),
    ("unique_positions", "unique states (px positions)"),
    ("unique_tiles", "unique tiles"),
];

/// Sort key of a condition: the paper's order first.
pub fn condition_rank(c: &str) -> (usize, String) {
    let i = priors_catalog::PAPER_CONDITIONS
        .iter()
        .position(|p| *p == c)
        .unwrap_or(usize::MAX);
    (i, c.to_string())
}

/// The columns of summary.csv.
pub const SUMMARY_COLUMNS: [&str; 40] = [
    "kind",
    "id",
    "path",
    "level",
    "condition",
    "participant",
    "session",
    "run",
    "seed",
    "algo",
    "bonus",
    "included",
    "exclusion",
    "status",
    "verdict",
    "pilot",
    "simulated",
    "completed",
    "n_ticks",
    "time_s",
    "deaths",
    "unique_positions",
    "unique_tiles",
    "n_active_ticks",
    "key_before_door",
    "key_to_door_fraction",
    "door_touches_without_key",
    "key_pickups",
    "max_tier",
    "steps_to_first_completion",
    "steps_to_reliable_completion",
    "total_env_steps",
    "episodes",
    "successes",
    "final_success_rate",
    "failed",
    "mean_episode_ticks",
    "eval_episodes",
    "eval_diverged",
    "software",
];

fn b(x: bool) -> String {
    x.to_string()
}

/// summary.csv: one row per session or run, included or not.
pub fn summary_table(c: &Collected) -> Table {
    let mut t = Table::new(&SUMMARY_COLUMNS);
    for e in &c.entries {
        let id = e
            .dir()
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let path = e.dir().display().to_string();
        let (inc, exc) = (
            b(e.included()),
            e.exclusion.clone().unwrap_or_else(|| NA.into()),
        );
        let row = match &e.unit {
            Unit::Session(s) => {
                let m = &s.measures;
                vec![
                    "human".into(),
                    id,
                    path,
                    s.level.clone(),
                    s.condition.clone(),
                    s.meta.participant.clone(),
                    s.meta.session.clone(),
                    s.meta.run.to_string(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    inc,
                    exc,
                    s.meta.status.name().into(),
                    s.verdict.name().into(),
                    b(s.meta.pilot),
                    b(s.meta.simulated),
                    b(m.completed),
                    m.n_ticks.to_string(),
                    num(time_s(m.n_ticks, s.meta.tick_hz)),
                    m.deaths.to_string(),
                    m.unique_positions.to_string(),
                    m.unique_tiles.to_string(),
                    m.n_active_ticks.to_string(),
                    if s.level_def.door.is_some() {
                        opt_d(m.key_before_door())
                    } else {
                        NA.into()
                    },
                    opt(m.key_to_door_fraction()),
                    m.door_touches_without_key.to_string(),
                    m.key_pickups.to_string(),
                    opt_d(m.max_tier()),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    format!("priors {} ({})", s.meta.app_version, s.meta.git_hash),
                ]
            }
            Unit::Run(r) => {
                let s = &r.summary;
                vec![
                    "agent".into(),
                    id,
                    path,
                    r.level.clone(),
                    r.condition.clone(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    r.seed.to_string(),
                    r.algo.clone(),
                    r.bonus.clone(),
                    inc,
                    exc,
                    if s.complete {
                        "complete".into()
                    } else {
                        "running".into()
                    },
                    NA.into(),
                    b(false),
                    b(false),
                    b(s.steps_to_first_completion.is_some()),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    NA.into(),
                    opt_d(s.steps_to_first_completion),
                    opt_d(s.steps_to_reliable_completion),
                    s.total_env_steps.to_string(),
                    s.episodes.to_string(),
                    s.successes.to_string(),
                    num(s.final_success_rate),
                    b(r.failed()),
                    opt(r.mean_episode_ticks),
                    r.eval_episodes.to_string(),
                    r.eval_diverged.to_string(),
                    format!("priors-agent ({})", r.git_hash),
                ]
            }
        };
        t.push(row);
    }
    t
}

fn human_value(e: &Entry, measure: &str) -> Option<f64> {
    let Unit::Session(s) = &e.unit else {
        return None;
    };
    let m = &s.measures;
    Some(match measure {
        "time_s" => time_s(m.n_ticks, s.meta.tick_hz),
        "n_ticks" => m.n_ticks as f64,
        "deaths" => m.deaths as f64,
        "unique_positions" => m.unique_positions as f64,
        "unique_tiles" => m.unique_tiles as f64,
        _ => return None,
    })
}

/// Included human sessions grouped by level then condition (paper order).
pub fn human_groups(c: &Collected) -> BTreeMap<String, Vec<(String, Vec<&Entry>)>> {
    let mut by: BTreeMap<String, BTreeMap<(usize, String), Vec<&Entry>>> = BTreeMap::new();
    for e in c.entries.iter().filter(|e| e.included()) {
        if let Unit::Session(s) = &e.unit {
            by.entry(s.level.clone())
                .or_default()
                .entry(condition_rank(&s.condition))
                .or_default()
                .push(e);
        }
    }
    by.into_iter()
        .map(|(l, m)| (l, m.into_iter().map(|((_, c), v)| (c, v)).collect()))
        .collect()
}

/// The paper's human value of a measure for a condition (from the condition file's `paper`,
/// which holds the keydoor study's results: shown for the keydoor level only).
pub(crate) fn paper_value(level: &str, cond: Option<&Condition>, measure: &str) -> Option<f64> {
    if level != "keydoor" {
        return None;
    }
    let p = cond?.paper?;
    match measure {
        "time_s" => p.minutes.map(|m| m * 60.0),
        "deaths" => p.deaths,
        "unique_positions" => p.unique_states,
        _ => None,
    }
}

/// The columns of the per-condition table (conditions.csv).
pub const CONDITION_COLUMNS: [&str; 22] = [
    "kind",
    "level",
    "condition",
    "measure",
    "n",
    "n_completed",
    "mean",
    "sd",
    "sem",
    "median",
    "ci95_lo",
    "ci95_hi",
    "paper",
    "mw_u",
    "mw_p",
    "mw_p_holm",
    "perm_diff",
    "perm_p",
    "perm_p_holm",
    "perm_exact",
    "rank_biserial",
    "cohens_d",
];

/// The per-condition table of the paper's Fig. 3 for humans: one row per (level, condition,
/// measure), tests against the level's `original`.
pub fn condition_table(c: &Collected, o: &Options) -> Table {
    let mut t = Table::new(&CONDITION_COLUMNS);
    for (level, groups) in human_groups(c) {
        for (mi, (measure, _)) in HUMAN_MEASURES.iter().enumerate() {
            let base: Option<Vec<f64>> = groups
                .iter()
                .find(|(c, _)| c == "original")
                .map(|(_, v)| v.iter().filter_map(|e| human_value(e, measure)).collect());
            let mut rows = Vec::new();
            let (mut mw_p, mut perm_p) = (Vec::new(), Vec::new());
            for (gi, (cond, entries)) in groups.iter().enumerate() {
                let x: Vec<f64> = entries
                    .iter()
                    .filter_map(|e| human_value(e, measure))
                    .collect();
                let done = entries
                    .iter()
                    .filter(|e| e.measures().is_some_and(|m| m.completed))
                    .count();
                let seed = o.seed ^ ((mi as u64) << 32 | gi as u64);
                let ci = stats::bootstrap_mean_ci(&x, 0.95, o.bootstrap_resamples, seed);
                let against = base.as_ref().filter(|_| cond != "original");
                let mw = against.and_then(|y| stats::mann_whitney(&x, y));
                let perm = against.and_then(|y| {
                    stats::permutation_test(&x, y, o.permutations, 50_000, seed.rotate_left(17))
                });
                let d = against.and_then(|y| stats::cohens_d(&x, y));
                mw_p.push(mw.map(|m| m.p));
                perm_p.push(perm.map(|p| p.p));
                let setup = c.setups.get(&(level.clone(), cond.clone())).map(|s| &s.1);
                rows.push(vec![
                    "human".to_string(),
                    level.clone(),
                    cond.clone(),
                    measure.to_string(),
                    x.len().to_string(),
                    done.to_string(),
                    opt(stats::mean(&x)),
                    opt(stats::sd(&x)),
                    opt(stats::sem(&x)),
                    opt(stats::median(&x)),
                    opt(ci.map(|c| c.0)),
                    opt(ci.map(|c| c.1)),
                    opt(paper_value(&level, setup, measure)),
                    opt(mw.map(|m| m.u1)),
                    opt(mw.map(|m| m.p)),
                    NA.into(),
                    opt(perm.map(|p| p.diff)),
                    opt(perm.map(|p| p.p)),
                    NA.into(),
                    opt_d(perm.map(|p| p.exact)),
                    opt(mw.map(|m| m.rank_biserial)),
                    opt(d),
                ]);
            }
            let (mw_h, perm_h) = (stats::holm(&mw_p), stats::holm(&perm_p));
            for (i, mut r) in rows.into_iter().enumerate() {
                r[15] = opt(mw_h[i]);
                r[18] = opt(perm_h[i]);
                t.push(r);
            }
        }
    }
    t
}

/// The key-and-door table of Fig. 4 (levels with a door): per condition, how many sessions
/// reached the key before the door, and the fraction of time from the key to the door.
pub fn keydoor_table(c: &Collected) -> Table {
    let mut t = Table::new(&[
        "level",
        "condition",
        "n",
        "key_before_door_n",
        "key_before_door_of",
        "key_to_door_fraction_mean",
        "key_to_door_fraction_sem",
        "key_to_door_fraction_n",
        "door_touches_without_key_mean",
    ]);
    for (level, groups) in human_groups(c) {
        let has_door = c
            .setups
            .iter()
            .any(|((l, _), (lv, _))| *l == level && lv.door.is_some());
        if !has_door {
            continue;
        }
        for (cond, entries) in groups {
            let ms: Vec<_> = entries.iter().filter_map(|e| e.measures()).collect();
            let kbd: Vec<bool> = ms.iter().filter_map(|m| m.key_before_door()).collect();
            let frac: Vec<f64> = ms.iter().filter_map(|m| m.key_to_door_fraction()).collect();
            let touches: Vec<f64> = ms
                .iter()
                .map(|m| m.door_touches_without_key as f64)
                .collect();
            t.push(vec![
                level.clone(),
                cond,
                ms.len().to_string(),
                kbd.iter().filter(|&&k| k).count().to_string(),
                kbd.len().to_string(),
                opt(stats::mean(&frac)),
                opt(stats::sem(&frac)),
                frac.len().to_string(),
                opt(stats::mean(&touches)),
            ]);
        }
    }
    t
}

/// Ticks to first reach each height tier (levels with `tiers_y_px`), per condition and tier.
pub fn tier_table(c: &Collected) -> Table {
    let mut t = Table::new(&[
        "level",
        "condition",
        "tier",
        "tier_y_px",
        "n",
        "n_reached",
        "median_ticks",
        "mean_ticks",
        "sem_ticks",
    ]);
    for (level, groups) in human_groups(c) {
        let Some(tiers) = c
            .setups
            .iter()
            .find(|((l, _), _)| *l == level)
            .map(|(_, (lv, _))| lv.header.tiers_y_px.clone())
        else {
            continue;
        };
        for (cond, entries) in groups {
            let ms: Vec<_> = entries.iter().filter_map(|e| e.measures()).collect();
            for (k, y) in tiers.iter().enumerate() {
                let v: Vec<f64> = ms
                    .iter()
                    .filter_map(|m| m.tier_ticks.get(k).copied().flatten())
                    .map(f64::from)
                    .collect();
                t.push(vec![
                    level.clone(),
                    cond.clone(),
                    k.to_string(),
                    y.to_string(),
                    ms.len().to_string(),
                    v.len().to_string(),
                    opt(stats::median(&v)),
                    opt(stats::mean(&v)),
                    opt(stats::sem(&v)),
                ]);
            }
        }
    }
    t
}

/// (level, algo, bonus): one agent variant on one level.
pub type AgentKey = (String, String, String);

/// Runs of one condition.
pub type RunGroup<'a> = (String, Vec<&'a RunResult>);

/// Included runs grouped by (level, algo, bonus) then condition (paper order).
pub fn agent_groups(c: &Collected) -> BTreeMap<AgentKey, Vec<RunGroup<'_>>> {
    let mut by: BTreeMap<AgentKey, BTreeMap<(usize, String), Vec<&RunResult>>> = BTreeMap::new();
    for e in c.entries.iter().filter(|e| e.included()) {
        if let Unit::Run(r) = &e.unit {
            by.entry((r.level.clone(), r.algo.clone(), r.bonus.clone()))
                .or_default()
                .entry(condition_rank(&r.condition))
                .or_default()
                .push(r);
        }
    }
    by.into_iter()
        .map(|(k, m)| (k, m.into_iter().map(|((_, c), v)| (c, v)).collect()))
        .collect()
}

/// A run's env steps to its first completion, or, when it never completed, censored at the env
/// steps it took (its budget for a finished run): the true value is at least that.
pub fn first_completion(r: &RunResult) -> stats::Observed {
    match r.summary.steps_to_first_completion {
        Some(s) => stats::Observed::Event(s as f64),
        None => stats::Observed::Censored(r.summary.total_env_steps as f64),
    }
}

/// The runs of one condition by seed; a seed with more than one run is left out (it would pair
/// ambiguously).
fn by_seed<'a>(runs: &[&'a RunResult]) -> BTreeMap<u64, &'a RunResult> {
    let mut m: BTreeMap<u64, Vec<&RunResult>> = BTreeMap::new();
    for r in runs {
        m.entry(r.seed).or_default().push(r);
    }
    m.into_iter()
        .filter(|(_, v)| v.len() == 1)
        .map(|(s, v)| (s, v[0]))
        .collect()
}

/// The columns of the agent table (agent.csv).
pub const AGENT_COLUMNS: [&str; 27] = [
    "level",
    "algo",
    "bonus",
    "condition",
    "n_seeds",
    "n_succeeded",
    "n_failed",
    "steps_first_mean",
    "steps_first_sem",
    "steps_first_median",
    "steps_first_ci95_lo",
    "steps_first_ci95_hi",
    "steps_reliable_mean",
    "n_reliable",
    "paper_msteps",
    "mw_p",
    "mw_p_holm",
    "rank_biserial",
    "n_pairs",
    "paired_diff_median",
    "wilcoxon_w_plus",
    "wilcoxon_p",
    "wilcoxon_p_holm",
    "wilcoxon_exact",
    "paired_perm_p",
    "paired_perm_p_holm",
    "paired_perm_exact",
];

/// The agent table of Fig. 8: env steps to the first completion per condition across seeds
/// (descriptives over the seeds that completed; failed seeds counted), and two tests against
/// `original` in the same (level, learner, bonus), each Holm-corrected over the conditions:
///
/// - unpaired: Mann-Whitney U over all seeds;
/// - paired by seed (the same seed gives the same initial network in every condition): the
///   Wilcoxon signed-rank test (exact) and a paired permutation test (exact up to 20 pairs) on
///   the differences `condition - original` (positive: slower than under `original`).
///
/// Runs that never completed are censored ([`first_completion`]); every test cuts the values
/// at the common horizon of the runs it compares ([`stats::common_horizon`]), so a censored run
/// counts as its budget, a lower bound, and two censored runs tie.
pub fn agent_table(c: &Collected, o: &Options) -> Table {
    let mut t = Table::new(&AGENT_COLUMNS);
    let col = |name: &str| AGENT_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    for ((level, algo, bonus), groups) in agent_groups(c) {
        let base: Option<&Vec<&RunResult>> =
            groups.iter().find(|(c, _)| c == "original").map(|(_, v)| v);
        let mut rows = Vec::new();
        let (mut mw_ps, mut w_ps, mut perm_ps) = (Vec::new(), Vec::new(), Vec::new());
        for (gi, (cond, runs)) in groups.iter().enumerate() {
            let ok: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.summary.steps_to_first_completion)
                .map(|s| s as f64)
                .collect();
            let rel: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.summary.steps_to_reliable_completion)
                .map(|s| s as f64)
                .collect();
            let failed = runs.iter().filter(|r| r.failed()).count();
            let ci = stats::bootstrap_mean_ci(&ok, 0.95, o.bootstrap_resamples, o.seed ^ gi as u64);
            let against = base.filter(|_| cond != "original");
            let mw = against.and_then(|base| {
                let x: Vec<stats::Observed> = runs.iter().map(|r| first_completion(r)).collect();
                let y: Vec<stats::Observed> = base.iter().map(|r| first_completion(r)).collect();
                let h = stats::common_horizon(x.iter().chain(&y));
                let cut = |v: &[stats::Observed]| -> Vec<f64> {
                    v.iter().map(|o| o.at_horizon(h)).collect()
                };
                stats::mann_whitney(&cut(&x), &cut(&y))
            });
            let pairs: Option<Vec<(stats::Observed, stats::Observed)>> = against.map(|base| {
                let base = by_seed(base);
                by_seed(runs)
                    .into_iter()
                    .filter_map(|(seed, r)| {
                        base.get(&seed)
                            .map(|b| (first_completion(r), first_completion(b)))
                    })
                    .collect()
            });
            let d = pairs.as_deref().map(stats::paired_differences);
            let wil = d.as_deref().and_then(stats::wilcoxon_signed_rank);
            let perm = d.as_deref().and_then(|d| {
                stats::paired_permutation_test(
                    d,
                    o.permutations,
                    20,
                    o.seed.rotate_left(29) ^ gi as u64,
                )
            });
            mw_ps.push(mw.map(|m| m.p));
            w_ps.push(wil.map(|w| w.p));
            perm_ps.push(perm.map(|p| p.p));
            // The paper's figures (A3C + ICM) stand beside the paper preset only, never beside
            // another learner as if it were its reference.
            let paper = (level == "princess" && algo.starts_with("paper"))
                .then(|| {
                    PAPER_AGENT_PRINCESS_MSTEPS
                        .iter()
                        .find(|(c, _)| c == cond)
                        .map(|p| p.1)
                })
                .flatten();
            rows.push(vec![
                level.clone(),
                algo.clone(),
                bonus.clone(),
                cond.clone(),
                runs.len().to_string(),
                ok.len().to_string(),
                failed.to_string(),
                opt(stats::mean(&ok)),
                opt(stats::sem(&ok)),
                opt(stats::median(&ok)),
                opt(ci.map(|c| c.0)),
                opt(ci.map(|c| c.1)),
                opt(stats::mean(&rel)),
                rel.len().to_string(),
                opt(paper),
                opt(mw.map(|m| m.p)),
                NA.into(),
                opt(mw.map(|m| m.rank_biserial)),
                opt_d(pairs.as_ref().map(|p| p.len())),
                opt(d.as_deref().and_then(stats::median)),
                opt(wil.map(|w| w.w_plus)),
                opt(wil.map(|w| w.p)),
                NA.into(),
                opt_d(wil.map(|w| w.exact)),
                opt(perm.map(|p| p.p)),
                NA.into(),
                opt_d(perm.map(|p| p.exact)),
            ]);
        }
        let (mw_h, w_h, perm_h) = (
            stats::holm(&mw_ps),
            stats::holm(&w_ps),
            stats::holm(&perm_ps),
        );
        for (i, mut r) in rows.into_iter().enumerate() {
            r[col("mw_p_holm")] = opt(mw_h[i]);
            r[col("wilcoxon_p_holm")] = opt(w_h[i]);
            r[col("paired_perm_p_holm")] = opt(perm_h[i]);
            t.push(r);
        }
    }
    t
}

/// The optimal number of ticks for a level under a condition's mechanics (BFS), if found within
/// the budget.
pub fn optimum(level: &Level, condition: &Condition, max_states: usize) -> Option<u32> {
    if max_states == 0 {
        return None;
    }
    let rules = Rules::agent().with_ladder(condition.mechanics.ladder);
    solve(level, &rules, max_states)
        .ok()
        .map(|s| s.actions.len() as u32)
}

/// Human vs agent per (level, condition): mean actions of completed human sessions, mean env
/// steps to the first completion of agent runs (per algo and bonus), their ratio, and each
/// against the solver's optimum.
pub fn ratio_table(c: &Collected, o: &Options) -> Table {
    let mut t = Table::new(&[
        "level",
        "condition",
        "human_n_completed",
        "human_actions_mean",
        "agent",
        "agent_n_succeeded",
        "agent_steps_mean",
        "agent_over_human",
        "optimum_ticks",
        "human_over_optimum",
        "agent_over_optimum",
    ]);
    let mut keys: BTreeMap<(String, (usize, String)), ()> = BTreeMap::new();
    for e in c.entries.iter().filter(|e| e.included()) {
        let (l, cnd) = e.key();
        keys.insert((l, condition_rank(&cnd)), ());
    }
    let mut optima: BTreeMap<(String, String), Option<u32>> = BTreeMap::new();
    for ((level, (_, cond)), ()) in keys {
        let human: Vec<f64> = c
            .entries
            .iter()
            .filter(|e| e.included() && e.key() == (level.clone(), cond.clone()))
            .filter_map(|e| {
                e.measures()
                    .filter(|m| m.completed)
                    .map(|m| m.n_ticks as f64)
            })
            .collect();
        let opt_ticks = *optima
            .entry((level.clone(), cond.clone()))
            .or_insert_with(|| {
                let setup = c
                    .setups
                    .get(&(level.clone(), cond.clone()))
                    .cloned()
                    .or_else(|| {
                        let l = priors_catalog::load_level(&level).ok()?.value;
                        let cd = priors_catalog::load_condition(&cond)
                            .map(|c| c.value)
                            .unwrap_or_else(|_| Condition::original());
                        Some((l, cd))
                    });
                setup.and_then(|(l, cd)| optimum(&l, &cd, o.solver_max_states))
            });
        let mut agents: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for e in c.entries.iter().filter(|e| e.included()) {
            if let Unit::Run(r) = &e.unit
                && r.level == level
                && r.condition == cond
            {
                let v = agents.entry(format!("{}+{}", r.algo, r.bonus)).or_default();
                if let Some(s) = r.summary.steps_to_first_completion {
                    v.push(s as f64);
                }
            }
        }
        let hm = stats::mean(&human);
        let per_opt = |x: Option<f64>| match (x, opt_ticks) {
            (Some(x), Some(k)) if k > 0 => Some(x / k as f64),
            _ => None,
        };
        let push = |t: &mut Table, agent: String, steps: &[f64]| {
            let am = stats::mean(steps);
            t.push(vec![
                level.clone(),
                cond.clone(),
                human.len().to_string(),
                opt(hm),
                agent,
                steps.len().to_string(),
                opt(am),
                opt(match (am, hm) {
                    (Some(a), Some(h)) if h > 0.0 => Some(a / h),
                    _ => None,
                }),
                opt_d(opt_ticks),
                opt(per_opt(hm)),
                opt(per_opt(am)),
            ]);
        };
        if agents.is_empty() {
            push(&mut t, NA.into(), &[]);
        }
        for (agent, steps) in agents {
            push(&mut t, agent, &steps);
        }
    }
    t
}
