//! Shared machinery for the server-rendered pages: the page context every
//! template gets (language, user, navigation, CSRF token, flash message),
//! the home page, the language switch, static files and the error page.

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::accounts::{Account, Role};
use crate::app::AppState;
use crate::auth::MaybeUser;
use crate::auth::csrf::{CsrfToken, cookie_value};
use crate::error::{AppError, Problem};
use crate::i18n::{self, Lang, Tr};

pub mod components;
pub mod headers;
pub mod time;

pub const LANG_COOKIE: &str = "noaber_lang";
pub const FLASH_COOKIE: &str = "noaber_flash";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/taal", get(switch_language))
        .route("/menu", get(menu))
        .route("/static/noaber.css", get(stylesheet))
}

/// The language of a request: the visitor's choice, else the browser's.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookie_value(headers, LANG_COOKIE)
        .and_then(|c| Lang::from_code(&c))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// Shown in the header; the rest is on the menu page, so the header
    /// stays two lines on a phone.
    pub primary: bool,
}

/// What every page template needs.
pub struct PageCtx {
    pub t: Tr,
    pub csrf: String,
    pub user: Option<Account>,
    pub node_name: String,
    pub flash: Option<&'static str>,
    pub nav: Vec<NavItem>,
}

impl PageCtx {
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
}

fn navigation(user: Option<&Account>, path: &str) -> Vec<NavItem> {
    let Some(user) = user else {
        return Vec::new();
    };
    let items = [
        ("/", "nav.home", Role::Volunteer, Role::Admin),
        ("/taken", "nav.tasks", Role::Volunteer, Role::Volunteer),
        (
            "/hulpvragen",
            "nav.requests",
            Role::Coordinator,
            Role::Admin,
        ),
        ("/leden", "nav.members", Role::Coordinator, Role::Admin),
        ("/aanbod", "nav.offers", Role::Coordinator, Role::Admin),
        ("/uren", "nav.hours", Role::Volunteer, Role::Admin),
        (
            "/activiteiten",
            "nav.activities",
            Role::Coordinator,
            Role::Admin,
        ),
        ("/kennis", "nav.knowledge", Role::Volunteer, Role::Admin),
        (
            "/overzichten",
            "nav.reports",
            Role::Coordinator,
            Role::Admin,
        ),
        ("/cijfers", "nav.figures", Role::Coordinator, Role::Admin),
        ("/gebruikers", "nav.users", Role::Coordinator, Role::Admin),
        ("/instellingen", "nav.settings", Role::Admin, Role::Admin),
        ("/netwerk", "nav.network", Role::Admin, Role::Admin),
        ("/audit", "nav.audit", Role::Admin, Role::Admin),
        ("/account", "nav.account", Role::Volunteer, Role::Admin),
    ];
    items
        .into_iter()
        .filter(|(_, _, min, max)| user.role.at_least(*min) && *max >= user.role)
        .map(|(href, label, _, _)| (href, label, ()))
        .map(|(href, label, ())| NavItem {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            },
            primary: matches!(href, "/hulpvragen" | "/leden" | "/taken" | "/uren"),
        })
        .collect()
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let lang = request_lang(&parts.headers);
        let flash = cookie_value(&parts.headers, FLASH_COOKIE).and_then(|key| known_flash(&key));
        Ok(Self {
            t: Tr(lang),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            nav: navigation(user.as_ref(), parts.uri.path()),
            user,
            node_name: state
                .profile()
                .await
                .map(|p| p.name)
                .unwrap_or_else(|| "Noaber".to_owned()),
            flash,
        })
    }
}

/// Only messages of our own are shown, so a crafted cookie cannot put text
/// on the page.
fn known_flash(key: &str) -> Option<&'static str> {
    FLASH_KEYS.iter().copied().find(|k| *k == key)
}

const FLASH_KEYS: &[&str] = &[
    "flash.saved",
    "flash.logged_in",
    "flash.logged_out",
    "flash.logged_out_everywhere",
    "flash.setup_done",
    "flash.password_changed",
    "flash.user_created",
    "flash.language",
    "flash.follow_sent",
    "flash.matched",
    "flash.accepted",
    "flash.declined",
    "flash.erased",
    "flash.requester_erased",
    "flash.hours_saved",
    "flash.imported",
    "flash.published",
    "flash.saved_draft",
    "flash.deleted",
    "flash.liked",
    "flash.question_sent",
    "flash.copy_saved",
    "flash.themes_saved",
    "flash.answer_sent",
    "flash.recorded_yes",
    "flash.recorded_no",
    "flash.member_linked",
    "flash.request_changed",
    "flash.status_changed",
    "flash.request_created",
    "flash.member_created",
    "flash.member_created_linked",
    "flash.member_created_not_linked",
    "flash.volunteer_login_created",
    "flash.user_created_unlinked",
    "flash.activity_created",
    "flash.activity_changed",
    "flash.signed_up",
    "flash.signup_removed",
    "flash.matched_mailed",
    "flash.matched_no_email",
    "flash.matched_mail_failed",
    "flash.volunteer_login_linked",
    "flash.volunteer_login_not_linked",
    "flash.notice_email_saved",
];

