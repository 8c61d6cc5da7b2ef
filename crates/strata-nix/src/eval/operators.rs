//! Operators: `//`, `++`, `+` and arithmetic, comparison and equality.

use super::*;

impl Evaluator<'_> {
    pub(super) fn eval_binop(&mut self, op: &ast::BinOp, scope: ScopeId) -> Value {
        use ast::BinOpKind::*;
        let node = syn(op).clone();
        let loc = self.loc(scope, &node);
        let Some(kind) = op.operator() else {
            return self.syntax_unknown(scope, &node);
        };
        match kind {
            And | Or | Implication => {
                let lhs = self.eval_opt(op.lhs(), scope, &node);
                let short = match (kind, &lhs) {
                    (And, Value::Bool(false)) => Some(false),
                    (Or, Value::Bool(true)) => Some(true),
                    (Implication, Value::Bool(false)) => Some(true),
                    _ => None,
                };
                if let Some(b) = short {
                    return Value::Bool(b);
                }
                if !matches!(lhs, Value::Bool(_) | Value::Unknown(_)) {
                    return self.type_error("a boolean operator", "bool", &lhs, loc);
                }
                let rhs = self.eval_opt(op.rhs(), scope, &node);
                match (&lhs, &rhs) {
                    (Value::Bool(_), Value::Bool(b)) => Value::Bool(*b),
                    // An unknown left side: the right side alone may decide.
                    (Value::Unknown(_), Value::Bool(false)) if kind == And => Value::Bool(false),
                    (Value::Unknown(_), Value::Bool(true)) if kind != And => Value::Bool(true),
                    (Value::Unknown(u), _) => Value::Unknown(Rc::clone(u)),
                    (_, other) => self.type_error("a boolean operator", "bool", other, loc),
                }
            }
            PipeRight | PipeLeft => {
                let (f_expr, x_expr) = if kind == PipeRight {
                    (op.rhs(), op.lhs())
                } else {
                    (op.lhs(), op.rhs())
                };
                let f = self.eval_opt(f_expr, scope, &node);
                let x = self.thunk(x_expr, scope, &node);
                self.apply(f, x, loc)
            }
            _ => {
                let lhs = self.eval_opt(op.lhs(), scope, &node);
                let rhs = self.eval_opt(op.rhs(), scope, &node);
                self.binary(kind, lhs, rhs, loc)
            }
        }
    }

    /// A strict binary operator on two values.
    pub(crate) fn binary(
        &mut self,
        kind: ast::BinOpKind,
        lhs: Value,
        rhs: Value,
        loc: Option<Location>,
    ) -> Value {
        use ast::BinOpKind::*;
        match kind {
            Equal | NotEqual => match self.equal(&lhs, &rhs) {
                Some(b) => Value::Bool(if kind == Equal { b } else { !b }),
                None => {
                    self.unknown_of(&lhs, &rhs, "comparison of values not known statically", loc)
                }
            },
            Less | LessOrEq | More | MoreOrEq => match self.compare(&lhs, &rhs) {
                Some(ord) => Value::Bool(match kind {
                    Less => ord.is_lt(),
                    LessOrEq => ord.is_le(),
                    More => ord.is_gt(),
                    _ => ord.is_ge(),
                }),
                None => self.unknown_of(&lhs, &rhs, "values cannot be compared", loc),
            },
            Concat => match (&lhs, &rhs) {
                (Value::List(a), Value::List(b)) => {
                    if let Err(limit) =
                        self.charge((a.len() + b.len()) as u64 * LIST_ITEM_BYTES, &loc)
                    {
                        return limit;
                    }
                    let mut items = Vec::with_capacity(a.len() + b.len());
                    items.extend(a.iter().copied());
                    items.extend(b.iter().copied());
                    Value::List(Rc::new(items))
                }
                (Value::List(_), other) | (other, _) => self.type_error("`++`", "list", other, loc),
            },
            Update => match (&lhs, &rhs) {
                (Value::Attrs(a), Value::Attrs(b)) => {
                    // Nix copies the left set too; a fold of `//` updates
                    // is quadratic there as well, and the budget stops it.
                    let size = (a.entries.len() + b.entries.len()) as u64;
                    if let Err(limit) = self.charge(size * ATTR_ENTRY_BYTES, &loc) {
                        return limit;
                    }
                    let mut entries = a.entries.clone();
                    for (k, e) in &b.entries {
                        entries.insert(k.clone(), e.clone());
                    }
                    let fallback = b.fallback.clone().or_else(|| a.fallback.clone());
                    Value::Attrs(Rc::new(Attrs { entries, fallback }))
                }
                // `unknown // { known = …; }`: the right side's names are
                // certain; any other name is the unknown side's.
                (Value::Unknown(_) | Value::Input(_), Value::Attrs(b)) => {
                    Value::Attrs(Rc::new(Attrs {
                        entries: b.entries.clone(),
                        fallback: unknown_part(&lhs, &loc),
                    }))
                }
                (Value::Attrs(_), other) | (other, _) => self.type_error("`//`", "set", other, loc),
            },
            Add => self.add(lhs, rhs, loc),
            Sub | Mul | Div => self.arith(kind, lhs, rhs, loc),
            _ => Value::unknown(UnknownKind::Unsupported, "unsupported operator", loc),
        }
    }

    pub(super) fn unknown_of(
        &self,
        lhs: &Value,
        rhs: &Value,
        reason: &str,
        loc: Option<Location>,
    ) -> Value {
        match (lhs, rhs) {
            (Value::Unknown(u), _) | (_, Value::Unknown(u)) => Value::Unknown(Rc::clone(u)),
            _ => Value::unknown(UnknownKind::Error, reason, loc),
        }
    }

    pub(super) fn add(&mut self, lhs: Value, rhs: Value, loc: Option<Location>) -> Value {
        match (&lhs, &rhs) {
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                self.arith(ast::BinOpKind::Add, lhs, rhs, loc)
            }
            (Value::String(a), _) => match self.coerce_to_string(rhs.clone(), false, loc.clone()) {
                Ok(b) => match self.charge((a.text.len() + b.len()) as u64, &loc) {
                    Ok(()) => Value::string(format!("{}{}", a.text, b), loc),
                    Err(limit) => limit,
                },
                Err(u) => Value::Unknown(u),
            },
            (Value::Path(p), Value::String(s)) => {
                let joined = format!("{}{}", p.path, s.text);
                if p.in_repo {
                    // `./hosts + "/a"`: Nix concatenates, then canonicalises.
                    match join_relative("", &joined) {
                        Some(path) => Value::Path(Rc::new(NixPath {
                            path,
                            in_repo: true,
                            location: loc,
                        })),
                        None => Value::unknown(
                            UnknownKind::Opaque,
                            "a path that leaves the repository",
                            loc,
                        ),
                    }
                } else {
                    Value::Path(Rc::new(NixPath {
                        path: joined,
                        in_repo: false,
                        location: loc,
                    }))
                }
            }
            (Value::Path(_), Value::Path(_)) => Value::unknown(
                UnknownKind::Unsupported,
                "adding two paths is not supported by the static evaluator",
                loc,
            ),
            _ => self.unknown_of(&lhs, &rhs, "`+` expects numbers, strings or paths", loc),
        }
    }

    pub(super) fn arith(
        &mut self,
        kind: ast::BinOpKind,
        lhs: Value,
        rhs: Value,
        loc: Option<Location>,
    ) -> Value {
        use ast::BinOpKind::*;
        let overflow =
            |loc: Option<Location>| Value::unknown(UnknownKind::Error, "integer overflow", loc);
        match (&lhs, &rhs) {
            (Value::Int(a), Value::Int(b)) => {
                let r = match kind {
                    Add => a.checked_add(*b),
                    Sub => a.checked_sub(*b),
                    Mul => a.checked_mul(*b),
                    _ => {
                        if *b == 0 {
                            return Value::unknown(UnknownKind::Error, "division by zero", loc);
                        }
                        a.checked_div(*b)
                    }
                };
                r.map(Value::Int).unwrap_or_else(|| overflow(loc))
            }
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let a = as_f64(&lhs);
                let b = as_f64(&rhs);
                match kind {
                    Add => Value::Float(a + b),
                    Sub => Value::Float(a - b),
                    Mul => Value::Float(a * b),
                    _ if b == 0.0 => Value::unknown(UnknownKind::Error, "division by zero", loc),
                    _ => Value::Float(a / b),
                }
            }
            _ => self.unknown_of(&lhs, &rhs, "arithmetic expects numbers", loc),
        }
    }

    /// Deep equality; `None` when an unknown value decides it.
    pub(crate) fn equal(&mut self, a: &Value, b: &Value) -> Option<bool> {
        // Self-referencing structures (`let x = [ x ]; in x == x`) recurse
        // without forcing anything new: the depth bound stops them.
        if self.enter(|_| None).is_err() {
            return None;
        }
        let r = self.equal_inner(a, b);
        self.depth -= 1;
        r
    }

    pub(super) fn equal_inner(&mut self, a: &Value, b: &Value) -> Option<bool> {
        match (a, b) {
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
            (Value::Input(x), Value::Input(y)) if x == y => Some(true),
            (Value::Input(_), _) | (_, Value::Input(_)) => None,
            (Value::Null, Value::Null) => Some(true),
            (Value::Bool(x), Value::Bool(y)) => Some(x == y),
            (Value::Int(x), Value::Int(y)) => Some(x == y),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Some(as_f64(a) == as_f64(b))
            }
            (Value::String(x), Value::String(y)) => Some(x.text == y.text),
            (Value::Path(x), Value::Path(y)) => Some(x.path == y.path && x.in_repo == y.in_repo),
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Some(false);
                }
                let mut result = Some(true);
                for (i, j) in x.iter().zip(y.iter()) {
                    let (vi, vj) = (self.force(*i), self.force(*j));
                    match self.equal(&vi, &vj) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if x.fallback.is_some() || y.fallback.is_some() {
                    return None;
                }
                if x.entries.len() != y.entries.len() || !x.entries.keys().eq(y.entries.keys()) {
                    return Some(false);
                }
                let mut result = Some(true);
                for (ex, ey) in x.entries.values().zip(y.entries.values()) {
                    let (vx, vy) = (self.force(ex.value), self.force(ey.value));
                    match self.equal(&vx, &vy) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            (Value::NixosSystem(_) | Value::Hive(_) | Value::Activation(_), _)
            | (_, Value::NixosSystem(_) | Value::Hive(_) | Value::Activation(_)) => None,
            // Functions never compare equal in Nix.
            _ => Some(false),
        }
    }

    pub(super) fn compare(&mut self, a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
        if self.enter(|_| None).is_err() {
            return None;
        }
        let r = self.compare_inner(a, b);
        self.depth -= 1;
        r
    }

    pub(super) fn compare_inner(&mut self, a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                as_f64(a).partial_cmp(&as_f64(b))
            }
            (Value::String(x), Value::String(y)) => Some(x.text.cmp(&y.text)),
            (Value::Path(x), Value::Path(y)) => Some(x.path.cmp(&y.path)),
            (Value::List(x), Value::List(y)) => {
                for (i, j) in x.iter().zip(y.iter()) {
                    if !self.tick() {
                        return None;
                    }
                    let (vi, vj) = (self.force(*i), self.force(*j));
                    match self.compare(&vi, &vj)? {
                        std::cmp::Ordering::Equal => {}
                        other => return Some(other),
                    }
                }
                Some(x.len().cmp(&y.len()))
            }
            _ => None,
        }
    }
}

/// `x86_64-linux`, `aarch64-darwin`…: an attribute name that is a system.
/// Why a value that stands for an unknown set is unknown (`None` for
/// other values).
fn unknown_part(v: &Value, loc: &Option<Location>) -> Option<Rc<Unknown>> {
    match v {
        Value::Unknown(u) => Some(Rc::clone(u)),
        Value::Input(i) => Some(Rc::new(Unknown {
            kind: UnknownKind::Opaque,
            reason: format!(
                "`{}` comes from flake input `{}`, which strata does not read",
                i.display(),
                i.input
            ),
            location: loc.clone(),
        })),
        _ => None,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}
