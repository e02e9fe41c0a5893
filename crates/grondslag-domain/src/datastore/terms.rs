//! The vocabulary of data-store manifests (docs/glossary.md §11 and §13): what kind of
//! identifier finds a subject, what erasure does to a column, why a column is kept, and the
//! rules a mask may follow.

use crate::vocab::vocabulary;

vocabulary! {
    /// What a subject column holds, and so which identifier of a request finds the subject in
    /// it (RU 4:2, 4:11 lid 2).
    IdentifierKind ("subject_identifier") {
        Email => "email", "E-mail address", "E-mailadres", "RU 4:2; GDPR 15", Some("https://w3id.org/dpv/pd#EmailAddress");
        StudentNumber => "student_number", "Student number", "Studentnummer", "–", Some("https://w3id.org/dpv/pd#UID");
        StaffNumber => "staff_number", "Staff number", "Personeelsnummer", "–", Some("https://w3id.org/dpv/pd#UID");
        Phone => "phone", "Telephone number", "Telefoonnummer", "RU 4:2; GDPR 15", Some("https://w3id.org/dpv/pd#TelephoneNumber");
        Username => "username", "User name (account)", "Gebruikersnaam (account)", "RU 4:2; GDPR 15", Some("https://w3id.org/dpv/pd#Username");
    }
}

vocabulary! {
    /// What erasure (RU 4:3, GDPR 17) does to a column.
    ErasureAction ("erasure_action") {
        DeleteRow => "delete_row", "Delete the row", "Rij verwijderen", "RU 4:3; GDPR 17", Some("https://w3id.org/dpv#Erase");
        SetNull => "set_null", "Empty the field", "Veld leegmaken", "RU 4:3; GDPR 17", None;
        Mask => "mask", "Mask the value", "Waarde maskeren", "RU 4:3; GDPR 17", None;
        Keep => "keep", "Keep, with a reason", "Bewaren, met reden", "GDPR 17(3)", None;
    }
}

vocabulary! {
    /// Why data is kept although the subject asked for erasure (GDPR 17(3)).
    KeepReason ("keep_reason") {
        LegalRetentionDuty => "legal_retention_duty", "Legal duty to keep", "Wettelijke bewaarplicht", "GDPR 17(3)(b)", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA17LegallyRequired");
        LegalClaims => "legal_claims", "Needed for legal claims", "Nodig voor een rechtsvordering", "RU 4:5; GDPR 17(3)(e)", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA17LegalClaims");
        ArchivingOrResearch => "archiving_or_research", "Archiving, research or statistics in the public interest", "Archivering, onderzoek of statistiek in het algemeen belang", "GDPR 17(3)(d), 89", None;
    }
}

vocabulary! {
    /// How a masked value is computed from the old one (the other way is a fixed value).
    MaskRule ("mask_rule") {
        EmailDomain => "email_domain", "Keep only the e-mail domain", "Alleen het e-maildomein behouden", "RU 4:3", None;
        Initial => "initial", "Keep only the initial", "Alleen de initiaal behouden", "RU 4:3", None;
        LastFour => "last_four", "Keep only the last four characters", "Alleen de laatste vier tekens behouden", "RU 4:3", None;
    }
}

impl MaskRule {
    /// The masked form of a text. `email_domain` gives `***@example.org` (or `***` without a
    /// domain), `initial` the first character and a full stop, `last_four` stars and the
    /// last four characters.
    pub fn apply(self, value: &str) -> String {
        match self {
            MaskRule::EmailDomain => match value.rsplit_once('@') {
                Some((_, domain)) if !domain.is_empty() => format!("***@{domain}"),
                _ => "***".to_string(),
            },
            MaskRule::Initial => match value.trim().chars().next() {
                Some(c) => format!("{c}."),
                None => String::new(),
            },
            // A value of four characters or fewer would show whole: it is hidden whole.
            MaskRule::LastFour => {
                let chars: Vec<char> = value.chars().collect();
                if chars.len() <= 4 {
                    "****".to_string()
                } else {
                    let tail: String = chars[chars.len() - 4..].iter().collect();
                    format!("{}{tail}", "*".repeat(chars.len() - 4))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Term;
    use std::collections::HashMap;

    const GLOSSARY: &str = include_str!("../../../../docs/glossary.md");

    #[test]
    fn every_term_is_in_the_glossary_with_the_same_labels_and_dpv_term() {
        let mut rows: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
        for line in GLOSSARY.lines() {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            if cells.len() == 5 && cells[0].starts_with('`') {
                rows.entry(cells[0].trim_matches('`').to_string())
                    .or_default()
                    .push((
                        cells[1].to_string(),
                        cells[2].to_string(),
                        cells[4].to_string(),
                    ));
            }
        }
        fn check<T: Term>(rows: &HashMap<String, Vec<(String, String, String)>>) -> Vec<String> {
            let mut problems = Vec::new();
            for t in T::all() {
                let want = (
                    t.label(crate::Lang::En).to_string(),
                    t.label(crate::Lang::Nl).to_string(),
                    t.dpv().unwrap_or("–").to_string(),
                );
                match rows.get(t.machine_name()) {
                    Some(found) if found.contains(&want) => {}
                    found => problems.push(format!(
                        "{}: `{}` is {want:?} in code but {found:?} in docs/glossary.md",
                        T::VOCABULARY,
                        t.machine_name()
                    )),
                }
            }
            problems
        }
        let mut problems = check::<IdentifierKind>(&rows);
        problems.extend(check::<ErasureAction>(&rows));
        problems.extend(check::<KeepReason>(&rows));
        problems.extend(check::<MaskRule>(&rows));
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn mask_rules() {
        assert_eq!(MaskRule::EmailDomain.apply("jan@uni.nl"), "***@uni.nl");
        assert_eq!(MaskRule::EmailDomain.apply("no-at-sign"), "***");
        assert_eq!(MaskRule::Initial.apply("Jansen"), "J.");
        assert_eq!(MaskRule::Initial.apply(""), "");
        assert_eq!(MaskRule::LastFour.apply("0612345678"), "******5678");
        assert_eq!(MaskRule::LastFour.apply("123"), "****");
    }
}
