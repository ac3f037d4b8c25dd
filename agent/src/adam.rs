//! Adam (Kingma and Ba 2015) over an explicit group of variables, with its moments saved in
//! checkpoints, so `--resume` continues the optimiser where it stopped (tch's built-in optimiser
//! keeps its state inside libtorch, out of reach of a checkpoint).
//!
//! Two groups can train side by side with their own learning rates (the paper preset's ICM
//! predictor learns at 10 x the policy's rate with its own optimiser, Pathak et al. 2017).

use std::path::Path;
use tch::{Kind, Tensor};

/// One Adam optimiser over a fixed, named list of variables.
#[derive(Debug)]
pub struct Adam {
    /// The variables, in a fixed order (sorted by name).
    vars: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    /// Steps taken (for the bias correction).
    pub steps: i64,
    /// First-moment decay (Adam: 0.9).
    pub beta1: f64,
    /// Second-moment decay (Adam: 0.999).
    pub beta2: f64,
    /// Denominator epsilon (CleanRL: 1e-5).
    pub eps: f64,
}

impl Adam {
    /// An optimiser over `vars` (name, tensor); they are sorted by name so the state layout does
    /// not depend on hash-map order.
    pub fn new(mut vars: Vec<(String, Tensor)>, eps: f64) -> Adam {
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |t: &Tensor| t.zeros_like();
        let m = vars.iter().map(|(_, t)| zeros(t)).collect();
        let v = vars.iter().map(|(_, t)| zeros(t)).collect();
        Adam {
            vars,
            m,
            v,
            steps: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps,
        }
    }

    /// The variables' tensors.
    pub fn tensors(&self) -> Vec<Tensor> {
        self.vars.iter().map(|(_, t)| t.shallow_clone()).collect()
    }

    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) {
        for (_, t) in &mut self.vars {
            let mut g = t.grad();
            if g.defined() {
                let _ = g.detach_();
                let _ = g.zero_();
            }
        }
    }

    /// One Adam step at learning rate `lr` (variables without a gradient are left alone).
    pub fn step(&mut self, lr: f64) {
        self.steps += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(self.steps as i32);
        let c2 = 1.0 - b2.powi(self.steps as i32);
        tch::no_grad(|| {
            for (i, (_, t)) in self.vars.iter_mut().enumerate() {
                let g = t.grad();
                if !g.defined() {
                    continue;
                }
                let m = &mut self.m[i];
                let v = &mut self.v[i];
                let _ = m.g_mul_scalar_(b1);
                let _ = m.g_add_(&(&g * (1.0 - b1)));
                let _ = v.g_mul_scalar_(b2);
                let _ = v.g_add_(&(g.square() * (1.0 - b2)));
                let denom = (&*v / c2).sqrt() + self.eps;
                let update = (&*m / c1) / denom * lr;
                let _ = t.g_sub_(&update);
            }
        });
    }

    /// Writes the moments to `path` (torch's named-tensor format).
    pub fn save(&self, path: &Path) -> Result<(), tch::TchError> {
        let mut named: Vec<(String, Tensor)> = Vec::with_capacity(2 * self.vars.len());
        for (i, (name, _)) in self.vars.iter().enumerate() {
            named.push((format!("m.{name}"), self.m[i].shallow_clone()));
            named.push((format!("v.{name}"), self.v[i].shallow_clone()));
        }
        let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
        Tensor::save_multi(&refs, path)
    }

    /// Reads moments written by [`Adam::save`] for the same variables.
    pub fn load(&mut self, path: &Path) -> Result<(), tch::TchError> {
        let named = Tensor::load_multi(path)?;
        let device = self.vars.first().map(|(_, t)| t.device());
        for (i, (name, _)) in self.vars.iter().enumerate() {
            for (prefix, slot) in [("m.", &mut self.m[i]), ("v.", &mut self.v[i])] {
                let key = format!("{prefix}{name}");
                let t = named
                    .iter()
                    .find(|(n, _)| *n == key)
                    .map(|(_, t)| t)
                    .ok_or_else(|| {
                        tch::TchError::FileFormat(format!("{}: no tensor {key}", path.display()))
                    })?;
                *slot = t
                    .to_kind(Kind::Float)
                    .to_device(device.unwrap_or(tch::Device::Cpu));
            }
        }
        Ok(())
    }
}

