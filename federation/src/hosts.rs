//! Per-host limits and circuit breakers for outgoing deliveries.
//!
//! Deliveries to one host never wait on another host: each host may have
//! only a few requests in flight, and a host that fails several times in a
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

    /// Inboxes in flight on hosts that cannot take more now, so the next
    /// query does not fetch their rows again.
    pub fn busy_inboxes(&self) -> Vec<String> {
        let now = Utc::now();
        let Ok(hosts) = self.hosts.lock() else {
            return Vec::new();
        };
        hosts
            .values()
            .filter(|h| h.in_flight >= self.limit(h, now))
            .flat_map(|h| h.inboxes.keys().cloned())
            .collect()
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
        for d in due {
            let key = host_of(&d.inbox);
            let (in_flight, limit, open_until) = match hosts.get(&key) {
                Some(h) => (h.in_flight, self.limit(h, now), h.open_until),
                None => (0, self.per_host, None),
            };
            if let Some(until) = open_until.filter(|u| *u > now) {
                plan.deferred.entry(until).or_default().push(d.id);
                continue;
            }
            if plan.take.len() >= free {
                continue;
            }
            let n = starting.entry(key).or_insert(0);
            if in_flight + *n >= limit {
                continue;
            }
            *n += 1;
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
                if h.failures >= self.threshold {
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
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_status: None,
            last_error: None,
            created_at: now,
            delivered_at: None,
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
            row(1, "https://slow.example/inbox"),
            row(2, "https://slow.example/inbox"),
            row(3, "https://slow.example/inbox"),
            row(4, "https://a.example/inbox"),
            row(5, "https://b.example/inbox"),
        ];
        let plan = g.plan(due, 10);
        let ids: Vec<i32> = plan.take.iter().map(|d| d.id).collect();
        assert_eq!(ids, vec![1, 2, 4, 5], "at most two at once per host");
        g.start("slow.example", "https://slow.example/inbox");
        g.start("slow.example", "https://slow.example/inbox");
        assert_eq!(g.busy_inboxes(), vec!["https://slow.example/inbox"]);
        let plan = g.plan(
            vec![
                row(3, "https://slow.example/inbox"),
                row(6, "https://c.example/inbox"),
            ],
            10,
        );
        assert_eq!(plan.take.len(), 1);
        assert_eq!(plan.take[0].id, 6);
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
