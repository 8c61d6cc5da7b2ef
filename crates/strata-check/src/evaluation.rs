//! The evaluation tier inside an analysis: asks the real `nix` for every
//! host's facts, folds them into what the static reader found, and reports
//! where the two disagreed or a host does not evaluate.

use std::sync::Arc;

use serde::Serialize;
use strata_core::{Code, Diagnostic, Location, NodeId, RepoTree, SourceDb, Span};
use strata_nix::NixRepo;
use strata_nix::evaluate::{
    EvalFailure, EvaluatedHost, FactComparison, FactDifference, FlakeRef, HostAttr, HostOutput,
    NixCli, NixEvaluator, NixVersion, default_jobs, evaluate_hosts,
};

use crate::{AnalyzeError, EvalMode, Options};

/// Called after each host's evaluation with (done, total).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// What the evaluation tier did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Evaluation {
    /// The Nix that evaluated.
    pub nix_version: Option<NixVersion>,
    /// Every host that evaluated, with its toplevel derivation.
    pub hosts: Vec<EvaluatedHost>,
    /// Per host, how far the static reader agreed with Nix.
    pub comparisons: Vec<FactComparison>,
}

/// Runs the tier for `mode` and folds its facts into `nix`. `Err` only when
/// `--eval nix` cannot run at all; every other problem is a finding.
pub(crate) fn evaluate(
    tree: &RepoTree,
    options: &Options,
    nix: &mut NixRepo,
) -> Result<(Option<Evaluation>, Vec<Diagnostic>), AnalyzeError> {
    let mode = options.eval;
    let mut diagnostics = Vec::new();
    if mode == EvalMode::Static {
        return Ok((None, diagnostics));
    }
    // Only a flake (or a classic default.nix) has something to evaluate.
    let Some(flake) = FlakeRef::detect(tree.root()) else {
        return Ok((None, diagnostics));
    };
    let entry = if flake.is_flake {
        "flake.nix"
    } else {
        "default.nix"
    };
    let flake_location = Location::new(entry, Span::at(0));
    let fallback = |why: String| {
        Diagnostic::new(
            Code::EvalFallback,
            format!("{why}; facts come from the static reader"),
        )
        .at(flake_location.clone())
        .help("pass `--eval static` to silence this, or `--eval nix` to make it an error")
    };
    let mut cli = match NixCli::detect() {
        Ok(cli) => cli,
        Err(why) if mode == EvalMode::Nix => return Err(AnalyzeError::EvalUnavailable(why)),
        Err(why) => {
            diagnostics.push(fallback(why));
            return Ok((None, diagnostics));
        }
    };
    // The real `nix` follows every symlink and quotes what it read in its
    // errors, so it never runs on a tree the file boundary refused parts of.
    if let Some((path, _)) = tree.refused().next() {
        diagnostics.push(
            Diagnostic::new(
                Code::EvalFallback,
                format!("`nix` was not run: `{path}` (and maybe more, see IO002) resolves outside the repository or is not a regular file, and `nix` would read it; facts come from the static reader"),
            )
            .at(flake_location.clone())
            .help("remove or replace the entries IO002 names, then evaluate again"),
        );
        return Ok((None, diagnostics));
    }
    if mode == EvalMode::Auto {
        // An input that cannot be fetched (offline) should fail at once, not after retries.
        cli.download_attempts = 1;
    }
    if let Some(timeout) = options.eval_timeout {
        cli.timeout = timeout;
    }

    let mut hosts: Vec<HostAttr> = Vec::new();
    for output in HostOutput::ALL {
        match cli.list_hosts(&flake, output.clone()) {
            Ok(names) => {
                for name in names {
                    if !hosts.iter().any(|h| h.name == name) {
                        hosts.push(HostAttr {
                            name,
                            output: output.clone(),
                        });
                    }
                }
            }
            Err(failure) => {
                let why = format!("the flake does not evaluate: {}", failure.message);
                if mode == EvalMode::Auto {
                    diagnostics.push(fallback(why));
                } else if failure.input_unavailable {
                    diagnostics.push(unfetchable(&failure, &flake_location));
                } else {
                    diagnostics.push(host_failure(
                        None,
                        &failure,
                        &nix.sources,
                        &flake_location,
                        why,
                    ));
                }
                return Ok((None, diagnostics));
            }
        }
    }
    // Package sets are only known by name from the static reader.
    for host in nix
        .hosts
        .iter()
        .filter(|h| h.sources.contains(&strata_nix::HostSource::Packages))
    {
        if !hosts.iter().any(|h| h.name == host.name) {
            let system = host
                .system
                .value()
                .cloned()
                .unwrap_or_else(|| "x86_64-linux".to_string());
            hosts.push(HostAttr {
                name: host.name.clone(),
                output: HostOutput::Packages { system },
            });
        }
    }
    if hosts.is_empty() {
        return Ok((
            Some(Evaluation {
                nix_version: Some(cli.version()),
                ..Evaluation::default()
            }),
            diagnostics,
        ));
    }

    let jobs = options.jobs.unwrap_or_else(default_jobs);
    let report = |done, total| {
        if let Some(progress) = &options.progress {
            (progress.0)(done, total);
        }
    };
    let results = evaluate_hosts(&cli, &flake, &hosts, jobs, &report);
    let unfetchable_input = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .find(|f| f.input_unavailable);
    if let (EvalMode::Auto, Some(failure)) = (mode, unfetchable_input) {
        diagnostics.push(fallback(format!(
            "a flake input cannot be fetched on this machine ({})",
            failure.message
        )));
        return Ok((None, diagnostics));
    }
    let unfetchable_failure = unfetchable_input.cloned();

    // An input that cannot be fetched fails every host the same way: one
    // finding, not one per host.
    if let Some(failure) = &unfetchable_failure {
        diagnostics.push(unfetchable(failure, &flake_location));
    }
    let mut evaluation = Evaluation {
        nix_version: Some(cli.version()),
        ..Evaluation::default()
    };
    for (host, result) in hosts.iter().zip(results) {
        match result {
            Ok(evaluated) => {
                // A host only Nix finds (computed names, a classic default.nix) starts from nothing.
                if !nix.hosts.iter().any(|h| h.name == host.name) {
                    nix.hosts.push(strata_nix::HostFacts::new(
                        &host.name,
                        vec![host.output.source()],
                    ));
                    nix.hosts.sort_by(|a, b| a.name.cmp(&b.name));
                }
                if let Some(facts) = nix.hosts.iter_mut().find(|h| h.name == host.name) {
                    let comparison = evaluated.facts.merge_into(facts);
                    diagnostics.extend(comparison.differences.iter().map(mismatch));
                    evaluation.comparisons.push(comparison);
                }
                if let Some(failure) = evaluated
                    .toplevel_failure
                    .as_ref()
                    .filter(|f| !f.input_unavailable)
                {
                    let why = format!(
                        "host {} does not evaluate its system: {}",
                        host.name, failure.message
                    );
                    let declared =
                        declaration(nix, &host.name).unwrap_or_else(|| flake_location.clone());
                    diagnostics.push(host_failure(
                        Some(host),
                        failure,
                        &nix.sources,
                        &declared,
                        why,
                    ));
                }
                evaluation.hosts.push(evaluated);
            }
            Err(failure) if failure.input_unavailable => {}
            Err(failure) => {
                let why = if failure.timed_out {
                    format!(
                        "host {} did not finish evaluating: {}",
                        host.name, failure.message
                    )
                } else {
                    format!("host {} does not evaluate: {}", host.name, failure.message)
                };
                let declared =
                    declaration(nix, &host.name).unwrap_or_else(|| flake_location.clone());
                diagnostics.push(host_failure(
                    Some(host),
                    &failure,
                    &nix.sources,
                    &declared,
                    why,
                ));
            }
        }
    }
    Ok((Some(evaluation), diagnostics))
}

