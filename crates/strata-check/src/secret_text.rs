//! Secrets found by meaning in a file's text, line by line, without its
//! parse tree: so a file that does not parse (or parses into something the
//! readers only half understand) still has its secret values masked.
//!
//! What is secret here: YAML values under `data` / `stringData` of a
//! document that is (or lists) a `kind: Secret`, `secretGenerator` literals,
//! every value of a SOPS-encrypted file (and any `ENC[…]`), values of keys
//! with secret-like names (ConfigMaps, HelmRelease values, substitution
//! variables), Nix strings bound to secret-like names (quoted or not, nested
//! under `keys.*.text`, or through a `let` binding), and the values of
//! command-line flags that name a token, secret, key, password or auth, in
//! `=` form, `--flag value` form or as the next list item.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use strata_core::Span;

/// Whether a key or option name says its value is secret material. Names of
/// places holding a secret (`…File`, `…Ref`, `…Name`), and public keys, are not.
pub(crate) fn secret_like_name(name: &str) -> bool {
    // Called for every key of every YAML file: a name that fits is lowered
    // on the stack, and most names stop at the first test. Only ASCII
    // letters and digits are kept, so a name's byte length bounds them.
    let mut buffer = [0u8; 64];
    let long: String;
    let lower = if name.len() <= buffer.len() {
        let mut len = 0;
        for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
            buffer[len] = b.to_ascii_lowercase();
            len += 1;
        }
        std::str::from_utf8(&buffer[..len]).unwrap_or_default()
    } else {
        long = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        long.as_str()
    };
    let secret = [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "credential",
        "psk",
        "auth",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || (lower.ends_with("key") && lower != "key");
    if !secret {
        return false;
    }
    let names_a_place = [
        "file", "files", "path", "paths", "dir", "ref", "refs", "name", "names", "command", "url",
        "selector", "keys",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
        || lower.starts_with("existing");
    let public = lower.contains("public") || lower.contains("authorized");
    // `passwordKey: password`, `userKey`: the key of a Secret that holds it.
    let names_a_key = ["passwordkey", "usernamekey", "userkey", "tokenkey"]
        .iter()
        .any(|s| lower.ends_with(s));
    !names_a_place && !public && !names_a_key
}

/// Whether a command-line flag name (without `--`) carries a secret value.
fn secret_flag(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let names_a_place = ["-file", "-path", "-dir", "-name"]
        .iter()
        .any(|s| lower.ends_with(s));
    ["token", "secret", "key", "password", "passwd", "auth"]
        .iter()
        .any(|w| lower.contains(w))
        && !names_a_place
}

/// The spans of secret values in `text`, a file at `path`, each with
/// whether its text is a secret value to search for in all output (the
/// plaintext values of a SOPS file, `type: Opaque`, are only masked).
pub(crate) fn secret_spans(path: &str, text: &str) -> Vec<(Span, bool)> {
    let mut found: Vec<(Span, bool)> = flag_values(text)
        .into_iter()
        .chain(encrypted_values(text))
        .map(|s| (s, true))
        .collect();
    if path.ends_with(".nix") {
        found.extend(nix_values(text).into_iter().map(|s| (s, true)));
    } else if path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".json") {
        found.extend(yaml_values(text));
    }
    found.retain(|(s, _)| !s.is_empty());
    found.sort();
    // Searched wins over masked only for the same span.
    found.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            earlier.1 |= later.1;
            true
        } else {
            false
        }
    });
    found
}

/// A line of the text with its byte offset.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line.trim_end_matches(['\n', '\r'])))
    })
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The span of the trimmed, unquoted part of `line[from..]` at `offset`.
fn value_span(offset: usize, line: &str, from: usize) -> Option<Span> {
    let rest = &line[from..];
    // A trailing comment is not part of the value (only after a space).
    let rest = match rest.find(" #") {
        Some(i) => &rest[..i],
        None => rest,
    };
    let lead = rest.len() - rest.trim_start().len();
    let trimmed = rest.trim();
    let unquoted = trimmed.trim_matches(['"', '\'']);
    if unquoted.is_empty() {
        return None;
    }
    let start = offset + from + lead + trimmed.find(unquoted).unwrap_or(0);
    Some(Span::new(start, start + unquoted.len()))
}

static FLAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"--([A-Za-z0-9][A-Za-z0-9-]*)"#).expect("flag pattern"));

/// Values of secret-carrying flags: `--token=X`, `--token X`, `"--token" "X"`
/// and `- --token` followed by `- X`.
fn flag_values(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for m in FLAG.find_iter(text) {
        let name = &text[m.start() + 2..m.end()];
        if !secret_flag(name) {
            continue;
        }
        let mut i = m.end();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
        } else {
            // The next word, string or list item.
            if matches!(bytes.get(i), Some(b'"' | b'\'')) {
                i += 1;
            }
            let mut crossed_line = false;
            while let Some(b) = bytes.get(i) {
                match b {
                    b' ' | b'\t' | b'\r' => i += 1,
                    b'\n' => {
                        crossed_line = true;
                        i += 1;
                    }
                    b'-' if crossed_line && bytes.get(i + 1) == Some(&b' ') => i += 1,
                    _ => break,
                }
            }
            if i == m.end() {
                continue;
            }
            if matches!(bytes.get(i), Some(b'"' | b'\'')) {
                i += 1;
            }
            if text[i..].starts_with('-')
                || matches!(bytes.get(i), None | Some(b']' | b'}' | b'+' | b';' | b'$'))
            {
                continue;
            }
        }
        let end = text[i..]
            .find(|c: char| c.is_whitespace() || "\"'`]".contains(c))
            .map_or(text.len(), |e| i + e);
        found.push(Span::new(i, end));
    }
    found
}

static ENCRYPTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ENC\[[^\]\n]*\]?").expect("sops pattern"));

/// SOPS ciphertext: `ENC[…]` anywhere.
fn encrypted_values(text: &str) -> Vec<Span> {
    ENCRYPTED
        .find_iter(text)
        .map(|m| Span::new(m.start(), m.end()))
        .collect()
}

/// A line's mapping key, as far as a line-by-line reading can tell.
#[derive(Debug, PartialEq, Eq)]
struct YamlKey<'a> {
    /// Bytes before the key: its indentation and a list item's `- `.
    lead: usize,
    /// The key, unquoted.
    key: &'a str,
    /// Where the value starts: after the colon and the blanks after it.
    end: usize,
}

/// The key of `line` (`  - "name": value`): indentation, an optional `- `,
/// then a double-quoted, single-quoted or plain key (a plain one runs to the
/// first colon and has no `#`), a colon, and a blank or the line's end.
///
/// Written out rather than a regular expression with captures, which was
/// the largest part of reading a large Flux tree for secrets; the test
/// `yaml_key_reads_as_the_pattern_did` checks it against that pattern.
fn yaml_key(line: &str) -> Option<YamlKey<'_>> {
    let indent = line.len() - line.trim_start().len();
    let after_indent = &line[indent..];
    // A list item's `- ` (with every blank after it) is part of the lead;
    // when no key follows it, the dash itself may start a plain key.
    let dash = after_indent
        .strip_prefix('-')
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map(|rest| indent + 1 + (rest.len() - rest.trim_start().len()));
    dash.and_then(|lead| key_at(line, lead))
        .or_else(|| key_at(line, indent))
}

