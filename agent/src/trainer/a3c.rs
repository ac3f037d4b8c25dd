//! The reference A3C update (`update = "a3c"`, the paper preset): the arithmetic of Pathak et
//! al.'s `noreward-rl` (`src/a3c.py`, `src/model.py`), which Dubey et al. 2018 trained on the
//! released game, read line by line and written here for a synchronous batch.
//!
//! - Rollouts: every env steps `num_steps` (20) times with the LSTM policy; each env's rollout is
//!   cut at its episode ends into *segments* (a3c.py's `env_runner` yields a rollout at
//!   `ROLLOUT_MAXLEN` steps or at the episode's end), and each segment takes one optimiser step,
//!   env after env (A3C's workers take theirs asynchronously; here they are sequential segments
//!   of one synchronous batch, so a later segment's advantages were computed with weights a few
//!   steps old, as an A3C worker's are).
//! - Returns: reward + `icm_eta` x the ICM's forward error, clipped to [-1, 1]
//!   (`process_rollout`), discounted with the bootstrap value of the state after the segment
//!   (0 after an episode's end); advantages with lambda 1 (`discount(delta_t, gamma * lambda)`,
//!   which is return minus value).
//! - Losses: `pi = -mean(log pi(a) * adv)`, `vf = 0.5 * mean((v - R)^2)`, `H = mean entropy`,
//!   `loss = pi + vf_coef * vf - ent_coef * H`, times `loss_scale` (20); the predictor's
//!   `icm_loss_scale * ((1 - beta) * inverse + beta * forward)` (10 x), times `loss_scale` too;
//!   the two gradients clipped separately to `max_grad_norm` (40) and applied by one Adam.
//! - The LSTM runs over the segment from the memory at its first step (`dynamic_rnn` from
//!   `features[0]`); memory is reset at every episode end.
//!
//! What this does not reproduce is listed in README ("Training the agent").

use super::*;

/// One env's slice of a rollout, `t0..=t1`, that takes one optimiser step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The env.
    pub env: usize,
    /// First step (inclusive).
    pub t0: usize,
    /// Last step (inclusive).
    pub t1: usize,
    /// Whether the episode ended on `t1` (no bootstrap).
    pub terminal: bool,
}

/// Cuts each env's rollout at its episode ends: `done[e * steps + t]` (env-major). Segments come
/// env by env, in time order, and cover every step exactly once.
pub(crate) fn segments(done: &[bool], num_envs: usize, steps: usize) -> Vec<Segment> {
    assert_eq!(
        done.len(),
        num_envs * steps,
        "done flags of the whole rollout"
    );
    let mut out = Vec::new();
    for env in 0..num_envs {
        let mut t0 = 0;
        for t in 0..steps {
            let d = done[env * steps + t];
            if d || t + 1 == steps {
                out.push(Segment {
                    env,
                    t0,
                    t1: t,
                    terminal: d,
                });
                t0 = t + 1;
            }
        }
    }
    out
}

/// How many of a segment's transitions the predictor learns from: all of them when the frame an
/// episode ended in is kept (`final_transition`), else all but the one into the episode's end.
pub(crate) fn icm_transitions(seg: Segment, final_transition: bool) -> usize {
    let len = seg.t1 - seg.t0 + 1;
    if seg.terminal && !final_transition {
        len - 1
    } else {
        len
    }
}

/// Discounted returns of one segment's (already clipped) rewards, bootstrapped from `last`.
pub(crate) fn discounted(rewards: &[f32], last: f32, gamma: f64) -> Vec<f32> {
    let mut out = vec![0f32; rewards.len()];
    let mut acc = last as f64;
    for (o, &r) in out.iter_mut().zip(rewards).rev() {
        acc = r as f64 + gamma * acc;
        *o = acc as f32;
    }
    out
}

