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
//! human_comparison.csv      the agent's slowdown per condition beside the paper's humans'
//! human_comparison_rho.csv  Spearman's rho of the two, with Fisher-z and bootstrap 95 % CIs
//! failed.csv       folders that could not be read (path:line: message)
//! measures.columns.json  definitions of summary.csv's measure columns (priors_core::measure)
//! figures/         bar charts, heatmaps, height curves, learning curves (PNG + SVG)
//! report.md        all of the above, with n, exclusions and software versions
//! report.html      the same, self-contained apart from the figure files
//! ```

use crate::aggregate::{self, HUMAN_MEASURES};
use crate::collect::{Collected, Entry, Failed, Options, Unit, collect, discover};
use crate::error::AnalysisError;
use crate::figures::{self, Bar, Series};
use crate::table::Table;
use std::collections::{BTreeMap, BTreeSet};
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

/// One piece of the report, rendered the same way to Markdown and HTML.
enum Block {
    /// A heading of a level (1 to 3) and its text.
    H(u8, String),
    /// A paragraph.
    P(String),
    /// A table, cut to the named columns (all when empty).
    T(Table, Vec<&'static str>),
    /// An image: its path relative to the report, and its alt text.
    Img(String, String),
}

/// Included human sessions grouped by level then condition, as [`aggregate::human_groups`]
/// gives them.
type HumanGroups<'a> = BTreeMap<String, Vec<(String, Vec<&'a Entry>)>>;

/// The report as Markdown.
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

/// The report as a self-contained HTML page (apart from the figure files).
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

/// A name made safe for a file name: ASCII letters, digits and `-` kept, the rest `_`.
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

/// A row of an aggregate table, its cells addressed by column name.
#[derive(Debug, Clone, Copy)]
struct Row<'a> {
    /// The table's column names.
    columns: &'a [String],
    /// The row's cells, one per column.
    cells: &'a [String],
}

impl<'a> Row<'a> {
    /// Every row of `t`, in order.
    fn all(t: &'a Table) -> impl Iterator<Item = Row<'a>> + 'a {
        t.rows.iter().map(|r| Row {
            columns: &t.columns,
            cells: r,
        })
    }

    /// The cell of column `name` (the first column's when there is no such column).
    fn text(&self, name: &str) -> &'a str {
        &self.cells[self.columns.iter().position(|c| c == name).unwrap_or(0)]
    }

    /// The number in column `name`; NaN when the column is missing or the cell is not a number.
    fn num(&self, name: &str) -> f64 {
        self.columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| self.cells[i].parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// The cells of `columns`, in that order.
    fn project(&self, columns: &[String]) -> Vec<String> {
        columns.iter().map(|c| self.text(c).to_string()).collect()
    }
}

/// The rows of `t` that `keep` accepts, cut to `columns`.
fn project(t: &Table, columns: &[&str], keep: impl Fn(&Row) -> bool) -> Table {
    let mut out = Table::new(columns);
    for r in Row::all(t).filter(|r| keep(r)) {
        let cells = r.project(&out.columns);
        out.push(cells);
    }
    out
}

/// One row of failed.csv: a folder that could not be read.
#[derive(Debug, Clone)]
struct FailedRow {
    /// The folder.
    path: String,
    /// Why it could not be read.
    error: String,
}

