//! `lint --format human`: miette reports with source snippets, then a summary.

use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use strata_check::Analysis;
use strata_core::{Diagnostic, Severity, SourceFile};

use super::redact::{Redaction, escape_controls};

/// `--color`: when human output is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

/// How human output is laid out for the stream it goes to.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Wrap long lines at the report width (a terminal); a pipe or file
    /// gets each message on one line, for grep and editors.
    pub wrap: bool,
}

/// `--color` as given, once per run (every stream's style follows it).
static COLOR_WHEN: OnceLock<ColorWhen> = OnceLock::new();

/// Records `--color` for [`Style::for_stream`].
pub fn choose_color(when: ColorWhen) {
    let _ = COLOR_WHEN.set(when);
}

impl Style {
    /// The style for a stream that is (or is not) a terminal, under `--color`.
    pub fn for_stream(terminal: bool) -> Style {
        let when = COLOR_WHEN.get().copied().unwrap_or(ColorWhen::Auto);
        Style::decide(when, terminal, std::env::var_os("NO_COLOR").as_deref())
    }

    /// [`Style::for_stream`] with the value of `NO_COLOR` given.
    fn decide(when: ColorWhen, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Style {
        // https://no-color.org: only a non-empty value turns colour off.
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        let color = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal && !no_color,
        };
        Style {
            color,
            wrap: terminal,
        }
    }
}

/// What `lint --format human` lists.
#[derive(Clone, Copy, Debug)]
pub struct Listing {
    /// Colours and wrapping.
    pub style: Style,
    /// The closing summary line (off under `--quiet`).
    pub summary: bool,
    /// The suppressed findings too (`--show-suppressed`).
    pub suppressed: bool,
}

/// Every finding of the analysis, then the suppressed ones when asked, and
/// a summary line.
pub fn render(analysis: &Analysis, redaction: &Redaction, listing: Listing) -> String {
    let mut out = render_diagnostics(analysis, redaction, &analysis.diagnostics, listing.style);
    if listing.suppressed {
        out.push_str(&render_suppressed(analysis, redaction));
    }
    if !listing.summary {
        return out;
    }
    let (errors, warnings, infos) = analysis.counts();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{}: {}, {}, {} ({} nodes, {} edges)\n",
        if errors > 0 { "failed" } else { "ok" },
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(infos, "info"),
        analysis.graph.node_count(),
        analysis.graph.edge_count(),
    ));
    if !analysis.suppressed.is_empty() && !listing.suppressed {
        let n = analysis.suppressed.len();
        out.push_str(&format!(
            "{} suppressed (--show-suppressed lists {})\n",
            plural(n, "finding"),
            if n == 1 { "it" } else { "them" }
        ));
    }
    out
}

/// One line per suppressed finding: where, code, message, and why.
fn render_suppressed(analysis: &Analysis, redaction: &Redaction) -> String {
    if analysis.suppressed.is_empty() {
        return String::new();
    }
    let mut out = format!("suppressed ({}):\n", analysis.suppressed.len());
    for s in &analysis.suppressed {
        let d = &s.diagnostic;
        let place = match super::resolve_diagnostic(analysis, d) {
            Some(r) => format!("{}:{}:{}", r.file, r.start.line, r.start.column),
            None => "-".to_string(),
        };
        let by = match &s.suppression {
            Some(l) => {
                let at = super::resolve(analysis, l);
                format!("{}:{}", at.file, at.start.line)
            }
            None => "strata.toml".to_string(),
        };
        let reason = if s.reason.is_empty() {
            "no reason given".to_string()
        } else {
            s.reason.clone()
        };
        out.push_str(&format!(
            "  {place} {} {} {}: {} (suppressed by {by}: {})\n",
            d.severity.as_str(),
            d.code,
            d.code.name(),
            escape_controls(&redaction.scrub(&d.message)),
            escape_controls(&redaction.scrub(&reason)),
        ));
    }
    out.push('\n');
    out
}

/// The given findings as miette reports.
/// Snippets come from the redaction's masked sources; texts are scrubbed of
/// secret values and control characters here, before miette adds its own
/// colour escapes.
pub fn render_diagnostics(
    analysis: &Analysis,
    redaction: &Redaction,
    diagnostics: &[Diagnostic],
    style: Style,
) -> String {
    let masked = MaskedSources {
        analysis,
        redaction,
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_wrap_lines(style.wrap)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diagnostics {
        let report = Report::new(&masked, d);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!(
                "{} {}: {}\n",
                d.severity.as_str(),
                d.code,
                redaction.for_terminal(&d.message)
            ));
        }
        out.push('\n');
    }
    out
}

