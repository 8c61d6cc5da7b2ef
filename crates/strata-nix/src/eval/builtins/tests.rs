//! nixpkgs `lib` functions against the results their documentation gives
//! (nixpkgs is not available offline; the built-ins themselves are checked
//! against real Nix in `tests/builtins_vs_nix.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value as Json, json};
use strata_core::SourceFile;

use super::super::{Evaluator, Limits, with_big_stack};
use crate::files::ParsedFile;

/// Evaluates `body` with `lib` in scope.
fn lib(body: &str) -> Json {
    let src = format!("lib: with lib; {body}");
    with_big_stack(move || {
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

fn unknown(v: &Json) -> bool {
    v.get("unknown").is_some()
}

#[test]
fn attrsets() {
    // The examples of nixpkgs lib/attrsets.nix.
    assert_eq!(
        lib(
            r#"concatMapAttrs (name: value: { ${name} = value; "${name}-${value}" = value; }) { x = "a"; y = "b"; }"#
        ),
        json!({ "x": "a", "x-a": "a", "y": "b", "y-b": "b" })
    );
    assert_eq!(
        lib(r#"mergeAttrs { a = 1; b = 2; } { b = 3; c = 4; }"#),
        json!({ "a": 1, "b": 3, "c": 4 })
    );
    assert_eq!(
        lib(r#"attrByPath [ "a" "b" ] 6 { a = { b = 3; }; }"#),
        json!(3)
    );
    assert_eq!(
        lib(r#"attrByPath [ "z" "z" ] 6 { a = { b = 3; }; }"#),
        json!(6)
    );
    assert_eq!(
        lib(r#"hasAttrByPath [ "a" "b" ] { a = { b = 3; }; }"#),
        json!(true)
    );
    assert_eq!(
        lib(r#"hasAttrByPath [ "a" "c" ] { a = { b = 3; }; }"#),
        json!(false)
    );
    assert_eq!(
        lib(r#"setAttrByPath [ "a" "b" ] 3"#),
        json!({ "a": { "b": 3 } })
    );
    assert_eq!(
        lib(r#"getAttrFromPath [ "a" "b" ] { a = { b = 3; }; }"#),
        json!(3)
    );
    assert!(unknown(&lib(r#"getAttrFromPath [ "z" ] { a = 1; }"#)));
    assert_eq!(
        lib(r#"attrVals [ "a" "b" ] { a = 1; b = 2; c = 3; }"#),
        json!([1, 2])
    );
    assert_eq!(
        lib(r#"getAttrs [ "a" "b" ] { a = 1; b = 2; c = 3; }"#),
        json!({ "a": 1, "b": 2 })
    );
    assert_eq!(
        lib(r#"filterAttrs (n: v: n == "foo") { foo = 1; bar = 2; }"#),
        json!({ "foo": 1 })
    );
    assert_eq!(
        lib(
            r#"filterAttrsRecursive (n: v: v != null) { foo = { bar = null; baz = 1; }; qux = null; }"#
        ),
        json!({ "foo": { "baz": 1 } })
    );
    assert_eq!(
        lib(r#"mapAttrsToList (name: value: name + value) { x = "a"; y = "b"; }"#),
        json!(["xa", "yb"])
    );
    assert_eq!(
        lib(
            r#"mapAttrs' (name: value: nameValuePair ("foo_" + name) ("bar-" + value)) { x = "a"; y = "b"; }"#
        ),
        json!({ "foo_x": "bar-a", "foo_y": "bar-b" })
    );
    assert_eq!(
        lib(
            r#"mapAttrsRecursive (path: value: concatStringsSep "-" (path ++ [ value ])) { n = { a = "A"; m = { b = "B"; c = "C"; }; }; d = "D"; }"#
        ),
        json!({ "n": { "a": "n-a-A", "m": { "b": "n-m-b-B", "c": "n-m-c-C" } }, "d": "d-D" })
    );
    assert_eq!(
        lib(
            r#"recursiveUpdate { boot.loader.grub.enable = true; boot.loader.grub.device = "/dev/hda"; } { boot.loader.grub.device = ""; }"#
        ),
        json!({ "boot": { "loader": { "grub": { "enable": true, "device": "" } } } })
    );
    assert_eq!(
        lib(r#"zipAttrsWith (name: values: values) [ { a = "x"; } { a = "y"; b = "z"; } ]"#),
        json!({ "a": ["x", "y"], "b": ["z"] })
    );
    assert_eq!(
        lib(r#"zipAttrs [ { a = "x"; } { a = "y"; b = "z"; } ]"#),
        json!({ "a": ["x", "y"], "b": ["z"] })
    );
    assert_eq!(
        lib(
            r#"foldlAttrs (acc: name: value: { sum = acc.sum + value; names = acc.names ++ [ name ]; }) { sum = 0; names = [ ]; } { foo = 1; bar = 10; }"#
        ),
        json!({ "sum": 11, "names": ["bar", "foo"] })
    );
    assert_eq!(
        lib(r#"attrsToList { foo = 1; bar = "asdf"; }"#),
        json!([{ "name": "bar", "value": "asdf" }, { "name": "foo", "value": 1 }])
    );
    assert_eq!(
        lib(r#"collect isList { a = { b = [ "b" ]; }; c = [ 1 ]; }"#),
        json!([["b"], [1]])
    );
    assert_eq!(
        lib(r#"collect (x: x ? outPath) { a = { outPath = "a/"; }; b = { outPath = "b/"; }; }"#),
        json!([{ "outPath": "a/" }, { "outPath": "b/" }])
    );
    assert_eq!(
        lib(r#"genAttrs [ "foo" "bar" ] (name: "x_" + name)"#),
        json!({ "foo": "x_foo", "bar": "x_bar" })
    );
    assert_eq!(
        lib(r#"optionalAttrs true { my = "set"; }"#),
        json!({ "my": "set" })
    );
    assert_eq!(lib(r#"optionalAttrs false { my = "set"; }"#), json!({}));
    assert_eq!(
        lib(r#"[ (isDerivation { type = "derivation"; }) (isDerivation { }) ]"#),
        json!([true, false])
    );
}

#[test]
fn lists() {
    // The examples of nixpkgs lib/lists.nix.
    assert_eq!(lib(r#"singleton "foo""#), json!(["foo"]));
    assert_eq!(
        lib(r#"[ (toList [ 1 2 ]) (toList "hi") ]"#),
        json!([[1, 2], ["hi"]])
    );
    assert_eq!(lib(r#"forEach [ 1 2 ] (x: toString x)"#), json!(["1", "2"]));
    assert_eq!(
        lib(r#"foldr (a: b: a + b) "z" [ "a" "b" "c" ]"#),
        json!("abcz")
    );
    assert_eq!(
        lib(r#"fold (a: b: a + b) "z" [ "a" "b" "c" ]"#),
        json!("abcz")
    );
    assert_eq!(
        lib(r#"foldl (a: b: a + b) "z" [ "a" "b" "c" ]"#),
        json!("zabc")
    );
    assert_eq!(
        lib(r#"imap0 (i: v: "${v}-${toString i}") [ "a" "b" ]"#),
        json!(["a-0", "b-1"])
    );
    assert_eq!(
        lib(r#"imap1 (i: v: "${v}-${toString i}") [ "a" "b" ]"#),
        json!(["a-1", "b-2"])
    );
    assert_eq!(
        lib(r#"flatten [ 1 [ 2 [ 3 ] 4 ] 5 ]"#),
        json!([1, 2, 3, 4, 5])
    );
    assert_eq!(lib(r#"flatten 1"#), json!([1]));
    assert_eq!(lib(r#"remove 3 [ 1 3 4 3 ]"#), json!([1, 4]));
    assert_eq!(
        lib(r#"findSingle (x: x == 3) "none" "multiple" [ 1 3 3 ]"#),
        json!("multiple")
    );
    assert_eq!(
        lib(r#"findSingle (x: x == 3) "none" "multiple" [ 1 3 ]"#),
        json!(3)
    );
    assert_eq!(
        lib(r#"findSingle (x: x == 3) "none" "multiple" [ 1 9 ]"#),
        json!("none")
    );
    assert_eq!(lib(r#"findFirst (x: x > 3) 7 [ 1 6 4 ]"#), json!(6));
    assert_eq!(lib(r#"findFirst (x: x > 9) 7 [ 1 6 4 ]"#), json!(7));
    assert_eq!(lib(r#"findFirstIndex (x: x > 3) null [ 0 6 4 ]"#), json!(1));
    assert_eq!(
        lib(r#"findFirstIndex (x: x > 9) null [ 0 6 4 ]"#),
        json!(null)
    );
    assert_eq!(lib(r#"count (x: x == 3) [ 3 2 3 4 6 ]"#), json!(2));
    assert_eq!(
        lib(r#"[ (optional true "foo") (optional false "foo") ]"#),
        json!([["foo"], []])
    );
    assert_eq!(
        lib(r#"[ (optionals true [ 2 3 ]) (optionals false [ 2 3 ]) ]"#),
        json!([[2, 3], []])
    );
    assert_eq!(lib(r#"range 2 4"#), json!([2, 3, 4]));
    assert_eq!(lib(r#"range 3 2"#), json!([]));
    assert_eq!(lib(r#"replicate 3 "a""#), json!(["a", "a", "a"]));
    assert_eq!(
        lib(r#"partition (x: x > 2) [ 5 1 2 3 4 ]"#),
        json!({ "right": [5, 3, 4], "wrong": [1, 2] })
    );
    assert_eq!(
        lib(r#"groupBy (x: boolToString (x > 2)) [ 5 1 2 3 4 ]"#),
        json!({ "true": [5, 3, 4], "false": [1, 2] })
    );
    assert_eq!(
        lib(r#"zipListsWith (a: b: a + b) [ "h" "l" ] [ "e" "o" ]"#),
        json!(["he", "lo"])
    );
    assert_eq!(
        lib(r#"zipLists [ 1 2 ] [ "a" "b" ]"#),
        json!([{ "fst": 1, "snd": "a" }, { "fst": 2, "snd": "b" }])
    );
    assert_eq!(
        lib(r#"reverseList [ "b" "o" "j" ]"#),
        json!(["j", "o", "b"])
    );
    assert_eq!(lib(r#"sort (p: q: p < q) [ 5 3 7 ]"#), json!([3, 5, 7]));
    assert_eq!(
        lib(r#"[ (take 2 [ "a" "b" "c" "d" ]) (take 2 [ ]) ]"#),
        json!([["a", "b"], []])
    );
    assert_eq!(
        lib(r#"[ (drop 2 [ "a" "b" "c" "d" ]) (drop 2 [ ]) ]"#),
        json!([["c", "d"], []])
    );
    assert_eq!(
        lib(r#"[ (sublist 1 3 [ "a" "b" "c" "d" "e" ]) (sublist 1 3 [ ]) ]"#),
        json!([["b", "c", "d"], []])
    );
    assert_eq!(
        lib(r#"[ (last [ 1 2 3 ]) (init [ 1 2 3 ]) ]"#),
        json!([3, [1, 2]])
    );
    assert!(unknown(&lib("last [ ]")));
    assert_eq!(lib(r#"unique [ 3 2 3 4 ]"#), json!([3, 2, 4]));
    assert_eq!(
        lib(r#"[ (allUnique [ 3 2 3 4 ]) (allUnique [ 3 2 4 1 ]) ]"#),
        json!([false, true])
    );
    assert_eq!(lib(r#"intersectLists [ 1 2 3 ] [ 6 3 2 ]"#), json!([3, 2]));
    assert_eq!(
        lib(r#"subtractLists [ 3 2 ] [ 1 2 3 4 5 3 ]"#),
        json!([1, 4, 5])
    );
    assert_eq!(
        lib(r#"intersperse "/" [ "usr" "local" "bin" ]"#),
        json!(["usr", "/", "local", "/", "bin"])
    );
}

#[test]
fn strings() {
    // The examples of nixpkgs lib/strings.nix.
    assert_eq!(lib(r#"concatStrings [ "foo" "bar" ]"#), json!("foobar"));
    assert_eq!(
        lib(r#"concatMapStrings (x: "a" + x) [ "foo" "bar" ]"#),
        json!("afooabar")
    );
    assert_eq!(
        lib(r#"concatImapStrings (pos: x: "${toString pos}-${x}") [ "foo" "bar" ]"#),
        json!("1-foo2-bar")
    );
    assert_eq!(
        lib(r#"concatMapStringsSep "-" (x: toUpper x) [ "foo" "bar" "baz" ]"#),
        json!("FOO-BAR-BAZ")
    );
    assert_eq!(
        lib(r#"concatImapStringsSep "-" (pos: x: toString (x / pos)) [ 6 6 6 ]"#),
        json!("6-3-2")
    );
    assert_eq!(lib(r#"concatLines [ "foo" "bar" ]"#), json!("foo\nbar\n"));
    assert_eq!(
        lib(r#"[ (optionalString true "some-string") (optionalString false "some-string") ]"#),
        json!(["some-string", ""])
    );
    assert_eq!(
        lib(r#"[ (hasPrefix "foo" "foobar") (hasPrefix "foo" "barfoo") ]"#),
        json!([true, false])
    );
    assert_eq!(
        lib(r#"[ (hasSuffix "foo" "barfoo") (hasSuffix "foo" "foobar") ]"#),
        json!([true, false])
    );
    assert_eq!(
        lib(
            r#"[ (hasInfix "bc" "abcd") (hasInfix "ab" "abcd") (hasInfix "cd" "abcd") (hasInfix "foo" "abcd") ]"#
        ),
        json!([true, true, true, false])
    );
    assert_eq!(
        lib(r#"[ (removePrefix "foo." "foo.bar.baz") (removePrefix "xxx" "foo.bar.baz") ]"#),
        json!(["bar.baz", "foo.bar.baz"])
    );
    assert_eq!(
        lib(r#"[ (removeSuffix "front" "homefront") (removeSuffix "xxx" "homefront") ]"#),
        json!(["home", "homefront"])
    );
    assert_eq!(lib(r#"stringToCharacters "abc""#), json!(["a", "b", "c"]));
    assert_eq!(lib(r#"stringToCharacters """#), json!([]));
    assert_eq!(
        lib(r#"stringAsChars (x: if x == "a" then "i" else x) "nax""#),
        json!("nix")
    );
    assert_eq!(
        lib(r#"[ (toLower "HOME") (toUpper "home") ]"#),
        json!(["home", "HOME"])
    );
    assert_eq!(
        lib(r#"splitString "." "foo.bar.baz""#),
        json!(["foo", "bar", "baz"])
    );
    assert_eq!(
        lib(r#"splitString "/" "/usr/local/bin""#),
        json!(["", "usr", "local", "bin"])
    );
    assert_eq!(lib(r#"trim "   fnord   ""#), json!("fnord"));
    assert_eq!(lib("trim \"  hello, world! \\n\""), json!("hello, world!"));
    assert_eq!(lib(r#"replaceString "o" "0" "foo""#), json!("f00"));
    assert_eq!(lib(r#"escape [ "(" ")" ] "(foo)""#), json!("\\(foo\\)"));
    assert_eq!(
        lib(r#"escapeShellArgs [ "one" "two three" "four'five" ]"#),
        json!("one 'two three' 'four'\\''five'")
    );
    assert_eq!(
        lib(r#"fixedWidthString 5 "0" (toString 15)"#),
        json!("00015")
    );
    assert_eq!(lib(r#"fixedWidthNumber 5 15"#), json!("00015"));
    assert_eq!(
        lib(r#"[ (toInt "1337") (toInt "-4") (toInt " 123 ") ]"#),
        json!([1337, -4, 123])
    );
    assert!(unknown(&lib(r#"toInt "00024""#)));
    assert_eq!(
        lib(r#"[ (versionOlder "1.1" "1.2") (versionOlder "1.1" "1.1") ]"#),
        json!([true, false])
    );
    assert_eq!(
        lib(
            r#"[ (versionAtLeast "1.1" "1.0") (versionAtLeast "1.1" "1.1") (versionAtLeast "1.1" "1.2") ]"#
        ),
        json!([true, true, false])
    );
    assert_eq!(
        lib(r#"[ (getName "youtube-dl-2016.01.01") (getVersion "youtube-dl-2016.01.01") ]"#),
        json!(["youtube-dl", "2016.01.01"])
    );
    assert_eq!(
        lib(r#"makeSearchPath "bin" [ "/root" "/usr" "/usr/local" ]"#),
        json!("/root/bin:/usr/bin:/usr/local/bin")
    );
    assert_eq!(
        lib(r#"stringAfter [ "users" ] "text""#),
        json!({ "deps": ["users"], "text": "text" })
    );
    assert_eq!(lib(r#"boolToString true"#), json!("true"));
    assert_eq!(lib(r#"toHexString 250"#), json!("FA"));
    assert_eq!(lib(r#"escapeURL "foo/bar baz""#), json!("foo%2Fbar%20baz"));
    assert_eq!(lib(r#"escapeRegex "[^a-z]*""#), json!("\\[\\^a-z]\\*"));
    assert_eq!(
        lib(r#"escapeNixString "hello\${}\n""#),
        json!("\"hello\\${}\\n\"")
    );
}

#[test]
fn trivial_and_control() {
    // The examples of nixpkgs lib/trivial.nix.
    assert_eq!(lib(r#"pipe 2 [ (x: x + 2) (x: x * 2) ]"#), json!(8));
    assert_eq!(lib(r#"flip concat [ 1 ] [ 2 ]"#), json!([2, 1]));
    assert_eq!(lib(r#"id 5"#), json!(5));
    assert_eq!(lib(r#"const 5 6"#), json!(5));
    assert_eq!(
        lib(r#"(fix (self: { a = 1; b = self.a + 1; })).b"#),
        json!(2)
    );
    assert_eq!(
        lib(r#"[ (min 1 2) (max 1 2) (mod 11 10) (mod 1 10) (mod (-7) 4) ]"#),
        json!([1, 2, 1, 1, -3])
    );
    assert_eq!(lib(r#"warn "careful" 3"#), json!(3));
    assert_eq!(
        lib(
            r#"[ (bitNot 0) (and true false) (lib.or false true) (xor true true) (and false (throw "lazy")) ]"#
        ),
        json!([-1, false, true, false, false])
    );
    assert_eq!(
        lib(r#"[ (mapNullable (x: x + 1) null) (mapNullable (x: x + 1) 1) ]"#),
        json!([null, 2])
    );
    assert_eq!(lib(r#"warnIf true "careful" 3"#), json!(3));
    assert!(unknown(&lib(r#"throwIf true "no" 3"#)));
    assert_eq!(lib(r#"throwIfNot true "no" 3"#), json!(3));
    assert_eq!(lib(r#"assertMsg true "no""#), json!(true));
    assert_eq!(
        lib(r#"(builtins.tryEval (assertMsg false "no")).success"#),
        json!(false)
    );
}

#[test]
fn packages_and_metadata_are_unknown_not_guessed() {
    for expr in [
        r#"getExe { outPath = "/x"; }"#,
        r#"makeBinPath [ "a" ]"#,
        r#"hiPrio { }"#,
        r#"licenses.mit"#,
        r#"platforms.linux"#,
        r#"version"#,
    ] {
        assert!(unknown(&lib(expr)), "{expr}");
    }
    assert_eq!(
        lib("fakeSha256"),
        json!("0000000000000000000000000000000000000000000000000000")
    );
}

#[test]
fn names_are_unique_per_place() {
    use super::{Place, Prim};
    for place in [
        Place::Builtins,
        Place::Global,
        Place::Lib,
        Place::LibFilesystem,
    ] {
        let mut names: Vec<_> = Prim::ALL
            .iter()
            .filter(|p| p.places().contains(&place))
            .map(|p| p.name())
            .collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "{place:?}");
    }
}

#[test]
fn has_suffix_of_a_path_is_decided_by_its_file_name() {
    // `filter (hasSuffix ".nix") (filesystem.listFilesRecursive ./modules)`:
    // the store path a path becomes ends with the file name.
    assert_eq!(
        lib(r#"[ (hasSuffix ".nix" ./modules/a.nix) (hasSuffix ".nix" ./modules/a.txt) ]"#),
        json!([true, false])
    );
    assert!(unknown(&lib(
        r#"hasSuffix "/modules/a.nix" ./modules/a.nix"#
    )));
}

#[test]
fn every_builtin_survives_every_kind_of_argument() {
    // Never a panic, whatever the arguments: each built-in is called with
    // every pair of sample values (the rest of its arguments repeating them).
    use super::Prim;
    let samples = [
        "null",
        "(-1)",
        "1.5",
        "\"\"",
        "\"a-1.2\"",
        "./x",
        "[ 1 \"a\" null ]",
        "{ a = 1; key = 1; name = \"n\"; value = 2; startSet = [ ]; operator = x: [ ]; modules = [ ]; }",
        "(x: x)",
        "(x: y: true)",
        "builtins.currentSystem",
        "(throw \"t\")",
    ];
    let src = format!("[ {} ]", samples.join(" "));
    with_big_stack(move || {
        let parsed = ParsedFile::parse(Arc::new(SourceFile::new("expr.nix", src)));
        let mut files = BTreeMap::new();
        files.insert("expr.nix".to_string(), parsed);
        let mut ev = Evaluator::new(None, files, Limits::default());
        let super::super::Value::List(items) = ev.import_file("expr.nix", None) else {
            panic!("the samples are a list");
        };
        for prim in Prim::ALL {
            for a in items.iter() {
                for b in items.iter() {
                    ev.reset_budget();
                    let args: Vec<_> = (0..prim.arity())
                        .map(|i| if i % 2 == 0 { *a } else { *b })
                        .collect();
                    let v = ev.call_prim(*prim, &args, None);
                    ev.to_json(v, 8);
                }
            }
        }
    });
}

#[test]
fn builtins_of_recent_nix_are_present() {
    // Flakes are evaluated by recent Nix: its newer built-ins exist.
    assert_eq!(
        lib(
            r#"[ (builtins.warn "careful" 1) (builtins ? getFlake) (builtins ? convertHash) (builtins ? currentTime) ]"#
        ),
        json!([1, true, true, false])
    );
    assert!(unknown(&lib(r#"builtins.getFlake "github:a/b""#)));
}
