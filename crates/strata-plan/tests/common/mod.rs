//! Helpers shared by strata-plan's integration tests: reading fixture
//! repositories and checking a plan's ordering and quorum invariants.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{NodeId, RepoTree};
use strata_plan::{Action, Plan};

/// The analysis of `tests/fixtures/NAME` (static Nix reading).
pub fn fixture_analysis(name: &str) -> strata_check::Analysis {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let tree = RepoTree::scan(&root).expect("the fixture is readable");
    strata_check::analyze_tree(&tree, Vec::new())
}

/// The first and last wave of each target's steps.
pub fn windows(plan: &Plan) -> BTreeMap<NodeId, (usize, usize)> {
    let mut windows: BTreeMap<NodeId, (usize, usize)> = BTreeMap::new();
    for wave in &plan.waves {
        for step in &wave.steps {
            let w = windows
                .entry(step.target.clone())
                .or_insert((wave.index, wave.index));
            w.0 = w.0.min(wave.index);
            w.1 = w.1.max(wave.index);
        }
    }
    windows
}

/// The wave of a target's step with this action.
pub fn wave_of(plan: &Plan, target: &NodeId, action: Action) -> Option<usize> {
    plan.waves
        .iter()
        .find(|w| {
            w.steps
                .iter()
                .any(|s| &s.target == target && s.action == action)
        })
        .map(|w| w.index)
}

/// Waves are numbered 0.. without gaps, none is empty, and a target has at
/// most one step per wave.
pub fn assert_well_formed(plan: &Plan) {
    for (i, wave) in plan.waves.iter().enumerate() {
        assert_eq!(wave.index, i, "waves are numbered without gaps");
        assert!(!wave.steps.is_empty(), "wave {i} is empty");
        let targets: BTreeSet<&NodeId> = wave.steps.iter().map(|s| &s.target).collect();
        assert_eq!(
            targets.len(),
            wave.steps.len(),
            "wave {i} holds a target twice"
        );
        for step in &wave.steps {
            assert!(!step.reasons.is_empty(), "{} has no reason", step.target);
            assert!(!step.command.is_empty(), "{} has no command", step.target);
        }
    }
}

/// `dependency` is entirely done before `dependent` starts.
pub fn assert_before(plan: &Plan, dependency: &NodeId, dependent: &NodeId) {
    let windows = windows(plan);
    let (Some(a), Some(b)) = (windows.get(dependency), windows.get(dependent)) else {
        return;
    };
    assert!(
        a.1 < b.0,
        "{dependency} (waves {}..={}) must end before {dependent} (waves {}..={}) starts",
        a.0,
        a.1,
        b.0,
        b.1
    );
}

/// The most targets of `group` that are between their first and last step
/// in any one wave.
pub fn most_at_once(plan: &Plan, group: &BTreeSet<NodeId>) -> usize {
    let windows = windows(plan);
    (0..plan.waves.len())
        .map(|w| {
            group
                .iter()
                .filter(|t| windows.get(*t).is_some_and(|(a, b)| *a <= w && w <= *b))
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Around every drained host: drain, then deploy, then wait, then uncordon,
/// each in a later wave.
pub fn assert_drain_order(plan: &Plan, host: &NodeId) {
    let drain = wave_of(plan, host, Action::Drain).expect("a drain step");
    let deploy = wave_of(plan, host, Action::DeployHost).expect("a deploy step");
    let wait = wave_of(plan, host, Action::Wait).expect("a wait step");
    let uncordon = wave_of(plan, host, Action::Uncordon).expect("an uncordon step");
    assert!(
        drain < deploy && deploy < wait && wait < uncordon,
        "{host}: drain {drain}, deploy {deploy}, wait {wait}, uncordon {uncordon}"
    );
}

/// Recording stand-ins for `colmena`, `deploy`, `kubectl` and `flux` in
/// `dir`: each appends its name and arguments to `dir/log`, and exits 3
/// when that line contains the text of `dir/fail` (if the file exists).
pub fn write_stand_ins(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    for tool in ["colmena", "deploy", "kubectl", "flux"] {
        let path = dir.join(tool);
        let script = format!(
            "#!/bin/sh\nhere=$(dirname \"$0\")\nline=\"{tool} $*\"\nprintf '%s\\n' \"$line\" >> \"$here/log\"\nif [ -f \"$here/fail\" ]; then\n  case \"$line\" in *\"$(cat \"$here/fail\")\"*) exit 3;; esac\nfi\nexit 0\n"
        );
        std::fs::write(&path, script).expect("write a stand-in");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make the stand-in executable");
    }
}

/// The plan with each command's program replaced by the stand-in of that
/// name in `dir` (the test process's PATH is not changed).
pub fn with_stand_ins(plan: &Plan, dir: &std::path::Path) -> Plan {
    let mut plan = plan.clone();
    for wave in &mut plan.waves {
        for step in &mut wave.steps {
            step.command[0] = dir.join(&step.command[0]).display().to_string();
        }
    }
    plan
}

/// The stand-ins' log lines.
pub fn stand_in_log(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}