/// The key starting at byte `lead` of `line`, if one does.
fn key_at(line: &str, lead: usize) -> Option<YamlKey<'_>> {
    let rest = &line[lead..];
    let first = rest.chars().next()?;
    let (key, after_key) = match first {
        '"' | '\'' => {
            let close = rest[1..].find(first)? + 1;
            (&rest[1..close], lead + close + 1)
        }
        c if c.is_whitespace() || c == '#' || c == ':' => return None,
        c => {
            let colon = rest.find(':')?;
            let plain = &rest[..colon];
            if plain[c.len_utf8()..].contains('#') {
                return None;
            }
            (plain.trim_end(), lead + plain.trim_end().len())
        }
    };
    let blanks = line[after_key..].len() - line[after_key..].trim_start().len();
    let colon = after_key + blanks;
    if !line[colon..].starts_with(':') {
        return None;
    }
    let value = &line[colon + 1..];
    if !value.is_empty() && !value.starts_with(char::is_whitespace) {
        return None;
    }
    let end = line.len() - value.trim_start().len();
    Some(YamlKey { lead, key, end })
}
static SECRET_KIND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)?kind:\s*["']?Secret["']?\s*(?:#.*)?$"#).expect("kind pattern")
});

/// A block of lines more indented than `indent`, whose values are secret.
struct Block {
    indent: usize,
    /// List items `KEY=VALUE` (a `secretGenerator`): only after `=`.
    literals: bool,
    /// Only literals whose key is secret-like (a `configMapGenerator`).
    secret_keys_only: bool,
}

/// YAML, one document at a time.
fn yaml_values(text: &str) -> Vec<(Span, bool)> {
    let sops = text.starts_with("sops:") || text.contains("\nsops:");
    let mut found = Vec::new();
    let mut document: Vec<(usize, &str)> = Vec::new();
    for (offset, line) in lines(text).chain([(text.len(), "---")]) {
        if line.starts_with("---") {
            // The document's text: from its first line to this separator.
            let start = document.first().map_or(offset, |(start, _)| *start);
            found.extend(yaml_document(&text[start..offset], &document, sops));
            document.clear();
        } else {
            document.push((offset, line));
        }
    }
    found
}

/// The values of one document (`lines` of `text`).
fn yaml_document(text: &str, lines: &[(usize, &str)], sops: bool) -> Vec<(Span, bool)> {
    // Only a line naming `Secret` can say `kind: Secret`: the pattern runs
    // on those alone, and only when the document names it at all.
    let secret_doc = text.contains("Secret")
        && lines
            .iter()
            .any(|(_, l)| l.contains("Secret") && SECRET_KIND.is_match(l));
    let mut found = Vec::new();
    let mut block: Option<Block> = None;
    // A SOPS file: everything but the object's identity and SOPS metadata.
    let mut plain: Option<usize> = None;
    // The `path` of the JSON6902 operation being read.
    let mut patch_path: Option<String> = None;
    for (offset, line) in lines {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = indent_of(line);
        if block.as_ref().is_some_and(|b| indent <= b.indent) {
            block = None;
        }
        if plain.is_some_and(|p| indent <= p) {
            plain = None;
        }
        if let Some(b) = &block {
            let from = indent + usize::from(trimmed.starts_with("- ")) * 2;
            let from = if b.literals {
                line[from..]
                    .find('=')
                    .map(|e| from + e + 1)
                    .filter(|after| {
                        !b.secret_keys_only
                            || secret_like_name(line[from..after - 1].trim_matches(['"', '\'']))
                    })
            } else {
                match yaml_key(line) {
                    Some(k) => Some(k.end),
                    None => Some(from),
                }
            };
            found.extend(
                from.and_then(|from| value_span(*offset, line, from))
                    .map(|s| (s, true)),
            );
            continue;
        }
        let Some(YamlKey {
            lead: key_indent,
            key,
            end: value_from,
        }) = yaml_key(line)
        else {
            if sops && plain.is_none() {
                found.extend(value_span(*offset, line, indent).map(|s| (s, false)));
            }
            continue;
        };
        let value = line[value_from..].trim();
        let opens_block = value.is_empty() || value.starts_with('|') || value.starts_with('>');
        if secret_doc && (key == "data" || key == "stringData") && opens_block {
            block = Some(Block {
                indent: key_indent,
                literals: false,
                secret_keys_only: false,
            });
        } else if (key == "secretGenerator" || key == "configMapGenerator") && opens_block {
            block = Some(Block {
                indent: key_indent,
                literals: true,
                secret_keys_only: key == "configMapGenerator",
            });
        } else if key == "path" && value.trim_matches(['"', '\'']).starts_with('/') {
            patch_path = Some(value.trim_matches(['"', '\'']).to_string());
        } else if key == "value"
            && patch_path.as_deref().is_some_and(|p| {
                (secret_doc && (p.starts_with("/data/") || p.starts_with("/stringData/")))
                    || p.rsplit('/').next().is_some_and(secret_like_name)
            })
        {
            // A JSON6902 operation writing a secret: `path: /stringData/x`.
            if opens_block && !value.is_empty() {
                block = Some(Block {
                    indent: key_indent,
                    literals: false,
                    secret_keys_only: false,
                });
            } else {
                found.extend(value_span(*offset, line, value_from).map(|s| (s, true)));
            }
        } else if secret_like_name(key) {
            if opens_block && !value.is_empty() {
                block = Some(Block {
                    indent: key_indent,
                    literals: false,
                    secret_keys_only: false,
                });
            } else {
                found.extend(value_span(*offset, line, value_from).map(|s| (s, true)));
            }
        } else if sops {
            if key_indent == 0 && ["apiVersion", "kind", "metadata", "sops"].contains(&key) {
                plain = Some(0);
            } else if plain.is_none() {
                found.extend(value_span(*offset, line, value_from).map(|s| (s, false)));
            }
        }
    }
    found
}

