package model

import (
	"errors"
	"time"
)

// Rules of people and access (用户与权限): what a change to a user, an
// invitation, a login or a delivery location must satisfy. Pure functions:
// the store loads, asks them and writes; handlers ask the ones about the
// acting user before they call a use case.

// ErrPasswordSet refuses to invite a user who has chosen a password
// already: an invitation would let whoever reads the e-mail replace it.
var ErrPasswordSet = errors.New("the user has a password already")

// CheckUserChange refuses a saved user (u) that changes what the user
// is: its kind (staff or dealer) and a dealer user's customer stay as old
// has them (ErrNotAllowed).
func CheckUserChange(old, u *User) error {
	if old.Kind != u.Kind || old.CustomerID != u.CustomerID {
		return ErrNotAllowed
	}
	return nil
}

// CheckInvitable says whether user u may be sent an invitation now:
// ErrPasswordSet when it has a password, ErrNotAllowed when disabled, a
// field error at email without an address; nil when it may.
func CheckInvitable(u *User) error {
	switch {
	case u.PasswordHash != "":
		return ErrPasswordSet
	case u.Disabled:
		return ErrNotAllowed
	case u.Email == "":
		return Invalid("email", "err.required")
	}
	return nil
}

// InvitationOpen reports whether invitation inv of user u still opens a
// password form at now: live, and the user neither disabled nor holding a
// password by now.
func InvitationOpen(inv *Invitation, u *User, now time.Time) bool {
	return inv.Live(now) && u.PasswordHash == "" && !u.Disabled
}

// MayLogin reports whether u may hold a session: not disabled, staff, or a
// dealer user whose customer is active (customerActive, as loaded).
func (u *User) MayLogin(customerActive bool) bool {
	if u.Disabled {
		return false
	}
	if u.Kind == KindDealer {
		return customerActive
	}
	return u.Kind == KindStaff
}

// CheckSelfAction refuses what a user may not do to their own account
// through the user pages (err.self on field): disable it, or reset its
// password there (the account page changes it, keeping the session).
func CheckSelfAction(actor, target *User, field string) error {
	if actor != nil && target != nil && actor.ID == target.ID {
		return Invalid(field, "err.self")
	}
	return nil
}

// CheckLocationChange refuses un-flagging the primary location l was (old)
// directly: another one is made primary instead (a field error at primary).
func CheckLocationChange(old, l *Location) error {
	if old.Primary && !l.Primary {
		return Invalid("primary", "err.primary_required")
	}
	return nil
}

// CheckLocationDelete refuses removing the primary location l while the
// customer has others (count is how many it has, l included); the last one
// may go.
func CheckLocationDelete(l *Location, count int) error {
	if l.Primary && count > 1 {
		return Invalid("primary", "err.primary_delete")
	}
	return nil
}

// InviteOnUpsert reports whether a dealer user the ERP pushes (u, over old;
// old nil for a new one) is sent an invitation: it has no password and is
// enabled, and it is new, its e-mail address changed, it was enabled again
// or it has no pending invitation (pending).
func InviteOnUpsert(old, u *User, pending bool) bool {
	return u.PasswordHash == "" && !u.Disabled &&
		(old == nil || old.Email != u.Email || old.Disabled || !pending)
}
