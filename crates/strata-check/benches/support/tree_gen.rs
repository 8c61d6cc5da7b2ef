//! Writes a realistic, lint-clean Flux repository of any size: the input of
//! the `lint` benchmark, of the `gen_flux_tree` example (for measuring the
//! release binary) and of the `generated_tree` test that keeps it clean.
//!
//! Shape, as in real homelab repositories: a cluster entry with the
//! bootstrap sync objects, two infrastructure phases (controllers, then
//! configs), and the apps split over groups of 100, one Flux Kustomization
//! each. Every app is a kustomize directory with a Namespace, a source
//! (HelmRepository, or an OCIRepository for every third app, used through
//! `chartRef`), a HelmRelease with inline values and a ConfigMap.

use std::io;
use std::path::Path;

/// Apps per Flux Kustomization.
const GROUP_SIZE: usize = 100;

/// What was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TreeStats {
    /// Files written.
    pub files: usize,
    /// Kubernetes objects declared (kustomization.yaml files excluded).
    pub objects: usize,
    /// HelmReleases among them.
    pub helm_releases: usize,
}

struct Writer<'a> {
    root: &'a Path,
    stats: TreeStats,
}

impl Writer<'_> {
    fn file(&mut self, path: &str, text: &str) -> io::Result<()> {
        let path = self.root.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
        self.stats.files += 1;
        // Every document but a kustomize kustomization.yaml is an object.
        if !text.starts_with("apiVersion: kustomize.config.k8s.io/") {
            self.stats.objects +=
                text.matches("\nkind: ").count() + usize::from(text.starts_with("kind: "));
            self.stats.helm_releases += text.matches("\nkind: HelmRelease\n").count();
        }
        Ok(())
    }
}

fn kustomization(resources: &[String]) -> String {
    let mut text = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for resource in resources {
        text.push_str(&format!("  - {resource}\n"));
    }
    text
}

