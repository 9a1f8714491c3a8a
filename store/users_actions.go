package store

import "dealerportal/model"

// The use cases of people and access: users (staff and dealer users),
// invitations, sessions and a user's own account. Each is one transaction;
// the caller has checked the function permission (manage staff, manage a
// dealer's users) and the rules about the acting user itself
// (model.CheckSelfAction). Passwords are hashed by the caller, outside the
// transaction (bcrypt is slow on purpose).

// userAudit is the record a change of user u is logged under: a staff
// user's own record, a dealer user's customer.
func userAudit(u *model.User) (string, uint64) {
	if u.Kind == model.KindDealer {
		return "customer", u.CustomerID
	}
	return "staff", u.ID
}

// logUser writes the audit entry of action on user u.
func (t *Tx) logUser(u *model.User, action string) error {
	entity, id := userAudit(u)
	return t.Log(entity, id, action, u.Username)
}

// NewUserInput is the form of the use case CreateUser.
type NewUserInput struct {
	// User is the new user (ID 0) with its PasswordHash set, or without
	// one when Invite.
	User *model.User
	// Invite queues the invitation e-mail in the same transaction, so the
	// user chooses a password from its link.
	Invite bool
}

// CreateUser saves a new staff or dealer user, at most once per a.Once, and
// returns its id (a replay returns the first run's). A dealer user's
// customer must lie inside a.Scope and a staff user needs an all-data
// scope (ErrNotFound); ValidationError for bad fields or a username taken
// or outside its namespace; with Invite, the refusals of InviteUser.
func (s *Store) CreateUser(a Actor, in NewUserInput) (uint64, error) {
	u, form := in.User, *in.User
	return s.act(a, func(t *Tx) (uint64, error) {
		*u = form // the body may run twice (a retried transaction)
		if err := t.PutUser(a.Scope, u, in.Invite); err != nil {
			return 0, err
		}
		return u.ID, nil
	})
}

// PutUser is the Tx form of CreateUser and UpdateUser, for a caller that
// owns the transaction (the integration API's upserts): Tx.SaveUser, its
// audit entry (user.create for a new user, else user.update) and, with
// invite, the invitation e-mail and its entry. Errors as theirs.
func (t *Tx) PutUser(sc Scope, u *model.User, invite bool) error {
	action := "user.update"
	if u.ID == 0 {
		action = "user.create"
	}
	if err := t.SaveUser(sc, u); err != nil {
		return err
	}
	if err := t.logUser(u, action); err != nil {
		return err
	}
	if !invite {
		return nil
	}
	if _, err := t.inviteUser(u); err != nil {
		return err
	}
	return t.logUser(u, "user.invite")
}

// UpdateUser saves the edited fields of user u (its id and the version the
// form showed) as Tx.SaveUser: ErrNotFound outside a.Scope, ConflictError
// for a stale version, ErrNotAllowed for a change of kind or customer
// (model.CheckUserChange), ValidationError for bad fields.
func (s *Store) UpdateUser(a Actor, u *model.User) error {
	form := *u
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		*u = form
		return 0, t.PutUser(a.Scope, u, false)
	})
	return err
}

// SetUserDisabled disables user u (ending its sessions at once) or enables
// it again, at the version the form showed. Errors as UpdateUser's.
func (s *Store) SetUserDisabled(a Actor, u *model.User, disabled bool) error {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	u.Disabled = disabled
	form := *u
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		*u = form
		if err := t.SaveUser(a.Scope, u); err != nil {
			return 0, err
		}
		return 0, t.logUser(u, action)
	})
	return err
}

// ResetPassword sets the password hash of user id (in a.Scope) chosen by an
// admin or a dealer's manager, ending every session of that user.
// ErrNotFound outside the scope.
func (s *Store) ResetPassword(a Actor, id uint64, hash string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		u, err := t.SetPassword(a.Scope, id, hash)
		if err != nil {
			return 0, err
		}
		return 0, t.logUser(u, "user.password_reset")
	})
	return err
}

