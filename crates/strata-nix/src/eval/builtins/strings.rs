//! Strings: concatenation, affixes, case, splitting and replacing.

use std::rc::Rc;

use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_strings(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::ConcatStringsSep => {
                let sep = self.string_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let mut parts = Vec::new();
                for item in list.iter() {
                    let v = self.force(*item);
                    match self.coerce_to_string(v, false, loc.clone()) {
                        Ok(s) => parts.push(s),
                        Err(u) => return Err(Value::Unknown(u)),
                    }
                }
                Value::string(parts.join(&sep.text), loc.clone())
            }
            Prim::ReplaceStrings => {
                let from = self.list_arg(name, arg(0), loc)?;
                let to = self.list_arg(name, arg(1), loc)?;
                let s = self.string_arg(name, arg(2), loc)?;
                if from.len() != to.len() {
                    return Err(Value::unknown(
                        UnknownKind::Error,
                        "replaceStrings: lists of different lengths",
                        loc.clone(),
                    ));
                }
                let mut pats = Vec::new();
                for (f, t) in from.iter().zip(to.iter()) {
                    let f = self.string_arg(name, *f, loc)?;
                    let t = self.string_arg(name, *t, loc)?;
                    pats.push((f.text.clone(), t.text.clone()));
                }
                Value::string(replace_strings(&s.text, &pats), s.location.clone())
            }
            Prim::StringLength => Value::Int(self.string_arg(name, arg(0), loc)?.text.len() as i64),
            Prim::Substring => {
                let start = self.int_arg(name, arg(0), loc)?;
                let len = self.int_arg(name, arg(1), loc)?;
                let s = self.string_arg(name, arg(2), loc)?;
                let bytes = s.text.as_bytes();
                let start = usize::try_from(start.max(0)).unwrap_or(0).min(bytes.len());
                let end = if len < 0 {
                    bytes.len()
                } else {
                    start.saturating_add(len as usize).min(bytes.len())
                };
                Value::string(
                    String::from_utf8_lossy(&bytes[start..end]).into_owned(),
                    None,
                )
            }
            Prim::OptionalString => {
                if self.bool_arg(name, arg(0), loc)? {
                    self.force(arg(1))
                } else {
                    Value::string("", loc.clone())
                }
            }
            Prim::HasSuffix if matches!(self.force(arg(1)), Value::Path(_)) => {
                let suffix = self.string_arg(name, arg(0), loc)?;
                let Value::Path(p) = self.force(arg(1)) else {
                    return Ok(not_in_family(prim, loc));
                };
                path_has_suffix(&p.path, &suffix.text).unwrap_or_else(|| {
                    Value::unknown(
                        UnknownKind::Opaque,
                        "hasSuffix reaches past the file name into the store path of a path",
                        loc.clone(),
                    )
                })
            }
            Prim::HasPrefix | Prim::HasSuffix => {
                let affix = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                Value::Bool(if prim == Prim::HasPrefix {
                    s.text.starts_with(&affix.text)
                } else {
                    s.text.ends_with(&affix.text)
                })
            }
            Prim::RemovePrefix | Prim::RemoveSuffix => {
                let affix = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                let text = if prim == Prim::RemovePrefix {
                    s.text.strip_prefix(affix.text.as_str())
                } else {
                    s.text.strip_suffix(affix.text.as_str())
                };
                Value::string(text.unwrap_or(&s.text), s.location.clone())
            }
            Prim::ConcatStrings => {
                let empty = self.done(Value::string("", None));
                return self.call_prim_inner(Prim::ConcatStringsSep, &[empty, arg(0)], loc);
            }
            Prim::ConcatMapStringsSep | Prim::ConcatMapStrings => {
                let (sep, f, list) = if prim == Prim::ConcatMapStrings {
                    (self.done(Value::string("", None)), arg(0), arg(1))
                } else {
                    (arg(0), arg(1), arg(2))
                };
                let mapped = self.call_prim_inner(Prim::Map, &[f, list], loc)?;
                let mapped = self.done(mapped);
                return self.call_prim_inner(Prim::ConcatStringsSep, &[sep, mapped], loc);
            }
            Prim::ToLower | Prim::ToUpper => {
                let s = self.string_arg(name, arg(0), loc)?;
                let text = if prim == Prim::ToLower {
                    s.text.to_ascii_lowercase()
                } else {
                    s.text.to_ascii_uppercase()
                };
                Value::string(text, s.location.clone())
            }
            Prim::SplitString => {
                let sep = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                let parts: Vec<String> = if sep.text.is_empty() {
                    s.text.chars().map(|c| c.to_string()).collect()
                } else {
                    s.text
                        .split(sep.text.as_str())
                        .map(str::to_string)
                        .collect()
                };
                let items = parts
                    .into_iter()
                    .map(|p| self.done(Value::string(p, s.location.clone())))
                    .collect();
                Value::List(Rc::new(items))
            }
            Prim::StringToCharacters | Prim::StringAsChars => {
                let s = self.string_arg(name, arg(args.len() - 1), loc)?;
                // Nix splits bytes; a non-ASCII character would be split
                // into bytes that are not text on their own.
                if !s.text.is_ascii() {
                    return Err(Value::unknown(
                        UnknownKind::Unsupported,
                        format!("{name} of a non-ASCII string splits UTF-8 bytes"),
                        loc.clone(),
                    ));
                }
                let chars: Vec<Value> = s
                    .text
                    .chars()
                    .map(|c| Value::string(c.to_string(), s.location.clone()))
                    .collect();
                let list = self.make_list(chars);
                if prim == Prim::StringToCharacters {
                    list
                } else {
                    let list = self.done(list);
                    return self.call_prim_inner(Prim::ConcatMapStrings, &[arg(0), list], loc);
                }
            }
            Prim::HasInfix => {
                let infix = self.string_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                Value::Bool(s.text.contains(infix.text.as_str()))
            }
            Prim::Trim => {
                let s = self.string_arg(name, arg(0), loc)?;
                let text = s
                    .text
                    .trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
                Value::string(text, s.location.clone())
            }
            Prim::ConcatLines => {
                let list = self.list_arg(name, arg(0), loc)?;
                let mut out = String::new();
                for item in list.iter() {
                    let v = self.force(*item);
                    match self.coerce_to_string(v, false, loc.clone()) {
                        Ok(s) => {
                            out.push_str(&s);
                            out.push('\n');
                        }
                        Err(u) => return Err(Value::Unknown(u)),
                    }
                }
                Value::string(out, loc.clone())
            }
            Prim::ConcatImapStrings | Prim::ConcatImapStringsSep => {
                let (sep, f, list) = if prim == Prim::ConcatImapStrings {
                    (self.done(Value::string("", None)), arg(0), arg(1))
                } else {
                    (arg(0), arg(1), arg(2))
                };
                let mapped = self.call_prim_inner(Prim::Imap1, &[f, list], loc)?;
                let mapped = self.done(mapped);
                return self.call_prim_inner(Prim::ConcatStringsSep, &[sep, mapped], loc);
            }
            Prim::ReplaceString => {
                let from = self.done(Value::List(Rc::new(vec![arg(0)])));
                let to = self.done(Value::List(Rc::new(vec![arg(1)])));
                return self.call_prim_inner(Prim::ReplaceStrings, &[from, to, arg(2)], loc);
            }
            Prim::EscapeShellArg => {
                let v = self.force(arg(0));
                let text = self
                    .coerce_to_string(v, true, loc.clone())
                    .map_err(Value::Unknown)?;
                Value::string(escape_shell_arg(&text), loc.clone())
            }
            Prim::EscapeShellArgs => {
                let list = self.list_arg(name, arg(0), loc)?;
                let mut parts = Vec::new();
                for item in list.iter() {
                    let v = self.force(*item);
                    let text = self
                        .coerce_to_string(v, true, loc.clone())
                        .map_err(Value::Unknown)?;
                    parts.push(escape_shell_arg(&text));
                }
                Value::string(parts.join(" "), loc.clone())
            }
            Prim::Escape => {
                let chars = self.list_arg(name, arg(0), loc)?;
                let s = self.string_arg(name, arg(1), loc)?;
                let mut pats = Vec::new();
                for c in chars.iter() {
                    let c = self.string_arg(name, *c, loc)?;
                    pats.push((c.text.clone(), format!("\\{}", c.text)));
                }
                Value::string(replace_strings(&s.text, &pats), s.location.clone())
            }
            Prim::FixedWidthString | Prim::FixedWidthNumber => {
                let width = self.int_arg(name, arg(0), loc)?;
                let (filler, text) = if prim == Prim::FixedWidthNumber {
                    let v = self.force(arg(1));
                    let text = self
                        .coerce_to_string(v, true, loc.clone())
                        .map_err(Value::Unknown)?;
                    ("0".to_string(), text)
                } else {
                    let filler = self.string_arg(name, arg(1), loc)?.text.clone();
                    (filler, self.string_arg(name, arg(2), loc)?.text.clone())
                };
                if width > 100_000 {
                    return Err(Value::unknown(
                        UnknownKind::Limit,
                        format!("{name}: width out of range"),
                        loc.clone(),
                    ));
                }
                match fixed_width_string(width, &filler, &text) {
                    Some(s) => Value::string(s, loc.clone()),
                    None => Value::unknown(
                        UnknownKind::Error,
                        format!("{name}: the string is wider than {width}"),
                        loc.clone(),
                    ),
                }
            }
            Prim::ToInt => {
                let s = self.string_arg(name, arg(0), loc)?;
                match to_int(&s.text) {
                    Some(i) => Value::Int(i),
                    None => Value::unknown(
                        UnknownKind::Error,
                        "toInt: the string is not a decimal integer",
                        loc.clone(),
                    ),
                }
            }
            Prim::CompareVersions | Prim::VersionOlder | Prim::VersionAtLeast => {
                let a = self.string_arg(name, arg(0), loc)?;
                let b = self.string_arg(name, arg(1), loc)?;
                let ord = compare_versions(&a.text, &b.text);
                match prim {
                    Prim::CompareVersions => Value::Int(ord as i64),
                    Prim::VersionOlder => Value::Bool(ord.is_lt()),
                    _ => Value::Bool(!ord.is_lt()),
                }
            }
            Prim::SplitVersion => {
                let s = self.string_arg(name, arg(0), loc)?;
                let parts = split_version(&s.text)
                    .into_iter()
                    .map(|p| Value::string(p, None))
                    .collect();
                self.make_list(parts)
            }
            Prim::ParseDrvName => {
                let s = self.string_arg(name, arg(0), loc)?;
                let (n, v) = parse_drv_name(&s.text);
                let n = self.done(Value::string(n, s.location.clone()));
                let v = self.done(Value::string(v, s.location.clone()));
                self.make_attrs(vec![("name", n), ("version", v)])
            }
            Prim::UnsafeDiscardStringContext => {
                let s = self.string_arg(name, arg(0), loc)?;
                Value::String(s)
            }
            Prim::StringAfter => self.make_attrs(vec![("deps", arg(0)), ("text", arg(1))]),
            Prim::EscapeRegex | Prim::EscapeUrl | Prim::EscapeNixString => {
                let s = self.string_arg(name, arg(0), loc)?;
                let text = match prim {
                    Prim::EscapeRegex => s.text.chars().fold(String::new(), |mut out, c| {
                        if "\\[{()^$?*+|.".contains(c) {
                            out.push('\\');
                        }
                        out.push(c);
                        out
                    }),
                    Prim::EscapeUrl => escape_url(&s.text),
                    // `escape [ "$" ] (builtins.toJSON s)`.
                    _ => serde_json::to_string(&s.text)
                        .unwrap_or_default()
                        .replace('$', "\\$"),
                };
                Value::string(text, s.location.clone())
            }
            Prim::ToHexString => {
                let n = self.int_arg(name, arg(0), loc)?;
                if n < 0 {
                    return Err(Value::unknown(
                        UnknownKind::Error,
                        "toHexString: a negative number",
                        loc.clone(),
                    ));
                }
                Value::string(format!("{n:X}"), loc.clone())
            }
            Prim::MakeSearchPath => {
                let sub = self.string_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let mut parts = Vec::new();
                for item in list.iter() {
                    let v = self.force(*item);
                    if matches!(v, Value::Null) {
                        continue;
                    }
                    let text = self
                        .coerce_to_string(v, false, loc.clone())
                        .map_err(Value::Unknown)?;
                    parts.push(format!("{text}/{}", sub.text));
                }
                Value::string(parts.join(":"), loc.clone())
            }
            _ => not_in_family(prim, loc),
        })
    }
}

