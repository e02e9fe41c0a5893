//! Pages for the organisation: the unit tree and the processors.

use super::{render, Ctx};
use crate::access::{PageCan, ReadRegister};
use crate::error::PageError;
use crate::i18n::UserLang;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grondslag_domain::register::{Processor, Unit};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(units))
        .route("/processors", get(processors))
}

/// A unit with its depth in the tree, for indentation.
pub struct UnitLine {
    pub unit: Unit,
    pub depth: usize,
    pub name: String,
    pub kind: String,
}

/// Units in tree order: each parent followed by its children.
pub fn tree(units: &[Unit], lang: grondslag_domain::Lang) -> Vec<UnitLine> {
    fn walk(
        units: &[Unit],
        parent: Option<&str>,
        depth: usize,
        lang: grondslag_domain::Lang,
        out: &mut Vec<UnitLine>,
    ) {
        for u in units.iter().filter(|u| u.parent.as_deref() == parent) {
            out.push(UnitLine {
                name: u.name(lang).to_string(),
                kind: grondslag_domain::vocab::Term::label(u.kind, lang).to_string(),
                unit: u.clone(),
                depth,
            });
            walk(units, Some(&u.id), depth + 1, lang, out);
        }
    }
    let mut out = Vec::new();
    walk(units, None, 0, lang, &mut out);
    out
}

#[derive(Template)]
#[template(path = "register/units.html")]
struct UnitsPage {
    ctx: Ctx,
    lines: Vec<UnitLine>,
}

async fn units(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
) -> Result<Response, PageError> {
    let user = &can.user;
    let units = s.store.units().await.map_err(|e| PageError::new(lang, e))?;
    Ok(render(&UnitsPage {
        ctx: Ctx::new(lang, Some(user), "/units"),
        lines: tree(&units, lang),
    }))
}

#[derive(Template)]
#[template(path = "register/processors.html")]
struct ProcessorsPage {
    ctx: Ctx,
    processors: Vec<Processor>,
}

async fn processors(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
) -> Result<Response, PageError> {
    let user = &can.user;
    let processors = s
        .store
        .processors()
        .await
        .map_err(|e| PageError::new(lang, e))?;
    Ok(render(&ProcessorsPage {
        ctx: Ctx::new(lang, Some(user), "/processors"),
        processors,
    }))
}
