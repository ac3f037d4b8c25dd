//! The PPO pieces that have a right answer you can compute by hand: generalised advantage
//! estimation, the clipped policy loss, the (optionally clipped) value loss, and the running
//! statistics used to normalise intrinsic rewards. Formulas follow CleanRL's `ppo_atari.py` and
//! `ppo_rnd_envpool.py` line for line; the training loop that uses them is [`crate::trainer`].
//!
//! Layout convention: rollout arrays are time-major, index `t * num_envs + env`.

use tch::{Kind, Tensor};

/// Generalised advantage estimation (Schulman et al. 2016).
///
/// `done[t * n + e]` is true when step `t` of env `e` ended its episode (goal, death or cut), so
/// nothing after it is bootstrapped; pass all false for a non-episodic stream (the intrinsic
/// one). `last_value[e]` is the value of the observation after the last step. Returns
/// `(advantages, returns)` with `returns = advantages + values`.
pub fn gae(
    rewards: &[f32],
    values: &[f32],
    done: &[bool],
    last_value: &[f32],
    num_envs: usize,
    gamma: f64,
    lambda: f64,
) -> (Vec<f32>, Vec<f32>) {
    let len = rewards.len();
    assert!(
        values.len() == len
            && done.len() == len
            && last_value.len() == num_envs
            && len.is_multiple_of(num_envs)
    );
    let steps = len / num_envs;
    let mut adv = vec![0f32; len];
    for (e, &last) in last_value.iter().enumerate() {
        let mut last_gae = 0f64;
        for t in (0..steps).rev() {
            let i = t * num_envs + e;
            let next_value = if t + 1 == steps {
                last
            } else {
                values[i + num_envs]
            } as f64;
            let nonterminal = if done[i] { 0.0 } else { 1.0 };
            let delta = rewards[i] as f64 + gamma * next_value * nonterminal - values[i] as f64;
            last_gae = delta + gamma * lambda * nonterminal * last_gae;
            adv[i] = last_gae as f32;
        }
    }
    let ret = adv.iter().zip(values).map(|(a, v)| a + v).collect();
    (adv, ret)
}

/// Scalars of one policy-loss evaluation.
#[derive(Debug)]
pub struct PolicyLoss {
    /// The clipped surrogate loss (to minimise).
    pub loss: Tensor,
    /// `mean(-log ratio)`: the naive KL estimate.
    pub old_approx_kl: Tensor,
    /// `mean((ratio - 1) - log ratio)`: the unbiased, low-variance KL estimate (Schulman's k3).
    pub approx_kl: Tensor,
    /// Fraction of samples whose ratio left `[1 - clip, 1 + clip]`.
    pub clipfrac: Tensor,
}

/// PPO's clipped surrogate: `mean(max(-A r, -A clip(r, 1 - c, 1 + c)))` with `r = exp(new - old)`.
pub fn policy_loss(
    new_logprob: &Tensor,
    old_logprob: &Tensor,
    adv: &Tensor,
    clip_coef: f64,
) -> PolicyLoss {
    let logratio = new_logprob - old_logprob;
    let ratio = logratio.exp();
    let (old_approx_kl, approx_kl, clipfrac) = tch::no_grad(|| {
        (
            (-&logratio).mean(Kind::Float),
            ((&ratio - 1.0) - &logratio).mean(Kind::Float),
            (&ratio - 1.0)
                .abs()
                .gt(clip_coef)
                .to_kind(Kind::Float)
                .mean(Kind::Float),
        )
    });
    let pg1 = -adv * &ratio;
    let pg2 = -adv * ratio.clamp(1.0 - clip_coef, 1.0 + clip_coef);
    PolicyLoss {
        loss: pg1.maximum(&pg2).mean(Kind::Float),
        old_approx_kl,
        approx_kl,
        clipfrac,
    }
}

/// Value loss `0.5 * mean((v - R)^2)`, or with `clip = Some(c)` PPO2's pessimistic clipped form
/// `0.5 * mean(max((v - R)^2, (v_old + clip(v - v_old, -c, c) - R)^2))`.
pub fn value_loss(
    new_value: &Tensor,
    old_value: &Tensor,
    returns: &Tensor,
    clip: Option<f64>,
) -> Tensor {
    let unclipped = (new_value - returns).square();
    match clip {
        Some(c) => {
            let clipped = old_value + (new_value - old_value).clamp(-c, c);
            let clipped = (clipped - returns).square();
            unclipped.maximum(&clipped).mean(Kind::Float) * 0.5
        }
        None => unclipped.mean(Kind::Float) * 0.5,
    }
}

/// Mean entropy of categorical distributions given by logits `[B, A]`.
pub fn entropy(logits: &Tensor) -> Tensor {
    let logp = logits.log_softmax(-1, Kind::Float);
    (-(logp.exp() * logp).sum_dim_intlist(-1, false, Kind::Float)).mean(Kind::Float)
}

/// Log-probabilities of `actions` (`[B]`, int64) under logits `[B, A]`.
pub fn log_prob(logits: &Tensor, actions: &Tensor) -> Tensor {
    logits
        .log_softmax(-1, Kind::Float)
        .gather(1, &actions.unsqueeze(-1), false)
        .squeeze_dim(-1)
}

/// Normalises advantages to zero mean and unit standard deviation (CleanRL's `norm_adv`).
pub fn normalize(adv: &Tensor) -> Tensor {
    (adv - adv.mean(Kind::Float)) / (adv.std(true) + 1e-8)
}

/// Running mean and variance over batches (Chan et al.'s parallel update; CleanRL's
/// `RunningMeanStd`, one scalar).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunningMeanStd {
    /// Running mean.
    pub mean: f64,
    /// Running (population) variance.
    pub var: f64,
    /// Effective sample count (starts at 1e-4 as in CleanRL).
    pub count: f64,
}

impl Default for RunningMeanStd {
    fn default() -> Self {
        RunningMeanStd {
            mean: 0.0,
            var: 1.0,
            count: 1e-4,
        }
    }
}

impl RunningMeanStd {
    /// Folds a batch of samples in.
    pub fn update(&mut self, xs: &[f32]) {
        if xs.is_empty() {
            return;
        }
        let n = xs.len() as f64;
        let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        let delta = mean - self.mean;
        let tot = self.count + n;
        let m2 = self.var * self.count + var * n + delta * delta * self.count * n / tot;
        self.mean += delta * n / tot;
        self.var = m2 / tot;
        self.count = tot;
    }
    /// Standard deviation.
    pub fn std(&self) -> f64 {
        self.var.sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_mean_std_matches_batch_statistics() {
        let mut r = RunningMeanStd {
            mean: 0.0,
            var: 0.0,
            count: 0.0,
        };
        r.update(&[1.0, 2.0, 3.0]);
        r.update(&[4.0, 5.0]);
        assert!((r.mean - 3.0).abs() < 1e-9);
        assert!((r.var - 2.0).abs() < 1e-9, "{}", r.var);
    }
}
