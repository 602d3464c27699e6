//! The states a follow and a delivery can be in. Stored as the same words
//! as before they were types, so no data had to move.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A follow of this node, a follow by it, or a relay subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum FollowState {
    /// Asked, not answered yet.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// Approved once, then removed by an admin.
    #[sea_orm(string_value = "removed")]
    Removed,
    /// The follower took its request back (Undo).
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

/// One delivery of an outgoing activity to one inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Waiting for its next try.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Claimed by the worker, being sent.
    #[sea_orm(string_value = "sending")]
    Sending,
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Given up on.
    #[sea_orm(string_value = "failed")]
    Failed,
}

macro_rules! words {
    ($ty:ty { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];

            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $word),+ }
            }

            /// The state for a stored or typed word.
            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some(<$ty>::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Operators and tests compare with the word they see.
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

words!(FollowState {
    Pending => "pending",
    Accepted => "accepted",
    Rejected => "rejected",
    Removed => "removed",
    Withdrawn => "withdrawn",
});

words!(DeliveryState {
    Pending => "pending",
    Sending => "sending",
    Delivered => "delivered",
    Failed => "failed",
});

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ActiveEnum;

    #[test]
    fn states_are_stored_as_the_words_used_before() {
        for s in FollowState::ALL {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(FollowState::parse(s.as_str()), Some(*s));
        }
        for s in DeliveryState::ALL {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(DeliveryState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(FollowState::parse("maybe"), None);
        assert_eq!(
            serde_json::to_value(DeliveryState::Delivered).ok(),
            Some(serde_json::json!("delivered"))
        );
    }
}
