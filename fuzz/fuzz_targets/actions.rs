//! The actions-CSV parser (`priors_core::replay::parse_actions`): an error or records, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = priors_core::replay::parse_actions(text, "fuzz.csv");
});
