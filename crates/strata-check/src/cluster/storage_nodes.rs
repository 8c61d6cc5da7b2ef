//! Where a storage system runs and what it needs from those hosts: the
//! nodes its node components land on (Longhorn's `longhornManager`
//! placement and `systemManagedComponentsNodeSelector` / `taintToleration`
//! settings; every node without a repelling taint otherwise), and the host
//! support its data path needs.
//!
//! Beside the model's storage table: democratic-csi needs iSCSI or NFS by
//! the driver its values name, and csi-driver-nfs needs nothing from the
//! host (its node plugin image carries its own NFS client and mounts from
//! inside the container), unlike in-tree `nfs` volumes and
//! nfs-subdir-external-provisioner, which the kubelet mounts with the
//! host's `mount.nfs`.

use strata_core::Location;
use strata_flux::yaml::Yaml;

use super::components::{chart_of, helm_values, value_text};
use super::node_fit::{Fit, NodeVerdict, Placement};
use super::placement::Toleration;
use super::{ClusterView, StorageSystem};
use strata_flux::K8sObject;

/// A host support a storage data path needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostNeed {
    /// An iSCSI initiator (`services.openiscsi`).
    Iscsi,
    /// An NFS client (`boot.supportedFilesystems = [ "nfs" ]`).
    Nfs,
}

/// A storage system with what it needs and where it runs.
#[derive(Clone, Debug)]
pub struct StorageOnNodes<'a> {
    /// `longhorn`, `democratic-csi`…
    pub name: &'static str,
    /// The object that deploys it.
    pub object: &'a K8sObject,
    /// Where to point: the chart name or image.
    pub location: Location,
    /// What its nodes need.
    pub needs: Vec<HostNeed>,
    /// Each node of the cluster (by index in `view.nodes`) and whether the
    /// system's node components run there.
    pub nodes: Vec<(usize, Fit)>,
}

/// democratic-csi drivers and what the node needs for each.
const DEMOCRATIC_CSI_DRIVERS: &[(&str, HostNeed)] = &[
    ("freenas-iscsi", HostNeed::Iscsi),
    ("freenas-api-iscsi", HostNeed::Iscsi),
    ("zfs-generic-iscsi", HostNeed::Iscsi),
    ("synology-iscsi", HostNeed::Iscsi),
    ("freenas-nfs", HostNeed::Nfs),
    ("freenas-api-nfs", HostNeed::Nfs),
    ("zfs-generic-nfs", HostNeed::Nfs),
    ("nfs-client", HostNeed::Nfs),
];

/// Charts beyond the model's table whose nodes need iSCSI.
const ISCSI_CHARTS: &[(&str, &str)] = &[("csi-driver-iscsi", "csi-driver-iscsi"), ("jiva", "jiva")];

/// Storage systems that need nothing from the host although the model
/// lists them (their node plugin brings its own client).
const SELF_CONTAINED: &[&str] = &["csi-driver-nfs"];

fn needs_of(s: &StorageSystem<'_>) -> Vec<HostNeed> {
    if SELF_CONTAINED.contains(&s.name) {
        return Vec::new();
    }
    let mut needs = Vec::new();
    if s.needs_iscsi {
        needs.push(HostNeed::Iscsi);
    }
    if s.needs_nfs {
        needs.push(HostNeed::Nfs);
    }
    needs
}

/// `k:v;k2:v2` (Longhorn's node selector setting) as `nodeSelector` entries.
fn longhorn_selector(text: &str, at: &Location) -> Vec<(String, String, Location)> {
    text.split(';')
        .filter_map(|part| {
            let (k, v) = part.trim().split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string(), at.clone()))
        })
        .collect()
}

/// `key=value:Effect; key2:Effect` (Longhorn's taint toleration setting).
fn longhorn_tolerations(text: &str) -> Vec<Toleration> {
    text.split(';')
        .filter_map(|part| {
            let part = part.trim();
            if part.is_empty() {
                return None;
            }
            let (kv, effect) = part.rsplit_once(':').unwrap_or((part, ""));
            let (key, value, operator) = match kv.split_once('=') {
                Some((k, v)) => (k, v, "Equal"),
                None => (kv, "", "Exists"),
            };
            Some(Toleration {
                key: key.to_string(),
                operator: operator.to_string(),
                value: value.to_string(),
                effect: effect.to_string(),
            })
        })
        .collect()
}

