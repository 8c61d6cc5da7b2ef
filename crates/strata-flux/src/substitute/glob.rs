//! The shell pattern matching of Flux's envsubst (`${var#pattern}`,
//! `${var%%pattern}`, …): Go's `path.Match` as `fluxcd/pkg/envsubst/path`
//! modifies it, where `*` and `?` also match `/` and a trailing `*` matches
//! the rest of the text.
//!
//! Matching works on bytes, as Go's does on strings, so a pattern can end in
//! the middle of a multi-byte character exactly where Flux's would.

/// A malformed pattern (`[` without `]`, a trailing `\`): Flux then leaves
/// the value as it is.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BadPattern;

/// Whether `pattern` matches all of `name`.
pub(super) fn matches(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, BadPattern> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(true);
        }
        let first = match_chunk(chunk, name);
        if let Ok(Some(rest)) = first
            && (rest.is_empty() || !pattern.is_empty())
        {
            name = rest;
            continue;
        }
        first?;
        if star {
            // Let the star swallow one more byte each time.
            for skip in 0..name.len() {
                match match_chunk(chunk, &name[skip + 1..])? {
                    Some(rest) if pattern.is_empty() && !rest.is_empty() => continue,
                    Some(rest) => {
                        name = rest;
                        continue 'pattern;
                    }
                    None => {}
                }
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// The next segment of `pattern`: whether stars precede it, the star-free
/// chunk, and what follows.
fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = pattern {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Whether `chunk` matches the start of `text`; the rest of `text` if so.
fn match_chunk<'t>(mut chunk: &[u8], mut text: &'t [u8]) -> Result<Option<&'t [u8]>, BadPattern> {
    while let Some(&first) = chunk.first() {
        if text.is_empty() {
            return Ok(None);
        }
        match first {
            b'[' => {
                let (c, width) = decode(text);
                text = &text[width..];
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if ranges > 0 && chunk.first() == Some(&b']') {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = class_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        (hi, chunk) = class_char(&chunk[1..])?;
                    }
                    matched |= lo <= c && c <= hi;
                    ranges += 1;
                }
                if matched == negated {
                    return Ok(None);
                }
            }
            b'?' => {
                text = &text[decode(text).1..];
                chunk = &chunk[1..];
            }
            _ => {
                if first == b'\\' {
                    chunk = &chunk[1..];
                }
                match chunk.first() {
                    None => return Err(BadPattern),
                    Some(&c) if c != text[0] => return Ok(None),
                    Some(_) => {
                        text = &text[1..];
                        chunk = &chunk[1..];
                    }
                }
            }
        }
    }
    Ok(Some(text))
}

/// One possibly escaped character of a `[...]` class.
fn class_char(chunk: &[u8]) -> Result<(char, &[u8]), BadPattern> {
    let chunk = match chunk {
        [] | [b'-' | b']', ..] => return Err(BadPattern),
        [b'\\', rest @ ..] => rest,
        _ => chunk,
    };
    if chunk.is_empty() {
        return Err(BadPattern);
    }
    let (c, width) = decode(chunk);
    let rest = &chunk[width..];
    if (c == char::REPLACEMENT_CHARACTER && width == 1) || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((c, rest))
}

/// The character at the start of non-empty `bytes` and its width; an invalid
/// byte reads as U+FFFD of width 1, as Go decodes it.
pub(super) fn decode(bytes: &[u8]) -> (char, usize) {
    let width = match bytes.first() {
        Some(0x00..=0x7f) => 1,
        Some(0xc2..=0xdf) => 2,
        Some(0xe0..=0xef) => 3,
        Some(0xf0..=0xf4) => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    bytes
        .get(..width)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|s| s.chars().next())
        .map_or((char::REPLACEMENT_CHARACTER, 1), |c| (c, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> Result<bool, BadPattern> {
        matches(pattern.as_bytes(), name.as_bytes())
    }

    #[test]
    fn stars_and_question_marks_cross_slashes() {
        assert_eq!(m("*.", "bash."), Ok(true));
        assert_eq!(m("*.", "bash.string"), Ok(false));
        assert_eq!(m("*/", "path/"), Ok(true));
        assert_eq!(m("?a", "/a"), Ok(true));
        assert_eq!(m("a*", "a/b/c"), Ok(true));
        assert_eq!(m("*b*d", "abcd"), Ok(true));
        assert_eq!(m("", ""), Ok(true));
        assert_eq!(m("", "x"), Ok(false));
    }

    #[test]
    fn classes_and_escapes() {
        assert_eq!(m("[a-c]x", "bx"), Ok(true));
        assert_eq!(m("[^a-c]x", "bx"), Ok(false));
        assert_eq!(m("[\\]]", "]"), Ok(true));
        assert_eq!(m("\\*", "*"), Ok(true));
        assert_eq!(m("[é]", "é"), Ok(true));
        assert_eq!(m("[", "a"), Err(BadPattern));
        assert_eq!(m("[]a]", "a"), Err(BadPattern));
        // The text runs out before the bad escape is seen.
        assert_eq!(m("ab\\", "ab"), Ok(false));
        assert_eq!(m("a\\", "ab"), Err(BadPattern));
    }

    #[test]
    fn invalid_bytes_decode_as_replacement() {
        assert_eq!(decode(&[0xff, b'a']), (char::REPLACEMENT_CHARACTER, 1));
        assert_eq!(decode("é".as_bytes()), ('é', 2));
        assert_eq!(
            decode(&"é".as_bytes()[..1]),
            (char::REPLACEMENT_CHARACTER, 1)
        );
    }
}
