//! CON-4, RU 4:4 lid 2, RU 4:11 lid 5, UM 4.4: an objection to direct marketing is absolute,
//! so every marketing activity filters its audience against the objection list.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::{Purpose, SocialProcessing};

pub const RULES: &[Rule] = &[Rule {
    id: "con4-objection-list",
    severity: Severity::Error,
    requirement: "CON-4",
    article: "RU 4:4 lid 2; UM 4.4",
    message: Text { nl: "Direct marketing of retargeting zonder koppeling aan de bezwaarlijst.", en: "Direct marketing or retargeting without a link to the objection list." },
    fix: Text { nl: "Filter de doelgroep vóór elk gebruik op bezwaren; bezwaar tegen direct marketing wordt altijd gehonoreerd.", en: "Filter the audience against objections before every use; an objection to direct marketing is always honoured." },
}];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let marketing = a.purposes.iter().any(|p| {
        matches!(
            p,
            Purpose::DirectMarketing | Purpose::StudentRecruitment | Purpose::SocialMediaMarketing
        )
    }) || a
        .social_media
        .as_ref()
        .is_some_and(|s| s.forms.contains(&SocialProcessing::Retarget));
    if marketing && !a.objection_list_applied {
        out.emit("con4-objection-list", "objection_list_applied", "");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{clean, fired};
    use crate::register::SocialMedia;
    use crate::vocab::{Purpose, SocialProcessing};

    #[test]
    fn marketing_and_retargeting_need_the_objection_list() {
        let mut a = clean();
        a.purposes.push(Purpose::DirectMarketing);
        assert_eq!(fired(&a), ["con4-objection-list"]);
        a.objection_list_applied = true;
        assert!(fired(&a).is_empty());
        let mut b = clean();
        b.social_media = Some(SocialMedia {
            forms: vec![SocialProcessing::Retarget],
            ..Default::default()
        });
        assert_eq!(fired(&b), ["con4-objection-list"]);
    }
}
