//! Built-in functions, the global names, `builtins` and the slice of
//! `nixpkgs.lib` that module code leans on.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::{
    AttrEntry, Attrs, Evaluator, NixString, PrimApp, SystemCall, ThunkId, Unknown, UnknownKind,
    Value,
};

macro_rules! prims {
    ($( $(#[$meta:meta])* $variant:ident = ($name:literal, $arity:literal), )*) => {
        /// A built-in function the static evaluator implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Prim {
            $( $(#[$meta])* $variant, )*
        }

        impl Prim {
            /// Every built-in, in table order.
            pub const ALL: &'static [Prim] = &[ $( Prim::$variant, )* ];

            /// The name it has in `builtins` (or in `lib`).
            pub fn name(self) -> &'static str {
                match self { $( Prim::$variant => $name, )* }
            }

            /// How many arguments it takes before it runs.
            pub fn arity(self) -> usize {
                match self { $( Prim::$variant => $arity, )* }
            }
        }
    };
}

prims! {
    /// `import path`.
    Import = ("import", 1),
    /// `builtins.mapAttrs f set`.
    MapAttrs = ("mapAttrs", 2),
    /// `builtins.attrNames set`.
    AttrNames = ("attrNames", 1),
    /// `builtins.attrValues set`.
    AttrValues = ("attrValues", 1),
    /// `builtins.listToAttrs list`.
    ListToAttrs = ("listToAttrs", 1),
    /// `builtins.genList f n`.
    GenList = ("genList", 2),
    /// `map f list`.
    Map = ("map", 2),
    /// `builtins.filter f list`.
    Filter = ("filter", 2),
    /// `builtins.elem x list`.
    Elem = ("elem", 2),
    /// `builtins.elemAt list n`.
    ElemAt = ("elemAt", 2),
    /// `builtins.length list`.
    Length = ("length", 1),
    /// `builtins.head list`.
    Head = ("head", 1),
    /// `builtins.tail list`.
    Tail = ("tail", 1),
    /// `toString x`.
    ToString = ("toString", 1),
    /// `builtins.concatStringsSep sep list`.
    ConcatStringsSep = ("concatStringsSep", 2),
    /// `builtins.concatLists lists`.
    ConcatLists = ("concatLists", 1),
    /// `builtins.concatMap f list`.
    ConcatMap = ("concatMap", 2),
    /// `builtins.hasAttr name set`.
    HasAttr = ("hasAttr", 2),
    /// `builtins.getAttr name set`.
    GetAttr = ("getAttr", 2),
    /// `removeAttrs set names`.
    RemoveAttrs = ("removeAttrs", 2),
    /// `builtins.foldl' op nul list`.
    Foldl = ("foldl'", 3),
    /// `builtins.isAttrs x`.
    IsAttrs = ("isAttrs", 1),
    /// `builtins.isList x`.
    IsList = ("isList", 1),
    /// `builtins.isString x`.
    IsString = ("isString", 1),
    /// `builtins.isFunction x`.
    IsFunction = ("isFunction", 1),
    /// `builtins.isBool x`.
    IsBool = ("isBool", 1),
    /// `builtins.isInt x`.
    IsInt = ("isInt", 1),
    /// `builtins.isFloat x`.
    IsFloat = ("isFloat", 1),
    /// `isNull x`.
    IsNull = ("isNull", 1),
    /// `builtins.isPath x`.
    IsPath = ("isPath", 1),
    /// `builtins.typeOf x`.
    TypeOf = ("typeOf", 1),
    /// `builtins.pathExists path`.
    PathExists = ("pathExists", 1),
    /// `baseNameOf x`.
    BaseNameOf = ("baseNameOf", 1),
    /// `dirOf x`.
    DirOf = ("dirOf", 1),
    /// `builtins.replaceStrings from to s`.
    ReplaceStrings = ("replaceStrings", 3),
    /// `builtins.stringLength s`.
    StringLength = ("stringLength", 1),
    /// `builtins.substring start len s`.
    Substring = ("substring", 3),
    /// `builtins.any f list`.
    Any = ("any", 2),
    /// `builtins.all f list`.
    All = ("all", 2),
    /// `builtins.catAttrs name list`.
    CatAttrs = ("catAttrs", 2),
    /// `builtins.intersectAttrs a b`.
    IntersectAttrs = ("intersectAttrs", 2),
    /// `builtins.add a b`.
    Add = ("add", 2),
    /// `builtins.sub a b`.
    Sub = ("sub", 2),
    /// `builtins.mul a b`.
    Mul = ("mul", 2),
    /// `builtins.div a b`.
    Div = ("div", 2),
    /// `builtins.lessThan a b`.
    LessThan = ("lessThan", 2),
    /// `throw msg`.
    Throw = ("throw", 1),
    /// `abort msg`.
    Abort = ("abort", 1),
    /// `builtins.trace msg x` (returns `x`).
    Trace = ("trace", 2),
    /// `builtins.seq a b` (returns `b`).
    Seq = ("seq", 2),
    /// `builtins.deepSeq a b` (returns `b`).
    DeepSeq = ("deepSeq", 2),
    /// `lib.mkIf cond x`.
    MkIf = ("mkIf", 2),
    /// `lib.mkMerge list`.
    MkMerge = ("mkMerge", 1),
    /// `lib.mkOverride priority x`.
    MkOverride = ("mkOverride", 2),
    /// `lib.mkDefault x` (priority 1000).
    MkDefault = ("mkDefault", 1),
    /// `lib.mkForce x` (priority 50).
    MkForce = ("mkForce", 1),
    /// `lib.mkOptionDefault x` (priority 1500).
    MkOptionDefault = ("mkOptionDefault", 1),
    /// `lib.mkOrder priority x`.
    MkOrder = ("mkOrder", 2),
    /// `lib.mkBefore x` (order 500).
    MkBefore = ("mkBefore", 1),
    /// `lib.mkAfter x` (order 1500).
    MkAfter = ("mkAfter", 1),
    /// `lib.optional cond x`.
    Optional = ("optional", 2),
    /// `lib.optionals cond list`.
    Optionals = ("optionals", 2),
    /// `lib.optionalString cond s`.
    OptionalString = ("optionalString", 2),
    /// `lib.optionalAttrs cond set`.
    OptionalAttrs = ("optionalAttrs", 2),
    /// `lib.genAttrs names f`.
    GenAttrs = ("genAttrs", 2),
    /// `lib.nameValuePair name value`.
    NameValuePair = ("nameValuePair", 2),
    /// `lib.id x`.
    Id = ("id", 1),
    /// `<nixpkgs>.lib.nixosSystem args`: kept as [`Value::NixosSystem`].
    NixosSystem = ("nixosSystem", 1),
    /// `<colmena>.lib.makeHive hive`: kept as [`Value::Hive`].
    MakeHive = ("makeHive", 1),
    /// `builtins.readDir path`: over the repository listing.
    ReadDir = ("readDir", 1),
    /// `builtins.readFile path` of a repository file.
    ReadFile = ("readFile", 1),
    /// `builtins.fromJSON s`.
    FromJson = ("fromJSON", 1),
    /// `lib.hasPrefix prefix s`.
    HasPrefix = ("hasPrefix", 2),
    /// `lib.hasSuffix suffix s`.
    HasSuffix = ("hasSuffix", 2),
    /// `lib.removePrefix prefix s`.
    RemovePrefix = ("removePrefix", 2),
    /// `lib.removeSuffix suffix s`.
    RemoveSuffix = ("removeSuffix", 2),
    /// `lib.filterAttrs pred set`.
    FilterAttrs = ("filterAttrs", 2),
    /// `lib.mapAttrsToList f set`.
    MapAttrsToList = ("mapAttrsToList", 2),
    /// `lib.mapAttrs' f set` (`f` returns a `nameValuePair`).
    MapAttrsPrime = ("mapAttrs'", 2),
    /// `lib.recursiveUpdate a b`.
    RecursiveUpdate = ("recursiveUpdate", 2),
    /// `lib.flatten x`.
    Flatten = ("flatten", 1),
    /// `lib.unique list`.
    Unique = ("unique", 1),
    /// `lib.concatStrings list`.
    ConcatStrings = ("concatStrings", 1),
    /// `lib.concatMapStringsSep sep f list`.
    ConcatMapStringsSep = ("concatMapStringsSep", 3),
    /// `lib.concatMapStrings f list`.
    ConcatMapStrings = ("concatMapStrings", 2),
    /// `lib.attrByPath path default set`.
    AttrByPath = ("attrByPath", 3),
    /// `lib.getAttrFromPath path set`.
    GetAttrFromPath = ("getAttrFromPath", 2),
    /// `lib.last list`.
    Last = ("last", 1),
    /// `lib.range first last`.
    Range = ("range", 2),
    /// `lib.toLower s`.
    ToLower = ("toLower", 1),
    /// `lib.toUpper s`.
    ToUpper = ("toUpper", 1),
    /// `lib.splitString sep s`.
    SplitString = ("splitString", 2),
    /// `lib.foldl op nul list` (same result as `foldl'` here).
    FoldlLazy = ("foldl", 3),
    /// `lib.foldr op nul list`.
    Foldr = ("foldr", 3),
    /// `lib.mkEnableOption`-free `lib.const x y` (returns `x`).
    Const = ("const", 2),
    /// flake-utils' `lib.eachSystem systems f`.
    EachSystem = ("eachSystem", 2),
    /// flake-utils' `lib.eachDefaultSystem f`.
    EachDefaultSystem = ("eachDefaultSystem", 1),
}

/// flake-utils' `defaultSystems`.
const DEFAULT_SYSTEMS: &[&str] = &[
    "aarch64-darwin",
    "aarch64-linux",
    "x86_64-darwin",
    "x86_64-linux",
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

/// Built-ins reachable as `builtins.<name>`.
const BUILTINS: &[Prim] = &[
    Prim::Import,
    Prim::MapAttrs,
    Prim::AttrNames,
    Prim::AttrValues,
    Prim::ListToAttrs,
    Prim::GenList,
    Prim::Map,
    Prim::Filter,
    Prim::Elem,
    Prim::ElemAt,
    Prim::Length,
    Prim::Head,
    Prim::Tail,
    Prim::ToString,
    Prim::ConcatStringsSep,
    Prim::ConcatLists,
    Prim::ConcatMap,
    Prim::HasAttr,
    Prim::GetAttr,
    Prim::RemoveAttrs,
    Prim::Foldl,
    Prim::IsAttrs,
    Prim::IsList,
    Prim::IsString,
    Prim::IsFunction,
    Prim::IsBool,
    Prim::IsInt,
    Prim::IsFloat,
    Prim::IsNull,
    Prim::IsPath,
    Prim::TypeOf,
    Prim::PathExists,
    Prim::BaseNameOf,
    Prim::DirOf,
    Prim::ReplaceStrings,
    Prim::StringLength,
    Prim::Substring,
    Prim::Any,
    Prim::All,
    Prim::CatAttrs,
    Prim::IntersectAttrs,
    Prim::Add,
    Prim::Sub,
    Prim::Mul,
    Prim::Div,
    Prim::LessThan,
    Prim::Throw,
    Prim::Abort,
    Prim::Trace,
    Prim::Seq,
    Prim::DeepSeq,
    Prim::ReadDir,
    Prim::ReadFile,
    Prim::FromJson,
];

/// Built-ins visible without `builtins.` (Nix's global scope).
const GLOBALS: &[Prim] = &[
    Prim::Import,
    Prim::Map,
    Prim::ToString,
    Prim::BaseNameOf,
    Prim::DirOf,
    Prim::IsNull,
    Prim::RemoveAttrs,
    Prim::Throw,
    Prim::Abort,
];

/// What `lib` offers besides the module-system functions: nixpkgs re-exports
/// these built-ins under the same names.
const LIB_FROM_BUILTINS: &[Prim] = &[
    Prim::MapAttrs,
    Prim::AttrNames,
    Prim::AttrValues,
    Prim::ListToAttrs,
    Prim::GenList,
    Prim::Filter,
    Prim::Elem,
    Prim::ElemAt,
    Prim::Length,
    Prim::Head,
    Prim::Tail,
    Prim::ConcatStringsSep,
    Prim::ConcatLists,
    Prim::ConcatMap,
    Prim::HasAttr,
    Prim::GetAttr,
    Prim::RemoveAttrs,
    Prim::Foldl,
    Prim::IsAttrs,
    Prim::IsList,
    Prim::IsString,
    Prim::IsFunction,
    Prim::IsBool,
    Prim::IsInt,
    Prim::ReplaceStrings,
    Prim::StringLength,
    Prim::Substring,
    Prim::Any,
    Prim::All,
    Prim::CatAttrs,
    Prim::IntersectAttrs,
    Prim::ToString,
    Prim::BaseNameOf,
    Prim::DirOf,
    Prim::TypeOf,
];

const LIB_OWN: &[Prim] = &[
    Prim::MkIf,
    Prim::MkMerge,
    Prim::MkOverride,
    Prim::MkDefault,
    Prim::MkForce,
    Prim::MkOptionDefault,
    Prim::MkOrder,
    Prim::MkBefore,
    Prim::MkAfter,
    Prim::Optional,
    Prim::Optionals,
    Prim::OptionalString,
    Prim::OptionalAttrs,
    Prim::GenAttrs,
    Prim::NameValuePair,
    Prim::Id,
    Prim::NixosSystem,
    Prim::MakeHive,
    Prim::ReadDir,
    Prim::ReadFile,
    Prim::FromJson,
    Prim::HasPrefix,
    Prim::HasSuffix,
    Prim::RemovePrefix,
    Prim::RemoveSuffix,
    Prim::FilterAttrs,
    Prim::MapAttrsToList,
    Prim::MapAttrsPrime,
    Prim::RecursiveUpdate,
    Prim::Flatten,
    Prim::Unique,
    Prim::ConcatStrings,
    Prim::ConcatMapStringsSep,
    Prim::ConcatMapStrings,
    Prim::AttrByPath,
    Prim::GetAttrFromPath,
    Prim::Last,
    Prim::Range,
    Prim::ToLower,
    Prim::ToUpper,
    Prim::SplitString,
    Prim::FoldlLazy,
    Prim::Foldr,
    Prim::Const,
    Prim::EachSystem,
    Prim::EachDefaultSystem,
    Prim::Map,
    Prim::IsNull,
    Prim::Throw,
];

/// Module-system priorities, as nixpkgs defines them.
const PRIORITY_MK_DEFAULT: i64 = 1000;
const PRIORITY_MK_FORCE: i64 = 50;
const PRIORITY_MK_OPTION_DEFAULT: i64 = 1500;

impl Evaluator<'_> {
    fn prim_value(prim: Prim) -> Value {
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
        GLOBALS
            .iter()
            .find(|p| p.name() == name)
            .map(|p| Self::prim_value(*p))
    }

    fn attrs_of_prims(
        &mut self,
        prims: &[&[Prim]],
        extra: Vec<(&str, Value)>,
        fallback: &str,
    ) -> Value {
        let mut entries = BTreeMap::new();
        for group in prims {
            for prim in *group {
                let t = self.done(Self::prim_value(*prim));
                entries.insert(
                    prim.name().to_string(),
                    AttrEntry {
                        value: t,
                        location: None,
                    },
                );
            }
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
        Value::Attrs(Rc::new(Attrs { entries, fallback }))
    }

    /// The `builtins` set.
    pub(crate) fn builtins(&mut self) -> Value {
        if let Some(t) = self.builtins_attrs {
            return self.force(t);
        }
        let extra = vec![
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
            (
                "currentSystem",
                Value::unknown(
                    UnknownKind::Opaque,
                    "`builtins.currentSystem` depends on the machine evaluating",
                    None,
                ),
            ),
        ];
        let v = self.attrs_of_prims(
            &[BUILTINS],
            extra,
            "this builtin is not supported by the static evaluator",
        );
        let t = self.done(v.clone());
        self.builtins_attrs = Some(t);
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
        let t = self.alloc(super::Deferred::NotReady(
            "`lib` is being built".to_string(),
        ));
        self.lib_attrs = Some(t);
        let v = self.attrs_of_prims(
            &[LIB_FROM_BUILTINS, LIB_OWN],
            Vec::new(),
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

    fn make_attrs(&mut self, pairs: Vec<(&str, ThunkId)>) -> Value {
        let entries = pairs
            .into_iter()
            .map(|(k, value)| {
                (
                    k.to_string(),
                    AttrEntry {
                        value,
                        location: None,
                    },
                )
            })
            .collect();
        Value::Attrs(Rc::new(Attrs {
            entries,
            fallback: None,
        }))
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

    fn list_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Rc<Vec<ThunkId>>, Value> {
        match self.force(t) {
            Value::List(l) => Ok(l),
            other => Err(self.type_error(what, "list", &other, loc.clone())),
        }
    }

    fn attrs_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Rc<Attrs>, Value> {
        match self.force(t) {
            Value::Attrs(a) => Ok(a),
            other => Err(self.type_error(what, "set", &other, loc.clone())),
        }
    }

    fn string_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Rc<NixString>, Value> {
        match self.force(t) {
            Value::String(s) => Ok(s),
            other => Err(self.type_error(what, "string", &other, loc.clone())),
        }
    }

    fn bool_arg(&mut self, what: &str, t: ThunkId, loc: &Option<Location>) -> Result<bool, Value> {
        match self.force(t) {
            Value::Bool(b) => Ok(b),
            other => Err(self.type_error(what, "bool", &other, loc.clone())),
        }
    }

    fn int_arg(&mut self, what: &str, t: ThunkId, loc: &Option<Location>) -> Result<i64, Value> {
        match self.force(t) {
            Value::Int(i) => Ok(i),
            other => Err(self.type_error(what, "int", &other, loc.clone())),
        }
    }

    /// Unknown when the attribute set is only partly known and the result
    /// depends on all of its names.
    fn complete(a: &Attrs) -> Result<(), Value> {
        match &a.fallback {
            Some(f) => Err(Value::Unknown(Rc::clone(f))),
            None => Ok(()),
        }
    }

    /// Runs a built-in with all its arguments.
    pub(crate) fn call_prim(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: Option<Location>,
    ) -> Value {
        match self.call_prim_inner(prim, args, &loc) {
            Ok(v) | Err(v) => v,
        }
    }

    fn call_prim_inner(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| args.get(i).copied().unwrap_or(ThunkId(u32::MAX));
        let name = prim.name();
        Ok(match prim {
            Prim::Import => self.prim_import(arg(0), loc),
            Prim::MapAttrs => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                let mut entries = BTreeMap::new();
                for (k, e) in &set.entries {
                    self.tick();
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    let value = self.alloc(super::Deferred::Apply(
                        f.clone(),
                        vec![key, e.value],
                        loc.clone(),
                    ));
                    entries.insert(
                        k.clone(),
                        AttrEntry {
                            value,
                            location: e.location.clone(),
                        },
                    );
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: set.fallback.clone(),
                }))
            }
            Prim::AttrNames => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                Self::complete(&set)?;
                let items = set
                    .entries
                    .iter()
                    .map(|(k, e)| self.done(Value::string(k.clone(), e.location.clone())))
                    .collect();
                Value::List(Rc::new(items))
            }
            Prim::AttrValues => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                Self::complete(&set)?;
                Value::List(Rc::new(set.entries.values().map(|e| e.value).collect()))
            }
            Prim::ListToAttrs => {
                let list = self.list_arg(name, arg(0), loc)?;
                let mut entries: BTreeMap<String, AttrEntry> = BTreeMap::new();
                let mut fallback = None;
                for item in list.iter() {
                    if !self.tick() {
                        break;
                    }
                    let pair = self.attrs_arg(name, *item, loc)?;
                    let (Some(n), Some(v)) = (
                        pair.get("name").map(|e| e.value),
                        pair.get("value").map(|e| e.value),
                    ) else {
                        return Err(Value::unknown(
                            UnknownKind::Error,
                            "listToAttrs: element without `name` or `value`",
                            loc.clone(),
                        ));
                    };
                    match self.force(n) {
                        Value::String(s) => {
                            // The first definition of a name wins, as in Nix.
                            entries.entry(s.text.clone()).or_insert(AttrEntry {
                                value: v,
                                location: s.location.clone(),
                            });
                        }
                        Value::Unknown(u) => fallback = Some(u),
                        other => {
                            return Err(self.type_error(name, "string name", &other, loc.clone()));
                        }
                    }
                }
                Value::Attrs(Rc::new(Attrs { entries, fallback }))
            }
            Prim::GenList => {
                let f = self.force(arg(0));
                let n = self.int_arg(name, arg(1), loc)?;
                if !(0..=100_000).contains(&n) {
                    return Err(Value::unknown(
                        UnknownKind::Limit,
                        "genList: list length out of range",
                        loc.clone(),
                    ));
                }
                let mut items = Vec::new();
                for i in 0..n {
                    self.tick();
                    let it = self.done(Value::Int(i));
                    items.push(self.alloc(super::Deferred::Apply(
                        f.clone(),
                        vec![it],
                        loc.clone(),
                    )));
                }
                Value::List(Rc::new(items))
            }
            Prim::Map => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let items = list
                    .iter()
                    .map(|x| self.alloc(super::Deferred::Apply(f.clone(), vec![*x], loc.clone())))
                    .collect();
                Value::List(Rc::new(items))
            }
            Prim::Filter => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for x in list.iter() {
                    let keep = self.apply(f.clone(), *x, loc.clone());
                    match keep {
                        Value::Bool(true) => items.push(*x),
                        Value::Bool(false) => {}
                        other => {
                            return Err(self.type_error(
                                name,
                                "bool-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::Any | Prim::All => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let wanted = prim == Prim::Any;
                let mut unknown = None;
                for x in list.iter() {
                    match self.apply(f.clone(), *x, loc.clone()) {
                        Value::Bool(b) if b == wanted => return Ok(Value::Bool(wanted)),
                        Value::Bool(_) => {}
                        Value::Unknown(u) => unknown = Some(u),
                        other => {
                            return Err(self.type_error(
                                name,
                                "bool-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                match unknown {
                    Some(u) => Value::Unknown(u),
                    None => Value::Bool(!wanted),
                }
            }
            Prim::Elem => {
                let x = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut unknown = false;
                for item in list.iter() {
                    let v = self.force(*item);
                    match self.equal(&x, &v) {
                        Some(true) => return Ok(Value::Bool(true)),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    Value::unknown(
                        UnknownKind::Unsupported,
                        "elem: membership depends on unknown values",
                        loc.clone(),
                    )
                } else {
                    Value::Bool(false)
                }
            }
            Prim::ElemAt => {
                let list = self.list_arg(name, arg(0), loc)?;
                let n = self.int_arg(name, arg(1), loc)?;
                match usize::try_from(n).ok().and_then(|i| list.get(i)) {
                    Some(t) => self.force(*t),
                    None => Value::unknown(
                        UnknownKind::Error,
                        "elemAt: index out of bounds",
                        loc.clone(),
                    ),
                }
            }
            Prim::Length => Value::Int(self.list_arg(name, arg(0), loc)?.len() as i64),
            Prim::Head => match self.list_arg(name, arg(0), loc)?.first() {
                Some(t) => self.force(*t),
                None => Value::unknown(UnknownKind::Error, "head of an empty list", loc.clone()),
            },
            Prim::Tail => {
                let list = self.list_arg(name, arg(0), loc)?;
                if list.is_empty() {
                    Value::unknown(UnknownKind::Error, "tail of an empty list", loc.clone())
                } else {
                    Value::List(Rc::new(list[1..].to_vec()))
                }
            }
            Prim::ToString => {
                let v = self.force(arg(0));
                let location = match &v {
                    Value::String(s) => s.location.clone(),
                    _ => loc.clone(),
                };
                match self.coerce_to_string(v, true, loc.clone()) {
                    Ok(s) => Value::string(s, location),
                    Err(u) => Value::Unknown(u),
                }
            }
            Prim::ConcatStringsSep => {
                let sep = self.string_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let mut parts = Vec::new();
                for item in list.iter() {
                    let v = self.force(*item);
                    match self.coerce_to_string(v, false, loc.clone()) {
                        Ok(s) => parts.push(s),
                        Err(u) => return Err(Value::Unknown(u)),
                    }
                }
                Value::string(parts.join(&sep.text), loc.clone())
            }
            Prim::ConcatLists => {
                let lists = self.list_arg(name, arg(0), loc)?;
                let mut items = Vec::new();
                for l in lists.iter() {
                    items.extend(self.list_arg(name, *l, loc)?.iter().copied());
                }
                Value::List(Rc::new(items))
            }
            Prim::ConcatMap => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for x in list.iter() {
                    match self.apply(f.clone(), *x, loc.clone()) {
                        Value::List(l) => items.extend(l.iter().copied()),
                        other => {
                            return Err(self.type_error(
                                name,
                                "list-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::HasAttr => {
                let key = self.string_arg(name, arg(0), loc)?;
                let set = self.attrs_arg(name, arg(1), loc)?;
                if set.entries.contains_key(&key.text) {
                    Value::Bool(true)
                } else {
                    Self::complete(&set)?;
                    Value::Bool(false)
                }
            }
            Prim::GetAttr => {
                let key = self.string_arg(name, arg(0), loc)?;
                let set = self.force(arg(1));
                self.select(set, &key.text, loc.clone())
            }
            Prim::RemoveAttrs => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                let names = self.list_arg(name, arg(1), loc)?;
                let mut entries = set.entries.clone();
                for n in names.iter() {
                    let n = self.string_arg(name, *n, loc)?;
                    entries.remove(&n.text);
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: set.fallback.clone(),
                }))
            }
            Prim::Foldl => {
                let op = self.force(arg(0));
                let list = self.list_arg(name, arg(2), loc)?;
                let mut acc = arg(1);
                for x in list.iter() {
                    let step = self.apply_all(op.clone(), &[acc, *x], loc.clone());
                    if let Value::Unknown(u) = &step
                        && u.kind == UnknownKind::Limit
                    {
                        return Ok(step);
                    }
                    acc = self.done(step);
                }
                self.force(acc)
            }
            Prim::IsAttrs => self.is(arg(0), |v| matches!(v, Value::Attrs(_))),
            Prim::IsList => self.is(arg(0), |v| matches!(v, Value::List(_))),
            Prim::IsString => self.is(arg(0), |v| matches!(v, Value::String(_))),
            Prim::IsFunction => self.is(arg(0), |v| matches!(v, Value::Lambda(_) | Value::Prim(_))),
            Prim::IsBool => self.is(arg(0), |v| matches!(v, Value::Bool(_))),
            Prim::IsInt => self.is(arg(0), |v| matches!(v, Value::Int(_))),
            Prim::IsFloat => self.is(arg(0), |v| matches!(v, Value::Float(_))),
            Prim::IsNull => self.is(arg(0), |v| matches!(v, Value::Null)),
            Prim::IsPath => self.is(arg(0), |v| matches!(v, Value::Path(_))),
            Prim::TypeOf => match self.force(arg(0)) {
                Value::Unknown(u) => Value::Unknown(u),
                v @ (Value::Input(_)
                | Value::NixosSystem(_)
                | Value::Hive(_)
                | Value::Activation(_)) => Value::unknown(
                    UnknownKind::Opaque,
                    format!("the type of a {} is not known statically", v.type_name()),
                    loc.clone(),
                ),
                v => Value::string(v.type_name(), None),
            },
            Prim::PathExists => match self.force(arg(0)) {
                Value::Path(p) if p.in_repo => match self.path_exists(&p.path) {
                    Some(b) => Value::Bool(b),
                    None => {
                        Value::unknown(UnknownKind::Opaque, "no repository to look in", loc.clone())
                    }
                },
                Value::Unknown(u) => Value::Unknown(u),
                _ => Value::unknown(
                    UnknownKind::Opaque,
                    "pathExists outside the repository is not known statically",
                    loc.clone(),
                ),
            },
            Prim::BaseNameOf => match self.force(arg(0)) {
                Value::String(s) => Value::string(base_name(&s.text), s.location.clone()),
                Value::Path(p) => Value::string(base_name(&p.path), p.location.clone()),
                other => return Err(self.type_error(name, "string or path", &other, loc.clone())),
            },
            Prim::DirOf => match self.force(arg(0)) {
                Value::String(s) => Value::string(dir_of(&s.text), s.location.clone()),
                Value::Path(p) => {
                    let mut p = (*p).clone();
                    p.path = if p.in_repo {
                        strata_core::parent_dir(&p.path).to_string()
                    } else {
                        dir_of(&p.path)
                    };
                    Value::Path(Rc::new(p))
                }
                other => return Err(self.type_error(name, "string or path", &other, loc.clone())),
            },
            Prim::ReplaceStrings => {
                let from = self.list_arg(name, arg(0), loc)?;
                let to = self.list_arg(name, arg(1), loc)?;
                let s = self.string_arg(name, arg(2), loc)?;
                if from.len() != to.len() {
                    return Err(Value::unknown(
                        UnknownKind::Error,
                        "replaceStrings: lists of different lengths",
                        loc.clone(),
                    ));
                }
                let mut pats = Vec::new();
                for (f, t) in from.iter().zip(to.iter()) {
                    let f = self.string_arg(name, *f, loc)?;
                    let t = self.string_arg(name, *t, loc)?;
                    pats.push((f.text.clone(), t.text.clone()));
                }
                Value::string(replace_strings(&s.text, &pats), s.location.clone())
            }
            Prim::StringLength => Value::Int(self.string_arg(name, arg(0), loc)?.text.len() as i64),
            Prim::Substring => {
                let start = self.int_arg(name, arg(0), loc)?;
                let len = self.int_arg(name, arg(1), loc)?;
                let s = self.string_arg(name, arg(2), loc)?;
                let bytes = s.text.as_bytes();
                let start = usize::try_from(start.max(0)).unwrap_or(0).min(bytes.len());
                let end = if len < 0 {
                    bytes.len()
                } else {
                    start.saturating_add(len as usize).min(bytes.len())
                };
                Value::string(
                    String::from_utf8_lossy(&bytes[start..end]).into_owned(),
                    None,
                )
            }
            Prim::CatAttrs => {
                let key = self.string_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for x in list.iter() {
                    let set = self.attrs_arg(name, *x, loc)?;
                    if let Some(e) = set.get(&key.text) {
                        items.push(e.value);
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::IntersectAttrs => {
                let a = self.attrs_arg(name, arg(0), loc)?;
                let b = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&a)?;
                let entries = b
                    .entries
                    .iter()
                    .filter(|(k, _)| a.entries.contains_key(*k))
                    .map(|(k, e)| (k.clone(), e.clone()))
                    .collect();
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: None,
                }))
            }
            Prim::Add | Prim::Sub | Prim::Mul | Prim::Div | Prim::LessThan => {
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                let kind = match prim {
                    Prim::Add => rnix::ast::BinOpKind::Add,
                    Prim::Sub => rnix::ast::BinOpKind::Sub,
                    Prim::Mul => rnix::ast::BinOpKind::Mul,
                    Prim::Div => rnix::ast::BinOpKind::Div,
                    _ => rnix::ast::BinOpKind::Less,
                };
                self.binary(kind, a, b, loc.clone())
            }
            Prim::Throw | Prim::Abort => {
                // The message is not repeated: it may interpolate anything.
                Value::unknown(
                    UnknownKind::Error,
                    format!("evaluation calls `{name}`"),
                    loc.clone(),
                )
            }
            Prim::Trace | Prim::Seq | Prim::DeepSeq => self.force(arg(1)),
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
            Prim::Optional => {
                if self.bool_arg(name, arg(0), loc)? {
                    Value::List(Rc::new(vec![arg(1)]))
                } else {
                    Value::List(Rc::new(Vec::new()))
                }
            }
            Prim::Optionals => {
                if self.bool_arg(name, arg(0), loc)? {
                    self.force(arg(1))
                } else {
                    Value::List(Rc::new(Vec::new()))
                }
            }
            Prim::OptionalString => {
                if self.bool_arg(name, arg(0), loc)? {
                    self.force(arg(1))
                } else {
                    Value::string("", loc.clone())
                }
            }
            Prim::OptionalAttrs => {
                if self.bool_arg(name, arg(0), loc)? {
                    self.force(arg(1))
                } else {
                    Value::Attrs(Rc::new(Attrs::default()))
                }
            }
            Prim::GenAttrs => {
                let names = self.list_arg(name, arg(0), loc)?;
                let f = self.force(arg(1));
                let mut entries = BTreeMap::new();
                for n in names.iter() {
                    let s = self.string_arg(name, *n, loc)?;
                    let value =
                        self.alloc(super::Deferred::Apply(f.clone(), vec![*n], loc.clone()));
                    entries.entry(s.text.clone()).or_insert(AttrEntry {
                        value,
                        location: s.location.clone(),
                    });
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: None,
                }))
            }
            Prim::NameValuePair => self.make_attrs(vec![("name", arg(0)), ("value", arg(1))]),
            Prim::Id => self.force(arg(0)),
            Prim::NixosSystem => Value::NixosSystem(Rc::new(SystemCall {
                args: arg(0),
                location: loc.clone(),
            })),
            Prim::MakeHive => Value::Hive(Rc::new(SystemCall {
                args: arg(0),
                location: loc.clone(),
            })),
            Prim::ReadDir => self.prim_read_dir(arg(0), loc),
            Prim::ReadFile => self.prim_read_file(arg(0), loc),
            Prim::FromJson => {
                let s = self.string_arg(name, arg(0), loc)?;
                match serde_json::from_str::<serde_json::Value>(&s.text) {
                    Ok(j) => self.json_value(&j, &s.location.clone().or(loc.clone()), 0),
                    Err(_) => Value::unknown(
                        UnknownKind::Error,
                        "fromJSON: the text is not valid JSON",
                        loc.clone(),
                    ),
                }
            }
            Prim::HasPrefix | Prim::HasSuffix => {
                let affix = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                Value::Bool(if prim == Prim::HasPrefix {
                    s.text.starts_with(&affix.text)
                } else {
                    s.text.ends_with(&affix.text)
                })
            }
            Prim::RemovePrefix | Prim::RemoveSuffix => {
                let affix = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                let text = if prim == Prim::RemovePrefix {
                    s.text.strip_prefix(affix.text.as_str())
                } else {
                    s.text.strip_suffix(affix.text.as_str())
                };
                Value::string(text.unwrap_or(&s.text), s.location.clone())
            }
            Prim::FilterAttrs => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&set)?;
                let mut entries = BTreeMap::new();
                for (k, e) in &set.entries {
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    match self.apply_all(f.clone(), &[key, e.value], loc.clone()) {
                        Value::Bool(true) => {
                            entries.insert(k.clone(), e.clone());
                        }
                        Value::Bool(false) => {}
                        Value::Unknown(u) => return Err(Value::Unknown(u)),
                        other => {
                            return Err(self.type_error(
                                name,
                                "bool-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: None,
                }))
            }
            Prim::MapAttrsToList => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&set)?;
                let mut items = Vec::new();
                for (k, e) in &set.entries {
                    self.tick();
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    items.push(self.alloc(super::Deferred::Apply(
                        f.clone(),
                        vec![key, e.value],
                        loc.clone(),
                    )));
                }
                Value::List(Rc::new(items))
            }
            Prim::MapAttrsPrime => {
                // mapAttrs' f set = listToAttrs (mapAttrsToList f set)
                let pairs = self.call_prim_inner(Prim::MapAttrsToList, &[arg(0), arg(1)], loc)?;
                let list = self.done(pairs);
                return self.call_prim_inner(Prim::ListToAttrs, &[list], loc);
            }
            Prim::RecursiveUpdate => {
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                self.recursive_update(a, b, loc, 0)
            }
            Prim::Flatten => {
                let mut items = Vec::new();
                self.flatten_into(arg(0), &mut items, 0);
                Value::List(Rc::new(items))
            }
            Prim::Unique => {
                let list = self.list_arg(name, arg(0), loc)?;
                let mut kept: Vec<(ThunkId, Value)> = Vec::new();
                for t in list.iter() {
                    let v = self.force(*t);
                    let mut seen = false;
                    for (_, k) in &kept {
                        match self.equal(k, &v) {
                            Some(true) => seen = true,
                            Some(false) => {}
                            None => {
                                return Err(Value::unknown(
                                    UnknownKind::Unsupported,
                                    "unique: comparison of unknown values",
                                    loc.clone(),
                                ));
                            }
                        }
                    }
                    if !seen {
                        kept.push((*t, v));
                    }
                }
                Value::List(Rc::new(kept.into_iter().map(|(t, _)| t).collect()))
            }
            Prim::ConcatStrings => {
                let empty = self.done(Value::string("", None));
                return self.call_prim_inner(Prim::ConcatStringsSep, &[empty, arg(0)], loc);
            }
            Prim::ConcatMapStringsSep | Prim::ConcatMapStrings => {
                let (sep, f, list) = if prim == Prim::ConcatMapStrings {
                    (self.done(Value::string("", None)), arg(0), arg(1))
                } else {
                    (arg(0), arg(1), arg(2))
                };
                let mapped = self.call_prim_inner(Prim::Map, &[f, list], loc)?;
                let mapped = self.done(mapped);
                return self.call_prim_inner(Prim::ConcatStringsSep, &[sep, mapped], loc);
            }
            Prim::AttrByPath | Prim::GetAttrFromPath => {
                let path = self.list_arg(name, arg(0), loc)?;
                let set_arg = if prim == Prim::AttrByPath {
                    arg(2)
                } else {
                    arg(1)
                };
                let mut current = self.force(set_arg);
                for key in path.iter() {
                    let key = self.string_arg(name, *key, loc)?;
                    let has = match &current {
                        Value::Attrs(a) => {
                            a.entries.contains_key(&key.text) || a.fallback.is_some()
                        }
                        Value::Unknown(u) => return Ok(Value::Unknown(Rc::clone(u))),
                        _ => false,
                    };
                    if !has {
                        if prim == Prim::AttrByPath {
                            return Ok(self.force(arg(1)));
                        }
                        return Err(Value::unknown(
                            UnknownKind::Error,
                            format!("getAttrFromPath: attribute `{}` missing", key.text),
                            loc.clone(),
                        ));
                    }
                    current = self.select(current, &key.text, loc.clone());
                }
                current
            }
            Prim::Last => match self.list_arg(name, arg(0), loc)?.last() {
                Some(t) => self.force(*t),
                None => Value::unknown(UnknownKind::Error, "last of an empty list", loc.clone()),
            },
            Prim::Range => {
                let first = self.int_arg(name, arg(0), loc)?;
                let last = self.int_arg(name, arg(1), loc)?;
                if last.saturating_sub(first) > 100_000 {
                    return Err(Value::unknown(
                        UnknownKind::Limit,
                        "range: list length out of range",
                        loc.clone(),
                    ));
                }
                let items = (first..=last).map(|i| self.done(Value::Int(i))).collect();
                Value::List(Rc::new(items))
            }
            Prim::ToLower | Prim::ToUpper => {
                let s = self.string_arg(name, arg(0), loc)?;
                let text = if prim == Prim::ToLower {
                    s.text.to_ascii_lowercase()
                } else {
                    s.text.to_ascii_uppercase()
                };
                Value::string(text, s.location.clone())
            }
            Prim::SplitString => {
                let sep = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                let parts: Vec<String> = if sep.text.is_empty() {
                    s.text.chars().map(|c| c.to_string()).collect()
                } else {
                    s.text
                        .split(sep.text.as_str())
                        .map(str::to_string)
                        .collect()
                };
                let items = parts
                    .into_iter()
                    .map(|p| self.done(Value::string(p, s.location.clone())))
                    .collect();
                Value::List(Rc::new(items))
            }
            Prim::FoldlLazy => return self.call_prim_inner(Prim::Foldl, args, loc),
            Prim::Foldr => {
                let op = self.force(arg(0));
                let list = self.list_arg(name, arg(2), loc)?;
                let mut acc = arg(1);
                for x in list.iter().rev() {
                    let step = self.apply_all(op.clone(), &[*x, acc], loc.clone());
                    if let Value::Unknown(u) = &step
                        && u.kind == UnknownKind::Limit
                    {
                        return Ok(step);
                    }
                    acc = self.done(step);
                }
                self.force(acc)
            }
            Prim::Const => self.force(arg(0)),
            Prim::EachSystem | Prim::EachDefaultSystem => {
                let (systems, f) = if prim == Prim::EachDefaultSystem {
                    let items = DEFAULT_SYSTEMS
                        .iter()
                        .map(|s| self.done(Value::string(*s, None)))
                        .collect();
                    (Rc::new(items), arg(0))
                } else {
                    (self.list_arg(name, arg(0), loc)?, arg(1))
                };
                let f = self.force(f);
                self.each_system(&systems, f, loc)?
            }
        })
    }

    fn is(&mut self, t: ThunkId, test: impl Fn(&Value) -> bool) -> Value {
        match self.force(t) {
            Value::Unknown(u) => Value::Unknown(u),
            v @ (Value::Input(_)
            | Value::NixosSystem(_)
            | Value::Hive(_)
            | Value::Activation(_)) => Value::unknown(
                UnknownKind::Opaque,
                format!("the type of a {} is not known statically", v.type_name()),
                None,
            ),
            v => Value::Bool(test(&v)),
        }
    }

    /// flake-utils' `eachSystem`: `{ <attr>.<system> = (f system).<attr>; }`.
    fn each_system(
        &mut self,
        systems: &[ThunkId],
        f: Value,
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let mut out: BTreeMap<String, BTreeMap<String, AttrEntry>> = BTreeMap::new();
        let mut locations: BTreeMap<String, Option<Location>> = BTreeMap::new();
        for system in systems {
            let sys = self.string_arg("eachSystem", *system, loc)?;
            let result = self.apply(f.clone(), *system, loc.clone());
            let result = match result {
                Value::Attrs(a) => a,
                Value::Unknown(u) => return Err(Value::Unknown(u)),
                other => return Err(self.type_error("eachSystem", "set", &other, loc.clone())),
            };
            for (attr, e) in &result.entries {
                locations.entry(attr.clone()).or_insert(e.location.clone());
                out.entry(attr.clone()).or_default().insert(
                    sys.text.clone(),
                    AttrEntry {
                        value: e.value,
                        location: sys.location.clone().or(e.location.clone()),
                    },
                );
            }
        }
        let mut entries = BTreeMap::new();
        for (attr, per_system) in out {
            let value = self.done(Value::Attrs(Rc::new(Attrs {
                entries: per_system,
                fallback: None,
            })));
            let location = locations.remove(&attr).flatten();
            entries.insert(attr, AttrEntry { value, location });
        }
        Ok(Value::Attrs(Rc::new(Attrs {
            entries,
            fallback: None,
        })))
    }

    fn recursive_update(
        &mut self,
        a: Value,
        b: Value,
        loc: &Option<Location>,
        depth: u32,
    ) -> Value {
        let (Value::Attrs(a), Value::Attrs(b)) = (&a, &b) else {
            return b;
        };
        if depth > 64 {
            return self.limit("recursiveUpdate nesting", loc.clone());
        }
        let mut entries = a.entries.clone();
        for (k, e) in &b.entries {
            let merged = match entries.get(k) {
                Some(old) => {
                    let (ov, nv) = (self.force(old.value), self.force(e.value));
                    if matches!((&ov, &nv), (Value::Attrs(_), Value::Attrs(_))) {
                        let m = self.recursive_update(ov, nv, loc, depth + 1);
                        AttrEntry {
                            value: self.done(m),
                            location: e.location.clone(),
                        }
                    } else {
                        e.clone()
                    }
                }
                None => e.clone(),
            };
            entries.insert(k.clone(), merged);
        }
        let fallback = b.fallback.clone().or(a.fallback.clone());
        Value::Attrs(Rc::new(Attrs { entries, fallback }))
    }

    fn flatten_into(&mut self, t: ThunkId, out: &mut Vec<ThunkId>, depth: u32) {
        if depth > 64 || !self.tick() {
            return;
        }
        match self.force(t) {
            Value::List(items) => {
                for item in items.iter() {
                    self.flatten_into(*item, out, depth + 1);
                }
            }
            _ => out.push(t),
        }
    }

    /// `builtins.readDir`: the entries of a repository directory, `regular`
    /// or `directory` (the listing has no symlinks: it follows them).
    fn prim_read_dir(&mut self, arg: ThunkId, loc: &Option<Location>) -> Value {
        let path = match self.force(arg) {
            Value::Path(p) if p.in_repo => p,
            Value::Unknown(u) => return Value::Unknown(u),
            Value::Path(_) | Value::String(_) => {
                return Value::unknown(
                    UnknownKind::Opaque,
                    "readDir outside the repository is not done statically",
                    loc.clone(),
                );
            }
            other => return self.type_error("readDir", "path", &other, loc.clone()),
        };
        let Some(listing) = self.list_dir(&path.path) else {
            return Value::unknown(
                UnknownKind::Error,
                format!("readDir: `{}` is not a directory", path.path),
                path.location.clone(),
            );
        };
        let mut entries = BTreeMap::new();
        for (name, is_dir) in listing {
            let kind = if is_dir { "directory" } else { "regular" };
            // The name keeps the location of the `readDir` argument, so a
            // host discovered this way points at where its directory is named.
            let value = self.done(Value::string(kind, None));
            entries.insert(
                name,
                AttrEntry {
                    value,
                    location: path.location.clone(),
                },
            );
        }
        Value::Attrs(Rc::new(Attrs {
            entries,
            fallback: None,
        }))
    }

    /// `builtins.readFile` of a repository file.
    fn prim_read_file(&mut self, arg: ThunkId, loc: &Option<Location>) -> Value {
        match self.force(arg) {
            Value::Path(p) if p.in_repo => match self.read_repo_file(&p.path) {
                Some(text) => Value::string(
                    text,
                    Some(Location::new(p.path.clone(), strata_core::Span::at(0))),
                ),
                None => Value::unknown(
                    UnknownKind::Error,
                    format!("readFile: `{}` does not exist", p.path),
                    p.location.clone(),
                ),
            },
            Value::Unknown(u) => Value::Unknown(u),
            Value::Path(_) | Value::String(_) => Value::unknown(
                UnknownKind::Opaque,
                "readFile outside the repository is not done statically",
                loc.clone(),
            ),
            other => self.type_error("readFile", "path", &other, loc.clone()),
        }
    }

    /// A JSON value as a Nix value; strings keep `location` (the file).
    fn json_value(
        &mut self,
        j: &serde_json::Value,
        location: &Option<Location>,
        depth: u32,
    ) -> Value {
        if depth > 128 {
            return self.limit("fromJSON nesting", location.clone());
        }
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::string(s.clone(), location.clone()),
            serde_json::Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|i| {
                        let v = self.json_value(i, location, depth + 1);
                        self.done(v)
                    })
                    .collect();
                Value::List(Rc::new(items))
            }
            serde_json::Value::Object(map) => {
                let mut entries = BTreeMap::new();
                for (k, v) in map {
                    let v = self.json_value(v, location, depth + 1);
                    let value = self.done(v);
                    entries.insert(
                        k.clone(),
                        AttrEntry {
                            value,
                            location: location.clone(),
                        },
                    );
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: None,
                }))
            }
        }
    }

    fn prim_import(&mut self, arg: ThunkId, loc: &Option<Location>) -> Value {
        match self.force(arg) {
            Value::Path(p) if p.in_repo => match self.resolve_file(&p.path) {
                Ok(file) => self.import_file(&file, p.location.clone()),
                Err(why) => Value::unknown(
                    UnknownKind::Error,
                    format!("import: {why}"),
                    p.location.clone(),
                ),
            },
            Value::Path(_) => Value::unknown(
                UnknownKind::Opaque,
                "importing a file outside the repository is not done statically",
                loc.clone(),
            ),
            Value::Input(i) => Value::unknown(
                UnknownKind::Opaque,
                format!(
                    "importing flake input `{}` is not evaluated statically",
                    i.display()
                ),
                loc.clone(),
            ),
            Value::Unknown(u) => Value::Unknown(u),
            other => self.type_error("import", "path", &other, loc.clone()),
        }
    }
}