impl FailedRow {
    /// The columns of failed.csv.
    const COLUMNS: [&'static str; 2] = ["path", "error"];

    /// The row of an unreadable folder.
    fn of(f: &Failed) -> FailedRow {
        FailedRow {
            path: f.dir.display().to_string(),
            error: f.error.clone(),
        }
    }

    /// The cells, in [`FailedRow::COLUMNS`] order.
    fn cells(self) -> Vec<String> {
        vec![self.path, self.error]
    }
}

/// One row of the report's exclusions table: an excluded session or run, or an unreadable
/// folder.
#[derive(Debug, Clone)]
struct ExclusionRow {
    /// The unit's id (the folder, when unreadable).
    id: String,
    /// `human`, `agent` or `unreadable`.
    kind: String,
    /// Its level (`NA` when unreadable).
    level: String,
    /// Its condition (`NA` when unreadable).
    condition: String,
    /// Why it was left out.
    reason: String,
}

impl ExclusionRow {
    /// The columns of the exclusions table.
    const COLUMNS: [&'static str; 5] = ["id", "kind", "level", "condition", "reason"];

    /// The row of an excluded unit, from its summary.csv row.
    fn of_summary(r: &Row) -> ExclusionRow {
        ExclusionRow {
            id: r.text("id").to_string(),
            kind: r.text("kind").to_string(),
            level: r.text("level").to_string(),
            condition: r.text("condition").to_string(),
            reason: r.text("exclusion").to_string(),
        }
    }

    /// The row of an unreadable folder.
    fn of_failed(f: &Failed) -> ExclusionRow {
        ExclusionRow {
            id: f.dir.display().to_string(),
            kind: "unreadable".into(),
            level: "NA".into(),
            condition: "NA".into(),
            reason: f.error.clone(),
        }
    }

    /// The cells, in [`ExclusionRow::COLUMNS`] order.
    fn cells(self) -> Vec<String> {
        vec![self.id, self.kind, self.level, self.condition, self.reason]
    }
}

/// The columns of conditions.csv shown in the report's per-measure tables.
const CONDITION_SHOWN: [&str; 13] = [
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
];

/// The columns of agent.csv shown in the report's agent table.
const AGENT_SHOWN: [&str; 14] = [
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
];

/// The tables of a report, each written as `<name>.csv`.
struct Tables {
    /// summary.csv.
    summary: Table,
    /// conditions.csv.
    conditions: Table,
    /// keydoor.csv.
    keydoor: Table,
    /// tiers.csv.
    tiers: Table,
    /// agent.csv.
    agent: Table,
    /// ratios.csv.
    ratios: Table,
    /// human_comparison.csv.
    human_comparison: Table,
    /// human_comparison_rho.csv.
    human_comparison_rho: Table,
    /// failed.csv.
    failed: Table,
}

impl Tables {
    /// Tabulates the collected units.
    fn of(c: &Collected, o: &Options) -> Tables {
        let mut failed = Table::new(&FailedRow::COLUMNS);
        for f in &c.failed {
            failed.push(FailedRow::of(f).cells());
        }
        let (human_comparison, human_comparison_rho) =
            crate::human_comparison::human_comparison_tables(c, o);
        Tables {
            summary: aggregate::summary_table(c),
            conditions: aggregate::condition_table(c, o),
            keydoor: aggregate::keydoor_table(c),
            tiers: aggregate::tier_table(c),
            agent: aggregate::agent_table(c, o),
            ratios: aggregate::ratio_table(c, o),
            human_comparison,
            human_comparison_rho,
            failed,
        }
    }

