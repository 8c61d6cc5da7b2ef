//! `flake.nix` (its `inputs` and `outputs`) and `flake.lock`.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Serialize;
use strata_core::{Code, Diagnostic, Location, SourceFile, Span};

use crate::eval::{AttrEntry, Attrs, Deferred, Evaluator, InputRef, ThunkId, UnknownKind, Value};
use crate::hosts::with_article;

/// A flake input as `flake.nix` declares it and `flake.lock` pins it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlakeInput {
    /// The input's name.
    pub name: String,
    /// Where the name is written in `flake.nix`.
    pub location: Location,
    /// `url`, when given.
    pub url: Option<String>,
    /// `follows`: this input is another input (`"nixpkgs"`, `"a/b"`).
    pub follows: Option<String>,
    /// `inputs.<name>.follows` of this input: its own inputs it redirects.
    pub input_follows: BTreeMap<String, String>,
    /// `flake = false` (a plain source tree), when given.
    pub flake: Option<bool>,
    /// The node of `flake.lock` that pins it.
    pub lock_node: Option<String>,
    /// The locked revision (`locked.rev`).
    pub locked_rev: Option<String>,
    /// Whether an output uses it: its name appears in the body of `outputs`
    /// (as a formal used there, or `inputs.<name>`), in another repository
    /// file when `outputs` hands its whole argument on (`specialArgs = {
    /// inherit inputs; }`), or another input `follows` it. `true` whenever
    /// that cannot be decided, so NIX007 only fires on certain cases.
    pub used: bool,
}

/// `flake.lock`, as far as the lint rules need it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlakeLock {
    /// Entries no declared input reaches: root inputs `flake.nix` no longer
    /// declares, and nodes nothing refers to (after following `follows`).
    pub orphans: Vec<LockOrphan>,
}

/// A `flake.lock` entry nothing uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LockOrphan {
    /// The input or node name.
    pub name: String,
    /// Where the name is written in `flake.lock`.
    pub location: Location,
    /// `true` for an entry of the root node's `inputs`, `false` for a node.
    pub root_input: bool,
}

/// The names of the inputs a flake declares, in order, with their entries.
pub(crate) fn read_inputs(ev: &mut Evaluator<'_>, flake: &Value) -> Vec<FlakeInput> {
    let mut out = Vec::new();
    let Value::Attrs(flake) = flake else {
        return out;
    };
    let Some(inputs) = flake.get("inputs").map(|e| e.value) else {
        return out;
    };
    let Value::Attrs(inputs) = ev.force(inputs) else {
        return out;
    };
    for (name, entry) in &inputs.entries {
        let location = entry
            .location
            .clone()
            .unwrap_or_else(|| Location::new("flake.nix", Span::at(0)));
        let mut input = FlakeInput {
            name: name.clone(),
            location,
            url: None,
            follows: None,
            input_follows: BTreeMap::new(),
            flake: None,
            lock_node: None,
            locked_rev: None,
            used: true,
        };
        if let Value::Attrs(spec) = ev.force(entry.value) {
            input.url = string_attr(ev, &spec, "url");
            input.follows = string_attr(ev, &spec, "follows");
            if let Some(Value::Bool(b)) = spec.get("flake").map(|e| e.value).map(|t| ev.force(t)) {
                input.flake = Some(b);
            }
            if let Some(Value::Attrs(nested)) =
                spec.get("inputs").map(|e| e.value).map(|t| ev.force(t))
            {
                for (n, e) in &nested.entries {
                    if let Value::Attrs(n_spec) = ev.force(e.value)
                        && let Some(f) = string_attr(ev, &n_spec, "follows")
                    {
                        input.input_follows.insert(n.clone(), f);
                    }
                }
            }
        }
        out.push(input);
    }
    out
}

fn string_attr(ev: &mut Evaluator<'_>, set: &Attrs, key: &str) -> Option<String> {
    let t = set.get(key)?.value;
    ev.force(t).as_str().map(str::to_string)
}

/// The formal argument names of the `outputs` function.
pub(crate) fn output_formals(ev: &mut Evaluator<'_>, flake: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let Value::Attrs(flake) = flake else {
        return names;
    };
    let Some(entry) = flake.get("outputs") else {
        return names;
    };
    if let Value::Lambda(c) = ev.force(entry.value)
        && let Some(rnix::ast::Param::Pattern(p)) = &c.param
    {
        for e in p.pat_entries() {
            if let Some(n) = e.ident().and_then(|i| crate::syntax::ident_name(&i)) {
                names.push(n);
            }
        }
    }
    names
}

