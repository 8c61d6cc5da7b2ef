//! `FLUX027` object-name-invalid: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic};
use strata_flux::yaml::{Yaml, YamlValue};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// An object whose `metadata.name` or `metadata.namespace`, as Flux
    /// applies it (after kustomize and `postBuild` substitution), is not a
    /// string (`name: 5`, `name: true`), or is not a name the API server
    /// accepts for its kind: most kinds (custom resources such as Flux's
    /// included) need a DNS-1123 subdomain (lowercase letters, digits, `-`
    /// and `.`, at most 253 characters, starting and ending alphanumeric);
    /// a Namespace, and every `metadata.namespace`, a DNS-1123 label (no
    /// dots, at most 63); a Service a DNS-1035 label (starting with a
    /// letter). RBAC kinds accept any name without `/` or `%`.
    ///
    /// ## Why
    /// kustomize builds such a document without complaint, but the API
    /// server rejects it (`metadata.name: Invalid value: "My_App": a
    /// lowercase RFC 1123 subdomain must consist of …`, or `cannot unmarshal
    /// number into … of type string`), so the Kustomization applying it
    /// fails and nothing of it is applied.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: My_App     # my-app
    ///   namespace: 5     # "5" would be a string, but a label: media
    /// ```
    code: ObjectNameInvalid,
    check: Some(check),
}

/// The name rule the API server applies to a kind's `metadata.name`.
#[derive(Clone, Copy)]
enum NameRule {
    Subdomain,
    Label,
    Dns1035Label,
    PathSegment,
}

fn rule_for(api_version: &str, kind: &str) -> NameRule {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("", "Namespace") => NameRule::Label,
        ("", "Service") => NameRule::Dns1035Label,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

fn is_label(name: &str) -> bool {
    name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Why `name` breaks `rule`, or `None` when the API server accepts it.
fn violation(rule: NameRule, name: &str) -> Option<&'static str> {
    let ok = match rule {
        NameRule::Subdomain => name.len() <= 253 && name.split('.').all(is_label),
        NameRule::Label => is_label(name),
        NameRule::Dns1035Label => {
            is_label(name) && name.starts_with(|c: char| c.is_ascii_lowercase())
        }
        NameRule::PathSegment => name != "." && name != ".." && !name.contains(['/', '%']),
    };
    (!ok).then_some(match rule {
        NameRule::Subdomain => {
            "a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at most 253 characters, starting and ending alphanumeric)"
        }
        NameRule::Label => {
            "a DNS-1123 label (lowercase letters, digits and `-`, at most 63 characters, starting and ending alphanumeric)"
        }
        NameRule::Dns1035Label => {
            "a DNS-1035 label (lowercase letters, digits and `-`, at most 63 characters, starting with a letter)"
        }
        NameRule::PathSegment => "a name without `/` or `%`, other than `.` and `..`",
    })
}

/// What a non-string scalar is, for the message.
fn non_string(value: &Yaml) -> Option<&'static str> {
    match value.value {
        YamlValue::Int(_) | YamlValue::Float(_) => Some("a number"),
        YamlValue::Bool(_) => Some("a boolean"),
        YamlValue::Seq(_) => Some("a list"),
        YamlValue::Map(_) => Some("a map"),
        YamlValue::Null | YamlValue::String(_) => None,
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for object in &cx.flux.objects {
        for (field, rule) in [
            ("name", rule_for(&object.api_version, &object.kind)),
            ("namespace", NameRule::Label),
        ] {
            let Some(value) = object.doc.path(&format!("metadata.{field}")) else {
                continue;
            };
            let problem = if let Some(what) = non_string(value) {
                format!("is {what}, not a string")
            } else if let YamlValue::String(text) = &value.value {
                // An unsubstituted `${VAR}` is another rule's finding.
                if text.contains("${") {
                    continue;
                }
                match violation(rule, text) {
                    Some(expected) => format!("`{text}` is not {expected}"),
                    None => continue,
                }
            } else {
                continue;
            };
            let location = object.location_at(value);
            if !seen.insert((location.clone(), field)) {
                continue;
            }
            let by = object
                .applied_by
                .as_ref()
                .map(|k| format!(", so Kustomization `{}` fails", k.name()))
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::ObjectNameInvalid,
                    format!(
                        "{} `{}`: `metadata.{field}` {problem}; the API server rejects it{by}",
                        object.kind, object.name
                    ),
                )
                .at(location)
                .on(object.id.clone())
                .help(match field {
                    "name" => "write the name as a quoted string of lowercase letters, digits and `-` (e.g. `my-app`)",
                    _ => "write the namespace as a quoted string of lowercase letters, digits and `-`",
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NameRule, violation};
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_each_name_the_api_server_rejects() {
        let analysis = analyze_fixture("flux-object-name-invalid");
        assert_fires_at(
            &analysis,
            Code::ObjectNameInvalid,
            &[
                "apps/podinfo/config.yaml:5:9",
                "apps/podinfo/config.yaml:13:9",
                "apps/podinfo/config.yaml:14:14",
                "apps/podinfo/release.yaml:14:9",
                "apps/podinfo/service.yaml:5:9",
            ],
        );
    }

    #[test]
    fn silent_on_names_the_api_server_accepts() {
        assert_clean(
            &analyze_fixture("flux-object-name-invalid-clean"),
            Code::ObjectNameInvalid,
        );
    }

    #[test]
    fn name_rules_follow_the_api_server() {
        assert!(violation(NameRule::Subdomain, "a.b-c.0").is_none());
        assert!(violation(NameRule::Subdomain, "My_App").is_some());
        assert!(violation(NameRule::Subdomain, "-a").is_some());
        assert!(violation(NameRule::Subdomain, &"a".repeat(254)).is_some());
        assert!(violation(NameRule::Label, "a.b").is_some());
        assert!(violation(NameRule::Label, &"a".repeat(63)).is_none());
        assert!(violation(NameRule::Dns1035Label, "1svc").is_some());
        assert!(violation(NameRule::Dns1035Label, "svc1").is_none());
        assert!(violation(NameRule::PathSegment, "system:controller:x").is_none());
        assert!(violation(NameRule::PathSegment, "a/b").is_some());
    }
}
