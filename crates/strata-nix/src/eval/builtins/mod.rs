//! Built-in functions: the global names, `builtins` and the slice of
//! `nixpkgs.lib` that homelab flakes use.
//!
//! One table below names every built-in, how many arguments it takes, the
//! family (file) that implements it, and where it is visible (`builtins.x`,
//! the global scope, `lib.x`, `lib.<namespace>.x`). The families are:
//! [`attrs`], [`lists`], [`strings`], [`regexes`], [`hashes`],
//! [`types_and_conversions`], [`json`], [`control`], [`arithmetic`],
//! [`paths_and_files`], [`packages`], [`lib_modules`] (the module system's
//! properties; option declarations, `types` and `evalModules` are the
//! module system's own `lib`) and [`flake_helpers`];
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

#[cfg(test)]
mod tests;

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
    /// `builtins.readFileType path`: `regular` or `directory`.
    ReadFileType = ("readFileType", 1, PathsAndFiles, [Builtins]),
    /// `lib.fileContents path` (`readFile` less a final newline).
    FileContents = ("fileContents", 1, PathsAndFiles, [Lib]),
    /// `lib.filesystem.listFilesRecursive dir`.
    ListFilesRecursive = ("listFilesRecursive", 1, PathsAndFiles, [LibFilesystem]),
    /// `lib.filesystem.pathIsDirectory path`.
    PathIsDirectory = ("pathIsDirectory", 1, PathsAndFiles, [Lib, LibFilesystem]),
    /// `lib.filesystem.pathIsRegularFile path`.
    PathIsRegularFile = ("pathIsRegularFile", 1, PathsAndFiles, [Lib, LibFilesystem]),

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
    /// `lib.setAttrByPath path value`.
    SetAttrByPath = ("setAttrByPath", 2, Attrs, [Lib]),
    /// `lib.hasAttrByPath path set`.
    HasAttrByPath = ("hasAttrByPath", 2, Attrs, [Lib]),
    /// `lib.concatMapAttrs f set`: the sets `f name value` merged with `//`.
    ConcatMapAttrs = ("concatMapAttrs", 2, Attrs, [Lib]),
    /// `lib.mergeAttrs a b` (`a // b`).
    MergeAttrs = ("mergeAttrs", 2, Attrs, [Lib]),
    /// `lib.attrVals names set`.
    AttrVals = ("attrVals", 2, Attrs, [Lib]),
    /// `lib.getAttrs names set`.
    GetAttrs = ("getAttrs", 2, Attrs, [Lib]),
    /// `builtins.zipAttrsWith f sets`.
    ZipAttrsWith = ("zipAttrsWith", 2, Attrs, [Builtins, Lib]),
    /// `lib.zipAttrs sets` (`zipAttrsWith (n: v: v)`).
    ZipAttrs = ("zipAttrs", 1, Attrs, [Lib]),
    /// `lib.foldlAttrs f init set`.
    FoldlAttrs = ("foldlAttrs", 3, Attrs, [Lib]),
    /// `lib.mapAttrsRecursive f set`.
    MapAttrsRecursive = ("mapAttrsRecursive", 2, Attrs, [Lib]),
    /// `lib.filterAttrsRecursive pred set`.
    FilterAttrsRecursive = ("filterAttrsRecursive", 2, Attrs, [Lib]),
    /// `lib.attrsToList set`: `[ { name; value; } … ]`.
    AttrsToList = ("attrsToList", 1, Attrs, [Lib]),
    /// `lib.collect pred set`: the values, recursively, for which `pred` holds.
    Collect = ("collect", 2, Attrs, [Lib]),
    /// `lib.isDerivation x`.
    IsDerivation = ("isDerivation", 1, Attrs, [Lib]),

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
    /// `lib.fold` (an old name of `foldr`).
    Fold = ("fold", 3, Lists, [Lib]),
    /// `lib.concat a b` (`a ++ b`).
    Concat = ("concat", 2, Lists, [Lib]),
    /// `lib.singleton x`.
    Singleton = ("singleton", 1, Lists, [Lib]),
    /// `lib.toList x`: `x` if a list, else `[ x ]`.
    ToList = ("toList", 1, Lists, [Lib]),
    /// `lib.take n list`.
    Take = ("take", 2, Lists, [Lib]),
    /// `lib.drop n list`.
    Drop = ("drop", 2, Lists, [Lib]),
    /// `lib.sublist start count list`.
    Sublist = ("sublist", 3, Lists, [Lib]),
    /// `lib.init list` (all but the last).
    Init = ("init", 1, Lists, [Lib]),
    /// `lib.reverseList list`.
    ReverseList = ("reverseList", 1, Lists, [Lib]),
    /// `builtins.sort lessThan list` (stable).
    Sort = ("sort", 2, Lists, [Builtins, Lib]),
    /// `builtins.partition pred list`: `{ right; wrong; }`.
    Partition = ("partition", 2, Lists, [Builtins, Lib]),
    /// `builtins.groupBy f list`.
    GroupBy = ("groupBy", 2, Lists, [Builtins, Lib]),
    /// `lib.zipListsWith f a b`.
    ZipListsWith = ("zipListsWith", 3, Lists, [Lib]),
    /// `lib.zipLists a b`: `[ { fst; snd; } … ]`.
    ZipLists = ("zipLists", 2, Lists, [Lib]),
    /// `lib.findFirst pred default list`.
    FindFirst = ("findFirst", 3, Lists, [Lib]),
    /// `lib.findFirstIndex pred default list`.
    FindFirstIndex = ("findFirstIndex", 3, Lists, [Lib]),
    /// `lib.findSingle pred default multiple list`.
    FindSingle = ("findSingle", 4, Lists, [Lib]),
    /// `lib.imap0 f list` (`f index item`, from 0).
    Imap0 = ("imap0", 2, Lists, [Lib]),
    /// `lib.imap1 f list` (from 1).
    Imap1 = ("imap1", 2, Lists, [Lib]),
    /// `lib.forEach list f`.
    ForEach = ("forEach", 2, Lists, [Lib]),
    /// `lib.count pred list`.
    Count = ("count", 2, Lists, [Lib]),
    /// `lib.remove x list`.
    Remove = ("remove", 2, Lists, [Lib]),
    /// `lib.subtractLists e list`: `list` without the elements of `e`.
    SubtractLists = ("subtractLists", 2, Lists, [Lib]),
    /// `lib.intersectLists e list`: the elements of `list` also in `e`.
    IntersectLists = ("intersectLists", 2, Lists, [Lib]),
    /// `lib.replicate n x`.
    Replicate = ("replicate", 2, Lists, [Lib]),
    /// `lib.allUnique list`.
    AllUnique = ("allUnique", 1, Lists, [Lib]),
    /// `builtins.genericClosure { startSet; operator; }`.
    GenericClosure = ("genericClosure", 1, Lists, [Builtins]),
    /// `lib.intersperse sep list`.
    Intersperse = ("intersperse", 2, Lists, [Lib]),

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
    /// `lib.stringToCharacters s`.
    StringToCharacters = ("stringToCharacters", 1, Strings, [Lib]),
    /// `lib.stringAsChars f s`.
    StringAsChars = ("stringAsChars", 2, Strings, [Lib]),
    /// `lib.hasInfix infix s`.
    HasInfix = ("hasInfix", 2, Strings, [Lib]),
    /// `lib.trim s` (spaces, tabs, newlines at both ends).
    Trim = ("trim", 1, Strings, [Lib]),
    /// `lib.concatLines list` (each line ends with a newline).
    ConcatLines = ("concatLines", 1, Strings, [Lib]),
    /// `lib.concatImapStrings f list`.
    ConcatImapStrings = ("concatImapStrings", 2, Strings, [Lib]),
    /// `lib.concatImapStringsSep sep f list`.
    ConcatImapStringsSep = ("concatImapStringsSep", 3, Strings, [Lib]),
    /// `lib.replaceString from to s` (one pattern).
    ReplaceString = ("replaceString", 3, Strings, [Lib]),
    /// `lib.escapeShellArg s`.
    EscapeShellArg = ("escapeShellArg", 1, Strings, [Lib]),
    /// `lib.escapeShellArgs list`.
    EscapeShellArgs = ("escapeShellArgs", 1, Strings, [Lib]),
    /// `lib.escape chars s`: a backslash before each of `chars`.
    Escape = ("escape", 2, Strings, [Lib]),
    /// `lib.fixedWidthString width filler s`.
    FixedWidthString = ("fixedWidthString", 3, Strings, [Lib]),
    /// `lib.fixedWidthNumber width n`.
    FixedWidthNumber = ("fixedWidthNumber", 2, Strings, [Lib]),
    /// `lib.toInt s`.
    ToInt = ("toInt", 1, Strings, [Lib]),
    /// `builtins.compareVersions a b` (-1, 0, 1).
    CompareVersions = ("compareVersions", 2, Strings, [Builtins]),
    /// `builtins.splitVersion s`.
    SplitVersion = ("splitVersion", 1, Strings, [Builtins, Lib]),
    /// `lib.versionOlder a b`.
    VersionOlder = ("versionOlder", 2, Strings, [Lib]),
    /// `lib.versionAtLeast a b`.
    VersionAtLeast = ("versionAtLeast", 2, Strings, [Lib]),
    /// `builtins.parseDrvName s`: `{ name; version; }`.
    ParseDrvName = ("parseDrvName", 1, Strings, [Builtins]),
    /// `builtins.unsafeDiscardStringContext s` (context is not tracked).
    UnsafeDiscardStringContext = ("unsafeDiscardStringContext", 1, Strings, [Builtins]),
    /// `lib.stringAfter deps text` (activation script snippets).
    StringAfter = ("stringAfter", 2, Strings, [Lib]),
    /// `lib.escapeRegex s`: a backslash before each regex special character.
    EscapeRegex = ("escapeRegex", 1, Strings, [Lib]),
    /// `lib.escapeURL s`: percent-encodes all but unreserved characters.
    EscapeUrl = ("escapeURL", 1, Strings, [Lib]),
    /// `lib.escapeNixString s`: a Nix string literal.
    EscapeNixString = ("escapeNixString", 1, Strings, [Lib]),
    /// `lib.toHexString n`.
    ToHexString = ("toHexString", 1, Strings, [Lib]),
    /// `lib.makeSearchPath subDir paths`.
    MakeSearchPath = ("makeSearchPath", 2, Strings, [Lib]),

    // ----- regular expressions
    /// `builtins.match regex s`.
    Match = ("match", 2, Regexes, [Builtins]),
    /// `builtins.split regex s`.
    Split = ("split", 2, Regexes, [Builtins]),

    // ----- hashes
    /// `builtins.hashString type s`.
    HashString = ("hashString", 2, Hashes, [Builtins]),
    /// `builtins.hashFile type path` of a repository file.
    HashFile = ("hashFile", 2, Hashes, [Builtins]),

    // ----- packages (store paths: not known statically)
    /// `lib.getExe pkg`.
    GetExe = ("getExe", 1, Packages, [Lib]),
    /// `lib.getExe' pkg name`.
    GetExePrime = ("getExe'", 2, Packages, [Lib]),
    /// `lib.getBin pkg`.
    GetBin = ("getBin", 1, Packages, [Lib]),
    /// `lib.getLib pkg`.
    GetLib = ("getLib", 1, Packages, [Lib]),
    /// `lib.getDev pkg`.
    GetDev = ("getDev", 1, Packages, [Lib]),
    /// `lib.getMan pkg`.
    GetMan = ("getMan", 1, Packages, [Lib]),
    /// `lib.getOutput output pkg`.
    GetOutput = ("getOutput", 2, Packages, [Lib]),
    /// `lib.makeBinPath pkgs`.
    MakeBinPath = ("makeBinPath", 1, Packages, [Lib]),
    /// `lib.makeLibraryPath pkgs`.
    MakeLibraryPath = ("makeLibraryPath", 1, Packages, [Lib]),
    /// `lib.getName x` (a package or a `name-version` string).
    GetName = ("getName", 1, Packages, [Lib]),
    /// `lib.getVersion x`.
    GetVersion = ("getVersion", 1, Packages, [Lib]),
    /// `lib.lowPrio pkg`.
    LowPrio = ("lowPrio", 1, Packages, [Lib]),
    /// `lib.hiPrio pkg`.
    HiPrio = ("hiPrio", 1, Packages, [Lib]),

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
    /// `lib.boolToString b`.
    BoolToString = ("boolToString", 1, TypesAndConversions, [Lib]),
    /// `builtins.functionArgs f`: formal name → has a default.
    FunctionArgs = ("functionArgs", 1, TypesAndConversions, [Builtins, Lib]),
    /// `lib.isStringLike x`: a string, a path, or a set with `outPath`/`__toString`.
    IsStringLike = ("isStringLike", 1, TypesAndConversions, [Lib]),

    // ----- JSON
    /// `builtins.fromJSON s`.
    FromJson = ("fromJSON", 1, Json, [Builtins, Lib]),
    /// `builtins.toJSON x`.
    ToJson = ("toJSON", 1, Json, [Builtins, Lib]),
    /// `lib.importJSON path`.
    ImportJson = ("importJSON", 1, Json, [Lib]),
    /// `builtins.fromTOML s`.
    FromToml = ("fromTOML", 1, Json, [Builtins]),
    /// `lib.importTOML path`.
    ImportToml = ("importTOML", 1, Json, [Lib]),

    // ----- control
    /// `throw msg`.
    Throw = ("throw", 1, Control, [Builtins, Global, Lib]),
    /// `abort msg`.
    Abort = ("abort", 1, Control, [Builtins, Global]),
    /// `builtins.trace msg x` (returns `x`).
    Trace = ("trace", 2, Control, [Builtins]),
    /// `builtins.traceVerbose msg x` (returns `x`).
    TraceVerbose = ("traceVerbose", 2, Control, [Builtins]),
    /// `builtins.break x` (the debugger's breakpoint; returns `x`).
    Break = ("break", 1, Control, [Builtins]),
    /// `builtins.seq a b` (returns `b`).
    Seq = ("seq", 2, Control, [Builtins]),
    /// `builtins.deepSeq a b` (returns `b`).
    DeepSeq = ("deepSeq", 2, Control, [Builtins]),
    /// `lib.id x`.
    Id = ("id", 1, Control, [Lib]),
    /// `lib.const x y` (returns `x`).
    Const = ("const", 2, Control, [Lib]),
    /// `builtins.tryEval x`: `{ success; value; }`, catching `throw` and `assert`.
    TryEval = ("tryEval", 1, Control, [Builtins]),
    /// `builtins.getEnv name`: `""` under pure evaluation (flakes).
    GetEnv = ("getEnv", 1, Control, [Builtins]),
    /// `lib.pipe x fs`.
    Pipe = ("pipe", 2, Control, [Lib]),
    /// `lib.flip f a b`.
    Flip = ("flip", 3, Control, [Lib]),
    /// `lib.mapNullable f x`: `null` stays `null`.
    MapNullable = ("mapNullable", 2, Control, [Lib]),
    /// `lib.fix f`.
    Fix = ("fix", 1, Control, [Lib]),
    /// `lib.warn msg x` (returns `x`).
    Warn = ("warn", 2, Control, [Builtins, Lib]),
    /// `lib.warnIf cond msg x` (returns `x`).
    WarnIf = ("warnIf", 3, Control, [Lib]),
    /// `lib.throwIf cond msg x`.
    ThrowIf = ("throwIf", 3, Control, [Lib]),
    /// `lib.throwIfNot cond msg x`.
    ThrowIfNot = ("throwIfNot", 3, Control, [Lib]),
    /// `lib.assertMsg cond msg`.
    AssertMsg = ("assertMsg", 2, Control, [Lib]),
    /// `builtins.addErrorContext ctx x` (returns `x`).
    AddErrorContext = ("addErrorContext", 2, Control, [Builtins]),

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
    /// `lib.min a b`.
    Min = ("min", 2, Arithmetic, [Lib]),
    /// `lib.max a b`.
    Max = ("max", 2, Arithmetic, [Lib]),
    /// `lib.mod a b`.
    Mod = ("mod", 2, Arithmetic, [Lib]),
    /// `builtins.bitAnd a b`.
    BitAnd = ("bitAnd", 2, Arithmetic, [Builtins, Lib]),
    /// `builtins.bitOr a b`.
    BitOr = ("bitOr", 2, Arithmetic, [Builtins, Lib]),
    /// `builtins.bitXor a b`.
    BitXor = ("bitXor", 2, Arithmetic, [Builtins, Lib]),
    /// `lib.bitNot n`.
    BitNot = ("bitNot", 1, Arithmetic, [Lib]),
    /// `lib.and a b`.
    And = ("and", 2, Arithmetic, [Lib]),
    /// `lib.or a b`.
    Or = ("or", 2, Arithmetic, [Lib]),
    /// `lib.xor a b`.
    Xor = ("xor", 2, Arithmetic, [Lib]),
    /// `builtins.ceil x`.
    Ceil = ("ceil", 1, Arithmetic, [Builtins]),
    /// `builtins.floor x`.
    Floor = ("floor", 1, Arithmetic, [Builtins]),

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
    /// `lib.mkImageMediaOverride x` (priority 60).
    MkImageMediaOverride = ("mkImageMediaOverride", 1, LibModules, [Lib]),
    /// `lib.mkVMOverride x` (priority 10).
    MkVmOverride = ("mkVMOverride", 1, LibModules, [Lib]),

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
            Ok(v) | Err(v) => self.charge_fresh(v, &loc),
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
