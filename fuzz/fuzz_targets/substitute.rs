//! Flux `postBuild` substitution: part 1 is `NAME=value` lines (a line
//! `NAME?` is a variable whose value is unknown, as a Secret's), part 2 a
//! YAML document stream substituted object by object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_core::SourceFile;
use strata_flux::Variables;

fuzz_target!(|data: &[u8]| {
    let parts = strata_fuzz::parts(data, 2);
    let (vars_text, yaml_text) = match parts.as_slice() {
        [vars, yaml] => (vars.as_str(), yaml.as_str()),
        [yaml] => ("", yaml.as_str()),
        _ => return,
    };
    let mut variables = Variables {
        complete: !vars_text.contains('!'),
        ..Variables::default()
    };
    for line in vars_text.lines() {
        if let Some((name, value)) = line.split_once('=') {
            variables
                .values
                .insert(name.to_string(), Some(value.to_string()));
        } else if let Some(name) = line.strip_suffix('?') {
            variables.values.insert(name.to_string(), None);
        }
    }
    let file = SourceFile::new("fuzz.yaml", yaml_text.to_string());
    let (docs, _) = strata_flux::yaml::parse_documents(&file);
    let text = file.text();
    for mut doc in docs {
        let _ = strata_flux::substitute::substitute_document_with_findings(
            &mut doc,
            &variables,
            &|_| "fuzz.yaml".to_string(),
            &|_| Some(text),
        );
    }
});