    /// Writes every table as `<name>.csv` into `out`.
    fn write_csvs(&self, out: &Path) -> Result<(), AnalysisError> {
        for (name, t) in [
            ("summary", &self.summary),
            ("conditions", &self.conditions),
            ("keydoor", &self.keydoor),
            ("tiers", &self.tiers),
            ("agent", &self.agent),
            ("ratios", &self.ratios),
            ("human_comparison", &self.human_comparison),
            ("human_comparison_rho", &self.human_comparison_rho),
            ("failed", &self.failed),
        ] {
            t.write_csv(&out.join(format!("{name}.csv")))?;
        }
        Ok(())
    }
}

/// How many sessions and runs a report covers.
#[derive(Debug, Clone, Copy)]
struct Counts {
    /// Sessions and runs found, readable or not.
    found: usize,
    /// Included in the statistics.
    included: usize,
    /// Excluded (with reasons).
    excluded: usize,
    /// Unreadable folders.
    failed: usize,
}

impl Counts {
    /// Counts the collected units.
    fn of(c: &Collected) -> Counts {
        let included = c.entries.iter().filter(|e| e.included()).count();
        Counts {
            found: c.entries.len() + c.failed.len(),
            included,
            excluded: c.entries.len() - included,
            failed: c.failed.len(),
        }
    }
}

/// Who the subjects of the human side are. Bot subjects are never called humans: with any
/// simulated session included, every heading and figure title says so.
#[derive(Debug, Clone, Copy)]
struct Subjects {
    /// Whether any included session is simulated.
    simulated: bool,
    /// How headings and titles name them.
    label: &'static str,
}

impl Subjects {
    /// The subjects of the included sessions.
    fn of(c: &Collected) -> Subjects {
        let included_session = |simulated: bool| {
            c.entries.iter().any(|e| {
                e.included() && matches!(&e.unit, Unit::Session(s) if s.meta.simulated == simulated)
            })
        };
        let (simulated, real) = (included_session(true), included_session(false));
        let label = match (simulated, real) {
            (true, false) => "Simulated subjects",
            (true, true) => "Subjects (humans and simulated subjects)",
            _ => "Humans",
        };
        Subjects { simulated, label }
    }
}

/// A figure under figures/: its file stem and the caption the report gives it.
#[derive(Debug, Clone)]
struct Figure {
    /// File name without extension (`.png` and `.svg` beside each other).
    stem: String,
    /// Caption (the image's alt text).
    alt: String,
}

/// Runs the analysis of `inputs` into `out`.
pub fn analyze(inputs: &[PathBuf], out: &Path, o: &Options) -> Result<Outcome, AnalysisError> {
    let found = discover(inputs)?;
    let c = collect(&found, o);
    write_report(inputs, out, o, &c)
}

/// Writes the report folder: the CSVs, the measures' dictionary, the figures, report.md and
/// report.html.
fn write_report(
    inputs: &[PathBuf],
    out: &Path,
    o: &Options,
    c: &Collected,
) -> Result<Outcome, AnalysisError> {
    let fig_dir = out.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|e| AnalysisError::io(&fig_dir, e))?;
    let tables = Tables::of(c, o);
    tables.write_csvs(out)?;
    write_measure_dictionary(out)?;
    let counts = Counts::of(c);
    let mut notes = Vec::new();
    let font = figures::init_font();
    if font.is_none() {
        notes.push("No TrueType font found (set PRIORS_FONT to a .ttf file): charts were skipped; heatmaps were drawn.".to_string());
    }
    let subjects = Subjects::of(c);
    let figs = draw_figures(&fig_dir, c, &tables, subjects, font.is_some())?;
    let mut blocks = intro_blocks(inputs, o, c, counts, &notes);
    blocks.extend(exclusion_blocks(&tables.summary, c));
    blocks.extend(condition_blocks(&tables.conditions, subjects));
    blocks.extend(keydoor_blocks(&tables.keydoor));
    blocks.extend(agent_blocks(&tables.agent));
    blocks.extend(ratio_blocks(&tables.ratios, subjects));
    blocks.extend(human_comparison_blocks(
        &tables.human_comparison,
        &tables.human_comparison_rho,
        o,
    ));
    blocks.extend(figure_blocks(&figs));
    write_documents(out, &blocks)?;
    Ok(Outcome {
        out: out.to_path_buf(),
        found: counts.found,
        included: counts.included,
        excluded: counts.excluded,
        failed: counts.failed,
        figures: figs.into_iter().map(|f| f.stem).collect(),
        notes,
    })
}

/// Writes measures.columns.json, the definitions of summary.csv's measure columns (the one
/// definition of priors_core::measure), beside the CSV.
fn write_measure_dictionary(out: &Path) -> Result<(), AnalysisError> {
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
    Ok(())
}

/// Draws every figure into `fig_dir` (the charts only with a font; heatmaps always) and returns
/// those whose PNG exists.
fn draw_figures(
    fig_dir: &Path,
    c: &Collected,
    tables: &Tables,
    subjects: Subjects,
    font: bool,
) -> Result<Vec<Figure>, AnalysisError> {
    let mut figs = Vec::new();
    if font {
        let human = aggregate::human_groups(c);
        figs.extend(draw_condition_bars(
            fig_dir,
            &human,
            &tables.conditions,
            subjects,
        )?);
        figs.extend(draw_height_curves(fig_dir, c, &human)?);
        figs.extend(draw_agent_figures(fig_dir, c, &tables.agent)?);
    }
    figs.extend(draw_heatmaps(fig_dir, c)?);
    figs.retain(|f| fig_dir.join(format!("{}.png", f.stem)).is_file());
    Ok(figs)
}

/// Fig. 3: one bar chart per (level, measure) of the subjects, from conditions.csv.
fn draw_condition_bars(
    fig_dir: &Path,
    human: &HumanGroups,
    conditions: &Table,
    subjects: Subjects,
) -> Result<Vec<Figure>, AnalysisError> {
    let mut figs = Vec::new();
    for level in human.keys() {
        for (measure, label) in HUMAN_MEASURES {
            let bars: Vec<Bar> = Row::all(conditions)
                .filter(|r| r.text("level") == level && r.text("measure") == measure)
                .map(|r| Bar {
                    label: format!("{} (n={})", r.text("condition"), r.text("n")),
                    value: r.num("mean"),
                    err: r.num("sem").max(0.0),
                    reference: Some(r.num("paper")).filter(|v| v.is_finite()),
                })
                .map(|b| Bar {
                    value: if b.value.is_finite() { b.value } else { 0.0 },
                    err: if b.err.is_finite() { b.err } else { 0.0 },
                    ..b
                })
                .collect();
            let stem = format!("bars_{}_{}", slug(level), measure);
            figures::bar_chart(
                fig_dir,
                &stem,
                &format!(
                    "{}, {level}: {label}, mean +/- SEM (dots: paper)",
                    subjects.label
                ),
                label,
                &bars,
            )?;
            figs.push(Figure {
                stem,
                alt: format!("{}, {level}: {label}", subjects.label),
            });
        }
    }
    Ok(figs)
}

/// Fig. 4: height curves (mean number of tiers reached by time t) of each level with tiers.
fn draw_height_curves(
    fig_dir: &Path,
    c: &Collected,
    human: &HumanGroups,
) -> Result<Vec<Figure>, AnalysisError> {
    let mut figs = Vec::new();
    for (level, groups) in human {
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
            .map(|(cond, es)| height_series(cond, es, t_max, hz))
            .collect();
        let stem = format!("height_{}", slug(level));
        figures::line_chart(
            fig_dir,
            &stem,
            &format!("{level}: height tiers reached over time (mean over sessions)"),
            "time (s)",
            "tiers reached",
            &series,
        )?;
        figs.push(Figure {
            stem,
            alt: format!("{level}: height curves"),
        });
    }
    Ok(figs)
}

/// One condition's height curve: the mean number of tiers reached by time t, at 101 times from
/// 0 to `t_max` ticks.
fn height_series(cond: &str, es: &[&Entry], t_max: u32, hz: f64) -> Series {
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
}

/// Fig. 8: per (level, learner, bonus), bars of env steps to the first completion (from
/// agent.csv) and the runs' learning curves.
fn draw_agent_figures(
    fig_dir: &Path,
    c: &Collected,
    agent: &Table,
) -> Result<Vec<Figure>, AnalysisError> {
    let mut figs = Vec::new();
    for ((level, algo, bonus), groups) in aggregate::agent_groups(c) {
        let bars: Vec<Bar> = Row::all(agent)
            .filter(|r| {
                r.text("level") == level && r.text("algo") == algo && r.text("bonus") == bonus
            })
            .map(|r| {
                let v = r.num("steps_first_mean");
                let e = r.num("steps_first_sem");
                let p = r.num("paper_msteps");
                Bar {
                    label: format!(
                        "{} ({}/{} ok)",
                        r.text("condition"),
                        r.text("n_succeeded"),
                        r.text("n_seeds")
                    ),
                    value: if v.is_finite() { v / 1e6 } else { 0.0 },
                    err: if e.is_finite() { e / 1e6 } else { 0.0 },
                    reference: p.is_finite().then_some(p),
                }
            })
            .collect();
        let stem = format!("agent_{}_{}_{}", slug(&level), slug(&algo), slug(&bonus));
        figures::bar_chart(
            fig_dir,
            &stem,
            &format!("{level}, {algo}+{bonus}: M env steps to first completion (succeeded seeds)"),
            "million env steps",
            &bars,
        )?;
        figs.push(Figure {
            stem,
            alt: format!("{level} agent ({algo}+{bonus}): steps to first completion"),
        });
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
            fig_dir,
            &stem,
            &format!("{level}, {algo}+{bonus}: episode success rate"),
            "million env steps",
            "success rate",
            &series,
        )?;
        figs.push(Figure {
            stem,
            alt: format!("{level} agent ({algo}+{bonus}): learning curves"),
        });
    }
    Ok(figs)
}

