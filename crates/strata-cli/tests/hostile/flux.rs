//! Flux objects whose fields have the wrong shape: FLUX025, and the
//! reference findings that need a well-formed object.

use crate::{Base, Case};

/// The `apps` Kustomization's header (lines 1–5); the tail starts at line 6.
macro_rules! kustomization {
    ($tail:expr) => {
        concat!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n",
            "metadata:\n  name: apps\n  namespace: flux-system\n",
            $tail
        )
    };
}

/// A well-formed `apps` spec (lines 6–12); a field appended is line 13.
macro_rules! kustomization_spec {
    () => {
        concat!(
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n",
            "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        )
    };
}

/// A HelmRelease `podinfo`'s header (lines 1–5); the tail starts at line 6.
macro_rules! release {
    ($tail:expr) => {
        concat!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n",
            "metadata:\n  name: podinfo\n  namespace: podinfo\n",
            $tail
        )
    };
}

/// A well-formed HelmRelease spec (lines 6–14); a field appended is line 15.
macro_rules! release_spec {
    () => {
        concat!(
            "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: podinfo\n",
            "      version: \"6.7.1\"\n      sourceRef:\n        kind: HelmRepository\n",
            "        name: podinfo\n"
        )
    };
}

/// A source `NAME` of `KIND` in `podinfo` (lines 1–5); the tail starts at line 6.
macro_rules! source {
    ($kind:literal, $tail:expr) => {
        concat!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: ",
            $kind,
            "\nmetadata:\n  name: other\n  namespace: podinfo\n",
            $tail
        )
    };
}

const APPS: &str = "clusters/home/apps.yaml";
const RELEASE: &str = "apps/release.yaml";
const SOURCE: &str = "apps/source.yaml";

macro_rules! case {
    ($name:literal, $file:expr, $content:expr, $line:literal) => {
        Case {
            name: $name,
            base: Base::Flux,
            files: &[($file, $content)],
            expect: &[("FLUX025", $file, $line)],
            exit: 1,
        }
    };
}

