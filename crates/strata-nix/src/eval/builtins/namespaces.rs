//! The sets that hold the built-ins: the global scope, `builtins`, `lib` and
//! its namespaces, each built once per evaluator from the table in
//! [`super`].

use std::collections::BTreeMap;
use std::rc::Rc;

use super::super::{AttrEntry, Attrs, Evaluator, PrimApp, Unknown, UnknownKind, Value};
use super::{Place, Prim};

/// Every name of Nix's `builtins` under pure evaluation, which a flake gets:
/// those of Nix 2.8 (checked against it) and those later versions added
/// (`warn`, `getFlake`, `convertHash` …), since flakes are evaluated by
/// recent Nix. `currentSystem` and `currentTime` are absent, so `or`
/// fallbacks apply. A name here that the table does not implement is an
/// unknown.
const NIX_BUILTIN_NAMES: &[&str] = &[
    "abort",
    "add",
    "addErrorContext",
    "all",
    "any",
    "appendContext",
    "attrNames",
    "attrValues",
    "baseNameOf",
    "bitAnd",
    "bitOr",
    "bitXor",
    "builtins",
    "catAttrs",
    "ceil",
    "compareVersions",
    "concatLists",
    "concatMap",
    "concatStringsSep",
    "deepSeq",
    "derivation",
    "derivationStrict",
    "dirOf",
    "div",
    "elem",
    "elemAt",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fetchurl",
    "filter",
    "filterSource",
    "findFile",
    "floor",
    "foldl'",
    "fromJSON",
    "fromTOML",
    "functionArgs",
    "genList",
    "genericClosure",
    "getAttr",
    "getContext",
    "getEnv",
    "groupBy",
    "hasAttr",
    "hasContext",
    "hashFile",
    "hashString",
    "head",
    "import",
    "intersectAttrs",
    "isAttrs",
    "isBool",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isNull",
    "isPath",
    "isString",
    "langVersion",
    "length",
    "lessThan",
    "listToAttrs",
    "map",
    "mapAttrs",
    "match",
    "mul",
    "nixPath",
    "nixVersion",
    "null",
    "parseDrvName",
    "partition",
    "path",
    "pathExists",
    "placeholder",
    "readDir",
    "readFile",
    "removeAttrs",
    "replaceStrings",
    "scopedImport",
    "seq",
    "sort",
    "split",
    "splitVersion",
    "storeDir",
    "storePath",
    "stringLength",
    "sub",
    "substring",
    "tail",
    "throw",
    "toFile",
    "toJSON",
    "toPath",
    "toString",
    "toXML",
    "trace",
    "true",
    "tryEval",
    "typeOf",
    "unsafeDiscardOutputDependency",
    "unsafeDiscardStringContext",
    "unsafeGetAttrPos",
    "zipAttrsWith",
    // Added after Nix 2.8.
    "addDrvOutputDependencies",
    "break",
    "convertHash",
    "fetchClosure",
    "flakeRefToString",
    "getFlake",
    "outputOf",
    "parseFlakeRef",
    "readFileType",
    "traceVerbose",
    "warn",
];

/// Built-ins that write to or read the Nix store: their results are store
/// paths, not known statically.
const STORE_BUILTINS: &[&str] = &[
    "addDrvOutputDependencies",
    "derivationStrict",
    "fetchClosure",
    "getFlake",
    "outputOf",
    "fetchMercurial",
    "filterSource",
    "findFile",
    "path",
    "placeholder",
    "storePath",
    "toFile",
];

/// `lib` values that are not functions (read by `scripts/nix-names`).
const LIB_VALUES: &[&str] = &[
    "fakeHash",
    "fakeSha256",
    "fakeSha512",
    "licenses",
    "maintainers",
    "platforms",
    "systems",
    "teams",
    "version",
    "filesystem",
];

/// `lib` sub-namespaces that nixpkgs also exposes flat: each is the whole
/// `lib` here, a superset of the real namespace.
const LIB_NAMESPACES: &[&str] = &[
    "attrsets",
    "strings",
    "lists",
    "trivial",
    "modules",
    "options",
    "fixedPoints",
];