/// What the A3C rollout keeps, env-major: index `env * num_steps + t`.
#[derive(Debug, Default)]
struct A3cRollout {
    obs: Vec<u8>,
    next: Vec<u8>,
    actions: Vec<i64>,
    values: Vec<f32>,
    r_ext: Vec<f32>,
    dones: Vec<bool>,
    /// The memory before each step, time-major: `memory[t]` is `[1, num_envs, cells]` twice.
    memory: Vec<(Tensor, Tensor)>,
    /// Values after the last step, per env.
    last: Vec<f32>,
    episodes: Vec<EpisodeRow>,
}

impl<E: VecEnvironment> Trainer<E> {
    /// One reference A3C update: the rollout, the bonus, then one optimiser step per segment.
    pub(super) fn update_a3c(&mut self) -> Result<UpdateReport, TrainError> {
        let lr = self.cfg.lr_at(self.progress.global_step);
        self.clock = Phases::default();
        // ALGO LOGIC: rollout with the recurrent policy
        let ro = self.a3c_rollout()?;
        // ALGO LOGIC: reward + bonus, clipped (process_rollout)
        let t = Instant::now();
        let bonus = match &self.icm {
            Some(icm) => self.a3c_bonus(icm, &ro)?,
            None => vec![0.0; ro.actions.len()],
        };
        self.clock.bonus += t.elapsed().as_secs_f64();
        let raw_int_mean = bonus.iter().map(|&x| x as f64).sum::<f64>() / bonus.len() as f64;
        let clip = self.cfg.reward_clip.unwrap_or(f64::INFINITY) as f32;
        let rewards: Vec<f32> = ro
            .r_ext
            .iter()
            .zip(&bonus)
            .map(|(r, b)| (r + b).clamp(-clip, clip))
            .collect();
        // ALGO LOGIC: one optimiser step per segment
        let steps = self.cfg.num_steps;
        let mut sums = LossMeans::default();
        let (mut all_ret, mut all_v) = (Vec::new(), Vec::new());
        for seg in segments(&ro.dones, self.cfg.num_envs, steps) {
            let base = seg.env * steps;
            let range = base + seg.t0..base + seg.t1 + 1;
            let last = if seg.terminal { 0.0 } else { ro.last[seg.env] };
            let ret = discounted(&rewards[range.clone()], last, self.cfg.gamma_ext);
            let losses = self.a3c_step(&ro, seg, &ret, lr)?;
            sums.add(&losses);
            all_ret.extend_from_slice(&ret);
            all_v.extend_from_slice(&ro.values[range]);
        }
        self.progress.update += 1;
        let mut scalars = self.scalars(lr, Some(raw_int_mean));
        scalars.extend(
            sums.mean()
                .scalars(&self.cfg, explained_variance(&all_ret, &all_v)),
        );
        scalars.push(("losses/optimizer_steps", Some(sums.count as f64)));
        scalars.extend(self.clock.scalars());
        Ok(UpdateReport {
            episodes: ro.episodes,
            scalars,
        })
    }

    /// `icm_eta` x the ICM's forward error of every transition of the rollout, without
    /// gradients. Each env's frames are consecutive, so the rollout's `steps + 1` frames per env
    /// are encoded once; a transition into an episode's end goes to the frame the episode ended
    /// in (`final_transition`, encoded as an extra frame unless it is the rollout's last), or
    /// is masked to 0 without it (the frame after it is then the next episode's first).
    fn a3c_bonus(&self, icm: &Icm, ro: &A3cRollout) -> Result<Vec<f32>, TrainError> {
        let (n, steps) = (self.cfg.num_envs, self.cfg.num_steps);
        let in_len = self.input.0 * self.input.1 * self.input.2;
        let keep_final = self.cfg.final_transition;
        let mut frames = Vec::with_capacity(n * (steps + 1) * in_len);
        for e in 0..n {
            frames.extend_from_slice(&ro.obs[e * steps * in_len..(e + 1) * steps * in_len]);
            let last = (e + 1) * steps - 1;
            frames.extend_from_slice(&ro.next[last * in_len..(last + 1) * in_len]);
        }
        let mut before = Vec::with_capacity(n * steps);
        let mut after = Vec::with_capacity(n * steps);
        let mut extra = n * (steps + 1);
        for e in 0..n {
            for t in 0..steps {
                let i = e * steps + t;
                before.push((e * (steps + 1) + t) as i64);
                if keep_final && ro.dones[i] && t + 1 < steps {
                    frames.extend_from_slice(&ro.next[i * in_len..(i + 1) * in_len]);
                    after.push(extra as i64);
                    extra += 1;
                } else {
                    after.push((e * (steps + 1) + t + 1) as i64);
                }
            }
        }
        let x = to_input(&frames, extra, self.input, self.device);
        let actions = Tensor::from_slice(&ro.actions).to_device(self.device);
        let before = Tensor::from_slice(&before).to_device(self.device);
        let after = Tensor::from_slice(&after).to_device(self.device);
        let forward = tch::no_grad(|| {
            let phi = icm.features(&x);
            icm.terms_of_features(
                &phi.index_select(0, &before),
                &phi.index_select(0, &after),
                &actions,
            )
            .forward
        });
        let mut out = floats(&forward, "ICM forward errors")?;
        for (x, &d) in out.iter_mut().zip(&ro.dones) {
            *x = if d && !keep_final {
                0.0
            } else {
                self.cfg.icm_eta as f32 * *x
            };
        }
        Ok(out)
    }

