//! Redaction, in one place: every text strata prints (stdout and stderr, in
//! every format) passes through [`Redaction`]. The analysis says where
//! secret values are written, by meaning (`Analysis::secrets`); this module
//!
//! - masks those spans in the source text snippets quote (byte for byte, so
//!   spans stay valid),
//! - removes those values, and their base64 and JSON-escaped forms, from
//!   every other text (messages, graph attributes, plan reasons, …), which
//!   also covers values substituted from a secret variable, and
//! - escapes control characters (ESC, BEL, …) in text meant for terminals
//!   and GitHub annotations.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use strata_check::Analysis;
use strata_core::{Code, SourceFile};

/// What replaces a secret value in printed text.
const MASK: &str = "****";

/// Shorter values are masked in snippets but not searched for in other
/// text: removing every `on` or `true` would garble output, not protect it.
const MIN_SEARCHED_LEN: usize = 6;

/// Lines either side of a syntax error whose values are masked (more than
/// the snippet's one line of context).
const UNPARSED_CONTEXT: usize = 2;

/// Masks what follows a line's key (`key: `, `- `, `name =`), keeping
/// whitespace and the punctuation that shows the syntax error.
fn mask_values_of_line(line: &mut [u8]) {
    let indent = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let rest = &line[indent..];
    let from = if rest.starts_with(b"- ") {
        indent + 2
    } else if let Some(i) = rest.iter().position(|b| *b == b'=') {
        indent + i + 1
    } else if let Some(i) = rest.windows(2).position(|w| w == b": ") {
        indent + i + 2
    } else {
        return;
    };
    for byte in &mut line[from..] {
        if !byte.is_ascii_whitespace() && !b"[]{}(),;:\"'|>#".contains(byte) {
            *byte = b'*';
        }
    }
}

/// The secrets of one analysis, ready to be removed from output.
pub struct Redaction {
    /// Analysed files with every secret span masked (only those with one).
    masked: BTreeMap<String, Arc<SourceFile>>,
    /// The values to remove from printed text, longest first.
    values: Vec<String>,
    /// Every secret value, to remove where a text quotes it whole.
    quoted: Vec<String>,
}

