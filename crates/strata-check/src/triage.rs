//! Which findings are reported: `strata.toml`'s `[rules]` turns codes off
//! and changes severities, `[[ignore]]` and inline `# strata: ignore[…]`
//! comments suppress findings (kept aside for `--show-suppressed`), and a
//! suppression without a reason (SUP001) or that suppresses nothing (SUP002)
//! is a finding itself. Every output format and the exit code see the result.

use std::collections::BTreeMap;

use strata_core::{Code, Diagnostic, Location, SourceDb};

use crate::config::Config;
use crate::suppressions::{self, FileSuppressions, Scope};

/// How a finding was suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// A `# strata: ignore[…]` or `ignore-file[…]` comment.
    InSource,
    /// An `[[ignore]]` table of `strata.toml`.
    Config,
}

impl SuppressionKind {
    /// `in-source` or `config`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "in-source",
            SuppressionKind::Config => "config",
        }
    }
}

/// A finding a suppression silenced.
#[derive(Clone, Debug)]
pub struct SuppressedFinding {
    /// The finding, as it would have been reported.
    pub diagnostic: Diagnostic,
    /// What suppressed it.
    pub kind: SuppressionKind,
    /// The reason the suppression gives.
    pub reason: String,
    /// Where the suppressing comment is (in-source only).
    pub suppression: Option<Location>,
}

/// How much of the repository this run judged, which decides whether a
/// suppression that matched nothing can be called unused.
#[derive(Clone, Copy, Debug)]
pub struct Coverage {
    /// Every cluster was analysed (no `--cluster`): a suppression in a file
    /// of a cluster left out would otherwise look unused.
    pub all_clusters: bool,
    /// The real Nix evaluated the hosts, so EVAL findings could appear.
    pub evaluated: bool,
}

impl Coverage {
    /// Whether this run could have produced a finding of one of `codes`.
    fn could_find(&self, codes: &[Code], config: &Config) -> bool {
        self.all_clusters
            && codes.iter().any(|c| {
                config.rules.enabled(*c) && (self.evaluated || !c.as_str().starts_with("EVAL"))
            })
    }
}

/// Applies the configuration and the inline suppressions of every YAML and
/// Nix file in `sources` to `diagnostics`: the findings to report, and the
/// suppressed ones.
pub fn triage(
    diagnostics: Vec<Diagnostic>,
    sources: &SourceDb,
    config: &Config,
    coverage: Coverage,
) -> (Vec<Diagnostic>, Vec<SuppressedFinding>) {
    let mut files: BTreeMap<String, FileSuppressions> = BTreeMap::new();
    for file in sources.iter() {
        // Cheap test first: most files mention no suppression at all.
        if suppressions::reads_comments(file.path()) && file.text().contains("strata:") {
            files.insert(file.path().to_string(), suppressions::read(file));
        }
    }
    // used[file][suppression][entry]
    let mut used: BTreeMap<&str, Vec<Vec<bool>>> = files
        .iter()
        .map(|(path, f)| {
            let marks = f
                .suppressions
                .iter()
                .map(|s| vec![false; s.entries.len()])
                .collect();
            (path.as_str(), marks)
        })
        .collect();
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for diagnostic in diagnostics {
        if !config.rules.enabled(diagnostic.code) {
            continue;
        }
        if let Some(found) = inline_match(&diagnostic, sources, &files, &mut used) {
            suppressed.push(found);
        } else {
            kept.extend(config_ignore(diagnostic, config, &mut suppressed));
        }
    }
    for (path, file) in &files {
        let marks = &used[path.as_str()];
        for (suppression, marks) in file.suppressions.iter().zip(marks) {
            for finding in suppression_findings(suppression, marks, config, sources, coverage) {
                if config.rules.enabled(finding.code) {
                    kept.extend(config_ignore(finding, config, &mut suppressed));
                }
            }
        }
        for malformed in &file.malformed {
            let finding = Diagnostic::new(
                Code::SuppressionUnused,
                "this `strata: ignore` comment is not a suppression strata reads; it suppresses nothing",
            )
            .at(Location::new(&malformed.file, malformed.span))
            .help("write `# strata: ignore[CODE] reason` (or `ignore-file[CODE]`), codes separated by commas");
            if config.rules.enabled(finding.code) {
                kept.extend(config_ignore(finding, config, &mut suppressed));
            }
        }
    }
    for d in kept
        .iter_mut()
        .chain(suppressed.iter_mut().map(|s| &mut s.diagnostic))
    {
        if let Some(severity) = config.rules.severity.get(&d.code) {
            d.severity = *severity;
        }
    }
    Diagnostic::sort(&mut kept);
    suppressed.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    (kept, suppressed)
}

