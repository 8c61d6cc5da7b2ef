//! `flake.nix` (its `inputs` and `outputs`) and `flake.lock`.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Serialize;
use strata_core::{Code, Diagnostic, Location, SourceFile, Span};

use crate::eval::{AttrEntry, Attrs, Deferred, Evaluator, InputRef, ThunkId, Value};

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

/// Applies `outputs` to `{ self; <input> = opaque input; … }` and returns the
/// thunk of the result. Inputs are every declared input plus every formal of
/// `outputs` (Nix resolves undeclared ones through the registry).
pub(crate) fn outputs(
    ev: &mut Evaluator<'_>,
    flake: &Value,
    inputs: &[FlakeInput],
) -> Option<ThunkId> {
    let Value::Attrs(flake) = flake else {
        return None;
    };
    let entry = flake.get("outputs")?;
    let location = entry.location.clone();
    let f = ev.force(entry.value);
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
    let self_thunk = ev.alloc(Deferred::FlakeSelf(result));
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
        entries,
        fallback: None,
    })));
    ev.set_pending(result, Deferred::Apply(f, vec![arg], location));
    Some(result)
}

/// Fills `lock_node` and `locked_rev` from `flake.lock`; a lock that is not
/// valid JSON is reported (NIX001: the flake's files must parse) and ignored.
pub(crate) fn apply_lock(
    lock: &SourceFile,
    inputs: &mut [FlakeInput],
    diagnostics: &mut Vec<Diagnostic>,
) {
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
            return;
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
