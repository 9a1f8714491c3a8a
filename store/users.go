package store

import (
	"bytes"
	"encoding/binary"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"

	"golang.org/x/crypto/bcrypt"
)

// BcryptCost is the cost of password hashes (tests lower it).
var BcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of pw.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	return string(h), err
}

// CheckPassword reports whether pw matches the stored hash.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

func (t *Tx) user(id uint64) (*model.User, error) {
	u := &model.User{}
	if err := t.getJSONID(t.b(bUsers), id, u); err != nil {
		return nil, err
	}
	return u, nil
}

// UserByID returns any user by id without a scope check; for the session
// middleware and internal lookups only. ErrNotFound when missing.
func (t *Tx) UserByID(id uint64) (*model.User, error) { return t.user(id) }

// UserByUsername returns the user with that login name, or ErrNotFound.
func (t *Tx) UserByUsername(name string) (*model.User, error) {
	v := t.b(bUsersByName).Get([]byte(strings.ToLower(strings.TrimSpace(name))))
	if v == nil {
		return nil, model.ErrNotFound
	}
	return t.user(btoi(v))
}

// User returns a user the scope may see: staff users for staff scopes (admins
// manage them), dealer users of customers in scope. ErrNotFound otherwise.
func (t *Tx) User(sc Scope, id uint64) (*model.User, error) {
	u, err := t.user(id)
	if err != nil {
		return nil, err
	}
	if u.Kind == model.KindStaff {
		if !sc.IsStaff() {
			return nil, model.ErrNotFound
		}
		return u, nil
	}
	if !t.AllowsCustomer(sc, u.CustomerID) {
		return nil, model.ErrNotFound
	}
	return u, nil
}

// UserFilter narrows user lists.
type UserFilter struct {
	Q    string
	Role model.Role
}

func (f UserFilter) match(u *model.User) bool {
	q := strings.ToLower(strings.TrimSpace(f.Q))
	if q != "" && !strings.Contains(strings.ToLower(u.Username+"\x1f"+u.Name+"\x1f"+u.Email+"\x1f"+u.Mobile), q) {
		return false
	}
	return f.Role == "" || u.HasRole(f.Role)
}

// ListStaff returns a page of staff users matching f (staff are few; the kind
// index holds their ids).
func (t *Tx) ListStaff(f UserFilter, p Page) ([]*model.User, int, error) {
	return t.listUsers(t.b(bUsersByKind), []byte(model.KindStaff+"/"), f, p)
}

// ListCustomerUsers returns the users of customer id, when sc covers it.
func (t *Tx) ListCustomerUsers(sc Scope, customerID uint64, f UserFilter, p Page) ([]*model.User, int, error) {
	if !t.AllowsCustomer(sc, customerID) {
		return nil, 0, model.ErrNotFound
	}
	return t.listUsers(t.b(bUsersByCustomer), itob(customerID), f, p)
}

func (t *Tx) listUsers(idx kv.Bucket, prefix []byte, f UserFilter, p Page) ([]*model.User, int, error) {
	var users []*model.User
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
		u, err := t.user(binary.BigEndian.Uint64(k[len(k)-8:]))
		if err != nil {
			return nil, 0, err
		}
		if f.match(u) {
			users = append(users, u)
		}
	}
	total := len(users)
	if p.Limit < 0 || p.Offset >= total {
		return nil, total, nil
	}
	users = users[p.Offset:]
	if p.Limit > 0 && len(users) > p.Limit {
		users = users[:p.Limit]
	}
	return users, total, nil
}

