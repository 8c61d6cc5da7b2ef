//! Flux's `postBuild` variable substitution over a built object.
//!
//! What Flux does (kustomize-controller, `fluxcd/pkg/kustomize`): after the
//! kustomize build, every object not annotated or labelled
//! `kustomize.toolkit.fluxcd.io/substitute: disabled` is rendered to text and
//! run through an envsubst that understands `${var}`, bash-style operators
//! (`${var:=default}`, `${var:-default}`, `${var=default}`,
//! `${var-default}`, …) and `$${var}` as an escaped literal `${var}`.
//! Variables come from `spec.postBuild.substituteFrom` (ConfigMaps and
//! Secrets, later entries winning) and `spec.postBuild.substitute` (winning
//! over both). A Kustomization without `postBuild`, or whose variables are
//! all empty, substitutes nothing.
//!
//! strata substitutes inside string scalars (mapping keys are left alone),
//! keeps every value's span, and records each `${var}` that stays without a
//! value, at its exact position in the file. Variables whose value is not
//! known (a Secret's, or any variable when a `substituteFrom` source cannot
//! be read) stay written as `${var}` and are never reported. The `$var` form
//! without braces is left alone.

use std::collections::BTreeMap;

use strata_core::{Location, Span};

use crate::yaml::{Yaml, YamlValue};

/// The annotation (or label) that turns substitution off for one object.
pub const SUBSTITUTE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// A `${VAR}` that has no value after substitution.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnsetVariable {
    /// The variable name.
    pub name: String,
    /// The `${VAR}` text itself in its file (the whole scalar when the
    /// exact characters cannot be found, as in a double-quoted scalar with
    /// escapes).
    pub location: Location,
}

/// The variables of one Kustomization's `postBuild`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables {
    /// Name → value; `None` when the variable is defined but its value is not
    /// known to strata (a Secret's value, never read).
    pub values: BTreeMap<String, Option<String>>,
    /// Whether every source of variables could be read. When not, a variable
    /// missing from `values` may still be defined, so none is reported unset.
    pub complete: bool,
}

/// Whether a variable name is one Flux substitutes (`^[_a-zA-Z][_a-zA-Z0-9]*$`).
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Whether an object opts out of substitution.
pub fn is_disabled(doc: &Yaml) -> bool {
    ["metadata.annotations", "metadata.labels"]
        .iter()
        .any(|path| {
            doc.path(path)
                .and_then(|m| m.get(SUBSTITUTE_ANNOTATION))
                .and_then(Yaml::as_str)
                == Some("disabled")
        })
}

/// One piece of a scalar after substitution.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    /// A `${…}` whose value is unknown; kept as written.
    Kept(String),
    /// A `${name}` without a value, at `start..end` of the scalar.
    Unset {
        name: String,
        start: usize,
        end: usize,
    },
}

/// Substitutes `text`; the pieces say what became of each `${…}`.
fn substitute_text(text: &str, variables: &Variables) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'$') && bytes.get(i + 2) == Some(&b'{') {
            // `$${x}` is the escape for a literal `${x}`.
            plain.push('$');
            i += 2;
            continue;
        }
        if bytes[i] == b'$'
            && bytes.get(i + 1) == Some(&b'{')
            && let Some(close) = text[i + 2..].find('}')
        {
            let end = i + 2 + close + 1;
            let inner = &text[i + 2..end - 1];
            let name_len = inner
                .char_indices()
                .find(|(j, c)| {
                    !(*c == '_' || c.is_ascii_alphabetic() || (*j > 0 && c.is_ascii_digit()))
                })
                .map_or(inner.len(), |(j, _)| j);
            let name = &inner[..name_len];
            let operator = &inner[name_len..];
            if !is_variable_name(name) {
                plain.push_str(&text[i..end]);
                i = end;
                continue;
            }
            let default = [":=", ":-", "=", "-"]
                .iter()
                .find_map(|op| operator.strip_prefix(op));
            match variables.values.get(name) {
                Some(Some(value)) => plain.push_str(value),
                Some(None) => {
                    flush(&mut pieces, &mut plain);
                    pieces.push(Piece::Kept(text[i..end].to_string()));
                }
                None => match default {
                    Some(default) => plain.push_str(default),
                    None if variables.complete => {
                        flush(&mut pieces, &mut plain);
                        pieces.push(Piece::Unset {
                            name: name.to_string(),
                            start: i,
                            end,
                        });
                    }
                    None => {
                        flush(&mut pieces, &mut plain);
                        pieces.push(Piece::Kept(text[i..end].to_string()));
                    }
                },
            }
            i = end;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or('\u{fffd}');
        plain.push(c);
        i += c.len_utf8().max(1);
    }
    flush(&mut pieces, &mut plain);
    pieces
}

fn flush(pieces: &mut Vec<Piece>, plain: &mut String) {
    if !plain.is_empty() {
        pieces.push(Piece::Text(std::mem::take(plain)));
    }
}

/// Substitutes every string scalar of `doc` in place and returns the
/// variables left without a value. `file_of` names the file holding the
/// value at a dotted path; `source_of` gives that file's text, so an unset
/// variable points at its own `${…}` characters.
pub fn substitute_document<'s>(
    doc: &mut Yaml,
    variables: &Variables,
    file_of: &dyn Fn(&str) -> String,
    source_of: &dyn Fn(&str) -> Option<&'s str>,
) -> Vec<UnsetVariable> {
    let mut unset = Vec::new();
    let mut path = Vec::new();
    walk(doc, variables, file_of, source_of, &mut path, &mut unset);
    unset
}