/// EVAL002 for one fact the tiers disagree on, at the static reader's location.
pub(crate) fn mismatch(difference: &FactDifference) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::EvalFactMismatch,
        format!(
            "`{}` of {}: the static reader found {}, Nix evaluates {}; strata uses Nix's value",
            difference.fact, difference.host, difference.static_value, difference.evaluated_value
        ),
    )
    .on(NodeId::host(&difference.host))
    .help("the static tier misread this expression; please report it with the snippet");
    if let Some(location) = &difference.location {
        d = d.at(location.clone());
    }
    d
}

/// Where the static reader found a host declared.
fn declaration(nix: &NixRepo, host: &str) -> Option<Location> {
    nix.hosts
        .iter()
        .find(|h| h.name == host)
        .and_then(|h| h.location.clone())
}

/// EVAL003 at the repository position Nix's trace names (when that file was
/// read), else at `fallback` (the host's declaration, or `flake.nix`).
fn host_failure(
    host: Option<&HostAttr>,
    failure: &EvalFailure,
    sources: &SourceDb,
    fallback: &Location,
    message: String,
) -> Diagnostic {
    let location = failure
        .location
        .as_ref()
        .and_then(|(file, line, column)| {
            let source = sources.get(file)?;
            let offset = source.offset_of(*line, *column)?;
            Some(Location::new(file.clone(), Span::new(offset, offset + 1)))
        })
        .unwrap_or_else(|| fallback.clone());
    // In a git checkout a flake sees tracked files only: a new file that
    // was never `git add`ed "does not exist" for Nix.
    let missing_path =
        failure.message.contains("does not exist") || failure.message.contains("No such file");
    let help = if missing_path {
        "if the file exists, `git add` it: a flake in a git checkout sees only tracked files"
            .to_string()
    } else {
        match host {
            Some(host) => format!(
                "run `nix eval --show-trace '.#{}.config.system.build.toplevel'` for the whole trace",
                host.attr_path()
            ),
            None => "run `nix flake show --show-trace` for the whole trace".to_string(),
        }
    };
    let mut diagnostic = Diagnostic::new(Code::EvalHostFailed, message)
        .at(location)
        .help(help);
    if let Some(host) = host {
        diagnostic = diagnostic.on(NodeId::host(&host.name));
    }
    diagnostic
}

/// EVAL003, once: a flake input cannot be fetched, so Nix cannot evaluate
/// any host on this machine.
fn unfetchable(failure: &EvalFailure, flake: &Location) -> Diagnostic {
    Diagnostic::new(
        Code::EvalHostFailed,
        format!(
            "a flake input could not be fetched, so Nix cannot evaluate the hosts on this machine: {}",
            failure.message
        ),
    )
    .at(flake.clone())
    .help(
        "`--eval static` reads the repository without fetching inputs and works offline; \
         or fetch the inputs once with network access (`nix flake archive`)",
    )
}
