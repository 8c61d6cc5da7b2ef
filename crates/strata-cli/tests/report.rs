//! `report` and `graph --format svg`: the SVG is well-formed XML drawing
//! every node and edge; the HTML report is self-contained and, rendered by
//! a real headless Chromium, runs its script without a console message and
//! shows every finding and every plan step.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn stdout_of(args: &[&str]) -> String {
    let out = common::strata(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "strata {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).expect("JSON output")
}

fn node_ids(root: &str) -> BTreeSet<String> {
    json_of(&["graph", root, "--eval", "static"])["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_string())
        .collect()
}

/// Text as the DOM serialiser writes it inside an element.
fn dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

#[test]
fn svg_is_well_formed_and_draws_every_node_and_edge() {
    for root in [
        common::repo_root(),
        common::fixture("flux-secret-plaintext"),
        common::fixture("flux-depends-on-cycle"),
    ] {
        let root = root.to_str().expect("UTF-8 path");
        let svg = stdout_of(&["graph", root, "--eval", "static", "--format", "svg"]);
        let document = roxmltree::Document::parse(&svg).expect("the SVG parses as XML");
        let svg_root = document.root_element();
        assert_eq!(svg_root.tag_name().name(), "svg");
        assert_eq!(
            svg_root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let drawn: BTreeSet<String> = document
            .descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("node ")))
            .map(|n| n.attribute("data-id").expect("data-id").to_string())
            .collect();
        assert_eq!(drawn, node_ids(root), "{root}: every node is drawn once");
        let edges = json_of(&["graph", root, "--eval", "static"])["edges"]
            .as_array()
            .expect("edges")
            .len();
        let paths = document
            .descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("edge ")))
            .filter(|n| n.attribute("d").is_some_and(|d| d.starts_with("M ")))
            .count();
        assert_eq!(paths, edges, "{root}: every edge is drawn");
        // Every box lies inside the picture.
        let width: f64 = svg_root
            .attribute("width")
            .expect("width")
            .parse()
            .expect("number");
        let height: f64 = svg_root
            .attribute("height")
            .expect("height")
            .parse()
            .expect("number");
        for rect in document.descendants().filter(|n| {
            n.has_tag_name("rect") && n.parent().and_then(|p| p.attribute("data-id")).is_some()
        }) {
            let x: f64 = rect.attribute("x").expect("x").parse().expect("number");
            let y: f64 = rect.attribute("y").expect("y").parse().expect("number");
            assert!(
                x >= 0.0 && y >= 0.0 && x < width && y < height,
                "{root}: box at {x},{y}"
            );
        }
    }
}

#[test]
fn svg_is_byte_identical_across_runs() {
    let root = common::repo_root();
    let root = root.to_str().expect("UTF-8 path");
    let args = ["graph", root, "--eval", "static", "--format", "svg"];
    assert_eq!(stdout_of(&args), stdout_of(&args));
}

