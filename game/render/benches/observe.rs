//! Observation and frame throughput, with an 84x84-byte memcpy beside them as the floor an
//! observation cannot beat (the observer copies a precomputed background of exactly that size),
//! and the area-averaged observation by its incremental path beside its full-render reference.
//! Run `cargo bench -p priors-render`; compare the ratios to memcpy within one run, not absolute
//! times across machines. Figures only: nothing here asserts a speed.

use divan::{Bencher, black_box};
use priors_core::{Action, Condition, Level, Rules, World, parse_condition, parse_level, step};
use priors_render::Renderer;

fn main() {
    divan::main();
}

const PRINCESS: &str = include_str!("../../../data/levels/princess.level");
const ORIGINAL: &str = include_str!("../../../data/conditions/original.toml");
const SIMILARITY: &str = include_str!("../../../data/conditions/masked-similarity.toml");
const HARD: &str = include_str!("../../../data/conditions/hard.toml");

/// Princess a few ticks in (the player mid-fall, the enemy alive): a typical frame.
fn setup(condition: &str) -> (Level, Condition, World) {
    let level = parse_level(PRINCESS, "princess.level").expect("shipped level parses");
    let condition = parse_condition(condition, "condition.toml").expect("shipped condition parses");
    let mut world = World::new(&level);
    for _ in 0..5 {
        step(
            &level,
            &Rules::agent(),
            &mut world,
            Action::from_bits(1).expect("left"),
        );
    }
    (level, condition, world)
}

#[divan::bench]
fn memcpy_84x84(bencher: Bencher) {
    let src = vec![7u8; 84 * 84];
    let mut dst = vec![0u8; 84 * 84];
    bencher.bench_local(|| {
        dst.copy_from_slice(black_box(&src));
        black_box(&mut dst);
    });
}

fn observe(bencher: Bencher, condition: &str) {
    let (level, condition, world) = setup(condition);
    let renderer = Renderer::new(&level, &condition).expect("renderer");
    let observer = renderer.observer(84, 84);
    let mut out = vec![0u8; 84 * 84];
    bencher.bench_local(|| {
        observer.observe(&renderer, black_box(&world), &mut out);
        black_box(&mut out);
    });
}

#[divan::bench]
fn observe_84x84_original(bencher: Bencher) {
    observe(bencher, ORIGINAL);
}

#[divan::bench]
fn observe_84x84_masked_similarity(bencher: Bencher) {
    observe(bencher, SIMILARITY);
}

/// 42 x 42 grey by nearest sampling, beside the same by area averaging (the paper preset's).
#[divan::bench]
fn observe_42x42_nearest_original(bencher: Bencher) {
    let (level, condition, world) = setup(ORIGINAL);
    let renderer = Renderer::new(&level, &condition).expect("renderer");
    let observer = renderer.observer(42, 42);
    let mut out = vec![0u8; 42 * 42];
    bencher.bench_local(|| {
        observer.observe(&renderer, black_box(&world), &mut out);
        black_box(&mut out);
    });
}

/// 42 x 42 grey by area averaging, incremental: the cached background observation plus the
/// output pixels under the player, enemy and key, recomputed.
#[divan::bench]
fn observe_42x42_area_original(bencher: Bencher) {
    area(bencher, ORIGINAL, false);
}

/// The same by the reference path (`observe_full`): a full frame render plus a separable box
/// filter over all of it. What `observe` did before issue 14.
#[divan::bench]
fn observe_42x42_area_full_original(bencher: Bencher) {
    area(bencher, ORIGINAL, true);
}

/// Incremental, under `hard` (textured sprites, placebo blocks, the view turned 180 degrees).
#[divan::bench]
fn observe_42x42_area_hard(bencher: Bencher) {
    area(bencher, HARD, false);
}

/// Reference path, under `hard`.
#[divan::bench]
fn observe_42x42_area_full_hard(bencher: Bencher) {
    area(bencher, HARD, true);
}

fn area(bencher: Bencher, condition: &str, full: bool) {
    let (level, condition, world) = setup(condition);
    let renderer = Renderer::new(&level, &condition).expect("renderer");
    let observer = renderer.area_observer(42, 42);
    let mut out = vec![0u8; 42 * 42];
    bencher.bench_local(|| {
        if full {
            observer.observe_full(&renderer, black_box(&world), &mut out);
        } else {
            observer.observe(&renderer, black_box(&world), &mut out);
        }
        black_box(&mut out);
    });
}

#[divan::bench]
fn render_230x230_original(bencher: Bencher) {
    let (level, condition, world) = setup(ORIGINAL);
    let renderer = Renderer::new(&level, &condition).expect("renderer");
    let mut frame = renderer.new_frame();
    bencher.bench_local(|| {
        renderer.render(black_box(&world), &mut frame);
        black_box(&mut frame);
    });
}

#[divan::bench]
fn build_renderer_masked_similarity(bencher: Bencher) {
    let (level, condition, _) = setup(SIMILARITY);
    bencher
        .bench_local(|| Renderer::new(black_box(&level), black_box(&condition)).expect("renderer"));
}
