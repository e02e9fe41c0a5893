//! Benchmark of the register (docs/benchmarks.md): a generated register of 10,000 activities
//! with 10 versions each is imported with the real `grondslag` binary, served by
//! `grondslag serve`, and its list is queried over HTTP with filters and search.
//!
//! Run it with the release binary built first:
//!
//! ```text
//! cargo build --release -p grondslag
//! GRONDSLAG_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p grondslag --bench register
//! ```
//!
//! Without `GRONDSLAG_BENCH_POSTGRES_URL` only SQLite is measured. On PostgreSQL the bench
//! creates, and afterwards drops, its own database `grondslag_bench` on that server.
//!
//! Other settings (environment):
//! - `GRONDSLAG_BENCH_ACTIVITIES`: activities to generate (default 10000);
//! - `GRONDSLAG_BENCH_REQUESTS`: API requests per mix (default 2000);
//! - `GRONDSLAG_BENCH_BACKENDS`: `sqlite`, `postgres` or `sqlite,postgres` (default: both
//!   when a PostgreSQL URL is given);
//! - `GRONDSLAG_BENCH_KEEP=1`: keep the databases and the generated file for inspection;
//! - `GRONDSLAG_BENCH_PG_ANALYZE`: `auto` (default), `1` or `0`: whether to run ANALYZE on
//!   PostgreSQL after the import (see [`pg_statistics`]);
//! - `GRONDSLAG_BENCH_BIN`: the `grondslag` binary (default `target/release/grondslag`);
//! - `GRONDSLAG_BENCH_ROLE`: the role of the bench user (default `data_protection_officer`,
//!   who reads the whole register; e.g. `privacy_manager:fnwi` for a scoped list).
//!
//! The bench only talks to 127.0.0.1. Under `cargo test --benches` (no `--bench` argument)
//! it only generates a small register and checks that it parses.

use anyhow::{bail, ensure, Context, Result};
use chrono::{TimeDelta as Days, TimeZone, Utc};
use grondslag_domain::interchange::{self, RegisterDocument};
use grondslag_domain::register::{
    Activity, ActivityRecord, ActivityVersion, CameraSurveillance, Contact, DataCategoryEntry,
    Organisation, Processor, ProcessorAgreement, Recipient, Retention, SocialMedia, Status,
    SubProcessor, Unit,
};
use grondslag_domain::vocab::{
    Art9Exception, CameraPurpose, DataOrigin, DataSubjectCategory as Subject, EndAction,
    LegalBasis, PeriodUnit, PersonalDataCategory as Cat, Purpose, RecipientKind, SecurityMeasure,
    SocialChannel, SocialProcessing, TransferMechanism, UnitKind,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{binary, env_usize, mb, pg_admin, proc_status_kb, verdict, with_database, Server};

const PASSWORD: &str = "bench-password-2026";
const USERNAME: &str = "bench";
const PG_DATABASE: &str = "grondslag_bench";
const P95_TARGET_MS: f64 = 50.0;
const IMPORT_TARGET_S: f64 = 5.0;
const RSS_TARGET_MB: f64 = 150.0;
const CONCURRENT_CLIENTS: usize = 8;
const HTML_REQUESTS: usize = 300;
const WARM_UP_REQUESTS: usize = 50;

// ---------------------------------------------------------------------------------------
// A small deterministic generator: no new dependency, same register on every run.

struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn draw(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.draw() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.draw() % 100 < percent
    }

    /// Between `min` and `max` distinct items, in the order of `items`.
    fn some<T: Copy>(&mut self, items: &[T], min: usize, max: usize) -> Vec<T> {
        let max = max.min(items.len());
        let min = min.min(max);
        let n = min + self.below(max - min + 1);
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..n {
            let j = i + self.below(items.len() - i);
            idx.swap(i, j);
        }
        let mut chosen = idx[..n].to_vec();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i]).collect()
    }

    /// One of `items` with the given weights.
    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.draw() % total;
        for (t, w) in items {
            if r < *w {
                return *t;
            }
            r -= w;
        }
        items[0].0
    }

    fn uuid(&mut self) -> String {
        let a = (self.draw() << 31) ^ self.draw();
        let b = (self.draw() << 31) ^ self.draw();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (a >> 30) & 0xffff_ffff,
            (a >> 14) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}

// ---------------------------------------------------------------------------------------
// The register: a university with five faculties, their institutes and four services.

