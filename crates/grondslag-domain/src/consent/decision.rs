//! May this subject's data be processed for this activity at this time? (CON-2 to CON-6,
//! LAW-5, DSR-4.)
//!
//! [`decide`] replays the subject's events up to and including the time asked about, then
//! applies the rules in this order; the first that applies decides:
//!
//! 1. a restriction in force denies (`restriction`; RU 4:5, GDPR 18, DSR-4), whatever else
//!    holds, even when the basis needs no consent;
//! 2. an objection to direct marketing denies a direct-marketing activity
//!    (`direct_marketing_objection`; RU 4:4 lid 2, GDPR 21(3), CON-4), even with consent and
//!    whatever the basis; then an objection to retargeting (`retargeting_objection`, UM 4.4)
//!    and a GPC signal (`gpc_signal`, GDPR 21(5)) deny a targeting activity;
//! 3. an objection the FG upheld denies (`objection_upheld`), and so does one still waiting
//!    for the FG (`objection_pending`; GDPR 18(1)(d) restricts processing meanwhile);
//! 4. an activity whose basis needs no consent is allowed (`basis_not_consent`, or
//!    `objection_rejected` when the FG rejected an objection);
//! 5. otherwise a consent in force allows (`consent_in_force`) unless the activity needs
//!    explicit consent and only ordinary consent is in force (`explicit_consent_required`;
//!    RU 4:8 lid 2, LAW-5); without one, a withdrawn consent denies (`consent_withdrawn`, with
//!    the time of the withdrawal; RU 4:7, GDPR 7(3)) and otherwise `no_consent` (CON-2).
//!
//! Time boundary: an event counts from the instant in its `at`, inclusive. A decision at
//! exactly the time of a withdrawal is "withdrawn"; one a second earlier is still "allowed":
//! withdrawal is not retroactive (CON-3).
//!
//! Which events count: those scoped to the activity asked about, those scoped to one of its
//! purposes, and those scoped to the whole subject when their kind concerns the activity (a
//! restriction always; an objection to direct marketing when the activity is direct marketing;
//! an objection to retargeting or a GPC signal when it targets). Consent is tracked per scope:
//! a withdrawal ends the consent of its own scope, not another consent that also covers the
//! activity.

use super::event::{Effect, LedgerEntry, Scope};
use super::terms::{ObjectionKind, Reason};
use crate::register::Activity;
use crate::vocab::{Art9Exception, LegalBasis, PersonalDataCategory, Purpose, SocialProcessing};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A set of purposes, as a bit per purpose: copying and testing it allocates nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PurposeSet(u32);

impl PurposeSet {
    pub const EMPTY: PurposeSet = PurposeSet(0);

    pub fn of(purposes: &[Purpose]) -> PurposeSet {
        let mut set = PurposeSet::EMPTY;
        for p in purposes {
            set.insert(*p);
        }
        set
    }

    pub fn insert(&mut self, p: Purpose) {
        self.0 |= 1 << (p as u32);
    }

