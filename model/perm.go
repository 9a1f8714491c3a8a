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

	// Ordering center (订货中心).
	PermViewCatalog   Perm = "catalog.view"   // staff: products, catalog, prices, price look-up
	PermManageCatalog Perm = "catalog.manage" // staff: maintain, publish and import them
	PermCatalogStats  Perm = "catalog.stats"  // staff: catalog visit statistics
	PermShop          Perm = "catalog.shop"   // dealers: catalog, favorites, cart, quick order

	// Announcements (企业公告).
	PermViewAnnouncements   Perm = "announcements.view"   // staff: the announcement list and documents
	PermManageAnnouncements Perm = "announcements.manage" // staff: create, edit, audit, unaudit, invalidate
	PermMyAnnouncements     Perm = "announcements.own"    // dealers: 我的公告

	// PermComment writes in the comment thread (留言) of a document the user
	// sees; each comment notifies the other side. Every role but the
	// read-only viewer holds it.
	PermComment Perm = "comments.write"
)

var rolePerms = map[Role][]Perm{
	RoleAdmin:   {PermAdmin, PermManageOrg, PermManageStaff, PermViewCustomers, PermManageCustomers, PermManageDealers, PermViewCatalog, PermManageCatalog, PermCatalogStats, PermViewAnnouncements, PermManageAnnouncements, PermComment},
	RoleSales:   {PermViewCustomers, PermManageCustomers, PermManageDealers, PermViewCatalog, PermManageCatalog, PermCatalogStats, PermViewAnnouncements, PermManageAnnouncements, PermComment},
	RoleFinance: {PermViewCustomers, PermViewCatalog, PermViewAnnouncements, PermComment},
	RoleService: {PermViewCustomers, PermViewCatalog, PermViewAnnouncements, PermComment},
	RoleViewer:  {PermViewCustomers, PermViewCatalog, PermCatalogStats, PermViewAnnouncements},

	RoleManager:       {PermViewOwnCustomer, PermManageOwnUsers, PermManageOwnLocs, PermShop, PermMyAnnouncements, PermComment},
	RoleBuyer:         {PermViewOwnCustomer, PermShop, PermMyAnnouncements, PermComment},
	RoleDealerFinance: {PermViewOwnCustomer, PermMyAnnouncements, PermComment},
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
