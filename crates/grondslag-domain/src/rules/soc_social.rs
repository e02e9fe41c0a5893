//! SOC-1 to SOC-3, CON-6, UM 2, 5, 6: approved channels only; WhatsApp one way only, with
//! consent for each phone number; reputation monitoring on legitimate interests through a
//! processor.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::{
    LegalBasis, PersonalDataCategory, RecipientKind, SocialChannel, SocialProcessing,
};

pub const RULES: &[Rule] = &[
    Rule {
        id: "soc1-channel-not-approved",
        severity: Severity::Error,
        requirement: "SOC-1",
        article: "UM 2",
        message: Text { nl: "Een kanaal dat niet is toegestaan wordt gebruikt.", en: "A channel that is not approved is used." },
        fix: Text { nl: "Gebruik alleen Facebook, X, LinkedIn, Instagram, YouTube, TikTok of WhatsApp Business (eenzijdig).", en: "Use only Facebook, X, LinkedIn, Instagram, YouTube, TikTok or WhatsApp Business (one way)." },
    },
    Rule {
        id: "soc2-whatsapp-two-way",
        severity: Severity::Error,
        requirement: "CON-6",
        article: "UM 6",
        message: Text { nl: "WhatsApp of een vergelijkbaar kanaal wordt voor gesprekken gebruikt, niet alleen om te zenden.", en: "WhatsApp or a similar channel is used for conversations, not only for broadcasting." },
        fix: Text { nl: "Gebruik het kanaal alleen eenzijdig (een broadcastlijst of kanaal) en verwijs voor vragen naar e-mail of een formulier.", en: "Use the channel one way only (a broadcast list or channel) and refer questions to e-mail or a form." },
    },
    Rule {
        id: "con6-whatsapp-consent",
        severity: Severity::Error,
        requirement: "CON-6",
        article: "UM 6",
        message: Text { nl: "Telefoonnummers worden aan een WhatsApp-uitzending toegevoegd zonder toestemming als grondslag.", en: "Phone numbers are added to a WhatsApp broadcast without consent as the basis." },
        fix: Text { nl: "Voeg alleen nummers toe van wie daarvoor toestemming gaf, en leg die toestemming vast.", en: "Add only the numbers of people who consented, and record that consent." },
    },
    Rule {
        id: "soc3-reputation-basis",
        severity: Severity::Error,
        requirement: "SOC-3",
        article: "UM 5",
        message: Text { nl: "Reputatiemonitoring door een derde partij rust niet op gerechtvaardigd belang of loopt niet via een verwerker.", en: "Reputation monitoring by a third party is not based on legitimate interests or does not go through a processor." },
        fix: Text { nl: "Baseer de monitoring op gerechtvaardigd belang met een belangenafweging en laat haar uitvoeren door een verwerker met verwerkersovereenkomst.", en: "Base the monitoring on legitimate interests with an assessment, carried out by a processor under a processor agreement." },
    },
];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let Some(s) = &a.social_media else { return };
    if let Some(i) = s.channels.iter().position(|c| *c == SocialChannel::Other) {
        out.emit(
            "soc1-channel-not-approved",
            format!("social_media.channels[{i}]"),
            "",
        );
    }
    if s.two_way_conversation {
        out.emit(
            "soc2-whatsapp-two-way",
            "social_media.two_way_conversation",
            "",
        );
    }
    if s.forms.contains(&SocialProcessing::WhatsappBroadcast) {
        for (i, c) in a.data_categories.iter().enumerate() {
            if c.category == PersonalDataCategory::ContactDetails
                && c.legal_basis != Some(LegalBasis::Consent)
            {
                out.emit(
                    "con6-whatsapp-consent",
                    format!("data_categories[{i}].legal_basis"),
                    "",
                );
            }
        }
    }
    if s.forms.contains(&SocialProcessing::ReputationMonitoring) {
        let on_li = a
            .data_categories
            .iter()
            .all(|c| c.legal_basis == Some(LegalBasis::LegitimateInterests));
        let via_processor = a
            .recipients
            .iter()
            .any(|r| r.kind == RecipientKind::Processor);
        if !on_li || !via_processor {
            out.emit("soc3-reputation-basis", "social_media.forms", "");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::law02_lia::tests::complete_lia;
    use super::super::testing::{category, clean, fired};
    use crate::register::{Recipient, SocialMedia};
    use crate::vocab::*;

    #[test]
    fn channels_and_whatsapp() {
        let mut a = clean();
        a.social_media = Some(SocialMedia {
            forms: vec![SocialProcessing::Post],
            channels: vec![SocialChannel::Instagram],
            two_way_conversation: false,
        });
        assert!(fired(&a).is_empty());
        a.social_media
            .as_mut()
            .unwrap()
            .channels
            .push(SocialChannel::Other);
        a.social_media.as_mut().unwrap().two_way_conversation = true;
        assert_eq!(
            fired(&a),
            ["soc1-channel-not-approved", "soc2-whatsapp-two-way"]
        );
    }

    #[test]
    fn whatsapp_numbers_need_consent() {
        let mut a = clean();
        a.consent_methods = vec![ConsentMethod::WebForm];
        a.data_categories = vec![category(
            PersonalDataCategory::ContactDetails,
            LegalBasis::PublicTask,
        )];
        a.social_media = Some(SocialMedia {
            forms: vec![SocialProcessing::WhatsappBroadcast],
            channels: vec![SocialChannel::WhatsappBusiness],
            two_way_conversation: false,
        });
        assert_eq!(fired(&a), ["con6-whatsapp-consent"]);
        a.data_categories[0].legal_basis = Some(LegalBasis::Consent);
        assert!(fired(&a).is_empty());
    }

    #[test]
    fn reputation_monitoring_on_legitimate_interests_through_a_processor() {
        let mut a = clean();
        a.data_categories = vec![category(
            PersonalDataCategory::SocialMediaProfile,
            LegalBasis::LegitimateInterests,
        )];
        a.legitimate_interest_assessment = Some(complete_lia());
        a.social_media = Some(SocialMedia {
            forms: vec![SocialProcessing::ReputationMonitoring],
            channels: vec![SocialChannel::X],
            two_way_conversation: false,
        });
        assert_eq!(fired(&a), ["soc3-reputation-basis"]);
        a.recipients.push(Recipient {
            name: "Listening BV".into(),
            kind: RecipientKind::Processor,
            country: "NL".into(),
            processor: None,
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
        assert_eq!(fired(&a), ["law7-processor-unrecorded"]);
    }
}
