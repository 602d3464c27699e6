//! Per-host limits and circuit breakers for outgoing deliveries.
//!
//! Deliveries to one host never wait on another host: each host may have
//! only a few requests in flight, and each inbox one, so that activities
//! reach an inbox in the order they were sent (a Delete never overtakes its
//! Create). A host that fails several times in a
//! row gets an open circuit, so its deliveries are deferred without each
//! costing a timeout. When the circuit's cool-down has passed, one
//! delivery goes through as a probe ("half open"): an answer closes the
//! circuit, another failure opens it again for twice as long.
//!
//! The state is kept in memory: it only decides *when* a delivery is
//! tried. Every delivery itself stays a row, so a restart loses nothing;
//! it only forgets which hosts were failing, and relearns it within a few
//! attempts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use crate::FederationSettings;
use crate::entity::delivery;

/// How a delivery ended, as far as the host's health is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The host answered (also with a refusal): it is there.
    Answered,
    /// No answer, a timeout, a server error or "too many requests".
    Failed,
}

/// The key deliveries are grouped by: `host[:port]` of the inbox, lower
/// case. An inbox that is not a URL is its own group.
pub fn host_of(inbox: &str) -> String {
    crate::net::authority_of(inbox)
        .unwrap_or_else(|| inbox.to_owned())
        .to_ascii_lowercase()
}

/// The host of a delivery: kept on the row since it was stored, worked
/// out from the inbox for rows from before.
pub fn host_of_delivery(d: &delivery::Model) -> String {
    d.host.clone().unwrap_or_else(|| host_of(&d.inbox))
}

#[derive(Debug, Default)]
struct Host {
    in_flight: usize,
    /// In-flight count per inbox on this host.
    inboxes: HashMap<String, usize>,
    /// Failures in a row.
    failures: u32,
    /// How often the circuit opened in a row: each time it stays open
    /// twice as long.
    opened: u32,
    open_until: Option<DateTime<Utc>>,
}

/// What to do with a list of due deliveries.
#[derive(Debug, Default)]
pub struct Plan {
    /// Start these now.
    pub take: Vec<delivery::Model>,
    /// Defer these (ids) until the time given: their host's circuit is open.
    pub deferred: BTreeMap<DateTime<Utc>, Vec<i32>>,
}

pub struct HostGate {
    hosts: Mutex<HashMap<String, Host>>,
    per_host: usize,
    threshold: u32,
    cool_down_base: StdDuration,
    cool_down_max: StdDuration,
    /// Rung whenever a delivery ends and its slot is free again.
    pub freed: Notify,
}

impl HostGate {
    pub fn new(settings: &FederationSettings) -> Self {
        Self {
            hosts: Mutex::new(HashMap::new()),
            per_host: settings.per_host.max(1),
            threshold: settings.breaker_after.max(1),
            cool_down_base: settings.retry_base,
            cool_down_max: settings.retry_max,
            freed: Notify::new(),
        }
    }

    fn limit(&self, h: &Host, now: DateTime<Utc>) -> usize {
        let half_open = h.failures >= self.threshold && h.open_until.is_none_or(|u| u <= now);
        if half_open { 1 } else { self.per_host }
    }

    /// What cannot take another delivery now: the inboxes in flight, and
    /// the hosts at their limit, so the next query leaves their rows out.
    pub fn busy(&self) -> (Vec<String>, Vec<String>) {
        let now = Utc::now();
        let Ok(hosts) = self.hosts.lock() else {
            return (Vec::new(), Vec::new());
        };
        let inboxes = hosts
            .values()
            .flat_map(|h| h.inboxes.keys().cloned())
            .collect();
        let full = hosts
            .iter()
            .filter(|(_, h)| h.in_flight >= self.limit(h, now))
            .map(|(k, _)| k.clone())
            .collect();
        (inboxes, full)
    }

    /// Splits due deliveries (oldest first) into those to start now, at
    /// most `free`, and those to defer; the rest wait for a later round.
    pub fn plan(&self, due: Vec<delivery::Model>, free: usize) -> Plan {
        self.plan_at(due, free, Utc::now())
    }

