//! Building blocks for the many similar pages: a form described by its
//! fields, a list described by its columns and rows, and a detail page of
//! labelled values. One template each keeps the form habits (labels above
//! fields, error summary linking to each field, values kept) in one place.

use crate::pagination::Page;
use crate::validation::Invalid;

/// An option of a select, radio group or checkbox group.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    /// A locale key when `translate`, else shown as is (e.g. a category name).
    pub label: String,
    pub translate: bool,
    pub selected: bool,
}

impl Opt {
    pub fn key(value: impl Into<String>, key: &str, selected: bool) -> Self {
        Self {
            value: value.into(),
            label: key.to_owned(),
            translate: true,
            selected,
        }
    }

    pub fn text(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            translate: false,
            selected,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Kind {
    Text,
    Email,
    Tel,
    Number,
    Date,
    TextArea,
    Select(Vec<Opt>),
    Radios(Vec<Opt>),
    Checkboxes(Vec<Opt>),
    Checkbox(bool),
    File,
    Hidden,
    /// A person chosen on an earlier step: the name is shown, the id sent
    /// hidden, and a link goes back to choose someone else.
    Chosen {
        name: String,
        change: String,
    },
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub kind: Kind,
    /// Extra width class: `narrow` for short values.
    pub width: &'static str,
}

impl Field {
    pub fn new(
        name: &'static str,
        label: &'static str,
        kind: Kind,
        value: impl Into<String>,
    ) -> Self {
        Self {
            name,
            label,
            hint: "",
            value: value.into(),
            kind,
            width: "",
        }
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub fn narrow(mut self) -> Self {
        self.width = "narrow";
        self
    }

    pub fn input_type(&self) -> &'static str {
        match self.kind {
            Kind::Email => "email",
            Kind::Tel => "tel",
            Kind::Number => "text",
            Kind::Date => "text",
            Kind::File => "file",
            Kind::Hidden => "hidden",
            _ => "text",
        }
    }

    pub fn inputmode(&self) -> &'static str {
        match self.kind {
            Kind::Number => "numeric",
            _ => "",
        }
    }

    pub fn is_text_like(&self) -> bool {
        matches!(
            self.kind,
            Kind::Text | Kind::Email | Kind::Tel | Kind::Number | Kind::Date | Kind::File
        )
    }
}

pub struct FormSpec {
    pub title: String,
    pub title_key: &'static str,
    pub intro: &'static str,
    pub action: String,
    pub submit: &'static str,
    pub fields: Vec<Field>,
    pub errors: Invalid,
    pub back: Option<(String, &'static str)>,
    pub multipart: bool,
}

impl FormSpec {
    pub fn new(title_key: &'static str, action: impl Into<String>, fields: Vec<Field>) -> Self {
        Self {
            title: String::new(),
            title_key,
            intro: "",
            action: action.into(),
            submit: "form.save",
            fields,
            errors: Invalid::default(),
            back: None,
            multipart: false,
        }
    }

    pub fn errors(mut self, errors: Invalid) -> Self {
        self.errors = errors;
        self
    }

    pub fn back(mut self, href: impl Into<String>, label: &'static str) -> Self {
        self.back = Some((href.into(), label));
        self
    }

    pub fn submit(mut self, key: &'static str) -> Self {
        self.submit = key;
        self
    }

    pub fn intro(mut self, key: &'static str) -> Self {
        self.intro = key;
        self
    }

    /// The label of a field on this form, for the error summary; empty for
    /// a field the form does not show.
    pub fn label_of(&self, field: &str) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.name == field)
            .map(|f| f.label)
            .unwrap_or("")
    }

    /// The id the error summary links to: the first option of a group.
    pub fn anchor(&self, field: &str) -> String {
        match self
            .fields
            .iter()
            .find(|f| f.name == field)
            .map(|f| &f.kind)
        {
            Some(Kind::Radios(o) | Kind::Checkboxes(o)) if !o.is_empty() => {
                format!("{field}-0")
            }
            _ => field.to_owned(),
        }
    }
}

/// A cell of a list: text, optionally a link.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            href: None,
        }
    }

    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            href: Some(href.into()),
        }
    }
}

pub struct ListSpec {
    pub title_key: &'static str,
    pub intro: &'static str,
    pub actions: Vec<(String, &'static str)>,
    /// Search form target; `None` for lists without search.
    pub search_action: Option<String>,
    pub search_label: &'static str,
    pub q: String,
    /// Hidden fields the search form carries (e.g. a status filter).
    pub search_hidden: Vec<(&'static str, String)>,
    /// What to say when the list is empty and nothing was searched.
    pub empty: &'static str,
    /// Filter links, e.g. by status: (href, label key, current).
    pub filters: Vec<(String, &'static str, bool)>,
    /// Sort links, the same way.
    pub sorts: Vec<(String, &'static str, bool)>,
    /// A choice from a longer list, e.g. a category: a small form.
    pub category_filter: Option<CategoryFilter>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub total: u64,
    /// The total was counted up to a cap: show "more than".
    pub more_than: Option<u64>,
    pub page: u64,
    pub pages: u64,
    /// The list URL with its query, without `page`, ending in `?` or `&`.
    pub page_base: String,
}

impl ListSpec {
    pub fn new<T>(
        title_key: &'static str,
        columns: Vec<&'static str>,
        page: &Page<T>,
        page_base: String,
    ) -> Self {
        Self {
            title_key,
            intro: "",
            actions: Vec::new(),
            search_action: None,
            search_label: "list.search",
            q: String::new(),
            search_hidden: Vec::new(),
            empty: "list.empty",
            filters: Vec::new(),
            sorts: Vec::new(),
            category_filter: None,
            columns,
            rows: Vec::new(),
            total: page.total,
            more_than: None,
            page: page.page,
            pages: page.pages,
            page_base,
        }
    }
}

/// A select that filters a list without JavaScript: pick, then "Toon".
pub struct CategoryFilter {
    pub action: String,
    /// The other choices and the search, kept.
    pub hidden: Vec<(&'static str, String)>,
    pub options: Vec<Opt>,
}

/// A labelled value on a detail page.
pub struct Row {
    pub label: &'static str,
    pub value: String,
}

pub struct Section {
    pub heading: &'static str,
    pub rows: Vec<Row>,
}

/// A button that posts a small form.
pub struct Action {
    pub action: String,
    pub label: &'static str,
    pub secondary: bool,
    pub fields: Vec<(&'static str, String)>,
}
