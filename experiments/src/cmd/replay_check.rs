//! `priors replay-check`: replay an actions CSV through the core and check it.

use anyhow::{Context, Result, bail};
use priors_catalog as catalog;
use priors_core::replay::{format_hash, parse_actions, replay};
use priors_core::{Outcome, Rules};
use std::path::PathBuf;

/// Which episode rules to replay under.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesArg {
    /// Death ends the episode; no tick limit is applied by the check.
    Agent,
    /// Respawn at the start after a death; 30-minute limit.
    Human,
}

/// What the replay must end in.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Only check hashes.
    Any,
    /// The goal must be reached on the last action.
    Goal,
}

/// Arguments of `priors replay-check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The actions CSV (columns tick, action, optional state_hash; others ignored).
    pub trace: PathBuf,
    /// Level name or file.
    #[arg(long)]
    pub level: String,
    /// Condition name or file.
    #[arg(long, default_value = "original")]
    pub condition: String,
    /// Episode rules.
    #[arg(long, value_enum, default_value_t = RulesArg::Agent)]
    pub rules: RulesArg,
    /// Required outcome.
    #[arg(long, value_enum, default_value_t = Expect::Goal)]
    pub expect: Expect,
    /// Also write the per-tick trajectory here as CSV: `tick,action,x_px,y_px,on_ladder,event`,
    /// the player's centre in px after each tick (written even when the check fails).
    #[arg(long, value_name = "OUT.csv")]
    pub positions: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let level = catalog::load_level(&args.level)?;
    let cond = catalog::load_condition(&args.condition)?;
    let name = args.trace.display().to_string();
    let text = std::fs::read_to_string(&args.trace).with_context(|| format!("reading {name}"))?;
    let records = parse_actions(&text, &name)?;
    let base = match args.rules {
        RulesArg::Agent => Rules {
            tick_limit: None,
            ..Rules::agent()
        },
        RulesArg::Human => Rules::human(level.value.header.tick_hz),
    };
    let rules = base.with_ladder(cond.value.mechanics.ladder);
    let rep = replay(&level.value, &rules, &records);
    if let Some(out) = &args.positions {
        let actions: Vec<_> = records.iter().map(|r| r.action).collect();
        let mut wr = csv::Writer::from_writer(Vec::new());
        for row in priors_core::trace::positions(&level.value, &rules, &actions) {
            wr.serialize(row).context("encoding positions")?;
        }
        let bytes = wr.into_inner().context("encoding positions")?;
        let tmp = out.with_extension("csv.tmp");
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, out).with_context(|| format!("renaming to {}", out.display()))?;
        println!("positions: {}", out.display());
    }
    println!(
        "{name}: {} actions, {} replayed, {} hashes checked, outcome {:?}, deaths {}, final hash {}",
        records.len(),
        rep.ticks,
        rep.hashes_checked,
        rep.outcome,
        rep.deaths,
        format_hash(rep.final_hash)
    );
    if let Some(d) = rep.divergence {
        bail!(
            "{name}: diverges at tick {}: trace has {}, the core gives {}",
            d.tick,
            format_hash(d.expected),
            format_hash(d.actual)
        );
    }
    if rep.actions_after_end > 0 {
        bail!(
            "{name}: {} actions after the episode ended at tick {}",
            rep.actions_after_end,
            rep.ticks
        );
    }
    if args.expect == Expect::Goal && rep.outcome != Outcome::Won {
        bail!(
            "{name}: expected the goal, the replay ends {:?}",
            rep.outcome
        );
    }
    println!("ok");
    Ok(())
}
