//! The strata command-line tool. The binary (`src/main.rs`) parses the
//! arguments and picks the output format; `src/output/` renders each format
//! (see `strata --help`, and docs/ARCHITECTURE.md). The work itself is done by
//! the library crates; what `strata lint --eval static PATH` computes before
//! printing is, as library calls:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A bootstrapped Flux tree in a temporary directory.
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join("clusters/home/flux-system"))?;
//! std::fs::create_dir_all(dir.path().join("apps"))?;
//! // What `flux bootstrap` writes: the source and the Kustomization syncing
//! // `clusters/home`, which applies `apps`.
//! std::fs::write(dir.path().join("clusters/home/flux-system/gotk-sync.yaml"), "\
//! apiVersion: source.toolkit.fluxcd.io/v1
//! kind: GitRepository
//! metadata: { name: flux-system, namespace: flux-system }
//! spec: { interval: 1m, ref: { branch: main }, url: ssh://git@github.com/example/homelab }
//! ---
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: { name: flux-system, namespace: flux-system }
//! spec:
//!   interval: 10m
//!   path: ./clusters/home
//!   prune: true
//!   sourceRef: { kind: GitRepository, name: flux-system }
//! ")?;
//! std::fs::write(dir.path().join("clusters/home/apps.yaml"), "\
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: { name: apps, namespace: flux-system }
//! spec:
//!   interval: 10m
//!   path: ./apps
//!   prune: true
//!   sourceRef: { kind: GitRepository, name: flux-system }
//! ")?;
//! std::fs::write(dir.path().join("apps/kustomization.yaml"), "resources: [namespace.yaml]\n")?;
//! std::fs::write(
//!     dir.path().join("apps/namespace.yaml"),
//!     "apiVersion: v1\nkind: Namespace\nmetadata: { name: media }\n",
//! )?;
//! let options = strata_check::Options { eval: strata_check::EvalMode::Static, ..Default::default() };
//! let analysis = strata_check::analyze(dir.path(), &options)?;
//! let (errors, warnings, infos) = analysis.counts();
//! println!(
//!     "{errors} errors, {warnings} warnings, {infos} infos ({} nodes, {} edges)",
//!     analysis.graph.node_count(),
//!     analysis.graph.edge_count()
//! );
//! assert_eq!(analysis.graph.node_count(), 4);
//! // `strata plan` then orders what to reconcile.
//! let plan = strata_plan::bootstrap_plan(&analysis).expect("no cycle");
//! assert_eq!(plan.steps().count(), 2);
//! # Ok(())
//! # }
//! ```
