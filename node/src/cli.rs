//! The `noaber` command line.
//!
//! Every command finds the database the way `serve` does (same flags, file
//! and environment), applies pending migrations first, and may run while a
//! server is running: SQLite's WAL and busy timeout let both write.
//! Commands write to a [`CliIo`], so tests can run them in-process.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::accounts::{self, NewAccount, service::AccountChange};
use crate::app::Application;
use crate::auth::token;
use crate::config::{self, Overrides, Settings};
use crate::db::Db;
use crate::pagination::PageRequest;
use crate::profile::ProfileInput;
use crate::setup::{self, SetupInput};

#[derive(Debug, Parser)]
#[command(
    name = "noaber",
    version,
    about = "Noaber: een eigen, gefedereerde node voor bewonersinitiatieven in zorg en welzijn.",
    long_about = None,
)]
pub struct Cli {
    /// Instellingenbestand (TOML). Ook: NOABER_CONFIG.
    #[arg(long, global = true, value_name = "BESTAND")]
    pub config: Option<PathBuf>,
    /// Map voor de gegevens (SQLite-database). Standaard ./data. Ook: NOABER_DATA_DIR.
    #[arg(long, global = true, value_name = "MAP")]
    pub data_dir: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start de node (webserver en API).
    Serve {
        /// Adres en poort om op te luisteren, bijvoorbeeld 0.0.0.0:8080. Ook: NOABER_LISTEN.
        #[arg(long, value_name = "ADRES")]
        listen: Option<String>,
    },
    /// Richt de node voor het eerst in: naam, soort, plaats, adres en de eerste beheerder.
    Setup(SetupArgs),
    /// Werk de database bij naar de nieuwste versie.
    Migrate,
    /// Controleer de instellingen zonder iets te starten.
    CheckConfig,
    /// Vraag de draaiende node of hij klaar is (/readyz); voor Docker's HEALTHCHECK.
    Healthcheck {
        /// Adres waarop de node luistert, als dat anders is dan in de instellingen.
        #[arg(long, value_name = "ADRES")]
        listen: Option<String>,
    },
    /// Maak een back-up van de database, ook terwijl de node draait (alleen SQLite).
    Backup {
        /// Het nieuwe back-upbestand; een bestaand bestand wordt niet overschreven.
        #[arg(value_name = "BESTAND")]
        file: PathBuf,
    },
    /// Zet een back-up terug in een lege datamap (alleen SQLite).
    Restore {
        /// Het back-upbestand dat `noaber backup` maakte.
        #[arg(value_name = "BESTAND")]
        file: PathBuf,
    },
    /// Beheer gebruikers (beheerders, coördinatoren, vrijwilligers).
    #[command(subcommand)]
    User(UserCommand),
    /// Beheer API-tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Volg een andere node: naam@domein, het adres van de actor, of het webadres van de node.
    Follow {
        /// Bijvoorbeeld stadsdorp_zuid@zuid.example.nl of https://zuid.example.nl/
        target: String,
    },
    /// Volgers en volgverzoeken van deze node.
    #[command(subcommand)]
    Followers(FollowersCommand),
    /// De nodes die deze node volgt.
    #[command(subcommand)]
    Following(FollowingCommand),
    /// De bezorging van berichten aan andere nodes.
    #[command(subcommand)]
    Deliveries(DeliveriesCommand),
    /// Relays (LitePub: ActivityRelay, Pleroma-relays) waarop deze node zich abonneert.
    #[command(subcommand)]
    Relays(RelaysCommand),
    /// Andere servers die berichten stuurden, met de ondertekening die ze gebruiken.
    Servers {
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
    /// Blokkeer een domein: berichten ervan worden geweigerd, volgers verwijderd.
    Block {
        /// Domeinnaam, bijvoorbeeld spam.example.
        domain: String,
    },
    /// Hef een blokkade op.
    Unblock {
        /// Domeinnaam.
        domain: String,
    },
    /// Wat deze node zelf schrijft voor het netwerk: kennis, berichten, activiteiten.
    #[command(subcommand)]
    Articles(ArticlesCommand),
    /// Kennis die uit het netwerk binnenkwam.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Kerncijfers van deze node, per maand, kwartaal of jaar.
    #[command(subcommand)]
    Figures(FiguresCommand),
    /// Cijferrapporten aan het netwerk: versturen en bekijken.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Zet doorgeven aan of uit: een regionale of landelijke node geeft wat hij
    /// ontvangt door aan zijn eigen volgers.
    Relaying {
        /// aan of uit.
        #[arg(value_parser = ["aan", "uit", "on", "off"])]
        state: String,
    },
    /// Vul de node met verzonnen voorbeeldgegevens (om uit te proberen of te meten).
    DemoData {
        /// Aantal leden.
        #[arg(long, default_value_t = 200)]
        members: usize,
        /// Aantal hulpvragen over het afgelopen jaar; standaard 10 per lid.
        #[arg(long)]
        requests: Option<usize>,
    },
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Naam van het initiatief of netwerk.
    #[arg(long)]
    pub name: String,
    /// Soort node: initiative, regional of national.
    #[arg(long, default_value = "initiative")]
    pub kind: String,
    /// Plaats of gemeente.
    #[arg(long)]
    pub place: String,
    /// Regio waarin het netwerk de node telt (bijvoorbeeld Drenthe); mag leeg.
    #[arg(long, default_value = "")]
    pub region: String,
    /// Soort initiatief: stadsdorp, zorgcooperatie, noaberzorgpunt,
    /// dorpscooperatie, buurtinitiatief of anders; mag leeg.
    #[arg(long, default_value = "")]
    pub initiative_type: String,
    /// Openbaar adres van de node, bijvoorbeeld https://stadsdorp.example.nl.
    #[arg(long)]
    pub base_url: String,
    /// Gebruikersnaam van de eerste beheerder.
    #[arg(long)]
    pub admin_user: String,
    /// Volledige naam van de eerste beheerder.
    #[arg(long, default_value = "")]
    pub admin_name: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Maak een gebruiker aan. Wachtwoord uit NOABER_PASSWORD of een vraag.
    Add {
        /// Gebruikersnaam.
        username: String,
        /// Rol: admin, coordinator of volunteer.
        #[arg(long)]
        role: String,
        /// Volledige naam.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Toon gebruikers, één per regel: status, rol, gebruikersnaam, naam.
    List {
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
        /// Zoek op gebruikersnaam of naam.
        #[arg(long)]
        search: Option<String>,
        /// Paginanummer (100 per pagina).
        #[arg(long, default_value_t = 1)]
        page: u64,
    },
    /// Geef een gebruiker een nieuw wachtwoord (uit NOABER_PASSWORD of een vraag).
    ResetPassword {
        /// Gebruikersnaam.
        username: String,
    },
    /// Zet een gebruiker uit; de gebruiker wordt overal uitgelogd.
    Disable {
        /// Gebruikersnaam.
        username: String,
    },
    /// Zet een uitgezette gebruiker weer aan.
    Enable {
        /// Gebruikersnaam.
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FiguresCommand {
    /// Toon de kerncijfers van een periode, één per regel: cijfer, waarde,
    /// herkomst (geteld, ingevoerd of berekend).
    Show {
        /// Periode: 2026, 2026-Q3 of 2026-10.
        #[arg(long)]
        period: String,
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Stuur het cijferrapport van een periode naar de volgers (na
    /// onderdrukking van kleine aantallen); een eerder rapport van dezelfde
    /// periode wordt vervangen.
    Send {
        /// Periode: 2026, 2026-Q3 of 2026-10.
        #[arg(long)]
        period: String,
        /// Voor een periode die nog loopt: verstuur als voorlopig.
        #[arg(long)]
        provisional: bool,
        /// Een regio mag het rapport niet doorgeven aan het landelijk netwerk.
        #[arg(long)]
        not_forwardable: bool,
        /// Toon alleen wat verstuurd zou worden.
        #[arg(long)]
        preview: bool,
    },
    /// Toon de verstuurde rapporten met hoe de bezorging ervoor staat.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ArticlesCommand {
    /// Toon kennisartikelen, berichten en activiteiten, één per regel:
    /// nummer, soort, zichtbaarheid, datum, titel.
    List {
        /// Alleen deze soort: article, update of event.
        #[arg(long)]
        kind: Option<String>,
        /// Paginanummer (100 per pagina).
        #[arg(long, default_value_t = 1)]
        page: u64,
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Toon ontvangen kennis, nieuwste eerst, één per regel: nummer, soort,
    /// datum, afzender, titel.
    Items {
        /// Zoek op woorden (ook verbogen: "vrijwilligers" vindt "vrijwilliger").
        #[arg(long)]
        search: Option<String>,
        /// Alleen deze soort: article, bottleneck, update of event.
        #[arg(long)]
        kind: Option<String>,
        /// Paginanummer (100 per pagina).
        #[arg(long, default_value_t = 1)]
        page: u64,
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FollowersCommand {
    /// Toon volgers, één per regel: status, actor-adres, naam.
    List {
        /// Alleen deze status: pending, accepted, rejected, removed, withdrawn.
        #[arg(long)]
        state: Option<String>,
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
    /// Keur een volgverzoek goed (stuurt Accept).
    Approve {
        /// Het actor-adres van de volger.
        actor_url: String,
    },
    /// Wijs een volgverzoek af (stuurt Reject).
    Reject {
        /// Het actor-adres van de volger.
        actor_url: String,
    },
    /// Verwijder een goedgekeurde volger (stuurt Reject; geen berichten meer).
    Remove {
        /// Het actor-adres van de volger.
        actor_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FollowingCommand {
    /// Toon wie deze node volgt, één per regel: status, actor-adres, naam.
    List {
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
    /// Stop met volgen (stuurt Undo).
    Unfollow {
        /// Het actor-adres.
        actor_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RelaysCommand {
    /// Abonneer op een relay: het adres van de relay-actor of de inbox van de relay.
    Add {
        /// Bijvoorbeeld https://relay.example/actor of https://relay.example/inbox
        url: String,
    },
    /// Toon de relays, één per regel: status, actor-adres, inbox.
    List {
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
    /// Stop het abonnement (stuurt Undo).
    Remove {
        /// Het actor-adres van de relay.
        actor_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// Toon bezorgingen, één per regel: status, inbox, soort, pogingen, laatste fout.
    List {
        /// Alleen deze status: pending, sending, delivered, failed.
        #[arg(long)]
        state: Option<String>,
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
    /// Probeer mislukte en wachtende bezorgingen nu opnieuw.
    Retry {
        /// Alleen deze bezorging (nummer).
        id: Option<i32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Maak een API-token voor een gebruiker en toon het (alleen nu).
    Create {
        /// Gebruikersnaam.
        #[arg(long)]
        user: String,
        /// Omschrijving, bijvoorbeeld waarvoor het token is.
        #[arg(long, default_value = "")]
        label: String,
        /// Dagen geldig; 0 is onbeperkt.
        #[arg(long, default_value_t = 365)]
        days: u32,
    },
    /// Toon tokens, één per regel: status, id, gebruiker, omschrijving.
    List {
        /// Alleen de tokens van deze gebruiker.
        #[arg(long)]
        user: Option<String>,
        /// Uitvoer als JSON, voor scripts.
        #[arg(long)]
        json: bool,
    },
    /// Trek een token in.
    Revoke {
        /// Het nummer (id) van het token.
        id: i32,
    },
}

/// Where a command writes and how it asks for a password.
pub trait CliIo: Send {
    fn out(&mut self) -> &mut dyn Write;
    /// A password from `env_var`, or asked at the terminal.
    fn password(&mut self, env_var: &str, prompt: &str) -> std::io::Result<String>;
    /// Environment lookup for settings.
    fn env(&self, name: &str) -> Option<String>;
}

/// The real terminal and environment.
pub struct Terminal(std::io::Stdout);

impl Default for Terminal {
    fn default() -> Self {
        Self(std::io::stdout())
    }
}

impl CliIo for Terminal {
    fn out(&mut self) -> &mut dyn Write {
        &mut self.0
    }

    fn password(&mut self, env_var: &str, prompt: &str) -> std::io::Result<String> {
        if let Ok(pw) = std::env::var(env_var) {
            return Ok(pw);
        }
        let first = rpassword::prompt_password(prompt)?;
        let again = rpassword::prompt_password("Nog een keer: ")?;
        if first != again {
            return Err(std::io::Error::other("de wachtwoorden zijn niet gelijk"));
        }
        Ok(first)
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error(transparent)]
    Db(#[from] crate::db::Error),
    #[error(transparent)]
    Start(#[from] crate::app::StartError),
    #[error("{0}")]
    Message(String),
    #[error("uitvoer: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stands in for the password while the other fields are checked, before
/// anyone is asked for it. It has no ASCII letter or digit, so it can never
/// contain a username (which the strength check refuses).
const PLACEHOLDER_PASSWORD: &str = "äöü ÿ æøå ðþß ëï";

fn fail(msg: impl Into<String>) -> Error {
    Error::Message(msg.into())
}

/// Reads settings as `serve` would.
pub fn settings(cli: &Cli, listen: Option<String>, io: &dyn CliIo) -> Result<Settings> {
    let overrides = Overrides {
        config_file: cli.config.clone(),
        listen,
        data_dir: cli.data_dir.clone(),
    };
    Ok(config::load(&overrides, &|k| io.env(k))?)
}

async fn open_db(settings: &Settings) -> Result<Db> {
    let db = Db::connect(settings).await?;
    db.migrate().await?;
    Ok(db)
}

pub async fn run(cli: Cli, io: &mut dyn CliIo) -> Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Healthcheck { listen } => listen.clone(),
        _ => None,
    };
    let settings = settings(&cli, listen, io)?;
    match cli.command {
        Command::Serve { .. } => serve(settings, io).await,
        Command::CheckConfig => {
            writeln!(io.out(), "De instellingen zijn in orde.")?;
            writeln!(io.out(), "luisteren: {}", settings.server.listen)?;
            match &settings.database.url {
                Some(_) => writeln!(io.out(), "database: extern (DATABASE_URL)")?,
                None => writeln!(
                    io.out(),
                    "database: SQLite in {}",
                    settings.storage.data_dir.display()
                )?,
            }
            Ok(())
        }
        Command::Healthcheck { .. } => {
            crate::ops::healthcheck(&settings)
                .await
                .map_err(|e| fail(e.to_string()))?;
            writeln!(io.out(), "De node is klaar.")?;
            Ok(())
        }
        Command::Backup { file } => {
            crate::ops::has_database(&settings).map_err(|e| fail(e.to_string()))?;
            let db = Db::connect(&settings).await?;
            let result = crate::ops::backup(&db, &file).await;
            db.close().await;
            let bytes = result.map_err(|e| fail(e.to_string()))?;
            writeln!(
                io.out(),
                "Back-up gemaakt: {} ({} kB). Bewaar hem veilig: er staan persoonsgegevens in.",
                file.display(),
                bytes.div_ceil(1024)
            )?;
            Ok(())
        }
        Command::Restore { file } => {
            let target = crate::ops::restore(&settings, &file)
                .await
                .map_err(|e| fail(e.to_string()))?;
            writeln!(
                io.out(),
                "Teruggezet in {}. Start de node met `noaber serve`.",
                target.display()
            )?;
            Ok(())
        }
        Command::Migrate => {
            let db = Db::connect(&settings).await?;
            let applied = db.migrate().await?;
            writeln!(
                io.out(),
                "Database bijgewerkt: {applied} migratie(s) uitgevoerd."
            )?;
            db.close().await;
            Ok(())
        }
        Command::Setup(args) => {
            let db = open_db(&settings).await?;
            let result = run_setup(&db, &settings, args, io).await;
            db.close().await;
            result
        }
        Command::User(cmd) => {
            let db = open_db(&settings).await?;
            let result = run_user(&db, cmd, io).await;
            db.close().await;
            result
        }
        Command::Token(cmd) => {
            let db = open_db(&settings).await?;
            let result = run_token(&db, cmd, io).await;
            db.close().await;
            result
        }
        Command::Follow { .. }
        | Command::Followers(_)
        | Command::Following(_)
        | Command::Deliveries(_)
        | Command::Relays(_)
        | Command::Servers { .. }
        | Command::Block { .. }
        | Command::Unblock { .. } => {
            let db = open_db(&settings).await?;
            let fed = crate::fed::handle(&db, &settings).map_err(|e| fail(e.to_string()))?;
            let result = run_network(&fed, cli.command, io).await;
            db.close().await;
            result
        }
        Command::Articles(_) | Command::Network(_) | Command::Relaying { .. } => {
            let db = open_db(&settings).await?;
            let fed = crate::fed::handle(&db, &settings).map_err(|e| fail(e.to_string()))?;
            let result = run_knowledge(&db, &fed, cli.command, io).await;
            db.close().await;
            result
        }
        Command::Figures(_) | Command::Reports(_) => {
            let db = open_db(&settings).await?;
            let fed = crate::fed::handle(&db, &settings).map_err(|e| fail(e.to_string()))?;
            let result = run_figures(&db, &fed, cli.command, io).await;
            db.close().await;
            result
        }
        Command::DemoData { members, requests } => {
            let db = open_db(&settings).await?;
            let result = run_demo(&db, members, requests.unwrap_or(members * 10), io).await;
            db.close().await;
            result
        }
    }
}

/// A container's first start: setup and follows from `NOABER_SETUP_*`.
async fn set_up_from_env(app: &Application, io: &dyn CliIo) -> Result<()> {
    use crate::setup::from_env;
    let vars: std::collections::HashMap<String, String> = from_env::VARS
        .iter()
        .filter_map(|k| io.env(k).map(|v| ((*k).to_owned(), v)))
        .collect();
    let env = |k: &str| vars.get(k).cloned();
    let state = app.state();
    if from_env::apply(&state.db, &state.federation, &env)
        .await
        .map_err(|e| fail(e.to_string()))?
    {
        state
            .refresh_profile()
            .await
            .map_err(|e| fail(e.to_string()))?;
    }
    let targets = from_env::follow_targets(&env);
    if !targets.is_empty() && state.profile().await.is_some() {
        tokio::spawn(from_env::follow_all(state.federation.clone(), targets));
    }
    Ok(())
}

async fn serve(settings: Settings, io: &mut dyn CliIo) -> Result<()> {
    crate::telemetry::init(&settings.log);
    let app = Application::build(settings).await?;
    set_up_from_env(&app, io).await?;
    let addr = app.local_addr()?;
    let handle = app.shutdown_handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping");
        handle.shutdown();
    });
    let scheme = if app.is_tls() { "https" } else { "http" };
    if app.state().profile().await.is_none() {
        writeln!(
            io.out(),
            "Noaber draait op {scheme}://{addr}/ - open dit adres om de node in te richten."
        )?;
    } else {
        writeln!(io.out(), "Noaber draait op {scheme}://{addr}/")?;
    }
    io.out().flush()?;
    app.run_until_stopped().await?;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Turns field errors into one readable line for the terminal.
fn describe_invalid(inv: &crate::validation::Invalid) -> String {
    inv.0
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e.field,
                crate::i18n::text(crate::i18n::Lang::Nl, e.message)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_accounts(e: accounts::Error) -> Error {
    match e {
        accounts::Error::Invalid(inv) => fail(describe_invalid(&inv)),
        accounts::Error::UsernameTaken => fail("deze gebruikersnaam bestaat al"),
        accounts::Error::NotFound => fail("deze gebruiker bestaat niet"),
        accounts::Error::LastAdmin => {
            fail("dit is de laatste actieve beheerder; maak eerst een andere beheerder")
        }
        other => fail(format!("interne fout: {other}")),
    }
}

async fn run_setup(
    db: &Db,
    settings: &Settings,
    args: SetupArgs,
    io: &mut dyn CliIo,
) -> Result<()> {
    if !setup::is_needed(db)
        .await
        .map_err(|e| fail(e.to_string()))?
    {
        return Err(fail("deze node is al ingericht (er is al een beheerder)"));
    }
    let mut input = SetupInput {
        profile: ProfileInput {
            name: args.name,
            kind: args.kind,
            place: args.place,
            region: args.region,
            initiative_type: args.initiative_type,
            base_url: args.base_url,
        },
        admin_username: args.admin_user,
        admin_name: args.admin_name,
        admin_password: String::new(),
    };
    // Check everything but the password before asking for it.
    input.admin_password = PLACEHOLDER_PASSWORD.into();
    setup::validate(&input).map_err(|inv| fail(describe_invalid(&inv)))?;
    input.admin_password =
        io.password("NOABER_ADMIN_PASSWORD", "Wachtwoord voor de beheerder: ")?;
    let fed = crate::fed::handle(db, settings).map_err(|e| fail(e.to_string()))?;
    match setup::run(db, &fed, &input).await {
        Ok((node, admin)) => {
            writeln!(
                io.out(),
                "Ingericht: {} ({}), beheerder {}.",
                node.name,
                node.kind,
                admin.username
            )?;
            Ok(())
        }
        Err(setup::Error::Invalid(inv)) => Err(fail(describe_invalid(&inv))),
        Err(setup::Error::Accounts(e)) => Err(describe_accounts(e)),
        Err(setup::Error::AlreadyDone) => Err(fail("deze node is al ingericht")),
        Err(e) => Err(fail(format!("interne fout: {e}"))),
    }
}

#[derive(Serialize)]
struct UserLine<'a> {
    state: &'a str,
    role: &'a str,
    username: &'a str,
    display_name: &'a str,
    id: i32,
}

async fn run_user(db: &Db, cmd: UserCommand, io: &mut dyn CliIo) -> Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            role,
            name,
        } => {
            let mut input = NewAccount {
                username,
                display_name: name,
                role,
                password: PLACEHOLDER_PASSWORD.into(),
            };
            accounts::service::validate_new(&input).map_err(|inv| fail(describe_invalid(&inv)))?;
            input.password = io.password("NOABER_PASSWORD", "Wachtwoord: ")?;
            let account = accounts::service::create(db, &input)
                .await
                .map_err(describe_accounts)?;
            writeln!(
                io.out(),
                "Gebruiker {} aangemaakt ({}).",
                account.username,
                account.role
            )?;
        }
        UserCommand::List { json, search, page } => {
            let req = PageRequest {
                page: page.max(1),
                per_page: 100,
            };
            let list = accounts::service::list(db, search.as_deref(), req)
                .await
                .map_err(describe_accounts)?;
            let lines: Vec<UserLine> = list
                .items
                .iter()
                .map(|a| UserLine {
                    state: if a.disabled { "disabled" } else { "active" },
                    role: a.role.as_str(),
                    username: &a.username,
                    display_name: &a.display_name,
                    id: a.id,
                })
                .collect();
            if json {
                serde_json::to_writer(io.out(), &lines).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else {
                for l in &lines {
                    writeln!(
                        io.out(),
                        "{}\t{}\t{}\t{}",
                        l.state,
                        l.role,
                        l.username,
                        l.display_name
                    )?;
                }
                if list.pages > 1 {
                    writeln!(
                        io.out(),
                        "(pagina {} van {}; volgende met --page {})",
                        list.page,
                        list.pages,
                        list.page + 1
                    )?;
                }
            }
        }
        UserCommand::ResetPassword { username } => {
            let account = accounts::service::find_by_username(db, &username)
                .await
                .map_err(describe_accounts)?;
            let pw = io.password("NOABER_PASSWORD", "Nieuw wachtwoord: ")?;
            accounts::service::set_password(db, account.id, &pw)
                .await
                .map_err(describe_accounts)?;
            writeln!(
                io.out(),
                "Nieuw wachtwoord ingesteld voor {}; de gebruiker is overal uitgelogd.",
                account.username
            )?;
        }
        UserCommand::Disable { username } => set_disabled(db, &username, true, io).await?,
        UserCommand::Enable { username } => set_disabled(db, &username, false, io).await?,
    }
    Ok(())
}

async fn set_disabled(db: &Db, username: &str, disabled: bool, io: &mut dyn CliIo) -> Result<()> {
    let account = accounts::service::find_by_username(db, username)
        .await
        .map_err(describe_accounts)?;
    let change = AccountChange {
        disabled: Some(disabled),
        ..Default::default()
    };
    accounts::service::update(db, account.id, &change)
        .await
        .map_err(describe_accounts)?;
    if disabled {
        writeln!(
            io.out(),
            "Gebruiker {} uitgezet en overal uitgelogd.",
            account.username
        )?;
    } else {
        writeln!(io.out(), "Gebruiker {} weer aangezet.", account.username)?;
    }
    Ok(())
}

async fn run_token(db: &Db, cmd: TokenCommand, io: &mut dyn CliIo) -> Result<()> {
    match cmd {
        TokenCommand::Create { user, label, days } => {
            let account = accounts::service::find_by_username(db, &user)
                .await
                .map_err(describe_accounts)?;
            if account.disabled {
                return Err(fail("deze gebruiker is uitgezet"));
            }
            let created =
                token::create(db, account.id, &label, days)
                    .await
                    .map_err(|e| match e {
                        crate::auth::Error::Invalid(inv) => fail(describe_invalid(&inv)),
                        other => fail(format!("interne fout: {other}")),
                    })?;
            writeln!(io.out(), "{}", created.token)?;
        }
        TokenCommand::List { user, json } => {
            let owner = match user {
                Some(u) => Some(
                    accounts::service::find_by_username(db, &u)
                        .await
                        .map_err(describe_accounts)?
                        .id,
                ),
                None => None,
            };
            let tokens = token::list(db, owner)
                .await
                .map_err(|e| fail(format!("interne fout: {e}")))?;
            if json {
                serde_json::to_writer(io.out(), &tokens).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else {
                let now = chrono::Utc::now();
                for t in &tokens {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else if t.expires_at.is_some_and(|at| at <= now) {
                        "expired"
                    } else {
                        "active"
                    };
                    writeln!(io.out(), "{state}\t{}\t{}\t{}", t.id, t.user_id, t.label)?;
                }
            }
        }
        TokenCommand::Revoke { id } => {
            token::revoke(db, id, None).await.map_err(|e| match e {
                crate::auth::Error::TokenNotFound => fail("dit token bestaat niet"),
                other => fail(format!("interne fout: {other}")),
            })?;
            writeln!(io.out(), "Token {id} ingetrokken.")?;
        }
    }
    Ok(())
}

async fn run_demo(db: &Db, members: usize, requests: usize, io: &mut dyn CliIo) -> Result<()> {
    if members > 1_000_000 || requests > 10_000_000 {
        return Err(fail(
            "te veel: hoogstens 1.000.000 leden en 10.000.000 hulpvragen",
        ));
    }
    writeln!(
        io.out(),
        "Voorbeeldgegevens maken: {members} leden, {requests} hulpvragen."
    )?;
    let made = {
        let mut last_tenth = 0;
        let out = &mut *io;
        // Progress as it goes: a large run takes minutes.
        let mut progress = |done: usize, total: usize| {
            let tenth = (done * 10).checked_div(total).unwrap_or(10);
            if tenth > last_tenth {
                last_tenth = tenth;
                let _ = writeln!(out.out(), "  {}% ({done} van {total})", tenth * 10);
                let _ = out.out().flush();
            }
        };
        crate::care::demo::fill(db, members, requests, &mut progress)
            .await
            .map_err(|e| fail(format!("voorbeeldgegevens: {e}")))?
    };
    writeln!(
        io.out(),
        "Klaar: {} leden ({} vrijwilligers), {} hulpvragen, {} koppelingen, {} keer uren.",
        made.members,
        made.volunteers,
        made.requests,
        made.matches,
        made.hour_entries
    )?;
    Ok(())
}

fn fed_error(e: noaber_federation::Error) -> Error {
    use noaber_federation::Error as F;
    match e {
        F::NotFound => fail("niet gevonden: deze node staat niet in de lijst"),
        F::NotSetUp => fail("deze node is nog niet ingericht (noaber setup)"),
        F::Forbidden => fail("dit domein is geblokkeerd"),
        F::Invalid(m) => fail(m),
        F::Remote(r) => fail(format!("de andere node: {r}")),
        other => fail(format!("federatie: {other}")),
    }
}

fn print_follows(
    io: &mut dyn CliIo,
    list: &[noaber_federation::follows::FollowLine],
    json: bool,
) -> Result<()> {
    if json {
        serde_json::to_writer(io.out(), list).map_err(std::io::Error::other)?;
        writeln!(io.out())?;
    } else {
        for f in list {
            writeln!(
                io.out(),
                "{}\t{}\t{}",
                f.state,
                f.actor_url,
                f.name.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}

fn figures_error(e: crate::figures::Error) -> Error {
    match e {
        crate::figures::Error::Invalid(inv) => fail(
            inv.0
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f.field,
                        crate::i18n::text(crate::i18n::Lang::Nl, f.message)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        e => fail(e.to_string()),
    }
}

async fn run_figures(
    db: &Db,
    fed: &noaber_federation::Federation,
    cmd: Command,
    io: &mut dyn CliIo,
) -> Result<()> {
    use crate::figures::{compute, parse_period, sent, settings};
    let period = |raw: &str| {
        parse_period("period", raw).map_err(|e| figures_error(crate::figures::Error::Invalid(e)))
    };
    match cmd {
        Command::Figures(FiguresCommand::Show { period: raw, json }) => {
            let p = period(&raw)?;
            let s = settings::get(db).await.map_err(figures_error)?;
            let list = compute::compute(db, p, s.hour_rate_cents)
                .await
                .map_err(figures_error)?;
            if json {
                serde_json::to_writer(io.out(), &list).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
                return Ok(());
            }
            writeln!(io.out(), "Kerncijfers {}", p.dutch())?;
            for c in &list {
                let label = crate::figures::label(crate::i18n::Lang::Nl, c.metric);
                let what = match c.category.as_deref() {
                    Some(cat) => format!("{label} ({cat})"),
                    None => label.to_owned(),
                };
                let source = match c.source {
                    noaber_federation::figures::Source::Computed => "geteld",
                    noaber_federation::figures::Source::Entered => "ingevoerd",
                    noaber_federation::figures::Source::Derived => "berekend",
                };
                writeln!(io.out(), "{what}\t{}\t{source}", c.value)?;
            }
        }
        Command::Reports(ReportsCommand::Send {
            period: raw,
            provisional,
            not_forwardable,
            preview,
        }) => {
            let p = period(&raw)?;
            let d = sent::prepare(
                db,
                p,
                not_forwardable.then_some(false),
                provisional,
                chrono::Utc::now().date_naive(),
            )
            .await
            .map_err(figures_error)?;
            if preview {
                serde_json::to_writer_pretty(io.out(), &d).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
                writeln!(io.out(), "Niets verstuurd: dit is wat er zou gaan.")?;
                return Ok(());
            }
            let r = sent::send(db, fed, None, &d).await.map_err(figures_error)?;
            writeln!(
                io.out(),
                "Rapport {} verstuurd{}: {} cijfers, naar {} volger(s). {}",
                r.period,
                if r.provisional { " als voorlopig" } else { "" },
                r.figures.len(),
                r.pending + r.delivered + r.failed,
                if r.forwardable {
                    "Een regio mag het doorgeven aan het landelijk netwerk."
                } else {
                    "Een regio geeft het niet door."
                }
            )?;
        }
        Command::Reports(ReportsCommand::List) => {
            let list = sent::list(db, fed).await.map_err(figures_error)?;
            if list.is_empty() {
                writeln!(io.out(), "Nog geen rapporten verstuurd.")?;
            }
            for r in &list {
                writeln!(
                    io.out(),
                    "{}\t{}\tbezorgd {}, onderweg {}, mislukt {}",
                    r.period,
                    r.updated_at.format("%Y-%m-%d %H:%M"),
                    r.delivered,
                    r.pending,
                    r.failed
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

async fn run_knowledge(
    db: &Db,
    fed: &noaber_federation::Federation,
    cmd: Command,
    io: &mut dyn CliIo,
) -> Result<()> {
    use crate::knowledge::publications::{self, Kind};
    use crate::pagination::PageRequest;
    use noaber_federation::network_items::{self, ItemQuery};
    use noaber_federation::protocol::item::ItemKind;
    match cmd {
        Command::Articles(ArticlesCommand::List { kind, page, json }) => {
            let kind = match kind.as_deref() {
                None => None,
                Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                    fail(format!(
                        "onbekende soort '{k}': kies article, update of event"
                    ))
                })?),
            };
            let req = PageRequest {
                page: crate::pagination::clamp_page(page),
                per_page: 100,
            };
            let list = publications::list(db, kind, false, req)
                .await
                .map_err(|e| fail(e.to_string()))?;
            if json {
                serde_json::to_writer(io.out(), &list).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else if list.items.is_empty() {
                writeln!(io.out(), "Nog niets geschreven.")?;
            } else {
                for p in &list.items {
                    writeln!(
                        io.out(),
                        "{}\t{}\t{}\t{}\t{}",
                        p.id,
                        p.kind.as_str(),
                        p.visibility.as_str(),
                        p.updated_at.format("%Y-%m-%d"),
                        p.title
                    )?;
                }
                if list.pages > 1 {
                    writeln!(io.out(), "pagina {} van {}", list.page, list.pages)?;
                }
            }
        }
        Command::Network(NetworkCommand::Items {
            search,
            kind,
            page,
            json,
        }) => {
            let kind = match kind.as_deref() {
                None => None,
                Some(k) => Some(ItemKind::parse(k).ok_or_else(|| {
                    fail(format!(
                        "onbekende soort '{k}': kies article, bottleneck, update of event"
                    ))
                })?),
            };
            let query = ItemQuery {
                q: search,
                kind,
                ..ItemQuery::default()
            };
            let (items, total) = network_items::list(fed, &query, page.max(1), 100)
                .await
                .map_err(fed_error)?;
            if json {
                serde_json::to_writer(io.out(), &items).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else if items.is_empty() {
                writeln!(io.out(), "Niets gevonden.")?;
            } else {
                for i in &items {
                    writeln!(
                        io.out(),
                        "{}\t{}\t{}\t{}\t{}",
                        i.id,
                        i.kind,
                        i.published_at.format("%Y-%m-%d"),
                        i.origin.name.as_deref().unwrap_or(&i.origin.actor_url),
                        i.title
                    )?;
                }
                writeln!(io.out(), "{total} gevonden")?;
            }
        }
        Command::Relaying { state } => {
            let on = matches!(state.as_str(), "aan" | "on");
            let a = noaber_federation::actor::set_relaying(fed, on)
                .await
                .map_err(fed_error)?;
            let note = if a.relays() || !on {
                ""
            } else {
                " (alleen een regionale of landelijke node geeft door)"
            };
            writeln!(
                io.out(),
                "Doorgeven staat {}{note}",
                if on { "aan" } else { "uit" }
            )?;
        }
        _ => {}
    }
    Ok(())
}

async fn run_network(
    fed: &noaber_federation::Federation,
    cmd: Command,
    io: &mut dyn CliIo,
) -> Result<()> {
    use noaber_federation::{blocks, follows, outbox, relays, servers};
    match cmd {
        Command::Relays(RelaysCommand::Add { url }) => {
            let r = relays::subscribe(fed, &url).await.map_err(fed_error)?;
            writeln!(io.out(), "{}\t{}\t{}", r.state, r.actor_url, r.inbox)?;
        }
        Command::Relays(RelaysCommand::List { json }) => {
            let list = relays::list(fed).await.map_err(fed_error)?;
            if json {
                serde_json::to_writer(io.out(), &list).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else if list.is_empty() {
                writeln!(
                    io.out(),
                    "Nog geen relays. Voeg er een toe met: noaber relays add ADRES"
                )?;
            } else {
                for r in &list {
                    writeln!(io.out(), "{}\t{}\t{}", r.state, r.actor_url, r.inbox)?;
                }
            }
        }
        Command::Relays(RelaysCommand::Remove { actor_url }) => {
            relays::unsubscribe(fed, &actor_url)
                .await
                .map_err(fed_error)?;
            writeln!(io.out(), "Abonnement beëindigd: {actor_url}")?;
        }
        Command::Servers { json } => {
            let list = servers::list(fed).await.map_err(fed_error)?;
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|(host, form)| serde_json::json!({"host": host, "signature": form}))
                    .collect();
                serde_json::to_writer(io.out(), &rows).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else {
                for (host, form) in &list {
                    writeln!(io.out(), "{host}\t{form}")?;
                }
            }
        }
        Command::Follow { target } => {
            let f = follows::follow(fed, &target).await.map_err(fed_error)?;
            writeln!(
                io.out(),
                "{}\t{}\t{}",
                f.state,
                f.actor_url,
                f.name.as_deref().unwrap_or("")
            )?;
        }
        Command::Followers(FollowersCommand::List { state, json }) => {
            let state = match state.as_deref() {
                None => None,
                Some(word) => Some(follows::FollowState::parse(word).ok_or_else(|| {
                    fail(format!(
                        "onbekende stand '{word}': kies uit pending, accepted, rejected, removed, withdrawn"
                    ))
                })?),
            };
            let list = follows::followers(fed, state).await.map_err(fed_error)?;
            print_follows(io, &list, json)?;
        }
        Command::Followers(FollowersCommand::Approve { actor_url }) => {
            follows::approve(fed, &actor_url).await.map_err(fed_error)?;
            writeln!(io.out(), "Goedgekeurd: {actor_url}")?;
        }
        Command::Followers(FollowersCommand::Reject { actor_url }) => {
            follows::reject(fed, &actor_url).await.map_err(fed_error)?;
            writeln!(io.out(), "Afgewezen: {actor_url}")?;
        }
        Command::Followers(FollowersCommand::Remove { actor_url }) => {
            follows::remove(fed, &actor_url).await.map_err(fed_error)?;
            writeln!(io.out(), "Verwijderd: {actor_url}")?;
        }
        Command::Following(FollowingCommand::List { json }) => {
            let list = follows::following(fed).await.map_err(fed_error)?;
            print_follows(io, &list, json)?;
        }
        Command::Following(FollowingCommand::Unfollow { actor_url }) => {
            follows::unfollow(fed, &actor_url)
                .await
                .map_err(fed_error)?;
            writeln!(io.out(), "Niet meer gevolgd: {actor_url}")?;
        }
        Command::Deliveries(DeliveriesCommand::List { state, json }) => {
            let (list, _) = outbox::list(fed, state.as_deref(), 1, 500)
                .await
                .map_err(fed_error)?;
            if json {
                serde_json::to_writer(io.out(), &list).map_err(std::io::Error::other)?;
                writeln!(io.out())?;
            } else {
                for d in &list {
                    writeln!(
                        io.out(),
                        "{}\t{}\t{}\t{}\t{}{}{}",
                        d.state,
                        d.inbox,
                        d.kind,
                        d.attempts,
                        d.last_error.as_deref().unwrap_or(""),
                        if d.unreachable { " (onbereikbaar)" } else { "" },
                        d.claimed_by
                            .as_deref()
                            .map(|p| format!(" (wordt verstuurd door {p})"))
                            .unwrap_or_default()
                    )?;
                }
            }
        }
        Command::Deliveries(DeliveriesCommand::Retry { id }) => {
            let n = outbox::retry(fed, id).await.map_err(fed_error)?;
            writeln!(io.out(), "{n} bezorging(en) worden opnieuw geprobeerd.")?;
        }
        Command::Block { domain } => {
            let d = blocks::block(fed, &domain).await.map_err(fed_error)?;
            writeln!(io.out(), "Geblokkeerd: {d}")?;
        }
        Command::Unblock { domain } => {
            blocks::unblock(fed, &domain).await.map_err(fed_error)?;
            writeln!(io.out(), "Niet meer geblokkeerd: {domain}")?;
        }
        _ => {}
    }
    Ok(())
}
