//! kustomize inputs `kubectl kustomize` refuses: FLUX005 at the refused
//! entry (the builder's own tests are in strata-flux's
//! `tests/kustomize_features.rs`; these go through the whole binary).

use crate::{Base, Case};

const KUSTOMIZATION: &str = "apps/kustomization.yaml";

macro_rules! case {
    ($name:literal, [$(($file:expr, $text:expr)),*], $at:expr, $line:literal) => {
        Case {
            name: $name,
            base: Base::Flux,
            files: &[$(($file, $text)),*],
            expect: &[("FLUX005", $at, $line)],
            exit: 1,
        }
    };
    ($name:literal, $content:expr, $line:literal) => {
        case!($name, [(KUSTOMIZATION, $content)], KUSTOMIZATION, $line)
    };
}

/// A kustomization header (lines 1–2) whose resources are the base's files
/// (lines 3–5); a field appended is line 6.
macro_rules! kustomization {
    ($tail:expr) => {
        concat!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            "resources:\n  - namespace.yaml\n  - repository.yaml\n",
            $tail
        )
    };
}

pub const CASES: &[Case] = &[
    case!(
        "resource file missing",
        kustomization!("  - missing.yaml\n"),
        6
    ),
    case!(
        "resource directory missing",
        kustomization!("  - ../nowhere\n"),
        6
    ),
    case!(
        "resources is a string",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: namespace.yaml\n",
        3
    ),
    case!(
        "include cycle",
        [
            (KUSTOMIZATION, kustomization!("  - ../more\n")),
            ("more/kustomization.yaml", "resources:\n  - ../apps\n")
        ],
        "more/kustomization.yaml",
        2
    ),
    case!(
        "component missing",
        kustomization!("components:\n  - ../components/none\n"),
        7
    ),
    case!(
        "patch file missing",
        kustomization!("patches:\n  - path: missing-patch.yaml\n"),
        7
    ),
    case!(
        "strategic merge patch file missing",
        kustomization!("patchesStrategicMerge:\n  - missing-patch.yaml\n"),
        7
    ),
    case!(
        "json6902 remove of a missing path",
        kustomization!(concat!(
            "patches:\n  - target:\n      kind: Namespace\n      name: podinfo\n",
            "    patch: |\n      - op: remove\n        path: /spec/nothing\n"
        )),
        12
    ),
    case!(
        "json6902 unknown op",
        kustomization!(concat!(
            "patches:\n  - target:\n      kind: Namespace\n      name: podinfo\n",
            "    patch: |\n      - op: frobnicate\n        path: /metadata/labels\n"
        )),
        11
    ),
    case!(
        "configMapGenerator file missing",
        kustomization!("configMapGenerator:\n  - name: values\n    files:\n      - values.yaml\n"),
        9
    ),
    case!(
        "secretGenerator env file missing",
        kustomization!("secretGenerator:\n  - name: env\n    envs:\n      - secret.env\n"),
        9
    ),
    case!("resource entry is a number", kustomization!("  - 5\n"), 6),
    case!(
        "resource entry is a map",
        kustomization!("  - path: x.yaml\n"),
        6
    ),
    case!(
        "namespace is a list",
        kustomization!("namespace:\n  - podinfo\n"),
        7
    ),
    case!(
        "namePrefix is a number",
        kustomization!("namePrefix: 5\n"),
        6
    ),
    case!("images is a string", kustomization!("images: nginx\n"), 6),
    case!(
        "patches is a string",
        kustomization!("patches: add-labels.yaml\n"),
        6
    ),
    case!(
        "components is a map",
        kustomization!("components:\n  path: ../x\n"),
        7
    ),
    case!(
        "kustomization is a list",
        "- resources:\n    - namespace.yaml\n",
        1
    ),
    Case {
        name: "kustomization syntax error",
        base: Base::Flux,
        files: &[(
            KUSTOMIZATION,
            "resources:\n  - namespace.yaml\n - repository.yaml\n",
        )],
        expect: &[("YAML001", KUSTOMIZATION, 3)],
        exit: 1,
    },
];
