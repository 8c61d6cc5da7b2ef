//! What the Flux tree deploys onto a cluster, recognised by what it is, not
//! by how one repository names it: HelmRelease (and k3s `HelmChart`) chart
//! names, the kinds of plain manifests (`IPAddressPool`,
//! `CiliumLoadBalancerIPPool`, `IngressClass`), and the container images of
//! plain workloads.

use strata_core::Location;
use strata_flux::K8sObject;
use strata_flux::flux_kinds::{api_group, is_helm_release};
use strata_flux::yaml::Yaml;

use super::k3s_settings::Setting;
use crate::rules::flux::workloads::{ImageRef, containers, pod_spec};

/// A container network plugin that replaces flannel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CniKind {
    /// Cilium.
    Cilium,
    /// Calico (the `tigera-operator` chart or calico's own manifests).
    Calico,
}

impl CniKind {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            CniKind::Cilium => "Cilium",
            CniKind::Calico => "Calico",
        }
    }
}

/// A deployed CNI.
#[derive(Clone, Debug)]
pub struct Cni<'a> {
    /// Which.
    pub kind: CniKind,
    /// The HelmRelease or workload that deploys it.
    pub object: &'a K8sObject,
    /// The chart name or image that says what it is.
    pub location: Location,
    /// The pod networks it assigns (Cilium cluster-pool
    /// `ipam.operator.clusterPoolIPv4PodCIDRList`, Calico IP pools), when
    /// written in its values.
    pub pod_cidrs: Vec<Setting<String>>,
    /// Cilium `kubeProxyReplacement` when set (`true`/`strict` = on).
    pub kube_proxy_replacement: Option<Setting<bool>>,
    /// Cilium `ipam.mode` when set (`kubernetes` takes each node's pod CIDR
    /// from k3s; the chart's default `cluster-pool` assigns its own).
    pub ipam_mode: Option<String>,
    /// Every value of the release is in `spec.values` (no `valuesFrom`), so
    /// an absent value is the chart's default.
    pub values_complete: bool,
}

/// Something that answers `LoadBalancer` Services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoadBalancerKind {
    /// MetalLB.
    MetalLb,
    /// kube-vip in services mode (`svc_enable`, or kube-vip-cloud-provider).
    KubeVip,
    /// Cilium's LB IPAM (a `CiliumLoadBalancerIPPool`).
    CiliumLbIpam,
}

impl LoadBalancerKind {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadBalancerKind::MetalLb => "MetalLB",
            LoadBalancerKind::KubeVip => "kube-vip",
            LoadBalancerKind::CiliumLbIpam => "Cilium LB IPAM",
        }
    }
}

/// A deployed load balancer.
#[derive(Clone, Debug)]
pub struct LoadBalancer<'a> {
    /// Which.
    pub kind: LoadBalancerKind,
    /// The object that shows it (HelmRelease, pool, workload).
    pub object: &'a K8sObject,
    /// The chart name, kind or image that says what it is.
    pub location: Location,
}

/// An address pool a load balancer hands out (`IPAddressPool`,
/// `CiliumLoadBalancerIPPool`).
#[derive(Clone, Debug)]
pub struct AddressPool<'a> {
    /// Whose pool.
    pub kind: LoadBalancerKind,
    /// The pool object.
    pub object: &'a K8sObject,
    /// Its addresses as written: CIDRs (`10.0.0.0/28`) or ranges
    /// (`10.0.0.10-10.0.0.20`); Cilium `start`/`stop` blocks as ranges.
    pub addresses: Vec<Setting<String>>,
    /// Announced in layer 2 mode (a MetalLB `L2Advertisement` selecting it,
    /// or a `CiliumL2AnnouncementPolicy`): its addresses must lie in a host
    /// subnet.
    pub layer2: bool,
}

/// A deployed ingress controller and the classes it serves.
#[derive(Clone, Debug)]
pub struct IngressController<'a> {
    /// The controller (`ingress-nginx`, `traefik`, `haproxy`…).
    pub name: &'static str,
    /// The object that deploys it.
    pub object: &'a K8sObject,
    /// The chart name or image that says what it is.
    pub location: Location,
    /// The IngressClass names it serves (its chart default unless the
    /// values name another).
    pub classes: Vec<String>,
}

/// A cluster DNS the tree deploys itself (the `coredns` chart, with k3s's
/// own CoreDNS disabled).
#[derive(Clone, Debug)]
pub struct ClusterDns<'a> {
    /// The HelmRelease.
    pub object: &'a K8sObject,
    /// `service.clusterIP`, when written.
    pub cluster_ip: Option<Setting<String>>,
}

/// A storage system whose nodes need host support.
#[derive(Clone, Debug)]
pub struct StorageSystem<'a> {
    /// `longhorn`, `nfs-subdir-external-provisioner`, `csi-driver-nfs`…
    pub name: &'static str,
    /// The object that deploys it.
    pub object: &'a K8sObject,
    /// The chart name or image that says what it is.
    pub location: Location,
    /// Its nodes need an iSCSI initiator (`services.openiscsi`).
    pub needs_iscsi: bool,
    /// Its nodes need an NFS client (`boot.supportedFilesystems = [ "nfs" ]`).
    pub needs_nfs: bool,
    /// Longhorn's replica count (`persistence.defaultClassReplicaCount`,
    /// `defaultSettings.defaultReplicaCount`), when written.
    pub replicas: Option<Setting<i64>>,
    /// Every value of the release is in `spec.values`.
    pub values_complete: bool,
}

