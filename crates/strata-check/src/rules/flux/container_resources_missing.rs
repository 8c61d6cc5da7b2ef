//! `FLUX016` container-resources-missing: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use super::objects::at;
use super::workloads::{containers, pod_spec};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A container of a workload (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, Job, CronJob, Pod) has no `resources.requests.memory` or no
    /// `resources.limits.memory`.
    ///
    /// ## Why
    /// Without a request the scheduler packs the pod onto a node as if it
    /// used nothing; without a limit one leaking container can take a whole
    /// node's memory, and the kernel's OOM killer then picks victims among
    /// every pod there, k3s itself included. On a few small homelab nodes
    /// that is an outage, not a restart. Memory is the resource that cannot be
    /// throttled, so it is the one required; a CPU request is advised too.
    /// Init containers are not checked (they run alone, before the others).
    /// A namespace `LimitRange` with defaults is not seen by this rule.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: ghcr.io/gethomepage/homepage:v1.4.6
    ///     resources:
    ///       requests: { cpu: 10m, memory: 64Mi }
    ///       limits: { memory: 256Mi }
    /// ```
    code: ContainerResourcesMissing,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in cx.flux.written_objects() {
        let Some(spec) = pod_spec(object) else {
            continue;
        };
        for container in containers(spec, false) {
            let has = |path: &str| {
                container
                    .path(path)
                    .is_some_and(|v| v.scalar_text().is_some_and(|t| !t.trim().is_empty()))
            };
            let missing: Vec<&str> = [
                ("resources.requests.memory", "memory request"),
                ("resources.limits.memory", "memory limit"),
            ]
            .iter()
            .filter(|(path, _)| !has(path))
            .map(|(_, what)| *what)
            .collect();
            if missing.is_empty() {
                continue;
            }
            let name = container
                .get("name")
                .and_then(|n| n.scalar_text())
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let location = container
                .get("name")
                .map_or_else(|| at(object, container), |n| at(object, n));
            out.push(
                Diagnostic::new(
                    Code::ContainerResourcesMissing,
                    format!(
                        "container `{name}` of {} `{}` has no {}",
                        object.kind,
                        object.name,
                        missing.join(" and no ")
                    ),
                )
                .at(location)
                .on(object.id.clone())
                .help(
                    "add `resources: { requests: { cpu: …, memory: … }, limits: { memory: … } }` \
                     to the container, sized from what it uses now (`kubectl top pod`)",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_name_of_each_container_without_memory_bounds() {
        let analysis = analyze_fixture("flux-container-resources-missing");
        assert_fires_at(
            &analysis,
            Code::ContainerResourcesMissing,
            &[
                "apps/base/homepage/deployment.yaml:19:17",
                "apps/base/homepage/deployment.yaml:32:17",
                "apps/base/restic/cronjob.yaml:17:21",
            ],
        );
        let all = findings(&analysis, Code::ContainerResourcesMissing).join("\n");
        assert!(
            all.contains("container `homepage` of Deployment `homepage` has no memory request and no memory limit"),
            "{all}"
        );
        assert!(
            all.contains("container `exporter` of Deployment `homepage` has no memory limit"),
            "{all}"
        );
    }

    #[test]
    fn silent_when_every_container_is_bounded() {
        assert_clean(
            &analyze_fixture("flux-container-resources-missing-clean"),
            Code::ContainerResourcesMissing,
        );
    }
}
