//! Small, panic-free helpers over rnix's syntax tree.
//!
//! rnix's own conveniences (`Str::parts`, `Literal::kind`, `Comment::text`)
//! assert on tree shapes that error recovery can violate, so everything the
//! reader needs is re-derived here from raw children, returning `None` on any
//! shape it does not expect.

use rnix::ast::{self, AstNode};
use rnix::{NodeOrToken, SyntaxKind, SyntaxNode, TextRange};
use strata_core::Span;

/// The untyped node of a typed AST node.
///
/// rnix's `syntax()` lives on a rowan trait that is not re-exported; a generic
/// bound on rnix's sub-trait makes it callable without depending on rowan.
pub(crate) fn syn<N: AstNode>(node: &N) -> &SyntaxNode {
    node.syntax()
}

/// Casts an untyped node to a typed one (see [`syn`] for why this is generic).
pub(crate) fn cast<N: AstNode>(node: SyntaxNode) -> Option<N> {
    N::cast(node)
}

/// A text range as a strata byte span.
pub(crate) fn range_span(range: TextRange) -> Span {
    Span::new(range.start().into(), range.end().into())
}

/// The byte span of a typed node.
pub(crate) fn span_of<N: AstNode>(node: &N) -> Span {
    range_span(syn(node).text_range())
}

/// The name of an identifier node (`NODE_IDENT` holds `TOKEN_IDENT`, or
/// `TOKEN_OR` for the contextual keyword `or`).
pub(crate) fn ident_name(ident: &ast::Ident) -> Option<String> {
    ident_text(ident).map(str::to_string)
}

/// An identifier's name (see [`ident_name`]) without a copy, read from the
/// immutable tree below the node: walking the node's children instead would
/// allocate a cursor for each (names are read for every attribute and
/// variable of every evaluation).
pub(crate) fn ident_text(ident: &ast::Ident) -> Option<&str> {
    const IDENT: u16 = SyntaxKind::TOKEN_IDENT as u16;
    const OR: u16 = SyntaxKind::TOKEN_OR as u16;
    syn(ident).green().children().find_map(|child| match child {
        NodeOrToken::Token(t) if matches!(t.kind().0, IDENT | OR) => Some(t.text()),
        _ => None,
    })
}

/// One piece of a string or path literal, after unescaping and (for
/// indented strings) indentation stripping.
pub(crate) enum Part {
    /// Literal text.
    Lit(String),
    /// `${ expr }`; `None` when the interpolation is empty or broken.
    Interp(Option<ast::Expr>),
}

/// The parts of a string literal, or `None` when error recovery left
/// something unexpected inside it.
pub(crate) fn string_parts(string: &ast::Str) -> Option<Vec<Part>> {
    let mut raw = Vec::new();
    let mut multiline = false;
    for child in syn(string).children_with_tokens() {
        match child {
            NodeOrToken::Token(t) => match t.kind() {
                SyntaxKind::TOKEN_STRING_START => multiline = t.text() == "''",
                SyntaxKind::TOKEN_STRING_END => {}
                SyntaxKind::TOKEN_STRING_CONTENT => raw.push(Part::Lit(t.text().to_string())),
                _ => return None,
            },
            NodeOrToken::Node(n) if n.kind() == SyntaxKind::NODE_INTERPOL => {
                raw.push(Part::Interp(
                    cast::<ast::Interpol>(n).and_then(|i| i.expr()),
                ));
            }
            NodeOrToken::Node(_) => return None,
        }
    }
    if multiline {
        Some(strip_indentation(raw))
    } else {
        Some(
            raw.into_iter()
                .map(|p| match p {
                    Part::Lit(s) => Part::Lit(unescape(&s, false)),
                    other => other,
                })
                .collect(),
        )
    }
}

/// The text of a string literal without interpolation.
pub(crate) fn static_string(string: &ast::Str) -> Option<String> {
    let parts = string_parts(string)?;
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Lit(s) => out.push_str(&s),
            Part::Interp(_) => return None,
        }
    }
    Some(out)
}

/// The raw parts of a path literal (`./a/${b}`): token text and
/// interpolations; `None` on an unexpected shape.
pub(crate) fn path_parts(node: &SyntaxNode) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    for child in node.children_with_tokens() {
        match child {
            NodeOrToken::Token(t) => match t.kind() {
                SyntaxKind::TOKEN_PATH_ABS
                | SyntaxKind::TOKEN_PATH_REL
                | SyntaxKind::TOKEN_PATH_HOME
                | SyntaxKind::TOKEN_PATH_SEARCH => parts.push(Part::Lit(t.text().to_string())),
                _ => return None,
            },
            NodeOrToken::Node(n) if n.kind() == SyntaxKind::NODE_INTERPOL => {
                parts.push(Part::Interp(
                    cast::<ast::Interpol>(n).and_then(|i| i.expr()),
                ));
            }
            NodeOrToken::Node(_) => return None,
        }
    }
    Some(parts)
}

/// The text of a path literal without interpolation.
pub(crate) fn static_path(node: &SyntaxNode) -> Option<String> {
    let mut out = String::new();
    for part in path_parts(node)? {
        match part {
            Part::Lit(s) => out.push_str(&s),
            Part::Interp(_) => return None,
        }
    }
    Some(out)
}