/// `builtins.replaceStrings`, following Nix's algorithm: at each position the
/// first matching pattern wins; an empty pattern matches between characters.
fn replace_strings(s: &str, pats: &[(String, String)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut p = 0;
    while p <= s.len() {
        let rest = &s[p..];
        let found = pats
            .iter()
            .find(|(from, _)| rest.starts_with(from.as_str()));
        let next_char_len = rest.chars().next().map_or(1, char::len_utf8);
        match found {
            Some((from, to)) => {
                out.push_str(to);
                if from.is_empty() {
                    out.push_str(&rest[..next_char_len.min(rest.len())]);
                    p += next_char_len;
                } else {
                    p += from.len();
                }
            }
            None => {
                out.push_str(&rest[..next_char_len.min(rest.len())]);
                p += next_char_len;
            }
        }
    }
    out
}

/// `hasSuffix suffix path`: the path becomes a store path ending in its
/// file name (`/nix/store/…-name` or `/nix/store/…-source/…/name`), so a
/// suffix of the name is decided; a longer one depends on the store path.
fn path_has_suffix(path: &str, suffix: &str) -> Option<Value> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(suffix) {
        Some(Value::Bool(true))
    } else if suffix.ends_with(name) {
        None
    } else {
        Some(Value::Bool(false))
    }
}