impl Evaluator<'_> {
    pub(super) fn prim_value(prim: Prim) -> Value {
        Value::Prim(Rc::new(PrimApp {
            prim,
            args: Vec::new(),
        }))
    }

    /// A global name (`true`, `builtins`, `import`, `map`, …).
    pub(crate) fn global(&mut self, name: &str) -> Option<Value> {
        match name {
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            "null" => return Some(Value::Null),
            "builtins" => return Some(self.builtins()),
            "derivation" | "fetchTarball" | "fetchGit" | "fetchurl" | "fetchTree"
            | "scopedImport" => {
                return Some(Value::unknown(
                    UnknownKind::Opaque,
                    format!(
                        "`{name}` builds or fetches outside the repository; not evaluated statically"
                    ),
                    None,
                ));
            }
            _ => {}
        }
        Prim::ALL
            .iter()
            .find(|p| p.name() == name && p.places().contains(&Place::Global))
            .map(|p| Self::prim_value(*p))
    }

    /// A set of the built-ins visible at `place`, plus `extra` values; a name
    /// it lacks selects to an unknown saying `fallback`.
    fn attrs_of_prims(&mut self, place: Place, extra: Vec<(&str, Value)>, fallback: &str) -> Value {
        let mut entries = BTreeMap::new();
        for prim in Prim::ALL.iter().filter(|p| p.places().contains(&place)) {
            let t = self.done(Self::prim_value(*prim));
            entries.insert(
                prim.name().to_string(),
                AttrEntry {
                    value: t,
                    location: None,
                },
            );
        }
        for (name, v) in extra {
            let t = self.done(v);
            entries.insert(
                name.to_string(),
                AttrEntry {
                    value: t,
                    location: None,
                },
            );
        }
        let fallback = Some(Rc::new(Unknown {
            kind: UnknownKind::Unsupported,
            reason: fallback.to_string(),
            location: None,
        }));
        Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback,
        }))
    }

    /// The `builtins` set: complete, as Nix's is; names it does not
    /// implement are unknowns saying so.
    pub(crate) fn builtins(&mut self) -> Value {
        if let Some(t) = self.builtins_attrs {
            return self.force(t);
        }
        let t = self.alloc(super::super::Deferred::NotReady(
            "`builtins` is being built".to_string(),
        ));
        self.builtins_attrs = Some(t);
        let mut extra = vec![
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
            ("storeDir", Value::string("/nix/store", None)),
            ("langVersion", Value::Int(6)),
            // Pure evaluation has no search path.
            ("nixPath", Value::List(Rc::new(Vec::new()))),
            (
                "nixVersion",
                Value::unknown(
                    UnknownKind::Opaque,
                    "`builtins.nixVersion` depends on the Nix evaluating",
                    None,
                ),
            ),
        ];
        for name in NIX_BUILTIN_NAMES {
            let implemented = Prim::ALL
                .iter()
                .any(|p| p.name() == *name && p.places().contains(&Place::Builtins));
            if implemented || extra.iter().any(|(n, _)| n == name) || *name == "builtins" {
                continue;
            }
            if STORE_BUILTINS.contains(name) {
                extra.push((
                    name,
                    Value::unknown(
                        UnknownKind::Opaque,
                        format!("`builtins.{name}` works on the Nix store; its result is not known statically"),
                        None,
                    ),
                ));
                continue;
            }
            let v = self.global(name).unwrap_or_else(|| {
                Value::unknown(
                    UnknownKind::Unsupported,
                    format!("`builtins.{name}` is not supported by the static evaluator"),
                    None,
                )
            });
            extra.push((name, v));
        }
        let v = match self.attrs_of_prims(Place::Builtins, extra, "") {
            Value::Attrs(a) => {
                let mut a = (*a).clone();
                a.fallback = None;
                a.entries.insert(
                    "builtins".to_string(),
                    AttrEntry {
                        value: t,
                        location: None,
                    },
                );
                Value::Attrs(Rc::new(a))
            }
            other => other,
        };
        self.set_done(t, v.clone());
        v
    }

    /// The `lib` a module receives (and `<input>.lib`): module-system
    /// functions plus re-exported built-ins; anything else is unknown.
    pub fn lib(&mut self) -> Value {
        if let Some(t) = self.lib_attrs {
            return self.force(t);
        }
        // The namespaces point back at `lib` itself: allocate its thunk
        // first so they can refer to it.
        let t = self.alloc(super::super::Deferred::NotReady(
            "`lib` is being built".to_string(),
        ));
        self.lib_attrs = Some(t);
        let extra = self.lib_values();
        let v = self.attrs_of_prims(
            Place::Lib,
            extra,
            "this `lib` function is not implemented by the static evaluator",
        );
        let v = match v {
            Value::Attrs(a) => {
                let mut a = (*a).clone();
                for ns in LIB_NAMESPACES {
                    a.entries.insert(
                        ns.to_string(),
                        AttrEntry {
                            value: t,
                            location: None,
                        },
                    );
                }
                Value::Attrs(Rc::new(a))
            }
            other => other,
        };
        self.set_done(t, v.clone());
        v
    }

    /// The values of [`LIB_VALUES`].
    fn lib_values(&mut self) -> Vec<(&'static str, Value)> {
        let opaque = |what: &str| {
            Value::unknown(
                UnknownKind::Opaque,
                format!("`lib.{what}` depends on the nixpkgs revision"),
                None,
            )
        };
        let metadata = |what: &str| {
            Value::Attrs(Rc::new(Attrs {
                entries: crate::eval::AttrMap::new(),
                fallback: Some(Rc::new(Unknown {
                    kind: UnknownKind::Opaque,
                    reason: format!("`lib.{what}` is nixpkgs metadata, not read statically"),
                    location: None,
                })),
            }))
        };
        let filesystem = self.attrs_of_prims(
            Place::LibFilesystem,
            Vec::new(),
            "this `lib.filesystem` function is not implemented by the static evaluator",
        );
        let values = vec![
            (
                "fakeHash",
                Value::string("sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", None),
            ),
            (
                "fakeSha256",
                Value::string("0000000000000000000000000000000000000000000000000000", None),
            ),
            ("fakeSha512", Value::string("0".repeat(128), None)),
            ("licenses", metadata("licenses")),
            ("maintainers", metadata("maintainers")),
            ("platforms", metadata("platforms")),
            ("systems", metadata("systems")),
            ("teams", metadata("teams")),
            ("version", opaque("version")),
            ("filesystem", filesystem),
        ];
        debug_assert_eq!(values.len(), LIB_VALUES.len());
        values
    }
}