/// Adds a `Set-Cookie` header. Our cookie values are tokens and keys that
/// always form a valid header; one that did not would simply not be set.
pub fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A redirect that shows `key` on the next page.
pub fn flash_redirect(to: &str, key: &'static str) -> Response {
    let mut response = Redirect::to(to).into_response();
    set_cookie(
        &mut response,
        &format!("{FLASH_COOKIE}={key}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"),
    );
    response
}

/// Removes the flash cookie once a page has shown it.
pub async fn clear_flash(request: Request, next: Next) -> Response {
    let had_flash = cookie_value(request.headers(), FLASH_COOKIE).is_some();
    let mut response = next.run(request).await;
    if had_flash && response.status().is_success() {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("noaber_flash=; Path=/; Max-Age=0"),
        );
    }
    response
}

pub fn render(t: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(t.render()?))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    place: String,
    /// The latest news and events from the network, newest first.
    news: Vec<noaber_federation::network_items::ItemLine>,
    /// A coordinator's to-do list.
    todo: Option<crate::care::todo::Todo>,
    /// The public agenda, for visitors.
    agenda: Vec<crate::care::activities::Activity>,
}

/// News and events received from the network for the dashboard.
async fn latest_news(
    state: &AppState,
) -> Result<Vec<noaber_federation::network_items::ItemLine>, AppError> {
    use noaber_federation::network_items::{self, ItemQuery};
    use noaber_federation::protocol::item::ItemKind;
    let mut news = Vec::new();
    for kind in [ItemKind::Update, ItemKind::Event] {
        let q = ItemQuery {
            kind: Some(kind),
            ..ItemQuery::default()
        };
        news.extend(network_items::list(&state.federation, &q, 1, 5).await?.0);
    }
    news.sort_by_key(|i| std::cmp::Reverse(i.published_at));
    news.truncate(5);
    Ok(news)
}

async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    page: PageCtx,
) -> Result<Response, AppError> {
    if crate::setup::is_needed(&state.db).await? {
        return Ok(Redirect::to("/installatie").into_response());
    }
    let place = state.profile().await.map(|p| p.place).unwrap_or_default();
    let news = if page.user.is_some() {
        latest_news(&state).await?
    } else {
        Vec::new()
    };
    let todo = match &page.user {
        Some(u) if u.role.at_least(Role::Coordinator) => {
            let actor = crate::care::Actor::of(u);
            Some(crate::care::todo::for_coordinator(&state.db, actor, time::today()).await?)
        }
        _ => None,
    };
    let agenda = if page.user.is_none() {
        crate::care::activities::upcoming_public(&state.db, time::today(), 10).await?
    } else {
        Vec::new()
    };
    Ok(render(&HomePage {
        page,
        place,
        news,
        todo,
        agenda,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "menu.html")]
struct MenuPage {
    page: PageCtx,
}

/// Everything the header has no room for, as a plain page: no script
/// needed to open it.
async fn menu(user: crate::auth::CurrentUser, page: PageCtx) -> Result<Response, AppError> {
    let _ = user;
    Ok(render(&MenuPage { page })?.into_response())
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
    terug: Option<String>,
}

async fn switch_language(Query(q): Query<LangQuery>) -> Response {
    let lang = q
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default();
    let back = crate::auth::extract::safe_next(q.terug.as_deref());
    let mut response = Redirect::to(&back).into_response();
    set_cookie(
        &mut response,
        &format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            lang.code()
        ),
    );
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/noaber.css"),
    )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    status: u16,
    message: &'a str,
    fields: Vec<(&'a str, &'a str)>,
}

/// The HTML page for an error, standalone so it renders even when the
/// database is what failed.
pub fn error_page(problem: &Problem, lang: Lang) -> String {
    let page = ErrorPage {
        t: Tr(lang),
        status: problem.status.as_u16(),
        message: i18n::text(lang, problem.message),
        fields: problem
            .fields
            .iter()
            .map(|f| (f.field, i18n::text(lang, f.message)))
            .collect(),
    };
    page.render()
        .unwrap_or_else(|_| format!("<!doctype html><title>{}</title>", problem.status))
}
