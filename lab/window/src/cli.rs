//! Command-line arguments and entry points of `start`, `session`, `verify` and `replay`, shared by the
//! `priors` binary (experiments crate, `window` feature) and this crate's `priors-lab` binary
//! (which builds without libtorch, for lab machines).

use crate::assign::{assign, parse_experiment, participant_number};
use crate::lab::{DEFAULT_INSTRUCTIONS, DEFAULT_TIME_LIMIT_S, Lab, SessionSpec};
use crate::meta::{DisplayInfo, FileRef, Status};
use crate::verify::{Verdict, verdict_line, verify_dir};
use crate::window::{WindowOptions, run_replay, run_session};
use anyhow::{Context, Result, bail};
use priors_catalog::{CatalogError, Loaded, load_condition, load_level};
use priors_core::Condition;
use priors_core::replay::parse_actions;
use priors_records::util::sha256_file;
use std::path::PathBuf;

/// `priors session`: one subject plays one level under one condition; every tick is logged.
#[derive(clap::Args, Debug, Clone)]
pub struct SessionArgs {
    /// Participant id: letters, digits and '-', pseudonymous (e.g. P017); never a name.
    #[arg(long)]
    pub participant: String,
    /// Session id (letters, digits, '-').
    #[arg(long, default_value = "1")]
    pub session: String,
    /// Level name (shipped) or path; required unless --experiment names it.
    #[arg(long)]
    pub level: Option<String>,
    /// Condition name (shipped) or path; `original` when neither this nor --experiment is given.
    #[arg(long, conflicts_with = "experiment")]
    pub condition: Option<String>,
    /// Experiment file (TOML): level, conditions and counterbalancing design; the condition is
    /// assigned from the participant number and the session (logged with its seed).
    #[arg(long)]
    pub experiment: Option<PathBuf>,
    /// Data root; each session gets its own folder `<out>/<participant>_<session>_<run>_<uuid>/`.
    #[arg(long, default_value = "lab-data")]
    pub out: PathBuf,
    /// Record another run when data for this (participant, session) already exists.
    #[arg(long)]
    pub new_run: bool,
    /// Pilot mode: windowed, marked PILOT on screen, data under `<out>/pilot/`, ids prefixed `pilot-`.
    #[arg(long)]
    pub pilot: bool,
    /// Borderless fullscreen (ignored with --pilot).
    #[arg(long)]
    pub fullscreen: bool,
    /// Monitor index for --fullscreen (default: the primary monitor).
    #[arg(long)]
    pub monitor: Option<usize>,
    /// Drive the window from an actions CSV (tick,action[,state_hash]) through the real key path,
    /// one tick per frame; the data is marked simulated.
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// Time limit in seconds of play (the paper: 30 minutes).
    #[arg(long, default_value_t = DEFAULT_TIME_LIMIT_S)]
    pub time_limit_s: u32,
    /// Write the state hash every this many ticks (and on every event and the last tick).
    #[arg(long, default_value_t = 30)]
    pub hash_every: u32,
    /// Text file with the consent text; a consent screen (Y/N) is shown when given.
    #[arg(long)]
    pub consent: Option<PathBuf>,
    /// Text file with the instructions (default: the paper's single instruction).
    #[arg(long)]
    pub instructions: Option<PathBuf>,
    /// Simulation speed relative to real time (1 for subjects; below 1 only for demos and
    /// tests driven by real key events). Recorded in session.json.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Close the window this many seconds after the end screen appears (unattended runs).
    #[arg(long)]
    pub close_after_end_s: Option<f64>,
    /// Save a PNG screenshot of the window after this many ticks (`PATH:TICKS`, e.g. shot.png:5).
    #[arg(long)]
    pub screenshot: Option<String>,
}

/// `priors verify`: replay a session folder through the core and check it.
#[derive(clap::Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Session folder (holding session.json and ticks.csv).
    pub dir: PathBuf,
    /// Fail (exit 1) also when the session is incomplete (crashed or write failure).
    #[arg(long)]
    pub require_complete: bool,
}

/// `priors replay`: play a recorded session back in a window (experimenter review).
#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// Session folder.
    pub dir: PathBuf,
    /// Playback speed relative to real time.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

