//! Flux's `postBuild` variable substitution over a built object.
//!
//! What Flux does (kustomize-controller, `fluxcd/pkg/kustomize`): after the
//! kustomize build, every object not annotated or labelled
//! `kustomize.toolkit.fluxcd.io/substitute: disabled` is rendered to text and
//! run through `fluxcd/pkg/envsubst`, whose expressions (`${var}`,
//! `${var:=default}`, `${A:-${B}}`, `${var^^}`, `${var/a/b}`, `$${var}`, …)
//! the private `envsubst` module reads exactly as Flux does. Variables come from
//! `spec.postBuild.substituteFrom` (ConfigMaps and Secrets, later entries
//! winning) and `spec.postBuild.substitute` (winning over both), every value
//! with its newlines removed. A Kustomization without `postBuild`, or whose
//! variables are all empty and whose `substituteStrategy` is not `Always`,
//! substitutes nothing.
//!
//! strata substitutes inside string scalars (mapping keys are left alone),
//! keeps every value's span, and records each `${var}` that is read without
//! a value and without a default, at its exact position in the file — in
//! strict mode (the default since Flux 2.9) each one fails the build, and
//! otherwise reads as the empty string. Variables whose value is not known
//! (a Secret's, or any variable when a `substituteFrom` source cannot be
//! read) stay written as `${…}` and are never reported; so does every
//! expression whose result depends on one. Text Flux cannot parse (`${a.b}`,
//! `${var-default}`, an unclosed `${`) fails the whole object in Flux: the
//! scalar is left as written and the expression reported. The `$var` form
//! without braces is left alone; `$$` is a literal `$` everywhere.

mod envsubst;
mod glob;

use std::borrow::Cow;
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

impl Variables {
    /// The defined names Flux refuses (not `^[_a-zA-Z][_a-zA-Z0-9]*$`, as a
    /// Secret's `tls.crt`): any one fails the Kustomization's substitution
    /// (`'tls.crt' var name is invalid`).
    pub fn invalid_names(&self) -> Vec<&str> {
        self.values
            .keys()
            .map(String::as_str)
            .filter(|name| !is_variable_name(name))
            .collect()
    }
}

/// Whether a variable name is one Flux can define (`^[_a-zA-Z][_a-zA-Z0-9]*$`).
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

/// An expression Flux's envsubst cannot parse: Flux fails the substitution
/// of the whole object (`variable substitution failed: …`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InvalidExpression {
    /// Flux's error text (`missing closing brace`, `bad substitution`, …).
    pub message: String,
    /// From the `${` to the character Flux stopped at (the whole scalar
    /// when the exact characters cannot be found).
    pub location: Location,
}

/// What substituting one document found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubstitutionFindings {
    /// Variables read without a value and without a default, in document order.
    pub unset: Vec<UnsetVariable>,
    /// Expressions Flux cannot parse, in document order.
    pub invalid: Vec<InvalidExpression>,
}

/// One string after substitution.
#[derive(Debug, PartialEq)]
struct Substituted {
    text: String,
    /// Unset variables: name and the `${…}` range in the input.
    unset: Vec<(String, std::ops::Range<usize>)>,
    /// The parse error, the input then being left as it is.
    invalid: Option<(&'static str, std::ops::Range<usize>)>,
}

/// Substitutes `text` as Flux does.
fn substitute_text(text: &str, variables: &Variables) -> Substituted {
    let nodes = match envsubst::parse(text) {
        Ok(nodes) => nodes,
        Err(error) => {
            return Substituted {
                text: text.to_string(),
                unset: Vec::new(),
                invalid: Some((error.message, error.span)),
            };
        }
    };
    let lookup = |name: &str| match variables.values.get(name) {
        // Flux drops the newlines of every value.
        Some(Some(value)) => envsubst::Value::Known(value.replace('\n', "")),
        Some(None) => envsubst::Value::Unknown,
        None if variables.complete => envsubst::Value::Missing,
        None => envsubst::Value::Unknown,
    };
    let mut unset = Vec::new();
    let evaluated = envsubst::evaluate(&nodes, text, &lookup, &mut unset);
    Substituted {
        text: evaluated.text,
        unset: unset.into_iter().map(|u| (u.name, u.span)).collect(),
        invalid: None,
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
    substitute_document_with_findings(doc, variables, file_of, source_of).unset
}

/// [`substitute_document`], also returning the expressions Flux cannot parse.
pub fn substitute_document_with_findings<'s>(
    doc: &mut Yaml,
    variables: &Variables,
    file_of: &dyn Fn(&str) -> String,
    source_of: &dyn Fn(&str) -> Option<&'s str>,
) -> SubstitutionFindings {
    let mut findings = SubstitutionFindings::default();
    let mut path = Vec::new();
    walk(doc, variables, file_of, source_of, &mut path, &mut findings);
    findings
}

/// Whether substitution may change `doc` or find something in it: a
/// string value holding `${` or `$$` (keys are never substituted).
pub fn has_expressions(doc: &Yaml) -> bool {
    match &doc.value {
        YamlValue::Map(entries) => entries.iter().any(|(_, value)| has_expressions(value)),
        YamlValue::Seq(items) => items.iter().any(has_expressions),
        YamlValue::String(text) => is_candidate(text),
        _ => false,
    }
}

/// Whether a string may hold an expression or an escape (see [`walk`]).
fn is_candidate(text: &str) -> bool {
    text.contains("${") || text.contains("$$")
}

/// One step of the path to a value: a mapping key, or a list index.
enum Step<'n> {
    Key(Cow<'n, str>),
    Index(usize),
}

/// The dotted path of `steps` (`spec.values.0.name`).
fn dotted(steps: &[Step<'_>]) -> String {
    let mut path = String::new();
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            path.push('.');
        }
        match step {
            Step::Key(key) => path.push_str(key),
            Step::Index(index) => path.push_str(&index.to_string()),
        }
    }
    path
}

