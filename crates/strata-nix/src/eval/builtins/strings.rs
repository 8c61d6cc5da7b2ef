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
}