fn load_condition_or_builtin(name: &str) -> Result<Option<Loaded<Condition>>> {
    match load_condition(name) {
        Ok(c) => Ok(Some(c)),
        // The built-in original needs no file.
        Err(CatalogError::Unknown { .. }) if name == "original" => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A session checked and ready to open: everything `session` reads and refuses before a window
/// exists (the start dialog runs this to show a refusal in the dialog itself).
pub struct Prepared {
    spec: SessionSpec,
    level: priors_core::Level,
    condition: Condition,
    keys: Option<Vec<u8>>,
    options: WindowOptions,
}

impl Prepared {
    /// Where the session's folder will be made (the data root, `pilot/` under it for pilots).
    pub fn root(&self) -> &std::path::Path {
        &self.spec.root
    }

    /// The participant id as recorded (`pilot-` prefixed for pilots).
    pub fn participant(&self) -> &str {
        &self.spec.participant
    }
}

/// Checks a session's arguments and reads its files (level, condition, experiment, consent,
/// instructions, script) without opening a window or claiming a folder: wrong ids, unreadable
/// files, a participant id without a number under an experiment file and existing data for the
/// (participant, session) are refused here.
pub fn prepare(a: &SessionArgs) -> Result<Prepared> {
    if !(a.time_scale > 0.0 && a.time_scale <= 1.0) {
        bail!("--time-scale must be in (0, 1]");
    }
    let experiment = match &a.experiment {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some((
                parse_experiment(&text, &p.display().to_string())?,
                sha256_file(p)?,
                p.display().to_string(),
            ))
        }
        None => None,
    };
    let level_name = a
        .level
        .clone()
        .or_else(|| experiment.as_ref().map(|e| e.0.level.clone()));
    let level_name = level_name.context("give --level (or --experiment naming a level)")?;
    let level = load_level(&level_name)?;
    let (condition, assignment) = match &experiment {
        Some((e, sha, file)) => {
            let session_no: u32 = a
                .session
                .parse()
                .context("with --experiment the session id must be a number (1, 2, ...)")?;
            let (name, record) = assign(
                e,
                participant_number(&a.participant)?,
                session_no.max(1),
                file,
                sha,
            )?;
            (load_condition_or_builtin(&name)?, Some(record))
        }
        None => (
            load_condition_or_builtin(a.condition.as_deref().unwrap_or("original"))?,
            None,
        ),
    };
    let read_text = |p: &Option<PathBuf>| -> Result<Option<String>> {
        p.as_ref()
            .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
            .transpose()
    };
    let exp = experiment.as_ref().map(|e| &e.0);
    let consent_text =
        read_text(&a.consent)?.or_else(|| exp.and_then(|e| e.file.consent_text.clone()));
    let instructions = read_text(&a.instructions)?
        .or_else(|| exp.and_then(|e| e.file.instructions.clone()))
        .unwrap_or_else(|| DEFAULT_INSTRUCTIONS.to_string());
    let time_limit_s = exp
        .and_then(|e| e.file.time_limit_s)
        .filter(|_| a.time_limit_s == DEFAULT_TIME_LIMIT_S)
        .unwrap_or(a.time_limit_s);
    let (script, script_ref) = match &a.script {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let records = parse_actions(&text, &p.display().to_string())?;
            let fr = FileRef {
                name: "script".into(),
                source_path: p.display().to_string(),
                copy: None,
                sha256: sha256_file(p)?,
            };
            (
                Some(records.into_iter().map(|r| r.action).collect::<Vec<_>>()),
                Some(fr),
            )
        }
        None => (None, None),
    };
    let (root, participant) = if a.pilot {
        (a.out.join("pilot"), format!("pilot-{}", a.participant))
    } else {
        (a.out.clone(), a.participant.clone())
    };
    let fullscreen = a.fullscreen && !a.pilot;
    let screenshot = match &a.screenshot {
        Some(s) => {
            let (path, tick) = s
                .rsplit_once(':')
                .context("--screenshot wants PATH:TICKS")?;
            Some((
                PathBuf::from(path),
                tick.parse::<u32>()
                    .context("--screenshot wants PATH:TICKS")?,
            ))
        }
        None => None,
    };
    let spec = SessionSpec {
        root,
        participant,
        session: a.session.clone(),
        new_run: a.new_run,
        pilot: a.pilot,
        level,
        condition,
        assignment,
        script: script_ref,
        time_limit_s,
        hash_every: a.hash_every,
        time_scale: a.time_scale,
        consent_text,
        instructions,
        extra_keys: exp.map(|e| e.file.keys.clone()).unwrap_or_default(),
        display: DisplayInfo {
            fullscreen,
            monitor_index: a.monitor,
            ..DisplayInfo::default()
        },
        // A script plays on without focus; a person cannot.
        origin: "lab".into(),
        pause_on_focus_loss: script.is_none(),
    };
    let level = spec.level.value.clone();
    let condition = spec
        .condition
        .as_ref()
        .map_or_else(Condition::original, |c| c.value.clone());
    let keys = match &script {
        Some(actions) => {
            let rules = priors_core::Rules::human(level.header.tick_hz)
                .with_ladder(condition.mechanics.ladder);
            Some(crate::script::key_sets(
                &level,
                &rules,
                &spec.keymap(),
                actions,
            )?)
        }
        None => None,
    };
    // Wrong or existing ids are refused before the window opens; the window opens before the
    // claim, so a machine without a display leaves no folder behind (`run_session`).
    priors_records::sink::refuse_existing(
        &spec.root,
        &spec.participant,
        &spec.session,
        spec.new_run,
    )?;
    let title = format!("Priors{}", if a.pilot { " - PILOT" } else { "" });
    Ok(Prepared {
        spec,
        level,
        condition,
        keys,
        options: WindowOptions {
            title,
            fullscreen,
            monitor: a.monitor,
            pilot: a.pilot,
            script: None,
            time_scale: a.time_scale,
            close_after_end_s: a.close_after_end_s,
            screenshot,
        },
    })
}

