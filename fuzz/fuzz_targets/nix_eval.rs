//! The Nix evaluator: parse and evaluate one file under the default limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = strata_nix::eval::eval_source(&text);
});
