//! The Python remote client (python/priors_gym/remote.py, stdlib only) plays the solver's
//! princess route through a real `priors-serve` process and the episode verifies: runs
//! lab/web/tests/remote_client.py with the server binary and the route. Needs `python3`, so it
//! runs only with RUN_SLOW_TESTS (and then fails, never skips, without it).

mod common;

#[test]
fn the_python_client_plays_the_route_and_the_episode_verifies() {
    if priors_tests::skip_slow_tests("python3") {
        return;
    }
    let st = common::study("python", "");
    let route = st.0.join("route.csv");
    let mut csv = String::from("tick,action\n");
    for (i, a) in common::route().iter().enumerate() {
        csv.push_str(&format!("{i},{a}\n"));
    }
    std::fs::write(&route, csv).unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new("python3")
        .arg(repo.join("lab/web/tests/remote_client.py"))
        .arg("-v")
        .env("PRIORS_SERVE_BIN", env!("CARGO_BIN_EXE_priors-serve"))
        .env("PRIORS_ROUTE_CSV", &route)
        .output()
        .expect("running python3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("Ran 2 tests") && !err.contains("skipped"),
        "{err}"
    );
}
