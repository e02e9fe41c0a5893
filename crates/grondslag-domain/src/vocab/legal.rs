//! Legal bases (GDPR 6(1)), special-category exceptions (GDPR 9(2)) and transfer mechanisms
//! (GDPR 45-49): glossary sections 3 and 7.

use super::vocabulary;

vocabulary! {
    /// The six bases of GDPR art. 6(1) (LAW-1, RU 3:2).
    LegalBasis ("legal_basis") {
        Consent => "consent", "Consent", "Toestemming", "RU 3:2 lid 1 a; GDPR 6(1)(a)", Some("https://w3id.org/dpv/legal/eu/gdpr#A6-1-a");
        Contract => "contract", "Contract", "Uitvoering van een overeenkomst", "RU 3:2 lid 1 b; GDPR 6(1)(b)", Some("https://w3id.org/dpv/legal/eu/gdpr#A6-1-b");
        LegalObligation => "legal_obligation", "Legal obligation", "Wettelijke verplichting", "RU 3:2 lid 1 c; GDPR 6(1)(c)", Some("https://w3id.org/dpv/legal/eu/gdpr#A6-1-c");
        VitalInterests => "vital_interests", "Vital interests", "Vitale belangen", "RU 3:2 lid 1 d; GDPR 6(1)(d)", Some("https://w3id.org/dpv/legal/eu/gdpr#A6-1-d");
        PublicTask => "public_task", "Public task", "Taak van algemeen belang of openbaar gezag", "RU 3:2 lid 1 e; GDPR 6(1)(e)", Some("https://w3id.org/dpv/legal/eu/gdpr#A6-1-e");
        LegitimateInterests => "legitimate_interests", "Legitimate interests", "Gerechtvaardigd belang", "RU 3:2 lid 1 f; UM 3.1; GDPR 6(1)(f)", Some("https://w3id.org/dpv/legal/eu/gdpr#A6-1-f");
    }
}

vocabulary! {
    /// Exceptions that lift the ban on special categories (GDPR 9(2); UAVG 22-30; LAW-3).
    Art9Exception ("art9_exception") {
        ExplicitConsent => "art9_explicit_consent", "Explicit consent", "Uitdrukkelijke toestemming", "GDPR 9(2)(a)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-a");
        EmploymentLaw => "art9_employment_law", "Employment and social-security law", "Arbeidsrecht en sociale zekerheid", "GDPR 9(2)(b)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-b");
        VitalInterests => "art9_vital_interests", "Vital interests, no consent possible", "Vitale belangen, toestemming niet mogelijk", "GDPR 9(2)(c)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-c");
        NotForProfit => "art9_not_for_profit", "Not-for-profit body", "Instantie zonder winstoogmerk", "GDPR 9(2)(d)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-d");
        MadePublic => "art9_made_public", "Manifestly made public", "Kennelijk openbaar gemaakt door de betrokkene", "GDPR 9(2)(e)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-e");
        LegalClaims => "art9_legal_claims", "Legal claims", "Rechtsvordering", "GDPR 9(2)(f)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-f");
        SubstantialPublicInterest => "art9_substantial_public_interest", "Substantial public interest", "Zwaarwegend algemeen belang", "GDPR 9(2)(g); UAVG 23", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-g");
        HealthCare => "art9_health_care", "Health care, occupational medicine", "Gezondheidszorg, arbeidsgeneeskunde", "GDPR 9(2)(h); UAVG 30", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-h");
        PublicHealth => "art9_public_health", "Public health", "Volksgezondheid", "GDPR 9(2)(i)", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-i");
        ResearchStatistics => "art9_research_statistics", "Archiving, research, statistics", "Archivering, wetenschappelijk onderzoek, statistiek", "GDPR 9(2)(j); UAVG 24", Some("https://w3id.org/dpv/legal/eu/gdpr#A9-2-j");
        CriminalOfficialAuthority => "art10_official_authority", "Criminal data under official authority", "Strafrechtelijke gegevens onder toezicht van de overheid", "GDPR 10", None;
        CriminalStatutoryException => "art10_statutory_exception", "Criminal data under a UAVG exception", "Strafrechtelijke gegevens met UAVG-uitzondering", "GDPR 10; UAVG 32, 33", None;
    }
}

vocabulary! {
    /// How a transfer outside the EEA is made lawful (RU 3:9 lid 4; LAW-8).
    TransferMechanism ("transfer_mechanism") {
        AdequacyDecision => "adequacy_decision", "Adequacy decision", "Adequaatheidsbesluit", "RU 3:9 lid 4 a; GDPR 45", Some("https://w3id.org/dpv/legal/eu/gdpr#A45-3");
        PublicBodiesInstrument => "public_bodies_instrument", "Instrument between public bodies", "Bindend instrument tussen overheidsinstanties", "GDPR 46(2)(a)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-2-a");
        BindingCorporateRules => "binding_corporate_rules", "Binding corporate rules (BCR)", "Bindende bedrijfsvoorschriften (BCR)", "GDPR 46(2)(b), 47", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-2-b");
        SccCommission => "scc_commission", "Standard contractual clauses (SCC)", "Standaardcontractbepalingen (SCC)", "GDPR 46(2)(c)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-2-c");
        SccSupervisoryAuthority => "scc_supervisory_authority", "SCC of a supervisory authority", "Standaardbepalingen van een toezichthouder", "GDPR 46(2)(d)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-2-d");
        CodeOfConduct => "code_of_conduct", "Code of conduct", "Gedragscode", "GDPR 46(2)(e)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-2-e");
        Certification => "certification", "Certification", "Certificering", "GDPR 46(2)(f)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-2-f");
        AuthorisedClauses => "authorised_clauses", "Clauses authorised by the AP", "Door de AP goedgekeurde contractbepalingen", "GDPR 46(3)(a)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-3-a");
        AdministrativeArrangement => "administrative_arrangement", "Administrative arrangement", "Bestuursrechtelijke regeling", "GDPR 46(3)(b)", Some("https://w3id.org/dpv/legal/eu/gdpr#A46-3-b");
        DerogationExplicitConsent => "derogation_explicit_consent", "Explicit consent", "Uitdrukkelijke toestemming", "GDPR 49(1)(a)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-a");
        DerogationContract => "derogation_contract", "Contract with the data subject", "Overeenkomst met de betrokkene", "GDPR 49(1)(b)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-b");
        DerogationContractForSubject => "derogation_contract_for_subject", "Contract in the subject's interest", "Overeenkomst in het belang van de betrokkene", "GDPR 49(1)(c)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-c");
        DerogationPublicInterest => "derogation_public_interest", "Important public interest", "Gewichtige redenen van algemeen belang", "GDPR 49(1)(d)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-d");
        DerogationLegalClaims => "derogation_legal_claims", "Legal claims", "Rechtsvordering", "GDPR 49(1)(e)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-e");
        DerogationVitalInterests => "derogation_vital_interests", "Vital interests", "Vitale belangen", "GDPR 49(1)(f)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-f");
        DerogationPublicRegister => "derogation_public_register", "Public register", "Openbaar register", "GDPR 49(1)(g)", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-1-g");
        DerogationCompellingInterests => "derogation_compelling_interests", "Compelling legitimate interests", "Dwingende gerechtvaardigde belangen", "GDPR 49(1) 2nd subpar.", Some("https://w3id.org/dpv/legal/eu/gdpr#A49-2");
    }
}
