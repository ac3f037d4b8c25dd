//! The whole `priors analyze` pipeline: discover, read, tabulate, draw, and write a report
//! folder:
//!
//! ```text
//! summary.csv      one row per session or run (included or not, with the reason)
//! conditions.csv   Fig. 3: per (level, condition, measure) descriptives, CIs, tests, effect sizes
//! keydoor.csv      Fig. 4: key before door, fraction of time from key to door
//! tiers.csv        Fig. 4: ticks to first reach each height tier
//! agent.csv        Fig. 8: env steps to first completion per condition across seeds
//! ratios.csv       human vs agent vs the solver's optimum per (level, condition)
//! failed.csv       folders that could not be read (path:line: message)
//! measures.columns.json  definitions of summary.csv's measure columns (priors_core::measure)
//! figures/         bar charts, heatmaps, height curves, learning curves (PNG + SVG)
//! report.md        all of the above, with n, exclusions and software versions
//! report.html      the same, self-contained apart from the figure files
//! ```

use crate::aggregate::{self, HUMAN_MEASURES};
use crate::collect::{Collected, Options, Unit, collect, discover};
use crate::error::AnalysisError;
use crate::figures::{self, Bar, Series};
use crate::table::Table;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What an analysis produced (for the command line's last words).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The report folder.
    pub out: PathBuf,
    /// Sessions and runs found.
    pub found: usize,
    /// Included in the statistics.
    pub included: usize,
    /// Excluded, with reasons in summary.csv.
    pub excluded: usize,
    /// Unreadable folders.
    pub failed: usize,
    /// Figures written (file stems).
    pub figures: Vec<String>,
    /// Notes (skipped figures and why).
    pub notes: Vec<String>,
}

enum Block {
    H(u8, String),
    P(String),
    T(Table, Vec<&'static str>),
    Img(String, String),
}

fn render_md(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::H(l, t) => {
                let _ = writeln!(s, "{} {t}\n", "#".repeat(*l as usize));
            }
            Block::P(t) => {
                let _ = writeln!(s, "{t}\n");
            }
            Block::T(t, cols) => {
                let _ = writeln!(s, "{}", t.to_markdown(cols));
            }
            Block::Img(path, alt) => {
                let _ = writeln!(s, "![{alt}]({path})\n");
            }
        }
    }
    s
}

fn render_html(blocks: &[Block]) -> String {
    use crate::table::html_escape as esc;
    let mut s = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Priors analysis report</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}img{max-width:100%}</style></head><body>\n",
    );
    for b in blocks {
        match b {
            Block::H(l, t) => {
                let _ = writeln!(s, "<h{l}>{}</h{l}>", esc(t));
            }
            Block::P(t) => {
                let _ = writeln!(s, "<p>{}</p>", esc(t).replace('`', ""));
            }
            Block::T(t, cols) => s.push_str(&t.to_html(cols)),
            Block::Img(path, alt) => {
                let _ = writeln!(s, "<p><img src=\"{}\" alt=\"{}\"></p>", esc(path), esc(alt));
            }
        }
    }
    s.push_str("</body></html>\n");
    s
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn col(t: &Table, row: &[String], name: &str) -> f64 {
    t.columns
        .iter()
        .position(|c| c == name)
        .and_then(|i| row[i].parse().ok())
        .unwrap_or(f64::NAN)
}

/// Runs the analysis of `inputs` into `out`.
pub fn analyze(inputs: &[PathBuf], out: &Path, o: &Options) -> Result<Outcome, AnalysisError> {
    let found = discover(inputs)?;
    let c = collect(&found, o);
    write_report(inputs, out, o, &c)
}