/// Fig. 5d/e: exploration heatmaps of the sessions, then of the agents' recorded evaluation
/// episodes, per (level, condition).
fn draw_heatmaps(fig_dir: &Path, c: &Collected) -> Result<Vec<Figure>, AnalysisError> {
    let mut figs = Vec::new();
    for ((level, cond), h) in &c.heat {
        let stem = format!("heatmap_{}_{}", slug(level), slug(cond));
        figures::heatmap(
            fig_dir,
            &stem,
            &format!(
                "{level} / {cond}: visits of {} sessions (log scale)",
                h.sessions
            ),
            &h.level,
            &h.condition,
            &h.counts,
        )?;
        figs.push(Figure {
            stem,
            alt: format!(
                "{level} / {cond}: exploration heatmap ({} sessions)",
                h.sessions
            ),
        });
    }
    for ((level, cond), h) in &c.agent_heat {
        let stem = format!("heatmap_agent_{}_{}", slug(level), slug(cond));
        figures::heatmap(
            fig_dir,
            &stem,
            &format!(
                "{level} / {cond}: agent evaluation, {} episodes (log scale)",
                h.sessions
            ),
            &h.level,
            &h.condition,
            &h.counts,
        )?;
        figs.push(Figure {
            stem,
            alt: format!(
                "{level} / {cond}: agent exploration heatmap ({} evaluation episodes)",
                h.sessions
            ),
        });
    }
    Ok(figs)
}