/// nixpkgs' `escapeURL`: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`.
fn escape_url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// nixpkgs' `escapeShellArg`: left alone when it is only safe characters,
/// otherwise single-quoted with `'` written `'\''`.
fn escape_shell_arg(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ",._+:@%/-".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// nixpkgs' `fixedWidthString`: `filler` prepended until `width`; `None`
/// when the string is already wider.
fn fixed_width_string(width: i64, filler: &str, s: &str) -> Option<String> {
    let len = i64::try_from(s.len()).ok()?;
    let step = i64::try_from(filler.len()).ok()?;
    let mut w = width;
    let mut count = 0usize;
    // `if strw == width then str else filler + fixedWidthString (width - |filler|) …`
    while len < w {
        if step == 0 || count > 100_000 {
            return None;
        }
        w -= step;
        count += 1;
    }
    (len == w).then(|| format!("{}{s}", filler.repeat(count)))
}

/// nixpkgs' `toInt`: optional surrounding whitespace, a decimal integer
/// without leading zeros.
fn to_int(s: &str) -> Option<i64> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if t.len() > 1 && t.starts_with('0') {
        return None;
    }
    serde_json::from_str::<i64>(t).ok()
}

/// One component of a version (Nix's `nextComponent`): separators `.` and
/// `-` are skipped; a run of digits or of other characters follows.
fn next_component(s: &[u8], p: &mut usize) -> String {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    String::from_utf8_lossy(&s[start..*p]).into_owned()
}

