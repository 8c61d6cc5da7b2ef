//! Each case is Flux's own (`fluxcd/pkg/envsubst` `eval_test.go` and
//! `parse_test.go`) or derived by following its parser and functions.

use super::*;

/// Substitutes `text` with `vars` defined and every other variable surely
/// undefined; the unset variables are listed after the text.
fn run(text: &str, vars: &[(&str, &str)]) -> Result<(String, Vec<String>), &'static str> {
    let nodes = parse(text).map_err(|e| e.message)?;
    let lookup = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map_or(Value::Missing, |(_, v)| Value::Known(v.to_string()))
    };
    let mut unset = Vec::new();
    let out = evaluate(&nodes, text, &lookup, &mut unset);
    Ok((out.text, unset.into_iter().map(|u| u.name).collect()))
}

/// Variable names and values.
type Vars<'a> = [(&'a str, &'a str)];

fn sub(text: &str, vars: &[(&str, &str)]) -> String {
    match run(text, vars) {
        Ok((out, _)) => out,
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn flux_eval_cases() {
    let v01 = [("var01", "abcdEFGH28ij")];
    let upper01 = [("var01", "ABCDEFGH28IJ")];
    let path = [("path_name", "/home/bozo/ideas/thoughts.for.today")];
    let z = [("stringZ", "abcABC123ABCabc")];
    let file = [("filename", "bash.string.txt")];
    let cases: &[(&str, &Vars, &str)] = &[
        ("abcdEFGH28ij", &[], "abcdEFGH28ij"),
        ("${#var01}", &v01, "12"),
        ("${var01^}", &v01, "AbcdEFGH28ij"),
        ("${var01^^}", &v01, "ABCDEFGH28IJ"),
        ("${var01,}", &upper01, "aBCDEFGH28IJ"),
        ("${var01,,}", &upper01, "abcdefgh28ij"),
        ("${path_name:11}", &path, "ideas/thoughts.for.today"),
        ("${path_name:11:5}", &path, "ideas"),
        ("${var=xyz}", &[("var", "abc")], "abc"),
        ("${var=xyz}", &[], "xyz"),
        (
            "something ${var=${default_var}}",
            &[("default_var", "foo")],
            "something foo",
        ),
        (
            "foo: ${var=${default_var}-suffix}",
            &[("default_var", "foo1")],
            "foo: foo1-suffix",
        ),
        (
            "foo: ${var=prefix${default_var}-suffix}",
            &[("default_var", "foo1")],
            "foo: prefixfoo1-suffix",
        ),
        ("${var:=xyz}", &[], "xyz"),
        ("${stringZ/%abc/XYZ}", &z, "abcABC123ABCXYZ"),
        ("${stringZ/#abc/XYZ}", &z, "XYZABC123ABCabc"),
        ("${stringZ//abc/xyz}", &z, "xyzABC123ABCxyz"),
        ("${stringZ/abc/xyz}", &z, "xyzABC123ABCabc"),
        ("${filename#*.}", &file, "string.txt"),
        ("${filename#*/}", &[("filename", "path/to/file")], "to/file"),
        (
            "${filename#*/}",
            &[("filename", "/path/to/file")],
            "path/to/file",
        ),
        ("${filename##*.}", &file, "txt"),
        ("${filename##*/}", &[("filename", "path/to/file")], "file"),
        ("${filename##*/}", &[("filename", "/path/to/file")], "file"),
        ("${filename%.*}", &file, "bash.string"),
        ("${filename%%.*}", &file, "bash"),
        ("${var=${var01^^}}", &v01, "ABCDEFGH28IJ"),
        ("$${var01}", &v01, "${var01}"),
        (
            "some text ${var01}$${var$${var01}$var01${var01}",
            &v01,
            "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij",
        ),
        (
            "something $${var=${default_var}}",
            &[("default_var", "foo")],
            "something ${var=foo}",
        ),
        ("${stringZ/\\//-}", &[("stringZ", "foo/bar")], "foo-bar"),
        (
            "${stringZ//\\//-}",
            &[("stringZ", "foo/bar/baz")],
            "foo-bar-baz",
        ),
        (
            "\\\\something ${var=${default_var}}",
            &[("default_var", "foo")],
            "\\\\something foo",
        ),
        ("${stringZ/./}", &[("stringZ", "foo.bar")], "foobar"),
        // The fork's negative substring length and empty replace pattern.
        ("${v:1:-1}", &[("v", "abcdef")], "bcde"),
        ("${v:4:-3}", &[("v", "abcdef")], ""),
        ("${v/#/x}", &[("v", "abc")], "xabc"),
    ];
    for (text, vars, want) in cases {
        assert_eq!(&sub(text, vars), want, "{text}");
    }
}

#[test]
fn defaults_take_the_value_only_when_it_is_not_empty() {
    for op in ["=", ":=", ":-", ":?", ":+"] {
        let text = format!("${{A{op}fallback}}");
        assert_eq!(sub(&text, &[]), "fallback", "{text}");
        assert_eq!(sub(&text, &[("A", "")]), "fallback", "{text}");
        assert_eq!(sub(&text, &[("A", "set")]), "set", "{text}");
        assert_eq!(run(&text, &[]).map(|r| r.1), Ok(vec![]), "{text}");
    }
    assert_eq!(sub("${A:-}", &[]), "");
    assert_eq!(sub("${A==b}", &[]), "=b");
    // Default text stops at `${` and resumes after it; `$$` is no escape there.
    assert_eq!(sub("${A:-$${B}}", &[("B", "b")]), "$b");
    assert_eq!(sub("${A:-a${B}c${C}}", &[("B", "b"), ("C", "c")]), "abcc");
}

#[test]
fn nested_defaults() {
    let claim = "${KOPIUR_CLAIM:-${APP}}";
    assert_eq!(
        run(claim, &[("APP", "radarr")]),
        Ok(("radarr".into(), vec![]))
    );
    assert_eq!(
        run(claim, &[("APP", "radarr"), ("KOPIUR_CLAIM", "media")]),
        Ok(("media".into(), vec![]))
    );
    // Flux evaluates the default first: `APP` is read even when the claim
    // is set, and strict mode fails on it.
    assert_eq!(
        run(claim, &[("KOPIUR_CLAIM", "media")]),
        Ok(("media".into(), vec!["APP".into()]))
    );
    assert_eq!(run(claim, &[]), Ok(("${APP}".into(), vec!["APP".into()])));
    assert_eq!(sub("${A:=${B:=${C}}}", &[("C", "c")]), "c");
    assert_eq!(sub("${A:=${B:=${C}}}", &[("B", "b"), ("C", "c")]), "b");
}

#[test]
fn operator_arguments_may_be_expressions() {
    let vars = [
        ("s", "hello world"),
        ("p", "4"),
        ("n", "2"),
        ("o", "o"),
        ("z", "0"),
    ];
    assert_eq!(sub("${s:${p}}", &vars), "o world");
    assert_eq!(sub("${s:${p}:${n}}", &vars), "o ");
    assert_eq!(sub("${s//${o}/${z}}", &vars), "hell0 w0rld");
    assert_eq!(sub("${s#${o}}", &vars), "hello world");
    // Only defaults mix text and expressions.
    assert_eq!(sub("${s#*${o}}", &vars), "error: bad substitution");
}

#[test]
fn substrings_count_bytes_like_go() {
    let v = [("v", "abcdef")];
    assert_eq!(sub("${v:2}", &v), "cdef");
    assert_eq!(sub("${v:9}", &v), "");
    assert_eq!(sub("${v:2:100}", &v), "cdef");
    assert_eq!(sub("${v:+2:1}", &v), "abcdef", "`:+` is a default");
    assert_eq!(sub("${v:1:+2}", &v), "bc", "a leading + is a number to Go");
    // `${v:-2}` is a default, as in bash; a space makes no number for Go.
    assert_eq!(sub("${v:-2}", &v), "abcdef");
    assert_eq!(sub("${v: -2}", &v), "abcdef");
    assert_eq!(sub("${v:x}", &v), "abcdef");
    assert_eq!(sub("${v:1:x}", &v), "abcdef");
    assert_eq!(
        sub("${v:1::2}", &v),
        "bc",
        "repeated colons are one delimiter"
    );
    assert_eq!(sub("${v:1:2:3}", &v), "abcdef", "`2:3` is no number");
    assert_eq!(sub("${v:1}", &[("v", "é")]), "\u{fffd}");
    assert_eq!(sub("${#v}", &[("v", "é")]), "2");
}

#[test]
fn case_changes_map_one_character_to_one() {
    assert_eq!(sub("${v^}", &[("v", "élan")]), "Élan");
    assert_eq!(sub("${v^^}", &[("v", "straße")]), "STRAßE");
    assert_eq!(sub("${v,,}", &[("v", "ÀB")]), "àb");
    assert_eq!(sub("${v^}", &[("v", "")]), "");
    // Mixed operators fall back to the default function: the value.
    assert_eq!(sub("${v,^}", &[("v", "Ab")]), "Ab");
}

#[test]
fn replacements() {
    let v = [("v", "a/b/c")];
    assert_eq!(sub("${v/\\//-}", &v), "a-b/c");
    assert_eq!(sub("${v//\\//}", &v), "abc");
    assert_eq!(
        sub("${v/%c/}", &v),
        "a/b/c",
        "without a replacement a suffix stays"
    );
    assert_eq!(
        sub("${v/#a/}", &v),
        "a/b/c",
        "without a replacement a prefix stays"
    );
    assert_eq!(
        sub("${v/b//x}", &v),
        "a/x/c",
        "repeated slashes are one delimiter"
    );
    assert_eq!(sub("${v///-}", &[("v", "ab")]), "-a-b-");
    assert_eq!(sub("${v/$$/x}", &[("v", "a$b")]), "axb");
    assert_eq!(sub("${v/\\\\/x}", &[("v", "a\\b")]), "axb");
}

#[test]
fn trims_are_flux_globs() {
    let v = [("v", "abc1")];
    // The suffix pattern is reversed as text: a class no longer parses, so
    // the value stays, unlike bash.
    assert_eq!(sub("${v%[a-z]*}", &v), "abc1");
    assert_eq!(sub("${v#[a-z]}", &v), "bc1");
    assert_eq!(sub("${v##*[a-z]}", &v), "1");
    assert_eq!(sub("${v#[}", &v), "abc1", "a bad pattern leaves the value");
    assert_eq!(sub("${v#x}", &v), "abc1");
    assert_eq!(sub("${v%1}", &v), "abc");
    assert_eq!(sub("${v###}", &[("v", "##a")]), "#a");
}

#[test]
fn escapes_outside_expressions() {
    let x = [("x", "1")];
    assert_eq!(sub("echo $$", &x), "echo $");
    assert_eq!(sub("a$b $", &x), "a$b $");
    assert_eq!(sub("$$${x}", &x), "$1");
    assert_eq!(sub("$$$${x}", &x), "$${x}");
    assert_eq!(sub("}text", &x), "}text");
    assert_eq!(sub("\\\\.\\pipe\\pipename", &x), "\\\\.\\pipe\\pipename");
    assert_eq!(sub("/$${pvc.metadata.name}", &x), "/${pvc.metadata.name}");
}

#[test]
fn what_flux_cannot_parse() {
    let cases = [
        ("${var-default}", MISSING_CLOSING_BRACE),
        ("${var+x}", MISSING_CLOSING_BRACE),
        ("${var?message}", MISSING_CLOSING_BRACE),
        ("${a.b}", MISSING_CLOSING_BRACE),
        ("${var", MISSING_CLOSING_BRACE),
        ("${ unclosed", BAD_VARIABLE_NAME),
        ("${{ github.token }}", BAD_VARIABLE_NAME),
        ("${}", BAD_VARIABLE_NAME),
        ("${", BAD_VARIABLE_NAME),
        ("${#}", BAD_SUBSTITUTION),
        ("${#a:-x}", BAD_SUBSTITUTION),
        ("${a^^^}", BAD_SUBSTITUTION),
        ("${a/x}", BAD_SUBSTITUTION),
        ("${a#}", BAD_ARGUMENT),
        ("${a:}", BAD_ARGUMENT),
        ("${a:-x", BAD_ARGUMENT),
    ];
    for (text, message) in cases {
        assert_eq!(parse(text).map_err(|e| e.message), Err(message), "{text}");
    }
    let error = parse("ok ${a.b} later").unwrap_err();
    assert_eq!(error.span, 3..7);
}

#[test]
fn names_are_unicode_letters_and_digits() {
    assert_eq!(
        run("${9bad}", &[]),
        Ok(("${9bad}".into(), vec!["9bad".into()]))
    );
    assert_eq!(run("x${é}", &[]), Ok(("x${é}".into(), vec!["é".into()])));
}

#[test]
fn undefined_variables_are_unset_unless_a_default_follows() {
    for text in [
        "${m}",
        "${#m}",
        "${m^}",
        "${m^^}",
        "${m,}",
        "${m,,}",
        "${m:0}",
        "${m:0:10}",
        "${m/p/r}",
        "${m//p/r}",
        "${m/#p/r}",
        "${m/%p/r}",
        "${m#p}",
        "${m##p}",
        "${m%p}",
        "${m%%p}",
    ] {
        assert_eq!(
            run(text, &[]),
            Ok((text.to_string(), vec!["m".into()])),
            "{text}"
        );
    }
    let (_, unset) = run("${a}-${b:-x}-${c}", &[]).unwrap_or_default();
    assert_eq!(unset, vec!["a", "c"]);
}

#[test]
fn unknown_values_keep_the_expression_as_written() {
    let text = "${T^^}/${A:-x-${T}}/${A:-${T:-y}}/${K:-${T}}";
    let nodes = parse(text).unwrap_or_default();
    let lookup = |name: &str| match name {
        "T" => Value::Unknown,
        "K" => Value::Known("k".into()),
        _ => Value::Missing,
    };
    let mut unset = Vec::new();
    let out = evaluate(&nodes, text, &lookup, &mut unset);
    assert_eq!(out.text, "${T^^}/x-${T}/${T:-y}/k");
    assert!(!out.exact && unset.is_empty());
}

proptest::proptest! {
    #[test]
    fn never_panics(text in "([a-zé$\\{\\}:=\\-_#%/^,\\\\\\[\\]*?0-9]|\\$\\{|\\$\\$){0,40}") {
        if let Ok(nodes) = parse(&text) {
            let lookup = |name: &str| if name.len().is_multiple_of(2) {
                Value::Known("aé/b*c".into())
            } else {
                Value::Missing
            };
            let _ = evaluate(&nodes, &text, &lookup, &mut Vec::new());
        }
    }
}
