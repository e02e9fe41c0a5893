//! Categories of personal data and of data subjects, and where data comes from: glossary
//! sections 3 (national identification numbers), 4 and 5, and the origin extension.

use super::vocabulary;

vocabulary! {
    /// A category of personal data (RU 2:8 lid 3 e).
    PersonalDataCategory ("personal_data_category") {
        Name => "name", "Name", "Naam", "–", Some("https://w3id.org/dpv/pd#Name");
        ContactDetails => "contact_details", "Contact details", "Contactgegevens", "UM 6", Some("https://w3id.org/dpv/pd#Contact");
        Address => "address", "Address", "Adres", "–", Some("https://w3id.org/dpv/pd#PhysicalAddress");
        DateOfBirth => "date_of_birth", "Date of birth", "Geboortedatum", "–", Some("https://w3id.org/dpv/pd#BirthDate");
        Nationality => "nationality", "Nationality", "Nationaliteit", "–", Some("https://w3id.org/dpv/pd#Nationality");
        StudentNumber => "student_number", "Student number", "Studentnummer", "–", Some("https://w3id.org/dpv/pd#UID");
        StaffNumber => "staff_number", "Staff number", "Personeelsnummer", "–", Some("https://w3id.org/dpv/pd#UID");
        PhotoVideo => "photo_video", "Photos and videos", "Foto's en video's", "UM 4.2", Some("https://w3id.org/dpv/pd#Picture");
        CameraFootage => "camera_footage", "Camera footage", "Camerabeelden", "RU 5:1 lid 3", Some("https://w3id.org/dpv/pd#Picture");
        Grades => "grades", "Grades and results", "Cijfers en studieresultaten", "–", Some("https://w3id.org/dpv/pd#School");
        Enrolment => "enrolment", "Enrolment", "Inschrijvingsgegevens", "–", Some("https://w3id.org/dpv/pd#EducationExperience");
        BankAccount => "bank_account", "Bank account and payments", "Bankrekening en betalingen", "–", Some("https://w3id.org/dpv/pd#BankAccount");
        Health => "health", "Health", "Gezondheid", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#Health");
        Disability => "disability", "Disability", "Functiebeperking", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#Disability");
        Religion => "religion", "Religion or belief", "Religieuze of levensbeschouwelijke overtuiging", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#ReligiousBelief");
        EthnicOrigin => "ethnic_origin", "Racial or ethnic origin", "Ras of etnische afkomst", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#EthnicOrigin");
        PoliticalOpinion => "political_opinion", "Political opinions", "Politieke opvattingen", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#PoliticalOpinion");
        TradeUnion => "trade_union", "Trade-union membership", "Lidmaatschap van een vakbond", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#TradeUnionMembership");
        Genetic => "genetic", "Genetic data", "Genetische gegevens", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#Genetic");
        Biometric => "biometric", "Biometric data (identification)", "Biometrische gegevens (identificatie)", "RU art. 1 lid 2; UAVG 29", Some("https://w3id.org/dpv/pd#Biometric");
        SexualOrientation => "sexual_orientation", "Sexual orientation", "Seksuele geaardheid", "RU art. 1 lid 2", Some("https://w3id.org/dpv/pd#Sexual");
        Criminal => "criminal", "Criminal offences", "Strafrechtelijke gegevens", "GDPR 10; UAVG 31", Some("https://w3id.org/dpv/pd#Criminal");
        Location => "location", "Location", "Locatiegegevens", "–", Some("https://w3id.org/dpv/pd#Location");
        OnlineIdentifier => "online_identifier", "Online identifiers, cookies", "Online identificatoren, cookies", "UM 4.4", Some("https://w3id.org/dpv/pd#Identifier");
        IpAddress => "ip_address", "IP address", "IP-adres", "–", Some("https://w3id.org/dpv/pd#IPAddress");
        CommunicationContent => "communication_content", "Content of communications", "Inhoud van communicatie", "–", Some("https://w3id.org/dpv/pd#Communication");
        SocialMediaProfile => "social_media_profile", "Social-media profile and interactions", "Socialmediaprofiel en interacties", "UM 4.3", Some("https://w3id.org/dpv/pd#SocialMedia");
        Bsn => "bsn", "Citizen service number (BSN)", "Burgerservicenummer (BSN)", "RU 3:3; UAVG 46", Some("https://w3id.org/dpv/pd#OfficialID");
        EducationNumber => "education_number", "Education number", "Onderwijsnummer", "RU 3:3; UAVG 46", Some("https://w3id.org/dpv/pd#OfficialID");
    }
}

