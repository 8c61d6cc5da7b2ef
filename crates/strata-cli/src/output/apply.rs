//! `apply`: the plan's commands as a script, and what a run did.

use std::path::Path;

use serde_json::json;
use strata_plan::Plan;
use strata_plan::apply::{ApplyReport, StepStatus, action_name, plan_fingerprint};

use super::plan::shell_words;
use super::to_json_text;

/// The commands in order, one per line, under a `# wave N` comment: a
/// script a user can read, or run as is.
pub fn script(plan: &Plan) -> String {
    let steps = plan.steps().count();
    let mut out = format!(
        "# strata apply: {steps} steps in {} waves ({}); `strata apply --execute` runs them in this order\n",
        plan.waves.len(),
        plan_fingerprint(plan)
    );
    for wave in &plan.waves {
        out.push_str(&format!("\n# wave {}\n", wave.index));
        for step in &wave.steps {
            out.push_str(&shell_words(&step.command));
            out.push('\n');
        }
    }
    out
}

/// `{ "version": 1, "plan": "sha256:…", "executed": …, "steps": [...] }`,
/// with `state_file` and `failed` when a run happened.
pub fn json(plan: &Plan, report: Option<&ApplyReport>, state_file: &Path) -> String {
    let statuses: Vec<StepStatus> = match report {
        Some(report) => report.statuses.clone(),
        None => vec![StepStatus::Pending; plan.steps().count()],
    };
    let steps: Vec<serde_json::Value> = plan
        .waves
        .iter()
        .flat_map(|w| w.steps.iter().map(move |s| (w.index, s)))
        .zip(&statuses)
        .map(|((wave, step), status)| {
            json!({
                "wave": wave,
                "action": action_name(step.action),
                "target": step.target,
                "command": step.command,
                "status": status,
            })
        })
        .collect();
    let mut object = json!({
        "version": 1,
        "plan": plan_fingerprint(plan),
        "executed": report.is_some(),
        "steps": steps,
    });
    if let Some(report) = report {
        object["state_file"] = json!(state_file.display().to_string());
        if let Some(failed) = &report.failed {
            object["failed"] = serde_json::to_value(failed).unwrap_or_default();
        }
    }
    to_json_text(&object)
}

/// What a run did, and what to do next when it stopped.
pub fn human(plan: &Plan, report: &ApplyReport, state_file: &Path) -> String {
    let total = report.statuses.len();
    let done = report
        .statuses
        .iter()
        .filter(|s| matches!(s, StepStatus::Done | StepStatus::DoneEarlier))
        .count();
    let earlier = report
        .statuses
        .iter()
        .filter(|s| **s == StepStatus::DoneEarlier)
        .count();
    let state = state_file.display();
    let Some(failed) = &report.failed else {
        let skipped = if earlier > 0 {
            format!(" ({earlier} of them by an earlier run)")
        } else {
            String::new()
        };
        return format!(
            "applied {done} of {total} steps in {} waves{skipped}; state: {state}\n",
            plan.waves.len()
        );
    };
    format!(
        "stopped at step {} of {total} (wave {}): {} {}\n  $ {}\n  {}\n{done} of {total} steps done; fix the failure, then run `strata apply --resume` to continue from this step (state: {state})\n",
        failed.index + 1,
        failed.wave,
        failed.action,
        failed.target,
        shell_words(&failed.command),
        failed.error,
    )
}
