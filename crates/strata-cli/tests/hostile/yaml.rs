//! YAML that does not parse, or parses to something that is not an object;
//! and tab separators, which kustomize accepts and so does strata.

use crate::{Base, Case};

const CM: &str = "apps/config.yaml";

macro_rules! case {
    ($name:literal, $content:expr, $code:literal, $line:literal) => {
        Case {
            name: $name,
            base: Base::Flux,
            files: &[(CM, $content)],
            expect: &[($code, CM, $line)],
            exit: 1,
        }
    };
}

/// A document listed in an explicit `kustomization.yaml`, where kustomize
/// refuses anything that is not an object (Flux's generated kustomization
/// skips such files instead).
macro_rules! listed {
    ($name:literal, $content:expr) => {
        Case {
            name: $name,
            base: Base::Flux,
            files: &[
                (CM, $content),
                (
                    "apps/kustomization.yaml",
                    "resources:\n  - namespace.yaml\n  - repository.yaml\n  - config.yaml\n",
                ),
            ],
            expect: &[("YAML002", CM, 1)],
            exit: 0,
        }
    };
}

/// A document in a directory Flux generates a kustomization for: it is an
/// object when it writes `apiVersion` and `kind`, whatever their type.
macro_rules! unlisted {
    ($name:literal, $content:expr, $code:literal, $line:literal, $exit:literal) => {
        Case {
            name: $name,
            base: Base::Flux,
            files: &[(CM, $content)],
            expect: &[($code, CM, $line)],
            exit: $exit,
        }
    };
}

/// A ConfigMap header (lines 1–5); `data:` entries follow from line 6.
macro_rules! config_map {
    ($tail:expr) => {
        concat!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-values\n",
            "  namespace: podinfo\n",
            $tail
        )
    };
}

pub const CASES: &[Case] = &[
    case!(
        "unclosed flow sequence",
        config_map!("data:\n  a: [x\n  b: y\n"),
        "YAML001",
        8
    ),
    case!(
        "unclosed double quote",
        config_map!("data:\n  a: \"x\n"),
        "YAML001",
        7
    ),
    case!(
        "duplicate key",
        config_map!("data:\n  a: x\n  a: y\n"),
        "YAML001",
        8
    ),
    case!(
        "tab indentation",
        config_map!("data:\n\ta: x\n"),
        "YAML001",
        7
    ),
    case!(
        "tab after a sequence dash",
        "apiVersion: v1\nkind: List\nitems:\n  -\t- x\n",
        "YAML001",
        4
    ),
    case!(
        "tab after a colon before a block entry",
        config_map!("data:\n  a:\t- x\n"),
        "YAML001",
        7
    ),
    case!(
        "mapping value on a sequence line",
        config_map!("data:\n  - a: x\n  b: y\n"),
        "YAML001",
        8
    ),
    case!(
        "unindented continuation",
        config_map!("data:\n  a: x\n b: y\n"),
        "YAML001",
        8
    ),
    case!(
        "unknown directive after content",
        "a: 1\n%YAML 1.2\n---\nb: 2\n",
        "YAML001",
        2
    ),
    case!(
        "anchor without a node in flow",
        config_map!("data: {a: x, b\n"),
        "YAML001",
        7
    ),
    listed!(
        "document without kind",
        "apiVersion: v1\nmetadata:\n  name: podinfo-values\n  namespace: podinfo\n"
    ),
    listed!(
        "document without apiVersion",
        "kind: ConfigMap\nmetadata:\n  name: podinfo-values\n  namespace: podinfo\n"
    ),
    listed!(
        "document without metadata.name",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: podinfo\n"
    ),
    listed!(
        "document that is a list",
        "- apiVersion: v1\n  kind: ConfigMap\n"
    ),
    listed!("document that is a scalar", "just some text\n"),
    // Shapes kustomize builds but the API server rejects.
    unlisted!(
        "kind that is a number",
        "apiVersion: v1\nkind: 5\nmetadata:\n  name: podinfo-values\n",
        "YAML002",
        2,
        0
    ),
    unlisted!(
        "apiVersion that is a number",
        "apiVersion: 1\nkind: ConfigMap\nmetadata:\n  name: podinfo-values\n",
        "YAML002",
        1,
        0
    ),
    unlisted!(
        "kind that is a list",
        "apiVersion: v1\nkind: [ConfigMap]\nmetadata:\n  name: podinfo-values\n",
        "YAML002",
        2,
        0
    ),
    unlisted!(
        "kind that is empty",
        "apiVersion: v1\nkind: \"\"\nmetadata:\n  name: podinfo-values\n",
        "YAML002",
        2,
        0
    ),
    unlisted!(
        "metadata that is a list",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  - name: podinfo-values\n",
        "YAML002",
        4,
        0
    ),
    unlisted!(
        "metadata that is a string",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: podinfo-values\n",
        "YAML002",
        3,
        0
    ),
    unlisted!(
        "metadata.name that is a number",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 5\n  namespace: podinfo\n",
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "metadata.name that is a boolean",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: true\n  namespace: podinfo\n",
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "metadata.name with capitals and underscores",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Podinfo_Values\n  namespace: podinfo\n",
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "metadata.name ending in a dash",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-\n  namespace: podinfo\n",
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "metadata.name longer than 253 characters",
        concat!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "\n  namespace: podinfo\n"
        ),
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "Namespace name with a dot",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pod.info\n",
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "Service name starting with a digit",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: 9podinfo\n  namespace: podinfo\nspec:\n  ports:\n    - port: 80\n",
        "FLUX027",
        4,
        1
    ),
    unlisted!(
        "metadata.namespace that is a number",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-values\n  namespace: 5\n",
        "FLUX027",
        5,
        1
    ),
    unlisted!(
        "metadata.namespace with capitals",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-values\n  namespace: PodInfo\n",
        "FLUX027",
        5,
        1
    ),
    unlisted!(
        "HelmRelease name with capitals",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: PodInfo\n  namespace: podinfo\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.7.1\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n",
        "FLUX027",
        4,
        1
    ),
    Case {
        name: "names the API server accepts (quoted number, dots, RBAC colons)",
        base: Base::Flux,
        files: &[(
            CM,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"5\"\n  namespace: podinfo\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo.values\n  namespace: podinfo\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: system:podinfo:Reader\n  namespace: podinfo\nrules: []\n",
        )],
        expect: &[],
        exit: 0,
    },
    Case {
        name: "tab after a colon (kustomize accepts it)",
        base: Base::Flux,
        files: &[(
            CM,
            config_map!("data:\n  a:\tplain\n  b:\t\"quoted\"\n  c:\t-dash\n"),
        )],
        expect: &[],
        exit: 0,
    },
    Case {
        name: "tab after a colon in metadata (kustomize accepts it)",
        base: Base::Flux,
        files: &[(
            CM,
            "apiVersion:\tv1\nkind:\tConfigMap\nmetadata:\n  name:\tpodinfo-values\n  namespace:\tpodinfo\n",
        )],
        expect: &[],
        exit: 0,
    },
];
