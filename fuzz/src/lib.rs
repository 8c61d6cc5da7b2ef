//! Shared input framing for the fuzz targets.
//!
//! Multi-file targets read their input as parts separated by a NUL byte, so a
//! seed is the fixture files joined with `\0` (see `fuzz/seeds.sh`) and
//! libFuzzer's mutations can move bytes between files.

/// Splits `data` (lossily decoded as UTF-8) into at most `max` parts at NUL
/// bytes; the last part keeps any further NULs.
pub fn parts(data: &[u8], max: usize) -> Vec<String> {
    String::from_utf8_lossy(data)
        .splitn(max, '\0')
        .map(str::to_string)
        .collect()
}
