//! What this node learned of other servers: which signature standard their
//! requests used, so an operator can see it and outgoing requests can
//! follow it later. Written only when it changes.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, QueryOrder, Set};

use crate::entity::remote_server;
use crate::signature::SignatureForm;
use crate::{Federation, Result};

/// The last form recorded per host, so a busy inbox does not write a row
/// for every request.
pub(crate) type FormCache = crate::cache::BoundedMap<SignatureForm>;

/// Records that a request from `host` verified with `form`.
pub async fn record_form(fed: &Federation, host: &str, form: SignatureForm) -> Result<()> {
    let host = host.to_ascii_lowercase();
    if fed.inner.forms.get(&host) == Some(form) {
        return Ok(());
    }
    remote_server::Entity::insert(remote_server::ActiveModel {
        host: Set(host.clone()),
        signature_form: Set(form.as_str().to_owned()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(remote_server::Column::Host)
            .update_columns([
                remote_server::Column::SignatureForm,
                remote_server::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(fed.write())
    .await?;
    fed.inner.forms.insert(&host, form);
    Ok(())
}

/// Every server with the signature form it used, by host.
pub async fn list(fed: &Federation) -> Result<Vec<(String, String)>> {
    Ok(remote_server::Entity::find()
        .order_by_asc(remote_server::Column::Host)
        .all(fed.read())
        .await?
        .into_iter()
        .map(|s| (s.host, s.signature_form))
        .collect())
}
