//! Every `.nix` file of the repository: parsed once, syntax errors reported
//! (NIX001), literal import edges collected and checked (NIX002).

use std::sync::Arc;

use rnix::ast;
use rnix::{ParseError, SyntaxKind};
use serde::Serialize;
use strata_core::{
    Code, Diagnostic, Location, RepoTree, SourceFile, Span, join_relative, parent_dir,
};

use crate::syntax::{cast, ident_name, range_span, span_of, static_path, static_string, syn};

/// At most this many syntax errors are reported per file: rnix's error
/// recovery turns one missing `;` into a cascade, and only the first few
/// findings help.
const MAX_SYNTAX_ERRORS_PER_FILE: usize = 10;

/// How deeply brackets (`[`, `{`, `(`, `${`) may nest in a file that is
/// parsed. rnix's parser bounds `let`/`if`/function nesting at 512 but not
/// brackets, and its syntax tree hashes nested nodes recursively, so parsing
/// 100,000 nested `[` takes minutes; no real file comes near this.
pub const MAX_BRACKET_NESTING: usize = 512;

/// One parsed file: its text and rnix's lossless tree (which exists even when
/// the text has syntax errors).
#[derive(Clone)]
pub struct ParsedFile {
    source: Arc<SourceFile>,
    parse: rnix::Parse<rnix::Root>,
    /// Where brackets first nest deeper than [`MAX_BRACKET_NESTING`]: such a
    /// file is not parsed (its tree is empty) and reported there.
    too_deep: Option<usize>,
}

impl std::fmt::Debug for ParsedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedFile")
            .field("path", &self.source.path())
            .field("errors", &self.parse.errors().len())
            .finish()
    }
}

impl ParsedFile {
    /// Parses a file's text. Never fails: errors are kept next to the tree.
    pub fn parse(source: Arc<SourceFile>) -> Self {
        let too_deep = too_deep_nesting(source.text());
        let parse = rnix::Root::parse(if too_deep.is_some() {
            ""
        } else {
            source.text()
        });
        ParsedFile {
            source,
            parse,
            too_deep,
        }
    }

    /// The file's text and path.
    pub fn source(&self) -> &Arc<SourceFile> {
        &self.source
    }

    /// Repository-relative path.
    pub fn path(&self) -> &str {
        self.source.path()
    }

    /// Whether rnix reported any syntax error.
    pub fn has_errors(&self) -> bool {
        self.too_deep.is_some() || !self.parse.errors().is_empty()
    }

    /// The root of the syntax tree (partial when the file has errors).
    pub(crate) fn root(&self) -> ast::Root {
        self.parse.tree()
    }

    /// One NIX001 finding per syntax error, at the error's exact range.
    pub fn syntax_diagnostics(&self) -> Vec<Diagnostic> {
        let path = self.source.path();
        let text = self.source.text();
        if let Some(offset) = self.too_deep {
            return vec![
                Diagnostic::new(
                    Code::NixSyntax,
                    format!("`{path}` is not analysed: brackets nest more than {MAX_BRACKET_NESTING} levels deep here"),
                )
                .at(Location::new(path, Span::at(offset)))
                .help("flatten the expression; no NixOS configuration needs this nesting"),
            ];
        }
        // "End of file" means just after the last non-blank character, so the
        // finding lands on the line where the text stops rather than on an
        // empty line after the final newline.
        let eof = Span::at(text.trim_end().len());
        let mut out: Vec<Diagnostic> = Vec::new();
        for error in self.parse.errors().iter().take(MAX_SYNTAX_ERRORS_PER_FILE) {
            let (span, message) = match error {
                ParseError::Unexpected(r) => (range_span(*r), "unexpected syntax".to_string()),
                ParseError::UnexpectedExtra(r) => (
                    range_span(*r),
                    "unexpected text after the end of the expression".to_string(),
                ),
                ParseError::UnexpectedWanted(got, r, wanted) => (
                    range_span(*r),
                    format!(
                        "unexpected {}, expected {}",
                        kind_name(*got),
                        wanted_list(wanted)
                    ),
                ),
                ParseError::UnexpectedDoubleBind(r) => (
                    range_span(*r),
                    "the function argument pattern is bound twice".to_string(),
                ),
                ParseError::UnexpectedEOF => (eof, "unexpected end of file".to_string()),
                ParseError::UnexpectedEOFWanted(wanted) => (
                    eof,
                    format!("unexpected end of file, expected {}", wanted_list(wanted)),
                ),
                ParseError::DuplicatedArgs(r, name) => (
                    range_span(*r),
                    format!("function argument `{name}` is declared twice"),
                ),
                ParseError::RecursionLimitExceeded => (
                    Span::at(0),
                    "the expression is nested too deeply to parse".to_string(),
                ),
                other => (Span::at(0), format!("syntax error: {other}")),
            };
            let diag = Diagnostic::new(
                Code::NixSyntax,
                format!("`{path}` does not parse: {message}"),
            )
            .at(Location::new(path, span))
            .help("fix the syntax; `nix-instantiate --parse FILE` shows the same error");
            if !out.contains(&diag) {
                out.push(diag);
            }
        }
        out
    }
}

