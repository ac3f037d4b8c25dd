//! Networks: the actor-critic (policy logits, extrinsic value, intrinsic value) and the shared
//! torso builder used by the bonus models.
//!
//! The pixel torso is deliberately small (two convolutions on 42 x 42 stacked grey frames) so a
//! 2-core CPU learns at thousands of env steps per second; the object-grid observation uses an
//! MLP. Initialisation follows CleanRL (orthogonal, gain sqrt 2; 0.01 for the policy head, 1 for
//! the value heads; zero biases). This module knows nothing about environments or PPO.

use crate::config::NetKind;
use tch::Tensor;
use tch::nn::{self, Module, RNN};

/// Shape of one network input: (channels including the frame stack, height, width).
pub type InputShape = (usize, usize, usize);

/// A network that cannot be built for this input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build a {kind:?} torso for input {shape:?}: {why}")]
pub struct ModelError {
    /// Torso kind.
    pub kind: NetKind,
    /// Input shape.
    pub shape: InputShape,
    /// Reason.
    pub why: String,
}

fn linear(p: nn::Path, i: usize, o: usize, gain: f64) -> nn::Linear {
    let c = nn::LinearConfig {
        ws_init: nn::Init::Orthogonal { gain },
        bs_init: Some(nn::Init::Const(0.0)),
        bias: true,
    };
    nn::linear(p, i as i64, o as i64, c)
}

