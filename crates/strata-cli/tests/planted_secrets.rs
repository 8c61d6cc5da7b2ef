//! The planted-secret matrix: one generated repository per kind of secret
//! (with and without a syntax error on the line after it), run through every
//! subcommand and format of the static tier; and every kind at once in one
//! grouped repository (a host or Flux Kustomization per kind), run through
//! every subcommand and format of both tiers, with long, 1–3-character and
//! plain-word values. The planted value, and its base64 form, must never
//! reach stdout or stderr (a short or plain value: never quoted whole).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// (subcommand, format) pairs: every output path of the binary.
const RUNS: &[(&str, &str)] = &[
    ("lint", "human"),
    ("lint", "json"),
    ("lint", "sarif"),
    ("lint", "github"),
    ("graph", "json"),
    ("graph", "dot"),
    ("graph", "mermaid"),
    ("graph", "svg"),
    ("report", "html"),
    ("plan", "human"),
    ("plan", "json"),
    ("apply", "human"),
    ("apply", "json"),
];

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.nas = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./hosts/nas.nix ];
    };
  };
}
"#;

const SYNC: &str = common::GOTK_SYNC;

/// The Flux Kustomization applying `./apps` (`extra` goes under `spec:`).
fn apps_kustomization(extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps
  prune: true
{extra}"
    )
}

/// A host module whose body is `body` (may reference `let` bindings from `lets`).
fn host(lets: &str, body: &str) -> String {
    format!(
        "{{ ... }}:
{lets}{{
  networking.hostName = \"nas\";
  fileSystems.\"/\" = {{ device = \"/dev/sda1\"; fsType = \"ext4\"; }};
  boot.loader.systemd-boot.enable = true;
  system.stateVersion = \"25.11\";
{body}
}}
"
    )
}