/// The chart a HelmRelease (or a k3s `HelmChart`) installs, by its last
/// path segment (`oci://ghcr.io/x/charts/cilium` → `cilium`), and where the
/// name is written.
pub fn chart_of<'a>(object: &'a K8sObject, all: &'a [K8sObject]) -> Option<(String, Location)> {
    let path = if is_helm_release(&object.api_version, &object.kind) {
        if let Some(chart) = object.doc.path("spec.chart.spec.chart") {
            return chart_name(chart).map(|n| (n, object.location_at(chart)));
        }
        // chartRef → an OCIRepository whose URL ends in the chart's name.
        if object.doc.path("spec.chartRef.kind").and_then(Yaml::as_str) != Some("OCIRepository") {
            return None;
        }
        let name = object
            .doc
            .path("spec.chartRef.name")
            .and_then(Yaml::as_str)?;
        let namespace = object
            .doc
            .path("spec.chartRef.namespace")
            .and_then(Yaml::as_str)
            .or(object.namespace.as_deref());
        let repo = all.iter().find(|o| {
            o.kind == "OCIRepository"
                && o.name == name
                && o.namespace.as_deref() == namespace
                && o.cluster == object.cluster
        })?;
        let url = repo.doc.path("spec.url")?;
        let name_node = object.doc.path("spec.chartRef.name")?;
        return chart_name(url).map(|n| (n, object.location_at(name_node)));
    } else if object.kind == "HelmChart" && api_group(&object.api_version) == "helm.cattle.io" {
        "spec.chart"
    } else {
        return None;
    };
    let chart = object.doc.path(path)?;
    chart_name(chart).map(|n| (n, object.location_at(chart)))
}

fn chart_name(node: &Yaml) -> Option<String> {
    let text = node.as_str()?.trim().trim_end_matches('/');
    if text.contains("${") || text.is_empty() {
        return None;
    }
    Some(text.rsplit('/').next().unwrap_or(text).to_ascii_lowercase())
}

/// The values of a HelmRelease (`spec.values`) or k3s HelmChart
/// (`spec.valuesContent` is text and not read), and whether they are all
/// there (no `valuesFrom`).
pub fn helm_values(object: &K8sObject) -> (Option<&Yaml>, bool) {
    if !is_helm_release(&object.api_version, &object.kind) {
        return (None, false);
    }
    let complete = object
        .doc
        .path("spec.valuesFrom")
        .is_none_or(|v| v.as_seq().is_empty());
    (object.doc.path("spec.values"), complete)
}

/// A scalar value at `path` of `values`, unless it holds a `${…}` that Flux
/// has not substituted (then not known).
pub fn value_text<'y>(values: Option<&'y Yaml>, path: &str) -> Option<(String, &'y Yaml)> {
    let node = values?.path(path)?;
    let text = node.scalar_text()?.into_owned();
    (!text.contains("${")).then_some((text, node))
}

/// A boolean value (`true`, `"true"`) at `path`.
pub fn value_bool<'y>(values: Option<&'y Yaml>, path: &str) -> Option<(bool, &'y Yaml)> {
    let (text, node) = value_text(values, path)?;
    match text.to_ascii_lowercase().as_str() {
        "true" | "strict" => Some((true, node)),
        "false" | "disabled" | "partial" => Some((false, node)),
        _ => None,
    }
}

/// The chart names of each CNI.
pub(crate) fn cni_of_chart(chart: &str) -> Option<CniKind> {
    match chart {
        "cilium" => Some(CniKind::Cilium),
        "tigera-operator" | "calico" => Some(CniKind::Calico),
        _ => None,
    }
}

/// Ingress controller charts and the class each serves by default, with the
/// values paths that rename it.
pub(crate) const INGRESS_CHARTS: &[(&str, &str, &str, &[&str])] = &[
    (
        "ingress-nginx",
        "ingress-nginx",
        "nginx",
        &[
            "controller.ingressClassResource.name",
            "controller.ingressClass",
        ],
    ),
    (
        "nginx-ingress",
        "nginx-ingress",
        "nginx",
        &["controller.ingressClass.name", "controller.ingressClass"],
    ),
    ("traefik", "traefik", "traefik", &["ingressClass.name"]),
    (
        "haproxy-ingress",
        "haproxy-ingress",
        "haproxy",
        &["ingressClass", "controller.ingressClass"],
    ),
    (
        "kubernetes-ingress",
        "haproxy",
        "haproxy",
        &[
            "controller.ingressClass",
            "controller.ingressClassResource.name",
        ],
    ),
    (
        "contour",
        "contour",
        "contour",
        &["contour.ingressClass.name", "ingressClass.name"],
    ),
    ("kong", "kong", "kong", &["ingressController.ingressClass"]),
    (
        "ingress",
        "kong",
        "kong",
        &["controller.ingressController.ingressClass"],
    ),
];

