//! The persistent outbox.
//!
//! An outgoing activity is stored with one delivery row per inbox, in one
//! transaction, before anything is sent. A worker sends due deliveries,
//! signed, each in its own task with per-host limits. Failures are retried with exponential backoff
//! for a week; a permanent refusal (400, 401, 403, 404, 405, 410, 422) is
//! recorded as failed and shown, not counted as delivered. An inbox that has
//! failed for a day is unreachable and is only probed now and then until it
//! answers. Rows, not memory: a restart or crash loses nothing, and a
//! delivered row is never sent again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use crate::client::{FetchError, Signer};
use crate::entity::{delivery, inbox_health, outbox_activity};
use crate::hosts::{HostGate, Outcome, host_of, host_of_delivery};
use crate::{Federation, Result};

pub use crate::state::DeliveryState;

pub const PENDING: DeliveryState = DeliveryState::Pending;
pub const SENDING: DeliveryState = DeliveryState::Sending;
pub const DELIVERED: DeliveryState = DeliveryState::Delivered;
pub const FAILED: DeliveryState = DeliveryState::Failed;

/// A new activity id under our base URL.
pub fn new_activity_id(base: &str) -> String {
    use rand::Rng;
    let n: u128 = rand::thread_rng().r#gen();
    format!("{}/activities/{n:032x}", base.trim_end_matches('/'))
}