impl Redaction {
    /// Collects the secret spans and values of `analysis`.
    pub fn new(analysis: &Analysis) -> Redaction {
        let mut masked: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for location in &analysis.secrets {
            let Some(file) = analysis.sources.get(&location.file) else {
                continue;
            };
            let text = file.text();
            let end = location.span.end.min(text.len());
            let start = location.span.start.min(end);
            let bytes = masked
                .entry(location.file.clone())
                .or_insert_with(|| text.as_bytes().to_vec());
            for byte in bytes.iter_mut().take(end).skip(start) {
                if !byte.is_ascii_whitespace() {
                    *byte = b'*';
                }
            }
        }
        // Around a syntax error, parse recovery cannot say what a value
        // means: the snippet's lines show their keys and brackets only.
        for d in &analysis.diagnostics {
            let Some(location) = d
                .location
                .as_ref()
                .filter(|_| matches!(d.code, Code::NixSyntax | Code::YamlSyntax))
            else {
                continue;
            };
            let Some(file) = analysis.sources.get(&location.file) else {
                continue;
            };
            let bytes = masked
                .entry(location.file.clone())
                .or_insert_with(|| file.text().as_bytes().to_vec());
            let first = file.line_col(location.span.start).line;
            let last = file.line_col(location.span.end).line;
            for line in first.saturating_sub(UNPARSED_CONTEXT)..=last + UNPARSED_CONTEXT {
                let (Some(start), end) = (
                    file.line_start(line),
                    file.line_start(line + 1).unwrap_or(bytes.len()),
                ) else {
                    continue;
                };
                let end = end.min(bytes.len());
                mask_values_of_line(&mut bytes[start..end]);
            }
        }
        let mut values = Vec::new();
        for location in &analysis.secret_values {
            let Some(file) = analysis.sources.get(&location.file) else {
                continue;
            };
            let text = file.text();
            let end = location.span.end.min(text.len());
            let start = location.span.start.min(end);
            if let Some(value) = text.get(start..end) {
                values.extend(
                    value
                        .lines()
                        .map(|l| l.trim().trim_matches(['"', '\'']).to_string()),
                );
            }
        }
        // Names are structure, not secrets: a value that is part of a node's
        // id or a file's path (a key named `secret` often holds the name of
        // a Secret) is not searched for, nor is a short lowercase word.
        let names: Vec<&str> = analysis
            .graph
            .nodes()
            .map(|n| n.id.as_str())
            .chain(analysis.sources.iter().map(|f| f.path()))
            .collect();
        // Every secret value, whatever its length, is masked where a text
        // quotes it whole (`ab`, "ab", --token=ab): a 2-character password
        // or a plain word is as secret as a long one, but only a quoted
        // occurrence is known to be that value rather than prose. A value
        // that is exactly a name (a node id's segment, a path component) is
        // a reference to a secret, which findings must be able to name.
        // Made only when a value needs it: on a large tree without secret
        // values, collecting every segment was most of this.
        let mut segments: Option<HashSet<&str>> = None;
        let mut quoted: BTreeSet<String> = BTreeSet::new();
        for value in &values {
            if !carries_meaning(value) {
                continue;
            }
            let segments = segments.get_or_insert_with(|| {
                names
                    .iter()
                    .flat_map(|n| n.split('/'))
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            if !segments.contains(value.as_str()) {
                quoted.insert(value.clone());
            }
            // A Secret's `data` holds base64: its decoded text is the value.
            if let Some(decoded) = base64_decode(value)
                .and_then(|d| String::from_utf8(d).ok())
                .filter(|d| carries_meaning(d) && d.chars().all(|c| c.is_ascii_graphic()))
                .filter(|d| !segments.contains(d.as_str()))
            {
                quoted.insert(decoded);
            }
        }
        values.retain(|v| {
            v.len() >= MIN_SEARCHED_LEN
                && looks_secret(v)
                && !names.iter().any(|n| n.contains(v.as_str()))
        });
        let mut forms = Vec::new();
        for value in values {
            forms.push(base64_encode(value.as_bytes()));
            if let Some(decoded) = base64_decode(&value)
                .and_then(|d| String::from_utf8(d).ok())
                .filter(|d| d.len() >= MIN_SEARCHED_LEN)
            {
                forms.push(decoded);
            }
            if let Ok(quoted) = serde_json::to_string(&value) {
                forms.push(quoted.trim_matches('"').to_string());
            }
            forms.push(value);
        }
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        forms.dedup();
        let masked = masked
            .into_iter()
            .map(|(path, bytes)| {
                // Spans sit on character boundaries, so whole characters are
                // masked and the text stays UTF-8; lossy only as a guard.
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let file = Arc::new(SourceFile::new(path.clone(), text));
                (path, file)
            })
            .collect();
        let mut quoted: Vec<String> = quoted.into_iter().collect();
        quoted.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Redaction {
            masked,
            values: forms,
            quoted,
        }
    }

    /// The file as snippets may show it: secrets masked, control characters
    /// replaced (byte for byte) by `?`.
    pub fn source(&self, analysis: &Analysis, path: &str) -> Option<Arc<SourceFile>> {
        let file = self
            .masked
            .get(path)
            .or_else(|| analysis.sources.get(path))?;
        if !file.text().chars().any(is_escaped_control) {
            return Some(file.clone());
        }
        let text: String = file
            .text()
            .chars()
            .map(|c| if is_escaped_control(c) { '?' } else { c })
            .collect();
        Some(Arc::new(SourceFile::new(path, text)))
    }

    /// `text` without any secret value. Given an owned `String` (a graph of
    /// thousands of hosts renders to hundreds of megabytes), it is scrubbed
    /// in place of a copy.
    pub fn scrub(&self, text: impl Into<String>) -> String {
        let mut out = text.into();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), MASK);
            }
        }
        for value in &self.quoted {
            if out.contains(value.as_str()) {
                out = replace_quoted(&out, value);
            }
        }
        out
    }

    /// `text` without secret values and with control characters escaped:
    /// what a terminal or a GitHub annotation may receive.
    pub fn for_terminal(&self, text: &str) -> String {
        escape_controls(&self.scrub(text))
    }
}

