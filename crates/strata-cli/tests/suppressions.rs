//! Suppressions and `strata.toml` rules through the binary: every format
//! and the exit code see the same findings; `--show-suppressed` lists the
//! silenced ones without changing a contract field.

mod common;

use std::process::Output;

use common::{fixture, fixture_copy, strata};
use serde_json::Value;

fn lint(path: &std::path::Path, format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "lint",
        path.to_str().expect("UTF-8 path"),
        "--format",
        format,
        "--eval",
        "static",
    ];
    args.extend_from_slice(extra);
    strata(&args)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

#[test]
fn json_lists_suppressed_findings_only_when_asked() {
    let path = fixture("suppressions");
    let plain = json(&lint(&path, "json", &[]));
    assert!(plain.get("suppressed").is_none());
    let codes: Vec<&str> = plain["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["SUP001", "SUP002", "SUP002", "SUP002", "SUP002"]);
    let shown = json(&lint(&path, "json", &["--show-suppressed"]));
    assert_eq!(shown["diagnostics"], plain["diagnostics"]);
    assert_eq!(shown["summary"]["warnings"], plain["summary"]["warnings"]);
    assert_eq!(shown["summary"]["suppressed"], 3);
    let first = &shown["suppressed"][0];
    for field in [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
    ] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert_eq!(first["code"], "FLUX015");
    assert_eq!(
        (first["file"].as_str(), first["line"].as_u64()),
        (Some("apps/deployment.yaml"), Some(17))
    );
    assert_eq!(
        first["suppression"],
        serde_json::json!({
            "kind": "in-source",
            "reason": "a debugging shell, any busybox will do",
            "file": "apps/deployment.yaml",
            "line": 17,
        })
    );
}

#[test]
fn human_and_sarif_show_suppressed_findings_with_their_reasons() {
    let path = fixture("suppressions-clean");
    let human = lint(&path, "human", &[]);
    assert_eq!(human.status.code(), Some(0));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("3 findings suppressed (--show-suppressed lists them)"),
        "{text}"
    );
    let listed = lint(&path, "human", &["--show-suppressed"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("  apps/deployment.yaml:23:18 warning FLUX015 image-tag-unpinned: ")
            && text.contains(
                "(suppressed by apps/deployment.yaml:22: the proxy follows upstream on purpose)"
            ),
        "{text}"
    );
    let sarif = json(&lint(&path, "sarif", &["--show-suppressed"]));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        results[0]["suppressions"][0]["justification"],
        "a debugging shell, any busybox will do"
    );
    let plain = json(&lint(&path, "sarif", &[]));
    assert_eq!(plain["runs"][0]["results"].as_array().unwrap().len(), 0);
    let github = lint(&path, "github", &[]);
    assert_eq!(String::from_utf8_lossy(&github.stdout), "");
}

#[test]
fn configuration_and_suppressions_decide_the_exit_code() {
    let dir = fixture_copy("config-rules");
    // FLUX015 raised to an error by [rules.severity].
    let raised = lint(dir.path(), "github", &[]);
    assert_eq!(raised.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&raised.stdout)
            .starts_with("::error file=apps/deployment.yaml,line=17,col=18,"),
        "{}",
        String::from_utf8_lossy(&raised.stdout)
    );
    // The line above the finding says why: nothing left, exit 0.
    let file = dir.path().join("apps/deployment.yaml");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "          image: docker.io/library/nginx",
        "          # strata: ignore[FLUX015] the proxy tracks upstream nginx\n          image: docker.io/library/nginx",
    );
    std::fs::write(&file, text).unwrap();
    let suppressed = lint(dir.path(), "json", &["--show-suppressed"]);
    assert_eq!(suppressed.status.code(), Some(0));
    let document = json(&suppressed);
    assert_eq!(document["summary"]["errors"], 0);
    let kinds: Vec<&str> = document["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["suppression"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["in-source", "config"]);
}

#[test]
fn a_config_value_naming_no_code_is_cfg001_at_the_value() {
    let dir = fixture_copy("config-rules");
    std::fs::write(
        dir.path().join("strata.toml"),
        "[rules]\nignore = [\"FLUX016\", \"FLUX99\"]\n",
    )
    .unwrap();
    let document = json(&lint(dir.path(), "json", &[]));
    let cfg: Vec<&Value> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "CFG001")
        .collect();
    assert_eq!(cfg.len(), 1, "{document}");
    assert_eq!(
        (
            cfg[0]["file"].as_str(),
            cfg[0]["line"].as_u64(),
            cfg[0]["column"].as_u64()
        ),
        (Some("strata.toml"), Some(2), Some(22))
    );
}
