//! Executing a plan: each step's argv run directly (no shell), wave by wave
//! and step by step in plan order, stopping at the first failing step. The
//! progress is recorded in a state file ([`state`]) after every step, so a
//! stopped or interrupted run continues with `resume` after the last
//! completed step — and only if the plan is still the same.

pub mod state;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use sha2::{Digest, Sha256};
use strata_core::NodeId;

use crate::{Action, Plan, PlanStep};
pub use state::{ApplyState, FailedStep};

/// Where the state file lives unless told otherwise, relative to the
/// repository root.
pub const DEFAULT_STATE_FILE: &str = ".strata/apply-state.json";

/// How to execute.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// The directory commands run in (the repository root: flake references
    /// like `.#host` are relative to it).
    pub workdir: PathBuf,
    /// The state file.
    pub state_file: PathBuf,
    /// Continue after the last completed step of the recorded run.
    pub resume: bool,
}

/// What became of one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Not run.
    Pending,
    /// Completed by an earlier run (skipped by `resume`).
    DoneEarlier,
    /// Completed by this run.
    Done,
    /// Run and failed: the run stopped here.
    Failed,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct ApplyReport {
    /// The plan's fingerprint.
    pub plan: String,
    /// Each step's status, in execution order (as [`Plan::steps`]).
    pub statuses: Vec<StepStatus>,
    /// The step the run stopped on.
    pub failed: Option<FailedStep>,
}

impl ApplyReport {
    /// Whether every step has completed.
    pub fn finished(&self) -> bool {
        self.failed.is_none()
            && self
                .statuses
                .iter()
                .all(|s| matches!(s, StepStatus::Done | StepStatus::DoneEarlier))
    }
}

/// Told before and after each step runs.
pub enum StepEvent<'a> {
    /// About to run step `index` (0-based) of `total`.
    Starting {
        /// Position in execution order.
        index: usize,
        /// How many steps the plan has.
        total: usize,
        /// The step's wave.
        wave: usize,
        /// The step.
        step: &'a PlanStep,
    },
    /// `resume` skips the steps an earlier run completed.
    Skipped {
        /// How many.
        count: usize,
    },
    /// A run without `resume` found an unfinished earlier run of the same
    /// plan, and starts over.
    StartingOver {
        /// How many steps the earlier run completed.
        completed: usize,
    },
}

/// Why a run could not start (the tool's failure, not a step's).
#[derive(Clone, Debug)]
pub enum ApplyError {
    /// `resume` without a state file.
    NoState(PathBuf),
    /// The state file records a different plan.
    DifferentPlan {
        /// The state file.
        path: PathBuf,
        /// The plan it records.
        recorded: String,
        /// The plan computed now.
        current: String,
    },
    /// The state file cannot be read or written.
    State {
        /// The state file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApplyError::NoState(path) => write!(
                f,
                "nothing to resume: no apply state at `{}`; run `strata apply --execute` first",
                path.display()
            ),
            ApplyError::DifferentPlan {
                path,
                recorded,
                current,
            } => write!(
                f,
                "cannot resume: `{}` records another plan ({recorded}) than the one computed now ({current}); the repository or the options changed since, so run `strata apply --execute` to start over",
                path.display()
            ),
            ApplyError::State { path, reason } => write!(
                f,
                "cannot use the apply state file `{}`: {reason}; pass another path with --state",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ApplyError {}

/// A fingerprint of what a plan runs: `sha256:` over each step's wave,
/// action, target and argv (not its reasons, whose wording may change).
pub fn plan_fingerprint(plan: &Plan) -> String {
    let steps: Vec<(usize, Action, &NodeId, &[String])> = plan
        .waves
        .iter()
        .flat_map(|w| {
            w.steps
                .iter()
                .map(move |s| (w.index, s.action, &s.target, s.command.as_slice()))
        })
        .collect();
    let text = serde_json::to_string(&steps).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Runs the plan's steps in order, from the start or (with `resume`) after
/// the last step the state file records as completed. Stops at the first
/// step that fails to start or exits unsuccessfully; the report names it.
/// Children's standard output goes to standard error, so the caller's
/// standard output stays its own.
pub fn execute(
    plan: &Plan,
    options: &ApplyOptions,
    on_event: &mut dyn FnMut(StepEvent<'_>),
) -> Result<ApplyReport, ApplyError> {
    let path = &options.state_file;
    let state_error = |reason: String| ApplyError::State {
        path: path.clone(),
        reason,
    };
    let fingerprint = plan_fingerprint(plan);
    let steps: Vec<(usize, &PlanStep)> = plan
        .waves
        .iter()
        .flat_map(|w| w.steps.iter().map(move |s| (w.index, s)))
        .collect();
    let mut state = ApplyState {
        version: 1,
        plan: fingerprint.clone(),
        steps: steps.len(),
        completed: 0,
        failed: None,
    };
    if options.resume {
        let recorded = state::read(path)
            .map_err(state_error)?
            .ok_or_else(|| ApplyError::NoState(path.clone()))?;
        if recorded.plan != fingerprint || recorded.steps != steps.len() {
            return Err(ApplyError::DifferentPlan {
                path: path.clone(),
                recorded: recorded.plan,
                current: fingerprint,
            });
        }
        state.completed = recorded.completed.min(steps.len());
    } else if let Ok(Some(earlier)) = state::read(path)
        && earlier.plan == fingerprint
        && earlier.completed < earlier.steps
    {
        on_event(StepEvent::StartingOver {
            completed: earlier.completed,
        });
    }
    let mut statuses = vec![StepStatus::Pending; steps.len()];
    for status in statuses.iter_mut().take(state.completed) {
        *status = StepStatus::DoneEarlier;
    }
    if state.completed > 0 {
        on_event(StepEvent::Skipped {
            count: state.completed,
        });
    }
    state::write(path, &state).map_err(state_error)?;
    for (index, (wave, step)) in steps.iter().enumerate().skip(state.completed) {
        on_event(StepEvent::Starting {
            index,
            total: steps.len(),
            wave: *wave,
            step,
        });
        if let Err(error) = run(&step.command, &options.workdir) {
            statuses[index] = StepStatus::Failed;
            let failed = FailedStep {
                index,
                wave: *wave,
                action: action_name(step.action).to_string(),
                target: step.target.to_string(),
                command: step.command.clone(),
                error,
            };
            state.failed = Some(failed.clone());
            state::write(path, &state).map_err(state_error)?;
            return Ok(ApplyReport {
                plan: fingerprint,
                statuses,
                failed: Some(failed),
            });
        }
        statuses[index] = StepStatus::Done;
        state.completed = index + 1;
        state::write(path, &state).map_err(state_error)?;
    }
    Ok(ApplyReport {
        plan: fingerprint,
        statuses,
        failed: None,
    })
}

/// The action as the contract spells it.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::DeployHost => "deploy-host",
        Action::Reconcile => "reconcile",
        Action::Drain => "drain",
        Action::Uncordon => "uncordon",
        Action::Wait => "wait",
    }
}

/// Runs one argv to completion in `workdir`.
fn run(argv: &[String], workdir: &Path) -> Result<(), String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("the step has no command".to_string());
    };
    let status = Command::new(program)
        .args(args)
        .current_dir(workdir)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("`{program}` was not found; install it or put it on PATH")
            }
            _ => format!("`{program}` could not start: {e}"),
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("was stopped ({status})"),
        })
    }
}