/// `text` with every whole, quoted occurrence of `value` masked: between
/// backticks or quotes (JSON-escaped ones too), or after `=` (a flag's
/// value). A JSON object key (`"value":`) is structure and stays.
fn replace_quoted(text: &str, value: &str) -> String {
    let opens = |c: Option<char>| matches!(c, Some('`' | '"' | '\'' | '='));
    let closes = |c: Option<char>| {
        matches!(
            c,
            None | Some('`' | '"' | '\'' | '\\' | ',' | ']' | ')' | ';' | ' ' | '\n')
        )
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(value) {
        if at < copied {
            continue;
        }
        let end = at + value.len();
        let before = text[..at].chars().next_back();
        let mut after = text[end..].chars();
        let next = after.next();
        let json_key = before == Some('"') && next == Some('"') && after.next() == Some(':');
        // `=` opens a value only in a flag (`--token=ab`), not in a URL
        // query or a label (`?submodules=1`).
        let in_flag = before != Some('=') || {
            let word_start = text[..at - 1]
                .rfind(|c: char| c.is_whitespace() || "\"'`[,(".contains(c))
                .map_or(0, |i| i + 1);
            text[word_start..].starts_with('-')
        };
        if opens(before) && closes(next) && !json_key && in_flag {
            out.push_str(&text[copied..at]);
            out.push_str(MASK);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether a secret's text can be told from syntax where it is quoted: it
/// has a letter or digit and is not a YAML or Nix literal (`true`, `null`,
/// `{}`), which parse recovery and empty secrets leave behind.
fn carries_meaning(value: &str) -> bool {
    const LITERALS: &[&str] = &[
        "true", "false", "null", "yes", "no", "on", "off", "True", "False", "Null", "TRUE",
        "FALSE", "NULL", "Yes", "No", "On", "Off",
    ];
    value.chars().any(|c| c.is_alphanumeric()) && !LITERALS.contains(&value)
}

/// Whether a value is worth searching for in all output: long, or not a
/// plain lowercase word (`password`, `cluster-secrets`), which names
/// things far more often than it is a secret.
fn looks_secret(value: &str) -> bool {
    let word = |c: char| c.is_ascii_lowercase() || "-_./".contains(c);
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_letter = value.chars().any(|c| c.is_ascii_alphabetic());
    value.len() >= 20
        || value.chars().any(|c| !word(c) && !c.is_ascii_digit())
        || (has_digit && has_letter)
}

/// Control characters other than newline and tab (which layout needs).
fn is_escaped_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// ESC, BEL, CR and the rest written as `\x1b`, `\u{9b}`: visible, inert.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_escaped_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !is_escaped_control(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (how Secret `data` holds values).
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of standard base64 text, when it is that.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut bits = 0u32;
    let mut count = 0;
    for c in text.bytes() {
        let v = BASE64.iter().position(|b| *b == c)? as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_both_ways() {
        assert_eq!(base64_encode(b"hunter2"), "aHVudGVyMg==");
        assert_eq!(base64_encode(b"abc"), "YWJj");
        assert_eq!(
            base64_decode("aHVudGVyMg==").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn values_beside_a_syntax_error_are_masked() {
        let mut line = b"  name: \"x\" # c\n".to_vec();
        mask_values_of_line(&mut line);
        assert_eq!(line, b"  name: \"*\" # *\n");
        let mut line = b"  password = \"hunter2\";".to_vec();
        mask_values_of_line(&mut line);
        assert_eq!(line, b"  password = \"*******\";");
        let mut line = b"{".to_vec();
        mask_values_of_line(&mut line);
        assert_eq!(line, b"{");
    }

    #[test]
    fn plain_words_are_not_searched() {
        for value in ["password", "cluster-secrets", "uri"] {
            assert!(!looks_secret(value), "{value}");
        }
        for value in [
            "hunter2",
            "K10abc::server:x",
            "correct-horse-battery-staple",
        ] {
            assert!(looks_secret(value), "{value}");
        }
    }

    #[test]
    fn short_and_plain_values_are_masked_where_quoted_whole() {
        let text =
            "version `ab` of HelmRelease `lab`, \"ab\", [\\\"--token=ab\\\"], {\"ab\": 1}, abc ab";
        assert_eq!(
            replace_quoted(text, "ab"),
            "version `****` of HelmRelease `lab`, \"****\", [\\\"--token=****\\\"], {\"ab\": 1}, abc ab"
        );
        assert_eq!(replace_quoted("`monkey`", "monkey"), "`****`");
        assert_eq!(replace_quoted("x", "x"), "x");
        assert_eq!(
            replace_quoted("\"git+https://h/r.git?submodules=1\", --n=1 a=1", "1"),
            "\"git+https://h/r.git?submodules=1\", --n=**** a=1"
        );
        assert!(!carries_meaning(","));
        assert!(!carries_meaning("true"));
        assert!(carries_meaning("Q"));
        assert!(carries_meaning("walrus"));
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape_controls("a\u{1b}[2Jb\u{7}\n"), "a\\x1b[2Jb\\x07\n");
        assert_eq!(escape_controls("\u{9b}"), "\\u{9b}");
    }
}