// ResendInvitation sends user id (in a.Scope) a new invitation e-mail; the
// previous link stops working. ErrNotFound outside the scope,
// ErrPasswordSet, ErrNotAllowed or a field error as model.CheckInvitable.
func (s *Store) ResendInvitation(a Actor, id uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		u, err := t.User(a.Scope, id)
		if err != nil {
			return 0, err
		}
		if _, err := t.inviteUser(u); err != nil {
			return 0, err
		}
		return 0, t.logUser(u, "user.invite")
	})
	return err
}

// NewSession is a session to start for a user: Session is filled in by the
// caller but for its user and auth epoch, which the use case sets; Prev is
// the browser's previous session ("" none), ended in the same transaction.
type NewSession struct {
	Session *Session
	Prev    string
}

// start ends ns.Prev and saves ns.Session for user u as it now stands.
func (t *Tx) start(u *model.User, ns NewSession) error {
	if ns.Prev != "" {
		if err := t.DeleteSession(ns.Prev); err != nil {
			return err
		}
	}
	ns.Session.UserID, ns.Session.Epoch = u.ID, u.AuthEpoch
	return t.SaveSession(ns.Session)
}

// StartSession starts a session for a.User (whose password the caller has
// checked) and, when lang is given, makes it the user's language (the
// caller gives one only to a user without a language yet). It returns the
// user as saved.
func (s *Store) StartSession(a Actor, ns NewSession, lang string) (*model.User, error) {
	var u *model.User
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		u = a.User
		if err := t.start(u, ns); err != nil || lang == "" {
			return 0, err
		}
		var err error
		u, err = t.SetUserPrefs(u.ID, func(x *model.User) error { x.Lang = lang; return nil })
		return 0, err
	})
	return u, err
}

// ChangePassword stores a.User's new password hash (the caller checked the
// current one), ends every session of the user and starts ns in the same
// transaction. It returns the user as saved.
func (s *Store) ChangePassword(a Actor, hash string, ns NewSession) (*model.User, error) {
	var u *model.User
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		if u, err = t.SetPassword(AdminScope(), a.User.ID, hash); err != nil {
			return 0, err
		}
		return 0, t.start(u, ns)
	})
	return u, err
}

// AcceptInvitation sets the password hash of the user a live token names
// (see Tx.AcceptInvitation; lang the page's language) and, when the user
// may log in now, starts ns for it, in one transaction. It returns the
// user and whether ns was started. ErrNotFound for a token that does not
// open (any more).
func (s *Store) AcceptInvitation(by, token, hash, lang string, ns NewSession) (*model.User, bool, error) {
	var u *model.User
	var started bool
	err := s.Update(by, func(t *Tx) error {
		var err error
		if u, err = t.AcceptInvitation(token, hash, lang); err != nil {
			return err
		}
		if started = t.CanLogin(u); !started {
			return nil
		}
		return t.start(u, ns)
	})
	return u, started, err
}

// EndSession ends session id of a.User (logging out); a missing one is no
// error.
func (s *Store) EndSession(a Actor, id string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) { return 0, t.DeleteSession(id) })
	return err
}

// EndAllSessions ends every session of a.User, the caller's included.
func (s *Store) EndAllSessions(a Actor) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) { return 0, t.EndUserSessions(a.User.ID) })
	return err
}

// AccountInput is the user's own account form: e-mail, mobile and
// language ("" keeps it).
type AccountInput struct {
	Email, Mobile, Lang string
}

// SaveAccount stores a.User's own e-mail, mobile and language (no version
// check: only the user edits them). ValidationError for bad fields.
func (s *Store) SaveAccount(a Actor, in AccountInput) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.SetUserPrefs(a.User.ID, func(x *model.User) error {
			x.Email, x.Mobile = in.Email, in.Mobile
			if in.Lang != "" {
				x.Lang = in.Lang
			}
			return x.Validate()
		})
		return 0, err
	})
	return err
}

// SetLanguage makes lang a.User's language.
func (s *Store) SetLanguage(a Actor, lang string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.SetUserPrefs(a.User.ID, func(x *model.User) error { x.Lang = lang; return nil })
		return 0, err
	})
	return err
}
