//! `FLUX002` depends-on-cycle: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic, EdgeKind, Graph, NodeId};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// `dependsOn` entries of Flux Kustomizations (or of HelmReleases) form a
    /// cycle: A waits for B, which (through any number of steps) waits for A.
    ///
    /// ## Why
    /// Flux reconciles a dependent only once all its dependencies are Ready.
    /// In a cycle none ever is, so every member stays `DependencyNotReady`
    /// forever and nothing in them is deployed. strata also cannot order a
    /// deploy plan through a cycle.
    ///
    /// ## Example
    /// ```yaml
    /// # infrastructure.yaml
    /// kind: Kustomization
    /// metadata: { name: infrastructure-configs }
    /// spec: { dependsOn: [ { name: apps } ] }
    /// ---
    /// kind: Kustomization
    /// metadata: { name: apps }
    /// spec: { dependsOn: [ { name: infrastructure-configs } ] }
    /// ```
    /// Remove the entry that points "backwards" (usually the one from the
    /// lower layer to the higher one).
    code: DependsOnCycle,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for members in cx.graph.cycles(&[EdgeKind::DependsOn]) {
        let path = cycle_path(cx.graph, &members);
        let mut steps = path.iter().map(NodeId::as_str).collect::<Vec<_>>();
        steps.push(path[0].as_str());
        let mut diagnostic = Diagnostic::new(Code::DependsOnCycle, format!("`dependsOn` cycle: {}", steps.join(" → ")))
            .on(path[0].clone())
            .help("remove one `dependsOn` entry of the cycle: Flux never reconciles any member while it exists");
        for (i, from) in path.iter().enumerate() {
            let to = &path[(i + 1) % path.len()];
            let location = cx
                .graph
                .edges()
                .find(|e| &e.from == from && &e.to == to && e.kind == EdgeKind::DependsOn)
                .and_then(|e| e.location);
            if let Some(location) = location {
                if diagnostic.location.is_none() {
                    diagnostic.location = Some(location);
                } else {
                    diagnostic =
                        diagnostic.related(location, format!("`{from}` depends on `{to}` here"));
                }
            }
        }
        out.push(diagnostic);
    }
}

/// Orders the members of a strongly connected component along one cycle
/// through all of them where possible, starting at the smallest id; members
/// the walk does not reach are appended in id order so every member is named.
fn cycle_path(graph: &Graph, members: &[NodeId]) -> Vec<NodeId> {
    let inside: BTreeSet<&NodeId> = members.iter().collect();
    let mut path = vec![members[0].clone()];
    let mut seen: BTreeSet<NodeId> = path.iter().cloned().collect();
    loop {
        let current = path.last().cloned().unwrap_or_else(|| members[0].clone());
        let next = graph
            .outgoing(&current)
            .filter(|(to, kind)| {
                *kind == EdgeKind::DependsOn && inside.contains(to) && !seen.contains(*to)
            })
            .map(|(to, _)| to.clone())
            .next();
        match next {
            Some(n) => {
                seen.insert(n.clone());
                path.push(n);
            }
            None => break,
        }
    }
    path.extend(members.iter().filter(|m| !seen.contains(*m)).cloned());
    path
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_once_per_cycle_naming_every_member() {
        let analysis = analyze_fixture("flux-depends-on-cycle");
        assert_fires_at(
            &analysis,
            Code::DependsOnCycle,
            &["clusters/home/apps.yaml:10:13"],
        );
        let message = &analysis
            .diagnostics
            .iter()
            .find(|d| d.code == Code::DependsOnCycle)
            .unwrap()
            .message;
        assert_eq!(
            message,
            "`dependsOn` cycle: Kustomization/flux-system/apps → Kustomization/flux-system/infrastructure-configs → \
             Kustomization/flux-system/infrastructure-controllers → Kustomization/flux-system/apps"
        );
    }

    #[test]
    fn silent_on_a_chain() {
        assert_clean(
            &analyze_fixture("flux-depends-on-cycle-clean"),
            Code::DependsOnCycle,
        );
    }
}
