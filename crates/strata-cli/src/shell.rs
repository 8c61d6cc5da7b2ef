//! What the shell around strata needs: completion scripts, the man page,
//! and argument errors as one line.

use clap::ValueEnum;
use clap::error::ErrorKind;

/// The shells `strata completions` writes scripts for.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CompletionShell {
    /// `source <(strata completions bash)`
    Bash,
    /// `strata completions zsh > "${fpath[1]}/_strata"`
    Zsh,
    /// `strata completions fish > ~/.config/fish/completions/strata.fish`
    Fish,
}

/// The completion script for `shell`.
pub fn completions(shell: CompletionShell, mut command: clap::Command) -> String {
    let generator = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut command, "strata", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// The man page, in roff.
pub fn man_page(command: clap::Command) -> Result<String, String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// A clap error as the contract's one line: clap's first line without its
/// `error:` prefix, and where to look next.
pub fn one_line_error(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    let message = match first.strip_prefix("error:") {
        Some(message) => message.trim().to_string(),
        None if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "a subcommand is required (lint, graph, plan, diff, explain, …)".to_string()
        }
        None => first.to_string(),
    };
    format!("{message}; see `strata --help`")
}
