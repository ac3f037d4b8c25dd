//! Where the catalog finds `data/` when run from a subfolder of a checkout. One test in its own
//! binary: it changes the process's working directory, which no other test may share.

use std::path::Path;

#[test]
fn a_command_run_from_a_subfolder_finds_the_data_above_it() {
    let tmp = std::env::temp_dir().join(format!("priors-datadir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let sub = tmp.join("lab").join("window");
    std::fs::create_dir_all(tmp.join("data").join("levels")).unwrap();
    std::fs::create_dir_all(&sub).unwrap();
    require_no_override();
    std::env::set_current_dir(&sub).unwrap();
    let found = priors_catalog::data_dir().unwrap();
    assert_eq!(
        found.canonicalize().unwrap(),
        tmp.join("data").canonicalize().unwrap(),
        "the data/ two folders above the working directory"
    );
    // ./data still comes first.
    std::fs::create_dir_all(sub.join("data").join("levels")).unwrap();
    assert_eq!(priors_catalog::data_dir().unwrap(), Path::new("data"));
    std::env::set_current_dir(std::env::temp_dir()).unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
}

/// `PRIORS_DATA` would win over the working directory; the test needs it unset, and refuses to
/// run (rather than unsetting it, which is `unsafe` in edition 2024) if it is set.
fn require_no_override() {
    assert!(
        std::env::var_os("PRIORS_DATA").is_none(),
        "run this test without PRIORS_DATA set"
    );
}
