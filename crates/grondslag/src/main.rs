//! `grondslag`: the command line. Each subcommand reads its configuration, opens the store
//! and calls the same domain and store code the web UI and API use.

mod check;
mod consent;
mod datastores;
mod deadline;
mod demo;
mod reminders;
mod sso;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::interchange;
use grondslag_store::Store;
use std::io::Write;
use std::path::PathBuf;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "grondslag",
    version,
    about = "Privacy management for universities: the register of processing activities (RU 2:8, GDPR 30)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// Where the register is kept: sqlite://PATH (created when missing) or postgres://USER@HOST/DB.
    #[arg(
        long = "database",
        env = "GRONDSLAG_DATABASE_URL",
        default_value = "sqlite://grondslag.db",
        global = true,
        hide_env_values = true
    )]
    url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the JSON API.
    Serve {
        #[command(flatten)]
        db: Db,
        /// The address to listen on.
        #[arg(long, env = "GRONDSLAG_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo university into an empty register and create the demo account.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure: set this when users reach the server over HTTPS (for example behind a reverse proxy).
        #[arg(long, env = "GRONDSLAG_SECURE_COOKIES")]
        secure_cookies: bool,
        /// A transfer-rules file (EEA and adequacy decisions) to use instead of the built-in one.
        #[arg(long, env = "GRONDSLAG_TRANSFER_RULES")]
        transfer_rules: Option<PathBuf>,
        /// Requests come through a reverse proxy that sets X-Forwarded-For: throttle logins by
        /// the address it reports instead of the proxy's own.
        #[arg(long, env = "GRONDSLAG_BEHIND_PROXY")]
        behind_proxy: bool,
        /// Single sign-on with OpenID Connect: a TOML file with the provider and the
        /// claim-to-role mapping (docs/configuration.md).
        #[arg(long, env = "GRONDSLAG_SSO_CONFIG")]
        sso_config: Option<PathBuf>,
        /// A folder of data-store manifests (*.yaml, docs/datastores.md): the university's
        /// own databases that data-subject requests are fulfilled in.
        #[arg(long, env = "GRONDSLAG_DATASTORES")]
        datastores: Option<PathBuf>,
        /// The SMTP server for e-mail (the public request form's codes, deadline reminders):
        /// smtp://HOST[:PORT], smtp://[USER:PASSWORD@]HOST[:PORT]?tls=starttls or
        /// smtps://[USER:PASSWORD@]HOST[:PORT]. Without it the public form is unavailable.
        #[arg(
            long,
            env = "GRONDSLAG_SMTP_URL",
            hide_env_values = true,
            requires = "mail_from"
        )]
        smtp_url: Option<String>,
        /// The sender of e-mail, e.g. "Privacy Lindenhout <privacy@lindenhout.example>".
        #[arg(long, env = "GRONDSLAG_MAIL_FROM", requires = "smtp_url")]
        mail_from: Option<String>,
        /// A PEM private key (RSA or P-256; PKCS#8, or PKCS#1 for RSA) that signs the answers
        /// of the OpenDSR endpoints (docs/api.md, "OpenDSR"). Without it they are unsigned.
        #[arg(
            long,
            env = "GRONDSLAG_OPENDSR_SIGNING_KEY",
            requires = "opendsr_certificate_url"
        )]
        opendsr_signing_key: Option<PathBuf>,
        /// The https URL where the certificate of --opendsr-signing-key is published, issued by
        /// a certificate authority to the URL's host, the domain the answers name.
        #[arg(
            long,
            env = "GRONDSLAG_OPENDSR_CERTIFICATE_URL",
            requires = "opendsr_signing_key"
        )]
        opendsr_certificate_url: Option<String>,
        #[command(flatten)]
        consent_key: consent::KeyArg,
        /// The address users reach the server at, e.g. https://privacy.lindenhout.example,
        /// for the links in e-mail of the hosted consent form; without it the form is
        /// unavailable.
        #[arg(long, env = "GRONDSLAG_PUBLIC_URL")]
        public_url: Option<String>,
        /// The most memory, in MB, the consent index may take: decisions, batches and
        /// audiences are answered from memory (about 40 bytes an event and 90 a subject);
        /// over the limit, and with 0, they come from the database.
        #[arg(long, env = "GRONDSLAG_CONSENT_INDEX_MEMORY", default_value_t = 2048)]
        consent_index_memory: usize,
    },
    /// Import a register file (the interchange format): all of it, or nothing.
    Import {
        #[command(flatten)]
        db: Db,
        /// The JSON file to read.
        file: PathBuf,
    },
    /// Export the whole register, with every version, to a file ("-" for standard output).
    Export {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
    },
    /// Check a register file against the interchange format without importing it.
    Validate { file: PathBuf },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens for other systems.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the register against every rule of the policies: a register file, or the live
    /// register when no file is given. Exits 1 when an error-level finding exists.
    Check {
        #[command(flatten)]
        db: Db,
        /// A register file to check offline instead of the database.
        file: Option<PathBuf>,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// List the rule catalogue.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The language of the texts.
        #[arg(long, default_value = "nl")]
        lang: String,
    },
    /// Print the roles, the permission table and which API route needs which permission
    /// (docs/permissions.md).
    Permissions,
    /// Print the JSON Schema of the interchange format.
    Schema,
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Compute a legal deadline: a period of months from a day of receipt, moved off weekends
    /// and Dutch holidays (docs/deadlines.md). Prints the due date as the last line.
    Deadline(deadline::DeadlineArgs),
    /// List the holidays of a year on which a legal period cannot end (Algemene termijnenwet art. 3).
    Holidays(deadline::HolidaysArgs),
    /// Data stores: the university's own databases that requests are fulfilled in
    /// (docs/datastores.md).
    Datastores {
        #[command(subcommand)]
        command: datastores::DatastoresCommand,
    },
    /// The consent ledger: decisions and imports (docs/consent.md).
    Consent {
        #[command(subcommand)]
        command: consent::ConsentCommand,
    },
}