/// Nix's indented-string rules: drop a first line of only spaces, remove the
/// smallest indentation of the non-blank lines, drop a last line of only
/// spaces, then unescape (`''$`, `'''`, `''\n`).
fn strip_indentation(parts: Vec<Part>) -> Vec<Part> {
    let n = parts.len();
    let first_is_literal = matches!(parts.first(), Some(Part::Lit(_)));

    // Pass 1: the minimal indentation. Lines holding only spaces do not count;
    // an interpolation at the start of a line counts as content.
    let mut at_line_start = true;
    let mut cur_indent = 0usize;
    let mut min_indent = usize::MAX;
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Interp(_) => {
                if at_line_start {
                    at_line_start = false;
                    min_indent = min_indent.min(cur_indent);
                }
            }
            Part::Lit(text) => {
                let text = if i == 0 && first_is_literal {
                    skip_blank_first_line(text)
                } else {
                    text
                };
                for c in text.chars() {
                    if at_line_start {
                        if c == ' ' {
                            cur_indent += 1;
                        } else if c == '\n' {
                            cur_indent = 0;
                        } else {
                            at_line_start = false;
                            min_indent = min_indent.min(cur_indent);
                        }
                    } else if c == '\n' {
                        at_line_start = true;
                        cur_indent = 0;
                    }
                }
            }
        }
    }

    // Pass 2: strip.
    let mut out = Vec::with_capacity(n);
    let mut at_line_start = true;
    let mut dropped = 0usize;
    for (i, part) in parts.into_iter().enumerate() {
        match part {
            Part::Interp(e) => {
                at_line_start = false;
                dropped = 0;
                out.push(Part::Interp(e));
            }
            Part::Lit(text) => {
                let text = if i == 0 && first_is_literal {
                    skip_blank_first_line(&text)
                } else {
                    text.as_str()
                };
                let mut s = String::with_capacity(text.len());
                for c in text.chars() {
                    if at_line_start {
                        if c == ' ' {
                            if dropped >= min_indent {
                                s.push(c);
                            }
                            dropped += 1;
                        } else if c == '\n' {
                            dropped = 0;
                            s.push(c);
                        } else {
                            at_line_start = false;
                            dropped = 0;
                            s.push(c);
                        }
                    } else {
                        s.push(c);
                        if c == '\n' {
                            at_line_start = true;
                        }
                    }
                }
                if i + 1 == n
                    && let Some(p) = s.rfind('\n')
                    && s[p + 1..].chars().all(|c| c == ' ')
                {
                    s.truncate(p + 1);
                }
                out.push(Part::Lit(unescape(&s, true)));
            }
        }
    }
    out
}

fn skip_blank_first_line(text: &str) -> &str {
    match text.find('\n') {
        Some(p) if text[..p].chars().all(|c| c == ' ') => &text[p + 1..],
        _ => text,
    }
}

/// Interprets escapes: `\n \r \t \x` in `"…"` strings; `''$`, `'''` and
/// `''\x` in indented strings.
pub(crate) fn unescape(input: &str, multiline: bool) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if !multiline => match chars.next() {
                None => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
            },
            '\'' if multiline && chars.peek() == Some(&'\'') => {
                chars.next();
                match chars.peek().copied() {
                    Some('\'') => {
                        chars.next();
                        out.push_str("''");
                    }
                    Some('$') => {
                        chars.next();
                        out.push('$');
                    }
                    Some('\\') => {
                        chars.next();
                        match chars.next() {
                            None => {}
                            Some('n') => out.push('\n'),
                            Some('r') => out.push('\r'),
                            Some('t') => out.push('\t'),
                            Some(other) => out.push(other),
                        }
                    }
                    _ => out.push_str("''"),
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names read from the tree below the node, the contextual keyword
    /// `or` included, are the identifiers as written.
    #[test]
    fn identifier_names() {
        let parse = rnix::Root::parse("{ a, ... }: a.b.or or { x' = x_1; }");
        let idents: Vec<ast::Ident> = parse
            .syntax()
            .descendants()
            .filter_map(cast::<ast::Ident>)
            .collect();
        let names: Vec<&str> = idents.iter().filter_map(ident_text).collect();
        assert_eq!(names, ["a", "a", "b", "or", "x'", "x_1"]);
    }

    fn parts_of(src: &str) -> Vec<String> {
        let parse = rnix::Root::parse(src);
        let expr = parse.tree().expr().unwrap();
        let ast::Expr::Str(s) = expr else {
            panic!("not a string")
        };
        string_parts(&s)
            .unwrap()
            .into_iter()
            .map(|p| match p {
                Part::Lit(s) => s,
                Part::Interp(_) => "<I>".to_string(),
            })
            .collect()
    }

    #[test]
    fn plain_strings_unescape() {
        assert_eq!(parts_of(r#""a\n\"b\${c}""#), ["a\n\"b${c}"]);
        assert_eq!(parts_of(r#""x${y}z""#), ["x", "<I>", "z"]);
    }

    #[test]
    fn indented_strings_strip_common_indentation() {
        assert_eq!(parts_of("''\n    a\n      b\n  ''"), ["a\n  b\n"]);
        assert_eq!(parts_of("''\n  exec ${p} x\n''"), ["exec ", "<I>", " x\n"]);
        assert_eq!(parts_of(r"''a ''${x} b ''' c ''\n''"), ["a ${x} b '' c \n"]);
    }
}
