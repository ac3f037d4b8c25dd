//! Core throughput: state-only ticks/s on princess and keydoor (no rendering), the BFS solver,
//! and allocations per step (counted by a global allocator wrapper; the target is 0).
//! Run with `cargo bench -p priors-core`; figures go in BENCHMARKS.md.

use priors_core::{Action, Rules, World, parse_level, step};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts allocations so a bench can report allocations per step.
struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);
// SAFETY-free wrapper: only forwards to the system allocator and counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

const PRINCESS: &str = include_str!("../../../data/levels/princess.level");
const KEYDOOR: &str = include_str!("../../../data/levels/keydoor.level");
const TICKS: usize = 10_000;

fn main() {
    // Allocations per step, measured once outside divan's timing.
    let clean = PRINCESS.replace("profile = \"released-2018\"", "profile = \"clean\"");
    for (name, text) in [
        ("princess", PRINCESS),
        ("princess-clean", clean.as_str()),
        ("keydoor", KEYDOOR),
    ] {
        let level = parse_level(text, name).unwrap();
        let rules = Rules::human(30);
        let mut w = World::new(&level);
        let before = ALLOCS.load(Ordering::Relaxed);
        for k in 0..TICKS {
            step(&level, &rules, &mut w, Action::EFFECTIVE[(k * 7) % 18]);
        }
        let n = ALLOCS.load(Ordering::Relaxed) - before;
        println!(
            "allocations per step ({name}, {TICKS} ticks, human rules): {}",
            n as f64 / TICKS as f64
        );
    }
    divan::main();
}

fn ticks(b: divan::Bencher, text: &str) {
    let level = parse_level(text, "bench").unwrap();
    let rules = Rules::human(30);
    let mut w = World::new(&level);
    let mut k = 0usize;
    b.counter(divan::counter::ItemsCount::new(TICKS))
        .bench_local(|| {
            for _ in 0..TICKS {
                k = k.wrapping_add(1);
                divan::black_box(step(
                    &level,
                    &rules,
                    &mut w,
                    Action::EFFECTIVE[(k * 7) % 18],
                ));
                if w.is_done() {
                    // The 30-minute limit ends the session; start a new one so every tick is real work.
                    w = World::new(&level);
                }
            }
        });
}

/// 10,000 ticks on princess, human rules (respawn), a fixed action pattern.
#[divan::bench]
fn ticks_princess(b: divan::Bencher) {
    ticks(b, PRINCESS);
}

/// 10,000 ticks on princess under the clean profile (the released profile's cost ratio).
#[divan::bench]
fn ticks_princess_clean(b: divan::Bencher) {
    ticks(
        b,
        &PRINCESS.replace("profile = \"released-2018\"", "profile = \"clean\""),
    );
}

/// 10,000 ticks on keydoor.
#[divan::bench]
fn ticks_keydoor(b: divan::Bencher) {
    ticks(b, KEYDOOR);
}

/// The optimal solver on princess.
#[divan::bench(sample_count = 5)]
fn solve_princess() {
    let level = parse_level(PRINCESS, "princess").unwrap();
    divan::black_box(priors_core::solve::solve(&level, &Rules::agent(), 10_000_000).unwrap());
}
