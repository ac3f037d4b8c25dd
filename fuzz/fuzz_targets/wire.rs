//! The browser's WebSocket text messages (`priors_web::wire::parse_client_message`, what
//! `priors serve` runs on every message a participant's page sends) on arbitrary text: a
//! message or an error, never a panic. An oversized text is refused before it is parsed, with
//! its length and the limit; a refused field is named in the error; an accepted message
//! serialises to JSON that parses to the same message, and padding it with whitespace past the
//! limit gets it refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use priors_web::wire::{MAX_CLIENT_MESSAGE_BYTES, WireError, parse_client_message};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limit = MAX_CLIENT_MESSAGE_BYTES;
    match parse_client_message(text) {
        Ok(m) => {
            assert!(text.len() <= limit);
            let again = serde_json::to_string(&m).unwrap();
            if again.len() <= limit {
                assert_eq!(parse_client_message(&again), Ok(m.clone()), "{again}");
            } else {
                // A short number written out in full (`1e15` as `1000000000000000.0`).
                assert_eq!(
                    parse_client_message(&again),
                    Err(WireError::TooLong(again.len()))
                );
            }
            let padded = format!("{text}{}", " ".repeat(limit + 1 - text.len()));
            assert_eq!(
                parse_client_message(&padded),
                Err(WireError::TooLong(limit + 1))
            );
            let full = format!("{text}{}", " ".repeat(limit - text.len()));
            assert_eq!(parse_client_message(&full), Ok(m));
        }
        Err(e) => {
            let shown = e.to_string();
            match &e {
                WireError::TooLong(n) => {
                    assert!(*n == text.len() && *n > limit);
                    assert!(shown.contains(&n.to_string()) && shown.contains(&limit.to_string()));
                }
                WireError::Malformed(why) => {
                    assert!(text.len() <= limit);
                    assert!(!why.is_empty(), "{shown}");
                }
                WireError::Invalid(why) => {
                    assert!(text.len() <= limit);
                    let fields = ["user_agent", "device_pixel_ratio", "key", "t_client_ms"];
                    assert!(fields.iter().any(|f| why.contains(f)), "{shown}");
                }
            }
        }
    }
});
