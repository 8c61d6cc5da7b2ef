//! Where workloads keep their containers, and how a container image
//! reference reads (FLUX015 and FLUX016 share these).

use strata_flux::K8sObject;
use strata_flux::flux_kinds::api_group;
use strata_flux::yaml::Yaml;

/// Workload kinds (group, kind) and the path of their pod spec.
const POD_SPEC_PATHS: &[(&str, &str, &str)] = &[
    ("", "Pod", "spec"),
    ("apps", "Deployment", "spec.template.spec"),
    ("apps", "StatefulSet", "spec.template.spec"),
    ("apps", "DaemonSet", "spec.template.spec"),
    ("apps", "ReplicaSet", "spec.template.spec"),
    ("batch", "Job", "spec.template.spec"),
    ("batch", "CronJob", "spec.jobTemplate.spec.template.spec"),
];

/// The pod spec of a workload object, if it is one.
pub(crate) fn pod_spec(object: &K8sObject) -> Option<&Yaml> {
    let group = api_group(&object.api_version);
    POD_SPEC_PATHS
        .iter()
        .find(|(g, kind, _)| *g == group && *kind == object.kind)
        .and_then(|(_, _, path)| object.doc.path(path))
}

/// The containers of a pod spec (`containers`, then `initContainers` when
/// `init` is set), each a mapping.
pub(crate) fn containers(pod_spec: &Yaml, init: bool) -> impl Iterator<Item = &Yaml> {
    let fields: &[&str] = if init {
        &["containers", "initContainers"]
    } else {
        &["containers"]
    };
    fields
        .iter()
        .filter_map(|field| pod_spec.get(field))
        .flat_map(Yaml::as_seq)
        .filter(|c| c.is_map())
}

/// An image reference split as a container runtime reads it:
/// `[registry[:port]/]path[:tag][@digest]`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// Everything before the tag and digest.
    pub name: &'a str,
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest, if any.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits `text`. A `:` only starts a tag after the last `/`, so the port
    /// of `registry:5000/app` is not a tag.
    pub(crate) fn parse(text: &'a str) -> Self {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (text, None),
        };
        let last_segment = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_segment..].rfind(':') {
            Some(i) => (
                &rest[..last_segment + i],
                Some(&rest[last_segment + i + 1..]),
            ),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }

    /// Why this reference does not pin an image (`None` when it does): a
    /// digest pins whatever the tag says; otherwise the tag must be present
    /// and not `latest`.
    pub(crate) fn unpinned(&self) -> Option<&'static str> {
        if self.digest.is_some_and(|d| !d.is_empty()) {
            return None;
        }
        match self.tag {
            None | Some("") => Some("has no tag, so it pulls `latest`"),
            Some("latest") => Some("uses the moving `latest` tag"),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ImageRef;

    #[test]
    fn splits_registry_ports_tags_and_digests() {
        let r = ImageRef::parse("registry.lan:5000/tools/app");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("registry.lan:5000/tools/app", None, None)
        );
        let r = ImageRef::parse("registry.lan:5000/app:1.2");
        assert_eq!((r.name, r.tag), ("registry.lan:5000/app", Some("1.2")));
        let r = ImageRef::parse("nginx@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("nginx", None, Some("sha256:abc"))
        );
        let r = ImageRef::parse("ghcr.io/a/b:latest@sha256:abc");
        assert_eq!((r.tag, r.unpinned()), (Some("latest"), None));
        assert!(ImageRef::parse("busybox").unpinned().is_some());
        assert!(ImageRef::parse("busybox:latest").unpinned().is_some());
        assert!(ImageRef::parse("busybox:1.37").unpinned().is_none());
    }
}
