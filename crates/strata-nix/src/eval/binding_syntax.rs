//! The bindings a set, a `let` or a function's set pattern writes, as read
//! from its syntax, kept per node: a module's body is built and its
//! function called again for every host, and walking the syntax tree for
//! them (a cursor allocated per node visited) was a tenth of the
//! evaluation. What names and values evaluate to is not kept: only what the
//! text says.

use super::*;

/// One binding of a set or `let`, as written.
pub(super) enum SetBinding {
    /// `inherit (from) a b;`: the source expression and its node, and each
    /// attribute's node with its name (`None` for a name only known by
    /// evaluating it, which `inherit` skips).
    Inherit {
        from: Option<(Option<ast::Expr>, SyntaxNode)>,
        attrs: Vec<(SyntaxNode, Option<String>)>,
    },
    /// `a.b.c = value;`: the path's attributes, the index of the first name
    /// computed when the set is built (after the first), and the value.
    Value {
        attrs: Vec<ast::Attr>,
        computed: Option<usize>,
        value: Option<ast::Expr>,
    },
    /// A binding without an attribute path (a syntax error).
    Unreadable,
}

/// A function's set pattern `{ a, b ? default, ... } @ all`, as written.
pub(super) struct PatternSyntax {
    /// The `@` name.
    pub(super) bind: Option<String>,
    /// Each entry with a name, in order, with its default.
    pub(super) entries: Vec<(String, Option<ast::Expr>)>,
}

impl Evaluator<'_> {
    /// The set pattern `pattern` writes, read from its syntax the first time.
    pub(super) fn pattern_syntax(&mut self, pattern: &ast::Pattern) -> Rc<PatternSyntax> {
        if let Some(read) = self.pattern_syntax.get(syn(pattern)) {
            return Rc::clone(read);
        }
        let read = Rc::new(PatternSyntax {
            bind: pattern
                .pat_bind()
                .and_then(|b| b.ident())
                .and_then(|i| ident_name(&i)),
            entries: pattern
                .pat_entries()
                .filter_map(|entry| {
                    Some((entry.ident().and_then(|i| ident_name(&i))?, entry.default()))
                })
                .collect(),
        });
        self.pattern_syntax
            .insert(syn(pattern).clone(), Rc::clone(&read));
        read
    }

    /// The bindings of `node`, read from its syntax the first time.
    pub(super) fn set_bindings<N: HasEntry + ast::AstNode<Language = rnix::NixLanguage>>(
        &mut self,
        node: &N,
    ) -> Rc<[SetBinding]> {
        // rowan's nodes are equal and hash alike when they are the same
        // node of the same parse (green node and offset), whichever cursor
        // reached them.
        if let Some(bindings) = self.set_syntax.get(syn(node)) {
            return Rc::clone(bindings);
        }
        let bindings: Rc<[SetBinding]> = node.entries().map(|entry| read_binding(&entry)).collect();
        self.set_syntax
            .insert(syn(node).clone(), Rc::clone(&bindings));
        bindings
    }
}

fn read_binding(entry: &ast::Entry) -> SetBinding {
    match entry {
        ast::Entry::Inherit(inherit) => SetBinding::Inherit {
            from: inherit.from().map(|f| (f.expr(), syn(&f).clone())),
            attrs: inherit
                .attrs()
                .map(|attr| {
                    let name = match &attr {
                        ast::Attr::Ident(i) => ident_name(i),
                        ast::Attr::Str(s) => crate::syntax::static_string(s),
                        ast::Attr::Dynamic(_) => None,
                    };
                    (syn(&attr).clone(), name)
                })
                .collect(),
        },
        ast::Entry::AttrpathValue(apv) => {
            let Some(path) = apv.attrpath() else {
                return SetBinding::Unreadable;
            };
            let attrs: Vec<ast::Attr> = path.attrs().collect();
            let computed = attrs
                .iter()
                .skip(1)
                .position(super::attrs::is_computed_name)
                .map(|i| i + 1);
            SetBinding::Value {
                attrs,
                computed,
                value: apv.value(),
            }
        }
    }
}
