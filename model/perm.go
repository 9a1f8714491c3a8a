package model

// Perm is one function permission (what a user may do, SPEC §4). Which records
// the user may do it to is the data scope, applied by the store.
type Perm string

// Function permissions. Later modules add theirs here and to rolePerms.
const (
	PermAdmin           Perm = "admin"            // settings, message templates, outbox
	PermManageOrg       Perm = "org.manage"       // org units
	PermManageStaff     Perm = "staff.manage"     // staff users
	PermViewCustomers   Perm = "customers.view"   // customer list and profiles in scope
	PermManageCustomers Perm = "customers.manage" // create/edit customers, groups, locations
	PermManageDealers   Perm = "dealers.manage"   // dealer users of customers in scope
	PermViewOwnCustomer Perm = "customer.own"     // a dealer's view of its own profile
	PermManageOwnUsers  Perm = "customer.users"   // a dealer manager manages its customer's users
	PermManageOwnLocs   Perm = "customer.locations"
)

var rolePerms = map[Role][]Perm{
	RoleAdmin:   {PermAdmin, PermManageOrg, PermManageStaff, PermViewCustomers, PermManageCustomers, PermManageDealers},
	RoleSales:   {PermViewCustomers, PermManageCustomers, PermManageDealers},
	RoleFinance: {PermViewCustomers},
	RoleService: {PermViewCustomers},
	RoleViewer:  {PermViewCustomers},

	RoleManager:       {PermViewOwnCustomer, PermManageOwnUsers, PermManageOwnLocs},
	RoleBuyer:         {PermViewOwnCustomer},
	RoleDealerFinance: {PermViewOwnCustomer},
}

// Can reports whether u may perform p. A disabled or nil user, or one of no
// known kind, may do nothing.
func (u *User) Can(p Perm) bool {
	if u == nil || u.Disabled || u.Kind != KindStaff && u.Kind != KindDealer {
		return false
	}
	for _, r := range u.Roles {
		if u.Kind == KindDealer && !isDealerRole(r) || u.Kind == KindStaff && isDealerRole(r) {
			continue
		}
		for _, q := range rolePerms[r] {
			if q == p {
				return true
			}
		}
	}
	return false
}

func isDealerRole(r Role) bool { return r == RoleBuyer || r == RoleDealerFinance || r == RoleManager }