/// The first inline suppression that covers `diagnostic`, marking every
/// entry that names its code as used.
fn inline_match(
    diagnostic: &Diagnostic,
    sources: &SourceDb,
    files: &BTreeMap<String, FileSuppressions>,
    used: &mut BTreeMap<&str, Vec<Vec<bool>>>,
) -> Option<SuppressedFinding> {
    let location = diagnostic.location.as_ref()?;
    let file = files.get(&location.file)?;
    let line = sources.start_of(location)?.line;
    let marks = used.get_mut(location.file.as_str())?;
    let mut first = None;
    for (index, suppression) in file.suppressions.iter().enumerate() {
        let applies = match suppression.scope {
            Scope::Line(l) => l == line,
            Scope::File => true,
        };
        if !applies {
            continue;
        }
        for (entry_index, entry) in suppression.entries.iter().enumerate() {
            if entry.codes.contains(&diagnostic.code) {
                marks[index][entry_index] = true;
                first.get_or_insert(suppression);
            }
        }
    }
    first.map(|suppression| SuppressedFinding {
        diagnostic: diagnostic.clone(),
        kind: SuppressionKind::InSource,
        reason: suppression.reason.clone(),
        suppression: Some(Location::new(&suppression.file, suppression.span)),
    })
}

/// `diagnostic` when no `[[ignore]]` table covers it; otherwise it is
/// pushed to `suppressed`.
fn config_ignore(
    diagnostic: Diagnostic,
    config: &Config,
    suppressed: &mut Vec<SuppressedFinding>,
) -> Option<Diagnostic> {
    let file = diagnostic.location.as_ref().map(|l| l.file.as_str());
    let table = file.and_then(|f| config.ignores.iter().find(|t| t.covers(diagnostic.code, f)));
    match table {
        Some(table) => {
            suppressed.push(SuppressedFinding {
                diagnostic,
                kind: SuppressionKind::Config,
                reason: table.reason.clone(),
                suppression: None,
            });
            None
        }
        None => Some(diagnostic),
    }
}

/// SUP001 for a suppression without a reason, SUP002 for each entry that
/// names no code or suppressed nothing (not judged when this run could not
/// have found its codes: turned off in strata.toml, EVAL codes without Nix,
/// or one cluster of several under `--cluster`).
fn suppression_findings(
    suppression: &suppressions::Suppression,
    marks: &[bool],
    config: &Config,
    sources: &SourceDb,
    coverage: Coverage,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let at = |span| Location::new(&suppression.file, span);
    if suppression.reason.is_empty() {
        findings.push(
            Diagnostic::new(
                Code::SuppressionReasonMissing,
                "this suppression gives no reason",
            )
            .at(at(suppression.span))
            .help("write why after the brackets: `# strata: ignore[CODE] why this is fine here`"),
        );
    }
    if suppression.entries.is_empty() {
        findings.push(
            Diagnostic::new(Code::SuppressionUnused, "this suppression names no code")
                .at(at(suppression.span))
                .help("name the codes to suppress: `# strata: ignore[FLUX015] reason`"),
        );
    }
    let place = match suppression.scope {
        Scope::Line(line) => {
            let in_file = sources
                .get(&suppression.file)
                .is_some_and(|f| f.line_start(line).is_some());
            if in_file {
                format!("line {line}")
            } else {
                "the line below it (the file ends here)".to_string()
            }
        }
        Scope::File => "this file".to_string(),
    };
    for (entry, used) in suppression.entries.iter().zip(marks) {
        if entry.codes.is_empty() {
            findings.push(
                Diagnostic::new(
                    Code::SuppressionUnused,
                    format!(
                        "`{}` is no strata code, rule name or code prefix; it suppresses nothing",
                        entry.text
                    ),
                )
                .at(at(entry.span))
                .help("`strata explain all` lists every code"),
            );
        } else if !used && coverage.could_find(&entry.codes, config) {
            findings.push(
                Diagnostic::new(
                    Code::SuppressionUnused,
                    format!("no `{}` finding on {place}: this suppresses nothing", entry.text),
                )
                .at(at(entry.span))
                .help(
                    "remove it (the finding is gone), or move it onto the finding's line or the line above",
                ),
            );
        }
    }
    findings
}
