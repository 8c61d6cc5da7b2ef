//! `strata.toml` at the repository root: what to analyse and which findings
//! to report.
//!
//! ```toml
//! [paths]
//! # Test fixtures, vendored charts: not part of what this repository deploys.
//! exclude = ["tests/fixtures", "**/vendor"]
//!
//! [rules]
//! select = ["FLUX", "NIX", "K3S"]      # codes or prefixes; default: every code
//! ignore = ["FLUX016"]                 # the most specific selector wins
//!
//! [rules.severity]
//! FLUX013 = "error"                    # error | warning | info
//!
//! [[ignore]]
//! paths = ["flux/apps/legacy"]         # globs, as in `exclude`
//! codes = ["FLUX015", "FLUX016"]
//! reason = "frozen until the migration" # optional
//!
//! [flux]
//! # The directory Flux syncs, when strata does not find it by itself.
//! entry = "kubernetes/flux/cluster"
//! ```
//!
//! Parsing never fails: a file that is not TOML or has an unknown key is one
//! CFG001 finding and the default configuration; an unknown code, a bad
//! glob or a bad severity is a CFG001 at that value, and the rest of the
//! file still applies.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use strata_core::{Code, Diagnostic, Location, PathPatterns, Severity, SourceFile, Span};
use toml::Spanned;

/// The configuration file's name, at the repository root.
pub const CONFIG_FILE: &str = "strata.toml";

/// The settings of `strata.toml`, resolved (all optional).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Which parts of the tree to read.
    pub paths: PathsConfig,
    /// Where the Flux tree starts.
    pub flux: FluxConfig,
    /// Which codes are reported, and how severe they are.
    pub rules: RulesConfig,
    /// `[[ignore]]`: codes not reported below some paths.
    pub ignores: Vec<PathIgnore>,
}

/// `[flux]`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FluxConfig {
    /// The directory Flux syncs (repository-relative), for a repository
    /// whose sync root strata does not find by itself.
    #[serde(default)]
    pub entry: Option<String>,
}

/// `[paths]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathsConfig {
    /// Globs of repository-relative files or directories never read.
    pub exclude: Vec<String>,
}

/// `[rules]`: the codes turned off, and severity overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesConfig {
    /// Codes `select`/`ignore` turn off.
    pub disabled: BTreeSet<Code>,
    /// `[rules.severity]`, resolved to each code it names.
    pub severity: BTreeMap<Code, Severity>,
}

impl RulesConfig {
    /// Whether findings of `code` are reported. CFG001 always is: a broken
    /// configuration cannot hide itself.
    pub fn enabled(&self, code: Code) -> bool {
        code == Code::ConfigInvalid || !self.disabled.contains(&code)
    }
}

/// One `[[ignore]]` table.
#[derive(Clone, Debug)]
pub struct PathIgnore {
    /// The globs of `paths`.
    pub paths: PathPatterns,
    /// The codes of `codes`.
    pub codes: BTreeSet<Code>,
    /// Its `reason`, or a description of the table.
    pub reason: String,
}

impl PathIgnore {
    /// Whether this table ignores a finding of `code` in `file`.
    pub fn covers(&self, code: Code, file: &str) -> bool {
        self.codes.contains(&code) && self.paths.matches(file)
    }
}

/// The codes a selector names: an exact code (`FLUX013`), a rule name
/// (`chart-version-unpinned`) or a prefix of codes (`FLUX`, `K3S00`).
/// The second value is the selector's specificity (longer wins); an empty
/// list means it names nothing.
pub fn select_codes(selector: &str) -> (Vec<Code>, usize) {
    let selector = selector.trim();
    if let Some(code) = Code::parse(selector) {
        return (vec![code], usize::MAX);
    }
    let upper = selector.to_ascii_uppercase();
    if upper.is_empty() {
        return (Vec::new(), 0);
    }
    let codes = Code::ALL
        .iter()
        .copied()
        .filter(|c| c.as_str().starts_with(&upper))
        .collect();
    (codes, upper.len())
}

/// The file as written, with spans for every value that can be wrong.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    flux: FluxConfig,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    paths: Vec<Spanned<String>>,
    codes: Vec<Spanned<String>>,
    #[serde(default)]
    reason: Option<String>,
}