/// The report's opening: title, inputs and counts, inclusion rules, the software that made the
/// data, and notes.
fn intro_blocks(
    inputs: &[PathBuf],
    o: &Options,
    c: &Collected,
    counts: Counts,
    notes: &[String],
) -> Vec<Block> {
    let mut blocks = Vec::new();
    blocks.push(Block::H(1, "Priors analysis report".into()));
    blocks.push(Block::P(format!(
        "Inputs: {}. Found {} sessions and runs: {} included, {} excluded, {} unreadable. Analysed by priors-analysis {}; statistics: bootstrap {} resamples, permutation test exact up to 50,000 splits else {} Monte Carlo permutations, seed {}.",
        inputs.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "),
        counts.found,
        counts.included,
        counts.excluded,
        counts.failed,
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
    let software = software_in_data(c);
    if !software.is_empty() {
        blocks.push(Block::P(format!(
            "Software in the data: {}.",
            software.into_iter().collect::<Vec<_>>().join("; ")
        )));
    }
    for n in notes {
        blocks.push(Block::P(n.clone()));
    }
    blocks
}

/// The versions of Priors that recorded the sessions and trained the runs, each once, sorted.
fn software_in_data(c: &Collected) -> BTreeSet<String> {
    c.entries
        .iter()
        .map(|e| match &e.unit {
            Unit::Session(s) => format!(
                "sessions recorded by priors {} ({})",
                s.meta.app_version, s.meta.git_hash
            ),
            Unit::Run(r) => format!(
                "runs trained at git {} ({} build)",
                r.git_hash, r.build_profile
            ),
        })
        .collect()
}

/// The exclusions: excluded units from summary.csv with their reasons, then unreadable folders.
fn exclusion_blocks(summary: &Table, c: &Collected) -> Vec<Block> {
    let mut exclusions = Table::new(&ExclusionRow::COLUMNS);
    for r in Row::all(summary).filter(|r| r.text("included") == "false") {
        exclusions.push(ExclusionRow::of_summary(&r).cells());
    }
    for f in &c.failed {
        exclusions.push(ExclusionRow::of_failed(f).cells());
    }
    if exclusions.rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::H(2, "Exclusions".into()),
        Block::T(exclusions, vec![]),
    ]
}

/// Fig. 3's section: one table per measure from conditions.csv.
fn condition_blocks(conditions: &Table, subjects: Subjects) -> Vec<Block> {
    if conditions.rows.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::H(
        2,
        format!("{} per condition (Fig. 3)", subjects.label),
    )];
    if subjects.simulated {
        blocks.push(Block::P("These rows include simulated subjects (bots played through the lab code path, `simulated: true` in session.json): they are a test of the pipeline, never evidence about people.".into()));
    }
    blocks.push(Block::P("Mean +/- SEM, median and percentile-bootstrap 95 % CI of the mean; Mann-Whitney U (normal approximation, tie and continuity corrected) and a permutation test of the difference of means against `original`, both Holm-corrected over the conditions of each level and measure; effect sizes: rank-biserial r and Cohen's d. `paper`: the paper's keydoor value (time converted to s). Full table: conditions.csv.".into()));
    for (measure, label) in HUMAN_MEASURES {
        let t = project(conditions, &CONDITION_SHOWN, |r| {
            r.text("measure") == measure
        });
        blocks.push(Block::H(3, label.to_string()));
        blocks.push(Block::T(t, vec![]));
    }
    blocks
}

/// Fig. 4's key-and-door section.
fn keydoor_blocks(keydoor: &Table) -> Vec<Block> {
    if keydoor.rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::H(2, "Key and door (Fig. 4)".into()),
        Block::T(keydoor.clone(), vec![]),
        Block::P("Ticks to first reach each height tier: tiers.csv.".into()),
    ]
}

