//! Who may do what (the roles table of REQUIREMENTS.md, REG-3, SEC-3): one permission table
//! decides every access, and unit scoping follows the tree of units.

use crate::register::{descendants, Unit};
use crate::vocab::vocabulary;
use serde::Serialize;

vocabulary! {
    /// A role a person holds, overall or for some units.
    Role ("role") {
        Dpo => "data_protection_officer", "Data Protection Officer (DPO)", "Functionaris Gegevensbescherming (FG)", "RU art. 1 lid 11; RU 2:7", Some("https://w3id.org/dpv#DataProtectionOfficer");
        DpoOffice => "dpo_office", "DPO office", "FG-bureau", "RU 2:7 lid 3", None;
        PrivacyManager => "privacy_manager", "Decentral privacy manager", "Decentrale privacymanager", "RU 2:8 lid 2", None;
        InformationManager => "information_manager", "Information manager (IM)", "Informatiemanager (IM)", "UM 4", None;
        DomainOwner => "domain_owner", "Domain owner", "Domeineigenaar", "RU art. 1 lid 8; RU 2:8 lid 1", None;
        Staff => "staff_member", "Staff member", "Medewerker", "UM 1", None;
        SecurityOfficer => "security_officer", "Security officer", "Beveiligingsfunctionaris", "RU 5:1 lid 4", None;
        Auditor => "auditor", "Auditor (reads everything)", "Auditor (leest alles)", "RU 2:7 lid 4", None;
        CouncilReader => "council_reader", "Works or student council (camera overview)", "OR of USR (overzicht cameratoezicht)", "RU 5:1 lid 6", None;
        Administrator => "administrator", "Administrator (accounts and settings)", "Beheerder (accounts en instellingen)", "–", None;
        CommunicationOfficer => "communication_officer", "Communication officer (checks audiences)", "Communicatiemedewerker (toetst doelgroepen)", "UM 4.4; UM 6; RU 4:4 lid 2", None;
        ConsentClient => "consent_client", "Connected system (asks and records consent)", "Gekoppeld systeem (vraagt en legt toestemming vast)", "CON-1; CON-2", None;
    }
}

/// Something a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read activities, their history and findings.
    ReadRegister,
    /// Create activities and edit their content.
    EditActivity,
    /// Submit an activity to the FG office, or take it back to draft.
    SubmitActivity,
    /// Register, return or retire an activity (RU 2:8 lid 2: the FG office registers).
    RegisterActivity,
    /// Create and change units and processors.
    ManageOrganisation,
    /// Import a register file.
    ImportRegister,
    /// Export the register.
    ExportRegister,
    /// Walk the audit chain.
    VerifyAudit,
    /// Create accounts and grant roles.
    ManageAccounts,
    /// See data-subject requests, their timelines and statistics (RU 4:11 lid 1: requests
    /// come in through the FG).
    ReadRequests,
    /// Take in requests and handle them: verify identity, extend, complete, refuse.
    HandleRequests,
    /// Approve an erasure after its dry run; only the FG.
    ApproveErasure,
    /// Ask the consent ledger for decisions and filter audiences (CON-2, CON-5, CON-6),
    /// without seeing anyone's events: the communication officer before a mailing, and a
    /// connected system (the CRM, the website, the mailing tool) by its API token.
    CheckConsent,
    /// Read the consent ledger itself (CON-2 to CON-4): a subject's timeline, receipts,
    /// the notices. The FG, the FG office and the auditor.
    ReadConsent,
    /// Record consent events (CON-1): consents, withdrawals, objections, restrictions. The
    /// FG and the FG office, and a connected system (the website, the CRM) by its API token.
    RecordConsent,
    /// Write, publish and retire consent notices: the texts the website and the hosted form
    /// show (CON-1, GDPR 7(1)). The FG and the FG office. Reading notices needs
    /// `ReadConsent`.
    ManageConsentNotices,
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Permission::ReadRegister,
        Permission::EditActivity,
        Permission::SubmitActivity,
        Permission::RegisterActivity,
        Permission::ManageOrganisation,
        Permission::ImportRegister,
        Permission::ExportRegister,
        Permission::VerifyAudit,
        Permission::ManageAccounts,
        Permission::ReadRequests,
        Permission::HandleRequests,
        Permission::ApproveErasure,
        Permission::CheckConsent,
        Permission::ReadConsent,
        Permission::RecordConsent,
        Permission::ManageConsentNotices,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadRegister => "read_register",
            Permission::EditActivity => "edit_activity",
            Permission::SubmitActivity => "submit_activity",
            Permission::RegisterActivity => "register_activity",
            Permission::ManageOrganisation => "manage_organisation",
            Permission::ImportRegister => "import_register",
            Permission::ExportRegister => "export_register",
            Permission::VerifyAudit => "verify_audit",
            Permission::ManageAccounts => "manage_accounts",
            Permission::ReadRequests => "read_requests",
            Permission::HandleRequests => "handle_requests",
            Permission::ApproveErasure => "approve_erasure",
            Permission::CheckConsent => "check_consent",
            Permission::ReadConsent => "read_consent",
            Permission::RecordConsent => "record_consent",
            Permission::ManageConsentNotices => "manage_consent_notices",
        }
    }
}

