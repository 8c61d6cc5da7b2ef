//! Built-in functions: the global names, `builtins` and the slice of
//! `nixpkgs.lib` that homelab flakes use.
//!
//! One table below names every built-in, how many arguments it takes, the
//! family (file) that implements it, and where it is visible (`builtins.x`,
//! the global scope, `lib.x`, `lib.<namespace>.x`). The families are:
//! [`attrs`], [`lists`], [`strings`], [`regexes`], [`hashes`],
//! [`types_and_conversions`], [`json`], [`control`], [`arithmetic`],
//! [`paths_and_files`], [`packages`], [`lib_modules`] and [`flake_helpers`];
//! [`namespaces`] builds the sets, [`args`] reads arguments.

mod args;
mod arithmetic;
mod attrs;
mod control;
mod flake_helpers;
mod hashes;
mod json;
mod lib_modules;
mod lists;
mod namespaces;
mod packages;
mod paths_and_files;
mod regexes;
mod strings;
mod types_and_conversions;

use strata_core::Location;

use super::{Evaluator, ThunkId, UnknownKind, Value};

/// Which file implements a built-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Attrs,
    Lists,
    Strings,
    Regexes,
    Hashes,
    TypesAndConversions,
    Json,
    Control,
    Arithmetic,
    PathsAndFiles,
    Packages,
    LibModules,
    FlakeHelpers,
}

/// Where a built-in can be reached by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// `builtins.<name>`.
    Builtins,
    /// The global scope (`map`, `toString`, …).
    Global,
    /// `lib.<name>` (and `lib.strings.<name>`, … which are `lib` here).
    Lib,
    /// `lib.filesystem.<name>`.
    LibFilesystem,
    /// `lib.types.<name>`.
    LibTypes,
}

macro_rules! prims {
    ($( $(#[$meta:meta])* $variant:ident = ($name:literal, $arity:literal, $family:ident, [$($place:ident),*]), )*) => {
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

            pub(crate) fn family(self) -> Family {
                match self { $( Prim::$variant => Family::$family, )* }
            }

            pub(crate) fn places(self) -> &'static [Place] {
                match self { $( Prim::$variant => &[$(Place::$place),*], )* }
            }
        }
    };
}