    pub fn contains(self, p: Purpose) -> bool {
        self.0 & (1 << (p as u32)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// What an activity needs before a subject's data may be processed for it, taken from the
/// register ([`ActivityConsentNeeds::from_activity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActivityConsentNeeds {
    /// The activity's purposes: events scoped to one of them count for the activity.
    pub purposes: PurposeSet,
    /// Processing rests, at least in part, on consent.
    pub consent: bool,
    /// The consent must be explicit (RU 4:8 lid 2, GDPR 9(2)(a), UM 4.3, LAW-5).
    pub explicit: bool,
    /// Direct marketing: an objection to direct marketing stops it (CON-4).
    pub direct_marketing: bool,
    /// Targeting or retargeting: an objection to retargeting and a GPC signal stop it.
    pub targeting: bool,
}

const MARKETING: [Purpose; 3] = [
    Purpose::DirectMarketing,
    Purpose::StudentRecruitment,
    Purpose::SocialMediaMarketing,
];

impl ActivityConsentNeeds {
    /// Reads what the register says about the activity:
    ///
    /// - consent is needed when any data category rests on consent (GDPR 6(1)(a) or 9(2)(a)),
    ///   and also when a category has no legal basis yet, or there are no categories: without
    ///   a recorded basis the ledger takes the most private answer (SEC-4). An activity that
    ///   mixes bases is answered for its consent-based part, the strictest;
    /// - explicit consent is needed when the activity says so (`explicit_consent`), when a
    ///   category relies on GDPR 9(2)(a), or when a consent-based activity makes automated
    ///   decisions or profiles (RU 4:8 lid 2, UM 4.3, LAW-5);
    /// - direct marketing means the purpose `direct_marketing`, `student_recruitment` or
    ///   `social_media_marketing`, as in rule `con4-objection-list`;
    /// - targeting means social-media retargeting (`social_retarget`), or marketing with
    ///   online identifiers (cookies).
    pub fn from_activity(a: &Activity) -> ActivityConsentNeeds {
        let explicit_art9 = a
            .data_categories
            .iter()
            .any(|c| c.art9_exception == Some(Art9Exception::ExplicitConsent));
        let consent = explicit_art9
            || a.data_categories.is_empty()
            || a.data_categories
                .iter()
                .any(|c| matches!(c.legal_basis, None | Some(LegalBasis::Consent)));
        let direct_marketing = a.purposes.iter().any(|p| MARKETING.contains(p));
        let retargets = a
            .social_media
            .as_ref()
            .is_some_and(|s| s.forms.contains(&SocialProcessing::Retarget));
        let cookies = a
            .data_categories
            .iter()
            .any(|c| c.category == PersonalDataCategory::OnlineIdentifier);
        ActivityConsentNeeds {
            purposes: PurposeSet::of(&a.purposes),
            consent,
            explicit: consent
                && (a.explicit_consent
                    || explicit_art9
                    || a.automated_decision_making
                    || a.profiling),
            direct_marketing,
            targeting: retargets || (direct_marketing && cookies),
        }
    }

    /// What a question about a purpose alone needs, when no activity is named: consent (the
    /// basis is unknown, so the most private answer), ordinary consent, and direct marketing
    /// for the marketing purposes.
    pub fn for_purpose(p: Purpose) -> ActivityConsentNeeds {
        ActivityConsentNeeds {
            purposes: PurposeSet::of(&[p]),
            consent: true,
            explicit: false,
            direct_marketing: MARKETING.contains(&p),
            targeting: false,
        }
    }
}

/// What a decision is asked about: a register activity (by id) or a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Activity(&'a str),
    Purpose(Purpose),
}

/// The events that decided, as indices into the slice given to [`decide`]; at most two (a
/// consent and its withdrawal, an objection and the FG's assessment). Kept inline, so a
/// decision allocates nothing. Serialised as a JSON array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventRefs {
    len: u8,
    items: [u32; 2],
}

impl EventRefs {
    fn of(items: &[u32]) -> EventRefs {
        let mut refs = EventRefs::default();
        for (slot, i) in refs.items.iter_mut().zip(items) {
            *slot = *i;
        }
        refs.len = items.len().min(2) as u8;
        refs
    }

