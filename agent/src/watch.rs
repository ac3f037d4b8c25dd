//! A watch on the curiosity module (ICM) for the collapse the paper preset shows on princess
//! (`results/2026-12-06-fig8/README.md`, "The paper preset as its code trained"): the forward
//! loss shrinks the encoder's features before the inverse model tells any action apart, the
//! bonus falls a hundredfold and never comes back, and the policy then learns from nothing.
//! Nothing in a run's numbers stops it, so any run with the ICM (either learner) prints one
//! warning, to stderr (a sweep's `train.log`), the first time all three hold after an update:
//! - at least [`IcmWatch::MIN_STEPS`] env steps have been taken;
//! - the update's mean bonus is at most [`IcmWatch::SHRINK`] of the first update's this
//!   process saw (so a run resumed after its collapse is not warned about again);
//! - the inverse model's loss is within [`IcmWatch::INVERSE_MARGIN`] of ln(actions), the loss of
//!   a uniform guess.
//!
//! The thresholds are written down here, not fitted: on the six 50,000-step runs of the paper
//! preset the bonus had fallen to 0.1-0.3 % of its first update's by 2,000 steps with the inverse
//! loss within 0.001 of ln 6; with the forward loss off the inverse loss was 0.06 below ln 6 by
//! 16,400 steps.

/// Watches one run's ICM, update by update.
#[derive(Debug, Clone)]
pub struct IcmWatch {
    uniform_loss: f64,
    first_bonus: Option<f64>,
    warned: bool,
}

impl IcmWatch {
    /// Env steps before the watch may warn (early updates are noisy).
    pub const MIN_STEPS: u64 = 20_000;
    /// The bonus as a fraction of the first update's at or below which it counts as collapsed.
    pub const SHRINK: f64 = 0.01;
    /// How close to ln(actions) the inverse loss must be to count as not learning.
    pub const INVERSE_MARGIN: f64 = 0.01;

    /// A watch for a run with `num_actions` actions.
    pub fn new(num_actions: usize) -> IcmWatch {
        IcmWatch {
            uniform_loss: (num_actions.max(1) as f64).ln(),
            first_bonus: None,
            warned: false,
        }
    }

    /// Feeds one update: its env step count, mean bonus and mean inverse loss (either may be
    /// missing, as `NA` in progress.csv). Returns the warning the first time the rule holds,
    /// `None` otherwise and ever after.
    pub fn observe(
        &mut self,
        step: u64,
        bonus: Option<f64>,
        inverse: Option<f64>,
    ) -> Option<String> {
        let bonus = bonus.filter(|b| b.is_finite() && *b >= 0.0)?;
        let first = *self.first_bonus.get_or_insert(bonus);
        let inverse = inverse.filter(|x| x.is_finite())?;
        if self.warned
            || step < Self::MIN_STEPS
            || first <= 0.0
            || bonus > Self::SHRINK * first
            || inverse < self.uniform_loss - Self::INVERSE_MARGIN
        {
            return None;
        }
        self.warned = true;
        Some(format!(
            "warning: the ICM looks collapsed at env step {step}: its mean bonus {bonus:.3e} is \
             {:.2} % of its first update's ({first:.3e}) and its inverse loss {inverse:.4} is \
             still a uniform guess's (ln {} = {:.4}): its features have shrunk before it told \
             any action apart (results/2026-12-06-fig8/README.md, \"The paper preset as its \
             code trained\")",
            100.0 * bonus / first,
            self.uniform_loss.exp().round(),
            self.uniform_loss,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LN6: f64 = 1.791_759_469_228_055;

    #[test]
    fn warns_once_when_the_bonus_has_shrunk_and_the_inverse_model_guesses() {
        let mut w = IcmWatch::new(6);
        assert_eq!(w.observe(400, Some(0.0068), Some(LN6)), None);
        // Collapsed by 2,000 steps, but too early to say.
        assert_eq!(w.observe(2_000, Some(3.8e-5), Some(LN6)), None);
        let msg = w.observe(20_000, Some(1.5e-5), Some(1.7912));
        let msg = msg.expect("a collapsed ICM is reported");
        assert!(msg.contains("env step 20000"), "{msg}");
        assert!(msg.contains("ln 6 = 1.7918"), "{msg}");
        assert!(msg.contains("0.22 %"), "{msg}");
        // Once.
        assert_eq!(w.observe(40_000, Some(1e-6), Some(LN6)), None);
    }

    #[test]
    fn a_learning_inverse_model_or_a_live_bonus_is_not_a_collapse() {
        // The inverse model learned (icm_beta = 0 at 50,000 steps: 1.11).
        let mut w = IcmWatch::new(6);
        w.observe(400, Some(0.0068), Some(LN6));
        assert_eq!(w.observe(50_000, Some(1e-6), Some(1.11)), None);
        // Just outside the margin.
        assert_eq!(
            w.observe(
                50_000,
                Some(1e-6),
                Some(LN6 - 1.5 * IcmWatch::INVERSE_MARGIN)
            ),
            None
        );
        // The bonus kept 2 % of its start (the detached target at 50,000 steps kept 2.3 %).
        let mut w = IcmWatch::new(6);
        w.observe(400, Some(0.0068), Some(LN6));
        assert_eq!(w.observe(50_000, Some(1.6e-4), Some(LN6)), None);
        // No bonus recorded yet, or an NA inverse loss: nothing to judge.
        let mut w = IcmWatch::new(6);
        assert_eq!(w.observe(50_000, None, Some(LN6)), None);
        assert_eq!(w.observe(50_000, Some(0.01), None), None);
        assert!(w.observe(60_000, Some(1e-5), Some(LN6)).is_some());
    }

    #[test]
    fn the_first_bonus_is_the_first_this_process_sees() {
        // A run resumed after its collapse starts from a collapsed bonus: no warning.
        let mut w = IcmWatch::new(6);
        w.observe(649_600, Some(8e-10), Some(LN6));
        assert_eq!(w.observe(700_000, Some(7e-10), Some(LN6)), None);
    }
}
