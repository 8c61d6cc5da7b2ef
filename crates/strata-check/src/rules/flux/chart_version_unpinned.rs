//! `FLUX013` chart-version-unpinned: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::flux_kinds::{HELM_GROUP, SOURCE_GROUP};
use strata_flux::yaml::Yaml;

use super::objects::{at, is, is_substituted};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A HelmRelease's `spec.chart.spec.version` (or a HelmChart's
    /// `spec.version`) is missing, `*`, or a semver range (`>=1.0.0`, `^1.2`,
    /// `~1.2.3`, `1.x`, `1.2`, `>=1 <2`, `1.0.0 - 2.0.0`, `a || b`) instead of
    /// one exact version.
    ///
    /// ## Why
    /// Helm resolves a missing version as `*`: the newest chart in the
    /// repository. With a range, a chart release upstream — a new major
    /// version with breaking values, a CRD change — is installed on the next
    /// reconcile without any commit, so Git no longer says what runs, a
    /// rollback to an older commit does not roll the chart back, and two
    /// clusters built from the same commit can differ. Pin the version and let
    /// Renovate or Flux image automation propose bumps as commits.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: helm.toolkit.fluxcd.io/v2
    /// kind: HelmRelease
    /// spec:
    ///   chart:
    ///     spec:
    ///       chart: grafana
    ///       version: ">=9.0.0"   # write the exact version: 9.4.5
    /// ```
    /// Charts referenced through `chartRef` are pinned by their OCIRepository
    /// (see FLUX014).
    code: ChartVersionUnpinned,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in cx.flux.written_objects() {
        // A HelmRelease's chart template, or a HelmChart object: same fields.
        let spec = if is(object, HELM_GROUP, "HelmRelease") {
            match object.doc.path("spec.chart.spec") {
                Some(spec) => spec,
                // `chartRef` releases are pinned by their source.
                None => continue,
            }
        } else if is(object, SOURCE_GROUP, "HelmChart") {
            match object.doc.get("spec") {
                Some(spec) => spec,
                None => continue,
            }
        } else {
            continue;
        };
        let Some(chart) = spec.get("chart") else {
            continue;
        };
        let chart_name = chart.scalar_text().unwrap_or_default().into_owned();
        let version = spec.get("version").filter(|v| !v.is_null());
        let (location, problem) = match version.map(|v| (v, version_text(v))) {
            None => (
                at(object, chart),
                "has no `version`, so Helm installs the newest chart".to_string(),
            ),
            Some((_, text)) if is_substituted(&text) => continue,
            Some((node, text)) => match classify(&text) {
                Pin::Exact => continue,
                Pin::Any => (
                    at(object, node),
                    format!("has version `{text}`: any chart version at all"),
                ),
                Pin::Range => (
                    at(object, node),
                    format!(
                        "has version `{text}`, a range: each reconcile may install a newer chart"
                    ),
                ),
            },
        };
        out.push(
            Diagnostic::new(
                Code::ChartVersionUnpinned,
                format!(
                    "{} `{}` (chart `{chart_name}`) {problem}",
                    object.kind, object.name
                ),
            )
            .at(location)
            .on(object.id.clone())
            .help(
                "pin one exact chart version (e.g. `version: 1.2.3`, the version running now: \
                 `helm list -A` shows it) and let Renovate propose upgrades as commits",
            ),
        );
    }
}

/// A version as written: a number-looking plain scalar (`version: 1.2`)
/// is still the version string Helm sees.
fn version_text(node: &Yaml) -> String {
    node.scalar_text().unwrap_or_default().trim().to_string()
}

/// How a chart version constraint pins the chart.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pin {
    /// One exact version: `1.2.3`, `v1.2.3`, `=1.2.3`, `1.2.3-rc.1+build`.
    Exact,
    /// `*`, `x` or empty: anything.
    Any,
    /// A constraint that several versions satisfy.
    Range,
}

/// Classifies a Helm (Masterminds semver) version constraint. Only a full
/// `MAJOR.MINOR.PATCH` is exact: Helm reads `1.2` as `1.2.x`.
pub(crate) fn classify(text: &str) -> Pin {
    if matches!(text, "" | "*" | "x" | "X") {
        return Pin::Any;
    }
    let version = text.strip_prefix('=').unwrap_or(text).trim_start();
    let version = version.strip_prefix('v').unwrap_or(version);
    let (version, build) = match version.split_once('+') {
        Some((v, b)) => (v, Some(b)),
        None => (version, None),
    };
    let (core, pre) = match version.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (version, None),
    };
    let identifier = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let exact = numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && pre.is_none_or(identifier)
        && build.is_none_or(identifier);
    if exact { Pin::Exact } else { Pin::Range }
}

#[cfg(test)]
mod tests {
    use super::{Pin, classify};
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn classifies_helm_constraints() {
        for exact in [
            "1.2.3",
            "v1.19.1",
            "=1.2.3",
            "77.12.0",
            "1.0.0-rc.1",
            "2.0.0+build.5",
            "1.0.0-alpha-2",
        ] {
            assert_eq!(classify(exact), Pin::Exact, "{exact}");
        }
        for any in ["*", "x", ""] {
            assert_eq!(classify(any), Pin::Any, "{any}");
        }
        for range in [
            ">=1.0.0",
            "^1.2.3",
            "~1.2.3",
            "1.x",
            "1.2.x",
            "1.2",
            "1",
            ">=1.0.0 <2.0.0",
            "1.0.0 - 2.0.0",
            "1.2.3 || 1.3.0",
            "1.*",
            ">1.2.3",
            "!=1.2.3",
        ] {
            assert_eq!(classify(range), Pin::Range, "{range}");
        }
    }

    #[test]
    fn fires_on_missing_star_and_range_versions() {
        let analysis = analyze_fixture("flux-chart-version-unpinned");
        assert_fires_at(
            &analysis,
            Code::ChartVersionUnpinned,
            &[
                "apps/base/grafana/helmrelease.yaml:13:16",
                "apps/base/immich/helmrelease.yaml:13:16",
                "apps/base/uptime-kuma/helmrelease.yaml:12:14",
                "infrastructure/controllers/charts.yaml:8:12",
            ],
        );
        let all = findings(&analysis, Code::ChartVersionUnpinned).join("\n");
        assert!(all.contains("has no `version`"), "{all}");
        assert!(all.contains("version `>=9.0.0 <10.0.0`, a range"), "{all}");
    }

    #[test]
    fn silent_when_every_chart_is_pinned() {
        assert_clean(
            &analyze_fixture("flux-chart-version-unpinned-clean"),
            Code::ChartVersionUnpinned,
        );
    }
}
