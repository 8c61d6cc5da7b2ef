//! Reading one host declaration's facts from its merged configuration:
//! hostname, deploy target, addresses, firewall, k3s, sops-nix, deploy-rs.

use std::rc::Rc;

use strata_core::{Code, Diagnostic, Location, NodeId};

use super::attr;
use super::discover::HostDecl;
use super::fact_reader::{Got, config_fact_at, fact, fact_at, get, path_fact, unknown_fact};
use super::k3s_flags::split_flags;
use crate::eval::{Evaluator, ThunkId, UnknownKind, Value};
use crate::facts::{
    DeployProfile, DeployRsFacts, Fact, FirewallFacts, HostFacts, HostSource, InterfaceAddress,
    InterfaceFirewall, K3sFacts, PortRange, SopsFacts, SopsSecret, TokenSource,
};

/// Reads the facts one declaration gives.
pub(super) fn read_decl(
    ev: &mut Evaluator<'_>,
    decl: &HostDecl,
    diagnostics: &mut Vec<Diagnostic>,
) -> HostFacts {
    let mut host = HostFacts::new(&decl.name, Vec::new());
    host.sources.push(decl.source);
    host.location = decl.location.clone();
    if let Some(system) = decl.system {
        let v = ev.force(system);
        host.system = fact::<String>(ev, Got::Val(v.clone(), None));
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

    let name = decl.name.as_str();
    host.hostname =
        config_fact_at::<String>(ev, &config, &["networking", "hostName"], name, diagnostics);
    if host.system.is_unset() {
        host.system = fact_at::<String>(ev, &config, &["nixpkgs", "hostPlatform"]);
    }
    if decl.source == HostSource::Colmena {
        host.target_host = match config_fact_at::<String>(
            ev,
            &config,
            &["deployment", "targetHost"],
            name,
            diagnostics,
        ) {
            // Colmena's default: the node name.
            Fact::Unset => Fact::Known {
                value: decl.name.clone(),
                location: None,
            },
            other => other,
        };
        host.target_user = match config_fact_at::<String>(
            ev,
            &config,
            &["deployment", "targetUser"],
            name,
            diagnostics,
        ) {
            Fact::Unset => Fact::Known {
                value: "root".to_string(),
                location: None,
            },
            other => other,
        };
        let tags = get(ev, &config, &["deployment", "tags"]);
        host.tags = fact::<Vec<String>>(ev, tags);
        host.target_port = config_fact_at::<i64>(
            ev,
            &config,
            &["deployment", "targetPort"],
            name,
            diagnostics,
        );
    }
    host.addresses = addresses(ev, &config);
    networkd_addresses(ev, &config, &mut host.addresses);
    host.virtual_ips = virtual_ips(ev, &config);
    host.firewall = firewall(ev, &config);
    host.k3s = k3s(ev, &config, name, diagnostics);
    host.openiscsi = config_fact_at::<bool>(
        ev,
        &config,
        &["services", "openiscsi", "enable"],
        name,
        diagnostics,
    );
    host.kernel_modules = fact_at::<Vec<String>>(ev, &config, &["boot", "kernelModules"]);
    host.supported_filesystems = supported_filesystems(ev, &config);
    host.nfs_mounts = super::read_nfs_mounts::nfs_mounts(ev, &config, name, diagnostics);
    host.sops = sops(ev, &config);
    host.state_version =
        config_fact_at::<String>(ev, &config, &["system", "stateVersion"], name, diagnostics);
    // A module of the repository that could not be evaluated may define
    // what no read module does: unknown, not unset.
    if let Some(why) = set.unread.first() {
        let unknown = || Fact::Unknown {
            reason: format!("a module of this host could not be read: {why}"),
            location: None,
        };
        for fact in [&mut host.hostname, &mut host.state_version] {
            if fact.is_unset() {
                *fact = unknown();
            }
        }
        if host.openiscsi.is_unset() {
            host.openiscsi = Fact::Unknown {
                reason: format!("a module of this host could not be read: {why}"),
                location: None,
            };
        }
        if host.nfs_mounts.present() == Some(false) {
            host.nfs_mounts.rpcbind = Fact::Unknown {
                reason: format!("a module of this host could not be read: {why}"),
                location: None,
            };
        }
    }
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
        host.target_host = fact::<String>(ev, Got::Val(v.clone(), None));
    }
    if let Some(u) = deploy_setting(node, top, "sshUser") {
        let v = ev.force(u);
        host.target_user = fact::<String>(ev, Got::Val(v.clone(), None));
    }
    if let Some(o) = deploy_setting(node, top, "sshOpts") {
        let def = node
            .get("sshOpts")
            .or_else(|| top.get("sshOpts"))
            .and_then(|e| e.location.clone());
        let got = Got::Val(ev.force(o), def);
        host.target_port = match fact::<Vec<String>>(ev, got) {
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
            fact::<Vec<String>>(
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
            let user = fact_at::<String>(ev, &profile, &["user"]);
            // deploy-rs settings cascade deploy → node → profile: the
            // profile that activates the system may carry the SSH user.
            let profile_ssh_user = fact_at::<String>(ev, &profile, &["sshUser"]);
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

fn firewall(ev: &mut Evaluator<'_>, config: &Value) -> FirewallFacts {
    let fw = match get(ev, config, &["networking", "firewall"]) {
        Got::Missing => return FirewallFacts::default_unset(),
        Got::Val(v, _) => v,
    };
    let enable = fact_at::<bool>(ev, &fw, &["enable"]);
    let got = get(ev, &fw, &["allowedTCPPorts"]);
    let allowed_tcp_ports = fact::<Vec<i64>>(ev, got);
    let got = get(ev, &fw, &["allowedUDPPorts"]);
    let allowed_udp_ports = fact::<Vec<i64>>(ev, got);
    let got = get(ev, &fw, &["allowedTCPPortRanges"]);
    let allowed_tcp_port_ranges = fact::<Vec<PortRange>>(ev, got);
    let got = get(ev, &fw, &["allowedUDPPortRanges"]);
    let allowed_udp_port_ranges = fact::<Vec<PortRange>>(ev, got);
    let got = get(ev, &fw, &["trustedInterfaces"]);
    let trusted_interfaces = fact::<Vec<String>>(ev, got);
    let mut interfaces = Vec::new();
    if let Got::Val(Value::Attrs(ifaces), _) = get(ev, &fw, &["interfaces"]) {
        for (name, entry) in &ifaces.entries {
            let iface = ev.force(entry.value);
            interfaces.push(InterfaceFirewall {
                name: name.clone(),
                allowed_tcp_ports: fact_at::<Vec<i64>>(ev, &iface, &["allowedTCPPorts"]),
                allowed_udp_ports: fact_at::<Vec<i64>>(ev, &iface, &["allowedUDPPorts"]),
                allowed_tcp_port_ranges: fact_at::<Vec<PortRange>>(
                    ev,
                    &iface,
                    &["allowedTCPPortRanges"],
                ),
                allowed_udp_port_ranges: fact_at::<Vec<PortRange>>(
                    ev,
                    &iface,
                    &["allowedUDPPortRanges"],
                ),
            });
        }
    }
    interfaces.sort_by(|a, b| a.name.cmp(&b.name));
    FirewallFacts {
        enable,
        allowed_tcp_ports,
        allowed_udp_ports,
        allowed_tcp_port_ranges,
        allowed_udp_port_ranges,
        trusted_interfaces,
        interfaces,
    }
}

/// `boot.supportedFilesystems`: a list of names, or (newer NixOS) an
/// attribute set of names to booleans.
fn supported_filesystems(ev: &mut Evaluator<'_>, config: &Value) -> Fact<Vec<String>> {
    match get(ev, config, &["boot", "supportedFilesystems"]) {
        Got::Val(Value::Attrs(set), def) => {
            let mut names = Vec::new();
            for (name, entry) in &set.entries {
                match ev.force(entry.value) {
                    Value::Bool(true) => names.push(name.clone()),
                    Value::Bool(false) => {}
                    other => return unknown_fact(&other, def, "bool"),
                }
            }
            Fact::Known {
                value: names,
                location: def,
            }
        }
        got => fact::<Vec<String>>(ev, got),
    }
}

/// `services.k3s.nodeLabel` / `nodeTaint`: a list of `key=value` strings,
/// or an attribute set of keys to values.
fn k3s_string_list(ev: &mut Evaluator<'_>, k3s: &Value, key: &str) -> Fact<Vec<String>> {
    match get(ev, k3s, &[key]) {
        Got::Val(Value::Attrs(set), def) => {
            let mut out = Vec::new();
            for (name, entry) in &set.entries {
                match ev.force(entry.value) {
                    Value::String(s) => out.push(format!("{name}={}", s.text)),
                    other => return unknown_fact(&other, def, "string"),
                }
            }
            Fact::Known {
                value: out,
                location: def,
            }
        }
        got => fact::<Vec<String>>(ev, got),
    }
}

fn sops(ev: &mut Evaluator<'_>, config: &Value) -> Option<SopsFacts> {
    let sops = match get(ev, config, &["sops"]) {
        Got::Missing => return None,
        Got::Val(v, _) => v,
    };
    let default_sops_file = match get(ev, &sops, &["defaultSopsFile"]) {
        Got::Missing => Fact::Unset,
        Got::Val(v, def) => path_fact(ev, &v, def),
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
                    Got::Val(v, def) => path_fact(ev, &v, def),
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
                    let address = fact_at::<String>(ev, &v, &["address"]);
                    let prefix_length = fact_at::<i64>(ev, &v, &["prefixLength"]);
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
        let interface = match fact_at::<String>(ev, &network, &["matchConfig", "Name"]) {
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
            let (address, prefix_length) = match fact::<String>(ev, Got::Val(v.clone(), def)) {
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

/// keepalived's `vrrpInstances.<name>.virtualIps` (`[ { addr = "10.0.0.9/24"; } ]`):
/// the addresses, prefix lengths dropped; unknown ones are left out.
fn virtual_ips(ev: &mut Evaluator<'_>, config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Got::Val(Value::Attrs(instances), _) =
        get(ev, config, &["services", "keepalived", "vrrpInstances"])
    else {
        return out;
    };
    for entry in instances.entries.values() {
        let instance = ev.force(entry.value);
        let Fact::Known { value, .. } = fact_at::<Vec<Value>>(ev, &instance, &["virtualIps"])
        else {
            continue;
        };
        for ip in value {
            let addr = match &ip {
                Value::String(s) => Some(s.text.clone()),
                other => fact_at::<String>(ev, other, &["addr"]).known().cloned(),
            };
            if let Some(addr) = addr {
                let addr = addr.split('/').next().unwrap_or(&addr).to_string();
                if !out.contains(&addr) {
                    out.push(addr);
                }
            }
        }
    }
    out.sort();
    out
}

fn k3s(
    ev: &mut Evaluator<'_>,
    config: &Value,
    host: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<K3sFacts> {
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
                extra_flag_locations: Vec::new(),
                node_labels: unknown_fact(&v, None, "set"),
                node_taints: unknown_fact(&v, None, "set"),
                config_file: unknown_fact(&v, None, "set"),
            });
        }
    };
    let enable = config_fact_at::<bool>(
        ev,
        config,
        &["services", "k3s", "enable"],
        host,
        diagnostics,
    );
    let role =
        config_fact_at::<String>(ev, config, &["services", "k3s", "role"], host, diagnostics);
    let cluster_init = config_fact_at::<bool>(
        ev,
        config,
        &["services", "k3s", "clusterInit"],
        host,
        diagnostics,
    );
    let server_addr = config_fact_at::<String>(
        ev,
        config,
        &["services", "k3s", "serverAddr"],
        host,
        diagnostics,
    );
    let environment_file = match get(ev, &k3s, &["environmentFile"]) {
        Got::Missing => Fact::Unset,
        Got::Val(v, def) => path_fact(ev, &v, def),
    };

    let mut extra_flags = Vec::new();
    let mut extra_flags_unknown = Vec::new();
    let mut extra_flags_location = None;
    let mut extra_flag_locations = Vec::new();
    let mut token_in_flags = false;
    match get(ev, &k3s, &["extraFlags"]) {
        Got::Missing => {}
        Got::Val(v, def) => {
            extra_flags_location = def;
            // `[ "--agent-token" "X" ]`: a secret flag's value is the next
            // item, whatever it looks like (k3s takes the next argument).
            let mut awaits_value = false;
            let mut push = |s: &crate::eval::NixString, out: &mut Vec<String>| {
                if std::mem::take(&mut awaits_value) {
                    if let Some(last) = out.last_mut() {
                        last.push_str(" <redacted>");
                    }
                    return;
                }
                for flag in split_flags(&s.text) {
                    // A list item that is no flag is the value of the flag
                    // before it (`[ "--node-taint" "gpu=true:NoSchedule" ]`):
                    // k3s receives the items as consecutive arguments.
                    if !flag.text.starts_with('-')
                        && let Some(last) = out.last_mut()
                    {
                        last.push(' ');
                        last.push_str(&flag.text);
                        continue;
                    }
                    token_in_flags |= flag.token;
                    awaits_value = flag.awaits_value;
                    out.push(flag.text);
                    extra_flag_locations.push(s.location.clone());
                }
            };
            match v {
                Value::String(s) => push(&s, &mut extra_flags),
                Value::List(items) => {
                    for item in items.iter() {
                        match ev.force(*item) {
                            Value::String(s) => push(&s, &mut extra_flags),
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
                path: fact::<String>(ev, Got::Val(v.clone(), def)),
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
    let node_labels = k3s_string_list(ev, &k3s, "nodeLabel");
    let node_taints = k3s_string_list(ev, &k3s, "nodeTaint");
    let config_file = match get(ev, &k3s, &["configPath"]) {
        Got::Missing => Fact::Unset,
        Got::Val(Value::Null, _) => Fact::Unset,
        Got::Val(v, def) => path_fact(ev, &v, def),
    };
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
        extra_flag_locations,
        node_labels,
        node_taints,
        config_file,
    })
}
