//! Reads [`NfsMountFacts`] from a host's merged configuration.

use super::fact_reader::{Got, config_fact_at, fact_at, get};
use crate::eval::{Evaluator, UnknownKind, Value};
use crate::facts::Fact;
use crate::nfs_mounts::NfsMountFacts;
use strata_core::Diagnostic;

pub(super) fn nfs_mounts(
    ev: &mut Evaluator<'_>,
    config: &Value,
    host: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> NfsMountFacts {
    let rpcbind = config_fact_at::<bool>(
        ev,
        config,
        &["services", "rpcbind", "enable"],
        host,
        diagnostics,
    );
    let nfs_file_system = match get(ev, config, &["fileSystems"]) {
        Got::Missing => Fact::Unset,
        Got::Val(Value::Attrs(set), _) => {
            let mut found = None;
            let mut unknown = set
                .fallback
                .as_ref()
                .is_some_and(|f| f.kind != UnknownKind::Undefined);
            for entry in set.entries.values() {
                let v = ev.force(entry.value);
                match fact_at::<String>(ev, &v, &["fsType"]) {
                    Fact::Known { value, location } if value == "nfs" || value == "nfs4" => {
                        found = Some(location);
                        break;
                    }
                    Fact::Unknown { .. } => unknown = true,
                    _ => {}
                }
            }
            match found {
                Some(location) => Fact::Known {
                    value: true,
                    location,
                },
                None if unknown => Fact::Unknown {
                    reason: "a `fileSystems` entry's type is not known statically".into(),
                    location: None,
                },
                None => Fact::Known {
                    value: false,
                    location: None,
                },
            }
        }
        Got::Val(v, def) => super::fact_reader::unknown_fact(&v, def, "set"),
    };
    NfsMountFacts {
        nfs_file_system,
        rpcbind,
    }
}
