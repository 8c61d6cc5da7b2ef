//! `FLUX025` flux-object-malformed: the rule, its documentation and its tests.

use std::collections::HashSet;

use strata_core::{Code, Diagnostic, Location};
use strata_flux::flux_kinds::{HELM_GROUP, KUSTOMIZE_GROUP, SOURCE_GROUP, api_group};
use strata_flux::yaml::{Yaml, YamlValue};
use strata_flux::{K8sObject, ObjectOrigin};

use super::objects::{at, is_substituted};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A Flux Kustomization, HelmRelease or source has a field strata (and
    /// Flux) reads with the wrong shape: no `spec`, a required field missing
    /// (`sourceRef`, `interval`, `prune`, `chart` or `chartRef`, `url`), a
    /// `dependsOn`, `valuesFrom` or `substituteFrom` that is not a list of
    /// `{name, …}` entries, a reference without `kind` or `name`, a kind the
    /// field cannot name, a number where Flux wants a string, or an interval
    /// that is not a Go duration.
    ///
    /// ## Why
    /// The Flux CRDs validate these fields: the API server rejects the object,
    /// so the Kustomization applying it fails its dry-run and nothing else it
    /// applies is updated either. strata cannot follow such a reference, so
    /// without this finding the object would silently have no dependencies
    /// and no source.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.toolkit.fluxcd.io/v1
    /// kind: Kustomization
    /// metadata: { name: apps, namespace: flux-system }
    /// spec:
    ///   interval: 10m
    ///   prune: true
    ///   dependsOn: infrastructure      # must be a list of {name, namespace?}
    ///   sourceRef: { kind: GitRepository, name: flux-system }
    /// ```
    /// Write `dependsOn: [{name: infrastructure}]`.
    code: FluxObjectMalformed,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for object in cx.flux.written_objects() {
        if object.origin == ObjectOrigin::Synthesised {
            continue;
        }
        let mut shape = Shape {
            object,
            found: Vec::new(),
        };
        match (api_group(&object.api_version), object.kind.as_str()) {
            (KUSTOMIZE_GROUP, "Kustomization") => shape.kustomization(),
            (HELM_GROUP, "HelmRelease") => shape.helm_release(),
            (SOURCE_GROUP, kind) => shape.source(kind),
            _ => continue,
        }
        for (location, message, help) in shape.found {
            if seen.insert((location.file.clone(), location.span, message.clone())) {
                out.push(
                    Diagnostic::new(Code::FluxObjectMalformed, message)
                        .at(location)
                        .on(object.id.clone())
                        .help(help),
                );
            }
        }
    }
}

/// The source kinds a Kustomization's `sourceRef` may name.
const KUSTOMIZATION_SOURCES: &[&str] = &[
    "GitRepository",
    "OCIRepository",
    "Bucket",
    "ExternalArtifact",
];
/// The source kinds a HelmRelease's `chart.spec.sourceRef` may name.
const CHART_SOURCES: &[&str] = &["HelmRepository", "GitRepository", "Bucket"];
/// The kinds a HelmRelease's `chartRef` may name.
const CHART_REF_KINDS: &[&str] = &["OCIRepository", "HelmChart", "ExternalArtifact"];
/// The kinds `valuesFrom` and `substituteFrom` may name.
const CONFIG_KINDS: &[&str] = &["ConfigMap", "Secret"];

/// The findings about one object's document.
struct Shape<'a> {
    object: &'a K8sObject,
    found: Vec<(Location, String, String)>,
}

impl<'a> Shape<'a> {
    fn report(&mut self, location: Location, what: String, help: impl Into<String>) {
        let message = format!("{} `{}`: {what}", self.object.kind, self.object.name);
        self.found.push((location, message, help.into()));
    }

