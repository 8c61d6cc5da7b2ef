//! Finds the hosts a flake declares (`discover`), evaluates each one's
//! modules, and reads its facts (`read`, through the one generic reader of
//! `fact_reader`).

mod discover;
mod fact_reader;
mod k3s_flags;
mod read;
mod read_nfs_mounts;

use std::collections::BTreeMap;

use strata_core::{Code, Diagnostic, Location};

use crate::eval::{Evaluator, ThunkId, UnknownKind, Value};
use crate::facts::{Fact, FirewallFacts, HostFacts, HostSource};
use discover::{
    HostDecl, discover_colmena, discover_deploy, discover_nixos, discover_packages, hosts_unknown,
};
pub(crate) use fact_reader::with_article;
pub(crate) use k3s_flags::flag_texts;
use read::read_decl;

fn attr(a: &crate::eval::Attrs, key: &str) -> Option<ThunkId> {
    a.get(key).map(|e| e.value)
}

/// Reads every host of a flake's outputs, sorted by name; `defined_at` is
/// where `outputs` is written.
pub(crate) fn read_hosts(
    ev: &mut Evaluator<'_>,
    outputs: ThunkId,
    defined_at: Option<Location>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<HostFacts> {
    let mut decls = Vec::new();
    ev.reset_budget();
    let out = match ev.force(outputs) {
        Value::Attrs(out) => out,
        other => {
            if let Some(d) = outputs_not_a_set(&other, defined_at) {
                diagnostics.push(d);
            }
            return Vec::new();
        }
    };
    let mut unknown = Vec::new();
    if let Some(t) = attr(&out, "nixosConfigurations") {
        let found = discover_nixos(ev, t, &mut decls);
        unknown.extend(found.unknown("nixosConfigurations", &out));
    }
    for name in ["colmena", "colmenaHive"] {
        if let Some(t) = attr(&out, name) {
            let found = discover_colmena(ev, t, &mut decls);
            unknown.extend(found.unknown(name, &out));
            break;
        }
    }
    if let Some(t) = attr(&out, "deploy") {
        let found = discover_deploy(ev, t, &mut decls);
        unknown.extend(found.unknown("deploy.nodes", &out));
    }
    diagnostics.extend(hosts_unknown(unknown));
    if let Some(t) = attr(&out, "packages") {
        discover_packages(ev, t, &mut decls);
    }

    let mut by_name: BTreeMap<String, Vec<HostDecl>> = BTreeMap::new();
    for d in decls {
        by_name.entry(d.name.clone()).or_default().push(d);
    }
    let mut hosts = Vec::new();
    for (name, mut decls) in by_name {
        // Colmena first: it carries the deployment facts; then
        // nixosConfigurations; deploy-rs last.
        decls.sort_by_key(|d| match d.source {
            HostSource::Colmena => 0,
            HostSource::NixosConfigurations => 1,
            _ => 2,
        });
        let mut host = HostFacts::new(&name, Vec::new());
        for decl in &decls {
            ev.reset_budget();
            let facts = read_decl(ev, decl, diagnostics);
            merge_into(&mut host, facts);
        }
        host.sources.sort();
        host.sources.dedup();
        host.imported_files.sort();
        host.imported_files.dedup();
        host.opaque_modules.sort();
        host.opaque_modules.dedup();
        hosts.push(host);
    }
    hosts
}

/// NIX013 for a flake whose `outputs` function returns no set (Nix refuses
/// it); `None` when the evaluator only cannot see the result.
fn outputs_not_a_set(value: &Value, defined_at: Option<Location>) -> Option<Diagnostic> {
    let (why, location) = match value {
        Value::Unknown(u) if u.kind == UnknownKind::Error => (
            format!("evaluating it fails: {}", u.reason),
            u.location.clone().or(defined_at),
        ),
        Value::Unknown(_) | Value::Input(_) => return None,
        other => (
            format!(
                "it returns {}, not a set",
                fact_reader::with_article(other.type_name())
            ),
            defined_at,
        ),
    };
    let mut d = Diagnostic::new(
        Code::NixValueMalformed,
        format!("the flake's `outputs`: {why}"),
    )
    .help("`outputs` must return a set of outputs (`nixosConfigurations`, `packages`, …)");
    if let Some(l) = location {
        d = d.at(l);
    }
    Some(d)
}

fn merge_into(host: &mut HostFacts, f: HostFacts) {
    host.sources.extend(f.sources);
    if host.location.is_none() {
        host.location = f.location;
    }
    host.system = std::mem::replace(&mut host.system, Fact::Unset).or(f.system);
    host.hostname = std::mem::replace(&mut host.hostname, Fact::Unset).or(f.hostname);
    host.target_host = std::mem::replace(&mut host.target_host, Fact::Unset).or(f.target_host);
    host.target_user = std::mem::replace(&mut host.target_user, Fact::Unset).or(f.target_user);
    host.target_port = std::mem::replace(&mut host.target_port, Fact::Unset).or(f.target_port);
    host.tags = std::mem::replace(&mut host.tags, Fact::Unset).or(f.tags);
    if host.addresses.is_empty() {
        host.addresses = f.addresses;
    }
    if host.virtual_ips.is_empty() {
        host.virtual_ips = f.virtual_ips;
    }
    if host.firewall == FirewallFacts::default_unset() {
        host.firewall = f.firewall;
    }
    if host.k3s.is_none() {
        host.k3s = f.k3s;
    }
    host.openiscsi = std::mem::replace(&mut host.openiscsi, Fact::Unset).or(f.openiscsi);
    host.kernel_modules =
        std::mem::replace(&mut host.kernel_modules, Fact::Unset).or(f.kernel_modules);
    host.supported_filesystems =
        std::mem::replace(&mut host.supported_filesystems, Fact::Unset).or(f.supported_filesystems);
    if host.nfs_mounts == crate::nfs_mounts::NfsMountFacts::unset() {
        host.nfs_mounts = f.nfs_mounts;
    }
    if host.sops.is_none() {
        host.sops = f.sops;
    }
    host.state_version =
        std::mem::replace(&mut host.state_version, Fact::Unset).or(f.state_version);
    if host.deploy_rs.is_none() {
        host.deploy_rs = f.deploy_rs;
    }
    host.imported_files.extend(f.imported_files);
    host.opaque_modules.extend(f.opaque_modules);
}