    /// Steps every env `num_steps` times, keeping observations env-major and the memory before
    /// each step.
    fn a3c_rollout(&mut self) -> Result<A3cRollout, TrainError> {
        let (n, steps) = (self.cfg.num_envs, self.cfg.num_steps);
        let in_len = self.stack.len() / n;
        let batch = n * steps;
        let mut ro = A3cRollout {
            obs: vec![0; batch * in_len],
            next: vec![
                0;
                if self.icm.is_some() {
                    batch * in_len
                } else {
                    0
                }
            ],
            actions: vec![0; batch],
            values: vec![0.0; batch],
            r_ext: vec![0.0; batch],
            dones: vec![false; batch],
            ..A3cRollout::default()
        };
        let mut rewards = Vec::with_capacity(n);
        for t in 0..steps {
            let m = self
                .memory
                .as_ref()
                .expect("a recurrent policy has a memory");
            ro.memory
                .push((m.0.0.shallow_clone(), m.0.1.shallow_clone()));
            for e in 0..n {
                let i = e * steps + t;
                ro.obs[i * in_len..(i + 1) * in_len]
                    .copy_from_slice(&self.stack[e * in_len..(e + 1) * in_len]);
            }
            let clock = Instant::now();
            let (a, _, v, _) = self.act(false)?;
            self.clock.policy += clock.elapsed().as_secs_f64();
            rewards.clear();
            let done = self.step_envs(&a, &mut rewards, &mut ro.episodes);
            for e in 0..n {
                let i = e * steps + t;
                ro.actions[i] = a[e] as i64;
                ro.values[i] = v[e];
                ro.r_ext[i] = rewards[e];
                ro.dones[i] = done[e];
                if ro.next.is_empty() {
                    continue;
                }
                let next = &mut ro.next[i * in_len..(i + 1) * in_len];
                if done[e] && self.cfg.final_transition {
                    // The stack the episode ended with: the one it acted on, pushed by the
                    // frame it ended in (the stack itself already holds the next episode's).
                    let fl = self.frame_len;
                    next[..in_len - fl].copy_from_slice(&ro.obs[i * in_len + fl..(i + 1) * in_len]);
                    next[in_len - fl..].copy_from_slice(&self.final_frames[e * fl..(e + 1) * fl]);
                } else {
                    next.copy_from_slice(&self.stack[e * in_len..(e + 1) * in_len]);
                }
            }
        }
        let rnet = self.rnet.as_ref().expect("a3c has a recurrent policy");
        let x = to_input(&self.stack, n, self.input, self.device);
        let m = self
            .memory
            .as_ref()
            .expect("a recurrent policy has a memory");
        let (_, v, _) = tch::no_grad(|| rnet.step(&x, m));
        ro.last = floats(&v, "bootstrap values")?;
        Ok(ro)
    }

