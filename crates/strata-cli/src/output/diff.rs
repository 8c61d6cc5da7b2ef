//! `diff`: the semantic diff between two revisions for people (human), for
//! machines (json) and for pull-request comments (markdown).

use strata_plan::{Change, ChangeKind, FieldChange, RevisionDiff};

use super::to_json_text;

/// GitHub refuses a comment longer than this many characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// Room kept for the closing summary line when details are cut.
const CLOSING_ROOM: usize = 600;

/// A value longer than this is cut in human and markdown output.
const VALUE_WIDTH: usize = 120;

/// The contract's object: `version`, `from`, `to`, `changes`, `impacted`.
pub fn json(diff: &RevisionDiff) -> String {
    to_json_text(&diff.to_json())
}

fn kind_word(change: ChangeKind) -> &'static str {
    match change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Modified => "modified",
    }
}

/// A value on one line, cut to `VALUE_WIDTH` characters.
fn short(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= VALUE_WIDTH {
        text
    } else {
        let cut: String = text.chars().take(VALUE_WIDTH).collect();
        format!("{cut}…")
    }
}

/// `old → new`, `+ new`, `- old`, or that a secret changed.
fn field_line(field: &FieldChange) -> String {
    if field.secret {
        return format!("{}: secret value changed (not shown)", field.path);
    }
    match (&field.from, &field.to) {
        (Some(a), Some(b)) => format!("{}: {} → {}", field.path, short(a), short(b)),
        (None, Some(b)) => format!("{}: added {}", field.path, short(b)),
        (Some(a), None) => format!("{}: removed (was {})", field.path, short(a)),
        (None, None) => field.path.clone(),
    }
}

fn counts(diff: &RevisionDiff) -> (usize, usize, usize) {
    let count = |k| diff.changes.iter().filter(|c| c.change == k).count();
    (
        count(ChangeKind::Added),
        count(ChangeKind::Removed),
        count(ChangeKind::Modified),
    )
}

fn heading(change: &Change) -> String {
    let mut line = format!("{} {}", kind_word(change.change), change.id);
    if let Some(cluster) = &change.cluster {
        line.push_str(&format!(" [cluster {cluster}]"));
    }
    if let Some(file) = &change.file {
        line.push_str(&format!(" ({file})"));
    }
    line
}

/// Every change with its fields, then every impacted node.
pub fn human(diff: &RevisionDiff) -> String {
    let (added, removed, modified) = counts(diff);
    let mut out = format!(
        "diff {}..{}: {} added, {} removed, {} modified; {} nodes impacted\n",
        diff.from,
        diff.to,
        added,
        removed,
        modified,
        diff.impacted.len()
    );
    if diff.changes.is_empty() {
        out.push_str("\nno change reaches a host or the cluster\n");
    }
    for change in &diff.changes {
        out.push_str(&format!("\n  {}\n", heading(change)));
        for field in &change.fields {
            out.push_str(&format!("      {}\n", field_line(field)));
        }
        if !change.hosts.is_empty() {
            out.push_str(&format!("      imported by: {}\n", change.hosts.join(", ")));
        }
    }
    if !diff.unchanged_hosts.is_empty() {
        out.push_str(&format!(
            "\nunchanged system (same toplevel drvPath under nix): {}\n",
            diff.unchanged_hosts
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !diff.impacted.is_empty() {
        out.push_str("\nimpacted:\n");
        for id in &diff.impacted {
            out.push_str(&format!("  {id}\n"));
        }
    }
    out
}

/// Text safe inside a markdown table cell or summary.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
        .replace(['\n', '\r'], " ")
}

fn code_cell(text: &str) -> String {
    format!("<code>{}</code>", cell(text))
}

/// One change as a collapsible block.
fn markdown_change(change: &Change) -> String {
    let mut out = format!(
        "<details><summary><b>{}</b> {}",
        kind_word(change.change),
        code_cell(change.id.as_str())
    );
    if let Some(cluster) = &change.cluster {
        out.push_str(&format!(" (cluster {})", cell(cluster)));
    }
    if !change.fields.is_empty() {
        let count = change.fields.len();
        let noun = if count == 1 { "field" } else { "fields" };
        out.push_str(&format!(" — {count} {noun}"));
    }
    out.push_str("</summary>\n\n");
    if let Some(file) = &change.file {
        out.push_str(&format!("File: {}\n\n", code_cell(file)));
    }
    if !change.hosts.is_empty() {
        out.push_str(&format!(
            "Imported by: {}\n\n",
            change
                .hosts
                .iter()
                .map(|h| code_cell(h))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !change.fields.is_empty() {
        out.push_str("| field | from | to |\n|---|---|---|\n");
        for field in &change.fields {
            let (from, to) = if field.secret {
                ("_secret_".to_string(), "_secret, changed_".to_string())
            } else {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or("—".to_string(), |v| code_cell(&short(v)))
                };
                (show(&field.from), show(&field.to))
            };
            out.push_str(&format!("| {} | {from} | {to} |\n", code_cell(&field.path)));
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

/// A pull-request comment: summary table, impacted hosts and
/// Kustomizations, one collapsible block per change; never longer than
/// GitHub's comment limit (changes past it are counted, not shown).
pub fn markdown(diff: &RevisionDiff) -> String {
    let (added, removed, modified) = counts(diff);
    let mut out = format!(
        "## strata diff {} → {}\n\n| added | removed | modified | impacted |\n|---:|---:|---:|---:|\n| {added} | {removed} | {modified} | {} |\n\n",
        code_cell(&diff.from),
        code_cell(&diff.to),
        diff.impacted.len()
    );
    if diff.changes.is_empty() {
        out.push_str("No change reaches a host or the cluster.\n");
        return out;
    }
    let deployed: Vec<String> = diff
        .impacted
        .iter()
        .filter(|id| matches!(id.kind(), "host" | "Kustomization" | "HelmRelease"))
        .map(|id| code_cell(id.as_str()))
        .collect();
    let mut impacted_line = if deployed.is_empty() {
        String::new()
    } else {
        format!("**Deploys:** {}\n\n", deployed.join(", "))
    };
    if impacted_line.len() > GITHUB_COMMENT_LIMIT / 4 {
        impacted_line = format!(
            "**Deploys:** {} hosts, Kustomizations and HelmReleases (see `strata diff --format json`)\n\n",
            deployed.len()
        );
    }
    out.push_str(&impacted_line);
    if !diff.unchanged_hosts.is_empty() {
        out.push_str(&format!(
            "Same system under Nix evaluation: {} hosts.\n\n",
            diff.unchanged_hosts.len()
        ));
    }
    let budget = GITHUB_COMMENT_LIMIT - CLOSING_ROOM;
    let mut shown = 0;
    let mut used = out.chars().count();
    for change in &diff.changes {
        let block = markdown_change(change);
        let size = block.chars().count();
        if used + size > budget {
            break;
        }
        used += size;
        out.push_str(&block);
        shown += 1;
    }
    let hidden = diff.changes.len() - shown;
    if hidden > 0 {
        out.push_str(&format!(
            "_{hidden} more changes not shown (GitHub's comment limit); run `strata diff --from {} --format json` for all of them._\n",
            cell(&diff.from)
        ));
    }
    out
}
