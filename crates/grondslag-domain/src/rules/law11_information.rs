//! LAW-11, UM 4.1, GDPR 14(3): subjects whose data comes from elsewhere are informed within
//! a reasonable time, at the latest within one month.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;

pub const RULES: &[Rule] = &[
    Rule {
        id: "law11-no-information",
        severity: Severity::Error,
        requirement: "LAW-11",
        article: "UM 4.1; GDPR 14",
        message: Text { nl: "De gegevens komen niet van de betrokkene zelf, en er is niet vastgelegd hoe de betrokkenen worden geïnformeerd.", en: "The data does not come from the data subjects, and how they are informed is not recorded." },
        fix: Text { nl: "Leg vast hoe en binnen hoeveel dagen de betrokkenen worden geïnformeerd (uiterlijk binnen een maand).", en: "Record how and within how many days the data subjects are informed (at the latest within one month)." },
    },
    Rule {
        id: "law11-information-late",
        severity: Severity::Error,
        requirement: "LAW-11",
        article: "UM 4.1; GDPR 14(3)(a)",
        message: Text { nl: "De betrokkenen worden niet binnen een maand geïnformeerd ({detail}).", en: "The data subjects are not informed within one month ({detail})." },
        fix: Text { nl: "Informeer de betrokkenen uiterlijk binnen een maand na verkrijging, en zo mogelijk eerder.", en: "Inform the data subjects at the latest within one month of obtaining the data, and earlier where possible." },
    },
    Rule {
        id: "law11-information-month-edge",
        severity: Severity::Warning,
        requirement: "LAW-11",
        article: "UM 4.1; GDPR 14(3)(a)",
        message: Text { nl: "{detail} dagen is in een korte maand langer dan een maand.", en: "{detail} days is longer than a month in a short month." },
        fix: Text { nl: "Kies 28 dagen of minder, dan is de termijn in elke maand gehaald.", en: "Choose 28 days or fewer, which is within a month in every month." },
    },
];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    if !a.data_origins.iter().any(|o| o.is_indirect()) {
        return;
    }
    match &a.subject_information {
        Some(i) if !i.method.trim().is_empty() => match i.within_days {
            None => out.emit(
                "law11-information-late",
                "subject_information.within_days",
                "no period recorded",
            ),
            Some(d) if d > 31 => out.emit(
                "law11-information-late",
                "subject_information.within_days",
                &d.to_string(),
            ),
            Some(d) if d > 28 => out.emit(
                "law11-information-month-edge",
                "subject_information.within_days",
                &d.to_string(),
            ),
            Some(_) => {}
        },
        _ => out.emit("law11-no-information", "subject_information", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{clean, fired};
    use crate::register::SubjectInformation;
    use crate::vocab::DataOrigin;

    #[test]
    fn within_a_month_at_the_latest() {
        let mut a = clean();
        a.data_origins.push(DataOrigin::University);
        assert!(
            fired(&a).is_empty(),
            "data from another unit of the same controller is not indirect"
        );
        a.data_origins.push(DataOrigin::ThirdParty);
        assert_eq!(fired(&a), ["law11-no-information"]);
        for (days, want) in [
            (Some(28), vec![]),
            (Some(29), vec!["law11-information-month-edge"]),
            (Some(31), vec!["law11-information-month-edge"]),
            (Some(32), vec!["law11-information-late"]),
            (None, vec!["law11-information-late"]),
        ] {
            a.subject_information = Some(SubjectInformation {
                method: "Brief bij eerste contact".into(),
                within_days: days,
            });
            assert_eq!(fired(&a), want, "{days:?}");
        }
    }
}
