//! Adam (Kingma and Ba 2015) over an explicit group of variables, with its moments saved in
//! checkpoints, so `--resume` continues the optimiser where it stopped (tch's built-in optimiser
//! keeps its state inside libtorch, out of reach of a checkpoint).
//!
//! Two groups can train side by side with their own learning rates (the paper preset's ICM
//! predictor learns at 10 x the policy's rate with its own optimiser, Pathak et al. 2017).

use std::path::Path;
use tch::{Kind, Tensor};

/// One Adam optimiser over a fixed, named list of variables.
///
/// The moments live in two flat buffers (one slice per variable, in name order), so a step is a
/// dozen tensor operations over the whole group plus one subtraction per variable, instead of a
/// dozen per variable: the paper preset takes an optimiser step every 20 env steps, and
/// per-variable Adam was 17 % of its time (BENCHMARKS.md, "Learner throughput"). On the CPU the
/// step is one loop over host memory; elsewhere the same element arithmetic in tensor operations.
#[derive(Debug)]
pub struct Adam {
    /// The variables, in a fixed order (sorted by name).
    vars: Vec<(String, Tensor)>,
    /// Where each variable's slice starts in the flat buffers, and its length.
    spans: Vec<(i64, i64)>,
    m: Tensor,
    v: Tensor,
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
        let mut spans = Vec::with_capacity(vars.len());
        let mut total = 0i64;
        for (_, t) in &vars {
            let n = t.numel() as i64;
            spans.push((total, n));
            total += n;
        }
        let options = vars
            .first()
            .map(|(_, t)| (Kind::Float, t.device()))
            .unwrap_or((Kind::Float, tch::Device::Cpu));
        Adam {
            vars,
            spans,
            m: Tensor::zeros([total], options),
            v: Tensor::zeros([total], options),
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

    /// Variable `i`'s slice of a flat buffer, shaped like the variable (a view: writes reach
    /// the buffer).
    fn slice(&self, flat: &Tensor, i: usize) -> Tensor {
        let (start, len) = self.spans[i];
        flat.narrow(0, start, len)
            .view(self.vars[i].1.size().as_slice())
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
        self.step_with(lr, true);
    }

    /// [`Adam::step`]; `fused` allows the one-pass loop over host memory where every tensor is
    /// a contiguous f32 CPU tensor (elsewhere, and with `fused` false, tensor operations).
    fn step_with(&mut self, lr: f64, fused: bool) {
        self.steps += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(self.steps as i32);
        let c2 = 1.0 - b2.powi(self.steps as i32);
        let eps = self.eps;
        tch::no_grad(|| {
            let grads: Vec<Tensor> = self.vars.iter().map(|(_, t)| t.grad()).collect();
            let all = grads.iter().all(|g| g.defined());
            if fused
                && all
                && on_host(&self.m)
                && on_host(&self.v)
                && grads.iter().all(on_host)
                && self.vars.iter().all(|(_, t)| on_host(t))
            {
                let k = HostStep {
                    b1: b1 as f32,
                    b2: b2 as f32,
                    one_minus_b1: (1.0 - b1) as f32,
                    one_minus_b2: (1.0 - b2) as f32,
                    c1: c1 as f32,
                    c2: c2 as f32,
                    eps: eps as f32,
                    lr: lr as f32,
                };
                for (i, g) in grads.iter().enumerate() {
                    let (start, len) = self.spans[i];
                    k.apply(
                        &self.vars[i].1,
                        g,
                        &self.m,
                        &self.v,
                        start as usize,
                        len as usize,
                    );
                }
                return;
            }
            // The same element-wise arithmetic on a whole buffer or on one variable's slice.
            let update = |m: &mut Tensor, v: &mut Tensor, g: &Tensor| {
                let _ = m.g_mul_scalar_(b1);
                let _ = m.g_add_(&(g * (1.0 - b1)));
                let _ = v.g_mul_scalar_(b2);
                let _ = v.g_add_(&(g.square() * (1.0 - b2)));
                let denom = (&*v / c2).sqrt() + eps;
                (&*m / c1) / denom * lr
            };
            if all {
                let flat: Vec<Tensor> = grads.iter().map(|g| g.reshape([-1])).collect();
                let g = Tensor::cat(&flat, 0);
                let (mut m, mut v) = (self.m.shallow_clone(), self.v.shallow_clone());
                let step = update(&mut m, &mut v, &g);
                for i in 0..self.vars.len() {
                    let d = self.slice(&step, i);
                    let _ = self.vars[i].1.g_sub_(&d);
                }
            } else {
                for (i, g) in grads.iter().enumerate() {
                    if !g.defined() {
                        continue;
                    }
                    let (mut m, mut v) = (self.slice(&self.m, i), self.slice(&self.v, i));
                    let d = update(&mut m, &mut v, g);
                    let _ = self.vars[i].1.g_sub_(&d);
                }
            }
        });
    }

    /// Writes the moments to `path` (torch's named-tensor format: `m.<name>`, `v.<name>`).
    pub fn save(&self, path: &Path) -> Result<(), tch::TchError> {
        let mut named: Vec<(String, Tensor)> = Vec::with_capacity(2 * self.vars.len());
        for (i, (name, _)) in self.vars.iter().enumerate() {
            // Copies: a saved view would carry the whole buffer with it.
            named.push((format!("m.{name}"), self.slice(&self.m, i).copy()));
            named.push((format!("v.{name}"), self.slice(&self.v, i).copy()));
        }
        let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
        Tensor::save_multi(&refs, path)
    }

    /// Reads moments written by [`Adam::save`] for the same variables.
    pub fn load(&mut self, path: &Path) -> Result<(), tch::TchError> {
        let named = Tensor::load_multi(path)?;
        for (i, (name, var)) in self.vars.iter().enumerate() {
            for (prefix, flat) in [("m.", &self.m), ("v.", &self.v)] {
                let key = format!("{prefix}{name}");
                let t = named
                    .iter()
                    .find(|(n, _)| *n == key)
                    .map(|(_, t)| t)
                    .ok_or_else(|| {
                        tch::TchError::FileFormat(format!("{}: no tensor {key}", path.display()))
                    })?;
                if t.size() != var.size() {
                    return Err(tch::TchError::FileFormat(format!(
                        "{}: {key} has shape {:?}, the variable {:?}",
                        path.display(),
                        t.size(),
                        var.size()
                    )));
                }
                let mut dst = self.slice(flat, i);
                tch::no_grad(|| dst.copy_(&t.to_kind(Kind::Float).to_device(dst.device())));
            }
        }
        Ok(())
    }
}

/// Whether `t` is a contiguous f32 tensor in host memory (what the host loops require).
fn on_host(t: &Tensor) -> bool {
    t.defined() && t.device() == tch::Device::Cpu && t.kind() == Kind::Float && t.is_contiguous()
}

/// The elements of `t` as a slice of host memory.
///
/// # Safety
/// `t` must satisfy [`on_host`], no other slice of its storage may be alive while this one is,
/// and no libtorch operation may touch the storage meanwhile (callers hold `no_grad` and run
/// nothing else; libtorch runs nothing in the background on CPU tensors).
// A tensor handle is shared (`&Tensor`) yet owns mutable storage, as libtorch's in-place ops
// are; the contract above stands in for the borrow checker here.
#[allow(unsafe_code, clippy::mut_from_ref)]
unsafe fn host_elements(t: &Tensor) -> &mut [f32] {
    debug_assert!(on_host(t));
    // SAFETY: the caller's contract; a contiguous f32 tensor holds `numel` floats from its
    // data pointer.
    unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut f32, t.numel()) }
}

