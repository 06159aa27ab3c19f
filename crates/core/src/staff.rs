//! The staff of a program and what each of them reaches: a [`Role`] within a [`Scope`] (every
//! program, one program, one hub of a program), and the one rule ([`Staff::may`]) that says
//! whether a member of staff may do an [`Act`] on a session, wherever the question is asked
//! (the back office's pages, its exports, the check-in link).
//!
//! - an **admin** reaches everything, and may seat someone beyond the seats;
//! - a **manager** reaches every session of one program, and may seat beyond the seats;
//! - an **operator** (the partner organisation that runs a hub) reaches the sessions of one hub
//!   of one program, or of every hub one partner organisation of the program runs (the hubs
//!   that name it, as the program says when the question is asked), and nothing of another hub
//!   or of a session without a hub;
//! - a **trainer** reads and checks people in at the sessions of their program they are
//!   assigned to, and changes nothing.
//!
//! Passwords are parsed here too ([`Password`]): the rule of what is long enough is the
//! domain's; hashing them is an adapter's.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{HubId, ProgramId, Tag};

/// What a member of staff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, everywhere.
    Admin,
    /// One program.
    Manager,
    /// One hub of one program.
    Operator,
    /// Their own sessions of one program: read and check-in.
    Trainer,
}

impl Role {
    /// Every role, from the widest.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Operator, Role::Trainer];

    /// The role's name as stored and typed (`admin`, `manager`, `operator`, `trainer`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Operator => "operator",
            Role::Trainer => "trainer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A role name that is none of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role: use admin, manager, operator or trainer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// A role with the program and hub it is bound to, as the role requires: an admin has neither,
/// a manager and a trainer a program, an operator a program and either one of its hubs or one
/// of its partner organisations (every hub that partner runs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    role: Role,
    program: Option<ProgramId>,
    hub: Option<HubId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partner: Option<Tag>,
}

/// A role given the wrong bindings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// A manager, operator or trainer without a program.
    #[error("a {0} works for one program: name it (--program)")]
    NeedsProgram(Role),
    /// An operator without a hub or a partner.
    #[error(
        "an operator runs one hub of a program, or the hubs of one of its partners: name the hub (--hub) or the partner (--partner)"
    )]
    NeedsHub,
    /// An operator bound to a hub and to a partner.
    #[error("an operator is bound to one hub or to one partner, not both: give --hub or --partner")]
    HubOrPartner,
    /// An admin bound to a program, a hub or a partner.
    #[error("an admin reaches every program: give neither a program nor a hub nor a partner")]
    AdminIsEverywhere,
    /// A manager or a trainer bound to a hub or a partner.
    #[error("a {0} is not bound to a hub or a partner: give only the program")]
    NoHub(Role),
}

impl Scope {
    /// The scope of `role` with these bindings, refused when the role needs others.
    pub fn new(
        role: Role,
        program: Option<ProgramId>,
        hub: Option<HubId>,
    ) -> Result<Scope, ScopeError> {
        Scope::bound(role, program, hub, None)
    }

    /// The scope of `role` with these bindings, a partner among them, refused when the role
    /// needs others: only an operator is bound to a partner, instead of a hub.
    ///
    /// ```
    /// use skillhub_core::ids::{ProgramId, Tag};
    /// use skillhub_core::staff::{Role, Scope};
    /// let program = ProgramId::parse("milano-digitale")?;
    /// let city = Tag::parse("comune-di-milano")?;
    /// let scope = Scope::bound(Role::Operator, Some(program.clone()), None, Some(city.clone())).unwrap();
    /// assert_eq!(scope.partner(), Some(&city));
    /// assert!(Scope::bound(Role::Manager, Some(program), None, Some(city)).is_err());
    /// # Ok::<(), skillhub_core::ids::IdError>(())
    /// ```
    pub fn bound(
        role: Role,
        program: Option<ProgramId>,
        hub: Option<HubId>,
        partner: Option<Tag>,
    ) -> Result<Scope, ScopeError> {
        let place = hub.is_some() || partner.is_some();
        match (role, &program) {
            (Role::Admin, None) if !place => {}
            (Role::Admin, _) => return Err(ScopeError::AdminIsEverywhere),
            (_, None) => return Err(ScopeError::NeedsProgram(role)),
            (Role::Operator, Some(_)) if hub.is_some() && partner.is_some() => {
                return Err(ScopeError::HubOrPartner);
            }
            (Role::Operator, Some(_)) if !place => return Err(ScopeError::NeedsHub),
            (Role::Operator, Some(_)) => {}
            (Role::Manager | Role::Trainer, Some(_)) if place => {
                return Err(ScopeError::NoHub(role));
            }
            (Role::Manager | Role::Trainer, Some(_)) => {}
        }
        Ok(Scope {
            role,
            program,
            hub,
            partner,
        })
    }

