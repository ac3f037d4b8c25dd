//! Golden ASCII dumps: the world drawn as text at fixed points of the solver's route on each
//! shipped level. A change to the level files, the mechanics or the solver shows up here as a
//! readable diff. Regenerate only deliberately: `PRIORS_BLESS=1 cargo test -p priors-tests`.

use priors_catalog::load_level;
use priors_core::solve::solve;
use priors_core::{Rules, World, step};
use std::path::PathBuf;

fn dump(level_name: &str) -> String {
    let level = load_level(level_name).unwrap().value;
    let route = solve(&level, &Rules::agent(), 20_000_000).unwrap().actions;
    let rules = Rules::agent();
    let mut w = World::new(&level);
    let mut out = format!(
        "# {level_name}: solver route of {} actions; snapshots every quarter\n",
        route.len()
    );
    let marks = [
        0,
        route.len() / 4,
        route.len() / 2,
        3 * route.len() / 4,
        route.len(),
    ];
    for (i, &a) in route.iter().enumerate() {
        if marks.contains(&i) {
            out.push_str(&format!(
                "\ntick {} (next action {a}), outcome {:?}\n{}",
                w.tick,
                w.outcome,
                w.ascii(&level)
            ));
        }
        step(&level, &rules, &mut w, a);
    }
    out.push_str(&format!(
        "\ntick {}, outcome {:?}\n{}",
        w.tick,
        w.outcome,
        w.ascii(&level)
    ));
    out
}

fn check(level_name: &str) {
    let golden =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("golden/{level_name}-route.txt"));
    let actual = dump(level_name);
    if std::env::var_os("PRIORS_BLESS").is_some() {
        std::fs::write(&golden, &actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with PRIORS_BLESS=1 to create it)",
            golden.display()
        )
    });
    if want != actual {
        let path = golden.with_extension("actual.txt");
        std::fs::write(&path, &actual).unwrap();
        panic!(
            "{} differs from the golden {}; diff them, and bless only a deliberate change",
            path.display(),
            golden.display()
        );
    }
}

#[test]
fn princess_route_ascii_matches_golden() {
    check("princess");
}

#[test]
fn keydoor_route_ascii_matches_golden() {
    check("keydoor");
}
