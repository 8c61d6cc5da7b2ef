//! `strata`: lint, graph, plan and explain a homelab repository (NixOS hosts
//! and the Flux tree they run) as one dependency graph.
//!
//! Exit codes (CONTRACT.md): 0 success without error findings, 1 error
//! findings or a plan that cannot be computed, 2 the tool could not run.

mod apply;
mod output;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Print the documentation of one rule (by code, e.g. FLUX001, or name).
    Explain {
        /// The code or rule name; `all` lists every code.
        code: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
}

#[derive(Args)]
struct RepoArgs {
    /// The repository root.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// How Nix is understood: `static` never starts a process, `nix` evaluates
    /// with the real nix, `auto` uses nix when available.
    #[arg(long, value_enum, default_value_t = Eval::Auto)]
    eval: Eval,
    /// How many hosts `nix` evaluates at once (default: one per 2 GiB of
    /// available memory, at most one per CPU).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Seconds one host's evaluation may take before it is stopped.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    eval_timeout: u64,
    /// The directory Flux syncs (repository-relative), when strata does not
    /// find the sync root by itself (also `[flux] entry` in strata.toml).
    #[arg(long, value_name = "PATH")]
    entry: Option<String>,
    /// Only analyse this Flux cluster of a repository holding several.
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
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

/// A failure of the tool itself: one line on stderr, exit 2.
struct ToolError(String);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
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
    let written = match cli.command {
        Command::Lint { repo, format } => {
            let analysis = load(&repo)?;
            let redaction = Redaction::new(&analysis);
            let text = match format {
                LintFormat::Human => {
                    let color = output::human::color_wanted();
                    let text = output::human::render(&analysis, &redaction, color);
                    // miette's colour codes stay; its inputs were escaped.
                    if color {
                        redaction.scrub(&text)
                    } else {
                        redaction.for_terminal(&text)
                    }
                }
                LintFormat::Json => redaction.scrub(&output::lint_json::render(&analysis)),
                LintFormat::Sarif => redaction.scrub(&output::sarif::render(&analysis)),
                LintFormat::Github => redaction.for_terminal(&output::github::render(&analysis)),
            };
            write_all(&mut stdout, &text)?;
            return Ok(u8::from(analysis.has_errors()));
        }
        Command::Graph { repo, format } => {
            let analysis = load(&repo)?;
            let redaction = Redaction::new(&analysis);
            match format {
                GraphFormat::Json => redaction.scrub(&output::graph::json(&analysis)),
                GraphFormat::Dot => redaction.for_terminal(&output::graph::dot(&analysis)),
                GraphFormat::Mermaid => redaction.for_terminal(&output::graph::mermaid(&analysis)),
            }
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
                    PlanFormat::Json => redaction.scrub(&output::plan::json(&plan)),
                },
                Err(error) => return print_plan_error(&analysis, &error, format, &mut stdout),
            }
        }
        Command::Apply {
            repo,
            apply,
            format,
        } => return apply::run(&repo, &apply, format, &mut stdout),
        Command::Diff { .. } => {
            return Err(ToolError(
                "`diff` (semantic diff between git revisions) is not available in this build yet; use `strata graph` on each revision meanwhile".into(),
            ));
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
    };
    write_all(&mut stdout, &written)?;
    Ok(0)
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
        let text = redaction.scrub(&output::plan::json_without_plan(
            analysis,
            &error.diagnostics,
        ));
        write_all(stdout, &text)?;
        return Ok(1);
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = output::human::render_diagnostics(analysis, &redaction, &error.diagnostics, color);
    let text = if color {
        redaction.scrub(&text)
    } else {
        redaction.for_terminal(&text)
    };
    eprint!("{text}");
    eprintln!("strata: no deploy plan: fix the findings above (`strata lint` shows every finding)");
    Ok(1)
}

fn load(repo: &RepoArgs) -> Result<Analysis, ToolError> {
    let eval = match repo.eval {
        Eval::Static => EvalMode::Static,
        Eval::Nix => EvalMode::Nix,
        Eval::Auto => EvalMode::Auto,
    };
    let progress = std::io::stderr().is_terminal().then(|| {
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
    let options = Options {
        eval,
        jobs: repo.jobs.filter(|j| *j > 0),
        progress,
        eval_timeout: Some(std::time::Duration::from_secs(repo.eval_timeout.max(1))),
        entry: repo.entry.clone(),
        cluster: repo.cluster.clone(),
    };
    analyze(&repo.path, &options).map_err(|e| ToolError(e.to_string()))
}

fn write_all(out: &mut impl Write, text: &str) -> Result<(), ToolError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`strata graph | head`) is not a failure of the tool.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(ToolError(format!("cannot write output: {e}"))),
    }
}
