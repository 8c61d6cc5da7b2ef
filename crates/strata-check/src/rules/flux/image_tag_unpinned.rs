//! `FLUX015` image-tag-unpinned: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic, Location};
use strata_flux::K8sObject;
use strata_flux::flux_kinds::HELM_GROUP;
use strata_flux::yaml::Yaml;

use super::objects::{at, is, is_substituted};
use super::workloads::{ImageRef, containers, pod_spec};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A container image is named with the `latest` tag or with no tag at
    /// all, and without a digest: in a workload (Deployment, StatefulSet,
    /// DaemonSet, ReplicaSet, Job, CronJob, Pod; containers and
    /// initContainers), or anywhere in a HelmRelease's `values` — an
    /// `image: "repo:tag"` string, or an `image:` (or `…Image:`) map whose
    /// `repository` has no `tag`, or the tag `latest`.
    ///
    /// ## Why
    /// An image without a tag is `latest`. What `latest` is changes whenever
    /// upstream pushes, so a rescheduled pod can start different code than
    /// its siblings, a rollback to an older commit keeps the new image, and
    /// Kubernetes defaults `imagePullPolicy` to `Always` for it. In Helm values a
    /// missing tag falls back to the chart's default, which strata cannot see
    /// and which changes with the chart. A `digest` pins the image whatever the tag.
    ///
    /// Workloads are judged as Flux applies them, so a kustomize `images:`
    /// override (`newTag`, `digest`) counts. A chart's images are only
    /// retagged by the release's own `spec.postRenderers[].kustomize.images`,
    /// so an image those pin is not reported; neither is a `${VAR}`
    /// substituted at apply time.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/home-assistant/home-assistant:latest   # write the version: :2025.11.1
    /// ```
    code: ImageTagUnpinned,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in cx.flux.written_objects() {
        // Workloads are read as Flux applies them (kustomize `images:`
        // already applied); a chart's images can only be retagged by the
        // release's own post-renderers.
        let retagged = post_renderer_overrides(object);
        let mut found = Vec::new();
        if let Some(spec) = pod_spec(object) {
            for container in containers(spec, true) {
                if let Some(image) = container.get("image") {
                    image_string(image, &mut found);
                }
            }
        } else if is(object, HELM_GROUP, "HelmRelease")
            && let Some(values) = object.doc.path("spec.values")
        {
            helm_values(values, &mut found);
        }
        for finding in found {
            if retagged.contains(finding.name.as_str()) {
                continue;
            }
            out.push(diagnostic(object, finding));
        }
    }
}

/// One unpinned image: where, which, and why.
struct Found<'a> {
    node: &'a Yaml,
    name: String,
    written: String,
    why: &'static str,
}

fn diagnostic(object: &K8sObject, found: Found<'_>) -> Diagnostic {
    let location: Location = at(object, found.node);
    Diagnostic::new(
        Code::ImageTagUnpinned,
        format!(
            "image `{}` of {} `{}` {}",
            found.written, object.kind, object.name, found.why
        ),
    )
    .at(location)
    .on(object.id.clone())
    .help(format!(
        "pin `{}` to a version tag (e.g. `{}:1.2.3`), or a digest (`@sha256:…`) for an immutable image, \
         and let Renovate propose upgrades as commits",
        found.name, found.name
    ))
}

/// An `image: "repo[:tag][@digest]"` string.
fn image_string<'a>(node: &'a Yaml, found: &mut Vec<Found<'a>>) {
    let Some(text) = node.as_str().map(str::trim) else {
        return;
    };
    if text.is_empty() || is_substituted(text) {
        return;
    }
    let image = ImageRef::parse(text);
    if let Some(why) = image.unpinned() {
        found.push(Found {
            node,
            name: image.name.to_string(),
            written: text.to_string(),
            why,
        });
    }
}

/// Every image named in HelmRelease values, at any depth.
fn helm_values<'a>(node: &'a Yaml, found: &mut Vec<Found<'a>>) {
    for (key, value) in node.entries() {
        let key = key.as_str().unwrap_or_default();
        let image_key = key == "image" || key.ends_with("Image");
        if image_key && value.get("repository").is_some() {
            image_map(value, found);
            continue;
        }
        if key == "image" {
            image_string(value, found);
        }
        helm_values(value, found);
    }
    for item in node.as_seq() {
        helm_values(item, found);
    }
}

/// An `image: { repository, tag, digest }` map, as most charts take it.
fn image_map<'a>(map: &'a Yaml, found: &mut Vec<Found<'a>>) {
    let text = |key: &str| {
        map.get(key)
            .and_then(|v| v.scalar_text().map(|t| (v, t.trim().to_string())))
            .filter(|(_, t)| !t.is_empty())
    };
    let Some((repository_node, repository)) = text("repository") else {
        return;
    };
    if text("digest").is_some() || is_substituted(&repository) {
        return;
    }
    let (node, written, why) = match text("tag") {
        Some((_, tag)) if is_substituted(&tag) => return,
        Some((tag_node, tag)) => match ImageRef::parse(&format!("{repository}:{tag}")).unpinned() {
            Some(why) => (tag_node, format!("{repository}:{tag}"), why),
            None => return,
        },
        // The repository may carry its own tag or digest.
        None => match ImageRef::parse(&repository).unpinned() {
            Some(_) => (
                repository_node,
                repository.clone(),
                "has no `tag`, so the chart's default applies (often `latest` or the chart's appVersion)",
            ),
            None => return,
        },
    };
    found.push(Found {
        node,
        name: ImageRef::parse(&repository).name.to_string(),
        written,
        why,
    });
}

/// Image names a HelmRelease's `spec.postRenderers[].kustomize.images`
/// retags (`newTag` or `digest`) in the rendered chart.
fn post_renderer_overrides(object: &K8sObject) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for renderer in object
        .doc
        .path("spec.postRenderers")
        .map(Yaml::as_seq)
        .unwrap_or_default()
    {
        for entry in renderer
            .path("kustomize.images")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            let pins = ["newTag", "digest"]
                .iter()
                .any(|k| entry.get(k).is_some_and(|v| !v.is_null()));
            if let (true, Some(name)) = (pins, entry.get("name").and_then(Yaml::as_str)) {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_latest_and_untagged_images_in_workloads_and_values() {
        let analysis = analyze_fixture("flux-image-tag-unpinned");
        assert_fires_at(
            &analysis,
            Code::ImageTagUnpinned,
            &[
                "apps/base/home-assistant/deployment.yaml:22:18",
                "apps/base/home-assistant/deployment.yaml:27:18",
                "apps/base/jellyfin/helmrelease.yaml:20:12",
                "apps/base/mealie/helmrelease.yaml:24:27",
                "apps/base/mealie/helmrelease.yaml:35:20",
                "apps/base/registry-tools/cronjob.yaml:16:22",
            ],
        );
        let all = findings(&analysis, Code::ImageTagUnpinned).join("\n");
        assert!(
            all.contains("image `registry.lan:5000/tools/backup` of CronJob `backup` has no tag"),
            "{all}"
        );
    }

    #[test]
    fn silent_on_versions_digests_and_kustomize_retags() {
        assert_clean(
            &analyze_fixture("flux-image-tag-unpinned-clean"),
            Code::ImageTagUnpinned,
        );
    }
}