    /// The admin's scope: everything.
    pub fn admin() -> Scope {
        Scope {
            role: Role::Admin,
            program: None,
            hub: None,
            partner: None,
        }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The program, unless an admin.
    pub fn program(&self) -> Option<&ProgramId> {
        self.program.as_ref()
    }

    /// The hub, for an operator of one hub.
    pub fn hub(&self) -> Option<&HubId> {
        self.hub.as_ref()
    }

    /// The partner organisation, for an operator bound to a partner's hubs.
    pub fn partner(&self) -> Option<&Tag> {
        self.partner.as_ref()
    }

    /// Whether the scope covers `program` at all (some of its sessions may be reachable).
    pub fn covers_program(&self, program: &ProgramId) -> bool {
        self.program.as_ref().is_none_or(|own| own == program)
    }
}

/// What can be done to a session and its registrations, from the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Act {
    /// See the session and who registered (its pages, its exports of registrations, its
    /// attendance register).
    See,
    /// Record who came.
    CheckIn,
    /// Change the session or its registrations (edit, cancel, move, add within the seats, draw,
    /// import).
    Change,
    /// Seat someone beyond the seats: an explicit, audited choice.
    Overbook,
}

impl Act {
    /// Every act, from the least.
    pub const ALL: [Act; 4] = [Act::See, Act::CheckIn, Act::Change, Act::Overbook];
}

/// Where a session is, as the rule reads it: its program, its hub (none for an online session),
/// the partner organisation that runs that hub, and whether this member of staff is one of its
/// trainers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// The session's program.
    pub program: &'a ProgramId,
    /// The session's hub.
    pub hub: Option<&'a HubId>,
    /// The partner that runs the hub, as the program names it now (none: no hub, or a hub
    /// without a partner).
    pub partner: Option<&'a Tag>,
    /// Whether the member of staff asking is assigned to it as a trainer.
    pub assigned: bool,
}

/// A member of staff: an id (what the audit log names) and a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The account's id.
    pub id: i64,
    /// What it reaches.
    pub scope: Scope,
}

impl Staff {
    /// The actor the audit log names: `staff:ID`.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }

    /// Whether this member of staff may do `act` at a session in `place`. The acts are
    /// nested: whoever may change may check in, whoever may check in may see.
    pub fn may(&self, act: Act, place: Place<'_>) -> bool {
        let scope = &self.scope;
        let in_program = scope.covers_program(place.program);
        match scope.role {
            Role::Admin => true,
            Role::Manager => in_program,
            Role::Operator => {
                let own_hub = scope.hub.is_some() && place.hub == scope.hub.as_ref();
                let partner_hub = scope.partner.is_some()
                    && place.hub.is_some()
                    && place.partner == scope.partner.as_ref();
                in_program && act <= Act::Change && (own_hub || partner_hub)
            }
            Role::Trainer => in_program && act <= Act::CheckIn && place.assigned,
        }
    }

    /// Whether this member of staff may create a session in `program` at `hub`, run by
    /// `partner` (a new session has no trainer yet): [`Act::Change`] there.
    pub fn may_create(
        &self,
        program: &ProgramId,
        hub: Option<&HubId>,
        partner: Option<&Tag>,
    ) -> bool {
        self.may(
            Act::Change,
            Place {
                program,
                hub,
                partner,
                assigned: false,
            },
        )
    }

    /// Whether this member of staff reads a program's own pages (its progress, its roster, the
    /// registrations of all its sessions): an admin, or the program's manager. An operator or a
    /// trainer sees the program only through their sessions.
    pub fn sees_whole_program(&self, program: &ProgramId) -> bool {
        match self.scope.role {
            Role::Admin => true,
            Role::Manager => self.scope.covers_program(program),
            Role::Operator | Role::Trainer => false,
        }
    }
}

/// The fewest characters a password has.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password has (hashing a megabyte would be a cheap attack).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password that is long enough, and not absurdly long. It is never printed: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("a password has at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    /// The same character over and over.
    #[error("a password is not one character repeated")]
    Repeated,
}

