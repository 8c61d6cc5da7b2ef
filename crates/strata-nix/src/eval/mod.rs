//! A small, lazy, bounded evaluator for the Nix a homelab flake is written in.
//!
//! It follows Nix's semantics for what it supports (laziness, `rec`, `with`
//! after lexical scope, attribute-path merging, formals with defaults) and
//! turns everything else into [`Value::Unknown`] with a reason and a location,
//! so a reader downstream can say "not known statically" instead of guessing.
//!
//! Everything lives in one arena per [`Evaluator`]: thunks and scopes are
//! indices, so recursive environments (`rec`, `let`) need no reference cycles
//! and are freed with the evaluator.
//!
//! Evaluation is bounded: every step counts against a budget and the depth of
//! nested forcing is capped, so no input hangs or overflows the stack;
//! re-entering a thunk being forced (`rec { a = a; }`) yields an unknown and a
//! NIX003 finding.
//!
//! Here: the evaluator's state, expressions, variables and functions. Beside
//! it: `force` (thunks and forcing), `imports` (file I/O and imports),
//! `attrs` (attribute sets), `operators`, `builtins` (the built-in
//! functions and `lib`), `modules` (the module system) and `module_lib`
//! (`lib`'s options and types).

mod attr_map;
mod attrs;
mod binding_syntax;
mod builtins;
mod force;
mod imports;
mod module_lib;
mod modules;
mod operators;
#[cfg(test)]
mod tests;
mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use rnix::SyntaxNode;
use rnix::ast::{self, HasEntry};
use strata_core::{
    Code, Diagnostic, Location, RepoTree, SourceFile, Span, join_relative, parent_dir,
};

pub use attr_map::AttrMap;
pub use builtins::Prim;
pub use modules::OpaqueModule;
pub use value::{
    AttrEntry, Attrs, Closure, InputRef, NixPath, NixString, PrimApp, SystemCall, ThunkId, Unknown,
    UnknownKind, Value,
};

use crate::files::{ParsedFile, resolve_repo_path};
use crate::syntax::{Part, ident_name, ident_text, path_parts, span_of, string_parts, syn};

/// How much work one evaluation phase may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Evaluation steps (expressions evaluated, thunks forced, items iterated).
    pub max_steps: u64,
    /// Nested evaluations at once; bounds Rust stack use.
    pub max_depth: u32,
    /// Bytes of thunks, strings, list items and attributes the evaluator may
    /// create per budget (one host): a string doubled 40 times or a fold of
    /// thousands of `//` updates stops here instead of exhausting memory.
    pub max_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // Generous for hand-written homelab flakes (the example needs a few
        // thousand steps and well under a megabyte per host), small enough
        // to stop a runaway quickly.
        Limits {
            max_steps: 2_000_000,
            max_depth: 400,
            max_memory: 64 * 1024 * 1024,
        }
    }
}

/// What the memory budget counts for one attribute of a set created by
/// `//` or a built-in: a fixed figure for its name, entry and storage, so
/// the limits mean the same whatever the set's layout.
pub(crate) const ATTR_ENTRY_BYTES: u64 = 96;
/// What the memory budget counts for one list item.
pub(crate) const LIST_ITEM_BYTES: u64 = std::mem::size_of::<ThunkId>() as u64;

/// An index into the evaluator's scope arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ScopeId(u32);

/// An index into the evaluator's file table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileId(u32);

enum ScopeKind {
    /// The top of a file: only the global built-ins are visible.
    Root,
    /// `let`, `rec`, function arguments.
    Vars(HashMap<String, ThunkId>),
    /// `with e;`: consulted only after every lexical scope and the globals.
    With(ThunkId),
}

struct Scope {
    kind: ScopeKind,
    parent: Option<ScopeId>,
    file: FileId,
}

struct EvalFile {
    path: String,
    root: Option<ast::Expr>,
    has_errors: bool,
    root_scope: ScopeId,
    value: Option<ThunkId>,
    /// Code of strata's own (the module-system `lib`): its locations are
    /// never reported.
    hidden: bool,
}

/// Work postponed until a thunk is forced.
#[derive(Clone)]
pub(crate) enum Deferred {
    /// An expression in a scope.
    Expr(ast::Expr, ScopeId),
    /// A variable looked up in a scope (`inherit x;`).
    Lookup(String, ScopeId, Option<Location>),
    /// `from.key` (`inherit (from) key;`).
    Select(ThunkId, String, Option<Location>),
    /// `f a b …`.
    Apply(Value, Vec<ThunkId>, Option<Location>),
    /// The value of a file (`import`).
    File(FileId),
    /// A merged node of a host's module configuration.
    Merge(Rc<modules::MergeNode>),
    /// One value of a submodule-typed option, merged with its declarations.
    Submodule(Rc<modules::SubmoduleNode>),
    /// A set with entries whose names are computed when it is forced.
    DynamicSet(Rc<attrs::DynamicSet>),
    /// The flake's `self`: its outputs plus `outPath` (the flake's
    /// directory in the repository).
    FlakeSelf(ThunkId, String),
    /// A value that may not be forced yet (a host's `config` while its
    /// `imports` are being collected); forcing gives an unknown and leaves the
    /// thunk pending.
    NotReady(String),
}

#[derive(Clone)]
enum Slot {
    Pending(Deferred),
    Forcing(ForcingAt),
    Done(Value),
}

/// Where a thunk being forced was written, kept without building its
/// [`Location`] (a path `String`): that is only needed when forcing fails
/// (a value depending on itself, a limit), and most thunks force fine.
#[derive(Clone)]
enum ForcingAt {
    /// Not known.
    Nowhere,
    /// A node of the file `scope` belongs to.
    Node(ScopeId, Span),
    /// The start of a file.
    File(FileId),
    /// A location built already.
    Known(Option<Location>),
}