/// (key, kind, parent, Dutch name, English name, short name for activity names)
type UnitSpec = (
    &'static str,
    UnitKind,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const UNITS: &[UnitSpec] = &[
    ("fnwi", UnitKind::Faculty, None, "Faculteit der Natuurwetenschappen, Wiskunde en Informatica", "Faculty of Science", "FNWI"),
    ("fnwi-imapp", UnitKind::Institute, Some("fnwi"), "Instituut voor Wiskunde, Astrofysica en Deeltjesfysica", "Institute for Mathematics, Astrophysics and Particle Physics", "IMAPP"),
    ("fnwi-icis", UnitKind::Institute, Some("fnwi"), "Instituut voor Informatica en Informatiekunde", "Institute for Computing and Information Sciences", "iCIS"),
    ("frw", UnitKind::Faculty, None, "Faculteit der Rechtsgeleerdheid", "Faculty of Law", "FRW"),
    ("frw-ivr", UnitKind::Institute, Some("frw"), "Instituut voor Rechtswetenschappen", "Institute for Legal Studies", "IvR"),
    ("frw-cmr", UnitKind::Institute, Some("frw"), "Centrum voor Migratierecht", "Centre for Migration Law", "CMR"),
    ("fmw", UnitKind::Faculty, None, "Faculteit der Medische Wetenschappen", "Faculty of Medical Sciences", "FMW"),
    ("fmw-gzw", UnitKind::Institute, Some("fmw"), "Instituut voor Gezondheidswetenschappen", "Institute for Health Sciences", "IGZW"),
    ("fmw-oig", UnitKind::Institute, Some("fmw"), "Onderwijsinstituut Geneeskunde", "Medical Education Institute", "OIG"),
    ("fsw", UnitKind::Faculty, None, "Faculteit der Sociale Wetenschappen", "Faculty of Social Sciences", "FSW"),
    ("fsw-bsi", UnitKind::Institute, Some("fsw"), "Behavioural Science Institute", "Behavioural Science Institute", "BSI"),
    ("fsw-opw", UnitKind::Institute, Some("fsw"), "Onderwijsinstituut Pedagogische Wetenschappen", "Institute of Pedagogical Sciences", "OPW"),
    ("flet", UnitKind::Faculty, None, "Faculteit der Letteren", "Faculty of Arts", "FLET"),
    ("flet-cls", UnitKind::Institute, Some("flet"), "Centrum voor Taalwetenschap", "Centre for Language Studies", "CLS"),
    ("flet-hlci", UnitKind::Institute, Some("flet"), "Historisch, Literair en Cultureel Instituut", "Historical, Literary and Cultural Studies", "HLCI"),
    ("sz", UnitKind::Service, None, "Studentenzaken", "Student Affairs", "SZ"),
    ("sz-toelating", UnitKind::Department, Some("sz"), "Afdeling Toelating", "Admissions Office", "Toelating"),
    ("po", UnitKind::Service, None, "Personeel en Organisatie", "Human Resources", "P&O"),
    ("ict", UnitKind::Service, None, "ICT-dienst", "IT Services", "ICT"),
    ("fb", UnitKind::Service, None, "Facilitair Bedrijf", "Campus and Facilities", "FB"),
];

/// The faculties, for the `unit` filter (each includes its institutes).
const FACULTIES: &[&str] = &["fnwi", "frw", "fmw", "fsw", "flet"];

/// (key, name, country, sub-processor in a third country)
type ProcessorSpec = (
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

#[rustfmt::skip]
const PROCESSORS: &[ProcessorSpec] = &[
    ("surfconext", "SURFconext", "NL", None),
    ("surfdrive", "SURFdrive", "NL", None),
    ("osiris", "Osiris Student (Caci)", "NL", None),
    ("afas", "AFAS Software", "NL", None),
    ("topdesk", "TOPdesk", "NL", None),
    ("microsoft", "Microsoft 365", "IE", Some(("Microsoft Corporation", "US"))),
    ("zoom", "Zoom Video Communications", "US", None),
    ("brightspace", "D2L Brightspace", "IE", Some(("D2L Corporation", "CA"))),
    ("qualtrics", "Qualtrics", "IE", Some(("Qualtrics LLC", "US"))),
    ("mailchimp", "Mailchimp (Intuit)", "US", None),
    ("salesforce", "Salesforce", "US", None),
    ("studielink", "Studielink", "NL", None),
    ("ans", "Ans Delft", "NL", None),
    ("remindo", "Remindo (Paragin)", "NL", None),
    ("proctorio", "Proctorio", "US", None),
    ("youforce", "Visma Raet Youforce", "NL", None),
    ("nedap", "Nedap Security", "NL", None),
    ("gallagher", "Gallagher Security", "NZ", None),
    ("planon", "Planon", "NL", None),
    ("syllabus", "Syllabus Plus (Scientia)", "GB", None),
    ("mediasite", "Sonic Foundry Mediasite", "US", None),
    ("pure", "Elsevier Pure", "NL", Some(("Elsevier Inc.", "US"))),
    ("castor", "Castor EDC", "NL", None),
    ("kaltura", "Kaltura", "US", None),
    ("teamviewer", "TeamViewer", "DE", None),
    ("docusign", "DocuSign", "IE", Some(("DocuSign Inc.", "US"))),
    ("adobe", "Adobe Systems", "IE", Some(("Adobe Inc.", "US"))),
    ("google", "Google Workspace for Education", "IE", Some(("Google LLC", "US"))),
    ("peoplexs", "PeopleXS", "NL", None),
    ("blackboard", "Blackboard Collaborate", "US", None),
];

/// A kind of processing a university does, from which activities are made.
struct Theme {
    noun: &'static str,
    purposes: &'static [Purpose],
    subjects: &'static [Subject],
    categories: &'static [Cat],
    systems: &'static [&'static str],
    /// Words for the description.
    what: &'static str,
}

#[rustfmt::skip]
const THEMES: &[Theme] = &[
    Theme { noun: "Inschrijving", purposes: &[Purpose::AdmissionEnrolment, Purpose::StudentAdministration], subjects: &[Subject::Student, Subject::ProspectiveStudent], categories: &[Cat::Name, Cat::ContactDetails, Cat::Address, Cat::DateOfBirth, Cat::Nationality, Cat::StudentNumber, Cat::Enrolment, Cat::Bsn, Cat::EducationNumber, Cat::BankAccount], systems: &["studielink", "osiris"], what: "de inschrijving, herinschrijving en uitschrijving van studenten"},
    Theme { noun: "Tentamenregistratie", purposes: &[Purpose::Assessment], subjects: &[Subject::Student], categories: &[Cat::Name, Cat::StudentNumber, Cat::Grades, Cat::Enrolment], systems: &["osiris", "remindo", "ans"], what: "het afnemen, nakijken en registreren van tentamens en cijfers"},
    Theme { noun: "Online proctoring", purposes: &[Purpose::Assessment], subjects: &[Subject::Student], categories: &[Cat::Name, Cat::StudentNumber, Cat::PhotoVideo, Cat::IpAddress, Cat::OnlineIdentifier], systems: &["proctorio"], what: "het op afstand surveilleren van digitale tentamens"},
    Theme { noun: "Roosterplanning", purposes: &[Purpose::Education], subjects: &[Subject::Student, Subject::Employee], categories: &[Cat::Name, Cat::StudentNumber, Cat::StaffNumber, Cat::Enrolment], systems: &["syllabus"], what: "het plannen van colleges, werkgroepen en zalen"},
    Theme { noun: "Alumninieuwsbrief", purposes: &[Purpose::AlumniRelations, Purpose::Communication], subjects: &[Subject::Alumnus], categories: &[Cat::Name, Cat::ContactDetails, Cat::Address], systems: &["mailchimp", "salesforce"], what: "het onderhouden van contact met alumni via de nieuwsbrief"},
    Theme { noun: "Salarisadministratie", purposes: &[Purpose::HumanResources], subjects: &[Subject::Employee, Subject::FormerEmployee], categories: &[Cat::Name, Cat::Address, Cat::BankAccount, Cat::Bsn, Cat::StaffNumber, Cat::DateOfBirth], systems: &["afas", "youforce"], what: "het uitbetalen van salarissen en toelagen"},
    Theme { noun: "Verzuimregistratie", purposes: &[Purpose::HumanResources], subjects: &[Subject::Employee], categories: &[Cat::Name, Cat::StaffNumber, Cat::Health, Cat::ContactDetails], systems: &["youforce", "afas"], what: "het registreren van ziekteverzuim en de begeleiding door de bedrijfsarts"},
    Theme { noun: "Werving en selectie", purposes: &[Purpose::StaffRecruitment], subjects: &[Subject::JobApplicant], categories: &[Cat::Name, Cat::ContactDetails, Cat::DateOfBirth, Cat::Nationality, Cat::CommunicationContent], systems: &["afas", "peoplexs"], what: "het werven en selecteren van nieuwe medewerkers"},
    Theme { noun: "Cameratoezicht", purposes: &[Purpose::Security], subjects: &[Subject::Student, Subject::Employee, Subject::Visitor], categories: &[Cat::CameraFootage], systems: &["nedap"], what: "het cameratoezicht in en rond de gebouwen"},
    Theme { noun: "Toegangspassen", purposes: &[Purpose::Security], subjects: &[Subject::Student, Subject::Employee, Subject::Guest], categories: &[Cat::Name, Cat::PhotoVideo, Cat::StaffNumber, Cat::StudentNumber, Cat::Location], systems: &["nedap", "gallagher"], what: "het uitgeven van campuskaarten en het regelen van toegang tot gebouwen"},
    Theme { noun: "Studiebegeleiding", purposes: &[Purpose::Education, Purpose::StudentAdministration], subjects: &[Subject::Student], categories: &[Cat::Name, Cat::StudentNumber, Cat::Grades, Cat::Health, Cat::Disability, Cat::CommunicationContent], systems: &["osiris"], what: "de begeleiding van studenten door studieadviseurs"},
    Theme { noun: "Studeren met een functiebeperking", purposes: &[Purpose::StudentAdministration], subjects: &[Subject::Student], categories: &[Cat::Name, Cat::StudentNumber, Cat::Disability, Cat::Health], systems: &["osiris"], what: "het toekennen van voorzieningen bij een functiebeperking"},
    Theme { noun: "Enquête onderwijsevaluatie", purposes: &[Purpose::Education], subjects: &[Subject::Student], categories: &[Cat::StudentNumber, Cat::CommunicationContent], systems: &["qualtrics"], what: "het evalueren van vakken met een enquête onder studenten"},
    Theme { noun: "Open dagen", purposes: &[Purpose::StudentRecruitment], subjects: &[Subject::ProspectiveStudent, Subject::Parent, Subject::Minor], categories: &[Cat::Name, Cat::ContactDetails, Cat::DateOfBirth], systems: &["salesforce", "mailchimp"], what: "het organiseren van open dagen en meeloopdagen voor scholieren"},
    Theme { noun: "Campagne sociale media", purposes: &[Purpose::SocialMediaMarketing, Purpose::StudentRecruitment], subjects: &[Subject::SocialMediaFollower, Subject::ProspectiveStudent], categories: &[Cat::SocialMediaProfile, Cat::OnlineIdentifier], systems: &[], what: "het werven van studenten via sociale media"},
    Theme { noun: "Websitestatistieken", purposes: &[Purpose::Communication, Purpose::ItServices], subjects: &[Subject::WebsiteVisitor], categories: &[Cat::IpAddress, Cat::OnlineIdentifier], systems: &[], what: "het meten van het gebruik van de website"},
    Theme { noun: "Servicedesk ICT", purposes: &[Purpose::ItServices], subjects: &[Subject::Student, Subject::Employee], categories: &[Cat::Name, Cat::ContactDetails, Cat::CommunicationContent, Cat::StaffNumber], systems: &["topdesk", "teamviewer"], what: "het afhandelen van meldingen en storingen"},
    Theme { noun: "E-mail en samenwerking", purposes: &[Purpose::ItServices, Purpose::Communication], subjects: &[Subject::Student, Subject::Employee], categories: &[Cat::Name, Cat::ContactDetails, Cat::CommunicationContent, Cat::IpAddress], systems: &["microsoft", "google", "surfdrive", "surfconext"], what: "e-mail, agenda en het delen van documenten"},
    Theme { noun: "Weblectures", purposes: &[Purpose::Education], subjects: &[Subject::Student, Subject::Employee], categories: &[Cat::Name, Cat::PhotoVideo], systems: &["mediasite", "kaltura", "brightspace"], what: "het opnemen en terugkijken van colleges"},
    Theme { noun: "Videovergaderen", purposes: &[Purpose::Education, Purpose::Communication], subjects: &[Subject::Student, Subject::Employee, Subject::Guest], categories: &[Cat::Name, Cat::PhotoVideo, Cat::IpAddress], systems: &["zoom", "microsoft", "blackboard"], what: "online onderwijs en vergaderingen op afstand"},
    Theme { noun: "Promotieregistratie", purposes: &[Purpose::StudentAdministration], subjects: &[Subject::PhdCandidate], categories: &[Cat::Name, Cat::ContactDetails, Cat::DateOfBirth, Cat::Nationality, Cat::Grades], systems: &["pure", "osiris"], what: "het registreren van promovendi en promoties"},
    Theme { noun: "Stageplaatsing", purposes: &[Purpose::Education], subjects: &[Subject::Student, Subject::ExternalRelation], categories: &[Cat::Name, Cat::StudentNumber, Cat::ContactDetails, Cat::Grades], systems: &["osiris", "docusign"], what: "het bemiddelen en begeleiden van stages"},
    Theme { noun: "Internationale uitwisseling", purposes: &[Purpose::AdmissionEnrolment, Purpose::Education], subjects: &[Subject::Student], categories: &[Cat::Name, Cat::Nationality, Cat::DateOfBirth, Cat::StudentNumber, Cat::Grades], systems: &["osiris", "studielink"], what: "uitwisselingen met partneruniversiteiten in het buitenland"},
    Theme { noun: "Klachtenregeling", purposes: &[Purpose::StudentAdministration], subjects: &[Subject::Student, Subject::Employee], categories: &[Cat::Name, Cat::ContactDetails, Cat::CommunicationContent], systems: &["topdesk"], what: "het behandelen van klachten, bezwaren en beroepen"},
    Theme { noun: "Integriteitsmeldingen", purposes: &[Purpose::HumanResources], subjects: &[Subject::Employee], categories: &[Cat::Name, Cat::CommunicationContent, Cat::Criminal], systems: &[], what: "het onderzoeken van meldingen over integriteit"},
    Theme { noun: "Bedrijfshulpverlening", purposes: &[Purpose::Security], subjects: &[Subject::Employee, Subject::Visitor], categories: &[Cat::Name, Cat::Health, Cat::ContactDetails], systems: &["planon"], what: "het inzetten van BHV'ers bij incidenten en ontruimingen"},
    Theme { noun: "Declaraties", purposes: &[Purpose::HumanResources], subjects: &[Subject::Employee, Subject::Guest], categories: &[Cat::Name, Cat::BankAccount, Cat::StaffNumber], systems: &["afas"], what: "het vergoeden van reiskosten en andere declaraties"},
    Theme { noun: "Bibliotheekpassen", purposes: &[Purpose::Education], subjects: &[Subject::Student, Subject::Employee, Subject::Visitor], categories: &[Cat::Name, Cat::Address, Cat::StudentNumber, Cat::ContactDetails], systems: &[], what: "het lenen van boeken en het toegang geven tot databanken"},
    Theme { noun: "Sportcentrum lidmaatschap", purposes: &[Purpose::Education, Purpose::Communication], subjects: &[Subject::Student, Subject::Employee, Subject::Alumnus], categories: &[Cat::Name, Cat::BankAccount, Cat::PhotoVideo, Cat::DateOfBirth], systems: &["afas"], what: "de administratie van leden van het sportcentrum"},
    Theme { noun: "Zwangerschapsverlof", purposes: &[Purpose::HumanResources], subjects: &[Subject::Employee], categories: &[Cat::Name, Cat::StaffNumber, Cat::Health], systems: &["youforce"], what: "het aanvragen en registreren van verlof"},
    Theme { noun: "Onderzoeksdeelnemers", purposes: &[Purpose::ScientificResearch], subjects: &[Subject::Guest, Subject::Student, Subject::Child], categories: &[Cat::Name, Cat::ContactDetails, Cat::Health, Cat::Genetic, Cat::EthnicOrigin], systems: &["castor", "qualtrics"], what: "het werven en beheren van deelnemers aan wetenschappelijk onderzoek"},
    Theme { noun: "Vertrouwenspersoon", purposes: &[Purpose::HumanResources], subjects: &[Subject::Employee, Subject::Student], categories: &[Cat::Name, Cat::CommunicationContent, Cat::Religion, Cat::SexualOrientation], systems: &[], what: "gesprekken met de vertrouwenspersoon over ongewenst gedrag"},
];

const QUALIFIERS: &[&str] = &[
    "bachelor",
    "master",
    "premaster",
    "deeltijd",
    "internationaal",
    "pilot",
    "2024",
    "2025",
    "minor",
    "zomerschool",
    "decentraal",
    "centraal",
];

const FIRST_NAMES: &[&str] = &[
    "Anouk", "Bram", "Daan", "Emma", "Fleur", "Gijs", "Hanna", "Ilse", "Joost", "Kim", "Lotte",
    "Maarten", "Noor", "Pieter", "Roos", "Sanne", "Thijs", "Vera", "Wouter", "Yara",
];
const LAST_NAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
];
const OWNERS: &[&str] = &[
    "Decaan",
    "Directeur bedrijfsvoering",
    "Onderwijsdirecteur",
    "Instituutsdirecteur",
    "Hoofd studentenzaken",
    "Directeur P&O",
    "CIO",
];
const SENTENCES: &[&str] = &[
    "Gegevens worden alleen gebruikt voor het doel waarvoor ze zijn verzameld.",
    "Medewerkers hebben alleen toegang tot de gegevens die zij voor hun taak nodig hebben.",
    "De verwerking is afgestemd met de privacy officer van de faculteit.",
    "Na afloop van de bewaartermijn worden de gegevens vernietigd of geanonimiseerd.",
    "Betrokkenen worden via de privacyverklaring op de website geïnformeerd.",
    "Er is een verwerkersovereenkomst afgesloten met de leverancier.",
    "Jaarlijks wordt gecontroleerd of de autorisaties nog kloppen.",
    "Voor nieuwe functionaliteit wordt eerst een DPIA uitgevoerd.",
    "Uitwisseling met andere systemen loopt via beveiligde koppelingen.",
    "Rapportages bevatten uitsluitend geaggregeerde gegevens.",
];

