//! Every rule, one file each, grouped by layer (`rules/<layer>/<rule>.rs`).
//!
//! A rule file holds its doc comment (What / Why / Example, printed by
//! `strata explain`), its check, and its tests beside it. Some codes are
//! found while parsing (a syntax error can only be seen by the parser): their
//! rule file documents and tests them, and has no `check` of its own.
//!
//! **Invariant:** every [`Code`] has exactly one rule here (enforced by a test).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use strata_core::{Code, Diagnostic, Graph};
use strata_flux::FluxTree;
use strata_nix::NixRepo;

pub mod cross;
pub mod flux;
pub mod io;
pub mod k3s;
pub mod nix;
pub mod tool;
pub mod yaml;

/// What a check sees: the assembled graph and both layers as read.
pub struct Context<'a> {
    /// The unified graph.
    pub graph: &'a Graph,
    /// The Nix layer.
    pub nix: &'a NixRepo,
    /// The Flux layer.
    pub flux: &'a FluxTree,
    /// Each k3s cluster joined with what Flux deploys onto it.
    pub clusters: &'a [crate::cluster::ClusterView<'a>],
    /// See [`Context::virtual_ips`].
    virtual_ips: OnceLock<BTreeSet<String>>,
}

impl<'a> Context<'a> {
    /// The context of the rules over these.
    pub fn new(
        graph: &'a Graph,
        nix: &'a NixRepo,
        flux: &'a FluxTree,
        clusters: &'a [crate::cluster::ClusterView<'a>],
    ) -> Self {
        Context {
            graph,
            nix,
            flux,
            clusters,
            virtual_ips: OnceLock::new(),
        }
    }

    /// The virtual IPs the repository provides
    /// ([`crate::cluster::virtual_ips::provided_virtual_ips`]), read from
    /// every host and Flux object once, when a rule first asks: two rules
    /// ask, and only about hosts that join a server by IP.
    pub fn virtual_ips(&self) -> &BTreeSet<String> {
        self.virtual_ips
            .get_or_init(|| crate::cluster::virtual_ips::provided_virtual_ips(self.nix, self.flux))
    }
}

/// A check: reads the context and pushes findings.
pub type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// A rule: its code, its documentation, and its check (none for codes the
/// parsers report while reading).
#[derive(Clone, Copy)]
pub struct Rule {
    /// The stable code.
    pub code: Code,
    /// Markdown documentation with `## What`, `## Why` and `## Example` sections.
    pub doc: &'static str,
    /// The check, or `None` when the parser reports this code itself.
    pub check: Option<Check>,
    /// The rule's module path (`strata_check::rules::flux::depends_on_cycle`):
    /// where its documentation lives.
    pub module: &'static str,
}

impl Rule {
    /// The documentation as `strata explain` prints it: a title line, then
    /// the doc comment with its leading space removed from every line.
    pub fn explain(&self) -> String {
        let mut text = format!(
            "{} ({}) — {} by default\n\n",
            self.code.as_str(),
            self.code.name(),
            self.code.default_severity().as_str()
        );
        for line in self.doc.lines() {
            text.push_str(line.strip_prefix(' ').unwrap_or(line));
            text.push('\n');
        }
        text
    }

    /// The rule's source file in the repository, where its documentation is
    /// written (`crates/strata-check/src/rules/flux/depends_on_cycle.rs`).
    pub fn source_file(&self) -> String {
        let inner = self
            .module
            .strip_prefix("strata_check::")
            .unwrap_or(self.module);
        format!("crates/strata-check/src/{}.rs", inner.replace("::", "/"))
    }

    /// The rule documenting `code`.
    pub fn for_code(code: Code) -> &'static Rule {
        RULES.iter().find(|r| r.code == code).unwrap_or(&RULES[0])
    }
}

