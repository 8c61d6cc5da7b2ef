//! Regular expressions: `builtins.match` and `builtins.split`.
//!
//! Nix uses POSIX extended regular expressions (C++ `std::regex`); the
//! `regex` crate has the same syntax for what homelab code writes (classes,
//! `[[:space:]]`, groups, repetition). A bracket expression is translated
//! (a leading `]` and a `\` in brackets are literal in POSIX); a pattern the
//! crate cannot compile gives an unknown, never a guess. Alternation picks
//! the leftmost alternative, where POSIX picks the longest match.

use std::rc::Rc;

use regex::Regex;
use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

/// Upper bound on a compiled pattern's size, so a hostile pattern cannot
/// use unbounded memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Evaluator<'_> {
    pub(super) fn call_regexes(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        let pattern = self.string_arg(name, arg(0), loc)?;
        let s = self.string_arg(name, arg(1), loc)?;
        let anchored = prim == Prim::Match;
        let Some(re) = compile_posix(&pattern.text, anchored) else {
            return Ok(Value::unknown(
                UnknownKind::Unsupported,
                format!("{name}: the regular expression is not supported by the static evaluator"),
                loc.clone(),
            ));
        };
        let group = |m: Option<regex::Match<'_>>| match m {
            Some(m) => Value::string(m.as_str(), s.location.clone()),
            None => Value::Null,
        };
        Ok(match prim {
            Prim::Match => match re.captures(&s.text) {
                None => Value::Null,
                Some(caps) => {
                    let groups = (1..caps.len()).map(|i| group(caps.get(i))).collect();
                    self.make_list(groups)
                }
            },
            Prim::Split => {
                // As C++'s `regex_iterator`, which Nix uses: an empty match
                // may follow a non-empty one at the same place; after an
                // empty match the search moves one character on.
                let text = s.text.as_str();
                let mut items = Vec::new();
                let (mut pos, mut last_end) = (0, 0);
                while pos <= text.len() {
                    if !self.tick() {
                        return Err(self.limit("split", loc.clone()));
                    }
                    let Some(caps) = re.captures_at(text, pos) else {
                        break;
                    };
                    let Some(whole) = caps.get(0) else { break };
                    items.push(Value::string(
                        &text[last_end..whole.start()],
                        s.location.clone(),
                    ));
                    let groups = (1..caps.len()).map(|i| group(caps.get(i))).collect();
                    items.push(self.make_list(groups));
                    last_end = whole.end();
                    pos = if whole.is_empty() {
                        let next = text[whole.end()..].chars().next().map_or(1, char::len_utf8);
                        whole.end() + next
                    } else {
                        whole.end()
                    };
                }
                items.push(Value::string(&text[last_end..], s.location.clone()));
                self.make_list(items)
            }
            _ => not_in_family(prim, loc),
        })
    }
}

/// Compiles a POSIX extended regular expression; `anchored` makes it match
/// the whole string, as `builtins.match` does.
fn compile_posix(pattern: &str, anchored: bool) -> Option<Rc<Regex>> {
    let translated = translate_brackets(pattern)?;
    let full = if anchored {
        format!("^(?:{translated})$")
    } else {
        translated
    };
    regex::RegexBuilder::new(&full)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .ok()
        .map(Rc::new)
}

/// Rewrites POSIX bracket expressions into the `regex` crate's syntax: a
/// `]` first in the brackets and a `\` inside them are literal in POSIX;
/// `[`, `&`, `~` and `-` runs are escaped where the crate would read set
/// operations. `None` for an unterminated bracket.
fn translate_brackets(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            out.push(c);
            if let Some(next) = chars.get(i + 1) {
                out.push(*next);
            }
            i += 2;
            continue;
        }
        if c != '[' {
            out.push(c);
            i += 1;
            continue;
        }
        out.push('[');
        i += 1;
        if chars.get(i) == Some(&'^') {
            out.push('^');
            i += 1;
        }
        if chars.get(i) == Some(&']') {
            out.push_str("\\]");
            i += 1;
        }
        loop {
            let c = *chars.get(i)?;
            match c {
                ']' => {
                    out.push(']');
                    i += 1;
                    break;
                }
                '[' if matches!(chars.get(i + 1), Some(':' | '.' | '=')) => {
                    // `[:alpha:]` and friends pass through.
                    let kind = chars[i + 1];
                    let close = (i + 2..chars.len().saturating_sub(1))
                        .find(|&j| chars[j] == kind && chars[j + 1] == ']')?;
                    if kind != ':' {
                        return None;
                    }
                    out.extend(&chars[i..close + 2]);
                    i = close + 2;
                }
                '\\' | '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                    i += 1;
                }
                '-' if chars.get(i + 1) == Some(&'-') => {
                    out.push_str("\\-");
                    i += 1;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_brackets_translate() {
        assert_eq!(translate_brackets("[]a]").as_deref(), Some("[\\]a]"));
        assert_eq!(translate_brackets("[^]a]").as_deref(), Some("[^\\]a]"));
        assert_eq!(translate_brackets("[a\\b]").as_deref(), Some("[a\\\\b]"));
        assert_eq!(
            translate_brackets("[[:space:]]+").as_deref(),
            Some("[[:space:]]+")
        );
        assert_eq!(translate_brackets("[abc"), None);
        assert!(compile_posix("a{", true).is_none() || compile_posix("a{", true).is_some());
    }
}
