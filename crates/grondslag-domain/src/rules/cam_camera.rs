//! CAM-1 to CAM-3, RU 5:1: camera surveillance serves only the three purposes of lid 1, is
//! signposted, and stores images only for protection of property, for at most four weeks.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::{CameraPurpose, Purpose, Term};

/// RU 5:1 lid 3: four weeks.
pub const MAX_STORAGE_DAYS: u32 = 28;

pub const RULES: &[Rule] = &[
    Rule {
        id: "cam1-no-purpose",
        severity: Severity::Error,
        requirement: "CAM-1",
        article: "RU 5:1 lid 1",
        message: Text { nl: "Cameratoezicht zonder een van de drie toegestane doelen.", en: "Camera surveillance without one of the three permitted purposes." },
        fix: Text { nl: "Kies uit: veiligheid en gezondheid van personen, toezicht op gebouwen en terreinen, bewaking van zaken.", en: "Choose from: safety and health of persons, supervision of buildings and grounds, protection of property." },
    },
    Rule {
        id: "cam1-other-purpose",
        severity: Severity::Error,
        requirement: "CAM-1",
        article: "RU 5:1 lid 1",
        message: Text { nl: "Cameratoezicht voor een doel buiten RU 5:1 lid 1: {detail}.", en: "Camera surveillance for a purpose outside RU 5:1 lid 1: {detail}." },
        fix: Text { nl: "Gebruik camerabeelden alleen voor beveiliging; registreer een ander doel als aparte verwerking met een eigen grondslag, of laat het weg.", en: "Use camera images for security only; register another purpose as a separate activity with its own basis, or drop it." },
    },
    Rule {
        id: "cam2-not-signposted",
        severity: Severity::Error,
        requirement: "CAM-2",
        article: "RU 5:1 lid 2",
        message: Text { nl: "Het cameratoezicht is niet duidelijk aangegeven.", en: "The camera surveillance is not clearly signposted." },
        fix: Text { nl: "Plaats borden bij de toegangen van het gebied onder cameratoezicht.", en: "Put up signs at the entrances of the area under surveillance." },
    },
    Rule {
        id: "cam3-storage-purpose",
        severity: Severity::Error,
        requirement: "CAM-3",
        article: "RU 5:1 lid 3",
        message: Text { nl: "Beelden worden opgeslagen, maar de camera's hebben niet het doel bewaking van zaken (iii).", en: "Images are stored, but the cameras do not have the purpose protection of property (iii)." },
        fix: Text { nl: "Sla alleen beelden op van camera's met doel (iii), of kijk alleen live mee.", en: "Store images only for cameras with purpose (iii), or watch live only." },
    },
    Rule {
        id: "cam3-storage-too-long",
        severity: Severity::Error,
        requirement: "CAM-3",
        article: "RU 5:1 lid 3",
        message: Text { nl: "Opgeslagen beelden worden langer dan vier weken bewaard ({detail}).", en: "Stored images are kept longer than four weeks ({detail})." },
        fix: Text { nl: "Bewaar beelden hooguit 28 dagen, tenzij een incident is vastgelegd.", en: "Keep images for at most 28 days unless an incident was recorded." },
    },
];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let Some(c) = &a.camera else { return };
    if c.purposes.is_empty() {
        out.emit("cam1-no-purpose", "camera.purposes", "");
    }
    for (i, p) in a.purposes.iter().enumerate() {
        if *p != Purpose::Security {
            out.emit(
                "cam1-other-purpose",
                format!("purposes[{i}]"),
                p.machine_name(),
            );
        }
    }
    if !c.signposted {
        out.emit("cam2-not-signposted", "camera.signposted", "");
    }
    if c.images_stored {
        if !c.purposes.contains(&CameraPurpose::ProtectionOfProperty) {
            out.emit("cam3-storage-purpose", "camera.purposes", "");
        }
        match c.storage_days {
            Some(d) if d <= MAX_STORAGE_DAYS => {}
            Some(d) => out.emit(
                "cam3-storage-too-long",
                "camera.storage_days",
                &format!("{d} > {MAX_STORAGE_DAYS}"),
            ),
            None => out.emit(
                "cam3-storage-too-long",
                "camera.storage_days",
                "no period recorded",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{clean, fired};
    use crate::register::{Activity, CameraSurveillance};
    use crate::vocab::{CameraPurpose, Purpose};

    fn camera() -> Activity {
        let mut a = clean();
        a.purposes = vec![Purpose::Security];
        a.dpia_screening = Some(Default::default());
        a.camera = Some(CameraSurveillance {
            purposes: vec![
                CameraPurpose::SafetyOfPersons,
                CameraPurpose::ProtectionOfProperty,
            ],
            locations: "Entrees".into(),
            signposted: true,
            images_stored: true,
            storage_days: Some(28),
        });
        a
    }

    #[test]
    fn four_weeks_is_the_limit() {
        assert!(fired(&camera()).is_empty());
        let mut a = camera();
        a.camera.as_mut().unwrap().storage_days = Some(29);
        assert_eq!(fired(&a), ["cam3-storage-too-long"]);
        a.camera.as_mut().unwrap().storage_days = None;
        assert_eq!(fired(&a), ["cam3-storage-too-long"]);
        a.camera.as_mut().unwrap().images_stored = false;
        assert!(fired(&a).is_empty(), "live viewing needs no storage period");
    }

    #[test]
    fn purposes_and_signs() {
        let mut a = camera();
        a.camera.as_mut().unwrap().purposes = vec![CameraPurpose::SafetyOfPersons];
        assert_eq!(fired(&a), ["cam3-storage-purpose"]);
        a.camera.as_mut().unwrap().purposes.clear();
        a.camera.as_mut().unwrap().signposted = false;
        assert_eq!(
            fired(&a),
            [
                "cam1-no-purpose",
                "cam2-not-signposted",
                "cam3-storage-purpose"
            ]
        );
        let mut b = camera();
        b.purposes.push(Purpose::HumanResources);
        assert_eq!(fired(&b), ["cam1-other-purpose"]);
    }
}