/// Declares a rule: its doc comment becomes both rustdoc and the text
/// `strata explain` prints, so the two can never drift apart.
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])+ code: $code:ident, check: $check:expr $(,)?) => {
        $(#[doc = $doc])+
        pub const RULE: $crate::rules::Rule = $crate::rules::Rule {
            code: strata_core::Code::$code,
            doc: concat!($($doc, "\n"),+),
            check: $check,
            module: module_path!(),
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, in code-table order.
pub const RULES: &[Rule] = &[
    io::unreadable_file::RULE,
    io::file_outside_repository::RULE,
    nix::nix_syntax_error::RULE,
    nix::nix_import_missing::RULE,
    nix::nix_eval_limit::RULE,
    yaml::yaml_syntax_error::RULE,
    yaml::yaml_not_an_object::RULE,
    flux::depends_on_unresolved::RULE,
    flux::depends_on_cycle::RULE,
    flux::source_unresolved::RULE,
    flux::kustomization_path_missing::RULE,
    flux::kustomize_resource_missing::RULE,
    flux::values_from_unresolved::RULE,
    flux::substitute_from_unresolved::RULE,
    flux::substitution_variable_unset::RULE,
    flux::sync_root_missing::RULE,
    flux::sync_root_unresolved::RULE,
    flux::kustomize_duplicate_id::RULE,
    flux::substitution_invalid::RULE,
    flux::flux_object_malformed::RULE,
    flux::object_name_invalid::RULE,
    flux::sops_without_decryption::RULE,
    flux::manifest_not_applied::RULE,
    flux::api_version_removed::RULE,
    flux::api_version_deprecated::RULE,
    flux::chart_version_unpinned::RULE,
    flux::oci_tag_moving::RULE,
    flux::image_tag_unpinned::RULE,
    flux::container_resources_missing::RULE,
    flux::secret_plaintext::RULE,
    flux::object_duplicate::RULE,
    flux::ingress_conflict::RULE,
    flux::namespace_missing::RULE,
    flux::crd_ordering::RULE,
    k3s::k3s_join_unresolved::RULE,
    nix::module_unused::RULE,
    nix::flake_input_unlocked::RULE,
    nix::flake_lock_orphan::RULE,
    nix::flake_input_unused::RULE,
    nix::deploy_node_mismatch::RULE,
    nix::deploy_profile_missing::RULE,
    nix::host_duplicate_address::RULE,
    nix::state_version_missing::RULE,
    nix::hosts_unknown::RULE,
    nix::nix_value_malformed::RULE,
    k3s::k3s_no_cluster_init::RULE,
    k3s::k3s_multiple_cluster_init::RULE,
    k3s::k3s_etcd_quorum::RULE,
    k3s::k3s_token_literal::RULE,
    k3s::k3s_token_missing::RULE,
    k3s::k3s_firewall_port::RULE,
    cross::cross_servicelb_conflict::RULE,
    cross::cross_traefik_conflict::RULE,
    cross::cross_ingress_class_unserved::RULE,
    cross::cross_cni_flannel::RULE,
    cross::cross_kube_proxy_replacement::RULE,
    cross::cross_network_mismatch::RULE,
    cross::storage_iscsi_missing::RULE,
    cross::storage_nfs_client_missing::RULE,
    cross::storage_replicas_exceed_nodes::RULE,
    cross::lb_pool_conflict::RULE,
    cross::host_network_port_closed::RULE,
    cross::node_placement_unsatisfiable::RULE,
    cross::k3s_server_vip_unprovided::RULE,
    tool::config_invalid::RULE,
    tool::eval_fallback::RULE,
    tool::eval_fact_mismatch::RULE,
    tool::eval_host_failed::RULE,
    tool::suppression_reason_missing::RULE,
    tool::suppression_unused::RULE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_exactly_one_documented_rule() {
        for code in Code::ALL {
            let rules: Vec<_> = RULES.iter().filter(|r| r.code == *code).collect();
            assert_eq!(rules.len(), 1, "{code} must have exactly one rule");
            let doc = rules[0].doc;
            for section in ["## What", "## Why", "## Example"] {
                assert!(doc.contains(section), "{code} doc lacks {section}");
            }
        }
        assert_eq!(RULES.len(), Code::ALL.len());
    }

    #[test]
    fn every_rule_names_its_own_source_file() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
        for rule in RULES {
            let file = rule.source_file();
            assert!(
                std::path::Path::new(root).join(&file).is_file(),
                "{}: {file}",
                rule.code
            );
        }
    }

    #[test]
    fn explain_strips_the_doc_comment_indent() {
        let text = Rule::for_code(Code::DependsOnCycle).explain();
        assert!(text.starts_with("FLUX002 (depends-on-cycle) — error by default\n\n## What\n"));
    }
}
