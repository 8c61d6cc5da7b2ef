//! The static evaluator's built-ins against real Nix: each expression is
//! evaluated by `nix-instantiate --eval --strict --json` under pure
//! evaluation (as a flake is) and by `eval_source`; the results must be
//! equal. Expressions on which Nix fails must be unknown statically.

use std::process::Command;

use strata_nix::eval::eval_source;

/// Expressions whose value both evaluators must agree on.
const AGREE: &[&str] = &[
    // attribute sets
    r#"builtins.mapAttrs (n: v: n + toString v) { a = 1; b = 2; }"#,
    r#"builtins.attrNames { b = 1; a = 2; "Z" = 3; }"#,
    r#"builtins.attrValues { b = 1; a = 2; }"#,
    r#"builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; value = 2; } { name = "b"; value = 3; } ]"#,
    r#"[ (builtins.hasAttr "a" { a = 1; }) (builtins.hasAttr "b" { a = 1; }) ]"#,
    r#"builtins.getAttr "a" { a = 1; }"#,
    r#"removeAttrs { a = 1; b = 2; c = 3; } [ "a" "c" "z" ]"#,
    r#"builtins.catAttrs "a" [ { a = 1; } { b = 0; } { a = 2; } ]"#,
    r#"builtins.intersectAttrs { a = 0; b = 0; } { b = 1; c = 2; }"#,
    r#"builtins.zipAttrsWith (name: values: { inherit name values; }) [ { a = "x"; } { a = "y"; b = "z"; } ]"#,
    // lists
    r#"builtins.genList (x: x * x) 5"#,
    r#"map (x: x + 1) [ 1 2 3 ]"#,
    r#"builtins.filter (x: x > 1) [ 1 2 3 ]"#,
    r#"[ (builtins.elem 2 [ 1 2 ]) (builtins.elem 3 [ 1 2 ]) ]"#,
    r#"builtins.elemAt [ "a" "b" "c" ] 1"#,
    r#"[ (builtins.length [ 1 2 3 ]) (builtins.head [ 1 2 ]) (builtins.tail [ 1 2 3 ]) ]"#,
    r#"builtins.concatLists [ [ 1 ] [ ] [ 2 3 ] ]"#,
    r#"builtins.concatMap (x: [ x x ]) [ 1 2 ]"#,
    r#"builtins.foldl' (acc: x: acc + x) 0 [ 1 2 3 4 ]"#,
    r#"builtins.foldl' (acc: x: acc ++ [ x ]) [ ] [ "a" "b" ]"#,
    r#"[ (builtins.any (x: x > 2) [ 1 2 3 ]) (builtins.all (x: x > 2) [ 1 2 3 ]) (builtins.any (x: x) [ ]) (builtins.all (x: x) [ ]) ]"#,
    r#"builtins.sort builtins.lessThan [ 3 1 2 5 4 ]"#,
    r#"builtins.sort (a: b: a.k < b.k) [ { k = 2; v = "a"; } { k = 1; v = "b"; } { k = 2; v = "c"; } { k = 1; v = "d"; } ]"#,
    r#"builtins.sort (a: b: a < b) [ "b" "a" "C" ]"#,
    r#"builtins.partition (x: x > 2) [ 5 1 2 3 4 ]"#,
    r#"builtins.groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 4 ]"#,
    // strings
    r#"builtins.concatStringsSep ", " [ "a" "b" "c" ]"#,
    r#"builtins.replaceStrings [ "o" "l" ] [ "0" "1" ] "Hello world""#,
    r#"builtins.replaceStrings [ "" ] [ "-" ] "abc""#,
    r#"builtins.replaceStrings [ "aa" ] [ "b" ] "aaa""#,
    r#"[ (builtins.stringLength "hello") (builtins.stringLength "") ]"#,
    r#"[ (builtins.substring 1 3 "hello") (builtins.substring 2 (-1) "hello") (builtins.substring 10 2 "hi") ]"#,
    r#"[ (builtins.compareVersions "1.0" "2.3") (builtins.compareVersions "2.3" "2.3") (builtins.compareVersions "2.5" "2.3") (builtins.compareVersions "2.3pre1" "2.3") (builtins.compareVersions "2.3a" "2.3.1") (builtins.compareVersions "1.2.3" "1.2") ]"#,
    r#"builtins.splitVersion "1.2.3pre4-rc.5""#,
    r#"[ (builtins.parseDrvName "nix-0.12pre12876") (builtins.parseDrvName "hello-world") (builtins.parseDrvName "k3s-1.30.2+k3s1") ]"#,
    r#"builtins.unsafeDiscardStringContext "x""#,
    // regular expressions
    r#"builtins.match "ab" "abc""#,
    r#"builtins.match "abc" "abc""#,
    r#"builtins.match "a(b)(c)" "abc""#,
    r#"builtins.match "[[:space:]]+([[:upper:]]+)[[:space:]]+" "  FOO   ""#,
    r#"builtins.match "(a)|(b)" "b""#,
    r#"builtins.match "([0-9]+)\\.([0-9]+)\\.([0-9]+)" "1.30.2""#,
    r#"builtins.match "(.*)-([^-]*)" "k3s-server-1""#,
    r#"builtins.match "[]a]+" "a]a""#,
    r#"builtins.split "(a)b" "abc""#,
    r#"builtins.split "([ac])" "abc""#,
    r#"builtins.split "(a)|(c)" "abc""#,
    r#"builtins.split "([[:upper:]]+)" " FOO ""#,
    r#"builtins.split "," "a,b,,c""#,
    r#"builtins.split "[[:space:]]+" "one two  three""#,
    // hashes
    r#"builtins.hashString "md5" "abc""#,
    r#"builtins.hashString "sha1" "abc""#,
    r#"builtins.hashString "sha256" "hello world""#,
    r#"builtins.hashString "sha512" """#,
    // types and conversions
    r#"map builtins.typeOf [ 1 1.5 "s" true null [ ] { } (x: x) map ]"#,
    r#"[ (builtins.isAttrs { }) (builtins.isList [ ]) (builtins.isString "") (builtins.isFunction (x: x)) (builtins.isBool true) (builtins.isInt 1) (builtins.isFloat 1.0) (builtins.isNull null) (builtins.isPath ./.) (builtins.isInt 1.0) ]"#,
    r#"[ (toString 1) (toString true) (toString false) (toString null) (toString [ 1 "a" [ 2 ] ]) (toString "s") ]"#,
    r#"toString { outPath = "/x"; }"#,
    r#"toString { __toString = self: "me-${self.n}"; n = "1"; }"#,
    r#"builtins.functionArgs ({ a, b ? 1, ... }: a)"#,
    r#"builtins.functionArgs (x: x)"#,
    // JSON and TOML
    r#"builtins.fromJSON ''{"a": [1, 2.5, "x", null, true], "b": {"c": "d"}}''"#,
    r#"builtins.toJSON { b = [ 1 "x" null true ]; a = { c = "q\"uote\n"; }; }"#,
    r#"builtins.toJSON { outPath = "/nix/store/x"; }"#,
    r#"builtins.toJSON { __toString = _: "s"; }"#,
    r#"builtins.toJSON "é/ü""#,
    r#"builtins.fromTOML ''
        a = 1
        b = "x"
        [c]
        d = [ 1, 2 ]
        e = true
      ''"#,
    // control
    r#"builtins.tryEval (throw "no")"#,
    r#"builtins.tryEval (assert false; 1)"#,
    r#"builtins.tryEval 1"#,
    r#"builtins.seq 1 2"#,
    r#"builtins.deepSeq { a = 1; } 2"#,
    r#"builtins.seq { a = throw "lazy"; } 2"#,
    r#"builtins.trace "message" 3"#,
    r#"builtins.getEnv "HOME""#,
    r#"builtins.currentSystem or "fallback""#,
    r#"builtins ? currentSystem"#,
    r#"builtins ? mapAttrs"#,
    r#"builtins.addErrorContext "ctx" 5"#,
    // arithmetic
    r#"[ (builtins.add 1 2) (builtins.sub 5 3) (builtins.mul 3 4) (builtins.div 7 2) (builtins.lessThan 1 2) ]"#,
    r#"[ (builtins.bitAnd 12 10) (builtins.bitOr 12 10) (builtins.bitXor 12 10) ]"#,
    r#"[ (builtins.ceil 1.5) (builtins.floor 1.5) (builtins.ceil (-1.5)) (builtins.floor (-1.5)) ]"#,
    // edge cases: empty matches, alternation, floats
    r#"builtins.split "a*" "baac""#,
    r#"builtins.split "" "ab""#,
    r#"builtins.split "(x)?y" "yxy""#,
    r#"builtins.match "a*" """#,
    r#"builtins.match "(a|ab)(c|bcd)(d*)" "abcd""#,
    r#"builtins.match ".*\\.nix" "foo.nix""#,
    r#"builtins.match "[[:alpha:]_][[:alnum:]_]*" "foo_1""#,
    r#"builtins.match "a{2}" "aa""#,
    r#"builtins.toJSON [ 0.1234567 1.0e20 123456789.5 (-2.5) 1.0e-7 100.0 0.1 ]"#,
    r#"builtins.fromJSON "[1e3, 1.0, -0]""#,
    r#"builtins.typeOf (builtins.fromJSON "1e3")"#,
    r#"builtins.sort builtins.lessThan [ "b" "a" "aa" ]"#,
    r#"[ (builtins.genList (x: x) 0) (builtins.concatStringsSep "," [ ]) (builtins.substring 0 0 "") ]"#,
    r#"builtins.fromTOML "a.b.c = 1""#,
    r#"[ (builtins.functionArgs builtins.map) (builtins.typeOf builtins) ]"#,
    r#"builtins.genericClosure { startSet = [ { key = 5; } ]; operator = item: if item.key > 0 then [ { key = item.key - 2; } ] else [ ]; }"#,
    r#"builtins.genericClosure { startSet = [ { key = "a"; v = 1; } { key = "a"; v = 2; } ]; operator = _: [ ]; }"#,
    r#"[ builtins.nixPath (builtins ? toFile) (builtins ? fetchGit) ]"#,
    // values of the set itself
    r#"[ builtins.storeDir builtins.langVersion ]"#,
];

