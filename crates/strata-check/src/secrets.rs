//! Where secret values are written, by meaning, so that no output format
//! ever shows them: the CLI's redaction masks these spans in snippets and
//! removes the values themselves from every other text it prints.

use rayon::prelude::*;
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
            // A token given in `extraFlags` is located at the option's name
            // (`extraFlags`), which is no secret; `secret_text` finds the
            // flag's value itself.
            if sources
                .get(&location.file)
                .is_some_and(|file| is_string_literal(file.text(), location.span))
            {
                values.push(location.clone());
            }
        }
    }
    for object in flux.objects.iter().filter(|o| o.kind == "Secret") {
        for field in ["data", "stringData"] {
            if let Some(YamlValue::Map(entries)) = object.doc.get(field).map(|map| &map.value) {
                values.extend(entries.iter().map(|(_, value)| object.location_at(value)));
            }
        }
    }
    // Reading every file's text line by line is a fifth of a large Flux
    // tree's analysis: the files are read on every thread, in order.
    let files: Vec<_> = sources.iter().collect();
    let found: Vec<Vec<(strata_core::Span, bool)>> = files
        .par_iter()
        .map(|file| crate::secret_text::secret_spans(file.path(), file.text()))
        .collect();
    for (file, found) in files.iter().zip(found) {
        for (span, searched) in found {
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

/// Whether `span` of `text` is a string literal or the text inside one (a
/// literal token), not an attribute name.
fn is_string_literal(text: &str, span: strata_core::Span) -> bool {
    let before = text.get(..span.start).unwrap_or("");
    let inside = text.get(span.start..span.end).unwrap_or("");
    ["\"", "''"]
        .iter()
        .any(|q| inside.starts_with(q) || before.ends_with(q))
}

#[cfg(test)]
mod tests {
    use super::is_string_literal;
    use strata_core::Span;

    #[test]
    fn a_literal_token_is_a_string_not_the_option_name() {
        let text = "  token = \"abc\";\n  extraFlags = [ \"--token=x\" ];\n";
        let quoted = text.find("\"abc").unwrap();
        assert!(is_string_literal(text, Span::new(quoted, quoted + 5)));
        assert!(is_string_literal(text, Span::new(quoted + 1, quoted + 4)));
        let name = text.find("extraFlags").unwrap();
        assert!(!is_string_literal(text, Span::new(name, name + 10)));
    }
}
