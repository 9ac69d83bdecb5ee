//! `contact-admin`: provisions the contact upsert API's D1 database. It creates
//! organizations and members, issues and revokes api keys and developer keys, and
//! defines custom fields. Every command prints one JSON object on one line of
//! stdout; a failure prints `error: …` on stderr, exits with 2 (input the user can
//! fix) or 1 (wrangler or the database failed) and writes nothing.
//!
//! The database is reached through `wrangler d1 execute` in the repository root:
//! the local database `wrangler dev` uses by default, another local state directory
//! with `--persist-to DIR`, or the deployed database with `--remote`.

mod clock;
mod commands;
mod d1;
mod failure;
mod sql;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use commands::Admin;
use contact_core::custom::{Definition, FieldType};
use contact_core::gate::CrmMode;
use d1::{Target, D1};
use failure::Failure;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Provisions organizations, members, keys and custom fields for the contact upsert API.
#[derive(Debug, Parser)]
#[command(name = "contact-admin", version)]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(subcommand)]
    command: Command,
}

/// Which database: global, so they may stand before or after the command.
#[derive(Debug, Args)]
struct DatabaseArgs {
    /// Use the local database (the default).
    #[arg(long, global = true, conflicts_with = "remote")]
    local: bool,
    /// Use the deployed database named in wrangler.toml.
    #[arg(long, global = true)]
    remote: bool,
    /// Local state directory, as for `wrangler dev --persist-to` (default: wrangler's own).
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "remote")]
    persist_to: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Organizations (tenants).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Members of an organization: the people api keys act for.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Api keys, each issued to one member of one organization.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Developer keys, each issued under an api key with an IP allow-list.
    #[command(subcommand)]
    DeveloperKey(DeveloperKeyCommand),
    /// An organization's custom contact fields.
    #[command(subcommand)]
    CustomField(CustomFieldCommand),
    /// Creates a demo organization with a member, keys and two custom fields, and
    /// prints its credentials: for a local database only (refused with --remote).
    Demo,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Creates an organization: {"org_id"}.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// CRM mode: B2B links contacts to companies, B2C does not.
        #[arg(long, value_enum, ignore_case = true)]
        mode: Choice<CrmMode>,
    },
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
    /// Adds a member to an organization: {"member_id"}.
    Add {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// The member's name.
        #[arg(long)]
        name: String,
        /// The member's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Deactivates a member, so that their api keys stop working: {"member_id", "active"}.
    Deactivate {
        /// The member's id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Issues an api key to an active member: {"api_key_id", "api_key"}. The key is shown only now.
    Issue {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// The id of an active member of that organization.
        #[arg(long)]
        member: String,
    },
    /// Revokes an api key: {"api_key_id", "active"}.
    Revoke {
        /// The api key's id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum DeveloperKeyCommand {
    /// Issues a developer key under an active api key: {"developer_key_id", "developer_secret"}.
    /// The secret is shown only now.
    Issue {
        /// The api key's id.
        #[arg(long)]
        api_key_id: String,
        /// An IPv4/IPv6 address or CIDR range allowed to use the key (repeatable;
        /// with none, no one can use it until `allow-ip` adds one).
        #[arg(long = "allow-ip", value_name = "IP_OR_CIDR")]
        allow_ip: Vec<String>,
        /// Accept an allow-list that admits every IPv4 or IPv6 address (0.0.0.0/0,
        /// ::/0, or ranges that together cover a family), refused without it.
        #[arg(long)]
        allow_any_address: bool,
    },
    /// Adds an address or range to a developer key's allow-list: {"developer_key_id", "allowed_ips"}.
    AllowIp {
        /// The developer key's id.
        #[arg(long)]
        id: String,
        /// An IPv4/IPv6 address or CIDR range.
        #[arg(long, value_name = "IP_OR_CIDR")]
        ip: String,
        /// Accept an entry that makes the list admit every IPv4 or IPv6 address
        /// (0.0.0.0/0, ::/0, or a range that completes a family), refused without it.
        #[arg(long)]
        allow_any_address: bool,
    },
    /// Removes an address or range from a developer key's allow-list, in any
    /// spelling of it: {"developer_key_id", "allowed_ips"}.
    RemoveIp {
        /// The developer key's id.
        #[arg(long)]
        id: String,
        /// The IPv4/IPv6 address or CIDR range to remove.
        #[arg(long, value_name = "IP_OR_CIDR")]
        ip: String,
    },
    /// Revokes a developer key: {"developer_key_id", "active"}.
    Revoke {
        /// The developer key's id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum CustomFieldCommand {
    /// Defines a custom field: {"tag"}.
    Add {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// The key in customFields: a lower-case letter, then lower-case letters, digits or _.
        #[arg(long)]
        tag: String,
        /// The value's type.
        #[arg(long = "type", value_enum, value_name = "TYPE")]
        field_type: Choice<FieldType>,
        /// An allowed value of a select or multiselect (repeatable).
        #[arg(long = "option", value_name = "OPTION")]
        options: Vec<String>,
        /// For text: a regular expression the whole value must match (Rust regex syntax
        /// without Unicode classes, word boundaries or flags other than i: see the README).
        #[arg(long, value_name = "RE")]
        pattern: Option<String>,
        /// For text: the longest value in characters (default 1000).
        #[arg(long, value_name = "N")]
        max_length: Option<usize>,
        /// For number: the smallest value allowed.
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = finite)]
        min: Option<f64>,
        /// For number: the largest value allowed.
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = finite)]
        max: Option<f64>,
    },
    /// Lists an organization's custom fields: {"org_id", "custom_fields"}.
    List {
        /// The organization's id.
        #[arg(long)]
        org: String,
    },
}

