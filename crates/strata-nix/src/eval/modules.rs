//! The module system, enough to know facts: collects a host's modules
//! (following `imports`), calls them with the module arguments, and merges
//! their definitions into one lazy `config`, the way nixpkgs'
//! `lib.evalModules` does:
//!
//! - option declarations (`options`) give defaults (`mkOption { default }`,
//!   `mkEnableOption` → false) at `mkOptionDefault` priority 1500, and types
//!   whose shape matters: `submodule`, `attrsOf`/`listOf`/`nullOr` of one;
//! - sets merge recursively, lists concatenate, other values take the
//!   definition with the highest priority (`mkDefault` 1000, plain 100,
//!   `mkForce` 50), the first one on a tie;
//! - `mkIf` conditions are pushed down into sets and evaluated at the
//!   declared option (as nixpkgs does) or, for options declared outside the
//!   repository, at the leaves, so `config = mkIf config.x.enable { … }`
//!   does not recurse;
//! - `mkMerge`, `mkOverride`, `mkOrder`/`mkBefore`/`mkAfter` are honoured;
//! - an unknown definition of a set stays unknown: names no known definition
//!   gives read as that unknown, never as "not defined".
//!
//! An option declared outside the repository (in nixpkgs) that no module
//! defines is "unset" here (the set's fallback has kind
//! [`UnknownKind::Undefined`]); reading it from module code gives an unknown.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use strata_core::Location;

use super::{
    AttrEntry, Attrs, Deferred, Evaluator, SystemCall, ThunkId, Unknown, UnknownKind, Value,
};

/// Plain definitions have this priority (nixpkgs' `defaultOverridePriority`).
const PRIORITY_PLAIN: i64 = 100;
/// An option's `default` has this priority (nixpkgs' `mkOptionDefault`).
const PRIORITY_OPTION_DEFAULT: i64 = 1500;
/// Definitions without `mkOrder` sort at 1000 (nixpkgs' `defaultOrderPriority`).
const ORDER_PLAIN: i64 = 1000;
/// More modules than this for one host means something is looping.
const MAX_MODULES: usize = 2000;

/// Attributes of a module that are module-system keywords, not configuration.
const MODULE_KEYWORDS: &[&str] = &[
    "imports",
    "options",
    "config",
    "_file",
    "key",
    "disabledModules",
    "freeformType",
    "_class",
    "meta",
];

/// One definition of an option (or of a set of options).
#[derive(Clone, Debug)]
pub(crate) struct Def {
    value: ThunkId,
    priority: i64,
    order: i64,
    conds: Rc<Vec<ThunkId>>,
}

impl Def {
    fn plain(value: ThunkId) -> Self {
        Def {
            value,
            priority: PRIORITY_PLAIN,
            order: ORDER_PLAIN,
            conds: Rc::new(Vec::new()),
        }
    }
}

/// A node of the merged configuration: every definition made at one path,
/// and every declaration of the options under it.
#[derive(Debug)]
pub(crate) struct MergeNode {
    defs: Vec<Def>,
    /// Option declaration trees at this path (`options.a.b = …` puts its
    /// value at `a.b`).
    decls: Vec<ThunkId>,
    path: String,
}

/// One value of a submodule-typed option: the submodule's modules merged
/// with the definitions made for this value.
#[derive(Debug)]
pub(crate) struct SubmoduleNode {
    modules: Vec<ThunkId>,
    defs: Vec<Def>,
    /// The attribute name for `attrsOf (submodule …)` (the `name` argument).
    name: Option<String>,
    path: String,
}

/// A module that could not be read (a flake input's module, a path into
/// nixpkgs, a value the evaluator does not know).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct OpaqueModule {
    /// Why it could not be read.
    pub reason: String,
    /// Where it was referenced.
    pub location: Option<Location>,
}

/// The modules of one host, merged.
pub(crate) struct ModuleSet {
    /// The merged `config`.
    pub config: ThunkId,
    /// Repository files read as modules, sorted.
    pub files: BTreeSet<String>,
    /// Modules that could not be read.
    pub opaque: Vec<OpaqueModule>,
    /// Module paths naming nothing: (message, where).
    pub missing: Vec<(String, Option<Location>)>,
    /// Modules of the repository's own code that could not be evaluated
    /// (not inputs, not nixpkgs): they may define anything, so what no read
    /// module defines is unknown, not unset. Their reasons.
    pub unread: Vec<String>,
}

