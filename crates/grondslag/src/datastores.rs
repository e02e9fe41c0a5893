//! `grondslag datastores check FILE…`: checks data-store manifests (docs/datastores.md), and,
//! unless `--offline`, connects to each store and compares the manifest with the live schema.
//! Exits 1 when any manifest or store has an error; warnings are printed but pass.

use anyhow::Result;
use clap::Subcommand;
use grondslag_domain::datastore::Manifest;
use grondslag_fulfilment::{DataStore, ProcessEnv};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DatastoresCommand {
    /// Check manifests: their format and meaning, and (unless --offline) the live databases
    /// they describe, with `${VARIABLE}`s in the connection taken from the environment.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only check the files; do not connect.
        #[arg(long)]
        offline: bool,
    },
}

pub async fn run(command: DatastoresCommand) -> Result<()> {
    let DatastoresCommand::Check { files, offline } = command;
    let mut failed = false;
    for file in files {
        let name = file.display();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: cannot be read: {e}");
                failed = true;
                continue;
            }
        };
        let manifest = match Manifest::parse(&text) {
            Ok(m) => m,
            Err(errors) => {
                for e in errors.iter() {
                    eprintln!("{name}: {e}");
                }
                eprintln!("{name}: rejected: {} error(s)", errors.len());
                failed = true;
                continue;
            }
        };
        if offline {
            println!("{name}: store \"{}\": the manifest is valid", manifest.name);
            continue;
        }
        let store = match DataStore::open(manifest, &ProcessEnv).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
                continue;
            }
        };
        let report = store.schema_report();
        for e in &report.errors {
            eprintln!("{name}: error: {e}");
        }
        for w in &report.warnings {
            eprintln!("{name}: warning: {w}");
        }
        if report.is_ok() {
            println!(
                "{name}: store \"{}\" matches its manifest ({} warning(s))",
                store.name(),
                report.warnings.len()
            );
        } else {
            failed = true;
        }
        store.close().await;
    }
    if failed {
        std::process::exit(1);
    }
    Ok(())
}

/// Opens every manifest (`*.yaml`, `*.yml`) in a folder, for `serve --datastores`. A manifest
/// that does not parse, or a store that cannot be reached, stops the server at start with
/// its name; a live schema with errors is logged, and that store refuses to run requests.
pub async fn open_dir(dir: &std::path::Path) -> Result<Vec<DataStore>> {
    use anyhow::Context;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the data-store folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut stores = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let manifest = Manifest::parse(&text).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("{}: {}", file.display(), lines.join("; "))
        })?;
        let store = DataStore::open(manifest, &ProcessEnv)
            .await
            .with_context(|| file.display().to_string())?;
        let report = store.schema_report();
        for e in &report.errors {
            tracing::error!(store = store.name(), "{e}");
        }
        tracing::info!(store = store.name(), file = %file.display(), "data store");
        stores.push(store);
    }
    Ok(stores)
}
