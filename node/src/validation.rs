//! Field-level validation errors shared by every area.
//!
//! An error names the field (as the form and the JSON body call it) and a
//! message key in the locale files, so that the same failure reads well in
//! Dutch, in English, in a form and in the API.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl FieldError {
    /// The label of the field as the forms show it, for error summaries
    /// that name the field. The forms built from a `FormSpec` and the
    /// public form name their own fields; this covers the rest, whose
    /// field names mean the same wherever they occur.
    pub fn label(&self) -> Option<&'static str> {
        Some(match self.field {
            "name" => "profile.name",
            "place" => "profile.place",
            "region" => "profile.region",
            "kind" => "profile.kind",
            "initiative_type" => "profile.initiative_type",
            "base_url" => "profile.base_url",
            "admin_name" | "display_name" => "user.display_name",
            "admin_username" | "username" => "user.username",
            "admin_password" | "password" => "user.password",
            "current_password" => "account.current_password",
            "role" => "user.role",
            "volunteer" => "user.volunteer",
            "email" => "account.notice_email",
            "to" => "mail.test_to",
            "title" => "knowledge.title_label",
            "summary" => "knowledge.summary_label",
            "body" => "knowledge.body_label",
            "starts_at" => "knowledge.starts_label",
            "ends_at" => "knowledge.ends_label",
            "location" => "knowledge.location_label",
            "themes" => "knowledge.themes",
            "bottleneck_categories" => "knowledge.categories_label",
            "links" => "knowledge.links_label",
            "visibility" => "knowledge.visibility_label",
            "own_theme" => "knowledge.own_theme_label",
            "question" => "knowledge.question_label",
            "category" => "bottleneck.category",
            "description" => "bottleneck.description",
            "since" => "bottleneck.since",
            "solved_by" => "bottleneck.solved_by",
            "status" => "bottleneck.status",
            "hour_rate" => "figures.rate",
            "periode" | "period" => "figures.period",
            _ => return None,
        })
    }
}

/// A set of field errors; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn add(&mut self, field: &'static str, message: &'static str) {
        self.0.push(FieldError { field, message });
    }

    pub fn one(field: &'static str, message: &'static str) -> Self {
        Self(vec![FieldError { field, message }])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message key for `field`, if that field has an error.
    pub fn for_field(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }

    /// `Ok(())` when nothing was added, the errors otherwise.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<&str> = self.0.iter().map(|e| e.field).collect();
        write!(f, "ongeldige invoer: {}", fields.join(", "))
    }
}

impl std::error::Error for Invalid {}

/// Trims and checks a required single-line text field.
pub fn required_line(
    errors: &mut Invalid,
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, "error.required");
    } else if value.chars().count() > max_chars {
        errors.add(field, "error.too_long");
    } else if value.chars().any(char::is_control) {
        errors.add(field, "error.control_chars");
    }
    value.to_owned()
}
