//! Payload decoding into a recursive user type, by the two paths user data takes:
//! `payload::from_slice` (event values, replies, a stream's items) and a command's
//! arguments (`call::Args::parse_with`, then `Args::get` per argument, as the code
//! `#[switchboard::command]` generates does).
//!
//! Invariants beyond "no panic" (stack overflow included: the type recurses, so the depth
//! limit is what stands between a page and the stack):
//! - a value that decodes re-encodes to bytes that decode to the same value;
//! - both paths agree: when the arguments index and the payload decodes as a map of
//!   `Tree`s, every argument read by name is the map's value.
#![no_main]

use std::collections::BTreeMap;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use switchboard::call::Args;
use switchboard_protocol::{payload, Limits};

/// A user type that recurses every way serde can: through an enum, a `Box` in an
/// `Option` chain, nested `Vec`s, a struct variant, and `serde_json::Value`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Tree {
    Unit,
    Leaf(Option<Box<Chain>>),
    Node(Vec<Vec<Tree>>),
    Json(serde_json::Value),
    Named {
        name: String,
        kids: Vec<Tree>,
        #[serde(with = "serde_bytes")]
        blob: Vec<u8>,
        weight: Option<f64>,
    },
    Pair(Box<Tree>, i64),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Chain {
    value: u64,
    next: Option<Box<Chain>>,
    tree: Option<Box<Tree>>,
}

/// NaN is the one value that is not equal to itself.
fn has_nan(tree: &Tree) -> bool {
    match tree {
        Tree::Unit | Tree::Json(_) => false,
        Tree::Leaf(chain) => chain.as_deref().is_some_and(chain_has_nan),
        Tree::Node(rows) => rows.iter().flatten().any(has_nan),
        Tree::Named { kids, weight, .. } => {
            weight.is_some_and(f64::is_nan) || kids.iter().any(has_nan)
        }
        Tree::Pair(tree, _) => has_nan(tree),
    }
}

fn chain_has_nan(chain: &Chain) -> bool {
    chain.next.as_deref().is_some_and(chain_has_nan) || chain.tree.as_deref().is_some_and(has_nan)
}

fn round_trips(tree: &Tree, limits: &Limits) {
    if has_nan(tree) {
        return;
    }
    let bytes = payload::to_bytes(tree).expect("a decoded value encodes");
    let back: Tree = payload::from_slice(&bytes, limits).expect("its encoding decodes");
    assert_eq!(&back, tree);
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(tree) = payload::from_slice::<Tree>(data, &limits) {
        round_trips(&tree, &limits);
    }
    let _ = payload::from_slice::<serde_json::Value>(data, &limits);

    let args = Args::parse_with(Bytes::copy_from_slice(data), &limits);
    let map = payload::from_slice::<BTreeMap<String, Tree>>(data, &limits);
    if let (Ok(args), Ok(map)) = (&args, &map) {
        for (name, tree) in map {
            let got: Tree = args.get(name).expect("an argument the map decoded");
            assert_eq!(&got, tree, "argument `{name}`");
            round_trips(tree, &limits);
        }
    }
    if let Ok(args) = &args {
        for name in ["a", "tree", "chain", ""] {
            let _ = args.get::<Tree>(name);
            let _ = args.get::<Option<Chain>>(name);
            let _ = args.get::<Vec<Option<Tree>>>(name);
        }
    }
});