/// `builtins.splitVersion`.
pub(super) fn split_version(s: &str) -> Vec<String> {
    let bytes = s.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < bytes.len() {
        out.push(next_component(bytes, &mut p));
    }
    out
}

/// Nix's `componentsLT`.
fn component_less(c1: &str, c2: &str) -> bool {
    let n1 = c1.parse::<i64>().ok().filter(|_| !c1.is_empty());
    let n2 = c2.parse::<i64>().ok().filter(|_| !c2.is_empty());
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// `builtins.compareVersions`.
pub(super) fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut p, mut q) = (0, 0);
    while p < a.len() || q < b.len() {
        let c1 = next_component(a, &mut p);
        let c2 = next_component(b, &mut q);
        if component_less(&c1, &c2) {
            return std::cmp::Ordering::Less;
        }
        if component_less(&c2, &c1) {
            return std::cmp::Ordering::Greater;
        }
    }
    std::cmp::Ordering::Equal
}

/// `builtins.parseDrvName`: the name ends at the first `-` not followed by
/// a letter.
pub(super) fn parse_drv_name(s: &str) -> (String, String) {
    let bytes = s.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'-' && bytes.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()) {
            return (s[..i].to_string(), s[i + 1..].to_string());
        }
    }
    (s.to_string(), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_strings_follows_nix() {
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            replace_strings("Hello world", &[p("o", "0"), p("l", "1")]),
            "He110 w0r1d"
        );
        assert_eq!(replace_strings("abc", &[p("", "-")]), "-a-b-c-");
        assert_eq!(replace_strings("aaa", &[p("aa", "b")]), "ba");
        assert_eq!(replace_strings("é", &[p("", "+")]), "+é+");
    }

    #[test]
    fn versions_follow_nix() {
        use std::cmp::Ordering::*;
        // The examples of the Nix manual and nixpkgs' lib tests.
        assert_eq!(compare_versions("1.0", "2.3"), Less);
        assert_eq!(compare_versions("2.1", "2.3"), Less);
        assert_eq!(compare_versions("2.3", "2.3"), Equal);
        assert_eq!(compare_versions("2.5", "2.3"), Greater);
        assert_eq!(compare_versions("3.1", "2.3"), Greater);
        assert_eq!(compare_versions("2.3.1", "2.3"), Greater);
        assert_eq!(compare_versions("2.3pre1", "2.3"), Less);
        assert_eq!(compare_versions("2.3a", "2.3.1"), Less);
        assert_eq!(split_version("1.2.3pre4"), ["1", "2", "3", "pre", "4"]);
        assert_eq!(
            parse_drv_name("nix-0.12pre12876"),
            ("nix".to_string(), "0.12pre12876".to_string())
        );
        assert_eq!(
            parse_drv_name("hello-world"),
            ("hello-world".to_string(), String::new())
        );
    }

    #[test]
    fn lib_string_helpers_follow_nixpkgs() {
        // nixpkgs lib/strings.nix examples.
        assert_eq!(escape_shell_arg("esc'ape\nme"), "'esc'\\''ape\nme'");
        assert_eq!(escape_shell_arg("simple"), "simple");
        assert_eq!(escape_shell_arg(""), "''");
        assert_eq!(fixed_width_string(5, "0", "15").as_deref(), Some("00015"));
        assert_eq!(fixed_width_string(1, "0", "15"), None);
        assert_eq!(to_int("1337"), Some(1337));
        assert_eq!(to_int("-4"), Some(-4));
        assert_eq!(to_int(" 123 "), Some(123));
        assert_eq!(to_int("0"), Some(0));
        assert_eq!(to_int("0123"), None);
        assert_eq!(to_int("3.14"), None);
    }
}