fn walk<'n, 's>(
    node: &'n mut Yaml,
    variables: &Variables,
    file_of: &dyn Fn(&str) -> String,
    source_of: &dyn Fn(&str) -> Option<&'s str>,
    path: &mut Vec<Step<'n>>,
    findings: &mut SubstitutionFindings,
) {
    if let YamlValue::String(_) = node.value {
        substitute_scalar(node, variables, file_of, source_of, path, findings);
        return;
    }
    match &mut node.value {
        YamlValue::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                let key: &'n Yaml = key;
                path.push(Step::Key(key.scalar_text().unwrap_or_default()));
                walk(value, variables, file_of, source_of, path, findings);
                path.pop();
            }
        }
        YamlValue::Seq(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                path.push(Step::Index(index));
                walk(item, variables, file_of, source_of, path, findings);
                path.pop();
            }
        }
        _ => {}
    }
}

/// [`walk`] at a string scalar, at `path`.
fn substitute_scalar<'s>(
    node: &mut Yaml,
    variables: &Variables,
    file_of: &dyn Fn(&str) -> String,
    source_of: &dyn Fn(&str) -> Option<&'s str>,
    path: &[Step<'_>],
    findings: &mut SubstitutionFindings,
) {
    let span = node.span;
    let YamlValue::String(text) = &node.value else {
        return;
    };
    if !is_candidate(text) {
        return;
    }
    let substituted = substitute_text(text, variables);
    let file = file_of(&dotted(path));
    let written = source_of(&file)
        .and_then(|s| s.get(span.start..span.end))
        .unwrap_or("");
    let was_plain = written == text.as_str();
    // Where `text[range]` is written: the same characters, counted
    // from the scalar's start; the whole scalar when they differ
    // (a quoted scalar with escapes).
    let locate = |range: &std::ops::Range<usize>| {
        let token = &text[range.clone()];
        let nth = text[..range.start].matches(token).count();
        let span = written
            .match_indices(token)
            .nth(nth)
            .map_or(span, |(at, _)| {
                Span::new(span.start + at, span.start + at + token.len())
            });
        Location::new(file.clone(), span)
    };
    for (name, range) in &substituted.unset {
        findings.unset.push(UnsetVariable {
            name: name.clone(),
            location: locate(range),
        });
    }
    if let Some((message, range)) = &substituted.invalid {
        findings.invalid.push(InvalidExpression {
            message: (*message).to_string(),
            location: locate(range),
        });
    }
    if substituted.text == *text {
        return;
    }
    // A plain scalar is re-read after substitution, as Flux re-parses
    // the substituted text: `replicas: ${N}` becomes a number.
    node.value = if was_plain {
        retype(substituted.text)
    } else {
        YamlValue::String(substituted.text)
    };
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
        let v = vars(
            &[
                ("DOMAIN", Some("example.com")),
                ("TOKEN", None),
                ("MULTI", Some("a\nb\n")),
            ],
            true,
        );
        let render = |t: &str| -> String {
            let out = substitute_text(t, &v);
            match out.invalid {
                Some((message, _)) => format!("<invalid: {message}>"),
                None => {
                    let names: Vec<String> = out.unset.into_iter().map(|(n, _)| n).collect();
                    if names.is_empty() {
                        out.text
                    } else {
                        format!("{} <unset {}>", out.text, names.join(","))
                    }
                }
            }
        };
        assert_eq!(render("app.${DOMAIN}"), "app.example.com");
        assert_eq!(render("$${DOMAIN}"), "${DOMAIN}");
        assert_eq!(render("${MISSING:=fallback}"), "fallback");
        assert_eq!(render("${MISSING:-x}"), "x");
        assert_eq!(render("${MISSING}"), "${MISSING} <unset MISSING>");
        assert_eq!(render("${TOKEN}"), "${TOKEN}");
        assert_eq!(render("${TOKEN:-x}"), "${TOKEN:-x}");
        assert_eq!(render("${MISSING:-${TOKEN}}"), "${TOKEN}");
        assert_eq!(render("${9bad}"), "${9bad} <unset 9bad>");
        assert_eq!(render("${MULTI}"), "ab");
        assert_eq!(render("${DOMAIN%%.*}"), "example");
        assert_eq!(
            render("$DOMAIN ${ unclosed"),
            "<invalid: unable to parse variable name>"
        );
        assert_eq!(render("${DOMAIN-x}"), "<invalid: missing closing brace>");
        assert_eq!(render("é${DOMAIN}ü"), "éexample.comü");
        assert_eq!(render("echo $$ $HOME"), "echo $ $HOME");
        let incomplete = vars(&[], false);
        let out = substitute_text("${X} ${Y:-y}", &incomplete);
        assert_eq!((out.text.as_str(), out.unset.len()), ("${X} ${Y:-y}", 0));
    }

    #[test]
    fn names_flux_refuses_to_define() {
        let v = vars(
            &[("tls.crt", None), ("DOMAIN", Some("x")), ("9lives", None)],
            true,
        );
        assert_eq!(v.invalid_names(), vec!["9lives", "tls.crt"]);
    }

    #[test]
    fn nested_defaults_in_a_document() {
        // The shape of a component that names a claim after its app unless
        // told otherwise.
        let text = "metadata:\n  name: \"${CLAIM:-${APP}}\"\nspec:\n  size: ${SIZE:=5Gi}\n  class: ${CLASS:-${DEFAULT_CLASS:=fast}}\n";
        let file = SourceFile::new("pvc.yaml", text);
        let mut doc = parse_documents(&file).0.remove(0);
        let v = vars(&[("APP", Some("radarr"))], true);
        let found =
            substitute_document_with_findings(&mut doc, &v, &|_| "pvc.yaml".to_string(), &|_| {
                Some(text)
            });
        assert_eq!(found, SubstitutionFindings::default());
        assert_eq!(
            doc.path("metadata.name").and_then(Yaml::as_str),
            Some("radarr")
        );
        assert_eq!(doc.path("spec.size").and_then(Yaml::as_str), Some("5Gi"));
        assert_eq!(doc.path("spec.class").and_then(Yaml::as_str), Some("fast"));

        let mut doc = parse_documents(&file).0.remove(0);
        let found = substitute_document_with_findings(
            &mut doc,
            &vars(&[("CLAIM", Some("media"))], true),
            &|_| "pvc.yaml".to_string(),
            &|_| Some(text),
        );
        assert_eq!(
            doc.path("metadata.name").and_then(Yaml::as_str),
            Some("media")
        );
        // Strict mode reads the default even when the claim is set.
        let unset: Vec<_> = found
            .unset
            .iter()
            .map(|u| {
                let lc = file.line_col(u.location.span.start);
                (
                    u.name.as_str(),
                    lc.line,
                    lc.column,
                    &text[u.location.span.start..u.location.span.end],
                )
            })
            .collect();
        assert_eq!(unset, vec![("APP", 2, 19, "${APP}")]);
    }

    #[test]
    fn invalid_expressions_point_at_their_characters() {
        let text = "a: ok\nb: x-${a.b}-y\nc: \"$${a.b}\"\n";
        let file = SourceFile::new("f.yaml", text);
        let mut doc = parse_documents(&file).0.remove(0);
        let found = substitute_document_with_findings(
            &mut doc,
            &vars(&[("a", Some("1"))], true),
            &|_| "f.yaml".to_string(),
            &|_| Some(text),
        );
        let places: Vec<(String, usize, usize, &str)> = found
            .invalid
            .iter()
            .map(|i| {
                let lc = file.line_col(i.location.span.start);
                (
                    i.message.clone(),
                    lc.line,
                    lc.column,
                    &text[i.location.span.start..i.location.span.end],
                )
            })
            .collect();
        assert_eq!(
            places,
            vec![("missing closing brace".to_string(), 2, 6, "${a.")]
        );
        assert_eq!(doc.path("b").and_then(Yaml::as_str), Some("x-${a.b}-y"));
        assert_eq!(doc.path("c").and_then(Yaml::as_str), Some("${a.b}"));
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
            let out = substitute_text(&text, &v);
            if out.invalid.is_some() {
                proptest::prop_assert_eq!(out.text, text);
            }
        }
    }
}
