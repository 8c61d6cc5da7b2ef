//! `lint --format github`: GitHub Actions workflow commands, one per finding,
//! so findings show as annotations on the pull request diff.

use strata_check::Analysis;
use strata_core::Severity;

use super::resolve_diagnostic;
use crate::root::OutputPaths;

/// One `::error file=…,line=…::message` line per finding; `file` is
/// relative to the git top-level, where the runner looks for it.
pub fn render(analysis: &Analysis, paths: &OutputPaths) -> String {
    let mut out = String::new();
    for d in &analysis.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(r) = resolve_diagnostic(analysis, d) {
            properties.push(format!(
                "file={}",
                escape_property(&paths.below_git_top(r.file))
            ));
            properties.push(format!("line={}", r.start.line));
            properties.push(format!("col={}", r.start.column));
            properties.push(format!("endLine={}", r.end.line));
            properties.push(format!("endColumn={}", r.end.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.code.as_str(), d.code.name()))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    out
}

/// Escaping of the message part (the runner's own rules).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of `key=value` properties, which also reserve `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reserved_characters() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("x: y, z"), "x%3A y%2C z");
    }
}