/// The parsed files an evaluator reads: those parsed before it, shared by
/// every evaluator of an analysis (each host batch has one), and those it
/// parsed itself.
struct ParsedFiles {
    shared: Arc<BTreeMap<String, ParsedFile>>,
    own: BTreeMap<String, ParsedFile>,
}

impl ParsedFiles {
    fn get(&self, path: &str) -> Option<&ParsedFile> {
        self.shared.get(path).or_else(|| self.own.get(path))
    }

    fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    fn insert(&mut self, path: String, file: ParsedFile) {
        self.own.insert(path, file);
    }

    /// Every path, in no particular order.
    fn keys(&self) -> impl Iterator<Item = &String> {
        self.shared.keys().chain(self.own.keys())
    }
}

/// The static evaluator: one per batch of hosts, sharing the parsed files
/// (`ParsedFiles`); values are only meaningful with the evaluator that
/// produced them.
pub struct Evaluator<'t> {
    tree: Option<&'t RepoTree>,
    parsed: ParsedFiles,
    files: Vec<EvalFile>,
    file_index: HashMap<String, FileId>,
    slots: Vec<Slot>,
    scopes: Vec<Scope>,
    limits: Limits,
    steps: u64,
    depth: u32,
    exhausted: bool,
    /// Bytes of values created since the budget was last reset.
    allocated: u64,
    /// Set once `allocated` passes [`Limits::max_memory`]: every later
    /// evaluation of this budget stops at once.
    out_of_memory: bool,
    /// Whether this budget's spent memory was reported already.
    memory_reported: bool,
    diagnostics: Vec<Diagnostic>,
    read_sources: Vec<Arc<SourceFile>>,
    builtins_attrs: Option<ThunkId>,
    lib_attrs: Option<ThunkId>,
    full_lib_attrs: Option<ThunkId>,
    outputs: Option<ThunkId>,
    /// The merged modules of each `nixosSystem`/`evalModules` call whose
    /// `config` was selected, by call (the `Rc` keeps the address unique).
    system_configs: Vec<(Rc<SystemCall>, ThunkId)>,
    /// `nodes` of each Colmena hive selected from, by call.
    hive_nodes: Vec<(Rc<SystemCall>, ThunkId)>,
    /// The checkpoint taken ([`Evaluator::checkpoint`]) and how to undo
    /// what evaluation changed below it.
    undo: Option<Undo>,
    /// Repository files read since a checkpoint and forgotten by rolling
    /// back to it: still files the evaluation read.
    forgotten_files: BTreeSet<String>,
    /// The bindings of each set and `let` built so far, and of each
    /// function pattern called, as written (syntax only, so kept across
    /// rollbacks).
    set_syntax: HashMap<SyntaxNode, Rc<[binding_syntax::SetBinding]>>,
    pattern_syntax: HashMap<SyntaxNode, Rc<binding_syntax::PatternSyntax>>,
}

/// A state of the evaluator to return to ([`Evaluator::checkpoint`]).
struct Checkpoint {
    slots: usize,
    scopes: usize,
    files: usize,
    system_configs: usize,
    hive_nodes: usize,
    builtins_attrs: Option<ThunkId>,
    lib_attrs: Option<ThunkId>,
    full_lib_attrs: Option<ThunkId>,
    outputs: Option<ThunkId>,
}

/// A checkpoint and the earlier contents of what evaluation changed below
/// it: thunks forced or filled, and files given their value thunk.
struct Undo {
    at: Checkpoint,
    slots: Vec<(u32, Slot)>,
    file_values: Vec<(u32, Option<ThunkId>)>,
}

impl<'t> Evaluator<'t> {
    /// An evaluator over already-parsed files; other files of `tree` are read
    /// and parsed when imported.
    pub fn new(
        tree: Option<&'t RepoTree>,
        parsed: impl Into<Arc<BTreeMap<String, ParsedFile>>>,
        limits: Limits,
    ) -> Self {
        Evaluator {
            tree,
            parsed: ParsedFiles {
                shared: parsed.into(),
                own: BTreeMap::new(),
            },
            files: Vec::new(),
            file_index: HashMap::new(),
            slots: Vec::new(),
            scopes: Vec::new(),
            limits,
            steps: 0,
            depth: 0,
            exhausted: false,
            allocated: 0,
            out_of_memory: false,
            memory_reported: false,
            diagnostics: Vec::new(),
            read_sources: Vec::new(),
            builtins_attrs: None,
            lib_attrs: None,
            full_lib_attrs: None,
            outputs: None,
            system_configs: Vec::new(),
            hive_nodes: Vec::new(),
            undo: None,
            forgotten_files: BTreeSet::new(),
            set_syntax: HashMap::new(),
            pattern_syntax: HashMap::new(),
        }
    }

    /// Marks the current state: [`Evaluator::rollback`] returns to it,
    /// dropping every thunk, scope and file created since and making every
    /// thunk forced since pending again. Hosts read one after another from
    /// one checkpoint each start from the same state, and the memory one
    /// host's values took is reused, still in cache, by the next.
    pub fn checkpoint(&mut self) {
        let at = Checkpoint {
            slots: self.slots.len(),
            scopes: self.scopes.len(),
            files: self.files.len(),
            system_configs: self.system_configs.len(),
            hive_nodes: self.hive_nodes.len(),
            builtins_attrs: self.builtins_attrs,
            lib_attrs: self.lib_attrs,
            full_lib_attrs: self.full_lib_attrs,
            outputs: self.outputs,
        };
        self.undo = Some(Undo {
            at,
            slots: Vec::new(),
            file_values: Vec::new(),
        });
    }

