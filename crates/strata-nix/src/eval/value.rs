//! The values of the static evaluator.

use std::rc::Rc;

use rnix::ast;
use strata_core::Location;

use super::ScopeId;
use super::attr_map::AttrMap;
use super::builtins::Prim;

/// A lazily evaluated value, owned by one [`Evaluator`](super::Evaluator);
/// force it with [`Evaluator::force`](super::Evaluator::force).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThunkId(pub(crate) u32);

/// A value in weak head normal form: its outer shape is known, its parts
/// (list items, attribute values) are [`ThunkId`]s still to be forced.
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (its Nix string context is not tracked).
    String(Rc<NixString>),
    /// A path.
    Path(Rc<NixPath>),
    /// A list.
    List(Rc<Vec<ThunkId>>),
    /// An attribute set.
    Attrs(Rc<Attrs>),
    /// A Nix function.
    Lambda(Rc<Closure>),
    /// A built-in function, possibly partially applied.
    Prim(Rc<PrimApp>),
    /// Something reached through a flake input (`nixpkgs.legacyPackages`,
    /// `sops-nix.nixosModules.sops`): opaque, but its access path is kept.
    Input(Rc<InputRef>),
    /// The result of `<input>.lib.nixosSystem args`: the call is kept so the
    /// host reader can take `modules`, `specialArgs` and `system` from it.
    NixosSystem(Rc<SystemCall>),
    /// The result of `<input>.lib.makeHive hive` (Colmena 0.5): the hive is kept.
    Hive(Rc<SystemCall>),
    /// The result of deploy-rs's `<input>.lib.<system>.activate.<kind> cfg`:
    /// the activated configuration is kept (a profile's `path`).
    Activation(Rc<SystemCall>),
    /// A value the static evaluator cannot know, and why.
    Unknown(Rc<Unknown>),
}

impl Value {
    /// The Nix type name (`builtins.typeOf`), or a description for the
    /// evaluator's own kinds.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::List(_) => "list",
            Value::Attrs(_) => "set",
            Value::Lambda(_) | Value::Prim(_) => "lambda",
            Value::Input(_) => "flake input value",
            Value::NixosSystem(_) => "NixOS system",
            Value::Hive(_) => "Colmena hive",
            Value::Activation(_) => "deploy-rs activation",
            Value::Unknown(_) => "unknown value",
        }
    }

    /// A fresh unknown value.
    pub fn unknown(
        kind: UnknownKind,
        reason: impl Into<String>,
        location: Option<Location>,
    ) -> Value {
        Value::Unknown(Rc::new(Unknown {
            kind,
            reason: reason.into(),
            location,
        }))
    }

    /// A string value.
    pub fn string(text: impl Into<String>, location: Option<Location>) -> Value {
        Value::String(Rc::new(NixString {
            text: text.into(),
            location,
        }))
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(&s.text),
            _ => None,
        }
    }

    /// The attribute set, if this is one.
    pub fn as_attrs(&self) -> Option<&Rc<Attrs>> {
        match self {
            Value::Attrs(a) => Some(a),
            _ => None,
        }
    }

    /// The unknown, if this is one.
    pub fn as_unknown(&self) -> Option<&Rc<Unknown>> {
        match self {
            Value::Unknown(u) => Some(u),
            _ => None,
        }
    }
}

/// A string and where its text was written (the literal, or the interpolated
/// string expression that built it).
///
/// Its `Debug` output never shows the text: strings may hold secrets
/// (a literal k3s `token`), and `Debug` output ends up in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct NixString {
    /// The text.
    pub text: String,
    /// Where the string was written, when the evaluator knows.
    pub location: Option<Location>,
}

impl std::fmt::Debug for NixString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NixString")
            .field("len", &self.text.len())
            .field("location", &self.location)
            .finish()
    }
}

/// A path value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NixPath {
    /// Repository-relative (`""` is the root) when `in_repo`; otherwise the
    /// absolute path as written.
    pub path: String,
    /// Whether the path lies inside the repository.
    pub in_repo: bool,
    /// Where the path was written.
    pub location: Option<Location>,
}

/// One attribute of a set.
#[derive(Clone, Debug)]
pub struct AttrEntry {
    /// The value.
    pub value: ThunkId,
    /// Where the attribute's name was written (kept through `//`,
    /// `mapAttrs`, `listToAttrs` so a host can point at its declaration).
    pub location: Option<Location>,
}

/// An attribute set.
#[derive(Clone, Debug, Default)]
pub struct Attrs {
    /// Attributes by name, sorted as Nix sorts them (byte order).
    pub entries: AttrMap,
    /// When set, the set is only partly known: a name missing from `entries`
    /// may still exist, so selecting it gives this unknown instead of an error.
    pub fallback: Option<Rc<Unknown>>,
}

impl Attrs {
    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&AttrEntry> {
        self.entries.get(name)
    }
}

/// A Nix function with its lexical environment.
#[derive(Clone)]
pub struct Closure {
    pub(crate) param: Option<ast::Param>,
    pub(crate) body: Option<ast::Expr>,
    pub(crate) scope: ScopeId,
    /// Where the function was written.
    pub location: Option<Location>,
}

impl std::fmt::Debug for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Closure")
            .field("location", &self.location)
            .finish()
    }
}

/// A built-in applied to some of its arguments.
#[derive(Clone, Debug)]
pub struct PrimApp {
    /// Which built-in.
    pub prim: Prim,
    /// The arguments given so far (fewer than its arity).
    pub args: Vec<ThunkId>,
}

/// A path into a flake input: `nixpkgs` + `["legacyPackages", "x86_64-linux"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRef {
    /// The input's name as the flake binds it.
    pub input: String,
    /// Attribute names selected from it.
    pub path: Vec<String>,
}

impl InputRef {
    /// `input.a.b` as written.
    pub fn display(&self) -> String {
        let mut s = self.input.clone();
        for p in &self.path {
            s.push('.');
            s.push_str(p);
        }
        s
    }
}

/// A recognised library call kept unevaluated (`nixosSystem`, `makeHive`).
#[derive(Clone, Debug)]
pub struct SystemCall {
    /// The argument of the call.
    pub args: ThunkId,
    /// Where the call was written.
    pub location: Option<Location>,
}

/// Why a value is not known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnknownKind {
    /// It comes from outside the repository (a flake input, `pkgs`, the store).
    Opaque,
    /// The static evaluator does not implement what computes it.
    Unsupported,
    /// Real Nix would fail here (missing attribute, type error, `throw`).
    Error,
    /// Evaluation stopped at a step, depth or recursion limit.
    Limit,
    /// No module defines this option (its default applies).
    Undefined,
}

/// A value the static evaluator cannot know.
///
/// **Invariant:** `reason` names attributes and paths, never string values,
/// so it is safe to print even when the value was a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// The category.
    pub kind: UnknownKind,
    /// One phrase saying why.
    pub reason: String,
    /// Where the evaluator met the cause.
    pub location: Option<Location>,
}