fn walk<'s>(
    node: &mut Yaml,
    variables: &Variables,
    file_of: &dyn Fn(&str) -> String,
    source_of: &dyn Fn(&str) -> Option<&'s str>,
    path: &mut Vec<String>,
    unset: &mut Vec<UnsetVariable>,
) {
    match &mut node.value {
        YamlValue::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                path.push(
                    key.scalar_text()
                        .map(|k| k.into_owned())
                        .unwrap_or_default(),
                );
                walk(value, variables, file_of, source_of, path, unset);
                path.pop();
            }
        }
        YamlValue::Seq(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                path.push(index.to_string());
                walk(item, variables, file_of, source_of, path, unset);
                path.pop();
            }
        }
        YamlValue::String(text) => {
            if !text.contains("${") {
                return;
            }
            let pieces = substitute_text(text, variables);
            let file = file_of(&path.join("."));
            let written = source_of(&file)
                .and_then(|s| s.get(node.span.start..node.span.end))
                .unwrap_or("");
            let was_plain = written == text.as_str();
            let mut result = String::new();
            for piece in &pieces {
                match piece {
                    Piece::Text(t) | Piece::Kept(t) => result.push_str(t),
                    Piece::Unset { name, start, end } => {
                        let token = &text[*start..*end];
                        let nth = text[..*start].matches(token).count();
                        let span =
                            written
                                .match_indices(token)
                                .nth(nth)
                                .map_or(node.span, |(at, _)| {
                                    Span::new(
                                        node.span.start + at,
                                        node.span.start + at + token.len(),
                                    )
                                });
                        unset.push(UnsetVariable {
                            name: name.clone(),
                            location: Location::new(file.clone(), span),
                        });
                        result.push_str(token);
                    }
                }
            }
            // A plain scalar is re-read after substitution, as Flux re-parses
            // the substituted text: `replicas: ${N}` becomes a number.
            node.value = if was_plain {
                retype(result)
            } else {
                YamlValue::String(result)
            };
        }
        _ => {}
    }
}

fn retype(text: String) -> YamlValue {
    if let Ok(i) = text.parse::<i64>() {
        return YamlValue::Int(i);
    }
    match text.as_str() {
        "true" => YamlValue::Bool(true),
        "false" => YamlValue::Bool(false),
        _ => YamlValue::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;
    use strata_core::SourceFile;

    fn vars(pairs: &[(&str, Option<&str>)], complete: bool) -> Variables {
        Variables {
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect(),
            complete,
        }
    }

    #[test]
    fn forms_of_variables() {
        let v = vars(&[("DOMAIN", Some("example.com")), ("TOKEN", None)], true);
        let render = |t: &str| -> String {
            substitute_text(t, &v)
                .iter()
                .map(|p| match p {
                    Piece::Text(t) | Piece::Kept(t) => t.clone(),
                    Piece::Unset { name, .. } => format!("<unset {name}>"),
                })
                .collect()
        };
        assert_eq!(render("app.${DOMAIN}"), "app.example.com");
        assert_eq!(render("$${DOMAIN}"), "${DOMAIN}");
        assert_eq!(render("${MISSING:=fallback}"), "fallback");
        assert_eq!(render("${MISSING:-x}"), "x");
        assert_eq!(render("${MISSING}"), "<unset MISSING>");
        assert_eq!(render("${TOKEN}"), "${TOKEN}");
        assert_eq!(render("${9bad}"), "${9bad}");
        assert_eq!(render("$DOMAIN ${ unclosed"), "$DOMAIN ${ unclosed");
        assert_eq!(render("é${DOMAIN}ü"), "éexample.comü");
        let incomplete = vars(&[], false);
        assert_eq!(
            substitute_text("${X}", &incomplete),
            vec![Piece::Kept("${X}".into())]
        );
    }

    #[test]
    fn unset_variables_point_at_their_characters() {
        let text = "a: host-${ZONE}.${DOMAIN}\nb: \"q ${ZONE}\"\nc: |\n  line ${ZONE}\n  ${ZONE} again\nd: ${N}\n";
        let file = SourceFile::new("f.yaml", text);
        let mut doc = parse_documents(&file).0.remove(0);
        let v = vars(&[("DOMAIN", Some("example.com")), ("N", Some("3"))], true);
        let unset = substitute_document(&mut doc, &v, &|_| "f.yaml".to_string(), &|_| Some(text));
        let places: Vec<(usize, usize)> = unset
            .iter()
            .map(|u| {
                let lc = file.line_col(u.location.span.start);
                assert_eq!(&text[u.location.span.start..u.location.span.end], "${ZONE}");
                (lc.line, lc.column)
            })
            .collect();
        assert_eq!(places, vec![(1, 9), (2, 7), (4, 8), (5, 3)]);
        assert_eq!(
            doc.path("a").and_then(Yaml::as_str),
            Some("host-${ZONE}.example.com")
        );
        assert_eq!(doc.path("d").and_then(Yaml::as_i64), Some(3));
    }

    proptest::proptest! {
        #[test]
        fn substitution_never_panics(text in "([a-z$\\{\\}:=\\-_é]|\\$\\{|\\$\\$){0,60}") {
            let v = vars(&[("a", Some("x")), ("b", None)], true);
            let _ = substitute_text(&text, &v);
        }
    }
}
