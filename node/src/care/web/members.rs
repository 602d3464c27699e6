//! Member pages: list, create, view (audited), edit, volunteer profile,
//! export, erasure, CSV import and export.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::{ConfirmPage, coordinator, form, id_of, list, page_base};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::care::import::{self, ImportReport, Mode};
use crate::care::members::{self, DAYS, Filter, Member, MemberInput, PARTS, VolunteerInput};
use crate::care::privacy::{self, PersonExport};
use crate::care::{Error, dutch};
use crate::error::AppError;
use crate::pagination::ListQuery;
use crate::validation::Invalid;
use crate::web::components::{Cell, Field, FormSpec, Kind, ListSpec, Opt, Row, Section};
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leden", get(index))
        .route("/leden/nieuw", get(new_form).post(create))
        .route("/leden/export.csv", get(export_csv))
        .route(
            "/leden/importeren",
            get(import_form)
                .post(import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    import::MAX_BYTES + 64 * 1024,
                )),
        )
        .route(
            "/leden/importeren/{batch}",
            get(import_report).post(import_run),
        )
        .route("/leden/{id}", get(show))
        .route("/leden/{id}/bewerken", get(edit_form).post(update))
        .route(
            "/leden/{id}/vrijwilliger",
            get(volunteer_form).post(volunteer_save),
        )
        .route("/leden/{id}/gegevens", get(export_html))
        .route("/leden/{id}/gegevens.json", get(export_json))
        .route("/leden/{id}/wissen", get(erase_confirm).post(erase))
}

#[derive(Deserialize, Default)]
struct MembersQuery {
    #[serde(flatten)]
    list: ListQuery,
    vrijwilligers: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<MembersQuery>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let volunteers_only = q.vrijwilligers.is_some();
    let filter = if volunteers_only {
        Filter::Volunteers
    } else {
        Filter::All
    };
    let result = members::list_for(
        &state.db,
        actor,
        q.list.search(),
        filter,
        q.list.page_request(),
    )
    .await?;
    let extra = [("vrijwilligers", if volunteers_only { "1" } else { "" })];
    let mut spec = ListSpec::new(
        "members.title",
        vec![
            "member.name",
            "member.neighbourhood",
            "member.phone",
            "members.volunteer",
        ],
        &result,
        page_base("/leden", q.list.search(), &extra),
    );
    spec.actions = vec![
        ("/leden/nieuw".into(), "members.new"),
        ("/leden/importeren".into(), "import.title"),
        ("/leden/export.csv".into(), "members.export_csv"),
    ];
    spec.search_action = Some("/leden".into());
    spec.search_label = "members.search";
    spec.q = q.list.search().unwrap_or("").to_owned();
    spec.filters = vec![
        ("/leden".into(), "members.filter_all", !volunteers_only),
        (
            "/leden?vrijwilligers=1".into(),
            "members.filter_volunteers",
            volunteers_only,
        ),
    ];
    spec.rows = result
        .items
        .iter()
        .map(|m| {
            vec![
                Cell::link(m.name.clone(), format!("/leden/{}", m.id)),
                Cell::text(m.neighbourhood.clone().unwrap_or_default()),
                Cell::text(m.phone.clone().unwrap_or_default()),
                Cell::text(if m.is_volunteer {
                    page.t.t("value.yes")
                } else {
                    page.t.t("value.no")
                }),
            ]
        })
        .collect();
    list(page, spec)
}

/// The member form as posted: checkboxes are absent when not ticked.
#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    name: String,
    phone: String,
    email: String,
    address: String,
    postcode: String,
    neighbourhood: String,
    birth_year: String,
    member_since: String,
    may_contact: Option<String>,
    may_photo: Option<String>,
    notes: String,
}

impl MemberForm {
    fn input(&self) -> MemberInput {
        let yes = |b: &Option<String>| if b.is_some() { "ja" } else { "nee" }.to_owned();
        MemberInput {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            neighbourhood: self.neighbourhood.clone(),
            birth_year: self.birth_year.clone(),
            member_since: self.member_since.clone(),
            may_contact: yes(&self.may_contact),
            may_photo: yes(&self.may_photo),
            notes: self.notes.clone(),
        }
    }

