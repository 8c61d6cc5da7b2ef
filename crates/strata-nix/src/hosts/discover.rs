//! Host discovery: which hosts each flake output declares
//! (`nixosConfigurations`, the Colmena hive, deploy-rs `deploy.nodes`,
//! `packages.<system>.<host>`), and NIX012 when an output's hosts cannot be
//! read.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::{Code, Diagnostic, Location};

use super::attr;
use crate::eval::{Evaluator, ThunkId, UnknownKind, Value};
use crate::facts::HostSource;

/// One declaration of a host by one output.
pub(super) struct HostDecl {
    pub(super) name: String,
    pub(super) source: HostSource,
    pub(super) location: Option<Location>,
    pub(super) modules: Vec<ThunkId>,
    pub(super) special_args: Vec<ThunkId>,
    pub(super) system: Option<ThunkId>,
    /// Why this declaration's modules cannot be read, if they cannot.
    pub(super) problem: Option<(String, Option<Location>)>,
    /// deploy-rs: the node's set and the `deploy` set (defaults).
    pub(super) deploy: Option<(Rc<crate::eval::Attrs>, Rc<crate::eval::Attrs>)>,
    /// Whether this declaration has no modules to evaluate (a package set).
    pub(super) no_modules: bool,
}

impl HostDecl {
    pub(super) fn new(name: &str, source: HostSource, location: Option<Location>) -> Self {
        HostDecl {
            name: name.to_string(),
            source,
            location,
            modules: Vec::new(),
            special_args: Vec::new(),
            system: None,
            problem: None,
            deploy: None,
            no_modules: false,
        }
    }
}

/// What reading one output's host list gave: how many hosts, and why the
/// list is not (completely) known.
pub(super) struct Discovered {
    hosts: usize,
    unknown: Option<(String, Option<Location>)>,
}

impl Discovered {
    pub(super) fn of(hosts: usize) -> Self {
        Discovered {
            hosts,
            unknown: None,
        }
    }

    pub(super) fn blocked(hosts: usize, value: &Value, what: &str) -> Self {
        let (reason, location) = match value {
            Value::Unknown(u) => (u.reason.clone(), u.location.clone()),
            Value::Input(i) => (
                format!(
                    "it is `{}`, a value of flake input `{}`, which strata does not read",
                    i.display(),
                    i.input
                ),
                None,
            ),
            other => (format!("{what} is a {}", other.type_name()), None),
        };
        Discovered {
            hosts,
            unknown: Some((reason, location)),
        }
    }

    /// The output, when its hosts are not all known.
    pub(super) fn unknown(self, output: &str, outputs: &crate::eval::Attrs) -> Option<Blocked> {
        let (reason, location) = self.unknown?;
        let top = output.split('.').next().unwrap_or(output);
        let location = outputs
            .get(top)
            .and_then(|e| e.location.clone())
            .or(location);
        Some(Blocked {
            output: output.to_string(),
            hosts: self.hosts,
            reason,
            location,
        })
    }
}

/// An output whose hosts are not all known.
pub(super) struct Blocked {
    output: String,
    hosts: usize,
    reason: String,
    location: Option<Location>,
}

/// NIX012: one finding per cause, naming every output it blocks
/// (`inherit (generated) nixosConfigurations deploy;` is one cause).
pub(super) fn hosts_unknown(blocked: Vec<Blocked>) -> Vec<Diagnostic> {
    let mut groups: Vec<Vec<Blocked>> = Vec::new();
    for b in blocked {
        match groups
            .iter_mut()
            .find(|g| g[0].reason == b.reason && (g[0].hosts == 0) == (b.hosts == 0))
        {
            Some(g) => g.push(b),
            None => groups.push(vec![b]),
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let names: Vec<String> = g.iter().map(|b| format!("`{}`", b.output)).collect();
            let outputs = names.join(" and ");
            let first = &g[0];
            let message = if first.hosts == 0 {
                format!(
                    "the hosts of {outputs} cannot be known statically: {}",
                    first.reason
                )
            } else {
                let read: usize = g.iter().map(|b| b.hosts).max().unwrap_or(0);
                format!(
                    "{outputs} is only partly known statically ({read} hosts read): {}",
                    first.reason
                )
            };
            let mut d = Diagnostic::new(Code::HostsUnknown, message).help(
                "run with `--eval nix` to have Nix list the hosts, or declare them in this repository",
            );
            if let Some(l) = &first.location {
                d = d.at(l.clone());
            }
            d
        })
        .collect()
}

pub(super) fn discover_nixos(
    ev: &mut Evaluator<'_>,
    t: ThunkId,
    wanted: &dyn Fn(&str) -> bool,
    decls: &mut Vec<HostDecl>,
) -> Discovered {
    let configs = match ev.force(t) {
        Value::Attrs(configs) => configs,
        other => return Discovered::blocked(0, &other, "`nixosConfigurations`"),
    };
    for (name, entry) in &configs.entries {
        if !wanted(name) {
            continue;
        }
        let mut decl = HostDecl::new(
            name,
            HostSource::NixosConfigurations,
            entry.location.clone(),
        );
        match ev.force(entry.value) {
            Value::NixosSystem(call) => match ev.force(call.args) {
                Value::Attrs(args) => {
                    if let Some(m) = attr(&args, "modules") {
                        match ev.force(m) {
                            Value::List(items) => decl.modules.extend(items.iter().copied()),
                            Value::Unknown(u) => {
                                decl.problem = Some((u.reason.clone(), u.location.clone()))
                            }
                            other => {
                                decl.problem = Some((
                                    format!("`modules` is a {}", other.type_name()),
                                    call.location.clone(),
                                ))
                            }
                        }
                    }
                    decl.special_args.extend(attr(&args, "specialArgs"));
                    decl.system = attr(&args, "system");
                }
                other => {
                    decl.problem = Some((
                        format!("`nixosSystem` argument is a {}", other.type_name()),
                        call.location.clone(),
                    ))
                }
            },
            // An already evaluated system (`{ config = …; }`, as a
            // `nixosSystem` result or a hive's `nodes.<n>` is): its `config`
            // is read like a module's.
            Value::Attrs(a) if a.entries.contains_key("config") => decl.modules.push(entry.value),
            Value::Unknown(u) => decl.problem = Some((u.reason.clone(), u.location.clone())),
            other => {
                decl.problem = Some((
                    format!(
                        "not a `nixosSystem` call strata recognises (a {})",
                        other.type_name()
                    ),
                    entry.location.clone(),
                ))
            }
        }
        decls.push(decl);
    }
    partial(&configs)
}