    fn plan_at(&self, due: Vec<delivery::Model>, free: usize, now: DateTime<Utc>) -> Plan {
        let mut plan = Plan::default();
        let Ok(hosts) = self.hosts.lock() else {
            return plan;
        };
        let mut starting: HashMap<String, usize> = HashMap::new();
        let mut inboxes: std::collections::HashSet<String> = std::collections::HashSet::new();
        for d in due {
            let key = host_of_delivery(&d);
            let (in_flight, limit, open_until, inbox_busy) = match hosts.get(&key) {
                Some(h) => (
                    h.in_flight,
                    self.limit(h, now),
                    h.open_until,
                    h.inboxes.contains_key(&d.inbox),
                ),
                None => (0, self.per_host, None, false),
            };
            if let Some(until) = open_until.filter(|u| *u > now) {
                plan.deferred.entry(until).or_default().push(d.id);
                continue;
            }
            if plan.take.len() >= free || inbox_busy || inboxes.contains(&d.inbox) {
                continue;
            }
            let n = starting.entry(key).or_insert(0);
            if in_flight + *n >= limit {
                continue;
            }
            *n += 1;
            inboxes.insert(d.inbox.clone());
            plan.take.push(d);
        }
        plan
    }

    /// A delivery to `inbox` on `host` starts.
    pub fn start(&self, host: &str, inbox: &str) {
        if let Ok(mut hosts) = self.hosts.lock() {
            let h = hosts.entry(host.to_owned()).or_default();
            h.in_flight += 1;
            *h.inboxes.entry(inbox.to_owned()).or_insert(0) += 1;
        }
    }

