//! `plan`: the deploy plan for people and for machines.

use serde_json::json;
use strata_check::Analysis;
use strata_core::Diagnostic;
use strata_plan::{Action, Plan};

use super::to_json_text;

/// `{ "version": 1, "waves": [...] }` exactly as CONTRACT.md shows it.
pub fn json(plan: &Plan) -> String {
    let waves = serde_json::to_value(&plan.waves).unwrap_or_default();
    to_json_text(&json!({ "version": 1, "waves": waves }))
}

/// The contract's plan object when no plan can be computed: no waves, and
/// the findings that say why, in the lint shape.
pub fn json_without_plan(analysis: &Analysis, diagnostics: &[Diagnostic]) -> String {
    let diagnostics: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| super::lint_json::diagnostic(analysis, d))
        .collect();
    to_json_text(&json!({ "version": 1, "waves": [], "diagnostics": diagnostics }))
}

/// Waves, steps, the command to run and why the step waits where it does.
pub fn human(plan: &Plan) -> String {
    let steps = plan.steps().count();
    let mut out = format!(
        "Deploy plan: {} waves, {} steps (steps within a wave may run in parallel)\n",
        plan.waves.len(),
        steps
    );
    for wave in &plan.waves {
        out.push_str(&format!("\nwave {}\n", wave.index));
        for step in &wave.steps {
            let action = match step.action {
                Action::DeployHost => "deploy-host",
                Action::Reconcile => "reconcile",
                Action::Drain => "drain",
                Action::Uncordon => "uncordon",
                Action::Wait => "wait",
            };
            out.push_str(&format!("  {action:<11} {}\n", step.target));
            out.push_str(&format!("    $ {}\n", shell_words(&step.command)));
            for reason in &step.reasons {
                out.push_str(&format!("    because {reason}\n"));
            }
        }
    }
    out
}

/// The argv as a shell line, quoting words that need it.
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./#@=:,+".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