/// Stores `activity` and a delivery per inbox (duplicates removed). Nothing
/// is sent here; the worker is woken.
pub async fn enqueue(fed: &Federation, activity: &Value, inboxes: &[String]) -> Result<i32> {
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Activity")
        .to_owned();
    let mut unique: Vec<&String> = inboxes.iter().collect();
    unique.sort();
    unique.dedup();
    let now = Utc::now();
    let txn = fed.write().begin().await?;
    let row = outbox_activity::ActiveModel {
        activity_id: Set(id),
        kind: Set(kind),
        json: Set(serde_json::to_string(activity)?),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for inbox in unique {
        delivery::ActiveModel {
            outbox_id: Set(row.id),
            inbox: Set(inbox.clone()),
            host: Set(Some(host_of(inbox))),
            state: Set(PENDING),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    crate::wakeup::tell_others(&txn).await?;
    txn.commit().await?;
    fed.wake();
    Ok(row.id)
}

/// Runs forever: sends due deliveries as slots free up, sleeping until
/// woken, a slot frees, or the next retry may be due.
///
/// There is no batch barrier: each delivery runs in its own task and
/// gives its slot back the moment its request ends, so one slow host never
/// holds up the others. See [`crate::hosts`] for the per-host limits and
/// the circuit breaker.
pub async fn run_worker(fed: Federation) {
    // Rows left "sending" by a crash were not confirmed: send them again
    // (receivers ignore a repeated activity id). Alone on SQLite, every
    // claim is a dead one; on PostgreSQL other live processes may hold
    // claims, so only expired leases are taken over.
    let _ = if fed.shares_database() {
        reclaim_stale(&fed).await
    } else {
        unclaim(&fed, Condition::all()).await
    };
    if fed.shares_database() {
        tokio::spawn(crate::wakeup::listen(fed.clone()));
    }
    let settings = fed.settings();
    let gate = Arc::new(HostGate::new(settings));
    let active = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    // Requests that outlived `slow_after` wait here instead of in an active
    // slot; bounded, so hosts that never answer cannot open sockets at will.
    let parked = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut last_sweep = tokio::time::Instant::now();
    loop {
        if last_sweep.elapsed() > StdDuration::from_secs(30) {
            last_sweep = tokio::time::Instant::now();
            if let Err(e) = reclaim_stale(&fed).await {
                tracing::warn!(error = %e, "outbox: reclaiming stale claims");
            }
        }
        let free = active.available_permits();
        let started = if free == 0 {
            Ok(0)
        } else {
            start_due(&fed, &gate, &active, &parked, free).await
        };
        match started {
            Ok(n) if n > 0 && active.available_permits() > 0 => {}
            Ok(_) => {
                // Nothing startable: wait for new work or a freed slot, or
                // poll again shortly (a retry may come due; another process
                // may have queued work).
                tokio::select! {
                    () = fed.inner.wake.notified() => {}
                    () = gate.freed.notified() => {}
                    () = tokio::time::sleep(StdDuration::from_millis(500)) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "outbox worker");
                tokio::time::sleep(StdDuration::from_secs(1)).await;
            }
        }
    }
}

/// Claims older than any request can last were lost (a failed write after
/// sending, a process that died): make them due again. Receivers ignore a
/// repeated activity id.
///
/// This is the lease: a claim holds for one request's time plus a margin,
/// whichever process made it.
async fn reclaim_stale(fed: &Federation) -> Result<u64> {
    let limit = fed.settings().request_timeout + LEASE_MARGIN;
    let before = Utc::now() - Duration::from_std(limit).unwrap_or(Duration::minutes(5));
    unclaim(
        fed,
        Condition::all().add(delivery::Column::NextAttemptAt.lt(before)),
    )
    .await
}

/// How long a claim outlives the longest request before it is taken over:
/// room for the outcome's write to wait for the database. Processes that
/// share a database need clocks that agree within this (NTP).
const LEASE_MARGIN: StdDuration = StdDuration::from_secs(30);

/// Gives claimed rows back (`sending` to `pending`) where `which` holds.
async fn unclaim(fed: &Federation, which: Condition) -> Result<u64> {
    Ok(delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(PENDING))
        .col_expr(
            delivery::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .filter(delivery::Column::State.eq(SENDING))
        .filter(which)
        .exec(fed.write())
        .await?
        .rows_affected)
}

/// Claims up to `free` due deliveries whose hosts can take them, and starts
/// each in its own task. Deliveries to a host whose circuit is open are
/// deferred without an attempt. Returns how many were started.
async fn start_due(
    fed: &Federation,
    gate: &Arc<HostGate>,
    active: &Arc<Semaphore>,
    parked: &Arc<Semaphore>,
    free: usize,
) -> Result<usize> {
    let now = Utc::now();
    let (busy_inboxes, full_hosts) = gate.busy();
    let mut query = delivery::Entity::find()
        .filter(delivery::Column::State.eq(PENDING))
        .filter(delivery::Column::NextAttemptAt.lte(now));
    if !busy_inboxes.is_empty() {
        query = query.filter(delivery::Column::Inbox.is_not_in(busy_inboxes));
    }
    if !full_hosts.is_empty() {
        query = query.filter(
            Condition::any()
                .add(delivery::Column::Host.is_null())
                .add(delivery::Column::Host.is_not_in(full_hosts)),
        );
    }
    let due = query
        .order_by_asc(delivery::Column::NextAttemptAt)
        .order_by_asc(delivery::Column::Id)
        .limit(u64::try_from(free.saturating_mul(4).clamp(16, 1024)).unwrap_or(1024))
        .all(fed.read())
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let plan = gate.plan(due, free);
    for (until, ids) in &plan.deferred {
        defer(fed, ids, *until).await?;
    }
    if plan.take.is_empty() {
        return Ok(0);
    }
    // Everything that can fail is read before the claim, so a claimed row
    // is always started (or given back).
    let bodies = bodies_and_signers(fed, &plan.take).await?;
    // The claim mark: whole milliseconds, so that every database stores and
    // compares it exactly.
    let mark = chrono::SubsecRound::trunc_subsecs(Utc::now(), 3);
    // Claim in one statement, naming this process; the rows it returns
    // are ours. Another process may have claimed some first: on
    // PostgreSQL rows it holds locked are skipped rather than waited for,
    // and rows it claimed are no longer pending.
    let ids: Vec<i32> = plan.take.iter().map(|d| d.id).collect();
    let still_pending = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::Id.is_in(ids))
        .filter(delivery::Column::State.eq(PENDING))
        .lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        )
        .into_query();
    let ours: HashSet<i32> = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(SENDING))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(mark))
        .col_expr(
            delivery::Column::ClaimedBy,
            Expr::value(fed.process_id().to_owned()),
        )
        .filter(delivery::Column::Id.in_subquery(still_pending))
        .exec_with_returning(fed.write())
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut started = 0;
    for mut d in plan.take {
        if !ours.contains(&d.id) {
            continue;
        }
        // The claim is (this process, this mark): what the task records
        // later counts only while the claim is still this one.
        d.next_attempt_at = mark;
        let Some((body, signer)) = bodies.get(&d.outbox_id).cloned() else {
            // The activity is gone (cannot happen while deliveries point to
            // it); nothing to send.
            release_claim(fed, d.id, mark).await?;
            continue;
        };
        let Ok(permit) = active.clone().try_acquire_owned() else {
            // Out of slots after all: give the row back for the next round.
            release_claim(fed, d.id, mark).await?;
            continue;
        };
        let host = host_of_delivery(&d);
        gate.start(&host, &d.inbox);
        started += 1;
        let fed = fed.clone();
        let gate = gate.clone();
        let parked = parked.clone();
        tokio::spawn(async move {
            let outcome = send(&fed, &d, body, &signer, permit, &parked).await;
            gate.finish(&host, &d.inbox, outcome_kind(&outcome), Utc::now());
            if let Err(e) = record(&fed, &d, outcome).await {
                // Not recorded: give the row back, so it is tried again
                // rather than left claimed (receivers ignore a repeat).
                tracing::warn!(error = %e, "recording a delivery failed");
                if let Err(e) = release_claim(&fed, d.id, d.next_attempt_at).await {
                    tracing::warn!(error = %e, "releasing a delivery failed");
                }
            }
            gate.freed.notify_one();
        });
    }
    Ok(started)
}

