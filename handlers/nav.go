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
		{"nav.g.customers", "nav.customers", "/customers", model.PermViewCustomers},
		{"nav.g.customers", "nav.groups", "/customer-groups", model.PermManageCustomers},
		{"nav.g.customers", "nav.my_company", "/my/company", model.PermViewOwnCustomer},
		{"nav.g.system", "nav.org_units", "/org-units", model.PermManageOrg},
		{"nav.g.system", "nav.staff", "/staff", model.PermManageStaff},
		{"nav.g.system", "nav.settings", "/settings", model.PermAdmin},
	}
}

// navFor returns the groups and items u may use, in display order.
func (h *Handler) navFor(u *model.User) []navGroup {
	var out []navGroup
	for _, g := range navGroups {
		var items []navItem
		for _, it := range h.nav {
			if it.Group == g && u.Can(it.Perm) {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			out = append(out, navGroup{Label: g, Items: items})
		}
	}
	return out
}

// Active reports whether a nav link belongs to the current page.
func (v *View) Active(href string) bool {
	return v.Path == href || strings.HasPrefix(v.Path, href+"/")
}
