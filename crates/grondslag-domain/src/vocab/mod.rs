//! The product's controlled vocabulary (docs/glossary.md): every enumeration with its stable
//! machine name, Dutch and English label, source article and W3C DPV term.
//!
//! Machine names are what databases, the API and exports hold; they never change once
//! released. Labels are what people read.

mod assessment;
mod camera;
mod data;
mod legal;
mod measures;
mod organisation;
mod purposes;
mod retention;
mod social;

pub use assessment::{
    ApListType, ConsentMethod, LiaOutcome, ResidualRisk, ReviewDecision, RiskKind, RiskLevel,
    Wp248Criterion,
};
pub use camera::CameraPurpose;
pub use data::{DataOrigin, DataSubjectCategory, PersonalDataCategory};
pub use legal::{Art9Exception, LegalBasis, TransferMechanism};
pub use measures::SecurityMeasure;
pub use organisation::{RecipientKind, UnitKind};
pub use purposes::Purpose;
pub use retention::{EndAction, PeriodUnit};
pub use social::{SocialChannel, SocialProcessing};

use crate::Lang;

/// A term of the vocabulary.
pub trait Term: Copy + 'static {
    /// The name of the vocabulary, as used in docs and error messages (`legal_basis`).
    const VOCABULARY: &'static str;
    /// Every term, in the order the glossary lists them.
    fn all() -> &'static [Self];
    fn machine_name(self) -> &'static str;
    fn label(self, lang: Lang) -> &'static str;
    /// The article or policy the term comes from, e.g. `RU 3:2 lid 1 f; GDPR 6(1)(f)`.
    fn source(self) -> &'static str;
    /// The W3C Data Privacy Vocabulary IRI, where DPV has a fitting term.
    fn dpv(self) -> Option<&'static str>;

    fn from_machine_name(name: &str) -> Option<Self> {
        Self::all()
            .iter()
            .copied()
            .find(|t| t.machine_name() == name)
    }

    /// `consent, contract, ...`: for "expected one of" messages.
    fn expected_list() -> String {
        Self::all()
            .iter()
            .map(|t| t.machine_name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Declares a vocabulary enum from a table that mirrors the glossary's columns.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident ($vocab:literal) {
            $( $variant:ident => $machine:literal, $en:literal, $nl:literal, $src:literal, $dpv:expr; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        pub enum $name {
            $( #[serde(rename = $machine)] $variant, )+
        }

        impl $crate::vocab::Term for $name {
            const VOCABULARY: &'static str = $vocab;
            fn all() -> &'static [Self] {
                &[$($name::$variant),+]
            }
            fn machine_name(self) -> &'static str {
                match self { $($name::$variant => $machine),+ }
            }
            fn label(self, lang: $crate::Lang) -> &'static str {
                match (self, lang) {
                    $( ($name::$variant, $crate::Lang::En) => $en,
                       ($name::$variant, $crate::Lang::Nl) => $nl, )+
                }
            }
            fn source(self) -> &'static str {
                match self { $($name::$variant => $src),+ }
            }
            fn dpv(self) -> Option<&'static str> {
                match self { $($name::$variant => $dpv),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::vocab::Term::machine_name(*self))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownTerm;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$name as $crate::vocab::Term>::from_machine_name(s).ok_or_else(|| {
                    $crate::vocab::UnknownTerm {
                        value: s.to_string(),
                        expected: <$name as $crate::vocab::Term>::expected_list(),
                    }
                })
            }
        }
    };
}
pub(crate) use vocabulary;

/// A machine name that is not in a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value \"{value}\"; expected one of {expected}")]
pub struct UnknownTerm {
    pub value: String,
    pub expected: String,
}

/// One row of the glossary, for docs, the API's vocabulary endpoint and the glossary check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TermRow {
    pub vocabulary: &'static str,
    pub machine_name: &'static str,
    pub en: &'static str,
    pub nl: &'static str,
    pub source: &'static str,
    pub dpv: Option<&'static str>,
}

fn rows<T: Term>() -> impl Iterator<Item = TermRow> {
    T::all().iter().map(|t| TermRow {
        vocabulary: T::VOCABULARY,
        machine_name: t.machine_name(),
        en: t.label(Lang::En),
        nl: t.label(Lang::Nl),
        source: t.source(),
        dpv: t.dpv(),
    })
}

/// Every term of every vocabulary the register uses.
pub fn all_terms() -> Vec<TermRow> {
    let mut out = Vec::new();
    out.extend(rows::<LegalBasis>());
    out.extend(rows::<Art9Exception>());
    out.extend(rows::<TransferMechanism>());
    out.extend(rows::<PersonalDataCategory>());
    out.extend(rows::<DataSubjectCategory>());
    out.extend(rows::<DataOrigin>());
    out.extend(rows::<Purpose>());
    out.extend(rows::<SecurityMeasure>());
    out.extend(rows::<RecipientKind>());
    out.extend(rows::<UnitKind>());
    out.extend(rows::<EndAction>());
    out.extend(rows::<PeriodUnit>());
    out.extend(rows::<CameraPurpose>());
    out.extend(rows::<SocialProcessing>());
    out.extend(rows::<SocialChannel>());
    out.extend(rows::<Wp248Criterion>());
    out.extend(rows::<ApListType>());
    out.extend(rows::<LiaOutcome>());
    out.extend(rows::<ReviewDecision>());
    out.extend(rows::<RiskKind>());
    out.extend(rows::<RiskLevel>());
    out.extend(rows::<ResidualRisk>());
    out.extend(rows::<ConsentMethod>());
    out.extend(rows::<crate::register::Status>());
    out.extend(rows::<crate::access::Role>());
    out.extend(rows::<crate::deadline::Holiday>());
    out.extend(rows::<crate::deadline::DeadlineKind>());
    out.extend(rows::<crate::deadline::DeadlineStatus>());
    out.extend(rows::<crate::requests::Right>());
    out.extend(rows::<crate::requests::RequestState>());
    out.extend(rows::<crate::requests::ExtensionReason>());
    out.extend(rows::<crate::requests::RefusalGround>());
    out.extend(rows::<crate::requests::Channel>());
    out.extend(rows::<crate::requests::VerificationMethod>());
    out.extend(rows::<crate::consent::IdentifierKind>());
    out.extend(rows::<crate::consent::ConsentStatus>());
    out.extend(rows::<crate::consent::EventType>());
    out.extend(rows::<crate::consent::ObjectionKind>());
    out.extend(rows::<crate::consent::Reason>());
    out.extend(rows::<crate::consent::NoticeStatus>());
    out.extend(rows::<crate::consent::RecorderKind>());
    out
}

#[cfg(test)]
mod tests;