/// What collecting a list of modules gives.
#[derive(Default)]
struct Collected {
    defs: Vec<Def>,
    decls: Vec<ThunkId>,
    files: BTreeSet<String>,
    opaque: Vec<OpaqueModule>,
    missing: Vec<(String, Option<Location>)>,
    unread: Vec<String>,
}

struct Piece {
    value: Value,
    priority: i64,
    order: i64,
    conds: Rc<Vec<ThunkId>>,
}

/// The part of an option's type that decides how its definitions merge.
enum Shape {
    Plain,
    Submodule(Vec<ThunkId>),
    AttrsOf(Box<Shape>),
    ListOf(Box<Shape>),
    NullOr(Box<Shape>),
}

impl Evaluator<'_> {
    fn unknown_thunk(&mut self, kind: UnknownKind, reason: &str) -> ThunkId {
        self.done(Value::unknown(kind, reason, None))
    }

    /// Evaluates a host's modules: `modules` are module values (paths,
    /// functions, sets, lists are not flattened here), `special_args` sets
    /// merged left to right over the standard module arguments.
    pub(crate) fn eval_modules(
        &mut self,
        modules: &[ThunkId],
        special_args: &[ThunkId],
        host: &str,
        host_location: Option<Location>,
    ) -> ModuleSet {
        let config = self.alloc(Deferred::NotReady(
            "`config` is read while the module list is still being collected (as in `imports`)"
                .to_string(),
        ));
        self.eval_modules_into(config, modules, special_args, Some(host), host_location)
    }

    fn eval_modules_into(
        &mut self,
        config: ThunkId,
        modules: &[ThunkId],
        special_args: &[ThunkId],
        host: Option<&str>,
        host_location: Option<Location>,
    ) -> ModuleSet {
        let args = self.module_args(config, special_args, host, host_location);
        let mut got = Collected::default();
        self.collect_modules(modules, args, host.unwrap_or("(unnamed)"), &mut got);
        let node = MergeNode {
            defs: got.defs,
            decls: got.decls,
            path: String::new(),
        };
        self.set_pending(config, Deferred::Merge(Rc::new(node)));
        ModuleSet {
            config,
            files: got.files,
            opaque: got.opaque,
            missing: got.missing,
            unread: got.unread,
        }
    }

    /// The merged `config` of a `nixosSystem` or `evalModules` call (for
    /// `self.nixosConfigurations.X.config…` and `(evalModules …).config`),
    /// evaluated once per call.
    pub(crate) fn system_config(&mut self, call: &Rc<SystemCall>) -> ThunkId {
        if let Some((_, t)) = self
            .system_configs
            .iter()
            .find(|(c, _)| Rc::ptr_eq(c, call))
        {
            return *t;
        }
        let config = self.alloc(Deferred::NotReady(
            "`config` is read while the module list is still being collected (as in `imports`)"
                .to_string(),
        ));
        self.system_configs.push((Rc::clone(call), config));
        let (modules, special_args) = match self.force(call.args) {
            Value::Attrs(a) => {
                let modules = match a.get("modules").map(|e| e.value) {
                    Some(m) => match self.force(m) {
                        Value::List(items) => items.to_vec(),
                        other @ Value::Unknown(_) => {
                            self.set_done(config, other);
                            return config;
                        }
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                (modules, a.get("specialArgs").map(|e| e.value))
            }
            other => {
                let v = match other {
                    u @ Value::Unknown(_) => u,
                    other => Value::unknown(
                        UnknownKind::Error,
                        format!("the module system's argument is a {}", other.type_name()),
                        call.location.clone(),
                    ),
                };
                self.set_done(config, v);
                return config;
            }
        };
        let special: Vec<ThunkId> = special_args.into_iter().collect();
        self.eval_modules_into(config, &modules, &special, None, call.location.clone());
        config
    }

    /// Walks modules depth-first, each before its imports (nixpkgs' order),
    /// collecting their definitions and declarations.
    fn collect_modules(
        &mut self,
        modules: &[ThunkId],
        args: ThunkId,
        host: &str,
        got: &mut Collected,
    ) {
        let mut stack: Vec<ThunkId> = modules.iter().rev().copied().collect();
        let mut count = 0;
        while let Some(module) = stack.pop() {
            count += 1;
            if count > MAX_MODULES || !self.tick() {
                let v = self.limit(
                    &format!("more than {MAX_MODULES} modules for host `{host}`"),
                    None,
                );
                if let Value::Unknown(u) = v {
                    got.opaque.push(OpaqueModule {
                        reason: u.reason.clone(),
                        location: None,
                    });
                }
                break;
            }
            let value = self.force(module);
            let value = match value {
                Value::Path(p) if p.in_repo => match self.resolve_file(&p.path) {
                    Ok(file) => {
                        if !got.files.insert(file.clone()) {
                            continue; // nixpkgs imports a file once per configuration
                        }
                        self.import_file(&file, p.location.clone())
                    }
                    // Excluded on purpose in strata.toml: there, just not read.
                    Err(_) if self.is_excluded(&p.path) => continue,
                    Err(why) => {
                        got.missing.push((why, p.location.clone()));
                        continue;
                    }
                },
                other => other,
            };
            let value = match value {
                f @ (Value::Lambda(_) | Value::Prim(_)) => self.apply(f, args, None),
                other => other,
            };
            match value {
                Value::Attrs(a) => {
                    if let Some(imports) = a.get("imports").map(|e| e.value) {
                        match self.force(imports) {
                            Value::List(items) => stack.extend(items.iter().rev().copied()),
                            Value::Unknown(u) => {
                                if u.kind != UnknownKind::Opaque {
                                    got.unread.push(u.reason.clone());
                                }
                                got.opaque.push(OpaqueModule {
                                    reason: format!("`imports` not known statically: {}", u.reason),
                                    location: u.location.clone(),
                                })
                            }
                            other => got.opaque.push(OpaqueModule {
                                reason: format!("`imports` is a {}, not a list", other.type_name()),
                                location: a.get("imports").and_then(|e| e.location.clone()),
                            }),
                        }
                    }
                    let full_form =
                        a.entries.contains_key("config") || a.entries.contains_key("options");
                    if let Some(options) = a.get("options") {
                        got.decls.push(options.value);
                    }
                    let def = if full_form {
                        a.get("config").map(|e| e.value)
                    } else {
                        let entries: super::AttrMap = a
                            .entries
                            .iter()
                            .filter(|(k, _)| !MODULE_KEYWORDS.contains(&k.as_str()))
                            .map(|(k, e)| (k.clone(), e.clone()))
                            .collect();
                        Some(self.done(Value::Attrs(Rc::new(Attrs {
                            entries,
                            fallback: None,
                        }))))
                    };
                    got.defs.extend(def.map(Def::plain));
                }
                // A list of modules where one module is expected.
                Value::List(items) => stack.extend(items.iter().rev().copied()),
                Value::Input(i) => got.opaque.push(OpaqueModule {
                    reason: format!(
                        "`{}` is a module of flake input `{}`; strata does not read inputs",
                        i.display(),
                        i.input
                    ),
                    location: None,
                }),
                Value::Unknown(u) => {
                    if u.kind != UnknownKind::Opaque {
                        got.unread.push(u.reason.clone());
                    }
                    got.opaque.push(OpaqueModule {
                        reason: u.reason.clone(),
                        location: u.location.clone(),
                    })
                }
                other => got.opaque.push(OpaqueModule {
                    reason: format!(
                        "a module must be a set, a function or a path, not a {}",
                        other.type_name()
                    ),
                    location: None,
                }),
            }
        }
    }

    /// `{ config, lib, pkgs, options, modulesPath, name, nodes } // specialArgs…`.
    fn module_args(
        &mut self,
        config: ThunkId,
        special_args: &[ThunkId],
        host: Option<&str>,
        host_location: Option<Location>,
    ) -> ThunkId {
        let mut entries = BTreeMap::new();
        let put = |k: &str, value: ThunkId, entries: &mut BTreeMap<String, AttrEntry>| {
            entries.insert(
                k.to_string(),
                AttrEntry {
                    value,
                    location: None,
                },
            );
        };
        put("config", config, &mut entries);
        let lib = self.full_lib();
        let lib = self.done(lib);
        put("lib", lib, &mut entries);
        let pkgs = self.unknown_thunk(
            UnknownKind::Opaque,
            "`pkgs` (the nixpkgs package set) is not evaluated statically",
        );
        put("pkgs", pkgs, &mut entries);
        let options = self.unknown_thunk(
            UnknownKind::Unsupported,
            "the `options` module argument is not read statically",
        );
        put("options", options, &mut entries);
        let modules_path = self.unknown_thunk(
            UnknownKind::Opaque,
            "`modulesPath` points into nixpkgs, which is not read statically",
        );
        put("modulesPath", modules_path, &mut entries);
        // `name` points at the host's declaration, so facts copied from it
        // (`networking.hostName = name;`) have a location.
        let name = match host {
            Some(host) => self.done(Value::string(host, host_location)),
            None => self.unknown_thunk(
                UnknownKind::Unsupported,
                "`name` is only given to a host's modules",
            ),
        };
        put("name", name, &mut entries);
        let nodes = self.unknown_thunk(
            UnknownKind::Unsupported,
            "`nodes` (other hosts' configurations) is not evaluated statically",
        );
        put("nodes", nodes, &mut entries);
        for extra in special_args {
            if let Value::Attrs(a) = self.force(*extra) {
                for (k, e) in &a.entries {
                    entries.insert(k.clone(), e.clone());
                }
            }
        }
        let fallback = Some(Rc::new(Unknown {
            kind: UnknownKind::Unsupported,
            reason: "not a module argument strata passes (`_module.args` is not read)".to_string(),
            location: None,
        }));
        self.done(Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback,
        })))
    }

    /// Forces one merged configuration node.
    pub(crate) fn merge(&mut self, node: &MergeNode) -> Value {
        let mut option = None;
        let mut decl_sets = Vec::new();
        for d in &node.decls {
            if let Value::Attrs(a) = self.force(*d) {
                if self.is_typed(&a, "option") {
                    option.get_or_insert(a);
                } else {
                    decl_sets.push(a);
                }
            }
        }
        if let Some(option) = option {
            return self.merge_option(node, &option);
        }
        let pieces = self.pieces(&node.defs);
        self.merge_pieces(pieces, &decl_sets, &node.path, false)
    }

    fn is_typed(&mut self, a: &Attrs, ty: &str) -> bool {
        match a.get("_type").map(|e| e.value) {
            Some(t) => self.force(t).as_str() == Some(ty),
            None => false,
        }
    }

    fn pieces(&mut self, defs: &[Def]) -> Vec<Piece> {
        let mut pieces = Vec::new();
        for def in defs {
            self.discharge(
                def.value,
                def.priority,
                def.order,
                Rc::clone(&def.conds),
                &mut pieces,
                0,
            );
        }
        pieces
    }

    /// Merges discharged definitions: sets by name (declarations included),
    /// anything else by priority. `complete` says the set's names are all
    /// known (a declared option), so a missing name is absent, not unset.
    fn merge_pieces(
        &mut self,
        pieces: Vec<Piece>,
        decl_sets: &[Rc<Attrs>],
        path: &str,
        complete: bool,
    ) -> Value {
        if !decl_sets.is_empty() || pieces.iter().any(|p| matches!(p.value, Value::Attrs(_))) {
            type Child = (Vec<Def>, Vec<ThunkId>, Option<Location>);
            let mut children: BTreeMap<String, Child> = BTreeMap::new();
            let mut unknown: Option<Rc<Unknown>> = None;
            for piece in &pieces {
                match &piece.value {
                    Value::Attrs(a) => {
                        for (k, e) in &a.entries {
                            // Most names repeat across definitions: copy a
                            // name only the first time it is seen.
                            let slot = match children.get_mut(k.as_str()) {
                                Some(slot) => slot,
                                None => children.entry(k.clone()).or_insert_with(|| {
                                    (Vec::new(), Vec::new(), e.location.clone())
                                }),
                            };
                            if slot.2.is_none() {
                                slot.2 = e.location.clone();
                            }
                            slot.0.push(Def {
                                value: e.value,
                                priority: piece.priority,
                                order: piece.order,
                                conds: Rc::clone(&piece.conds),
                            });
                        }
                        if let Some(f) = &a.fallback
                            && f.kind != UnknownKind::Undefined
                            && unknown.is_none()
                        {
                            unknown = Some(Rc::clone(f));
                        }
                    }
                    // An unknown definition of a set may define any name:
                    // those no known definition gives read as unknown. Its
                    // conditions are not forced here (they usually read this
                    // very set: `config = mkIf cfg.enable …`); one already
                    // known to be false drops it.
                    Value::Unknown(u) if unknown.is_none() => {
                        let dropped = piece
                            .conds
                            .iter()
                            .any(|c| matches!(self.forced(*c), Some(Value::Bool(false))));
                        if !dropped {
                            unknown = Some(Rc::clone(u));
                        }
                    }
                    _ => {}
                }
            }
            for set in decl_sets {
                for (k, e) in &set.entries {
                    let slot = match children.get_mut(k.as_str()) {
                        Some(slot) => slot,
                        None => children
                            .entry(k.clone())
                            .or_insert_with(|| (Vec::new(), Vec::new(), e.location.clone())),
                    };
                    slot.1.push(e.value);
                }
            }
            let mut entries = Vec::with_capacity(children.len());
            for (k, (defs, decls, location)) in children {
                let path = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let value = self.alloc(Deferred::Merge(Rc::new(MergeNode { defs, decls, path })));
                entries.push((k, AttrEntry { value, location }));
            }
            let entries = super::AttrMap::from_sorted(entries);
            let fallback = match unknown {
                Some(u) if u.kind == UnknownKind::Undefined => Some(Rc::new(Unknown {
                    kind: UnknownKind::Opaque,
                    ..(*u).clone()
                })),
                Some(u) => Some(u),
                None if complete => None,
                None => {
                    let reason = if path.is_empty() {
                        "not defined by any module strata reads (its value is an option default or comes from a module it cannot read)".to_string()
                    } else {
                        format!(
                            "not defined under `{path}` by any module strata reads (its value is an option default or comes from a module it cannot read)"
                        )
                    };
                    Some(Rc::new(Unknown {
                        kind: UnknownKind::Undefined,
                        reason,
                        location: None,
                    }))
                }
            };
            return Value::Attrs(Rc::new(Attrs { entries, fallback }));
        }
        let mut kept = Vec::new();
        for piece in pieces {
            match self.conditions_hold(&piece.conds) {
                Ok(true) => kept.push(piece),
                Ok(false) => {}
                Err(u) => kept.push(Piece {
                    value: Value::Unknown(u),
                    ..piece
                }),
            }
        }
        let Some(best) = kept.iter().map(|p| p.priority).min() else {
            return Value::unknown(
                UnknownKind::Undefined,
                format!("no module defines `{path}`"),
                None,
            );
        };
        kept.retain(|p| p.priority == best);
        if kept.iter().any(|p| matches!(p.value, Value::List(_))) {
            kept.sort_by_key(|p| p.order);
            let mut items = Vec::new();
            for piece in kept {
                match piece.value {
                    Value::List(l) => items.extend(l.iter().copied()),
                    // An unknown definition of a list option adds unknown items.
                    u @ Value::Unknown(_) => items.push(self.done(u)),
                    _ => {}
                }
            }
            return Value::List(Rc::new(items));
        }
        kept.into_iter()
            .next()
            .map(|p| p.value)
            .unwrap_or(Value::Null)
    }

    /// Merges the definitions of a declared option: its default joins them
    /// at priority 1500, conditions are decided here, only the highest
    /// priority stays, and the type's shape says how the rest merge.
    fn merge_option(&mut self, node: &MergeNode, option: &Attrs) -> Value {
        let mut defs = node.defs.clone();
        if let Some(default) = option.get("default") {
            defs.push(Def {
                value: default.value,
                priority: PRIORITY_OPTION_DEFAULT,
                order: ORDER_PLAIN,
                conds: Rc::new(Vec::new()),
            });
        }
        let mut kept = Vec::new();
        for piece in self.pieces(&defs) {
            let conds = Rc::new(Vec::new());
            match self.conditions_hold(&piece.conds) {
                Ok(true) => kept.push(Piece { conds, ..piece }),
                Ok(false) => {}
                Err(u) => kept.push(Piece {
                    value: Value::Unknown(u),
                    conds,
                    ..piece
                }),
            }
        }
        let Some(best) = kept.iter().map(|p| p.priority).min() else {
            return Value::unknown(
                UnknownKind::Error,
                format!(
                    "the option `{}` is used but not defined, and its declaration has no default",
                    node.path
                ),
                None,
            );
        };
        kept.retain(|p| p.priority == best);
        let shape = match option.get("type").map(|e| e.value) {
            Some(t) => self.shape(t, 0),
            None => Shape::Plain,
        };
        self.merge_shaped(kept, &shape, &node.path)
    }

    fn merge_shaped(&mut self, kept: Vec<Piece>, shape: &Shape, path: &str) -> Value {
        match shape {
            Shape::Plain => self.merge_pieces(kept, &[], path, true),
            Shape::NullOr(inner) => {
                if kept.iter().all(|p| matches!(p.value, Value::Null)) {
                    Value::Null
                } else {
                    let kept = kept
                        .into_iter()
                        .filter(|p| !matches!(p.value, Value::Null))
                        .collect();
                    self.merge_shaped(kept, inner, path)
                }
            }
            Shape::Submodule(modules) => {
                if let Some(u) = kept.iter().find_map(|p| p.value.as_unknown()) {
                    return Value::Unknown(Rc::clone(u));
                }
                let defs = kept.into_iter().map(|p| self.piece_def(p)).collect();
                self.eval_submodule(&SubmoduleNode {
                    modules: modules.clone(),
                    defs,
                    name: None,
                    path: path.to_string(),
                })
            }
            Shape::AttrsOf(inner) => {
                let Shape::Submodule(modules) = &**inner else {
                    return self.merge_pieces(kept, &[], path, true);
                };
                let mut per_name: BTreeMap<String, (Vec<Def>, Option<Location>)> = BTreeMap::new();
                let mut fallback = None;
                for piece in kept {
                    match piece.value {
                        Value::Attrs(a) => {
                            for (k, e) in &a.entries {
                                let slot = per_name
                                    .entry(k.clone())
                                    .or_insert_with(|| (Vec::new(), e.location.clone()));
                                slot.0.push(Def::plain(e.value));
                            }
                            if fallback.is_none() {
                                fallback = a.fallback.clone();
                            }
                        }
                        Value::Unknown(u) => fallback = fallback.or(Some(u)),
                        _ => {}
                    }
                }
                let mut entries = BTreeMap::new();
                for (name, (defs, location)) in per_name {
                    let value = self.alloc(Deferred::Submodule(Rc::new(SubmoduleNode {
                        modules: modules.clone(),
                        defs,
                        name: Some(name.clone()),
                        path: format!("{path}.{name}"),
                    })));
                    entries.insert(name, AttrEntry { value, location });
                }
                Value::Attrs(Rc::new(Attrs {
                    entries: entries.into(),
                    fallback,
                }))
            }
            Shape::ListOf(inner) => {
                let Shape::Submodule(modules) = &**inner else {
                    return self.merge_pieces(kept, &[], path, true);
                };
                let mut kept = kept;
                kept.sort_by_key(|p| p.order);
                let mut items = Vec::new();
                for piece in kept {
                    match piece.value {
                        Value::List(l) => {
                            for item in l.iter() {
                                let t = self.alloc(Deferred::Submodule(Rc::new(SubmoduleNode {
                                    modules: modules.clone(),
                                    defs: vec![Def::plain(*item)],
                                    name: None,
                                    path: format!("{path}.*"),
                                })));
                                items.push(t);
                            }
                        }
                        u @ Value::Unknown(_) => items.push(self.done(u)),
                        _ => {}
                    }
                }
                Value::List(Rc::new(items))
            }
        }
    }

    fn piece_def(&mut self, piece: Piece) -> Def {
        Def {
            value: self.done(piece.value),
            priority: PRIORITY_PLAIN,
            order: piece.order,
            conds: Rc::new(Vec::new()),
        }
    }

    /// The merge-relevant shape of an option type (`types.submodule …`,
    /// `attrsOf`, `listOf`, `nullOr` as `module_lib.nix` builds them).
    fn shape(&mut self, t: ThunkId, depth: u32) -> Shape {
        let Value::Attrs(a) = self.force(t) else {
            return Shape::Plain;
        };
        if depth > 8 || !self.is_typed(&a, "option-type") {
            return Shape::Plain;
        }
        let name = match a.get("name").map(|e| e.value) {
            Some(n) => self.force(n).as_str().map(str::to_string),
            None => None,
        };
        let elem = a.get("elemType").map(|e| e.value);
        match (name.as_deref(), elem) {
            (Some("submodule"), _) => match a.get("modules").map(|e| self.force(e.value)) {
                Some(Value::List(items)) => Shape::Submodule(items.to_vec()),
                _ => Shape::Plain,
            },
            (Some("attrsOf"), Some(e)) => Shape::AttrsOf(Box::new(self.shape(e, depth + 1))),
            (Some("listOf"), Some(e)) => Shape::ListOf(Box::new(self.shape(e, depth + 1))),
            (Some("nullOr"), Some(e)) => Shape::NullOr(Box::new(self.shape(e, depth + 1))),
            _ => Shape::Plain,
        }
    }

    /// One submodule value: its modules (options with their defaults) and
    /// the definitions made for it, merged like a configuration of its own.
    pub(crate) fn eval_submodule(&mut self, node: &SubmoduleNode) -> Value {
        let config = self.alloc(Deferred::NotReady(
            "a submodule's `config` is read while its modules are being collected".to_string(),
        ));
        let name = node.name.as_deref();
        let args = self.module_args(config, &[], name, None);
        let mut got = Collected::default();
        self.collect_modules(&node.modules, args, &node.path, &mut got);
        let mut defs = got.defs;
        defs.extend(node.defs.iter().cloned());
        let merged = MergeNode {
            defs,
            decls: got.decls,
            path: node.path.clone(),
        };
        self.set_pending(config, Deferred::Merge(Rc::new(merged)));
        self.force(config)
    }

    fn conditions_hold(&mut self, conds: &[ThunkId]) -> Result<bool, Rc<Unknown>> {
        let mut unknown = None;
        for c in conds {
            match self.force(*c) {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(false),
                Value::Unknown(u) => unknown = Some(u),
                other => {
                    return Err(Rc::new(Unknown {
                        kind: UnknownKind::Error,
                        reason: format!("`mkIf` condition is a {}, not a bool", other.type_name()),
                        location: None,
                    }));
                }
            }
        }
        match unknown {
            Some(u) => Err(u),
            None => Ok(true),
        }
    }

    /// Unwraps module-system properties (`mkIf`, `mkMerge`, `mkOverride`,
    /// `mkOrder`) into plain pieces carrying their priority and conditions.
    fn discharge(
        &mut self,
        t: ThunkId,
        priority: i64,
        order: i64,
        conds: Rc<Vec<ThunkId>>,
        out: &mut Vec<Piece>,
        depth: u32,
    ) {
        let v = self.force(t);
        if depth < 64
            && let Value::Attrs(a) = &v
            && let Some(ty) = a.get("_type").map(|e| e.value)
        {
            let ty = self.force(ty);
            let content = a.get("content").map(|e| e.value);
            match ty.as_str() {
                Some("if") => {
                    let mut c = (*conds).clone();
                    if let Some(cond) = a.get("condition") {
                        c.push(cond.value);
                    }
                    if let Some(content) = content {
                        self.discharge(content, priority, order, Rc::new(c), out, depth + 1);
                    }
                    return;
                }
                Some("merge") => {
                    let contents = a.get("contents").map(|e| e.value);
                    match contents.map(|c| self.force(c)) {
                        Some(Value::List(items)) => {
                            for item in items.iter() {
                                self.discharge(
                                    *item,
                                    priority,
                                    order,
                                    Rc::clone(&conds),
                                    out,
                                    depth + 1,
                                );
                            }
                        }
                        Some(other @ Value::Unknown(_)) => out.push(Piece {
                            value: other,
                            priority,
                            order,
                            conds,
                        }),
                        _ => {}
                    }
                    return;
                }
                Some("override") | Some("order") => {
                    let given = match a.get("priority").map(|e| e.value) {
                        Some(p) => match self.force(p) {
                            Value::Int(i) => Some(i),
                            _ => None,
                        },
                        None => None,
                    };
                    let (priority, order) = if ty.as_str() == Some("override") {
                        (given.unwrap_or(priority), order)
                    } else {
                        (priority, given.unwrap_or(order))
                    };
                    if let Some(content) = content {
                        self.discharge(content, priority, order, conds, out, depth + 1);
                    }
                    return;
                }
                _ => {}
            }
        }
        out.push(Piece {
            value: v,
            priority,
            order,
            conds,
        });
    }
}

