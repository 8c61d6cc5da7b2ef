//! Repository-relative path globs, as `strata.toml` writes them
//! (`[paths] exclude`, `[[ignore]] paths`).
//!
//! A pattern is a glob over the `/`-separated repository-relative path:
//! `*` and `?` stay within one path component, `**` crosses components,
//! `[abc]` and `{a,b}` work as in globset. A pattern matches a path when it
//! matches the path itself or any directory above it, so `tests/fixtures`
//! covers everything below that directory and `**/vendor` every `vendor`
//! directory. A leading `./` or `/` and a trailing `/` are ignored.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// A compiled list of path globs.
#[derive(Clone, Debug, Default)]
pub struct PathPatterns {
    set: GlobSet,
    count: usize,
}

impl PathPatterns {
    /// Compiles every pattern, or says which one is not a glob and why
    /// (its index and globset's message).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PathPatterns, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        let mut count = 0;
        for (index, pattern) in patterns.iter().enumerate() {
            let normalised = normalise(pattern.as_ref());
            if normalised.is_empty() {
                continue;
            }
            builder.add(compile(normalised).map_err(|e| (index, e))?);
            count += 1;
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(PathPatterns { set, count })
    }

    /// The patterns that compile, leaving out the ones that do not (for
    /// callers that reported those already).
    pub fn lenient<S: AsRef<str>>(patterns: &[S]) -> PathPatterns {
        let valid: Vec<&str> = patterns
            .iter()
            .map(AsRef::as_ref)
            .filter(|p| compile(normalise(p)).is_ok())
            .collect();
        PathPatterns::new(&valid).unwrap_or_default()
    }

    /// Whether one pattern compiles; the error says why not.
    pub fn check(pattern: &str) -> Result<(), String> {
        compile(normalise(pattern)).map(|_| ())
    }

    /// Whether no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether `path` (repository-relative) or a directory above it matches.
    pub fn matches(&self, path: &str) -> bool {
        if self.count == 0 {
            return false;
        }
        let mut candidate = path.trim_matches('/');
        while !candidate.is_empty() {
            if self.set.is_match(candidate) {
                return true;
            }
            candidate = crate::parent_dir(candidate);
        }
        false
    }
}

fn normalise(pattern: &str) -> &str {
    let pattern = pattern.trim();
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    pattern.trim_matches('/')
}

fn compile(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_covers_its_directory_and_nothing_beside_it() {
        let patterns = PathPatterns::new(&["tests/fixtures/"]).unwrap();
        assert!(patterns.matches("tests/fixtures"));
        assert!(patterns.matches("tests/fixtures/a/b.yaml"));
        assert!(!patterns.matches("tests/fixturesx/b.yaml"));
        assert!(!patterns.matches("tests"));
    }

    #[test]
    fn stars_stay_in_one_component_and_double_stars_cross() {
        let patterns = PathPatterns::new(&["charts/*/tests", "**/vendor", "*.bak"]).unwrap();
        assert!(patterns.matches("charts/traefik/tests/x.yaml"));
        assert!(!patterns.matches("charts/a/b/tests/x.yaml"));
        assert!(patterns.matches("vendor/a.yaml"));
        assert!(patterns.matches("a/b/vendor/c.yaml"));
        assert!(patterns.matches("x.bak"));
        assert!(!patterns.matches("dir/x.bak"));
    }

    #[test]
    fn a_broken_glob_names_its_index() {
        let (index, why) = PathPatterns::new(&["ok", "bad[", "x"]).unwrap_err();
        assert_eq!(index, 1);
        assert!(why.contains("unclosed"), "{why}");
        assert!(PathPatterns::lenient(&["ok", "bad["]).matches("ok/file"));
    }
}
