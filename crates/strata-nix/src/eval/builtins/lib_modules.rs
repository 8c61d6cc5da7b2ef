//! The module system's vocabulary in `lib`: properties (`mkIf`, `mkMerge`,
//! `mkOverride` and its priorities, `mkOrder`), option declarations
//! (`mkOption`, `mkEnableOption`, `mkPackageOption`) and `lib.types`, each
//! encoded as nixpkgs encodes it (`_type = "if"`, `"option"`,
//! `"option-type"` …) so the module merge can read them.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Evaluator, ThunkId, Unknown, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

/// Module-system priorities, as nixpkgs defines them.
const PRIORITY_MK_DEFAULT: i64 = 1000;
const PRIORITY_MK_FORCE: i64 = 50;
const PRIORITY_MK_OPTION_DEFAULT: i64 = 1500;
const PRIORITY_MK_IMAGE_MEDIA_OVERRIDE: i64 = 60;
const PRIORITY_MK_VM_OVERRIDE: i64 = 10;

/// `lib.types` values that are not functions: name and description as
/// nixpkgs gives them.
pub(super) const SIMPLE_TYPES: &[(&str, &str)] = &[
    ("anything", "anything"),
    ("attrs", "attribute set"),
    ("bool", "boolean"),
    ("commas", "strings concatenated with \",\""),
    ("deferredModule", "module"),
    ("envVar", "strings concatenated with \":\""),
    ("float", "floating point number"),
    ("int", "signed integer"),
    ("lines", "strings concatenated with \"\\n\""),
    ("nonEmptyStr", "non-empty string"),
    ("number", "signed integer or floating point number"),
    ("package", "package"),
    ("path", "path"),
    ("pathInStore", "path in the Nix store"),
    (
        "port",
        "16 bit unsigned integer; between 0 and 65535 (both inclusive)",
    ),
    ("raw", "raw value"),
    ("shellPackage", "shell-based package"),
    (
        "singleLineStr",
        "(optionally newline-terminated) single-line string",
    ),
    ("str", "string"),
    ("string", "string"),
    ("unspecified", "unspecified value"),
];

/// `lib.types.ints.*` (all integers here).
pub(super) const INT_TYPES: &[(&str, &str)] = &[
    ("positive", "positive integer, meaning >0"),
    ("s16", "16 bit signed integer"),
    ("s32", "32 bit signed integer"),
    ("s8", "8 bit signed integer"),
    ("u16", "16 bit unsigned integer"),
    ("u32", "32 bit unsigned integer"),
    ("u8", "8 bit unsigned integer"),
    ("unsigned", "unsigned integer, meaning >=0"),
];

