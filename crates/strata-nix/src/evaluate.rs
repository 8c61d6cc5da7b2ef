//! The evaluation tier: asks a real Nix for every host's facts and for what
//! each host will build, behind the [`NixEvaluator`] trait.
//!
//! [`NixCli`] drives the `nix` command line (2.8 here; 2.18–2.30 on users'
//! machines). A backend over Nix's C API can implement the same trait later
//! without touching callers.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The Nix expression applied to every host (`src/host-facts.nix`, embedded
/// here so the crate builds from its package alone).
pub const HOST_FACTS_EXPR: &str = include_str!("host-facts.nix");

/// A Nix version, as `nix --version` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NixVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl NixVersion {
    /// Parses `nix (Nix) 2.8.0`, `nix (Determinate Nix 3.6.2) 2.29.0`, `nix (Nix) 2.24.10pre`.
    pub fn parse(text: &str) -> Option<NixVersion> {
        let word = text.split_whitespace().last()?;
        let mut parts = word.split('.').map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        });
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Some(NixVersion {
            major,
            minor,
            patch,
        })
    }
}

impl std::fmt::Display for NixVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Which flake output a host comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostOutput {
    /// `nixosConfigurations.<name>`.
    NixosConfigurations,
    /// `colmenaHive.nodes.<name>` (colmena 0.5).
    ColmenaHive,
    /// `deploy.nodes.<name>`.
    DeployRs,
    /// `packages.<system>.<name>`: a package set for a non-NixOS host. Never
    /// listed (that output holds other packages too): the static reader
    /// names these hosts.
    Packages {
        /// The system the package set is built for.
        system: String,
    },
}

impl HostOutput {
    /// The static reader's name for the same source.
    pub fn source(&self) -> crate::HostSource {
        match self {
            HostOutput::NixosConfigurations => crate::HostSource::NixosConfigurations,
            HostOutput::ColmenaHive => crate::HostSource::Colmena,
            HostOutput::DeployRs => crate::HostSource::DeployRs,
            HostOutput::Packages { .. } => crate::HostSource::Packages,
        }
    }

    /// The attribute path of the attrset holding the hosts.
    pub fn attr_path(&self) -> String {
        match self {
            HostOutput::NixosConfigurations => "nixosConfigurations".to_string(),
            HostOutput::ColmenaHive => "colmenaHive.nodes".to_string(),
            HostOutput::DeployRs => "deploy.nodes".to_string(),
            HostOutput::Packages { system } => {
                format!("packages.\"{}\"", system.replace('"', "\\\""))
            }
        }
    }

    /// Every output hosts are looked for in.
    pub const ALL: [HostOutput; 3] = [
        HostOutput::NixosConfigurations,
        HostOutput::ColmenaHive,
        HostOutput::DeployRs,
    ];
}

/// One host to evaluate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct HostAttr {
    /// Host name (the attribute name).
    pub name: String,
    /// Where it lives.
    pub output: HostOutput,
}

impl HostAttr {
    /// `nixosConfigurations."homelab-0"`.
    pub fn attr_path(&self) -> String {
        format!(
            "{}.\"{}\"",
            self.output.attr_path(),
            self.name.replace('"', "\\\"")
        )
    }
}

/// A repository to evaluate: a flake, or a classic repository whose
/// `default.nix` returns the outputs (`{ nixosConfigurations = …; }`, or a
/// function taking `{ }` that does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlakeRef {
    /// The repository root.
    pub dir: PathBuf,
    /// The flake reference passed to `nix eval` (`path:/abs` or
    /// `git+file:///abs`), or the absolute path of `default.nix`.
    pub reference: String,
    /// Whether `reference` is a flake or a classic `default.nix`.
    pub is_flake: bool,
}

impl FlakeRef {
    /// What to evaluate in `dir`: its flake, else its `default.nix`, else nothing.
    pub fn detect(dir: &Path) -> Option<FlakeRef> {
        if dir.join("flake.nix").is_file() {
            Some(Self::for_dir(dir))
        } else if dir.join("default.nix").is_file() {
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            let reference = dir.join("default.nix").display().to_string();
            Some(FlakeRef {
                dir,
                reference,
                is_flake: false,
            })
        } else {
            None
        }
    }

