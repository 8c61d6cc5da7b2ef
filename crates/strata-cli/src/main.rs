//! `strata`: lint, graph, plan and explain a homelab repository (NixOS hosts
//! and the Flux tree they run) as one dependency graph.
//!
//! Exit codes (CONTRACT.md): 0 success without error findings, 1 error
//! findings or a plan that cannot be computed, 2 the tool could not run.

mod allocator;
mod apply;
mod output;
mod root;
mod shell;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use strata_check::{Analysis, EvalMode, Options, Progress, Rule, analyze};
use strata_core::Code;

use output::redact::Redaction;

#[derive(Parser)]
#[command(
    name = "strata",
    version,
    about = "One dependency graph for a homelab repository: NixOS hosts and the Flux tree they run"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour human output: `auto` colours a terminal unless
    /// NO_COLOR is set to a non-empty value.
    #[arg(long, value_enum, global = true, default_value_t = output::human::ColorWhen::Auto)]
    color: output::human::ColorWhen,
    /// Print findings and nothing else: no summary line, no progress.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole graph and run every rule.
    Lint {
        #[command(flatten)]
        repo: RepoArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = LintFormat::Human)]
        format: LintFormat,
        /// Also list the findings suppressions silenced, with their reasons.
        #[arg(long)]
        show_suppressed: bool,
    },
    /// Print the unified dependency graph.
    Graph {
        #[command(flatten)]
        repo: RepoArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
        format: GraphFormat,
    },
    /// Print the ordered deploy plan (without --from: the full bootstrap plan).
    Plan {
        #[command(flatten)]
        repo: RepoArgs,
        /// Plan only what changed since this git revision.
        #[arg(long)]
        from: Option<String>,
        /// The revision to plan for (default: the working tree).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        rollout: apply::RolloutArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
        format: PlanFormat,
    },
    /// Print the plan's commands; with --execute run them wave by wave,
    /// stopping at the first failing step (resumable with --resume).
    Apply {
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        apply: apply::ApplyArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
        format: PlanFormat,
    },
    /// Semantic diff between two git revisions.
    Diff {
        #[command(flatten)]
        repo: RepoArgs,
        /// The older revision.
        #[arg(long)]
        from: String,
        /// The newer revision (default: the working tree).
        #[arg(long)]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
    },
    /// Write one self-contained HTML report: the graph of both layers
    /// (pan, zoom, click a node), every finding, and the bootstrap plan.
    Report {
        #[command(flatten)]
        repo: RepoArgs,
        /// The HTML file to write (default: standard output).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
    },
    /// Print the documentation of one rule (by code, e.g. FLUX001, or name).
    Explain {
        /// The code or rule name; `all` lists every code.
        code: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Print a shell completion script (source it from your shell's startup file).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: shell::CompletionShell,
    },
    /// Print the man page (roff): `strata man > strata.1`.
    Man,
}

#[derive(Args)]
struct RepoArgs {
    /// The repository root (default: found from the current directory: the
    /// nearest directory with strata.toml, else the git top-level, else the
    /// nearest with flake.nix or a Flux `clusters/` directory).
    #[arg(value_name = "PATH")]
    given_path: Option<PathBuf>,
    /// The root in use: `given_path`, or the one found (set by `settle`).
    #[arg(skip)]
    path: PathBuf,
    /// `--quiet`, copied here by `settle` (no progress bar).
    #[arg(skip)]
    quiet: bool,
    /// How Nix is understood: `static` never starts a process, `nix` evaluates
    /// with the real nix, `auto` uses nix when available.
    #[arg(long, value_enum, default_value_t = Eval::Auto)]
    eval: Eval,
    /// How many hosts `nix` evaluates at once (default: one per 2 GiB of
    /// available memory, at most one per CPU).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    jobs: Option<u64>,
    /// Seconds one host's evaluation may take before it is stopped.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = at_least_one)]
    eval_timeout: u64,
    /// The directory Flux syncs (repository-relative), when strata does not
    /// find the sync root by itself (also `[flux] entry` in strata.toml).
    #[arg(long, value_name = "PATH")]
    entry: Option<String>,
    /// Only analyse this Flux cluster of a repository holding several.
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
}

impl RepoArgs {
    /// Decides the root (the given PATH, else the one found from the
    /// current directory) and takes the global `--quiet`.
    fn settle(&mut self, quiet: bool) -> Result<(), ToolError> {
        self.path = match &self.given_path {
            Some(path) => path.clone(),
            None => root::discover().map_err(ToolError)?,
        };
        self.quiet = quiet;
        Ok(())
    }
}

