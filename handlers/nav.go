package handlers

import (
	"strings"

	"dealerportal/model"
)

// navItem is one link of the navigation, shown to users who hold Perm.
// Modules add their items in navigation(); groups follow the seed's order.
type navItem struct {
	Group string
	Label string
	Href  string
	Perm  model.Perm
}

type navGroup struct {
	Label string
	Items []navItem
}

// navGroups in display order (公告 · 订货中心 · 订单管理 · 往来对账 · 渠道管理 ·
// 客户信息 · 渠道库存 · 系统设置).
var navGroups = []string{"nav.g.announcements", "nav.g.ordering", "nav.g.orders", "nav.g.reconciliation",
	"nav.g.channel", "nav.g.customers", "nav.g.inventory", "nav.g.system"}

func (h *Handler) navigation() []navItem {
	return []navItem{
		{"nav.g.announcements", "nav.announcements", "/announcements", model.PermViewAnnouncements},
		{"nav.g.announcements", "nav.my_announcements", "/my/announcements", model.PermMyAnnouncements},
		{"nav.g.system", "nav.message_templates", "/messages/templates", model.PermAdmin},
		{"nav.g.system", "nav.outbox", "/messages/outbox", model.PermAdmin},
		{"nav.g.system", "nav.messaging_settings", "/messages/settings", model.PermAdmin},
		{"nav.g.ordering", "nav.shop_catalog", "/catalog", model.PermShop},
		{"nav.g.ordering", "nav.quick_order", "/quick-order", model.PermShop},
		{"nav.g.ordering", "nav.favorites", "/favorites", model.PermShop},
		{"nav.g.ordering", "nav.cart", "/cart", model.PermShop},
		{"nav.g.ordering", "nav.bought", "/bought", model.PermShop},
		{"nav.g.ordering", "nav.products", "/products", model.PermViewCatalog},
		{"nav.g.ordering", "nav.categories", "/categories", model.PermViewCatalog},
		{"nav.g.ordering", "nav.catalog_entries", "/catalog-entries", model.PermViewCatalog},
		{"nav.g.ordering", "nav.prices", "/prices", model.PermViewCatalog},
		{"nav.g.ordering", "nav.catalog_visits", "/catalog-visits", model.PermCatalogStats},
		{"nav.g.system", "nav.ordering_settings", "/settings/ordering", model.PermAdmin},
		{"nav.g.orders", "nav.online_orders", "/online-orders", model.PermOrder},
		{"nav.g.orders", "nav.online_orders", "/online-orders", model.PermViewOrders},
		{"nav.g.orders", "nav.sales_orders", "/sales-orders", model.PermOrder},
		{"nav.g.orders", "nav.sales_orders", "/sales-orders", model.PermViewOrders},
		{"nav.g.orders", "nav.change_requests", "/change-requests", model.PermOrder},
		{"nav.g.orders", "nav.change_requests", "/change-requests", model.PermViewOrders},
		{"nav.g.orders", "nav.tracking", "/tracking", model.PermOrder},
		{"nav.g.orders", "nav.delivery_notices", "/delivery-notices", model.PermOrder},
		{"nav.g.orders", "nav.delivery_notices", "/delivery-notices", model.PermViewOrders},
		{"nav.g.orders", "nav.outbounds", "/outbounds", model.PermOrder},
		{"nav.g.orders", "nav.outbounds", "/outbounds", model.PermViewOrders},
		{"nav.g.orders", "nav.returns", "/returns", model.PermOrder},
		{"nav.g.orders", "nav.returns", "/returns", model.PermViewOrders},
		{"nav.g.orders", "nav.return_notices", "/return-notices", model.PermViewOrders},
		{"nav.g.orders", "nav.execution", "/reports/sales-order-execution", model.PermOrder},
		{"nav.g.orders", "nav.execution", "/reports/sales-order-execution", model.PermViewOrders},
		{"nav.g.channel", "nav.opportunities", "/opportunities", model.PermChannel},
		{"nav.g.channel", "nav.opportunities", "/opportunities", model.PermViewChannel},
		{"nav.g.channel", "nav.complaints", "/complaints", model.PermChannel},
		{"nav.g.channel", "nav.complaints", "/complaints", model.PermViewChannel},
		{"nav.g.channel", "nav.complaint_notices", "/complaint-notices", model.PermChannel},
		{"nav.g.channel", "nav.service_requests", "/service-requests", model.PermChannel},
		{"nav.g.channel", "nav.service_requests", "/service-requests", model.PermViewChannel},
		{"nav.g.inventory", "nav.stocktakes", "/stocktakes", model.PermChannel},
		{"nav.g.inventory", "nav.stocktakes", "/stocktakes", model.PermViewChannel},
		{"nav.g.inventory", "nav.channel_report", "/channel-report", model.PermChannel},
		{"nav.g.inventory", "nav.channel_report", "/channel-report", model.PermViewChannel},
		{"nav.g.reconciliation", "nav.recon_outbounds", "/reconciliation/outbounds", model.PermDealerRecon},
		{"nav.g.reconciliation", "nav.recon_outbounds", "/reconciliation/outbounds", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.recon_invoices", "/reconciliation/invoices", model.PermDealerRecon},
		{"nav.g.reconciliation", "nav.recon_invoices", "/reconciliation/invoices", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.recon_receipts", "/reconciliation/receipts", model.PermDealerRecon},
		{"nav.g.reconciliation", "nav.recon_receipts", "/reconciliation/receipts", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.invoices", "/invoices", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.receipts", "/receipts", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.advance_receipts", "/advance-receipts", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.refunds", "/refunds", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.write_offs", "/write-offs", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.balances", "/balances", model.PermDealerRecon},
		{"nav.g.reconciliation", "nav.balances", "/balances", model.PermViewRecon},
		{"nav.g.reconciliation", "nav.statements", "/statements", model.PermDealerRecon},
		{"nav.g.reconciliation", "nav.statements", "/statements", model.PermViewRecon},
		{"nav.g.customers", "nav.customers", "/customers", model.PermViewCustomers},
		{"nav.g.customers", "nav.groups", "/customer-groups", model.PermManageCustomers},
		{"nav.g.customers", "nav.my_company", "/my/company", model.PermViewOwnCustomer},
		{"nav.g.system", "nav.org_units", "/org-units", model.PermManageOrg},
		{"nav.g.system", "nav.staff", "/staff", model.PermManageStaff},
		{"nav.g.system", "nav.settings", "/settings", model.PermAdmin},
		{"nav.g.system", "nav.api_clients", "/settings/api", model.PermAdmin},
		{"nav.g.system", "nav.system_status", "/admin/system", model.PermAdmin},
	}
}

// navFor returns the groups and items u may use, in display order: a link
// that two permissions both open is listed once. The menu depends on the
// user's kind, roles and disabled flag only (User.Can): it is computed once
// per such set, which its key names. The groups are shared: read only.
func (h *Handler) navFor(u *model.User) ([]navGroup, string) {
	var kb strings.Builder
	kb.WriteString(string(u.Kind))
	if u.Disabled {
		kb.WriteString("!")
	}
	for _, r := range u.Roles {
		kb.WriteByte(',')
		kb.WriteString(string(r))
	}
	key := kb.String()
	if g, ok := h.navSets.Load(key); ok {
		return g.([]navGroup), key
	}
	g := h.buildNav(u)
	h.navSets.Store(key, g)
	return g, key
}

func (h *Handler) buildNav(u *model.User) []navGroup {
	var out []navGroup
	for _, g := range navGroups {
		var items []navItem
		seen := map[string]bool{}
		for _, it := range h.nav {
			if it.Group == g && !seen[it.Href] && u.Can(it.Perm) {
				seen[it.Href] = true
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			out = append(out, navGroup{Label: g, Items: items})
		}
	}
	return out
}

// menuLink is a navigation link as the menu shows it: translated, and
// marked when it is the current page.
type menuLink struct {
	Href, Label string
	Active      bool
}

// menuGroup is a module of the menu; Solo is its only link when it has one.
type menuGroup struct {
	Label  string
	Active bool
	Solo   *menuLink
	Items  []menuLink
}

// Menu is the view's navigation translated and marked for the current page,
// computed once per page, so that the menu template (on every page) only
// reads fields instead of calling T and Active for every link.
func (v *View) Menu() []menuGroup {
	out := make([]menuGroup, len(v.Nav))
	for i, g := range v.Nav {
		m := &out[i]
		m.Label = v.T(g.Label)
		m.Items = make([]menuLink, len(g.Items))
		for j, it := range g.Items {
			a := v.Active(it.Href)
			m.Items[j] = menuLink{Href: it.Href, Label: v.T(it.Label), Active: a}
			m.Active = m.Active || a
		}
		if len(m.Items) == 1 {
			m.Solo = &m.Items[0]
		}
	}
	return out
}

// Active reports whether a nav link belongs to the current page.
func (v *View) Active(href string) bool {
	return v.Path == href || strings.HasPrefix(v.Path, href+"/")
}

// GroupActive reports whether one of a group's links is the current page:
// the side menu then shows that group unfolded, with its label highlighted.
func (v *View) GroupActive(items []navItem) bool {
	for _, it := range items {
		if v.Active(it.Href) {
			return true
		}
	}
	return false
}