/// Fig. 8's section: how the agent table is computed, and its main columns.
fn agent_blocks(agent: &Table) -> Vec<Block> {
    if agent.rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::H(2, "Agent (Fig. 8)".into()),
        Block::P("Env steps (summed over parallel envs) to the first completed episode: mean and median over the seeds that succeeded; failed seeds are counted in n_failed. Tests against original in the same level, learner and bonus, each Holm-corrected over the conditions: Mann-Whitney U over all seeds (unpaired), and, pairing runs by seed (a seed starts from the same network in every condition), the Wilcoxon signed-rank test (exact; zero differences dropped, tied ranks averaged and the exact distribution taken over those ranks) and a paired permutation test of the mean difference (exact up to 20 pairs). paired_diff_median: median of condition minus original, positive when slower. paper_msteps: the paper's princess result in million steps (A3C + ICM, shown beside the paper preset only). Full table: agent.csv.".into()),
        Block::P("Censored runs: a run that never completed is censored at the env steps it took (its budget). In every test its value is that budget, a lower bound; each comparison cuts all its values at the smallest budget of a censored run among them, so a censored run ranks above every completion before that budget and ties with a completion after it, and a pair where both runs are censored is a tie (a zero difference, dropped by the signed-rank test).".into()),
        Block::T(project(agent, &AGENT_SHOWN, |_| true), vec![]),
    ]
}

