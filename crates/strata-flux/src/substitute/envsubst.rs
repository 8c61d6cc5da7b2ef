//! The expression language of Flux's `postBuild` substitution: a Rust
//! reading of `github.com/fluxcd/pkg/envsubst` (Flux's fork of
//! `drone/envsubst`), parser and functions alike, so every text means here
//! what it means to kustomize-controller.
//!
//! What Flux accepts, and what it makes of a variable's value `v`:
//!
//! | written | result |
//! |---|---|
//! | `${var}` | `v` |
//! | `${#var}` | the length of `v` in bytes |
//! | `${var^}` `${var^^}` `${var,}` `${var,,}` | first / every character upper-, lower-cased |
//! | `${var:pos}` `${var:pos:len}` | bytes of `v` from `pos` (negative: from the end), at most `len` (negative: up to that many from the end) |
//! | `${var#pat}` `${var##pat}` | `v` without the shortest / longest prefix matching the glob `pat` |
//! | `${var%pat}` `${var%%pat}` | the same for suffixes |
//! | `${var/a/b}` `${var//a/b}` | the first / every `a` replaced by `b` (`b` omitted: deleted) |
//! | `${var/#a/b}` `${var/%a/b}` | a prefix / suffix `a` replaced by `b` (unchanged when `b` is omitted) |
//! | `${var=d}` `${var:=d}` `${var:-d}` `${var:?d}` `${var:+d}` | `v` when it is not empty, else `d` — all five alike: nothing is assigned, nothing fails, and `:+` is not bash's |
//! | `$${…}`, `$$` | a literal `${…}`, `$`, anywhere in the text |
//!
//! The default `d` is any run of text and `${…}` (`${A:-${B}}`,
//! `${A:=prefix-${B}}`); the other arguments are one text or one `${…}`, and
//! in `/` arguments `\/`, `\\` and `$$` are escapes. `${var-d}`, `${var+d}`
//! and `${var?d}` are not accepted (the bash forms without a colon, except
//! `=`), nor is an unclosed `${`: Flux then fails the whole object's
//! substitution. A variable name is any run of Unicode letters, digits and
//! `_`, but only names matching `^[_a-zA-Z][_a-zA-Z0-9]*$` can be defined.
//!
//! Evaluation is eager, as Flux's: the arguments of every `${…}` are
//! evaluated before its variable is read, so in strict mode
//! (kustomize-controller's `StrictPostBuildSubstitutions`, on by default
//! since Flux 2.9) `${A:-${B}}` fails when `B` is undefined even if `A` is
//! set. An undefined variable is an error there unless its operator is a
//! default (`=`, `:=`, `:-`, `:?`, `:+`); without strict mode it reads as
//! the empty string.

use std::ops::Range;

use super::glob;

/// One piece of a parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Node {
    /// Literal text, escapes resolved.
    Text(String),
    /// A `${…}` expression.
    Expr(Expr),
}

/// A `${…}` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Expr {
    /// The variable read.
    pub(super) param: String,
    /// The operator as Flux names it: `""` for `${var}`, `#` with no
    /// arguments for `${#var}`, else the characters after the name (`:-`,
    /// `//`, `^^`, `:` for a substring, …).
    pub(super) op: String,
    /// The operator's arguments.
    pub(super) args: Vec<Node>,
    /// The `${…}` text in the source.
    pub(super) span: Range<usize>,
}

/// Text Flux's envsubst cannot parse; Flux fails the object's substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ParseError {
    /// Flux's own error text (`bad substitution`, `missing closing brace`, …).
    pub(super) message: &'static str,
    /// From the outermost `${` to where parsing stopped.
    pub(super) span: Range<usize>,
}

const BAD_SUBSTITUTION: &str = "bad substitution";
const MISSING_CLOSING_BRACE: &str = "missing closing brace";
const BAD_VARIABLE_NAME: &str = "unable to parse variable name";
const BAD_ARGUMENT: &str = "unable to parse substitution within function";