    /// `git+file://` for the root of a git checkout (as `nix build .` would
    /// see it: tracked files only, and no copy of ignored build output), else
    /// `path:` (every file, the form tests use for fixture flakes).
    pub fn for_dir(dir: &Path) -> FlakeRef {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let reference = if dir.join(".git").exists() {
            format!("git+file://{}", dir.display())
        } else {
            format!("path:{}", dir.display())
        };
        FlakeRef {
            dir,
            reference,
            is_flake: true,
        }
    }
}

/// What Nix says about one host.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluatedFacts {
    /// `nixos`, `deploy-rs`, `packages` or `unknown`.
    pub kind: String,
    /// `networking.hostName`.
    #[serde(default)]
    pub host_name: Option<serde_json::Value>,
    /// `nixpkgs.hostPlatform.system`.
    #[serde(default)]
    pub system: Option<serde_json::Value>,
    /// `networking.interfaces.*.ipv{4,6}.addresses`.
    #[serde(default)]
    pub addresses: Vec<serde_json::Value>,
    /// `networking.firewall`.
    #[serde(default)]
    pub firewall: Option<serde_json::Value>,
    /// `services.k3s` (token replaced by `{ "__secret": true }`).
    #[serde(default)]
    pub k3s: Option<serde_json::Value>,
    /// colmena `deployment` (key texts dropped).
    #[serde(default)]
    pub deployment: Option<serde_json::Value>,
    /// `services.openiscsi.enable`.
    #[serde(default)]
    pub openiscsi: Option<serde_json::Value>,
    /// `boot.kernelModules`.
    #[serde(default)]
    pub kernel_modules: Option<serde_json::Value>,
    /// `boot.supportedFilesystems`, as names.
    #[serde(default)]
    pub supported_filesystems: Option<serde_json::Value>,
    /// `services.rpcbind.enable` (NFS client support besides the file systems).
    #[serde(default)]
    pub rpcbind: Option<serde_json::Value>,
    /// Names of `sops.secrets`.
    #[serde(default)]
    pub sops_secrets: Vec<String>,
    /// `system.stateVersion`.
    #[serde(default)]
    pub state_version: Option<serde_json::Value>,
    /// deploy-rs profile names.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// `config.system.build.toplevel.drvPath`, or `{ "__unknown": … }`.
    #[serde(default)]
    pub toplevel_drv: Option<serde_json::Value>,
}

impl EvaluatedFacts {
    /// The toplevel derivation path when it evaluated.
    pub fn toplevel(&self) -> Option<&str> {
        self.toplevel_drv.as_ref().and_then(|v| v.as_str())
    }
}

/// One host's evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluatedHost {
    /// Which host.
    pub host: HostAttr,
    /// What Nix computed.
    pub facts: EvaluatedFacts,
    /// Why the toplevel does not evaluate, when the other facts did (the
    /// host cannot be built or deployed), mapped into the repository.
    pub toplevel_failure: Option<EvalFailure>,
}

/// Why an evaluation failed, mapped back into the repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvalFailure {
    /// Nix's first error line (`error: …`), or what went wrong running it.
    pub message: String,
    /// The innermost repository position of Nix's trace: (file, line, column).
    pub location: Option<(String, usize, usize)>,
    /// Whether the evaluation was stopped by the timeout.
    pub timed_out: bool,
    /// Whether Nix could not fetch a flake input (no network, no cache): the
    /// flake cannot be evaluated on this machine at all.
    pub input_unavailable: bool,
}

/// An evaluation backend.
///
/// **Invariant:** implementations never print a secret: the facts
/// expression strips them inside Nix, before anything is serialised.
pub trait NixEvaluator: Sync {
    /// The Nix version behind the backend.
    fn version(&self) -> NixVersion;
    /// Host names of one output (an absent output is an empty list).
    fn list_hosts(&self, flake: &FlakeRef, output: HostOutput) -> Result<Vec<String>, EvalFailure>;
    /// The facts of one host.
    fn evaluate_host(
        &self,
        flake: &FlakeRef,
        host: &HostAttr,
    ) -> Result<EvaluatedHost, EvalFailure>;
}

