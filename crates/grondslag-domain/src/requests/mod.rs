//! Data-subject requests (RU ch. 4; DSR-1 to DSR-6): the intake, the states and what moves a
//! request between them, with the deadlines of `crate::deadline`. Pure: the store keeps
//! requests and their timelines, the web crate shows them.

mod request;
mod vocab;
mod workflow;

pub use request::{plausible_email, Extension, IdentityCheck, Outcome, Request, RequestInput};
pub use vocab::{Channel, ExtensionReason, RefusalGround, RequestState, Right, VerificationMethod};
pub use workflow::{apply, extension_closed, Action};

#[cfg(test)]
mod tests;
