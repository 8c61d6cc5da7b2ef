//! The evaluator, construct by construct.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use serde_json::json;
use strata_core::{Code, SourceFile};

use super::{AttrEntry, Attrs, Evaluator, InputRef, Limits, Value, eval_source, eval_source_with};
use crate::files::ParsedFile;

fn ev(src: &str) -> serde_json::Value {
    eval_source(src).0
}

fn is_unknown(v: &serde_json::Value) -> bool {
    v.get("unknown").is_some()
}

#[test]
fn literals() {
    assert_eq!(ev("1"), json!(1));
    assert_eq!(ev("-3"), json!(-3));
    assert_eq!(ev("1.5"), json!(1.5));
    assert_eq!(ev("null"), json!(null));
    assert_eq!(ev("true"), json!(true));
    assert_eq!(ev("\"a\\tb\""), json!("a\tb"));
    assert_eq!(ev("https://example.com/x"), json!("https://example.com/x"));
    assert!(is_unknown(&ev("99999999999999999999")));
}

#[test]
fn strings_interpolate() {
    assert_eq!(ev(r#"let x = "b"; in "a${x}c""#), json!("abc"));
    assert_eq!(ev("let n = 3; in \"n=${toString n}\""), json!("n=3"));
    assert_eq!(
        ev("''\n  line ${\"x\"}\n    indented\n''"),
        json!("line x\n  indented\n")
    );
    // An unknown part makes the whole string unknown.
    assert!(is_unknown(&ev(r#""a${builtins.currentSystem}""#)));
    // Interpolating an int is a Nix error.
    assert!(is_unknown(&ev(r#""${1}""#)));
}

#[test]
fn paths_resolve_relative_to_the_file() {
    assert_eq!(ev("./a/b.nix"), json!({ "path": "a/b.nix" }));
    assert_eq!(ev("./hosts + \"/x\""), json!({ "path": "hosts/x" }));
    assert_eq!(
        ev("let n = \"y\"; in ./hosts + \"/${n}\""),
        json!({ "path": "hosts/y" })
    );
    assert_eq!(ev("/etc/hosts"), json!({ "path": "/etc/hosts" }));
    assert!(is_unknown(&ev("../outside")));
    assert!(is_unknown(&ev("<nixpkgs>")));
    // A string that starts with a repository path stands for that path (its
    // store copy), so it can be imported or read.
    assert_eq!(ev("\"${./a}\""), json!({ "path": "a" }));
    assert_eq!(
        ev("\"${./.}/modules/x.nix\""),
        json!({ "path": "modules/x.nix" })
    );
    assert_eq!(
        ev("let root = ./a; sub = \"${root}/b\"; in \"${sub}/c.nix\""),
        json!({ "path": "a/b/c.nix" })
    );
    // Elsewhere in a string, a path's store path is not known.
    assert!(is_unknown(&ev("\"x${./a}\"")));
    assert!(is_unknown(&ev("\"${./a}-suffix\"")));
}

#[test]
fn attrsets_merge_attrpaths_and_inherit() {
    assert_eq!(
        ev("{ a.b = 1; a.c = 2; }"),
        json!({ "a": { "b": 1, "c": 2 } })
    );
    assert_eq!(
        ev("{ a = { b = 1; }; a.c = 2; }"),
        json!({ "a": { "b": 1, "c": 2 } })
    );
    assert_eq!(
        ev("{ a.c = 2; a = { b = 1; }; }"),
        json!({ "a": { "b": 1, "c": 2 } })
    );
    assert_eq!(
        ev("{ \"x y\" = 1; ${\"z\"} = 2; }"),
        json!({ "x y": 1, "z": 2 })
    );
    assert_eq!(ev("{ ${null} = 1; b = 2; }"), json!({ "b": 2 }));
    assert_eq!(
        ev("let x = 1; s = { y = 2; }; in { inherit x; inherit (s) y; }"),
        json!({ "x": 1, "y": 2 })
    );
    assert_eq!(ev("rec { a = 1; b = a + 1; }"), json!({ "a": 1, "b": 2 }));
    // `inherit` in a rec set reads the enclosing scope.
    assert_eq!(
        ev("let a = 5; in rec { inherit a; b = a; }"),
        json!({ "a": 5, "b": 5 })
    );
    // Non-rec sets do not see their own attributes.
    assert!(is_unknown(&ev("{ a = 1; b = a; }")["b"]));
}

#[test]
fn let_with_and_scoping() {
    assert_eq!(ev("let a = 1; b = a + 1; in b"), json!(2));
    assert_eq!(ev("let { x = 1; body = x + 1; }"), json!(2));
    assert_eq!(ev("with { a = 1; }; a"), json!(1));
    // Lexical bindings win over `with`, the inner `with` over the outer.
    assert_eq!(ev("let a = 1; in with { a = 2; }; a"), json!(1));
    assert_eq!(ev("with { a = 1; }; with { a = 2; }; a"), json!(2));
    // Globals win over `with` too.
    assert_eq!(ev("with { true = 0; }; true"), json!(true));
    // An unknown `with` makes unbound names unknown, not errors.
    let v = ev("let pkgs = builtins.currentSystem; in with pkgs; [ git ]");
    assert!(is_unknown(&v[0]));
}

#[test]
fn functions() {
    assert_eq!(ev("(x: x + 1) 2"), json!(3));
    assert_eq!(ev("({ a, b ? a * 2, ... }: a + b) { a = 1; }"), json!(3));
    assert_eq!(ev("({ a, ... }@args: args.c) { a = 1; c = 5; }"), json!(5));
    assert_eq!(ev("(args@{ a }: args.a) { a = 7; }"), json!(7));
    assert_eq!(ev("let f = a: b: a - b; in f 5 3"), json!(2));
    // A missing required argument is an unknown, not a crash.
    assert!(is_unknown(&ev("({ a }: a) { }")));
    assert_eq!(
        ev("let s = { __functor = self: x: x * 10; }; in s 4"),
        json!(40)
    );
}

#[test]
fn operators() {
    assert_eq!(ev("if 1 < 2 then \"y\" else \"n\""), json!("y"));
    assert_eq!(
        ev("{ a = 1; } // { b = 2; a = 3; }"),
        json!({ "a": 3, "b": 2 })
    );
    assert_eq!(ev("[ 1 ] ++ [ 2 3 ]"), json!([1, 2, 3]));
    assert_eq!(ev("\"a\" + \"b\""), json!("ab"));
    assert_eq!(ev("1 + 2.5"), json!(3.5));
    assert_eq!(ev("7 / 2"), json!(3));
    assert!(is_unknown(&ev("1 / 0")));
    assert!(is_unknown(&ev("9223372036854775807 + 1")));
    assert_eq!(
        ev("[ (1 == 1) (1 != 1) ({ a = [ 1 ]; } == { a = [ 1 ]; }) (1 == 1.0) ]"),
        json!([true, false, true, true])
    );
    assert_eq!(
        ev("[ (!true) (true && false) (false || true) (false -> false) ]"),
        json!([false, false, true, true])
    );
    assert_eq!(
        ev("[ (1 <= 1) (2 > 1) (\"a\" < \"b\") ([ 1 2 ] < [ 1 3 ]) (3 >= 4) ]"),
        json!([true, true, true, true, false])
    );
    // Short-circuiting never touches the other side.
    assert_eq!(ev("false && (throw \"x\")"), json!(false));
    assert_eq!(ev("true || (throw \"x\")"), json!(true));
    assert_eq!(ev("[ (-(1)) (-2.0) ]"), json!([-1, -2.0]));
    assert_eq!(ev("1 |> (x: x + 1)"), json!(2));
}

#[test]
fn select_or_and_has_attr() {
    assert_eq!(ev("{ a.b.c = 1; }.a.b.c"), json!(1));
    assert_eq!(ev("{ a = 1; }.b or 5"), json!(5));
    assert_eq!(ev("{ a = 1; }.a.b or 6"), json!(6));
    assert_eq!(ev("let k = \"a\"; in { a = 2; }.${k}"), json!(2));
    assert_eq!(
        ev("[ ({ a.b = 1; } ? a.b) ({ a = 1; } ? b) (1 ? a) ]"),
        json!([true, false, false])
    );
    assert!(is_unknown(&ev("{ a = 1; }.b")));
}

#[test]
fn assert_and_throw() {
    assert_eq!(ev("assert true; 1"), json!(1));
    assert!(is_unknown(&ev("assert false; 1")));
    let v = ev("throw \"secret-value\"");
    assert!(is_unknown(&v));
    assert!(
        !v.to_string().contains("secret-value"),
        "throw messages are not repeated"
    );
}

#[test]
fn builtins_on_sets() {
    assert_eq!(
        ev("builtins.mapAttrs (name: v: \"${name}=${toString v}\") { a = 1; b = 2; }"),
        json!({ "a": "a=1", "b": "b=2" })
    );
    assert_eq!(
        ev("builtins.attrNames { b = 1; a = 2; }"),
        json!(["a", "b"])
    );
    assert_eq!(ev("builtins.attrValues { b = 1; a = 2; }"), json!([2, 1]));
    assert_eq!(
        ev("builtins.listToAttrs [ { name = \"x\"; value = 1; } { name = \"x\"; value = 2; } ]"),
        json!({ "x": 1 })
    );
    assert_eq!(
        ev("[ (builtins.hasAttr \"a\" { a = 1; }) (builtins.getAttr \"a\" { a = 3; }) ]"),
        json!([true, 3])
    );
    assert_eq!(
        ev("removeAttrs { a = 1; b = 2; } [ \"a\" ]"),
        json!({ "b": 2 })
    );
    assert_eq!(ev("builtins.isAttrs { }"), json!(true));
}

#[test]
fn builtins_on_lists_and_strings() {
    assert_eq!(ev("builtins.genList (i: i * i) 4"), json!([0, 1, 4, 9]));
    assert_eq!(ev("map (x: x + 1) [ 1 2 ]"), json!([2, 3]));
    assert_eq!(ev("builtins.filter (x: x > 1) [ 1 2 3 ]"), json!([2, 3]));
    assert_eq!(
        ev("[ (builtins.elem 2 [ 1 2 ]) (builtins.elem 5 [ 1 2 ]) ]"),
        json!([true, false])
    );
    assert_eq!(
        ev("[ (builtins.length [ 1 2 ]) (builtins.head [ 7 8 ]) (builtins.tail [ 7 8 ]) ]"),
        json!([2, 7, [8]])
    );
    assert!(is_unknown(&ev("builtins.head [ ]")));
    assert_eq!(
        ev("builtins.foldl' (acc: x: acc + x) 0 [ 1 2 3 ]"),
        json!(6)
    );
    assert_eq!(
        ev("builtins.concatStringsSep \", \" [ \"a\" \"b\" ]"),
        json!("a, b")
    );
    assert_eq!(
        ev("[ (toString 5) (toString true) (toString null) (toString [ \"a\" 1 ]) ]"),
        json!(["5", "1", "", "a 1"])
    );
    assert_eq!(
        ev("builtins.replaceStrings [ \"-\" ] [ \"_\" ] \"a-b-c\""),
        json!("a_b_c")
    );
    assert_eq!(
        ev("[ (baseNameOf \"/a/b.nix\") (baseNameOf ./x/y.nix) ]"),
        json!(["b.nix", "y.nix"])
    );
    assert_eq!(
        ev(
            "[ (builtins.isList [ ]) (builtins.isString \"\") (builtins.isFunction (x: x)) (builtins.isFunction map) (builtins.isAttrs 1) ]"
        ),
        json!([true, true, true, true, false])
    );
    assert_eq!(ev("builtins.typeOf 1"), json!("int"));
    assert!(is_unknown(&ev("builtins.fetchGit { url = \"x\"; }")));
    assert!(is_unknown(&ev("builtins.toXML 1")));
}

/// Evaluates `src`, a function, applied to `{ lib; nixpkgs; colmena; }`
/// as a module or a flake's `outputs` would receive them.
fn ev_with_lib(src: &str) -> serde_json::Value {
    let src = src.to_string();
    super::with_big_stack(move || {
        let parsed = ParsedFile::parse(Arc::new(SourceFile::new("expr.nix", src)));
        let mut files = BTreeMap::new();
        files.insert("expr.nix".to_string(), parsed);
        let mut ev = Evaluator::new(None, files, Limits::default());
        let f = ev.import_file("expr.nix", None);
        let lib = ev.lib();
        let lib = ev.done(lib);
        let input = |name: &str| {
            Value::Input(Rc::new(InputRef {
                input: name.to_string(),
                path: Vec::new(),
            }))
        };
        let nixpkgs = ev.done(input("nixpkgs"));
        let colmena = ev.done(input("colmena"));
        let mut entries = BTreeMap::new();
        for (k, t) in [("lib", lib), ("nixpkgs", nixpkgs), ("colmena", colmena)] {
            entries.insert(
                k.to_string(),
                AttrEntry {
                    value: t,
                    location: None,
                },
            );
        }
        let arg = ev.done(Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback: None,
        })));
        let v = ev.apply(f, arg, None);
        ev.to_json(v, 16)
    })
}

#[test]
fn lib_encodes_module_properties_like_nixpkgs() {
    assert_eq!(
        ev_with_lib("{ lib, ... }: lib.mkDefault 1"),
        json!({ "_type": "override", "priority": 1000, "content": 1 })
    );
    assert_eq!(
        ev_with_lib("{ lib, ... }: lib.mkForce 1"),
        json!({ "_type": "override", "priority": 50, "content": 1 })
    );
    assert_eq!(
        ev_with_lib("{ lib, ... }: lib.mkIf true 1"),
        json!({ "_type": "if", "condition": true, "content": 1 })
    );
    assert_eq!(
        ev_with_lib("{ lib, ... }: lib.mkMerge [ 1 ]"),
        json!({ "_type": "merge", "contents": [1] })
    );
    assert_eq!(
        ev_with_lib("{ lib, ... }: lib.mkAfter [ 1 ]"),
        json!({ "_type": "order", "priority": 1500, "content": [1] })
    );
    assert_eq!(
        ev_with_lib(
            "{ lib, ... }: [ (lib.optional true 1) (lib.optional false 1) (lib.optionals true [ 2 ]) (lib.optionalString false \"x\") ]"
        ),
        json!([[1], [], [2], ""])
    );
    assert_eq!(
        ev_with_lib("{ lib, ... }: lib.genAttrs [ \"a\" ] (n: n + \"!\")"),
        json!({ "a": "a!" })
    );
    assert!(is_unknown(&ev_with_lib(
        "{ lib, ... }: lib.notAFunctionStrataKnows 1"
    )));
}

#[test]
fn flake_inputs_are_opaque_but_lib_calls_are_recognised() {
    assert_eq!(
        ev_with_lib("{ nixpkgs, ... }: nixpkgs.lib.nixosSystem { modules = [ ]; }"),
        json!("<nixosSystem>")
    );
    assert_eq!(
        ev_with_lib("{ colmena, ... }: colmena.lib.makeHive { }"),
        json!("<hive>")
    );
    assert_eq!(
        ev_with_lib("{ nixpkgs, ... }: nixpkgs.lib.mkForce 1")["priority"],
        json!(50)
    );
    assert_eq!(
        ev_with_lib("{ nixpkgs, ... }: nixpkgs.legacyPackages.x86_64-linux"),
        json!({ "input": "nixpkgs.legacyPackages.x86_64-linux" })
    );
    let v = ev_with_lib("{ nixpkgs, ... }: nixpkgs.legacyPackages.x86_64-linux.hello.override { }");
    assert!(is_unknown(&v));
    assert!(is_unknown(&ev_with_lib(
        "{ nixpkgs, ... }: import nixpkgs { }"
    )));
    assert!(is_unknown(&ev_with_lib("{ nixpkgs, ... }: \"${nixpkgs}\"")));
}

#[test]
fn infinite_recursion_terminates_with_nix003() {
    let (v, diags) = eval_source("rec { a = a; }.a");
    assert!(is_unknown(&v));
    assert!(
        diags.iter().any(|d| d.code == Code::NixEvalLimit),
        "{diags:?}"
    );
    let (v, _) = eval_source("let x = y; y = x; in x");
    assert!(is_unknown(&v));
    let (v, _) = eval_source("let f = x: f x; in f 1");
    assert!(is_unknown(&v));
}

/// The finding points at the thunk found depending on itself (the
/// location is built only then, from where the thunk was written), and at
/// the variable reference whose lookup hit the depth limit.
#[test]
fn recursion_findings_point_at_the_expression() {
    let (_, diags) = eval_source("rec { a = a; }.a");
    let at: Vec<(&str, usize, usize)> = diags
        .iter()
        .filter(|d| d.code == Code::NixEvalLimit)
        .filter_map(|d| d.location.as_ref())
        .map(|l| (l.file.as_str(), l.span.start, l.span.end))
        .collect();
    assert_eq!(at, [("expr.nix", 10, 11)], "{diags:?}");
    let limits = Limits {
        max_depth: 8,
        ..Limits::default()
    };
    let (_, diags) = eval_source_with("let f = n: f n; in f 1", limits);
    let d = diags
        .iter()
        .find(|d| d.code == Code::NixEvalLimit)
        .expect("a limit finding");
    assert!(d.message.contains("nesting deeper than 8"), "{d:?}");
    assert_eq!(
        d.location.as_ref().map(|l| l.file.as_str()),
        Some("expr.nix")
    );
}

#[test]
fn deep_recursion_is_bounded() {
    // Unbounded recursion through function calls.
    let (v, diags) = eval_source("let f = n: f (n + 1) + 1; in f 0");
    assert!(is_unknown(&v));
    assert!(diags.iter().any(|d| d.code == Code::NixEvalLimit));
    // Exponential work hits the step budget, not the clock.
    let limits = Limits {
        max_steps: 20_000,
        max_depth: 400,
        ..Limits::default()
    };
    let (v, diags) = eval_source_with(
        "let f = n: if n == 0 then 1 else f (n - 1) + f (n - 1); in f 40",
        limits,
    );
    assert!(is_unknown(&v));
    assert!(diags.iter().any(|d| d.code == Code::NixEvalLimit));
    // Deeply nested syntax.
    let deep = format!("{}1{}", "[ ".repeat(3000), " ]".repeat(3000));
    let _ = eval_source(&deep);
    let chain = format!("1{}", " + 1".repeat(20_000));
    let (v, _) = eval_source(&chain);
    assert!(is_unknown(&v) || v == json!(20_001));
    let lets = format!("{}0", "let a = 1; in ".repeat(5000));
    let _ = eval_source(&lets);
}

#[test]
fn legitimate_recursion_works() {
    assert_eq!(
        ev("let fact = n: if n == 0 then 1 else n * fact (n - 1); in fact 10"),
        json!(3628800)
    );
    assert_eq!(
        ev("rec { xs = [ 1 2 ]; n = builtins.length xs; }.n"),
        json!(2)
    );
}

#[test]
fn syntax_errors_do_not_stop_evaluation_of_the_rest() {
    let (_, diags) = eval_source("{ a = 1; b = ; }");
    assert!(diags.iter().any(|d| d.code == Code::NixSyntax));
}

#[test]
fn self_referencing_structures_terminate() {
    assert!(is_unknown(&ev("let x = [ x ]; in x == x")));
    assert!(is_unknown(&ev("let x = [ x ]; in x < x")));
    assert!(is_unknown(&ev("let x = [ x ]; in toString x")));
    assert!(is_unknown(&ev("let x = { a = x; }; in x == x")));
    let (v, _) = eval_source("let x = { a = x; }; in x");
    assert!(v.is_object(), "rendering stops at its depth bound");
}

/// Evaluates `src`, a function of `lib`, applied to the evaluator's `lib`.
fn ev_lib(src: &str) -> serde_json::Value {
    let src = src.to_string();
    super::with_big_stack(move || {
        let parsed = ParsedFile::parse(Arc::new(SourceFile::new("expr.nix", src)));
        let mut files = BTreeMap::new();
        files.insert("expr.nix".to_string(), parsed);
        let mut ev = Evaluator::new(None, files, Limits::default());
        let f = ev.import_file("expr.nix", None);
        let lib = ev.lib();
        let lib = ev.done(lib);
        let v = ev.apply(f, lib, None);
        ev.to_json(v, 64)
    })
}

#[test]
fn lib_strings() {
    assert_eq!(
        ev_lib(
            r#"lib: [ (lib.hasPrefix "k3s" "k3s-0") (lib.hasSuffix ".nix" "a.nix") (lib.strings.hasPrefix "x" "k3s") ]"#
        ),
        json!([true, true, false])
    );
    assert_eq!(
        ev_lib(
            r#"lib: [ (lib.removeSuffix ".nix" "node-a.nix") (lib.removePrefix "node-" "node-a") (lib.removeSuffix "x" "ab") ]"#
        ),
        json!(["node-a", "a", "ab"])
    );
    assert_eq!(
        ev_lib(r#"lib: lib.concatMapStringsSep "," (n: "https://${n}:6443") [ "a" "b" ]"#),
        json!("https://a:6443,https://b:6443")
    );
    assert_eq!(
        ev_lib(
            r#"lib: [ (lib.splitString "," "a,b,,c") (lib.toUpper "ab") (lib.concatStrings [ "a" "b" ]) ]"#
        ),
        json!([["a", "b", "", "c"], "AB", "ab"])
    );
}

#[test]
fn lib_attrsets() {
    assert_eq!(
        ev_lib(
            r#"lib: lib.filterAttrs (n: v: v == "directory" && !(lib.hasPrefix "_" n)) { a = "directory"; _t = "directory"; r = "regular"; }"#
        ),
        json!({ "a": "directory" })
    );
    assert_eq!(
        ev_lib(r#"lib: lib.mapAttrsToList (name: v: "${name}=${toString v}") { b = 2; a = 1; }"#),
        json!(["a=1", "b=2"])
    );
    assert_eq!(
        ev_lib(r#"lib: lib.mapAttrs' (n: v: lib.nameValuePair "host-${n}" v) { a = 1; }"#),
        json!({ "host-a": 1 })
    );
    assert_eq!(
        ev_lib(
            r#"lib: lib.recursiveUpdate { a = { x = 1; y = 2; }; b = 1; } { a = { y = 3; }; c = 4; }"#
        ),
        json!({ "a": { "x": 1, "y": 3 }, "b": 1, "c": 4 })
    );
    assert_eq!(
        ev_lib(
            r#"lib: [ (lib.attrByPath [ "a" "b" ] 0 { a.b = 5; }) (lib.attrByPath [ "a" "c" ] 0 { a.b = 5; }) (lib.attrsets.getAttrFromPath [ "a" ] { a = 1; }) ]"#
        ),
        json!([5, 0, 1])
    );
    assert_eq!(
        ev_lib(r#"lib: lib.genAttrs [ "a" "b" ] (n: n + "!")"#),
        json!({ "a": "a!", "b": "b!" })
    );
}

#[test]
fn lib_lists() {
    assert_eq!(
        ev_lib(
            "lib: [ (lib.flatten [ 1 [ 2 [ 3 ] ] ]) (lib.unique [ 1 2 1 3 2 ]) (lib.range 2 4) (lib.last [ 1 2 ]) ]"
        ),
        json!([[1, 2, 3], [1, 2, 3], [2, 3, 4], 2])
    );
    assert_eq!(
        ev_lib(
            r#"lib: [ (lib.foldr (x: acc: acc + x) "" [ "a" "b" ]) (lib.foldl (acc: x: acc + x) "" [ "a" "b" ]) (lib.lists.optional true 1) (lib.optionals false [ 1 ]) ]"#
        ),
        json!(["ba", "ab", [1], []])
    );
    assert_eq!(
        ev_lib("lib: lib.elem 2 (map (x: x + 1) [ 0 1 ])"),
        json!(true)
    );
}

#[test]
fn from_json_and_each_system() {
    assert_eq!(
        ev(
            r#"builtins.fromJSON "{\"nodes\": [{\"name\": \"a\", \"ip\": \"10.0.0.1\", \"port\": 22, \"up\": true}]}""#
        ),
        json!({ "nodes": [{ "ip": "10.0.0.1", "name": "a", "port": 22, "up": true }] })
    );
    assert!(is_unknown(&ev(r#"builtins.fromJSON "{""#)));
    assert_eq!(
        ev_lib(
            r#"lib: lib.eachSystem [ "x86_64-linux" "aarch64-linux" ] (system: { packages.default = system; })"#
        ),
        json!({ "packages": { "aarch64-linux": { "default": "aarch64-linux" }, "x86_64-linux": { "default": "x86_64-linux" } } })
    );
}

#[test]
fn unknown_lib_functions_are_unknown_not_errors() {
    let v = ev_lib("lib: lib.fileset.toSource { }");
    assert!(is_unknown(&v), "{v}");
    let v = ev_lib("lib: lib.strings.match \"a\" \"a\"");
    assert!(is_unknown(&v), "{v}");
}

#[test]
fn dynamic_names_below_a_static_one_are_computed_when_forced() {
    // Nix desugars `a.${n}.x = 1` to `a = { ${n} = { x = 1; }; }`: the name
    // may read the set being defined.
    assert_eq!(
        ev(r#"let s = { a.${s.b.c}.x = 1; b.c = "k"; }; in s.a.k.x"#),
        json!(1)
    );
    assert_eq!(
        ev(r#"let s = { a."${s.b.c}.org".x = 1; b.c = "k"; }; in s.a."k.org".x"#),
        json!(1)
    );
    assert_eq!(
        ev(r#"let n = "m"; in { a.${n}.x = 1; a.z = 3; }"#),
        json!({ "a": { "m": { "x": 1 }, "z": 3 } })
    );
}

/// The 1-based line of a finding's location in `text`.
fn line_of(text: &str, d: &strata_core::Diagnostic) -> Option<usize> {
    let start = d.location.as_ref()?.span.start;
    Some(text[..start].matches('\n').count() + 1)
}

fn memory_finding(diags: &[strata_core::Diagnostic]) -> Option<&strata_core::Diagnostic> {
    diags
        .iter()
        .find(|d| d.code == Code::NixEvalLimit && d.message.contains("memory budget"))
}

#[test]
fn memory_budget_stops_a_doubling_string_at_the_concatenation() {
    let text = "let\n  double = s: s + s;\nin builtins.foldl' (s: _: double s) \"ab\" (builtins.genList (i: i) 40)";
    let (v, diags) = eval_source(text);
    assert!(is_unknown(&v));
    let finding = memory_finding(&diags).expect("a NIX003 memory finding");
    assert_eq!(line_of(text, finding), Some(2), "{finding:?}");
}

#[test]
fn memory_budget_stops_a_fold_of_attribute_set_updates_at_the_update() {
    let text = "builtins.foldl'\n  (acc: i: acc // { \"k${toString i}\" = i; })\n  {}\n  (builtins.genList (i: i) 20000)";
    let (v, diags) = eval_source(text);
    assert!(is_unknown(&v));
    let finding = memory_finding(&diags).expect("a NIX003 memory finding");
    assert_eq!(line_of(text, finding), Some(2), "{finding:?}");
}

#[test]
fn memory_budget_counts_what_built_ins_create() {
    let limits = Limits {
        max_memory: 256 * 1024,
        ..Limits::default()
    };
    // One list of 100,000 items, made by one built-in call.
    let text = "builtins.length\n  (builtins.genList (i: i) 100000)";
    let (v, diags) = eval_source_with(text, limits);
    assert!(is_unknown(&v));
    let finding = memory_finding(&diags).expect("a NIX003 memory finding");
    assert_eq!(line_of(text, finding), Some(2), "{finding:?}");
    // Within the budget the same expression evaluates.
    assert_eq!(
        ev("builtins.length (builtins.genList (i: i) 1000)"),
        json!(1000)
    );
}

#[test]
fn a_rollback_returns_to_the_checkpoint_and_keeps_the_files_read() {
    super::with_big_stack(|| {
        let sources = [
            ("expr.nix", "{ a = import ./b.nix; n = 1 + 2; }"),
            ("b.nix", "{ x = [ 1 2 ]; }"),
        ];
        let mut files = BTreeMap::new();
        for (path, text) in sources {
            let parsed = ParsedFile::parse(Arc::new(SourceFile::new(path, text)));
            files.insert(path.to_string(), parsed);
        }
        let mut ev = Evaluator::new(None, files, Limits::default());
        let top = ev.import_thunk("expr.nix", None);
        let Value::Attrs(set) = ev.force(top) else {
            panic!("a set")
        };
        let a = set.get("a").map(|e| e.value).expect("a");
        ev.checkpoint();
        let (slots, scopes, files) = (ev.slots.len(), ev.scopes.len(), ev.files.len());
        // Forcing `a` imports b.nix and evaluates below and above the checkpoint.
        let first = ev.force_deep(a, 4);
        let first = ev.to_json(first, 4);
        assert_eq!(first, json!({ "x": [1, 2] }));
        assert!(ev.files.len() > files && ev.slots.len() > slots);
        ev.rollback();
        assert_eq!(
            (ev.slots.len(), ev.scopes.len(), ev.files.len()),
            (slots, scopes, files)
        );
        // `a` was forced after the checkpoint: pending again, and forcing it
        // again gives the same value.
        assert!(ev.forced(a).is_none());
        let again = ev.force_deep(a, 4);
        assert_eq!(ev.to_json(again, 4), first);
        ev.rollback();
        // The file read after the checkpoint is still a file evaluation read.
        assert!(ev.evaluated_files().contains(&"b.nix".to_string()));
    });
}

#[test]
fn a_set_written_once_and_built_many_times_reads_its_syntax_once() {
    // The bindings of `f`'s body are read from the syntax once and kept;
    // every call builds its own set from them, in its own scope, with
    // attribute paths, `inherit`, `inherit (from)` and a computed name.
    let value = ev(r#"
        let
          f = x: { a.b = x; c = x + 1; inherit x; inherit ({ y = x * 2; }) y; ${"n" + toString x} = x; };
        in [ (f 1) (f 2) (f 3) ]
    "#);
    assert_eq!(
        value,
        json!([
            { "a": { "b": 1 }, "c": 2, "x": 1, "y": 2, "n1": 1 },
            { "a": { "b": 2 }, "c": 3, "x": 2, "y": 4, "n2": 2 },
            { "a": { "b": 3 }, "c": 4, "x": 3, "y": 6, "n3": 3 },
        ])
    );
    super::with_big_stack(|| {
        let source = "let f = x: { v = x; }; in { one = f 1; two = f 2; }";
        let mut files = BTreeMap::new();
        let parsed = ParsedFile::parse(Arc::new(SourceFile::new("expr.nix", source)));
        files.insert("expr.nix".to_string(), parsed);
        let mut ev = Evaluator::new(None, files, Limits::default());
        ev.checkpoint();
        let mut read = Vec::new();
        for _ in 0..2 {
            // Built again after a rollback, from the kept bindings.
            let top = ev.import_thunk("expr.nix", None);
            let value = ev.force_deep(top, 4);
            assert_eq!(
                ev.to_json(value, 4),
                json!({ "one": { "v": 1 }, "two": { "v": 2 } })
            );
            ev.rollback();
            read.push(ev.set_syntax.len());
        }
        // Three binding lists are written (the `let`, `f`'s body and the
        // result set): read on the first pass and kept across the rollback
        // (a cache the rollback emptied would read them again).
        assert_eq!(read, [3, 3]);
    });
}

#[test]
fn a_function_pattern_read_once_binds_every_call_anew() {
    let value = ev(r#"
        let g = { a, b ? a + 1, ... } @ all: [ a b all.c ];
        in [ (g { a = 1; c = "x"; }) (g { a = 5; b = 0; c = "y"; }) ]
    "#);
    assert_eq!(value, json!([[1, 2, "x"], [5, 0, "y"]]));
}