impl Evaluator<'_> {
    pub(super) fn call_lib_modules(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        Ok(match prim {
            Prim::MkIf => {
                let ty = self.done(Value::string("if", None));
                self.make_attrs(vec![
                    ("_type", ty),
                    ("condition", arg(0)),
                    ("content", arg(1)),
                ])
            }
            Prim::MkMerge => {
                let ty = self.done(Value::string("merge", None));
                self.make_attrs(vec![("_type", ty), ("contents", arg(0))])
            }
            Prim::MkOverride => self.property("override", Some(arg(0)), arg(1)),
            Prim::MkDefault | Prim::MkForce | Prim::MkOptionDefault => {
                let p = match prim {
                    Prim::MkDefault => PRIORITY_MK_DEFAULT,
                    Prim::MkForce => PRIORITY_MK_FORCE,
                    _ => PRIORITY_MK_OPTION_DEFAULT,
                };
                let p = self.done(Value::Int(p));
                self.property("override", Some(p), arg(0))
            }
            Prim::MkOrder => self.property("order", Some(arg(0)), arg(1)),
            Prim::MkBefore | Prim::MkAfter => {
                let p = self.done(Value::Int(if prim == Prim::MkBefore { 500 } else { 1500 }));
                self.property("order", Some(p), arg(0))
            }
            Prim::MkImageMediaOverride | Prim::MkVmOverride => {
                let p = if prim == Prim::MkVmOverride {
                    PRIORITY_MK_VM_OVERRIDE
                } else {
                    PRIORITY_MK_IMAGE_MEDIA_OVERRIDE
                };
                let p = self.done(Value::Int(p));
                self.property("override", Some(p), arg(0))
            }
            Prim::EvalModules => {
                let call = self.attrs_arg(prim.name(), arg(0), loc)?;
                let modules = match call.get("modules") {
                    Some(e) => {
                        let t = e.value;
                        self.list_arg(prim.name(), t, loc)?
                    }
                    None => Rc::new(Vec::new()),
                };
                // `evalModules` passes no `name` or `nodes` (those are a
                // host's); the caller's `specialArgs` may.
                let not_passed = |what: &str| {
                    Value::unknown(
                        UnknownKind::Error,
                        format!("`lib.evalModules` passes no module argument `{what}`"),
                        loc.clone(),
                    )
                };
                let name = self.done(not_passed("name"));
                let nodes = self.done(not_passed("nodes"));
                let defaults = self.make_attrs(vec![("name", name), ("nodes", nodes)]);
                let mut special = vec![self.done(defaults)];
                if let Some(e) = call.get("specialArgs") {
                    special.push(e.value);
                }
                let set = self.eval_modules(&modules, &special, "", None);
                let options = self.done(Value::unknown(
                    UnknownKind::Unsupported,
                    "`options` of `lib.evalModules` is not read statically",
                    loc.clone(),
                ));
                let mut entries = BTreeMap::new();
                for (k, value) in [("config", set.config), ("options", options)] {
                    entries.insert(
                        k.to_string(),
                        AttrEntry {
                            value,
                            location: loc.clone(),
                        },
                    );
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: Some(Rc::new(Unknown {
                        kind: UnknownKind::Unsupported,
                        reason: "only `config` of `lib.evalModules` is computed statically"
                            .to_string(),
                        location: loc.clone(),
                    })),
                }))
            }
            Prim::MkOption => {
                // `mkOption = { … }@attrs: attrs // { _type = "option"; }`.
                let decl = self.attrs_arg(prim.name(), arg(0), loc)?;
                let mut entries = decl.entries.clone();
                let ty = self.done(Value::string("option", None));
                entries.insert(
                    "_type".to_string(),
                    AttrEntry {
                        value: ty,
                        location: None,
                    },
                );
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: decl.fallback.clone(),
                }))
            }
            Prim::MkEnableOption => {
                let name = self.force(arg(0));
                let description = match self.coerce_to_string(name, false, loc.clone()) {
                    Ok(n) => Value::string(format!("Whether to enable {n}."), loc.clone()),
                    Err(u) => Value::Unknown(u),
                };
                let default = self.done(Value::Bool(false));
                let example = self.done(Value::Bool(true));
                let description = self.done(description);
                let ty = self.simple_type("bool", "boolean");
                let ty = self.done(ty);
                let kind = self.done(Value::string("option", None));
                self.make_attrs(vec![
                    ("_type", kind),
                    ("default", default),
                    ("example", example),
                    ("description", description),
                    ("type", ty),
                ])
            }
            Prim::MkPackageOption => {
                // The default is `pkgs.<name>` (or `pkgs.<extra.default>`),
                // a package: what it is stays with the input.
                let extra = self.attrs_arg(prim.name(), arg(2), loc)?;
                let path_arg = extra.get("default").map_or(arg(1), |e| e.value);
                let path: Vec<String> = match self.force(path_arg) {
                    Value::String(s) => vec![s.text.clone()],
                    Value::List(items) => {
                        let mut names = Vec::new();
                        for i in items.iter() {
                            names.push(self.string_arg(prim.name(), *i, loc)?.text.clone());
                        }
                        names
                    }
                    Value::Null => Vec::new(),
                    other => {
                        return Err(self.type_error(
                            prim.name(),
                            "package name",
                            &other,
                            loc.clone(),
                        ));
                    }
                };
                let mut default = self.force(arg(0));
                if path.is_empty() {
                    default = Value::Null;
                }
                for key in &path {
                    default = self.select(default, key, loc.clone());
                }
                let default = self.done(default);
                let ty = self.simple_type("package", "package");
                let ty = self.done(ty);
                let kind = self.done(Value::string("option", None));
                self.make_attrs(vec![("_type", kind), ("default", default), ("type", ty)])
            }
            Prim::LiteralExpression | Prim::LiteralMd => {
                let kind = if prim == Prim::LiteralMd {
                    "literalMD"
                } else {
                    "literalExpression"
                };
                let kind = self.done(Value::string(kind, None));
                self.make_attrs(vec![("_type", kind), ("text", arg(0))])
            }
            Prim::MdDoc => self.force(arg(0)),
            Prim::TypeListOf
            | Prim::TypeNonEmptyListOf
            | Prim::TypeAttrsOf
            | Prim::TypeLazyAttrsOf
            | Prim::TypeNullOr
            | Prim::TypeUniq
            | Prim::TypeFunctionTo => {
                self.type_value(prim.name(), vec![("elemType", arg(0))], Vec::new())
            }
            Prim::TypeEither => self.type_value(
                "either",
                vec![("left", arg(0)), ("right", arg(1))],
                Vec::new(),
            ),
            Prim::TypeCoercedTo => self.type_value(
                "coercedTo",
                vec![("coercedType", arg(0)), ("finalType", arg(2))],
                Vec::new(),
            ),
            Prim::TypeAddCheck => {
                // `addCheck t check` is `t` with a stricter check.
                self.force(arg(0))
            }
            Prim::TypeOneOf => {
                let types = self.list_arg(prim.name(), arg(0), loc)?;
                let nested: Vec<(&str, ThunkId)> = Vec::new();
                let list = self.done(Value::List(Rc::clone(&types)));
                self.type_value("oneOf", nested, vec![("types", list)])
            }
            Prim::TypeEnum => self.type_value("enum", Vec::new(), vec![("values", arg(0))]),
            Prim::TypeStrMatching | Prim::TypeSeparatedString => {
                self.type_value(prim.name(), Vec::new(), Vec::new())
            }
            Prim::TypeSubmodule => {
                // `submodule m` = `submoduleWith { modules = toList m; … }`.
                let modules = match self.force(arg(0)) {
                    Value::List(_) => arg(0),
                    _ => self.done(Value::List(Rc::new(vec![arg(0)]))),
                };
                self.type_value("submodule", Vec::new(), vec![("getSubModules", modules)])
            }
            Prim::TypeSubmoduleWith => {
                let decl = self.attrs_arg(prim.name(), arg(0), loc)?;
                let modules = match decl.get("modules") {
                    Some(e) => e.value,
                    None => self.done(Value::List(Rc::new(Vec::new()))),
                };
                self.type_value("submodule", Vec::new(), vec![("getSubModules", modules)])
            }
            _ => not_in_family(prim, loc),
        })
    }

    /// `{ _type = kind; priority = p; content = x; }`, nixpkgs' encoding of
    /// module-system properties, discharged by the module merge.
    fn property(&mut self, kind: &str, priority: Option<ThunkId>, content: ThunkId) -> Value {
        let ty = self.done(Value::string(kind, None));
        let mut pairs = vec![("_type", ty), ("content", content)];
        if let Some(p) = priority {
            pairs.push(("priority", p));
        }
        self.make_attrs(pairs)
    }

    /// An option type: `{ _type = "option-type"; name; description;
    /// nestedTypes = { … }; … }`, the attributes module code reads.
    fn type_value(
        &mut self,
        name: &str,
        nested: Vec<(&str, ThunkId)>,
        extra: Vec<(&str, ThunkId)>,
    ) -> Value {
        let kind = self.done(Value::string("option-type", None));
        let n = self.done(Value::string(name, None));
        let nested = self.make_attrs(nested);
        let nested = self.done(nested);
        let mut pairs = vec![("_type", kind), ("name", n), ("nestedTypes", nested)];
        pairs.extend(extra);
        self.make_attrs(pairs)
    }

    /// One of [`SIMPLE_TYPES`] (or [`INT_TYPES`]).
    pub(super) fn simple_type(&mut self, name: &str, description: &str) -> Value {
        let d = self.done(Value::string(description, None));
        self.type_value(name, Vec::new(), vec![("description", d)])
    }
}