fn write_report(
    inputs: &[PathBuf],
    out: &Path,
    o: &Options,
    c: &Collected,
) -> Result<Outcome, AnalysisError> {
    let fig_dir = out.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|e| AnalysisError::io(&fig_dir, e))?;
    let summary = aggregate::summary_table(c);
    let conditions = aggregate::condition_table(c, o);
    let keydoor = aggregate::keydoor_table(c);
    let tiers = aggregate::tier_table(c);
    let agent = aggregate::agent_table(c, o);
    let ratios = aggregate::ratio_table(c, o);
    let mut failed = Table::new(&["path", "error"]);
    for f in &c.failed {
        failed.push(vec![f.dir.display().to_string(), f.error.clone()]);
    }
    for (name, t) in [
        ("summary", &summary),
        ("conditions", &conditions),
        ("keydoor", &keydoor),
        ("tiers", &tiers),
        ("agent", &agent),
        ("ratios", &ratios),
        ("failed", &failed),
    ] {
        t.write_csv(&out.join(format!("{name}.csv")))?;
    }
    // The measures' definitions (the one definition of priors_core::measure), beside the CSV.
    let dict = out.join("measures.columns.json");
    priors_records::util::write_json_atomic(
        &dict,
        &priors_records::session::ColumnsFile {
            file: "summary.csv".into(),
            schema_version: 1,
            missing_value: "NA".into(),
            columns: priors_records::measures::measure_columns(),
        },
    )?;

    let included = c.entries.iter().filter(|e| e.included()).count();
    let excluded = c.entries.len() - included;
    let mut notes = Vec::new();
    let mut figs: Vec<(String, String)> = Vec::new();
    let font = figures::init_font();
    if font.is_none() {
        notes.push("No TrueType font found (set PRIORS_FONT to a .ttf file): charts were skipped; heatmaps were drawn.".to_string());
    }

    // Who the subjects are: bot subjects are never called humans. With any simulated session
    // included, every heading and figure title says so.
    let simulated = c.entries.iter().any(|e| {
        e.included() && matches!(&e.unit, crate::collect::Unit::Session(s) if s.meta.simulated)
    });
    let real = c.entries.iter().any(|e| {
        e.included() && matches!(&e.unit, crate::collect::Unit::Session(s) if !s.meta.simulated)
    });
    let subjects = match (simulated, real) {
        (true, false) => "Simulated subjects",
        (true, true) => "Subjects (humans and simulated subjects)",
        _ => "Humans",
    };
    // Fig. 3: one bar chart per (level, measure), subjects.
    let human = aggregate::human_groups(c);
    if font.is_some() {
        for level in human.keys() {
            for (measure, label) in HUMAN_MEASURES {
                let bars: Vec<Bar> = conditions
                    .rows
                    .iter()
                    .filter(|r| r[1] == *level && r[3] == measure)
                    .map(|r| Bar {
                        label: format!("{} (n={})", r[2], r[4]),
                        value: col(&conditions, r, "mean"),
                        err: col(&conditions, r, "sem").max(0.0),
                        reference: Some(col(&conditions, r, "paper")).filter(|v| v.is_finite()),
                    })
                    .map(|b| Bar {
                        value: if b.value.is_finite() { b.value } else { 0.0 },
                        err: if b.err.is_finite() { b.err } else { 0.0 },
                        ..b
                    })
                    .collect();
                let stem = format!("bars_{}_{}", slug(level), measure);
                figures::bar_chart(
                    &fig_dir,
                    &stem,
                    &format!("{subjects}, {level}: {label}, mean +/- SEM (dots: paper)"),
                    label,
                    &bars,
                )?;
                figs.push((stem, format!("{subjects}, {level}: {label}")));
            }
        }
        // Fig. 4: height curves (mean number of tiers reached by time t).
        for (level, groups) in &human {
            let Some((lv, _)) = c
                .setups
                .iter()
                .find(|((l, _), _)| l == level)
                .map(|(_, s)| s)
            else {
                continue;
            };
            if lv.header.tiers_y_px.is_empty() {
                continue;
            }
            let hz = lv.header.tick_hz.max(1) as f64;
            let t_max = groups
                .iter()
                .flat_map(|(_, es)| es.iter())
                .filter_map(|e| e.measures())
                .map(|m| m.n_ticks)
                .max()
                .unwrap_or(0);
            let series: Vec<Series> = groups
                .iter()
                .map(|(cond, es)| {
                    let ms: Vec<_> = es.iter().filter_map(|e| e.measures()).collect();
                    let points = (0..=100)
                        .map(|k| {
                            let t = t_max as f64 * k as f64 / 100.0;
                            let reached: f64 = ms
                                .iter()
                                .map(|m| {
                                    m.tier_ticks
                                        .iter()
                                        .filter(|x| x.is_some_and(|x| x as f64 <= t))
                                        .count() as f64
                                })
                                .sum();
                            (t / hz, reached / ms.len().max(1) as f64)
                        })
                        .collect();
                    Series {
                        label: format!("{cond} (n={})", ms.len()),
                        points,
                    }
                })
                .collect();
            let stem = format!("height_{}", slug(level));
            figures::line_chart(
                &fig_dir,
                &stem,
                &format!("{level}: height tiers reached over time (mean over sessions)"),
                "time (s)",
                "tiers reached",
                &series,
            )?;
            figs.push((stem, format!("{level}: height curves")));
        }
        // Fig. 8: agent bars and learning curves.
        for ((level, algo, bonus), groups) in aggregate::agent_groups(c) {
            let rows: Vec<&Vec<String>> = agent
                .rows
                .iter()
                .filter(|r| r[0] == level && r[1] == algo && r[2] == bonus)
                .collect();
            let bars: Vec<Bar> = rows
                .iter()
                .map(|r| {
                    let v = col(&agent, r, "steps_first_mean");
                    let e = col(&agent, r, "steps_first_sem");
                    let p = col(&agent, r, "paper_msteps");
                    Bar {
                        label: format!("{} ({}/{} ok)", r[3], r[5], r[4]),
                        value: if v.is_finite() { v / 1e6 } else { 0.0 },
                        err: if e.is_finite() { e / 1e6 } else { 0.0 },
                        reference: p.is_finite().then_some(p),
                    }
                })
                .collect();
            let stem = format!("agent_{}_{}_{}", slug(&level), slug(&algo), slug(&bonus));
            figures::bar_chart(
                &fig_dir,
                &stem,
                &format!(
                    "{level}, {algo}+{bonus}: M env steps to first completion (succeeded seeds)"
                ),
                "million env steps",
                &bars,
            )?;
            figs.push((
                stem,
                format!("{level} agent ({algo}+{bonus}): steps to first completion"),
            ));
            let series: Vec<Series> = groups
                .iter()
                .flat_map(|(cond, runs)| {
                    runs.iter().map(move |r| Series {
                        label: format!("{cond} seed {}", r.seed),
                        points: r
                            .curve
                            .iter()
                            .map(|p| (p.env_steps / 1e6, p.success_rate))
                            .collect(),
                    })
                })
                .collect();
            let stem = format!("learning_{}_{}_{}", slug(&level), slug(&algo), slug(&bonus));
            figures::line_chart(
                &fig_dir,
                &stem,
                &format!("{level}, {algo}+{bonus}: episode success rate"),
                "million env steps",
                "success rate",
                &series,
            )?;
            figs.push((
                stem,
                format!("{level} agent ({algo}+{bonus}): learning curves"),
            ));
        }
    }
    // Fig. 5d/e: heatmaps (no text needed).
    for ((level, cond), h) in &c.heat {
        let stem = format!("heatmap_{}_{}", slug(level), slug(cond));
        figures::heatmap(
            &fig_dir,
            &stem,
            &format!(
                "{level} / {cond}: visits of {} sessions (log scale)",
                h.sessions
            ),
            &h.level,
            &h.condition,
            &h.counts,
        )?;
        figs.push((
            stem,
            format!(
                "{level} / {cond}: exploration heatmap ({} sessions)",
                h.sessions
            ),
        ));
    }
    for ((level, cond), h) in &c.agent_heat {
        let stem = format!("heatmap_agent_{}_{}", slug(level), slug(cond));
        figures::heatmap(
            &fig_dir,
            &stem,
            &format!(
                "{level} / {cond}: agent evaluation, {} episodes (log scale)",
                h.sessions
            ),
            &h.level,
            &h.condition,
            &h.counts,
        )?;
        figs.push((
            stem,
            format!(
                "{level} / {cond}: agent exploration heatmap ({} evaluation episodes)",
                h.sessions
            ),
        ));
    }
    figs.retain(|(stem, _)| fig_dir.join(format!("{stem}.png")).is_file());

    // The report.
    let mut blocks = Vec::new();
    blocks.push(Block::H(1, "Priors analysis report".into()));
    blocks.push(Block::P(format!(
        "Inputs: {}. Found {} sessions and runs: {} included, {} excluded, {} unreadable. Analysed by priors-analysis {}; statistics: bootstrap {} resamples, permutation test exact up to 50,000 splits else {} Monte Carlo permutations, seed {}.",
        inputs.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "),
        c.entries.len() + c.failed.len(),
        included,
        excluded,
        c.failed.len(),
        env!("CARGO_PKG_VERSION"),
        o.bootstrap_resamples,
        o.permutations,
        o.seed
    )));
    blocks.push(Block::P(format!(
        "Inclusion: simulated {}, pilot {}, incomplete {} (change with --include-simulated, --include-pilot, --include-incomplete). Diverged replays and malformed files are always excluded.",
        if o.include_simulated { "included" } else { "excluded" },
        if o.include_pilot { "included" } else { "excluded" },
        if o.include_incomplete { "included" } else { "excluded" }
    )));
    let mut software: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for e in &c.entries {
        software.insert(match &e.unit {
            Unit::Session(s) => format!(
                "sessions recorded by priors {} ({})",
                s.meta.app_version, s.meta.git_hash
            ),
            Unit::Run(r) => format!(
                "runs trained at git {} ({} build)",
                r.git_hash, r.build_profile
            ),
        });
    }
    if !software.is_empty() {
        blocks.push(Block::P(format!(
            "Software in the data: {}.",
            software.into_iter().collect::<Vec<_>>().join("; ")
        )));
    }
    for n in &notes {
        blocks.push(Block::P(n.clone()));
    }
    let mut exclusions = Table::new(&["id", "kind", "level", "condition", "reason"]);
    let sc = |r: &Vec<String>, n: &str| {
        r[summary.columns.iter().position(|c| c == n).unwrap_or(0)].clone()
    };
    for r in summary.rows.iter().filter(|r| sc(r, "included") == "false") {
        exclusions.push(vec![
            sc(r, "id"),
            sc(r, "kind"),
            sc(r, "level"),
            sc(r, "condition"),
            sc(r, "exclusion"),
        ]);
    }
    for f in &c.failed {
        exclusions.push(vec![
            f.dir.display().to_string(),
            "unreadable".into(),
            "NA".into(),
            "NA".into(),
            f.error.clone(),
        ]);
    }
    if !exclusions.rows.is_empty() {
        blocks.push(Block::H(2, "Exclusions".into()));
        blocks.push(Block::T(exclusions, vec![]));
    }
    if !conditions.rows.is_empty() {
        blocks.push(Block::H(2, format!("{subjects} per condition (Fig. 3)")));
        if simulated {
            blocks.push(Block::P("These rows include simulated subjects (bots played through the lab code path, `simulated: true` in session.json): they are a test of the pipeline, never evidence about people.".into()));
        }
        blocks.push(Block::P("Mean +/- SEM, median and percentile-bootstrap 95 % CI of the mean; Mann-Whitney U (normal approximation, tie and continuity corrected) and a permutation test of the difference of means against `original`, both Holm-corrected over the conditions of each level and measure; effect sizes: rank-biserial r and Cohen's d. `paper`: the paper's keydoor value (time converted to s). Full table: conditions.csv.".into()));
        for (measure, label) in HUMAN_MEASURES {
            let mut t = Table::new(&[
                "level",
                "condition",
                "n",
                "mean",
                "sem",
                "median",
                "ci95_lo",
                "ci95_hi",
                "paper",
                "mw_p_holm",
                "perm_p_holm",
                "rank_biserial",
                "cohens_d",
            ]);
            for r in conditions.rows.iter().filter(|r| r[3] == measure) {
                let g = |n: &str| {
                    r[conditions.columns.iter().position(|c| c == n).unwrap_or(0)].clone()
                };
                t.push(vec![
                    g("level"),
                    g("condition"),
                    g("n"),
                    g("mean"),
                    g("sem"),
                    g("median"),
                    g("ci95_lo"),
                    g("ci95_hi"),
                    g("paper"),
                    g("mw_p_holm"),
                    g("perm_p_holm"),
                    g("rank_biserial"),
                    g("cohens_d"),
                ]);
            }
            blocks.push(Block::H(3, label.to_string()));
            blocks.push(Block::T(t, vec![]));
        }
    }
    if !keydoor.rows.is_empty() {
        blocks.push(Block::H(2, "Key and door (Fig. 4)".into()));
        blocks.push(Block::T(keydoor.clone(), vec![]));
        blocks.push(Block::P(
            "Ticks to first reach each height tier: tiers.csv.".into(),
        ));
    }
    if !agent.rows.is_empty() {
        blocks.push(Block::H(2, "Agent (Fig. 8)".into()));
        blocks.push(Block::P("Env steps (summed over parallel envs) to the first completed episode: mean and median over the seeds that succeeded; failed seeds are counted in n_failed. Tests against original in the same level, learner and bonus, each Holm-corrected over the conditions: Mann-Whitney U over all seeds (unpaired), and, pairing runs by seed (a seed starts from the same network in every condition), the Wilcoxon signed-rank test (exact; zero differences dropped, tied ranks averaged and the exact distribution taken over those ranks) and a paired permutation test of the mean difference (exact up to 20 pairs). paired_diff_median: median of condition minus original, positive when slower. paper_msteps: the paper's princess result in million steps (A3C + ICM, shown beside the paper preset only). Full table: agent.csv.".into()));
        blocks.push(Block::P("Censored runs: a run that never completed is censored at the env steps it took (its budget). In every test its value is that budget, a lower bound; each comparison cuts all its values at the smallest budget of a censored run among them, so a censored run ranks above every completion before that budget and ties with a completion after it, and a pair where both runs are censored is a tie (a zero difference, dropped by the signed-rank test).".into()));
        let mut shown = Table::new(&[
            "level",
            "algo",
            "bonus",
            "condition",
            "n_seeds",
            "n_failed",
            "steps_first_mean",
            "steps_first_median",
            "paper_msteps",
            "mw_p_holm",
            "n_pairs",
            "paired_diff_median",
            "wilcoxon_p_holm",
            "paired_perm_p_holm",
        ]);
        for r in &agent.rows {
            let g = |n: &str| r[agent.columns.iter().position(|c| c == n).unwrap_or(0)].clone();
            shown.push(shown.columns.iter().map(|c| g(c)).collect());
        }
        blocks.push(Block::T(shown, vec![]));
    }
    if !ratios.rows.is_empty() {
        blocks.push(Block::H(2, format!("{subjects}, agent and the optimum")));
        blocks.push(Block::P(format!("human_actions_mean: mean ticks of completed sessions{}; agent_steps_mean: mean env steps to the first completion; optimum_ticks: the BFS solver's shortest route under the condition's mechanics.", if simulated { " (here of simulated subjects)" } else { "" })));
        blocks.push(Block::T(ratios.clone(), vec![]));
    }
    if !figs.is_empty() {
        blocks.push(Block::H(2, "Figures".into()));
        for (stem, alt) in &figs {
            blocks.push(Block::Img(format!("figures/{stem}.png"), alt.clone()));
        }
    }
    let md = render_md(&blocks);
    let p = out.join("report.md");
    std::fs::write(&p, md).map_err(|e| AnalysisError::io(&p, e))?;
    let p = out.join("report.html");
    std::fs::write(&p, render_html(&blocks)).map_err(|e| AnalysisError::io(&p, e))?;
    Ok(Outcome {
        out: out.to_path_buf(),
        found: c.entries.len() + c.failed.len(),
        included,
        excluded,
        failed: c.failed.len(),
        figures: figs.into_iter().map(|f| f.0).collect(),
        notes,
    })
}