fn conv(p: nn::Path, i: usize, o: usize, k: usize, s: usize) -> nn::Conv2D {
    let c = nn::ConvConfig {
        stride: s as i64,
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    let mut conv = nn::conv2d(p, i as i64, o as i64, k as i64, c);
    // tch 0.26's `Init::Orthogonal` returns the flattened [out, in*k*k] matrix without reshaping
    // it, which libtorch rejects as a convolution weight; draw it flat and reshape here.
    let (o, rest) = (o as i64, (i * k * k) as i64);
    let w = nn::init::init(
        nn::Init::Orthogonal { gain: 2f64.sqrt() },
        &[o, rest],
        conv.ws.device(),
    );
    tch::no_grad(|| conv.ws.copy_(&w.view([o, i as i64, k as i64, k as i64])));
    conv
}

/// A 3x3 stride-2 convolution with "same" padding (output side ceil(n / 2)), as Pathak et al.'s
/// universe head.
fn conv_same(p: nn::Path, i: usize, o: usize) -> nn::Conv2D {
    let c = nn::ConvConfig {
        stride: 2,
        padding: 1,
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    nn::conv2d(p, i as i64, o as i64, 3, c)
}

/// The universe head's convolutions (four 3x3 stride-2, 32 filters, ELU) and its flat output
/// size (288 on 42 x 42: 42 -> 21 -> 11 -> 6 -> 3).
pub fn universe_convs(
    p: &nn::Path,
    shape: InputShape,
) -> Result<(nn::Sequential, usize), ModelError> {
    let (c, h, w) = shape;
    if c == 0 || h == 0 || w == 0 {
        return Err(ModelError {
            kind: NetKind::Universe,
            shape,
            why: "empty input".into(),
        });
    }
    let side = |n: usize| (0..4).fold(n, |n, _| n.div_ceil(2));
    let flat = 32 * side(h) * side(w);
    let mut seq = nn::seq();
    for (k, input) in [c, 32, 32, 32].into_iter().enumerate() {
        seq = seq
            .add(conv_same(p / format!("u{k}"), input, 32))
            .add_fn(|x| x.elu());
    }
    Ok((seq.add_fn(|x| x.flatten(1, -1)), flat))
}

/// Output side of a valid convolution.
fn conv_out(n: usize, k: usize, s: usize) -> Option<usize> {
    (n >= k).then(|| (n - k) / s + 1)
}

/// Builds a torso mapping `[B, C, H, W]` floats in [0, 1] to `[B, hidden]` ReLU features.
pub fn torso(
    p: &nn::Path,
    kind: NetKind,
    shape: InputShape,
    hidden: usize,
) -> Result<nn::Sequential, ModelError> {
    let (c, h, w) = shape;
    let err = |why: &str| ModelError {
        kind,
        shape,
        why: why.to_string(),
    };
    match kind {
        NetKind::Cnn => {
            let oh = conv_out(h, 8, 4)
                .and_then(|x| conv_out(x, 4, 2))
                .ok_or_else(|| err("height below 14"))?;
            let ow = conv_out(w, 8, 4)
                .and_then(|x| conv_out(x, 4, 2))
                .ok_or_else(|| err("width below 14"))?;
            let flat = 32 * oh * ow;
            Ok(nn::seq()
                .add(conv(p / "c1", c, 16, 8, 4))
                .add_fn(|x| x.relu())
                .add(conv(p / "c2", 16, 32, 4, 2))
                .add_fn(|x| x.relu())
                .add_fn(|x| x.flatten(1, -1))
                .add(linear(p / "fc", flat, hidden, 2f64.sqrt()))
                .add_fn(|x| x.relu()))
        }
        NetKind::Universe => {
            let (convs, flat) = universe_convs(p, shape)?;
            Ok(convs
                .add(linear(p / "fc", flat, hidden, 1.0))
                .add_fn(|x| x.elu()))
        }
        NetKind::Mlp => {
            let flat = c * h * w;
            if flat == 0 {
                return Err(err("empty input"));
            }
            Ok(nn::seq()
                .add_fn(|x| x.flatten(1, -1))
                .add(linear(p / "l1", flat, hidden, 2f64.sqrt()))
                .add_fn(|x| x.relu())
                .add(linear(p / "l2", hidden, hidden, 2f64.sqrt()))
                .add_fn(|x| x.relu()))
        }
    }
}

/// Policy and two value heads over one torso (CleanRL's RND agent layout).
#[derive(Debug)]
pub struct ActorCritic {
    torso: nn::Sequential,
    actor: nn::Linear,
    critic_ext: nn::Linear,
    critic_int: nn::Linear,
}

/// What [`ActorCritic::forward`] returns.
#[derive(Debug)]
pub struct PolicyOut {
    /// Unnormalised action logits `[B, A]`.
    pub logits: Tensor,
    /// Extrinsic value `[B]`.
    pub v_ext: Tensor,
    /// Intrinsic value `[B]`.
    pub v_int: Tensor,
}

impl ActorCritic {
    /// Builds the network under `p` (variables named `torso.*`, `actor`, `critic_ext`, `critic_int`).
    pub fn new(
        p: &nn::Path,
        kind: NetKind,
        shape: InputShape,
        hidden: usize,
        num_actions: usize,
    ) -> Result<ActorCritic, ModelError> {
        let torso = torso(&(p / "torso"), kind, shape, hidden)?;
        Ok(ActorCritic {
            torso,
            actor: linear(p / "actor", hidden, num_actions, 0.01),
            critic_ext: linear(p / "critic_ext", hidden, 1, 1.0),
            critic_int: linear(p / "critic_int", hidden, 1, 1.0),
        })
    }

    /// Forward pass on `[B, C, H, W]` floats in [0, 1].
    pub fn forward(&self, x: &Tensor) -> PolicyOut {
        let h = self.torso.forward(x);
        PolicyOut {
            logits: self.actor.forward(&h),
            v_ext: self.critic_ext.forward(&h).squeeze_dim(-1),
            v_int: self.critic_int.forward(&h).squeeze_dim(-1),
        }
    }
}

/// Converts a batch of u8 observations `[B, C, H, W]` to floats in [0, 1] on `device`.
pub fn to_input(obs: &[u8], batch: usize, shape: InputShape, device: tch::Device) -> Tensor {
    let (c, h, w) = shape;
    frames_to_input(
        &Tensor::from_slice(obs)
            .view([batch as i64, c as i64, h as i64, w as i64])
            .to_device(device),
    )
}

/// Converts u8 frames `[B, C, H, W]` (already on their device) to floats in [0, 1], laid out
/// channels-last: the same `[B, C, H, W]` tensor to every reader, stored pixel by pixel with
/// its channels together. oneDNN's convolution backward pass is about 3 x faster on that layout
/// on this project's CPUs (BENCHMARKS.md, "Learner throughput"); the values are the same.
pub fn frames_to_input(frames: &Tensor) -> Tensor {
    let x = if frames.dim() == 4 {
        frames
            .permute([0, 2, 3, 1])
            .contiguous()
            .permute([0, 3, 1, 2])
    } else {
        frames.shallow_clone()
    };
    x.to_kind(tch::Kind::Float) / 255.0
}

/// The recurrent state of [`RecurrentPolicy`] for a batch: LSTM `(h, c)`, each `[1, B, cells]`
/// (`[1, B, 1]` zeros for the dense core).
pub type Memory = tch::nn::LSTMState;

/// What sits between the convolutions and the heads.
#[derive(Debug)]
enum Core {
    /// Pathak et al.'s `BasicLSTMCell(256)`.
    Lstm(nn::LSTM),
    /// A dense ELU layer (`lstm = 0`: frames are stacked instead of remembered).
    Dense(nn::Linear),
}

/// The reference A3C's actor-critic (Pathak et al.'s `LSTMPolicy` with the universe head): four
/// 3x3 stride-2 ELU convolutions, an LSTM, a policy head and one value head (reward and bonus
/// share one stream in the reference). Variables live under `p` as `torso.*`, `core.*`, `actor`,
/// `critic`.
#[derive(Debug)]
pub struct RecurrentPolicy {
    convs: nn::Sequential,
    core: Core,
    actor: nn::Linear,
    critic: nn::Linear,
    cells: i64,
}

impl RecurrentPolicy {
    /// Builds the network for inputs of `shape`; `lstm` cells (0: a dense layer of `hidden`).
    pub fn new(
        p: &nn::Path,
        shape: InputShape,
        lstm: usize,
        hidden: usize,
        num_actions: usize,
    ) -> Result<RecurrentPolicy, ModelError> {
        let (convs, flat) = universe_convs(&(p / "torso"), shape)?;
        let (core, width) = if lstm > 0 {
            let c = nn::RNNConfig {
                batch_first: true,
                ..Default::default()
            };
            (
                Core::Lstm(nn::lstm(p / "core", flat as i64, lstm as i64, c)),
                lstm,
            )
        } else {
            (Core::Dense(linear(p / "core", flat, hidden, 1.0)), hidden)
        };
        Ok(RecurrentPolicy {
            convs,
            core,
            actor: linear(p / "actor", width, num_actions, 0.01),
            critic: linear(p / "critic", width, 1, 1.0),
            cells: if lstm > 0 { lstm as i64 } else { 1 },
        })
    }

    /// The memory of `batch` fresh episodes (zeros, as `get_initial_features`).
    pub fn zero_memory(&self, batch: usize, device: tch::Device) -> Memory {
        let z = || Tensor::zeros([1, batch as i64, self.cells], (tch::Kind::Float, device));
        tch::nn::LSTMState((z(), z()))
    }

    /// One tick for a batch of envs: inputs `[B, C, H, W]` in [0, 1] and their memory; returns
    /// (logits `[B, A]`, values `[B]`, the memory after this tick).
    pub fn step(&self, x: &Tensor, memory: &Memory) -> (Tensor, Tensor, Memory) {
        let f = self.convs.forward(x);
        let (h, next) = match &self.core {
            Core::Lstm(l) => {
                let s = l.step(&f, memory);
                (s.h().squeeze_dim(0), s)
            }
            Core::Dense(d) => (
                d.forward(&f).elu(),
                tch::nn::LSTMState((memory.0.0.shallow_clone(), memory.0.1.shallow_clone())),
            ),
        };
        (
            self.actor.forward(&h),
            self.critic.forward(&h).squeeze_dim(-1),
            next,
        )
    }

    /// A sequence of one env's ticks: inputs `[T, C, H, W]` and the memory `[1, 1, cells]` before
    /// the first; returns (logits `[T, A]`, values `[T]`), as the reference runs its LSTM over a
    /// rollout (`dynamic_rnn` from the rollout's first features).
    pub fn sequence(&self, x: &Tensor, memory: &Memory) -> (Tensor, Tensor) {
        let f = self.convs.forward(x);
        let h = match &self.core {
            Core::Lstm(l) => {
                let (out, _) = l.seq_init(&f.unsqueeze(0), memory);
                out.squeeze_dim(0)
            }
            Core::Dense(d) => d.forward(&f).elu(),
        };
        (
            self.actor.forward(&h),
            self.critic.forward(&h).squeeze_dim(-1),
        )
    }
}

/// Re-draws every variable of `vs` as Pathak et al.'s `model.py` initialises it (the paper
/// preset's `init = "reference"`): convolution kernels uniform in +-sqrt(6 / (fan_in + fan_out))
/// with fan = k * k * channels (their `conv2d`); linear layers by `normalized_columns_initializer`
/// (a Gaussian draw with each unit's incoming weights scaled to norm 0.01, or 1.0 for a value head
/// named `critic*`), so the ICM's forward and inverse heads start near zero; the LSTM's kernel
/// Glorot-uniform over the combined [input + cells, 4 cells] matrix with forget-gate bias 1
/// (TensorFlow's `BasicLSTMCell`); every other bias 0. Draws from torch's seeded generator.
pub fn reference_init(vs: &nn::VarStore) {
    // Sorted by name: the draws from torch's generator must not follow hash-map order.
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (name, t) in &vars {
            let mut t = t.shallow_clone();
            let size = t.size();
            let leaf = name.rsplit('.').next().unwrap_or("");
            let new = if size.len() == 4 {
                let k2 = size[2] * size[3];
                let bound = (6.0 / ((k2 * size[1] + k2 * size[0]) as f64)).sqrt();
                Tensor::empty(&size, (t.kind(), t.device())).uniform_(-bound, bound)
            } else if leaf.starts_with("weight_ih") || leaf.starts_with("weight_hh") {
                let cells = size[0] / 4;
                // The input width is weight_ih's second dimension (weight_hh's is the cells).
                let ih = format!(
                    "{}weight_ih{}",
                    &name[..name.len() - leaf.len()],
                    &leaf[9..]
                );
                let input = vars
                    .iter()
                    .find(|(n, _)| *n == ih)
                    .map_or(size[1], |(_, w)| w.size()[1]);
                let bound = (6.0 / ((input + cells + 4 * cells) as f64)).sqrt();
                Tensor::empty(&size, (t.kind(), t.device())).uniform_(-bound, bound)
            } else if leaf.starts_with("bias_ih") {
                let cells = size[0] / 4;
                // torch's gate order is input, forget, cell, output.
                let b = Tensor::zeros(&size, (t.kind(), t.device()));
                let _ = b.narrow(0, cells, cells).fill_(1.0);
                b
            } else if size.len() == 2 {
                let std = if name.contains("critic") { 1.0 } else { 0.01 };
                normalized_columns(&size, std, t.kind(), t.device())
            } else {
                Tensor::zeros(&size, (t.kind(), t.device()))
            };
            t.copy_(&new);
        }
    });
}

