//! Executing a change plan with recording stand-ins for colmena and kubectl:
//! the argv in plan order, a stop at the first failing step, `resume`
//! finishing it, and a refusal to resume another plan.

mod common;

use std::collections::BTreeSet;

use common::{fixture_analysis, stand_in_log, with_stand_ins, write_stand_ins};
use strata_core::NodeId;
use strata_plan::apply::{ApplyError, ApplyOptions, StepStatus, execute};
use strata_plan::{ChangePlanOptions, change_plan};

/// The k3s flag change on two servers of `plan-rolling`, run by stand-ins.
fn rolling_plan(dir: &std::path::Path, servers: &[&str]) -> strata_plan::Plan {
    let analysis = fixture_analysis("plan-rolling");
    let impacted: BTreeSet<NodeId> = servers.iter().map(|s| NodeId::host(s)).collect();
    let plan = change_plan(&analysis, &impacted, &ChangePlanOptions::default())
        .expect("the fixture has no cycle");
    with_stand_ins(&plan, dir)
}

fn options(dir: &std::path::Path, resume: bool) -> ApplyOptions {
    ApplyOptions {
        workdir: dir.to_path_buf(),
        state_file: dir.join("state/apply-state.json"),
        resume,
    }
}

const STEPS: [&str; 8] = [
    "kubectl drain node-a --ignore-daemonsets --delete-emptydir-data --timeout=600s",
    "colmena apply --on node-a switch",
    "kubectl wait --for=condition=Ready node/node-a --timeout=600s",
    "kubectl uncordon node-a",
    "kubectl drain node-b --ignore-daemonsets --delete-emptydir-data --timeout=600s",
    "colmena apply --on node-b switch",
    "kubectl wait --for=condition=Ready node/node-b --timeout=600s",
    "kubectl uncordon node-b",
];

#[test]
fn a_failing_health_gate_stops_the_run_and_resume_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    write_stand_ins(dir.path());
    let plan = rolling_plan(dir.path(), &["node-a", "node-b"]);
    std::fs::write(dir.path().join("fail"), "node/node-b").unwrap();
    let mut started = Vec::new();
    let report = execute(&plan, &options(dir.path(), false), &mut |event| {
        if let strata_plan::apply::StepEvent::Starting { index, .. } = event {
            started.push(index);
        }
    })
    .unwrap();
    assert_eq!(stand_in_log(dir.path()), STEPS[..7]);
    assert_eq!(started, (0..7).collect::<Vec<_>>());
    let failed = report.failed.as_ref().expect("the wait fails");
    assert_eq!((failed.index, failed.wave), (6, 6));
    assert_eq!(failed.target, "host/node-b");
    assert_eq!(failed.action, "wait");
    assert_eq!(failed.error, "exited with status 3");
    assert_eq!(report.statuses[6], StepStatus::Failed);
    assert_eq!(report.statuses[7], StepStatus::Pending);
    assert!(!report.finished());

    // Another plan (a third server changes too) may not resume this state.
    let other = rolling_plan(dir.path(), &["node-a", "node-b", "node-c"]);
    let refused = execute(&other, &options(dir.path(), true), &mut |_| {}).unwrap_err();
    assert!(matches!(refused, ApplyError::DifferentPlan { .. }));
    assert!(
        refused
            .to_string()
            .contains("run `strata apply --execute` to start over")
    );

    std::fs::remove_file(dir.path().join("fail")).unwrap();
    let report = execute(&plan, &options(dir.path(), true), &mut |_| {}).unwrap();
    assert!(report.finished());
    assert_eq!(stand_in_log(dir.path())[7..], STEPS[6..]);
    assert_eq!(
        report.statuses,
        [vec![StepStatus::DoneEarlier; 6], vec![StepStatus::Done; 2]].concat()
    );
}

#[test]
fn resume_needs_a_recorded_run() {
    let dir = tempfile::tempdir().unwrap();
    let plan = rolling_plan(dir.path(), &["node-a"]);
    let error = execute(&plan, &options(dir.path(), true), &mut |_| {}).unwrap_err();
    assert!(matches!(error, ApplyError::NoState(_)), "{error}");
}
