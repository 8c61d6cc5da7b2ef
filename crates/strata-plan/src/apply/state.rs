//! The apply state file: which plan a run executes and how far it got, so
//! `--resume` continues after the last completed step, and only for the
//! same plan.
//!
//! ```json
//! { "version": 1, "plan": "sha256:…", "steps": 12, "completed": 5,
//!   "failed": { "index": 5, "wave": 2, "action": "deploy-host", "target": "host/a",
//!               "command": ["colmena", "apply", "--on", "a", "switch"],
//!               "error": "exited with status 1" } }
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The state file's contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyState {
    /// Format version (1).
    pub version: u32,
    /// The plan's fingerprint ([`super::plan_fingerprint`]).
    pub plan: String,
    /// How many steps the plan has.
    pub steps: usize,
    /// How many steps, in execution order, have completed.
    pub completed: usize,
    /// The step that failed last, if the run stopped on one.
    #[serde(default)]
    pub failed: Option<FailedStep>,
}

/// A failed step as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedStep {
    /// 0-based position in execution order.
    pub index: usize,
    /// Its wave.
    pub wave: usize,
    /// Its action (`deploy-host`, `drain`, …).
    pub action: String,
    /// Its target node id.
    pub target: String,
    /// The argv that failed.
    pub command: Vec<String>,
    /// What went wrong (exit status, or why it could not start).
    pub error: String,
}

/// Reads a state file: `Ok(None)` when there is none.
pub(crate) fn read(path: &Path) -> Result<Option<ApplyState>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("not an apply state file ({e})"))
}

/// Writes a state file whole (a temporary file renamed over it, so an
/// interrupted write never leaves half a state).
pub(crate) fn write(path: &Path, state: &ApplyState) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    let mut text = serde_json::to_string_pretty(state).map_err(|e| e.to_string())?;
    text.push('\n');
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, text).map_err(|e| e.to_string())?;
    std::fs::rename(&temporary, path).map_err(|e| e.to_string())
}
