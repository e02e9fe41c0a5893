//! The words of data-subject requests: the rights (DSR-1), the states (RU 4:11), the reasons
//! to extend and the grounds to refuse (DSR-3, DSR-6), and how a request came in and how the
//! requester's identity was established (DSR-2). Glossary §11, and §13 for the last two.

use crate::vocab::vocabulary;

vocabulary! {
    /// A right a data subject can exercise (DSR-1, RU ch. 4). One request can ask for several.
    Right ("right") {
        Information => "right_to_information", "Right to information", "Recht op informatie", "RU 4:1; GDPR 13, 14", Some("https://w3id.org/dpv/legal/eu/gdpr#A13");
        Access => "right_of_access", "Right of access", "Inzagerecht", "RU 4:2; GDPR 15", Some("https://w3id.org/dpv/legal/eu/gdpr#A15");
        Rectification => "right_to_rectification", "Right to rectification", "Recht op rectificatie en aanvulling", "RU 4:3, 4:5; GDPR 16", Some("https://w3id.org/dpv/legal/eu/gdpr#A16");
        Erasure => "right_to_erasure", "Right to erasure", "Recht op verwijdering", "RU 4:3, 4:5; GDPR 17", Some("https://w3id.org/dpv/legal/eu/gdpr#A17");
        Restriction => "right_to_restriction", "Right to restriction", "Recht op beperking van de verwerking", "RU 4:5; GDPR 18", Some("https://w3id.org/dpv/legal/eu/gdpr#A18");
        Portability => "right_to_portability", "Right to data portability", "Recht op gegevensoverdraagbaarheid", "RU 4:6; GDPR 20", Some("https://w3id.org/dpv/legal/eu/gdpr#A20");
        Object => "right_to_object", "Right to object", "Recht van bezwaar", "RU 4:4; GDPR 21", Some("https://w3id.org/dpv/legal/eu/gdpr#A21");
        WithdrawConsent => "right_to_withdraw_consent", "Right to withdraw consent", "Intrekken van toestemming", "RU 4:7; GDPR 7(3)", Some("https://w3id.org/dpv/legal/eu/gdpr#A7-3");
        AutomatedDecisions => "right_on_automated_decisions", "Automated individual decision-making", "Geautomatiseerde individuele besluitvorming", "RU 4:8; GDPR 22", Some("https://w3id.org/dpv/legal/eu/gdpr#A22");
        Opposition => "right_of_opposition", "Right of opposition (verzet)", "Recht van verzet", "RU 4:10", None;
    }
}

vocabulary! {
    /// Where a request stands (RU 4:11).
    RequestState ("request_state") {
        Received => "received", "Received", "Ontvangen", "RU 4:11 lid 1", Some("https://w3id.org/dpv#RequestInitiated");
        IdentityVerified => "identity_verified", "Identity verified", "Identiteit vastgesteld", "RU 4:11 lid 2", None;
        InProgress => "in_progress", "In progress", "In behandeling", "RU 4:11 lid 4", Some("https://w3id.org/dpv#RequestAccepted");
        Extended => "extended", "Extended", "Verlengd", "RU 4:11 lid 4", Some("https://w3id.org/dpv#RequestActionDelayed");
        Completed => "completed", "Completed", "Afgehandeld", "RU 4:11 lid 4", Some("https://w3id.org/dpv#RequestFulfilled");
        Refused => "refused", "Refused", "Afgewezen", "RU 4:11 lid 5", Some("https://w3id.org/dpv#RequestRejected");
        Withdrawn => "withdrawn", "Withdrawn", "Ingetrokken", "–", None;
    }
}

vocabulary! {
    /// Why a request needs more than one month (RU 4:11 lid 4; GDPR 12(3)).
    ExtensionReason ("extension_reason") {
        Complexity => "complexity", "Complexity of the request", "Complexiteit van het verzoek", "RU 4:11 lid 4", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA12Complexity");
        NumberOfRequests => "number_of_requests", "Number of requests", "Aantal verzoeken", "RU 4:11 lid 4", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA12HighVolume");
    }
}

