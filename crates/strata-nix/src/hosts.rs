//! Finds the hosts a flake declares (`nixosConfigurations`, the Colmena hive,
//! deploy-rs nodes), evaluates each one's modules, and reads its facts.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::{Code, Diagnostic, Location, NodeId};

use crate::eval::{Evaluator, ThunkId, UnknownKind, Value};
use crate::facts::{
    DeployProfile, DeployRsFacts, Fact, FirewallFacts, HostFacts, HostSource, InterfaceAddress,
    K3sFacts, PortRange, SopsFacts, SopsSecret, TokenSource,
};

/// One declaration of a host by one output.
struct HostDecl {
    name: String,
    source: HostSource,
    location: Option<Location>,
    modules: Vec<ThunkId>,
    special_args: Vec<ThunkId>,
    system: Option<ThunkId>,
    /// Why this declaration's modules cannot be read, if they cannot.
    problem: Option<(String, Option<Location>)>,
    /// deploy-rs: the node's set and the `deploy` set (defaults).
    deploy: Option<(Rc<crate::eval::Attrs>, Rc<crate::eval::Attrs>)>,
    /// Whether this declaration has no modules to evaluate (a package set).
    no_modules: bool,
}

impl HostDecl {
    fn new(name: &str, source: HostSource, location: Option<Location>) -> Self {
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
struct Discovered {
    hosts: usize,
    unknown: Option<(String, Option<Location>)>,
}

impl Discovered {
    fn of(hosts: usize) -> Self {
        Discovered {
            hosts,
            unknown: None,
        }
    }

    fn blocked(hosts: usize, value: &Value, what: &str) -> Self {
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
    fn unknown(self, output: &str, outputs: &crate::eval::Attrs) -> Option<Blocked> {
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
struct Blocked {
    output: String,
    hosts: usize,
    reason: String,
    location: Option<Location>,
}

/// NIX012: one finding per cause, naming every output it blocks
/// (`inherit (generated) nixosConfigurations deploy;` is one cause).
fn hosts_unknown(blocked: Vec<Blocked>) -> Vec<Diagnostic> {
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

fn attr(a: &crate::eval::Attrs, key: &str) -> Option<ThunkId> {
    a.get(key).map(|e| e.value)
}

/// Reads every host of a flake's outputs, sorted by name.
pub(crate) fn read_hosts(
    ev: &mut Evaluator<'_>,
    outputs: ThunkId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<HostFacts> {
    let mut decls = Vec::new();
    ev.reset_budget();
    let Value::Attrs(out) = ev.force(outputs) else {
        return Vec::new();
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
    if host.firewall == FirewallFacts::default_unset() {
        host.firewall = f.firewall;
    }
    if host.k3s.is_none() {
        host.k3s = f.k3s;
    }
    host.openiscsi = std::mem::replace(&mut host.openiscsi, Fact::Unset).or(f.openiscsi);
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

fn discover_nixos(ev: &mut Evaluator<'_>, t: ThunkId, decls: &mut Vec<HostDecl>) -> Discovered {
    let configs = match ev.force(t) {
        Value::Attrs(configs) => configs,
        other => return Discovered::blocked(0, &other, "`nixosConfigurations`"),
    };
    for (name, entry) in &configs.entries {
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
fn partial(set: &crate::eval::Attrs) -> Discovered {
    match &set.fallback {
        Some(u) if u.kind != UnknownKind::Undefined => {
            Discovered::blocked(set.entries.len(), &Value::Unknown(Rc::clone(u)), "")
        }
        _ => Discovered::of(set.entries.len()),
    }
}

fn discover_colmena(ev: &mut Evaluator<'_>, t: ThunkId, decls: &mut Vec<HostDecl>) -> Discovered {
    let hive = ev.force(t);
    let members = match ev.hive_members(hive) {
        Ok(members) => members,
        Err(other) => return Discovered::blocked(0, &other, "the hive"),
    };
    let found = members.len();
    for m in members {
        let mut decl = HostDecl::new(&m.name, HostSource::Colmena, m.location);
        decl.modules = m.modules;
        decl.special_args = m.special_args;
        decls.push(decl);
    }
    Discovered::of(found)
}

fn discover_deploy(ev: &mut Evaluator<'_>, t: ThunkId, decls: &mut Vec<HostDecl>) -> Discovered {
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
type PackageHost = (Option<Location>, Vec<(String, Option<Location>)>);

/// `packages.<system>.<name>` where `<name>` is also an entry of the
/// repository's `hosts/` directory (`hosts/<name>.nix` or `hosts/<name>/`):
/// a non-NixOS host whose software is a package set (seed 003's layout).
/// Other packages (`default`, tools) are not hosts.
fn discover_packages(ev: &mut Evaluator<'_>, t: ThunkId, decls: &mut Vec<HostDecl>) {
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
            if !host_names.contains(name) {
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

/// Reads the facts one declaration gives.
fn read_decl(
    ev: &mut Evaluator<'_>,
    decl: &HostDecl,
    diagnostics: &mut Vec<Diagnostic>,
) -> HostFacts {
    let mut host = HostFacts::new(&decl.name, Vec::new());
    host.sources.push(decl.source);
    host.location = decl.location.clone();
    if let Some(system) = decl.system {
        let v = ev.force(system);
        host.system = string_fact(&v, None);
    }
    if let Some((node, top)) = &decl.deploy {
        read_deploy_rs(ev, &mut host, node, top);
        return host;
    }
    if decl.no_modules {
        return host;
    }
    if let Some((reason, location)) = &decl.problem {
        // Nothing of this declaration's configuration can be read: say so on
        // the facts instead of leaving them unset.
        let unknown = || Fact::Unknown {
            reason: reason.clone(),
            location: location.clone(),
        };
        host.hostname = unknown();
        host.state_version = unknown();
        host.system = std::mem::replace(&mut host.system, Fact::Unset).or(unknown());
        host.opaque_modules.push(crate::eval::OpaqueModule {
            reason: reason.clone(),
            location: location.clone(),
        });
        return host;
    }
    let set = ev.eval_modules(
        &decl.modules,
        &decl.special_args,
        &decl.name,
        decl.location.clone(),
    );
    host.imported_files = set.files.iter().cloned().collect();
    host.opaque_modules = set.opaque.clone();
    for (why, location) in &set.missing {
        // A literal path naming nothing was already reported by the file
        // scan; only computed paths (`hostsDir + "/${name}"`) are new here.
        let already = diagnostics
            .iter()
            .any(|d| d.code == Code::NixImportMissing && d.location == *location);
        if already {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::NixImportMissing,
            format!("module of host `{}`: {why}", decl.name),
        )
        .on(NodeId::host(&decl.name))
        .help("create the file or directory (a directory needs a `default.nix`), or fix the path");
        if let Some(l) = location {
            d = d.at(l.clone());
        }
        diagnostics.push(d);
    }
    let config = ev.force(set.config);

    host.hostname = string_fact_at(ev, &config, &["networking", "hostName"]);
    if host.system.is_unset() {
        host.system = string_fact_at(ev, &config, &["nixpkgs", "hostPlatform"]);
    }
    if decl.source == HostSource::Colmena {
        host.target_host = match string_fact_at(ev, &config, &["deployment", "targetHost"]) {
            // Colmena's default: the node name.
            Fact::Unset => Fact::Known {
                value: decl.name.clone(),
                location: None,
            },
            other => other,
        };
        host.target_user = match string_fact_at(ev, &config, &["deployment", "targetUser"]) {
            Fact::Unset => Fact::Known {
                value: "root".to_string(),
                location: None,
            },
            other => other,
        };
        let tags = get(ev, &config, &["deployment", "tags"]);
        host.tags = string_list_fact(ev, tags);
        host.target_port = int_fact(get(ev, &config, &["deployment", "targetPort"]));
    }
    host.addresses = addresses(ev, &config);
    networkd_addresses(ev, &config, &mut host.addresses);
    host.firewall = firewall(ev, &config);
    host.k3s = k3s(ev, &config);
    host.openiscsi = bool_fact(get(ev, &config, &["services", "openiscsi", "enable"]));
    host.sops = sops(ev, &config);
    host.state_version = string_fact_at(ev, &config, &["system", "stateVersion"]);
    host
}

/// deploy-rs settings are looked up node first, then at the `deploy` level.
fn deploy_setting(
    node: &crate::eval::Attrs,
    top: &crate::eval::Attrs,
    key: &str,
) -> Option<ThunkId> {
    attr(node, key).or_else(|| attr(top, key))
}

fn read_deploy_rs(
    ev: &mut Evaluator<'_>,
    host: &mut HostFacts,
    node: &crate::eval::Attrs,
    top: &crate::eval::Attrs,
) {
    if let Some(h) = attr(node, "hostname") {
        let v = ev.force(h);
        host.target_host = string_fact(&v, None);
    }
    if let Some(u) = deploy_setting(node, top, "sshUser") {
        let v = ev.force(u);
        host.target_user = string_fact(&v, None);
    }
    if let Some(o) = deploy_setting(node, top, "sshOpts") {
        let def = node
            .get("sshOpts")
            .or_else(|| top.get("sshOpts"))
            .and_then(|e| e.location.clone());
        let got = Got::Val(ev.force(o), def);
        host.target_port = match string_list_fact(ev, got) {
            Fact::Known { value, location } => match ssh_port(&value) {
                Some(port) => Fact::Known {
                    value: port,
                    location,
                },
                None => Fact::Unset,
            },
            Fact::Unset => Fact::Unset,
            Fact::Unknown { reason, location } => Fact::Unknown { reason, location },
        };
    }
    let order = match attr(node, "profilesOrder") {
        Some(t) => {
            let v = ev.force(t);
            string_list_fact(
                ev,
                Got::Val(
                    v,
                    node.get("profilesOrder").and_then(|e| e.location.clone()),
                ),
            )
        }
        None => Fact::Unset,
    };
    let mut profiles = Vec::new();
    let mut system_ssh_user = Fact::Unset;
    if let Some(t) = attr(node, "profiles")
        && let Value::Attrs(ps) = ev.force(t)
    {
        let configs = configurations_by_identity(ev);
        for (name, entry) in &ps.entries {
            let profile = ev.force(entry.value);
            let configuration = match get(ev, &profile, &["path"]) {
                Got::Missing => Fact::Unset,
                Got::Val(Value::Activation(call), def) => match ev.force(call.args) {
                    Value::NixosSystem(sys) => {
                        match configs.iter().find(|(_, s)| Rc::ptr_eq(s, &sys)) {
                            Some((n, _)) => Fact::Known {
                                value: n.clone(),
                                location: call.location.clone().or(def),
                            },
                            None => Fact::Unknown {
                                reason: "activates a NixOS system that is not an entry of `nixosConfigurations`".to_string(),
                                location: call.location.clone().or(def),
                            },
                        }
                    }
                    // `self.nixosConfigurations.<missing>`: name the missing
                    // entry, at the place it is written.
                    Value::Unknown(u)
                        if u.kind == UnknownKind::Error && u.reason.starts_with("attribute `") =>
                    {
                        match u.location.as_ref().and_then(|l| ev.source_text(l)) {
                            Some(text) => Fact::Known {
                                value: text.trim_matches('"').to_string(),
                                location: u.location.clone(),
                            },
                            None => unknown_fact(&Value::Unknown(u.clone()), def, "configuration"),
                        }
                    }
                    other => unknown_fact(&other, call.location.clone().or(def), "NixOS system"),
                },
                Got::Val(v, def) => unknown_fact(&v, def, "deploy-rs activation"),
            };
            let user = string_fact_at(ev, &profile, &["user"]);
            // deploy-rs settings cascade deploy → node → profile: the
            // profile that activates the system may carry the SSH user.
            let profile_ssh_user = string_fact_at(ev, &profile, &["sshUser"]);
            if !profile_ssh_user.is_unset() && (name == "system" || ps.entries.len() == 1) {
                system_ssh_user = profile_ssh_user;
            }
            profiles.push(DeployProfile {
                name: name.clone(),
                location: entry.location.clone(),
                configuration,
                user,
            });
        }
    }
    if !system_ssh_user.is_unset() {
        host.target_user = system_ssh_user;
    }
    host.deploy_rs = Some(DeployRsFacts {
        profiles,
        profiles_order: order,
    });
}

/// The flake's `nixosConfigurations` entries that are `nixosSystem` calls,
/// to recognise which one a deploy-rs profile activates.
fn configurations_by_identity(
    ev: &mut Evaluator<'_>,
) -> Vec<(String, Rc<crate::eval::SystemCall>)> {
    let mut out = Vec::new();
    let Some(configs) = ev.outputs_attr("nixosConfigurations") else {
        return out;
    };
    if let Value::Attrs(configs) = ev.force(configs) {
        for (name, entry) in &configs.entries {
            if let Value::NixosSystem(sys) = ev.force(entry.value) {
                out.push((name.clone(), sys));
            }
        }
    }
    out
}

/// `-p 2222`, `-p2222`, `-o Port=2222` or `-oPort=2222` in SSH options.
fn ssh_port(opts: &[String]) -> Option<i64> {
    let words: Vec<&str> = opts.iter().flat_map(|o| o.split_whitespace()).collect();
    let mut it = words.iter().peekable();
    while let Some(w) = it.next() {
        let value = match *w {
            "-p" => it.next().map(|v| v.to_string()),
            "-o" => it
                .next()
                .and_then(|v| v.strip_prefix("Port=").map(str::to_string)),
            w if w.starts_with("-p") => Some(w[2..].to_string()),
            w if w.starts_with("-oPort=") => Some(w["-oPort=".len()..].to_string()),
            _ => None,
        };
        if let Some(port) = value.and_then(|v| v.parse().ok()) {
            return Some(port);
        }
    }
    None
}

fn int_list_fact(ev: &mut Evaluator<'_>, got: Got) -> Fact<Vec<i64>> {
    match got {
        Got::Missing => Fact::Unset,
        Got::Val(Value::List(items), def) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match ev.force(*item) {
                    Value::Int(i) => out.push(i),
                    other => return unknown_fact(&other, def, "port number"),
                }
            }
            Fact::Known {
                value: out,
                location: def,
            }
        }
        Got::Val(v, def) => unknown_fact(&v, def, "list"),
    }
}

fn range_list_fact(ev: &mut Evaluator<'_>, got: Got) -> Fact<Vec<PortRange>> {
    match got {
        Got::Missing => Fact::Unset,
        Got::Val(Value::List(items), def) => {
            let mut out = Vec::new();
            for item in items.iter() {
                let v = ev.force(*item);
                let from = int_fact(get(ev, &v, &["from"]));
                let to = int_fact(get(ev, &v, &["to"]));
                match (from, to) {
                    (Fact::Known { value: from, .. }, Fact::Known { value: to, .. }) => {
                        out.push(PortRange { from, to })
                    }
                    (Fact::Unknown { reason, location }, _)
                    | (_, Fact::Unknown { reason, location }) => {
                        return Fact::Unknown {
                            reason,
                            location: location.or(def),
                        };
                    }
                    _ => {
                        return Fact::Unknown {
                            reason: "a port range without `from` or `to`".to_string(),
                            location: def,
                        };
                    }
                }
            }
            Fact::Known {
                value: out,
                location: def,
            }
        }
        Got::Val(v, def) => unknown_fact(&v, def, "list"),
    }
}

fn firewall(ev: &mut Evaluator<'_>, config: &Value) -> FirewallFacts {
    let fw = match get(ev, config, &["networking", "firewall"]) {
        Got::Missing => return FirewallFacts::default_unset(),
        Got::Val(v, _) => v,
    };
    let enable = bool_fact(get(ev, &fw, &["enable"]));
    let got = get(ev, &fw, &["allowedTCPPorts"]);
    let allowed_tcp_ports = int_list_fact(ev, got);
    let got = get(ev, &fw, &["allowedUDPPorts"]);
    let allowed_udp_ports = int_list_fact(ev, got);
    let got = get(ev, &fw, &["allowedTCPPortRanges"]);
    let allowed_tcp_port_ranges = range_list_fact(ev, got);
    let got = get(ev, &fw, &["allowedUDPPortRanges"]);
    let allowed_udp_port_ranges = range_list_fact(ev, got);
    FirewallFacts {
        enable,
        allowed_tcp_ports,
        allowed_udp_ports,
        allowed_tcp_port_ranges,
        allowed_udp_port_ranges,
    }
}

/// A path option: repository-relative for a repository path, else the text.
fn path_fact(v: &Value, def: Option<Location>) -> Fact<String> {
    match v {
        Value::Path(p) => Fact::Known {
            value: p.path.clone(),
            location: p.location.clone().or(def),
        },
        other => string_fact(other, def),
    }
}

fn sops(ev: &mut Evaluator<'_>, config: &Value) -> Option<SopsFacts> {
    let sops = match get(ev, config, &["sops"]) {
        Got::Missing => return None,
        Got::Val(v, _) => v,
    };
    let default_sops_file = match get(ev, &sops, &["defaultSopsFile"]) {
        Got::Missing => Fact::Unset,
        Got::Val(v, def) => path_fact(&v, def),
    };
    let mut secrets = Vec::new();
    let mut secrets_unknown = Vec::new();
    match get(ev, &sops, &["secrets"]) {
        Got::Missing => {}
        Got::Val(Value::Attrs(set), _) => {
            if let Some(f) = &set.fallback
                && f.kind != UnknownKind::Undefined
            {
                secrets_unknown.push(f.reason.clone());
            }
            for (name, entry) in &set.entries {
                let v = ev.force(entry.value);
                let sops_file = match get(ev, &v, &["sopsFile"]) {
                    Got::Missing => default_sops_file.clone(),
                    Got::Val(v, def) => path_fact(&v, def),
                };
                secrets.push(SopsSecret {
                    name: name.clone(),
                    location: entry.location.clone(),
                    sops_file,
                });
            }
        }
        Got::Val(v, _) => secrets_unknown.push(match v {
            Value::Unknown(u) => u.reason.clone(),
            other => format!("`sops.secrets` is a {}", other.type_name()),
        }),
    }
    Some(SopsFacts {
        default_sops_file,
        secrets,
        secrets_unknown,
    })
}

/// The result of walking a configuration path.
enum Got {
    /// No module defines it.
    Missing,
    /// The value and the location of its definition (the attribute name).
    Val(Value, Option<Location>),
}

fn get(ev: &mut Evaluator<'_>, root: &Value, path: &[&str]) -> Got {
    let mut current = root.clone();
    let mut location = None;
    for key in path {
        match current {
            Value::Attrs(a) => match a.get(key) {
                Some(e) => {
                    location = e.location.clone();
                    let t = e.value;
                    current = ev.force(t);
                }
                // A set only partly known (an unknown definition of it) may
                // define the name: unknown, not unset.
                None => match &a.fallback {
                    Some(f) if f.kind != UnknownKind::Undefined => {
                        return Got::Val(Value::Unknown(Rc::clone(f)), location);
                    }
                    _ => return Got::Missing,
                },
            },
            Value::Unknown(u) if u.kind == UnknownKind::Undefined => return Got::Missing,
            Value::Unknown(_) => return Got::Val(current, location),
            other => {
                let reason = format!("`{key}` selected from a {}", other.type_name());
                return Got::Val(
                    Value::unknown(UnknownKind::Error, reason, location.clone()),
                    location,
                );
            }
        }
    }
    match current {
        Value::Unknown(u) if u.kind == UnknownKind::Undefined => Got::Missing,
        v => Got::Val(v, location),
    }
}

fn unknown_fact<T>(v: &Value, def: Option<Location>, expected: &str) -> Fact<T> {
    match v {
        Value::Unknown(u) => Fact::Unknown {
            reason: u.reason.clone(),
            location: u.location.clone().or(def),
        },
        other => Fact::Unknown {
            reason: format!("expected a {expected}, found a {}", other.type_name()),
            location: def,
        },
    }
}

fn string_fact(v: &Value, def: Option<Location>) -> Fact<String> {
    match v {
        Value::String(s) => Fact::Known {
            value: s.text.clone(),
            location: s.location.clone().or(def),
        },
        Value::Null => Fact::Unset,
        other => unknown_fact(other, def, "string"),
    }
}

fn string_fact_at(ev: &mut Evaluator<'_>, root: &Value, path: &[&str]) -> Fact<String> {
    match get(ev, root, path) {
        Got::Missing => Fact::Unset,
        Got::Val(v, def) => string_fact(&v, def),
    }
}

fn bool_fact(got: Got) -> Fact<bool> {
    match got {
        Got::Missing => Fact::Unset,
        Got::Val(Value::Bool(b), def) => Fact::Known {
            value: b,
            location: def,
        },
        Got::Val(v, def) => unknown_fact(&v, def, "bool"),
    }
}

fn int_fact(got: Got) -> Fact<i64> {
    match got {
        Got::Missing => Fact::Unset,
        Got::Val(Value::Int(i), def) => Fact::Known {
            value: i,
            location: def,
        },
        Got::Val(v, def) => unknown_fact(&v, def, "int"),
    }
}

fn string_list_fact(ev: &mut Evaluator<'_>, got: Got) -> Fact<Vec<String>> {
    match got {
        Got::Missing => Fact::Unset,
        Got::Val(Value::List(items), def) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match ev.force(*item) {
                    Value::String(s) => out.push(s.text.clone()),
                    other => return unknown_fact(&other, def, "string"),
                }
            }
            Fact::Known {
                value: out,
                location: def,
            }
        }
        Got::Val(v, def) => unknown_fact(&v, def, "list"),
    }
}

fn addresses(ev: &mut Evaluator<'_>, config: &Value) -> Vec<InterfaceAddress> {
    let mut out = Vec::new();
    let Got::Val(Value::Attrs(ifaces), _) = get(ev, config, &["networking", "interfaces"]) else {
        return out;
    };
    for (name, entry) in &ifaces.entries {
        let iface = ev.force(entry.value);
        match get(ev, &iface, &["ipv4", "addresses"]) {
            Got::Missing => {}
            Got::Val(Value::List(items), _) => {
                for item in items.iter() {
                    let v = ev.force(*item);
                    let address = string_fact_at(ev, &v, &["address"]);
                    let prefix_length = int_fact(get(ev, &v, &["prefixLength"]));
                    out.push(InterfaceAddress {
                        interface: name.clone(),
                        address,
                        prefix_length,
                    });
                }
            }
            Got::Val(v, def) => out.push(InterfaceAddress {
                interface: name.clone(),
                address: unknown_fact(&v, def, "list"),
                prefix_length: Fact::Unset,
            }),
        }
    }
    out
}

/// `systemd.network.networks.<name>`: `address = [ "10.0.0.5/24" ]` and
/// `addresses = [ { Address = …; } ]` (or `addressConfig.Address`), on the
/// interface `matchConfig.Name` names (else the network's name).
fn networkd_addresses(ev: &mut Evaluator<'_>, config: &Value, out: &mut Vec<InterfaceAddress>) {
    let Got::Val(Value::Attrs(networks), _) = get(ev, config, &["systemd", "network", "networks"])
    else {
        return;
    };
    for (name, entry) in &networks.entries {
        let network = ev.force(entry.value);
        let interface = match string_fact_at(ev, &network, &["matchConfig", "Name"]) {
            Fact::Known { value, .. } => value,
            _ => name.clone(),
        };
        let mut cidrs: Vec<(Value, Option<Location>)> = Vec::new();
        match get(ev, &network, &["address"]) {
            Got::Val(Value::List(items), def) => {
                for item in items.iter() {
                    cidrs.push((ev.force(*item), def.clone()));
                }
            }
            Got::Val(v, def) => cidrs.push((v, def)),
            Got::Missing => {}
        }
        if let Got::Val(Value::List(items), def) = get(ev, &network, &["addresses"]) {
            for item in items.iter() {
                let v = ev.force(*item);
                let got = match get(ev, &v, &["Address"]) {
                    Got::Missing => get(ev, &v, &["addressConfig", "Address"]),
                    got => got,
                };
                if let Got::Val(v, d) = got {
                    cidrs.push((v, d.or(def.clone())));
                }
            }
        }
        for (v, def) in cidrs {
            let (address, prefix_length) = match string_fact(&v, def) {
                Fact::Known { value, location } => {
                    let (ip, prefix) = match value.split_once('/') {
                        Some((ip, p)) => (ip.to_string(), p.parse::<i64>().ok()),
                        None => (value.clone(), None),
                    };
                    // Only IPv4 here, like `networking.interfaces.*.ipv4`.
                    if ip.parse::<std::net::Ipv4Addr>().is_err() {
                        continue;
                    }
                    let prefix = match prefix {
                        Some(p) => Fact::Known {
                            value: p,
                            location: location.clone(),
                        },
                        None => Fact::Unset,
                    };
                    (
                        Fact::Known {
                            value: ip,
                            location,
                        },
                        prefix,
                    )
                }
                Fact::Unset => continue,
                unknown => (unknown, Fact::Unset),
            };
            out.push(InterfaceAddress {
                interface: interface.clone(),
                address,
                prefix_length,
            });
        }
    }
}

fn k3s(ev: &mut Evaluator<'_>, config: &Value) -> Option<K3sFacts> {
    let k3s = match get(ev, config, &["services", "k3s"]) {
        Got::Missing => return None,
        Got::Val(v @ Value::Attrs(_), _) => v,
        Got::Val(v, def) => {
            let reason = match &v {
                Value::Unknown(u) => u.reason.clone(),
                other => format!("`services.k3s` is a {}", other.type_name()),
            };
            let unknown = || unknown_fact(&v, def.clone(), "set");
            return Some(K3sFacts {
                enable: unknown(),
                role: unknown_fact(&v, def.clone(), "set"),
                cluster_init: unknown(),
                server_addr: unknown_fact(&v, def.clone(), "set"),
                token: TokenSource::Unknown {
                    reason: reason.clone(),
                },
                environment_file: unknown_fact(&v, def.clone(), "set"),
                extra_flags: Vec::new(),
                extra_flags_unknown: vec![reason],
                extra_flags_location: def,
            });
        }
    };
    let enable = bool_fact(get(ev, &k3s, &["enable"]));
    let role = string_fact_at(ev, &k3s, &["role"]);
    let cluster_init = bool_fact(get(ev, &k3s, &["clusterInit"]));
    let server_addr = string_fact_at(ev, &k3s, &["serverAddr"]);
    let environment_file = match get(ev, &k3s, &["environmentFile"]) {
        Got::Missing => Fact::Unset,
        Got::Val(v, def) => path_fact(&v, def),
    };

    let mut extra_flags = Vec::new();
    let mut extra_flags_unknown = Vec::new();
    let mut extra_flags_location = None;
    let mut token_in_flags = false;
    match get(ev, &k3s, &["extraFlags"]) {
        Got::Missing => {}
        Got::Val(v, def) => {
            extra_flags_location = def;
            let mut push = |s: &str, out: &mut Vec<String>| {
                for flag in split_flags(s) {
                    token_in_flags |= flag.redacted;
                    out.push(flag.text);
                }
            };
            match v {
                Value::String(s) => push(&s.text, &mut extra_flags),
                Value::List(items) => {
                    for item in items.iter() {
                        match ev.force(*item) {
                            Value::String(s) => push(&s.text, &mut extra_flags),
                            Value::Unknown(u) => extra_flags_unknown.push(u.reason.clone()),
                            other => extra_flags_unknown
                                .push(format!("an entry is a {}", other.type_name())),
                        }
                    }
                }
                Value::Unknown(u) => extra_flags_unknown.push(u.reason.clone()),
                other => {
                    extra_flags_unknown.push(format!("`extraFlags` is a {}", other.type_name()))
                }
            }
        }
    }

    // `--cluster-init` in the flags is `clusterInit = true` (k3s reads both).
    let cluster_init = match cluster_init {
        Fact::Unset
            if extra_flags
                .iter()
                .any(|f| f == "--cluster-init" || f == "--cluster-init=true") =>
        {
            Fact::Known {
                value: true,
                location: extra_flags_location.clone(),
            }
        }
        other => other,
    };

    let token = match get(ev, &k3s, &["token"]) {
        Got::Val(Value::Null, _) | Got::Missing => match get(ev, &k3s, &["tokenFile"]) {
            Got::Val(Value::Null, _) | Got::Missing if token_in_flags => TokenSource::Literal {
                location: extra_flags_location.clone(),
            },
            Got::Val(Value::Null, _) | Got::Missing => TokenSource::None,
            Got::Val(Value::Path(p), def) => TokenSource::File {
                path: if p.in_repo {
                    Fact::Unknown {
                        reason: "a path in the repository is copied to the Nix store; its store path is not known statically"
                            .to_string(),
                        location: p.location.clone().or(def),
                    }
                } else {
                    Fact::Known {
                        value: p.path.clone(),
                        location: p.location.clone().or(def),
                    }
                },
            },
            Got::Val(v, def) => TokenSource::File {
                path: string_fact(&v, def),
            },
        },
        // Whatever the value, setting `token` puts it in the store.
        Got::Val(v, def) => {
            let location = match &v {
                Value::String(s) => s.location.clone().or(def),
                _ => def,
            };
            TokenSource::Literal { location }
        }
    };

    let all_unset = enable.is_unset()
        && role.is_unset()
        && cluster_init.is_unset()
        && server_addr.is_unset()
        && matches!(token, TokenSource::None)
        && environment_file.is_unset()
        && extra_flags.is_empty()
        && extra_flags_unknown.is_empty();
    if all_unset {
        return None;
    }
    Some(K3sFacts {
        enable,
        role,
        cluster_init,
        server_addr,
        token,
        environment_file,
        extra_flags,
        extra_flags_unknown,
        extra_flags_location,
    })
}

/// k3s flags whose value is a secret.
const SECRET_FLAGS: &[&str] = &["--token", "-t", "--agent-token", "--datastore-endpoint"];

struct Flag {
    text: String,
    redacted: bool,
}

/// Splits a k3s flag string into flags with their values: `"--disable
/// servicelb --flannel-backend=none"` gives `["--disable servicelb",
/// "--flannel-backend=none"]`. Words not starting with `-` belong to the flag
/// before them; quoted words stay whole; secret values are redacted.
/// The flags of a k3s flag string, one entry per flag with its value, secret
/// values redacted: the form both tiers compare.
pub(crate) fn flag_texts(s: &str) -> Vec<String> {
    split_flags(s).into_iter().map(|flag| flag.text).collect()
}

fn split_flags(s: &str) -> Vec<Flag> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    let mut flags: Vec<(String, Vec<String>)> = Vec::new();
    for word in words {
        match flags.last_mut() {
            Some((_, values)) if !word.starts_with('-') => values.push(word),
            _ => flags.push((word, Vec::new())),
        }
    }
    flags
        .into_iter()
        .map(|(flag, values)| {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (flag.clone(), None),
            };
            if SECRET_FLAGS.contains(&name.as_str()) {
                let text = match (inline, values.is_empty()) {
                    (Some(_), _) => format!("{name}=<redacted>"),
                    (None, false) => format!("{name} <redacted>"),
                    (None, true) => name,
                };
                Flag {
                    text,
                    redacted: true,
                }
            } else {
                let mut text = flag;
                for v in values {
                    text.push(' ');
                    text.push_str(&v);
                }
                Flag {
                    text,
                    redacted: false,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        split_flags(s).into_iter().map(|f| f.text).collect()
    }

    #[test]
    fn flags_split_into_flag_value_pairs() {
        assert_eq!(
            texts("--disable servicelb  --flannel-backend=none --node-label a=b --tls-san x"),
            [
                "--disable servicelb",
                "--flannel-backend=none",
                "--node-label a=b",
                "--tls-san x"
            ]
        );
        assert_eq!(texts("--disable servicelb"), ["--disable servicelb"]);
        assert_eq!(texts("--node-label \"a b\""), ["--node-label a b"]);
        assert_eq!(texts(""), Vec::<String>::new());
    }

    #[test]
    fn secret_flag_values_are_redacted() {
        let flags = split_flags("--token s3cr3t --agent-token=abc --disable traefik");
        let texts: Vec<_> = flags.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "--token <redacted>",
                "--agent-token=<redacted>",
                "--disable traefik"
            ]
        );
        assert!(flags[0].redacted);
    }
}
