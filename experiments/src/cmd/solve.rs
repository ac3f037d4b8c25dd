//! `priors solve`: the optimal route (BFS over the deterministic state space).

use anyhow::{Context, Result};
use priors_catalog as catalog;
use priors_core::replay::{record, write_actions};
use priors_core::solve::solve_with;
use priors_core::{Action, ActionSet, Rules, World};
use std::path::PathBuf;

/// Arguments of `priors solve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Level name or file.
    #[arg(long)]
    pub level: String,
    /// Condition name or file (only its mechanics matter, e.g. zigzag ladders).
    #[arg(long, default_value = "original")]
    pub condition: String,
    /// Where to write the route as an actions CSV (default: out/routes/<level>__<condition>.actions.csv).
    #[arg(long)]
    pub route: Option<PathBuf>,
    /// Action set to choose from each tick: six (the released game's `noop left right up down
    /// jump`), effective (18 combinations) or all (32).
    #[arg(long, default_value = "effective")]
    pub actions: ActionSet,
    /// Give up after this many distinct states.
    #[arg(long, default_value_t = 50_000_000)]
    pub max_states: usize,
}

/// Run-length summary of a route: `left x13, up+left x5, ...`.
pub fn summarize(actions: &[Action]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < actions.len() {
        let mut j = i;
        while j < actions.len() && actions[j] == actions[i] {
            j += 1;
        }
        parts.push(format!("{} x{}", actions[i], j - i));
        i = j;
    }
    parts.join(", ")
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    let level = catalog::load_level(&args.level)?;
    let cond = catalog::load_condition(&args.condition)?;
    let rules = Rules::agent().with_ladder(cond.value.mechanics.ladder);
    let t0 = std::time::Instant::now();
    let sol = solve_with(
        &level.value,
        &rules,
        args.actions,
        &World::new(&level.value),
        args.max_states,
    )
    .with_context(|| format!("solving {}", level.path.display()))?;
    let secs = t0.elapsed().as_secs_f64();
    let hz = level.value.header.tick_hz as f64;
    println!(
        "{} / {} ({} physics, {} actions): minimal route {} actions ({:.2} s at {} Hz); {} states searched in {:.2} s",
        level.value.header.name,
        cond.value.id,
        level.value.physics.profile.name(),
        args.actions,
        sol.actions.len(),
        sol.actions.len() as f64 / hz,
        hz,
        sol.states_explored,
        secs
    );
    println!("route: {}", summarize(&sol.actions));
    let path = args.route.unwrap_or_else(|| {
        PathBuf::from("out/routes").join(format!(
            "{}__{}__{}.actions.csv",
            level.value.header.name, cond.value.id, args.actions
        ))
    });
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let recs = record(
        &level.value,
        &Rules {
            tick_limit: None,
            ..rules
        },
        &sol.actions,
    );
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, write_actions(&recs))
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