fn tolerations_of(list: Option<&Yaml>) -> Vec<Toleration> {
    list.map(Yaml::as_seq)
        .unwrap_or(&[])
        .iter()
        .map(|t| {
            let text = |k: &str| {
                t.get(k)
                    .and_then(|v| v.scalar_text())
                    .map(|v| v.into_owned())
            };
            Toleration {
                key: text("key").unwrap_or_default(),
                operator: text("operator").unwrap_or_else(|| "Equal".into()),
                value: text("value").unwrap_or_default(),
                effect: text("effect").unwrap_or_default(),
            }
        })
        .collect()
}

/// Where Longhorn's node components run, from its values; `None` when
/// something is templated (not judged).
fn longhorn_placement(object: &K8sObject) -> Option<Placement> {
    let (values, _) = helm_values(object);
    let mut p = Placement::default();
    if let Some(values) = values {
        for (k, v) in values
            .path("longhornManager.nodeSelector")
            .map(Yaml::entries)
            .unwrap_or(&[])
        {
            let (k, v) = (k.scalar_text()?, v.scalar_text()?);
            if k.contains("${") || v.contains("${") {
                return None;
            }
            p.selector
                .push((k.into_owned(), v.into_owned(), object.location_at(values)));
        }
        p.tolerations = tolerations_of(values.path("longhornManager.tolerations"));
    }
    if let Some((text, node)) = value_text(
        values,
        "defaultSettings.systemManagedComponentsNodeSelector",
    ) {
        p.selector
            .extend(longhorn_selector(&text, &object.location_at(node)));
    }
    if let Some((text, _)) = value_text(values, "defaultSettings.taintToleration") {
        p.tolerations.extend(longhorn_tolerations(&text));
    }
    Some(p)
}

/// Every storage system of a cluster with its needs and nodes.
pub fn storage_on_nodes<'a>(
    view: &ClusterView<'a>,
    all: &'a [K8sObject],
) -> Vec<StorageOnNodes<'a>> {
    let labels = &view.labels;
    let judged = view.judged_keys();
    let mut out = Vec::new();
    let fits = |p: &Placement| -> Vec<(usize, Fit)> {
        labels
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let fit = match p.verdict(n, judged) {
                    NodeVerdict::Fits(f) => f,
                    NodeVerdict::Selected(..) | NodeVerdict::Tainted(_) => Fit::No,
                };
                (i, fit)
            })
            .collect()
    };
    for s in &view.deployed.storage {
        let needs = needs_of(s);
        let placement = if s.name == "longhorn" {
            longhorn_placement(s.object)
        } else {
            Some(Placement::default())
        };
        let Some(placement) = placement else { continue };
        out.push(StorageOnNodes {
            name: s.name,
            object: s.object,
            location: s.location.clone(),
            needs,
            nodes: fits(&placement),
        });
    }
    // Charts the model's table does not list.
    for object in &view.deployed.objects {
        let object: &'a K8sObject = object;
        let Some((chart, location)) = chart_of(object, all) else {
            continue;
        };
        let needs = if chart == "democratic-csi" {
            let (values, _) = helm_values(object);
            match value_text(values, "driver.config.driver") {
                Some((driver, _)) => DEMOCRATIC_CSI_DRIVERS
                    .iter()
                    .filter(|(d, _)| *d == driver)
                    .map(|(_, n)| *n)
                    .collect(),
                None => Vec::new(),
            }
        } else if let Some((_, _)) = ISCSI_CHARTS.iter().find(|(c, _)| *c == chart) {
            vec![HostNeed::Iscsi]
        } else {
            continue;
        };
        if needs.is_empty() {
            continue;
        }
        let name = match chart.as_str() {
            "democratic-csi" => "democratic-csi",
            "jiva" => "jiva",
            _ => "csi-driver-iscsi",
        };
        out.push(StorageOnNodes {
            name,
            object,
            location,
            needs,
            nodes: fits(&Placement::default()),
        });
    }
    out
}
