//! Which plan `plan` and `apply` compute, and `apply` itself: print the
//! plan's commands, or run them through `strata_plan::apply` with progress
//! on stderr and the outcome on stdout.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use strata_check::Analysis;
use strata_plan::apply::{ApplyOptions, DEFAULT_STATE_FILE, StepEvent, action_name};
use strata_plan::{ChangePlanOptions, Plan, PlanError};

use crate::output::redact::Redaction;
use crate::{PlanFormat, RepoArgs, ToolError, output, write_all};

/// How a change is rolled out through the cluster.
#[derive(Args)]
pub struct RolloutArgs {
    /// How many k3s agents a change plan (--from) drains and redeploys at
    /// once; servers always go one at a time.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pub max_unavailable: usize,
}

impl RolloutArgs {
    /// The change plan's options.
    pub fn change_options(&self) -> ChangePlanOptions {
        ChangePlanOptions {
            max_unavailable: self.max_unavailable,
            ..Default::default()
        }
    }
}

/// `apply`'s own options.
#[derive(Args)]
pub struct ApplyArgs {
    /// Apply only what changed since this git revision.
    #[arg(long)]
    pub from: Option<String>,
    /// The revision to apply (default: the working tree).
    #[arg(long)]
    pub to: Option<String>,
    #[command(flatten)]
    pub rollout: RolloutArgs,
    /// Run the commands (without it, they are only printed).
    #[arg(long)]
    pub execute: bool,
    /// Continue a stopped run after its last completed step (implies
    /// --execute); refused when the plan changed since.
    #[arg(long)]
    pub resume: bool,
    /// Where progress is recorded [default: PATH/.strata/apply-state.json].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// The analysis a plan is made for, and the plan: without `--from`, the
/// full bootstrap plan of the working tree.
pub fn planned(
    repo: &RepoArgs,
    from: Option<&str>,
    to: Option<&str>,
    rollout: &RolloutArgs,
) -> Result<(Analysis, Result<Plan, PlanError>), ToolError> {
    if let Some(from) = from {
        // Only what changed: the revision diff's impacted nodes, planned
        // on the analysis of `to` (the working tree when absent).
        let diff = strata_plan::diff_revisions(&repo.path, from, to, &crate::options(repo))
            .map_err(|e| ToolError(e.to_string()))?;
        let plan =
            strata_plan::change_plan(&diff.to_analysis, &diff.impacted, &rollout.change_options());
        return Ok((diff.to_analysis, plan));
    }
    if to.is_some() {
        return Err(ToolError(
            "`--to` needs `--from`: give the revision to plan from (e.g. `--from origin/main`), or drop `--to` for the full bootstrap plan".into(),
        ));
    }
    let analysis = crate::load(repo)?;
    let plan = strata_plan::bootstrap_plan(&analysis);
    Ok((analysis, plan))
}

/// `strata apply`: 0 when the commands were printed or all ran, 1 when a
/// step failed (or no plan could be computed), a `ToolError` (exit 2) when
/// the state file forbids or prevents the run.
pub fn run(
    repo: &RepoArgs,
    args: &ApplyArgs,
    format: PlanFormat,
    stdout: &mut impl Write,
) -> Result<u8, ToolError> {
    let (analysis, plan) = planned(
        repo,
        args.from.as_deref(),
        args.to.as_deref(),
        &args.rollout,
    )?;
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => return crate::print_plan_error(&analysis, &error, format, stdout),
    };
    let redaction = Redaction::new(&analysis);
    let state_file = args
        .state
        .clone()
        .unwrap_or_else(|| repo.path.join(DEFAULT_STATE_FILE));
    if !args.execute && !args.resume {
        let text = match format {
            PlanFormat::Human => redaction.for_terminal(&output::apply::script(&plan)),
            PlanFormat::Json => redaction.scrub(output::apply::json(&plan, None, &state_file)),
        };
        write_all(stdout, &text)?;
        return Ok(0);
    }
    let options = ApplyOptions {
        workdir: repo.path.clone(),
        state_file: state_file.clone(),
        resume: args.resume,
    };
    let mut progress = |event: StepEvent<'_>| {
        let line = match event {
            StepEvent::Skipped { count } => {
                format!("resuming: {count} steps done by an earlier run are skipped")
            }
            StepEvent::StartingOver { completed } => format!(
                "an earlier run of this plan stopped after {completed} of its steps; starting over (--resume continues it instead)"
            ),
            StepEvent::Starting {
                index,
                total,
                wave,
                step,
            } => format!(
                "[{}/{total}] wave {wave} {} {}: {}",
                index + 1,
                action_name(step.action),
                step.target,
                output::plan::shell_words(&step.command)
            ),
        };
        eprintln!("strata: {}", redaction.for_terminal(&line));
    };
    let report = strata_plan::apply::execute(&plan, &options, &mut progress)
        .map_err(|e| ToolError(e.to_string()))?;
    let text = match format {
        PlanFormat::Human => {
            redaction.for_terminal(&output::apply::human(&plan, &report, &state_file))
        }
        PlanFormat::Json => redaction.scrub(output::apply::json(&plan, Some(&report), &state_file)),
    };
    write_all(stdout, &text)?;
    Ok(u8::from(report.failed.is_some()))
}