impl Password {
    /// `text` as a password, counted in characters (not bytes), spaces included.
    pub fn parse(text: &str) -> Result<Password, PasswordError> {
        let count = text.chars().count();
        if count < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if count > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        let mut chars = text.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(PasswordError::Repeated);
        }
        Ok(Password(text.to_owned()))
    }

    /// The password's text, for the hasher.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn program(n: u8) -> ProgramId {
        ProgramId::parse(&format!("program-{n}")).unwrap()
    }

    fn hub(n: u8) -> HubId {
        HubId::parse(&format!("hub-{n}")).unwrap()
    }

    fn partner(n: u8) -> Tag {
        Tag::parse(&format!("partner-{n}")).unwrap()
    }

    /// The partner that runs hub `h` in these tests: hubs 0 and 1 are partner 0's, hub 2
    /// partner 1's, so a partner runs one hub or several.
    fn runner(h: u8) -> u8 {
        u8::from(h >= 2)
    }

    fn scope_strategy() -> impl Strategy<Value = Scope> {
        (0..5usize, 0..3u8, 0..3u8).prop_map(|(role, p, h)| match role {
            0 => Scope::admin(),
            1 => Scope::new(Role::Operator, Some(program(p)), Some(hub(h))).unwrap(),
            2 => {
                Scope::bound(Role::Operator, Some(program(p)), None, Some(partner(h % 2))).unwrap()
            }
            3 => Scope::new(Role::Manager, Some(program(p)), None).unwrap(),
            _ => Scope::new(Role::Trainer, Some(program(p)), None).unwrap(),
        })
    }

    fn act_strategy() -> impl Strategy<Value = Act> {
        (0..4usize).prop_map(|i| Act::ALL[i])
    }

    proptest! {
        /// Whoever may do an act may do every lesser one.
        #[test]
        fn acts_are_nested(scope in scope_strategy(), act in act_strategy(), p in 0..3u8, h in proptest::option::of(0..3u8), assigned: bool) {
            let staff = Staff { id: 1, scope };
            let (program, hub, runner) = (program(p), h.map(hub), h.map(|h| partner(runner(h))));
            let place = Place { program: &program, hub: hub.as_ref(), partner: runner.as_ref(), assigned };
            if staff.may(act, place) {
                for lesser in Act::ALL.into_iter().filter(|a| *a <= act) {
                    prop_assert!(staff.may(lesser, place), "{act:?} but not {lesser:?}");
                }
            }
        }

        /// Nobody but an admin reaches another program, an operator never another hub than its
        /// own or its partner's (never a hub without a partner, nor a session without a hub), a
        /// trainer never a session they are not assigned to nor a change, and only admins and
        /// managers seat beyond the seats.
        #[test]
        fn nobody_reaches_beyond_their_scope(scope in scope_strategy(), act in act_strategy(), p in 0..3u8, h in proptest::option::of(0..3u8), run in any::<bool>(), assigned: bool) {
            let staff = Staff { id: 7, scope: scope.clone() };
            // A hub may also have no partner (`run` false).
            let (program, hub) = (program(p), h.map(hub));
            let runs = h.filter(|_| run).map(|h| partner(runner(h)));
            let may = staff.may(act, Place { program: &program, hub: hub.as_ref(), partner: runs.as_ref(), assigned });
            match scope.role() {
                Role::Admin => prop_assert!(may),
                Role::Manager => prop_assert_eq!(may, scope.program() == Some(&program)),
                Role::Operator => {
                    // The oracle: the hubs the operator runs, listed.
                    let reach: Vec<HubId> = match (scope.hub(), scope.partner()) {
                        (Some(own), _) => vec![own.clone()],
                        (None, Some(partner)) => (0..3u8)
                            .filter(|x| run && &self::partner(runner(*x)) == partner)
                            .map(self::hub)
                            .collect(),
                        (None, None) => Vec::new(),
                    };
                    prop_assert_eq!(
                        may,
                        scope.program() == Some(&program)
                            && hub.as_ref().is_some_and(|h| reach.contains(h))
                            && act != Act::Overbook
                    );
                }
                Role::Trainer => prop_assert_eq!(
                    may,
                    scope.program() == Some(&program) && assigned && act <= Act::CheckIn
                ),
            }
        }
    }

    #[test]
    fn a_scope_has_the_bindings_its_role_needs() {
        let (p, h) = (Some(program(1)), Some(hub(1)));
        assert!(Scope::new(Role::Admin, None, None).is_ok());
        assert_eq!(
            Scope::new(Role::Admin, p.clone(), None),
            Err(ScopeError::AdminIsEverywhere)
        );
        assert_eq!(
            Scope::new(Role::Manager, None, None),
            Err(ScopeError::NeedsProgram(Role::Manager))
        );
        assert_eq!(
            Scope::new(Role::Operator, p.clone(), None),
            Err(ScopeError::NeedsHub)
        );
        assert_eq!(
            Scope::new(Role::Trainer, p.clone(), h.clone()),
            Err(ScopeError::NoHub(Role::Trainer))
        );
        assert!(Scope::new(Role::Operator, p.clone(), h.clone()).is_ok());
        let partner = Some(partner(1));
        assert!(Scope::bound(Role::Operator, p.clone(), None, partner.clone()).is_ok());
        assert_eq!(
            Scope::bound(Role::Operator, p.clone(), h, partner.clone()),
            Err(ScopeError::HubOrPartner)
        );
        assert_eq!(
            Scope::bound(Role::Manager, p.clone(), None, partner.clone()),
            Err(ScopeError::NoHub(Role::Manager))
        );
        assert_eq!(
            Scope::bound(Role::Admin, None, None, partner),
            Err(ScopeError::AdminIsEverywhere)
        );
        assert_eq!("Operator".parse::<Role>(), Ok(Role::Operator));
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn a_password_is_long_enough_and_not_one_character() {
        assert_eq!(Password::parse("corto-11car"), Err(PasswordError::TooShort));
        assert!(Password::parse("dodici-carat").is_ok());
        // Characters, not bytes: twelve accented letters are enough, eleven are not.
        assert!(Password::parse(&"è".repeat(11)).is_err());
        assert!(Password::parse("èàìòùéèàìòùx").is_ok());
        assert_eq!(
            Password::parse(&"a".repeat(20)),
            Err(PasswordError::Repeated)
        );
        assert_eq!(
            Password::parse(&"ab".repeat(129)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            format!("{:?}", Password::parse("segreto-lungo-1").unwrap()),
            "Password(…)"
        );
    }
}