    fn from_member(m: &Member) -> Self {
        Self {
            name: m.name.clone(),
            phone: m.phone.clone().unwrap_or_default(),
            email: m.email.clone().unwrap_or_default(),
            address: m.address.clone().unwrap_or_default(),
            postcode: m.postcode.clone().unwrap_or_default(),
            neighbourhood: m.neighbourhood.clone().unwrap_or_default(),
            birth_year: m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            member_since: m.member_since.map(dutch::format_date).unwrap_or_default(),
            may_contact: m.may_contact.then(|| "ja".into()),
            may_photo: m.may_photo.then(|| "ja".into()),
            notes: m.notes.clone().unwrap_or_default(),
        }
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("name", "member.name", Kind::Text, &self.name),
            Field::new("phone", "member.phone", Kind::Tel, &self.phone).hint("member.phone_hint"),
            Field::new("email", "member.email", Kind::Email, &self.email),
            Field::new("address", "member.address", Kind::Text, &self.address),
            Field::new("postcode", "member.postcode", Kind::Text, &self.postcode).narrow(),
            Field::new(
                "neighbourhood",
                "member.neighbourhood",
                Kind::Text,
                &self.neighbourhood,
            ),
            Field::new(
                "birth_year",
                "member.birth_year",
                Kind::Number,
                &self.birth_year,
            )
            .narrow()
            .hint("member.optional"),
            Field::new(
                "member_since",
                "member.member_since",
                Kind::Date,
                &self.member_since,
            )
            .narrow()
            .hint("form.date_hint"),
            Field::new(
                "may_contact",
                "member.may_contact",
                Kind::Checkbox(self.may_contact.is_some()),
                "",
            ),
            Field::new(
                "may_photo",
                "member.may_photo",
                Kind::Checkbox(self.may_photo.is_some()),
                "",
            ),
            Field::new("notes", "member.notes", Kind::TextArea, &self.notes)
                .hint("member.notes_hint"),
        ]
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewMemberQuery {
    /// A request from someone who is not a member yet: the new member is
    /// filled in from it and the request linked to them.
    hulpvraag: String,
}

/// Where the new-member form posts to and leads back to.
fn new_member_target(from_request: Option<i32>) -> (String, String, &'static str) {
    match from_request {
        Some(id) => (
            format!("/leden/nieuw?hulpvraag={id}"),
            format!("/hulpvragen/{id}"),
            "requests.back_to_one",
        ),
        None => ("/leden/nieuw".into(), "/leden".into(), "members.back"),
    }
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<NewMemberQuery>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let from_request = q.hulpvraag.trim().parse::<i32>().ok();
    // Consent is asked, never assumed: the box starts unticked.
    let mut f = MemberForm::default();
    if let Some(id) = from_request {
        let r = crate::care::requests::view(&state.db, actor, id).await?;
        f.name = r.request.requester.clone();
        match r.request.walk_in_contact {
            Some(c) if c.contains('@') => f.email = c,
            Some(c) => f.phone = c,
            None => {}
        }
    }
    let (action, back, back_label) = new_member_target(from_request);
    form(
        page,
        FormSpec::new("members.new", action, f.fields()).back(back, back_label),
    )
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<NewMemberQuery>,
    Form(f): Form<MemberForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let from_request = q.hulpvraag.trim().parse::<i32>().ok();
    match members::create(&state.db, actor, &f.input()).await {
        Ok(m) => {
            let Some(request_id) = from_request else {
                return Ok(flash_redirect(
                    &format!("/leden/{}", m.id),
                    "flash.member_created",
                ));
            };
            let link = crate::care::requests::RequestChange {
                member_id: Some(m.id.to_string()),
                ..Default::default()
            };
            match crate::care::requests::update(&state.db, actor, request_id, &link).await {
                Ok(_) => Ok(flash_redirect(
                    &format!("/hulpvragen/{request_id}"),
                    "flash.member_created_linked",
                )),
                // The request was closed or changed meanwhile: the member
                // stays made, and the page says it is not linked.
                Err(Error::Conflict(_) | Error::Invalid(_)) => Ok(flash_redirect(
                    &format!("/leden/{}", m.id),
                    "flash.member_created_not_linked",
                )),
                Err(e) => Err(e.into()),
            }
        }
        Err(Error::Invalid(errors)) => {
            let (action, back, back_label) = new_member_target(from_request);
            form(
                page,
                FormSpec::new("members.new", action, f.fields())
                    .errors(errors)
                    .back(back, back_label),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    page: PageCtx,
    member: Member,
    sections: Vec<Section>,
}

fn yes_no(page: &PageCtx, b: bool) -> String {
    page.t
        .t(if b { "value.yes" } else { "value.no" })
        .to_owned()
}

fn member_sections(
    page: &PageCtx,
    m: &Member,
    categories: &std::collections::HashMap<i32, String>,
) -> Vec<Section> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut sections = vec![Section {
        heading: "members.details",
        rows: vec![
            Row {
                label: "member.phone",
                value: opt(&m.phone),
            },
            Row {
                label: "member.email",
                value: opt(&m.email),
            },
            Row {
                label: "member.address",
                value: opt(&m.address),
            },
            Row {
                label: "member.postcode",
                value: opt(&m.postcode),
            },
            Row {
                label: "member.neighbourhood",
                value: opt(&m.neighbourhood),
            },
            Row {
                label: "member.birth_year",
                value: m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            },
            Row {
                label: "member.member_since",
                value: m.member_since.map(dutch::format_date).unwrap_or_default(),
            },
            Row {
                label: "member.may_contact",
                value: yes_no(page, m.may_contact),
            },
            Row {
                label: "member.may_photo",
                value: yes_no(page, m.may_photo),
            },
            Row {
                label: "member.notes",
                value: opt(&m.notes),
            },
        ],
    }];
    if let Some(v) = &m.volunteer {
        let skills: Vec<String> = v
            .skills
            .iter()
            .filter_map(|id| categories.get(id).cloned())
            .collect();
        let slots: Vec<String> = v.availability.iter().map(|s| slot_label(page, s)).collect();
        sections.push(Section {
            heading: "members.volunteer_profile",
            rows: vec![
                Row {
                    label: "volunteer.skills",
                    value: skills.join(", "),
                },
                Row {
                    label: "volunteer.areas",
                    value: if v.areas.is_empty() {
                        page.t.t("volunteer.anywhere").to_owned()
                    } else {
                        v.areas.join(", ")
                    },
                },
                Row {
                    label: "volunteer.availability",
                    value: slots.join(", "),
                },
                Row {
                    label: "volunteer.vog_date",
                    value: v.vog_date.map(dutch::format_date).unwrap_or_default(),
                },
                Row {
                    label: "volunteer.max_tasks",
                    value: v.max_tasks_per_week.to_string(),
                },
            ],
        });
    }
    sections
}

fn slot_label(page: &PageCtx, slot: &str) -> String {
    match slot.split_once('-') {
        // Dutch writes "maandagochtend" as one word; English "Monday morning".
        Some((d, p)) => {
            let sep = if page.t.lang() == "nl" { "" } else { " " };
            format!(
                "{}{sep}{}",
                page.t.t(&format!("day.{d}")),
                page.t.t(&format!("part.{p}"))
            )
        }
        None => slot.to_owned(),
    }
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let member = members::view(&state.db, actor, id_of(&id)?).await?;
    let cats = crate::care::categories::names(&state.db).await?;
    let sections = member_sections(&page, &member, &cats);
    Ok(render(&MemberPage {
        page,
        member,
        sections,
    })?
    .into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let m = members::view(&state.db, actor, id).await?;
    let f = MemberForm::from_member(&m);
    let mut spec = FormSpec::new("members.edit", format!("/leden/{id}/bewerken"), f.fields())
        .back(format!("/leden/{id}"), "form.back");
    spec.title = format!("{}: {}", page.t.t("members.edit"), m.name);
    form(page, spec)
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    match members::update(&state.db, actor, id, &f.input()).await {
        Ok(_) => Ok(flash_redirect(&format!("/leden/{id}"), "flash.saved")),
        Err(Error::Invalid(errors)) => form(
            page,
            FormSpec::new("members.edit", format!("/leden/{id}/bewerken"), f.fields())
                .errors(errors)
                .back(format!("/leden/{id}"), "form.back"),
        ),
        Err(e) => Err(e.into()),
    }
}

/// Repeated checkboxes (`skills=1&skills=3`) need the raw pairs.
fn volunteer_input(body: &[u8]) -> VolunteerInput {
    let mut input = VolunteerInput::default();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "skills" => input.skills.push(v.into_owned()),
            "availability" => input.availability.push(v.into_owned()),
            "areas" => input.areas = v.into_owned(),
            "vog_date" => input.vog_date = v.into_owned(),
            "max_tasks_per_week" => input.max_tasks_per_week = v.into_owned(),
            "username" => input.username = v.into_owned(),
            _ => {}
        }
    }
    input
}

async fn volunteer_fields(
    state: &AppState,
    page: &PageCtx,
    input: &VolunteerInput,
) -> Result<Vec<Field>, AppError> {
    let cats = crate::care::categories::list(&state.db, true).await?;
    let skills = cats
        .iter()
        .map(|c| {
            Opt::text(
                c.id.to_string(),
                c.name.clone(),
                input.skills.contains(&c.id.to_string()),
            )
        })
        .collect();
    let mut slots = Vec::new();
    for d in DAYS {
        for p in PARTS {
            let value = format!("{d}-{p}");
            let selected = input.availability.contains(&value);
            slots.push(Opt::text(value.clone(), slot_label(page, &value), selected));
        }
    }
    Ok(vec![
        Field::new("skills", "volunteer.skills", Kind::Checkboxes(skills), ""),
        Field::new("areas", "volunteer.areas", Kind::Text, &input.areas)
            .hint("volunteer.areas_hint"),
        Field::new(
            "availability",
            "volunteer.availability",
            Kind::Checkboxes(slots),
            "",
        ),
        Field::new(
            "vog_date",
            "volunteer.vog_date",
            Kind::Date,
            &input.vog_date,
        )
        .narrow()
        .hint("form.date_hint"),
        Field::new(
            "max_tasks_per_week",
            "volunteer.max_tasks",
            Kind::Number,
            &input.max_tasks_per_week,
        )
        .narrow(),
        Field::new(
            "username",
            "volunteer.username",
            Kind::Text,
            &input.username,
        )
        .hint("volunteer.username_hint"),
    ])
}

async fn volunteer_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let m = members::view(&state.db, actor, id).await?;
    let input = match &m.volunteer {
        Some(v) => VolunteerInput {
            skills: v.skills.iter().map(i32::to_string).collect(),
            areas: v.areas.join(", "),
            availability: v.availability.clone(),
            vog_date: v.vog_date.map(dutch::format_date).unwrap_or_default(),
            max_tasks_per_week: v.max_tasks_per_week.to_string(),
            username: match v.user_id {
                Some(uid) => crate::accounts::service::get(&state.db, uid)
                    .await
                    .map(|a| a.username)
                    .unwrap_or_default(),
                None => String::new(),
            },
        },
        None => VolunteerInput {
            max_tasks_per_week: "3".into(),
            ..Default::default()
        },
    };
    let fields = volunteer_fields(&state, &page, &input).await?;
    let mut spec = FormSpec::new(
        "members.volunteer_profile",
        format!("/leden/{id}/vrijwilliger"),
        fields,
    )
    .back(format!("/leden/{id}"), "form.back");
    spec.title = format!("{}: {}", page.t.t("members.volunteer_profile"), m.name);
    form(page, spec)
}

async fn volunteer_save(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let input = volunteer_input(&body);
    match members::set_volunteer(&state.db, actor, id, &input).await {
        Ok(_) => Ok(flash_redirect(&format!("/leden/{id}"), "flash.saved")),
        Err(Error::Invalid(errors)) => {
            let fields = volunteer_fields(&state, &page, &input).await?;
            form(
                page,
                FormSpec::new(
                    "members.volunteer_profile",
                    format!("/leden/{id}/vrijwilliger"),
                    fields,
                )
                .errors(errors)
                .back(format!("/leden/{id}"), "form.back"),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "person_export.html")]
struct ExportPage {
    page: PageCtx,
    data: PersonExport,
    sections: Vec<Section>,
}

async fn export_html(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let data = privacy::export(&state.db, actor, id_of(&id)?).await?;
    let cats = crate::care::categories::names(&state.db).await?;
    let sections = member_sections(&page, &data.member, &cats);
    Ok(render(&ExportPage {
        page,
        data,
        sections,
    })?
    .into_response())
}

async fn export_json(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let data = privacy::export(&state.db, actor, id).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"lid-{id}.json\""),
        )],
        Json(data),
    )
        .into_response())
}

