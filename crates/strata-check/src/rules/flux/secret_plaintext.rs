//! `FLUX017` secret-plaintext: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::K8sObject;
use strata_flux::yaml::Yaml;

use super::objects::is_substituted;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A `v1` `Secret` with `data` or `stringData` values is committed in
    /// plaintext: its file is not SOPS-encrypted (no top-level `sops:` map
    /// with a `mac`). Values that are only `${VAR}` references (filled in by
    /// Flux `postBuild` substitution from elsewhere) and values already
    /// `ENC[…]` are not plaintext. SealedSecrets and ExternalSecrets are the
    /// other safe ways and are never reported. The finding points at the
    /// Secret's name rather than its data, so that no rendered snippet of
    /// the file can show a value.
    ///
    /// ## Why
    /// Base64 in `data` is an encoding, not encryption: anyone who can read
    /// the repository (or a fork, a CI log, a backup of it) has the password,
    /// and Git keeps it in history after it is removed. The finding names the
    /// keys and never shows a value.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: { name: paperless, namespace: paperless }
    /// stringData:
    ///   PAPERLESS_SECRET_KEY: …   # plaintext in Git
    /// ```
    /// Encrypt it in place with `sops --encrypt --encrypted-regex
    /// '^(data|stringData)$' --in-place FILE`, give the applying Kustomization
    /// `decryption: { provider: sops }`, and rotate the value, since Git
    /// history still holds it.
    code: SecretPlaintext,
    check: Some(check),
}

/// A reference a secret manager resolves before the Secret is applied
/// (`op inject`'s `op://vault/item/field`, vals' `ref+…`,
/// argocd-vault-plugin's `<path:…>`), not the secret itself.
fn is_secret_reference(text: &str) -> bool {
    [
        "op://",
        "ref+",
        "<path:",
        "vault:",
        "awssecretsmanager:",
        "gcpsecretmanager:",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}

/// Keys that name where or who, not a secret: a user or database name, a
/// host, port, region, bucket or endpoint, an e-mail address. A URL is
/// not among them: one can carry a password (`postgres://user:pass@…`).
fn names_no_secret(key: &str) -> bool {
    let key: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "username",
        "user",
        "superuser",
        "database",
        "dbname",
        "db",
        "host",
        "hostname",
        "port",
        "region",
        "bucket",
        "endpoint",
        "email",
    ]
    .iter()
    .any(|name| key == *name || (key.len() > name.len() + 2 && key.ends_with(name)))
        && !["password", "token", "secret", "key"]
            .iter()
            .any(|s| key.contains(s))
}

/// Whether the value is written in the repository as a `${VAR}` that
/// `postBuild` fills in when it applies: what is committed is the name.
fn written_as_variable(cx: &Context<'_>, object: &K8sObject, value: &Yaml) -> bool {
    let location = object.location_at(value);
    cx.flux
        .sources
        .get(&location.file)
        .and_then(|file| file.text().get(location.span.start..location.span.end))
        .is_some_and(|written| written.contains("${"))
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in cx.flux.written_objects() {
        if object.kind != "Secret" || object.api_version != "v1" || object.sops_encrypted {
            continue;
        }
        let mut keys: Vec<String> = Vec::new();
        for field in ["data", "stringData"] {
            let Some(map) = object.doc.get(field) else {
                continue;
            };
            let plain: Vec<String> = map
                .entries()
                .iter()
                .filter(|(key, _)| !key.scalar_text().is_some_and(|k| names_no_secret(&k)))
                .filter(|(_, value)| {
                    // Only whether a value is plaintext is looked at, never what it says.
                    value.scalar_text().is_some_and(|text| {
                        let text = text.trim();
                        !text.is_empty()
                            && !is_substituted(text)
                            && !written_as_variable(cx, object, value)
                            && !text.starts_with("ENC[")
                            && !is_secret_reference(text)
                    })
                })
                .filter_map(|(key, _)| key.scalar_text().map(|k| k.into_owned()))
                .collect();
            keys.extend(plain);
        }
        if keys.is_empty() {
            continue;
        }
        // The Secret's name, not its data: renderers show the lines around
        // a finding, and the lines around `data:` are the secret values.
        let location = object.location.clone();
        out.push(
            Diagnostic::new(
                Code::SecretPlaintext,
                format!(
                    "Secret `{}` is committed in plaintext (keys: {})",
                    object.name,
                    keys.join(", ")
                ),
            )
            .at(location)
            .on(object.id.clone())
            .help(
                "encrypt the file with `sops --encrypt --encrypted-regex '^(data|stringData)$' --in-place` \
                 (and `decryption: { provider: sops }` on the applying Kustomization), or replace it \
                 with a SealedSecret or ExternalSecret; then rotate the values, which Git history keeps",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_plaintext_secrets_naming_keys_never_values() {
        let analysis = analyze_fixture("flux-secret-plaintext");
        assert_fires_at(
            &analysis,
            Code::SecretPlaintext,
            &[
                "apps/base/paperless/secret.yaml:4:9",
                "infrastructure/configs/cloudflare.yaml:6:9",
            ],
        );
        let all = findings(&analysis, Code::SecretPlaintext).join("\n");
        assert!(
            all.contains("Secret `paperless-secrets` is committed in plaintext (keys: PAPERLESS_SECRET_KEY, PAPERLESS_ADMIN_PASSWORD)"),
            "{all}"
        );
        // No value of the fixture ever reaches a finding.
        for value in [
            "hunter2",
            "c3VwZXJzZWNyZXQ",
            "k8s-homelab-admin-pw",
            "Zm9vYmFy",
        ] {
            for d in &analysis.diagnostics {
                let text = format!("{} {:?} {:?}", d.message, d.help, d.related);
                assert!(!text.contains(value), "{value} leaked: {text}");
            }
        }
    }

    #[test]
    fn silent_on_sops_substituted_and_sealed_secrets() {
        assert_clean(
            &analyze_fixture("flux-secret-plaintext-clean"),
            Code::SecretPlaintext,
        );
    }
}
