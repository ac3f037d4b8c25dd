//! The exploration bonuses: counts fall with visits, ICM's forward model learns.

use priors_agent::bonus::{Icm, SimHash};
use priors_agent::config::NetKind;
use priors_agent::rng::Rng;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

#[test]
fn count_bonus_decreases_with_visits_and_is_per_state() {
    let dim = 42 * 42;
    let mut h = SimHash::new(dim, 64, 0.01, 3);
    let background = vec![40u8; dim];
    h.set_center(&background);
    let mut a = background.clone();
    a[100..104].fill(255);
    let mut b = background.clone();
    b[1500..1504].fill(255);
    let mut last = f32::INFINITY;
    for n in 1..=20u32 {
        let bonus = h.visit(&a);
        assert!(bonus < last, "visit {n}: {bonus} >= {last}");
        assert!((bonus as f64 - 0.01 / (n as f64).sqrt()).abs() < 1e-7);
        last = bonus;
    }
    assert_eq!(h.count(&a), 20);
    // Another state still earns the full bonus.
    assert_eq!(h.count(&b), 0);
    assert!((h.visit(&b) - 0.01).abs() < 1e-7);
    assert_eq!(h.distinct(), 2);
    // Counts survive a checkpoint round-trip.
    let mut h2 = SimHash::new(dim, 64, 0.01, 3);
    h2.set_center(&background);
    h2.set_counts(&h.counts_sorted());
    assert_eq!(h2.count(&a), 20);
}

#[test]
fn icm_forward_loss_falls_on_a_fixed_batch() {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let shape = (4, 20, 20);
    let icm = Icm::new(&(vs.root() / "icm"), NetKind::Cnn, shape, 64, 64, 18, false).unwrap();
    let mut rng = Rng::new(9);
    let b = 32;
    let px = |rng: &mut Rng| -> Vec<f32> {
        (0..b * 4 * 20 * 20)
            .map(|_| (rng.below(4) as f32) / 3.0)
            .collect()
    };
    let obs = Tensor::from_slice(&px(&mut rng)).view([b as i64, 4, 20, 20]);
    let next = Tensor::from_slice(&px(&mut rng)).view([b as i64, 4, 20, 20]);
    let actions = Tensor::from_slice(&(0..b).map(|_| rng.below(18) as i64).collect::<Vec<_>>());
    let mut opt = nn::Adam::default().build(&vs, 1e-3).unwrap();
    // The encoder keeps moving under the inverse loss, so measure the forward error relative to
    // the spread of the features it predicts: 1 means no better than predicting the mean.
    let relative = || {
        tch::no_grad(|| {
            let fwd = icm.terms(&obs, &next, &actions).forward.mean(Kind::Float);
            let spread = icm
                .features(&next)
                .var_dim(0, false, false)
                .mean(Kind::Float)
                * 0.5;
            (fwd / spread).double_value(&[])
        })
    };
    let first = relative();
    for _ in 0..100 {
        let t = icm.terms(&obs, &next, &actions);
        let loss = 0.8 * t.inverse.mean(Kind::Float) + 0.2 * t.forward.mean(Kind::Float);
        opt.backward_step(&loss);
    }
    let last = relative();
    assert!(
        first > 0.5,
        "an untrained forward model should not predict well: {first}"
    );
    assert!(
        last < 0.5 * first,
        "relative forward error {first} -> {last}"
    );
}

#[test]
fn the_count_bonus_sees_static_masking_unless_told_to_subtract_the_start_frame() {
    // Two conditions' start frames that differ only in a static texture: hashed as rendered
    // they fall in different buckets; with each condition's own start frame subtracted (the old
    // behaviour, now the `count_subtract_start` option) both become the zero vector.
    let dim = 42 * 42;
    let plain = vec![60u8; dim];
    let textured: Vec<u8> = (0..dim)
        .map(|i| if (i / 3) % 2 == 0 { 20 } else { 140 })
        .collect();
    let h = SimHash::new(dim, 64, 0.01, 5);
    assert_ne!(
        h.key(&plain),
        h.key(&textured),
        "as rendered, the texture changes the hash"
    );
    let mut a = SimHash::new(dim, 64, 0.01, 5);
    a.set_center(&plain);
    let mut b = SimHash::new(dim, 64, 0.01, 5);
    b.set_center(&textured);
    assert_eq!(
        a.key(&plain),
        b.key(&textured),
        "subtracting each start frame erases the masking"
    );
}

#[test]
fn the_universe_encoder_gives_288_features_on_42_by_42_and_the_forward_loss_sums_them() {
    let vs = nn::VarStore::new(Device::Cpu);
    let shape = (4, 42, 42);
    let mean = Icm::new(
        &(vs.root() / "m"),
        NetKind::Universe,
        shape,
        999,
        256,
        6,
        false,
    )
    .unwrap();
    let sum = Icm::new(
        &(vs.root() / "s"),
        NetKind::Universe,
        shape,
        999,
        256,
        6,
        true,
    )
    .unwrap();
    let x = Tensor::rand([3, 4, 42, 42], (Kind::Float, Device::Cpu));
    let y = Tensor::rand([3, 4, 42, 42], (Kind::Float, Device::Cpu));
    assert_eq!(mean.features(&x).size(), vec![3, 288]);
    let a = Tensor::from_slice(&[0i64, 3, 5]);
    // Same weights for both modules: copy m's into s, then the summed loss is 288 x the mean.
    tch::no_grad(|| {
        let vars = vs.variables();
        for (name, t) in &vars {
            if let Some(rest) = name.strip_prefix("s.") {
                let mut t = t.shallow_clone();
                t.copy_(&vars[&format!("m.{rest}")]);
            }
        }
    });
    let (fm, fs) = (
        mean.terms(&x, &y, &a).forward,
        sum.terms(&x, &y, &a).forward,
    );
    let ratio = Vec::<f32>::try_from(fs / fm).unwrap();
    for r in ratio {
        assert!((r - 288.0).abs() < 1e-2, "{r}");
    }
}

#[test]
fn a_sequence_encodes_each_frame_once_with_the_same_terms() {
    // Five frames, four transitions: sequence_terms must equal terms on (frame t, frame t + 1).
    tch::manual_seed(3);
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let icm =
        priors_agent::bonus::Icm::new(&vs.root(), NetKind::Universe, (1, 42, 42), 288, 64, 6, true)
            .unwrap()
            .with_detached_target(false);
    let frames = tch::Tensor::rand([5, 1, 42, 42], (tch::Kind::Float, tch::Device::Cpu));
    let actions = tch::Tensor::from_slice(&[0i64, 3, 5, 1]);
    let seq = icm.sequence_terms(&frames, &actions);
    let pairs = icm.terms(&frames.narrow(0, 0, 4), &frames.narrow(0, 1, 4), &actions);
    assert_eq!(seq.forward.size(), vec![4]);
    assert!(seq.forward.allclose(&pairs.forward, 1e-5, 1e-6, false));
    assert!(seq.inverse.allclose(&pairs.inverse, 1e-5, 1e-6, false));
    // Transition 0 pairs frames 0 and 1, not 0 and 0.
    let same = icm.terms(&frames.narrow(0, 0, 4), &frames.narrow(0, 0, 4), &actions);
    assert!(!seq.forward.allclose(&same.forward, 1e-5, 1e-6, false));
}
