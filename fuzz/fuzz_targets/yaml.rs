//! The YAML loader: any text yields documents plus diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_core::SourceFile;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file = SourceFile::new("fuzz.yaml", text.into_owned());
    let (docs, _diagnostics) = strata_flux::yaml::parse_documents(&file);
    for doc in &docs {
        let _ = doc.to_json();
        let _ = doc.source_text(&file);
    }
});
