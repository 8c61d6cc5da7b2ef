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
