//! The study / experiment file parser and the counterbalancing rule: an error or an experiment,
//! never a panic; assignment works for any participant and session number.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = priors_records::study::parse_experiment(text, "fuzz.toml") {
        let n = (data.len() as u32).wrapping_mul(2_654_435_761);
        let _ = priors_records::study::assign(&e, n, n.rotate_left(7), "fuzz.toml", "x");
        let _ = priors_records::study::assign(&e, u32::MAX, u32::MAX, "fuzz.toml", "x");
    }
    let _ = priors_records::study::participant_number(text);
});