/// The body and signer of each activity among `take`, read in one query.
async fn bodies_and_signers(
    fed: &Federation,
    take: &[delivery::Model],
) -> Result<HashMap<i32, (Arc<Vec<u8>>, Signer)>> {
    let mut ids: Vec<i32> = take.iter().map(|d| d.outbox_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // Cached: no read of the actor on this path.
    let signers = fed.signers().await?;
    Ok(outbox_activity::Entity::find()
        .filter(outbox_activity::Column::Id.is_in(ids))
        .all(fed.read())
        .await?
        .into_iter()
        .map(|a| {
            let signer = if actor_of(&a.json).as_deref() == Some(signers.instance_id.as_str()) {
                signers.instance.clone()
            } else {
                signers.org.clone()
            };
            (a.id, (Arc::new(a.json.into_bytes()), signer))
        })
        .collect())
}

/// The `actor` of a stored activity: the instance actor signs what it
/// sends (relay follows); the organisation signs everything else.
fn actor_of(json: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ActorOnly {
        actor: Option<String>,
    }
    serde_json::from_str::<ActorOnly>(json)
        .ok()
        .and_then(|a| a.actor)
}

/// Sends one delivery. The active slot is given back when the request
/// ends, or earlier when it is slow: then the request waits on in a parked
/// slot, and the active one serves another host.
async fn send(
    fed: &Federation,
    d: &delivery::Model,
    body: Arc<Vec<u8>>,
    signer: &Signer,
    permit: tokio::sync::OwnedSemaphorePermit,
    parked: &Arc<Semaphore>,
) -> std::result::Result<reqwest::StatusCode, FetchError> {
    let inbox = Url::parse(&d.inbox).map_err(|_| FetchError::Url(d.inbox.clone()))?;
    let request = fed.http().post(&inbox, body.as_ref().clone(), signer);
    tokio::pin!(request);
    tokio::select! {
        outcome = &mut request => return outcome,
        () = tokio::time::sleep(fed.settings().slow_after) => {}
    }
    match parked.clone().try_acquire_owned() {
        Ok(parked_permit) => {
            drop(permit);
            fed.wake();
            let outcome = request.await;
            drop(parked_permit);
            outcome
        }
        // Too many parked already: keep the active slot.
        Err(_) => request.await,
    }
}

/// Gives one of this process's claims back; a claim taken over meanwhile
/// (by another process, or by this one after the lease ran out) is left
/// alone.
async fn release_claim(fed: &Federation, id: i32, mark: DateTime<Utc>) -> Result<()> {
    unclaim(
        fed,
        Condition::all()
            .add(delivery::Column::Id.eq(id))
            .add(delivery::Column::ClaimedBy.eq(fed.process_id()))
            .add(delivery::Column::NextAttemptAt.eq(mark)),
    )
    .await
    .map(|_| ())
}

/// Writes the outcome of a claimed delivery, if the claim is still this
/// process's: after a lease ran out another process owns the row, and its
/// outcome counts (the receiver ignores the repeat either way).
async fn save_claimed(
    fed: &Federation,
    claimed: &delivery::Model,
    mut row: delivery::ActiveModel,
) -> Result<bool> {
    row.claimed_by = Set(None);
    let id = claimed.id;
    let n = delivery::Entity::update_many()
        .set(row)
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::State.eq(SENDING))
        .filter(delivery::Column::ClaimedBy.eq(fed.process_id()))
        .filter(delivery::Column::NextAttemptAt.eq(claimed.next_attempt_at))
        .exec(fed.write())
        .await?
        .rows_affected;
    if n == 0 {
        tracing::info!(
            delivery = id,
            "claim taken over by another process; outcome left"
        );
    }
    Ok(n > 0)
}