fn person(rng: &mut Lcg) -> (String, String) {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let mail = format!(
        "{}.{}@ru.example",
        first.to_lowercase(),
        last.to_lowercase().replace(' ', "")
    );
    (format!("{first} {last}"), mail)
}

fn units() -> Vec<Unit> {
    UNITS
        .iter()
        .map(|&(id, kind, parent, nl, en, _)| Unit {
            id: id.into(),
            kind,
            name_nl: nl.into(),
            name_en: en.into(),
            parent: parent.map(Into::into),
        })
        .collect()
}

fn processors(rng: &mut Lcg) -> Vec<Processor> {
    PROCESSORS
        .iter()
        .enumerate()
        .map(|(i, &(id, name, country, sub))| {
            let signed =
                chrono::NaiveDate::from_ymd_opt(2018 + (i % 7) as i32, 1 + (i % 12) as u32, 1)
                    .expect("a valid date");
            Processor {
                id: id.into(),
                name: name.into(),
                country: country.into(),
                agreement: (i % 9 != 8).then(|| ProcessorAgreement {
                    subject: "Verwerking in opdracht".into(),
                    duration: "Looptijd van het contract".into(),
                    nature_and_purpose: "Opslag en verwerking".into(),
                    data_types: "Naam, contactgegevens".into(),
                    subject_categories: "Studenten, medewerkers".into(),
                    rights_and_obligations: "Zie de overeenkomst".into(),
                    reference: format!("VWO-{}-{:03}", 2018 + i % 7, rng.below(999) + 1),
                    signed_on: Some(signed),
                    expires_on: Some(signed + Days::days(365 * (3 + (i % 3) as i64))),
                    no_own_use_clause: i % 5 != 4,
                }),
                sub_processors: sub
                    .map(|(n, c)| SubProcessor {
                        name: n.into(),
                        country: c.into(),
                    })
                    .into_iter()
                    .collect(),
                notes: format!("Leverancier van {name}; beoordeeld door de CISO."),
                dpf_certified: false,
            }
        })
        .collect()
}