/// One node of a Colmena hive: its modules (`defaults` first) and the
/// special arguments its modules get (`meta.specialArgs`, then
/// `meta.nodeSpecialArgs.<name>`).
pub(crate) struct HiveMember {
    pub name: String,
    pub location: Option<Location>,
    pub modules: Vec<ThunkId>,
    pub special_args: Vec<ThunkId>,
}

impl Evaluator<'_> {
    /// The nodes of a hive (`makeHive hive`, a hive set, or a hive written
    /// as a function of `{ }`); the value that blocked it otherwise.
    pub(crate) fn hive_members(&mut self, hive: Value) -> Result<Vec<HiveMember>, Value> {
        let mut hive = hive;
        for _ in 0..4 {
            hive = match hive {
                Value::Hive(call) => self.force(call.args),
                f @ (Value::Lambda(_) | Value::Prim(_)) => {
                    let empty = self.done(Value::Attrs(Rc::new(Attrs::default())));
                    self.apply(f, empty, None)
                }
                other => other,
            };
        }
        let hive = match hive {
            Value::Attrs(hive) => hive,
            other => return Err(other),
        };
        let meta = hive
            .get("meta")
            .or_else(|| hive.get("network"))
            .map(|m| self.force(m.value));
        let (special_args, node_special_args) = match &meta {
            Some(Value::Attrs(meta)) => {
                let nsa = match meta.get("nodeSpecialArgs").map(|t| self.force(t.value)) {
                    Some(Value::Attrs(a)) => Some(a),
                    _ => None,
                };
                (meta.get("specialArgs").map(|e| e.value), nsa)
            }
            _ => (None, None),
        };
        let defaults = hive.get("defaults").map(|e| e.value);
        let mut members = Vec::new();
        for (name, entry) in &hive.entries {
            if matches!(name.as_str(), "meta" | "network" | "defaults") {
                continue;
            }
            let mut modules: Vec<ThunkId> = defaults.into_iter().collect();
            match self.force(entry.value) {
                Value::List(items) => modules.extend(items.iter().copied()),
                _ => modules.push(entry.value),
            }
            let mut special: Vec<ThunkId> = special_args.into_iter().collect();
            if let Some(nsa) = &node_special_args {
                special.extend(nsa.get(name).map(|e| e.value));
            }
            members.push(HiveMember {
                name: name.clone(),
                location: entry.location.clone(),
                modules,
                special_args: special,
            });
        }
        if let Some(f) = &hive.fallback
            && f.kind != UnknownKind::Undefined
            && members.is_empty()
        {
            return Err(Value::Unknown(Rc::clone(f)));
        }
        Ok(members)
    }

    /// `hive.nodes` (`self.colmenaHive.nodes`): each node as an evaluated
    /// system, `{ config = …; }`.
    pub(crate) fn hive_nodes(&mut self, call: &Rc<SystemCall>) -> Value {
        if let Some((_, t)) = self.hive_nodes.iter().find(|(c, _)| Rc::ptr_eq(c, call)) {
            let t = *t;
            return self.force(t);
        }
        // Registered before the nodes are read: a node whose imports read
        // `self.colmenaHive.nodes` meanwhile gets an unknown, not a second
        // reading of the hive.
        let t = self.alloc(Deferred::NotReady(
            "`nodes` of the hive is read while its nodes are being collected".to_string(),
        ));
        self.hive_nodes.push((Rc::clone(call), t));
        let members = match self.hive_members(Value::Hive(Rc::clone(call))) {
            Ok(m) => m,
            Err(v) => {
                self.set_done(t, v.clone());
                return v;
            }
        };
        let mut entries = BTreeMap::new();
        for m in members {
            let set = self.eval_modules(&m.modules, &m.special_args, &m.name, m.location.clone());
            let node = Value::Attrs(Rc::new(Attrs {
                entries: super::AttrMap::from(BTreeMap::from([(
                    "config".to_string(),
                    AttrEntry {
                        value: set.config,
                        location: None,
                    },
                )])),
                fallback: Some(Rc::new(Unknown {
                    kind: UnknownKind::Opaque,
                    reason: "only `config` of a hive node is computed statically".to_string(),
                    location: None,
                })),
            }));
            let value = self.done(node);
            entries.insert(
                m.name,
                AttrEntry {
                    value,
                    location: m.location,
                },
            );
        }
        let v = Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback: None,
        }));
        self.set_done(t, v.clone());
        v
    }
}