    /// A delivery ended; updates the host's circuit.
    pub fn finish(&self, host: &str, inbox: &str, outcome: Outcome, now: DateTime<Utc>) {
        let Ok(mut hosts) = self.hosts.lock() else {
            return;
        };
        let h = hosts.entry(host.to_owned()).or_default();
        h.in_flight = h.in_flight.saturating_sub(1);
        if let Some(n) = h.inboxes.get_mut(inbox) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                h.inboxes.remove(inbox);
            }
        }
        match outcome {
            Outcome::Answered => {
                if h.open_until.is_some() {
                    tracing::info!(host, "server answers again; deliveries resume");
                }
                h.failures = 0;
                h.opened = 0;
                h.open_until = None;
            }
            Outcome::Failed => {
                h.failures = h.failures.saturating_add(1);
                // Requests that were under way together fail together: one
                // opening, not one per request.
                let already_open = h.open_until.is_some_and(|u| u > now);
                if h.failures >= self.threshold && !already_open {
                    h.opened = h.opened.saturating_add(1);
                    let wait = crate::outbox::backoff(
                        self.cool_down_base,
                        self.cool_down_max,
                        i32::try_from(h.opened).unwrap_or(i32::MAX),
                    );
                    h.open_until =
                        Some(now + Duration::from_std(wait).unwrap_or(Duration::hours(1)));
                    tracing::info!(
                        host,
                        failures = h.failures,
                        wait_seconds = wait.as_secs(),
                        "server keeps failing; its deliveries wait"
                    );
                }
            }
        }
        // Forget healthy idle hosts, so the map stays as small as the set
        // of hosts that are busy or failing.
        if h.in_flight == 0 && h.failures == 0 {
            hosts.remove(host);
        }
    }

    /// Whether deliveries to `host` are being deferred now.
    pub fn is_open(&self, host: &str) -> bool {
        let now = Utc::now();
        self.hosts
            .lock()
            .ok()
            .and_then(|h| h.get(host).and_then(|h| h.open_until))
            .is_some_and(|u| u > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i32, inbox: &str) -> delivery::Model {
        let now = Utc::now();
        delivery::Model {
            id,
            outbox_id: 1,
            inbox: inbox.to_owned(),
            state: crate::state::DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_status: None,
            last_error: None,
            created_at: now,
            delivered_at: None,
            host: None,
            claimed_by: None,
        }
    }

    fn gate() -> HostGate {
        HostGate::new(&FederationSettings {
            per_host: 2,
            breaker_after: 3,
            retry_base: StdDuration::from_secs(10),
            ..FederationSettings::default()
        })
    }

    #[test]
    fn a_busy_host_does_not_take_the_slots_of_others() {
        let g = gate();
        let due = vec![
            row(1, "https://slow.example/users/a/inbox"),
            row(2, "https://slow.example/users/b/inbox"),
            row(3, "https://slow.example/users/c/inbox"),
            row(4, "https://a.example/inbox"),
            row(5, "https://b.example/inbox"),
        ];
        let plan = g.plan(due, 10);
        let ids: Vec<i32> = plan.take.iter().map(|d| d.id).collect();
        assert_eq!(ids, vec![1, 2, 4, 5], "at most two at once per host");
        g.start("slow.example", "https://slow.example/users/a/inbox");
        g.start("slow.example", "https://slow.example/users/b/inbox");
        let (mut inboxes, full) = g.busy();
        inboxes.sort();
        assert_eq!(
            inboxes,
            vec![
                "https://slow.example/users/a/inbox",
                "https://slow.example/users/b/inbox"
            ]
        );
        assert_eq!(full, vec!["slow.example"]);
        let plan = g.plan(
            vec![
                row(3, "https://slow.example/users/c/inbox"),
                row(6, "https://c.example/inbox"),
            ],
            10,
        );
        assert_eq!(plan.take.len(), 1);
        assert_eq!(plan.take[0].id, 6);
    }

    #[test]
    fn one_delivery_per_inbox_at_a_time_in_order() {
        let g = gate();
        let inbox = "https://social.example/inbox";
        let plan = g.plan(vec![row(7, inbox), row(8, inbox)], 10);
        let ids: Vec<i32> = plan.take.iter().map(|d| d.id).collect();
        assert_eq!(ids, vec![7], "the Delete waits for its Create");
        g.start("social.example", inbox);
        assert!(g.plan(vec![row(8, inbox)], 10).take.is_empty());
        g.finish("social.example", inbox, Outcome::Answered, Utc::now());
        assert_eq!(g.plan(vec![row(8, inbox)], 10).take.len(), 1);
    }

    #[test]
    fn failures_together_open_the_circuit_once() {
        let g = gate();
        let now = Utc::now();
        for i in 0..4 {
            g.start("dead.example", &format!("https://dead.example/{i}"));
        }
        for i in 0..4 {
            g.finish(
                "dead.example",
                &format!("https://dead.example/{i}"),
                Outcome::Failed,
                now,
            );
        }
        let plan = g.plan_at(vec![row(1, "https://dead.example/0")], 10, now);
        assert_eq!(
            *plan.deferred.keys().next().unwrap(),
            now + Duration::seconds(10),
            "the first cool-down, not a doubled one"
        );
    }

    #[test]
    fn repeated_failures_open_the_circuit_and_an_answer_closes_it() {
        let g = gate();
        let host = "dead.example";
        let inbox = "https://dead.example/inbox";
        let now = Utc::now();
        for _ in 0..2 {
            g.start(host, inbox);
            g.finish(host, inbox, Outcome::Failed, now);
        }
        assert!(!g.is_open(host));
        assert!(!g.is_open(host), "two failures are not enough");
        g.start(host, inbox);
        g.finish(host, inbox, Outcome::Failed, now);
        assert!(g.is_open(host));
        // While open, its deliveries are deferred, others go.
        let plan = g.plan_at(
            vec![row(1, inbox), row(2, "https://live.example/inbox")],
            10,
            now,
        );
        assert_eq!(plan.take.len(), 1);
        assert_eq!(plan.take[0].id, 2);
        let (until, ids) = plan.deferred.iter().next().unwrap();
        assert_eq!(ids, &vec![1]);
        assert_eq!(*until, now + Duration::seconds(10));
        // After the cool-down, one probe at a time.
        let later = now + Duration::seconds(11);
        let plan = g.plan_at(vec![row(1, inbox), row(3, inbox)], 10, later);
        assert_eq!(plan.take.len(), 1, "one probe");
        // The probe fails: open twice as long.
        g.start(host, inbox);
        g.finish(host, inbox, Outcome::Failed, later);
        let plan = g.plan_at(vec![row(1, inbox)], 10, later);
        assert_eq!(
            *plan.deferred.keys().next().unwrap(),
            later + Duration::seconds(20)
        );
        // An answer closes it.
        g.start(host, inbox);
        g.finish(host, inbox, Outcome::Answered, later);
        assert!(!g.is_open(host));
        assert_eq!(g.plan_at(vec![row(1, inbox)], 10, later).take.len(), 1);
    }
}