/// Moves deliveries to a host whose circuit is open to the time it will
/// be probed again; this costs them no attempt.
async fn defer(fed: &Federation, ids: &[i32], until: DateTime<Utc>) -> Result<()> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(until))
        .col_expr(
            delivery::Column::LastError,
            Expr::value(DEFERRED_MESSAGE.to_owned()),
        )
        .filter(delivery::Column::Id.is_in(ids.to_vec()))
        .filter(delivery::Column::State.eq(PENDING))
        .exec(fed.write())
        .await?;
    Ok(())
}

/// What a deferred delivery shows as its last error.
pub const DEFERRED_MESSAGE: &str =
    "deferred: the server failed several times in a row and is tried again later";

fn outcome_kind(outcome: &std::result::Result<reqwest::StatusCode, FetchError>) -> Outcome {
    match outcome {
        // Any answer but a server error means the host is there.
        Ok(s) if !s.is_server_error() && s.as_u16() != 429 => Outcome::Answered,
        _ => Outcome::Failed,
    }
}

/// Statuses after which trying again cannot help.
fn permanent(status: u16) -> bool {
    matches!(status, 400 | 401 | 403 | 404 | 405 | 410 | 422)
}

async fn record(
    fed: &Federation,
    d: &delivery::Model,
    outcome: std::result::Result<reqwest::StatusCode, FetchError>,
) -> Result<()> {
    let now = Utc::now();
    let attempts = d.attempts + 1;
    let mut row: delivery::ActiveModel = d.clone().into();
    row.attempts = Set(attempts);
    match outcome {
        Ok(status) if status.is_success() => {
            row.state = Set(DELIVERED);
            row.last_status = Set(Some(i32::from(status.as_u16())));
            row.last_error = Set(None);
            row.delivered_at = Set(Some(now));
            save_claimed(fed, d, row).await?;
            mark_health(fed, &d.inbox, true).await?;
            tracing::debug!(delivery = d.id, "delivered");
        }
        Ok(status) if permanent(status.as_u16()) => {
            row.state = Set(FAILED);
            row.last_status = Set(Some(i32::from(status.as_u16())));
            row.last_error = Set(Some(format!("refused with {}", status.as_u16())));
            save_claimed(fed, d, row).await?;
            // The server answered: it is reachable, it just said no.
            mark_health(fed, &d.inbox, true).await?;
        }
        other => {
            let (status, error) = match other {
                Ok(s) => (
                    Some(i32::from(s.as_u16())),
                    format!("answered {}", s.as_u16()),
                ),
                Err(e) => (None, e.to_string()),
            };
            let failing_since = mark_health(fed, &d.inbox, false).await?;
            let settings = fed.settings();
            let expired = now - d.created_at
                > Duration::from_std(settings.give_up_after).unwrap_or(Duration::days(7));
            row.last_status = Set(status);
            row.last_error = Set(Some(error));
            if expired {
                row.state = Set(FAILED);
            } else {
                let unreachable = failing_since.is_some_and(|since| {
                    now - since
                        > Duration::from_std(settings.unreachable_after)
                            .unwrap_or(Duration::days(1))
                });
                let delay = if unreachable {
                    settings.probe_every
                } else {
                    backoff(settings.retry_base, settings.retry_max, attempts)
                };
                row.state = Set(PENDING);
                row.next_attempt_at =
                    Set(now + Duration::from_std(delay).unwrap_or(Duration::hours(1)));
            }
            save_claimed(fed, d, row).await?;
        }
    }
    Ok(())
}

