//! Vector-env throughput: steps/s of a batch of envs with 84x84 pixel, 42x42 pixel and object-grid
//! observations on princess, driven by a fixed cyclic action pattern. Run with
//! `cargo bench -p priors-env`; figures go in BENCHMARKS.md.

use priors_core::{Condition, Rules, parse_level};
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