impl Config {
    /// Parses the file's text. Never fails: an invalid file yields the
    /// default configuration and a CFG001 finding at the offending span;
    /// an invalid value yields a CFG001 at that value and is left out.
    pub fn parse(file: &SourceFile) -> (Config, Vec<Diagnostic>) {
        let raw = match toml::from_str::<RawConfig>(file.text()) {
            Ok(raw) => raw,
            Err(error) => {
                let span = error
                    .span()
                    .map_or(Span::at(0), |r| Span::new(r.start, r.end));
                let diagnostic = invalid(
                    file,
                    span,
                    error.message().to_string(),
                    "fix the setting; strata ran with the default configuration (the whole tree)",
                );
                return (Config::default(), vec![diagnostic]);
            }
        };
        let mut problems = Vec::new();
        let mut config = Config {
            flux: raw.flux,
            ..Config::default()
        };
        for pattern in raw.paths.exclude {
            match PathPatterns::check(pattern.get_ref()) {
                Ok(()) => config.paths.exclude.push(pattern.into_inner()),
                Err(why) => problems.push(bad_glob(file, &pattern, &why)),
            }
        }
        config.rules = resolve_rules(file, raw.rules, &mut problems);
        for (index, table) in raw.ignore.into_iter().enumerate() {
            let table_span = span_of(&table);
            let table = table.into_inner();
            let mut globs = Vec::new();
            for pattern in &table.paths {
                match PathPatterns::check(pattern.get_ref()) {
                    Ok(()) => globs.push(pattern.get_ref().clone()),
                    Err(why) => problems.push(bad_glob(file, pattern, &why)),
                }
            }
            let mut codes = BTreeSet::new();
            for selector in &table.codes {
                codes.extend(known_codes(file, selector, &mut problems));
            }
            if globs.is_empty() || codes.is_empty() {
                problems.push(invalid(
                    file,
                    table_span,
                    format!("[[ignore]] table {} ignores nothing", index + 1),
                    "give it `paths = [globs]` and `codes = [codes or prefixes]`",
                ));
                continue;
            }
            config.ignores.push(PathIgnore {
                paths: PathPatterns::lenient(&globs),
                codes,
                reason: table
                    .reason
                    .unwrap_or_else(|| format!("[[ignore]] table {} of {CONFIG_FILE}", index + 1)),
            });
        }
        (config, problems)
    }
}

/// `select`, `ignore` and `severity`: for each code, the most specific
/// selector naming it decides (`ignore` wins a tie); without `select`,
/// every code is on.
fn resolve_rules(file: &SourceFile, raw: RawRules, problems: &mut Vec<Diagnostic>) -> RulesConfig {
    let mut rules = RulesConfig::default();
    // code -> (specificity, on)
    let mut decided: BTreeMap<Code, (usize, bool)> = BTreeMap::new();
    let mut decide = |selectors: &[Spanned<String>], on: bool, problems: &mut Vec<Diagnostic>| {
        for selector in selectors {
            let (codes, specificity) = select_codes(selector.get_ref());
            if codes.is_empty() {
                problems.push(unknown_code(file, selector));
            }
            for code in codes {
                let entry = decided.entry(code).or_insert((0, true));
                if specificity > entry.0 || (specificity == entry.0 && !on) {
                    *entry = (specificity, on);
                }
            }
        }
    };
    if let Some(select) = &raw.select {
        decide(select, true, problems);
    }
    decide(&raw.ignore, false, problems);
    for code in Code::ALL {
        let on = match decided.get(code) {
            Some((_, on)) => *on,
            None => raw.select.is_none(),
        };
        if !on {
            rules.disabled.insert(*code);
        }
    }
    let mut specificity: BTreeMap<Code, usize> = BTreeMap::new();
    for (selector, level) in &raw.severity {
        let severity = match level.get_ref().as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            other => {
                problems.push(invalid(
                    file,
                    span_of(level),
                    format!(
                        "severity `{other}` of `{}` is not a severity",
                        selector.get_ref()
                    ),
                    "write \"error\", \"warning\" or \"info\"",
                ));
                continue;
            }
        };
        let (codes, weight) = select_codes(selector.get_ref());
        if codes.is_empty() {
            problems.push(unknown_code(file, selector));
        }
        for code in codes {
            if specificity.get(&code).is_none_or(|w| weight >= *w) {
                specificity.insert(code, weight);
                rules.severity.insert(code, severity);
            }
        }
    }
    rules
}

