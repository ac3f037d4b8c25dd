//! Bot subjects play through the real session code path: their folders verify through the core,
//! are marked simulated, reach the goal, and a bot behaves the same under every condition except
//! through what the condition changes (reversed-keys: other keys, the same actions).
//!
//! ticks.csv and events.csv are read with the records crate's typed rows, by header name.
#![cfg(feature = "window")]

use priors_records::session::{EventKind, EventRow, SessionMeta, Status, read_meta};
use priors_records::verify::read_ticks;
use std::collections::BTreeSet;
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

fn meta(d: &Path) -> SessionMeta {
    read_meta(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()))
}

/// The actions of a session folder's ticks, in tick order.
fn actions(d: &Path) -> Vec<String> {
    let (rows, partial) = read_ticks(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    assert!(!partial, "{}: partial ticks.csv", d.display());
    rows.into_iter().map(|r| r.action).collect()
}

/// The keys down during each tick `0..n_ticks`, from events.csv's key rows: a key counts for
/// tick T when it went down before T ran (an event's `tick` is the number of ticks simulated
/// before it) and was not released before; a key pressed just before T counts even when it was
/// released again before T ran (a tap).
fn keys_per_tick(d: &Path, n_ticks: usize) -> Vec<BTreeSet<String>> {
    let mut rdr = csv::Reader::from_path(d.join("events.csv")).unwrap();
    let events: Vec<EventRow> = rdr.deserialize().map(|r| r.unwrap()).collect();
    let mut held = BTreeSet::new();
    let mut next = events.iter().peekable();
    (0..n_ticks)
        .map(|t| {
            let mut down = BTreeSet::new();
            while let Some(e) = next.next_if(|e| e.tick as usize <= t) {
                match e.kind {
                    EventKind::KeyDown => {
                        held.insert(e.key.clone());
                        if e.tick as usize == t {
                            down.insert(e.key.clone());
                        }
                    }
                    EventKind::KeyUp => {
                        held.remove(&e.key);
                    }
                    _ => {}
                }
            }
            down.extend(held.iter().cloned());
            down
        })
        .collect()
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
        let m = meta(d);
        assert!(m.simulated, "{}", d.display());
        assert_eq!(m.status, Status::Complete, "{}", d.display());
        let v = priors(&["verify", d.to_str().unwrap()]);
        assert!(
            v.status.success(),
            "{}: {}{}",
            d.display(),
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
    }
    // Under reversed-keys the bots press other keys for the same actions: every tick on which
    // the bot walked left (the route starts by walking left to the ladder) was played by
    // holding the right arrow, never the left one.
    let condition = |d: &Path| meta(d).condition.name;
    let reversed: Vec<_> = dirs
        .iter()
        .filter(|d| condition(d) == "reversed-keys")
        .collect();
    assert_eq!(reversed.len(), 2, "{dirs:?}");
    for rk in reversed {
        let actions = actions(rk);
        let keys = keys_per_tick(rk, actions.len());
        let walked_left: Vec<usize> = (0..actions.len())
            .filter(|&t| actions[t] == "left")
            .collect();
        assert!(
            !walked_left.is_empty(),
            "{}: the reversed-keys bot never walked left",
            rk.display()
        );
        for t in walked_left {
            assert!(
                keys[t].contains("arrow_right") && !keys[t].contains("arrow_left"),
                "{}: tick {t} walked left with the keys {:?} down, not the right arrow alone",
                rk.display(),
                keys[t]
            );
        }
    }
    // masked-semantics changes only pixels, so each bot takes exactly the same actions under it
    // as under original (no per-condition exploration rate or seed).
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
