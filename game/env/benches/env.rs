//! Vector-env throughput: steps/s of a batch of envs with 84x84 pixel, 42x42 pixel (nearest and
//! area-averaged) and object-grid observations on princess, driven by a fixed cyclic action
//! pattern, plus a breakdown of the area-averaged step into its core ticks and its observations
//! alone (the rest of a step is bookkeeping and copies). Run with `cargo bench -p priors-env`;
//! figures go in BENCHMARKS.md. Figures only: nothing here asserts a speed.

use priors_core::{Condition, Outcome, Rules, World, parse_level};
use priors_env::{ActionSet, EnvConfig, ObsKind, VecEnv};

fn main() {
    divan::main();
}

const PRINCESS: &str = include_str!("../../../data/levels/princess.level");
const NUM_ENVS: usize = 16;
const STEPS: usize = 256;

fn env(obs: ObsKind) -> VecEnv {
    let cfg = EnvConfig {
        level: parse_level(PRINCESS, "princess").unwrap(),
        condition: Condition::original(),
        rules: Rules::agent(),
        obs,
        actions: ActionSet::Effective,
    };
    VecEnv::new(cfg, NUM_ENVS, 1).unwrap()
}

fn run(b: divan::Bencher, obs: ObsKind) {
    let mut v = env(obs);
    let mut acts = vec![0usize; NUM_ENVS];
    let mut k = 0usize;
    b.counter(divan::counter::ItemsCount::new(NUM_ENVS * STEPS))
        .bench_local(|| {
            for _ in 0..STEPS {
                for (i, a) in acts.iter_mut().enumerate() {
                    *a = (k * 7 + i * 3) % 18;
                }
                k += 1;
                divan::black_box(v.step(&acts).rewards[0]);
            }
        });
}

/// 16 envs x 256 steps, 84x84 grey pixels.
#[divan::bench]
fn vec_step_pixels_84(b: divan::Bencher) {
    run(
        b,
        ObsKind::Pixels {
            width: 84,
            height: 84,
        },
    );
}

/// 16 envs x 256 steps, 42x42 grey pixels.
#[divan::bench]
fn vec_step_pixels_42(b: divan::Bencher) {
    run(
        b,
        ObsKind::Pixels {
            width: 42,
            height: 42,
        },
    );
}

/// 16 envs x 256 steps, 7 x 16 x 16 object grid.
#[divan::bench]
fn vec_step_object_grid(b: divan::Bencher) {
    run(
        b,
        ObsKind::ObjectGrid {
            width: 16,
            height: 16,
        },
    );
}

/// 16 envs x 256 steps, 42x42 grey pixels by area averaging (the paper preset's observation).
#[divan::bench(sample_count = 30)]
fn vec_step_pixels_area_42(b: divan::Bencher) {
    run(
        b,
        ObsKind::PixelsArea {
            width: 42,
            height: 42,
        },
    );
}

/// The world states a 42x42 area-averaged batch goes through in `run` (one per env per step),
/// so the two breakdown cases below time the very work `vec_step_pixels_area_42` does.
fn trajectory() -> (priors_core::Level, Condition, Vec<World>) {
    let mut v = env(ObsKind::PixelsArea {
        width: 42,
        height: 42,
    });
    let mut worlds = Vec::new();
    let mut acts = vec![0usize; NUM_ENVS];
    for k in 0..STEPS {
        for (i, a) in acts.iter_mut().enumerate() {
            *a = (k * 7 + i * 3) % 18;
        }
        v.step(&acts);
        worlds.extend_from_slice(v.worlds());
    }
    let level = parse_level(PRINCESS, "princess").unwrap();
    (level, Condition::original(), worlds)
}

/// Breakdown, part 1: only the core ticks of the same batch (16 worlds, the same action pattern,
/// a finished world replaced by a fresh one as the env's auto-reset does), no observation and no
/// bookkeeping.
#[divan::bench(sample_count = 30)]
fn breakdown_core_step_only(b: divan::Bencher) {
    let level = parse_level(PRINCESS, "princess").unwrap();
    let rules = Rules::agent().with_ladder(Condition::original().mechanics.ladder);
    let set = ActionSet::Effective.actions();
    let mut worlds = vec![World::new(&level); NUM_ENVS];
    let mut k = 0usize;
    b.counter(divan::counter::ItemsCount::new(NUM_ENVS * STEPS))
        .bench_local(|| {
            for _ in 0..STEPS {
                for (i, w) in worlds.iter_mut().enumerate() {
                    let a = set[(k * 7 + i * 3) % 18];
                    divan::black_box(priors_core::step(&level, &rules, w, a));
                    if w.outcome != Outcome::Running {
                        *w = World::new(&level);
                    }
                }
                k += 1;
            }
        });
}

/// Breakdown, part 2: only the 42x42 area observations of those 4,096 states.
#[divan::bench(sample_count = 30)]
fn breakdown_area_observe_only(b: divan::Bencher) {
    let (level, condition, worlds) = trajectory();
    let r = priors_render::Renderer::new(&level, &condition).unwrap();
    let o = r.area_observer(42, 42);
    let mut out = vec![0u8; 42 * 42];
    b.counter(divan::counter::ItemsCount::new(worlds.len()))
        .bench_local(|| {
            for w in &worlds {
                o.observe(&r, divan::black_box(w), &mut out);
                divan::black_box(&mut out);
            }
        });
}