/// Parses `text` as Flux does.
pub(super) fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut parser = Parser { src: text, pos: 0 };
    let mut nodes = Vec::new();
    let mut literal = String::new();
    while let Some(c) = parser.peek() {
        if parser.at("${") {
            if !literal.is_empty() {
                nodes.push(Node::Text(std::mem::take(&mut literal)));
            }
            let start = parser.pos;
            parser.pos += 2;
            match parser.expr(start) {
                Ok(expr) => nodes.push(Node::Expr(expr)),
                Err(message) => {
                    let end = (parser.pos + 1).min(text.len()).max(start + 2);
                    let end = (end..=text.len())
                        .find(|&e| text.is_char_boundary(e))
                        .unwrap_or(text.len());
                    return Err(ParseError {
                        message,
                        span: start..end,
                    });
                }
            }
        } else if parser.at("$$") {
            literal.push('$');
            parser.pos += 2;
        } else {
            literal.push(c);
            parser.pos += c.len_utf8();
        }
    }
    if !literal.is_empty() {
        nodes.push(Node::Text(literal));
    }
    Ok(nodes)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    fn at(&self, prefix: &str) -> bool {
        self.src[self.pos..].starts_with(prefix)
    }

    /// Takes up to `max` characters for which `accept` holds.
    fn take(&mut self, max: usize, accept: impl Fn(char) -> bool) -> String {
        let mut taken = String::new();
        let mut count = 0;
        while count < max
            && let Some(c) = self.peek().filter(|&c| accept(c))
        {
            taken.push(c);
            count += 1;
            self.pos += c.len_utf8();
        }
        taken
    }

    fn ident(&mut self) -> String {
        self.take(usize::MAX, |c| {
            c == '_' || c.is_alphabetic() || c.is_numeric()
        })
    }

    /// The rest of a `${…}` whose `${` started at `start`.
    fn expr(&mut self, start: usize) -> Result<Expr, &'static str> {
        if self.peek() == Some('#') {
            self.pos += 1;
            let param = self.ident();
            if param.is_empty() {
                return Err(BAD_SUBSTITUTION);
            }
            return self.close(start, param, "#".into(), Vec::new());
        }
        let param = self.ident();
        if param.is_empty() {
            return Err(BAD_VARIABLE_NAME);
        }
        match self.peek() {
            Some(':') => match self.peek_second() {
                Some(second @ ('=' | '-' | '?' | '+')) => {
                    self.pos += 2;
                    self.defaults(start, param, format!(":{second}"))
                }
                _ => self.substring(start, param),
            },
            Some('=') => {
                self.pos += 1;
                self.defaults(start, param, "=".into())
            }
            Some(',' | '^') => {
                let op = self.take(2, |c| c == ',' || c == '^');
                self.close(start, param, op, Vec::new())
            }
            Some('/') => self.replace(start, param),
            Some(mark @ ('#' | '%')) => {
                let op = self.take(2, |c| c == mark);
                let pattern = self.param(|c| c != '}', false)?;
                self.close(start, param, op, vec![pattern])
            }
            Some('}') => self.close(start, param, String::new(), Vec::new()),
            _ => Err(MISSING_CLOSING_BRACE),
        }
    }

    /// Expects the closing `}`.
    fn close(
        &mut self,
        start: usize,
        param: String,
        op: String,
        args: Vec<Node>,
    ) -> Result<Expr, &'static str> {
        if self.peek() != Some('}') {
            return Err(BAD_SUBSTITUTION);
        }
        self.pos += 1;
        Ok(Expr {
            param,
            op,
            args,
            span: start..self.pos,
        })
    }

    /// `${var=d}`, `${var:-d}`, …: the default runs to the closing brace.
    fn defaults(&mut self, start: usize, param: String, op: String) -> Result<Expr, &'static str> {
        let mut args = Vec::new();
        while self.peek() != Some('}') {
            args.push(self.param(|c| c != '}', false)?);
        }
        self.close(start, param, op, args)
    }

    /// `${var:pos}` and `${var:pos:len}`.
    fn substring(&mut self, start: usize, param: String) -> Result<Expr, &'static str> {
        self.pos += 1;
        let mut args = vec![self.param(|c| c != ':' && c != '}', false)?];
        match self.peek() {
            Some('}') => {}
            Some(':') => {
                self.take(usize::MAX, |c| c == ':');
                args.push(self.param(|c| c != '}', false)?);
            }
            _ => return Err(BAD_SUBSTITUTION),
        }
        self.close(start, param, ":".into(), args)
    }

    /// `${var/a/b}`, `${var//a/b}`, `${var/#a/b}`, `${var/%a/b}`.
    fn replace(&mut self, start: usize, param: String) -> Result<Expr, &'static str> {
        self.pos += 1;
        let mut op = String::from("/");
        if let Some(c @ ('/' | '#' | '%')) = self.peek() {
            op.push(c);
            self.pos += 1;
        }
        let pattern = if self.peek() == Some('/') {
            Node::Text(String::new())
        } else {
            self.param(|c| c != '/', true)?
        };
        if self.take(usize::MAX, |c| c == '/').is_empty() {
            return Err(BAD_SUBSTITUTION);
        }
        let mut args = vec![pattern];
        if self.peek() != Some('}') {
            args.push(self.param(|c| c != '}', true)?);
        }
        self.close(start, param, op, args)
    }

    /// One argument: a `${…}`, or a run of text up to the first character
    /// `accept` refuses or the next `${`.
    fn param(
        &mut self,
        accept: impl Fn(char) -> bool,
        escapes: bool,
    ) -> Result<Node, &'static str> {
        if self.at("${") {
            let start = self.pos;
            self.pos += 2;
            return self.expr(start).map(Node::Expr);
        }
        let mut text = String::new();
        loop {
            if self.at("${") {
                break;
            }
            if let Some(c) = self.escaped(escapes) {
                text.push(c);
                continue;
            }
            match self.peek() {
                Some(c) if accept(c) => {
                    text.push(c);
                    self.pos += c.len_utf8();
                }
                // The first character must be accepted.
                _ if text.is_empty() => return Err(BAD_ARGUMENT),
                _ => break,
            }
        }
        Ok(Node::Text(text))
    }

    /// An escaped character (`$$`, `\/`, `\\`) when escapes are on.
    fn escaped(&mut self, escapes: bool) -> Option<char> {
        if !escapes {
            return None;
        }
        let c = ["$$", "\\/", "\\\\"]
            .iter()
            .find(|e| self.at(e))?
            .chars()
            .nth(1)?;
        self.pos += 2;
        Some(c)
    }
}