/// base × 2^(attempts−1), at most `max`.
pub fn backoff(base: StdDuration, max: StdDuration, attempts: i32) -> StdDuration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1u32 << exp).min(max)
}

/// Records success or failure of an inbox; returns since when it fails.
async fn mark_health(fed: &Federation, inbox: &str, ok: bool) -> Result<Option<DateTime<Utc>>> {
    use sea_orm::sea_query::OnConflict;
    let now = Utc::now();
    let current = inbox_health::Entity::find_by_id(inbox.to_owned())
        .one(fed.read())
        .await?;
    // A healthy inbox that answered within the hour needs no new write:
    // writes go through one connection, and a fan-out makes a thousand.
    if ok
        && let Some(c) = &current
        && c.failing_since.is_none()
        && c.last_success_at
            .is_some_and(|at| now - at < Duration::hours(1))
    {
        return Ok(None);
    }
    let failing_since = if ok {
        None
    } else {
        Some(
            current
                .as_ref()
                .and_then(|c| c.failing_since)
                .unwrap_or(now),
        )
    };
    // An upsert: deliveries to one inbox may end at the same moment, and
    // the second must not fail on the first one's row.
    inbox_health::Entity::insert(inbox_health::ActiveModel {
        inbox: Set(inbox.to_owned()),
        failing_since: Set(failing_since),
        last_success_at: Set(if ok {
            Some(now)
        } else {
            current.as_ref().and_then(|c| c.last_success_at)
        }),
    })
    .on_conflict(
        OnConflict::column(inbox_health::Column::Inbox)
            .update_columns([
                inbox_health::Column::FailingSince,
                inbox_health::Column::LastSuccessAt,
            ])
            .to_owned(),
    )
    .exec(fed.write())
    .await?;
    Ok(failing_since)
}

/// A delivery as operators see it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryLine {
    pub id: i32,
    pub state: DeliveryState,
    pub inbox: String,
    pub activity_id: String,
    pub kind: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The inbox has failed for longer than a day.
    pub unreachable: bool,
    /// While `sending`: the process that holds the claim (host, process
    /// id and a random part), so an operator sees which one is sending.
    pub claimed_by: Option<String>,
}

/// Deliveries, newest first; `state` filters.
/// The highest page of deliveries anyone can ask for.
pub const MAX_LIST_PAGE: u64 = 1_000_000;

pub async fn list(
    fed: &Federation,
    state: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<DeliveryLine>, u64)> {
    let mut q = delivery::Entity::find().order_by_desc(delivery::Column::Id);
    if let Some(s) = state {
        q = q.filter(delivery::Column::State.eq(s));
    }
    let pages = q.paginate(fed.read(), per_page.clamp(1, 500));
    let total = pages.num_items().await?;
    // A page number from a URL is clamped so the offset cannot overflow.
    let rows = pages.fetch_page(page.clamp(1, MAX_LIST_PAGE) - 1).await?;
    let now = Utc::now();
    let unreachable_after =
        Duration::from_std(fed.settings().unreachable_after).unwrap_or(Duration::days(1));
    // Kinds and ids of the activities (not their bodies) and the health of
    // the inboxes on this page, each in one query.
    let outbox_ids: Vec<i32> = rows.iter().map(|d| d.outbox_id).collect();
    let activities: std::collections::HashMap<i32, (String, String)> =
        outbox_activity::Entity::find()
            .select_only()
            .column(outbox_activity::Column::Id)
            .column(outbox_activity::Column::ActivityId)
            .column(outbox_activity::Column::Kind)
            .filter(outbox_activity::Column::Id.is_in(outbox_ids))
            .into_tuple::<(i32, String, String)>()
            .all(fed.read())
            .await?
            .into_iter()
            .map(|(id, activity_id, kind)| (id, (activity_id, kind)))
            .collect();
    let inboxes: Vec<String> = rows.iter().map(|d| d.inbox.clone()).collect();
    let failing: std::collections::HashMap<String, DateTime<Utc>> = inbox_health::Entity::find()
        .filter(inbox_health::Column::Inbox.is_in(inboxes))
        .all(fed.read())
        .await?
        .into_iter()
        .filter_map(|h| h.failing_since.map(|since| (h.inbox, since)))
        .collect();
    let out = rows
        .into_iter()
        .map(|d| {
            let (activity_id, kind) = activities.get(&d.outbox_id).cloned().unwrap_or_default();
            DeliveryLine {
                id: d.id,
                state: d.state,
                activity_id,
                kind,
                unreachable: failing
                    .get(&d.inbox)
                    .is_some_and(|since| now - *since > unreachable_after),
                inbox: d.inbox,
                attempts: d.attempts,
                next_attempt_at: d.next_attempt_at,
                last_status: d.last_status,
                last_error: d.last_error,
                delivered_at: d.delivered_at,
                claimed_by: d.claimed_by,
            }
        })
        .collect();
    Ok((out, total))
}

