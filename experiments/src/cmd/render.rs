//! `priors render`: a PNG of what a subject (or, with `--obs`, the agent) sees.

use anyhow::{Context, Result, bail};
use priors_catalog as catalog;
use priors_core::replay::parse_actions;
use priors_core::{Rules, World, step};
use priors_render::{Image, Renderer, encode_png};
use std::path::PathBuf;

/// Arguments of `priors render`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Level name or file.
    #[arg(long)]
    pub level: String,
    /// Condition name or file.
    #[arg(long, default_value = "original")]
    pub condition: String,
    /// Output PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// Replay this actions CSV first (agent rules) ...
    #[arg(long)]
    pub actions: Option<PathBuf>,
    /// ... up to this many ticks (default: all of it).
    #[arg(long)]
    pub ticks: Option<usize>,
    /// Integer upscale factor (nearest neighbour), for figures.
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
    /// Write the agent's grey observation of this size (e.g. 84x84) instead of the frame.
    #[arg(long, value_parser = parse_size)]
    pub obs: Option<(u32, u32)>,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once('x')
        .ok_or_else(|| format!("{s:?} is not WIDTHxHEIGHT"))?;
    let p = |v: &str| {
        v.parse::<u32>()
            .ok()
            .filter(|&n| n > 0 && n <= 4096)
            .ok_or_else(|| format!("{v:?} is not a size in 1..=4096"))
    };
    Ok((p(w)?, p(h)?))
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<()> {
    if args.scale == 0 || args.scale > 16 {
        bail!("--scale must be in 1..=16");
    }
    let level = catalog::load_level(&args.level)?;
    let cond = catalog::load_condition(&args.condition)?;
    let renderer = Renderer::new(&level.value, &cond.value)?;
    let mut world = World::new(&level.value);
    if let Some(p) = &args.actions {
        let name = p.display().to_string();
        let text = std::fs::read_to_string(p).with_context(|| format!("reading {name}"))?;
        let recs = parse_actions(&text, &name)?;
        let rules = Rules {
            tick_limit: None,
            ..Rules::agent()
        }
        .with_ladder(cond.value.mechanics.ladder);
        for r in recs.iter().take(args.ticks.unwrap_or(usize::MAX)) {
            step(&level.value, &rules, &mut world, r.action);
        }
    }
    let img = match args.obs {
        None => {
            let mut f = renderer.new_frame();
            renderer.render(&world, &mut f);
            f
        }
        Some((w, h)) => {
            let obs = renderer.observer(w, h);
            let mut grey = vec![0u8; (w * h) as usize];
            obs.observe(&renderer, &world, &mut grey);
            let mut img = Image::new(w, h);
            for (i, g) in grey.iter().enumerate() {
                img.rgb[3 * i..3 * i + 3].copy_from_slice(&[*g; 3]);
            }
            img
        }
    };
    let img = upscale(img, args.scale);
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = args.out.with_extension("png.tmp");
    std::fs::write(&tmp, encode_png(&img)).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.out)
        .with_context(|| format!("renaming to {}", args.out.display()))?;
    println!(
        "wrote {} ({}x{}, {} / {}, tick {})",
        args.out.display(),
        img.width,
        img.height,
        level.value.header.name,
        cond.value.id,
        world.tick
    );
    Ok(())
}

fn upscale(img: Image, k: u32) -> Image {
    if k == 1 {
        return img;
    }
    let mut out = Image::new(img.width * k, img.height * k);
    for y in 0..out.height {
        for x in 0..out.width {
            let p = img.pixel(x / k, y / k);
            let i = 3 * (y * out.width + x) as usize;
            out.rgb[i..i + 3].copy_from_slice(&p);
        }
    }
    out
}