/// The `nix` command line as a backend.
#[derive(Clone, Debug)]
pub struct NixCli {
    program: PathBuf,
    version: NixVersion,
    /// The limit for one host's evaluation.
    pub timeout: Duration,
    /// How often Nix tries a download (its `download-attempts`, 5 by
    /// default); 1 makes an unreachable input fail at once.
    pub download_attempts: u32,
    /// The most heap one `nix` process may use, in bytes (Boehm GC's
    /// `GC_MAXIMUM_HEAP_SIZE`): past it Nix stops with `out of memory`
    /// instead of taking the machine's memory (a string doubled 40 times
    /// asks for 2^41 bytes).
    pub memory_limit: u64,
}

/// The heap one evaluation may use: what [`default_jobs`] assumes per job
/// (a NixOS system evaluates in well under it).
pub const DEFAULT_NIX_MEMORY_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

impl NixCli {
    /// Finds `nix` on PATH and asks its version; `Err` says what to do next.
    pub fn detect() -> Result<NixCli, String> {
        let program = find_on_path("nix")
            .ok_or("`nix` is not on PATH; install it (`apt-get install nix-bin` on Debian) or use `--eval static`")?;
        Self::with_program(program)
    }

    /// Uses a given `nix` binary.
    pub fn with_program(program: PathBuf) -> Result<NixCli, String> {
        let output = Command::new(&program)
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", program.display()))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let version = NixVersion::parse(&text)
            .ok_or_else(|| format!("cannot read the Nix version from `{}`", text.trim()))?;
        if version
            < (NixVersion {
                major: 2,
                minor: 4,
                patch: 0,
            })
        {
            return Err(format!(
                "Nix {version} has no flakes; strata's evaluation tier needs Nix 2.4 or newer"
            ));
        }
        Ok(NixCli {
            program,
            version,
            timeout: Duration::from_secs(300),
            download_attempts: 5,
            memory_limit: DEFAULT_NIX_MEMORY_LIMIT,
        })
    }

    /// `nix eval --json REF#ATTR --apply EXPR` with safe, offline-friendly flags.
    fn eval(
        &self,
        flake: &FlakeRef,
        attr: &str,
        apply: &str,
    ) -> Result<serde_json::Value, EvalFailure> {
        let attempts = self.download_attempts.to_string();
        // Evaluation must never build: import-from-derivation would.
        let safety = [
            "--option",
            "allow-import-from-derivation",
            "false",
            "--option",
            "download-attempts",
            &attempts,
        ];
        let mut command;
        if flake.is_flake {
            command = Command::new(&self.program);
            command
                .args(["--extra-experimental-features", "nix-command flakes"])
                .args(["eval", "--json", "--show-trace", "--no-write-lock-file"])
                .args(safety)
                .arg(format!("{}#{attr}", flake.reference))
                .args(["--apply", apply]);
        } else {
            // A classic repository: nix-instantiate, in restricted-free but
            // IFD-free evaluation, on the outputs `default.nix` returns.
            let outputs = format!(
                "let imported = import {path}; outputs = if builtins.isFunction imported then imported {{ }} else imported; in ({apply}) (outputs.{attr} or {{ }})",
                path = nix_path_literal(&flake.reference),
            );
            command = Command::new(self.program.with_file_name("nix-instantiate"));
            command
                .args(["--eval", "--strict", "--json", "--show-trace"])
                .args(safety)
                .args(["--expr", &outputs]);
        }
        command
            .env("GC_MAXIMUM_HEAP_SIZE", self.memory_limit.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (status, stdout, stderr) =
            run_with_timeout(command, self.timeout).map_err(|message| EvalFailure {
                message,
                location: None,
                timed_out: false,
                input_unavailable: false,
            })?;
        let Some(status) = status else {
            return Err(EvalFailure {
                message: format!(
                    "evaluation of `{attr}` took longer than {}s and was stopped",
                    self.timeout.as_secs()
                ),
                location: None,
                timed_out: true,
                input_unavailable: false,
            });
        };
        if !status.success() {
            let mut failure = failure_from_trace(&stderr, &flake.dir);
            if failure.message == "out of memory" {
                failure.message = format!(
                    "Nix ran out of its {} MiB memory budget and was stopped",
                    self.memory_limit / (1024 * 1024)
                );
            }
            return Err(failure);
        }
        serde_json::from_slice(&stdout).map_err(|e| EvalFailure {
            message: format!("nix printed something that is not JSON: {e}"),
            location: None,
            timed_out: false,
            input_unavailable: false,
        })
    }
}

impl NixEvaluator for NixCli {
    fn version(&self) -> NixVersion {
        self.version
    }