prims! {
    // ----- paths and files
    /// `import path`.
    Import = ("import", 1, PathsAndFiles, [Builtins, Global]),
    /// `builtins.pathExists path`.
    PathExists = ("pathExists", 1, PathsAndFiles, [Builtins, Lib]),
    /// `baseNameOf x`.
    BaseNameOf = ("baseNameOf", 1, PathsAndFiles, [Builtins, Global, Lib]),
    /// `dirOf x`.
    DirOf = ("dirOf", 1, PathsAndFiles, [Builtins, Global, Lib]),
    /// `builtins.readDir path`: over the repository listing.
    ReadDir = ("readDir", 1, PathsAndFiles, [Builtins, Lib]),
    /// `builtins.readFile path` of a repository file.
    ReadFile = ("readFile", 1, PathsAndFiles, [Builtins, Lib]),

    // ----- attribute sets
    /// `builtins.mapAttrs f set`.
    MapAttrs = ("mapAttrs", 2, Attrs, [Builtins, Lib]),
    /// `builtins.attrNames set`.
    AttrNames = ("attrNames", 1, Attrs, [Builtins, Lib]),
    /// `builtins.attrValues set`.
    AttrValues = ("attrValues", 1, Attrs, [Builtins, Lib]),
    /// `builtins.listToAttrs list`.
    ListToAttrs = ("listToAttrs", 1, Attrs, [Builtins, Lib]),
    /// `builtins.hasAttr name set`.
    HasAttr = ("hasAttr", 2, Attrs, [Builtins, Lib]),
    /// `builtins.getAttr name set`.
    GetAttr = ("getAttr", 2, Attrs, [Builtins, Lib]),
    /// `removeAttrs set names`.
    RemoveAttrs = ("removeAttrs", 2, Attrs, [Builtins, Global, Lib]),
    /// `builtins.catAttrs name list`.
    CatAttrs = ("catAttrs", 2, Attrs, [Builtins, Lib]),
    /// `builtins.intersectAttrs a b`.
    IntersectAttrs = ("intersectAttrs", 2, Attrs, [Builtins, Lib]),
    /// `lib.genAttrs names f`.
    GenAttrs = ("genAttrs", 2, Attrs, [Lib]),
    /// `lib.nameValuePair name value`.
    NameValuePair = ("nameValuePair", 2, Attrs, [Lib]),
    /// `lib.optionalAttrs cond set`.
    OptionalAttrs = ("optionalAttrs", 2, Attrs, [Lib]),
    /// `lib.filterAttrs pred set`.
    FilterAttrs = ("filterAttrs", 2, Attrs, [Lib]),
    /// `lib.mapAttrsToList f set`.
    MapAttrsToList = ("mapAttrsToList", 2, Attrs, [Lib]),
    /// `lib.mapAttrs' f set` (`f` returns a `nameValuePair`).
    MapAttrsPrime = ("mapAttrs'", 2, Attrs, [Lib]),
    /// `lib.recursiveUpdate a b`.
    RecursiveUpdate = ("recursiveUpdate", 2, Attrs, [Lib]),
    /// `lib.attrByPath path default set`.
    AttrByPath = ("attrByPath", 3, Attrs, [Lib]),
    /// `lib.getAttrFromPath path set`.
    GetAttrFromPath = ("getAttrFromPath", 2, Attrs, [Lib]),

    // ----- lists
    /// `builtins.genList f n`.
    GenList = ("genList", 2, Lists, [Builtins, Lib]),
    /// `map f list`.
    Map = ("map", 2, Lists, [Builtins, Global, Lib]),
    /// `builtins.filter f list`.
    Filter = ("filter", 2, Lists, [Builtins, Lib]),
    /// `builtins.elem x list`.
    Elem = ("elem", 2, Lists, [Builtins, Lib]),
    /// `builtins.elemAt list n`.
    ElemAt = ("elemAt", 2, Lists, [Builtins, Lib]),
    /// `builtins.length list`.
    Length = ("length", 1, Lists, [Builtins, Lib]),
    /// `builtins.head list`.
    Head = ("head", 1, Lists, [Builtins, Lib]),
    /// `builtins.tail list`.
    Tail = ("tail", 1, Lists, [Builtins, Lib]),
    /// `builtins.concatLists lists`.
    ConcatLists = ("concatLists", 1, Lists, [Builtins, Lib]),
    /// `builtins.concatMap f list`.
    ConcatMap = ("concatMap", 2, Lists, [Builtins, Lib]),
    /// `builtins.foldl' op nul list`.
    Foldl = ("foldl'", 3, Lists, [Builtins, Lib]),
    /// `builtins.any f list`.
    Any = ("any", 2, Lists, [Builtins, Lib]),
    /// `builtins.all f list`.
    All = ("all", 2, Lists, [Builtins, Lib]),
    /// `lib.optional cond x`.
    Optional = ("optional", 2, Lists, [Lib]),
    /// `lib.optionals cond list`.
    Optionals = ("optionals", 2, Lists, [Lib]),
    /// `lib.flatten x`.
    Flatten = ("flatten", 1, Lists, [Lib]),
    /// `lib.unique list`.
    Unique = ("unique", 1, Lists, [Lib]),
    /// `lib.last list`.
    Last = ("last", 1, Lists, [Lib]),
    /// `lib.range first last`.
    Range = ("range", 2, Lists, [Lib]),
    /// `lib.foldl op nul list` (same result as `foldl'` here).
    FoldlLazy = ("foldl", 3, Lists, [Lib]),
    /// `lib.foldr op nul list`.
    Foldr = ("foldr", 3, Lists, [Lib]),

    // ----- strings
    /// `builtins.concatStringsSep sep list`.
    ConcatStringsSep = ("concatStringsSep", 2, Strings, [Builtins, Lib]),
    /// `builtins.replaceStrings from to s`.
    ReplaceStrings = ("replaceStrings", 3, Strings, [Builtins, Lib]),
    /// `builtins.stringLength s`.
    StringLength = ("stringLength", 1, Strings, [Builtins, Lib]),
    /// `builtins.substring start len s`.
    Substring = ("substring", 3, Strings, [Builtins, Lib]),
    /// `lib.optionalString cond s`.
    OptionalString = ("optionalString", 2, Strings, [Lib]),
    /// `lib.hasPrefix prefix s`.
    HasPrefix = ("hasPrefix", 2, Strings, [Lib]),
    /// `lib.hasSuffix suffix s`.
    HasSuffix = ("hasSuffix", 2, Strings, [Lib]),
    /// `lib.removePrefix prefix s`.
    RemovePrefix = ("removePrefix", 2, Strings, [Lib]),
    /// `lib.removeSuffix suffix s`.
    RemoveSuffix = ("removeSuffix", 2, Strings, [Lib]),
    /// `lib.concatStrings list`.
    ConcatStrings = ("concatStrings", 1, Strings, [Lib]),
    /// `lib.concatMapStringsSep sep f list`.
    ConcatMapStringsSep = ("concatMapStringsSep", 3, Strings, [Lib]),
    /// `lib.concatMapStrings f list`.
    ConcatMapStrings = ("concatMapStrings", 2, Strings, [Lib]),
    /// `lib.toLower s`.
    ToLower = ("toLower", 1, Strings, [Lib]),
    /// `lib.toUpper s`.
    ToUpper = ("toUpper", 1, Strings, [Lib]),
    /// `lib.splitString sep s`.
    SplitString = ("splitString", 2, Strings, [Lib]),

    // ----- types and conversions
    /// `toString x`.
    ToString = ("toString", 1, TypesAndConversions, [Builtins, Global, Lib]),
    /// `builtins.isAttrs x`.
    IsAttrs = ("isAttrs", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.isList x`.
    IsList = ("isList", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.isString x`.
    IsString = ("isString", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.isFunction x`.
    IsFunction = ("isFunction", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.isBool x`.
    IsBool = ("isBool", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.isInt x`.
    IsInt = ("isInt", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.isFloat x`.
    IsFloat = ("isFloat", 1, TypesAndConversions, [Builtins, Lib]),
    /// `isNull x`.
    IsNull = ("isNull", 1, TypesAndConversions, [Builtins, Global, Lib]),
    /// `builtins.isPath x`.
    IsPath = ("isPath", 1, TypesAndConversions, [Builtins, Lib]),
    /// `builtins.typeOf x`.
    TypeOf = ("typeOf", 1, TypesAndConversions, [Builtins, Lib]),

    // ----- JSON
    /// `builtins.fromJSON s`.
    FromJson = ("fromJSON", 1, Json, [Builtins, Lib]),

    // ----- control
    /// `throw msg`.
    Throw = ("throw", 1, Control, [Builtins, Global, Lib]),
    /// `abort msg`.
    Abort = ("abort", 1, Control, [Builtins, Global]),
    /// `builtins.trace msg x` (returns `x`).
    Trace = ("trace", 2, Control, [Builtins]),
    /// `builtins.seq a b` (returns `b`).
    Seq = ("seq", 2, Control, [Builtins]),
    /// `builtins.deepSeq a b` (returns `b`).
    DeepSeq = ("deepSeq", 2, Control, [Builtins]),
    /// `lib.id x`.
    Id = ("id", 1, Control, [Lib]),
    /// `lib.const x y` (returns `x`).
    Const = ("const", 2, Control, [Lib]),

    // ----- arithmetic
    /// `builtins.add a b`.
    Add = ("add", 2, Arithmetic, [Builtins]),
    /// `builtins.sub a b`.
    Sub = ("sub", 2, Arithmetic, [Builtins]),
    /// `builtins.mul a b`.
    Mul = ("mul", 2, Arithmetic, [Builtins]),
    /// `builtins.div a b`.
    Div = ("div", 2, Arithmetic, [Builtins]),
    /// `builtins.lessThan a b`.
    LessThan = ("lessThan", 2, Arithmetic, [Builtins]),

    // ----- the module system's properties
    /// `lib.mkIf cond x`.
    MkIf = ("mkIf", 2, LibModules, [Lib]),
    /// `lib.mkMerge list`.
    MkMerge = ("mkMerge", 1, LibModules, [Lib]),
    /// `lib.mkOverride priority x`.
    MkOverride = ("mkOverride", 2, LibModules, [Lib]),
    /// `lib.mkDefault x` (priority 1000).
    MkDefault = ("mkDefault", 1, LibModules, [Lib]),
    /// `lib.mkForce x` (priority 50).
    MkForce = ("mkForce", 1, LibModules, [Lib]),
    /// `lib.mkOptionDefault x` (priority 1500).
    MkOptionDefault = ("mkOptionDefault", 1, LibModules, [Lib]),
    /// `lib.mkOrder priority x`.
    MkOrder = ("mkOrder", 2, LibModules, [Lib]),
    /// `lib.mkBefore x` (order 500).
    MkBefore = ("mkBefore", 1, LibModules, [Lib]),
    /// `lib.mkAfter x` (order 1500).
    MkAfter = ("mkAfter", 1, LibModules, [Lib]),

    // ----- flake helpers
    /// `<nixpkgs>.lib.nixosSystem args`: kept as [`Value::NixosSystem`].
    NixosSystem = ("nixosSystem", 1, FlakeHelpers, [Lib]),
    /// `<colmena>.lib.makeHive hive`: kept as [`Value::Hive`].
    MakeHive = ("makeHive", 1, FlakeHelpers, [Lib]),
    /// flake-utils' `lib.eachSystem systems f`.
    EachSystem = ("eachSystem", 2, FlakeHelpers, [Lib]),
    /// flake-utils' `lib.eachDefaultSystem f`.
    EachDefaultSystem = ("eachDefaultSystem", 1, FlakeHelpers, [Lib]),
}

impl Evaluator<'_> {
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

    /// The dispatch: each family answers for its own built-ins. `Err` carries
    /// the value to return early (an unknown or a type error).
    fn call_prim_inner(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        if args.len() < prim.arity() {
            return Err(Value::unknown(
                UnknownKind::Error,
                format!("internal: `{}` called with too few arguments", prim.name()),
                loc.clone(),
            ));
        }
        match prim.family() {
            Family::Attrs => self.call_attrs(prim, args, loc),
            Family::Lists => self.call_lists(prim, args, loc),
            Family::Strings => self.call_strings(prim, args, loc),
            Family::Regexes => self.call_regexes(prim, args, loc),
            Family::Hashes => self.call_hashes(prim, args, loc),
            Family::TypesAndConversions => self.call_types_and_conversions(prim, args, loc),
            Family::Json => self.call_json(prim, args, loc),
            Family::Control => self.call_control(prim, args, loc),
            Family::Arithmetic => self.call_arithmetic(prim, args, loc),
            Family::PathsAndFiles => self.call_paths_and_files(prim, args, loc),
            Family::Packages => self.call_packages(prim, args, loc),
            Family::LibModules => self.call_lib_modules(prim, args, loc),
            Family::FlakeHelpers => self.call_flake_helpers(prim, args, loc),
        }
    }
}

/// What a family answers for a built-in of another family (a table error,
/// never reached): an unknown rather than a panic.
fn not_in_family(prim: Prim, loc: &Option<Location>) -> Value {
    Value::unknown(
        UnknownKind::Error,
        format!("internal: `{}` dispatched to the wrong family", prim.name()),
        loc.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_place() {
        for place in [
            Place::Builtins,
            Place::Global,
            Place::Lib,
            Place::LibFilesystem,
            Place::LibTypes,
        ] {
            let mut names: Vec<_> = Prim::ALL
                .iter()
                .filter(|p| p.places().contains(&place))
                .map(|p| p.name())
                .collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "{place:?}");
        }
    }
}
