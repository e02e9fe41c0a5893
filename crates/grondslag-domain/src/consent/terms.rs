//! The vocabulary of the consent ledger (docs/glossary.md §10 and §13). Where the shared
//! glossary already names a concept (`consent_withdrawn`, `gpc_signal`, `restriction`, ...),
//! the event types and decision reasons use that name and its labels unchanged.

use crate::vocab::vocabulary;

vocabulary! {
    /// What kind of identifier names a subject in the ledger. Each is normalised before it is
    /// keyed (`SubjectId::parse`).
    IdentifierKind ("ledger_identifier") {
        Email => "email", "E-mail address", "E-mailadres", "RU 4:2; GDPR 15", Some("https://w3id.org/dpv/pd#EmailAddress");
        Phone => "phone", "Telephone number", "Telefoonnummer", "RU 4:2; GDPR 15", Some("https://w3id.org/dpv/pd#TelephoneNumber");
        StudentNumber => "student_number", "Student number", "Studentnummer", "–", Some("https://w3id.org/dpv/pd#UID");
        StaffNumber => "staff_number", "Staff number", "Personeelsnummer", "–", Some("https://w3id.org/dpv/pd#UID");
    }
}

vocabulary! {
    /// The states of a consent, as DPV names them (ISO/IEC TS 27560 receipts). The ledger
    /// itself produces `consent_given`, `consent_renewed` and `consent_withdrawn`; the others
    /// are there so that receipts and imports can say them.
    ConsentStatus ("consent_status") {
        Requested => "consent_requested", "Requested", "Gevraagd", "–", Some("https://w3id.org/dpv#ConsentRequested");
        Deferred => "consent_deferred", "Deferred", "Uitgesteld", "–", Some("https://w3id.org/dpv#ConsentRequestDeferred");
        Given => "consent_given", "Given", "Gegeven", "RU 3:2 lid 1 a", Some("https://w3id.org/dpv#ConsentGiven");
        Renewed => "consent_renewed", "Renewed", "Vernieuwd", "–", Some("https://w3id.org/dpv#RenewedConsentGiven");
        Refused => "consent_refused", "Refused", "Geweigerd", "–", Some("https://w3id.org/dpv#ConsentRefused");
        Withdrawn => "consent_withdrawn", "Withdrawn", "Ingetrokken", "RU 4:7", Some("https://w3id.org/dpv#ConsentWithdrawn");
        Revoked => "consent_revoked", "Revoked by another party", "Vervallen verklaard", "–", Some("https://w3id.org/dpv#ConsentRevoked");
        Expired => "consent_expired", "Expired", "Verlopen", "–", Some("https://w3id.org/dpv#ConsentExpired");
        Invalidated => "consent_invalidated", "Invalid", "Ongeldig", "RU art. 1 lid 12", Some("https://w3id.org/dpv#ConsentInvalidated");
        Unknown => "consent_unknown", "Unknown", "Onbekend", "–", Some("https://w3id.org/dpv#ConsentUnknown");
    }
}

vocabulary! {
    /// The kind of an event in the ledger: the `type` of its JSON.
    EventType ("consent_event") {
        ConsentGiven => "consent_given", "Given", "Gegeven", "RU 3:2 lid 1 a", Some("https://w3id.org/dpv#ConsentGiven");
        ConsentRenewed => "consent_renewed", "Renewed", "Vernieuwd", "–", Some("https://w3id.org/dpv#RenewedConsentGiven");
        ConsentWithdrawn => "consent_withdrawn", "Withdrawn", "Ingetrokken", "RU 4:7", Some("https://w3id.org/dpv#ConsentWithdrawn");
        Objection => "objection", "Objection", "Bezwaar", "RU 4:4; GDPR 21(1)", Some("https://w3id.org/dpv#ObjectingToProcess");
        DirectMarketingObjection => "direct_marketing_objection", "Objection to direct marketing", "Bezwaar tegen direct marketing", "RU 4:4 lid 2; GDPR 21(2)", None;
        RetargetingObjection => "retargeting_objection", "Objection to retargeting", "Bezwaar tegen retargeting", "UM 4.4", None;
        GpcSignal => "gpc_signal", "Global Privacy Control signal", "GPC-signaal", "GDPR 21(5)", None;
        ObjectionUpheld => "objection_upheld", "Objection upheld by the DPO", "Bezwaar gegrond verklaard door de FG", "RU 4:4 lid 3; GDPR 21(1)", None;
        ObjectionRejected => "objection_rejected", "Objection rejected by the DPO", "Bezwaar ongegrond verklaard door de FG", "RU 4:4 lid 3; GDPR 21(1)", None;
        ObjectionWithdrawn => "objection_withdrawn", "Objection withdrawn by the data subject", "Bezwaar ingetrokken door de betrokkene", "–", None;
        RestrictionSet => "restriction_set", "Restriction set", "Beperking ingesteld", "RU 4:5; GDPR 18(1)", None;
        RestrictionLifted => "restriction_lifted", "Restriction lifted", "Beperking opgeheven", "RU 4:5; GDPR 18(3)", None;
    }
}

