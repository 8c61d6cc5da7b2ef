//! Prints each k3s cluster view of a repository: nodes with their typed k3s
//! settings, the Flux cluster paired with it, and what that tree deploys.
//! `cargo run -p strata-check --example cluster_view -- PATH`

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let options = strata_check::Options {
        eval: strata_check::EvalMode::Static,
        ..Default::default()
    };
    let analysis = match strata_check::analyze(std::path::Path::new(&root), &options) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    println!("flux clusters: {:?}", analysis.flux.clusters);
    for view in analysis.cluster_views() {
        println!("cluster (flux: {:?})", view.flux_cluster);
        for node in &view.nodes {
            let s = &node.settings;
            let disabled: Vec<&str> = s.disabled.iter().map(|d| d.value.as_str()).collect();
            println!(
                "  {} {} complete={} disabled={:?} flannel={:?} netpol_off={} kube_proxy_off={} labels={:?}",
                if node.is_server() { "server" } else { "agent " },
                node.host().name,
                s.complete,
                disabled,
                s.flannel_backend.as_ref().map(|b| &b.value),
                !s.keeps_network_policy(),
                !s.keeps_kube_proxy(),
                s.node_labels
                    .iter()
                    .map(|l| format!("{}={}", l.value.key, l.value.value))
                    .collect::<Vec<_>>(),
            );
        }
        let d = &view.deployed;
        println!("  objects: {}", d.objects.len());
        for c in &d.cnis {
            println!(
                "  cni {} {} cidrs={:?} kpr={:?}",
                c.kind.as_str(),
                c.object.id,
                c.pod_cidrs.iter().map(|c| &c.value).collect::<Vec<_>>(),
                c.kube_proxy_replacement.as_ref().map(|k| k.value)
            );
        }
        for l in &d.load_balancers {
            println!("  lb {} {}", l.kind.as_str(), l.object.id);
        }
        for p in &d.pools {
            println!(
                "  pool {} {:?} l2={}",
                p.object.id,
                p.addresses.iter().map(|a| &a.value).collect::<Vec<_>>(),
                p.layer2
            );
        }
        for i in &d.ingress_controllers {
            println!("  ingress {} {} {:?}", i.name, i.object.id, i.classes);
        }
        for c in &d.ingress_classes {
            println!("  ingressclass {}", c.id);
        }
        for s in &d.storage {
            println!(
                "  storage {} {} iscsi={} nfs={}",
                s.name, s.object.id, s.needs_iscsi, s.needs_nfs
            );
        }
        for v in &d.virtual_ips {
            println!("  vip {} {}", v.address, v.object.id);
        }
        let placed = d
            .workloads
            .iter()
            .filter(|w| !w.node_selector.is_empty() || !w.required_node_terms.is_empty())
            .count();
        println!(
            "  workloads: {} ({} with node placement), services: {}",
            d.workloads.len(),
            placed,
            d.services.len()
        );
    }
}
