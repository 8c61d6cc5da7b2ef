//! The k3s flags of one node, parsed into typed settings.
//!
//! `extraFlags` arrive normalised by `strata-nix` (one entry per flag with its
//! value, whether written as one string or a list); this reads the flags the
//! cluster's Flux tree depends on: disabled packaged components, the flannel
//! backend, the network policy controller, kube-proxy, the pod and service
//! networks, node labels and taints.

use strata_core::Location;
use strata_nix::{Fact, K3sFacts};

/// A setting and where it is written (the flag's string, else `extraFlags`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub location: Option<Location>,
}

/// A packaged component k3s deploys unless a server disables it
/// (`--disable NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackagedComponent {
    /// `servicelb` (klipper-lb): answers every `LoadBalancer` Service.
    ServiceLb,
    /// `traefik`: the bundled ingress controller (IngressClass `traefik`).
    Traefik,
    /// `local-storage`: the local-path provisioner.
    LocalStorage,
    /// `metrics-server`.
    MetricsServer,
    /// `coredns`.
    CoreDns,
}

impl PackagedComponent {
    /// Every component, in `--disable` order.
    pub const ALL: [PackagedComponent; 5] = [
        PackagedComponent::ServiceLb,
        PackagedComponent::Traefik,
        PackagedComponent::LocalStorage,
        PackagedComponent::MetricsServer,
        PackagedComponent::CoreDns,
    ];

    /// The name `--disable` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            PackagedComponent::ServiceLb => "servicelb",
            PackagedComponent::Traefik => "traefik",
            PackagedComponent::LocalStorage => "local-storage",
            PackagedComponent::MetricsServer => "metrics-server",
            PackagedComponent::CoreDns => "coredns",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// A node label (`--node-label key=value`, `services.k3s.nodeLabel`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLabel {
    /// The key.
    pub key: String,
    /// The value (empty when none is given).
    pub value: String,
}

/// A node taint (`--node-taint key=value:Effect`, `services.k3s.nodeTaint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeTaint {
    /// The key.
    pub key: String,
    /// The value (empty when none is given).
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// What a k3s node's flags say, typed.
///
/// **Invariant:** when [`K3sSettings::complete`] is false (some flag is not
/// known statically, or a `configPath` file adds settings), an absent setting
/// means "not known", never "default": rules that judge a default check
/// `complete` first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct K3sSettings {
    /// Every flag is known and no configuration file adds settings.
    pub complete: bool,
    /// `--disable NAME` (repeatable, or comma-separated).
    pub disabled: Vec<Setting<PackagedComponent>>,
    /// `--flannel-backend` (default `vxlan`; `none` removes flannel).
    pub flannel_backend: Option<Setting<String>>,
    /// `--disable-network-policy`.
    pub disable_network_policy: Option<Setting<bool>>,
    /// `--disable-kube-proxy`.
    pub disable_kube_proxy: Option<Setting<bool>>,
    /// `--cluster-cidr` (default `10.42.0.0/16`), comma-separated for dual stack.
    pub cluster_cidr: Option<Setting<String>>,
    /// `--service-cidr` (default `10.43.0.0/16`).
    pub service_cidr: Option<Setting<String>>,
    /// `--cluster-dns` (default `10.43.0.10`).
    pub cluster_dns: Option<Setting<String>>,
    /// `--node-ip`.
    pub node_ip: Option<Setting<String>>,
    /// `--node-label` and `services.k3s.nodeLabel`.
    pub node_labels: Vec<Setting<NodeLabel>>,
    /// `--node-taint` and `services.k3s.nodeTaint`.
    pub node_taints: Vec<Setting<NodeTaint>>,
    /// Where `extraFlags` is defined: where a missing flag belongs.
    pub flags_location: Option<Location>,
}

/// k3s's default `--cluster-cidr`.
pub const DEFAULT_CLUSTER_CIDR: &str = "10.42.0.0/16";
/// k3s's default `--service-cidr`.
pub const DEFAULT_SERVICE_CIDR: &str = "10.43.0.0/16";
/// k3s's default `--cluster-dns`.
pub const DEFAULT_CLUSTER_DNS: &str = "10.43.0.10";

impl K3sSettings {
    /// Parses a node's k3s facts.
    pub fn read(k3s: &K3sFacts) -> Self {
        let mut s = K3sSettings {
            complete: k3s.flags_complete(),
            flags_location: k3s.extra_flags_location.clone(),
            ..Default::default()
        };
        for (index, flag) in k3s.extra_flags.iter().enumerate() {
            let location = k3s.flag_location(index).cloned();
            let (name, value) = split_flag(flag);
            fn setting<T>(value: T, location: &Option<Location>) -> Setting<T> {
                Setting {
                    value,
                    location: location.clone(),
                }
            }
            let l = &location;
            match name {
                "--disable" => {
                    for part in value.unwrap_or("").split(',') {
                        if let Some(c) = PackagedComponent::parse(part.trim()) {
                            s.disabled.push(setting(c, l));
                        }
                    }
                }
                "--flannel-backend" => s.flannel_backend = value.map(|v| setting(v.to_string(), l)),
                "--disable-network-policy" => {
                    s.disable_network_policy = Some(setting(bool_flag(value), l));
                }
                "--disable-kube-proxy" => s.disable_kube_proxy = Some(setting(bool_flag(value), l)),
                "--cluster-cidr" => s.cluster_cidr = value.map(|v| setting(v.to_string(), l)),
                "--service-cidr" => s.service_cidr = value.map(|v| setting(v.to_string(), l)),
                "--cluster-dns" => s.cluster_dns = value.map(|v| setting(v.to_string(), l)),
                "--node-ip" => s.node_ip = value.map(|v| setting(v.to_string(), l)),
                "--node-label" => {
                    if let Some(label) = value.and_then(parse_label) {
                        s.node_labels.push(setting(label, l));
                    }
                }
                "--node-taint" => {
                    if let Some(taint) = value.and_then(parse_taint) {
                        s.node_taints.push(setting(taint, l));
                    }
                }
                _ => {}
            }
        }
        if let Fact::Known { value, location } = &k3s.node_labels {
            for label in value.iter().filter_map(|l| parse_label(l)) {
                s.node_labels.push(Setting {
                    value: label,
                    location: location.clone(),
                });
            }
        } else if !k3s.node_labels.is_unset() {
            s.complete = false;
        }
        if let Fact::Known { value, location } = &k3s.node_taints {
            for taint in value.iter().filter_map(|t| parse_taint(t)) {
                s.node_taints.push(Setting {
                    value: taint,
                    location: location.clone(),
                });
            }
        } else if !k3s.node_taints.is_unset() {
            s.complete = false;
        }
        s
    }