pub const CASES: &[Case] = &[
    // Kustomization: dependsOn.
    case!(
        "ks dependsOn is a number",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  dependsOn: 5\n")),
        13
    ),
    case!(
        "ks dependsOn is a string",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn: infrastructure\n"
        )),
        13
    ),
    case!(
        "ks dependsOn is a map",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    name: infrastructure\n"
        )),
        14
    ),
    case!(
        "ks dependsOn entry without name",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    - namespace: flux-system\n"
        )),
        14
    ),
    case!(
        "ks dependsOn entry is a string",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    - infrastructure\n"
        )),
        14
    ),
    case!(
        "ks dependsOn name is a number",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    - name: 5\n"
        )),
        14
    ),
    case!(
        "ks dependsOn name is a list",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    - name: [a, b]\n"
        )),
        14
    ),
    case!(
        "ks dependsOn namespace is a list",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    - name: flux-system\n      namespace: [a]\n"
        )),
        15
    ),
    case!(
        "ks dependsOn second entry without name",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  dependsOn:\n    - name: flux-system\n    - {}\n"
        )),
        15
    ),
    // Kustomization: spec and required fields.
    case!("ks without spec", APPS, kustomization!(""), 2),
    case!(
        "ks spec is a string",
        APPS,
        kustomization!("spec: apps\n"),
        6
    ),
    case!(
        "ks spec is a list",
        APPS,
        kustomization!("spec:\n  - interval: 10m\n"),
        7
    ),
    case!("ks spec is a number", APPS, kustomization!("spec: 5\n"), 6),
    case!(
        "ks spec is a boolean",
        APPS,
        kustomization!("spec: true\n"),
        6
    ),
    case!(
        "hr spec is a string",
        RELEASE,
        release!("spec: podinfo\n"),
        6
    ),
    case!(
        "hr spec is a list",
        RELEASE,
        release!("spec:\n  - interval: 30m\n"),
        7
    ),
    case!(
        "GitRepository spec is a number",
        SOURCE,
        source!("GitRepository", "spec: 5\n"),
        6
    ),
    case!(
        "HelmRepository spec is a string",
        SOURCE,
        source!("HelmRepository", "spec: https://charts.example.org\n"),
        6
    ),
    case!(
        "ks without sourceRef",
        APPS,
        kustomization!("spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n"),
        6
    ),
    case!(
        "ks sourceRef is a string",
        APPS,
        kustomization!(
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef: flux-system\n"
        ),
        10
    ),
    case!(
        "ks sourceRef without name",
        APPS,
        kustomization!(
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n"
        ),
        11
    ),
    case!(
        "ks sourceRef without kind",
        APPS,
        kustomization!(
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    name: flux-system\n"
        ),
        11
    ),
    case!(
        "ks sourceRef of a HelmRepository",
        APPS,
        kustomization!(
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: HelmRepository\n    name: flux-system\n"
        ),
        11
    ),
    case!(
        "ks without interval",
        APPS,
        kustomization!(
            "spec:\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
        6
    ),
    case!(
        "ks interval is a number",
        APPS,
        kustomization!(
            "spec:\n  interval: 10\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
        7
    ),
    case!(
        "ks interval in words",
        APPS,
        kustomization!(
            "spec:\n  interval: 1 hour\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
        7
    ),
    case!(
        "ks interval in days",
        APPS,
        kustomization!(
            "spec:\n  interval: 1d\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
        7
    ),
    case!(
        "ks without prune",
        APPS,
        kustomization!(
            "spec:\n  interval: 10m\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
        6
    ),
    case!(
        "ks prune is a string",
        APPS,
        kustomization!(
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: \"yes\"\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
        9
    ),
    case!(
        "ks targetNamespace is a number",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  targetNamespace: 5\n")),
        13
    ),
    case!(
        "ks timeout is not a duration",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  timeout: soon\n")),
        13
    ),
    case!(
        "ks retryInterval is a number",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  retryInterval: 60\n")),
        13
    ),
    case!(
        "ks suspend is a string",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  suspend: \"no\"\n")),
        13
    ),
    case!(
        "ks wait is a number",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  wait: 1\n")),
        13
    ),
    // Kustomization: what it adds to the build.
    case!(
        "ks components is a string",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  components: ../components/x\n"
        )),
        13
    ),
    case!(
        "ks component is a number",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  components:\n    - 5\n")),
        14
    ),
    case!(
        "ks patches is a string",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  patches: add-labels.yaml\n"
        )),
        13
    ),
    case!(
        "ks patch entry is a string",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  patches:\n    - add-labels.yaml\n"
        )),
        14
    ),
    case!(
        "ks patch entry without patch",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  patches:\n    - target:\n        kind: Namespace\n"
        )),
        14
    ),
    case!(
        "ks decryption is a string",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  decryption: sops\n")),
        13
    ),
    case!(
        "ks decryption provider is age",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  decryption:\n    provider: age\n"
        )),
        14
    ),
    case!(
        "ks decryption without provider",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  decryption:\n    secretRef:\n      name: sops-age\n"
        )),
        13
    ),
    // Kustomization: postBuild.
    case!(
        "ks postBuild is a number",
        APPS,
        kustomization!(concat!(kustomization_spec!(), "  postBuild: 5\n")),
        13
    ),
    case!(
        "ks substitute is a list",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substitute:\n      - DOMAIN\n"
        )),
        15
    ),
    case!(
        "ks substitute value is a number",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substitute:\n      REPLICAS: 2\n"
        )),
        15
    ),
    case!(
        "ks substitute value is a boolean",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substitute:\n      ENABLED: true\n"
        )),
        15
    ),
    case!(
        "ks substituteFrom is a string",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substituteFrom: cluster-vars\n"
        )),
        14
    ),
    case!(
        "ks substituteFrom entry without kind",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substituteFrom:\n      - name: cluster-vars\n"
        )),
        15
    ),
    case!(
        "ks substituteFrom of a Deployment",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substituteFrom:\n      - kind: Deployment\n        name: cluster-vars\n"
        )),
        15
    ),
    case!(
        "ks substituteFrom entry without name",
        APPS,
        kustomization!(concat!(
            kustomization_spec!(),
            "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n"
        )),
        15
    ),
    // HelmRelease.
    case!("hr without spec", RELEASE, release!(""), 2),
    case!("hr spec is a number", RELEASE, release!("spec: 1\n"), 6),
    case!(
        "hr without chart or chartRef",
        RELEASE,
        release!("spec:\n  interval: 30m\n"),
        6
    ),
    case!(
        "hr with chart and chartRef",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  chartRef:\n    kind: OCIRepository\n    name: podinfo\n"
        )),
        16
    ),
    case!(
        "hr without interval",
        RELEASE,
        release!(
            "spec:\n  chart:\n    spec:\n      chart: podinfo\n      version: \"6.7.1\"\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n"
        ),
        6
    ),
    case!(
        "hr interval is a number",
        RELEASE,
        release!(
            "spec:\n  interval: 30\n  chartRef:\n    kind: OCIRepository\n    name: podinfo\n"
        ),
        7
    ),
    case!(
        "hr chart is a string",
        RELEASE,
        release!("spec:\n  interval: 30m\n  chart: podinfo\n"),
        8
    ),
    case!(
        "hr chart without spec",
        RELEASE,
        release!("spec:\n  interval: 30m\n  chart:\n    chart: podinfo\n"),
        8
    ),
    case!(
        "hr chart spec without chart",
        RELEASE,
        release!(
            "spec:\n  interval: 30m\n  chart:\n    spec:\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n"
        ),
        9
    ),
    case!(
        "hr chart version is a number",
        RELEASE,
        release!(
            "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.7\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n"
        ),
        11
    ),
    case!(
        "hr chart without sourceRef",
        RELEASE,
        release!(
            "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: podinfo\n      version: \"6.7.1\"\n"
        ),
        9
    ),
    case!(
        "hr chart sourceRef of an OCIRepository",
        RELEASE,
        release!(
            "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: podinfo\n      version: \"6.7.1\"\n      sourceRef:\n        kind: OCIRepository\n        name: podinfo\n"
        ),
        13
    ),
    case!(
        "hr chart sourceRef is a string",
        RELEASE,
        release!(
            "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: podinfo\n      version: \"6.7.1\"\n      sourceRef: podinfo\n"
        ),
        12
    ),
    case!(
        "hr chartRef of a HelmRepository",
        RELEASE,
        release!(
            "spec:\n  interval: 30m\n  chartRef:\n    kind: HelmRepository\n    name: podinfo\n"
        ),
        9
    ),
    case!(
        "hr chartRef without name",
        RELEASE,
        release!("spec:\n  interval: 30m\n  chartRef:\n    kind: OCIRepository\n"),
        9
    ),
    case!(
        "hr valuesFrom is a string",
        RELEASE,
        release!(concat!(release_spec!(), "  valuesFrom: podinfo-values\n")),
        15
    ),
    case!(
        "hr valuesFrom of a Deployment",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  valuesFrom:\n    - kind: Deployment\n      name: podinfo\n"
        )),
        16
    ),
    case!(
        "hr valuesFrom entry without name",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  valuesFrom:\n    - kind: ConfigMap\n"
        )),
        16
    ),
    case!(
        "hr valuesFrom entry is a string",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  valuesFrom:\n    - podinfo-values\n"
        )),
        16
    ),
    case!(
        "hr values is a string",
        RELEASE,
        release!(concat!(release_spec!(), "  values: replicaCount=2\n")),
        15
    ),
    case!(
        "hr values is a list",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  values:\n    - replicaCount: 2\n"
        )),
        16
    ),
    case!(
        "hr releaseName is a number",
        RELEASE,
        release!(concat!(release_spec!(), "  releaseName: 5\n")),
        15
    ),
    case!(
        "hr dependsOn is a map",
        RELEASE,
        release!(concat!(release_spec!(), "  dependsOn:\n    name: other\n")),
        16
    ),
    case!(
        "hr dependsOn entry without name",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  dependsOn:\n    - namespace: podinfo\n"
        )),
        16
    ),
    case!(
        "hr install is a boolean",
        RELEASE,
        release!(concat!(release_spec!(), "  install: true\n")),
        15
    ),
    case!(
        "hr upgrade is a list",
        RELEASE,
        release!(concat!(
            release_spec!(),
            "  upgrade:\n    - remediation: {}\n"
        )),
        16
    ),
    // Sources.
    case!(
        "GitRepository without url",
        SOURCE,
        source!(
            "GitRepository",
            "spec:\n  interval: 1m\n  ref:\n    branch: main\n"
        ),
        6
    ),
    case!(
        "GitRepository interval in words",
        SOURCE,
        source!(
            "GitRepository",
            "spec:\n  interval: forever\n  url: https://example.org/x.git\n"
        ),
        7
    ),
    case!(
        "GitRepository without spec",
        SOURCE,
        source!("GitRepository", ""),
        2
    ),
    case!(
        "HelmRepository url is a number",
        SOURCE,
        source!("HelmRepository", "spec:\n  interval: 1h\n  url: 5\n"),
        8
    ),
    case!(
        "OCIRepository spec is a list",
        SOURCE,
        source!("OCIRepository", "spec:\n  - url: oci://ghcr.io/x\n"),
        7
    ),
    case!(
        "Bucket without bucketName",
        SOURCE,
        source!(
            "Bucket",
            "spec:\n  interval: 1h\n  endpoint: minio.example.org\n"
        ),
        6
    ),
    // References that are well-formed but lead nowhere.
    Case {
        name: "ks dependsOn names nothing",
        base: Base::Flux,
        files: &[(
            APPS,
            kustomization!(concat!(
                kustomization_spec!(),
                "  dependsOn:\n    - name: infrastructure\n"
            )),
        )],
        expect: &[("FLUX001", APPS, 14)],
        exit: 1,
    },
    Case {
        name: "ks sourceRef names nothing",
        base: Base::Flux,
        files: &[(
            APPS,
            kustomization!(
                "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: elsewhere\n"
            ),
        )],
        expect: &[("FLUX003", APPS, 12)],
        exit: 1,
    },
    Case {
        name: "ks path missing",
        base: Base::Flux,
        files: &[(
            APPS,
            kustomization!(
                "spec:\n  interval: 10m\n  path: ./nowhere\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
            ),
        )],
        expect: &[("FLUX004", APPS, 8)],
        exit: 1,
    },
    Case {
        name: "ks depends on itself",
        base: Base::Flux,
        files: &[(
            APPS,
            kustomization!(concat!(
                kustomization_spec!(),
                "  dependsOn:\n    - name: apps\n"
            )),
        )],
        expect: &[("FLUX002", APPS, 14)],
        exit: 1,
    },
    Case {
        name: "hr valuesFrom names nothing",
        base: Base::Flux,
        files: &[(
            RELEASE,
            release!(concat!(
                release_spec!(),
                "  valuesFrom:\n    - kind: ConfigMap\n      name: podinfo-values\n"
            )),
        )],
        expect: &[("FLUX006", RELEASE, 17)],
        exit: 1,
    },
];