fn base_name(s: &str) -> String {
    let trimmed = s.strip_suffix('/').unwrap_or(s);
    trimmed.rsplit('/').next().unwrap_or("").to_string()
}

fn dir_of(s: &str) -> String {
    match s.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => s[..i].to_string(),
        None => ".".to_string(),
    }
}

/// `builtins.replaceStrings`, following Nix's algorithm: at each position the
/// first matching pattern wins; an empty pattern matches between characters.
fn replace_strings(s: &str, pats: &[(String, String)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut p = 0;
    while p <= s.len() {
        let rest = &s[p..];
        let found = pats
            .iter()
            .find(|(from, _)| rest.starts_with(from.as_str()));
        let next_char_len = rest.chars().next().map_or(1, char::len_utf8);
        match found {
            Some((from, to)) => {
                out.push_str(to);
                if from.is_empty() {
                    out.push_str(&rest[..next_char_len.min(rest.len())]);
                    p += next_char_len;
                } else {
                    p += from.len();
                }
            }
            None => {
                out.push_str(&rest[..next_char_len.min(rest.len())]);
                p += next_char_len;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_strings_follows_nix() {
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            replace_strings("Hello world", &[p("o", "0"), p("l", "1")]),
            "He110 w0r1d"
        );
        assert_eq!(replace_strings("abc", &[p("", "-")]), "-a-b-c-");
        assert_eq!(replace_strings("aaa", &[p("aa", "b")]), "ba");
        assert_eq!(replace_strings("é", &[p("", "+")]), "+é+");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Prim::ALL.iter().map(|p| p.name()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }
}