    /// One optimiser step on one segment with its returns `ret`.
    fn a3c_step(
        &mut self,
        ro: &A3cRollout,
        seg: Segment,
        ret: &[f32],
        lr: f64,
    ) -> Result<LossMeans, TrainError> {
        let t = Instant::now();
        let cfg = &self.cfg;
        let dev = self.device;
        let steps = cfg.num_steps;
        let in_len = self.input.0 * self.input.1 * self.input.2;
        let (i0, len) = (seg.env * steps + seg.t0, seg.t1 - seg.t0 + 1);
        let rnet = self.rnet.as_ref().expect("a3c has a recurrent policy");
        let x = to_input(
            &ro.obs[i0 * in_len..(i0 + len) * in_len],
            len,
            self.input,
            dev,
        );
        let (h, c) = &ro.memory[seg.t0];
        let e = seg.env as i64;
        let memory = tch::nn::LSTMState((h.narrow(1, e, 1), c.narrow(1, e, 1)));
        let (logits, v) = rnet.sequence(&x, &memory);
        let actions = Tensor::from_slice(&ro.actions[i0..i0 + len]).to_device(dev);
        let v_old = &ro.values[i0..i0 + len];
        let adv: Vec<f32> = ret.iter().zip(v_old).map(|(r, v)| r - v).collect();
        let adv = Tensor::from_slice(&adv).to_device(dev);
        let ret_t = Tensor::from_slice(ret).to_device(dev);
        let pi = -(log_prob(&logits, &actions) * &adv).mean(Kind::Float);
        let vf: Tensor = (&v - &ret_t).square().mean(Kind::Float) * 0.5;
        let ent = entropy(&logits);
        let loss = (&pi + cfg.vf_coef * &vf - cfg.ent_coef * &ent) * cfg.loss_scale;
        // The predictor learns from the segment's transitions whose next frame is known: all of
        // them with `final_transition`, else not the one into the episode's end (the auto-reset
        // hides its frame).
        let valid = icm_transitions(seg, cfg.final_transition);
        let mut icm_terms = None;
        let total = match (&self.icm, valid) {
            (Some(icm), k) if k > 0 => {
                // Within a segment the frame after step t is the one before step t + 1, so the
                // k transitions need k + 1 frames, each encoded once.
                let last = i0 + k - 1;
                let after = to_input(
                    &ro.next[last * in_len..(last + 1) * in_len],
                    1,
                    self.input,
                    dev,
                );
                let frames = Tensor::cat(&[&x.narrow(0, 0, k as i64), &after], 0);
                let terms = icm.sequence_terms(&frames, &actions.narrow(0, 0, k as i64));
                let fwd = terms.forward.mean(Kind::Float);
                let inv = terms.inverse.mean(Kind::Float);
                let pred = cfg.icm_loss_scale
                    * ((1.0 - cfg.icm_beta) * &inv + cfg.icm_beta * &fwd)
                    * cfg.loss_scale;
                icm_terms = Some((fwd.double_value(&[]), inv.double_value(&[])));
                &loss + pred
            }
            _ => loss.shallow_clone(),
        };
        self.clock.forward += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let opt = self.opt.as_mut().expect("a3c has an optimiser");
        opt.zero_grad();
        total.backward();
        self.clock.backward += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let gn = clip_group(&self.policy_params, cfg.max_grad_norm);
        if icm_terms.is_some() {
            clip_group(&self.icm_params, cfg.max_grad_norm);
        }
        opt.step(lr);
        self.clock.optim += t.elapsed().as_secs_f64();
        let (fwd, inv) = icm_terms.unwrap_or((0.0, 0.0));
        Ok(LossMeans {
            policy: pi.double_value(&[]),
            value: vf.double_value(&[]),
            entropy: ent.double_value(&[]),
            grad_norm: gn,
            forward: fwd,
            inverse: inv,
            count: 1,
            ..LossMeans::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envs::tests::corridor;

    #[test]
    fn the_transition_into_an_episode_end_keeps_its_frame_and_gets_its_bonus() {
        for keep in [true, false] {
            let cfg = TrainConfig {
                num_envs: 3,
                frame_stack: 2,
                final_transition: keep,
                ..TrainConfig::paper()
            };
            // Episodes cut at 7 ticks: a 20-step rollout holds several ends.
            let mut t = Trainer::new(cfg, corridor(3, 7)).unwrap();
            let (fl, steps) = (t.frame_len, t.cfg.num_steps);
            let in_len = 2 * fl;
            let (mut ends, mut moved) = (0, 0);
            for _ in 0..3 {
                let ro = t.a3c_rollout().unwrap();
                let icm = t.icm.as_ref().unwrap();
                let bonus = t.a3c_bonus(icm, &ro).unwrap();
                // The same errors, transition by transition, from each step's own stacks: with
                // the final frame every transition counts; without, the ends are masked.
                let all = vec![false; ro.dones.len()];
                let mask = if keep { &all } else { &ro.dones };
                let want = t
                    .icm_bonus(icm, &ro.obs, &ro.next, &ro.actions, mask)
                    .unwrap();
                for (i, (b, w)) in bonus.iter().zip(&want).enumerate() {
                    assert!(
                        (b - w).abs() <= 1e-4 * w.abs().max(1e-3),
                        "transition {i}: {b} vs {w}"
                    );
                }
                for (i, _) in ro.dones.iter().enumerate().filter(|(_, d)| **d) {
                    ends += 1;
                    let next = &ro.next[i * in_len..(i + 1) * in_len];
                    let obs = &ro.obs[i * in_len..(i + 1) * in_len];
                    if !keep {
                        assert_eq!(bonus[i], 0.0, "masked without the final frame");
                        continue;
                    }
                    assert!(bonus[i] > 0.0, "the last transition has a bonus");
                    assert_eq!(&next[..fl], &obs[fl..], "the stack it acted on, pushed");
                    // The next episode's first stack holds the start frame twice; the frame the
                    // episode ended in differs from it once the player has walked.
                    if i % steps + 1 < steps {
                        let first = &ro.obs[(i + 1) * in_len..(i + 2) * in_len];
                        moved += usize::from(next[fl..] != first[fl..]);
                    }
                }
            }
            assert!(ends >= 6, "{ends} episode ends");
            if keep {
                assert!(moved > 0, "no final frame differed from the next start");
            }
        }
    }

    #[test]
    fn the_predictor_learns_the_last_transition_only_with_its_frame() {
        let seg = |t0, t1, terminal| Segment {
            env: 0,
            t0,
            t1,
            terminal,
        };
        assert_eq!(icm_transitions(seg(3, 9, true), true), 7);
        assert_eq!(icm_transitions(seg(3, 9, true), false), 6);
        assert_eq!(icm_transitions(seg(0, 19, false), false), 20);
        assert_eq!(icm_transitions(seg(5, 5, true), false), 0);
        assert_eq!(icm_transitions(seg(5, 5, true), true), 1);
    }

    #[test]
    fn segments_cut_at_episode_ends_and_cover_every_step() {
        // Two envs, five steps: env 0 ends an episode at t = 1 and t = 4, env 1 never.
        let done = [
            false, true, false, false, true, // env 0
            false, false, false, false, false, // env 1
        ];
        let s = segments(&done, 2, 5);
        let seg = |env, t0, t1, terminal| Segment {
            env,
            t0,
            t1,
            terminal,
        };
        assert_eq!(
            s,
            vec![seg(0, 0, 1, true), seg(0, 2, 4, true), seg(1, 0, 4, false)]
        );
    }

    #[test]
    fn returns_are_discounted_from_the_bootstrap() {
        // r = [0, 0, 1], bootstrap 2, gamma 0.5: R2 = 1 + 1 = 2, R1 = 1, R0 = 0.5.
        assert_eq!(discounted(&[0.0, 0.0, 1.0], 2.0, 0.5), vec![0.5, 1.0, 2.0]);
        assert_eq!(discounted(&[1.0], 0.0, 0.99), vec![1.0]);
        assert!(discounted(&[], 1.0, 0.9).is_empty());
    }
}