/// Where `outputs` is defined in `flake.nix`.
pub(crate) fn outputs_location(flake: &Value) -> Option<Location> {
    match flake {
        Value::Attrs(flake) => flake.get("outputs")?.location.clone(),
        _ => None,
    }
}

/// Applies `outputs` to `{ self; <input> = opaque input; … }` and returns the
/// thunk of the result. Inputs are every declared input plus every formal of
/// `outputs` (Nix resolves undeclared ones through the registry).
///
/// A `flake.nix` that is not a set, has no `outputs`, or whose `outputs` is
/// not a function is a NIX013 finding (Nix refuses such a flake) and `None`.
pub(crate) fn outputs(
    ev: &mut Evaluator<'_>,
    flake: &Value,
    inputs: &[FlakeInput],
    dir: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ThunkId> {
    let flake_path = if dir.is_empty() {
        "flake.nix".to_string()
    } else {
        format!("{dir}/flake.nix")
    };
    let malformed = |what: String, location: Option<Location>, help: &str| {
        let location = location.unwrap_or_else(|| Location::new(&flake_path, Span::at(0)));
        Diagnostic::new(Code::NixValueMalformed, format!("`{flake_path}`: {what}"))
            .at(location)
            .help(help)
    };
    let flake = match flake {
        Value::Attrs(flake) => flake,
        Value::Unknown(u) if u.kind != UnknownKind::Error => return None,
        Value::Unknown(u) => {
            diagnostics.push(malformed(
                format!("evaluating it fails: {}", u.reason),
                u.location.clone(),
                "fix the expression: Nix cannot read this flake",
            ));
            return None;
        }
        other => {
            diagnostics.push(malformed(
                format!("it is {}, not a set", with_article(other.type_name())),
                None,
                "a flake is a set `{ inputs = { … }; outputs = { self, … }: { … }; }`",
            ));
            return None;
        }
    };
    let Some(entry) = flake.get("outputs") else {
        diagnostics.push(malformed(
            "it has no `outputs`".to_string(),
            None,
            "add `outputs = { self, ... }: { … };`: Nix requires it",
        ));
        return None;
    };
    let location = entry.location.clone();
    let f = ev.force(entry.value);
    if !matches!(f, Value::Lambda(_) | Value::Prim(_) | Value::Unknown(_)) {
        diagnostics.push(malformed(
            format!(
                "`outputs` is {}, not a function",
                with_article(f.type_name())
            ),
            location,
            "write `outputs = { self, ... }: { … };`: Nix calls it with the inputs",
        ));
        return None;
    }
    let mut names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    if let Value::Lambda(c) = &f
        && let Some(rnix::ast::Param::Pattern(p)) = &c.param
    {
        for e in p.pat_entries() {
            if let Some(n) = e.ident().and_then(|i| crate::syntax::ident_name(&i)) {
                names.push(n);
            }
        }
    }
    let result = ev.alloc(Deferred::NotReady(
        "the flake's outputs are being set up".to_string(),
    ));
    let self_thunk = ev.alloc(Deferred::FlakeSelf(result, dir.to_string()));
    let mut entries = BTreeMap::new();
    for name in names {
        if name == "self" {
            continue;
        }
        let v = Value::Input(Rc::new(InputRef {
            input: name.clone(),
            path: Vec::new(),
        }));
        let t = ev.done(v);
        entries.entry(name).or_insert(AttrEntry {
            value: t,
            location: None,
        });
    }
    entries.insert(
        "self".to_string(),
        AttrEntry {
            value: self_thunk,
            location: None,
        },
    );
    let arg = ev.done(Value::Attrs(Rc::new(Attrs {
        entries: entries.into(),
        fallback: None,
    })));
    ev.set_pending(result, Deferred::Apply(f, vec![arg], location));
    ev.set_outputs(result);
    Some(result)
}

/// Fills `lock_node` and `locked_rev` from `flake.lock` and finds its
/// orphan entries; a lock that is not valid JSON is reported (NIX001: the
/// flake's files must parse) and ignored. `formals` are the names the
/// `outputs` function takes (inputs Nix finds through the registry).
pub(crate) fn apply_lock(
    lock: &SourceFile,
    inputs: &mut [FlakeInput],
    formals: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<FlakeLock> {
    let json: serde_json::Value = match serde_json::from_str(lock.text()) {
        Ok(j) => j,
        Err(e) => {
            let offset = lock.offset_of(e.line(), e.column()).unwrap_or(0);
            diagnostics.push(
                Diagnostic::new(
                    Code::NixSyntax,
                    format!("`{}` is not valid JSON: {e}", lock.path()),
                )
                .at(Location::new(lock.path(), Span::at(offset)))
                .help("regenerate it with `nix flake lock`"),
            );
            return None;
        }
    };
    let nodes = &json["nodes"];
    let root_name = json["root"].as_str().unwrap_or("root");
    for input in inputs.iter_mut() {
        let Some(node) = resolve_lock_input(nodes, root_name, &input.name) else {
            continue;
        };
        input.locked_rev = nodes[&node]["locked"]["rev"].as_str().map(str::to_string);
        input.lock_node = Some(node);
    }
    Some(FlakeLock {
        orphans: lock_orphans(lock, &json, inputs, formals),
    })
}

fn lock_orphans(
    lock: &SourceFile,
    json: &serde_json::Value,
    inputs: &[FlakeInput],
    formals: &[String],
) -> Vec<LockOrphan> {
    let text = lock.text();
    let root = json["root"].as_str().unwrap_or("root");
    let nodes = &json["nodes"];
    let Some(node_map) = nodes.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // The root node's object, where its input names are written.
    let root_at = text.find(&format!("\"{root}\": {{")).unwrap_or(0);
    let declared = |n: &str| inputs.iter().any(|i| i.name == n) || formals.iter().any(|f| f == n);
    let mut reachable = std::collections::BTreeSet::new();
    reachable.insert(root.to_string());
    let mut queue = Vec::new();
    if let Some(root_inputs) = nodes[root]["inputs"].as_object() {
        for name in root_inputs.keys() {
            // A stale root input is reported once: its nodes are walked
            // too, so they are not reported again as unreachable.
            queue.push(name.clone());
            if !declared(name) {
                let at = text[root_at..]
                    .find(&format!("\"{name}\""))
                    .map_or(root_at, |i| root_at + i);
                out.push(LockOrphan {
                    name: name.clone(),
                    location: Location::new(lock.path(), Span::new(at, at + name.len() + 2)),
                    root_input: true,
                });
            }
        }
    }
    // Walk from the declared root inputs through every node's inputs.
    let mut seen_refs = std::collections::BTreeSet::new();
    let mut pending: Vec<(String, String)> =
        queue.into_iter().map(|n| (root.to_string(), n)).collect();
    while let Some((from, input)) = pending.pop() {
        if !seen_refs.insert((from.clone(), input.clone())) || seen_refs.len() > 10_000 {
            continue;
        }
        let Some(node) = resolve_lock_ref(nodes, root, &nodes[&from]["inputs"][&input]) else {
            continue;
        };
        if reachable.insert(node.clone())
            && let Some(sub) = nodes[&node]["inputs"].as_object()
        {
            for k in sub.keys() {
                pending.push((node.clone(), k.clone()));
            }
        }
    }
    for name in node_map.keys() {
        if reachable.contains(name) {
            continue;
        }
        let at = text.find(&format!("\"{name}\": {{")).unwrap_or(0);
        out.push(LockOrphan {
            name: name.clone(),
            location: Location::new(lock.path(), Span::new(at, at + name.len() + 2)),
            root_input: false,
        });
    }
    out.sort_by_key(|o| o.location.span);
    out
}

/// The node a reference in some node's `inputs` resolves to.
fn resolve_lock_ref(
    nodes: &serde_json::Value,
    root: &str,
    reference: &serde_json::Value,
) -> Option<String> {
    match reference {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(path) => {
            let first = path.first()?.as_str()?;
            // A follows path is read from the root: resolve its first step
            // there, then each further step in the node reached.
            let mut node = resolve_lock_input(nodes, root, first)?;
            for step in &path[1..] {
                let step = step.as_str()?;
                node = resolve_lock_ref(nodes, root, &nodes[&node]["inputs"][step])?;
            }
            Some(node)
        }
        _ => None,
    }
}

/// Marks which inputs the flake's outputs use (see [`FlakeInput::used`]).
pub(crate) fn mark_used(
    parsed: &BTreeMap<String, crate::files::ParsedFile>,
    flake_path: &str,
    inputs: &mut [FlakeInput],
) {
    use rnix::ast::{self, HasEntry};
    use rnix::{SyntaxKind, SyntaxNode};
    let Some(flake) = parsed.get(flake_path) else {
        return;
    };
    if flake.has_errors() {
        return;
    }
    let Some(ast::Expr::AttrSet(set)) = flake.root().expr() else {
        return;
    };
    let outputs = set.attrpath_values().find(|apv| {
        apv.attrpath()
            .map(|p| p.attrs().map(|a| a.to_string()).collect::<Vec<_>>())
            .is_some_and(|names| names == ["outputs"])
    });
    let Some(ast::Expr::Lambda(lambda)) = outputs.and_then(|o| o.value()) else {
        return;
    };
    let whole_arg = match lambda.param() {
        Some(ast::Param::Pattern(p)) => p
            .pat_bind()
            .and_then(|b| b.ident())
            .and_then(|i| crate::syntax::ident_name(&i)),
        Some(ast::Param::IdentParam(i)) => i.ident().and_then(|i| crate::syntax::ident_name(&i)),
        None => None,
    };
    let idents = |node: &SyntaxNode| -> std::collections::BTreeSet<String> {
        node.descendants()
            .filter(|n| n.kind() == SyntaxKind::NODE_IDENT)
            .map(|n| n.text().to_string())
            .collect()
    };
    let Some(body) = lambda.body() else { return };
    let body_idents = idents(crate::syntax::syn(&body));
    let handed_on = whole_arg.as_ref().is_some_and(|w| body_idents.contains(w));
    let other_idents: std::collections::BTreeSet<String> = if handed_on {
        parsed
            .iter()
            .filter(|(p, _)| p.as_str() != "flake.nix")
            .flat_map(|(_, f)| idents(crate::syntax::syn(&f.root())))
            .collect()
    } else {
        Default::default()
    };
    let followed: std::collections::BTreeSet<String> = inputs
        .iter()
        .flat_map(|i| i.follows.iter().chain(i.input_follows.values()))
        .map(|f| f.split('/').next().unwrap_or(f).to_string())
        .collect();
    for input in inputs.iter_mut() {
        input.used = body_idents.contains(&input.name)
            || other_idents.contains(&input.name)
            || followed.contains(&input.name);
    }
}

/// The lock node an input of `from` resolves to: a node name, or a `follows`
/// path from the root (`["nixpkgs"]`, `["a", "b"]`).
fn resolve_lock_input(nodes: &serde_json::Value, root: &str, name: &str) -> Option<String> {
    let mut reference = nodes[root]["inputs"][name].clone();
    // A follows path can point at another follows; bound the chase.
    for _ in 0..16 {
        match reference {
            serde_json::Value::String(s) => return Some(s),
            serde_json::Value::Array(path) => {
                let mut node = root.to_string();
                let mut next = None;
                for (i, step) in path.iter().enumerate() {
                    let step = step.as_str()?;
                    let r = &nodes[&node]["inputs"][step];
                    if i + 1 == path.len() {
                        next = Some(r.clone());
                    } else {
                        node = match r {
                            serde_json::Value::String(s) => s.clone(),
                            _ => return None,
                        };
                    }
                }
                reference = next?;
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_follows_paths_resolve() {
        let nodes = serde_json::json!({
            "root": { "inputs": { "a": "a", "nixpkgs": "nixpkgs_2", "pkgs": ["nixpkgs"], "deep": ["a", "nixpkgs"] } },
            "a": { "inputs": { "nixpkgs": ["nixpkgs"] } },
            "nixpkgs_2": { "locked": { "rev": "abc" } }
        });
        assert_eq!(
            resolve_lock_input(&nodes, "root", "nixpkgs").as_deref(),
            Some("nixpkgs_2")
        );
        assert_eq!(
            resolve_lock_input(&nodes, "root", "pkgs").as_deref(),
            Some("nixpkgs_2")
        );
        assert_eq!(
            resolve_lock_input(&nodes, "root", "deep").as_deref(),
            Some("nixpkgs_2")
        );
        assert_eq!(resolve_lock_input(&nodes, "root", "missing"), None);
    }
}