#[derive(Args)]
struct RulesArgs {
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// The language of the texts.
    #[arg(long, default_value = "nl")]
    lang: String,
    /// The date to check against (YYYY-MM-DD), for agreements that expire; default today.
    #[arg(long)]
    today: Option<chrono::NaiveDate>,
    /// A transfer-rules file (EEA and adequacy decisions) to use instead of the built-in one.
    #[arg(long, env = "GRONDSLAG_TRANSFER_RULES")]
    transfer_rules: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    /// The catalogue as docs/rules.md (for `rules`).
    Markdown,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first entry that was altered, removed or reordered.
    Verify {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; its secret is printed once. It acts with the roles given.
    Create {
        #[command(flatten)]
        db: Db,
        /// Which system uses it, e.g. crm.
        name: String,
        /// A role, as ROLE or ROLE:UNIT; repeat for more.
        #[arg(long = "role", value_parser = parse_grant, required = true)]
        roles: Vec<Grant>,
        /// The last day it works (YYYY-MM-DD), at most two years ahead.
        #[arg(long)]
        expires: chrono::NaiveDate,
    },
    /// List tokens, without their secrets.
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a token at once.
    Revoke {
        #[command(flatten)]
        db: Db,
        id: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is asked for, or read from standard input when it is not a terminal.
    Add {
        #[command(flatten)]
        db: Db,
        /// Login name: lower-case letters, digits, dots, hyphens, underscores.
        username: String,
        /// The name shown in the UI and the audit log.
        #[arg(long)]
        name: String,
        /// Make the account an administrator (accounts and settings, not privacy content).
        #[arg(long)]
        admin: bool,
        /// A role, as ROLE or ROLE:UNIT for roles that hold for a unit and the units below it
        /// (e.g. privacy_manager:fnwi). Repeat for more roles. `grondslag roles` lists them.
        #[arg(long = "role", value_parser = parse_grant)]
        roles: Vec<Grant>,
        /// Where the account gets e-mail: deadline reminders of the requests it handles.
        #[arg(long)]
        email: Option<String>,
    },
    /// Give an account a role: ROLE, or ROLE:UNIT for unit-bound roles.
    Grant {
        #[command(flatten)]
        db: Db,
        username: String,
        #[arg(value_parser = parse_grant)]
        role: Grant,
    },
    /// Set a new password for an account (an administrator's reset); every session of the
    /// account ends. The password is asked for, or read from standard input.
    ResetPassword {
        #[command(flatten)]
        db: Db,
        username: String,
    },
    /// Take a role away from an account.
    Revoke {
        #[command(flatten)]
        db: Db,
        username: String,
        #[arg(value_parser = parse_grant)]
        role: Grant,
    },
}

/// `privacy_manager:fnwi` or `data_protection_officer`.
fn parse_grant(s: &str) -> Result<Grant, String> {
    Grant::parse(s)
}

fn grant_text(g: &Grant) -> String {
    use grondslag_domain::vocab::Term;
    match &g.unit {
        Some(u) => format!("{}:{u}", g.role.machine_name()),
        None => g.role.machine_name().to_string(),
    }
}

/// The permission table as Markdown: generated from the code, so the doc cannot drift.
fn permissions_markdown() -> String {
    use grondslag_domain::access::{reach, Permission, Reach};
    use grondslag_domain::vocab::Term;
    use grondslag_domain::Lang;
    let mut out = String::from(
        "# Roles and permissions\n\n\
         Generated by `grondslag permissions`; CI checks that this file matches the code. One table in \
         `crates/grondslag-domain/src/access.rs` decides every access; API handlers and pages name the \
         permission they need, and `crates/grondslag/tests/it/access.rs` sends every API route as every role \
         and checks the answer against this table.\n\n\
         *all*: everywhere. *units*: for activities of the units the role was granted for and every unit \
         below them (REG-3); outside them an activity answers as not found, and lists, counts, findings and \
         exports leave it out. Grant roles with `grondslag user add NAME --name \"Full Name\" --role ROLE[:UNIT]` \
         or `grondslag user grant NAME ROLE[:UNIT]`; take them away with `grondslag user revoke`. With single sign-on, the provider's claims can give them too \
         (`[[roles]]` in the SSO configuration, docs/configuration.md).\n\n| role |",
    );
    for p in Permission::ALL {
        out.push_str(&format!(" {} |", p.as_str()));
    }
    out.push_str("\n|-|");
    for _ in Permission::ALL {
        out.push_str("-|");
    }
    out.push('\n');
    for role in Role::all() {
        out.push_str(&format!(
            "| `{}` {} |",
            role.machine_name(),
            role.label(Lang::En)
        ));
        for p in Permission::ALL {
            out.push_str(match reach(*role, p) {
                Reach::All => " all |",
                Reach::Units => " units |",
                Reach::None => " – |",
            });
        }
        out.push('\n');
    }
    out.push_str("\nMoving an activity to *submitted* or back to *draft* needs `submit_activity`; to *registered* or *retired*, `register_activity` (RU 2:8 lid 2: the FG office registers).\n\n## API routes\n\n| method | path | permission |\n|-|-|-|\n");
    for r in grondslag_web::route_infos() {
        let need = match (r.public, r.permission) {
            (true, _) => "none (public)".to_string(),
            (false, None) => "any logged-in user".to_string(),
            (false, Some(p)) => format!("`{}`", p.as_str()),
        };
        out.push_str(&format!("| {} | `{}` | {} |\n", r.method, r.path, need));
    }
    out
}

async fn token(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            db,
            name,
            roles,
            expires,
        } => {
            let until = expires
                .and_hms_opt(23, 59, 59)
                .expect("a valid time")
                .and_utc();
            let new = open(&db)
                .await?
                .create_token(&cli_actor(), &name, &roles, until)
                .await?;
            println!(
                "token {} ({}) until {}",
                new.token.id, new.token.name, new.token.expires_at
            );
            println!(
                "secret (shown once; send as Authorization: Bearer <secret>):\n{}",
                new.secret
            );
        }
        TokenCommand::List { db } => {
            for t in open(&db).await?.tokens().await? {
                let roles: Vec<String> = t.grants.iter().map(grant_text).collect();
                let state = match (t.revoked_at, t.last_used_at) {
                    (Some(r), _) => format!("revoked {r}"),
                    (None, Some(u)) => format!("last used {u}"),
                    (None, None) => "never used".into(),
                };
                println!(
                    "{}\t{}\t{}\tuntil {}\t{}",
                    t.id,
                    t.name,
                    roles.join(","),
                    t.expires_at,
                    state
                );
            }
        }
        TokenCommand::Revoke { db, id } => {
            open(&db).await?.revoke_token(&cli_actor(), id).await?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// A new password: asked for twice on a terminal, else one line of standard input.
fn read_password() -> Result<String> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let p =
            rpassword::prompt_password("Password (at least 12 characters, not easy to guess): ")?;
        if rpassword::prompt_password("Password again: ")? != p {
            bail!("the passwords differ");
        }
        Ok(p)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// How the audit log names whoever runs a command.
fn cli_actor() -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{who}")
}

async fn open(db: &Db) -> Result<Store> {
    Store::connect(&db.url)
        .await
        .with_context(|| format!("opening the database {}", redact(&db.url)))
}

/// A database URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Reads and checks a register file; every problem is printed, one per line.
fn read_register(file: &PathBuf) -> Result<Result<interchange::RegisterDocument, Vec<String>>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(interchange::parse_text(&text).map_err(|e| match e {
        interchange::TextError::Json(e) => vec![format!("the file is not valid JSON: {e}")],
        interchange::TextError::Invalid(e) => interchange::error_lines(&e),
    }))
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            db,
            listen,
            demo,
            secure_cookies,
            transfer_rules,
            behind_proxy,
            sso_config,
            datastores,
            smtp_url,
            mail_from,
            opendsr_signing_key,
            opendsr_certificate_url,
            consent_key,
            public_url,
            consent_index_memory,
        } => {
            let transfers = check::transfer_rules(transfer_rules.as_deref())?;
            let sso = sso_config.as_deref().map(sso::provider).transpose()?;
            let store = open(&db).await?;
            // Writes of other instances reach this one's caches at once on PostgreSQL, and
            // writes of other processes within 100 ms on either database.
            store
                .watch_changes(std::time::Duration::from_millis(100))
                .await?;
            if consent_index_memory > 0 {
                store.start_consent_index(consent_index_memory << 20);
            }
            let mut state = grondslag_web::AppState::new(store, secure_cookies, transfers);
            state.behind_proxy = behind_proxy;
            state.sso = sso.map(std::sync::Arc::new);
            state.public_url = public_url.map(|u| u.trim_end_matches('/').to_string());
            if let Some(dir) = datastores {
                state.datastores = std::sync::Arc::new(datastores::open_dir(&dir).await?);
            }
            if let (Some(url), Some(from)) = (smtp_url, mail_from) {
                let mailer = std::sync::Arc::new(grondslag_web::mail::Mailer::new(&url, &from)?);
                tracing::info!(smtp = mailer.server(), mail_from = %mailer.from_address(), "e-mail");
                reminders::spawn(state.store.clone(), mailer.clone());
                state.mailer = Some(mailer);
            }
            if let (Some(key), Some(url)) = (opendsr_signing_key, opendsr_certificate_url) {
                let pem = std::fs::read(&key).with_context(|| {
                    format!("cannot read the OpenDSR signing key {}", key.display())
                })?;
                let signer = grondslag_web::OpenDsrSigner::new(&pem, &url)
                    .with_context(|| key.display().to_string())?;
                tracing::info!(
                    algorithm = signer.algorithm(),
                    domain = signer.domain(),
                    "OpenDSR answers are signed"
                );
                state.opendsr = Some(std::sync::Arc::new(signer));
            }
            if let Some(file) = &consent_key.key_file {
                state.consent_key = Some(std::sync::Arc::new(consent::load_key(file)?));
            } else {
                tracing::warn!("no --consent-key-file: the consent endpoints answer 503");
            }
            serve(db, listen, demo, state).await
        }
        Command::Import { db, file } => {
            let doc = match read_register(&file)? {
                Ok(doc) => doc,
                Err(lines) => {
                    for l in &lines {
                        eprintln!("{l}");
                    }
                    bail!(
                        "{} rejected: {} error(s); nothing was imported",
                        file.display(),
                        lines.len()
                    );
                }
            };
            let store = open(&db).await?;
            let r = store.import(&cli_actor(), &doc).await?;
            println!(
                "imported {}: {} activities created, {} updated, {} unchanged; {} units and {} processors written",
                file.display(),
                r.activities_created,
                r.activities_updated,
                r.activities_unchanged,
                r.units_written,
                r.processors_written
            );
            Ok(())
        }
        Command::Export { db, file } => {
            let store = open(&db).await?;
            let doc = store.export().await?;
            let text = serde_json::to_string_pretty(&doc)? + "\n";
            if file.as_os_str() == "-" {
                std::io::stdout().write_all(text.as_bytes())?;
            } else {
                std::fs::write(&file, text)
                    .with_context(|| format!("writing {}", file.display()))?;
                eprintln!(
                    "exported {} activities to {}",
                    doc.activities.len(),
                    file.display()
                );
            }
            Ok(())
        }
        Command::Validate { file } => match read_register(&file)? {
            Ok(doc) => {
                println!(
                    "{} is valid: {} units, {} processors, {} activities",
                    file.display(),
                    doc.units.len(),
                    doc.processors.len(),
                    doc.activities.len()
                );
                Ok(())
            }
            Err(lines) => {
                for l in &lines {
                    eprintln!("{l}");
                }
                bail!("{} is not valid: {} error(s)", file.display(), lines.len());
            }
        },
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let store = open(&db).await?;
            match store.verify_audit_chain().await? {
                Ok(n) => {
                    println!("audit chain intact: {n} entries verified");
                    Ok(())
                }
                Err(b) => bail!("audit chain broken: {b}"),
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    roles,
                    db,
                    username,
                    name,
                    admin,
                    email,
                },
        } => {
            if let Some(e) = email
                .as_deref()
                .filter(|e| !grondslag_domain::requests::plausible_email(e))
            {
                bail!("--email {e} is not an e-mail address; expected name@domain");
            }
            let password = read_password()?;
            let store = open(&db).await?;
            let mut grants = roles;
            if admin {
                grants.push(Grant {
                    role: Role::Administrator,
                    unit: None,
                });
            }
            let user = store
                .create_user(&cli_actor(), &username, &name, &password, &grants)
                .await?;
            if email.is_some() {
                store
                    .set_user_email(&cli_actor(), &username, email.as_deref())
                    .await?;
            }
            let roles: Vec<String> = grants.iter().map(grant_text).collect();
            println!(
                "created user {} with roles: {}",
                user.username,
                if roles.is_empty() {
                    "none".into()
                } else {
                    roles.join(", ")
                }
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::ResetPassword { db, username },
        } => {
            let password = read_password()?;
            open(&db)
                .await?
                .set_password(&cli_actor(), &username, None, &password)
                .await?;
            println!("set a new password for {username}; their sessions have ended");
            Ok(())
        }
        Command::User {
            command: UserCommand::Grant { db, username, role },
        } => {
            open(&db)
                .await?
                .grant(&cli_actor(), &username, &role)
                .await?;
            println!("{username} now holds {}", grant_text(&role));
            Ok(())
        }
        Command::User {
            command: UserCommand::Revoke { db, username, role },
        } => {
            open(&db)
                .await?
                .revoke(&cli_actor(), &username, &role)
                .await?;
            println!("{username} no longer holds {}", grant_text(&role));
            Ok(())
        }
        Command::Token { command } => token(command).await,
        Command::Check { db, file, rules } => {
            let transfers = check::transfer_rules(rules.transfer_rules.as_deref())?;
            let doc = match file {
                Some(file) => match read_register(&file)? {
                    Ok(doc) => doc,
                    Err(lines) => {
                        for l in &lines {
                            eprintln!("{l}");
                        }
                        bail!(
                            "{} is not a valid register file: {} error(s)",
                            file.display(),
                            lines.len()
                        );
                    }
                },
                None => open(&db).await?.export().await?,
            };
            let today = rules
                .today
                .unwrap_or_else(|| chrono::Utc::now().date_naive());
            let lang = grondslag_domain::Lang::from_tag(&rules.lang).unwrap_or_default();
            let errors = check::run(
                &doc,
                today,
                &transfers,
                matches!(rules.format, Format::Json),
                lang,
            )?;
            if errors > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Rules { format, lang } => {
            let lang = grondslag_domain::Lang::from_tag(&lang).unwrap_or_default();
            match format {
                Format::Markdown => {
                    print!("{}", check::rules_markdown());
                    Ok(())
                }
                other => check::print_rules(other == Format::Json, lang),
            }
        }
        Command::Permissions => {
            print!("{}", permissions_markdown());
            Ok(())
        }
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&interchange::schema())?);
            Ok(())
        }
        Command::Deadline(args) => deadline::deadline(args),
        Command::Holidays(args) => deadline::holidays(args),
        Command::Datastores { command } => datastores::run(command).await,
        Command::Consent { command } => consent::run(command).await,
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&grondslag_web::openapi_document())?
            );
            Ok(())
        }
    }
}

async fn serve(db: Db, listen: String, demo: bool, state: grondslag_web::AppState) -> Result<()> {
    let store = state.store.clone();
    tracing::info!(
        database = %redact(&db.url),
        backend = store.backend(),
        %listen,
        secure_cookies = state.secure_cookies,
        behind_proxy = state.behind_proxy,
        transfer_rules_updated = %state.transfers.updated,
        "configuration"
    );
    let demo_account = demo && demo::load(&store).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("Grondslag serves on http://{addr}/");
    if demo_account {
        println!(
            "Log in as \"{}\" with password \"{}\".",
            demo::USERNAME,
            demo::PASSWORD
        );
    }
    let app = grondslag_web::app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    store.close().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM from systemd or a container runtime: finish the requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://app:s3cret@db.example/grondslag"),
            "postgres://app:***@db.example/grondslag"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite://grondslag.db"), "sqlite://grondslag.db");
    }
}