impl PersonalDataCategory {
    /// Special categories of RU art. 1 lid 2 / GDPR 9(1): forbidden without an art. 9(2)
    /// exception, and they need stronger security (RU 3:3, LAW-3).
    pub fn is_special(self) -> bool {
        use PersonalDataCategory::*;
        matches!(
            self,
            Health
                | Disability
                | Religion
                | EthnicOrigin
                | PoliticalOpinion
                | TradeUnion
                | Genetic
                | Biometric
                | SexualOrientation
        )
    }

    /// Criminal data (GDPR 10): not a special category, but under the same regime of
    /// exceptions and stronger security (RU 3:3).
    pub fn is_criminal(self) -> bool {
        self == PersonalDataCategory::Criminal
    }

    /// National identification numbers: only with a statutory basis (RU 3:3, UAVG 46, LAW-4).
    pub fn is_national_id(self) -> bool {
        matches!(
            self,
            PersonalDataCategory::Bsn | PersonalDataCategory::EducationNumber
        )
    }
}

vocabulary! {
    /// A category of data subjects (RU 2:8 lid 3 e).
    DataSubjectCategory ("data_subject_category") {
        Student => "student", "Students", "Studenten", "RU preambule; RU 2:4", Some("https://w3id.org/dpv#Student");
        ProspectiveStudent => "prospective_student", "Prospective students", "Aspirant-studenten", "RU 2:3; UM 4.4", None;
        PhdCandidate => "phd_candidate", "PhD candidates", "Promovendi", "–", None;
        Employee => "employee", "Staff", "Medewerkers", "RU 2:5; UM 2", Some("https://w3id.org/dpv#Employee");
        FormerEmployee => "former_employee", "Former staff", "Oud-medewerkers", "RU preambule", None;
        JobApplicant => "job_applicant", "Job applicants", "Sollicitanten", "RU preambule", Some("https://w3id.org/dpv#JobApplicant");
        Alumnus => "alumnus", "Alumni", "Alumni", "RU 2:6", None;
        CourseParticipant => "course_participant", "Course participants", "Cursisten", "RU 2:6", Some("https://w3id.org/dpv#Participant");
        Guest => "guest", "Guests and guest speakers", "Gasten en gastsprekers", "RU preambule; UM 4.3", Some("https://w3id.org/dpv#Visitor");
        Visitor => "visitor", "Visitors", "Bezoekers", "RU preambule", Some("https://w3id.org/dpv#Visitor");
        ExternalRelation => "external_relation", "External relations", "Externe relaties", "RU 2:6", None;
        Child => "child", "Children (under 16)", "Kinderen (jonger dan 16)", "RU 3:2 lid 1 f; UAVG 5", Some("https://w3id.org/dpv#Child");
        Minor => "minor", "Minors (under 18)", "Minderjarigen (jonger dan 18)", "–", None;
        Parent => "parent", "Parents", "Ouders", "–", Some("https://w3id.org/dpv#ParentOfDataSubject");
        WebsiteVisitor => "website_visitor", "Website visitors", "Websitebezoekers", "UM 4.4", Some("https://w3id.org/dpv#User");
        SocialMediaFollower => "social_media_follower", "Social-media followers", "Volgers op sociale media", "UM 4.3", Some("https://w3id.org/dpv#Subscriber");
    }
}

impl DataSubjectCategory {
    /// Children and minors weigh extra in a balancing of interests (RU 3:2 lid 1 f, LAW-2).
    pub fn is_child(self) -> bool {
        matches!(
            self,
            DataSubjectCategory::Child | DataSubjectCategory::Minor
        )
    }
}

vocabulary! {
    /// Where the personal data comes from (RU 2:8 lid 3 d); indirect collection triggers the
    /// one-month information duty (UM 4.1, GDPR 14, LAW-11).
    DataOrigin ("data_origin") {
        DataSubject => "origin_data_subject", "From the data subject", "Van de betrokkene zelf", "RU 2:8 lid 3 d; GDPR 13", Some("https://w3id.org/dpv#DataSubjectDataSource");
        University => "origin_university", "From another part of the university", "Van een ander onderdeel van de universiteit", "RU 2:8 lid 3 d", Some("https://w3id.org/dpv#DataControllerDataSource");
        ThirdParty => "origin_third_party", "From a third party", "Van een derde", "RU 2:8 lid 3 d; GDPR 14", Some("https://w3id.org/dpv#ThirdPartyDataSource");
        PublicSource => "origin_public_source", "From public sources", "Uit openbare bronnen", "RU 2:8 lid 3 d; GDPR 14(2)(f)", Some("https://w3id.org/dpv#PublicDataSource");
    }
}

impl DataOrigin {
    /// Data not obtained from the subject: GDPR 14 applies. Data passed on by another part
    /// of the university stays with the same controller, which informed the subject when it
    /// collected the data (GDPR 13), so it is not indirect.
    pub fn is_indirect(self) -> bool {
        matches!(self, DataOrigin::ThirdParty | DataOrigin::PublicSource)
    }
}
