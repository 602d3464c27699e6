//! Roles, from least to most trusted.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an account may do. Each role includes everything of the ones below.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Vrijwilliger: sees only the work assigned to them.
    Volunteer,
    /// Coördinator: works with members' personal data.
    Coordinator,
    /// Beheerder: manages the node and its accounts.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Admin, Self::Coordinator, Self::Volunteer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Volunteer => "volunteer",
            Self::Coordinator => "coordinator",
            Self::Admin => "admin",
        }
    }

    /// The locale key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Volunteer => "role.volunteer",
            Self::Coordinator => "role.coordinator",
            Self::Admin => "role.admin",
        }
    }

    pub fn at_least(self, minimum: Role) -> bool {
        self >= minimum
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or(UnknownRole)
    }
}