/// Withdraws what the outbox holds of a deleted object: the activities that
/// carry its text keep only their id and type, and their deliveries that
/// were not made are given up. The `Delete` sent afterwards is untouched.
pub async fn withdraw_object(fed: &Federation, object_id: &str) -> Result<u64> {
    use sea_orm::sea_query::LikeExpr;
    use sea_orm::{ActiveModelTrait, Set};
    let pattern = format!(
        "%\"{}\"%",
        object_id
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = outbox_activity::Entity::find()
        .filter(outbox_activity::Column::Kind.is_in(["Create", "Update", "Announce"]))
        .filter(outbox_activity::Column::Json.like(LikeExpr::new(pattern).escape('\\')))
        .all(fed.write())
        .await?;
    let mut n = 0;
    for row in rows {
        let stub = serde_json::json!({ "id": row.activity_id, "type": row.kind });
        // Deliveries not made are dropped, so a later retry cannot send
        // the stub.
        delivery::Entity::delete_many()
            .filter(delivery::Column::OutboxId.eq(row.id))
            .filter(delivery::Column::State.is_in([PENDING, FAILED]))
            .exec(fed.write())
            .await?;
        let mut a: outbox_activity::ActiveModel = row.into();
        a.json = Set(stub.to_string());
        a.update(fed.write()).await?;
        n += 1;
    }
    Ok(n)
}

/// Makes failed and waiting deliveries due now (all, or one by id).
pub async fn retry(fed: &Federation, id: Option<i32>) -> Result<u64> {
    let mut q = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(PENDING))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(Utc::now()))
        .filter(delivery::Column::State.is_in([PENDING, FAILED]));
    if let Some(id) = id {
        q = q.filter(delivery::Column::Id.eq(id));
    }
    let n = q.exec(fed.write()).await?.rows_affected;
    crate::wakeup::tell_others(fed.write()).await?;
    fed.wake();
    Ok(n)
}

/// How the deliveries of one outbox entry stand: the number per state.
pub async fn delivery_states(fed: &Federation, outbox_id: i32) -> Result<Vec<(String, i64)>> {
    Ok(delivery::Entity::find()
        .select_only()
        .column(delivery::Column::State)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::OutboxId.eq(outbox_id))
        .group_by(delivery::Column::State)
        .into_tuple::<(String, i64)>()
        .all(fed.read())
        .await?)
}

/// Counts by state, for the admin overview.
pub async fn counts(fed: &Federation) -> Result<Vec<(String, i64)>> {
    Ok(delivery::Entity::find()
        .select_only()
        .column(delivery::Column::State)
        .column_as(delivery::Column::Id.count(), "n")
        .group_by(delivery::Column::State)
        .into_tuple::<(String, i64)>()
        .all(fed.read())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let b = StdDuration::from_secs(60);
        let m = StdDuration::from_secs(6 * 3600);
        assert_eq!(backoff(b, m, 1), StdDuration::from_secs(60));
        assert_eq!(backoff(b, m, 2), StdDuration::from_secs(120));
        assert_eq!(backoff(b, m, 5), StdDuration::from_secs(960));
        assert_eq!(backoff(b, m, 40), m);
        assert!(permanent(410) && permanent(400) && !permanent(429) && !permanent(503));
    }
}