    fn list_hosts(&self, flake: &FlakeRef, output: HostOutput) -> Result<Vec<String>, EvalFailure> {
        let path = output.attr_path();
        let (outer, inner) = path.split_once('.').unwrap_or((path.as_str(), ""));
        // Ask for the parent output so an absent inner attribute is not an error.
        let apply = if inner.is_empty() {
            "o: builtins.attrNames o".to_string()
        } else {
            format!("o: if o ? {inner} then builtins.attrNames o.{inner} else []")
        };
        match self.eval(flake, outer, &apply) {
            Ok(value) => Ok(value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()),
            Err(failure) if failure.message.contains("does not provide attribute") => {
                Ok(Vec::new())
            }
            Err(failure) => Err(failure),
        }
    }

    fn evaluate_host(
        &self,
        flake: &FlakeRef,
        host: &HostAttr,
    ) -> Result<EvaluatedHost, EvalFailure> {
        let value = self.eval(flake, &host.attr_path(), HOST_FACTS_EXPR)?;
        let facts: EvaluatedFacts = serde_json::from_value(value).map_err(|e| EvalFailure {
            message: format!("unexpected facts from Nix: {e}"),
            location: None,
            timed_out: false,
            input_unavailable: false,
        })?;
        // The facts expression swallows the toplevel's error to keep the other
        // facts; ask again for the toplevel alone to get Nix's trace.
        let toplevel_failure = if facts.kind == "nixos" && facts.toplevel().is_none() {
            let attr = format!("{}.config.system.build.toplevel", host.attr_path());
            self.eval(flake, &attr, "toplevel: toplevel.drvPath").err()
        } else {
            None
        };
        Ok(EvaluatedHost {
            host: host.clone(),
            facts,
            toplevel_failure,
        })
    }
}

/// Evaluates hosts in parallel, at most `jobs` at a time, reporting progress
/// (`done`, `total`) after each host. Results come back in the order given.
pub fn evaluate_hosts(
    evaluator: &dyn NixEvaluator,
    flake: &FlakeRef,
    hosts: &[HostAttr],
    jobs: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Result<EvaluatedHost, EvalFailure>> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<EvaluatedHost, EvalFailure>>>> =
        Mutex::new(vec![None; hosts.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, hosts.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(host) = hosts.get(i) else { break };
                    let result = evaluator.evaluate_host(flake, host);
                    if let Ok(mut slots) = results.lock() {
                        slots[i] = Some(result);
                    }
                    progress(done.fetch_add(1, Ordering::SeqCst) + 1, hosts.len());
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(EvalFailure {
                    message: "not evaluated".into(),
                    location: None,
                    timed_out: false,
                    input_unavailable: false,
                })
            })
        })
        .collect()
}

/// How many hosts to evaluate at once: like colmena's `--eval-node-limit`
/// heuristic, one per 2 GiB of available memory (a NixOS evaluation takes
/// about that), at least 1 and at most the number of CPUs.
pub fn default_jobs() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let available_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        });
    match available_kib {
        Some(kib) => ((kib / (2 * 1024 * 1024)) as usize).clamp(1, cpus),
        None => 1,
    }
}