/// What a variable is to the evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Value {
    /// Defined, with this value.
    Known(String),
    /// Defined with a value strata does not know (a Secret's), or maybe
    /// defined by a source strata cannot read.
    Unknown,
    /// Surely undefined.
    Missing,
}

/// The text an evaluation produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Evaluated {
    /// The result; `${…}` whose value is not known are kept as written.
    pub(super) text: String,
    /// Whether the result is exact (nothing was kept as written).
    pub(super) exact: bool,
}

/// A `${…}` whose variable is surely undefined and whose operator gives no
/// default: Flux in strict mode fails on it, otherwise reads `""`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Unset {
    /// The variable.
    pub(super) name: String,
    /// The `${…}` in the source.
    pub(super) span: Range<usize>,
}

/// Evaluates parsed `nodes` of `src`; every undefined variable read without
/// a default is added to `unset`, in source order.
pub(super) fn evaluate(
    nodes: &[Node],
    src: &str,
    lookup: &dyn Fn(&str) -> Value,
    unset: &mut Vec<Unset>,
) -> Evaluated {
    let mut out = Evaluated {
        text: String::new(),
        exact: true,
    };
    for node in nodes {
        let piece = match node {
            Node::Text(text) => Evaluated {
                text: text.clone(),
                exact: true,
            },
            Node::Expr(expr) => evaluate_expr(expr, src, lookup, unset),
        };
        out.text.push_str(&piece.text);
        out.exact &= piece.exact;
    }
    out
}

fn evaluate_expr(
    expr: &Expr,
    src: &str,
    lookup: &dyn Fn(&str) -> Value,
    unset: &mut Vec<Unset>,
) -> Evaluated {
    // Flux evaluates the arguments first, whatever the variable holds.
    let args: Vec<Evaluated> = expr
        .args
        .iter()
        .map(|arg| evaluate(std::slice::from_ref(arg), src, lookup, unset))
        .collect();
    let args_exact = args.iter().all(|a| a.exact);
    let joined = || Evaluated {
        text: args.iter().map(|a| a.text.as_str()).collect(),
        exact: args_exact,
    };
    let as_written = || Evaluated {
        text: src[expr.span.clone()].to_string(),
        exact: false,
    };
    let is_default = matches!(expr.op.as_str(), "=" | ":=" | ":-" | ":?" | ":+");
    match lookup(&expr.param) {
        Value::Missing if !is_default => {
            unset.push(Unset {
                name: expr.param.clone(),
                span: expr.span.clone(),
            });
            as_written()
        }
        Value::Known(value) if is_default && !value.is_empty() => Evaluated {
            text: value,
            exact: true,
        },
        Value::Missing | Value::Known(_) if is_default => joined(),
        Value::Known(value) if args_exact => {
            let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
            Evaluated {
                text: apply(&expr.op, &value, &texts),
                exact: true,
            }
        }
        Value::Known(_) | Value::Unknown | Value::Missing => as_written(),
    }
}

