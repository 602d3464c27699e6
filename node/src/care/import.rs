//! Moving in from a spreadsheet: members and volunteers from CSV, and the
//! same data out again.
//!
//! Files come as spreadsheets export them: comma or semicolon, UTF-8 (with
//! or without BOM) or Windows-1252, Dutch dates and phone numbers. First a
//! dry run lists every problem by row and column; nothing is imported until
//! the file is clean, or the coordinator chooses to import only the valid
//! rows. An import is one transaction: all of it or nothing.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set, TransactionTrait};
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Action};
use super::members::{self, DAYS, MemberData, MemberInput, PARTS};
use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{import_batch, member, volunteer};

/// At most this many problems are listed; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 500;
/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowProblem {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub column: String,
    /// Locale key of the message.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub valid_rows: usize,
    pub invalid_rows: usize,
    pub problem_count: usize,
    /// The first problems, by row and column.
    pub problems: Vec<RowProblem>,
    /// Columns that were recognised, as named in the file.
    pub columns: Vec<String>,
    /// Columns that were not recognised and will be ignored.
    pub ignored_columns: Vec<String>,
    /// `utf-8` or `windows-1252`.
    pub encoding: String,
    /// `,`, `;` or tab.
    pub delimiter: String,
    /// Whether the file has a "mag benaderd worden" column. Without one,
    /// nobody may be approached: consent is never assumed.
    pub may_contact_column: bool,
    /// Of the valid rows: how many may be approached, and how many not.
    pub may_contact_yes: usize,
    pub may_contact_no: usize,
}

impl ImportReport {
    pub fn is_clean(&self) -> bool {
        self.problem_count == 0 && self.rows > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Only when the file has no problems.
    All,
    /// Skip rows with problems.
    ValidOnly,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportResult {
    pub imported: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Name,
    Phone,
    Email,
    Address,
    Postcode,
    Neighbourhood,
    BirthYear,
    MemberSince,
    MayContact,
    MayPhoto,
    Notes,
    Volunteer,
    Skills,
    Areas,
    Availability,
    VogDate,
    MaxTasks,
}

impl Col {
    const ALL: [Col; 17] = [
        Col::Name,
        Col::Phone,
        Col::Email,
        Col::Address,
        Col::Postcode,
        Col::Neighbourhood,
        Col::BirthYear,
        Col::MemberSince,
        Col::MayContact,
        Col::MayPhoto,
        Col::Notes,
        Col::Volunteer,
        Col::Skills,
        Col::Areas,
        Col::Availability,
        Col::VogDate,
        Col::MaxTasks,
    ];

    /// The header written on export (and understood on import).
    fn header(self) -> &'static str {
        match self {
            Col::Name => "naam",
            Col::Phone => "telefoon",
            Col::Email => "e-mail",
            Col::Address => "adres",
            Col::Postcode => "postcode",
            Col::Neighbourhood => "wijk",
            Col::BirthYear => "geboortejaar",
            Col::MemberSince => "lid sinds",
            Col::MayContact => "mag benaderd worden",
            Col::MayPhoto => "foto toestemming",
            Col::Notes => "notities",
            Col::Volunteer => "vrijwilliger",
            Col::Skills => "vaardigheden",
            Col::Areas => "gebieden",
            Col::Availability => "beschikbaarheid",
            Col::VogDate => "vog datum",
            Col::MaxTasks => "max taken per week",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Col::Name => &["naam", "name", "volledige naam", "voor- en achternaam"],
            Col::Phone => &["telefoon", "tel", "telefoonnummer", "mobiel", "phone"],
            Col::Email => &["e-mail", "email", "emailadres", "e-mailadres", "mail"],
            Col::Address => &["adres", "straat", "straat en huisnummer", "address"],
            Col::Postcode => &["postcode", "postal code", "zip"],
            Col::Neighbourhood => &["wijk", "buurt", "wijk/buurt", "neighbourhood"],
            Col::BirthYear => &["geboortejaar", "birth year", "birth_year"],
            Col::MemberSince => &[
                "lid sinds",
                "lid_sinds",
                "lid vanaf",
                "member since",
                "member_since",
            ],
            Col::MayContact => &["mag benaderd worden", "benaderen", "contact", "may_contact"],
            Col::MayPhoto => &["foto toestemming", "foto", "fototoestemming", "may_photo"],
            Col::Notes => &["notities", "opmerkingen", "notes"],
            Col::Volunteer => &["vrijwilliger", "volunteer"],
            Col::Skills => &["vaardigheden", "hulp", "categorieën", "skills"],
            Col::Areas => &["gebieden", "werkgebied", "areas"],
            Col::Availability => &["beschikbaarheid", "beschikbaar", "availability"],
            Col::VogDate => &["vog datum", "vog", "vog_date"],
            Col::MaxTasks => &["max taken per week", "max taken", "max_tasks"],
        }
    }

    fn field(self) -> &'static str {
        match self {
            Col::Name => "name",
            Col::Phone => "phone",
            Col::Email => "email",
            Col::Address => "address",
            Col::Postcode => "postcode",
            Col::Neighbourhood => "neighbourhood",
            Col::BirthYear => "birth_year",
            Col::MemberSince => "member_since",
            Col::MayContact => "may_contact",
            Col::MayPhoto => "may_photo",
            Col::Notes => "notes",
            Col::Volunteer => "volunteer",
            Col::Skills => "skills",
            Col::Areas => "areas",
            Col::Availability => "availability",
            Col::VogDate => "vog_date",
            Col::MaxTasks => "max_tasks_per_week",
        }
    }

