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

/// How a worker thread gets an evaluator of its own over the same flake: a
/// fresh evaluator and the thunk of the flake's `outputs` in it.
pub(crate) type FreshOutputs<'a, 't> = dyn Fn() -> Option<(Evaluator<'t>, ThunkId)> + Sync + 'a;

/// Hosts at which evaluation moves to worker threads; below it, one
/// evaluator reads every host (the common homelab of a few dozen hosts).
pub(crate) const PARALLEL_MIN_HOSTS: usize = 64;

/// A worker's stack: as large as `eval::with_big_stack` gives the evaluator
/// (address space, used only as deep as evaluation nests).
const WORKER_STACK: usize = 256 * 1024 * 1024;

/// What reading a flake's hosts gave.
pub(crate) struct HostsRead {
    /// The hosts, sorted by name.
    pub(crate) hosts: Vec<HostFacts>,
    /// What the worker evaluators read and found (empty when one evaluator
    /// read every host), in batch order.
    pub(crate) workers: Vec<WorkerOutput>,
}

/// What one batch's evaluator read and found, besides the hosts' facts.
pub(crate) struct WorkerOutput {
    pub(crate) evaluated_files: Vec<String>,
    pub(crate) sources: Vec<std::sync::Arc<strata_core::SourceFile>>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Reads every host of a flake's outputs, sorted by name; `defined_at` is
/// where `outputs` is written.
///
/// With [`PARALLEL_MIN_HOSTS`] hosts or more and a `fresh` evaluator source,
/// the hosts are read in batches of consecutive names, each batch by an
/// evaluator of its own (`fresh`) on one of `threads` threads, dropped once
/// its facts are read: memory stays at a few batches' values, both cores
/// work, and the merge in name order makes the result the same for any
/// number of threads (the batches depend only on the number of hosts).
pub(crate) fn read_hosts(
    ev: &mut Evaluator<'_>,
    outputs: ThunkId,
    defined_at: Option<Location>,
    diagnostics: &mut Vec<Diagnostic>,
    fresh: Option<(&FreshOutputs<'_, '_>, usize)>,
) -> HostsRead {
    let mut read = HostsRead {
        hosts: Vec::new(),
        workers: Vec::new(),
    };
    ev.reset_budget();
    let out = match ev.force(outputs) {
        Value::Attrs(out) => out,
        other => {
            if let Some(d) = outputs_not_a_set(&other, defined_at) {
                diagnostics.push(d);
            }
            return read;
        }
    };
    let mut decls = Vec::new();
    let unknown = discover_all(ev, &out, &|_| true, &mut decls);
    diagnostics.extend(hosts_unknown(unknown));
    let by_name = by_name(decls);
    match fresh {
        Some((fresh, threads)) if by_name.len() >= PARALLEL_MIN_HOSTS => {
            let names: Vec<String> = by_name.into_keys().collect();
            read_in_batches(&names, fresh, threads, diagnostics, &mut read);
        }
        _ => {
            for (name, decls) in by_name {
                read.hosts.push(read_host(ev, &name, decls, diagnostics));
            }
        }
    }
    read
}

/// Every declaration of the outputs whose host name `wanted` accepts, and
/// the outputs whose host lists are not completely known.
fn discover_all(
    ev: &mut Evaluator<'_>,
    out: &crate::eval::Attrs,
    wanted: &dyn Fn(&str) -> bool,
    decls: &mut Vec<HostDecl>,
) -> Vec<discover::Blocked> {
    let mut unknown = Vec::new();
    if let Some(t) = attr(out, "nixosConfigurations") {
        let found = discover_nixos(ev, t, wanted, decls);
        unknown.extend(found.unknown("nixosConfigurations", out));
    }
    for name in ["colmena", "colmenaHive"] {
        if let Some(t) = attr(out, name) {
            let found = discover_colmena(ev, t, wanted, decls);
            unknown.extend(found.unknown(name, out));
            break;
        }
    }
    if let Some(t) = attr(out, "deploy") {
        let found = discover_deploy(ev, t, wanted, decls);
        unknown.extend(found.unknown("deploy.nodes", out));
    }
    if let Some(t) = attr(out, "packages") {
        discover_packages(ev, t, wanted, decls);
    }
    unknown
}

fn by_name(decls: Vec<HostDecl>) -> BTreeMap<String, Vec<HostDecl>> {
    let mut by_name: BTreeMap<String, Vec<HostDecl>> = BTreeMap::new();
    for d in decls {
        by_name.entry(d.name.clone()).or_default().push(d);
    }
    by_name
}

/// One host's facts from all its declarations.
fn read_host(
    ev: &mut Evaluator<'_>,
    name: &str,
    mut decls: Vec<HostDecl>,
    diagnostics: &mut Vec<Diagnostic>,
) -> HostFacts {
    // Colmena first: it carries the deployment facts; then
    // nixosConfigurations; deploy-rs last.
    decls.sort_by_key(|d| match d.source {
        HostSource::Colmena => 0,
        HostSource::NixosConfigurations => 1,
        _ => 2,
    });
    let mut host = HostFacts::new(name, Vec::new());
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
    host
}

/// Hosts per batch: a function of the host count only (never of the
/// threads), so the output is the same at any parallelism. Every batch
/// re-evaluates the flake and rediscovers all its hosts (on 10,000 hosts,
/// about a fifth of a percent of the work each): eight batches keep eight
/// cores busy, and sixteen cost 4% more on two (measured). A batch's memory
/// is one host's values (each host rolls back to the checkpoint after
/// discovery), so fewer batches hold no more.
fn batch_size(hosts: usize) -> usize {
    hosts.div_ceil(8).max(32)
}

/// One batch's result: the hosts and what its evaluator found.
type BatchResult = (Vec<HostFacts>, Vec<Diagnostic>, WorkerOutput);

fn read_in_batches(
    names: &[String],
    fresh: &FreshOutputs<'_, '_>,
    threads: usize,
    diagnostics: &mut Vec<Diagnostic>,
    read: &mut HostsRead,
) {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let batches: Vec<&[String]> = names.chunks(batch_size(names.len())).collect();
    // `read_decl` skips a missing import the file scan already reported.
    let known_missing: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == Code::NixImportMissing)
        .cloned()
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, BatchResult)>> = Mutex::new(Vec::new());
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(batch) = batches.get(i) else { break };
            let result = read_batch(batch, fresh, &known_missing);
            if let Ok(mut results) = results.lock() {
                results.push((i, result));
            }
        }
    };
    let workers = threads.clamp(1, batches.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .name("strata-nix-hosts".into())
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(s, work)
            })
            .collect();
        for handle in handles {
            match handle {
                Ok(h) => {
                    if let Err(panic) = h.join() {
                        std::panic::resume_unwind(panic);
                    }
                }
                // No thread: the others (or this one, below) take its batches.
                Err(_) => work(),
            }
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    read.hosts.reserve(names.len());
    for (_, (hosts, found, worker)) in results {
        read.hosts.extend(hosts);
        for d in found {
            let already = d.code == Code::NixImportMissing
                && diagnostics
                    .iter()
                    .any(|x| x.code == Code::NixImportMissing && x.location == d.location);
            if !already {
                diagnostics.push(d);
            }
        }
        read.workers.push(worker);
    }
}

