//! End-to-end training on a tiny level over the core: PPO with the count bonus solves a corridor
//! that random actions almost never finish; seeded CPU runs write identical episodes.csv files;
//! checkpoints round-trip.

use priors_agent::run::{self, RunMeta, RunOptions};
use priors_agent::{Algo, Bonus, NetKind, TileVecEnv, TrainConfig, Trainer};
use priors_core::{Action, Level, Rules, parse_level};
use std::path::PathBuf;

/// A 20-tile corridor: the goal is 285 px to the right of the start, about 41 ticks of walking
/// right. Episodes are cut at 150 ticks; a random walk over the 18 actions drifts about 70 px in
/// that time, so random play almost never gets there.
const CORRIDOR: &str = "+++
name = \"corridor\"
tile_px = 15
tick_hz = 30
+++
######################
#P...................Q
######################
";

fn level() -> Level {
    parse_level(CORRIDOR, "corridor.level").unwrap()
}

fn rules() -> Rules {
    Rules {
        tick_limit: Some(150),
        ..Rules::agent()
    }
}

fn cfg(seed: u64, bonus: Bonus, max_steps: u64) -> TrainConfig {
    TrainConfig {
        algo: Algo::Ppo,
        bonus,
        seed,
        max_steps,
        num_envs: 8,
        num_steps: 64,
        net: NetKind::Mlp,
        hidden: 64,
        frame_stack: 1,
        learning_rate: 1e-3,
        gamma_ext: 0.99,
        count_beta: 0.1,
        reliable_window: 20,
        checkpoint_every: 1000,
        ..TrainConfig::default()
    }
}

fn env(n: usize) -> TileVecEnv {
    TileVecEnv::new(level(), rules(), &Action::EFFECTIVE, n)
}

fn meta() -> RunMeta {
    RunMeta {
        level: "corridor".into(),
        condition: "NA".into(),
        level_sha256: "NA".into(),
        condition_sha256: "NA".into(),
        obs: "tile_grid".into(),
        obs_width: 22,
        obs_height: 3,
        action_set: "effective".into(),
        preset: "ppo".into(),
        obs_filter: "nearest".into(),
        git_hash: "NA".into(),
        build_profile: "NA".into(),
        created_utc: "NA".into(),
    }
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-agent-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn ppo_with_count_bonus_solves_the_corridor() {
    let c = cfg(7, Bonus::Count, 120_000);
    let dir = tmp("solve");
    let s = run::train(
        meta(),
        c,
        env(8),
        &RunOptions {
            dir: dir.clone(),
            resume: false,
            progress: Some(false),
        },
    )
    .unwrap();
    eprintln!("{s:?}");
    assert!(s.steps_to_first_completion.is_some(), "{s:?}");
    assert!(
        s.steps_to_reliable_completion.is_some(),
        "never reliable: {s:?}"
    );
    for f in [
        "config.toml",
        "episodes.csv",
        "progress.csv",
        "summary.json",
        "checkpoint/model.ot",
        "checkpoint/state.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let progress = std::fs::read_to_string(dir.join("progress.csv")).unwrap();
    let header = progress.lines().next().unwrap();
    for col in [
        "global_step",
        "charts/SPS",
        "charts/learning_rate",
        "losses/policy_loss",
        "losses/approx_kl",
        "losses/int_value_loss",
    ] {
        assert!(header.split(',').any(|h| h == col), "{col} not in {header}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn random_actions_rarely_finish_the_corridor() {
    let mut c = cfg(7, Bonus::None, 20_000);
    c.algo = Algo::Random;
    let dir = tmp("random");
    let s = run::train(
        meta(),
        c,
        env(8),
        &RunOptions {
            dir: dir.clone(),
            resume: false,
            progress: Some(false),
        },
    )
    .unwrap();
    eprintln!("{s:?}");
    assert!(s.episodes > 100, "{s:?}");
    assert!((s.successes as f64) < 0.05 * s.episodes as f64, "{s:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seeded_cpu_runs_write_identical_episodes() {
    let mut outs = Vec::new();
    for k in 0..2 {
        let dir = tmp(&format!("repro{k}"));
        let mut c = cfg(11, Bonus::Count, 8 * 64 * 6);
        c.stop_on_reliable = false;
        run::train(
            meta(),
            c,
            env(8),
            &RunOptions {
                dir: dir.clone(),
                resume: false,
                progress: Some(false),
            },
        )
        .unwrap();
        outs.push(std::fs::read_to_string(dir.join("episodes.csv")).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(outs[0].lines().count() > 10, "{}", outs[0]);
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn checkpoint_round_trip_restores_weights_and_state() {
    let dir = tmp("ckpt");
    let mut a = Trainer::new(cfg(5, Bonus::Count, 100_000), env(8)).unwrap();
    a.update().unwrap();
    a.save(&dir).unwrap();
    let mut b = Trainer::new(cfg(6, Bonus::Count, 100_000), env(8)).unwrap();
    let differs = |a: &Trainer<TileVecEnv>, b: &Trainer<TileVecEnv>| {
        let (va, vb) = (a.var_store().variables(), b.var_store().variables());
        va.len() != vb.len()
            || va
                .iter()
                .any(|(k, t)| vb.get(k).is_none_or(|u| !t.equal(u)))
    };
    assert!(
        differs(&a, &b),
        "different seeds should give different weights"
    );
    b.load(&dir).unwrap();
    assert!(!differs(&a, &b), "weights differ after load");
    assert_eq!(a.progress(), b.progress());
    assert_eq!(a.distinct_hashes(), b.distinct_hashes());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resume_continues_a_run_to_its_budget() {
    let dir = tmp("resume");
    let opts = RunOptions {
        dir: dir.clone(),
        resume: false,
        progress: Some(false),
    };
    let mut c = cfg(3, Bonus::Count, 8 * 64 * 2);
    c.stop_on_reliable = false;
    run::train(meta(), c.clone(), env(8), &opts).unwrap();
    c.max_steps = 8 * 64 * 4;
    let s = run::train(
        meta(),
        c,
        env(8),
        &RunOptions {
            resume: true,
            ..opts
        },
    )
    .unwrap();
    assert_eq!(s.total_env_steps, 8 * 64 * 4);
    let progress = std::fs::read_to_string(dir.join("progress.csv")).unwrap();
    assert_eq!(progress.lines().count(), 1 + 4, "{progress}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn icm_and_rnd_produce_finite_losses_and_intrinsic_rewards() {
    for bonus in [Bonus::Icm, Bonus::Rnd] {
        let mut t = Trainer::new(cfg(2, bonus, 100_000), env(8)).unwrap();
        for _ in 0..2 {
            let r = t.update().unwrap();
            let get = |k: &str| {
                r.scalars
                    .iter()
                    .find(|(n, _)| *n == k)
                    .and_then(|(_, v)| *v)
            };
            let fwd = get("losses/forward_loss").unwrap_or(f64::NAN);
            let int = get("charts/mean_intrinsic_reward").unwrap_or(f64::NAN);
            assert!(
                fwd.is_finite() && fwd > 0.0,
                "{bonus:?}: forward loss {fwd}"
            );
            assert!(
                int.is_finite() && int > 0.0,
                "{bonus:?}: intrinsic reward {int}"
            );
            if bonus == Bonus::Icm {
                assert!(get("losses/inverse_loss").is_some_and(f64::is_finite));
            }
        }
    }
}
