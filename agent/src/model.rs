//! Networks: the actor-critic (policy logits, extrinsic value, intrinsic value) and the shared
//! torso builder used by the bonus models.
//!
//! The pixel torso is deliberately small (two convolutions on 42 x 42 stacked grey frames) so a
//! 2-core CPU learns at thousands of env steps per second; the object-grid observation uses an
//! MLP. Initialisation follows CleanRL (orthogonal, gain sqrt 2; 0.01 for the policy head, 1 for
//! the value heads; zero biases). This module knows nothing about environments or PPO.

use crate::config::NetKind;
use tch::Tensor;
use tch::nn::{self, Module};

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
    Tensor::from_slice(obs)
        .view([batch as i64, c as i64, h as i64, w as i64])
        .to_device(device)
        .to_kind(tch::Kind::Float)
        / 255.0
}