/// Storage charts: (chart, name, needs iSCSI, needs NFS).
pub(crate) const STORAGE_CHARTS: &[(&str, &str, bool, bool)] = &[
    ("longhorn", "longhorn", true, false),
    (
        "nfs-subdir-external-provisioner",
        "nfs-subdir-external-provisioner",
        false,
        true,
    ),
    ("csi-driver-nfs", "csi-driver-nfs", false, true),
    ("nfs-provisioner", "nfs-provisioner", false, true),
];

/// What a container image is, when it is one of the components above:
/// (repository path suffix, what).
#[derive(Clone, Copy)]
pub(crate) enum ImageKind {
    Cni(CniKind),
    LoadBalancer(LoadBalancerKind),
    Ingress(&'static str, &'static str),
    Storage(&'static str, bool, bool),
}

const IMAGES: &[(&str, ImageKind)] = &[
    (
        "metallb/controller",
        ImageKind::LoadBalancer(LoadBalancerKind::MetalLb),
    ),
    (
        "metallb/speaker",
        ImageKind::LoadBalancer(LoadBalancerKind::MetalLb),
    ),
    (
        "kube-vip/kube-vip-cloud-provider",
        ImageKind::LoadBalancer(LoadBalancerKind::KubeVip),
    ),
    ("cilium/cilium", ImageKind::Cni(CniKind::Cilium)),
    ("calico/node", ImageKind::Cni(CniKind::Calico)),
    (
        "ingress-nginx/controller",
        ImageKind::Ingress("ingress-nginx", "nginx"),
    ),
    (
        "longhornio/longhorn-manager",
        ImageKind::Storage("longhorn", true, false),
    ),
    (
        "sig-storage/nfs-subdir-external-provisioner",
        ImageKind::Storage("nfs-subdir-external-provisioner", false, true),
    ),
    (
        "sig-storage/nfsplugin",
        ImageKind::Storage("csi-driver-nfs", false, true),
    ),
];

/// The components a plain workload's images show, with where each image is
/// written. kube-vip's own image counts as a load balancer only when its
/// `svc_enable` environment variable is `"true"` (services mode).
pub(crate) fn image_kinds(object: &K8sObject) -> Vec<(ImageKind, Location)> {
    let Some(spec) = pod_spec(object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for container in containers(spec, false) {
        let Some(image_node) = container.get("image") else {
            continue;
        };
        let Some(image) = image_node.as_str() else {
            continue;
        };
        let name = ImageRef::parse(image).name;
        let location = object.location_at(image_node);
        if let Some((_, kind)) = IMAGES
            .iter()
            .find(|(suffix, _)| name == *suffix || name.ends_with(&format!("/{suffix}")))
        {
            out.push((*kind, location));
        } else if (name == "kube-vip/kube-vip" || name.ends_with("/kube-vip/kube-vip"))
            && env_value(container, "svc_enable").as_deref() == Some("true")
        {
            out.push((ImageKind::LoadBalancer(LoadBalancerKind::KubeVip), location));
        }
    }
    out
}

/// A container's literal environment variable.
pub(crate) fn env_value(container: &Yaml, name: &str) -> Option<String> {
    container
        .get("env")?
        .as_seq()
        .iter()
        .find(|e| e.get("name").and_then(Yaml::as_str) == Some(name))?
        .get("value")?
        .scalar_text()
        .map(|t| t.into_owned())
}

/// The virtual IPs a kube-vip workload (env `address` / `vip_address`) or
/// HelmRelease (values `config.address`, `env.address`, `env.vip_address`)
/// announces.
pub(crate) fn kube_vip_addresses(object: &K8sObject) -> Vec<(String, Location)> {
    let mut out = Vec::new();
    let literal = |node: &Yaml| {
        node.as_str()
            .filter(|t| !t.contains("${") && !t.is_empty())
            .map(str::to_string)
    };
    if let Some(spec) = pod_spec(object) {
        for container in containers(spec, false) {
            let image = container.get("image").and_then(Yaml::as_str).unwrap_or("");
            if !ImageRef::parse(image).name.ends_with("kube-vip/kube-vip") {
                continue;
            }
            for entry in container.get("env").map(Yaml::as_seq).unwrap_or(&[]) {
                let name = entry.get("name").and_then(Yaml::as_str);
                if matches!(name, Some("address" | "vip_address"))
                    && let Some(value) = entry.get("value")
                    && let Some(text) = literal(value)
                {
                    out.push((text, object.location_at(value)));
                }
            }
        }
    }
    let (values, _) = helm_values(object);
    if let Some(values) = values
        && matches!(object.doc.path("spec.chart.spec.chart").and_then(Yaml::as_str), Some(c) if c.ends_with("kube-vip"))
    {
        for path in ["config.address", "env.address", "env.vip_address"] {
            if let Some(node) = values.path(path)
                && let Some(text) = literal(node)
            {
                out.push((text, object.location_at(node)));
            }
        }
    }
    out
}
