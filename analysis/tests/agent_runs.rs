//! Agent run folders as `priors train` and `priors eval` write them (issue 4's format, restated
//! here as fixtures): config.toml, summary.json, episodes.csv and recorded evaluation episodes.
//! Checks the Fig. 8 table (failed seeds counted), the learning curve input and the replay of
//! evaluation recordings for agent heatmaps.

mod common;

use priors_analysis::collect::Options;
use priors_core::trace::TickRow;
use priors_core::{Rules, World, step};
use std::path::Path;

fn run(root: &Path, cond: &str, seed: u64, first: Option<u64>) -> std::path::PathBuf {
    let dir = root.join(format!("princess_{cond}_ppo-icm_s{seed}_20260101T000000Z"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!("[run]\nlevel = \"princess\"\ncondition = \"{cond}\"\nlevel_sha256 = \"x\"\ncondition_sha256 = \"x\"\nobs = \"pixels\"\nobs_width = 42\nobs_height = 42\naction_set = \"effective\"\ngit_hash = \"abc\"\ncreated_utc = \"2026-01-01T00:00:00Z\"\n\n[train]\nalgo = \"ppo\"\nbonus = \"icm\"\nseed = {seed}\nmax_steps = 100000\nnum_envs = 8\n"),
    )
    .unwrap();
    let first_json = first.map_or("null".to_string(), |f| f.to_string());
    std::fs::write(
        dir.join("summary.json"),
        format!("{{\"steps_to_first_completion\": {first_json}, \"steps_to_reliable_completion\": null, \"total_env_steps\": 100000, \"episodes\": 3, \"successes\": {}, \"final_success_rate\": 0.0, \"wall_time_s\": 1.0, \"steps_per_s\": 1.0, \"device\": \"cpu\", \"torch_threads\": 1, \"stopped_early\": false, \"complete\": true, \"a_future_field\": 1}}\n", first.is_some() as u32),
    )
    .unwrap();
    std::fs::write(
        dir.join("episodes.csv"),
        "env_steps_total,episode,env,length,ret,success,death_cause,truncated,unique_positions,deaths\n10000,0,0,2000,0,false,NA,true,300,0\n60000,1,1,40,0,false,fire,false,20,1\n90000,2,0,95,1,true,NA,false,80,0\n",
    )
    .unwrap();
    dir
}

fn record(dir: &Path, actions: &[priors_core::Action]) {
    let level = priors_catalog::load_level("princess").unwrap().value;
    let rules = Rules::agent();
    std::fs::create_dir_all(dir).unwrap();
    let mut w = csv::Writer::from_path(dir.join("ticks.csv")).unwrap();
    let mut world = World::new(&level);
    for &a in actions {
        if world.is_done() {
            break;
        }
        let ev = step(&level, &rules, &mut world, a);
        w.serialize(TickRow::new(
            &level,
            &world,
            a,
            &ev,
            !ev.is_empty() || world.tick.is_multiple_of(30),
        ))
        .unwrap();
    }
    w.flush().unwrap();
}

#[test]
fn runs_give_the_agent_table_and_eval_recordings_replay_into_heatmaps() {
    let root = common::tmp("agent-runs");
    let runs = root.join("runs");
    let route = common::route("princess");
    for (cond, firsts) in [
        ("original", [Some(4000), Some(6000), None]),
        ("masked-similarity", [Some(9000), None, None]),
    ] {
        for (i, f) in firsts.into_iter().enumerate() {
            let dir = run(&runs, cond, i as u64 + 1, f);
            if i == 0 {
                record(&dir.join("eval_greedy/episode_0000"), &route);
                record(&dir.join("eval_greedy/episode_0001"), &route[..20]);
                common::tamper(&dir.join("eval_greedy/episode_0001/ticks.csv"), 5, |r| {
                    r.replacen(",false,", ",true,", 1)
                });
            }
        }
    }
    let out = root.join("report");
    let r = priors_analysis::report::analyze(
        &[runs],
        &out,
        &Options {
            threads: 2,
            solver_max_states: 2_000_000,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!((r.found, r.included, r.failed), (6, 6, 0), "{r:?}");
    let agent = std::fs::read_to_string(out.join("agent.csv")).unwrap();
    // original: 2 of 3 seeds succeeded (mean 5000), one failed and counted. The learner is
    // named with its action set and observation; the paper's 4.1 M (A3C + ICM) is not set
    // beside PPO.
    assert!(
        agent.contains("princess,ppo/effective/pixels-42x42,icm,original,3,2,1,5000,1000,5000,"),
        "{agent}"
    );
    assert!(
        agent.contains(
            "princess,ppo/effective/pixels-42x42,icm,masked-similarity,3,1,2,9000,NA,9000,"
        ),
        "{agent}"
    );
    let orig = agent_row(&out.join("agent.csv"), "original");
    assert_eq!(orig["paper_msteps"], "NA", "{orig:?}");
    let seed1 = csv_rows(&out.join("summary.csv"))
        .into_iter()
        .find(|r| r["id"].starts_with("princess_original_ppo-icm_s1_"))
        .unwrap();
    assert_eq!(
        (
            seed1["eval_episodes"].as_str(),
            seed1["eval_diverged"].as_str()
        ),
        ("2", "1"),
        "{seed1:?}"
    );
    assert!(
        out.join("figures/heatmap_agent_princess_original.png")
            .is_file(),
        "{:?}",
        r.figures
    );
    assert!(
        out.join("figures/learning_princess_ppo_effective_pixels-42x42_icm.svg")
            .is_file()
    );
    let ratios = std::fs::read_to_string(out.join("ratios.csv")).unwrap();
    assert!(
        ratios.contains(&format!(
            "princess,original,0,NA,ppo/effective/pixels-42x42+icm,2,5000,NA,{},NA,",
            route.len()
        )),
        "{ratios}"
    );
}

#[test]
fn the_paper_preset_is_named_and_shown_beside_the_papers_figures() {
    let root = common::tmp("paper-preset");
    let runs = root.join("runs");
    let dir = run(&runs, "original", 1, Some(50_000));
    let cfg = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let cfg = cfg
        .replace("action_set = \"effective\"", "action_set = \"six\"")
        .replace("obs = \"pixels\"", "obs = \"pixels_area\"")
        .replace("[train]\n", "[train]\npreset = \"paper\"\n");
    std::fs::write(dir.join("config.toml"), cfg).unwrap();
    let sub = run(&runs, "masked-semantics", 1, None);
    let cfg = std::fs::read_to_string(sub.join("config.toml")).unwrap();
    std::fs::write(
        sub.join("config.toml"),
        cfg.replace("[train]\n", "[train]\ncount_subtract_start = true\n")
            .replace("bonus = \"icm\"", "bonus = \"count\""),
    )
    .unwrap();
    let out = root.join("report");
    priors_analysis::report::analyze(
        &[runs],
        &out,
        &Options {
            threads: 1,
            solver_max_states: 2_000_000,
            ..Options::default()
        },
    )
    .unwrap();
    let agent = std::fs::read_to_string(out.join("agent.csv")).unwrap();
    let paper = csv_rows(&out.join("agent.csv"))
        .into_iter()
        .find(|r| {
            (
                r["level"].as_str(),
                r["algo"].as_str(),
                r["bonus"].as_str(),
                r["condition"].as_str(),
            ) == ("princess", "paper/six/pixels_area-42x42", "icm", "original")
        })
        .unwrap_or_else(|| panic!("{agent}"));
    assert_eq!(paper["paper_msteps"], "4.1", "{paper:?}");
    assert!(
        agent.contains(",count-subtract-start,masked-semantics,"),
        "the subtracting count variant is named: {agent}"
    );
}

/// Every row of a CSV as column name -> value, read by the csv crate by header name.
fn csv_rows(csv_path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(csv_path).unwrap();
    rdr.deserialize().map(|r| r.unwrap()).collect()
}

/// One row of agent.csv as column name -> value, found by its condition.
fn agent_row(csv_path: &Path, condition: &str) -> std::collections::BTreeMap<String, String> {
    csv_rows(csv_path)
        .into_iter()
        .find(|m| m["condition"] == condition)
        .unwrap_or_else(|| panic!("no {condition} row"))
}

#[test]
fn runs_pair_by_seed_with_censored_runs_at_their_budget() {
    let root = common::tmp("paired");
    let runs = root.join("runs");
    // Budget 100,000 env steps (every fixture run took all of it); None = never completed.
    let original = [Some(4000), Some(6000), None, Some(5000), None];
    let masked = [Some(9000), None, None, Some(8000), Some(7000)];
    for (cond, firsts) in [("original", original), ("masked-similarity", masked)] {
        for (i, f) in firsts.into_iter().enumerate() {
            run(&runs, cond, i as u64 + 1, f);
        }
    }
    // A seed with two runs in one condition pairs ambiguously and is left out.
    let extra = run(&runs, "masked-similarity", 6, Some(1000));
    std::fs::rename(&extra, runs.join("princess_masked-similarity_ppo-icm_s6_b")).unwrap();
    run(&runs, "masked-similarity", 6, Some(2000));
    run(&runs, "original", 6, Some(3000));
    let out = root.join("report");
    priors_analysis::report::analyze(
        &[runs],
        &out,
        &Options {
            threads: 1,
            solver_max_states: 0,
            ..Options::default()
        },
    )
    .unwrap();
    let row = agent_row(&out.join("agent.csv"), "masked-similarity");
    // Differences masked - original by seed, censored at the budget 100,000:
    //   s1 9000 - 4000 = 5000; s2 100000 - 6000 = 94000 (censored vs completed);
    //   s3 both censored: a tie, 0; s4 8000 - 5000 = 3000; s5 7000 - 100000 = -93000.
    // Signed-rank: the zero is dropped; |d| 3000, 5000, 93000, 94000 rank 1, 2, 3, 4; W+ = 1 +
    // 2 + 4 = 7, mean 5. Of the 16 subsets of {1, 2, 3, 4}, sums at least 2 from 5 (<= 3 or
    // >= 7) number 1 + 1 + 1 + 2 + 2 + 1 + 1 + 1 = 10: p = 10 / 16 = 0.625.
    // Paired permutation: sum 9000; of the 16 sign patterns of (5000, 94000, 3000, 93000) (the
    // zero doubles both counts), |sum| >= 9000 holds for the 8 where 94000 and 93000 agree in
    // sign and for 5000 + 3000 +- (94000 - 93000) at its extremes (2): 10 / 16 = 0.625.
    for (col, want) in [
        ("n_seeds", "7"),
        ("n_pairs", "5"),
        ("paired_diff_median", "3000"),
        ("wilcoxon_w_plus", "7"),
        ("wilcoxon_p", "0.625"),
        ("wilcoxon_p_holm", "0.625"),
        ("wilcoxon_exact", "true"),
        ("paired_perm_p", "0.625"),
        ("paired_perm_exact", "true"),
    ] {
        assert_eq!(row[col], want, "{col}: {row:?}");
    }
    let orig = agent_row(&out.join("agent.csv"), "original");
    assert_eq!(
        (orig["n_pairs"].as_str(), orig["wilcoxon_p"].as_str()),
        ("NA", "NA"),
        "{orig:?}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("Wilcoxon signed-rank")
            && md.contains("a pair where both runs are censored is a tie"),
        "{md}"
    );
}