/// The files of a repository holding the secret `v`, with the planted line
/// in the file named first.
fn repo_files(kind: &str, v: &str) -> Vec<(String, String)> {
    let b64 = base64(v);
    let nix = |lets: &str, body: &str| {
        vec![
            ("hosts/nas.nix".to_string(), host(lets, body)),
            ("flake.nix".into(), FLAKE.into()),
            (
                "clusters/home/flux-system/gotk-sync.yaml".into(),
                SYNC.into(),
            ),
        ]
    };
    let flux = |planted: (&str, String), apps_extra: &str, rest: Vec<(&str, String)>| {
        let mut files = vec![(planted.0.to_string(), planted.1)];
        files.push(("flake.nix".into(), FLAKE.into()));
        files.push(("hosts/nas.nix".into(), host("", "")));
        files.push((
            "clusters/home/flux-system/gotk-sync.yaml".into(),
            SYNC.into(),
        ));
        if !files.iter().any(|(p, _)| p == "clusters/home/apps.yaml") {
            files.push((
                "clusters/home/apps.yaml".into(),
                apps_kustomization(apps_extra),
            ));
        }
        files.extend(rest.into_iter().map(|(p, t)| (p.to_string(), t)));
        files
    };
    let resources = |names: &[&str]| {
        let mut text =
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
                .to_string();
        for n in names {
            text.push_str(&format!("  - {n}\n"));
        }
        text
    };
    let namespace = || {
        (
            "apps/namespace.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n".to_string(),
        )
    };
    match kind {
        "secret-string-data" => flux(
            (
                "apps/secret.yaml",
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: media\nstringData:\n  password: {v}\n  user: admin\n"),
            ),
            "",
            vec![("apps/kustomization.yaml", resources(&["namespace.yaml", "secret.yaml"])), namespace()],
        ),
        "secret-data" => flux(
            (
                "apps/secret.yaml",
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: media\ndata:\n  password: {b64}\n  user: YWRtaW4=\n"),
            ),
            "",
            vec![("apps/kustomization.yaml", resources(&["namespace.yaml", "secret.yaml"])), namespace()],
        ),
        "secret-patch" => flux(
            (
                "apps/kustomization.yaml",
                format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - secret.yaml\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: Secret\n      metadata:\n        name: db\n        namespace: media\n      stringData:\n        password: {v}\n      type: Opaque\n"),
            ),
            "",
            vec![
                ("apps/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: media\n".to_string()),
                namespace(),
            ],
        ),
        "secret-generator" => flux(
            (
                "apps/kustomization.yaml",
                format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - namespace.yaml\nsecretGenerator:\n  - name: db\n    literals:\n      - password={v}\n      - user=admin\n"),
            ),
            "",
            vec![namespace()],
        ),
        "secret-json6902" => flux(
            (
                "apps/kustomization.yaml",
                format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - secret.yaml\npatches:\n  - target:\n      kind: Secret\n      name: db\n    patch: |-\n      - op: add\n        path: /stringData/password\n        value: {v}\n"),
            ),
            "",
            vec![
                ("apps/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: media\nstringData:\n  user: admin\n".to_string()),
                namespace(),
            ],
        ),
        "configmap-generator" => flux(
            (
                "apps/kustomization.yaml",
                format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - namespace.yaml\nconfigMapGenerator:\n  - name: app\n    literals:\n      - MODE=fast\n      - DB_PASSWORD={v}\n"),
            ),
            "",
            vec![namespace()],
        ),
        "secret-list" => flux(
            (
                "apps/list.yaml",
                format!("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata:\n      name: db\n      namespace: media\n    stringData:\n      password: {v}\n      user: admin\n"),
            ),
            "",
            vec![("apps/kustomization.yaml", resources(&["namespace.yaml", "list.yaml"])), namespace()],
        ),
        "sops" => flux(
            (
                "apps/secret.sops.yaml",
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: media\nstringData:\n  password: ENC[AES256_GCM,data:{v},iv:abc=,tag:def=,type:str]\n  note: {v}\nsops:\n  age:\n    - recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n  lastmodified: \"2024-01-01T00:00:00Z\"\n  mac: ENC[AES256_GCM,data:macmacmac,type:str]\n  version: 3.8.1\n"),
            ),
            "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
            vec![("apps/kustomization.yaml", resources(&["namespace.yaml", "secret.sops.yaml"])), namespace()],
        ),
        "configmap-password" => flux(
            (
                "apps/config.yaml",
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: media\ndata:\n  password: {v}\n  mode: fast\n"),
            ),
            "",
            vec![("apps/kustomization.yaml", resources(&["namespace.yaml", "config.yaml"])), namespace()],
        ),
        "helmrelease-values" => flux(
            (
                "apps/release.yaml",
                format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: media\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: app\n      version: 1.2.3\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  values:\n    auth:\n      password: {v}\n      user: admin\n"),
            ),
            "",
            vec![
                ("apps/kustomization.yaml", resources(&["namespace.yaml", "repo.yaml", "release.yaml"])),
                namespace(),
                ("apps/repo.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: media\nspec:\n  interval: 1h\n  url: https://charts.example.com\n".to_string()),
            ],
        ),
        "substitution" => flux(
            (
                "clusters/home/apps.yaml",
                apps_kustomization(&format!("  postBuild:\n    substitute:\n      SECRET_X: {v}\n      APP_NAME: app\n")),
            ),
            "",
            vec![
                ("apps/kustomization.yaml", resources(&["namespace.yaml", "repo.yaml", "release.yaml"])),
                namespace(),
                ("apps/repo.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: media\nspec:\n  interval: 1h\n  url: https://charts.example.com\n".to_string()),
                ("apps/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${APP_NAME}\n  namespace: media\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: app\n      version: ${SECRET_X}\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  values:\n    image: ${SECRET_X}\n".to_string()),
            ],
        ),
        "nix-hashed-password" => nix("", &format!("  users.users.root.hashedPassword = \"{v}\";")),
        "nix-quoted-name" => nix("", &format!("  users.users.root.\"initialPassword\" = \"{v}\";")),
        "nix-let-bound" => nix(
            &format!("let\n  wgKey = \"{v}\";\nin\n"),
            "  networking.wireguard.interfaces.wg0.privateKey = wgKey;",
        ),
        "nix-colmena-key" => nix("", &format!("  deployment.keys.\"api\".text = \"{v}\";")),
        "k3s-token" => nix("", &format!("  services.k3s.enable = true;\n  services.k3s.role = \"agent\";\n  services.k3s.serverAddr = \"https://10.0.0.1:6443\";\n  services.k3s.token = \"{v}\";")),
        "k3s-flag-equals" => nix("", &format!("  services.k3s.enable = true;\n  services.k3s.role = \"server\";\n  services.k3s.extraFlags = [\n    \"--token={v}\"\n    \"--disable=traefik\"\n  ];")),
        "k3s-flag-next-item" => nix("", &format!("  services.k3s.enable = true;\n  services.k3s.role = \"server\";\n  services.k3s.extraFlags = [\n    \"--agent-token\"\n    \"{v}\"\n    \"--disable=traefik\"\n  ];")),
        "k3s-etcd-s3" => nix("", &format!("  services.k3s.enable = true;\n  services.k3s.role = \"server\";\n  services.k3s.extraFlags = [\n    \"--etcd-s3-secret-key={v}\"\n  ];")),
        "k3s-vpn-auth" => nix("", &format!("  services.k3s.enable = true;\n  services.k3s.role = \"server\";\n  services.k3s.extraFlags = [\n    \"--vpn-auth=name=tailscale,joinKey={v}\"\n  ];")),
        // The value reaches the flags only through evaluation: no text
        // around it says it is secret, the flag's name does.
        "k3s-flag-interpolated" => nix(
            &format!("let\n  s3 = \"{v}\";\n  vpn = \"x{v}\";\nin\n"),
            "  services.k3s.enable = true;\n  services.k3s.role = \"server\";\n  services.k3s.extraFlags = [\n    \"--etcd-s3-secret-key=${s3}\"\n    \"--vpn-auth\"\n    vpn\n  ];",
        ),
        "k3s-flag-string" => nix("", &format!("  services.k3s.enable = true;\n  services.k3s.role = \"server\";\n  services.k3s.extraFlags = \"--disable=traefik --token {v}\";")),
        other => panic!("unknown kind {other}"),
    }
}