/// Expressions on which Nix fails: statically they must be unknown.
const NIX_FAILS: &[&str] = &[
    r#"builtins.currentSystem"#,
    r#"builtins.head [ ]"#,
    r#"builtins.elemAt [ 1 ] 5"#,
    r#"builtins.hashString "crc32" "x""#,
    r#"builtins.fromJSON "{""#,
    r#"builtins.toJSON (x: x)"#,
    r#"builtins.div 1 0"#,
    r#"builtins.tryEval (abort "stop")"#,
    r#"builtins.getAttr "z" { a = 1; }"#,
    r#"builtins.seq (throw "x") 1"#,
    r#"builtins.deepSeq { a = [ (throw "x") ]; } 1"#,
];

/// JSON with every number as a float: Nix prints the float `1000.0` as
/// `1000` (types are compared by `typeOf` expressions instead).
fn numbers_as_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

fn nix_instantiate() -> Option<String> {
    let ok = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| "nix-instantiate".to_string())
}

/// Real Nix's result, or `None` when it fails.
fn real_nix(program: &str, expression: &str) -> Option<serde_json::Value> {
    let out = Command::new(program)
        .args([
            "--eval",
            "--strict",
            "--json",
            "--option",
            "pure-eval",
            "true",
        ])
        .args(["-E", expression])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

#[test]
fn builtins_agree_with_real_nix() {
    let Some(nix) = nix_instantiate() else {
        eprintln!(
            "SKIPPED builtins_agree_with_real_nix: nix-instantiate is not on PATH (apt-get install nix-bin)"
        );
        return;
    };
    let mut failures = Vec::new();
    for expression in AGREE {
        let Some(expected) = real_nix(&nix, expression) else {
            failures.push(format!(
                "real Nix fails on an AGREE expression: {expression}"
            ));
            continue;
        };
        let (got, _) = eval_source(expression);
        if numbers_as_floats(got.clone()) != numbers_as_floats(expected.clone()) {
            failures.push(format!(
                "{expression}\n    nix:    {expected}\n    static: {got}"
            ));
        }
    }
    for expression in NIX_FAILS {
        if let Some(v) = real_nix(&nix, expression) {
            failures.push(format!(
                "real Nix succeeds on a NIX_FAILS expression: {expression} = {v}"
            ));
            continue;
        }
        let (got, _) = eval_source(expression);
        if got.get("unknown").is_none() {
            failures.push(format!("{expression}\n    nix fails; static gives {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
