//! Repository-relative path arithmetic (`/`-separated, never touching the disk).

/// The directory part of a repository-relative path (`""` for a top-level file).
pub fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Whether `path` lies below directory `dir` (every path lies below the
/// root, `""`); a directory is not below itself.
pub fn is_below(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Resolves `relative` (as written in a file: `./x`, `../y`, `z/`) against the
/// repository-relative directory `base`. Returns `None` when the result would
/// leave the repository root; an absolute `relative` is taken from the root.
pub fn join_relative(base: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if relative.starts_with('/') { "" } else { base };
    for segment in start.split('/').chain(relative.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_strictly_inside_a_directory() {
        assert!(is_below("flux/apps/a.yaml", "flux/apps"));
        assert!(is_below("flux/apps/a.yaml", ""));
        assert!(!is_below("flux/apps", "flux/apps"));
        assert!(!is_below("flux/apps-old/a.yaml", "flux/apps"));
        assert!(!is_below("flux", "flux/apps"));
    }

    #[test]
    fn joins_and_normalises() {
        assert_eq!(
            join_relative("hosts/a", "./hw.nix").as_deref(),
            Some("hosts/a/hw.nix")
        );
        assert_eq!(
            join_relative("flux/apps/production", "../base/x").as_deref(),
            Some("flux/apps/base/x")
        );
        assert_eq!(
            join_relative("", "./flux/clusters/prod/").as_deref(),
            Some("flux/clusters/prod")
        );
        assert_eq!(join_relative("a", "../../x"), None);
        assert_eq!(join_relative("a/b", "/c").as_deref(), Some("c"));
        assert_eq!(parent_dir("a/b/c.nix"), "a/b");
        assert_eq!(parent_dir("flake.nix"), "");
    }
}
