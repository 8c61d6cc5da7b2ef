//! Inline suppressions, read from the comments of YAML and Nix files:
//!
//! ```yaml
//! image: ghcr.io/org/tool:latest  # strata: ignore[FLUX015] built in-house, tag is moved on purpose
//! # strata: ignore[FLUX016,FLUX015] a one-off job
//! # strata: ignore-file[FLUX020] namespaces come from the platform team's repository
//! ```
//!
//! `ignore[…]` on a line with code suppresses findings that start on that
//! line; on a line of its own it suppresses findings on the next line that
//! is not itself a comment. `ignore-file[…]` anywhere suppresses findings in
//! the whole file. Inside the brackets: codes, rule names or code prefixes,
//! separated by commas. The text after the brackets is the reason.

use std::sync::LazyLock;

use regex::Regex;
use strata_core::{Code, SourceFile, Span};

use crate::config::select_codes;

/// Where a suppression applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Findings starting on this line (1-based).
    Line(usize),
    /// Every finding in the file.
    File,
}

/// One entry of a suppression's brackets.
#[derive(Clone, Debug)]
pub struct Entry {
    /// As written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
    /// The codes it names (empty: none).
    pub codes: Vec<Code>,
}

/// One `# strata: ignore[…] reason` comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    /// The file it is in.
    pub file: String,
    /// The comment, from `#` to the end of the line.
    pub span: Span,
    /// Where it applies.
    pub scope: Scope,
    /// The codes it names, entry by entry.
    pub entries: Vec<Entry>,
    /// The reason given, trimmed (empty: none).
    pub reason: String,
}

/// A comment that starts like a suppression (`# strata: ignore…`) but is
/// not one strata reads; other comments that merely begin with `strata:`
/// are prose.
#[derive(Clone, Debug)]
pub struct Malformed {
    /// The file it is in.
    pub file: String,
    /// The comment.
    pub span: Span,
}

/// What one file's comments say.
#[derive(Default)]
pub struct FileSuppressions {
    /// Well-formed suppressions.
    pub suppressions: Vec<Suppression>,
    /// Comments that start `# strata: ignore` but do not parse.
    pub malformed: Vec<Malformed>,
}

/// Whether strata reads suppressions in this file: YAML and Nix, whose
/// comments start with `#`.
pub fn reads_comments(path: &str) -> bool {
    [".yaml", ".yml", ".nix"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[ \t])(#[ \t]*strata:[ \t]*ignore)").expect("marker pattern compiles")
});

static SUPPRESSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#[ \t]*strata:[ \t]*(ignore-file|ignore)\[([^\]]*)\](.*)$")
        .expect("suppression pattern compiles")
});

/// Every suppression written in `file`.
pub fn read(file: &SourceFile) -> FileSuppressions {
    let mut found = FileSuppressions::default();
    let text = file.text();
    let lines: Vec<(usize, &str)> = line_starts(text);
    for (index, &(start, line)) in lines.iter().enumerate() {
        let Some(marker) = MARKER.captures(line).and_then(|c| c.get(1)) else {
            continue;
        };
        let comment_start = marker.start();
        let comment = line[comment_start..].trim_end_matches('\r');
        let span = Span::new(start + comment_start, start + comment_start + comment.len());
        let Some(parts) = SUPPRESSION.captures(comment) else {
            found.malformed.push(Malformed {
                file: file.path().to_string(),
                span,
            });
            continue;
        };
        let own_line = line[..comment_start].trim().is_empty();
        let scope = match &parts[1] {
            "ignore-file" => Scope::File,
            _ if own_line => Scope::Line(next_code_line(&lines, index)),
            _ => Scope::Line(index + 1),
        };
        let list = parts.get(2).map_or(0..0, |m| m.range());
        let mut entries = Vec::new();
        let mut offset = list.start;
        for piece in comment[list.clone()].split(',') {
            let trimmed = piece.trim();
            let lead = piece.len() - piece.trim_start().len();
            if !trimmed.is_empty() {
                let at = span.start + offset + lead;
                entries.push(Entry {
                    text: trimmed.to_string(),
                    span: Span::new(at, at + trimmed.len()),
                    codes: select_codes(trimmed).0,
                });
            }
            offset += piece.len() + 1;
        }
        let reason = parts[3]
            .trim()
            .trim_start_matches(['-', ':', '—', '–'])
            .trim()
            .to_string();
        found.suppressions.push(Suppression {
            file: file.path().to_string(),
            span,
            scope,
            entries,
            reason,
        });
    }
    found
}

/// `(byte offset, text)` of every line.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        lines.push((start, line));
        start += line.len() + 1;
    }
    lines
}

/// The 1-based number of the first line after `index` that is not a comment
/// line (stacked suppressions share the line they sit above).
fn next_code_line(lines: &[(usize, &str)], index: usize) -> usize {
    let mut next = index + 1;
    while lines
        .get(next)
        .is_some_and(|(_, line)| line.trim_start().starts_with('#'))
    {
        next += 1;
    }
    next + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> FileSuppressions {
        read(&SourceFile::new("a.yaml", text))
    }

    #[test]
    fn a_trailing_comment_covers_its_own_line() {
        let text = "spec:\n  image: x:latest  # strata: ignore[FLUX015] in-house tag\n";
        let found = read_text(text);
        let s = &found.suppressions[0];
        assert_eq!(s.scope, Scope::Line(2));
        assert_eq!(s.reason, "in-house tag");
        assert_eq!(s.entries[0].codes, [Code::ImageTagUnpinned]);
        assert_eq!(
            &text[s.entries[0].span.start..s.entries[0].span.end],
            "FLUX015"
        );
    }

    #[test]
    fn a_comment_line_covers_the_next_line_that_is_not_a_comment() {
        let found = read_text(
            "# strata: ignore[FLUX015] a\n# strata: ignore[ FLUX016 , k3s00 ] -- b\nimage: x\n",
        );
        assert_eq!(found.suppressions[0].scope, Scope::Line(3));
        assert_eq!(found.suppressions[1].scope, Scope::Line(3));
        assert_eq!(found.suppressions[1].reason, "b");
        let entries: Vec<_> = found.suppressions[1]
            .entries
            .iter()
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(entries, ["FLUX016", "k3s00"]);
        assert!(found.suppressions[1].entries[1].codes.len() > 1);
    }

    #[test]
    fn file_wide_suppressions_and_malformed_ones() {
        let found = read_text(
            "a: 1 # strata: ignore-file[FLUX020]\nb: 2 # strata: ignore FLUX013\nc: \"x#strata: ignore\"\n# strata: what other flakes call\n",
        );
        assert_eq!(found.suppressions.len(), 1);
        assert_eq!(found.suppressions[0].scope, Scope::File);
        assert_eq!(found.suppressions[0].reason, "");
        assert_eq!(found.malformed.len(), 1);
    }

    #[test]
    fn only_yaml_and_nix_comments_are_read() {
        assert!(reads_comments("a/b.yaml") && reads_comments("x.yml") && reads_comments("f.nix"));
        assert!(!reads_comments("flake.lock") && !reads_comments("strata.toml"));
    }
}
