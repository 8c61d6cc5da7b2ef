//! Reads a Flux v2 tree: YAML with spans, kustomize directories, Flux objects and their references
