//! `strata apply` with recording stand-ins for colmena, deploy-rs, kubectl
//! and flux first on PATH: the right argv in order, a stop at the first
//! failing step, and `--resume` finishing the run.

mod common;

use std::process::Output;

use common::{copy_dir, fixture, log_lines, path_with, strata_with_env, write_stand_ins};

/// A copy of a fixture (apply writes its state below the root), and the
/// stand-ins with their log.
struct Setup {
    _dir: tempfile::TempDir,
    repo: std::path::PathBuf,
    bin: std::path::PathBuf,
    log: std::path::PathBuf,
}

fn setup(name: &str) -> Setup {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let repo = dir.path().join("repo");
    copy_dir(&fixture(name), &repo);
    let bin = dir.path().join("bin");
    write_stand_ins(&bin);
    let log = dir.path().join("log");
    Setup {
        repo,
        bin,
        log,
        _dir: dir,
    }
}

impl Setup {
    fn apply(&self, extra: &[&str], fail: &str) -> Output {
        let mut args = vec![
            "apply",
            self.repo.to_str().expect("a UTF-8 path"),
            "--eval",
            "static",
        ];
        args.extend_from_slice(extra);
        strata_with_env(
            &args,
            &[
                ("PATH", &path_with(&self.bin)),
                ("STANDIN_LOG", self.log.to_str().expect("a UTF-8 path")),
                ("STANDIN_FAIL", fail),
            ],
        )
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The bootstrap plan of `plan-rolling`, in execution order.
const ROLLING: [&str; 8] = [
    "colmena apply --on node-a switch",
    "colmena apply --on node-b switch",
    "colmena apply --on node-d switch",
    "colmena apply --on node-e switch",
    "colmena apply --on node-c switch",
    "flux reconcile kustomization flux-system --with-source",
    "flux reconcile kustomization infrastructure --with-source",
    "flux reconcile kustomization apps --with-source",
];

#[test]
fn without_execute_the_commands_are_printed_and_nothing_runs() {
    let s = setup("plan-rolling");
    let out = s.apply(&[], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let commands: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(commands, ROLLING);
    assert!(stdout.contains("# wave 3\nflux reconcile kustomization flux-system --with-source\n"));
    assert!(log_lines(&s.log).is_empty());
    assert!(
        !s.repo.join(".strata").exists(),
        "printing records no state"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&s.apply(&["--format", "json"], "").stdout).unwrap();
    assert_eq!(json["executed"], false);
    assert_eq!(json["steps"][0]["command"][0], "colmena");
    assert_eq!(json["steps"][0]["status"], "pending");
    assert_eq!(json["steps"].as_array().unwrap().len(), 8);
}

#[test]
fn execute_stops_at_the_failing_step_and_resume_finishes() {
    let s = setup("plan-rolling");
    let out = s.apply(&["--execute"], "reconcile kustomization infrastructure");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(log_lines(&s.log), ROLLING[..7]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "stopped at step 7 of 8 (wave 4): reconcile Kustomization/flux-system/infrastructure\n  $ flux reconcile kustomization infrastructure --with-source\n  exited with status 3\n6 of 8 steps done; fix the failure, then run `strata apply --resume`"
        ),
        "{stdout}"
    );
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(s.repo.join(".strata/apply-state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["completed"], 6);
    assert_eq!(
        state["failed"]["target"],
        "Kustomization/flux-system/infrastructure"
    );

    let out = s.apply(&["--resume", "--format", "json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut expected: Vec<&str> = ROLLING[..7].to_vec();
    expected.extend_from_slice(&ROLLING[6..]);
    assert_eq!(
        log_lines(&s.log),
        expected,
        "the failed step runs again, then the rest"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [["done-earlier"; 6].as_slice(), &["done"; 2]].concat()
    );
    assert!(json.get("failed").is_none());

    // A finished run resumes to nothing, and a fresh run of a stopped one
    // says it starts over.
    let out = s.apply(&["--resume"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(log_lines(&s.log).len(), 9);
    assert!(
        text(&out.stdout)
            .starts_with("applied 8 of 8 steps in 6 waves (8 of them by an earlier run)")
    );
}

#[test]
fn resume_refuses_a_state_recorded_for_another_plan() {
    let s = setup("plan-rolling");
    let out = s.apply(&["--execute"], "colmena apply --on node-c");
    assert_eq!(out.status.code(), Some(1));
    // The repository changes: node-e leaves the cluster.
    let flake = s.repo.join("flake.nix");
    let text_before = std::fs::read_to_string(&flake).unwrap();
    let start = text_before.find("      node-e = {").unwrap();
    let end = start + text_before[start..].find("      };\n    };").unwrap() + "      };\n".len();
    std::fs::write(
        &flake,
        format!("{}{}", &text_before[..start], &text_before[end..]),
    )
    .unwrap();
    let runs = log_lines(&s.log).len();
    let out = s.apply(&["--resume"], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot resume:") && stderr.contains("records another plan"),
        "{stderr}"
    );
    assert_eq!(log_lines(&s.log).len(), runs, "nothing ran");
}

#[test]
fn deploy_rs_hosts_run_deploy_in_the_repository_root() {
    let s = setup("nix-deploy-profile-missing-clean");
    let state = s.repo.parent().unwrap().join("state/apply.json");
    let out = s.apply(&["--execute", "--state", state.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(log_lines(&s.log), ["deploy .#edge-0", "deploy .#edge-1"]);
    assert!(state.is_file(), "the state goes where --state says");
    assert!(!s.repo.join(".strata").exists());
    assert_eq!(
        text(&out.stdout),
        format!(
            "applied 2 of 2 steps in 1 waves; state: {}\n",
            state.display()
        )
    );
}

#[test]
fn resume_without_a_state_and_a_missing_tool_are_reported() {
    let s = setup("nix-deploy-profile-missing-clean");
    let out = s.apply(&["--resume"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing to resume: no apply state at"));

    // No stand-ins on PATH: the step cannot start, and says what to do.
    let out = strata_with_env(
        &[
            "apply",
            s.repo.to_str().unwrap(),
            "--eval",
            "static",
            "--execute",
        ],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("`deploy` was not found; install it or put it on PATH"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn max_unavailable_must_be_at_least_one() {
    for command in ["plan", "apply"] {
        let out = common::strata(&[command, "--max-unavailable", "0", "--eval", "static"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(text(&out.stderr).contains("invalid value '0' for '--max-unavailable <N>'"));
    }
    let out = common::strata(&[
        "plan",
        common::fixture("plan-rolling")
            .to_str()
            .expect("a UTF-8 path"),
        "--max-unavailable",
        "2",
        "--eval",
        "static",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
