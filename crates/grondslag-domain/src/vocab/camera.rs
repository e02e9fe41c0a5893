//! Camera surveillance purposes (RU 5:1 lid 1, CAM-1): glossary section 12.

use super::vocabulary;

vocabulary! {
    /// The only purposes camera surveillance may serve (RU 5:1 lid 1).
    CameraPurpose ("camera_purpose") {
        SafetyOfPersons => "safety_of_persons", "(i) Safety and health of persons", "(i) Bescherming van de veiligheid en gezondheid van personen", "RU 5:1 lid 1 i", Some("https://w3id.org/dpv#EnforceSecurity");
        SupervisionOfPremises => "supervision_of_premises", "(ii) Supervision of buildings and grounds", "(ii) Toezicht in gebouwen en op terreinen op de campus", "RU 5:1 lid 1 ii", Some("https://w3id.org/dpv#EnforceSecurity");
        ProtectionOfProperty => "protection_of_property", "(iii) Protection of property", "(iii) Bewaking van zaken in de gebouwen en op de terreinen", "RU 5:1 lid 1 iii", Some("https://w3id.org/dpv#EnforceSecurity");
    }
}