const KINDS: &[&str] = &[
    "secret-string-data",
    "secret-data",
    "secret-patch",
    "secret-generator",
    "secret-json6902",
    "configmap-generator",
    "secret-list",
    "sops",
    "configmap-password",
    "helmrelease-values",
    "substitution",
    "nix-hashed-password",
    "nix-quoted-name",
    "nix-let-bound",
    "nix-colmena-key",
    "k3s-token",
    "k3s-flag-equals",
    "k3s-flag-next-item",
    "k3s-etcd-s3",
    "k3s-vpn-auth",
    "k3s-flag-string",
    "k3s-flag-interpolated",
];

/// Inserts a line that does not parse right after the first line of the
/// first file holding the planted value (or its base64 form).
fn break_next_line(files: &mut [(String, String)], v: &str) {
    let b64 = base64(v);
    let (path, text) = &mut files[0];
    let mut out = String::new();
    let mut done = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if !done && (line.contains(v) || line.contains(&b64)) {
            let indent: String = line.chars().take_while(|c| *c == ' ').collect();
            if path.ends_with(".nix") {
                out.push_str(&format!("{indent}broken = ;\n"));
            } else {
                out.push_str(&format!("{indent}broken: [unclosed, {{\n"));
            }
            done = true;
        }
    }
    assert!(done, "the planted value is in {path}");
    *text = out;
}

fn write_repo(dir: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        common::write_file(dir, path, text);
    }
}