/// The byte offset of the first bracket that nests deeper than
/// [`MAX_BRACKET_NESTING`], if any (one linear pass over the tokens; brackets
/// inside strings and comments are not tokens of their own).
fn too_deep_nesting(text: &str) -> Option<usize> {
    use SyntaxKind::*;
    let mut depth = 0usize;
    let mut offset = 0usize;
    for (kind, token) in rnix::tokenize(text) {
        match kind {
            TOKEN_L_BRACE | TOKEN_L_BRACK | TOKEN_L_PAREN | TOKEN_INTERPOL_START => {
                depth += 1;
                if depth > MAX_BRACKET_NESTING {
                    return Some(offset);
                }
            }
            TOKEN_R_BRACE | TOKEN_R_BRACK | TOKEN_R_PAREN | TOKEN_INTERPOL_END => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        offset += token.len();
    }
    None
}

/// A human name for a token kind in a syntax error.
fn kind_name(kind: SyntaxKind) -> String {
    use SyntaxKind::*;
    let fixed = match kind {
        TOKEN_SEMICOLON => "`;`",
        TOKEN_ASSIGN => "`=`",
        TOKEN_COLON => "`:`",
        TOKEN_COMMA => "`,`",
        TOKEN_DOT => "`.`",
        TOKEN_L_BRACE => "`{`",
        TOKEN_R_BRACE => "`}`",
        TOKEN_L_BRACK => "`[`",
        TOKEN_R_BRACK => "`]`",
        TOKEN_L_PAREN => "`(`",
        TOKEN_R_PAREN => "`)`",
        TOKEN_IN => "`in`",
        TOKEN_THEN => "`then`",
        TOKEN_ELSE => "`else`",
        TOKEN_IDENT => "an identifier",
        TOKEN_STRING_END => "the end of the string",
        TOKEN_INTERPOL_END => "`}` closing the interpolation",
        TOKEN_ERROR => "an invalid token",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let raw = format!("{kind:?}");
    let name = raw
        .trim_start_matches("TOKEN_")
        .trim_start_matches("NODE_")
        .to_ascii_lowercase()
        .replace('_', " ");
    format!("`{name}`")
}

fn wanted_list(wanted: &[SyntaxKind]) -> String {
    let names: Vec<String> = wanted.iter().map(|k| kind_name(*k)).collect();
    match names.len() {
        0 => "more input".to_string(),
        1 => names[0].clone(),
        _ => format!("one of {}", names.join(", ")),
    }
}

/// How a file refers to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    /// An entry of a module's `imports = [ … ]` list.
    ModuleImports,
    /// `import ./x` (possibly applied: `import ./x { }`).
    Import,
}

/// One literal import edge of a file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Import {
    /// The repository-relative file imported (`dir/default.nix` for a directory).
    pub target: String,
    /// The path literal in the importing file.
    pub location: Location,
    /// Module `imports` or `import`.
    pub kind: ImportKind,
}

/// A `.nix` file of the repository and its literal imports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NixFile {
    /// Repository-relative path.
    pub path: String,
    /// Whether the file parsed without errors.
    pub parses: bool,
    /// Literal import edges that resolve to an existing file, in source order.
    pub imports: Vec<Import>,
    /// Every existing repository path (file or directory) a relative path
    /// literal of this file names, sorted: what `callPackage ./pkgs/x`,
    /// `readDir ./hosts` or `sopsFile = ../secrets/x.yaml` refer to.
    pub references: Vec<String>,
    /// Where a string literal is bound to a secret-looking option (a
    /// password, token, secret, key, or colmena `deployment.keys.*.text`):
    /// output that quotes this file must mask these spans.
    pub secret_values: Vec<Span>,
}

