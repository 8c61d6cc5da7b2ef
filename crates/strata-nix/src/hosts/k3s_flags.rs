//! k3s flag strings: split into flags with their values, secret values
//! redacted.

/// k3s flags whose value is the cluster's join token or datastore
/// credentials: a literal one puts it in the Nix store (K3S005).
pub(super) const TOKEN_FLAGS: &[&str] = &["--token", "-t", "--agent-token", "--datastore-endpoint"];

/// Whether a flag's value is secret, by its name: the token flags, and any
/// flag naming a token, secret, key, password or auth (`--etcd-s3-secret-key`,
/// `--vpn-auth`), except one naming where a secret is (`--token-file`).
/// `nix/host-facts.nix` decides the same way.
pub(crate) fn is_secret_flag(name: &str) -> bool {
    // Flags are lower case: copy only a name that is not.
    let lower: std::borrow::Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.into()
    };
    TOKEN_FLAGS.contains(&lower.as_ref())
        || (lower.starts_with("--")
            && ["token", "secret", "key", "password", "passwd", "auth"]
                .iter()
                .any(|w| lower.contains(w))
            && !["-file", "-path", "-dir", "-name"]
                .iter()
                .any(|s| lower.ends_with(s)))
}

pub(super) struct Flag {
    pub(super) text: String,
    /// The flag is one of [`TOKEN_FLAGS`] with a value.
    pub(super) token: bool,
    /// A secret flag without its value: the next list item is the value.
    pub(super) awaits_value: bool,
}

/// Splits a k3s flag string into flags with their values: `"--disable
/// servicelb --flannel-backend=none"` gives `["--disable servicelb",
/// "--flannel-backend=none"]`. Words not starting with `-` belong to the flag
/// before them; quoted words stay whole; secret values are redacted.
/// The flags of a k3s flag string, one entry per flag with its value, secret
/// values redacted: the form both tiers compare.
pub(crate) fn flag_texts(s: &str) -> Vec<String> {
    split_flags(s).into_iter().map(|flag| flag.text).collect()
}

pub(super) fn split_flags(s: &str) -> Vec<Flag> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    let mut flags: Vec<(String, Vec<String>)> = Vec::new();
    for word in words {
        match flags.last_mut() {
            Some((_, values)) if !word.starts_with('-') => values.push(word),
            _ => flags.push((word, Vec::new())),
        }
    }
    flags
        .into_iter()
        .map(|(flag, values)| {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (flag.clone(), None),
            };
            if is_secret_flag(&name) {
                let awaits_value = inline.is_none() && values.is_empty();
                let text = match (inline, values.is_empty()) {
                    (Some(_), _) => format!("{name}=<redacted>"),
                    (None, false) => format!("{name} <redacted>"),
                    (None, true) => name.clone(),
                };
                Flag {
                    text,
                    token: TOKEN_FLAGS.contains(&name.as_str()),
                    awaits_value,
                }
            } else {
                let mut text = flag;
                for v in values {
                    text.push(' ');
                    text.push_str(&v);
                }
                Flag {
                    text,
                    token: false,
                    awaits_value: false,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        split_flags(s).into_iter().map(|f| f.text).collect()
    }

    #[test]
    fn flags_split_into_flag_value_pairs() {
        assert_eq!(
            texts("--disable servicelb  --flannel-backend=none --node-label a=b --tls-san x"),
            [
                "--disable servicelb",
                "--flannel-backend=none",
                "--node-label a=b",
                "--tls-san x"
            ]
        );
        assert_eq!(texts("--disable servicelb"), ["--disable servicelb"]);
        assert_eq!(texts("--node-label \"a b\""), ["--node-label a b"]);
        assert_eq!(texts(""), Vec::<String>::new());
    }

    #[test]
    fn any_flag_naming_a_secret_is_redacted_by_meaning() {
        assert_eq!(
            texts(
                "--etcd-s3-secret-key=abc --vpn-auth=name=tailscale,joinKey=x --token-file /run/t --Kube-Password p"
            ),
            [
                "--etcd-s3-secret-key=<redacted>",
                "--vpn-auth=<redacted>",
                "--token-file /run/t",
                "--Kube-Password <redacted>",
            ]
        );
        let flags = split_flags("--etcd-s3-secret-key --disable x");
        assert!(flags[0].awaits_value && !flags[0].token);
        assert!(!flags[1].awaits_value);
    }

    #[test]
    fn secret_flag_values_are_redacted() {
        let flags = split_flags("--token s3cr3t --agent-token=abc --disable traefik");
        let texts: Vec<_> = flags.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "--token <redacted>",
                "--agent-token=<redacted>",
                "--disable traefik"
            ]
        );
        assert!(flags[0].token);
    }
}