/// Standard base64 with padding.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_standard_alphabet() {
    assert_eq!(base64("hunter2"), "aHVudGVyMg==");
    assert_eq!(base64("ab"), "YWI=");
    assert_eq!(base64("abc"), "YWJj");
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let mut cases = 0;
    let mut leaks = Vec::new();
    for kind in KINDS {
        for broken in [false, true] {
            let value = format!("PLANTED-7f3a-{kind}-c0ffee");
            let mut files = repo_files(kind, &value);
            if broken {
                break_next_line(&mut files, &value);
            }
            let dir = tempfile::tempdir().expect("tempdir");
            write_repo(dir.path(), &files);
            for (command, format) in RUNS {
                cases += 1;
                let out = Command::new(env!("CARGO_BIN_EXE_strata"))
                    .args([command, dir.path().to_str().expect("UTF-8")])
                    .args(["--eval", "static", "--format", format])
                    .env("NO_COLOR", "1")
                    .output()
                    .expect("strata runs");
                let code = out.status.code();
                assert!(
                    matches!(code, Some(0 | 1)),
                    "{kind} broken={broken} {command} {format}: exit {code:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                    let text = String::from_utf8_lossy(bytes);
                    for (form, needle) in [("value", value.clone()), ("base64", base64(&value))] {
                        // Half of the value is enough to show it leaked.
                        let needle = &needle[..needle.len().min(24)];
                        if text.contains(needle) {
                            leaks.push(format!(
                                "{kind}{} {command} --format {format}: {form} on {stream}",
                                if broken {
                                    " (syntax error next line)"
                                } else {
                                    ""
                                }
                            ));
                        }
                    }
                }
            }
        }
    }
    eprintln!("{cases} cases, {} leaks", leaks.len());
    assert!(
        leaks.is_empty(),
        "{} of {cases} runs leak:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

/// The flake of the grouped repositories: no inputs (the evaluation tier
/// runs offline on `path:`), and a `nixosSystem` that returns what NixOS
/// would for the options strata reads, so real Nix evaluates every host.
fn offline_flake(hosts: &[String]) -> String {
    let mut text = String::from(
        r#"{
  outputs = { self, ... }:
    let
      nixpkgs.lib.nixosSystem = { system, modules }:
        let config = import (builtins.head modules) { };
        in {
          config = config // {
            system = (config.system or { }) // {
              build.toplevel = derivation {
                name = "nixos-system-${config.networking.hostName}";
                inherit system;
                builder = "/bin/sh";
                args = [ "-c" "echo > $out" ];
              };
            };
          };
        };
    in {
      nixosConfigurations = {
"#,
    );
    for host in hosts {
        text.push_str(&format!(
            "        \"{host}\" = nixpkgs.lib.nixosSystem {{ system = \"x86_64-linux\"; modules = [ ./hosts/{host}.nix ]; }};\n"
        ));
    }
    text.push_str("      };\n    };\n}\n");
    text
}

/// Every kind of secret in one repository, each in files of its own: a Flux
/// kind under `apps/KIND` applied by `clusters/home/KIND.yaml` into namespace
/// `m-KIND`, a Nix kind as host `KIND` (`hosts/KIND.nix`). With `broken`, a
/// line that does not parse follows each planted line. Evaluation is shared:
/// one `nix` run per host per invocation, whatever the number of kinds.
fn grouped_repo(broken: bool, values: Values) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut hosts = vec!["nas".to_string()];
    for kind in KINDS {
        let value = values.of(kind);
        let mut kind_files = repo_files(kind, &value);
        if broken {
            break_next_line(&mut kind_files, &value);
        }
        for (path, text) in kind_files {
            if path == "flake.nix" || path.ends_with("gotk-sync.yaml") {
                continue;
            }
            if kind.starts_with("nix-") || kind.starts_with("k3s-") {
                if path == "hosts/nas.nix" {
                    let text =
                        text.replace("hostName = \"nas\"", &format!("hostName = \"{kind}\""));
                    files.push((format!("hosts/{kind}.nix"), text));
                    hosts.push(kind.to_string());
                }
                continue;
            }
            if path == "hosts/nas.nix" {
                continue;
            }
            let text = text.replace("media", &format!("m-{kind}"));
            if path == "clusters/home/apps.yaml" {
                let text = text
                    .replace("name: apps\n", &format!("name: {kind}\n"))
                    .replace("path: ./apps\n", &format!("path: ./apps/{kind}\n"));
                files.push((format!("clusters/home/{kind}.yaml"), text));
            } else if let Some(rest) = path.strip_prefix("apps/") {
                files.push((format!("apps/{kind}/{rest}"), text));
            } else {
                panic!("{kind}: unexpected file {path}");
            }
        }
    }
    files.push(("hosts/nas.nix".into(), host("", "")));
    files.push(("flake.nix".into(), offline_flake(&hosts)));
    files.push((
        "clusters/home/flux-system/gotk-sync.yaml".into(),
        SYNC.into(),
    ));
    files
}

fn planted(kind: &str) -> String {
    format!("PLANTED-7f3a-{kind}-c0ffee")
}