/// The first `error:` line and the innermost repository position of a Nix
/// trace: `/nix/store/<hash>-source/hosts/x.nix:12:5` becomes
/// `hosts/x.nix:12:5`; positions outside the flake (nixpkgs, «string») are skipped.
pub fn failure_from_trace(stderr: &[u8], flake_dir: &Path) -> EvalFailure {
    let text = String::from_utf8_lossy(stderr);
    let message = text
        .lines()
        .find_map(|l| {
            l.trim_start()
                .strip_prefix("error:")
                .map(|m| m.trim().to_string())
        })
        .filter(|m| !m.is_empty())
        .or_else(|| {
            text.lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
        })
        .unwrap_or_else(|| "nix failed without a message".to_string());
    let location = text
        .lines()
        .find_map(|line| repository_position(line.trim(), flake_dir));
    let input_unavailable =
        text.contains("while fetching the input") || message.starts_with("unable to download");
    EvalFailure {
        message,
        location,
        timed_out: false,
        input_unavailable,
    }
}

/// `at /nix/store/abc…-source/dir/f.nix:3:7:` → `("dir/f.nix", 3, 7)`; also
/// the flake directory's own absolute path (classic repositories), and the
/// `«path:/abs/dir»/f.nix:3:7` form of newer (lazy-trees) Nix when it names
/// this repository.
fn repository_position(line: &str, flake_dir: &Path) -> Option<(String, usize, usize)> {
    let rest = line.strip_prefix("at ")?.trim_end_matches(':');
    let dir = flake_dir.to_string_lossy();
    let relative = if let Some(store) = rest.strip_prefix("/nix/store/") {
        let (name, path) = store.split_once('/')?;
        if !name.ends_with("-source") {
            return None;
        }
        path
    } else if let Some(accessor) = rest.strip_prefix('«') {
        let (source, path) = accessor.split_once('»')?;
        // Another flake's file (nixpkgs' own flake.nix) must not map onto ours.
        if !source.contains(dir.as_ref()) {
            return None;
        }
        path.trim_start_matches('/')
    } else {
        rest.strip_prefix(dir.as_ref())?.trim_start_matches('/')
    };
    let mut parts = relative.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line_number = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    // A nixpkgs file is in another `-source`; only files of this flake count.
    flake_dir
        .join(file)
        .is_file()
        .then(|| (file.to_string(), line_number, column))
}

/// An absolute path as a Nix path literal (quoted through a string when it
/// has characters a path literal cannot hold).
fn nix_path_literal(path: &str) -> String {
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        path.to_string()
    } else {
        format!(
            "(/. + \"{}\")",
            path.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace("${", "\\${")
        )
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

type RunResult = (Option<std::process::ExitStatus>, Vec<u8>, Vec<u8>);

/// Runs a command, stopping it after `timeout` (status `None` then).
fn run_with_timeout(mut command: Command, timeout: Duration) -> Result<RunResult, String> {
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start nix: {e}"))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    // Drain both pipes while waiting, so a chatty trace cannot block the child.
    let out_reader = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buffer);
        }
        buffer
    });
    let err_reader = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buffer);
        }
        buffer
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for nix failed: {e}")),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok((status, stdout, stderr))
}

/// Exact change detection: the hosts whose toplevel derivation is the same
/// before and after (so whatever files changed, their deployed system does
/// not). A host missing on either side, or whose toplevel did not evaluate,
/// counts as affected.
pub fn unaffected_hosts(before: &[EvaluatedHost], after: &[EvaluatedHost]) -> BTreeSet<String> {
    after
        .iter()
        .filter(|a| {
            before.iter().any(|b| {
                b.host == a.host
                    && b.facts.toplevel().is_some()
                    && b.facts.toplevel() == a.facts.toplevel()
            })
        })
        .map(|a| a.host.name.clone())
        .collect()
}

/// One fact where the static reader and Nix disagree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactDifference {
    /// The host.
    pub host: String,
    /// Which fact (`hostname`, `k3s.serverAddr`, `firewall.allowedTCPPorts`…).
    pub fact: String,
    /// What the static reader found.
    pub static_value: serde_json::Value,
    /// What Nix computed (and what strata now uses).
    pub evaluated_value: serde_json::Value,
    /// Where the static reader found its value.
    pub location: Option<strata_core::Location>,
}

