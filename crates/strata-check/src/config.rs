//! `strata.toml` at the repository root: what to analyse.
//!
//! ```toml
//! [paths]
//! # Test fixtures, vendored charts: not part of what this repository deploys.
//! exclude = ["tests/fixtures"]
//!
//! [flux]
//! # The directory Flux syncs, when strata does not find it by itself.
//! entry = "kubernetes/flux/cluster"
//! ```

use serde::Deserialize;
use strata_core::{Code, Diagnostic, Location, SourceFile, Span};

/// The configuration file's name, at the repository root.
pub const CONFIG_FILE: &str = "strata.toml";

/// The settings of `strata.toml` (all optional).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which parts of the tree to read.
    #[serde(default)]
    pub paths: PathsConfig,
    /// Where the Flux tree starts.
    #[serde(default)]
    pub flux: FluxConfig,
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
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    /// Repository-relative files or directories never read.
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl Config {
    /// Parses the file's text. Never fails: an invalid file yields the
    /// default configuration and a CFG001 finding at the offending span.
    pub fn parse(file: &SourceFile) -> (Config, Option<Diagnostic>) {
        match toml::from_str::<Config>(file.text()) {
            Ok(config) => (config, None),
            Err(error) => {
                let span = error
                    .span()
                    .map_or(Span::at(0), |r| Span::new(r.start, r.end));
                let message = error.message().to_string();
                let diagnostic = Diagnostic::new(
                    Code::ConfigInvalid,
                    format!("{CONFIG_FILE}: {message}"),
                )
                .at(Location::new(file.path(), span))
                .help(
                    "fix the setting; strata ran with the default configuration (the whole tree)",
                );
                (Config::default(), Some(diagnostic))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_flux_entry() {
        let file = SourceFile::new(CONFIG_FILE, "[flux]\nentry = \"k8s/root\"\n");
        let (config, problem) = Config::parse(&file);
        assert!(problem.is_none());
        assert_eq!(config.flux.entry.as_deref(), Some("k8s/root"));
    }

    #[test]
    fn reads_excluded_paths() {
        let file = SourceFile::new(CONFIG_FILE, "[paths]\nexclude = [\"tests/fixtures\"]\n");
        let (config, diagnostic) = Config::parse(&file);
        assert_eq!(config.paths.exclude, ["tests/fixtures"]);
        assert!(diagnostic.is_none());
    }

    #[test]
    fn unknown_keys_are_a_finding_with_a_span() {
        let file = SourceFile::new(CONFIG_FILE, "[paths]\nexclud = [\"x\"]\n");
        let (config, diagnostic) = Config::parse(&file);
        assert_eq!(config, Config::default());
        let diagnostic = diagnostic.unwrap();
        assert_eq!(diagnostic.code, Code::ConfigInvalid);
        let start = diagnostic.location.unwrap().span.start;
        assert_eq!(file.line_col(start).line, 2);
    }
}