/// The codes a selector names; a CFG001 when it names none.
fn known_codes(
    file: &SourceFile,
    selector: &Spanned<String>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Code> {
    let (codes, _) = select_codes(selector.get_ref());
    if codes.is_empty() {
        problems.push(unknown_code(file, selector));
    }
    codes
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

fn invalid(file: &SourceFile, span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::new(Code::ConfigInvalid, format!("{CONFIG_FILE}: {message}"))
        .at(Location::new(file.path(), span))
        .help(help)
}

fn unknown_code(file: &SourceFile, selector: &Spanned<String>) -> Diagnostic {
    invalid(
        file,
        span_of(selector),
        format!(
            "`{}` is no strata code, rule name or code prefix",
            selector.get_ref()
        ),
        "`strata explain all` lists every code; a prefix such as `FLUX` or `K3S00` selects several",
    )
}

fn bad_glob(file: &SourceFile, pattern: &Spanned<String>, why: &str) -> Diagnostic {
    invalid(
        file,
        span_of(pattern),
        format!("`{}` is not a glob: {why}", pattern.get_ref()),
        "paths are globs over repository-relative paths: `*` within one directory, `**` across directories",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Vec<Diagnostic>, SourceFile) {
        let file = SourceFile::new(CONFIG_FILE, text);
        let (config, problems) = Config::parse(&file);
        (config, problems, file)
    }

    /// `line:column` of each problem.
    fn places(problems: &[Diagnostic], file: &SourceFile) -> Vec<String> {
        problems
            .iter()
            .map(|d| {
                let at = file.line_col(d.location.as_ref().unwrap().span.start);
                format!("{}:{}", at.line, at.column)
            })
            .collect()
    }

    #[test]
    fn reads_the_flux_entry() {
        let (config, problems, _) = parse("[flux]\nentry = \"k8s/root\"\n");
        assert!(problems.is_empty());
        assert_eq!(config.flux.entry.as_deref(), Some("k8s/root"));
    }

    #[test]
    fn reads_excluded_paths() {
        let (config, problems, _) =
            parse("[paths]\nexclude = [\"tests/fixtures\", \"**/vendor\"]\n");
        assert_eq!(config.paths.exclude, ["tests/fixtures", "**/vendor"]);
        assert!(problems.is_empty());
    }

    #[test]
    fn unknown_keys_are_a_finding_with_a_span() {
        let (config, problems, file) = parse("[paths]\nexclud = [\"x\"]\n");
        assert!(config.paths.exclude.is_empty());
        assert_eq!(problems[0].code, Code::ConfigInvalid);
        assert_eq!(places(&problems, &file), ["2:1"]);
    }

    #[test]
    fn select_and_ignore_take_codes_names_and_prefixes() {
        let (config, problems, _) = parse(
            "[rules]\nselect = [\"FLUX\", \"k3s00\"]\nignore = [\"FLUX01\", \"chart-version-unpinned\"]\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let on = |c| config.rules.enabled(c);
        assert!(on(Code::DependsOnUnresolved)); // FLUX001
        assert!(on(Code::SopsWithoutDecryption)); // FLUX009
        assert!(!on(Code::ManifestNotApplied)); // FLUX010, under FLUX01
        assert!(!on(Code::ChartVersionUnpinned));
        assert!(on(Code::K3sJoinUnresolved));
        assert!(!on(Code::NixSyntax), "not selected");
        assert!(on(Code::ConfigInvalid), "CFG001 always reports");
    }

    #[test]
    fn the_more_specific_selector_wins() {
        let (config, _, _) = parse("[rules]\nselect = [\"FLUX013\"]\nignore = [\"FLUX\"]\n");
        assert!(config.rules.enabled(Code::ChartVersionUnpinned));
        assert!(!config.rules.enabled(Code::OciTagMoving));
    }

    #[test]
    fn unknown_codes_are_findings_at_the_value_and_the_rest_applies() {
        let (config, problems, file) = parse(
            "[rules]\nignore = [\"FLUX013\", \"FLUX999\"]\n\n[rules.severity]\nNOPE = \"error\"\nFLUX015 = \"fatal\"\nFLUX014 = \"error\"\n",
        );
        assert_eq!(places(&problems, &file), ["2:22", "6:11", "5:1"]);
        assert!(problems[0].message.contains("`FLUX999` is no strata code"));
        assert!(!config.rules.enabled(Code::ChartVersionUnpinned));
        assert_eq!(
            config.rules.severity.get(&Code::OciTagMoving),
            Some(&Severity::Error)
        );
        assert_eq!(config.rules.severity.len(), 1);
    }

    #[test]
    fn severity_overrides_by_prefix_yield_to_exact_codes() {
        let (config, problems, _) =
            parse("[rules.severity]\nFLUX015 = \"info\"\nFLUX = \"warning\"\n");
        assert!(problems.is_empty());
        assert_eq!(
            config.rules.severity[&Code::ImageTagUnpinned],
            Severity::Info
        );
        assert_eq!(
            config.rules.severity[&Code::DependsOnCycle],
            Severity::Warning
        );
    }

    #[test]
    fn ignore_tables_cover_codes_below_their_paths() {
        let (config, problems, file) = parse(
            "[[ignore]]\npaths = [\"flux/legacy\", \"**/*.test.yaml\"]\ncodes = [\"FLUX015\"]\nreason = \"frozen\"\n\n[[ignore]]\npaths = [\"a[\"]\ncodes = [\"X1\"]\n",
        );
        assert_eq!(
            places(&problems, &file),
            ["7:10", "8:10", "6:1"],
            "{problems:#?}"
        );
        assert_eq!(config.ignores.len(), 1);
        let table = &config.ignores[0];
        assert_eq!(table.reason, "frozen");
        assert!(table.covers(Code::ImageTagUnpinned, "flux/legacy/app/deploy.yaml"));
        assert!(table.covers(Code::ImageTagUnpinned, "a/b/x.test.yaml"));
        assert!(!table.covers(Code::ContainerResourcesMissing, "flux/legacy/x.yaml"));
        assert!(!table.covers(Code::ImageTagUnpinned, "flux/other/x.yaml"));
    }

    #[test]
    fn a_bad_exclude_glob_is_a_finding_and_the_others_apply() {
        let (config, problems, file) = parse("[paths]\nexclude = [\"ok\", \"bad[\"]\n");
        assert_eq!(config.paths.exclude, ["ok"]);
        assert_eq!(places(&problems, &file), ["2:18"]);
    }
}
