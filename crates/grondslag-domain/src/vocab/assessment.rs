//! Terms of legitimate-interest assessments and DPIAs (LAW-2, LAW-6), and of how consent is
//! collected (CON-1, CON-2): glossary sections 9, 10 and 13.

use super::vocabulary;

vocabulary! {
    /// The nine criteria of the EDPB guidelines WP248: two or more usually mean a DPIA is
    /// required (RU 3:4 lid 2).
    Wp248Criterion ("wp248_criterion") {
        EvaluationScoring => "evaluation_scoring", "Evaluation or scoring", "Evaluatie of scoretoekenning", "WP248 1", Some("https://w3id.org/dpv#EvaluationScoring");
        AutomatedDecision => "automated_decision", "Automated decision with legal or similar effect", "Geautomatiseerde besluitvorming met rechtsgevolg", "WP248 2", Some("https://w3id.org/dpv#AutomatedDecisionMaking");
        SystematicMonitoring => "systematic_monitoring", "Systematic monitoring", "Stelselmatige monitoring", "WP248 3", Some("https://w3id.org/dpv#SystematicMonitoring");
        SensitiveData => "sensitive_data", "Sensitive or highly personal data", "Gevoelige gegevens of gegevens van zeer persoonlijke aard", "WP248 4", Some("https://w3id.org/dpv#SensitivePersonalData");
        LargeScale => "large_scale", "Large-scale processing", "Grootschalige verwerking", "WP248 5", Some("https://w3id.org/dpv#LargeScaleProcessing");
        MatchingDatasets => "matching_datasets", "Matching or combining datasets", "Matching of samenvoeging van datasets", "WP248 6", Some("https://w3id.org/dpv#Match");
        VulnerableSubjects => "vulnerable_subjects", "Vulnerable data subjects", "Kwetsbare betrokkenen", "WP248 7", Some("https://w3id.org/dpv#VulnerableDataSubject");
        InnovativeTechnology => "innovative_technology", "Innovative use of new technology", "Innovatief gebruik van nieuwe technologie", "WP248 8", Some("https://w3id.org/dpv#InnovativeUseOfNewTechnologies");
        BlocksRightOrService => "blocks_right_or_service", "Prevents exercising a right or using a service", "Blokkering van een recht, dienst of overeenkomst", "WP248 9", Some("https://w3id.org/dpv#ServiceAccessDetermination");
    }
}

vocabulary! {
    /// The AP's list of processing types that always need a DPIA (Staatscourant 2019, 64418).
    ApListType ("ap_list_type") {
        CovertInvestigation => "ap_covert_investigation", "Covert investigation", "Heimelijk onderzoek", "AP 1", None;
        Blacklists => "ap_blacklists", "Blacklists", "Zwarte lijsten", "AP 2", None;
        FraudPrevention => "ap_fraud_prevention", "Fraud prevention", "Fraudebestrijding", "AP 3", Some("https://w3id.org/dpv#FraudPreventionAndDetection");
        CreditScores => "ap_credit_scores", "Credit scores", "Creditscores", "AP 4", Some("https://w3id.org/dpv/pd#CreditScore");
        FinancialSituation => "ap_financial_situation", "Financial situation", "Financiële situatie", "AP 5", Some("https://w3id.org/dpv/pd#FinancialStatus");
        GeneticData => "ap_genetic_data", "Genetic personal data", "Genetische persoonsgegevens", "AP 6", Some("https://w3id.org/dpv/pd#Genetic");
        HealthData => "ap_health_data", "Health data", "Gezondheidsgegevens", "AP 7", Some("https://w3id.org/dpv/pd#Health");
        Partnerships => "ap_partnerships", "Partnerships (data sharing)", "Samenwerkingsverbanden", "AP 8", None;
        CameraSurveillance => "ap_camera_surveillance", "Camera surveillance", "Cameratoezicht", "AP 9", Some("https://w3id.org/dpv#PhysicalSurveillance");
        FlexibleCameraSurveillance => "ap_flexible_camera_surveillance", "Flexible camera surveillance", "Flexibel cameratoezicht", "AP 10", None;
        EmployeeMonitoring => "ap_employee_monitoring", "Monitoring of employees", "Controle werknemers", "AP 11", Some("https://w3id.org/dpv#PersonnelMonitoring");
        LocationData => "ap_location_data", "Location data", "Locatiegegevens", "AP 12", Some("https://w3id.org/dpv/pd#Location");
        CommunicationData => "ap_communication_data", "Communication data", "Communicatiegegevens", "AP 13", Some("https://w3id.org/dpv/pd#CommunicationsMetadata");
        InternetOfThings => "ap_internet_of_things", "Internet of things", "Internet of things", "AP 14", None;
        Profiling => "ap_profiling", "Profiling", "Profilering", "AP 15", Some("https://w3id.org/dpv#Profiling");
        BehaviourObservation => "ap_behaviour_observation", "Observation and influencing of behaviour", "Observatie en beïnvloeding van gedrag", "AP 16", None;
        BiometricData => "ap_biometric_data", "Biometric data", "Biometrische gegevens", "AP 17", Some("https://w3id.org/dpv/pd#Biometric");
    }
}

