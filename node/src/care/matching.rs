//! Suggestions: which volunteers suit a help request, best first, with the
//! reasons for each place in the list shown to the coordinator.
//!
//! Only active volunteers who do the request's category are suggested, and
//! not the person asking nor anyone at their weekly maximum. Points are given
//! for: working in the requester's neighbourhood, being available at the
//! wanted time, having room in their week, and having helped this person
//! before (people prefer a familiar face).

use std::collections::HashMap;

use chrono::Datelike;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::members::{DAYS, split};
use super::{Error, Result};
use crate::db::Db;
use crate::entity::{help_request, match_, member, volunteer};
use crate::i18n::{self, Lang};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reason {
    /// Locale key, e.g. `reason.area_match`.
    pub key: &'static str,
    /// The number or word the sentence needs, if any.
    pub value: Option<String>,
}

impl Reason {
    /// The reason as a sentence; takes `Lang` or `&Lang` (as templates pass it).
    pub fn text<L: std::borrow::Borrow<Lang>>(&self, lang: L) -> String {
        let t = i18n::text(*lang.borrow(), self.key);
        match &self.value {
            // Two values ("2|4") fill two places in order.
            Some(v) => v
                .split('|')
                .fold(t.to_owned(), |acc, part| acc.replacen("{}", part, 1)),
            None => t.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    pub volunteer_id: i32,
    pub name: String,
    pub neighbourhood: Option<String>,
    pub score: i32,
    pub open_tasks: i64,
    pub max_tasks_per_week: i32,
    /// Available at the wanted time (or no time was asked for).
    pub available: bool,
    pub reasons: Vec<Reason>,
}

/// Suggestions for a request, best first, at most `limit`.
pub async fn suggest(db: &Db, request_id: i32, limit: usize) -> Result<Vec<Suggestion>> {
    let request = help_request::Entity::find_by_id(request_id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let requester_area = match request.member_id {
        Some(id) => member::Entity::find_by_id(id)
            .one(db.read())
            .await?
            .and_then(|m| m.neighbourhood),
        None => None,
    };
    let category = request.category_id.to_string();
    // Skills are stored as "3,7,9": match the id as a whole list item.
    let skill = sea_orm::Condition::any()
        .add(volunteer::Column::Skills.eq(category.as_str()))
        .add(volunteer::Column::Skills.starts_with(format!("{category},")))
        .add(volunteer::Column::Skills.ends_with(format!(",{category}")))
        .add(volunteer::Column::Skills.contains(format!(",{category},")));
    let candidates: Vec<volunteer::Model> = volunteer::Entity::find()
        .filter(volunteer::Column::Active.eq(true))
        .filter(skill)
        .all(db.read())
        .await?
        .into_iter()
        .filter(|v| split(&v.skills).contains(&category))
        .filter(|v| Some(v.member_id) != request.member_id)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // Open tasks of every volunteer at once: one grouped scan of the open
    // matches (an index covers it), no list of thousands of ids.
    let open: HashMap<i32, i64> = match_::Entity::find()
        .select_only()
        .column(match_::Column::VolunteerId)
        .column_as(match_::Column::Id.count(), "n")
        .filter(match_::Column::Status.is_in(["proposed", "accepted"]))
        .group_by(match_::Column::VolunteerId)
        .into_tuple::<(i32, i64)>()
        .all(db.read())
        .await?
        .into_iter()
        .collect();
    let familiar: HashMap<i32, i64> = match request.member_id {
        Some(asker) => {
            let earlier: Vec<i32> = help_request::Entity::find()
                .select_only()
                .column(help_request::Column::Id)
                .filter(help_request::Column::MemberId.eq(asker))
                .filter(help_request::Column::Id.ne(request.id))
                .into_tuple::<i32>()
                .all(db.read())
                .await?;
            if earlier.is_empty() {
                HashMap::new()
            } else {
                match_::Entity::find()
                    .select_only()
                    .column(match_::Column::VolunteerId)
                    .column_as(match_::Column::Id.count(), "n")
                    .filter(match_::Column::RequestId.is_in(earlier))
                    .filter(match_::Column::Status.is_in(["accepted", "completed"]))
                    .group_by(match_::Column::VolunteerId)
                    .into_tuple::<(i32, i64)>()
                    .all(db.read())
                    .await?
                    .into_iter()
                    .collect()
            }
        }
        None => HashMap::new(),
    };

    let mut out: Vec<Suggestion> = candidates
        .iter()
        .filter_map(|v| {
            let load = open.get(&v.member_id).copied().unwrap_or(0);
            if load >= i64::from(v.max_tasks_per_week) {
                return None;
            }
            let mut score = 0;
            let mut reasons = vec![Reason {
                key: "reason.skill",
                value: None,
            }];
            let areas = split(&v.areas);
            match &requester_area {
                Some(area) if areas.iter().any(|a| a.eq_ignore_ascii_case(area)) => {
                    score += 30;
                    reasons.push(Reason {
                        key: "reason.area_match",
                        value: Some(area.clone()),
                    });
                }
                _ if areas.is_empty() => {
                    score += 15;
                    reasons.push(Reason {
                        key: "reason.area_any",
                        value: None,
                    });
                }
                _ => reasons.push(Reason {
                    key: "reason.area_other",
                    value: None,
                }),
            }
            let slots = split(&v.availability);
            let mut available = true;
            match request.wanted_date {
                Some(date) => {
                    let day = DAYS[date.weekday().num_days_from_monday() as usize];
                    let fits = slots.iter().any(|s| {
                        s.split_once('-').is_some_and(|(d, p)| {
                            d == day && (request.wanted_part == "any" || p == request.wanted_part)
                        })
                    });
                    if fits {
                        score += 25;
                        reasons.push(Reason {
                            key: "reason.available",
                            value: Some(super::dutch::format_date(date)),
                        });
                    } else {
                        available = false;
                        reasons.push(Reason {
                            key: "reason.not_available",
                            value: Some(super::dutch::format_date(date)),
                        });
                    }
                }
                None => {
                    score += 10;
                    reasons.push(Reason {
                        key: "reason.no_date",
                        value: None,
                    });
                }
            }
            let max = i64::from(v.max_tasks_per_week.max(1));
            score += (20 * (max - load) / max) as i32;
            reasons.push(Reason {
                key: "reason.load",
                value: Some(format!("{load}|{max}")),
            });
            if let Some(&n) = familiar.get(&v.member_id) {
                score += (5 * n).min(15) as i32;
                reasons.push(Reason {
                    key: "reason.familiar",
                    value: Some(n.to_string()),
                });
            }
            Some(Suggestion {
                volunteer_id: v.member_id,
                name: String::new(),
                neighbourhood: None,
                score,
                open_tasks: load,
                max_tasks_per_week: v.max_tasks_per_week,
                available,
                reasons,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.volunteer_id.cmp(&b.volunteer_id))
    });
    // Names only for the ones shown; erased people have no volunteer row,
    // but a check costs nothing here.
    let mut shown = Vec::with_capacity(limit);
    for chunk in out.chunks(limit.max(1)) {
        let ids: Vec<i32> = chunk.iter().map(|s| s.volunteer_id).collect();
        let people: HashMap<i32, member::Model> = member::Entity::find()
            .filter(member::Column::Id.is_in(ids))
            .filter(member::Column::ErasedAt.is_null())
            .all(db.read())
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        for mut s in chunk.iter().cloned() {
            if let Some(p) = people.get(&s.volunteer_id) {
                s.name = p.name.clone();
                s.neighbourhood = p.neighbourhood.clone();
                shown.push(s);
            }
        }
        if shown.len() >= limit {
            break;
        }
    }
    shown.truncate(limit);
    Ok(shown)
}