/// Pathak et al.'s `normalized_columns_initializer(std)` for a torch weight `[out, in]`: each
/// unit's incoming weights (a row here, a column in their `[in, out]` layout) drawn Gaussian and
/// scaled to norm `std`.
pub fn normalized_columns(size: &[i64], std: f64, kind: tch::Kind, device: tch::Device) -> Tensor {
    let w = Tensor::randn(size, (kind, device));
    let norm = w.square().sum_dim_intlist(1, true, tch::Kind::Float).sqrt();
    w / norm * std
}

/// Sets every variable of `vs` whose name starts with `prefix` to zero (the extrinsic critic's
/// output layer with `zero_init_ext_critic`).
pub fn zero_vars(vs: &nn::VarStore, prefix: &str) {
    tch::no_grad(|| {
        for (name, mut t) in vs.variables() {
            if name.starts_with(prefix) {
                let _ = t.zero_();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_channels_last_with_the_values_of_the_plain_conversion() {
        let (b, c, h, w) = (3usize, 4usize, 5usize, 6usize);
        let obs: Vec<u8> = (0..b * c * h * w).map(|i| (i * 37 % 256) as u8).collect();
        let x = to_input(&obs, b, (c, h, w), tch::Device::Cpu);
        assert_eq!(x.size(), [3, 4, 5, 6]);
        // Channels-last strides: a pixel's channels sit together.
        assert_eq!(
            x.stride(),
            [(c * h * w) as i64, 1, (w * c) as i64, c as i64]
        );
        let plain = Tensor::from_slice(&obs)
            .view([3, 4, 5, 6])
            .to_kind(tch::Kind::Float)
            / 255.0;
        assert!(x.equal(&plain));
        // The networks read it like the plain layout (up to float rounding).
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let net = ActorCritic::new(&vs.root(), NetKind::Cnn, (4, 42, 42), 32, 6).unwrap();
        let obs: Vec<u8> = (0..2 * 4 * 42 * 42).map(|i| (i * 91 % 256) as u8).collect();
        let plain = Tensor::from_slice(&obs)
            .view([2, 4, 42, 42])
            .to_kind(tch::Kind::Float)
            / 255.0;
        let a = net.forward(&to_input(&obs, 2, (4, 42, 42), tch::Device::Cpu));
        let b = net.forward(&plain);
        assert!(a.logits.allclose(&b.logits, 1e-5, 1e-6, false));
        assert!(a.v_ext.allclose(&b.v_ext, 1e-5, 1e-6, false));
        // And they learn alike: the gradients of every variable agree to float rounding.
        let grads = |out: PolicyOut| {
            for v in vs.trainable_variables() {
                let mut g = v.grad();
                if g.defined() {
                    let _ = g.zero_();
                }
            }
            (out.logits.square().sum(tch::Kind::Float)
                + out.v_ext.sum(tch::Kind::Float)
                + out.v_int.square().sum(tch::Kind::Float))
            .backward();
            let mut named: Vec<(String, Tensor)> = vs
                .variables()
                .into_iter()
                .map(|(n, v)| (n, v.grad().copy()))
                .collect();
            named.sort_by(|x, y| x.0.cmp(&y.0));
            named
        };
        let ga = grads(net.forward(&to_input(&obs, 2, (4, 42, 42), tch::Device::Cpu)));
        let gb = grads(net.forward(&plain));
        assert_eq!(ga.len(), gb.len());
        for ((name, x), (_, y)) in ga.iter().zip(&gb) {
            assert!(
                x.abs().sum(tch::Kind::Float).double_value(&[]) > 0.0,
                "{name}: no gradient"
            );
            assert!(x.allclose(y, 1e-4, 1e-6, false), "{name} differs");
        }
    }
}