/// The section setting subjects, agent and the solver's optimum side by side.
fn ratio_blocks(ratios: &Table, subjects: Subjects) -> Vec<Block> {
    if ratios.rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::H(2, format!("{}, agent and the optimum", subjects.label)),
        Block::P(format!(
            "human_actions_mean: mean ticks of completed sessions{}; agent_steps_mean: mean env steps to the first completion; optimum_ticks: the BFS solver's shortest route under the condition's mechanics.",
            if subjects.simulated {
                " (here of simulated subjects)"
            } else {
                ""
            }
        )),
        Block::T(ratios.clone(), vec![]),
    ]
}

/// The section setting the agent's slowdown per condition beside the paper's humans', with
/// Spearman's rho (issue 16).
fn human_comparison_blocks(rows: &Table, rhos: &Table, o: &Options) -> Vec<Block> {
    use crate::human_comparison::MIN_MEANINGFUL_CONDITIONS;
    if rows.rows.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![
        Block::H(2, "Agent slowdowns beside the paper's humans".into()),
        Block::P("agent_median_steps: median env steps (ticks) to the first completion over every run of the condition. A run that never completed is censored at the steps it took; all runs of a level, learner and bonus are cut at horizon_steps, the smallest budget of a censored run among them (the rule agent.csv's tests use), so a censored run counts as that horizon, a lower bound. agent_median_censored = true: the median is at the horizon, a lower bound. (This is not agent.csv's steps_first_median, which is over the seeds that succeeded.) agent_ratio = condition median / original median; agent_ratio_bound: exact, lower (the true ratio is at least this), upper (at most this), unknown (both medians at the horizon).".into()),
        Block::P("paper_minutes and paper_ratio are the paper's human numbers, not this project's: the minutes to finish that Dubey et al. (2018) report for their keydoor game, read from the condition files' `paper` field, shown for the keydoor level only, and read by this analysis alone (never by an agent). paper_ratio = paper minutes under the condition / paper minutes under original. Human minutes include idle time, the agent's ticks do not; the paper reports its humans' average, the agent side is a median over seeds.".into()),
        Block::P(format!(
            "rho: Spearman's rank correlation (tied values get their average rank) of agent_ratio and paper_ratio over the conditions other than original that have both (in_rho; original is 1 in both by construction and is left out; censored ratios tie at the top). Two 95 % intervals: Fisher's z, tanh(atanh(rho) -+ 1.96 sqrt(1.06 / (n - 3))) with the variance of Fieller, Hartley and Pearson (1957), for n >= 4; and a percentile bootstrap over conditions (pairs resampled whole, {} resamples, seeded from the analysis seed {} and the group; resamples where either ratio is constant have no rho and are left out, bootstrap_resamples_used counts the rest; with few conditions it is coarse, often all of [-1, 1]). With fewer than about {MIN_MEANINGFUL_CONDITIONS} conditions rho means nothing (too_few_conditions = true); it is reported whatever it turns out to be. Full tables: human_comparison.csv, human_comparison_rho.csv.",
            o.bootstrap_resamples, o.seed
        )),
        Block::T(rows.clone(), vec![]),
    ];
    let any_rho = Row::all(rhos).any(|r| r.text("n_conditions") != "0");
    if !any_rho {
        blocks.push(Block::P("No level here has the paper's human values (they exist for keydoor only): the table gives the agent's ratios alone, and there is no rho.".into()));
    }
    blocks.push(Block::T(rhos.clone(), vec![]));
    blocks
}

/// The figures section: every figure drawn, in order.
fn figure_blocks(figs: &[Figure]) -> Vec<Block> {
    if figs.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::H(2, "Figures".into())];
    for f in figs {
        blocks.push(Block::Img(format!("figures/{}.png", f.stem), f.alt.clone()));
    }
    blocks
}

/// Writes report.md and report.html from the same blocks.
fn write_documents(out: &Path, blocks: &[Block]) -> Result<(), AnalysisError> {
    let p = out.join("report.md");
    std::fs::write(&p, render_md(blocks)).map_err(|e| AnalysisError::io(&p, e))?;
    let p = out.join("report.html");
    std::fs::write(&p, render_html(blocks)).map_err(|e| AnalysisError::io(&p, e))?;
    Ok(())
}
