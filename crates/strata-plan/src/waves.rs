//! Layering targets into waves: every constraint's `before` lands in an
//! earlier wave than its `after`, and each target sits in the earliest wave
//! its constraints allow (so independent work runs in parallel).

use std::collections::{BTreeMap, BTreeSet};

use strata_core::NodeId;

/// "`before` must be done before `after` starts", and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Constraint {
    /// The dependency.
    pub before: NodeId,
    /// The dependent.
    pub after: NodeId,
    /// Why, in words a user understands (shown on the dependent's step).
    pub reason: String,
}

/// Assigns each target its wave: 0 for targets with no constraint, else one
/// more than the latest wave among what it waits for. Constraints naming a
/// non-target are ignored. Returns the members of a cycle if there is one.
///
/// **Invariant:** for every constraint between two targets, `wave(before) <
/// wave(after)`; the result depends only on the sets given, not on their order.
pub fn assign_waves(
    targets: &BTreeSet<NodeId>,
    constraints: &[Constraint],
) -> Result<BTreeMap<NodeId, usize>, Vec<NodeId>> {
    let mut waits_for: BTreeMap<&NodeId, BTreeSet<&NodeId>> =
        targets.iter().map(|t| (t, BTreeSet::new())).collect();
    for c in constraints {
        if targets.contains(&c.before) && targets.contains(&c.after) && c.before != c.after {
            waits_for.entry(&c.after).or_default().insert(&c.before);
        }
    }
    // Kahn's algorithm over the "waits for" relation, layer by layer.
    let mut wave_of: BTreeMap<NodeId, usize> = BTreeMap::new();
    let mut remaining = waits_for.clone();
    let mut wave = 0;
    while !remaining.is_empty() {
        let ready: Vec<&NodeId> = remaining
            .iter()
            .filter(|(_, deps)| {
                deps.iter()
                    .all(|d| wave_of.get(*d).is_some_and(|w| *w < wave))
            })
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            return Err(cycle_members(remaining));
        }
        for t in ready {
            remaining.remove(t);
            wave_of.insert(t.clone(), wave);
        }
        wave += 1;
    }
    Ok(wave_of)
}

/// Of the targets left unscheduled, those on a cycle: targets merely waiting
/// behind a cycle are peeled off (nothing left waits for them), repeatedly.
fn cycle_members(mut remaining: BTreeMap<&NodeId, BTreeSet<&NodeId>>) -> Vec<NodeId> {
    loop {
        let waited_for: BTreeSet<&NodeId> = remaining.values().flatten().copied().collect();
        let before = remaining.len();
        remaining.retain(|t, _| waited_for.contains(t));
        if remaining.len() == before {
            return remaining.into_keys().cloned().collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(i: usize) -> NodeId {
        NodeId::host(&format!("h{i:02}"))
    }

    #[test]
    fn chains_and_parallel_branches() {
        let targets: BTreeSet<_> = (0..4).map(id).collect();
        let c = |a, b| Constraint {
            before: id(a),
            after: id(b),
            reason: String::new(),
        };
        let waves = assign_waves(&targets, &[c(0, 1), c(1, 2), c(0, 3)]).unwrap();
        assert_eq!(waves.values().copied().collect::<Vec<_>>(), [0, 1, 2, 1]);
    }

    #[test]
    fn reports_only_the_members_of_a_cycle() {
        let targets: BTreeSet<_> = (0..3).map(id).collect();
        let c = |a, b| Constraint {
            before: id(a),
            after: id(b),
            reason: String::new(),
        };
        // h02 merely waits behind the cycle h00 <-> h01.
        assert_eq!(
            assign_waves(&targets, &[c(0, 1), c(1, 0), c(0, 2)]).unwrap_err(),
            vec![id(0), id(1)]
        );
    }

    proptest! {
        #[test]
        fn every_constraint_goes_forward(n in 1usize..25, pairs in proptest::collection::vec((0usize..25, 0usize..25), 0..60)) {
            let targets: BTreeSet<_> = (0..n).map(id).collect();
            // Only forward pairs: an acyclic input by construction.
            let constraints: Vec<_> = pairs.iter().filter(|(a, b)| a < b && *b < n)
                .map(|(a, b)| Constraint { before: id(*a), after: id(*b), reason: String::new() }).collect();
            let waves = assign_waves(&targets, &constraints).unwrap();
            prop_assert_eq!(waves.len(), n);
            for c in &constraints {
                prop_assert!(waves[&c.before] < waves[&c.after]);
            }
            let mut shuffled = constraints.clone();
            shuffled.reverse();
            prop_assert_eq!(assign_waves(&targets, &shuffled).unwrap(), waves);
        }
    }
}