impl Command {
    /// The repository arguments of a subcommand that reads a repository.
    fn repo_mut(&mut self) -> Option<&mut RepoArgs> {
        match self {
            Command::Lint { repo, .. }
            | Command::Graph { repo, .. }
            | Command::Plan { repo, .. }
            | Command::Apply { repo, .. }
            | Command::Report { repo, .. }
            | Command::Diff { repo, .. } => Some(repo),
            Command::Explain { .. } | Command::Completions { .. } | Command::Man => None,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Eval {
    Static,
    Nix,
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Json,
    Dot,
    Mermaid,
    Svg,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExplainFormat {
    Text,
}

/// A count or duration that must be positive (`--jobs`, `--eval-timeout`).
fn at_least_one(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("must be a whole number of at least 1".into()),
    }
}

/// A failure of the tool itself: one line on stderr, exit 2.
struct ToolError(String);

fn main() -> ExitCode {
    allocator::keep_freed_memory();
    allocator::no_transparent_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version` print as clap renders them.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(0);
        }
        Err(e) => {
            eprintln!("strata: {}", shell::one_line_error(&e));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(ToolError(message)) => {
            eprintln!("strata: {}", output::redact::escape_controls(&message));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, ToolError> {
    let mut stdout = std::io::stdout().lock();
    let quiet = cli.quiet;
    output::human::choose_color(cli.color);
    let stdout_style = output::human::Style::for_stream(std::io::stdout().is_terminal());
    let mut command = cli.command;
    if let Some(repo) = command.repo_mut() {
        repo.settle(quiet)?;
    }
    let written = match command {
        Command::Lint {
            repo,
            format,
            show_suppressed,
        } => {
            let analysis = load(&repo)?;
            let redaction = Redaction::new(&analysis);
            let paths = root::OutputPaths::for_root(&analysis.root);
            let text = match format {
                LintFormat::Human => {
                    let color = stdout_style.color;
                    let text = output::human::render(
                        &analysis,
                        &redaction,
                        output::human::Listing {
                            style: stdout_style,
                            summary: !quiet,
                            suppressed: show_suppressed,
                        },
                    );
                    // miette's colour codes stay; its inputs were escaped.
                    if color {
                        redaction.scrub(&text)
                    } else {
                        redaction.for_terminal(&text)
                    }
                }
                LintFormat::Json => {
                    redaction.scrub(output::lint_json::render(&analysis, show_suppressed))
                }
                LintFormat::Sarif => {
                    redaction.scrub(output::sarif::render(&analysis, &paths, show_suppressed))
                }
                LintFormat::Github => {
                    redaction.for_terminal(&output::github::render(&analysis, &paths))
                }
            };
            write_all(&mut stdout, &text)?;
            let failed = analysis.has_errors();
            free_at_exit(analysis);
            return Ok(u8::from(failed));
        }
        Command::Graph { repo, format } => {
            let analysis = load(&repo)?;
            let redaction = Redaction::new(&analysis);
            let text = match format {
                GraphFormat::Json => {
                    // Scrubbed and printed piece by piece: no secret spans
                    // two nodes, and the graph of thousands of hosts is
                    // never held twice.
                    let pieces: Vec<String> = output::graph::json_pieces(&analysis)
                        .into_par_iter()
                        .map(|piece| redaction.scrub(piece))
                        .collect();
                    write_pieces(&mut stdout, &pieces)?;
                    free_at_exit((analysis, pieces));
                    return Ok(0);
                }
                GraphFormat::Dot => redaction.for_terminal(&output::graph::dot(&analysis)),
                GraphFormat::Mermaid => redaction.for_terminal(&output::graph::mermaid(&analysis)),
                GraphFormat::Svg => redaction.scrub(output::svg::document(&analysis.graph)),
            };
            free_at_exit(analysis);
            text
        }
        Command::Plan {
            repo,
            from,
            to,
            rollout,
            format,
        } => {
            let (analysis, plan) = apply::planned(&repo, from.as_deref(), to.as_deref(), &rollout)?;
            let redaction = Redaction::new(&analysis);
            match plan {
                Ok(plan) => match format {
                    PlanFormat::Human => redaction.for_terminal(&output::plan::human(&plan)),
                    PlanFormat::Json => redaction.scrub(output::plan::json(&plan)),
                },
                Err(error) => return print_plan_error(&analysis, &error, format, &mut stdout),
            }
        }
        Command::Apply {
            repo,
            apply,
            format,
        } => return apply::run(&repo, &apply, format, &mut stdout),
        Command::Report {
            repo,
            output: path,
            format: ReportFormat::Html,
        } => {
            let analysis = load(&repo)?;
            let redaction = Redaction::new(&analysis);
            let plan = strata_plan::bootstrap_plan(&analysis);
            let outcome = match &plan {
                Ok(plan) => output::report::PlanOutcome::Planned(plan),
                Err(error) => output::report::PlanOutcome::Blocked(&error.diagnostics),
            };
            let html = output::report::html(&analysis, &redaction, outcome);
            drop(plan);
            free_at_exit(analysis);
            let Some(path) = path else {
                write_all(&mut stdout, &html)?;
                return Ok(0);
            };
            std::fs::write(&path, html).map_err(|e| {
                ToolError(format!(
                    "cannot write the report to {}: {e}; check the directory exists and is writable",
                    path.display()
                ))
            })?;
            return Ok(0);
        }
        Command::Diff {
            repo,
            from,
            to,
            format,
        } => {
            let options = options(&repo);
            let diff = strata_plan::diff_revisions(&repo.path, &from, to.as_deref(), &options)
                .map_err(|e| ToolError(e.to_string()))?;
            // Each revision knows its own secrets: both are removed.
            let before = Redaction::new(&diff.from_analysis);
            let after = Redaction::new(&diff.to_analysis);
            let scrub = |text: String| after.scrub(before.scrub(&text));
            let text = match format {
                DiffFormat::Human => after.for_terminal(&scrub(output::diff::human(&diff))),
                DiffFormat::Json => scrub(output::diff::json(&diff)),
                DiffFormat::Markdown => scrub(output::diff::markdown(&diff)),
            };
            drop((before, after));
            free_at_exit(diff);
            text
        }
        Command::Explain {
            code,
            format: ExplainFormat::Text,
        } => {
            if code.eq_ignore_ascii_case("all") {
                let mut text = String::new();
                let mut rules: Vec<&Rule> = strata_check::RULES.iter().collect();
                rules.sort_by_key(|rule| rule.code.as_str());
                for rule in rules {
                    text.push_str(&format!(
                        "{:<8} {:<28} {}\n",
                        rule.code.as_str(),
                        rule.code.name(),
                        rule.code.default_severity().as_str()
                    ));
                }
                text
            } else {
                let Some(code) = Code::parse(&code) else {
                    return Err(ToolError(format!(
                        "unknown code `{code}`; `strata explain all` lists every code"
                    )));
                };
                Rule::for_code(code).explain()
            }
        }
        Command::Completions { shell } => shell::completions(shell, Cli::command()),
        Command::Man => shell::man_page(Cli::command()).map_err(ToolError)?,
    };
    write_all(&mut stdout, &written)?;
    free_at_exit(written);
    Ok(0)
}

/// Leaves a value for the process's exit to free. Only for what lives until
/// the command ends: the kernel takes the whole heap back at once, where
/// dropping an analysis frees its millions of allocations one by one, on one
/// thread (a tenth of the run on a tree of 160,000 objects).
fn free_at_exit<T>(value: T) {
    std::mem::forget(value);
}

/// No plan could be computed: the contract's JSON object with the findings
/// that say why, or the findings on stderr; exit 1.
fn print_plan_error(
    analysis: &Analysis,
    error: &strata_plan::PlanError,
    format: PlanFormat,
    stdout: &mut impl Write,
) -> Result<u8, ToolError> {
    let redaction = Redaction::new(analysis);
    if let PlanFormat::Json = format {
        let text = redaction.scrub(output::plan::json_without_plan(
            analysis,
            &error.diagnostics,
        ));
        write_all(stdout, &text)?;
        return Ok(1);
    }
    let style = output::human::Style::for_stream(std::io::stderr().is_terminal());
    let text = output::human::render_diagnostics(analysis, &redaction, &error.diagnostics, style);
    let text = if style.color {
        redaction.scrub(&text)
    } else {
        redaction.for_terminal(&text)
    };
    eprint!("{text}");
    eprintln!("strata: no deploy plan: fix the findings above (`strata lint` shows every finding)");
    Ok(1)
}

fn load(repo: &RepoArgs) -> Result<Analysis, ToolError> {
    analyze(&repo.path, &options(repo)).map_err(|e| ToolError(e.to_string()))
}

/// The analysis options the repository arguments ask for.
fn options(repo: &RepoArgs) -> Options {
    let eval = match repo.eval {
        Eval::Static => EvalMode::Static,
        Eval::Nix => EvalMode::Nix,
        Eval::Auto => EvalMode::Auto,
    };
    let progress = (!repo.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} evaluating hosts with nix {pos}/{len} {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress(std::sync::Arc::new(move |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            if done == total {
                bar.finish_and_clear();
            }
        }))
    });
    Options {
        eval,
        jobs: repo.jobs.map(|j| usize::try_from(j).unwrap_or(usize::MAX)),
        progress,
        eval_timeout: Some(std::time::Duration::from_secs(repo.eval_timeout)),
        entry: repo.entry.clone(),
        cluster: repo.cluster.clone(),
    }
}

fn write_all(out: &mut impl Write, text: &str) -> Result<(), ToolError> {
    output_result(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// Writes texts one after another, as one output.
fn write_pieces(out: &mut impl Write, pieces: &[impl AsRef<str>]) -> Result<(), ToolError> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 20, out);
    output_result(
        pieces
            .iter()
            .try_for_each(|piece| buffered.write_all(piece.as_ref().as_bytes()))
            .and_then(|()| buffered.flush()),
    )
}

/// What writing the output gives the tool.
fn output_result(result: std::io::Result<()>) -> Result<(), ToolError> {
    match result {
        Ok(()) => Ok(()),
        // A closed pipe (`strata graph | head`) is not a failure of the tool.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(ToolError(format!("cannot write output: {e}"))),
    }
}