    /// `spec` as a map, or a finding (at `kind` when it is missing).
    fn spec(&mut self) -> Option<&'a Yaml> {
        let doc = &self.object.doc;
        match doc.get("spec") {
            Some(spec) if spec.is_map() => Some(spec),
            Some(spec) => {
                self.report(
                    at(self.object, spec),
                    format!("`spec` is {}, not a map", describe(spec)),
                    "write the object's fields under `spec:` as a map",
                );
                None
            }
            None => {
                let place = doc.get("kind").unwrap_or(doc);
                self.report(
                    at(self.object, place),
                    "has no `spec`".to_string(),
                    "add the `spec` Flux requires (see `flux create --export` for a template)",
                );
                None
            }
        }
    }

    /// A required field of `parent`: its value, or a finding at `parent`'s key.
    fn required(&mut self, parent: &'a Yaml, path: &str, key: &str) -> Option<&'a Yaml> {
        let value = parent.get(key);
        if value.is_none_or(Yaml::is_null) {
            let place = key_of(&self.object.doc, parent).unwrap_or(parent);
            self.report(
                at(self.object, place),
                format!("`{path}.{key}` is missing"),
                format!("set `{key}` under `{path}`: Flux requires it"),
            );
            return None;
        }
        value
    }

    fn kustomization(&mut self) {
        let Some(spec) = self.spec() else { return };
        if let Some(interval) = self.required(spec, "spec", "interval") {
            self.duration(interval, "spec.interval");
        }
        if let Some(prune) = self.required(spec, "spec", "prune") {
            self.boolean(prune, "spec.prune");
        }
        if let Some(source) = self.required(spec, "spec", "sourceRef") {
            self.reference(source, "spec.sourceRef", Some(KUSTOMIZATION_SOURCES));
        }
        for (field, check) in [
            ("path", Self::string as fn(&mut Self, &'a Yaml, &str)),
            ("targetNamespace", Self::string),
            ("serviceAccountName", Self::string),
            ("timeout", Self::duration),
            ("retryInterval", Self::duration),
            ("suspend", Self::boolean),
            ("wait", Self::boolean),
            ("force", Self::boolean),
        ] {
            if let Some(value) = spec.get(field) {
                check(self, value, &format!("spec.{field}"));
            }
        }
        self.dependencies(spec);
        if let Some(components) = spec.get("components")
            && let Some(items) = self.list(components, "spec.components", "paths")
        {
            for (i, item) in items.iter().enumerate() {
                self.string(item, &format!("spec.components[{i}]"));
            }
        }
        if let Some(patches) = spec.get("patches")
            && let Some(items) = self.list(patches, "spec.patches", "{patch, target?}")
        {
            for (i, item) in items.iter().enumerate() {
                let path = format!("spec.patches[{i}]");
                if !item.is_map() {
                    self.wrong_type(item, &path, "a map with `patch`");
                } else if let Some(patch) = self.required(item, &path, "patch") {
                    self.string(patch, &format!("{path}.patch"));
                }
            }
        }
        if let Some(decryption) = spec.get("decryption") {
            if !decryption.is_map() {
                self.wrong_type(decryption, "spec.decryption", "a map with `provider: sops`");
            } else if let Some(provider) = self.required(decryption, "spec.decryption", "provider")
                && provider.as_str() != Some("sops")
            {
                self.report(
                    at(self.object, provider),
                    format!(
                        "`spec.decryption.provider` is {}, not `sops`",
                        describe(provider)
                    ),
                    "write `provider: sops`: it is the only provider Flux has",
                );
            }
        }
        if let Some(post_build) = spec.get("postBuild") {
            if !post_build.is_map() {
                self.wrong_type(post_build, "spec.postBuild", "a map");
                return;
            }
            if let Some(substitute) = post_build.get("substitute") {
                self.substitute(substitute);
            }
            if let Some(from) = post_build.get("substituteFrom") {
                self.config_refs(from, "spec.postBuild.substituteFrom");
            }
        }
    }

    fn helm_release(&mut self) {
        let Some(spec) = self.spec() else { return };
        if let Some(interval) = self.required(spec, "spec", "interval") {
            self.duration(interval, "spec.interval");
        }
        match (spec.get("chart"), spec.get("chartRef")) {
            (None, None) => {
                let place = key_of(&self.object.doc, spec).unwrap_or(spec);
                self.report(
                    at(self.object, place),
                    "has neither `spec.chart` nor `spec.chartRef`".to_string(),
                    "name the chart: `spec.chart.spec` with `chart` and `sourceRef`, or `spec.chartRef`",
                );
            }
            (Some(_), Some(chart_ref)) => self.report(
                at(self.object, chart_ref),
                "sets both `spec.chart` and `spec.chartRef`".to_string(),
                "keep one of them: Flux accepts exactly one",
            ),
            (Some(chart), None) => self.chart(chart),
            (None, Some(chart_ref)) => {
                self.reference(chart_ref, "spec.chartRef", Some(CHART_REF_KINDS))
            }
        }
        for (field, check) in [
            ("releaseName", Self::string as fn(&mut Self, &'a Yaml, &str)),
            ("targetNamespace", Self::string),
            ("storageNamespace", Self::string),
            ("serviceAccountName", Self::string),
            ("timeout", Self::duration),
            ("suspend", Self::boolean),
        ] {
            if let Some(value) = spec.get(field) {
                check(self, value, &format!("spec.{field}"));
            }
        }
        if let Some(values) = spec.get("values")
            && !values.is_map()
            && !values.is_null()
        {
            self.wrong_type(values, "spec.values", "a map");
        }
        for field in [
            "install",
            "upgrade",
            "test",
            "rollback",
            "uninstall",
            "driftDetection",
        ] {
            if let Some(value) = spec.get(field)
                && !value.is_map()
                && !value.is_null()
            {
                self.wrong_type(value, &format!("spec.{field}"), "a map");
            }
        }
        self.dependencies(spec);
        if let Some(from) = spec.get("valuesFrom") {
            self.config_refs(from, "spec.valuesFrom");
        }
    }

    fn chart(&mut self, chart: &'a Yaml) {
        if !chart.is_map() {
            self.wrong_type(chart, "spec.chart", "a map with `spec`");
            return;
        }
        let Some(template) = self.required(chart, "spec.chart", "spec") else {
            return;
        };
        if !template.is_map() {
            self.wrong_type(template, "spec.chart.spec", "a map");
            return;
        }
        if let Some(name) = self.required(template, "spec.chart.spec", "chart") {
            self.string(name, "spec.chart.spec.chart");
        }
        if let Some(version) = template.get("version") {
            self.string(version, "spec.chart.spec.version");
        }
        if let Some(source) = self.required(template, "spec.chart.spec", "sourceRef") {
            self.reference(source, "spec.chart.spec.sourceRef", Some(CHART_SOURCES));
        }
    }

    fn source(&mut self, kind: &str) {
        let url_key = match kind {
            "GitRepository" | "OCIRepository" | "HelmRepository" => "url",
            "Bucket" => "bucketName",
            _ => return,
        };
        let Some(spec) = self.spec() else { return };
        if let Some(url) = self.required(spec, "spec", url_key) {
            self.string(url, &format!("spec.{url_key}"));
        }
        if let Some(interval) = spec.get("interval") {
            self.duration(interval, "spec.interval");
        }
    }

    /// `spec.dependsOn`: a list of `{name, namespace?}`.
    fn dependencies(&mut self, spec: &'a Yaml) {
        let Some(depends_on) = spec.get("dependsOn") else {
            return;
        };
        let Some(entries) = self.list(depends_on, "spec.dependsOn", "{name, namespace?}") else {
            return;
        };
        for (i, entry) in entries.iter().enumerate() {
            self.reference(entry, &format!("spec.dependsOn[{i}]"), None);
        }
    }

    /// `valuesFrom` / `substituteFrom`: a list of `{kind, name, optional?}`.
    fn config_refs(&mut self, value: &'a Yaml, path: &str) {
        let Some(entries) = self.list(value, path, "{kind, name}") else {
            return;
        };
        for (i, entry) in entries.iter().enumerate() {
            self.reference(entry, &format!("{path}[{i}]"), Some(CONFIG_KINDS));
        }
    }

    /// `postBuild.substitute`: a map of variable names to strings.
    fn substitute(&mut self, substitute: &'a Yaml) {
        if substitute.is_null() {
            return;
        }
        if !substitute.is_map() {
            self.wrong_type(substitute, "spec.postBuild.substitute", "a map of strings");
            return;
        }
        for (key, value) in substitute.entries() {
            if !matches!(value.value, YamlValue::String(_)) {
                let name = key.scalar_text().unwrap_or_default().into_owned();
                self.report(
                    at(self.object, value),
                    format!(
                        "`spec.postBuild.substitute.{name}` is {}, not a string",
                        describe(value)
                    ),
                    "quote the value: substitution variables are strings",
                );
            }
        }
    }

    /// A `{kind?, name, namespace?}` reference; `kinds` is `Some` when the
    /// entry must name its kind, out of these.
    fn reference(&mut self, entry: &'a Yaml, path: &str, kinds: Option<&[&str]>) {
        if !entry.is_map() {
            let shape = if kinds.is_some() {
                "a map with `kind` and `name`"
            } else {
                "a map with `name`"
            };
            self.wrong_type(entry, path, shape);
            return;
        }
        match entry.get("name") {
            Some(name) if is_text(name) => {}
            Some(name) => self.wrong_type(name, &format!("{path}.name"), "a string"),
            None => self.report(
                at(self.object, entry),
                format!("`{path}` has no `name`"),
                "add `name:` naming the object this entry refers to",
            ),
        }
        if let Some(namespace) = entry.get("namespace") {
            self.string(namespace, &format!("{path}.namespace"));
        }
        let Some(kinds) = kinds else { return };
        match entry.get("kind") {
            None => self.report(
                at(self.object, entry),
                format!("`{path}` has no `kind`"),
                format!("add `kind:`, one of {}", kinds.join(", ")),
            ),
            Some(kind) => match kind.as_str() {
                Some(text) if kinds.contains(&text) || is_substituted(text) => {}
                _ => self.report(
                    at(self.object, kind),
                    format!(
                        "`{path}.kind` is {}, which this field cannot name",
                        describe(kind)
                    ),
                    format!("write one of {}", kinds.join(", ")),
                ),
            },
        }
    }

    /// The items of a list, or a finding when `value` is not one.
    fn list(&mut self, value: &'a Yaml, path: &str, item: &str) -> Option<&'a [Yaml]> {
        match &value.value {
            YamlValue::Seq(items) => Some(items),
            YamlValue::Null => None,
            _ => {
                self.wrong_type(value, path, &format!("a list of {item}"));
                None
            }
        }
    }

    fn string(&mut self, value: &'a Yaml, path: &str) {
        if !is_text(value) && !value.is_null() {
            self.wrong_type(value, path, "a string");
        }
    }

    fn boolean(&mut self, value: &'a Yaml, path: &str) {
        let substituted = value.as_str().is_some_and(is_substituted);
        if value.as_bool().is_none() && !value.is_null() && !substituted {
            self.wrong_type(value, path, "`true` or `false`");
        }
    }

    /// A Go duration as the Flux CRDs validate it: `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`.
    fn duration(&mut self, value: &'a Yaml, path: &str) {
        let valid = match value.as_str() {
            Some(text) => is_substituted(text) || is_duration(text),
            None => value.is_null(),
        };
        if !valid {
            self.report(
                at(self.object, value),
                format!("`{path}` is {}, not a duration", describe(value)),
                "write a Go duration such as `10m`, `1h` or `30s`",
            );
        }
    }

    fn wrong_type(&mut self, value: &'a Yaml, path: &str, wanted: &str) {
        self.report(
            at(self.object, value),
            format!("`{path}` is {}, not {wanted}", describe(value)),
            format!("write `{path}` as {wanted}: the Flux CRD rejects anything else"),
        );
    }
}

/// A string value (or a `${VAR}` Flux substitutes before applying).
fn is_text(value: &Yaml) -> bool {
    matches!(value.value, YamlValue::String(_))
}

/// `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
fn is_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if digits == 0 {
                return false;
            }
            rest = &fraction[digits..];
        }
        rest = if let Some(after) = rest.strip_prefix("ms") {
            after
        } else if let Some(after) = rest.strip_prefix(['s', 'm', 'h']) {
            after
        } else {
            return false;
        };
    }
    true
}

/// The key node whose value is `value`, searched from `node` down.
fn key_of<'a>(node: &'a Yaml, value: &Yaml) -> Option<&'a Yaml> {
    match &node.value {
        YamlValue::Map(entries) => entries.iter().find_map(|(key, child)| {
            if std::ptr::eq(child, value) {
                Some(key)
            } else {
                key_of(child, value)
            }
        }),
        YamlValue::Seq(items) => items.iter().find_map(|item| key_of(item, value)),
        _ => None,
    }
}