    fn from_field(field: &str) -> Option<Col> {
        Col::ALL.into_iter().find(|c| c.field() == field)
    }
}

/// Text from the uploaded bytes: UTF-8 when it is, else Windows-1252 (what
/// Excel on Windows writes).
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), "utf-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "windows-1252")
        }
    }
}

fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.matches(c).count();
    let (semi, comma, tab) = (count(';'), count(','), count('\t'));
    if tab > semi && tab > comma {
        b'\t'
    } else if semi >= comma && semi > 0 {
        b';'
    } else {
        b','
    }
}

/// One valid row, ready to insert.
struct Parsed {
    member: MemberData,
    volunteer: Option<volunteer::Model>,
}

/// Dutch and English availability words: `ma-ochtend`, `di middag`, `mon-evening`.
fn parse_slot(raw: &str) -> Option<String> {
    let s = raw.trim().to_lowercase();
    let (d, p) = s.split_once(['-', ' ', '_'])?;
    let day = match d.trim() {
        "ma" | "maandag" | "mon" => "mon",
        "di" | "dinsdag" | "tue" => "tue",
        "wo" | "woensdag" | "wed" => "wed",
        "do" | "donderdag" | "thu" => "thu",
        "vr" | "vrijdag" | "fri" => "fri",
        "za" | "zaterdag" | "sat" => "sat",
        "zo" | "zondag" | "sun" => "sun",
        _ => return None,
    };
    let part = match p.trim() {
        "ochtend" | "morgen" | "morning" => "morning",
        "middag" | "afternoon" => "afternoon",
        "avond" | "evening" => "evening",
        _ => return None,
    };
    debug_assert!(DAYS.contains(&day) && PARTS.contains(&part));
    Some(format!("{day}-{part}"))
}

