//! Retention (RU 3:8, LAW-10): what happens at the end of a period, and the units a period
//! is counted in.

use super::vocabulary;

vocabulary! {
    /// What happens to data when its retention period ends (RU 3:8).
    EndAction ("end_action") {
        Destroy => "destroy", "Destroy", "Vernietigen", "RU 3:8", Some("https://w3id.org/dpv#Destruct");
        Anonymise => "anonymise", "Anonymise", "Anonimiseren", "RU 3:8", Some("https://w3id.org/dpv#Anonymise");
        Archive => "archive", "Archive", "Archiveren", "RU 3:8", None;
    }
}

vocabulary! {
    /// The unit a retention period is counted in.
    PeriodUnit ("period_unit") {
        Days => "days", "days", "dagen", "–", None;
        Weeks => "weeks", "weeks", "weken", "–", None;
        Months => "months", "months", "maanden", "–", None;
        Years => "years", "years", "jaar", "–", None;
    }
}