/// Flux's `lookupFunc`: the function an operator names, applied.
fn apply(op: &str, value: &str, args: &[&str]) -> String {
    match op {
        "," => map_first(value, lower),
        ",," => value.chars().map(lower).collect(),
        "^" => map_first(value, upper),
        "^^" => value.chars().map(upper).collect(),
        "#" if args.is_empty() => value.len().to_string(),
        "#" | "##" | "%" | "%%" => {
            let Some(pattern) = args.first() else {
                return value.to_string();
            };
            let which = if op.len() == 1 {
                Match::Shortest
            } else {
                Match::Longest
            };
            if op.starts_with('#') {
                trim_prefix(value, pattern, which)
            } else {
                trim_suffix(value, pattern, which)
            }
        }
        ":" => substring(value, args),
        "/" | "//" => match args {
            [] => value.to_string(),
            [pattern, with @ ..] => {
                let with = with.first().copied().unwrap_or("");
                if op == "/" {
                    value.replacen(pattern, with, 1)
                } else {
                    value.replace(pattern, with)
                }
            }
        },
        "/#" => match args {
            [pattern, with] => value
                .strip_prefix(pattern)
                .map_or_else(|| value.to_string(), |rest| format!("{with}{rest}")),
            _ => value.to_string(),
        },
        "/%" => match args {
            [pattern, with] => value
                .strip_suffix(pattern)
                .map_or_else(|| value.to_string(), |rest| format!("{rest}{with}")),
            _ => value.to_string(),
        },
        // `${var,^}` and the like: Flux's fallback is the default function.
        _ if value.is_empty() && !args.is_empty() => args.concat(),
        _ => value.to_string(),
    }
}

/// Go's `unicode.ToLower`: one character to one character.
fn lower(c: char) -> char {
    let mut mapped = c.to_lowercase();
    match (mapped.next(), mapped.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// Go's `unicode.ToUpper`: one character to one character (`ß` stays).
fn upper(c: char) -> char {
    let mut mapped = c.to_uppercase();
    match (mapped.next(), mapped.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

fn map_first(value: &str, f: fn(char) -> char) -> String {
    let mut chars = value.chars();
    chars
        .next()
        .map(|first| std::iter::once(f(first)).chain(chars).collect())
        .unwrap_or_default()
}

/// `${var:pos}`, `${var:pos:len}` over bytes, as Go slices strings.
fn substring(value: &str, args: &[&str]) -> String {
    let bytes = value.as_bytes();
    let len = bytes.len() as i64;
    // Like bash, a position or length that is not a number leaves the value.
    let Some(Ok(mut pos)) = args.first().map(|a| a.parse::<i64>()) else {
        return value.to_string();
    };
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let slice = |from: i64, to: i64| {
        String::from_utf8_lossy(&bytes[from as usize..to as usize]).into_owned()
    };
    let Some(length) = args.get(1) else {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    };
    let Ok(length) = length.parse::<i64>() else {
        return value.to_string();
    };
    if length < 0 {
        let end = len + length;
        return if end < pos {
            String::new()
        } else {
            slice(pos, end)
        };
    }
    if pos.saturating_add(length) >= len {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    }
    slice(pos, pos + length)
}

#[derive(Clone, Copy)]
enum Match {
    Shortest,
    Longest,
}

fn trim_prefix(value: &str, pattern: &str, which: Match) -> String {
    String::from_utf8_lossy(&trim_bytes(value.as_bytes(), pattern.as_bytes(), which)).into_owned()
}

/// A suffix is trimmed as Flux does it: the prefix of the reversed value
/// that the reversed pattern matches.
fn trim_suffix(value: &str, pattern: &str, which: Match) -> String {
    let reversed: String = value.chars().rev().collect();
    let pattern: String = pattern.chars().rev().collect();
    let trimmed = trim_bytes(reversed.as_bytes(), pattern.as_bytes(), which);
    String::from_utf8_lossy(&trimmed).chars().rev().collect()
}

/// The value without its shortest or longest non-empty prefix matching the
/// pattern; a malformed pattern leaves it whole.
fn trim_bytes(value: &[u8], pattern: &[u8], which: Match) -> Vec<u8> {
    let mut cut = 0;
    for end in (1..=value.len()).rev() {
        match glob::matches(pattern, &value[..end]) {
            Err(glob::BadPattern) => return value.to_vec(),
            Ok(true) => {
                cut = end;
                if let Match::Longest = which {
                    break;
                }
            }
            Ok(false) => {}
        }
    }
    value[cut..].to_vec()
}

#[cfg(test)]
mod tests;
