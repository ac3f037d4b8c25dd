//! The agent API's request bodies and frame query as `priors serve` reads them (axum's `Json`
//! and `Query` extractors, i.e. serde_json and serde_urlencoded, into `priors_web::agent`'s
//! `ResetRequest`, `StepRequest`, `EndRequest` and `FrameQuery`, which refuse unknown fields),
//! then every action name of a step through `priors_core::Action`'s parser, and the whole text
//! as one action name: an error or a value, never a panic. A body that parses serialises to
//! JSON that parses to the same request; a refused action name is quoted in the error; an
//! accepted one prints to a name that parses to the same action.
#![no_main]

use libfuzzer_sys::fuzz_target;
use priors_core::Action;
use priors_web::agent::{EndRequest, FrameQuery, ResetRequest, StepRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The body as a `T`, if it is one; then its JSON parses back to the same JSON.
fn body<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let r: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_string(&r).unwrap();
    let again: T = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), json);
    Some(r)
}

fn action(name: &str) {
    match name.parse::<Action>() {
        Ok(a) => assert_eq!(a.to_string().parse::<Action>(), Ok(a)),
        Err(e) => {
            assert_eq!(e.0, name);
            assert!(e.to_string().contains(&format!("{name:?}")));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = body::<ResetRequest>(data);
    let _ = body::<EndRequest>(data);
    if let Some(s) = body::<StepRequest>(data) {
        for name in s.action.iter().chain(s.actions.iter().flatten()) {
            action(name);
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = serde_urlencoded::from_str::<FrameQuery>(text);
    action(text);
});