/// How far the static reader agreed with Nix on one host.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FactComparison {
    /// Facts both tiers knew, with the same value.
    pub agreed: usize,
    /// Facts only Nix knew (the static reader said unknown or unset).
    pub static_unknown: usize,
    /// Facts both knew, with different values.
    pub differences: Vec<FactDifference>,
}

impl FactComparison {
    /// Share of the facts the static reader knew that Nix confirmed (1.0 when it knew none).
    pub fn agreement(&self) -> f64 {
        let known = self.agreed + self.differences.len();
        if known == 0 {
            1.0
        } else {
            self.agreed as f64 / known as f64
        }
    }
}

/// A fact's evaluated value, unless Nix could not compute it (`__unknown`)
/// or the option is absent (`null`).
fn evaluated_value(value: Option<&serde_json::Value>) -> Option<&serde_json::Value> {
    value.filter(|v| !v.is_null() && v.get("__unknown").is_none())
}

/// Compares one fact and keeps Nix's value: the static location stays, since
/// it is where the value is written (Nix knows no spans).
fn merge_fact<T>(
    host: &str,
    name: &str,
    fact: &mut crate::Fact<T>,
    evaluated: Option<&serde_json::Value>,
    out: &mut FactComparison,
) where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + Clone,
{
    let Some(evaluated) = evaluated_value(evaluated) else {
        return;
    };
    let Ok(value) = serde_json::from_value::<T>(evaluated.clone()) else {
        return;
    };
    match fact {
        crate::Fact::Known {
            value: known,
            location,
        } => {
            if *known == value {
                out.agreed += 1;
            } else {
                out.differences.push(FactDifference {
                    host: host.to_string(),
                    fact: name.to_string(),
                    static_value: serde_json::to_value(&*known).unwrap_or_default(),
                    evaluated_value: evaluated.clone(),
                    location: location.clone(),
                });
                *known = value;
            }
        }
        _ => {
            out.static_unknown += 1;
            *fact = crate::Fact::Known {
                value,
                location: None,
            };
        }
    }
}

/// Takes Nix's value for a fact the static reader only sees part of (NixOS
/// modules of nixpkgs add kernel modules, filesystems, interfaces): no
/// comparison, since a difference is expected, not a disagreement.
fn adopt_fact<T>(fact: &mut crate::Fact<T>, evaluated: Option<&serde_json::Value>)
where
    T: serde::de::DeserializeOwned,
{
    let Some(value) =
        evaluated_value(evaluated).and_then(|v| serde_json::from_value::<T>(v.clone()).ok())
    else {
        return;
    };
    let location = fact.location().cloned();
    *fact = crate::Fact::Known { value, location };
}

