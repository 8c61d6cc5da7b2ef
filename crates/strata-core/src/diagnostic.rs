//! Findings with a code, a severity, a location and advice.

use serde::Serialize;

use crate::{Code, Location, NodeId};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Deploying this breaks something.
    Error,
    /// Likely wrong or fragile.
    Warning,
    /// Worth knowing; nothing is wrong.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A secondary location that explains a finding (the other member of a cycle,
/// the first definition of a duplicate).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// One finding.
///
/// **Invariant:** `message` and `help` never contain a secret's value; a
/// finding about a secret names its key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Severity (usually the code's default).
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The offending value itself, when the finding has one.
    pub location: Option<Location>,
    /// The graph node the finding belongs to.
    pub node: Option<NodeId>,
    /// What to do next.
    pub help: Option<String>,
    /// Other places that explain the finding.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            location: None,
            node: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// Sets where the finding points.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Sets the node the finding belongs to.
    pub fn on(mut self, node: NodeId) -> Self {
        self.node = Some(node);
        self
    }

    /// Sets the advice.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Overrides the severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds a related location.
    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// The sort key of the contract: file, position, code (findings without a
    /// location sort first), then message for full determinism.
    pub fn sort_key(&self) -> (Option<&str>, usize, &'static str, &str) {
        (
            self.location.as_ref().map(|l| l.file.as_str()),
            self.location.as_ref().map_or(0, |l| l.span.start),
            self.code.as_str(),
            &self.message,
        )
    }
}

impl Diagnostic {
    /// Sorts findings into the contract's order and drops exact duplicates.
    pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diagnostics.dedup();
    }
}
