//! The condition parser on arbitrary text: an error or a condition, never a panic; key maps of
//! a parsed condition resolve for any seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = priors_core::parse_condition(text, "fuzz.toml") {
        let _ = c.controls.key_map_for(data.len() as u64);
    }
});