fn processor_country(key: &str) -> &'static str {
    PROCESSORS
        .iter()
        .find(|p| p.0 == key)
        .map(|p| p.2)
        .unwrap_or("NL")
}

fn in_eea(country: &str) -> bool {
    matches!(country, "NL" | "IE" | "DE" | "BE" | "FR")
}

/// The full content of an activity, as its current version holds it.
fn activity(rng: &mut Lcg, n: usize) -> Activity {
    let theme = &THEMES[rng.below(THEMES.len())];
    let (unit, _, _, unit_nl, _, unit_short) = UNITS[rng.below(UNITS.len())];
    let subject_word = match theme.subjects[0] {
        Subject::Employee | Subject::FormerEmployee => "medewerkers",
        Subject::Alumnus => "alumni",
        Subject::JobApplicant => "sollicitanten",
        Subject::PhdCandidate => "promovendi",
        Subject::ProspectiveStudent => "aankomende studenten",
        Subject::WebsiteVisitor => "websitebezoekers",
        Subject::SocialMediaFollower => "volgers",
        Subject::Guest => "deelnemers",
        _ => "studenten",
    };
    let system = theme.systems.first().copied();
    let system_name = system
        .and_then(|s| PROCESSORS.iter().find(|p| p.0 == s))
        .map(|p| p.1);
    let name = match (rng.below(3), system_name) {
        (0, Some(sys)) => format!("{} {subject_word} ({sys})", theme.noun),
        (1, _) => format!(
            "{} {} {unit_short} {}",
            theme.noun,
            rng.pick(QUALIFIERS),
            n % 97
        ),
        _ => format!("{} {subject_word} {unit_short}", theme.noun),
    };
    let primary = rng.weighted(&[
        (LegalBasis::PublicTask, 30),
        (LegalBasis::LegalObligation, 20),
        (LegalBasis::Contract, 15),
        (LegalBasis::Consent, 15),
        (LegalBasis::LegitimateInterests, 18),
        (LegalBasis::VitalInterests, 2),
    ]);
    let mut cats = rng.some(theme.categories, 1, 6);
    if !cats.contains(&Cat::Name) && rng.chance(40) && theme.categories.len() > 1 {
        cats.insert(0, Cat::Name);
    }
    if !cats.iter().any(|c| c.is_special()) && rng.chance(4) {
        cats.push(Cat::Health);
    }
    let data_categories = cats
        .iter()
        .map(|&c| {
            let national_id = c.is_national_id();
            let legal_basis = if national_id {
                LegalBasis::LegalObligation
            } else if rng.chance(75) {
                primary
            } else {
                rng.pick(&[
                    LegalBasis::PublicTask,
                    LegalBasis::Consent,
                    LegalBasis::Contract,
                    LegalBasis::LegitimateInterests,
                ])
            };
            DataCategoryEntry {
                category: c,
                description: format!("{} voor {}", c_label(c), theme.what),
                legal_basis: Some(legal_basis),
                art9_exception: if c.is_special() {
                    Some(rng.pick(&[
                        Art9Exception::ExplicitConsent,
                        Art9Exception::EmploymentLaw,
                        Art9Exception::SubstantialPublicInterest,
                        Art9Exception::HealthCare,
                        Art9Exception::ResearchStatistics,
                    ]))
                } else if c.is_criminal() {
                    Some(Art9Exception::CriminalStatutoryException)
                } else {
                    None
                },
                statutory_basis: if national_id {
                    "art. 24 UAVG jo. art. 7.52 WHW".into()
                } else {
                    String::new()
                },
                retention: rng.chance(85).then(|| Retention {
                    period: 1 + rng.below(10) as u32,
                    unit: rng.weighted(&[
                        (PeriodUnit::Years, 80),
                        (PeriodUnit::Months, 15),
                        (PeriodUnit::Weeks, 5),
                    ]),
                    starts: rng
                        .pick(&[
                            "na afloop van de inschrijving",
                            "na einde dienstverband",
                            "na afronding van het dossier",
                            "na het laatste contact",
                        ])
                        .into(),
                    source: rng
                        .pick(&[
                            "Selectielijst universiteiten en UMC's 2020",
                            "Archiefwet 1995",
                            "Besluit van het College van Bestuur",
                            "Fiscale bewaarplicht (AWR)",
                        ])
                        .into(),
                    end_action: rng.weighted(&[
                        (EndAction::Destroy, 70),
                        (EndAction::Archive, 20),
                        (EndAction::Anonymise, 10),
                    ]),
                }),
            }
        })
        .collect();
    let mut recipients = Vec::new();
    for &sys in theme.systems.iter().take(1 + rng.below(2)) {
        let country = processor_country(sys);
        recipients.push(Recipient {
            name: PROCESSORS
                .iter()
                .find(|p| p.0 == sys)
                .map(|p| p.1)
                .unwrap_or(sys)
                .into(),
            kind: RecipientKind::Processor,
            country: country.into(),
            processor: Some(sys.into()),
            transfer_mechanism: (!in_eea(country)).then(|| {
                rng.pick(&[
                    TransferMechanism::SccCommission,
                    TransferMechanism::AdequacyDecision,
                ])
            }),
            safeguards: if in_eea(country) {
                String::new()
            } else {
                "Transfer impact assessment uitgevoerd; aanvullende versleuteling.".into()
            },
            dpf_certified: false,
        });
    }
    if rng.chance(30) {
        recipients.push(Recipient {
            name: "Dienst Uitvoering Onderwijs (DUO)".into(),
            kind: RecipientKind::PublicAuthority,
            country: "NL".into(),
            processor: None,
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
    }
    if rng.chance(20) {
        recipients.push(Recipient {
            name: format!("{unit_nl}, secretariaat"),
            kind: RecipientKind::Internal,
            country: "NL".into(),
            processor: None,
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
    }
    let (contact_name, contact_email) = person(rng);
    let camera = (theme.noun == "Cameratoezicht").then(|| CameraSurveillance {
        purposes: rng.some(
            &[
                CameraPurpose::SafetyOfPersons,
                CameraPurpose::SupervisionOfPremises,
                CameraPurpose::ProtectionOfProperty,
            ],
            1,
            3,
        ),
        locations: format!("Entrees en fietsenstalling van {unit_nl}"),
        signposted: rng.chance(95),
        images_stored: true,
        storage_days: Some(7 + rng.below(22) as u32),
    });
    let social_media = (theme.noun == "Campagne sociale media").then(|| SocialMedia {
        forms: rng.some(
            &[
                SocialProcessing::Post,
                SocialProcessing::Analyse,
                SocialProcessing::Retarget,
                SocialProcessing::Collect,
            ],
            1,
            3,
        ),
        channels: rng.some(
            &[
                SocialChannel::Instagram,
                SocialChannel::Linkedin,
                SocialChannel::Tiktok,
                SocialChannel::Youtube,
                SocialChannel::Facebook,
            ],
            1,
            3,
        ),
        two_way_conversation: false,
    });
    let extra = rng.some(SENTENCES, 1, 3).join(" ");
    let description = format!(
        "{unit_nl} verwerkt persoonsgegevens voor {}{}. {extra}",
        theme.what,
        system_name.map(|s| format!(" met {s}")).unwrap_or_default()
    );
    Activity {
        name,
        description,
        unit: unit.into(),
        purposes: theme.purposes.to_vec(),
        purpose_description: format!(
            "Noodzakelijk voor {}; zonder deze gegevens kan de {} dit niet uitvoeren.",
            theme.what, unit_short
        ),
        access_holders: format!(
            "Medewerkers van {unit_nl} met een taak in {}; functioneel beheer.",
            theme.noun.to_lowercase()
        ),
        data_origins: rng.some(
            &[
                DataOrigin::DataSubject,
                DataOrigin::University,
                DataOrigin::ThirdParty,
            ],
            1,
            2,
        ),
        origin_description: String::new(),
        data_subjects: rng.some(theme.subjects, 1, 3),
        data_categories,
        recipients,
        security_measures: rng.some(
            &[
                SecurityMeasure::AccessControl,
                SecurityMeasure::RoleBasedAuthorisation,
                SecurityMeasure::MultiFactorAuthentication,
                SecurityMeasure::EncryptionAtRest,
                SecurityMeasure::EncryptionInTransit,
                SecurityMeasure::Logging,
                SecurityMeasure::Backup,
                SecurityMeasure::ConfidentialityAgreement,
                SecurityMeasure::DeletionPolicy,
                SecurityMeasure::SecurityPolicy,
            ],
            3,
            8,
        ),
        security_description: "Volgens het informatiebeveiligingsbeleid (BIO-niveau midden)."
            .into(),
        automated_decision_making: rng.chance(2),
        profiling: rng.chance(3),
        human_intervention: rng.chance(50),
        camera,
        social_media,
        research_out_of_scope: theme.purposes.contains(&Purpose::ScientificResearch),
        aggregated_only: false,
        domain_owner: format!("{} {unit_short}", rng.pick(OWNERS)),
        contact: Contact {
            name: contact_name,
            email: contact_email,
        },
        ..Default::default()
    }
}

fn c_label(c: Cat) -> &'static str {
    use grondslag_domain::vocab::Term;
    c.label(grondslag_domain::Lang::Nl)
}

/// An earlier version: a draft grows towards the current content, so early versions are
/// smaller (fewer categories, recipients and measures) and the description changes.
fn earlier(full: &Activity, version: u32, last: u32) -> Activity {
    let share = |n: usize| (n * version as usize).div_ceil(last as usize);
    let mut a = full.clone();
    a.data_categories
        .truncate(share(full.data_categories.len()));
    a.recipients
        .truncate(share(full.recipients.len()).saturating_sub(1));
    a.security_measures
        .truncate(share(full.security_measures.len()));
    a.data_subjects.truncate(share(full.data_subjects.len()));
    if version <= 2 {
        a.purpose_description.clear();
        a.access_holders.clear();
        a.security_description.clear();
        a.contact = Contact::default();
    }
    if version == 1 {
        a.name = format!("Concept: {}", full.name);
    }
    a.description = format!("{} (versie {version})", full.description);
    a
}

/// The register: units, processors and `n` activities at version 10 with 9 earlier versions.
fn generate(n: usize) -> RegisterDocument {
    let mut rng = Lcg::new(20_260_131);
    let t0 = Utc.with_ymd_and_hms(2019, 1, 7, 9, 0, 0).unwrap();
    let processors = processors(&mut rng);
    let activities = (0..n)
        .map(|i| {
            let full = activity(&mut rng, i);
            let status = rng.weighted(&[
                (Status::Registered, 60),
                (Status::Submitted, 15),
                (Status::Draft, 20),
                (Status::Retired, 5),
            ]);
            let start = t0 + Days::minutes((i as i64) * 97);
            let step = 20 + rng.below(40) as i64;
            let history = (1..10u32)
                .map(|v| {
                    let s = match status {
                        Status::Draft => Status::Draft,
                        Status::Submitted if v == 9 => Status::Submitted,
                        Status::Submitted => Status::Draft,
                        _ if v <= 3 => Status::Draft,
                        _ if v == 4 => Status::Submitted,
                        _ => Status::Registered,
                    };
                    let (who, _) = person(&mut rng);
                    ActivityVersion {
                        version: v,
                        status: s,
                        saved_at: start + Days::days(step * i64::from(v)),
                        saved_by: who,
                        activity: earlier(&full, v, 10),
                    }
                })
                .collect();
            let (who, _) = person(&mut rng);
            ActivityRecord {
                id: rng.uuid(),
                status,
                version: 10,
                saved_at: start + Days::days(step * 10),
                saved_by: who,
                activity: full,
                history,
            }
        })
        .collect();
    RegisterDocument::new(
        Utc.with_ymd_and_hms(2026, 1, 31, 9, 0, 0).unwrap(),
        Organisation {
            name: "Radboud Universiteit (benchmark)".into(),
            contact_email: "privacy@ru.example".into(),
            dpo_name: "Functionaris gegevensbescherming".into(),
            dpo_email: "fg@ru.example".into(),
        },
        units(),
        processors,
        activities,
    )
}

/// Writes the register to `path` and checks it with the same parser the import uses.
fn write_register(path: &Path, n: usize) -> Result<DataSet> {
    let t = Instant::now();
    let doc = generate(n);
    let text = serde_json::to_string(&doc)?;
    let mut file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    // On disk before any clock starts: else the kernel writes the file back during the import.
    file.sync_all()?;
    let generate_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&text)?;
    let parsed = interchange::parse(&value).map_err(|e| {
        anyhow::anyhow!(
            "the generated register is not valid:\n{}",
            interchange::error_lines(&e).join("\n")
        )
    })?;
    let parse_s = t.elapsed().as_secs_f64();
    ensure!(parsed == doc, "the generated register does not round-trip");
    let versions = doc.activities.iter().map(|a| a.history.len() + 1).sum();
    let special = doc
        .activities
        .iter()
        .filter(|a| a.activity.has_special_categories())
        .count();
    let health = doc
        .activities
        .iter()
        .filter(|a| {
            a.activity
                .data_categories
                .iter()
                .any(|c| c.category == Cat::Health)
        })
        .count();
    let consent = doc
        .activities
        .iter()
        .filter(|a| a.activity.legal_bases().contains(&LegalBasis::Consent))
        .count();
    Ok(DataSet {
        activities: doc.activities.len(),
        versions,
        units: doc.units.len(),
        processors: doc.processors.len(),
        bytes: text.len() as u64,
        special,
        health,
        consent,
        generate_s,
        parse_s,
    })
}

struct DataSet {
    activities: usize,
    versions: usize,
    units: usize,
    processors: usize,
    bytes: u64,
    special: usize,
    health: usize,
    consent: usize,
    generate_s: f64,
    parse_s: f64,
}

// ---------------------------------------------------------------------------------------
// The load: filters and search as people use the register list.

/// A query of the register list, with a label for the per-query table.
fn list_query(rng: &mut Lcg) -> (&'static str, Vec<(&'static str, String)>) {
    const WORDS: &[&str] = &[
        "inschrijving",
        "tentamen",
        "alumni",
        "camera",
        "verzuim",
        "osiris",
        "nieuwsbrief",
        "enquête",
        "sollicitanten",
        "zoom",
    ];
    let page = (1 + rng.below(5)).to_string();
    let faculty = rng.pick(FACULTIES).to_string();
    let word = rng.pick(WORDS).to_string();
    let (label, mut params): (&'static str, Vec<(&'static str, String)>) = match rng.below(10) {
        0 => ("no filter", vec![]),
        1 => ("q", vec![("q", word)]),
        2 => ("q (two words)", vec![("q", format!("{word} studenten"))]),
        3 => ("q, no match", vec![("q", "xyzzy".into())]),
        4 => ("unit", vec![("unit", faculty)]),
        5 => (
            "unit + status",
            vec![("unit", faculty), ("status", "registered".into())],
        ),
        6 => (
            "status + legal_basis",
            vec![
                ("status", "registered".into()),
                ("legal_basis", "consent".into()),
            ],
        ),
        7 => (
            "data_category + special",
            vec![
                ("data_category", "health".into()),
                ("special", "true".into()),
            ],
        ),
        8 => (
            "q + unit + status",
            vec![
                ("q", word),
                ("unit", faculty),
                ("status", "registered".into()),
            ],
        ),
        _ => (
            "all filters",
            vec![
                ("q", "studenten".into()),
                ("unit", faculty),
                ("status", "registered".into()),
                ("legal_basis", "consent".into()),
                ("data_category", "health".into()),
                ("special", "true".into()),
            ],
        ),
    };
    params.push(("page", page));
    params.push(("per_page", "50".into()));
    (label, params)
}

