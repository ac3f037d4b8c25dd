//! Reading and verifying a session folder whose files are arbitrary bytes: the input is split
//! at NUL bytes into session.json, ticks.csv, events.csv and level.level, written into a
//! fresh folder, and given to `priors_records::verify::verify_dir` (what `priors verify` and
//! `priors analyze` call). An error or a verdict, never a panic; the verifier writes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("priors-fuzz-session-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dir();
    let names = ["session.json", "ticks.csv", "events.csv", "level.level"];
    let mut parts = data.split(|&b| b == 0).filter(|p| !p.is_empty());
    for name in names {
        let p = d.join(name);
        match parts.next() {
            Some(bytes) => std::fs::write(&p, bytes).unwrap(),
            None => {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    let _ = priors_records::verify::verify_dir(d);
});
