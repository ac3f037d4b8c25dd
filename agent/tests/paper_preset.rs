//! The paper preset does what the reference A3C + ICM code does (issue 14 item 2), checked on
//! the trainer itself, not on the preset's constants (those are pinned in
//! `priors_records::train`): one optimiser step per rollout segment, the LSTM policy, one Adam
//! for the policy and the predictor, the reference's initialisation, the loss scale, and a
//! run that learns the tiny corridor.

use priors_agent::config::{InitScheme, StopAt, UpdateRule};
use priors_agent::{Bonus, TileVecEnv, TrainConfig, Trainer};
use priors_core::{Action, Rules, parse_level};
use tch::Kind;

/// A 6-tile corridor: a few ticks of walking right reach the goal, so short rollouts hold
/// episode ends.
const SHORT: &str = "+++
name = \"short\"
tile_px = 15
tick_hz = 30
+++
#######
#P....Q
#######
";

fn env(n: usize, tick_limit: u32) -> TileVecEnv {
    let level = parse_level(SHORT, "short.level").unwrap();
    let rules = Rules {
        tick_limit: Some(tick_limit),
        ..Rules::agent()
    };
    TileVecEnv::new(level, rules, &Action::ORIGINAL_SIX, n)
}

fn paper(seed: u64) -> TrainConfig {
    TrainConfig {
        seed,
        num_envs: 4,
        frame_stack: 1,
        max_steps: 10_000,
        ..TrainConfig::paper()
    }
}

fn scalar(r: &priors_agent::trainer::UpdateReport, name: &str) -> Option<f64> {
    r.scalars
        .iter()
        .find(|(k, _)| *k == name)
        .unwrap_or_else(|| panic!("no scalar {name}"))
        .1
}

#[test]
fn one_optimiser_step_per_segment_of_at_most_twenty_steps() {
    // Episodes cut at 7 ticks: each env's 20-step rollout holds two or three episode ends, so
    // segments are shorter than 20 and more than one per env.
    let mut t = Trainer::new(paper(1), env(4, 7)).unwrap();
    for _ in 0..3 {
        let ended_before = t.progress().episodes;
        let r = t.update().unwrap();
        let ended = t.progress().episodes - ended_before;
        let steps = scalar(&r, "losses/optimizer_steps").unwrap() as u64;
        // Every env contributes one segment per episode end, plus one for the tail after its
        // last end (none when an episode ends exactly on the last step).
        assert!(
            steps >= ended && steps <= ended + 4,
            "{steps} steps for {ended} episode ends"
        );
        assert!(steps > 4, "more than one step per env");
        assert_eq!(r.episodes.len() as u64, ended);
    }
    // Without episode ends inside the rollout, one step per env: 20 env steps per Adam step.
    let mut t = Trainer::new(paper(1), env(4, 1000)).unwrap();
    let r = t.update().unwrap();
    if t.progress().episodes == 0 {
        assert_eq!(scalar(&r, "losses/optimizer_steps"), Some(4.0));
    }
}

#[test]
fn the_policy_is_an_lstm_and_the_predictor_shares_its_optimiser() {
    let mut t = Trainer::new(paper(2), env(4, 7)).unwrap();
    let vars = t.var_store().variables();
    let w = &vars["policy.core.weight_ih_l0"];
    assert_eq!(w.size()[0], 4 * 256, "LSTM(256)");
    let icm_before = vars["icm.forward.o.weight"].copy();
    let policy_before = vars["policy.actor.weight"].copy();
    t.update().unwrap();
    let vars = t.var_store().variables();
    assert!(
        !vars["icm.forward.o.weight"].equal(&icm_before),
        "the predictor learns in the one optimiser"
    );
    assert!(!vars["policy.actor.weight"].equal(&policy_before));
    assert!(
        !vars.keys().any(|k| k.contains("critic_int")),
        "one value head: reward and bonus share one stream"
    );
}

#[test]
fn reference_initialisation() {
    let t = Trainer::new(paper(3), env(4, 7)).unwrap();
    let vars = t.var_store().variables();
    let row_norms = |name: &str| {
        vars[name]
            .square()
            .sum_dim_intlist(1, false, Kind::Float)
            .sqrt()
    };
    let close = |name: &str, want: f64| {
        let n = row_norms(name);
        let (lo, hi) = (n.min().double_value(&[]), n.max().double_value(&[]));
        assert!(
            (lo - want).abs() < 1e-4 * want.max(1.0) && (hi - want).abs() < 1e-4 * want.max(1.0),
            "{name}: unit norms in [{lo}, {hi}], want {want}"
        );
    };
    close("policy.actor.weight", 0.01);
    close("policy.critic.weight", 1.0);
    close("icm.forward.o.weight", 0.01);
    close("icm.forward.h.weight", 0.01);
    close("icm.inverse.o.weight", 0.01);
    let fb = vars["policy.core.bias_ih_l0"].narrow(0, 256, 256);
    assert_eq!(fb.min().double_value(&[]), 1.0, "forget-gate bias 1");
    let ib = vars["policy.core.bias_ih_l0"].narrow(0, 0, 256);
    assert_eq!(ib.abs().max().double_value(&[]), 0.0);
    // The draws follow the variables' names, not hash-map order: the same seed, the same net.
    let again = Trainer::new(paper(3), env(4, 7)).unwrap();
    let again = again.var_store().variables();
    for (name, v) in &vars {
        assert!(
            v.equal(&again[name]),
            "{name} differs between two builds of seed 3"
        );
    }
    // The CleanRL scheme does not give these norms.
    let mut c = paper(3);
    c.init = InitScheme::Cleanrl;
    let t = Trainer::new(c, env(4, 7)).unwrap();
    let n = t.var_store().variables()["icm.forward.o.weight"]
        .square()
        .sum_dim_intlist(1, false, Kind::Float)
        .sqrt()
        .min()
        .double_value(&[]);
    assert!(n > 0.05, "default init is not near zero ({n})");
}

#[test]
fn the_loss_scale_multiplies_the_gradient() {
    // Same seed, same rollout, one env and no episode end: one segment, one optimiser step, whose
    // gradient norm before clipping scales with loss_scale (the ICM's gradient is clipped
    // separately and not part of this norm).
    let norm = |scale: f64| {
        let mut c = paper(4);
        c.num_envs = 1;
        c.loss_scale = scale;
        c.max_grad_norm = 1e9;
        let mut t = Trainer::new(c, env(1, 1000)).unwrap();
        let r = t.update().unwrap();
        scalar(&r, "losses/grad_norm").unwrap()
    };
    let (one, twenty) = (norm(1.0), norm(20.0));
    assert!(one > 0.0);
    assert!(
        (twenty / one - 20.0).abs() < 1e-3,
        "grad norm {twenty} vs {one}"
    );
}

#[test]
fn the_paper_preset_learns_the_short_corridor_and_stops_at_first_completion() {
    let mut c = paper(5);
    c.max_steps = 40_000;
    c.stop_at = Some(StopAt::First);
    assert_eq!(c.update, UpdateRule::A3c);
    assert_eq!(c.bonus, Bonus::Icm);
    let mut t = Trainer::new(c, env(4, 60)).unwrap();
    while !t.done() {
        t.update().unwrap();
    }
    let p = t.progress();
    let first = p.first_success_step.expect("reaches the goal");
    // It stops in the rollout that found the goal: no more than one rollout (4 x 20 steps) past.
    assert!(p.global_step - first < 80, "{} vs {first}", p.global_step);
}
