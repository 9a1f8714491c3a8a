package model

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// UserKind separates the enterprise's staff from a dealer's (customer's) users.
type UserKind string

const (
	KindStaff  UserKind = "staff"
	KindDealer UserKind = "dealer"
)

// Role is a function-permission role. Staff hold staff roles, dealer users
// hold dealer roles; a user may hold several.
type Role string

// Staff roles (SPEC §4).
const (
	RoleAdmin   Role = "admin"
	RoleSales   Role = "sales"
	RoleFinance Role = "finance"
	RoleService Role = "service"
	RoleViewer  Role = "viewer"
)

// Dealer roles (SPEC §7).
const (
	RoleBuyer         Role = "buyer"
	RoleDealerFinance Role = "dealer_finance"
	RoleManager       Role = "manager"
)

// StaffRoles and DealerRoles list the roles in display order.
var (
	StaffRoles  = []Role{RoleAdmin, RoleSales, RoleFinance, RoleService, RoleViewer}
	DealerRoles = []Role{RoleManager, RoleBuyer, RoleDealerFinance}
)

// ScopeMode is how a staff member's data scope is defined (SPEC §4).
type ScopeMode string

const (
	// ScopeOwn: the customers where the staff member is the salesperson.
	ScopeOwn ScopeMode = "own"
	// ScopeOrg: the customers in one or more org subtrees.
	ScopeOrg ScopeMode = "org"
)

// User (用户) is a staff member or a dealer's user. PasswordHash is never shown.
type User struct {
	ID           uint64    `json:"id"`
	Username     string    `json:"username"`
	Name         string    `json:"name" validate:"required,max=60"`
	Kind         UserKind  `json:"kind"`
	Roles        []Role    `json:"roles"`
	CustomerID   uint64    `json:"customer_id,omitempty"`
	OrgUnitID    uint64    `json:"org_unit_id,omitempty"`
	ScopeMode    ScopeMode `json:"scope_mode,omitempty"`
	ScopeOrgs    []uint64  `json:"scope_orgs,omitempty"`
	Email        string    `json:"email,omitempty" validate:"omitempty,email,max=100"`
	Mobile       string    `json:"mobile,omitempty"`
	Lang         string    `json:"lang,omitempty"`
	PasswordHash string    `json:"password_hash"`
	Disabled     bool      `json:"disabled,omitempty"`
	// AuthEpoch changes with every password change, reset or disable; sessions
	// started under an older epoch are no longer valid.
	AuthEpoch uint64 `json:"auth_epoch"`
	Meta
}

// IsStaff reports whether u belongs to the enterprise.
func (u *User) IsStaff() bool { return u.Kind == KindStaff }

// HasRole reports whether u holds r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// IsAdmin reports whether u is an enterprise admin.
func (u *User) IsAdmin() bool { return u.IsStaff() && u.HasRole(RoleAdmin) }

var usernameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{1,39}$`)

// Normalize trims the text fields and lower-cases the username.
func (u *User) Normalize() {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Name = strings.TrimSpace(u.Name)
	u.Email = strings.TrimSpace(u.Email)
	u.Mobile = strings.TrimSpace(u.Mobile)
}

// Validate checks the user's own fields (not uniqueness, which the store checks).
func (u *User) Validate() error {
	v := &ValidationError{}
	if !usernameRe.MatchString(u.Username) {
		v.Add("username", "err.username", nil)
	}
	checkTags(u, v)
	if u.Mobile != "" && !mobileRe.MatchString(u.Mobile) {
		v.Add("mobile", "err.phone", nil)
	}
	if len(u.Roles) == 0 {
		v.Add("roles", "err.roles_required", nil)
	}
	if u.Kind != KindStaff && u.Kind != KindDealer {
		// Neither side's role and scope rules would apply to it.
		v.Add("kind", "err.choice", nil)
		return v.Err()
	}
	allowed := StaffRoles
	if u.Kind == KindDealer {
		allowed = DealerRoles
		if u.CustomerID == 0 {
			v.Add("customer_id", "err.required", nil)
		}
	} else {
		if u.OrgUnitID == 0 {
			v.Add("org_unit_id", "err.required", nil)
		}
		switch u.ScopeMode {
		case ScopeOwn:
		case ScopeOrg:
			if len(u.ScopeOrgs) == 0 && !u.HasRole(RoleAdmin) {
				v.Add("scope_orgs", "err.scope_orgs", nil)
			}
		default:
			v.Add("scope_mode", "err.required", nil)
		}
	}
	for _, r := range u.Roles {
		if !slices.Contains(allowed, r) {
			v.Add("roles", "err.role_invalid", nil)
		}
	}
	return v.Err()
}

var mobileRe = regexp.MustCompile(`^\+?[0-9][0-9 -]{5,19}$`)

// ValidatePassword enforces the password rule: 8 to 72 bytes (bcrypt's limit),
// not only digits.
func ValidatePassword(field, pw string) error {
	if len(pw) < 8 {
		return Invalid(field, "err.password_short")
	}
	if len(pw) > 72 {
		return Invalid(field, "err.too_long")
	}
	if strings.Trim(pw, "0123456789") == "" {
		return Invalid(field, "err.password_digits")
	}
	return nil
}

// Meta is carried by every stored record: a version for optimistic locking and
// who created and last changed it, and when (UTC).
type Meta struct {
	Version   uint64    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// GetMeta gives the store access to the embedded Meta of any record.
func (m *Meta) GetMeta() *Meta { return m }