/// Adam's constants for one step, applied in one pass over host memory.
struct HostStep {
    b1: f32,
    b2: f32,
    /// `1 - b1` and `1 - b2`, computed in f64 (in f32, `1 - 0.999` keeps only 4 digits).
    one_minus_b1: f32,
    one_minus_b2: f32,
    c1: f32,
    c2: f32,
    eps: f32,
    lr: f32,
}

impl HostStep {
    /// Updates `w` (a variable) from its gradient `g` and the moments' elements
    /// `start..start + len` of the flat buffers `m` and `v`. Every tensor must be a contiguous
    /// f32 CPU tensor, `w` and `g` of `len` elements (checked by the caller and asserted here).
    fn apply(&self, w: &Tensor, g: &Tensor, m: &Tensor, v: &Tensor, start: usize, len: usize) {
        assert_eq!(w.numel(), len);
        assert_eq!(g.numel(), len);
        assert!(start + len <= m.numel() && m.numel() == v.numel());
        #[allow(unsafe_code)]
        // SAFETY: the four tensors are on the host (the caller checks `on_host`), and are four
        // distinct storages (a variable, its gradient and the optimiser's two buffers), so the
        // slices do not alias; the caller holds no_grad and runs nothing else meanwhile.
        let (w, g, m, v) = unsafe {
            (
                host_elements(w),
                &*host_elements(g),
                &mut host_elements(m)[start..start + len],
                &mut host_elements(v)[start..start + len],
            )
        };
        // The tensor path's arithmetic, element by element (up to rounding: libtorch divides by
        // a scalar as a multiplication by its reciprocal).
        for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = *m * self.b1 + g * self.one_minus_b1;
            *v = *v * self.b2 + g * g * self.one_minus_b2;
            let denom = (*v / self.c2).sqrt() + self.eps;
            *w -= *m / self.c1 / denom * self.lr;
        }
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
        if grads.iter().all(on_host) {
            // One pass to sum, one to scale, in host memory.
            #[allow(unsafe_code)]
            let norm = grads
                .iter()
                // SAFETY: `on_host`; a read-only slice of one gradient at a time, no_grad held.
                .map(|g| unsafe { host_elements(g) })
                .map(|x| x.iter().map(|&e| e as f64 * e as f64).sum::<f64>())
                .sum::<f64>()
                .sqrt();
            let coef = max / (norm + 1e-6);
            if coef < 1.0 {
                for g in &grads {
                    #[allow(unsafe_code)]
                    // SAFETY: `on_host`; the only slice of this gradient while it lives.
                    let x = unsafe { host_elements(g) };
                    for e in x {
                        *e = (*e as f64 * coef) as f32;
                    }
                }
            }
            return norm;
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

    /// Adam's textbook update for one element, in f64.
    fn reference_adam(w: f64, grads: &[f64], lr: f64, eps: f64) -> f64 {
        let (mut w, mut m, mut v) = (w, 0.0, 0.0);
        for (t, g) in grads.iter().enumerate() {
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            let (mh, vh) = (
                m / (1.0 - 0.9f64.powi(t as i32 + 1)),
                v / (1.0 - 0.999f64.powi(t as i32 + 1)),
            );
            w -= lr * mh / (vh.sqrt() + eps);
        }
        w
    }

    #[test]
    fn the_flat_buffers_give_each_variable_its_own_adam() {
        // Three variables of different shapes, three steps of a loss whose gradients differ per
        // element and per step; every weight must follow the one-element textbook update.
        let a = Tensor::from_slice(&[1.0f32, -2.0, 0.5, 4.0])
            .view([2, 2])
            .set_requires_grad(true);
        let b = Tensor::from_slice(&[3.0f32]).set_requires_grad(true);
        let c = Tensor::from_slice(&[-1.0f32, 2.5, 0.25])
            .view([3, 1, 1])
            .set_requires_grad(true);
        let vars = vec![
            ("c".into(), c.shallow_clone()),
            ("a".into(), a.shallow_clone()),
            ("b".into(), b.shallow_clone()),
        ];
        let mut opt = Adam::new(vars, 1e-8);
        let mut history: Vec<Vec<f64>> = vec![Vec::new(); 8];
        let start: Vec<f64> = [1.0, -2.0, 0.5, 4.0, 3.0, -1.0, 2.5, 0.25].to_vec();
        for _ in 0..3 {
            opt.zero_grad();
            // d/dw of w^3 / 3 is w^2: a different gradient for every element and every step.
            let loss = a.pow_tensor_scalar(3).sum(Kind::Float) / 3.0
                + b.pow_tensor_scalar(3).sum(Kind::Float) / 3.0
                + c.pow_tensor_scalar(3).sum(Kind::Float) / 3.0;
            loss.backward();
            let now: Vec<f32> = [&a, &b, &c]
                .iter()
                .flat_map(|t| Vec::<f32>::try_from(t.detach().reshape([-1])).unwrap())
                .collect();
            for (h, w) in history.iter_mut().zip(&now) {
                h.push((*w as f64) * (*w as f64));
            }
            opt.step(0.1);
        }
        let got: Vec<f32> = [&a, &b, &c]
            .iter()
            .flat_map(|t| Vec::<f32>::try_from(t.detach().reshape([-1])).unwrap())
            .collect();
        for (i, g) in got.iter().enumerate() {
            let want = reference_adam(start[i], &history[i], 0.1, 1e-8);
            assert!(
                (*g as f64 - want).abs() < 1e-5,
                "element {i}: {g} vs {want}"
            );
        }
    }

    #[test]
    fn the_host_loop_and_the_tensor_operations_take_the_same_steps() {
        let make = || {
            let a = Tensor::from_slice(&[1.0f32, -2.0, 0.5, 4.0, 0.1, -0.3])
                .view([2, 3])
                .set_requires_grad(true);
            let b = Tensor::from_slice(&[3.0f32, -7.0]).set_requires_grad(true);
            let opt = Adam::new(
                vec![
                    ("a".into(), a.shallow_clone()),
                    ("b".into(), b.shallow_clone()),
                ],
                1e-5,
            );
            (a, b, opt)
        };
        let (a1, b1, mut fused) = make();
        let (a2, b2, mut tensors) = make();
        for _ in 0..4 {
            for (a, b, opt, f) in [
                (&a1, &b1, &mut fused, true),
                (&a2, &b2, &mut tensors, false),
            ] {
                opt.zero_grad();
                (a.pow_tensor_scalar(3).sum(Kind::Float)
                    + (b * a.sum(Kind::Float)).sum(Kind::Float))
                .backward();
                opt.step_with(0.05, f);
            }
        }
        let moved = |t: &Tensor| Vec::<f32>::try_from(t.detach().reshape([-1])).unwrap();
        assert_ne!(moved(&a1), vec![1.0f32, -2.0, 0.5, 4.0, 0.1, -0.3]);
        for (x, y) in [
            (&a1, &a2),
            (&b1, &b2),
            (&fused.m, &tensors.m),
            (&fused.v, &tensors.v),
        ] {
            let (x, y) = (moved(x), moved(y));
            for (p, q) in x.iter().zip(&y) {
                // Up to rounding: libtorch divides by a scalar as a multiplication by its reciprocal.
                assert!((p - q).abs() <= 1e-6 * (1.0 + q.abs()), "{x:?} vs {y:?}");
            }
        }
    }

    #[test]
    fn the_gradient_norm_is_clipped_alike_in_host_memory_and_in_tensor_operations() {
        // Gradients (3, 4) and (12): global norm 13. f32 variables take the host loop, f64 ones
        // the tensor operations.
        for kind in [Kind::Float, Kind::Double] {
            let a = Tensor::from_slice(&[0.0f32, 0.0])
                .to_kind(kind)
                .set_requires_grad(true);
            let b = Tensor::from_slice(&[0.0f32])
                .to_kind(kind)
                .set_requires_grad(true);
            let w = Tensor::from_slice(&[3.0f32, 4.0]).to_kind(kind);
            ((&a * &w).sum(kind) + (&b * 12.0).sum(kind)).backward();
            assert_eq!(on_host(&a.grad()), kind == Kind::Float);
            let norm = clip_grad_norm(&[a.shallow_clone(), b.shallow_clone()], 6.5);
            assert!((norm - 13.0).abs() < 1e-9, "{kind:?}: {norm}");
            let g = |t: &Tensor| Vec::<f64>::try_from(t.grad().to_kind(Kind::Double)).unwrap();
            // Scaled by 6.5 / 13 (up to the 1e-6 in the denominator).
            for (got, want) in g(&a).iter().chain(&g(&b)).zip([1.5, 2.0, 6.0]) {
                assert!((got - want).abs() < 1e-5, "{kind:?}: {got} vs {want}");
            }
            // Under the bound nothing changes.
            let norm = clip_grad_norm(&[a.shallow_clone(), b.shallow_clone()], 100.0);
            assert!((norm - 6.5).abs() < 1e-5, "{kind:?}: {norm}");
            assert!((g(&b)[0] - 6.0).abs() < 1e-5);
        }
    }

    #[test]
    fn a_variable_without_a_gradient_keeps_its_weights_and_its_moments() {
        let used = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
        let idle = Tensor::from_slice(&[5.0f32]).set_requires_grad(true);
        let mut opt = Adam::new(
            vec![
                ("used".into(), used.shallow_clone()),
                ("idle".into(), idle.shallow_clone()),
            ],
            1e-8,
        );
        // `idle` is in no loss: it has no gradient, so the step takes the per-variable path.
        for _ in 0..3 {
            opt.zero_grad();
            (&used * 2.0).sum(Kind::Float).backward();
            opt.step(0.1);
        }
        assert!(!idle.grad().defined());
        assert_eq!(Vec::<f32>::try_from(idle.detach()).unwrap(), vec![5.0f32]);
        // "idle" sorts first: its moments are the buffers' first element, still zero.
        assert_eq!(
            Vec::<f32>::try_from(opt.slice(&opt.m, 0).copy()).unwrap(),
            vec![0.0f32]
        );
        assert_eq!(
            Vec::<f32>::try_from(opt.slice(&opt.v, 0).copy()).unwrap(),
            vec![0.0f32]
        );
        let used_now = Vec::<f32>::try_from(used.detach()).unwrap();
        for (w, w0) in used_now.iter().zip([1.0f32, 2.0]) {
            assert!((w - (w0 - 0.3)).abs() < 1e-5, "{used_now:?}");
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
