//! Setup without a person at a screen: a container's first start.
//!
//! When the node has no admin yet and `NOABER_SETUP_NAME` is set, `serve`
//! sets the node up from `NOABER_SETUP_*` variables before it answers
//! anything. The admin password comes from `NOABER_SETUP_ADMIN_PASSWORD`
//! or, better, from a file (`NOABER_SETUP_ADMIN_PASSWORD_FILE`, a Docker
//! secret). Without `NOABER_SETUP_NAME` the web setup page is shown, as
//! before. A bad value stops the start with a line naming the variable.
//!
//! `NOABER_SETUP_FOLLOW` lists nodes to follow (handles or addresses,
//! separated by spaces or commas). They are followed at every start until
//! the follow is asked, trying again while the other node is not up yet;
//! following an already followed node changes nothing.

use std::time::Duration;

use noaber_federation::Federation;
use noaber_federation::actor::AutoApprove;

use super::SetupInput;
use crate::db::Db;
use crate::profile::ProfileInput;

/// The variable that asks for a setup from the environment.
pub const NAME_VAR: &str = "NOABER_SETUP_NAME";

/// Every variable this module reads.
pub const VARS: [&str; 12] = [
    NAME_VAR,
    "NOABER_SETUP_KIND",
    "NOABER_SETUP_PLACE",
    "NOABER_SETUP_REGION",
    "NOABER_SETUP_INITIATIVE_TYPE",
    "NOABER_SETUP_BASE_URL",
    "NOABER_SETUP_ADMIN_USER",
    "NOABER_SETUP_ADMIN_NAME",
    "NOABER_SETUP_ADMIN_PASSWORD",
    "NOABER_SETUP_ADMIN_PASSWORD_FILE",
    "NOABER_SETUP_APPROVE_FOLLOWERS",
    "NOABER_SETUP_FOLLOW",
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{var}: {message}")]
    Bad { var: String, message: String },
    #[error("{var}: het bestand {path} kan niet gelezen worden: {source}")]
    SecretFile {
        var: String,
        path: String,
        source: std::io::Error,
    },
    #[error("de inrichting is mislukt: {0}")]
    Setup(#[from] super::Error),
    #[error("de inrichting is mislukt: {0}")]
    Federation(#[from] noaber_federation::Error),
}

/// What the environment asks for.
#[derive(Debug, Clone)]
pub struct FromEnv {
    pub input: SetupInput,
    pub approve_followers: Option<AutoApprove>,
}

/// Reads the setup variables; `None` when `NOABER_SETUP_NAME` is not set.
pub fn read(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<FromEnv>, Error> {
    let Some(name) = env(NAME_VAR).filter(|n| !n.trim().is_empty()) else {
        return Ok(None);
    };
    let get = |key: &str| env(&format!("NOABER_SETUP_{key}")).unwrap_or_default();
    let password = match env("NOABER_SETUP_ADMIN_PASSWORD_FILE").filter(|p| !p.is_empty()) {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|source| Error::SecretFile {
                var: "NOABER_SETUP_ADMIN_PASSWORD_FILE".into(),
                path: path.clone(),
                source,
            })?
            // A secret file written by an editor ends in a newline.
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
        None => get("ADMIN_PASSWORD"),
    };
    if password.is_empty() {
        return Err(Error::Bad {
            var: "NOABER_SETUP_ADMIN_PASSWORD".into(),
            message: "geef het wachtwoord van de eerste beheerder (of \
                      NOABER_SETUP_ADMIN_PASSWORD_FILE met een bestand dat het bevat)"
                .into(),
        });
    }
    let approve_followers = match get("APPROVE_FOLLOWERS").as_str() {
        "" => None,
        other => Some(AutoApprove::parse(other).ok_or_else(|| Error::Bad {
            var: "NOABER_SETUP_APPROVE_FOLLOWERS".into(),
            message: format!("'{other}' is geen keuze; kies always of never"),
        })?),
    };
    let kind = get("KIND");
    Ok(Some(FromEnv {
        input: SetupInput {
            profile: ProfileInput {
                name,
                kind: if kind.is_empty() {
                    "initiative".into()
                } else {
                    kind
                },
                place: get("PLACE"),
                region: get("REGION"),
                initiative_type: get("INITIATIVE_TYPE"),
                base_url: get("BASE_URL"),
            },
            admin_username: get("ADMIN_USER"),
            admin_name: get("ADMIN_NAME"),
            admin_password: password,
        },
        approve_followers,
    }))
}

/// The nodes `NOABER_SETUP_FOLLOW` lists.
pub fn follow_targets(env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    env("NOABER_SETUP_FOLLOW")
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Sets the node up from the environment if it asks for it and the node
/// has no admin yet; `true` when it did.
pub async fn apply(
    db: &Db,
    fed: &Federation,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<bool, Error> {
    // Set up already: the variables (and the password) are not needed any
    // more, so an operator may remove them after the first start.
    if env(NAME_VAR).is_none_or(|n| n.trim().is_empty()) || !super::is_needed(db).await? {
        return Ok(false);
    }
    let Some(wanted) = read(env)? else {
        return Ok(false);
    };
    match super::run(db, fed, &wanted.input).await {
        Ok(_) => {}
        Err(super::Error::Invalid(inv)) => {
            let first = inv.0.first();
            return Err(Error::Bad {
                var: first
                    .map(|e| var_for(e.field))
                    .unwrap_or_else(|| NAME_VAR.into()),
                message: first
                    .map(|e| crate::i18n::text(crate::i18n::Lang::Nl, e.message).to_owned())
                    .unwrap_or_default(),
            });
        }
        Err(super::Error::AlreadyDone) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    if let Some(auto) = wanted.approve_followers {
        noaber_federation::actor::set_policies(fed, Some(auto), None).await?;
    }
    tracing::info!("node set up from NOABER_SETUP_* variables");
    Ok(true)
}

/// The variable that sets a setup field.
fn var_for(field: &str) -> String {
    let key = match field {
        "admin_username" => "ADMIN_USER",
        "admin_password" => "ADMIN_PASSWORD",
        other => return format!("NOABER_SETUP_{}", other.to_uppercase()),
    };
    format!("NOABER_SETUP_{key}")
}

/// Follows each target, trying again every few seconds for a while when
/// the other node cannot be reached yet (it may still be starting).
pub async fn follow_all(fed: Federation, targets: Vec<String>) {
    for target in targets {
        let mut wait = Duration::from_secs(2);
        let mut tries = 0;
        loop {
            match noaber_federation::follows::follow(&fed, &target).await {
                Ok(line) => {
                    tracing::info!(state = ?line.state, "setup: follow asked");
                    break;
                }
                Err(e) => {
                    tries += 1;
                    if tries >= 60 {
                        tracing::warn!(error = %e, "setup: giving up on a follow");
                        break;
                    }
                    tracing::info!(error = %e, "setup: node to follow not reachable yet");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(15));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn nothing_without_a_name() {
        assert!(read(&env_of(&[])).unwrap().is_none());
    }

    #[test]
    fn a_missing_password_names_its_variable() {
        let err = read(&env_of(&[(NAME_VAR, "Stadsdorp Zuid")])).unwrap_err();
        assert!(
            err.to_string().starts_with("NOABER_SETUP_ADMIN_PASSWORD:"),
            "{err}"
        );
    }

    #[test]
    fn follow_targets_split_on_commas_and_spaces() {
        let env = env_of(&[(
            "NOABER_SETUP_FOLLOW",
            "http://a:8080/actor, http://b:8080/actor  c@d",
        )]);
        assert_eq!(
            follow_targets(&env),
            ["http://a:8080/actor", "http://b:8080/actor", "c@d"]
        );
    }

    #[test]
    fn a_bad_approval_choice_is_named() {
        let err = read(&env_of(&[
            (NAME_VAR, "Zuid"),
            ("NOABER_SETUP_ADMIN_PASSWORD", "lang genoeg wachtwoord"),
            ("NOABER_SETUP_APPROVE_FOLLOWERS", "soms"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string().contains("NOABER_SETUP_APPROVE_FOLLOWERS"),
            "{err}"
        );
    }
}
