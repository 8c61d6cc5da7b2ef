//! Hashes: `builtins.hashString` and `builtins.hashFile` (of a repository
//! file), in base-16 as Nix prints them.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_hashes(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        let kind = self.string_arg(name, arg(0), loc)?;
        let bytes = match prim {
            Prim::HashString => self
                .string_arg(name, arg(1), loc)?
                .text
                .clone()
                .into_bytes(),
            Prim::HashFile => match self.force(arg(1)) {
                Value::Path(p) if p.in_repo => match self.read_repo_file(&p.path) {
                    Some(text) => text.into_bytes(),
                    None => {
                        return Ok(Value::unknown(
                            UnknownKind::Error,
                            format!("hashFile: `{}` does not exist", p.path),
                            p.location.clone(),
                        ));
                    }
                },
                Value::Path(_) => {
                    return Ok(Value::unknown(
                        UnknownKind::Opaque,
                        "hashFile outside the repository is not done statically",
                        loc.clone(),
                    ));
                }
                other => return Err(self.type_error(name, "path", &other, loc.clone())),
            },
            _ => return Ok(not_in_family(prim, loc)),
        };
        Ok(match hash_hex(&kind.text, &bytes) {
            Some(h) => Value::string(h, None),
            None => Value::unknown(
                UnknownKind::Error,
                format!(
                    "{name}: unknown hash type `{}` (md5, sha1, sha256 or sha512)",
                    kind.text
                ),
                loc.clone(),
            ),
        })
    }
}

/// The lowercase hex digest of `bytes`, for the hash types Nix knows.
pub(super) fn hash_hex(kind: &str, bytes: &[u8]) -> Option<String> {
    let digest: Vec<u8> = match kind {
        "md5" => Md5::digest(bytes).to_vec(),
        "sha1" => Sha1::digest(bytes).to_vec(),
        "sha256" => Sha256::digest(bytes).to_vec(),
        "sha512" => Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_standard_test_vectors() {
        assert_eq!(
            hash_hex("md5", b"abc").as_deref(),
            Some("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            hash_hex("sha1", b"abc").as_deref(),
            Some("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            hash_hex("sha256", b"abc").as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert!(hash_hex("sha512", b"").is_some_and(|h| h.starts_with("cf83e1357eefb8bd")));
        assert_eq!(hash_hex("crc32", b""), None);
    }
}
