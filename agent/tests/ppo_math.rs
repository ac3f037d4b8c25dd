//! GAE and the PPO losses against values computed by hand (the arithmetic is in the comments).

use priors_agent::ppo::{entropy, gae, log_prob, policy_loss, value_loss};
use tch::Tensor;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-5, "{a} != {b}");
}

/// `got` has exactly `want`'s length and each value is close to its counterpart.
fn all_close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} != {want:?}");
    for (a, b) in got.iter().zip(want) {
        close(*a as f64, *b);
    }
}

fn scalar(t: &Tensor) -> f64 {
    t.double_value(&[])
}

#[test]
fn gae_matches_hand_computation() {
    // Two envs, two steps, time-major: index t * 2 + env. gamma 0.9, lambda 0.8.
    // env 0: r = [1, 0], v = [0.5, 0.2], step 1 ends the episode (last value 9 is ignored).
    //   t=1: delta = 0 - 0.2 = -0.2                      -> A = -0.2
    //   t=0: delta = 1 + 0.9 * 0.2 - 0.5 = 0.68          -> A = 0.68 + 0.72 * -0.2 = 0.536
    // env 1: r = [0, 1], v = [0, 0], no end, last value 1.
    //   t=1: delta = 1 + 0.9 * 1 - 0 = 1.9               -> A = 1.9
    //   t=0: delta = 0                                   -> A = 0.72 * 1.9 = 1.368
    let rewards = [1.0, 0.0, 0.0, 1.0];
    let values = [0.5, 0.0, 0.2, 0.0];
    let done = [false, false, true, false];
    let (adv, ret) = gae(&rewards, &values, &done, &[9.0, 1.0], 2, 0.9, 0.8);
    all_close(&adv, &[0.536, 1.368, -0.2, 1.9]);
    all_close(&ret, &[1.036, 1.368, 0.0, 1.9]);
}

#[test]
fn gae_with_lambda_one_is_the_discounted_return_minus_value() {
    // lambda = 1: A_t = sum_k gamma^k r_{t+k} + gamma^T V_T - V_t.
    let (adv, _) = gae(
        &[1.0, 1.0, 1.0],
        &[0.3, 0.2, 0.1],
        &[false; 3],
        &[2.0],
        1,
        0.5,
        1.0,
    );
    assert_eq!(adv.len(), 3, "{adv:?}");
    close(adv[0] as f64, 1.0 + 0.5 + 0.25 + 0.125 * 2.0 - 0.3);
    close(adv[2] as f64, 1.0 + 0.5 * 2.0 - 0.1);
}

#[test]
fn clipped_policy_loss_matches_hand_computation() {
    // old log-prob 0; ratios 1.5, 0.5, 1.1; advantages 1, -1, 2; clip 0.2.
    // sample 1: max(-1.5, -1.2) = -1.2   (clipped: no credit beyond 1.2)
    // sample 2: max(0.5, 0.8)   = 0.8    (clipped: the pessimistic side)
    // sample 3: max(-2.2, -2.2) = -2.2   (inside the clip range)
    // loss = (-1.2 + 0.8 - 2.2) / 3; clipfrac = 2/3
    // approx_kl = mean((r - 1) - ln r); old_approx_kl = mean(-ln r)
    let r = [1.5f64, 0.5, 1.1];
    let new_lp = Tensor::from_slice(&r.map(|x| x.ln() as f32));
    let old_lp = Tensor::from_slice(&[0f32; 3]);
    let adv = Tensor::from_slice(&[1f32, -1.0, 2.0]);
    let l = policy_loss(&new_lp, &old_lp, &adv, 0.2);
    close(scalar(&l.loss), (-1.2 + 0.8 - 2.2) / 3.0);
    close(scalar(&l.clipfrac), 2.0 / 3.0);
    close(
        scalar(&l.approx_kl),
        r.iter().map(|x| (x - 1.0) - x.ln()).sum::<f64>() / 3.0,
    );
    close(
        scalar(&l.old_approx_kl),
        r.iter().map(|x| -x.ln()).sum::<f64>() / 3.0,
    );
}

