//! LAW-2, UM 3.1, RU 3:2 lid 1 f, RU 2:7 lid 5 b: legitimate interests need a documented
//! assessment with three tests, reviewed by the FG, weighing children extra.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::{LegalBasis, LiaOutcome, ReviewDecision};

pub const RULES: &[Rule] = &[
    Rule {
        id: "law2-lia-missing",
        severity: Severity::Error,
        requirement: "LAW-2",
        article: "UM 3.1; RU 3:2 lid 1 f",
        message: Text { nl: "Gerechtvaardigd belang als grondslag, maar er is geen belangenafweging vastgelegd.", en: "Legitimate interests is the basis, but no legitimate-interest assessment is recorded." },
        fix: Text { nl: "Leg de belangenafweging vast met de drie toetsen van UM 3.1 (legitiem belang, noodzakelijkheid, belangenafweging) en laat de FG haar beoordelen.", en: "Record the assessment with the three tests of UM 3.1 (legitimate interest, necessity, balancing) and have the DPO review it." },
    },
    Rule {
        id: "law2-lia-incomplete",
        severity: Severity::Error,
        requirement: "LAW-2",
        article: "UM 3.1",
        message: Text { nl: "De belangenafweging is niet compleet: {detail} ontbreekt.", en: "The legitimate-interest assessment is incomplete: {detail} is missing." },
        fix: Text { nl: "Werk alle drie toetsen uit en leg de uitkomst vast.", en: "Work out all three tests and record the outcome." },
    },
    Rule {
        id: "law2-purely-commercial",
        severity: Severity::Error,
        requirement: "LAW-2",
        article: "UM 3.1 ad 1",
        message: Text { nl: "Het belang is zuiver commercieel; dat is geen gerechtvaardigd belang van de universiteit.", en: "The interest is purely commercial, which is no legitimate interest of the university." },
        fix: Text { nl: "Benoem een reëel, rechtens erkend belang dat niet zuiver commercieel is, of kies een andere grondslag (bijvoorbeeld toestemming).", en: "Name a real, legally recognised interest that is not purely commercial, or choose another basis (for example consent)." },
    },
    Rule {
        id: "law2-lia-rejected",
        severity: Severity::Error,
        requirement: "LAW-2",
        article: "UM 3.1 ad 3; RU 2:7 lid 5",
        message: Text { nl: "De belangenafweging valt uit in het nadeel van de verwerking ({detail}).", en: "The assessment goes against the processing ({detail})." },
        fix: Text { nl: "Stop de verwerking op deze grondslag, of pas haar aan en laat de afweging opnieuw beoordelen.", en: "Stop processing on this basis, or change the processing and have the assessment reviewed again." },
    },
    Rule {
        id: "law2-lia-not-reviewed",
        severity: Severity::Warning,
        requirement: "LAW-2",
        article: "RU 2:7 lid 5 b",
        message: Text { nl: "De belangenafweging is nog niet door de FG goedgekeurd.", en: "The legitimate-interest assessment has not been approved by the DPO." },
        fix: Text { nl: "Leg de afweging voor aan de FG; bij twijfel legt de FG haar voor aan het CvB.", en: "Submit the assessment to the DPO, who refers doubtful cases to the Board." },
    },
    Rule {
        id: "law2-lia-escalated",
        severity: Severity::Warning,
        requirement: "LAW-2",
        article: "RU 2:7 lid 5 b",
        message: Text { nl: "De belangenafweging ligt ter beslissing bij het CvB.", en: "The assessment awaits the Board's decision." },
        fix: Text { nl: "Leg het besluit van het CvB vast zodra het er is.", en: "Record the Board's decision when it is taken." },
    },
    Rule {
        id: "law2-children",
        severity: Severity::Error,
        requirement: "LAW-2",
        article: "RU 3:2 lid 1 f; UM 3.1 ad 3",
        message: Text { nl: "Kinderen zijn betrokkenen bij een verwerking op grond van gerechtvaardigd belang, en de afweging weegt hun belangen niet expliciet.", en: "Children are among the subjects of a processing based on legitimate interests, and the assessment does not weigh their interests explicitly." },
        fix: Text { nl: "Weeg de belangen van kinderen extra zwaar en leg dat vast in de afweging, of kies toestemming van de ouder als grondslag.", en: "Give the interests of children extra weight and record it in the assessment, or base the processing on parental consent." },
    },
];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    if !a
        .data_categories
        .iter()
        .any(|c| c.legal_basis == Some(LegalBasis::LegitimateInterests))
    {
        return;
    }
    let has_children = a.data_subjects.iter().any(|s| s.is_child());
    let Some(lia) = &a.legitimate_interest_assessment else {
        out.emit("law2-lia-missing", "legitimate_interest_assessment", "");
        if has_children {
            out.emit("law2-children", "data_subjects", "");
        }
        return;
    };
    let p = "legitimate_interest_assessment";
    let missing = lia.missing();
    if !missing.is_empty() {
        out.emit(
            "law2-lia-incomplete",
            format!("{p}.{}", missing[0]),
            &missing.join(", "),
        );
    }
    if lia.purely_commercial {
        out.emit(
            "law2-purely-commercial",
            format!("{p}.purely_commercial"),
            "",
        );
    }
    if has_children && lia.children.trim().is_empty() {
        out.emit("law2-children", format!("{p}.children"), "");
    }
    if lia.outcome == Some(LiaOutcome::SubjectsPrevail) {
        out.emit(
            "law2-lia-rejected",
            format!("{p}.outcome"),
            "subjects_prevail",
        );
    }
    match lia.review.as_ref().map(|r| r.decision) {
        None => out.emit("law2-lia-not-reviewed", format!("{p}.review"), ""),
        Some(ReviewDecision::Rejected) => {
            out.emit("law2-lia-rejected", format!("{p}.review"), "lia_rejected")
        }
        Some(ReviewDecision::Escalated) => {
            out.emit("law2-lia-escalated", format!("{p}.review"), "")
        }
        Some(ReviewDecision::Approved) => {}
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testing::{category, clean, fired};
    use crate::register::{Activity, LegitimateInterestAssessment, Review};
    use crate::vocab::*;
    use chrono::NaiveDate;

    pub fn complete_lia() -> LegitimateInterestAssessment {
        LegitimateInterestAssessment {
            interest: "Contact met alumni onderhouden".into(),
            why_legitimate: "Band met de universiteit; geen commercieel doel".into(),
            necessity: "Adres nodig om het magazine te sturen".into(),
            proportionality: "Alleen naam en adres".into(),
            subsidiarity: "Geen minder ingrijpend middel".into(),
            balancing: "Alumni verwachten het magazine; afmelden kan altijd".into(),
            outcome: Some(LiaOutcome::InterestPrevails),
            review: Some(Review {
                decision: ReviewDecision::Approved,
                date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
                reviewer: "FG".into(),
                notes: String::new(),
            }),
            ..Default::default()
        }
    }

    fn li() -> Activity {
        let mut a = clean();
        a.data_categories = vec![category(
            PersonalDataCategory::Address,
            LegalBasis::LegitimateInterests,
        )];
        a.legitimate_interest_assessment = Some(complete_lia());
        a
    }

    #[test]
    fn a_complete_approved_assessment_passes() {
        assert!(fired(&li()).is_empty());
    }

    #[test]
    fn the_assessment_edges() {
        let mut a = li();
        a.legitimate_interest_assessment = None;
        assert_eq!(fired(&a), ["law2-lia-missing"]);

        let mut a = li();
        a.legitimate_interest_assessment
            .as_mut()
            .unwrap()
            .subsidiarity = " ".into();
        assert_eq!(fired(&a), ["law2-lia-incomplete"]);

        let mut a = li();
        a.legitimate_interest_assessment
            .as_mut()
            .unwrap()
            .purely_commercial = true;
        assert_eq!(fired(&a), ["law2-purely-commercial"]);

        let mut a = li();
        a.legitimate_interest_assessment.as_mut().unwrap().review = None;
        assert_eq!(fired(&a), ["law2-lia-not-reviewed"]);

        let mut a = li();
        a.legitimate_interest_assessment
            .as_mut()
            .unwrap()
            .review
            .as_mut()
            .unwrap()
            .decision = ReviewDecision::Escalated;
        assert_eq!(fired(&a), ["law2-lia-escalated"]);

        let mut a = li();
        a.legitimate_interest_assessment.as_mut().unwrap().outcome =
            Some(LiaOutcome::SubjectsPrevail);
        assert_eq!(fired(&a), ["law2-lia-rejected"]);
    }

    #[test]
    fn children_weigh_extra() {
        let mut a = li();
        a.dpia_screening = Some(Default::default());
        a.data_subjects.push(DataSubjectCategory::Child);
        assert_eq!(fired(&a), ["law2-children"]);
        a.legitimate_interest_assessment.as_mut().unwrap().children =
            "Alleen met toestemming ouder; geen profilering".into();
        assert!(fired(&a).is_empty());
        a.data_subjects = vec![DataSubjectCategory::Minor];
        a.legitimate_interest_assessment
            .as_mut()
            .unwrap()
            .children
            .clear();
        assert_eq!(fired(&a), ["law2-children"], "minors count too");
    }

    #[test]
    fn other_bases_need_no_assessment() {
        let mut a = li();
        a.data_categories[0].legal_basis = Some(LegalBasis::Consent);
        a.consent_methods = vec![ConsentMethod::WebForm];
        a.legitimate_interest_assessment = None;
        assert!(fired(&a).is_empty());
    }
}