static NIX_STRING_BINDING: LazyLock<Regex> = LazyLock::new(|| {
    let segment = r#"(?:[A-Za-z_][\w'-]*|"[^"\\\n]*")"#;
    Regex::new(&format!(
        r#"({segment}(?:\s*\.\s*{segment})*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|''((?s:.*?))(?:''|\z))"#
    ))
    .expect("nix binding pattern")
});
static NIX_NAME_BINDING: LazyLock<Regex> = LazyLock::new(|| {
    let segment = r#"(?:[A-Za-z_][\w'-]*|"[^"\\\n]*")"#;
    Regex::new(&format!(
        r#"({segment}(?:\s*\.\s*{segment})*)\s*=\s*([A-Za-z_][\w'-]*)\s*;"#
    ))
    .expect("nix name pattern")
});
static NIX_OPEN_SET: LazyLock<Regex> = LazyLock::new(|| {
    let segment = r#"(?:[A-Za-z_][\w'-]*|"[^"\\\n]*")"#;
    Regex::new(&format!(r#"({segment}(?:\s*\.\s*{segment})*)\s*=\s*\{{"#)).expect("nix set pattern")
});

/// The segments of a Nix attribute path, unquoted.
fn segments(path: &str) -> Vec<String> {
    path.split('.')
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect()
}

/// Whether a Nix binding path (with the names of the sets it is nested in)
/// binds secret material.
fn secret_nix_path(outer: &[String], path: &[String]) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    let in_keys = outer.iter().chain(path).any(|p| p == "keys");
    secret_like_name(last) || (in_keys && last == "text")
}

/// The names of the attribute sets enclosing an offset, found by one walk
/// over the braces as offsets are asked for in increasing order.
struct Enclosing<'a> {
    text: &'a [u8],
    /// (offset after the `{`, the binding's path) of every `name = {`.
    opens: Vec<(usize, Vec<String>)>,
    next_open: usize,
    at: usize,
    stack: Vec<Vec<String>>,
    /// For each open brace, whether it opened a named set.
    depths: Vec<bool>,
}

