//! The registration workflow (REG-2, RU 2:8 lid 2): an activity is submitted through the
//! unit's privacy manager and registered by the FG office.

use crate::vocab::vocabulary;

vocabulary! {
    /// Where an activity is in the registration workflow.
    Status ("status") {
        Draft => "draft", "Draft", "Concept", "RU 2:8 lid 2", None;
        Submitted => "submitted", "Submitted", "Aangemeld", "RU 2:8 lid 2", None;
        Registered => "registered", "Registered", "Geregistreerd", "RU 2:8 lid 2", None;
        Retired => "retired", "Retired", "Beëindigd", "–", None;
    }
}

impl Status {
    /// The statuses this one may move to. A submitted activity can be returned to draft;
    /// a retired one is final, so the register keeps what was once true.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Draft => &[Submitted, Retired],
            Submitted => &[Registered, Draft],
            Registered => &[Retired],
            Retired => &[],
        }
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Whether the content of an activity in this status may still be edited.
    pub fn is_editable(self) -> bool {
        self != Status::Retired
    }
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    #[test]
    fn workflow_edges() {
        assert!(Draft.can_move_to(Submitted));
        assert!(Submitted.can_move_to(Registered));
        assert!(Submitted.can_move_to(Draft));
        assert!(Registered.can_move_to(Retired));
        assert!(
            !Draft.can_move_to(Registered),
            "the FG office registers only what was submitted"
        );
        assert!(!Registered.can_move_to(Draft));
        assert!(!Retired.can_move_to(Draft));
        for s in [Draft, Submitted, Registered, Retired] {
            assert!(!s.can_move_to(s), "{s} to itself is no transition");
        }
        assert!(!Status::Retired.is_editable());
    }
}
