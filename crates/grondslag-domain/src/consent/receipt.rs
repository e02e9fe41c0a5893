//! Receipts of a consent, for the subject and the AP (CON-1, GDPR 7(1)): a Kantara Consent
//! Receipt v1.1 and a JSON-LD record after the W3C DPV profile of ISO/IEC TS 27560.
//!
//! A receipt is made for the subject, so it carries the identifier the subject knows (their
//! e-mail address, say), which the caller passes in: the ledger itself holds only the key.
//! The Kantara format records the act of consenting and has no status; the DPV record lists
//! the consent's states with DPV's consent-status terms (given or renewed, then withdrawn).
//!
//! `data/kantara/` holds the Kantara schema as published, with `//` comment lines; it is built
//! in and [`check_kantara`] validates a receipt against it (draft-04).

use super::event::{consent_status, ConsentEvent, Effect, LedgerEntry, Notice, NoticeHash, Scope};
use super::terms::{ConsentStatus, Reason};
use crate::register::{Activity, Organisation};
use crate::vocab::{
    Art9Exception, ConsentMethod, LegalBasis, PersonalDataCategory, Purpose, RecipientKind, Term,
};
use crate::Lang;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// The `version` of a Kantara Consent Receipt v1.1.
pub const KANTARA_VERSION: &str = "KI-CR-v1.1.0";

const KANTARA_SCHEMA: &str =
    include_str!("../../../../data/kantara/kantara-consent-receipt-v1_1-schema.json");

/// The controller as a receipt names it. [`Controller::from_organisation`] fills it from the
/// register; the server may add the phone number and address from its configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Controller {
    pub name: String,
    /// Who to contact about the consent: the FG.
    pub contact: String,
    pub email: String,
    pub phone: String,
    pub street_address: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub url: String,
}

impl Controller {
    pub fn from_organisation(org: &Organisation) -> Controller {
        let contact = if org.dpo_name.trim().is_empty() {
            "Functionaris Gegevensbescherming".to_string()
        } else {
            org.dpo_name.clone()
        };
        let email = if org.contact_email.trim().is_empty() {
            org.dpo_email.clone()
        } else {
            org.contact_email.clone()
        };
        Controller {
            name: org.name.clone(),
            contact,
            email,
            country: "NL".to_string(),
            ..Controller::default()
        }
    }
}

/// Everything one receipt is made from.
#[derive(Debug, Clone)]
pub struct ReceiptInput<'a> {
    /// The ledger's id of the consent event: the record's identifier.
    pub consent_id: &'a str,
    /// A new identifier for this receipt (a UUID, say).
    pub receipt_id: &'a str,
    /// The subject's events in time order, and which of them is the consent.
    pub events: &'a [ConsentEvent],
    pub consent: usize,
    /// The notice the consent points to.
    pub notice: &'a Notice,
    /// The activity, when the consent names one.
    pub activity: Option<&'a Activity>,
    pub controller: &'a Controller,
    /// The identifier as the subject knows it; it goes on the receipt (`piiPrincipalId`).
    pub subject_identifier: &'a str,
    /// Where the privacy statement is, and where consent can be withdrawn.
    pub policy_url: &'a str,
    /// When the receipt is made; the DPV record's states are those at this time.
    pub issued_at: DateTime<Utc>,
}

/// Why a receipt cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("event {0} is not a consent; receipts are made for consent_given and consent_renewed")]
    NotAConsent(usize),
    #[error("the notice given has hash {given}, but the consent points to {expected}")]
    NoticeMismatch {
        expected: NoticeHash,
        given: NoticeHash,
    },
}

/// The consent event and the facts every receipt needs, checked once.
struct Facts<'a> {
    event: &'a ConsentEvent,
    method: ConsentMethod,
    explicit: bool,
    lang: Lang,
    purposes: Vec<Purpose>,
    service: String,
    /// The withdrawal that ended the consent, if it came before `issued_at`.
    withdrawal: Option<&'a ConsentEvent>,
}

