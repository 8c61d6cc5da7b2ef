//! Thunks and forcing: running deferred work once, detecting a value that
//! depends on itself, forcing whole structures.

use super::*;

impl Evaluator<'_> {
    /// The value of a thunk if it was already forced, without forcing it.
    pub(crate) fn forced(&self, id: ThunkId) -> Option<&Value> {
        match self.slots.get(id.0 as usize) {
            Some(Slot::Done(v)) => Some(v),
            _ => None,
        }
    }

    /// Evaluates a thunk to weak head normal form (cached).
    pub fn force(&mut self, id: ThunkId) -> Value {
        let index = id.0 as usize;
        let Some(slot) = self.slots.get_mut(index) else {
            return Value::unknown(UnknownKind::Error, "internal: dangling thunk", None);
        };
        match slot {
            Slot::Done(v) => return v.clone(),
            Slot::Forcing(at) => {
                let at = at.clone();
                let loc = self.forcing_location(&at);
                return self.recursion(loc);
            }
            Slot::Pending(Deferred::NotReady(reason)) => {
                return Value::unknown(UnknownKind::Unsupported, reason.clone(), None);
            }
            Slot::Pending(_) => {}
        }
        self.remember_slot(index);
        let Slot::Pending(deferred) =
            std::mem::replace(&mut self.slots[index], Slot::Forcing(ForcingAt::Nowhere))
        else {
            return Value::unknown(UnknownKind::Error, "internal: thunk state", None);
        };
        self.slots[index] = Slot::Forcing(forcing_at(&deferred));
        let value = match self.enter(|ev| match ev.slots.get(index) {
            Some(Slot::Forcing(at)) => ev.forcing_location(at),
            _ => None,
        }) {
            Err(v) => v,
            Ok(()) => {
                let v = self.run(deferred);
                self.depth -= 1;
                v
            }
        };
        self.slots[index] = Slot::Done(value.clone());
        value
    }

    pub(super) fn recursion(&mut self, location: Option<Location>) -> Value {
        let reason = "infinite recursion: the value depends on itself".to_string();
        let mut diag = Diagnostic::new(
            Code::NixEvalLimit,
            format!("static evaluation stopped: {reason}"),
        )
        .help("a value that refers to itself (`rec { a = a; }`) never evaluates; break the cycle");
        if let Some(l) = location.clone() {
            diag = diag.at(l);
        }
        if !self.diagnostics.contains(&diag) {
            self.diagnostics.push(diag);
        }
        Value::unknown(UnknownKind::Limit, reason, location)
    }

    /// The location of a thunk being forced (see [`ForcingAt`]).
    fn forcing_location(&self, at: &ForcingAt) -> Option<Location> {
        match at {
            ForcingAt::Nowhere => None,
            ForcingAt::Node(scope, span) => self.loc_at(*scope, *span),
            ForcingAt::File(id) => self
                .files
                .get(id.0 as usize)
                .map(|f| Location::new(f.path.clone(), Span::at(0))),
            ForcingAt::Known(l) => l.clone(),
        }
    }

    pub(super) fn run(&mut self, deferred: Deferred) -> Value {
        match deferred {
            Deferred::Expr(e, scope) => self.eval(&e, scope),
            Deferred::Lookup(name, scope, loc) => self.lookup(&name, scope, loc),
            Deferred::Select(from, key, loc) => {
                let v = self.force(from);
                self.select(v, &key, loc)
            }
            Deferred::Apply(f, args, loc) => self.apply_all(f, &args, loc),
            Deferred::File(id) => {
                let file = &self.files[id.0 as usize];
                let loc = Some(Location::new(file.path.clone(), Span::at(0)));
                if file.has_errors {
                    let reason = format!("`{}` has syntax errors", file.path);
                    return Value::unknown(UnknownKind::Error, reason, loc);
                }
                match file.root.clone() {
                    Some(e) => {
                        let scope = file.root_scope;
                        self.eval(&e, scope)
                    }
                    None => {
                        Value::unknown(UnknownKind::Error, format!("`{}` is empty", file.path), loc)
                    }
                }
            }
            Deferred::Merge(node) => self.merge(&node),
            Deferred::Submodule(node) => self.eval_submodule(&node),
            Deferred::DynamicSet(set) => self.force_dynamic_set(&set),
            Deferred::FlakeSelf(outputs, dir) => match self.force(outputs) {
                Value::Attrs(a) => {
                    let mut attrs = (*a).clone();
                    let root = Value::Path(Rc::new(NixPath {
                        path: dir,
                        in_repo: true,
                        location: None,
                    }));
                    let root = self.done(root);
                    attrs.entries.insert(
                        "outPath".to_string(),
                        AttrEntry {
                            value: root,
                            location: None,
                        },
                    );
                    Value::Attrs(Rc::new(attrs))
                }
                other => other,
            },
            Deferred::NotReady(reason) => Value::unknown(UnknownKind::Unsupported, reason, None),
        }
    }

    /// Forces a value completely (lists and sets included), bounded by the
    /// budget; used by readers that need whole structures.
    pub fn force_deep(&mut self, id: ThunkId, max_depth: usize) -> Value {
        let v = self.force(id);
        if max_depth > 0 {
            match &v {
                Value::List(items) => {
                    for item in items.iter() {
                        self.force_deep(*item, max_depth - 1);
                    }
                }
                Value::Attrs(a) => {
                    for entry in a.entries.values() {
                        self.force_deep(entry.value, max_depth - 1);
                    }
                }
                _ => {}
            }
        }
        v
    }
}

/// Where the thunk of `deferred` was written, as [`ForcingAt`] keeps it.
fn forcing_at(deferred: &Deferred) -> ForcingAt {
    match deferred {
        Deferred::Expr(e, scope) => {
            ForcingAt::Node(*scope, crate::syntax::range_span(syn(e).text_range()))
        }
        Deferred::Lookup(_, _, l) | Deferred::Select(_, _, l) | Deferred::Apply(_, _, l) => {
            ForcingAt::Known(l.clone())
        }
        Deferred::File(id) => ForcingAt::File(*id),
        Deferred::Merge(_)
        | Deferred::Submodule(_)
        | Deferred::DynamicSet(_)
        | Deferred::FlakeSelf(..)
        | Deferred::NotReady(_) => ForcingAt::Nowhere,
    }
}
