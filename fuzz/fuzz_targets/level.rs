//! The level parser on arbitrary text: an error or a level, never a panic; a level that parses
//! prints to text that parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(level) = priors_core::parse_level(text, "fuzz.level") {
        // Stepping the start state once must not panic either.
        let mut w = priors_core::World::new(&level);
        let rules = priors_core::Rules::agent();
        let _ = priors_core::step(&level, &rules, &mut w, priors_core::Action::NOOP);
    }
});
