//! Orders deploys into quorum-safe waves; later, git snapshots and semantic diffs
