//! Bot subjects play through the real session code path: their folders verify through the core,
//! are marked simulated, reach the goal, and a bot behaves the same under every condition except
//! through what the condition changes (reversed-keys: other keys, the same actions).
#![cfg(feature = "window")]

use std::path::Path;
use std::process::Command;

fn priors(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_priors"))
        .args(args)
        .env(
            "PRIORS_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../data"),
        )
        .output()
        .expect("run priors")
}

#[test]
fn bot_subjects_complete_verify_and_are_marked_simulated() {
    let out = std::env::temp_dir().join(format!("priors-bots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = priors(&[
        "simulate-subjects",
        "--level",
        "princess",
        "--conditions",
        "original,reversed-keys,masked-semantics",
        "--subjects",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{text}");
    let dirs: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("session.json").is_file())
        .collect();
    assert_eq!(dirs.len(), 6, "{text}");
    for d in &dirs {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("session.json")).unwrap())
                .unwrap();
        assert_eq!(meta["simulated"], true, "{}", d.display());
        assert_eq!(meta["status"], "complete", "{}", d.display());
        let v = priors(&["verify", d.to_str().unwrap()]);
        assert!(
            v.status.success(),
            "{}: {}{}",
            d.display(),
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
    }
    // Under reversed-keys the bots press other keys for the same actions: check one pressed the
    // right arrow to walk left (the route starts by walking left to the ladder).
    let rk = dirs
        .iter()
        .find(|d| {
            std::fs::read_to_string(d.join("session.json"))
                .unwrap()
                .contains("reversed-keys")
        })
        .unwrap();
    let events = std::fs::read_to_string(rk.join("events.csv")).unwrap();
    assert!(
        events.contains("arrow_right"),
        "reversed-keys bot never pressed the right arrow"
    );
    // masked-semantics changes only pixels, so each bot takes exactly the same actions under it
    // as under original (no per-condition exploration rate or seed).
    let actions = |d: &Path| -> Vec<String> {
        let t = std::fs::read_to_string(d.join("ticks.csv")).unwrap();
        t.lines()
            .skip(1)
            .map(|l| l.split(',').nth(2).unwrap().to_string())
            .collect()
    };
    let condition = |d: &Path| -> String {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("session.json")).unwrap())
                .unwrap();
        meta["condition"]["name"].as_str().unwrap().to_string()
    };
    for bot in ["bot001", "bot002"] {
        let of = |c: &str| {
            dirs.iter()
                .find(|d| {
                    d.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with(&format!("{bot}_"))
                        && condition(d) == c
                })
                .unwrap_or_else(|| panic!("{bot} under {c}: {dirs:?}"))
        };
        assert_eq!(
            actions(of("original")),
            actions(of("masked-semantics")),
            "{bot}"
        );
    }
}
