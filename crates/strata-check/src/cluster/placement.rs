//! Where workloads ask to run and what they open on the nodes: node
//! selectors, required node affinity, tolerations, host networking, host
//! ports, and the ports `NodePort` / `LoadBalancer` Services open.

use strata_core::Location;
use strata_flux::K8sObject;
use strata_flux::flux_kinds::api_group;
use strata_flux::yaml::Yaml;

use super::k3s_settings::Setting;
use crate::rules::flux::workloads::{containers, pod_spec};

/// A port a node must let in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePortUse {
    /// The port.
    pub port: i64,
    /// UDP (else TCP; SCTP is reported as TCP's neighbour and skipped).
    pub udp: bool,
    /// Where it is written.
    pub location: Location,
}

/// One `matchExpressions` entry of a required node affinity term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`.
    pub operator: String,
    /// The values.
    pub values: Vec<String>,
    /// Where the key is written.
    pub location: Location,
}

/// A toleration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// The key (empty with `operator: Exists` tolerates every taint).
    pub key: String,
    /// `Equal` (default) or `Exists`.
    pub operator: String,
    /// The value.
    pub value: String,
    /// The effect (empty: every effect).
    pub effect: String,
}

/// A plain workload (Deployment, DaemonSet…) as the nodes see it.
#[derive(Clone, Debug)]
pub struct Workload<'a> {
    /// The object.
    pub object: &'a K8sObject,
    /// `nodeSelector` entries: key, value, where written.
    pub node_selector: Vec<(String, String, Location)>,
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`:
    /// the pod fits a node that satisfies every requirement of some term.
    pub required_node_terms: Vec<Vec<NodeRequirement>>,
    /// `tolerations`.
    pub tolerations: Vec<Toleration>,
    /// `hostNetwork: true`, where written.
    pub host_network: Option<Location>,
    /// `hostPort`s of its containers.
    pub host_ports: Vec<NodePortUse>,
    /// Ports its containers listen on (`containerPort`); with
    /// `hostNetwork` these are opened on the node itself.
    pub container_ports: Vec<NodePortUse>,
    /// Whether any field holds an unsubstituted `${…}`: placement not known.
    pub templated: bool,
}

/// A Service that opens ports on every node or asks for an external address.
#[derive(Clone, Debug)]
pub struct ExposedService<'a> {
    /// The Service.
    pub object: &'a K8sObject,
    /// `spec.type`: `NodePort` or `LoadBalancer`.
    pub service_type: String,
    /// `nodePort`s written in it (others are assigned from 30000–32767).
    pub node_ports: Vec<NodePortUse>,
    /// `port`s (what a LoadBalancer answers on).
    pub ports: Vec<NodePortUse>,
    /// `spec.loadBalancerIP`, or the MetalLB / Cilium / kube-vip address
    /// annotations.
    pub load_balancer_ip: Option<Setting<String>>,
    /// `spec.loadBalancerClass`.
    pub load_balancer_class: Option<String>,
}

/// Reads a plain workload's placement; `None` for other objects.
pub fn workload(object: &K8sObject) -> Option<Workload<'_>> {
    let spec = pod_spec(object)?;
    let mut w = Workload {
        object,
        node_selector: Vec::new(),
        required_node_terms: Vec::new(),
        tolerations: Vec::new(),
        host_network: None,
        host_ports: Vec::new(),
        container_ports: Vec::new(),
        templated: false,
    };
    for (key, value) in spec.get("nodeSelector").map(Yaml::entries).unwrap_or(&[]) {
        let (Some(k), Some(v)) = (key.scalar_text(), value.scalar_text()) else {
            continue;
        };
        w.templated |= k.contains("${") || v.contains("${");
        w.node_selector
            .push((k.into_owned(), v.into_owned(), object.location_at(value)));
    }
    let terms = spec.path(
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
    );
    for term in terms.map(Yaml::as_seq).unwrap_or(&[]) {
        let mut reqs = Vec::new();
        for expr in term
            .get("matchExpressions")
            .map(Yaml::as_seq)
            .unwrap_or(&[])
        {
            let Some(key_node) = expr.get("key") else {
                continue;
            };
            let key = key_node.scalar_text().unwrap_or_default().into_owned();
            let values: Vec<String> = expr
                .get("values")
                .map(Yaml::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| v.scalar_text().map(|t| t.into_owned()))
                .collect();
            w.templated |= key.contains("${") || values.iter().any(|v| v.contains("${"));
            reqs.push(NodeRequirement {
                key,
                operator: text(expr, "operator").unwrap_or_default(),
                values,
                location: object.location_at(key_node),
            });
        }
        // `matchFields` select nodes by name: not a label question.
        if term.get("matchFields").is_some() {
            w.templated = true;
        }
        w.required_node_terms.push(reqs);
    }
    for t in spec.get("tolerations").map(Yaml::as_seq).unwrap_or(&[]) {
        w.tolerations.push(Toleration {
            key: text(t, "key").unwrap_or_default(),
            operator: text(t, "operator").unwrap_or_else(|| "Equal".into()),
            value: text(t, "value").unwrap_or_default(),
            effect: text(t, "effect").unwrap_or_default(),
        });
    }
    if let Some(node) = spec.get("hostNetwork")
        && node.as_bool() == Some(true)
    {
        w.host_network = Some(object.location_at(node));
    }
    for container in containers(spec, true) {
        for port in container.get("ports").map(Yaml::as_seq).unwrap_or(&[]) {
            let udp = text(port, "protocol").as_deref() == Some("UDP");
            if let Some(node) = port.get("hostPort")
                && let Some(p) = node.as_i64()
            {
                w.host_ports.push(NodePortUse {
                    port: p,
                    udp,
                    location: object.location_at(node),
                });
            }
            if let Some(node) = port.get("containerPort")
                && let Some(p) = node.as_i64()
            {
                w.container_ports.push(NodePortUse {
                    port: p,
                    udp,
                    location: object.location_at(node),
                });
            }
        }
    }
    Some(w)
}

/// Reads a `NodePort` or `LoadBalancer` Service; `None` for anything else.
pub fn exposed_service(object: &K8sObject) -> Option<ExposedService<'_>> {
    if object.kind != "Service" || !api_group(&object.api_version).is_empty() {
        return None;
    }
    let service_type = text(&object.doc, "spec.type")?;
    if service_type != "NodePort" && service_type != "LoadBalancer" {
        return None;
    }
    let mut s = ExposedService {
        object,
        service_type,
        node_ports: Vec::new(),
        ports: Vec::new(),
        load_balancer_ip: None,
        load_balancer_class: text(&object.doc, "spec.loadBalancerClass"),
    };
    for port in object
        .doc
        .path("spec.ports")
        .map(Yaml::as_seq)
        .unwrap_or(&[])
    {
        let udp = text(port, "protocol").as_deref() == Some("UDP");
        for (field, out) in [("nodePort", &mut s.node_ports), ("port", &mut s.ports)] {
            if let Some(node) = port.get(field)
                && let Some(p) = node.as_i64()
            {
                out.push(NodePortUse {
                    port: p,
                    udp,
                    location: object.location_at(node),
                });
            }
        }
    }
    let ip_node = object.doc.path("spec.loadBalancerIP").or_else(|| {
        let annotations = object.doc.path("metadata.annotations")?;
        [
            "metallb.universe.tf/loadBalancerIPs",
            "metallb.io/loadBalancerIPs",
            "io.cilium/lb-ipam-ips",
            "kube-vip.io/loadbalancerIPs",
        ]
        .iter()
        .find_map(|k| annotations.get(k))
    });
    if let Some(node) = ip_node
        && let Some(ip) = node.as_str()
        && !ip.contains("${")
    {
        s.load_balancer_ip = Some(Setting {
            value: ip.to_string(),
            location: Some(object.location_at(node)),
        });
    }
    Some(s)
}

fn text(node: &Yaml, path: &str) -> Option<String> {
    node.path(path)?.scalar_text().map(|t| t.into_owned())
}
