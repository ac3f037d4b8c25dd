//! `priors levels`: list what is shipped, or check level and condition files.

use anyhow::{Context, Result, bail};
use priors_catalog as catalog;
use std::path::PathBuf;

/// Arguments of `priors levels`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Level or condition files to check (by extension: .level or .toml); with none, list the shipped ones.
    pub check: Vec<PathBuf>,
    /// Also print each listed level's grid.
    #[arg(long)]
    pub ascii: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    if !args.check.is_empty() {
        let mut bad = 0;
        for p in &args.check {
            let s = p.to_str().context("file name is not UTF-8")?;
            let res = match p.extension().and_then(|e| e.to_str()) {
                Some(catalog::LEVEL_EXT) => catalog::load_level(s).map(|l| {
                    format!(
                        "level {} ({}x{} tiles)",
                        l.value.header.name, l.value.width, l.value.height
                    )
                }),
                Some(catalog::CONDITION_EXT) => {
                    catalog::load_condition(s).map(|c| format!("condition {}", c.value.id))
                }
                _ => bail!(
                    "{}: unknown file kind (expected .level or .toml)",
                    p.display()
                ),
            };
            match res {
                Ok(what) => println!("ok    {}: {what}", p.display()),
                Err(e) => {
                    bad += 1;
                    println!("error {e}");
                }
            }
        }
        if bad > 0 {
            bail!("{bad} of {} files have errors", args.check.len());
        }
        return Ok(());
    }
    println!("data folder: {}", catalog::data_dir()?.display());
    println!("levels:");
    for name in catalog::level_names()? {
        let l = catalog::load_level(&name)?;
        let lv = &l.value;
        let (vw, vh) = lv.view_px();
        println!(
            "  {name:<16} {}x{} tiles of {} px, view {vw}x{vh} px, {} Hz, {} enemies, {}  sha256 {}",
            lv.width,
            lv.height,
            lv.header.tile_px,
            lv.header.tick_hz,
            lv.enemies.len(),
            if lv.needs_key() { "key+door" } else { "goal" },
            &l.sha256[..12]
        );
        if args.ascii {
            for row in lv.grid_string().lines() {
                println!("      {row}");
            }
        }
    }
    println!("conditions (paper order first):");
    let names = catalog::condition_names()?;
    let mut ordered: Vec<String> = catalog::PAPER_CONDITIONS
        .iter()
        .map(|s| s.to_string())
        .filter(|s| names.contains(s))
        .collect();
    ordered.extend(
        names
            .iter()
            .filter(|n| !catalog::PAPER_CONDITIONS.contains(&n.as_str()))
            .cloned(),
    );
    for name in ordered {
        let c = catalog::load_condition(&name)?;
        println!("  {name:<24} {}", c.value.description);
    }
    Ok(())
}