async fn erase_confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let id = id_of(&id)?;
    // The name only, as a list shows it: the person to be erased is named.
    let name = members::names(&state.db, &[id])
        .await?
        .remove(&id)
        .ok_or(AppError::NotFound)?;
    Ok(render(&ConfirmPage {
        page,
        title: "members.erase",
        subject: name,
        text: "members.erase_text",
        button: "members.erase_button",
        action: format!("/leden/{id}/wissen"),
        back: format!("/leden/{id}"),
        fields: Vec::new(),
    })?
    .into_response())
}

async fn erase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    privacy::erase(&state.db, actor, id_of(&id)?).await?;
    Ok(flash_redirect("/leden", "flash.erased"))
}

async fn export_csv(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let csv = import::export_csv(&state.db, actor).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"leden.csv\"".to_owned(),
            ),
        ],
        csv,
    )
        .into_response())
}

fn upload_spec(errors: Invalid) -> FormSpec {
    let mut spec = FormSpec::new(
        "import.title",
        "/leden/importeren",
        vec![Field::new("file", "import.file", Kind::File, "").hint("import.file_hint")],
    )
    .intro("import.intro")
    .submit("import.check")
    .errors(errors)
    .back("/leden", "members.back");
    spec.multipart = true;
    spec
}

async fn import_form(user: CurrentUser, page: PageCtx) -> Result<Response, AppError> {
    coordinator(&user)?;
    form(page, upload_spec(Invalid::default()))
}

async fn import_upload(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::TooLarge)?
                .to_vec();
        }
    }
    if bytes.is_empty() {
        return form(page, upload_spec(Invalid::one("file", "import.no_file")));
    }
    match import::dry_run(&state.db, actor, &bytes).await {
        Ok((batch, _)) => {
            Ok(axum::response::Redirect::to(&format!("/leden/importeren/{batch}")).into_response())
        }
        Err(Error::Invalid(errors)) => form(page, upload_spec(errors)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "import_report.html")]
struct ReportPage {
    page: PageCtx,
    report: ImportReport,
    batch: i32,
}

async fn import_report(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(batch): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let batch = id_of(&batch)?;
    let report = import::report_of(&state.db, actor, batch).await?;
    Ok(render(&ReportPage {
        page,
        report,
        batch,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ImportChoice {
    mode: String,
}

async fn import_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(batch): Path<String>,
    Form(choice): Form<ImportChoice>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let mode = if choice.mode == "valid_only" {
        Mode::ValidOnly
    } else {
        Mode::All
    };
    import::import(&state.db, actor, id_of(&batch)?, mode).await?;
    Ok(flash_redirect("/leden", "flash.imported"))
}