    /// Returns to the checkpoint taken (see [`Evaluator::checkpoint`]), which
    /// stays for the next rollback; findings and the files read stay. Without
    /// a checkpoint, nothing changes.
    pub fn rollback(&mut self) {
        let Some(undo) = &mut self.undo else {
            return;
        };
        // Latest first, so each slot ends as it was at the checkpoint.
        for (index, slot) in undo.slots.drain(..).rev() {
            self.slots[index as usize] = slot;
        }
        for (index, value) in undo.file_values.drain(..).rev() {
            self.files[index as usize].value = value;
        }
        let checkpoint = &undo.at;
        for file in self.files.drain(checkpoint.files.min(self.files.len())..) {
            if !file.hidden {
                self.forgotten_files.insert(file.path);
            }
        }
        self.file_index
            .retain(|_, id| (id.0 as usize) < checkpoint.files);
        self.slots.truncate(checkpoint.slots);
        self.scopes.truncate(checkpoint.scopes);
        self.system_configs.truncate(checkpoint.system_configs);
        self.hive_nodes.truncate(checkpoint.hive_nodes);
        self.builtins_attrs = checkpoint.builtins_attrs;
        self.lib_attrs = checkpoint.lib_attrs;
        self.full_lib_attrs = checkpoint.full_lib_attrs;
        self.outputs = checkpoint.outputs;
        self.depth = 0;
    }

    /// Keeps the present content of thunk `index` for a rollback, when it
    /// is older than the checkpoint held.
    fn remember_slot(&mut self, index: usize) {
        if let Some(undo) = &mut self.undo
            && index < undo.at.slots
            && let Some(slot) = self.slots.get(index)
        {
            undo.slots.push((index as u32, slot.clone()));
        }
    }

    /// Sets the value thunk of a file, remembering the old one for a
    /// rollback when the file is older than the checkpoint held.
    pub(crate) fn set_file_value(&mut self, id: FileId, value: ThunkId) {
        let index = id.0 as usize;
        if let Some(undo) = &mut self.undo
            && index < undo.at.files
        {
            undo.file_values.push((id.0, self.files[index].value));
        }
        self.files[index].value = Some(value);
    }

    /// Findings made while evaluating (NIX003, and NIX001 for files first
    /// read because something imported them).
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Files read beyond the parsed set given to [`Evaluator::new`].
    pub fn read_sources(&self) -> &[Arc<SourceFile>] {
        &self.read_sources
    }

    /// Starts a new budget of steps (one per host, so one runaway host does
    /// not starve the others).
    pub fn reset_budget(&mut self) {
        self.steps = 0;
        self.exhausted = false;
        self.allocated = 0;
        self.out_of_memory = false;
        self.memory_reported = false;
    }

    // ----- arena -------------------------------------------------------------

    pub(crate) fn alloc(&mut self, deferred: Deferred) -> ThunkId {
        self.count_slot();
        self.slots.push(Slot::Pending(deferred));
        ThunkId((self.slots.len() - 1) as u32)
    }

    /// A thunk already holding `value`.
    pub fn done(&mut self, value: Value) -> ThunkId {
        self.count_slot();
        self.slots.push(Slot::Done(value));
        ThunkId((self.slots.len() - 1) as u32)
    }

    /// Every repository file read so far (imported or `readFile`d), sorted.
    pub fn evaluated_files(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .files
            .iter()
            .filter(|f| !f.hidden)
            .map(|f| f.path.clone())
            .collect();
        out.extend(self.read_sources.iter().map(|s| s.path().to_string()));
        out.extend(self.forgotten_files.iter().cloned());
        out.sort();
        out.dedup();
        out
    }

    /// Records the thunk of the flake's outputs (for [`Evaluator::outputs_attr`]).
    pub(crate) fn set_outputs(&mut self, outputs: ThunkId) {
        self.outputs = Some(outputs);
    }

    /// `outputs.<name>` of the flake, when the outputs are a set.
    pub(crate) fn outputs_attr(&mut self, name: &str) -> Option<ThunkId> {
        let outputs = self.outputs?;
        match self.force(outputs) {
            Value::Attrs(a) => a.get(name).map(|e| e.value),
            _ => None,
        }
    }

    /// The source text at a location, in a file the evaluator has read.
    pub(crate) fn source_text(&self, location: &Location) -> Option<String> {
        let text = match self.parsed.get(&location.file) {
            Some(p) => p.source().text(),
            None => self
                .read_sources
                .iter()
                .find(|s| s.path() == location.file)?
                .text(),
        };
        text.get(location.span.start..location.span.end)
            .map(str::to_string)
    }

    /// Fills a thunk allocated earlier with its value.
    pub(crate) fn set_done(&mut self, id: ThunkId, value: Value) {
        self.remember_slot(id.0 as usize);
        if let Some(slot) = self.slots.get_mut(id.0 as usize) {
            *slot = Slot::Done(value);
        }
    }

    pub(crate) fn set_pending(&mut self, id: ThunkId, deferred: Deferred) {
        self.remember_slot(id.0 as usize);
        if let Some(slot) = self.slots.get_mut(id.0 as usize) {
            *slot = Slot::Pending(deferred);
        }
    }

    fn new_scope(&mut self, kind: ScopeKind, parent: ScopeId) -> ScopeId {
        let file = self.scope(parent).file;
        self.scopes.push(Scope {
            kind,
            parent: Some(parent),
            file,
        });
        ScopeId((self.scopes.len() - 1) as u32)
    }

    fn scope(&self, id: ScopeId) -> &Scope {
        &self.scopes[id.0 as usize]
    }

    fn file_of(&self, scope: ScopeId) -> &EvalFile {
        &self.files[self.scope(scope).file.0 as usize]
    }

    /// The location of a node of the file `scope` belongs to.
    pub(crate) fn loc(&self, scope: ScopeId, node: &SyntaxNode) -> Option<Location> {
        self.loc_at(scope, crate::syntax::range_span(node.text_range()))
    }

    /// The location of `span` in the file `scope` belongs to.
    pub(crate) fn loc_at(&self, scope: ScopeId, span: Span) -> Option<Location> {
        let file = self.file_of(scope);
        if file.hidden {
            return None;
        }
        Some(Location::new(file.path.clone(), span))
    }

    fn loc_of<N: rnix::ast::AstNode>(&self, scope: ScopeId, node: &N) -> Option<Location> {
        self.loc_at(scope, span_of(node))
    }

