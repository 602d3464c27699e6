//! Realistic fake data for trying a node out and for benchmarks: Dutch
//! names, streets and postcodes, volunteers, and a year of help requests
//! with matches and hours. Seeded, so every run makes the same data.

use chrono::{Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{EntityTrait, Set, TransactionTrait};

use super::{Error, Result};
use crate::db::Db;
use crate::entity::{help_request, hour_entry, match_, member, request_event, volunteer};

const FIRST: &[&str] = &[
    "Jan",
    "Piet",
    "Kees",
    "Gerrit",
    "Henk",
    "Wim",
    "Joke",
    "Ans",
    "Riet",
    "Truus",
    "Annie",
    "Marja",
    "Fatima",
    "Mohamed",
    "Sanne",
    "Lotte",
    "Daan",
    "Bram",
    "Ilse",
    "Willemien",
    "Hendrika",
    "Johannes",
    "Cornelis",
    "Maria",
    "Aaltje",
    "Geesje",
    "Jantje",
    "Roelof",
    "Harm",
    "Grietje",
];
const LAST: &[&str] = &[
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "El Amrani",
    "Yilmaz",
    "Kuipers",
    "Veenstra",
    "Hofstede",
];
const STREETS: &[&str] = &[
    "Dorpsstraat",
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Beukenlaan",
    "Eikenlaan",
    "Julianastraat",
    "Wilhelminalaan",
    "Stationsweg",
    "Esweg",
    "Brink",
    "Veenweg",
];
const AREAS: &[&str] = &["Centrum", "Noord", "Zuid", "Oost", "West", "Buitengebied"];
const SLOTS: &[&str] = &[
    "mon-morning",
    "mon-afternoon",
    "tue-morning",
    "tue-evening",
    "wed-afternoon",
    "thu-morning",
    "thu-afternoon",
    "fri-morning",
    "sat-morning",
    "sat-afternoon",
    "sun-afternoon",
];
const NEEDS: &[&str] = &[
    "Boodschappen doen bij de supermarkt",
    "Rit naar het ziekenhuis voor controle",
    "Lamp ophangen in de gang",
    "Wekelijks kopje koffie en een praatje",
    "Hulp bij het invullen van formulieren",
    "Warme maaltijd brengen",
    "Hulp met de tablet en videobellen",
    "Heg snoeien en blad harken",
];

/// What was made.
#[derive(Debug, Default)]
pub struct Made {
    pub members: usize,
    pub volunteers: usize,
    pub requests: usize,
    pub matches: usize,
    pub hour_entries: usize,
}

const BATCH: usize = 400;

/// Fills the node; `progress(done, total)` is called after each batch.
pub async fn fill(
    db: &Db,
    members: usize,
    requests: usize,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Made> {
    let mut rng = StdRng::seed_from_u64(20_261_125);
    let categories: Vec<i32> = super::categories::all_ids(db).await?;
    if categories.is_empty() {
        return Err(Error::Conflict("error.category"));
    }
    let now = Utc::now();
    let today = now.date_naive();
    let total = members + requests;
    let mut made = Made::default();

    let mut member_ids: Vec<i32> = Vec::with_capacity(members);
    let mut volunteer_ids: Vec<i32> = Vec::new();
    for chunk_start in (0..members).step_by(BATCH) {
        let chunk = BATCH.min(members - chunk_start);
        let txn = db.write().begin().await?;
        for _ in 0..chunk {
            let name = format!(
                "{} {}",
                FIRST[rng.gen_range(0..FIRST.len())],
                LAST[rng.gen_range(0..LAST.len())]
            );
            let phone = format!("06{:08}", rng.gen_range(10_000_000..99_999_999));
            let postcode = format!(
                "{} {}{}",
                rng.gen_range(1000..9999),
                (b'A' + rng.gen_range(0..26)) as char,
                (b'A' + rng.gen_range(0..26)) as char
            );
            let area = AREAS[rng.gen_range(0..AREAS.len())];
            let since = today - Duration::days(rng.gen_range(30..3650));
            let search = noaber_migrations::search::member_text(
                &name,
                Some(&phone),
                None,
                Some(&postcode),
                Some(area),
            );
            let row = member::ActiveModel {
                name: Set(name),
                phone: Set(Some(phone)),
                email: Set(None),
                address: Set(Some(format!(
                    "{} {}",
                    STREETS[rng.gen_range(0..STREETS.len())],
                    rng.gen_range(1..200)
                ))),
                postcode: Set(Some(postcode)),
                neighbourhood: Set(Some(area.to_owned())),
                birth_year: Set(Some(rng.gen_range(1925..1990))),
                member_since: Set(Some(since)),
                may_contact: Set(true),
                may_photo: Set(rng.gen_bool(0.3)),
                notes: Set(None),
                search_text: Set(search),
                erased_at: Set(None),
                created_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let id = member::Entity::insert(row).exec(&txn).await?.last_insert_id;
            member_ids.push(id);
            // About one in five members volunteers.
            if rng.gen_bool(0.2) {
                let skills: Vec<String> = categories
                    .iter()
                    .filter(|_| rng.gen_bool(0.35))
                    .map(i32::to_string)
                    .collect();
                let slots: Vec<&str> = SLOTS
                    .iter()
                    .copied()
                    .filter(|_| rng.gen_bool(0.3))
                    .collect();
                volunteer::Entity::insert(volunteer::ActiveModel {
                    member_id: Set(id),
                    user_id: Set(None),
                    skills: Set(skills.join(",")),
                    areas: Set(if rng.gen_bool(0.3) {
                        String::new()
                    } else {
                        area.to_owned()
                    }),
                    availability: Set(slots.join(",")),
                    vog_date: Set(Some(since)),
                    max_tasks_per_week: Set(rng.gen_range(1..5)),
                    active: Set(true),
                })
                .exec(&txn)
                .await?;
                volunteer_ids.push(id);
            }
        }
        txn.commit().await?;
        made.members += chunk;
        progress(made.members, total);
    }
    made.volunteers = volunteer_ids.len();
    if member_ids.is_empty() {
        return Ok(made);
    }

    for chunk_start in (0..requests).step_by(BATCH) {
        let chunk = BATCH.min(requests - chunk_start);
        let txn = db.write().begin().await?;
        for _ in 0..chunk {
            let asker = member_ids[rng.gen_range(0..member_ids.len())];
            let created = now - Duration::minutes(rng.gen_range(0..525_600));
            let age_days = (now - created).num_days();
            // Older requests are mostly closed; recent ones still open.
            let roll: f64 = rng.r#gen();
            let status = if age_days < 7 && roll < 0.5 {
                "new"
            } else if age_days < 14 && roll < 0.7 {
                "matched"
            } else if roll < 0.8 {
                "done"
            } else if roll < 0.9 {
                "cancelled"
            } else {
                "failed"
            };
            let closed = matches!(status, "done" | "cancelled" | "failed")
                .then(|| created + Duration::days(rng.gen_range(1..10)));
            let wanted: Option<NaiveDate> = rng
                .gen_bool(0.7)
                .then(|| (created + Duration::days(rng.gen_range(1..14))).date_naive());
            let need = NEEDS[rng.gen_range(0..NEEDS.len())];
            let row = help_request::ActiveModel {
                member_id: Set(Some(asker)),
                walk_in_name: Set(None),
                walk_in_contact: Set(None),
                category_id: Set(categories[rng.gen_range(0..categories.len())]),
                description: Set(Some(need.to_owned())),
                search_text: Set(noaber_migrations::search::request_text(None, Some(need))),
                wanted_date: Set(wanted),
                wanted_part: Set(
                    ["any", "morning", "afternoon", "evening"][rng.gen_range(0..4)].to_owned(),
                ),
                recurrence: Set(None),
                urgency: Set(["low", "normal", "normal", "high"][rng.gen_range(0..4)].to_owned()),
                status: Set(status.to_owned()),
                source: Set("coordinator".into()),
                created_by: Set(None),
                created_at: Set(created),
                updated_at: Set(closed.unwrap_or(created)),
                closed_at: Set(closed),
                ..Default::default()
            };
            let rid = help_request::Entity::insert(row)
                .exec(&txn)
                .await?
                .last_insert_id;
            request_event::Entity::insert(request_event::ActiveModel {
                request_id: Set(rid),
                from_status: Set(None),
                to_status: Set("new".into()),
                changed_by: Set(None),
                at: Set(created),
                ..Default::default()
            })
            .exec(&txn)
            .await?;
            made.requests += 1;
            if matches!(status, "matched" | "done") && !volunteer_ids.is_empty() {
                let helper = volunteer_ids[rng.gen_range(0..volunteer_ids.len())];
                let match_status = if status == "done" {
                    "completed"
                } else {
                    "accepted"
                };
                let mid = match_::Entity::insert(match_::ActiveModel {
                    request_id: Set(rid),
                    volunteer_id: Set(helper),
                    status: Set(match_status.into()),
                    created_by: Set(None),
                    created_at: Set(created + Duration::hours(4)),
                    responded_at: Set(Some(created + Duration::hours(8))),
                    responded_by: Set(None),
                    ..Default::default()
                })
                .exec(&txn)
                .await?
                .last_insert_id;
                made.matches += 1;
                if status == "done" {
                    hour_entry::Entity::insert(hour_entry::ActiveModel {
                        volunteer_id: Set(helper),
                        match_id: Set(Some(mid)),
                        request_id: Set(Some(rid)),
                        date: Set(closed.unwrap_or(created).date_naive().min(today)),
                        minutes: Set(rng.gen_range(2..12) * 15),
                        kilometres: Set(rng.gen_bool(0.3).then(|| rng.gen_range(2..60))),
                        note: Set(None),
                        entered_by: Set(None),
                        created_at: Set(closed.unwrap_or(created)),
                        ..Default::default()
                    })
                    .exec(&txn)
                    .await?;
                    made.hour_entries += 1;
                }
            }
        }
        txn.commit().await?;
        progress(made.members + made.requests, total);
    }
    Ok(made)
}