#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    wall: Duration,
    /// label -> (latencies, sum of `total`)
    by_query: BTreeMap<&'static str, (Vec<Duration>, i64)>,
}

impl Samples {
    fn merge(&mut self, other: Samples) {
        self.latencies.extend(other.latencies);
        for (k, (l, t)) in other.by_query {
            let e = self.by_query.entry(k).or_default();
            e.0.extend(l);
            e.1 += t;
        }
    }
}

#[derive(Clone, Copy)]
struct Stats {
    n: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

/// Nearest-rank percentiles, in milliseconds.
fn stats(samples: &[Duration]) -> Stats {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank = ((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
        ms[rank - 1]
    };
    Stats {
        n: ms.len(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: *ms.last().unwrap_or(&0.0),
        mean: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
    }
}

/// One request; the time runs from sending to the last byte of the body.
async fn timed_get(
    client: &reqwest::Client,
    url: &str,
    params: &[(&'static str, String)],
) -> Result<(Duration, Vec<u8>)> {
    let t = Instant::now();
    let res = client.get(url).query(params).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    let elapsed = t.elapsed();
    ensure!(
        status == 200,
        "GET {url}?{params:?} answered {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    Ok((elapsed, body.to_vec()))
}

/// The `total` of an API page.
fn total(body: &[u8]) -> Result<i64> {
    let v: serde_json::Value = serde_json::from_slice(body)?;
    v.get("total")
        .and_then(serde_json::Value::as_i64)
        .with_context(|| format!("no total in {v}"))
}

async fn run_mix(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    seed: u64,
    n: usize,
) -> Result<Samples> {
    let url = format!("{base}{path}");
    let api = path.starts_with("/api/");
    let mut rng = Lcg::new(seed);
    let mut s = Samples::default();
    let t = Instant::now();
    for _ in 0..n {
        let (label, params) = list_query(&mut rng);
        let (d, body) = timed_get(client, &url, &params).await?;
        let matches = if api { total(&body)? } else { 0 };
        s.latencies.push(d);
        let e = s.by_query.entry(label).or_default();
        e.0.push(d);
        e.1 += matches;
    }
    s.wall = t.elapsed();
    Ok(s)
}

async fn run_concurrent(client: &reqwest::Client, base: &str, n: usize) -> Result<Samples> {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CONCURRENT_CLIENTS {
        let client = client.clone();
        let base = base.to_string();
        let share = n / CONCURRENT_CLIENTS + usize::from(c < n % CONCURRENT_CLIENTS);
        tasks.push(tokio::spawn(async move {
            run_mix(&client, &base, "/api/v1/activities", 1000 + c as u64, share).await
        }));
    }
    let mut all = Samples::default();
    for task in tasks {
        all.merge(task.await??);
    }
    all.wall = t.elapsed();
    Ok(all)
}

// ---------------------------------------------------------------------------------------
// The binary, the databases and the server.

/// Runs `grondslag ARGS` to the end; its wall time, peak resident memory (kB) and stdout.
fn run(bin: &Path, args: &[&str], stdin: Option<&str>) -> Result<(Duration, Option<u64>, String)> {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(input.as_bytes())?;
    }
    // Drain the pipes on threads so a chatty child never blocks on them.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).map(|_| s)
    });
    let pid = child.id();
    let mut peak = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(hwm) = proc_status_kb(pid, "VmHWM") {
            peak = Some(hwm);
        }
        if t.elapsed() > Duration::from_secs(900) {
            child.kill()?;
            bail!("grondslag {} ran longer than 15 minutes", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = t.elapsed();
    let out = out.join().expect("reader thread")?;
    let err = err.join().expect("reader thread")?;
    if !status.success() {
        bail!(
            "grondslag {} failed ({status}):\n{out}{err}",
            args.join(" ")
        );
    }
    Ok((elapsed, peak, out))
}

/// The 1-minute load average.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

async fn pg_size(url: &str) -> Result<u64> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let n: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(n as u64)
}

/// The import runs ANALYZE itself after a large import. `GRONDSLAG_BENCH_PG_ANALYZE` can
/// still make the bench run one more: `auto` (default) when autovacuum is off on the server,
/// `1` always, `0` never (the tables as the import left them).
async fn pg_statistics(url: &str) -> Result<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let autovacuum: String = sqlx::query_scalar("SELECT current_setting('autovacuum')")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    let setting = std::env::var("GRONDSLAG_BENCH_PG_ANALYZE").unwrap_or_else(|_| "auto".into());
    let analyze = match setting.as_str() {
        "0" => false,
        "1" => true,
        "auto" | "" => autovacuum == "off",
        other => bail!("GRONDSLAG_BENCH_PG_ANALYZE={other}; expected auto, 0 or 1"),
    };
    if !analyze {
        return Ok(format!(
            "as imported, no ANALYZE (autovacuum is {autovacuum} on this server)"
        ));
    }
    let t = Instant::now();
    pg_admin(url, &["ANALYZE"]).await?;
    Ok(format!(
        "ANALYZE run by the bench after the import, {:.1} s (autovacuum is {autovacuum} on this server)",
        t.elapsed().as_secs_f64()
    ))
}

// ---------------------------------------------------------------------------------------
// One backend, start to end.

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

struct Outcome {
    backend: Backend,
    import: Duration,
    import_peak_kb: Option<u64>,
    validate: Duration,
    validate_peak_kb: Option<u64>,
    db_bytes: u64,
    /// What the planner knew: whether ANALYZE ran after the import.
    statistics: String,
    /// The 1-minute load average before the import and after the HTTP load: other work on
    /// the machine shows here.
    load: (f64, f64),
    startup: Duration,
    rss_idle_kb: u64,
    sequential: Samples,
    concurrent: Samples,
    html: Samples,
    hwm_kb: u64,
    rss_kb: u64,
}

async fn bench_backend(
    backend: Backend,
    bin: &Path,
    file: &Path,
    dir: &Path,
    pg_url: Option<&str>,
    requests: usize,
    keep: bool,
) -> Result<Outcome> {
    let file_arg = file.to_str().context("a UTF-8 temp path")?;
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("bench.db").display()),
        Backend::Postgres => {
            let admin = pg_url.context("no PostgreSQL URL")?;
            pg_admin(
                admin,
                &[
                    &format!("DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"),
                    &format!("CREATE DATABASE {PG_DATABASE}"),
                ],
            )
            .await?;
            with_database(admin, PG_DATABASE)?
        }
    };
    let name = backend.name();
    let load_before = load_average();

    eprintln!("[{name}] grondslag validate");
    let (validate, validate_peak_kb, out) = run(bin, &["validate", file_arg], None)?;
    eprintln!(
        "[{name}]   {} ({:.2} s)",
        out.trim(),
        validate.as_secs_f64()
    );

    eprintln!("[{name}] grondslag import into an empty database");
    let (import, import_peak_kb, out) = run(bin, &["import", "--database", &url, file_arg], None)?;
    eprintln!("[{name}]   {} ({:.2} s)", out.trim(), import.as_secs_f64());
    ensure!(
        out.contains(" activities created"),
        "unexpected import output: {out}"
    );

    // The DPO reads the whole register; GRONDSLAG_BENCH_ROLE=privacy_manager:fnwi measures a
    // list scoped to one faculty instead.
    let role =
        std::env::var("GRONDSLAG_BENCH_ROLE").unwrap_or_else(|_| "data_protection_officer".into());
    run(
        bin,
        &[
            "user",
            "add",
            "--database",
            &url,
            USERNAME,
            "--name",
            "Bench",
            "--role",
            &role,
        ],
        Some(&format!("{PASSWORD}\n")),
    )?;

    let statistics = match backend {
        Backend::Sqlite => "ANALYZE run by the import itself".to_string(),
        Backend::Postgres => pg_statistics(&url).await?,
    };
    eprintln!("[{name}] planner statistics: {statistics}");

    let db_bytes = match backend {
        Backend::Sqlite => ["bench.db", "bench.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum(),
        Backend::Postgres => pg_size(&url).await?,
    };

    eprintln!("[{name}] grondslag serve");
    let (mut server, startup) = Server::start(
        bin,
        &["--database".as_ref(), url.as_ref()],
        dir,
        Duration::from_secs(30),
    )
    .await?;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(CONCURRENT_CLIENTS * 2)
        .build()?;
    let res = client
        .post(format!("{}/api/v1/session", server.base))
        .json(&serde_json::json!({"username": USERNAME, "password": PASSWORD}))
        .send()
        .await?;
    ensure!(res.status() == 200, "login answered {}", res.status());
    let rss_idle_kb = proc_status_kb(server.pid(), "VmRSS").unwrap_or(0);

    eprintln!("[{name}] warm-up: {WARM_UP_REQUESTS} requests");
    run_mix(
        &client,
        &server.base,
        "/api/v1/activities",
        7,
        WARM_UP_REQUESTS,
    )
    .await?;
    eprintln!("[{name}] API, sequential: {requests} requests");
    let sequential = run_mix(&client, &server.base, "/api/v1/activities", 42, requests).await?;
    eprintln!("[{name}] API, {CONCURRENT_CLIENTS} concurrent clients: {requests} requests");
    let concurrent = run_concurrent(&client, &server.base, requests).await?;
    eprintln!("[{name}] HTML page, sequential: {HTML_REQUESTS} requests");
    let html = run_mix(&client, &server.base, "/activities", 43, HTML_REQUESTS).await?;

    let hwm_kb = proc_status_kb(server.pid(), "VmHWM").context("reading VmHWM")?;
    let rss_kb = proc_status_kb(server.pid(), "VmRSS").context("reading VmRSS")?;
    server.stop();
    if backend == Backend::Postgres && !keep {
        pg_admin(
            pg_url.expect("checked"),
            &[&format!(
                "DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
            )],
        )
        .await?;
    }
    if keep {
        eprintln!("[{name}] kept the database {url}");
    }
    Ok(Outcome {
        backend,
        import,
        import_peak_kb,
        validate,
        validate_peak_kb,
        db_bytes,
        statistics,
        load: (load_before, load_average()),
        startup,
        rss_idle_kb,
        sequential,
        concurrent,
        html,
        hwm_kb,
        rss_kb,
    })
}

// ---------------------------------------------------------------------------------------
// The report.

fn latency_cell(s: &Samples) -> String {
    let st = stats(&s.latencies);
    format!(
        "p50 {:.1} / **p95 {:.1}** / p99 {:.1} / max {:.1} ms; {:.0} req/s — {}",
        st.p50,
        st.p95,
        st.p99,
        st.max,
        st.n as f64 / s.wall.as_secs_f64(),
        verdict(st.p95 < P95_TARGET_MS)
    )
}

fn report(data: &DataSet, outcomes: &[Outcome], requests: usize) {
    println!("## Data set\n");
    println!(
        "{} units, {} processors, {} activities with {} versions in all ({:.0} MB of JSON); \
         {} activities with special categories, {} with health data, {} with consent as a legal basis. \
         Generated in {:.1} s; parsed and validated in the bench process in {:.1} s.\n",
        data.units,
        data.processors,
        data.activities,
        data.versions,
        data.bytes as f64 / 1e6,
        data.special,
        data.health,
        data.consent,
        data.generate_s,
        data.parse_s
    );
    println!("## Results\n");
    println!(
        "Requests as a user with the role `{}`; {requests} API requests per mix after {WARM_UP_REQUESTS} warm-up requests, \
         per_page=50, pages 1 to 5.\n",
        std::env::var("GRONDSLAG_BENCH_ROLE").unwrap_or_else(|_| "data_protection_officer".into())
    );
    print!("| Measure | Target |");
    for o in outcomes {
        print!(" {} |", o.backend.name());
    }
    println!();
    print!("|---|---|");
    for _ in outcomes {
        print!("---|");
    }
    println!();
    let row = |name: &str, target: &str, cell: &dyn Fn(&Outcome) -> String| {
        print!("| {name} | {target} |");
        for o in outcomes {
            print!(" {} |", cell(o));
        }
        println!();
    };
    row(
        &format!(
            "`grondslag import` of {} activities (wall time)",
            data.activities
        ),
        "< 5 s",
        &|o| {
            let s = o.import.as_secs_f64();
            format!("**{s:.2} s** — {}", verdict(s < IMPORT_TARGET_S))
        },
    );
    row(
        "of which parsing and validation (`grondslag validate`)",
        "–",
        &|o| format!("{:.2} s", o.validate.as_secs_f64()),
    );
    row(
        "peak memory of `grondslag import` / `validate` (VmHWM)",
        "–",
        &|o| {
            format!(
                "{:.0} MB / {:.0} MB",
                o.import_peak_kb.map_or(0.0, mb),
                o.validate_peak_kb.map_or(0.0, mb)
            )
        },
    );
    row("database size after import", "–", &|o| {
        format!("{:.0} MB", o.db_bytes as f64 / 1e6)
    });
    row("planner statistics during the load", "–", &|o| {
        o.statistics.clone()
    });
    row(
        &format!("API list, 1 client, {requests} requests"),
        "p95 < 50 ms",
        &|o| latency_cell(&o.sequential),
    );
    row(
        &format!("API list, {CONCURRENT_CLIENTS} concurrent clients, {requests} requests"),
        "p95 < 50 ms",
        &|o| latency_cell(&o.concurrent),
    );
    row(
        &format!("HTML page /activities, 1 client, {HTML_REQUESTS} requests"),
        "p95 < 50 ms",
        &|o| latency_cell(&o.html),
    );
    row(
        "load average (1 min) before the import / after the HTTP load",
        "–",
        &|o| format!("{:.2} / {:.2}", o.load.0, o.load.1),
    );
    row("server start until /healthz answers", "–", &|o| {
        format!("{:.2} s", o.startup.as_secs_f64())
    });
    row("server resident memory, peak (VmHWM)", "< 150 MB", &|o| {
        format!(
            "**{:.0} MB** — {}",
            mb(o.hwm_kb),
            verdict(mb(o.hwm_kb) < RSS_TARGET_MB)
        )
    });
    row(
        "server resident memory after start / after the load (VmRSS)",
        "–",
        &|o| format!("{:.0} MB / {:.0} MB", mb(o.rss_idle_kb), mb(o.rss_kb)),
    );
    println!();
    for o in outcomes {
        println!(
            "### {}: API latency by query (1 client)\n",
            o.backend.name()
        );
        println!("| Query | n | mean matches | p50 ms | p95 ms | max ms |");
        println!("|---|---|---|---|---|---|");
        for (label, (lat, total)) in &o.sequential.by_query {
            let st = stats(lat);
            println!(
                "| {label} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
                st.n,
                *total as f64 / st.n.max(1) as f64,
                st.p50,
                st.p95,
                st.max
            );
        }
        println!();
        println!(
            "### {}: HTML page latency by query (1 client)\n",
            o.backend.name()
        );
        println!("| Query | n | p50 ms | p95 ms | max ms |");
        println!("|---|---|---|---|---|");
        for (label, (lat, _)) in &o.html.by_query {
            let st = stats(lat);
            println!(
                "| {label} | {} | {:.1} | {:.1} | {:.1} |",
                st.n, st.p50, st.p95, st.max
            );
        }
        println!();
        let c = stats(&o.concurrent.latencies);
        eprintln!("[{}] concurrent mean {:.1} ms", o.backend.name(), c.mean);
    }
}

// ---------------------------------------------------------------------------------------

fn main() -> Result<()> {
    // `cargo test --benches` runs bench targets without `--bench`: check the generator only.
    if !std::env::args().any(|a| a == "--bench") {
        let dir = tempfile::tempdir()?;
        let data = write_register(&dir.path().join("register.json"), 50)?;
        println!(
            "register bench: a generated register of {} activities parses; run `cargo bench -p grondslag --bench register` to measure",
            data.activities
        );
        return Ok(());
    }
    let activities = env_usize("GRONDSLAG_BENCH_ACTIVITIES", 10_000)?;
    let requests = env_usize("GRONDSLAG_BENCH_REQUESTS", 2_000)?;
    let keep = std::env::var("GRONDSLAG_BENCH_KEEP").is_ok_and(|v| v == "1");
    let pg_url = std::env::var("GRONDSLAG_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let backends: Vec<Backend> = match std::env::var("GRONDSLAG_BENCH_BACKENDS") {
        Ok(list) => list
            .split(',')
            .map(|b| match b.trim() {
                "sqlite" => Ok(Backend::Sqlite),
                "postgres" => Ok(Backend::Postgres),
                other => bail!("unknown backend {other:?}; expected sqlite or postgres"),
            })
            .collect::<Result<_>>()?,
        Err(_) if pg_url.is_some() => vec![Backend::Sqlite, Backend::Postgres],
        Err(_) => vec![Backend::Sqlite],
    };
    if backends.contains(&Backend::Postgres) && pg_url.is_none() {
        bail!("set GRONDSLAG_BENCH_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test");
    }
    let bin = binary()?;
    let dir = tempfile::Builder::new()
        .prefix("grondslag-bench-")
        .tempdir()?;
    let file = dir.path().join("register.json");
    eprintln!("generating {activities} activities with 10 versions each");
    let data = write_register(&file, activities)?;
    eprintln!("  {} ({:.0} MB)", file.display(), data.bytes as f64 / 1e6);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut outcomes = Vec::new();
    for backend in backends {
        let sub = dir.path().join(backend.name().to_lowercase());
        std::fs::create_dir_all(&sub)?;
        outcomes.push(rt.block_on(bench_backend(
            backend,
            &bin,
            &file,
            &sub,
            pg_url.as_deref(),
            requests,
            keep,
        ))?);
    }
    report(&data, &outcomes, requests);
    if keep {
        let kept = dir.keep();
        eprintln!("kept {}", kept.display());
    }
    Ok(())
}