/// Clips the global norm of the gradients of `vars` to `max`; returns the norm before clipping.
pub fn clip_grad_norm(vars: &[Tensor], max: f64) -> f64 {
    tch::no_grad(|| {
        let grads: Vec<Tensor> = vars
            .iter()
            .map(|v| v.grad())
            .filter(|g| g.defined())
            .collect();
        if grads.is_empty() {
            return 0.0;
        }
        // One read back to the host for the whole group (one per variable costs a sync each).
        let sums: Vec<Tensor> = grads.iter().map(|g| g.square().sum(Kind::Double)).collect();
        let norm = Tensor::stack(&sums, 0)
            .sum(Kind::Double)
            .double_value(&[])
            .sqrt();
        let coef = max / (norm + 1e-6);
        if coef < 1.0 {
            for g in &grads {
                let mut g = g.shallow_clone();
                let _ = g.g_mul_scalar_(coef);
            }
        }
        norm
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_weight_by_the_learning_rate_against_its_gradient() {
        // Adam's first bias-corrected step is lr * g / (|g| + eps'), i.e. lr * sign(g).
        let w = Tensor::from_slice(&[1.0f32, -2.0, 3.0]).set_requires_grad(true);
        let mut opt = Adam::new(vec![("w".into(), w.shallow_clone())], 1e-8);
        opt.zero_grad();
        let loss = (&w * Tensor::from_slice(&[2.0f32, -1.0, 0.5])).sum(Kind::Float);
        loss.backward();
        opt.step(0.1);
        let got = Vec::<f32>::try_from(w.detach()).unwrap();
        for (g, want) in got.iter().zip([0.9f32, -1.9, 2.9]) {
            assert!((g - want).abs() < 1e-5, "{got:?}");
        }
    }

    #[test]
    fn moments_survive_a_save_and_load() {
        let dir = std::env::temp_dir().join(format!("priors-adam-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let run = |opt: &mut Adam, w: &Tensor| {
            opt.zero_grad();
            (w.square().sum(Kind::Float)).backward();
            opt.step(0.01);
        };
        let w1 = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        let mut a = Adam::new(vec![("w".into(), w1.shallow_clone())], 1e-8);
        for _ in 0..3 {
            run(&mut a, &w1);
        }
        a.save(&dir.join("optim.ot")).unwrap();
        // A fresh optimiser loading the state continues exactly like the original.
        let w2 = w1.detach().copy().set_requires_grad(true);
        let mut b = Adam::new(vec![("w".into(), w2.shallow_clone())], 1e-8);
        b.load(&dir.join("optim.ot")).unwrap();
        b.steps = a.steps;
        run(&mut a, &w1);
        run(&mut b, &w2);
        let (x, y) = (
            Vec::<f32>::try_from(w1.detach()).unwrap(),
            Vec::<f32>::try_from(w2.detach()).unwrap(),
        );
        assert_eq!(x, y);
        // Without the moments the step differs (the check can fail).
        let w3 = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        let mut c = Adam::new(vec![("w".into(), w3.shallow_clone())], 1e-8);
        for _ in 0..3 {
            run(&mut c, &w3);
        }
        let w4 = w3.detach().copy().set_requires_grad(true);
        let mut d = Adam::new(vec![("w".into(), w4.shallow_clone())], 1e-8);
        d.steps = c.steps;
        run(&mut c, &w3);
        run(&mut d, &w4);
        assert_ne!(
            Vec::<f32>::try_from(w3.detach()).unwrap(),
            Vec::<f32>::try_from(w4.detach()).unwrap()
        );
    }
}