fn facts<'a>(input: &ReceiptInput<'a>) -> Result<Facts<'a>, ReceiptError> {
    let event = input
        .events
        .get(input.consent)
        .ok_or(ReceiptError::NotAConsent(input.consent))?;
    let details = event
        .consent()
        .ok_or(ReceiptError::NotAConsent(input.consent))?;
    if details.notice != input.notice.hash() {
        return Err(ReceiptError::NoticeMismatch {
            expected: details.notice,
            given: input.notice.hash(),
        });
    }
    let lang = Lang::from_tag(&input.notice.language).unwrap_or(Lang::En);
    let (purposes, service) = match (event.scope(), input.activity) {
        (Scope::Purpose(p), _) => (vec![p], p.label(lang).to_string()),
        (_, Some(a)) => (a.purposes.clone(), a.name.clone()),
        (Scope::Activity(id), None) => (Vec::new(), id.to_string()),
        (Scope::Subject, None) => (Vec::new(), input.notice.id.clone()),
    };
    let (_, withdrawal) = consent_status(input.events, input.consent, input.issued_at)
        .ok_or(ReceiptError::NotAConsent(input.consent))?;
    Ok(Facts {
        event,
        method: details.method,
        explicit: details.explicit,
        lang,
        purposes,
        service,
        withdrawal: withdrawal.map(|w| &input.events[w]),
    })
}

fn categories(activity: Option<&Activity>) -> Vec<PersonalDataCategory> {
    let mut out: Vec<PersonalDataCategory> = Vec::new();
    for c in activity
        .map(|a| a.data_categories.as_slice())
        .unwrap_or(&[])
    {
        if !out.contains(&c.category) {
            out.push(c.category);
        }
    }
    out
}