impl EvaluatedFacts {
    /// Folds Nix's facts into the static reader's, fact by fact, and says
    /// where the two disagreed.
    pub fn merge_into(&self, host: &mut crate::HostFacts) -> FactComparison {
        let mut out = FactComparison::default();
        let name = host.name.clone();
        let name = name.as_str();
        merge_fact(
            name,
            "hostname",
            &mut host.hostname,
            self.host_name.as_ref(),
            &mut out,
        );
        merge_fact(
            name,
            "system",
            &mut host.system,
            self.system.as_ref(),
            &mut out,
        );
        merge_fact(
            name,
            "stateVersion",
            &mut host.state_version,
            self.state_version.as_ref(),
            &mut out,
        );
        merge_fact(
            name,
            "openiscsi",
            &mut host.openiscsi,
            self.openiscsi.as_ref(),
            &mut out,
        );
        adopt_fact(&mut host.kernel_modules, self.kernel_modules.as_ref());
        adopt_fact(
            &mut host.supported_filesystems,
            self.supported_filesystems.as_ref(),
        );
        adopt_fact(&mut host.nfs_mounts.rpcbind, self.rpcbind.as_ref());
        if let Some(firewall) = evaluated_value(self.firewall.as_ref()) {
            let f = &mut host.firewall;
            adopt_fact(&mut f.trusted_interfaces, firewall.get("trustedInterfaces"));
            merge_fact(
                name,
                "firewall.enable",
                &mut f.enable,
                firewall.get("enable"),
                &mut out,
            );
            merge_fact(
                name,
                "firewall.allowedTCPPorts",
                &mut f.allowed_tcp_ports,
                firewall.get("allowedTCPPorts"),
                &mut out,
            );
            merge_fact(
                name,
                "firewall.allowedUDPPorts",
                &mut f.allowed_udp_ports,
                firewall.get("allowedUDPPorts"),
                &mut out,
            );
            merge_fact(
                name,
                "firewall.allowedTCPPortRanges",
                &mut f.allowed_tcp_port_ranges,
                firewall.get("allowedTCPPortRanges"),
                &mut out,
            );
            merge_fact(
                name,
                "firewall.allowedUDPPortRanges",
                &mut f.allowed_udp_port_ranges,
                firewall.get("allowedUDPPortRanges"),
                &mut out,
            );
        }
        if let Some(deployment) = evaluated_value(self.deployment.as_ref()) {
            merge_fact(
                name,
                "deployment.targetHost",
                &mut host.target_host,
                deployment.get("targetHost"),
                &mut out,
            );
            merge_fact(
                name,
                "deployment.targetUser",
                &mut host.target_user,
                deployment.get("targetUser"),
                &mut out,
            );
            merge_fact(
                name,
                "deployment.tags",
                &mut host.tags,
                deployment.get("tags"),
                &mut out,
            );
        }
        let evaluated_addresses: Vec<String> = self
            .addresses
            .iter()
            .filter_map(|a| a.get("address").and_then(|v| v.as_str()).map(String::from))
            .collect();
        let static_addresses = host.known_addresses();
        if !evaluated_addresses.is_empty() || !static_addresses.is_empty() {
            let (mut s, mut e) = (static_addresses.clone(), evaluated_addresses.clone());
            s.sort();
            e.sort();
            if s == e {
                out.agreed += 1;
            } else if static_addresses.is_empty() {
                out.static_unknown += 1;
            } else {
                out.differences.push(FactDifference {
                    host: name.to_string(),
                    fact: "addresses".into(),
                    static_value: serde_json::json!(static_addresses),
                    evaluated_value: serde_json::json!(evaluated_addresses),
                    location: host
                        .addresses
                        .first()
                        .and_then(|a| a.address.location().cloned()),
                });
            }
            if s != e {
                host.addresses = self
                    .addresses
                    .iter()
                    .filter_map(|a| {
                        Some(crate::InterfaceAddress {
                            interface: a.get("interface")?.as_str()?.to_string(),
                            address: crate::Fact::Known {
                                value: a.get("address")?.as_str()?.to_string(),
                                location: None,
                            },
                            prefix_length: a.get("prefixLength").and_then(|p| p.as_i64()).map_or(
                                crate::Fact::Unset,
                                |value| crate::Fact::Known {
                                    value,
                                    location: None,
                                },
                            ),
                        })
                    })
                    .collect();
            }
        }
        if let Some(evaluated) = evaluated_value(self.k3s.as_ref()) {
            let k3s = host.k3s.get_or_insert_with(crate::K3sFacts::unset);
            merge_fact(
                name,
                "k3s.enable",
                &mut k3s.enable,
                evaluated.get("enable"),
                &mut out,
            );
            merge_fact(
                name,
                "k3s.role",
                &mut k3s.role,
                evaluated.get("role"),
                &mut out,
            );
            merge_fact(
                name,
                "k3s.clusterInit",
                &mut k3s.cluster_init,
                evaluated.get("clusterInit"),
                &mut out,
            );
            merge_fact(
                name,
                "k3s.serverAddr",
                &mut k3s.server_addr,
                evaluated.get("serverAddr"),
                &mut out,
            );
            adopt_fact(&mut k3s.node_labels, evaluated.get("nodeLabel"));
            adopt_fact(&mut k3s.node_taints, evaluated.get("nodeTaint"));
            adopt_fact(&mut k3s.config_file, evaluated.get("configPath"));
            if let Some(flags) = evaluated_value(evaluated.get("extraFlags")) {
                let flags: Vec<String> = match flags {
                    serde_json::Value::String(s) => crate::hosts::flag_texts(s),
                    other => other
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f.as_str())
                        .flat_map(crate::hosts::flag_texts)
                        .collect(),
                };
                if flags == k3s.extra_flags {
                    out.agreed += 1;
                } else if k3s.extra_flags.is_empty() {
                    out.static_unknown += 1;
                    k3s.extra_flags = flags;
                    k3s.extra_flag_locations.clear();
                } else {
                    out.differences.push(FactDifference {
                        host: name.to_string(),
                        fact: "k3s.extraFlags".into(),
                        static_value: serde_json::json!(k3s.extra_flags),
                        evaluated_value: serde_json::json!(flags),
                        location: k3s.extra_flags_location.clone(),
                    });
                    k3s.extra_flags = flags;
                    k3s.extra_flag_locations.clear();
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            NixVersion::parse("nix (Nix) 2.8.0\n"),
            Some(NixVersion {
                major: 2,
                minor: 8,
                patch: 0
            })
        );
        assert_eq!(
            NixVersion::parse("nix (Determinate Nix 3.6.2) 2.29.0").map(|v| v.minor),
            Some(29)
        );
        assert_eq!(
            NixVersion::parse("nix (Nix) 2.24.10pre").map(|v| v.patch),
            Some(10)
        );
        assert_eq!(NixVersion::parse("garbage"), None);
    }

    /// Facts the static reader sees only in part are taken from Nix
    /// without counting a disagreement.
    #[test]
    fn adopts_partial_facts_from_nix() {
        let facts: EvaluatedFacts = serde_json::from_value(serde_json::json!({
            "kind": "nixos",
            "kernelModules": ["iscsi_tcp", "kvm-intel"],
            "supportedFilesystems": ["nfs"],
            "firewall": { "trustedInterfaces": ["cni0"] },
            "k3s": { "enable": true, "nodeLabel": ["gpu=true"], "configPath": null }
        }))
        .unwrap();
        let mut host = crate::HostFacts::new("h", vec![crate::HostSource::NixosConfigurations]);
        host.kernel_modules = crate::Fact::Known {
            value: vec!["iscsi_tcp".into()],
            location: None,
        };
        let comparison = facts.merge_into(&mut host);
        assert!(comparison.differences.is_empty());
        assert_eq!(host.kernel_modules.value().unwrap().len(), 2);
        assert_eq!(host.nfs_client(), Some(true));
        assert_eq!(
            host.firewall.trusted_interfaces.value(),
            Some(&vec!["cni0".to_string()])
        );
        let k3s = host.k3s.unwrap();
        assert_eq!(k3s.node_labels.value(), Some(&vec!["gpu=true".to_string()]));
        assert!(k3s.config_file.is_unset());
    }

    #[test]
    fn maps_store_paths_back_into_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hosts")).unwrap();
        std::fs::write(dir.path().join("hosts/x.nix"), "{}").unwrap();
        let trace = b"error: boom\n\n       at /nix/store/ab12-source/nixos/lib.nix:1:1:\n       at /nix/store/ws2nb0l08s4ac0m30w07i90rpamlw00m-source/hosts/x.nix:12:5:\n";
        let failure = failure_from_trace(trace, dir.path());
        assert_eq!(failure.message, "boom");
        assert_eq!(failure.location, Some(("hosts/x.nix".to_string(), 12, 5)));
        assert!(!failure.input_unavailable);
        let lazy = format!(
            "error: boom\n       at «github:nixos/nixpkgs/abc»/hosts/x.nix:1:1:\n       at «path:{}»/hosts/x.nix:7:3:\n",
            dir.path().display()
        );
        assert_eq!(
            failure_from_trace(lazy.as_bytes(), dir.path()).location,
            Some(("hosts/x.nix".to_string(), 7, 3))
        );
        let offline = b"error: unable to download 'https://api.github.com/x': Couldn't resolve host name (6)\n";
        assert!(failure_from_trace(offline, dir.path()).input_unavailable);
    }
}
