//! Technical and organisational security measures (RU 2:8 lid 3 h, RU 3:4): glossary
//! section 8.

use super::vocabulary;

vocabulary! {
    /// A security measure from the catalogue (SEC-1).
    SecurityMeasure ("security_measure") {
        EncryptionAtRest => "encryption_at_rest", "Encryption at rest", "Versleuteling van opgeslagen gegevens", "RU 3:4 lid 1", Some("https://w3id.org/dpv#EncryptionAtRest");
        EncryptionInTransit => "encryption_in_transit", "Encryption in transit", "Versleutelde communicatie", "RU 3:4 lid 1", Some("https://w3id.org/dpv#EncryptionInTransfer");
        Pseudonymisation => "pseudonymisation", "Pseudonymisation", "Pseudonimisering", "RU 3:4 lid 1", Some("https://w3id.org/dpv#Pseudonymisation");
        AccessControl => "access_control", "Access control", "Toegangsbeveiliging", "–", Some("https://w3id.org/dpv#AccessControlMethod");
        RoleBasedAuthorisation => "role_based_authorisation", "Role-based authorisation", "Autorisatie op basis van rollen", "RU 2:8 lid 3 b", Some("https://w3id.org/dpv#AuthorisationProtocols");
        MultiFactorAuthentication => "multi_factor_authentication", "Multi-factor authentication", "Multifactorauthenticatie (MFA)", "–", Some("https://w3id.org/dpv#MultiFactorAuthentication");
        Logging => "logging", "Logging", "Logging", "–", Some("https://w3id.org/dpv#LoggingPolicy");
        Backup => "backup", "Backups", "Back-ups", "–", Some("https://w3id.org/dpv#DataBackupProtocols");
        AwarenessTraining => "awareness_training", "Awareness training", "Training en voorlichting", "RU 2:2 lid 2", Some("https://w3id.org/dpv#DataProtectionTraining");
        ConfidentialityAgreement => "confidentiality_agreement", "Confidentiality agreement", "Geheimhoudingsverklaring", "RU 2:2 lid 2, 3", Some("https://w3id.org/dpv#NDA");
        SecurityPolicy => "security_policy", "Information security policy", "Informatieveiligheidsbeleid", "RU 3:4 lid 1", Some("https://w3id.org/dpv#InformationSecurityPolicy");
        PhysicalAccessControl => "physical_access_control", "Physical access control", "Fysieke toegangsbeveiliging", "–", Some("https://w3id.org/dpv#PhysicalAccessControlMethod");
        PenetrationTesting => "penetration_testing", "Penetration tests and vulnerability scans", "Penetratietests en kwetsbaarheidsscans", "–", Some("https://w3id.org/dpv#PenetrationTestingMethods");
        IncidentProcedure => "incident_procedure", "Breach procedure", "Datalekmeldingsprocedure", "RU 3:4 lid 4", Some("https://w3id.org/dpv#IncidentManagementProcedures");
        DeletionPolicy => "deletion_policy", "Deletion policy", "Verwijderbeleid", "RU 3:8", Some("https://w3id.org/dpv#DataDeletionPolicy");
        DataMinimisation => "data_minimisation", "Data minimisation", "Minimale gegevensverwerking", "RU 3:6", Some("https://w3id.org/dpv/legal/eu/gdpr#DataMinimisationPrinciple");
        PrivacyByDesign => "privacy_by_design", "Privacy by design", "Privacy by design", "RU art. 1 lid 16; RU 3:4 lid 2", Some("https://w3id.org/dpv#PrivacyByDesign");
        PrivacyByDefault => "privacy_by_default", "Privacy by default", "Privacy by default", "RU art. 1 lid 15; RU 3:4 lid 2", Some("https://w3id.org/dpv#PrivacyByDefault");
        CertificateOfConduct => "certificate_of_conduct", "Certificate of conduct (VOG)", "Verklaring Omtrent het Gedrag (VOG)", "–", Some("https://w3id.org/dpv#BackgroundChecks");
    }
}
