//! Masking hides what the paper says it hides: under masked-object-identity (and the conditions
//! built on it) placebo blocks or real objects cover at least 90 % of the cells where an object
//! could stand, on both levels, and the blocks take the real objects' sizes.

use priors_catalog::{load_condition, load_level};
use priors_render::placebo_coverage;

#[test]
fn placebos_cover_at_least_90_percent_of_standing_cells() {
    for cond in ["masked-object-identity", "all-priors-masked", "hard"] {
        let p = load_condition(cond)
            .unwrap()
            .value
            .theme
            .placebo
            .expect("placebo blocks");
        for level in ["princess", "princess-15row", "keydoor"] {
            let l = load_level(level).unwrap().value;
            let (share, cells) = placebo_coverage(&l, &p);
            eprintln!(
                "{cond} on {level}: {:.1} % of {cells} standing cells covered",
                share * 100.0
            );
            assert!(cells > 20, "{level}: {cells} standing cells");
            assert!(
                share >= 0.9,
                "{cond} on {level}: only {:.1} % of {cells} cells covered",
                share * 100.0
            );
        }
    }
}

#[test]
fn a_handful_of_placebos_is_not_enough() {
    // The check can fail: the old setting (24 blocks) leaves keydoor's floors mostly bare.
    let mut p = load_condition("masked-object-identity")
        .unwrap()
        .value
        .theme
        .placebo
        .unwrap();
    p.fill = false;
    p.count = 24;
    let (share, _) = placebo_coverage(&load_level("keydoor").unwrap().value, &p);
    assert!(share < 0.9, "{share}");
}