impl Enclosing<'_> {
    fn names_at(&mut self, offset: usize) -> Vec<String> {
        let offset = offset.min(self.text.len());
        while self.at < offset {
            let i = self.at;
            while self
                .opens
                .get(self.next_open)
                .is_some_and(|(end, _)| *end <= i)
            {
                self.next_open += 1;
            }
            match self.text[i] {
                b'{' => {
                    let named = self
                        .opens
                        .get(self.next_open)
                        .is_some_and(|(end, _)| *end == i + 1);
                    if named {
                        self.stack.push(self.opens[self.next_open].1.clone());
                        self.next_open += 1;
                    }
                    self.depths.push(named);
                }
                b'}' if self.depths.pop() == Some(true) => {
                    self.stack.pop();
                }
                _ => {}
            }
            self.at += 1;
        }
        self.stack.iter().flatten().cloned().collect()
    }
}

/// Nix strings bound to secret-like names, directly, in nested sets, or
/// through a name bound to one (`let k = "…"; in { privateKey = k; }`).
fn nix_values(text: &str) -> Vec<Span> {
    // The names of the sets enclosing each offset, by brace depth.
    let mut opens: Vec<(usize, Vec<String>)> = NIX_OPEN_SET
        .captures_iter(text)
        .filter_map(|c| Some((c.get(0)?.end(), segments(c.get(1)?.as_str()))))
        .collect();
    opens.sort();
    let mut enclosing = Enclosing {
        text: text.as_bytes(),
        opens,
        next_open: 0,
        at: 0,
        stack: Vec::new(),
        depths: Vec::new(),
    };
    let secret_names: BTreeSet<&str> = NIX_NAME_BINDING
        .captures_iter(text)
        .filter(|c| {
            c.get(1)
                .is_some_and(|p| secret_nix_path(&[], &segments(p.as_str())))
        })
        .filter_map(|c| c.get(2).map(|m| m.as_str()))
        .filter(|n| !["null", "true", "false"].contains(n))
        .collect();
    let mut found = Vec::new();
    for caps in NIX_STRING_BINDING.captures_iter(text) {
        let (Some(path), Some(value)) = (caps.get(1), caps.get(2).or(caps.get(3))) else {
            continue;
        };
        let path = segments(path.as_str());
        let by_name = path.len() == 1 && secret_names.contains(path[0].as_str());
        let last_is_text = path.last().is_some_and(|l| l == "text");
        if by_name
            || secret_nix_path(&[], &path)
            || (last_is_text && secret_nix_path(&enclosing.names_at(value.start()), &path))
        {
            found.push(Span::new(value.start(), value.end()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The pattern `yaml_key` replaces.
    static YAML_KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(\s*(?:-\s+)?)(?:"([^"]*)"|'([^']*)'|([^\s#:'"][^:#]*?))\s*:(?:\s+|$)"#)
            .expect("yaml key pattern")
    });

    fn by_pattern(line: &str) -> Option<YamlKey<'_>> {
        YAML_KEY.captures(line).map(|c| YamlKey {
            lead: c.get(1).map_or(0, |m| m.as_str().len()),
            key: c
                .get(2)
                .or(c.get(3))
                .or(c.get(4))
                .map_or("", |m| m.as_str()),
            end: c.get(0).map_or(0, |m| m.end()),
        })
    }

    #[test]
    fn yaml_key_reads_keys_and_list_items() {
        let key = |line| yaml_key(line).map(|k| (k.lead, k.key, k.end));
        assert_eq!(key("  password: x"), Some((2, "password", 12)));
        assert_eq!(key("- \"a b\" :  v"), Some((2, "a b", 11)));
        assert_eq!(key("- : x"), Some((0, "-", 4)));
        assert_eq!(key("url: http://x"), Some((0, "url", 5)));
        assert_eq!(key("http://x"), None);
        assert_eq!(key("a # b: c"), None);
        assert_eq!(key("key:"), Some((0, "key", 4)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn yaml_key_reads_as_the_pattern_did(
            line in proptest::collection::vec(
                prop::sample::select(vec![' ', '\t', '-', '"', '\'', ':', '#', 'a', 'k', '\u{a0}', 'é', '\u{2003}']),
                0..14,
            ).prop_map(|c| c.into_iter().collect::<String>())
        ) {
            prop_assert_eq!(yaml_key(&line), by_pattern(&line));
        }
    }

    fn shown(path: &str, text: &str) -> Vec<String> {
        secret_spans(path, text)
            .into_iter()
            .map(|(s, _)| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn names() {
        for name in [
            "password",
            "hashedPassword",
            "initialPassword",
            "privateKey",
            "SECRET_X",
            "token",
            "joinKey",
        ] {
            assert!(secret_like_name(name), "{name}");
        }
        for name in [
            "secretName",
            "passwordFile",
            "tokenFile",
            "existingSecret",
            "key",
            "publicKey",
            "secretRef",
            "existingSecretPasswordKey",
        ] {
            assert!(!secret_like_name(name), "{name}");
        }
        // Names longer than the stack buffer are read whole.
        let long = "a".repeat(70);
        assert!(secret_like_name(&format!("{long}_password")));
        assert!(secret_like_name(&format!("password_{long}")));
        assert!(!secret_like_name(&format!("{long}_passwordFile")));
        assert!(!secret_like_name(&format!("x_{long}")));
        // Only letters and digits count, in any case.
        assert!(secret_like_name("DB-PASS_WORD"));
        assert!(!secret_like_name("Ключ"));
    }

    #[test]
    fn flags_in_every_form() {
        let text = r#"extraFlags = [ "--token=t1" "--agent-token" "t2" "--disable=traefik" ];
flags = "--vpn-auth=name=tailscale,joinKey=t3 --etcd-s3-secret-key t4 --token-file=/run/x";
args:
  - --agent-token
  - t5
"#;
        assert_eq!(
            shown("a.nix", text),
            ["t1", "t2", "name=tailscale,joinKey=t3", "t4", "t5"]
        );
    }

    #[test]
    fn yaml_by_meaning() {
        let text = "kind: Secret\nstringData:\n  password: s1\n  cert: |\n    s2\n    s3\nmetadata:\n  name: keep\n---\nkind: ConfigMap\ndata:\n  password: s4\n  mode: keep\n---\nsecretGenerator:\n  - name: x\n    literals:\n      - A=s5\n---\nspec:\n  postBuild:\n    substitute:\n      SECRET_X: \"s6\"\n      APP: keep\n";
        assert_eq!(
            shown("a.yaml", text),
            ["s1", "|", "s2", "s3", "s4", "s5", "s6"]
        );
    }

    #[test]
    fn list_items_and_sops() {
        let text = "patches:\n  - target:\n      kind: Secret\n    patch: |-\n      - op: add\n        path: /stringData/pw\n        value: s0\n      - op: add\n        path: /spec/values/auth/password\n        value: s1\n---\nconfigMapGenerator:\n  - name: x\n    literals:\n      - MODE=keep\n      - DB_PASSWORD=s2\n";
        assert_eq!(shown("a.yaml", text), ["s0", "s1", "s2"]);
        let text = "kind: List\nitems:\n  - kind: Secret\n    data:\n      k: s1\n";
        assert_eq!(shown("a.yaml", text), ["s1"]);
        let sops = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: keep\nstringData:\n  a: ENC[AES256_GCM,data:x]\nsops:\n  version: keep\n";
        assert_eq!(shown("a.yaml", sops), ["ENC[AES256_GCM,data:x]"]);
    }

    #[test]
    fn nix_by_meaning() {
        let text = r#"let
  wg = "s1";
in {
  users.users.root."initialPassword" = "s2";
  hashedPassword = "s3";
  deployment.keys."api" = { text = ''
    s4
  ''; };
  networking.wireguard.interfaces.wg0.privateKey = wg;
  networking.hostName = "keep";
  services.k3s = {
    token = "s5";
  };
}
"#;
        assert_eq!(
            shown("a.nix", text),
            ["s1", "s2", "s3", "\n    s4\n  ", "s5"]
        );
    }
}
