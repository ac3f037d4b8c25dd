//! End-to-end tests of the `priors` binary's core subcommands: levels, solve, replay-check, render.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn priors(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_priors"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "PRIORS_DATA",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../data"),
        )
        .output()
        .expect("run priors")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn levels_lists_the_shipped_levels_and_conditions() {
    let o = priors(&["levels"]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    for w in [
        "princess",
        "keydoor",
        "princess-15row",
        "masked-similarity",
        "hard",
    ] {
        assert!(t.contains(w), "{w} missing in:\n{t}");
    }
}

#[test]
fn levels_check_names_file_line_and_column() {
    let d = tmp("check");
    let bad = d.join("bad.level");
    std::fs::write(
        &bad,
        "+++\nname = \"bad\"\ntile_px = 15\ntick_hz = 30\n+++\n####\n#PX#\n#Q.#\n",
    )
    .unwrap();
    let o = priors(&["levels", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains(&format!("{}:7:3: unknown glyph 'X'", bad.display())),
        "{t}"
    );
}

#[test]
fn solve_writes_a_route_that_replay_check_accepts_and_tampering_is_caught() {
    for level in ["princess", "keydoor"] {
        let d = tmp(&format!("solve-{level}"));
        let route = d.join("route.csv");
        let o = priors(&[
            "solve",
            "--level",
            level,
            "--route",
            route.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let t = text(&o);
        assert!(t.contains("minimal route"), "{t}");
        let o = priors(&["replay-check", route.to_str().unwrap(), "--level", level]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("Won"), "{}", text(&o));
        // Change one action in the middle: the hash check points at that tick.
        let csv = std::fs::read_to_string(&route).unwrap();
        let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
        let mid = lines.len() / 2;
        let parts: Vec<&str> = lines[mid].split(',').collect();
        let other = if parts[1] == "noop" { "jump" } else { "noop" };
        lines[mid] = format!("{},{},{}", parts[0], other, parts[2]);
        let bad = d.join("tampered.csv");
        std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
        let o = priors(&["replay-check", bad.to_str().unwrap(), "--level", level]);
        assert!(!o.status.success());
        assert!(
            text(&o).contains(&format!("diverges at tick {}", mid - 1)),
            "{}",
            text(&o)
        );
    }
}

#[test]
fn render_writes_a_png_per_condition() {
    let d = tmp("render");
    for c in ["original", "rotated-gravity"] {
        let out = d.join(format!("{c}.png"));
        let o = priors(&[
            "render",
            "--level",
            "princess",
            "--condition",
            c,
            "--out",
            out.to_str().unwrap(),
            "--scale",
            "2",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
    let obs = d.join("obs.png");
    let o = priors(&[
        "render",
        "--level",
        "keydoor",
        "--obs",
        "84x84",
        "--out",
        obs.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn solve_six_actions_under_the_released_profile_and_export_positions() {
    let d = tmp("six");
    let route = d.join("route.csv");
    let o = priors(&[
        "solve",
        "--level",
        "princess",
        "--actions",
        "six",
        "--route",
        route.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("released-2018 physics, six actions): minimal route 88 actions"),
        "{t}"
    );
    let csv = std::fs::read_to_string(&route).unwrap();
    for l in csv.lines().skip(1) {
        let a = l.split(',').nth(1).unwrap();
        assert!(
            ["noop", "left", "right", "up", "down", "jump"].contains(&a),
            "{a} is not one of the six"
        );
    }
    let pos = d.join("positions.csv");
    let o = priors(&[
        "replay-check",
        route.to_str().unwrap(),
        "--level",
        "princess",
        "--positions",
        pos.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let rows = std::fs::read_to_string(&pos).unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines[0], "tick,action,x_px,y_px,on_ladder,event");
    assert_eq!(lines.len(), 1 + 88);
    // Tick 0 is a fall from the start (120, 190): the released game's first step stays at 190.
    assert!(
        lines[1].starts_with("0,") && lines[1].contains(",190.0,false,"),
        "{}",
        lines[1]
    );
    assert!(lines[88].ends_with("goal_reached"), "{}", lines[88]);
}