/// A finding seen through miette's eyes.
struct Report {
    code: String,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Option<FileSource>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

/// The analysis with its redaction: where snippets get their text.
struct MaskedSources<'a> {
    analysis: &'a Analysis,
    redaction: &'a Redaction,
}

impl MaskedSources<'_> {
    fn get(&self, path: &str) -> Option<Arc<SourceFile>> {
        self.redaction.source(self.analysis, path)
    }

    /// A message or label as a terminal may show it.
    fn text(&self, text: &str) -> String {
        escape_controls(&self.redaction.scrub(text))
    }
}

impl Report {
    fn new(analysis: &MaskedSources<'_>, d: &Diagnostic) -> Report {
        let source = d
            .location
            .as_ref()
            .and_then(|l| analysis.get(&l.file))
            .map(FileSource);
        let mut labels = Vec::new();
        if let Some(location) = &d.location {
            labels.push(LabeledSpan::new_primary_with_span(
                None,
                to_source_span(location.span),
            ));
        }
        let mut related = Vec::new();
        for r in &d.related {
            if Some(&r.location.file) == d.location.as_ref().map(|l| &l.file) {
                labels.push(LabeledSpan::new_with_span(
                    Some(analysis.text(&r.message)),
                    to_source_span(r.location.span),
                ));
            } else {
                related.push(Report {
                    code: String::new(),
                    severity: Severity::Info,
                    message: analysis.text(&r.message),
                    help: None,
                    source: analysis.get(&r.location.file).map(FileSource),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        None,
                        to_source_span(r.location.span),
                    )],
                    related: Vec::new(),
                });
            }
        }
        Report {
            code: d.code.as_str().to_string(),
            severity: d.severity,
            message: analysis.text(&d.message),
            help: d.help.as_deref().map(|h| analysis.text(h)),
            source,
            labels,
            related,
        }
    }
}

fn to_source_span(span: strata_core::Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (self.source.is_some() && !self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = _>>
        })
    }
}

/// A repository file as miette source, named by its repository-relative path.
struct FileSource(Arc<SourceFile>);

impl SourceCode for FileSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .0
            .text()
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.path().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use strata_core::{Code, Diagnostic, Location, RepoTree, Span};

    use super::{ColorWhen, Style};

    #[test]
    fn no_color_counts_only_when_non_empty() {
        let auto = |no_color: Option<&str>| {
            Style::decide(ColorWhen::Auto, true, no_color.map(OsStr::new)).color
        };
        assert!(auto(None));
        assert!(auto(Some("")), "an empty NO_COLOR does not turn colour off");
        assert!(!auto(Some("1")));
        assert!(!Style::decide(ColorWhen::Auto, false, None).color, "a pipe");
        assert!(Style::decide(ColorWhen::Always, false, Some(OsStr::new("1"))).color);
        assert!(!Style::decide(ColorWhen::Never, true, None).color);
        assert!(
            !Style::decide(ColorWhen::Auto, false, None).wrap,
            "a pipe is not wrapped"
        );
        assert!(Style::decide(ColorWhen::Never, true, None).wrap);
    }

    #[test]
    fn snippets_never_show_a_secret_value() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = dir.path().join("clusters/home");
        std::fs::create_dir_all(&cluster).unwrap();
        let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\nstringData:\n  password: hunter2-plaintext\n";
        std::fs::write(cluster.join("secret.yaml"), secret).unwrap();
        let analysis = strata_check::analyze_tree(&RepoTree::scan(dir.path()).unwrap(), Vec::new());
        let start = secret.find("hunter2").unwrap();
        let pointed = Diagnostic::new(Code::SecretPlaintext, "pointing right at the value").at(
            Location::new("clusters/home/secret.yaml", Span::new(start, start + 17)),
        );
        let redaction = super::Redaction::new(&analysis);
        let plain = super::Style {
            color: false,
            wrap: false,
        };
        let text = super::render_diagnostics(&analysis, &redaction, &[pointed], plain);
        assert!(text.contains("password: *****************"), "{text}");
        let listing = super::Listing {
            style: plain,
            summary: true,
            suppressed: true,
        };
        let everything = super::render(&analysis, &redaction, listing);
        assert!(
            !text.contains("hunter2") && !everything.contains("hunter2"),
            "{text}{everything}"
        );
    }
}