/// What a value is, for messages: "a number (5)", "a list", "empty".
fn describe(value: &Yaml) -> String {
    match &value.value {
        YamlValue::Null => "empty".to_string(),
        YamlValue::Bool(b) => format!("a boolean ({b})"),
        YamlValue::Int(i) => format!("a number ({i})"),
        YamlValue::Float(f) => format!("a number ({f})"),
        YamlValue::String(s) if s.chars().count() <= 40 => format!("`{s}`"),
        YamlValue::String(_) => "a string".to_string(),
        YamlValue::Seq(_) => "a list".to_string(),
        YamlValue::Map(_) => "a map".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_duration;
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn durations_follow_the_flux_crd_pattern() {
        for good in ["10m", "1h30m", "1.5h", "500ms", "0s"] {
            assert!(is_duration(good), "{good}");
        }
        for bad in ["", "10", "5 m", "m", "1d", "1.h", "-1m"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn fires_at_each_malformed_field() {
        let analysis = analyze_fixture("flux-object-malformed");
        assert_fires_at(
            &analysis,
            Code::FluxObjectMalformed,
            &[
                "apps/podinfo.yaml:6:1",
                "apps/podinfo.yaml:19:16",
                "apps/podinfo.yaml:21:9",
                "apps/podinfo.yaml:22:11",
                "apps/podinfo.yaml:23:15",
                "apps/podinfo.yaml:26:7",
                "apps/podinfo.yaml:36:1",
                "clusters/home/apps.yaml:9:14",
                "clusters/home/apps.yaml:12:11",
                "clusters/home/apps.yaml:16:17",
                "clusters/home/apps.yaml:18:9",
                "clusters/home/apps.yaml:28:7",
                "clusters/home/apps.yaml:29:7",
                "clusters/home/infrastructure.yaml:6:1",
                "clusters/home/infrastructure.yaml:7:13",
                "clusters/home/infrastructure.yaml:9:10",
                "clusters/home/infrastructure.yaml:12:7",
            ],
        );
        let all = findings(&analysis, Code::FluxObjectMalformed).join("\n");
        assert!(
            all.contains("Kustomization `apps`: `spec.dependsOn` is a number (5), not a list"),
            "{all}"
        );
    }

    #[test]
    fn silent_when_every_object_is_well_formed() {
        assert_clean(
            &analyze_fixture("flux-object-malformed-clean"),
            Code::FluxObjectMalformed,
        );
    }
}
