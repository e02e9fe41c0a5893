//! Kinds of organisational units and of recipients (glossary extension, section 13).

use super::vocabulary;

vocabulary! {
    /// What an organisational unit is (REG-3: faculties, institutes, services).
    UnitKind ("unit_kind") {
        University => "university", "University (controller)", "Universiteit (verwerkingsverantwoordelijke)", "RU 2:2", Some("https://w3id.org/dpv#EducationalOrganisation");
        Faculty => "faculty", "Faculty", "Faculteit", "RU 2:8 lid 2", Some("https://w3id.org/dpv#OrganisationalUnit");
        Institute => "institute", "Institute", "Instituut", "RU 2:8 lid 2", Some("https://w3id.org/dpv#OrganisationalUnit");
        Service => "service", "Service", "Dienst", "RU 2:8 lid 2", Some("https://w3id.org/dpv#OrganisationalUnit");
        Department => "department", "Department", "Afdeling", "RU 2:8 lid 2", Some("https://w3id.org/dpv#OrganisationalUnit");
    }
}

vocabulary! {
    /// Who receives personal data (RU 2:8 lid 3 f).
    RecipientKind ("recipient_kind") {
        Internal => "internal", "Internal (another unit)", "Intern (ander organisatieonderdeel)", "RU 2:8 lid 3 b", None;
        Processor => "processor", "Processor", "Verwerker", "RU art. 1 lid 5; GDPR 28", Some("https://w3id.org/dpv#DataProcessor");
        ThirdParty => "third_party", "Third party", "Derde", "RU art. 1 lid 9", Some("https://w3id.org/dpv#ThirdParty");
        PublicAuthority => "public_authority", "Public authority", "Overheidsinstantie", "RU 3:9 lid 1", Some("https://w3id.org/dpv#GovernmentalOrganisation");
    }
}
