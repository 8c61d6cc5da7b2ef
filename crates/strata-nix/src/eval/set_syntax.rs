//! The bindings of a set or `let` as read from its syntax, kept per node:
//! a module's body is built again for every host, and walking the syntax
//! tree for it (a cursor allocated per node visited) was a tenth of the
//! evaluation. What a binding's names and values evaluate to is not kept:
//! only what the text says.

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

impl Evaluator<'_> {
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