    /// Where `--disable COMPONENT` is written, when it is.
    pub fn disables(&self, component: PackagedComponent) -> Option<&Setting<PackagedComponent>> {
        self.disabled.iter().find(|d| d.value == component)
    }

    /// Whether flannel runs (`--flannel-backend` is not `none`).
    pub fn keeps_flannel(&self) -> bool {
        self.flannel_backend
            .as_ref()
            .is_none_or(|b| b.value != "none")
    }

    /// Whether k3s's embedded network policy controller runs.
    pub fn keeps_network_policy(&self) -> bool {
        self.disable_network_policy
            .as_ref()
            .is_none_or(|d| !d.value)
    }

    /// Whether kube-proxy runs.
    pub fn keeps_kube_proxy(&self) -> bool {
        self.disable_kube_proxy.as_ref().is_none_or(|d| !d.value)
    }

    /// The pod network(s): `--cluster-cidr`, else k3s's default.
    pub fn pod_cidrs(&self) -> Vec<String> {
        list_or_default(self.cluster_cidr.as_ref(), DEFAULT_CLUSTER_CIDR)
    }

    /// The service network(s): `--service-cidr`, else k3s's default.
    pub fn service_cidrs(&self) -> Vec<String> {
        list_or_default(self.service_cidr.as_ref(), DEFAULT_SERVICE_CIDR)
    }

    /// The cluster DNS address(es): `--cluster-dns`, else k3s's default.
    pub fn cluster_dns_addresses(&self) -> Vec<String> {
        list_or_default(self.cluster_dns.as_ref(), DEFAULT_CLUSTER_DNS)
    }
}

fn list_or_default(setting: Option<&Setting<String>>, default: &str) -> Vec<String> {
    setting
        .map_or(default, |s| s.value.as_str())
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `--name value` or `--name=value` → (`--name`, value).
pub(crate) fn split_flag(flag: &str) -> (&str, Option<&str>) {
    let cut = flag.find([' ', '=']);
    match cut {
        Some(i) => {
            let value = flag[i + 1..].trim();
            (&flag[..i], Some(value.trim_matches(['"', '\''])))
        }
        None => (flag, None),
    }
}

/// A boolean flag: present alone is `true`; `=false` turns it off.
fn bool_flag(value: Option<&str>) -> bool {
    !matches!(value, Some(v) if v.eq_ignore_ascii_case("false"))
}

fn parse_label(text: &str) -> Option<NodeLabel> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (key, value) = text.split_once('=').unwrap_or((text, ""));
    Some(NodeLabel {
        key: key.to_string(),
        value: value.to_string(),
    })
}

fn parse_taint(text: &str) -> Option<NodeTaint> {
    let (rest, effect) = text.trim().rsplit_once(':')?;
    let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
    Some(NodeTaint {
        key: key.to_string(),
        value: value.to_string(),
        effect: effect.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(flags: &[&str]) -> K3sSettings {
        let mut k3s = K3sFacts::unset();
        k3s.extra_flags = flags.iter().map(|f| f.to_string()).collect();
        K3sSettings::read(&k3s)
    }

    #[test]
    fn reads_flags_in_every_spelling() {
        let s = settings(&[
            "--disable servicelb",
            "--disable=traefik,local-storage",
            "--flannel-backend=none",
            "--disable-network-policy",
            "--disable-kube-proxy=false",
            "--cluster-cidr 10.60.0.0/16",
            "--node-label=gpu=true",
            "--node-taint dedicated=db:NoSchedule",
        ]);
        let disabled: Vec<_> = s.disabled.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(disabled, ["servicelb", "traefik", "local-storage"]);
        assert!(!s.keeps_flannel());
        assert!(!s.keeps_network_policy());
        assert!(s.keeps_kube_proxy());
        assert_eq!(s.pod_cidrs(), ["10.60.0.0/16"]);
        assert_eq!(s.service_cidrs(), [DEFAULT_SERVICE_CIDR]);
        assert_eq!(s.node_labels[0].value.key, "gpu");
        assert_eq!(s.node_labels[0].value.value, "true");
        assert_eq!(s.node_taints[0].value.effect, "NoSchedule");
    }

    #[test]
    fn look_alike_flags_disable_nothing() {
        let s = settings(&["--disable-helm-controller", "--disable-cloud-controller"]);
        assert!(s.disabled.is_empty());
        assert!(s.keeps_flannel());
    }
}