vocabulary! {
    /// How the balancing of a legitimate-interest assessment came out (UM 3.1 ad 3).
    LiaOutcome ("lia_outcome") {
        InterestPrevails => "interest_prevails", "The university's interest prevails", "Het belang van de universiteit weegt zwaarder", "UM 3.1 ad 3", None;
        SubjectsPrevail => "subjects_prevail", "The data subjects' interests prevail", "De belangen van de betrokkenen wegen zwaarder", "UM 3.1 ad 3", None;
    }
}

vocabulary! {
    /// The FG's decision on an assessment (RU 2:7 lid 5 b).
    ReviewDecision ("review_decision") {
        Approved => "lia_approved", "Approved by the DPO", "Goedgekeurd door de FG", "RU 2:7 lid 5", None;
        Rejected => "lia_rejected", "Rejected by the DPO", "Afgewezen door de FG", "RU 2:7 lid 5", None;
        Escalated => "lia_escalated", "Referred to the Board", "Voorgelegd aan het CvB", "RU 2:7 lid 5 b", None;
    }
}

vocabulary! {
    /// The three risks a DPIA weighs, as the CNIL's PIA method structures them.
    RiskKind ("risk_kind") {
        IllegitimateAccess => "illegitimate_access", "Illegitimate access to data", "Onrechtmatige toegang tot gegevens", "GDPR 32(2); CNIL PIA", None;
        UnwantedModification => "unwanted_modification", "Unwanted modification of data", "Ongewenste wijziging van gegevens", "GDPR 32(2); CNIL PIA", None;
        Disappearance => "disappearance", "Disappearance of data", "Verdwijnen van gegevens", "GDPR 32(2); CNIL PIA", None;
    }
}

vocabulary! {
    /// Severity or likelihood of a risk, on the CNIL's four-step scale.
    RiskLevel ("risk_level") {
        Negligible => "negligible", "Negligible", "Verwaarloosbaar", "CNIL PIA", None;
        Limited => "limited", "Limited", "Beperkt", "CNIL PIA", None;
        Significant => "significant", "Significant", "Aanzienlijk", "CNIL PIA", None;
        Maximum => "maximum", "Maximum", "Maximaal", "CNIL PIA", None;
    }
}

vocabulary! {
    /// What remains after the measures of a DPIA (GDPR 35(7)(d), 36(1)).
    ResidualRisk ("residual_risk") {
        Acceptable => "risks_acceptable", "Residual risk acceptable", "Restrisico aanvaardbaar", "GDPR 35(7)(d)", Some("https://w3id.org/dpv/legal/eu/gdpr#DPIAOutcomeRisksAcceptable");
        High => "high_residual_risk", "High residual risk", "Hoog restrisico", "GDPR 36(1)", Some("https://w3id.org/dpv/legal/eu/gdpr#DPIAOutcomeHighResidualRisk");
    }
}

vocabulary! {
    /// How consent is given and recorded (CON-1).
    ConsentMethod ("consent_method") {
        WebForm => "web_form", "Web form", "Webformulier", "UM 4.3", None;
        CookieBanner => "cookie_banner", "Cookie banner", "Cookiebanner", "UM 4.3, 4.4", None;
        AtEnrolment => "at_enrolment", "At enrolment", "Bij inschrijving", "UM 6", None;
        OnPaper => "on_paper", "On paper", "Op papier", "–", None;
        Verbal => "verbal", "Verbally", "Mondeling", "–", None;
    }
}