fn list_cell(cell: &str) -> Vec<String> {
    cell.split([',', ';', '|', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses the whole file: a report, and the rows that are valid.
fn parse(
    text: &str,
    categories: &HashMap<String, i32>,
    encoding: &str,
) -> (ImportReport, Vec<Parsed>) {
    let delimiter = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut report = ImportReport {
        rows: 0,
        valid_rows: 0,
        invalid_rows: 0,
        problem_count: 0,
        problems: Vec::new(),
        columns: Vec::new(),
        ignored_columns: Vec::new(),
        encoding: encoding.to_owned(),
        delimiter: match delimiter {
            b'\t' => "tab".into(),
            d => (d as char).to_string(),
        },
        may_contact_column: false,
        may_contact_yes: 0,
        may_contact_no: 0,
    };
    let problem = |report: &mut ImportReport, row: usize, column: &str, message: &str| {
        report.problem_count += 1;
        if report.problems.len() < MAX_LISTED_PROBLEMS {
            report.problems.push(RowProblem {
                row,
                column: column.to_owned(),
                message: message.to_owned(),
            });
        }
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => {
            problem(&mut report, 1, "", "import.unreadable");
            return (report, Vec::new());
        }
    };
    let mut index: HashMap<Col, usize> = HashMap::new();
    let mut names: HashMap<Col, String> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let lower = h.trim().to_lowercase();
        match Col::ALL
            .into_iter()
            .find(|c| c.aliases().contains(&lower.as_str()))
        {
            Some(col) if !index.contains_key(&col) => {
                index.insert(col, i);
                names.insert(col, h.trim().to_owned());
                report.columns.push(h.trim().to_owned());
            }
            _ if !h.trim().is_empty() => report.ignored_columns.push(h.trim().to_owned()),
            _ => {}
        }
    }
    report.may_contact_column = index.contains_key(&Col::MayContact);
    if !index.contains_key(&Col::Name) {
        problem(&mut report, 1, "naam", "import.no_name_column");
        return (report, Vec::new());
    }
    let col_name = |c: Col| {
        names
            .get(&c)
            .cloned()
            .unwrap_or_else(|| c.header().to_owned())
    };

    let mut valid = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        report.rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                report.invalid_rows += 1;
                problem(&mut report, row, "", "import.broken_row");
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            report.rows -= 1;
            continue;
        }
        let cell = |c: Col| -> String {
            index
                .get(&c)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        let input = MemberInput {
            name: cell(Col::Name),
            phone: cell(Col::Phone),
            email: cell(Col::Email),
            address: cell(Col::Address),
            postcode: cell(Col::Postcode),
            neighbourhood: cell(Col::Neighbourhood),
            birth_year: cell(Col::BirthYear),
            member_since: cell(Col::MemberSince),
            may_contact: cell(Col::MayContact),
            may_photo: cell(Col::MayPhoto),
            notes: cell(Col::Notes),
        };
        let mut bad = false;
        let member = match members::validate(&input) {
            Ok(m) => {
                if m.may_contact {
                    report.may_contact_yes += 1;
                } else {
                    report.may_contact_no += 1;
                }
                Some(m)
            }
            Err(inv) => {
                bad = true;
                for e in inv.0 {
                    let col = Col::from_field(e.field).map(col_name).unwrap_or_default();
                    problem(&mut report, row, &col, e.message);
                }
                None
            }
        };
        let is_volunteer = match super::dutch::parse_yes_no(&cell(Col::Volunteer)) {
            Some(v) => v || !cell(Col::Skills).trim().is_empty(),
            None => {
                bad = true;
                problem(&mut report, row, &col_name(Col::Volunteer), "error.yes_no");
                false
            }
        };
        let mut profile = None;
        if is_volunteer {
            let mut skills = Vec::new();
            for s in list_cell(&cell(Col::Skills)) {
                match categories.get(&s.to_lowercase()) {
                    Some(id) => skills.push(id.to_string()),
                    None => {
                        bad = true;
                        problem(
                            &mut report,
                            row,
                            &col_name(Col::Skills),
                            "import.unknown_category",
                        );
                    }
                }
            }
            let mut slots = Vec::new();
            for s in list_cell(&cell(Col::Availability)) {
                match parse_slot(&s) {
                    Some(slot) => slots.push(slot),
                    None => {
                        bad = true;
                        problem(
                            &mut report,
                            row,
                            &col_name(Col::Availability),
                            "error.availability",
                        );
                    }
                }
            }
            let vog_raw = cell(Col::VogDate);
            let vog_date = match vog_raw.trim() {
                "" => None,
                raw => {
                    let d = super::dutch::parse_date(raw);
                    if d.is_none() {
                        bad = true;
                        problem(&mut report, row, &col_name(Col::VogDate), "error.date");
                    }
                    d
                }
            };
            let max_raw = cell(Col::MaxTasks);
            let max = match max_raw.trim() {
                "" => 3,
                raw => match raw.parse::<i32>() {
                    Ok(n) if (1..=50).contains(&n) => n,
                    _ => {
                        bad = true;
                        problem(
                            &mut report,
                            row,
                            &col_name(Col::MaxTasks),
                            "error.max_tasks",
                        );
                        3
                    }
                },
            };
            profile = Some(volunteer::Model {
                member_id: 0,
                user_id: None,
                skills: skills.join(","),
                areas: list_cell(&cell(Col::Areas)).join(","),
                availability: slots.join(","),
                vog_date,
                max_tasks_per_week: max,
                active: true,
            });
        }
        match (bad, member) {
            (false, Some(member)) => {
                report.valid_rows += 1;
                valid.push(Parsed {
                    member,
                    volunteer: profile,
                });
            }
            _ => report.invalid_rows += 1,
        }
    }
    if report.rows == 0 {
        problem(&mut report, 2, "", "import.empty");
    }
    (report, valid)
}

async fn category_map(db: &Db) -> Result<HashMap<String, i32>> {
    Ok(super::categories::list(db, false)
        .await?
        .into_iter()
        .map(|c| (c.name.to_lowercase(), c.id))
        .collect())
}

/// Checks a file and stores it for the coordinator's decision. Nothing is
/// imported. Returns the batch id and the report.
pub async fn dry_run(db: &Db, actor: Actor, bytes: &[u8]) -> Result<(i32, ImportReport)> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    if bytes.len() > MAX_BYTES {
        return Err(crate::validation::Invalid::one("file", "import.too_large").into());
    }
    let (text, encoding) = decode(bytes);
    let (report, _) = parse(&text, &category_map(db).await?, encoding);
    let batch = import_batch::ActiveModel {
        content: Set(text),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    Ok((batch.id, report))
}

/// Removes a stored upload that will not be imported.
pub async fn discard(db: &Db, batch_id: i32) -> Result<()> {
    import_batch::Entity::delete_by_id(batch_id)
        .exec(db.write())
        .await?;
    Ok(())
}

/// The report of a stored batch (to show it again).
pub async fn report_of(db: &Db, actor: Actor, batch_id: i32) -> Result<ImportReport> {
    let text = batch_text(db, actor, batch_id).await?;
    let (report, _) = parse(&text, &category_map(db).await?, "utf-8");
    Ok(report)
}

async fn batch_text(db: &Db, actor: Actor, batch_id: i32) -> Result<String> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let batch = import_batch::Entity::find_by_id(batch_id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    Ok(batch.content)
}

/// Imports a stored batch. With [`Mode::All`] a file with problems imports
/// nothing. The batch is removed once imported.
pub async fn import(db: &Db, actor: Actor, batch_id: i32, mode: Mode) -> Result<ImportResult> {
    let text = batch_text(db, actor, batch_id).await?;
    let (report, rows) = parse(&text, &category_map(db).await?, "utf-8");
    if mode == Mode::All && !report.is_clean() {
        return Err(Error::Conflict("import.not_clean"));
    }
    let txn = db.write().begin().await?;
    for row in &rows {
        let id = members::insert_on(&txn, actor, &row.member).await?;
        if let Some(v) = &row.volunteer {
            let mut v = v.clone();
            v.member_id = id;
            members::save_volunteer_on(&txn, &v).await?;
        }
    }
    import_batch::Entity::delete_by_id(batch_id)
        .exec(&txn)
        .await?;
    audit::record(&txn, actor, Action::Import, None).await?;
    txn.commit().await?;
    tracing::info!(
        imported = rows.len(),
        skipped = report.invalid_rows,
        "members imported"
    );
    Ok(ImportResult {
        imported: rows.len(),
        skipped: report.invalid_rows,
    })
}

/// A cell that a spreadsheet would run as a formula is made plain text.
pub(crate) fn safe_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// All members (not erased) as CSV with `;`, as Dutch Excel opens it.
/// Audited as one export of everyone.
pub async fn export_csv(db: &Db, actor: Actor) -> Result<String> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    audit::record(db.write(), actor, Action::ExportAll, None).await?;
    let cats: HashMap<i32, String> = super::categories::names(db).await?;
    let volunteers: HashMap<i32, volunteer::Model> = volunteer::Entity::find()
        .all(db.read())
        .await?
        .into_iter()
        .map(|v| (v.member_id, v))
        .collect();
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let write_err = |e: csv::Error| Error::Db(sea_orm::DbErr::Custom(e.to_string()));
    out.write_record(Col::ALL.iter().map(|c| c.header()))
        .map_err(write_err)?;
    let rows = sea_orm::QueryFilter::filter(
        member::Entity::find().order_by_asc(member::Column::Name),
        sea_orm::ColumnTrait::is_null(&member::Column::ErasedAt),
    )
    .all(db.read())
    .await?;
    let yes_no = |b: bool| if b { "ja" } else { "nee" }.to_owned();
    for m in rows {
        let v = volunteers.get(&m.id);
        let skills = v
            .map(|v| {
                members::split(&v.skills)
                    .iter()
                    .filter_map(|s| s.parse::<i32>().ok())
                    .filter_map(|id| cats.get(&id).cloned())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let availability = v
            .map(|v| members::split(&v.availability).join(", "))
            .unwrap_or_default();
        let record = [
            m.name,
            m.phone.unwrap_or_default(),
            m.email.unwrap_or_default(),
            m.address.unwrap_or_default(),
            m.postcode.unwrap_or_default(),
            m.neighbourhood.unwrap_or_default(),
            m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            m.member_since
                .map(super::dutch::format_date)
                .unwrap_or_default(),
            yes_no(m.may_contact),
            yes_no(m.may_photo),
            m.notes.unwrap_or_default(),
            yes_no(v.is_some()),
            skills,
            v.map(|v| members::split(&v.areas).join(", "))
                .unwrap_or_default(),
            availability,
            v.and_then(|v| v.vog_date)
                .map(super::dutch::format_date)
                .unwrap_or_default(),
            v.map(|v| v.max_tasks_per_week.to_string())
                .unwrap_or_default(),
        ];
        out.write_record(record.iter().map(|c| safe_cell(c)))
            .map_err(write_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    Ok(format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats() -> HashMap<String, i32> {
        [("boodschappen".to_owned(), 1), ("vervoer".to_owned(), 2)].into()
    }

    #[test]
    fn semicolons_dutch_dates_and_windows_1252() {
        let csv = "Naam;Telefoon;Lid sinds;Wijk;Vrijwilliger;Vaardigheden;Beschikbaarheid\r\n\
                   Jan de Boer;06-12345678;01-02-2020;Zuid;ja;boodschappen, vervoer;ma-ochtend, do avond\r\n\
                   Ans Müller;+31 20 1234567;2021-05-03;Noord;nee;;\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(csv);
        let (text, enc) = decode(&bytes);
        assert_eq!(enc, "windows-1252");
        assert!(text.contains("Müller"));
        let (report, rows) = parse(&text, &cats(), enc);
        assert_eq!(report.delimiter, ";");
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!(rows.len(), 2);
        let v = rows[0].volunteer.as_ref().unwrap();
        assert_eq!(v.skills, "1,2");
        assert_eq!(v.availability, "mon-morning,thu-evening");
        assert_eq!(rows[1].member.phone.as_deref(), Some("0201234567"));
    }

    #[test]
    fn every_problem_is_named_by_row_and_column() {
        let csv = "naam,telefoon,geboortejaar,vrijwilliger,vaardigheden,onbekend\n\
                   Piet,bel maar,1950,ja,zwemmen,x\n\
                   ,0612345678,3000,misschien,,y\n\
                   Kees,0612345678,1960,nee,,z\n";
        let (report, rows) = parse(csv, &cats(), "utf-8");
        assert_eq!(report.rows, 3);
        assert_eq!(report.valid_rows, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(report.ignored_columns, vec!["onbekend".to_owned()]);
        let at = |row: usize, col: &str| {
            report
                .problems
                .iter()
                .any(|p| p.row == row && p.column == col)
        };
        assert!(at(2, "telefoon"));
        assert!(at(2, "vaardigheden"));
        assert!(at(3, "naam"));
        assert!(at(3, "geboortejaar"));
        assert!(at(3, "vrijwilliger"));
    }

    #[test]
    fn a_file_without_a_name_column_is_refused() {
        let (report, rows) = parse("telefoon\n0612345678\n", &cats(), "utf-8");
        assert!(rows.is_empty());
        assert_eq!(report.problems[0].message, "import.no_name_column");
    }

    #[test]
    fn formulas_are_neutralised_on_export() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("Jan"), "Jan");
    }
}