    pub fn as_slice(&self) -> &[u32] {
        &self.items[..self.len as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.as_slice().iter().map(|i| *i as usize)
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Serialize for EventRefs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

/// The answer: allowed or not, why, since when, and which events decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
    /// When the deciding state began: the consent, the withdrawal, the objection or its
    /// assessment, the restriction. None for `basis_not_consent` and `no_consent`.
    pub since: Option<DateTime<Utc>>,
    /// Indices into the events given to [`decide`].
    pub deciding_events: EventRefs,
}

const NONE: u32 = u32::MAX;
/// Purposes take slots `0..MAX_PURPOSES`; then the activity, then the whole subject.
const MAX_PURPOSES: usize = 16;
const ACTIVITY: usize = MAX_PURPOSES;
const SUBJECT: usize = MAX_PURPOSES + 1;
const SLOTS: usize = MAX_PURPOSES + 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Li {
    None,
    Pending,
    Upheld,
    Rejected,
}

/// The state of one scope while the events are replayed. Every field is an event index or
/// `NONE`.
#[derive(Debug, Clone, Copy)]
struct Slot {
    consent: u32,
    consent_explicit: bool,
    withdrawal: u32,
    restriction: u32,
    /// In force: objection to direct marketing, to retargeting, GPC signal.
    absolute: [u32; 3],
    li: Li,
    li_objection: u32,
    li_decision: u32,
}

impl Slot {
    const EMPTY: Slot = Slot {
        consent: NONE,
        consent_explicit: false,
        withdrawal: NONE,
        restriction: NONE,
        absolute: [NONE; 3],
        li: Li::None,
        li_objection: NONE,
        li_decision: NONE,
    };

    fn apply(&mut self, i: u32, effect: Effect) {
        match effect {
            Effect::Consent { explicit, .. } => {
                self.consent = i;
                self.consent_explicit = explicit;
                self.withdrawal = NONE;
            }
            Effect::Withdrawal => {
                if self.consent != NONE && self.withdrawal == NONE {
                    self.withdrawal = i;
                }
            }
            Effect::Objection(kind) => match absolute(kind) {
                Some(k) => {
                    if self.absolute[k] == NONE {
                        self.absolute[k] = i;
                    }
                }
                None => {
                    if !matches!(self.li, Li::Pending | Li::Upheld) {
                        self.li = Li::Pending;
                        self.li_objection = i;
                        self.li_decision = NONE;
                    }
                }
            },
            Effect::ObjectionUpheld | Effect::ObjectionRejected if self.li == Li::Pending => {
                self.li = if effect == Effect::ObjectionUpheld {
                    Li::Upheld
                } else {
                    Li::Rejected
                };
                self.li_decision = i;
            }
            Effect::ObjectionUpheld | Effect::ObjectionRejected => {}
            Effect::ObjectionWithdrawn(kind) => match absolute(kind) {
                Some(k) => self.absolute[k] = NONE,
                None => self.li = Li::None,
            },
            Effect::RestrictionSet => {
                if self.restriction == NONE {
                    self.restriction = i;
                }
            }
            Effect::RestrictionLifted => self.restriction = NONE,
        }
    }
}

fn absolute(kind: ObjectionKind) -> Option<usize> {
    match kind {
        ObjectionKind::DirectMarketing => Some(0),
        ObjectionKind::Retargeting => Some(1),
        ObjectionKind::Gpc => Some(2),
        ObjectionKind::Objection => None,
    }
}

/// The slot an event counts in for this question, or none when it does not concern it.
fn slot_of(
    scope: Scope<'_>,
    effect: Effect,
    needs: &ActivityConsentNeeds,
    target: Target<'_>,
) -> Option<usize> {
    match scope {
        Scope::Activity(a) => matches!(target, Target::Activity(t) if t == a).then_some(ACTIVITY),
        Scope::Purpose(p) => {
            (needs.purposes.contains(p) || target == Target::Purpose(p)).then_some(p as usize)
        }
        Scope::Subject => {
            let applies = match effect {
                Effect::RestrictionSet | Effect::RestrictionLifted => true,
                Effect::Objection(k) | Effect::ObjectionWithdrawn(k) => match k {
                    ObjectionKind::DirectMarketing => needs.direct_marketing,
                    ObjectionKind::Retargeting | ObjectionKind::Gpc => needs.targeting,
                    // Weighed objections and consents always name a scope.
                    ObjectionKind::Objection => false,
                },
                _ => false,
            };
            applies.then_some(SUBJECT)
        }
    }
}

/// Decides whether the subject's data may be processed for `target` at `at` (see the module
/// documentation for the rules).
///
/// `events` are the subject's events sorted by `at` (ties in the order recorded); events after
/// `at` are not looked at. Invalid sequences (a withdrawal without a consent) cannot occur in
/// a validated ledger; here they are ignored rather than trusted. Costs one pass over the
/// events up to `at` and allocates nothing.
pub fn decide<E: LedgerEntry>(
    events: &[E],
    needs: &ActivityConsentNeeds,
    target: Target<'_>,
    at: DateTime<Utc>,
) -> Decision {
    debug_assert!(
        events.windows(2).all(|w| w[0].at() <= w[1].at()),
        "decide needs the events sorted by time"
    );
    let mut slots = [Slot::EMPTY; SLOTS];
    let mut used: u32 = 0;
    for (i, e) in events.iter().enumerate() {
        if e.at() > at {
            break;
        }
        let effect = e.effect();
        if let Some(s) = slot_of(e.scope(), effect, needs, target) {
            used |= 1 << s;
            slots[s].apply(i as u32, effect);
        }
    }
    evaluate(events, &slots, used, needs)
}

fn evaluate<E: LedgerEntry>(
    events: &[E],
    slots: &[Slot; SLOTS],
    used: u32,
    needs: &ActivityConsentNeeds,
) -> Decision {
    let time = |i: u32| Some(events[i as usize].at());
    let decision = |reason: Reason, since: Option<DateTime<Utc>>, refs: &[u32]| Decision {
        allowed: reason.allows(),
        reason,
        since,
        deciding_events: EventRefs::of(refs),
    };
    let in_use = || {
        slots
            .iter()
            .enumerate()
            .filter(move |(s, _)| used & (1 << s) != 0)
            .map(|(_, slot)| slot)
    };
    // The earliest event index of a field that is set in any slot.
    let earliest = |field: fn(&Slot) -> u32| in_use().map(field).filter(|&i| i != NONE).min();

    if let Some(i) = earliest(|s| s.restriction) {
        return decision(Reason::Restriction, time(i), &[i]);
    }
    for (k, reason) in [
        Reason::DirectMarketingObjection,
        Reason::RetargetingObjection,
        Reason::GpcSignal,
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(i) = in_use().map(|s| s.absolute[k]).filter(|&i| i != NONE).min() {
            return decision(reason, time(i), &[i]);
        }
    }
    if let Some(s) = in_use().find(|s| s.li == Li::Upheld) {
        return decision(
            Reason::ObjectionUpheld,
            time(s.li_decision),
            &[s.li_objection, s.li_decision],
        );
    }
    if let Some(s) = in_use().find(|s| s.li == Li::Pending) {
        return decision(
            Reason::ObjectionPending,
            time(s.li_objection),
            &[s.li_objection],
        );
    }
    if !needs.consent {
        return match in_use().find(|s| s.li == Li::Rejected) {
            Some(s) => decision(
                Reason::ObjectionRejected,
                time(s.li_decision),
                &[s.li_objection, s.li_decision],
            ),
            None => decision(Reason::BasisNotConsent, None, &[]),
        };
    }
    let in_force = || in_use().filter(|s| s.consent != NONE && s.withdrawal == NONE);
    let latest_explicit = in_force()
        .filter(|s| s.consent_explicit)
        .map(|s| s.consent)
        .max();
    let latest = in_force().map(|s| s.consent).max();
    match (needs.explicit, latest_explicit, latest) {
        (true, Some(i), _) | (false, _, Some(i)) => {
            return decision(Reason::ConsentInForce, time(i), &[i])
        }
        (true, None, Some(i)) => return decision(Reason::ExplicitConsentRequired, time(i), &[i]),
        _ => {}
    }
    let withdrawn = in_use()
        .filter(|s| s.withdrawal != NONE)
        .max_by_key(|s| s.withdrawal);
    match withdrawn {
        Some(s) => decision(
            Reason::ConsentWithdrawn,
            time(s.withdrawal),
            &[s.consent, s.withdrawal],
        ),
        None => decision(Reason::NoConsent, None, &[]),
    }
}

#[cfg(test)]
#[test]
fn every_purpose_has_a_slot() {
    use crate::vocab::Term;
    assert!(Purpose::all().len() <= MAX_PURPOSES);
    for (i, p) in Purpose::all().iter().enumerate() {
        assert_eq!(*p as usize, i);
    }
}
