//! LAW-10, RU 3:8, RU 2:8 lid 3 g: a retention period for every category; where several
//! periods apply, the longest holds.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::{Activity, Retention};
use crate::vocab::{PeriodUnit, Term};

pub const RULES: &[Rule] = &[Rule {
    id: "law10-no-retention",
    severity: Severity::Error,
    requirement: "LAW-10",
    article: "RU 3:8; RU 2:8 lid 3 g",
    message: Text { nl: "De categorie {detail} heeft geen bewaartermijn.", en: "The category {detail} has no retention period." },
    fix: Text { nl: "Leg vast hoe lang de gegevens nodig zijn, vanaf welk moment, waar de termijn vandaan komt en wat er daarna gebeurt.", en: "Record how long the data is needed, from when, where the period comes from and what happens afterwards." },
}];

/// A period in days, for comparing periods in different units (a year of 365.2425 days, a
/// month of a twelfth of that).
fn days(r: &Retention) -> f64 {
    let per = match r.unit {
        PeriodUnit::Days => 1.0,
        PeriodUnit::Weeks => 7.0,
        PeriodUnit::Months => 365.2425 / 12.0,
        PeriodUnit::Years => 365.2425,
    };
    f64::from(r.period) * per
}

/// The period that holds for the activity: the longest of its categories' (RU 3:8).
pub fn effective_retention(a: &Activity) -> Option<&Retention> {
    a.data_categories
        .iter()
        .filter_map(|c| c.retention.as_ref())
        .max_by(|x, y| days(x).total_cmp(&days(y)))
}

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    for (i, c) in a.data_categories.iter().enumerate() {
        if c.retention.is_none() {
            out.emit(
                "law10-no-retention",
                format!("data_categories[{i}].retention"),
                c.category.machine_name(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{category, clean, fired};
    use super::*;
    use crate::vocab::{EndAction, LegalBasis, PersonalDataCategory};

    fn period(n: u32, unit: PeriodUnit) -> Option<Retention> {
        Some(Retention {
            period: n,
            unit,
            starts: String::new(),
            source: String::new(),
            end_action: EndAction::Destroy,
        })
    }

    #[test]
    fn the_longest_period_holds_across_units() {
        let mut a = clean();
        a.data_categories = vec![
            category(PersonalDataCategory::Name, LegalBasis::PublicTask),
            category(PersonalDataCategory::Grades, LegalBasis::PublicTask),
            category(PersonalDataCategory::Address, LegalBasis::PublicTask),
        ];
        a.data_categories[0].retention = period(13, PeriodUnit::Months);
        a.data_categories[1].retention = period(1, PeriodUnit::Years);
        a.data_categories[2].retention = period(400, PeriodUnit::Days);
        assert_eq!(
            effective_retention(&a),
            period(400, PeriodUnit::Days).as_ref(),
            "400 days is longer than 13 months (395.7 days)"
        );
        a.data_categories[2].retention = period(395, PeriodUnit::Days);
        assert_eq!(
            effective_retention(&a),
            period(13, PeriodUnit::Months).as_ref()
        );
    }

    #[test]
    fn every_category_needs_a_period() {
        let mut a = clean();
        a.data_categories[0].retention = None;
        assert_eq!(fired(&a), ["law10-no-retention"]);
        assert_eq!(effective_retention(&a), None);
    }
}
