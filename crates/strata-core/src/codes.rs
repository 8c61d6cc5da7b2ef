//! The table of every diagnostic code strata can emit.
//!
//! **Invariant:** a code string never changes meaning and is never reused;
//! `strata-check` documents every variant here (a test there enforces it).

use serde::{Serialize, Serializer};

use crate::Severity;

/// Which part of the repository a code is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Reading files at all (encoding, size, permissions).
    Io,
    /// The Nix flake, hosts and modules.
    Nix,
    /// YAML syntax.
    Yaml,
    /// The Flux and kustomize tree.
    Flux,
    /// Checks that need both layers.
    Cross,
    /// The tool's own operation (evaluation tier fallbacks).
    Tool,
}

macro_rules! codes {
    ($( $(#[$meta:meta])* $variant:ident = ($code:literal, $name:literal, $layer:ident, $severity:ident), )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$meta])* $variant, )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable code string, e.g. `FLUX001`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The kebab-case rule name, e.g. `depends-on-unresolved`.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The layer the code belongs to.
            pub fn layer(self) -> Layer {
                match self { $( Code::$variant => Layer::$layer, )* }
            }

            /// The severity findings of this code carry unless a rule says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// Looks a code up by its code string or rule name (case-insensitive).
            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| {
                    c.as_str().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text)
                })
            }
        }
    };
}

codes! {
    /// A file could not be read as text: unreadable, not UTF-8, or too large.
    UnreadableFile = ("IO001", "unreadable-file", Io, Error),
    /// A `.nix` file does not parse.
    NixSyntax = ("NIX001", "nix-syntax-error", Nix, Error),
    /// `imports = [ ./x ]` or `import ./x` names a path that does not exist.
    NixImportMissing = ("NIX002", "nix-import-missing", Nix, Error),
    /// The static evaluator stopped on a construct it cannot follow (depth, step limit).
    NixEvalLimit = ("NIX003", "nix-eval-limit", Nix, Warning),
    /// A YAML file does not parse.
    YamlSyntax = ("YAML001", "yaml-syntax-error", Yaml, Error),
    /// A YAML document that should be a Kubernetes object has no `kind`, `apiVersion` or `metadata.name`.
    YamlNotAnObject = ("YAML002", "yaml-not-an-object", Yaml, Warning),
    /// A `dependsOn` entry names no Kustomization or HelmRelease that exists.
    DependsOnUnresolved = ("FLUX001", "depends-on-unresolved", Flux, Error),
    /// `dependsOn` entries form a cycle.
    DependsOnCycle = ("FLUX002", "depends-on-cycle", Flux, Error),
    /// A `sourceRef` or `chartRef` names no source object that exists.
    SourceUnresolved = ("FLUX003", "source-unresolved", Flux, Error),
    /// A Flux Kustomization's `spec.path` does not exist in the repository.
    KustomizationPathMissing = ("FLUX004", "kustomization-path-missing", Flux, Error),
    /// A kustomize `resources:` (or `components:`) entry does not exist.
    KustomizeResourceMissing = ("FLUX005", "kustomize-resource-missing", Flux, Error),
    /// A k3s node's `serverAddr` names no known k3s server.
    K3sJoinUnresolved = ("K3S001", "k3s-join-unresolved", Nix, Error),
    /// `strata.toml` is not valid (syntax, unknown keys, wrong types).
    ConfigInvalid = ("CFG001", "config-invalid", Tool, Error),
    /// `--eval auto` could not use Nix and fell back to the static tier.
    EvalFallback = ("EVAL001", "eval-fallback", Tool, Info),
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique() {
        let codes: BTreeSet<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let names: BTreeSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(codes.len(), Code::ALL.len());
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn parse_accepts_code_or_name() {
        assert_eq!(Code::parse("flux001"), Some(Code::DependsOnUnresolved));
        assert_eq!(Code::parse("depends-on-cycle"), Some(Code::DependsOnCycle));
        assert_eq!(Code::parse("NOPE"), None);
    }
}
