package store

import (
	"dealerportal/model"
	"dealerportal/store/kv"
)

// Invitations (用户邀请): a user created without a password (a dealer user
// pushed by the ERP through the integration API) receives an e-mail with a
// one-time link to /invite/<token>, where they choose their password. The
// token exists only in that e-mail; the file keeps its SHA-256 as the key of
// the invitation, so a copy of the database opens no account.
var (
	bInvitations       = []byte("invitations")         // token hash → invitation
	bInvitationsByUser = []byte("invitations_by_user") // user id → token hash (the live one)
)

// migrateInvitations creates the invitation buckets (migration 3).
func migrateInvitations(tx kv.Tx) error {
	for _, name := range [][]byte{bInvitations, bInvitationsByUser} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// InvitationPath is the public page an invitation link opens; the token
// follows it.
const InvitationPath = "/invite/"

// ErrPasswordSet refuses to invite a user who has chosen a password
// already (model.CheckInvitable).
var ErrPasswordSet = model.ErrPasswordSet

// InviteUser issues a new invitation for the user with id (within sc) and
// queues its e-mail (the personal event user.invited, whose link holds the
// token) in this transaction; the user's previous invitation stops working.
// It refuses a user outside sc or unknown (ErrNotFound), one with a password
// (ErrPasswordSet), a disabled one (ErrNotAllowed) and one without an e-mail
// address (a field error at email).
func (t *Tx) InviteUser(sc Scope, id uint64) (*model.Invitation, error) {
	u, err := t.User(sc, id)
	if err != nil {
		return nil, err
	}
	return t.inviteUser(u)
}

// inviteUser is InviteUser for user u as loaded through the scope.
func (t *Tx) inviteUser(u *model.User) (*model.Invitation, error) {
	if err := model.CheckInvitable(u); err != nil {
		return nil, err
	}
	if err := t.dropInvitation(u.ID); err != nil {
		return nil, err
	}
	token := randomToken(32)
	inv := &model.Invitation{UserID: u.ID, Email: u.Email, CreatedAt: t.Now, CreatedBy: t.By,
		ExpiresAt: t.Now.AddDate(0, 0, model.InvitationDays)}
	hash := []byte(tokenHash(token))
	if err := putJSON(t.b(bInvitations), hash, inv); err != nil {
		return nil, err
	}
	if err := t.b(bInvitationsByUser).Put(itob(u.ID), hash); err != nil {
		return nil, err
	}
	err := t.Emit(&model.OutboxMessage{Event: model.EventUserInvited, CustomerID: u.CustomerID, UserID: u.ID, Params: map[string]string{
		"link": InvitationPath + token, "username": u.Username, "user_name": u.Name,
		"expires_at": inv.ExpiresAt.In(t.Zone()).Format("2006-01-02 15:04"),
	}})
	return inv, err
}

// dropInvitation removes the user's invitation, if any.
func (t *Tx) dropInvitation(userID uint64) error {
	by := t.b(bInvitationsByUser)
	old := by.Get(itob(userID))
	if old == nil {
		return nil
	}
	if err := t.b(bInvitations).Delete(old); err != nil {
		return err
	}
	return by.Delete(itob(userID))
}

// PendingInvitation returns the user's last invitation while the user has
// not accepted it (expired ones too: Live tells), or nil.
func (t *Tx) PendingInvitation(userID uint64) *model.Invitation {
	hash := t.b(bInvitationsByUser).Get(itob(userID))
	if hash == nil {
		return nil
	}
	inv := &model.Invitation{}
	if getJSON(t.b(bInvitations), hash, inv) != nil {
		return nil
	}
	return inv
}

// OpenInvitation returns the invitation a token names and its user. It
// answers ErrNotFound alike for an unknown, used, replaced or expired token
// and for a user who is disabled or has a password by now, so that the page
// tells a visitor nothing about which.
func (t *Tx) OpenInvitation(token string) (*model.Invitation, *model.User, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, model.ErrNotFound
	}
	inv := &model.Invitation{}
	if err := getJSON(t.b(bInvitations), []byte(tokenHash(token)), inv); err != nil {
		return nil, nil, model.ErrNotFound
	}
	u, err := t.user(inv.UserID)
	if err != nil || !model.InvitationOpen(inv, u, t.Now) {
		return nil, nil, model.ErrNotFound
	}
	return inv, u, nil
}

// AcceptInvitation sets the password hash of the user a live token names,
// ends the invitation (the token works once) and returns the user as saved.
// lang ("zh" or "en"), the language the page was shown in, becomes the
// user's language when the user has none yet. ErrNotFound as OpenInvitation.
func (t *Tx) AcceptInvitation(token, hash, lang string) (*model.User, error) {
	_, u, err := t.OpenInvitation(token)
	if err != nil {
		return nil, err
	}
	if err := t.dropInvitation(u.ID); err != nil {
		return nil, err
	}
	if u, err = t.SetPassword(AdminScope(), u.ID, hash); err != nil {
		return nil, err
	}
	if u.Lang == "" && (lang == "zh" || lang == "en") {
		if u, err = t.SetUserPrefs(u.ID, func(x *model.User) error { x.Lang = lang; return nil }); err != nil {
			return nil, err
		}
	}
	entity, record := "user", u.ID
	if u.Kind == model.KindDealer {
		entity, record = "customer", u.CustomerID
	}
	return u, t.Log(entity, record, "user.invitation_accepted", u.Username)
}
