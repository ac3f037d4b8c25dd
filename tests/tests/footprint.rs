//! The count bonus's input (issue 14): the *footprint*, the pixels of an observation that differ
//! from the condition's static background. It must resolve the player's moves alike under every
//! condition, so that across conditions the bonus measures the priors and not each condition's
//! background texture: on one fixed trajectory, the number of distinct footprints is the same
//! under every condition up to what the masking itself changes (sprites drawn as blocks cover a
//! few more or fewer pixels), while the number of distinct whole observations, which the old
//! hash saw, is not what is compared here.

use priors_catalog as catalog;
use priors_core::{Rules, rng::SplitMix64};
use priors_env::{ActionSet, EnvConfig, ObsKind, VecEnv};
use std::collections::HashSet;

/// Distinct footprints and distinct observations along `steps` seeded random actions.
fn distinct(condition: &str, steps: usize) -> (usize, usize) {
    let cfg = EnvConfig {
        level: catalog::load_level("princess").unwrap().value,
        condition: catalog::load_condition(condition).unwrap().value,
        rules: Rules::agent(),
        obs: ObsKind::PixelsArea {
            width: 42,
            height: 42,
        },
        actions: ActionSet::Six,
    };
    let mut env = VecEnv::new(cfg, 1, 0).unwrap();
    let bg = env.background_observation().to_vec();
    env.reset();
    let mut rng = SplitMix64::new(7);
    let (mut feet, mut obs) = (HashSet::new(), HashSet::new());
    for _ in 0..steps {
        let a = (rng.next_u64() % 6) as usize;
        let o = env.step(&[a]).obs.to_vec();
        let fp: Vec<bool> = o.iter().zip(&bg).map(|(x, b)| x != b).collect();
        feet.insert(fp);
        obs.insert(o);
    }
    (feet.len(), obs.len())
}

#[test]
fn footprints_resolve_moves_alike_under_every_condition() {
    let names = catalog::condition_names().unwrap();
    let (base, base_obs) = distinct("original", 3000);
    assert!(
        base > 300,
        "the footprint resolves the player's moves: {base}"
    );
    for name in &names {
        let (f, o) = distinct(name, 3000);
        eprintln!("{name:24} distinct footprints {f:5}  distinct observations {o:5}");
        match name.as_str() {
            // Keys and view rotation change no pixel's membership: exactly the same footprints.
            "reversed-keys" | "rotated-gravity" => assert_eq!(f, base, "{name}"),
            // The zigzag ladder changes the trajectory itself.
            "changed-ladder" => {}
            // Masking redraws the sprites: a flat block has no facing, so left and right
            // stop differing (at most the factor two of facing), and textures cannot add any.
            _ => assert!(
                f <= base * 11 / 10 && f * 2 >= base,
                "{name}: {f} footprints against {base} (observations: {o} vs {base_obs})"
            ),
        }
    }
}
