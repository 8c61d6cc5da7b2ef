//! Where secret values are written, so that no output format ever shows
//! them: renderers that quote source text mask these spans.

use strata_core::Location;
use strata_flux::FluxTree;
use strata_flux::yaml::YamlValue;
use strata_nix::{NixRepo, TokenSource};

/// Every span that holds a secret's value: Nix string literals bound to
/// secret-looking options (passwords, tokens, keys, colmena key texts),
/// literal k3s tokens (and flag lists carrying `--token`), and the values of
/// plaintext Kubernetes Secrets' `data` / `stringData` (wherever a patch put
/// them). SOPS ciphertext is not secret.
pub(crate) fn secret_locations(nix: &NixRepo, flux: &FluxTree) -> Vec<Location> {
    let mut found: Vec<Location> = nix
        .files
        .iter()
        .flat_map(|file| {
            file.secret_values
                .iter()
                .map(|span| Location::new(file.path.clone(), *span))
        })
        .collect();
    for host in &nix.hosts {
        if let Some(TokenSource::Literal {
            location: Some(location),
        }) = host.k3s.as_ref().map(|k| &k.token)
        {
            found.push(location.clone());
        }
    }
    for object in flux
        .objects
        .iter()
        .filter(|o| o.kind == "Secret" && !o.sops_encrypted)
    {
        for field in ["data", "stringData"] {
            if let Some(YamlValue::Map(entries)) = object.doc.get(field).map(|map| &map.value) {
                found.extend(entries.iter().map(|(_, value)| object.location_at(value)));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}
