//! Training through the real environment (`priors_env::VecEnv`: core + CPU renderer) on a tiny
//! corridor level, with pixel observations (the CNN) and with the object grid (the MLP).

use priors_agent::env_adapter::PriorsVecEnv;
use priors_agent::run::{self, RunMeta, RunOptions};
use priors_agent::{Bonus, NetKind, TrainConfig, VecEnvironment};
use priors_core::{Condition, Rules, parse_level};
use priors_env::{ActionSet, EnvConfig, ObsKind, VecEnv};

const CORRIDOR: &str = "+++
name = \"corridor\"
tile_px = 15
tick_hz = 30
+++
######################
#P...................Q
######################
";

fn env(obs: ObsKind, n: usize) -> PriorsVecEnv {
    let cfg = EnvConfig {
        level: parse_level(CORRIDOR, "corridor.level").unwrap(),
        condition: Condition::original(),
        rules: Rules {
            tick_limit: Some(150),
            ..Rules::agent()
        },
        obs,
        actions: ActionSet::Effective,
    };
    PriorsVecEnv::new(VecEnv::new(cfg, n, 0).unwrap())
}

fn meta(obs: &str) -> RunMeta {
    RunMeta {
        level: "corridor".into(),
        condition: "original".into(),
        level_sha256: "NA".into(),
        condition_sha256: "NA".into(),
        obs: obs.into(),
        obs_width: 42,
        obs_height: 42,
        action_set: "effective".into(),
        preset: "ppo".into(),
        obs_filter: "nearest".into(),
        git_hash: "NA".into(),
        build_profile: "NA".into(),
        created_utc: "NA".into(),
    }
}

fn solve(obs: ObsKind, net: NetKind, name: &str) -> priors_agent::Summary {
    let c = TrainConfig {
        bonus: Bonus::Count,
        seed: 4,
        max_steps: 150_000,
        num_envs: 8,
        num_steps: 64,
        net,
        hidden: 64,
        learning_rate: 1e-3,
        gamma_ext: 0.99,
        count_beta: 0.1,
        reliable_window: 20,
        checkpoint_every: 1000,
        ..TrainConfig::default()
    };
    let dir = std::env::temp_dir().join(format!("priors-agent-real-{}-{name}", std::process::id()));
    let s = run::train(
        meta(name),
        c,
        env(obs, 8),
        &RunOptions {
            dir: dir.clone(),
            resume: false,
            progress: Some(false),
        },
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{name}: {s:?}");
    s
}

#[test]
fn adapter_reports_shapes_and_episodes() {
    let mut e = env(
        ObsKind::Pixels {
            width: 42,
            height: 42,
        },
        2,
    );
    assert_eq!(e.obs_shape(), (1, 42, 42));
    assert_eq!(e.num_actions(), 18);
    assert_eq!(e.reset().len(), 2 * 42 * 42);
    // Walking right (action index 2 = right) reaches the goal in about 41 ticks.
    let mut ended = None;
    for _ in 0..60 {
        let t = e.step(&[2, 0]);
        if let Some(ep) = t.episodes[0] {
            ended = Some(ep);
            break;
        }
    }
    let ep = ended.expect("walking right should finish the corridor");
    assert!(
        ep.success && ep.ret == 1.0 && ep.death_cause.is_none(),
        "{ep:?}"
    );
}

#[test]
fn ppo_with_count_bonus_solves_the_corridor_from_pixels() {
    let s = solve(
        ObsKind::Pixels {
            width: 42,
            height: 42,
        },
        NetKind::Cnn,
        "pixels",
    );
    assert!(s.steps_to_reliable_completion.is_some(), "{s:?}");
}

#[test]
fn ppo_with_count_bonus_solves_the_corridor_from_the_object_grid() {
    let s = solve(
        ObsKind::ObjectGrid {
            width: 22,
            height: 3,
        },
        NetKind::Mlp,
        "object_grid",
    );
    assert!(s.steps_to_reliable_completion.is_some(), "{s:?}");
}

#[test]
fn a_repeated_action_keeps_episodes_in_ticks() {
    let obs = ObsKind::Pixels {
        width: 42,
        height: 42,
    };
    let mut e = env(obs, 2);
    assert!(e.set_action_repeat(4));
    e.reset();
    // Walking right reaches the goal on the same tick as without the repeat (about 41), in a
    // quarter of the steps; the last step takes what is left of it.
    let mut steps = 0;
    let (ep, last_ticks) = loop {
        steps += 1;
        let t = e.step(&[2, 0]);
        let ticks = t.ticks.expect("a repeating env reports its ticks");
        assert_eq!(ticks[1], 4, "the other env holds its no-op for 4 ticks");
        if let Some(ep) = t.episodes[0] {
            break (ep, ticks[0]);
        }
        assert_eq!(ticks[0], 4);
        assert!(steps < 60, "walking right should finish the corridor");
    };
    assert!(ep.success, "{ep:?}");
    assert_eq!(ep.length, 4 * (steps - 1) + last_ticks);
    assert!(ep.length > 30 && last_ticks <= 4, "{ep:?}, {last_ticks}");
    assert!(!e.set_action_repeat(0));
}

#[test]
fn env_steps_count_ticks_when_actions_repeat() {
    let obs = ObsKind::Pixels {
        width: 42,
        height: 42,
    };
    for repeat in [1, 3] {
        let c = TrainConfig {
            algo: priors_agent::Algo::Random,
            bonus: Bonus::None,
            num_envs: 2,
            num_steps: 8,
            max_steps: 16,
            action_repeat: repeat,
            ..TrainConfig::default()
        };
        let mut t = priors_agent::Trainer::new(c, env(obs, 2)).unwrap();
        t.update().unwrap();
        // 2 envs x 8 steps x `repeat` ticks: no episode of the corridor ends within 24 ticks
        // (the goal is about 41 ticks of walking away, the tick limit 150).
        assert_eq!(
            t.progress().global_step,
            2 * 8 * repeat as u64,
            "repeat {repeat}"
        );
    }
    // The stand-in env cannot hold an action: asking it to is an error, not a silent 1.
    let c = TrainConfig {
        num_envs: 2,
        num_steps: 8,
        action_repeat: 2,
        ..TrainConfig::default()
    };
    let tiles = priors_agent::TileVecEnv::new(
        parse_level(CORRIDOR, "corridor.level").unwrap(),
        Rules::agent(),
        &priors_core::Action::EFFECTIVE,
        2,
    );
    let err = match priors_agent::Trainer::new(c, tiles) {
        Ok(_) => panic!("a tile env with action_repeat = 2 must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("action_repeat = 2"), "{err}");
}
