//! `FLUX014` oci-tag-moving: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::flux_kinds::SOURCE_GROUP;

use super::chart_version_unpinned::{Pin, classify};
use super::objects::{at, is, is_substituted};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// An OCIRepository follows a reference that moves: no `ref` at all (Flux
    /// then pulls `latest`), a `ref.tag` such as `latest`, `main`, `master`,
    /// `edge` or `nightly`, or a `ref.semver` range (`>=6.0.0`, `6.x`). A
    /// `ref.digest`, an exact `ref.semver` or a version tag is pinned.
    ///
    /// ## Why
    /// The artifact behind a moving reference changes without a commit: a
    /// chart or manifest bundle pushed upstream is rolled out on the next
    /// interval, Git no longer says what runs, and reverting a commit does
    /// not revert the artifact. A semver range moves by design — it is
    /// how some repositories opt into automatic updates — but it has the same
    /// cost, so it is reported too (as a warning, like a chart version range,
    /// FLUX013); pin the version and let Renovate propose bumps as commits.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: source.toolkit.fluxcd.io/v1
    /// kind: OCIRepository
    /// spec:
    ///   url: oci://ghcr.io/stefanprodan/charts/podinfo
    ///   ref:
    ///     tag: latest        # write the version: tag: 6.9.2
    /// ```
    code: OciTagMoving,
    check: Some(check),
}

/// Tags that name a channel rather than a release.
const MOVING_TAGS: &[&str] = &[
    "latest", "main", "master", "develop", "dev", "edge", "nightly", "head", "stable", "canary",
];

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in cx.flux.written_objects() {
        if !is(object, SOURCE_GROUP, "OCIRepository") {
            continue;
        }
        let reference = object
            .doc
            .path("spec.ref")
            .filter(|r| !r.entries().is_empty());
        let text = |key: &str| {
            reference
                .and_then(|r| r.get(key))
                .and_then(|v| v.scalar_text().map(|t| (v, t.trim().to_string())))
                .filter(|(_, t)| !t.is_empty())
        };
        let (node, problem) = if text("digest").is_some() {
            continue;
        } else if let Some((node, semver)) = text("semver") {
            if is_substituted(&semver) || classify(&semver) == Pin::Exact {
                continue;
            }
            (
                node,
                format!(
                    "follows the semver range `{semver}`: every new matching release is pulled"
                ),
            )
        } else if let Some((node, tag)) = text("tag") {
            if !MOVING_TAGS.contains(&tag.to_ascii_lowercase().as_str()) {
                continue;
            }
            (node, format!("follows the moving tag `{tag}`"))
        } else {
            // No usable ref: Flux pulls `latest`. Point at what is written.
            let node = reference
                .or_else(|| object.doc.path("spec.url"))
                .unwrap_or(&object.doc);
            (node, "has no `ref`, so it follows `latest`".to_string())
        };
        let location = if std::ptr::eq(node, &*object.doc) {
            object.location.clone()
        } else {
            at(object, node)
        };
        out.push(
            Diagnostic::new(
                Code::OciTagMoving,
                format!("OCIRepository `{}` {problem}", object.name),
            )
            .at(location)
            .on(object.id.clone())
            .help(
                "pin the artifact: `ref: { tag: <exact version> }`, or `ref: { digest: sha256:… }` \
                 for an immutable one; let Renovate propose new versions as commits",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_latest_branch_tags_ranges_and_no_ref() {
        let analysis = analyze_fixture("flux-oci-tag-moving");
        assert_fires_at(
            &analysis,
            Code::OciTagMoving,
            &[
                "apps/home/podinfo.yaml:9:10",
                "infrastructure/sources.yaml:9:10",
                "infrastructure/sources.yaml:19:13",
                "infrastructure/sources.yaml:28:8",
            ],
        );
        let all = findings(&analysis, Code::OciTagMoving).join("\n");
        assert!(all.contains("follows the semver range `>=77.0.0`"), "{all}");
        assert!(all.contains("has no `ref`"), "{all}");
    }

    #[test]
    fn silent_on_digests_exact_semver_and_version_tags() {
        assert_clean(
            &analyze_fixture("flux-oci-tag-moving-clean"),
            Code::OciTagMoving,
        );
    }
}
