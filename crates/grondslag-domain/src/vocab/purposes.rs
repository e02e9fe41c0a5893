//! Purposes of processing (RU 2:8 lid 3 a): glossary section 6.

use super::vocabulary;

vocabulary! {
    /// A purpose of a processing activity.
    Purpose ("purpose") {
        Education => "education", "Education", "Verzorgen van onderwijs", "–", Some("https://w3id.org/dpv/sector/education#ServiceProvision");
        StudentAdministration => "student_administration", "Student administration", "Studentenadministratie", "RU 2:4", Some("https://w3id.org/dpv/sector/education#StudentManagement");
        AdmissionEnrolment => "admission_enrolment", "Admission and enrolment", "Toelating en inschrijving", "–", Some("https://w3id.org/dpv/sector/education#StudentEnrolmentManagement");
        Assessment => "assessment", "Assessment and examination", "Toetsing en examinering", "–", Some("https://w3id.org/dpv/sector/education#StudentPerformanceAssessment");
        ScientificResearch => "scientific_research", "Scientific research (outside RU)", "Wetenschappelijk onderzoek (buiten de regeling)", "RU preambule", Some("https://w3id.org/dpv#AcademicResearch");
        HumanResources => "human_resources", "Human resource management", "Personeelsbeheer", "RU 2:5", Some("https://w3id.org/dpv/sector/education#StaffManagement");
        StaffRecruitment => "staff_recruitment", "Staff recruitment", "Werving en selectie van personeel", "–", Some("https://w3id.org/dpv#RecruitmentManagement");
        AlumniRelations => "alumni_relations", "Alumni relations", "Alumnirelaties", "RU 2:6", None;
        StudentRecruitment => "student_recruitment", "Student recruitment and marketing", "Studentenwerving en marketing", "RU 2:3; UM 4.4", Some("https://w3id.org/dpv#Marketing");
        DirectMarketing => "direct_marketing", "Direct marketing", "Direct marketing", "RU 4:4 lid 2", Some("https://w3id.org/dpv#DirectMarketing");
        SocialMediaMarketing => "social_media_marketing", "Social-media marketing", "Marketing via sociale media", "UM 1", Some("https://w3id.org/dpv#SocialMediaMarketing");
        Communication => "communication", "Communication", "Communicatie en voorlichting", "UM 4.2", Some("https://w3id.org/dpv#CommunicationManagement");
        ReputationMonitoring => "reputation_monitoring", "Reputation monitoring", "Reputatiemonitoring", "UM 5", Some("https://w3id.org/dpv#PublicRelations");
        Security => "security", "Security", "Beveiliging", "RU 5:1 lid 1", Some("https://w3id.org/dpv#EnforceSecurity");
        ItServices => "it_services", "IT services", "ICT-dienstverlening", "–", Some("https://w3id.org/dpv#TechnicalServiceProvision");
    }
}