/// A Kantara Consent Receipt v1.1 of the consent at `input.consent`. It validates against the
/// Kantara schema ([`check_kantara`]).
pub fn kantara_receipt(input: &ReceiptInput<'_>) -> Result<Value, ReceiptError> {
    let f = facts(input)?;
    let lang = f.lang;
    let categories = categories(input.activity);
    let pii: Vec<&str> = categories.iter().map(|c| c.label(lang)).collect();
    let special: Vec<&str> = categories
        .iter()
        .filter(|c| c.is_special())
        .map(|c| c.label(lang))
        .collect();
    let third_parties: Vec<&str> = input
        .activity
        .map(|a| a.recipients.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter(|r| r.kind == RecipientKind::ThirdParty)
        .map(|r| r.name.as_str())
        .collect();
    let termination = match lang {
        Lang::Nl => "Tot de betrokkene de toestemming intrekt (AVG art. 7 lid 3)",
        Lang::En => "Until the data subject withdraws consent (GDPR 7(3))",
    };
    // Kantara has no term for "ordinary" consent; GDPR consent is always expressed, so the
    // two kinds map to DPV's ExpressedConsent and ExplicitlyExpressedConsent.
    let consent_type = if f.explicit { "EXPLICIT" } else { "EXPRESSED" };
    let purpose_texts: Vec<(String, String)> = if f.purposes.is_empty() {
        vec![(f.service.clone(), f.service.clone())]
    } else {
        f.purposes
            .iter()
            .map(|p| (p.label(lang).to_string(), p.machine_name().to_string()))
            .collect()
    };
    let purposes: Vec<Value> = purpose_texts
        .into_iter()
        .enumerate()
        .map(|(i, (label, category))| {
            let mut p = json!({
                "purpose": label,
                "purposeCategory": [category],
                "consentType": consent_type,
                "piiCategory": pii,
                "primaryPurpose": i == 0,
                "termination": termination,
                "thirdPartyDisclosure": !third_parties.is_empty(),
            });
            if !third_parties.is_empty() {
                p["thirdPartyName"] = json!(third_parties.join("; "));
            }
            p
        })
        .collect();
    let c = input.controller;
    let mut address = Map::new();
    if !c.street_address.is_empty() {
        address.insert("streetAddress".into(), json!(c.street_address));
    }
    if !c.country.is_empty() {
        address.insert("addressCountry".into(), json!(c.country));
    }
    let mut controller = json!({
        "piiController": c.name,
        "onBehalf": false,
        "contact": c.contact,
        "address": address,
        "email": c.email,
        "phone": c.phone,
    });
    if !c.url.is_empty() {
        controller["piiControllerUrl"] = json!(c.url);
    }
    Ok(json!({
        "version": KANTARA_VERSION,
        "jurisdiction": "NL",
        "consentTimestamp": f.event.at.timestamp().max(0),
        "collectionMethod": f.method.label(lang),
        "consentReceiptID": input.receipt_id,
        "language": input.notice.language,
        "piiPrincipalId": input.subject_identifier,
        "piiControllers": [controller],
        "policyUrl": input.policy_url,
        "services": [{ "service": f.service, "purposes": purposes }],
        "sensitive": !special.is_empty(),
        "spiCat": special,
    }))
}

/// The namespaces of the DPV record, and which of its properties take IRIs or timestamps.
fn dpv_context() -> Value {
    json!({
        "dpv": "https://w3id.org/dpv#",
        "pd": "https://w3id.org/dpv/pd#",
        "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
        "edu": "https://w3id.org/dpv/sector/education#",
        "loc": "https://w3id.org/dpv/loc#",
        "dct": "http://purl.org/dc/terms/",
        "schema": "https://schema.org/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "dct:conformsTo": { "@type": "@id" },
        "dct:created": { "@type": "xsd:dateTime" },
        "schema:recipient": { "@type": "@id" },
        "dpv:hasPurpose": { "@type": "@id" },
        "dpv:hasPersonalData": { "@type": "@id" },
        "dpv:hasLegalBasis": { "@type": "@id" },
        "dpv:hasJurisdiction": { "@type": "@id" },
        "dpv:hasApplicableLaw": { "@type": "@id" },
        "dpv:hasDataController": { "@type": "@id" },
        "dpv:isIndicatedBy": { "@type": "@id" },
        "dpv:isExercisedAt": { "@type": "@id" },
        "dpv:isIndicatedAtTime": { "@type": "xsd:dateTime" },
    })
}

/// A DPV IRI in the record's prefixes (`https://w3id.org/dpv#ConsentGiven` is
/// `dpv:ConsentGiven`).
fn compact(iri: &str) -> String {
    const PREFIXES: [(&str, &str); 4] = [
        ("https://w3id.org/dpv/pd#", "pd:"),
        ("https://w3id.org/dpv/legal/eu/gdpr#", "eu-gdpr:"),
        ("https://w3id.org/dpv/sector/education#", "edu:"),
        ("https://w3id.org/dpv#", "dpv:"),
    ];
    for (long, short) in PREFIXES {
        if let Some(rest) = iri.strip_prefix(long) {
            return format!("{short}{rest}");
        }
    }
    iri.to_string()
}

/// A term as a DPV IRI where DPV has one, else a node of the given class with its label.
fn term_node<T: Term>(t: T, class: &str, lang: Lang) -> Value {
    match t.dpv() {
        Some(iri) => json!(compact(iri)),
        None => json!({ "@type": class, "dct:title": t.label(lang) }),
    }
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The consent as a DPV consent receipt wrapping one consent record (ISO/IEC TS 27560, DPV
/// guide `consent-27560`), in JSON-LD.
pub fn dpv_record(input: &ReceiptInput<'_>) -> Result<Value, ReceiptError> {
    let f = facts(input)?;
    let lang = f.lang;
    let c = input.controller;
    let controller_id = "urn:grondslag:controller";
    let kind = if f.explicit {
        "dpv:ExplicitlyExpressedConsent"
    } else {
        "dpv:ExpressedConsent"
    };
    let given = match f.event.effect() {
        Effect::Consent { renewed: true, .. } => ConsentStatus::Renewed,
        _ => ConsentStatus::Given,
    };
    let mut states = vec![json!({
        "@type": [compact(given.dpv().expect("consent states have DPV terms")), kind],
        "dpv:isIndicatedBy": "dpv:DataSubject",
        "dpv:hasIndicationMethod": f.method.label(lang),
        "dpv:isIndicatedAtTime": timestamp(f.event.at),
    })];
    if let Some(w) = f.withdrawal {
        states.push(json!({
            "@type": compact(Reason::ConsentWithdrawn.dpv().expect("withdrawn has a DPV term")),
            "dpv:isIndicatedBy": "dpv:DataSubject",
            "dpv:isIndicatedAtTime": timestamp(w.at),
        }));
    }
    let purposes: Vec<Value> = if f.purposes.is_empty() {
        vec![json!({ "@type": "dpv:Purpose", "dct:title": f.service })]
    } else {
        f.purposes
            .iter()
            .map(|p| term_node(*p, "dpv:Purpose", lang))
            .collect()
    };
    let personal_data: Vec<Value> = categories(input.activity)
        .into_iter()
        .map(|cat| term_node(cat, "dpv:PersonalData", lang))
        .collect();
    let mut bases = vec![compact(
        LegalBasis::Consent.dpv().expect("consent has a DPV term"),
    )];
    if input.activity.is_some_and(|a| {
        a.data_categories
            .iter()
            .any(|d| d.art9_exception == Some(Art9Exception::ExplicitConsent))
    }) {
        bases.push(compact(
            Art9Exception::ExplicitConsent
                .dpv()
                .expect("9(2)(a) has a DPV term"),
        ));
    }
    let mut process = json!({
        "@type": "dpv:Process",
        "dct:title": f.service,
        "dpv:hasPurpose": purposes,
        "dpv:hasLegalBasis": bases,
        "dpv:hasDataController": controller_id,
    });
    if !personal_data.is_empty() {
        process["dpv:hasPersonalData"] = json!(personal_data);
    }
    let mut contact = json!({
        "@type": "schema:ContactPoint",
        "schema:name": c.contact,
        "schema:email": c.email,
    });
    if !c.phone.is_empty() {
        contact["schema:telephone"] = json!(c.phone);
    }
    let mut controller = json!({
        "@id": controller_id,
        "@type": "dpv:DataController",
        "dpv:hasName": c.name,
        "schema:contactPoint": contact,
    });
    if !c.url.is_empty() {
        controller["schema:url"] = json!(c.url);
    }
    let notice = input.notice;
    let withdraw_title = match lang {
        Lang::Nl => "Recht om toestemming in te trekken",
        Lang::En => "Right to withdraw consent",
    };
    let mut right = json!({
        "@type": ["dpv:DataSubjectRight", "eu-gdpr:A7-3"],
        "dct:title": withdraw_title,
    });
    if !input.policy_url.is_empty() {
        right["dpv:isExercisedAt"] = json!(input.policy_url);
    }
    Ok(json!({
        "@context": dpv_context(),
        "@id": format!("urn:grondslag:consent-receipt:{}", input.receipt_id),
        "@type": "dpv:ConsentReceipt",
        "dct:identifier": input.receipt_id,
        "dct:conformsTo": "https://w3id.org/dpv/schema/dpv-27560#receipt",
        "dct:created": timestamp(input.issued_at),
        "dct:publisher": c.name,
        "schema:recipient": "dpv:DataSubject",
        "dpv:hasRecordOfActivity": {
            "@id": format!("urn:grondslag:consent:{}", input.consent_id),
            "@type": "dpv:ConsentRecord",
            "dct:identifier": input.consent_id,
            "dct:conformsTo": "https://w3id.org/dpv/schema/dpv-27560#record",
            "dpv:hasDataSubject": {
                "@type": "dpv:DataSubject",
                "dct:identifier": input.subject_identifier,
            },
            "dpv:hasDataController": controller,
            "dpv:hasJurisdiction": "loc:NL",
            "dpv:hasApplicableLaw": "eu-gdpr:GDPR",
            "dpv:hasProcess": process,
            "dpv:hasRight": right,
            "dpv:hasNotice": {
                "@type": "dpv:ConsentNotice",
                "dct:identifier": notice.id,
                "schema:version": notice.version,
                "dct:language": notice.language,
                "schema:sha256": notice.hash().to_hex(),
                "schema:text": notice.text,
            },
            "dpv:hasConsentStatus": states,
        },
    }))
}

/// The Kantara schema with its `//` comment lines removed, as JSON.
fn kantara_schema() -> Value {
    let json: String = KANTARA_SCHEMA
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).expect("the Kantara schema is JSON once its comments are gone")
}

/// Checks a receipt against the Kantara Consent Receipt v1.1 schema (draft-04). Each problem
/// is given as `path: message`.
pub fn check_kantara(receipt: &Value) -> Result<(), Vec<String>> {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&kantara_schema())
            .expect("the Kantara schema compiles")
    });
    let problems: Vec<String> = validator
        .iter_errors(receipt)
        .map(|e| format!("{}: {}", e.instance_path, e))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_loses_only_its_comments() {
        let schema = kantara_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        assert_eq!(schema["required"].as_array().unwrap().len(), 11);
    }

    #[test]
    fn the_published_example_validates_and_a_broken_one_does_not() {
        let example: Value = serde_json::from_str(include_str!(
            "../../../../data/kantara/kantara-consent-receipt-v1_1-example.json"
        ))
        .unwrap();
        assert_eq!(check_kantara(&example), Ok(()));
        let mut broken = example.clone();
        broken.as_object_mut().unwrap().remove("piiPrincipalId");
        broken["consentTimestamp"] = json!("yesterday");
        let problems = check_kantara(&broken).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn compact_iris_use_the_context_prefixes() {
        assert_eq!(
            compact("https://w3id.org/dpv#ConsentGiven"),
            "dpv:ConsentGiven"
        );
        assert_eq!(
            compact("https://w3id.org/dpv/pd#EmailAddress"),
            "pd:EmailAddress"
        );
        assert_eq!(
            compact("https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"),
            "eu-gdpr:A6-1-a"
        );
        assert_eq!(compact("https://example.org/x"), "https://example.org/x");
    }
}