/// An argument that takes one of a core enum's values, spelled as the core spells
/// them: the command line lists no values of its own.
#[derive(Debug, Clone, Copy)]
pub struct Choice<T: 'static>(pub T);

macro_rules! core_choice {
    ($t:ty) => {
        impl ValueEnum for Choice<$t> {
            fn value_variants<'a>() -> &'a [Self] {
                static ALL: std::sync::LazyLock<Vec<Choice<$t>>> =
                    std::sync::LazyLock::new(|| <$t>::ALL.iter().copied().map(Choice).collect());
                &ALL
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.0.as_str()))
            }
        }
    };
}
core_choice!(CrmMode);
core_choice!(FieldType);

/// A finite number: JSON has no NaN or infinity, so a definition could not store one.
fn finite(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(format!("{text:?} is not a finite number")),
    }
}

fn main() -> ExitCode {
    let cli = match command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(e) => return argument_error(e),
    };
    let result = run(cli).and_then(|line| {
        // The output may hold a secret shown only this once: failing to write it is
        // reported, not ignored.
        writeln!(std::io::stdout().lock(), "{line}")
            .map_err(|e| Failure::Runtime(format!("cannot write the result: {e}")))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.exit_code() as u8)
        }
    }
}

/// The command-line grammar. A command given without its subcommand is an error
/// naming the subcommands, not a page of help on stderr: every error is one line.
fn command() -> clap::Command {
    fn one_line_errors(command: clap::Command) -> clap::Command {
        command
            .arg_required_else_help(false)
            .mut_subcommands(one_line_errors)
    }
    one_line_errors(Cli::command())
}

/// Help and version go to stdout as clap prints them; every other argument error is
/// one line on stderr with exit status 2.
fn argument_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // clap exits with 0 after printing.
        e.exit();
    }
    let rendered = e.render().to_string();
    let lines: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect();
    let message = lines.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    eprintln!("error: {message} (see --help)");
    ExitCode::from(2)
}

fn run(cli: Cli) -> Result<String, Failure> {
    // Refused before anything runs: the demo organization's credentials are printed
    // and meant for a local database.
    if cli.database.remote && matches!(cli.command, Command::Demo) {
        return Err(Failure::Input(
            "demo is for local development only (it prints the credentials it creates) and does not run with --remote"
                .into(),
        ));
    }
    let target = if cli.database.remote {
        Target::Remote
    } else {
        Target::Local {
            persist_to: cli.database.persist_to,
        }
    };
    let here = std::env::current_dir()
        .map_err(|e| Failure::Runtime(format!("cannot read the current directory: {e}")))?;
    let admin = Admin::new(D1::find(&here, target)?);
    match cli.command {
        Command::Org(OrgCommand::Create { name, mode }) => admin.org_create(&name, mode.0),
        Command::Member(MemberCommand::Add { org, name, email }) => {
            admin.member_add(&org, &name, &email)
        }
        Command::Member(MemberCommand::Deactivate { id }) => admin.member_deactivate(&id),
        Command::ApiKey(ApiKeyCommand::Issue { org, member }) => admin.api_key_issue(&org, &member),
        Command::ApiKey(ApiKeyCommand::Revoke { id }) => admin.api_key_revoke(&id),
        Command::DeveloperKey(DeveloperKeyCommand::Issue {
            api_key_id,
            allow_ip,
            allow_any_address,
        }) => admin.developer_key_issue(&api_key_id, &allow_ip, allow_any_address),
        Command::DeveloperKey(DeveloperKeyCommand::AllowIp {
            id,
            ip,
            allow_any_address,
        }) => admin.developer_key_allow_ip(&id, &ip, allow_any_address),
        Command::DeveloperKey(DeveloperKeyCommand::RemoveIp { id, ip }) => {
            admin.developer_key_remove_ip(&id, &ip)
        }
        Command::DeveloperKey(DeveloperKeyCommand::Revoke { id }) => {
            admin.developer_key_revoke(&id)
        }
        Command::CustomField(CustomFieldCommand::Add {
            org,
            tag,
            field_type,
            options,
            pattern,
            max_length,
            min,
            max,
        }) => admin.custom_field_add(
            &org,
            Definition {
                tag,
                field_type: field_type.0,
                options,
                pattern,
                max_length,
                min,
                max,
            },
        ),
        Command::CustomField(CustomFieldCommand::List { org }) => admin.custom_field_list(&org),
        Command::Demo => admin.demo(),
    }
}