/// Whether an attribute path names secret material: its last segment
/// mentions a password, secret, token or (private/API) key, or it is the
/// `text` of a colmena `deployment.keys.<name>`. Paths to secrets
/// (`…File`, `…Path`, `…Command`, `…Dir`) and public keys are not secret.
fn is_secret_option(path: &[String]) -> bool {
    let Some(last) = path.last().map(|l| l.to_ascii_lowercase()) else {
        return false;
    };
    if path.len() >= 2 && path.iter().any(|p| p == "keys") && last == "text" {
        return true;
    }
    let names_a_location = ["file", "files", "path", "paths", "command", "dir", "url"]
        .iter()
        .any(|s| last.ends_with(s));
    let public = last.contains("public") || last.contains("authorized");
    let secret = ["password", "secret", "token", "psk", "passphrase"]
        .iter()
        .any(|w| last.contains(w))
        || last == "key"
        || last.ends_with("key");
    secret && !names_a_location && !public
}

/// The spans of string literals bound to secret-looking options
/// (`password = "…"`, `services.k3s.token = "…"`, `keys.wg.text = ''…''`),
/// whether written as one attribute path or nested sets.
pub fn collect_secret_values(file: &ParsedFile) -> Vec<Span> {
    let mut found = Vec::new();
    for node in syn(&file.root()).descendants() {
        let Some(binding) = cast::<ast::AttrpathValue>(node) else {
            continue;
        };
        let Some(value) = binding.value() else {
            continue;
        };
        if matches!(value, ast::Expr::AttrSet(_)) {
            continue;
        }
        // The full path: this binding's own attrpath under its enclosing ones.
        let mut path: Vec<String> = Vec::new();
        let mut enclosing = syn(&binding).parent();
        while let Some(parent) = enclosing {
            if let Some(outer) = cast::<ast::AttrpathValue>(parent.clone()) {
                path.splice(0..0, attr_names(&outer));
            }
            enclosing = parent.parent();
        }
        path.extend(attr_names(&binding));
        if is_secret_option(&path) {
            let strings = syn(&value)
                .descendants_with_tokens()
                .filter_map(|n| n.into_node())
                .filter_map(cast::<ast::Str>);
            found.extend(strings.map(|s| span_of(&s)));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The identifier segments of a binding's attribute path.
fn attr_names(binding: &ast::AttrpathValue) -> Vec<String> {
    binding
        .attrpath()
        .map(|p| {
            p.attrs()
                .filter_map(|a| match a {
                    ast::Attr::Ident(i) => ident_name(&i),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The existing repository paths the relative path literals of a file name.
pub fn collect_references(tree: &RepoTree, file: &ParsedFile) -> Vec<String> {
    let mut out = Vec::new();
    for node in syn(&file.root()).descendants() {
        if node.kind() != SyntaxKind::NODE_PATH_REL {
            continue;
        }
        let Some(written) = static_path(&node) else {
            continue;
        };
        if let Some(path) = join_relative(parent_dir(file.path()), &written)
            && tree.exists(&path)
        {
            out.push(path);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Resolves a path as written in `importer` to the repository file Nix would
/// read: a directory means its `default.nix`.
///
/// `Ok(None)` means the path leaves the repository (nothing to check);
/// `Err(message)` means it names nothing that exists.
pub fn resolve_import(
    tree: &RepoTree,
    importer: &str,
    written: &str,
) -> Result<Option<String>, String> {
    let Some(path) = join_relative(parent_dir(importer), written) else {
        return Ok(None);
    };
    resolve_repo_path(tree, &path).map(Some)
}

/// Whether an import names a path `[paths] exclude` leaves out.
fn is_excluded_import(tree: &RepoTree, importer: &str, written: &str) -> bool {
    join_relative(parent_dir(importer), written).is_some_and(|path| tree.is_excluded(&path))
}

/// Resolves a repository-relative path to the file Nix would read.
pub fn resolve_repo_path(tree: &RepoTree, path: &str) -> Result<String, String> {
    if tree.is_file(path) {
        return Ok(path.to_string());
    }
    if tree.is_dir(path) {
        let default = if path.is_empty() {
            "default.nix".to_string()
        } else {
            format!("{path}/default.nix")
        };
        if tree.is_file(&default) {
            return Ok(default);
        }
        return Err(format!("directory `{path}` has no `default.nix`"));
    }
    Err(format!("`{path}` {}", tree.absence(path)))
}

/// A literal path expression: `./x`, `(./x)`, or `./x + "/y"`.
fn literal_path(expr: &ast::Expr) -> Option<(String, Span)> {
    literal_path_within(expr, 16)
}

/// `depth` bounds the recursion: a chain of thousands of `+` is a valid tree.
fn literal_path_within(expr: &ast::Expr, depth: u32) -> Option<(String, Span)> {
    let depth = depth.checked_sub(1)?;
    match expr {
        ast::Expr::Paren(p) => literal_path_within(&p.expr()?, depth),
        ast::Expr::PathRel(p) => Some((static_path(syn(p))?, span_of(p))),
        ast::Expr::BinOp(op) if op.operator() == Some(ast::BinOpKind::Add) => {
            let (base, _) = literal_path_within(&op.lhs()?, depth)?;
            let ast::Expr::Str(s) = op.rhs()? else {
                return None;
            };
            Some((format!("{base}{}", static_string(&s)?), span_of(op)))
        }
        _ => None,
    }
}

/// Whether `expr` is the identifier `import` or `builtins.import`.
fn is_import_fn(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::Ident(i) => ident_name(i).as_deref() == Some("import"),
        ast::Expr::Select(s) => {
            let base_is_builtins = matches!(s.expr(), Some(ast::Expr::Ident(i)) if ident_name(&i).as_deref() == Some("builtins"));
            let attrs: Vec<ast::Attr> = s
                .attrpath()
                .map(|p| p.attrs().collect())
                .unwrap_or_default();
            base_is_builtins
                && attrs.len() == 1
                && matches!(&attrs[0], ast::Attr::Ident(i) if ident_name(i).as_deref() == Some("import"))
        }
        _ => false,
    }
}

/// Collects the literal import edges of one file, reporting NIX002 for those
/// naming nothing.
pub fn collect_imports(
    tree: &RepoTree,
    file: &ParsedFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Import> {
    let path = file.path().to_string();
    let mut found: Vec<(String, Span, ImportKind)> = Vec::new();
    for node in syn(&file.root()).descendants() {
        match node.kind() {
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                let Some(apv) = cast::<ast::AttrpathValue>(node) else {
                    continue;
                };
                let attrs: Vec<ast::Attr> = apv
                    .attrpath()
                    .map(|p| p.attrs().collect())
                    .unwrap_or_default();
                let is_imports = attrs.len() == 1
                    && matches!(&attrs[0], ast::Attr::Ident(i) if ident_name(i).as_deref() == Some("imports"));
                if !is_imports {
                    continue;
                }
                if let Some(ast::Expr::List(list)) = apv.value() {
                    for item in list.items() {
                        if let Some((written, span)) = literal_path(&item) {
                            found.push((written, span, ImportKind::ModuleImports));
                        }
                    }
                }
            }
            SyntaxKind::NODE_APPLY => {
                let Some(apply) = cast::<ast::Apply>(node) else {
                    continue;
                };
                let (Some(f), Some(arg)) = (apply.lambda(), apply.argument()) else {
                    continue;
                };
                if is_import_fn(&f)
                    && let Some((written, span)) = literal_path(&arg)
                {
                    found.push((written, span, ImportKind::Import));
                }
            }
            _ => {}
        }
    }
    let mut imports = Vec::new();
    for (written, span, kind) in found {
        let location = Location::new(path.clone(), span);
        match resolve_import(tree, &path, &written) {
            Ok(Some(target)) => imports.push(Import { target, location, kind }),
            Ok(None) => {}
            // Excluded on purpose in strata.toml: there, just not read.
            Err(_) if is_excluded_import(tree, &path, &written) => {}
            Err(why) => diagnostics.push(
                Diagnostic::new(Code::NixImportMissing, format!("`{written}` imported from `{path}`: {why}"))
                    .at(location)
                    .help(format!(
                        "paths are relative to the directory of `{path}`; create the file, or fix or remove the import"
                    )),
            ),
        }
    }
    imports.sort_by_key(|i| i.location.span);
    imports.dedup();
    imports
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    fn secrets(text: &str) -> Vec<String> {
        let file = ParsedFile::parse(std::sync::Arc::new(strata_core::SourceFile::new(
            "x.nix", text,
        )));
        collect_secret_values(&file)
            .into_iter()
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn finds_literals_bound_to_secret_looking_options() {
        let text = r#"{
  users.users.root.password = "hunter2";
  services.k3s = { token = "K10abc"; tokenFile = "/run/secrets/k3s"; };
  services.wireguard.privateKey = "cGxhaW4=";
  deployment.keys.wg.text = ''
    sekrit
  '';
  users.users.me.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA" ];
  networking.wireless.networks.home.psk = "wifi-pass";
  services.db.password = lib.mkForce (if prod then "p1" else "p2");
  services.foo.publicKey = "not-secret";
  networking.hostName = "nas";
}"#;
        assert_eq!(
            secrets(text),
            [
                "\"hunter2\"",
                "\"K10abc\"",
                "\"cGxhaW4=\"",
                "''\n    sekrit\n  ''",
                "\"wifi-pass\"",
                "\"p1\"",
                "\"p2\""
            ]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parsed(path: &str, text: &str) -> ParsedFile {
        ParsedFile::parse(Arc::new(SourceFile::new(path, text)))
    }

    #[test]
    fn brackets_nested_past_the_bound_are_reported_without_parsing() {
        let depth = 100_000;
        let text = format!(
            "{{
  x = {}1{};
}}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let start = std::time::Instant::now();
        let f = parsed("deep.nix", &text);
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        assert!(f.has_errors());
        let diags = f.syntax_diagnostics();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::NixSyntax);
        let loc = diags[0].location.clone().unwrap();
        let lc = f.source().line_col(loc.span.start);
        // `{` is the first level, so the 512th `[` is the first too deep.
        assert_eq!((lc.line, lc.column), (2, 7 + MAX_BRACKET_NESTING - 1));
        // Brackets inside strings do not count; real nesting below the bound parses.
        let shallow = format!(
            "[ \"{}\" {}1{} ]",
            "[".repeat(5000),
            "[".repeat(400),
            "]".repeat(400)
        );
        assert!(!parsed("ok.nix", &shallow).has_errors());
    }

    #[test]
    fn syntax_errors_point_at_the_error() {
        let f = parsed("a.nix", "{\n  a = 1\n  b = 2;\n}\n");
        let diags = f.syntax_diagnostics();
        assert!(!diags.is_empty());
        let loc = diags[0].location.clone().unwrap();
        let lc = f.source().line_col(loc.span.start);
        assert_eq!((lc.line, lc.column), (3, 5));
    }

    #[test]
    fn eof_errors_point_at_the_end_of_the_text() {
        let f = parsed("a.nix", "{ a = 1;\n\n");
        let diags = f.syntax_diagnostics();
        let loc = diags[0].location.clone().unwrap();
        assert_eq!(loc.span, Span::at(8));
    }

    #[test]
    fn literal_imports_resolve_and_missing_ones_are_reported() {
        let tree = RepoTree::from_files(
            Path::new("/r"),
            [
                "hosts/a/default.nix",
                "hosts/a/hw.nix",
                "modules/default.nix",
                "lib.nix",
            ]
            .map(String::from),
        );
        let f = parsed(
            "hosts/a/default.nix",
            "{ imports = [ ./hw.nix ../../modules ./gone.nix (../../lib.nix) ]; x = import ../../lib.nix { }; y = builtins.import ./hw.nix; }",
        );
        let mut diags = Vec::new();
        let imports = collect_imports(&tree, &f, &mut diags);
        let targets: Vec<_> = imports.iter().map(|i| i.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "hosts/a/hw.nix",
                "modules/default.nix",
                "lib.nix",
                "lib.nix",
                "hosts/a/hw.nix"
            ]
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::NixImportMissing);
        let span = diags[0].location.as_ref().unwrap().span;
        assert_eq!(&f.source().text()[span.start..span.end], "./gone.nix");
    }
}
