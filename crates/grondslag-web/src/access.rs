//! Access control at the edge: every handler that touches the register names the permission
//! it needs through the type of its `Can<…>` argument, and the domain's one permission table
//! (`grondslag_domain::access`) decides. Activities outside a person's units answer as not
//! found, so nothing outside the scope leaks, not even its existence (REG-3).

use crate::auth::{ApiUser, PageUser};
use crate::error::{ApiError, PageError};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use grondslag_domain::access::{scope, Permission, Scope};
use grondslag_domain::register::{ActivityRecord, Unit};
use grondslag_store::accounts::User;
use grondslag_store::StoreError;
use std::marker::PhantomData;

/// A permission named as a type, for `Can<…>`.
pub trait Need: Send + Sync + 'static {
    const PERMISSION: Permission;
}

macro_rules! needs {
    ($($name:ident),+) => {
        $(
            #[doc = concat!("Needs `", stringify!($name), "`.")]
            pub struct $name;
            impl Need for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )+
    };
}
needs!(
    ManageAccounts,
    ReadRegister,
    EditActivity,
    ManageOrganisation,
    ImportRegister,
    ExportRegister,
    VerifyAudit,
    ReadRequests,
    HandleRequests,
    ApproveErasure,
    CheckConsent,
    ReadConsent,
    RecordConsent,
    ManageConsentNotices
);

/// A logged-in user who holds permission `N` somewhere, with where.
pub struct Can<N: Need> {
    pub user: User,
    pub scope: Scope,
    pub units: std::sync::Arc<[Unit]>,
    _need: PhantomData<N>,
}

impl<N: Need> Can<N> {
    async fn load(user: User, state: &AppState) -> Result<Result<Self, ()>, StoreError> {
        let units = state.store.units_shared().await?;
        let scope = scope(&user.grants, N::PERMISSION, &units);
        if scope.is_nothing() {
            return Ok(Err(()));
        }
        Ok(Ok(Can {
            user,
            scope,
            units,
            _need: PhantomData,
        }))
    }

    /// The units to limit a list to; `None` when every unit is in scope.
    pub fn within(&self) -> Option<Vec<String>> {
        match &self.scope {
            Scope::Units(u) => Some(u.clone()),
            _ => None,
        }
    }

    /// Where the user holds another permission (a transition needs its own).
    pub fn scope_of(&self, p: Permission) -> Scope {
        scope(&self.user.grants, p, &self.units)
    }

    /// An activity the user may see with this permission; any other answers as not found.
    pub async fn activity(&self, state: &AppState, id: &str) -> Result<ActivityRecord, StoreError> {
        let r = state.store.activity(id).await?;
        let readable = self.scope.allows(&r.activity.unit)
            || self
                .scope_of(Permission::ReadRegister)
                .allows(&r.activity.unit);
        if !readable {
            return Err(StoreError::NotFound(format!("activity {id}")));
        }
        Ok(r)
    }
}

impl<N: Need> FromRequestParts<AppState> for Can<N> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        Can::load(user, state)
            .await?
            .map_err(|()| ApiError::Forbidden)
    }
}

/// The same, for pages: a stranger is sent to the login page, a user without the
/// permission sees a page that says so.
pub struct PageCan<N: Need>(pub Can<N>);

impl<N: Need> FromRequestParts<AppState> for PageCan<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let PageUser(user) = PageUser::from_request_parts(parts, state).await?;
        let lang = crate::i18n::from_parts(parts);
        match Can::load(user, state).await {
            Ok(Ok(can)) => Ok(PageCan(can)),
            Ok(Err(())) => Err(PageError::forbidden(lang).into_response()),
            Err(e) => Err(PageError::new(lang, e).into_response()),
        }
    }
}

/// The permission a move through the workflow needs: a privacy manager submits and takes
/// back; the FG office registers and retires (RU 2:8 lid 2).
pub fn transition_permission(to: grondslag_domain::register::Status) -> Permission {
    use grondslag_domain::register::Status::*;
    match to {
        Draft | Submitted => Permission::SubmitActivity,
        Registered | Retired => Permission::RegisterActivity,
    }
}