/// Runs `session`: [`prepare`], then the window, then the lab's own verification.
pub fn session(a: SessionArgs) -> Result<()> {
    let Prepared {
        spec,
        level,
        condition,
        keys,
        mut options,
    } = prepare(&a)?;
    options.script = keys;
    let mut dir = None;
    let summary = run_session(&level, &condition, options, || {
        let lab = Lab::create(spec)?;
        eprintln!("session folder: {}", lab.dir().display());
        dir = Some(lab.dir().to_path_buf());
        Ok(lab)
    })?;
    let dir = dir.expect("run_session returned a summary, so the lab was created");
    let status = summary.status.unwrap_or(Status::Running);
    println!(
        "{}\t{}\t{} ticks",
        dir.display(),
        serde_json::to_value(status)?.as_str().unwrap_or("?"),
        summary.ticks
    );
    if let Some(f) = summary.failure {
        bail!("the session data could not be written; the session is incomplete: {f}");
    }
    // The lab's own end-of-session check: the very verifier `priors verify` and `priors
    // analyze` use, so the experimenter sees at once the verdict the analysis will give.
    let check = verify_dir(&dir);
    println!("check: {}", verdict_line(&check));
    if matches!(check, Ok(ref v) if v.verdict == Verdict::Diverged) || check.is_err() {
        bail!(
            "the recorded session does not verify: {}",
            verdict_line(&check)
        );
    }
    Ok(())
}

/// Runs `start`: the start dialog; once its check passes, the session runs as a child process
/// of this same binary (`<exe> session ...`, a window of its own: one process opens one window
/// event loop), and its exit status is this command's. Escape in the dialog ends with no session.
pub fn start(a: crate::start::StartArgs) -> Result<()> {
    let form = crate::start::StartForm::new(&a);
    let Some(args) = crate::window::run_start_dialog(form)? else {
        println!("no session started");
        return Ok(());
    };
    let exe = std::env::current_exe().context("finding this program to run the session")?;
    eprintln!("starting: {} {}", exe.display(), args.join(" "));
    let status = std::process::Command::new(&exe)
        .args(&args)
        .status()
        .with_context(|| format!("running {}", exe.display()))?;
    if !status.success() {
        bail!("the session ended with {status}");
    }
    Ok(())
}

/// Runs `verify`: prints the report; exits with an error on divergence (and on an incomplete
/// session with `--require-complete`).
pub fn verify(a: VerifyArgs) -> Result<()> {
    crate::verify::run_verify_command(&a.dir, a.require_complete).map_err(anyhow::Error::msg)
}

/// Runs `replay`.
pub fn replay(a: ReplayArgs) -> Result<()> {
    if a.speed <= 0.0 {
        bail!("--speed must be positive");
    }
    run_replay(&a.dir, a.speed)
}
