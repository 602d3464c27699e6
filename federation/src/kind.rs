//! The kind of a node, published as `noaber:nodeKind` on its actor.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Every node runs the same program; the kind only switches views and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A resident initiative: stadsdorp, zorgcoöperatie, noaberzorgpunt.
    Initiative,
    /// A regional network of initiatives.
    Regional,
    /// The national network.
    National,
}

impl NodeKind {
    pub const ALL: [NodeKind; 3] = [Self::Initiative, Self::Regional, Self::National];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initiative => "initiative",
            Self::Regional => "regional",
            Self::National => "national",
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown node kind: expected initiative, regional or national")]
pub struct UnknownKind;

impl FromStr for NodeKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownKind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_round_trips_as_lowercase_word() {
        for kind in NodeKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(kind.as_str().parse::<NodeKind>().unwrap(), kind);
        }
        assert!("city".parse::<NodeKind>().is_err());
    }
}
