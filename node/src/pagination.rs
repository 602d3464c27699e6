//! Pages of long lists, the same for HTML and JSON.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_PER_PAGE: u64 = 25;
pub const MAX_PER_PAGE: u64 = 100;
/// The highest page number anyone can ask for. Far beyond any real list, and
/// low enough that `page * per_page` can never overflow in a query builder.
pub const MAX_PAGE: u64 = 1_000_000;

/// A page number as given (or not), within 1 to [`MAX_PAGE`].
pub fn clamp_page(page: u64) -> u64 {
    page.clamp(1, MAX_PAGE)
}

/// `?page=2&per_page=50&q=text`. Out-of-range values are clamped rather than
/// refused: a stale bookmark should still show a page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    pub per_page: Option<String>,
    /// Search text.
    pub q: Option<String>,
}

impl ListQuery {
    pub fn page_request(&self) -> PageRequest {
        let num = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<u64>().ok());
        PageRequest {
            page: clamp_page(num(&self.page).unwrap_or(1)),
            per_page: num(&self.per_page)
                .unwrap_or(DEFAULT_PER_PAGE)
                .clamp(1, MAX_PER_PAGE),
        }
    }

    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, req: PageRequest, total: u64) -> Self {
        Self {
            items,
            page: req.page,
            per_page: req.per_page,
            total,
            pages: total.div_ceil(req.per_page).max(1),
        }
    }

    pub fn has_previous(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
}