#[test]
fn policy_loss_gradient_vanishes_outside_the_clip() {
    // Ratio 1.5 with a positive advantage is clipped: no gradient flows to the new log-prob.
    let new_lp = Tensor::from_slice(&[1.5f32.ln(), 1.1f32.ln()]).set_requires_grad(true);
    let l = policy_loss(
        &new_lp,
        &Tensor::from_slice(&[0f32, 0.0]),
        &Tensor::from_slice(&[1f32, 1.0]),
        0.2,
    );
    l.loss.backward();
    let g = Vec::<f32>::try_from(new_lp.grad()).unwrap();
    close(g[0] as f64, 0.0);
    // d/dlp of -A * exp(lp) / 2 at ratio 1.1 = -1.1 / 2.
    close(g[1] as f64, -0.55);
}

#[test]
fn value_loss_clipped_and_unclipped() {
    // new [1, 3], old [0, 2.9], returns [2, 3], clip 0.5.
    // sample 1: unclipped (1-2)^2 = 1; clipped value 0 + 0.5 -> (0.5-2)^2 = 2.25; max 2.25
    // sample 2: unclipped 0; clipped value 2.9 + 0.1 = 3 -> 0; max 0
    let new_v = Tensor::from_slice(&[1f32, 3.0]);
    let old_v = Tensor::from_slice(&[0f32, 2.9]);
    let ret = Tensor::from_slice(&[2f32, 3.0]);
    close(
        scalar(&value_loss(&new_v, &old_v, &ret, Some(0.5))),
        0.5 * (2.25 + 0.0) / 2.0,
    );
    close(
        scalar(&value_loss(&new_v, &old_v, &ret, None)),
        0.5 * (1.0 + 0.0) / 2.0,
    );
}

#[test]
fn entropy_and_log_prob_of_known_distributions() {
    let logits = Tensor::from_slice(&[0f32, 0.0, 0.0, 0.0, 2f32.ln()])
        .view([-1, 1])
        .view([1, 5]);
    // p = [1,1,1,1,2]/6
    let lp = log_prob(&logits, &Tensor::from_slice(&[4i64]));
    close(scalar(&lp.squeeze()), (2.0f64 / 6.0).ln());
    let h: f64 = -(4.0 * (1.0 / 6.0) * (1.0f64 / 6.0).ln() + (2.0 / 6.0) * (2.0f64 / 6.0).ln());
    close(scalar(&entropy(&logits)), h);
}

/// The paper preset runs PPO with one epoch over one minibatch: on that single step the ratio is
/// exactly 1, the clip is inactive, and the gradient is A2C's, -mean(A * grad log pi).
#[test]
fn one_unclipped_ppo_step_has_the_a2c_gradient() {
    let logits = Tensor::from_slice(&[0.3f32, -1.2, 0.8, 0.0, 2.0, -0.5])
        .view([2, 3])
        .set_requires_grad(true);
    let actions = Tensor::from_slice(&[2i64, 0]);
    let adv = Tensor::from_slice(&[1.5f32, -0.7]);
    let lp = log_prob(&logits, &actions);
    let ppo = policy_loss(&lp, &lp.detach(), &adv, 0.1).loss;
    let g_ppo = Tensor::run_backward(&[ppo], &[&logits], true, false).remove(0);
    let lp = log_prob(&logits, &actions);
    let a2c = -(lp * &adv).mean(tch::Kind::Float);
    let g_a2c = Tensor::run_backward(&[a2c], &[&logits], false, false).remove(0);
    let (p, a) = (
        Vec::<f32>::try_from(g_ppo.flatten(0, -1)).unwrap(),
        Vec::<f32>::try_from(g_a2c.flatten(0, -1)).unwrap(),
    );
    let a: Vec<f64> = a.iter().map(|&v| v as f64).collect();
    all_close(&p, &a);
    assert!(a.iter().any(|v| v.abs() > 1e-3), "a non-trivial gradient");
}
