//! `priors simulate-subjects`: scripted, noisy, human-like bot subjects that play through the
//! real lab-session code path (the frontend's [`Lab`]: protocol screens, per-tick key
//! accumulation, the condition's key mapping, crash-safe files), headless. Their folders are
//! marked `simulated` in session.json, so the analysis excludes them unless asked.
//!
//! The bot: it presses keys (never actions directly), mapped back through the condition's key
//! map, so a re-mapped condition is played through its re-mapping. Most of the time it follows a
//! shortest route from where it is (BFS over the core from the current state, recomputed
//! whenever it has strayed); with a per-tick probability it starts a burst of exploration: one
//! random key combination held for 5-30 ticks, or a pause. Bursts cause detours and deaths, as
//! with people. The bot behaves the same under every condition: the same exploration rate and
//! the same seeds, so a condition can change its data only through what the condition changes
//! (the key mapping, the mechanics). Nothing here reads the paper's numbers; bot data are never
//! evidence about people.

use anyhow::{Context, Result, bail};
use priors_catalog as catalog;
use priors_core::condition::{Key, KeyMap};
use priors_core::rng::{SplitMix64, mix};
use priors_core::solve::solve_from;
use priors_core::{Action, Level, Rules, World, step};
use priors_window::input::key_name;
use priors_window::lab::{DEFAULT_INSTRUCTIONS, Lab, SessionSpec};
use priors_window::meta::{DisplayInfo, FileRef};
use priors_window::script::key_set_for;
use std::collections::VecDeque;
use std::path::PathBuf;

/// Arguments of `priors simulate-subjects`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Level name or file.
    #[arg(long, default_value = "princess")]
    pub level: String,
    /// Conditions to play, comma-separated; every bot plays each once (session `s1`, `s2`, ...).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "original,masked-semantics"
    )]
    pub conditions: Vec<String>,
    /// Number of bot subjects.
    #[arg(long, default_value_t = 4)]
    pub subjects: u32,
    /// Data root (one session folder per bot and condition is created inside).
    #[arg(long, default_value = "out/sessions")]
    pub out: PathBuf,
    /// Base seed; bot i uses a seed derived from it and i.
    #[arg(long, default_value_t = 2018)]
    pub seed: u64,
    /// Per-tick probability of starting an exploration burst (the same under every condition).
    #[arg(long, default_value_t = 0.04)]
    pub explore: f64,
    /// Time limit per session, s of game time.
    #[arg(long, default_value_t = 30 * 60)]
    pub time_limit_s: u32,
}

/// The bot's decision state.
struct Bot {
    rng: SplitMix64,
    explore: f64,
    burst: Option<(u8, u32)>,
    plan: VecDeque<Action>,
    expect: Option<World>,
}

impl Bot {
    /// The key set (bit i = `Key::ALL[i]`) to hold this tick.
    fn keys(&mut self, level: &Level, rules: &Rules, keymap: &KeyMap, world: &World) -> u8 {
        if let Some((keys, left)) = self.burst {
            self.burst = (left > 1).then_some((keys, left - 1));
            self.expect = None;
            return keys;
        }
        let u = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        if u < self.explore {
            // A burst: a random arrow/space combination, or (one time in four) a pause.
            let keys = if self.rng.below(4) == 0 {
                0
            } else {
                self.rng.below(32) as u8
            };
            let len = 5 + self.rng.below(26) as u32;
            self.burst = Some((keys, len - 1));
            self.expect = None;
            return keys;
        }
        if self.expect.as_ref() != Some(world) || self.plan.is_empty() {
            self.plan = solve_from(level, rules, world, 5_000_000)
                .map(|s| s.actions.into())
                .unwrap_or_default();
        }
        let Some(action) = self.plan.pop_front() else {
            // No route from here (should not happen on a solvable level): wander instead of
            // searching again every tick.
            self.burst = Some((self.rng.below(32) as u8, 10));
            return 0;
        };
        let keys = key_set_for(level, rules, keymap, world, action).unwrap_or(0);
        let mut next = world.clone();
        step(level, rules, &mut next, keymap.action(keys));
        self.expect = Some(next);
        keys
    }
}