/// Common words, one per kind: a secret that is a plain word is as secret.
const WORDS: &[&str] = &[
    "walrus", "pickle", "teapot", "meadow", "lantern", "biscuit", "pebble", "saddle", "thimble",
    "garlic", "puddle", "kettle", "marble", "willow", "falcon", "noodle", "velvet", "harbor",
    "cactus", "juniper", "otter", "muffin",
];

/// Which values the matrix plants.
#[derive(Clone, Copy, Debug)]
enum Values {
    /// Long and distinctive: must appear nowhere.
    Long,
    /// One to three characters (`Q`, `q01`, `z0k`, …).
    Short,
    /// A common word.
    Word,
}

impl Values {
    fn of(self, kind: &str) -> String {
        let i = KINDS.iter().position(|k| *k == kind).expect("a kind");
        match self {
            Values::Long => planted(kind),
            // Letters that appear nowhere else in the fixtures.
            Values::Short => match (i % 3, i / 3) {
                (0, n) if n < 4 => ["Q", "W", "Z", "J"][n].to_string(),
                (2, n) => format!("z{n}k"),
                (_, n) => format!("q{n}{}", i % 3),
            },
            Values::Word => WORDS[i].to_string(),
        }
    }
}

/// Whether `value` appears in `text` quoted whole: between backticks or
/// quotes, or after `=`, the way findings and JSON quote values.
fn quoted_in(text: &str, value: &str) -> bool {
    text.match_indices(value).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + value.len()..].chars().next();
        matches!(before, Some('`' | '"' | '\'' | '='))
            && matches!(
                after,
                None | Some('`' | '"' | '\'' | '\\' | ',' | ']' | ')' | ';' | ' ' | '\n')
            )
    })
}

/// The leaks of one run's output: each kind whose value (or base64 form)
/// appears (a short or plain value: appears quoted), with where.
fn leaks_in(out: &std::process::Output, values: Values, run: &str) -> Vec<String> {
    let mut leaks = Vec::new();
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for kind in KINDS {
            let value = values.of(kind);
            for (form, needle) in [("value", value.clone()), ("base64", base64(&value))] {
                let leaked = match values {
                    Values::Long => text.contains(&needle[..needle.len().min(24)]),
                    Values::Short | Values::Word => quoted_in(&text, &needle),
                };
                if leaked {
                    leaks.push(format!("{kind} ({value}) {run}: {form} on {stream}"));
                }
            }
        }
    }
    leaks
}

/// Both tiers on the grouped repositories (with and without syntax errors):
/// under `--eval nix` real Nix evaluates every host (it must be on PATH;
/// the machine's is 2.8).
fn grouped_matrix(values: Values) {
    let mut kind_runs = BTreeMap::new();
    let mut leaks = Vec::new();
    for broken in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        write_repo(dir.path(), &grouped_repo(broken, values));
        for tier in ["static", "nix"] {
            for (command, format) in RUNS {
                let out = Command::new(env!("CARGO_BIN_EXE_strata"))
                    .args([command, dir.path().to_str().expect("UTF-8")])
                    .args(["--eval", tier, "--format", format])
                    .env("NO_COLOR", "1")
                    .output()
                    .expect("strata runs");
                let run = format!(
                    "{values:?} --eval {tier} {command} --format {format}{}",
                    if broken { " (syntax errors)" } else { "" }
                );
                let code = out.status.code();
                assert!(
                    matches!(code, Some(0 | 1)),
                    "{run}: exit {code:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                if tier == "nix" && *command == "graph" && *format == "json" && !broken {
                    let graph: serde_json::Value =
                        serde_json::from_slice(&out.stdout).expect("graph JSON");
                    let drv = &graph["nodes"]
                        .as_array()
                        .expect("nodes")
                        .iter()
                        .find(|n| n["id"] == "host/k3s-token")
                        .expect("host k3s-token")["attrs"]["toplevel_drv"];
                    assert!(
                        drv.as_str().is_some_and(|d| d.ends_with(".drv")),
                        "real Nix evaluated the hosts: {drv}"
                    );
                }
                *kind_runs.entry(tier).or_insert(0) += KINDS.len();
                leaks.extend(leaks_in(&out, values, &run));
            }
        }
    }
    eprintln!(
        "{values:?} values: planted-secret runs per tier {kind_runs:?}, {} leaks",
        leaks.len()
    );
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn no_long_planted_secret_reaches_any_output_in_either_tier() {
    grouped_matrix(Values::Long);
}

