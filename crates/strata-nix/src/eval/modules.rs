//! A module system "lite": collects a host's modules (following `imports`),
//! calls them with the module arguments, and merges their definitions into
//! one lazy `config`, the way nixpkgs' `lib.evalModules` does for the parts
//! that need no option declarations:
//!
//! - sets merge recursively, lists concatenate, other values take the
//!   definition with the highest priority (`mkDefault` 1000, plain 100,
//!   `mkForce` 50), the first one on a tie;
//! - `mkIf` conditions are pushed down into sets and only evaluated at the
//!   leaves, so `config = mkIf config.x.enable { … }` does not recurse;
//! - `mkMerge`, `mkOverride`, `mkOrder`/`mkBefore`/`mkAfter` are honoured.
//!
//! Option declarations, types and defaults are not read: an option no module
//! defines is "unset" here, and reading it from module code gives an unknown.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use strata_core::Location;

use super::{AttrEntry, Attrs, Deferred, Evaluator, ThunkId, Unknown, UnknownKind, Value};

/// Plain definitions have this priority (nixpkgs' `defaultOverridePriority`).
const PRIORITY_PLAIN: i64 = 100;
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
];

/// One definition of an option (or of a set of options).
#[derive(Clone, Debug)]
pub(crate) struct Def {
    value: ThunkId,
    priority: i64,
    order: i64,
    conds: Rc<Vec<ThunkId>>,
}

/// A node of the merged configuration: every definition made at one path.
#[derive(Debug)]
pub(crate) struct MergeNode {
    defs: Vec<Def>,
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
}

struct Piece {
    value: Value,
    priority: i64,
    order: i64,
    conds: Rc<Vec<ThunkId>>,
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
        let args = self.module_args(config, special_args, host, host_location);
        let mut set = ModuleSet {
            config,
            files: BTreeSet::new(),
            opaque: Vec::new(),
            missing: Vec::new(),
        };
        let mut defs = Vec::new();
        // Depth-first, each module before its imports, as nixpkgs orders them.
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
                    set.opaque.push(OpaqueModule {
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
                        if !set.files.insert(file.clone()) {
                            continue; // nixpkgs imports a file once per configuration
                        }
                        self.import_file(&file, p.location.clone())
                    }
                    Err(why) => {
                        set.missing.push((why, p.location.clone()));
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
                            Value::Unknown(u) => set.opaque.push(OpaqueModule {
                                reason: format!("`imports` not known statically: {}", u.reason),
                                location: u.location.clone(),
                            }),
                            other => set.opaque.push(OpaqueModule {
                                reason: format!("`imports` is a {}, not a list", other.type_name()),
                                location: a.get("imports").and_then(|e| e.location.clone()),
                            }),
                        }
                    }
                    let def =
                        if a.entries.contains_key("config") || a.entries.contains_key("options") {
                            a.get("config").map(|e| e.value)
                        } else {
                            let entries: BTreeMap<String, AttrEntry> = a
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
                    if let Some(value) = def {
                        defs.push(Def {
                            value,
                            priority: PRIORITY_PLAIN,
                            order: ORDER_PLAIN,
                            conds: Rc::new(Vec::new()),
                        });
                    }
                }
                Value::Input(i) => set.opaque.push(OpaqueModule {
                    reason: format!(
                        "`{}` is a module of flake input `{}`; strata does not read inputs",
                        i.display(),
                        i.input
                    ),
                    location: None,
                }),
                Value::Unknown(u) => set.opaque.push(OpaqueModule {
                    reason: u.reason.clone(),
                    location: u.location.clone(),
                }),
                other => set.opaque.push(OpaqueModule {
                    reason: format!(
                        "a module must be a set, a function or a path, not a {}",
                        other.type_name()
                    ),
                    location: None,
                }),
            }
        }
        let node = MergeNode {
            defs,
            path: String::new(),
        };
        self.set_pending(config, Deferred::Merge(Rc::new(node)));
        set
    }

    /// `{ config, lib, pkgs, options, modulesPath, name, nodes } // specialArgs…`.
    fn module_args(
        &mut self,
        config: ThunkId,
        special_args: &[ThunkId],
        host: &str,
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
        let lib = self.lib();
        let lib = self.done(lib);
        put("lib", lib, &mut entries);
        let pkgs = self.unknown_thunk(
            UnknownKind::Opaque,
            "`pkgs` (the nixpkgs package set) is not evaluated statically",
        );
        put("pkgs", pkgs, &mut entries);
        let options = self.unknown_thunk(
            UnknownKind::Unsupported,
            "option declarations are not read statically",
        );
        put("options", options, &mut entries);
        let modules_path = self.unknown_thunk(
            UnknownKind::Opaque,
            "`modulesPath` points into nixpkgs, which is not read statically",
        );
        put("modulesPath", modules_path, &mut entries);
        // `name` points at the host's declaration, so facts copied from it
        // (`networking.hostName = name;`) have a location.
        let name = self.done(Value::string(host, host_location));
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
        self.done(Value::Attrs(Rc::new(Attrs { entries, fallback })))
    }

    /// Forces one merged configuration node.
    pub(crate) fn merge(&mut self, node: &MergeNode) -> Value {
        let mut pieces = Vec::new();
        for def in &node.defs {
            self.discharge(
                def.value,
                def.priority,
                def.order,
                Rc::clone(&def.conds),
                &mut pieces,
                0,
            );
        }
        if pieces.iter().any(|p| matches!(p.value, Value::Attrs(_))) {
            let mut children: BTreeMap<String, (Vec<Def>, Option<Location>)> = BTreeMap::new();
            for piece in &pieces {
                let Value::Attrs(a) = &piece.value else {
                    continue;
                };
                for (k, e) in &a.entries {
                    let slot = children
                        .entry(k.clone())
                        .or_insert_with(|| (Vec::new(), e.location.clone()));
                    slot.0.push(Def {
                        value: e.value,
                        priority: piece.priority,
                        order: piece.order,
                        conds: Rc::clone(&piece.conds),
                    });
                }
            }
            let mut entries = BTreeMap::new();
            for (k, (defs, location)) in children {
                let path = if node.path.is_empty() {
                    k.clone()
                } else {
                    format!("{}.{k}", node.path)
                };
                let value = self.alloc(Deferred::Merge(Rc::new(MergeNode { defs, path })));
                entries.insert(k, AttrEntry { value, location });
            }
            let reason = if node.path.is_empty() {
                "not defined by any module strata reads (its value is an option default or comes from a module it cannot read)".to_string()
            } else {
                format!(
                    "not defined under `{}` by any module strata reads (its value is an option default or comes from a module it cannot read)",
                    node.path
                )
            };
            let fallback = Some(Rc::new(Unknown {
                kind: UnknownKind::Opaque,
                reason,
                location: None,
            }));
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
                format!("no module defines `{}`", node.path),
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