fn flux_kustomization(name: &str, path: &str, depends_on: &[&str]) -> String {
    let mut text = format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  retryInterval: 1m\n  timeout: 10m\n"
    );
    if !depends_on.is_empty() {
        text.push_str("  dependsOn:\n");
        for dependency in depends_on {
            text.push_str(&format!("    - name: {dependency}\n"));
        }
    }
    text.push_str(&format!(
        "  path: {path}\n  prune: true\n  wait: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    ));
    text
}

/// Writes a repository with `apps` applications below `root` (which must
/// exist); returns what it wrote.
pub fn write_tree(root: &Path, apps: usize) -> io::Result<TreeStats> {
    let mut w = Writer {
        root,
        stats: TreeStats::default(),
    };
    let groups = apps.div_ceil(GROUP_SIZE);

    w.file(
        "clusters/production/flux-system/gotk-sync.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  secretRef:\n    name: flux-system\n  url: ssh://git@github.com/example/homelab\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/production\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    )?;
    w.file(
        "clusters/production/flux-system/kustomization.yaml",
        &kustomization(&["gotk-sync.yaml".into()]),
    )?;
    w.file(
        "clusters/production/infrastructure.yaml",
        &format!(
            "{}---\n{}",
            flux_kustomization(
                "infrastructure-controllers",
                "./infrastructure/controllers",
                &[]
            ),
            flux_kustomization(
                "infrastructure-configs",
                "./infrastructure/configs",
                &["infrastructure-controllers"]
            )
        ),
    )?;
    let app_kustomizations: Vec<String> = (0..groups)
        .map(|g| {
            flux_kustomization(
                &format!("apps-{g:02}"),
                &format!("./apps/group-{g:02}"),
                &["infrastructure-configs"],
            )
        })
        .collect();
    w.file(
        "clusters/production/apps.yaml",
        &app_kustomizations.join("---\n"),
    )?;
    w.file(
        "clusters/production/kustomization.yaml",
        &kustomization(&[
            "flux-system".into(),
            "infrastructure.yaml".into(),
            "apps.yaml".into(),
        ]),
    )?;

    w.file(
        "infrastructure/controllers/cert-manager.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: jetstack\n  namespace: cert-manager\nspec:\n  interval: 12h\n  url: https://charts.jetstack.io\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cert-manager\n  namespace: cert-manager\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: cert-manager\n      version: v1.19.1\n      sourceRef:\n        kind: HelmRepository\n        name: jetstack\n  values:\n    crds:\n      enabled: true\n",
    )?;
    w.file(
        "infrastructure/controllers/kustomization.yaml",
        &kustomization(&["cert-manager.yaml".into()]),
    )?;
    w.file(
        "infrastructure/configs/cluster-issuer.yaml",
        "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-prod\nspec:\n  acme:\n    server: https://acme-v02.api.letsencrypt.org/directory\n    email: admin@example.com\n    privateKeySecretRef:\n      name: letsencrypt-prod-account-key\n    solvers:\n      - http01:\n          ingress:\n            ingressClassName: nginx\n",
    )?;
    w.file(
        "infrastructure/configs/kustomization.yaml",
        &kustomization(&["cluster-issuer.yaml".into()]),
    )?;

    for g in 0..groups {
        let members: Vec<usize> = (g * GROUP_SIZE..apps.min((g + 1) * GROUP_SIZE)).collect();
        for &i in &members {
            write_app(&mut w, &format!("apps/group-{g:02}/app-{i:04}"), i)?;
        }
        let resources: Vec<String> = members.iter().map(|i| format!("app-{i:04}")).collect();
        w.file(
            &format!("apps/group-{g:02}/kustomization.yaml"),
            &kustomization(&resources),
        )?;
    }
    Ok(w.stats)
}

fn write_app(w: &mut Writer<'_>, dir: &str, i: usize) -> io::Result<()> {
    let name = format!("app-{i:04}");
    w.file(
        &format!("{dir}/namespace.yaml"),
        &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/part-of: homelab\n"),
    )?;
    let oci = i.is_multiple_of(3);
    let (source, chart) = if oci {
        (
            format!(
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app-template\n  namespace: {name}\nspec:\n  interval: 12h\n  url: oci://ghcr.io/bjw-s-labs/helm/app-template\n  ref:\n    tag: 4.3.0\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n"
            ),
            "  chartRef:\n    kind: OCIRepository\n    name: app-template\n".to_string(),
        )
    } else {
        (
            format!(
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: {name}\nspec:\n  interval: 12h\n  url: https://charts.example.com/{name}\n"
            ),
            format!(
                "  chart:\n    spec:\n      chart: {name}\n      version: 1.{}.{}\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n      interval: 12h\n",
                i % 17,
                i % 7
            ),
        )
    };
    let source_file = if oci {
        "ocirepository.yaml"
    } else {
        "helmrepository.yaml"
    };
    w.file(&format!("{dir}/{source_file}"), &source)?;
    w.file(
        &format!("{dir}/helmrelease.yaml"),
        &format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: {name}
spec:
  interval: 30m
  timeout: 10m
{chart}  install:
    remediation:
      retries: 3
  upgrade:
    cleanupOnFail: true
    remediation:
      retries: 3
  valuesFrom:
    - kind: ConfigMap
      name: {name}-values
  values:
    controllers:
      main:
        strategy: RollingUpdate
        containers:
          app:
            image:
              repository: ghcr.io/example/{name}
              tag: 2.{}.{}
            env:
              TZ: America/Toronto
              BASE_URL: https://{name}.lab.example.com
            resources:
              requests:
                cpu: 10m
                memory: 64Mi
              limits:
                memory: 256Mi
    service:
      app:
        controller: main
        ports:
          http:
            port: 8080
    ingress:
      app:
        className: nginx
        annotations:
          cert-manager.io/cluster-issuer: letsencrypt-prod
        hosts:
          - host: {name}.lab.example.com
            paths:
              - path: /
                service:
                  identifier: app
                  port: http
",
            i % 13,
            i % 5
        ),
    )?;
    w.file(
        &format!("{dir}/configmap.yaml"),
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-values\n  namespace: {name}\ndata:\n  values.yaml: |\n    persistence:\n      config:\n        enabled: true\n        size: 1Gi\n"),
    )?;
    w.file(
        &format!("{dir}/kustomization.yaml"),
        &kustomization(&[
            "namespace.yaml".into(),
            source_file.into(),
            "helmrelease.yaml".into(),
            "configmap.yaml".into(),
        ]),
    )
}
