//! The kustomize builder and the Flux loader over a small repository: the
//! input's NUL-separated parts become the files below, written to a
//! temporary directory (the tree reads files from disk).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use strata_core::RepoTree;

/// Where each part of the input goes, in order.
const FILES: [&str; 5] = [
    "kustomization.yaml",
    "app.yaml",
    "base/kustomization.yaml",
    "base/deploy.yaml",
    "clusters/prod/flux-system/gotk-sync.yaml",
];

fn root() -> &'static tempfile::TempDir {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    ROOT.get_or_init(|| tempfile::tempdir().expect("temporary directory for the fuzz tree"))
}

fuzz_target!(|data: &[u8]| {
    let root = root().path();
    let parts = strata_fuzz::parts(data, FILES.len());
    let mut present = Vec::new();
    for (i, name) in FILES.iter().enumerate() {
        let path = root.join(name);
        match parts.get(i) {
            Some(text) => {
                std::fs::create_dir_all(path.parent().expect("file under the root"))
                    .expect("create fuzz directory");
                std::fs::write(&path, text).expect("write fuzz file");
                present.push(name.to_string());
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let tree = RepoTree::from_files(root, present);
    let _ = strata_flux::kustomize::build_directory(&tree, "");
    let _ = strata_flux::load(&tree);
});