/// Reads one batch of hosts with an evaluator of its own.
fn read_batch(
    names: &[String],
    fresh: &FreshOutputs<'_, '_>,
    known_missing: &[Diagnostic],
) -> BatchResult {
    let mut diagnostics = known_missing.to_vec();
    let mut hosts = Vec::new();
    let mut worker = WorkerOutput {
        evaluated_files: Vec::new(),
        sources: Vec::new(),
        diagnostics: Vec::new(),
    };
    let Some((mut ev, outputs)) = fresh() else {
        return (hosts, Vec::new(), worker);
    };
    ev.reset_budget();
    if let Value::Attrs(out) = ev.force(outputs) {
        let wanted: std::collections::BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let mut decls = Vec::new();
        discover_all(&mut ev, &out, &|n| wanted.contains(n), &mut decls);
        // Each host from the state after discovery: its values are freed
        // once its facts are read, and the next host reuses that memory.
        ev.checkpoint();
        for (name, decls) in by_name(decls) {
            hosts.push(read_host(&mut ev, &name, decls, &mut diagnostics));
            ev.rollback();
        }
    }
    diagnostics.drain(..known_missing.len());
    worker.evaluated_files = ev.evaluated_files();
    worker.sources = ev.read_sources().to_vec();
    worker.diagnostics = ev.take_diagnostics();
    (hosts, diagnostics, worker)
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
