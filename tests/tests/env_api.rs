//! The Gym-shaped env and the vector env: the solver's route earns the reward, episodes end and
//! auto-reset, observations are the renderer's, and conditions reach the agent's pixels.

use priors_catalog::{PAPER_CONDITIONS, load_condition, load_level};
use priors_core::solve::solve;
use priors_core::{Action, Rules};
use priors_env::{ActionSet, Env, EnvConfig, ObsKind, VecEnv};

fn cfg(level: &str, condition: &str, obs: ObsKind) -> EnvConfig {
    EnvConfig {
        level: load_level(level).unwrap().value,
        condition: load_condition(condition).unwrap().value,
        rules: Rules::agent(),
        obs,
        actions: ActionSet::Effective,
    }
}

fn index_of(a: Action) -> usize {
    Action::EFFECTIVE.iter().position(|&x| x == a).unwrap()
}

#[test]
fn solver_route_earns_exactly_one_reward_and_terminates() {
    let c = cfg(
        "princess",
        "original",
        ObsKind::Pixels {
            width: 84,
            height: 84,
        },
    );
    let route = solve(&c.level, &Rules::agent(), 10_000_000)
        .unwrap()
        .actions;
    let mut env = Env::new(c).unwrap();
    assert_eq!(env.reset(3).len(), 84 * 84);
    assert_eq!(env.seed(), 3);
    let mut total = 0.0;
    for (i, &a) in route.iter().enumerate() {
        let (_, r, term, trunc, info) = env.step(index_of(a));
        total += r;
        assert!(!trunc);
        if i + 1 < route.len() {
            assert!(!term, "ended early at {i}");
            assert!(info.episode.is_none());
        } else {
            assert!(term);
            let ep = info.episode.unwrap();
            assert!(ep.success);
            assert_eq!(ep.length as usize, route.len());
            assert_eq!(ep.ret, 1.0);
            assert!(ep.unique_positions > 10);
        }
    }
    assert_eq!(total, 1.0);
}

#[test]
fn vec_env_auto_resets_and_reports_the_finished_episode() {
    let c = cfg(
        "princess",
        "original",
        ObsKind::Pixels {
            width: 42,
            height: 42,
        },
    );
    let mut v = VecEnv::new(c, 3, 7).unwrap();
    let first: Vec<u8> = v.reset().to_vec();
    assert_eq!(first.len(), 3 * 42 * 42);
    // Env 0 walks right into the fire; envs 1 and 2 wait.
    let right = index_of("right".parse().unwrap());
    let mut died_at = None;
    for t in 0..60 {
        let s = v.step(&[right, 0, 0]);
        if s.terminated[0] {
            let ep = s.infos[0].episode.unwrap();
            assert_eq!(ep.death_cause, Some(priors_core::DeathCause::Fire));
            assert!(!ep.success);
            assert_eq!(ep.length, t + 1);
            // The slot now holds the first observation of the next episode.
            assert_eq!(&s.obs[..42 * 42], &first[..42 * 42]);
            died_at = Some(t);
            break;
        }
        assert!(!s.terminated[1] && !s.terminated[2]);
    }
    assert!(died_at.is_some());
    assert_eq!(v.worlds()[0].tick, 0, "env 0 was reset");
}

#[test]
fn episodes_are_cut_at_2000_ticks() {
    let c = cfg(
        "princess",
        "original",
        ObsKind::ObjectGrid {
            width: 16,
            height: 16,
        },
    );
    let mut v = VecEnv::new(c, 1, 0).unwrap();
    let mut cut = None;
    for t in 0..2100 {
        let s = v.step(&[0]);
        if s.truncated[0] {
            cut = Some(t + 1);
            assert!(s.infos[0].episode.unwrap().truncated);
            break;
        }
    }
    assert_eq!(cut, Some(2000));
}

#[test]
fn object_grid_marks_the_player_and_ignores_visual_conditions() {
    let a = cfg(
        "princess",
        "original",
        ObsKind::ObjectGrid {
            width: 16,
            height: 16,
        },
    );
    let b = cfg(
        "princess",
        "masked-similarity",
        ObsKind::ObjectGrid {
            width: 16,
            height: 16,
        },
    );
    let mut ea = Env::new(a).unwrap();
    let mut eb = Env::new(b).unwrap();
    let oa = ea.reset(0).to_vec();
    let ob = eb.reset(0).to_vec();
    assert_eq!(oa, ob);
    assert_eq!(ea.obs_shape(), (7, 16, 16));
    let player = &oa[6 * 256..7 * 256];
    assert!(player.contains(&255));
    // 16 cells of 14.375 px over the 230 px view: the player (x 114..126, y 182.5..197.5 px at
    // the start) overlaps columns 7-8 and rows 12-13.
    let marked: Vec<usize> = (0..256).filter(|&i| player[i] == 255).collect();
    assert_eq!(
        marked,
        vec![12 * 16 + 7, 12 * 16 + 8, 13 * 16 + 7, 13 * 16 + 8]
    );
    let solid = &oa[..256];
    // The floor (210..225 px) overlaps rows 14 (201.25..215.6 px) and 15.
    assert_eq!(solid[14 * 16 + 4], 255, "the floor is solid");
    assert_eq!(solid[15 * 16 + 4], 255);
    assert_eq!(solid[11 * 16 + 4], 0, "row 11 (158.1..172.5 px) is air");
}

#[test]
fn every_condition_reaches_the_agents_pixels() {
    let base = {
        let mut e = Env::new(cfg(
            "princess",
            "original",
            ObsKind::Pixels {
                width: 84,
                height: 84,
            },
        ))
        .unwrap();
        e.reset(0).to_vec()
    };
    for c in PAPER_CONDITIONS.iter().filter(|c| **c != "original") {
        let mut e = Env::new(cfg(
            "princess",
            c,
            ObsKind::Pixels {
                width: 84,
                height: 84,
            },
        ))
        .unwrap();
        let o = e.reset(0).to_vec();
        let changed = o.iter().zip(&base).filter(|(a, b)| a != b).count();
        // changed-ladder and reversed-keys change mechanics or controls, not pixels.
        if ["changed-ladder", "reversed-keys"].contains(c) {
            assert_eq!(changed, 0, "{c} should look like original");
        } else {
            assert!(
                changed > 50,
                "{c}: only {changed} of 7056 pixels differ from original"
            );
        }
    }
}