    // ----- budget --------------------------------------------------------------

    /// Counts one step; false once the budget is spent.
    pub(crate) fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            self.exhausted = true;
        }
        !self.exhausted
    }

    pub(crate) fn limit(&mut self, what: &str, location: Option<Location>) -> Value {
        let reason = format!("static evaluation stopped: {what}");
        if !self
            .diagnostics
            .iter()
            .any(|d| d.code == Code::NixEvalLimit && d.message.contains(what))
        {
            let mut diag = Diagnostic::new(Code::NixEvalLimit, reason.clone()).help(
                "values computed past this point are reported as unknown; simplify the expression, or use `--eval nix`",
            );
            if let Some(l) = location.clone() {
                diag = diag.at(l);
            }
            self.diagnostics.push(diag);
        }
        Value::unknown(UnknownKind::Limit, reason, location)
    }

    /// Counts `bytes` of a value about to be created; `Err` (a NIX003
    /// finding at `location` and the unknown to return) once the memory
    /// budget is spent, before the value is built.
    pub(crate) fn charge(&mut self, bytes: u64, location: &Option<Location>) -> Result<(), Value> {
        self.allocated = self.allocated.saturating_add(bytes);
        if self.allocated > self.limits.max_memory {
            self.out_of_memory = true;
        }
        if self.out_of_memory {
            return Err(self.memory_limit(location.clone()));
        }
        Ok(())
    }

    /// Counts the memory of a value a built-in just created (a value it
    /// returns from elsewhere, shared with a thunk, is not new and costs
    /// nothing); the value itself, or the limit's unknown.
    pub(crate) fn charge_fresh(&mut self, value: Value, location: &Option<Location>) -> Value {
        let bytes = match &value {
            Value::String(s) if Rc::strong_count(s) == 1 => s.text.len() as u64,
            Value::List(l) if Rc::strong_count(l) == 1 => l.len() as u64 * LIST_ITEM_BYTES,
            Value::Attrs(a) if Rc::strong_count(a) == 1 => {
                a.entries.len() as u64 * ATTR_ENTRY_BYTES
            }
            _ => 0,
        };
        match self.charge(bytes, location) {
            Ok(()) => value,
            Err(limit) => limit,
        }
    }

    /// Counts one thunk against the memory budget; the next evaluation
    /// reports the budget spent, where it stands.
    fn count_slot(&mut self) {
        self.allocated = self
            .allocated
            .saturating_add(std::mem::size_of::<Slot>() as u64);
        if self.allocated > self.limits.max_memory {
            self.out_of_memory = true;
        }
    }

    /// The unknown for a spent memory budget; the first one of each budget
    /// (each host) is also a NIX003 finding at its expression.
    fn memory_limit(&mut self, location: Option<Location>) -> Value {
        let mib = self.limits.max_memory / (1024 * 1024);
        let reason = format!(
            "static evaluation stopped: the values built here exceed the {mib} MiB memory budget"
        );
        if !self.memory_reported {
            self.memory_reported = true;
            let mut diag = Diagnostic::new(Code::NixEvalLimit, reason.clone()).help(
                "values computed past this point are reported as unknown; build smaller values (a string doubled in a loop, a fold of `//` over thousands of items), or use `--eval nix`",
            );
            if let Some(l) = location.clone() {
                diag = diag.at(l);
            }
            self.diagnostics.push(diag);
        }
        Value::unknown(UnknownKind::Limit, reason, location)
    }

    fn enter(&mut self, location: impl FnOnce(&Self) -> Option<Location>) -> Result<(), Value> {
        if self.out_of_memory {
            let loc = location(self);
            return Err(self.memory_limit(loc));
        }
        if !self.tick() {
            let loc = location(self);
            return Err(self.limit(
                &format!("more than {} evaluation steps", self.limits.max_steps),
                loc,
            ));
        }
        if self.depth >= self.limits.max_depth {
            let loc = location(self);
            return Err(self.limit(
                &format!("nesting deeper than {} evaluations", self.limits.max_depth),
                loc,
            ));
        }
        self.depth += 1;
        Ok(())
    }

    // ----- expressions -------------------------------------------------------

    /// Evaluates an expression in a scope.
    pub(crate) fn eval(&mut self, expr: &ast::Expr, scope: ScopeId) -> Value {
        if let Err(v) = self.enter(|ev| ev.loc(scope, syn(expr))) {
            return v;
        }
        let v = self.eval_inner(expr, scope);
        self.depth -= 1;
        v
    }

    fn thunk(
        &mut self,
        expr: Option<ast::Expr>,
        scope: ScopeId,
        missing_at: &SyntaxNode,
    ) -> ThunkId {
        match expr {
            Some(e) => self.alloc(Deferred::Expr(e, scope)),
            None => {
                let v = self.syntax_unknown(scope, missing_at);
                self.done(v)
            }
        }
    }

    fn syntax_unknown(&self, scope: ScopeId, node: &SyntaxNode) -> Value {
        Value::unknown(
            UnknownKind::Error,
            "incomplete expression (syntax error)",
            self.loc(scope, node),
        )
    }

    fn eval_opt(&mut self, expr: Option<ast::Expr>, scope: ScopeId, parent: &SyntaxNode) -> Value {
        match expr {
            Some(e) => self.eval(&e, scope),
            None => self.syntax_unknown(scope, parent),
        }
    }

    fn eval_inner(&mut self, expr: &ast::Expr, scope: ScopeId) -> Value {
        let node = syn(expr).clone();
        match expr {
            ast::Expr::Literal(lit) => self.eval_literal(lit, scope),
            ast::Expr::Str(s) => self.eval_string(s, scope),
            ast::Expr::PathAbs(_)
            | ast::Expr::PathRel(_)
            | ast::Expr::PathHome(_)
            | ast::Expr::PathSearch(_) => self.eval_path(expr, scope),
            ast::Expr::Ident(i) => match ident_text(i) {
                Some(name) => self.lookup_with(name, scope, |ev| ev.loc(scope, &node)),
                None => self.syntax_unknown(scope, &node),
            },
            ast::Expr::Paren(p) => self.eval_opt(p.expr(), scope, &node),
            ast::Expr::Root(r) => self.eval_opt(r.expr(), scope, &node),
            ast::Expr::List(list) => {
                let items: Vec<ThunkId> = list
                    .items()
                    .map(|e| self.alloc(Deferred::Expr(e, scope)))
                    .collect();
                Value::List(Rc::new(items))
            }
            ast::Expr::AttrSet(set) => {
                if set.rec_token().is_some() {
                    let inner = self.new_scope(ScopeKind::Vars(HashMap::new()), scope);
                    let entries = self.build_entries(set, inner, scope);
                    self.bind_scope(inner, &entries);
                    Value::Attrs(Rc::new(Attrs {
                        entries,
                        fallback: None,
                    }))
                } else {
                    let entries = self.build_entries(set, scope, scope);
                    Value::Attrs(Rc::new(Attrs {
                        entries,
                        fallback: None,
                    }))
                }
            }
            ast::Expr::LetIn(let_in) => {
                let inner = self.new_scope(ScopeKind::Vars(HashMap::new()), scope);
                let entries = self.build_entries(let_in, inner, scope);
                self.bind_scope(inner, &entries);
                self.eval_opt(let_in.body(), inner, &node)
            }
            ast::Expr::LegacyLet(legacy) => {
                let inner = self.new_scope(ScopeKind::Vars(HashMap::new()), scope);
                let entries = self.build_entries(legacy, inner, scope);
                self.bind_scope(inner, &entries);
                match entries.get("body") {
                    Some(e) => self.force(e.value),
                    None => Value::unknown(
                        UnknownKind::Error,
                        "`let { … }` without `body`",
                        self.loc(scope, &node),
                    ),
                }
            }
            ast::Expr::With(with) => {
                let ns = self.thunk(with.namespace(), scope, &node);
                let inner = self.new_scope(ScopeKind::With(ns), scope);
                self.eval_opt(with.body(), inner, &node)
            }
            ast::Expr::Lambda(lambda) => Value::Lambda(Rc::new(Closure {
                param: lambda.param(),
                body: lambda.body(),
                scope,
                location: self.loc(scope, &node),
            })),
            ast::Expr::Apply(apply) => {
                let f = self.eval_opt(apply.lambda(), scope, &node);
                let arg = self.thunk(apply.argument(), scope, &node);
                self.apply(f, arg, self.loc(scope, &node))
            }
            ast::Expr::Select(select) => self.eval_select(select, scope),
            ast::Expr::HasAttr(has) => self.eval_has_attr(has, scope),
            ast::Expr::IfElse(if_else) => {
                let cond = self.eval_opt(if_else.condition(), scope, &node);
                match cond {
                    Value::Bool(true) => self.eval_opt(if_else.body(), scope, &node),
                    Value::Bool(false) => self.eval_opt(if_else.else_body(), scope, &node),
                    Value::Unknown(u) => Value::Unknown(u),
                    other => self.type_error("a condition", "bool", &other, self.loc(scope, &node)),
                }
            }
            ast::Expr::Assert(assert) => {
                let cond = self.eval_opt(assert.condition(), scope, &node);
                match cond {
                    Value::Bool(false) => Value::unknown(
                        UnknownKind::Error,
                        "assertion failed",
                        self.loc(scope, &node),
                    ),
                    // An unknown condition does not stop reading the body:
                    // real Nix either fails here or returns exactly the body.
                    _ => self.eval_opt(assert.body(), scope, &node),
                }
            }
            ast::Expr::UnaryOp(op) => {
                let v = self.eval_opt(op.expr(), scope, &node);
                let loc = self.loc(scope, &node);
                match (op.operator(), v) {
                    (_, Value::Unknown(u)) => Value::Unknown(u),
                    (Some(ast::UnaryOpKind::Invert), Value::Bool(b)) => Value::Bool(!b),
                    (Some(ast::UnaryOpKind::Negate), Value::Int(i)) => match i.checked_neg() {
                        Some(n) => Value::Int(n),
                        None => Value::unknown(UnknownKind::Error, "integer overflow", loc),
                    },
                    (Some(ast::UnaryOpKind::Negate), Value::Float(f)) => Value::Float(-f),
                    (_, other) => {
                        self.type_error("a unary operator", "bool or number", &other, loc)
                    }
                }
            }
            ast::Expr::BinOp(op) => self.eval_binop(op, scope),
            ast::Expr::CurPos(_) => Value::unknown(
                UnknownKind::Unsupported,
                "`__curPos` is not supported",
                self.loc(scope, &node),
            ),
            ast::Expr::Error(_) => self.syntax_unknown(scope, &node),
        }
    }

    pub(crate) fn type_error(
        &self,
        what: &str,
        expected: &str,
        got: &Value,
        loc: Option<Location>,
    ) -> Value {
        if let Value::Unknown(u) = got {
            return Value::Unknown(Rc::clone(u));
        }
        Value::unknown(
            UnknownKind::Error,
            format!("{what} expects a {expected}, got a {}", got.type_name()),
            loc,
        )
    }

    fn eval_literal(&mut self, lit: &ast::Literal, scope: ScopeId) -> Value {
        let loc = || self.loc_of(scope, lit);
        for token in syn(lit)
            .children_with_tokens()
            .filter_map(rnix::NodeOrToken::into_token)
        {
            match token.kind() {
                rnix::SyntaxKind::TOKEN_INTEGER => {
                    return match token.text().parse::<i64>() {
                        Ok(i) => Value::Int(i),
                        Err(_) => Value::unknown(
                            UnknownKind::Error,
                            "integer literal out of range",
                            loc(),
                        ),
                    };
                }
                rnix::SyntaxKind::TOKEN_FLOAT => {
                    return match token.text().parse::<f64>() {
                        Ok(f) => Value::Float(f),
                        Err(_) => {
                            Value::unknown(UnknownKind::Error, "invalid float literal", loc())
                        }
                    };
                }
                rnix::SyntaxKind::TOKEN_URI => return Value::string(token.text(), loc()),
                _ => {}
            }
        }
        Value::unknown(UnknownKind::Error, "invalid literal", loc())
    }

    fn eval_string(&mut self, s: &ast::Str, scope: ScopeId) -> Value {
        let loc = self.loc_of(scope, s);
        let Some(parts) = string_parts(s) else {
            return Value::unknown(UnknownKind::Error, "malformed string (syntax error)", loc);
        };
        let mut text = String::new();
        // `"${./.}/modules"`, `"${root}/x.nix"`: a string that starts with a
        // repository path is that path's store copy; it stays a repository
        // path, so importing or reading it reads the repository.
        let mut repo_path: Option<String> = None;
        for (i, part) in parts.into_iter().enumerate() {
            match part {
                Part::Lit(l) => text.push_str(&l),
                Part::Interp(None) => return self.syntax_unknown(scope, syn(s)),
                Part::Interp(Some(e)) => {
                    let v = self.eval(&e, scope);
                    if i == 0
                        && let Some(path) = self.repo_path_of(&v)
                    {
                        repo_path = Some(path);
                        continue;
                    }
                    match self.coerce_to_string(v, false, self.loc(scope, syn(&e))) {
                        Ok(piece) => {
                            if let Err(limit) = self.charge(piece.len() as u64, &loc) {
                                return limit;
                            }
                            text.push_str(&piece)
                        }
                        Err(u) => return Value::Unknown(u),
                    }
                }
            }
        }
        if let Some(base) = repo_path {
            return match join_relative(&base, &format!(".{text}")) {
                Some(path) if text.is_empty() || text.starts_with('/') => {
                    Value::Path(Rc::new(NixPath {
                        path,
                        in_repo: true,
                        location: loc,
                    }))
                }
                _ => Value::unknown(
                    UnknownKind::Opaque,
                    "a path in a string is copied to the Nix store; its store path is not known statically",
                    loc,
                ),
            };
        }
        Value::string(text, loc)
    }

    /// The repository path a value stands for in a string: a path in the
    /// repository, or a set whose `outPath` is one (the flake's `self`).
    fn repo_path_of(&mut self, v: &Value) -> Option<String> {
        match v {
            Value::Path(p) if p.in_repo => Some(p.path.clone()),
            Value::Attrs(a) if a.get("__toString").is_none() => {
                let out = a.get("outPath")?.value;
                match self.force(out) {
                    Value::Path(p) if p.in_repo => Some(p.path.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Nix's string coercion (`"${x}"` when `to_string` is false,
    /// `toString x` when true).
    pub(crate) fn coerce_to_string(
        &mut self,
        v: Value,
        to_string: bool,
        loc: Option<Location>,
    ) -> Result<String, Rc<Unknown>> {
        if let Err(v) = self.enter(|_| loc.clone()) {
            return Err(v.as_unknown().cloned().unwrap_or_else(|| {
                Rc::new(Unknown {
                    kind: UnknownKind::Limit,
                    reason: "evaluation limit".into(),
                    location: None,
                })
            }));
        }
        let r = self.coerce_inner(v, to_string, loc);
        self.depth -= 1;
        r
    }

    fn coerce_inner(
        &mut self,
        v: Value,
        to_string: bool,
        loc: Option<Location>,
    ) -> Result<String, Rc<Unknown>> {
        let err = |kind: UnknownKind, reason: String, loc: Option<Location>| {
            Rc::new(Unknown {
                kind,
                reason,
                location: loc,
            })
        };
        match v {
            Value::String(s) => Ok(s.text.clone()),
            Value::Unknown(u) => Err(u),
            Value::Path(_) => Err(err(
                UnknownKind::Opaque,
                "a path in a string is copied to the Nix store; its store path is not known statically".into(),
                loc,
            )),
            Value::Input(i) => Err(err(
                UnknownKind::Opaque,
                format!("`{}` comes from a flake input and is not evaluated statically", i.display()),
                loc,
            )),
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString").map(|e| e.value) {
                    let f = self.force(f);
                    let me = self.done(Value::Attrs(Rc::clone(&a)));
                    let r = self.apply(f, me, loc.clone());
                    return self.coerce_to_string(r, to_string, loc);
                }
                if let Some(out) = a.get("outPath").map(|e| e.value) {
                    let out = self.force(out);
                    return self.coerce_to_string(out, to_string, loc);
                }
                Err(err(UnknownKind::Error, "cannot coerce a set to a string".into(), loc))
            }
            Value::Int(i) if to_string => Ok(i.to_string()),
            Value::Float(f) if to_string => Ok(format!("{f:.6}")),
            Value::Bool(b) if to_string => Ok(if b { "1".into() } else { String::new() }),
            Value::Null if to_string => Ok(String::new()),
            Value::List(items) if to_string => {
                let mut parts = Vec::new();
                for item in items.iter() {
                    let v = self.force(*item);
                    parts.push(self.coerce_to_string(v, true, loc.clone())?);
                }
                Ok(parts.join(" "))
            }
            other => Err(err(UnknownKind::Error, format!("cannot coerce a {} to a string", other.type_name()), loc)),
        }
    }

    fn eval_path(&mut self, expr: &ast::Expr, scope: ScopeId) -> Value {
        let node = syn(expr).clone();
        let loc = self.loc(scope, &node);
        let Some(parts) = path_parts(&node) else {
            return Value::unknown(UnknownKind::Error, "malformed path (syntax error)", loc);
        };
        let mut text = String::new();
        for part in parts {
            match part {
                Part::Lit(l) => text.push_str(&l),
                Part::Interp(None) => return self.syntax_unknown(scope, &node),
                Part::Interp(Some(e)) => {
                    let v = self.eval(&e, scope);
                    match self.coerce_to_string(v, false, loc.clone()) {
                        Ok(s) => text.push_str(&s),
                        Err(u) => return Value::Unknown(u),
                    }
                }
            }
        }
        match expr {
            ast::Expr::PathRel(_) => {
                let dir = parent_dir(&self.file_of(scope).path).to_string();
                match join_relative(&dir, &text) {
                    Some(path) => Value::Path(Rc::new(NixPath {
                        path,
                        in_repo: true,
                        location: loc,
                    })),
                    None => Value::unknown(
                        UnknownKind::Opaque,
                        "a path that leaves the repository is not read statically",
                        loc,
                    ),
                }
            }
            ast::Expr::PathAbs(_) => Value::Path(Rc::new(NixPath {
                path: text,
                in_repo: false,
                location: loc,
            })),
            ast::Expr::PathSearch(_) => Value::unknown(
                UnknownKind::Opaque,
                "search paths (`<nixpkgs>`) depend on NIX_PATH and are not read statically",
                loc,
            ),
            _ => Value::unknown(
                UnknownKind::Opaque,
                "home-relative paths are not read statically",
                loc,
            ),
        }
    }

    // ----- variables -----------------------------------------------------------

    fn bind_scope(&mut self, scope: ScopeId, entries: &AttrMap) {
        let vars: HashMap<String, ThunkId> =
            entries.iter().map(|(k, e)| (k.clone(), e.value)).collect();
        if let Some(s) = self.scopes.get_mut(scope.0 as usize) {
            s.kind = ScopeKind::Vars(vars);
        }
    }

    /// Looks a variable up: lexical scopes, then the global built-ins, then
    /// the `with` scopes innermost first (Nix's order).
    pub(crate) fn lookup(&mut self, name: &str, scope: ScopeId, loc: Option<Location>) -> Value {
        self.lookup_with(name, scope, |_| loc)
    }

    /// [`Evaluator::lookup`] with the location of the reference built only
    /// when it is needed: for a lookup that fails or is unknown, and for an
    /// input's attribute found through `with`. A variable of a lexical
    /// scope (most names), a built-in or a `with` attribute makes none.
    fn lookup_with(
        &mut self,
        name: &str,
        scope: ScopeId,
        loc: impl FnOnce(&Self) -> Option<Location>,
    ) -> Value {
        let mut withs = Vec::new();
        let mut cursor = Some(scope);
        while let Some(id) = cursor {
            let s = self.scope(id);
            match &s.kind {
                ScopeKind::Vars(vars) => {
                    if let Some(t) = vars.get(name) {
                        let t = *t;
                        return self.force(t);
                    }
                }
                ScopeKind::With(ns) => withs.push(*ns),
                ScopeKind::Root => {}
            }
            cursor = s.parent;
        }
        if let Some(v) = self.global(name) {
            return v;
        }
        for ns in withs {
            match self.force(ns) {
                Value::Attrs(a) => {
                    if let Some(e) = a.get(name) {
                        let t = e.value;
                        return self.force(t);
                    }
                    if let Some(f) = &a.fallback {
                        let reason = format!("`{name}`: {}", f.reason);
                        return Value::unknown(f.kind, reason, loc(self));
                    }
                }
                input @ Value::Input(_) => {
                    let loc = loc(self);
                    return self.select(input, name, loc);
                }
                Value::Unknown(u) => {
                    return Value::unknown(
                        u.kind,
                        format!("`{name}` may come from a `with` scope: {}", u.reason),
                        loc(self),
                    );
                }
                _ => {}
            }
        }
        Value::unknown(
            UnknownKind::Error,
            format!("undefined variable `{name}`"),
            loc(self),
        )
    }

    // ----- functions -----------------------------------------------------------

    /// Applies `f` to several arguments in turn.
    pub fn apply_all(&mut self, f: Value, args: &[ThunkId], loc: Option<Location>) -> Value {
        let mut f = f;
        for arg in args {
            f = self.apply(f, *arg, loc.clone());
        }
        f
    }

    /// Applies a function value to one argument.
    pub fn apply(&mut self, f: Value, arg: ThunkId, loc: Option<Location>) -> Value {
        if let Err(v) = self.enter(|_| loc.clone()) {
            return v;
        }
        let v = self.apply_inner(f, arg, loc);
        self.depth -= 1;
        v
    }

    fn apply_inner(&mut self, f: Value, arg: ThunkId, loc: Option<Location>) -> Value {
        match f {
            Value::Lambda(c) => self.call_closure(&c, arg, loc),
            Value::Prim(p) => {
                let mut args = p.args.clone();
                args.push(arg);
                if args.len() >= p.prim.arity() {
                    self.call_prim(p.prim, &args, loc)
                } else {
                    Value::Prim(Rc::new(PrimApp { prim: p.prim, args }))
                }
            }
            Value::Attrs(a) if a.entries.contains_key("__functor") => {
                let functor = a.get("__functor").map(|e| e.value);
                let Some(functor) = functor else {
                    return Value::Null;
                };
                let functor = self.force(functor);
                let me = self.done(Value::Attrs(Rc::clone(&a)));
                let g = self.apply(functor, me, loc.clone());
                self.apply(g, arg, loc)
            }
            Value::Unknown(u) => Value::Unknown(u),
            // deploy-rs's `lib.<system>.activate.<kind> config`: keep the
            // configuration so profiles can name the host they deploy.
            Value::Input(i)
                if i.path.len() == 4 && i.path[0] == "lib" && i.path[2] == "activate" =>
            {
                Value::Activation(Rc::new(SystemCall {
                    args: arg,
                    location: loc,
                }))
            }
            Value::Input(i) => Value::unknown(
                UnknownKind::Opaque,
                format!(
                    "`{}` is a function of a flake input; its result is not computed statically",
                    i.display()
                ),
                loc,
            ),
            other => Value::unknown(
                UnknownKind::Error,
                format!(
                    "attempt to call a {}, which is not a function",
                    other.type_name()
                ),
                loc,
            ),
        }
    }

    fn call_closure(&mut self, c: &Closure, arg: ThunkId, loc: Option<Location>) -> Value {
        let scope = c.scope;
        let inner = self.new_scope(ScopeKind::Vars(HashMap::new()), scope);
        let mut vars: HashMap<String, ThunkId> = HashMap::new();
        match &c.param {
            Some(ast::Param::IdentParam(p)) => {
                if let Some(name) = p.ident().and_then(|i| ident_name(&i)) {
                    vars.insert(name, arg);
                }
            }
            Some(ast::Param::Pattern(pattern)) => {
                let pattern = self.pattern_syntax(pattern);
                if let Some(name) = &pattern.bind {
                    vars.insert(name.clone(), arg);
                }
                let given = self.force(arg);
                for (name, default) in &pattern.entries {
                    let thunk = match &given {
                        Value::Attrs(a) => a.get(name).map(|e| e.value),
                        _ => None,
                    };
                    let thunk = match (thunk, &given, default.clone()) {
                        (Some(t), _, _) => t,
                        (None, Value::Attrs(a), default)
                            if a.fallback.is_some() && default.is_none() =>
                        {
                            let f = a
                                .fallback
                                .clone()
                                .map(|f| f.reason.clone())
                                .unwrap_or_default();
                            self.done(Value::unknown(
                                UnknownKind::Unsupported,
                                format!("`{name}`: {f}"),
                                loc.clone(),
                            ))
                        }
                        (None, Value::Attrs(_), Some(default)) => {
                            self.alloc(Deferred::Expr(default, inner))
                        }
                        (None, Value::Unknown(u), _) => self.done(Value::Unknown(Rc::clone(u))),
                        (None, Value::Attrs(_), None) => self.done(Value::unknown(
                            UnknownKind::Error,
                            format!("function called without required argument `{name}`"),
                            loc.clone(),
                        )),
                        (None, other, _) => {
                            let v = self.type_error(
                                "a function with a set pattern",
                                "set",
                                other,
                                loc.clone(),
                            );
                            self.done(v)
                        }
                    };
                    vars.insert(name.clone(), thunk);
                }
            }
            None => {}
        }
        if let Some(s) = self.scopes.get_mut(inner.0 as usize) {
            s.kind = ScopeKind::Vars(vars);
        }
        match &c.body {
            Some(body) => self.eval(body, inner),
            None => Value::unknown(
                UnknownKind::Error,
                "function without a body (syntax error)",
                c.location.clone(),
            ),
        }
    }

    // ----- rendering -----------------------------------------------------------

    /// Renders a value as JSON for tests and debugging: unknowns become
    /// `{"unknown": reason}`, functions `"<function>"`.
    ///
    /// This prints string values; never use it on configuration that may hold
    /// secrets in user-facing output.
    pub fn to_json(&mut self, v: Value, max_depth: usize) -> serde_json::Value {
        use serde_json::json;
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Float(f) => json!(f),
            Value::String(s) => json!(s.text),
            Value::Path(p) => json!({ "path": p.path }),
            Value::Lambda(_) | Value::Prim(_) => json!("<function>"),
            Value::Input(i) => json!({ "input": i.display() }),
            Value::NixosSystem(_) => json!("<nixosSystem>"),
            Value::Hive(_) => json!("<hive>"),
            Value::Activation(_) => json!("<activation>"),
            Value::Unknown(u) => json!({ "unknown": u.reason }),
            Value::List(_) | Value::Attrs(_) if max_depth == 0 => json!("<…>"),
            Value::List(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    let v = self.force(*item);
                    out.push(self.to_json(v, max_depth - 1));
                }
                serde_json::Value::Array(out)
            }
            Value::Attrs(a) => {
                let mut out = serde_json::Map::new();
                for (k, e) in &a.entries {
                    let v = self.force(e.value);
                    out.insert(k.clone(), self.to_json(v, max_depth - 1));
                }
                serde_json::Value::Object(out)
            }
        }
    }
}