vocabulary! {
    /// The ground of a refusal or of a limitation of a right (RU 4:9, RU 4:11 lid 5; DSR-6).
    /// The `limit_*` grounds are those of UAVG 41(1) = GDPR 23(1).
    RefusalGround ("refusal_ground") {
        ManifestlyUnfounded => "manifestly_unfounded", "Manifestly unfounded", "Kennelijk ongegrond", "GDPR 12(5)", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA12ManifestlyUnfounded");
        Abusive => "abusive", "Excessive or abusive", "Buitensporig of misbruik", "RU 4:11 lid 3; GDPR 12(5)", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA12ManifestlyExcessive");
        IdentityNotEstablished => "identity_not_established", "Identity not established", "Identiteit niet vastgesteld", "RU 4:11 lid 2", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA12IdentityFailure");
        LegalRetentionDuty => "legal_retention_duty", "Legal duty to keep", "Wettelijke bewaarplicht", "GDPR 17(3)(b)", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA17LegallyRequired");
        LegalClaims => "legal_claims", "Needed for legal claims", "Nodig voor een rechtsvordering", "RU 4:5; GDPR 17(3)(e)", Some("https://w3id.org/dpv/legal/eu/gdpr#JustificationA17LegalClaims");
        CompellingGrounds => "compelling_grounds", "Overriding legitimate grounds", "Zwaarder wegend gerechtvaardigd belang", "RU 4:4 lid 3", None;
        NationalSecurity => "limit_national_security", "National security", "Nationale veiligheid", "UAVG 41(1)(a)", None;
        Defence => "limit_defence", "Defence", "Landsverdediging", "UAVG 41(1)(b)", None;
        PublicSecurity => "limit_public_security", "Public security", "Openbare veiligheid", "UAVG 41(1)(c)", None;
        CriminalOffences => "limit_criminal_offences", "Criminal offences", "Strafbare feiten", "UAVG 41(1)(d)", None;
        PublicInterest => "limit_public_interest", "Other important public interest", "Ander belangrijk algemeen belang", "UAVG 41(1)(e)", None;
        JudicialProceedings => "limit_judicial_proceedings", "Judicial independence, proceedings", "Onafhankelijkheid rechter, gerechtelijke procedures", "UAVG 41(1)(f)", None;
        ProfessionalEthics => "limit_professional_ethics", "Ethics of regulated professions", "Beroepscodes gereglementeerde beroepen", "UAVG 41(1)(g)", None;
        Supervision => "limit_supervision", "Supervision, inspection, regulation", "Toezicht, inspectie, regelgeving", "UAVG 41(1)(h)", None;
        RightsOfOthers => "limit_rights_of_others", "Protection of subject or others", "Bescherming betrokkene of rechten van anderen", "UAVG 41(1)(i)", None;
        CivilClaims => "limit_civil_claims", "Civil-law claims", "Civielrechtelijke vorderingen", "UAVG 41(1)(j)", None;
    }
}

vocabulary! {
    /// How a request reached the university (RU 4:11 lid 1: requests come in through the FG).
    Channel ("request_channel") {
        WebForm => "web_form", "Public web form", "Openbaar webformulier", "RU 4:11 lid 1", None;
        Email => "email", "E-mail", "E-mail", "RU 4:11 lid 1", None;
        Letter => "letter", "Letter", "Brief", "RU 4:11 lid 1", None;
        Phone => "phone", "Telephone", "Telefoon", "RU 4:11 lid 1", None;
        InPerson => "in_person", "In person", "Persoonlijk", "RU 4:11 lid 1", None;
        Api => "api", "Another system (API)", "Ander systeem (API)", "RU 4:11 lid 1", None;
        OpenDsr => "opendsr", "Another system (OpenDSR)", "Ander systeem (OpenDSR)", "RU 4:11 lid 1", None;
    }
}

vocabulary! {
    /// How the requester's identity was established before anything is disclosed or changed
    /// (RU 4:11 lid 2; DSR-2).
    VerificationMethod ("verification_method") {
        EmailCode => "email_code", "Control of the e-mail address (one-time code)", "Beheer van het e-mailadres (eenmalige code)", "RU 4:11 lid 2", None;
        UniversityAccount => "university_account", "Signed in with a university account", "Ingelogd met een universiteitsaccount", "RU 4:11 lid 2", None;
        KnownContactDetails => "known_contact_details", "Matches contact details on record", "Komt overeen met bekende contactgegevens", "RU 4:11 lid 2", None;
        IdentityDocument => "identity_document", "Identity document seen (copy not kept)", "Identiteitsbewijs gezien (geen kopie bewaard)", "RU 4:11 lid 2; UAVG 46", None;
        InPerson => "in_person_check", "Checked in person", "Persoonlijk gecontroleerd", "RU 4:11 lid 2", None;
    }
}
