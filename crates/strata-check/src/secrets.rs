//! Where secret values are written, by meaning, so that no output format
//! ever shows them: the CLI's redaction masks these spans in snippets and
//! removes the values themselves from every other text it prints.

use strata_core::{Location, SourceDb};
use strata_flux::FluxTree;
use strata_flux::yaml::YamlValue;
use strata_nix::{NixRepo, TokenSource};

/// The secrets of one repository.
pub(crate) struct Secrets {
    /// Every span to mask where source text is quoted.
    pub(crate) masked: Vec<Location>,
    /// The spans whose text is itself a secret value: output never contains
    /// that text anywhere (a subset of `masked`).
    pub(crate) values: Vec<Location>,
}

/// Values: literal k3s tokens, the `data` / `stringData` values of
/// Kubernetes Secrets (wherever a patch, generator or `List` put them), and
/// what a reading of every file's text finds by meaning (`secret_text.rs`,
/// which also covers files that do not parse). Masked besides: every string
/// under a Nix binding with a secret-looking name (strata-nix), whose texts
/// are too broad to search for (a list of flag names, an error message).
pub(crate) fn secret_locations(nix: &NixRepo, flux: &FluxTree, sources: &SourceDb) -> Secrets {
    let mut masked: Vec<Location> = nix
        .files
        .iter()
        .flat_map(|file| {
            file.secret_values
                .iter()
                .map(|span| Location::new(file.path.clone(), *span))
        })
        .collect();
    let mut values = Vec::new();
    for host in &nix.hosts {
        if let Some(TokenSource::Literal {
            location: Some(location),
        }) = host.k3s.as_ref().map(|k| &k.token)
        {
            values.push(location.clone());
        }
    }
    for object in flux.objects.iter().filter(|o| o.kind == "Secret") {
        for field in ["data", "stringData"] {
            if let Some(YamlValue::Map(entries)) = object.doc.get(field).map(|map| &map.value) {
                values.extend(entries.iter().map(|(_, value)| object.location_at(value)));
            }
        }
    }
    for file in sources.iter() {
        for (span, searched) in crate::secret_text::secret_spans(file.path(), file.text()) {
            let location = Location::new(file.path(), span);
            if searched {
                values.push(location);
            } else {
                masked.push(location);
            }
        }
    }
    values.sort();
    values.dedup();
    masked.extend(values.iter().cloned());
    masked.sort();
    masked.dedup();
    Secrets { masked, values }
}
