//! kustomize's `configMapGenerator` / `secretGenerator` name suffix: the
//! content hash kustomize appends (`settings-5f7k8d9b2c`), computed exactly as
//! kustomize computes it, so generated objects carry the name the cluster
//! sees and references to the unsuffixed name stay unresolved, as in Flux.
//!
//! kustomize hashes the JSON encoding (Go's `encoding/json`: sorted keys,
//! HTML-safe escaping) of `{data, kind, name}` (plus `type` for a Secret,
//! whose data values are base64, in lines of 70 characters as kustomize
//! writes them) with SHA-256 and keeps ten characters of
//! the hex digest with the vowel-like digits swapped out. Its hasher reads
//! the name under a path that never matches (kustomize 5.x), so `name` is
//! the empty string in practice; the `kubectl kustomize` oracle test
//! checks the result.
//!
//! Secret values pass through here transiently to compute the hash and are
//! never stored.

use std::collections::BTreeMap;

/// The key-value pairs of an `envs` file as kustomize reads them: leading
/// whitespace trimmed, blank and `#` lines skipped, split at the first `=`,
/// the value kept as written (no unquoting, trailing spaces kept). A line
/// without `=` takes its value from kustomize's own environment, which
/// Flux's controller does not set: the empty string.
pub(crate) fn env_file_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line).trim_start())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once('=') {
            Some((key, value)) => (key.to_string(), value.to_string()),
            None => (line.to_string(), String::new()),
        })
        .collect()
}

/// One `literals` entry: `key=value`, with one pair of matching surrounding
/// quotes removed from the value. `None` for an entry kustomize rejects
/// (no `=`, or nothing before it).
pub(crate) fn literal_pair(text: &str) -> Option<(String, String)> {
    let (key, value) = text.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let bytes = value.as_bytes();
    let unquoted = if bytes.len() >= 2
        && bytes[0] == bytes[bytes.len() - 1]
        && (bytes[0] == b'"' || bytes[0] == b'\'')
    {
        &value[1..value.len() - 1]
    } else {
        value
    };
    Some((key.to_string(), unquoted.to_string()))
}

/// One `files` entry: the key (given as `key=path`, else the file's base
/// name) and the path.
pub(crate) fn file_source(text: &str) -> (String, &str) {
    match text.split_once('=') {
        Some((key, path)) => (key.to_string(), path),
        None => (
            text.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(text)
                .to_string(),
            text,
        ),
    }
}

/// The suffix kustomize appends to a generated ConfigMap or Secret.
/// `data` holds the values as kustomize reads them (for a Secret: the raw
/// bytes, which this function base64-encodes as Go's JSON does for `[]byte`).
pub fn name_hash(
    kind: &str,
    name: &str,
    secret_type: Option<&str>,
    data: &BTreeMap<String, String>,
) -> String {
    let mut json = String::from("{\"data\":");
    if data.is_empty() {
        // kustomize reads a missing `data` as the empty string.
        json.push_str("\"\"");
    } else {
        json.push('{');
        for (i, (key, value)) in data.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            go_json_string(&mut json, key);
            json.push(':');
            if kind == "Secret" {
                go_json_string(&mut json, &secret_value(value.as_bytes()));
            } else {
                go_json_string(&mut json, value);
            }
        }
        json.push('}');
    }
    json.push_str(",\"kind\":");
    go_json_string(&mut json, kind);
    json.push_str(",\"name\":");
    go_json_string(&mut json, name);
    if kind == "Secret" {
        json.push_str(",\"type\":");
        go_json_string(&mut json, secret_type.unwrap_or("Opaque"));
    }
    json.push('}');
    let digest = sha256(json.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Appends `text` as a Go `encoding/json` string (HTML-safe escaping).
fn go_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A generated Secret value as kustomize writes it (and so hashes it):
/// base64, cut into lines of 70 characters, each ending in a newline, once
/// the encoding reaches 70 characters.
fn secret_value(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SHA-256 (FIPS 180-4), enough for a name suffix; no crate in the
/// workspace provides it.
fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut data = message.to_vec();
    let bit_len = (message.len() as u64).wrapping_mul(8);
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&bit_len.to_be_bytes());
    for block in data.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(value);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_base64_known_answers() {
        let hex: String = sha256(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn generator_inputs_are_read_as_kustomize_reads_them() {
        assert_eq!(
            env_file_pairs("\u{feff}A=1 \n  # comment\n\nB=\"q\"\r\nC\nD=x=y"),
            vec![
                ("A".to_string(), "1 ".to_string()),
                ("B".to_string(), "\"q\"".to_string()),
                ("C".to_string(), String::new()),
                ("D".to_string(), "x=y".to_string()),
            ]
        );
        assert_eq!(
            literal_pair("k=\"v\""),
            Some(("k".to_string(), "v".to_string()))
        );
        assert_eq!(
            literal_pair("k='v\""),
            Some(("k".to_string(), "'v\"".to_string()))
        );
        assert_eq!(literal_pair("=v"), None);
        assert_eq!(literal_pair("novalue"), None);
        assert_eq!(
            file_source("values.yaml=./a/b.yaml"),
            ("values.yaml".to_string(), "./a/b.yaml")
        );
        assert_eq!(
            file_source("config/app.ini"),
            ("app.ini".to_string(), "config/app.ini")
        );
    }

    #[test]
    fn long_secret_values_are_hashed_in_kustomize_lines() {
        assert_eq!(secret_value(b"short"), "c2hvcnQ=");
        // 52 bytes encode to exactly 72 characters: one full line and a rest.
        let value = secret_value(&[b'x'; 52]);
        let lines: Vec<&str> = value.split_terminator('\n').collect();
        assert_eq!(lines.iter().map(|l| l.len()).collect::<Vec<_>>(), [70, 2]);
        assert!(value.ends_with('\n'));
    }

    #[test]
    fn go_json_escapes_html() {
        let mut out = String::new();
        go_json_string(&mut out, "a<b>&\"\n");
        assert_eq!(out, "\"a\\u003cb\\u003e\\u0026\\\"\\n\"");
    }
}