/// A set of hosts with an unknown part (`unknownHosts // { known = …; }`).
pub(super) fn partial(set: &crate::eval::Attrs) -> Discovered {
    match &set.fallback {
        Some(u) if u.kind != UnknownKind::Undefined => {
            Discovered::blocked(set.entries.len(), &Value::Unknown(Rc::clone(u)), "")
        }
        _ => Discovered::of(set.entries.len()),
    }
}

pub(super) fn discover_colmena(
    ev: &mut Evaluator<'_>,
    t: ThunkId,
    wanted: &dyn Fn(&str) -> bool,
    decls: &mut Vec<HostDecl>,
) -> Discovered {
    let hive = ev.force(t);
    let members = match ev.hive_members(hive) {
        Ok(members) => members,
        Err(other) => return Discovered::blocked(0, &other, "the hive"),
    };
    let found = members.len();
    for m in members.into_iter().filter(|m| wanted(&m.name)) {
        let mut decl = HostDecl::new(&m.name, HostSource::Colmena, m.location);
        decl.modules = m.modules;
        decl.special_args = m.special_args;
        decls.push(decl);
    }
    Discovered::of(found)
}

pub(super) fn discover_deploy(
    ev: &mut Evaluator<'_>,
    t: ThunkId,
    wanted: &dyn Fn(&str) -> bool,
    decls: &mut Vec<HostDecl>,
) -> Discovered {
    let deploy = match ev.force(t) {
        Value::Attrs(deploy) => deploy,
        other => return Discovered::blocked(0, &other, "`deploy`"),
    };
    let Some(nodes) = attr(&deploy, "nodes") else {
        return partial(&deploy);
    };
    let nodes = match ev.force(nodes) {
        Value::Attrs(nodes) => nodes,
        other => return Discovered::blocked(0, &other, "`deploy.nodes`"),
    };
    for (name, entry) in &nodes.entries {
        if !wanted(name) {
            continue;
        }
        let mut decl = HostDecl::new(name, HostSource::DeployRs, entry.location.clone());
        match ev.force(entry.value) {
            Value::Attrs(node) => decl.deploy = Some((node, Rc::clone(&deploy))),
            Value::Unknown(u) => decl.problem = Some((u.reason.clone(), u.location.clone())),
            other => {
                decl.problem = Some((
                    format!("a deploy-rs node is a set, not a {}", other.type_name()),
                    entry.location.clone(),
                ))
            }
        }
        decls.push(decl);
    }
    partial(&nodes)
}

/// A package-set host: where its name is first written, and each system
/// (with where the system is written) it is built for.
pub(super) type PackageHost = (Option<Location>, Vec<(String, Option<Location>)>);

/// `packages.<system>.<name>` where `<name>` is also an entry of the
/// repository's `hosts/` directory (`hosts/<name>.nix` or `hosts/<name>/`):
/// a non-NixOS host whose software is a package set (seed 003's layout).
/// Other packages (`default`, tools) are not hosts.
pub(super) fn discover_packages(
    ev: &mut Evaluator<'_>,
    t: ThunkId,
    wanted: &dyn Fn(&str) -> bool,
    decls: &mut Vec<HostDecl>,
) {
    let Some(host_dir) = ev.list_dir("hosts") else {
        return;
    };
    let host_names: std::collections::BTreeSet<String> = host_dir
        .keys()
        .map(|n| n.strip_suffix(".nix").unwrap_or(n).to_string())
        .collect();
    let Value::Attrs(systems) = ev.force(t) else {
        return;
    };
    // name -> (location, systems it is built for)
    let mut found: BTreeMap<String, PackageHost> = BTreeMap::new();
    for (system, s_entry) in &systems.entries {
        let Value::Attrs(pkgs) = ev.force(s_entry.value) else {
            continue;
        };
        for (name, entry) in &pkgs.entries {
            if !host_names.contains(name) || !wanted(name) {
                continue;
            }
            let slot = found
                .entry(name.clone())
                .or_insert_with(|| (entry.location.clone(), Vec::new()));
            slot.1.push((system.clone(), s_entry.location.clone()));
        }
    }
    for (name, (location, systems)) in found {
        let mut decl = HostDecl::new(&name, HostSource::Packages, location.clone());
        decl.no_modules = true;
        let system = match systems.as_slice() {
            [(one, loc)] => Value::string(one.clone(), loc.clone()),
            many => Value::unknown(
                UnknownKind::Unsupported,
                format!(
                    "the package set is built for {} systems; which one the host runs is not declared",
                    many.len()
                ),
                location,
            ),
        };
        decl.system = Some(ev.done(system));
        decls.push(decl);
    }
}