/// What a role may do, and whether it is limited to the units it was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Reach {
    /// Not at all.
    None,
    /// Only for activities of the granted units and the units below them (REG-3).
    Units,
    /// Everywhere.
    All,
}

/// The one permission table. Every access decision goes through it.
pub fn reach(role: Role, p: Permission) -> Reach {
    use Permission::*;
    use Reach::{All, None as No, Units};
    use Role::*;
    match (role, p) {
        (Dpo | DpoOffice, ManageAccounts) => No,
        (DpoOffice, ApproveErasure) => No,
        (Dpo | DpoOffice, _) => All,
        (
            PrivacyManager | InformationManager,
            ReadRegister | EditActivity | SubmitActivity | ExportRegister,
        ) => Units,
        (DomainOwner, ReadRegister | EditActivity | SubmitActivity) => Units,
        (Staff, ReadRegister | EditActivity) => Units,
        (SecurityOfficer, ReadRegister) => Units,
        (
            Auditor,
            ReadRegister | ExportRegister | VerifyAudit | ReadRequests | CheckConsent | ReadConsent,
        ) => All,
        (CommunicationOfficer, CheckConsent) => All,
        (ConsentClient, CheckConsent | RecordConsent) => All,
        (Administrator, ManageAccounts | VerifyAudit) => All,
        _ => No,
    }
}

impl Role {
    /// Whether the role holds for granted units (and the units below them) rather than
    /// everywhere: such a grant names its unit.
    pub fn is_unit_bound(self) -> bool {
        Permission::ALL
            .iter()
            .any(|p| reach(self, *p) == Reach::Units)
    }
}

/// A role held by a person, for all units or for one unit and those below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Grant {
    pub role: Role,
    /// The unit the role is limited to; none for roles that hold everywhere.
    pub unit: Option<String>,
}

impl Grant {
    /// `privacy_manager:fnwi` or `data_protection_officer`: a role, and a unit after a colon.
    pub fn parse(s: &str) -> Result<Grant, String> {
        let (role, unit) = match s.split_once(':') {
            Some((r, u)) => (r, Some(u.to_string())),
            None => (s, None),
        };
        let role = role.parse::<Role>().map_err(|e| e.to_string())?;
        Ok(Grant { role, unit })
    }
}

/// The units a person may act on with a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Nothing,
    Units(Vec<String>),
    Everything,
}

impl Scope {
    pub fn allows(&self, unit: &str) -> bool {
        match self {
            Scope::Nothing => false,
            Scope::Units(u) => u.iter().any(|x| x == unit),
            Scope::Everything => true,
        }
    }

    pub fn is_nothing(&self) -> bool {
        matches!(self, Scope::Nothing) || matches!(self, Scope::Units(u) if u.is_empty())
    }
}

/// Where a person with these grants may use a permission, given the unit tree.
pub fn scope(grants: &[Grant], p: Permission, units: &[Unit]) -> Scope {
    let mut keys: Vec<String> = Vec::new();
    for g in grants {
        match (reach(g.role, p), &g.unit) {
            (Reach::All, _) => return Scope::Everything,
            // A unit-bound role granted without a unit reaches nothing: never everything.
            (Reach::Units, Some(u)) => {
                for k in descendants(units, u) {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
            _ => {}
        }
    }
    if keys.is_empty() {
        Scope::Nothing
    } else {
        Scope::Units(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::UnitKind;

    fn unit(id: &str, parent: Option<&str>) -> Unit {
        Unit {
            id: id.into(),
            kind: UnitKind::Faculty,
            name_nl: id.into(),
            name_en: id.into(),
            parent: parent.map(Into::into),
        }
    }

    #[test]
    fn a_privacy_manager_reaches_their_units_two_levels_down_and_no_further() {
        let units = [
            unit("fnwi", None),
            unit("imapp", Some("fnwi")),
            unit("lab", Some("imapp")),
            unit("law", None),
        ];
        let pm = [Grant {
            role: Role::PrivacyManager,
            unit: Some("fnwi".into()),
        }];
        let s = scope(&pm, Permission::EditActivity, &units);
        assert!(s.allows("lab") && s.allows("fnwi") && !s.allows("law"));
        assert_eq!(
            scope(&pm, Permission::RegisterActivity, &units),
            Scope::Nothing,
            "the FG office registers"
        );
        let unbound = [Grant {
            role: Role::PrivacyManager,
            unit: None,
        }];
        assert_eq!(
            scope(&unbound, Permission::ReadRegister, &units),
            Scope::Nothing
        );
    }

    #[test]
    fn the_table_separates_privacy_content_from_administration() {
        assert_eq!(
            reach(Role::Administrator, Permission::ReadRegister),
            Reach::None
        );
        assert_eq!(
            reach(Role::Administrator, Permission::ManageAccounts),
            Reach::All
        );
        assert_eq!(reach(Role::Dpo, Permission::ManageAccounts), Reach::None);
        assert_eq!(
            reach(Role::Auditor, Permission::EditActivity),
            Reach::None,
            "the auditor changes nothing"
        );
        assert_eq!(
            reach(Role::CouncilReader, Permission::ReadRegister),
            Reach::None
        );
        for p in Permission::ALL {
            assert_ne!(reach(Role::Auditor, p), Reach::Units);
        }
    }
}
