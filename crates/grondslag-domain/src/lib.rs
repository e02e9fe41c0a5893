//! Grondslag's domain: what a university's register of processing activities is, what makes
//! it valid, how two versions differ and how the audit chain is computed.
//!
//! Architecture invariant: this crate does no I/O and never reads the clock. Time comes in as
//! a parameter; storage, HTTP and the command line live in the crates around it.

pub mod access;
pub mod audit;
pub mod consent;
pub mod datastore;
pub mod deadline;
pub mod diff;
pub mod interchange;
pub mod lang;
pub mod register;
pub mod requests;
pub mod rules;
pub mod sso;
pub mod transfers;
pub mod validation;
pub mod vocab;

pub use lang::Lang;
pub use validation::{FieldError, ValidationErrors};