// SaveUser creates (ID 0) or updates u with optimistic locking. Usernames are
// unique; a dealer user's customer must be in sc; staff users need an admin
// scope. A new user comes with its PasswordHash set, or without one and
// then cannot log in until it accepts an invitation (invitations.go).
func (t *Tx) SaveUser(sc Scope, u *model.User) (err error) {
	defer keepOnError(&u.ID, &u.Meta, &err)()
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	if u.Kind == model.KindStaff {
		if !sc.IsAll() {
			return model.ErrNotFound
		}
		if t.OrgTree().Unit(u.OrgUnitID) == nil {
			return model.Invalid("org_unit_id", "err.choice")
		}
		for _, o := range u.ScopeOrgs {
			if t.OrgTree().Unit(o) == nil {
				return model.Invalid("scope_orgs", "err.choice")
			}
		}
	} else if !t.AllowsCustomer(sc, u.CustomerID) {
		return model.ErrNotFound
	}
	t.authChanged()
	b := t.b(bUsers)
	newName := u.ID == 0
	if u.ID == 0 {
		id, err := nextID(b)
		if err != nil {
			return err
		}
		u.ID = id
		u.AuthEpoch = 1
		t.stamp(u)
	} else {
		old, err := t.User(sc, u.ID)
		if err != nil {
			return err
		}
		if err := t.checkVersion(old, u); err != nil {
			return err
		}
		if err := model.CheckUserChange(old, u); err != nil {
			return err
		}
		u.PasswordHash = old.PasswordHash
		u.AuthEpoch = old.AuthEpoch
		if u.Disabled && !old.Disabled {
			u.AuthEpoch++
			if err := t.deleteUserSessions(u.ID); err != nil {
				return err
			}
		}
		if old.Username != u.Username {
			newName = true
			if err := t.b(bUsersByName).Delete([]byte(old.Username)); err != nil {
				return err
			}
		}
	}
	if newName && !t.usernameInOwnNamespace(u) {
		return model.ErrUsernameUnavailable()
	}
	if cur := t.b(bUsersByName).Get([]byte(u.Username)); cur != nil && !bytes.Equal(cur, itob(u.ID)) {
		// The same answer as for a reserved name: whose it is stays unsaid.
		return model.ErrUsernameUnavailable()
	}
	if err := t.b(bUsersByName).Put([]byte(u.Username), itob(u.ID)); err != nil {
		return err
	}
	if u.Kind == model.KindDealer {
		if err := t.b(bUsersByCustomer).Put(key(u.CustomerID, u.ID), nil); err != nil {
			return err
		}
	}
	if err := t.b(bUsersByKind).Put(append([]byte(u.Kind+"/"), itob(u.ID)...), nil); err != nil {
		return err
	}
	return putJSON(b, itob(u.ID), u)
}

// usernameInOwnNamespace reports whether u's username, when it starts with
// a customer's code and a dot, is that of a user of that customer.
func (t *Tx) usernameInOwnNamespace(u *model.User) bool {
	for _, code := range model.UsernameCodePrefixes(u.Username) {
		v := t.b(bCustomersByCode).Get([]byte(code))
		if v != nil && (u.Kind != model.KindDealer || decodeSummary(v).id != u.CustomerID) {
			return false
		}
	}
	return true
}

// SetPassword stores a new password hash for user id (in sc), ends all of the
// user's sessions and advances its auth epoch. It returns the updated user.
func (t *Tx) SetPassword(sc Scope, id uint64, hash string) (*model.User, error) {
	u, err := t.User(sc, id)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	u.AuthEpoch++
	u.Version++
	u.UpdatedAt, u.UpdatedBy = t.Now, t.By
	if err := t.deleteUserSessions(id); err != nil {
		return nil, err
	}
	t.authChanged()
	return u, putJSON(t.b(bUsers), itob(id), u)
}

// SetUserPrefs updates a user's own language, e-mail and mobile without a
// version check (the user edits only their own preferences).
func (t *Tx) SetUserPrefs(id uint64, apply func(u *model.User) error) (*model.User, error) {
	u, err := t.user(id)
	if err != nil {
		return nil, err
	}
	if err := apply(u); err != nil {
		return nil, err
	}
	u.UpdatedAt, u.UpdatedBy = t.Now, t.By
	u.Version++
	t.authChanged()
	return u, putJSON(t.b(bUsers), itob(id), u)
}

// CanLogin reports whether u may hold a session now: not disabled, and for a
// dealer user its customer active.
func (t *Tx) CanLogin(u *model.User) bool {
	return u.MayLogin(u.Kind == model.KindDealer && t.customerActive(u.CustomerID))
}
