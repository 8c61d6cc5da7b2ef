//! Prints the change plan for a repository and impacted node ids given by
//! hand, until `plan --from` computes them from a revision diff:
//!
//! ```text
//! cargo run -p strata-plan --example change_plan -- tests/fixtures/plan-rolling \
//!     host/node-a host/node-b host/node-c [--max-unavailable N]
//! ```

use std::collections::BTreeSet;

use strata_core::{NodeId, RepoTree};
use strata_plan::{ChangePlanOptions, change_plan};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: change_plan PATH NODE-ID... [--max-unavailable N]");
        std::process::exit(2);
    };
    let mut options = ChangePlanOptions::default();
    let mut impacted = BTreeSet::new();
    while let Some(arg) = args.next() {
        if arg == "--max-unavailable" {
            options.max_unavailable = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        } else {
            impacted.insert(NodeId::from_raw(arg));
        }
    }
    let tree = match RepoTree::scan(std::path::Path::new(&root)) {
        Ok(tree) => tree,
        Err(e) => {
            eprintln!("cannot read {root}: {e}");
            std::process::exit(2);
        }
    };
    let analysis = strata_check::analyze_tree(&tree, Vec::new());
    match change_plan(&analysis, &impacted, &options) {
        Ok(plan) => {
            for wave in &plan.waves {
                println!("wave {}", wave.index);
                for step in &wave.steps {
                    println!("  $ {}", step.command.join(" "));
                    for reason in &step.reasons {
                        println!("    because {reason}");
                    }
                }
            }
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}