#[test]
fn report_is_self_contained() {
    let root = common::fixture("flux-secret-plaintext");
    let html = stdout_of(&["report", root.to_str().expect("UTF-8"), "--eval", "static"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    for fetch in [
        "<link",
        " src=",
        "url(http",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(
            !html.contains(fetch),
            "the report must not load anything: {fetch}"
        );
    }
    // The only URL is the SVG namespace, an identifier that is never fetched.
    let urls: BTreeSet<&str> = ["http://", "https://"]
        .iter()
        .flat_map(|scheme| html.match_indices(scheme))
        .map(|(i, _)| {
            html[i..]
                .split(['"', '\'', ' ', '<', ')'])
                .next()
                .unwrap_or("")
        })
        .collect();
    assert!(!html.contains("href=\"//"), "no protocol-relative link");
    assert_eq!(urls, BTreeSet::from(["http://www.w3.org/2000/svg"]));
    // The committed secret's value never appears, in either form.
    for secret in [
        "c3VwZXJzZWNyZXQtY2xvdWRmbGFyZS10b2tlbg",
        "supersecret-cloudflare-token",
    ] {
        assert!(!html.contains(secret), "{secret} leaked");
    }
}

#[test]
fn report_writes_the_output_file_and_reports_an_unwritable_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.html");
    let root = common::repo_root();
    let out = common::strata(&[
        "report",
        root.to_str().expect("UTF-8"),
        "--eval",
        "static",
        "--output",
        file.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&file).expect("report written");
    assert!(html.trim_end().ends_with("</html>"));

    let missing = dir.path().join("no/such/dir/report.html");
    let out = common::strata(&[
        "report",
        root.to_str().expect("UTF-8"),
        "--eval",
        "static",
        "--output",
        missing.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write the report"), "{stderr}");
}

// --- headless Chromium ------------------------------------------------------

/// Debian's `chromium` (scripts/test installs it), or `$STRATA_CHROMIUM`.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("STRATA_CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "the report tests need a headless Chromium: `apt-get install chromium` \
         (scripts/test installs it), or set STRATA_CHROMIUM to its path"
    );
}

/// Runs Chromium headless on `url` with `mode` (`--dump-dom` or
/// `--screenshot=FILE`); returns (stdout, stderr). Each run has its own
/// profile directory, so tests can run in parallel.
fn run_chromium(url: &str, mode: &str, window: &str) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--window-size={window}"))
        .arg(format!(
            "--user-data-dir={}",
            profile.path().to_str().expect("UTF-8")
        ))
        .arg(mode)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let read_out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let read_err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 180 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (
        read_out.join().expect("stdout reader"),
        read_err.join().expect("stderr reader"),
    )
}

/// Console messages (`console.*` calls, uncaught exceptions, CSP
/// violations) as Chromium logs them: `…:INFO:CONSOLE(…)] "…", source: …`.
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// Writes the report of `root` into `dir`; returns its `file://` URL.
fn write_report(root: &Path, dir: &Path) -> String {
    let file = dir.join("report.html");
    let out = common::strata(&[
        "report",
        root.to_str().expect("UTF-8"),
        "--eval",
        "static",
        "--output",
        file.to_str().expect("UTF-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("file://{}", file.to_str().expect("UTF-8"))
}

/// The rendered DOM of `root`'s report (scripts run), opened with `node`
/// selected, after checking the console stayed silent.
fn rendered_dom(root: &Path, node: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = write_report(root, dir.path());
    let (dom, stderr) = run_chromium(&format!("{url}#node={node}"), "--dump-dom", "1400,1000");
    assert!(
        console_messages(&stderr).is_empty(),
        "console messages:\n{}",
        console_messages(&stderr).join("\n")
    );
    assert!(dom.contains("</html>"), "no DOM dumped; stderr:\n{stderr}");
    dom
}

/// Every finding of `lint --format json` and every step of
/// `plan --format json` is in the rendered page.
fn assert_shows_findings_and_plan(root: &Path, dom: &str) {
    let root_text = root.to_str().expect("UTF-8");
    let lint = json_of(&["lint", root_text, "--eval", "static", "--format", "json"]);
    let findings = lint["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(
        dom.matches("<li class=\"finding ").count(),
        findings.len(),
        "one list item per finding"
    );
    for (index, d) in findings.iter().enumerate() {
        let item_start = dom
            .find(&format!("id=\"finding-{index}\""))
            .unwrap_or_else(|| panic!("finding {index} missing"));
        let item = &dom[item_start..];
        let item = &item[..item.find("</li>").unwrap_or(item.len())];
        let code = d["code"].as_str().expect("code");
        assert!(item.contains(&format!("data-code=\"{code}\"")), "{item}");
        assert!(
            item.contains(&dom_text(d["message"].as_str().expect("message"))),
            "finding {index} lacks its message: {item}"
        );
        if let Some(file) = d["file"].as_str() {
            let at = format!("{file}:{}:{}", d["line"], d["column"]);
            assert!(item.contains(&dom_text(&at)), "finding {index} lacks {at}");
            assert!(
                item.contains("class=\"snippet\""),
                "finding {index} lacks its snippet"
            );
        }
    }
    let plan = json_of(&["plan", root_text, "--eval", "static", "--format", "json"]);
    let steps: Vec<&Value> = plan["waves"]
        .as_array()
        .expect("waves")
        .iter()
        .flat_map(|w| w["steps"].as_array().expect("steps"))
        .collect();
    assert!(!steps.is_empty(), "the fixture has a plan");
    assert_eq!(dom.matches("<li class=\"step\"").count(), steps.len());
    for step in steps {
        let target = step["target"].as_str().expect("target");
        let action = step["action"].as_str().expect("action");
        assert!(
            dom.contains(&format!(
                "<li class=\"step\" data-action=\"{action}\" data-target=\"{target}\">"
            )),
            "step {action} {target} missing"
        );
        let argv: Vec<&str> = step["command"]
            .as_array()
            .expect("command")
            .iter()
            .map(|w| w.as_str().expect("word"))
            .collect();
        // The command's last word (the target's name) is shown.
        let last = argv.last().expect("argv");
        assert!(dom.contains(&dom_text(last)), "command of {target} missing");
    }
}

#[test]
fn example_report_renders_in_chromium_with_plan_and_node_details() {
    let root = common::repo_root();
    let dom = rendered_dom(&root, "host/homelab-0");
    assert_shows_findings_and_plan(&root, &dom);
    // Every node is drawn.
    for id in node_ids(root.to_str().expect("UTF-8")) {
        assert!(
            dom.contains(&format!("data-id=\"{}\"", dom_text(&id))),
            "{id} not drawn"
        );
    }
    // The script ran: the selected node's facts fill the panel, its
    // neighbours are highlighted, and the camera moved off the full view.
    let details = &dom[dom.find("<aside id=\"details\"").expect("panel")..];
    let details = &details[..details.find("</aside>").expect("panel end")];
    assert!(details.contains("<h3>host/homelab-0</h3>"), "{details}");
    assert!(details.contains("<dt>kind</dt><dd>host</dd>"), "{details}");
    assert!(details.contains("Depends on ("), "{details}");
    assert!(details.contains("Dependents ("), "{details}");
    assert!(dom.contains("class=\"node nix host selected near\""));
    assert!(dom.contains("<svg id=\"graph-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\""));
    assert!(dom.contains("class=\"focus\""));
}

/// Pointer and wheel events on the page, as a mouse would send them: a
/// click on a node selects it, a drag pans, the wheel and the buttons zoom,
/// a plan step's link and the search box select nodes.
/// The script appended to the report records what it saw in `data-` attributes
/// of `<body>`, which the dumped DOM shows.
const INTERACTION: &str = r##"<script>
(function () {
  var svg = document.getElementById("graph-svg");
  var viewport = document.getElementById("viewport");
  var body = document.body;
  function box() { return svg.getAttribute("viewBox").split(" ").map(Number); }
  function pointer(type, target, x, y) {
    target.dispatchEvent(new PointerEvent(type, { bubbles: true, cancelable: true, pointerId: 7, button: 0, buttons: type === "pointerup" ? 0 : 1, clientX: x, clientY: y, isPrimary: true }));
  }
  var node = svg.querySelector('g.node[data-id="host/homelab-1"] rect');
  var r = node.getBoundingClientRect();
  var x = r.left + r.width / 2, y = r.top + r.height / 2;
  pointer("pointerdown", node, x, y);
  pointer("pointerup", node, x, y);
  body.dataset.clicked = document.querySelector("#details h3").textContent;
  var before = box();
  pointer("pointerdown", viewport, 300, 300);
  pointer("pointermove", viewport, 360, 340);
  pointer("pointerup", viewport, 360, 340);
  var after = box();
  body.dataset.panned = String(after[0] < before[0] && after[1] < before[1] && after[2] === before[2]);
  viewport.dispatchEvent(new WheelEvent("wheel", { bubbles: true, cancelable: true, deltaY: -100, clientX: 400, clientY: 400 }));
  body.dataset.wheelZoomedIn = String(box()[2] < after[2]);
  var w = box()[2];
  document.getElementById("zoom-out").click();
  body.dataset.buttonZoomedOut = String(box()[2] > w);
  document.getElementById("zoom-fit").click();
  // A click on the background clears the selection.
  pointer("pointerdown", viewport, 5, 5);
  pointer("pointerup", viewport, 5, 5);
  body.dataset.cleared = String(!svg.classList.contains("focus"));
  // A plan step's link selects its target.
  document.querySelector('#plan a.node-link[data-node="host/homelab-2"]').click();
  body.dataset.linked = document.querySelector("#details h3").textContent;
  // The search box selects the node whose id is typed.
  var search = document.getElementById("search");
  search.value = "Kustomization/flux-system/apps";
  search.dispatchEvent(new Event("change"));
  body.dataset.searched = document.querySelector("#details h3").textContent;
}());
</script>
"##;

#[test]
fn report_reacts_to_clicks_drags_and_the_wheel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = write_report(&common::repo_root(), dir.path());
    let file = dir.path().join("report.html");
    let html = std::fs::read_to_string(&file).expect("report");
    let html = html.replace("</body>", &format!("{INTERACTION}</body>"));
    std::fs::write(&file, html).expect("write");
    let (dom, stderr) = run_chromium(&url, "--dump-dom", "1400,1000");
    assert!(
        console_messages(&stderr).is_empty(),
        "console messages:\n{}",
        console_messages(&stderr).join("\n")
    );
    let body = &dom[dom.find("<body").expect("body")..];
    let body = &body[..body.find('>').expect("tag end")];
    for expected in [
        "data-clicked=\"host/homelab-1\"",
        "data-panned=\"true\"",
        "data-wheel-zoomed-in=\"true\"",
        "data-button-zoomed-out=\"true\"",
        "data-cleared=\"true\"",
        "data-linked=\"host/homelab-2\"",
        "data-searched=\"Kustomization/flux-system/apps\"",
    ] {
        assert!(body.contains(expected), "{expected} not in {body}");
    }
}

#[test]
fn report_with_findings_renders_in_chromium_with_every_finding_masked() {
    let root = common::fixture("flux-secret-plaintext");
    let dom = rendered_dom(&root, "Secret/flux-system/cloudflare-api-token");
    assert_shows_findings_and_plan(&root, &dom);
    // The node's finding is listed in its panel, linking to the finding.
    let details = &dom[dom.find("<aside id=\"details\"").expect("panel")..];
    let details = &details[..details.find("</aside>").expect("panel end")];
    assert!(details.contains("Findings (1)"), "{details}");
    assert!(details.contains("href=\"#finding-"), "{details}");
    for secret in [
        "c3VwZXJzZWNyZXQtY2xvdWRmbGFyZS10b2tlbg",
        "supersecret-cloudflare-token",
    ] {
        assert!(!dom.contains(secret), "{secret} leaked into the page");
    }
}

/// Screenshots `root`'s report (a tall window: graph, findings and plan)
/// into the target directory, where a person can look at it.
fn screenshot(root: &Path, fragment: &str, name: &str) -> PathBuf {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = write_report(root, dir.path());
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_file(&png);
    let (_, stderr) = run_chromium(
        &format!("{url}{fragment}"),
        &format!("--screenshot={}", png.display()),
        "1400,2400",
    );
    assert!(
        console_messages(&stderr).is_empty(),
        "console messages:\n{}",
        console_messages(&stderr).join("\n")
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot ({e}): {stderr}"));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    // A blank page compresses to a few KB; the graph and the lists do not.
    assert!(
        bytes.len() > 40_000,
        "screenshot suspiciously small: {} bytes",
        bytes.len()
    );
    eprintln!("screenshot: {}", png.display());
    png
}

#[test]
fn example_report_screenshot() {
    screenshot(&common::repo_root(), "", "report-example.png");
}

#[test]
fn report_with_findings_screenshot() {
    screenshot(
        &common::fixture("flux-secret-plaintext"),
        "#node=Secret/flux-system/cloudflare-api-token",
        "report-findings.png",
    );
}
