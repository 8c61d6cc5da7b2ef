//! Package helpers of `lib` (`getExe`, `getBin`, `makeBinPath`, `hiPrio` …).
//! Their results are store paths or changed derivations: not known
//! statically, so each gives an unknown naming the function, unless the
//! argument is plain text (`getName "hello-2.1"`).

use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::strings::parse_drv_name;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_packages(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        let package = match prim {
            Prim::GetExePrime => arg(0),
            Prim::GetOutput => arg(1),
            _ => arg(0),
        };
        let v = self.force(package);
        if let Value::Unknown(u) = v {
            return Ok(Value::Unknown(u));
        }
        Ok(match prim {
            Prim::GetName | Prim::GetVersion => {
                let text = match &v {
                    Value::String(s) => Some(s.text.clone()),
                    _ => None,
                };
                match text {
                    Some(t) => {
                        let (n, version) = parse_drv_name(&t);
                        Value::string(if prim == Prim::GetName { n } else { version }, loc.clone())
                    }
                    None => self.package_unknown(name, &v, loc),
                }
            }
            Prim::GetExe
            | Prim::GetExePrime
            | Prim::GetBin
            | Prim::GetLib
            | Prim::GetDev
            | Prim::GetMan
            | Prim::GetOutput
            | Prim::MakeBinPath
            | Prim::MakeLibraryPath
            | Prim::LowPrio
            | Prim::HiPrio => self.package_unknown(name, &v, loc),
            _ => not_in_family(prim, loc),
        })
    }

    fn package_unknown(&self, name: &str, v: &Value, loc: &Option<Location>) -> Value {
        let what = match v {
            Value::Input(i) => format!("`{}`", i.display()),
            Value::List(_) => "packages".to_string(),
            other => format!("a {}", other.type_name()),
        };
        Value::unknown(
            UnknownKind::Opaque,
            format!("`lib.{name}` of {what} is a store path or derivation, not known statically"),
            loc.clone(),
        )
    }
}