/// Plays one session; returns its folder and status.
fn play(
    args: &Args,
    subject: u32,
    session_no: usize,
    condition_name: &str,
) -> Result<(PathBuf, String)> {
    let level = catalog::load_level(&args.level)?;
    let condition = catalog::load_condition(condition_name)?;
    let explore = args.explore;
    // The bot's seed depends on the bot only: under every condition it makes the same choices
    // wherever the condition leaves the game the same.
    let seed = mix(args.seed, subject as u64);
    let participant = format!("bot{subject:03}");
    let spec = SessionSpec {
        root: args.out.clone(),
        participant: participant.clone(),
        session: format!("s{}", session_no + 1),
        new_run: false,
        pilot: false,
        level,
        condition: Some(condition),
        assignment: None,
        script: Some(FileRef {
            name: format!("bot-v1 explore={explore:.4} seed={seed}"),
            source_path: "priors simulate-subjects".into(),
            copy: None,
            sha256: "NA".into(),
        }),
        time_limit_s: args.time_limit_s,
        hash_every: 30,
        time_scale: 1.0,
        consent_text: None,
        instructions: DEFAULT_INSTRUCTIONS.into(),
        extra_keys: Default::default(),
        display: DisplayInfo::default(),
        // Headless bots never lose focus; the lab's default is kept.
        origin: "lab".into(),
        pause_on_focus_loss: true,
    };
    let mut lab =
        Lab::create(spec).with_context(|| format!("creating the session of {participant}"))?;
    let dir = lab.dir().to_path_buf();
    let result = drive(&mut lab, explore, seed);
    if let Err(e) = &result {
        lab.fail(e);
    }
    result?;
    // The lab's own end-of-session check: the verifier `priors verify` and `priors analyze` use.
    let check = priors_records::verify::verify_dir(&dir);
    if !matches!(&check, Ok(v) if v.verdict == priors_records::verify::Verdict::Verified) {
        bail!(
            "{participant}: the recorded session does not verify: {}",
            priors_records::verify::verdict_line(&check)
        );
    }
    Ok((dir, format!("{:?}", lab.meta().status)))
}

fn drive(lab: &mut Lab, explore: f64, seed: u64) -> Result<()> {
    let level = lab.level().clone();
    let hz = level.header.tick_hz as f64;
    let rules = Rules {
        tick_limit: None,
        ..Rules::human(level.header.tick_hz)
    }
    .with_ladder(lab.condition().mechanics.ladder);
    let keymap = *lab.keymap();
    let mut bot = Bot {
        rng: SplitMix64::new(seed),
        explore,
        burst: None,
        plan: VecDeque::new(),
        expect: None,
    };
    // Instructions -> ready -> play, as a subject presses space twice.
    lab.begin_frame(0, 0.0);
    for _ in 0..2 {
        lab.key("space", true, false)?;
        lab.key("space", false, false)?;
    }
    lab.end_frame(1.0 / hz)?;
    let mut held = 0u8;
    let mut frame = 1u64;
    while !lab.meta().status.is_final() {
        lab.begin_frame(frame, frame as f64 / hz);
        let want = bot.keys(&level, &rules, &keymap, lab.world());
        for (i, k) in Key::ALL.iter().enumerate() {
            let bit = 1u8 << i;
            if (want ^ held) & bit != 0 {
                lab.key(key_name(*k), want & bit != 0, false)?;
            }
        }
        held = want;
        lab.tick()?;
        lab.end_frame(1.0 / hz)?;
        frame += 1;
        if frame > 10 * 60 * 60 * hz as u64 {
            bail!("the bot session did not end");
        }
    }
    lab.flush()
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    if args.subjects == 0 || !(0.0..=1.0).contains(&args.explore) {
        bail!("--subjects must be positive and --explore within 0..=1");
    }
    for subject in 1..=args.subjects {
        for (i, c) in args.conditions.iter().enumerate() {
            let (dir, status) = play(&args, subject, i, c)?;
            println!("bot{subject:03} {c:<24} {status:<10} {}", dir.display());
        }
    }
    Ok(())
}