vocabulary! {
    /// What a subject objects to (RU 4:4, GDPR 21). Only `objection` is weighed by the FG;
    /// the other three are honoured without weighing.
    ObjectionKind ("objection_kind") {
        Objection => "objection", "Objection", "Bezwaar", "RU 4:4; GDPR 21(1)", Some("https://w3id.org/dpv#ObjectingToProcess");
        DirectMarketing => "direct_marketing_objection", "Objection to direct marketing", "Bezwaar tegen direct marketing", "RU 4:4 lid 2; GDPR 21(2)", None;
        Retargeting => "retargeting_objection", "Objection to retargeting", "Bezwaar tegen retargeting", "UM 4.4", None;
        Gpc => "gpc_signal", "Global Privacy Control signal", "GPC-signaal", "GDPR 21(5)", None;
    }
}

vocabulary! {
    /// Why a decision came out as it did (`decide`).
    Reason ("decision_reason") {
        ConsentInForce => "consent_in_force", "Consent in force", "Toestemming van kracht", "RU 3:2 lid 1 a; GDPR 6(1)(a)", Some("https://w3id.org/dpv#ConsentStatusValidForProcessing");
        BasisNotConsent => "basis_not_consent", "The legal basis does not need consent", "De grondslag vereist geen toestemming", "RU 3:2 lid 1 b–f", None;
        ObjectionRejected => "objection_rejected", "Objection rejected by the DPO", "Bezwaar ongegrond verklaard door de FG", "RU 4:4 lid 3; GDPR 21(1)", None;
        NoConsent => "no_consent", "No consent recorded", "Geen toestemming vastgelegd", "UM 4.2", None;
        ConsentWithdrawn => "consent_withdrawn", "Withdrawn", "Ingetrokken", "RU 4:7", Some("https://w3id.org/dpv#ConsentWithdrawn");
        ExplicitConsentRequired => "explicit_consent_required", "Explicit consent required; only ordinary consent given", "Uitdrukkelijke toestemming vereist; alleen gewone toestemming gegeven", "RU 4:8 lid 2; UM 4.3", None;
        DirectMarketingObjection => "direct_marketing_objection", "Objection to direct marketing", "Bezwaar tegen direct marketing", "RU 4:4 lid 2; GDPR 21(3)", None;
        RetargetingObjection => "retargeting_objection", "Objection to retargeting", "Bezwaar tegen retargeting", "UM 4.4", None;
        GpcSignal => "gpc_signal", "Global Privacy Control signal", "GPC-signaal", "GDPR 21(5)", None;
        ObjectionPending => "objection_pending", "Objection awaiting the DPO's assessment", "Bezwaar in afwachting van het oordeel van de FG", "RU 4:4 lid 3; GDPR 18(1)(d)", None;
        ObjectionUpheld => "objection_upheld", "Objection upheld by the DPO", "Bezwaar gegrond verklaard door de FG", "RU 4:4 lid 3; GDPR 21(1)", None;
        Restriction => "restriction", "Restriction of processing", "Beperking van de verwerking", "RU 4:5; GDPR 18", Some("https://w3id.org/dpv#Restrict");
    }
}

impl Reason {
    /// Whether processing may go ahead for this reason. Only consent in force, a basis that
    /// needs no consent, and a rejected objection allow it.
    pub fn allows(self) -> bool {
        matches!(
            self,
            Reason::ConsentInForce | Reason::BasisNotConsent | Reason::ObjectionRejected
        )
    }
}

vocabulary! {
    /// Who put an event in the ledger: another system of the university (the website, the
    /// CRM) or a staff member (a paper form, a verbal consent, the FG's assessment).
    RecorderKind ("recorder_kind") {
        System => "system", "System (application)", "Systeem (applicatie)", "–", None;
        Staff => "staff_member", "Staff member", "Medewerker", "UM 1", None;
    }
}