#[test]
fn no_short_planted_secret_is_quoted_in_any_output_in_either_tier() {
    grouped_matrix(Values::Short);
}

#[test]
fn no_planted_secret_that_is_a_word_is_quoted_in_any_output_in_either_tier() {
    grouped_matrix(Values::Word);
}

#[test]
fn control_characters_never_reach_a_terminal_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = repo_files("secret-string-data", "PLANTED-7f3a-escapes-c0ffee");
    // A name with ESC and BEL (YAML escapes) that findings quote, and raw
    // ones beside a syntax error that a snippet shows.
    files.push((
        "clusters/home/late.yaml".into(),
        apps_kustomization("  dependsOn:\n    - name: \"x\\e]0;owned\\a\\e[2J\"\n")
            .replace("name: apps", "name: late"),
    ));
    files.push((
        "clusters/home/raw.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  banner: [\u{1b}[31mred\u{7}, {\n".into(),
    ));
    write_repo(dir.path(), &files);
    let mut runs = 0;
    for (command, format) in RUNS {
        let out = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args([command, dir.path().to_str().expect("UTF-8")])
            .args(["--eval", "static", "--format", format])
            .env("NO_COLOR", "1")
            .output()
            .expect("strata runs");
        for bytes in [&out.stdout, &out.stderr] {
            assert!(
                !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
                "{command} --format {format}: {}",
                String::from_utf8_lossy(bytes)
            );
        }
        runs += 1;
    }
    let lint = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args([
            "lint",
            dir.path().to_str().expect("UTF-8"),
            "--eval",
            "static",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("strata runs");
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(
        text.contains("\\x1b]0;owned\\x07"),
        "the name is shown, escaped: {text}"
    );
    // Beside a syntax error, values are masked (raw bytes included).
    assert!(text.contains("banner: [*[*******, {"), "{text}");
    assert_eq!(runs, RUNS.len());
}

/// `diff` between a commit holding one planted value and a working tree
/// holding another: the change is reported, neither value (nor its base64
/// form) is printed in any format.
#[test]
fn no_planted_secret_reaches_a_diff() {
    let mut cases = 0;
    let mut leaks = Vec::new();
    let mut changed = Vec::new();
    for kind in KINDS {
        let old = format!("PLANTED-7f3a-{kind}-01d0ld");
        let new = format!("PLANTED-7f3a-{kind}-c0ffee");
        let dir = tempfile::tempdir().expect("tempdir");
        common::git_init(dir.path());
        write_repo(dir.path(), &repo_files(kind, &old));
        common::git_commit_all(dir.path(), "old value");
        write_repo(dir.path(), &repo_files(kind, &new));
        for format in ["human", "json", "markdown"] {
            cases += 1;
            let out = Command::new(env!("CARGO_BIN_EXE_strata"))
                .args(["diff", dir.path().to_str().expect("UTF-8")])
                .args(["--from", "main", "--eval", "static", "--format", format])
                .env("NO_COLOR", "1")
                .output()
                .expect("strata runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{kind} diff {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if format == "json" {
                let json: serde_json::Value =
                    serde_json::from_slice(&out.stdout).expect("diff JSON");
                if json["changes"].as_array().is_some_and(|c| !c.is_empty()) {
                    changed.push(*kind);
                }
            }
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let text = String::from_utf8_lossy(bytes);
                for value in [&old, &new] {
                    for (form, needle) in [("value", value.clone()), ("base64", base64(value))] {
                        let needle = &needle[..needle.len().min(24)];
                        if text.contains(needle) {
                            leaks
                                .push(format!("{kind} diff --format {format}: {form} on {stream}"));
                        }
                    }
                }
            }
        }
    }
    eprintln!("{cases} cases, {} leaks", leaks.len());
    assert!(
        leaks.is_empty(),
        "{} of {cases} runs leak:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    // The values the cluster receives are changes (named, never shown).
    for kind in [
        "secret-string-data",
        "secret-data",
        "secret-patch",
        "sops",
        "configmap-password",
        "helmrelease-values",
    ] {
        assert!(changed.contains(&kind), "{kind} is reported: {changed:?}");
    }
}