/// Runs `f` on a thread with a large stack: evaluation recursion is bounded
/// by [`Limits::max_depth`], and this makes that bound safe whatever stack
/// the caller's thread has (test threads get 2 MiB).
pub(crate) fn with_big_stack<T: Send + Default>(f: impl FnOnce() -> T + Send) -> T {
    const STACK: usize = 256 * 1024 * 1024;
    let cell = std::sync::Mutex::new(Some(f));
    let take = || cell.lock().ok().and_then(|mut guard| guard.take());
    let ran = std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("strata-nix-eval".into())
            .stack_size(STACK)
            .spawn_scoped(s, || take().map(|f| f()));
        match handle {
            Ok(h) => match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => None,
        }
    });
    // Without a thread (spawning failed), run here: the depth bound still applies.
    ran.or_else(|| take().map(|f| f())).unwrap_or_default()
}

/// Evaluates a Nix expression given as text (as a file `expr.nix` at the root
/// of an empty repository) and renders the result as JSON, with NIX001/NIX003
/// findings. For tests, debugging and quick experiments.
pub fn eval_source(text: &str) -> (serde_json::Value, Vec<Diagnostic>) {
    eval_source_with(text, Limits::default())
}

/// [`eval_source`] with explicit limits.
pub fn eval_source_with(text: &str, limits: Limits) -> (serde_json::Value, Vec<Diagnostic>) {
    let text = text.to_string();
    with_big_stack(move || {
        let parsed = ParsedFile::parse(Arc::new(SourceFile::new("expr.nix", text)));
        let mut diagnostics = parsed.syntax_diagnostics();
        let mut files = BTreeMap::new();
        files.insert("expr.nix".to_string(), parsed);
        let mut ev = Evaluator::new(None, files, limits);
        let v = ev.import_file("expr.nix", None);
        let json = ev.to_json(v, 64);
        diagnostics.extend(ev.take_diagnostics());
        Diagnostic::sort(&mut diagnostics);
        (json, diagnostics)
    })
}
