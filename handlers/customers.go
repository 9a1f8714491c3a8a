package handlers

import (
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplCustomerList  = "customers/list"
	tplCustomerView  = "customers/view"
	tplCustomerForm  = "customers/form"
	tplCustomerPrint = "customers/print"
)

func (h *Handler) registerCustomers(r fiber.Router) {
	r.Get("/customers", h.showCustomers)
	r.Get("/customers/new", h.newCustomer)
	r.Post("/customers", h.createCustomer)
	r.Get("/customers/:id", h.showCustomer)
	r.Get("/customers/:id/edit", h.editCustomer)
	r.Post("/customers/:id", h.updateCustomer)
	r.Get("/customers/:id/print", h.printCustomer)
	r.Post("/customers/:id/attachments", h.uploadCustomerAttachment)
	r.Get("/my/company", h.showMyCompany)
	h.registerLocations(r)
}

// customerChoices are the options of the customer filters and form.
type customerChoices struct {
	Orgs        []model.Node
	Groups      []*model.CustomerGroup
	Salespeople []*model.User
	Levels      []string
}

func (h *Handler) customerChoices(t *store.Tx) customerChoices {
	ch := customerChoices{Orgs: t.OrgTree().Flatten(), Levels: model.CustomerLevels}
	ch.Groups, _ = t.CustomerGroups()
	staff, _, _ := t.ListStaff(store.UserFilter{}, store.Page{})
	for _, u := range staff {
		if !u.Disabled && (u.HasRole(model.RoleSales) || u.HasRole(model.RoleAdmin)) {
			ch.Salespeople = append(ch.Salespeople, u)
		}
	}
	return ch
}

type customerListData struct {
	List
	customerChoices
	GroupNames map[uint64]string
	UserNames  map[uint64]string
}

func (h *Handler) customerFilter(q ListQuery) store.CustomerFilter {
	return store.CustomerFilter{
		Q: q.Q, OrgUnitID: q.Uint("org"), GroupID: q.Uint("group"), SalespersonID: q.Uint("salesperson"),
		Level: q.Get("level"), Status: model.CustomerStatus(q.Get("status")), Sort: q.Sort,
	}
}

// showCustomers lists the customers in the user's scope (客户资料), with
// filters, sorting, paging and export of the filtered rows.
func (h *Handler) showCustomers(c *fiber.Ctx) error {
	if err := need(c, model.PermViewCustomers); err != nil {
		return err
	}
	q := parseListQuery(c, "code", "name")
	sc := h.scope(c)
	d := &customerListData{GroupNames: map[uint64]string{}, UserNames: map[uint64]string{}}
	var rows []*model.Customer
	err := h.read(func(t *store.Tx) error {
		var total int
		var err error
		rows, total, err = t.ListCustomers(sc, h.customerFilter(q), q.Page())
		if err != nil {
			return err
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.customerChoices = h.customerChoices(t)
		for _, g := range d.Groups {
			d.GroupNames[g.ID] = g.Name
		}
		for _, u := range d.Salespeople {
			d.UserNames[u.ID] = u.Name
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		return h.exportCustomers(c, q.Export, rows, d)
	}
	return h.render(c, fiber.StatusOK, tplCustomerList, h.view(c, "customers.title", d))
}

func (h *Handler) exportCustomers(c *fiber.Ctx, format string, rows []*model.Customer, d *customerListData) error {
	l := lang(c)
	tree := h.store.OrgTree()
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, []string{r.Code, r.Name, r.ShortName, d.GroupNames[r.GroupID], r.Level, tree.Path(r.OrgUnitID),
			d.UserNames[r.SalespersonID], r.Contact, r.Phone, r.Email, r.Address, r.TaxNumber, r.Bank, r.BankAccount,
			r.CreditLimit.Plain(), h.i18n.T(l, "customer.status."+string(r.Status))})
	}
	return h.export(c, format, "customers", []exportCol{
		{"customer.code", colText}, {"customer.name", colText}, {"customer.short_name", colText},
		{"customer.group", colText}, {"customer.level", colText}, {"customer.org_unit", colText},
		{"customer.salesperson", colText}, {"customer.contact", colText}, {"customer.phone", colText},
		{"customer.email", colText}, {"customer.address", colText}, {"customer.tax_number", colText},
		{"customer.bank", colText}, {"customer.bank_account", colText}, {"customer.credit_limit", colMoney},
		{"customer.status", colText},
	}, out)
}

type customerFormData struct {
	Customer *model.Customer
	customerChoices
	Token string
}

func (h *Handler) customerForm(c *fiber.Ctx, cu *model.Customer) (*View, error) {
	d := &customerFormData{Customer: cu, Token: h.formToken(c)}
	err := h.read(func(t *store.Tx) error { d.customerChoices = h.customerChoices(t); return nil })
	return h.view(c, newOrEdit(cu.ID, "customers.new", "customers.edit"), d), err
}

func (h *Handler) newCustomer(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	v, err := h.customerForm(c, &model.Customer{Status: model.CustomerActive})
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplCustomerForm, v)
}

// readCustomer copies the form into cu; a malformed amount is a field error.
func readCustomer(c *fiber.Ctx, cu *model.Customer) *model.ValidationError {
	ve := &model.ValidationError{}
	cu.Code, cu.Name, cu.ShortName = c.FormValue("code"), c.FormValue("name"), c.FormValue("short_name")
	cu.GroupID, cu.Level, cu.OrgUnitID = formUint(c, "group_id"), c.FormValue("level"), formUint(c, "org_unit_id")
	cu.SalespersonID = formUint(c, "salesperson_id")
	cu.Contact, cu.Phone, cu.Email, cu.Address = c.FormValue("contact"), c.FormValue("phone"), c.FormValue("email"), c.FormValue("address")
	cu.TaxNumber, cu.Bank, cu.BankAccount = c.FormValue("tax_number"), c.FormValue("bank"), c.FormValue("bank_account")
	cu.Status, cu.Remarks = model.CustomerStatus(c.FormValue("status")), c.FormValue("remarks")
	cu.Version = formUint(c, "version")
	if s := strings.TrimSpace(c.FormValue("credit_limit")); s == "" {
		cu.CreditLimit = 0
	} else if m, err := model.ParseMoney(s); err != nil {
		ve.AddErr("credit_limit", err, "err.money")
	} else {
		cu.CreditLimit = m
	}
	return ve
}

// saveCustomer validates and stores the form, merging parse errors with the
// model's; the whole save is one transaction with its audit entry.
func (h *Handler) saveCustomer(c *fiber.Ctx, cu *model.Customer) error {
	u := currentUser(c)
	sc := h.scope(c)
	ve := readCustomer(c, cu)
	isNew := cu.ID == 0
	a := store.Actor{User: u, Scope: sc}
	if isNew {
		a.Once = c.FormValue("_idem")
	}
	id, err := h.store.SaveCustomer(a, store.CustomerInput{Customer: cu, Invalid: ve})
	if err != nil {
		v, ferr := h.customerForm(c, cu)
		if ferr != nil {
			return ferr
		}
		return h.formError(c, err, tplCustomerForm, v)
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/customers/"+itoa(id))
}

// mergeErrors joins form parse errors with the model's validation errors.
func mergeErrors(form *model.ValidationError, err error) error {
	if ve, ok := err.(*model.ValidationError); ok {
		for _, f := range ve.Fields {
			form.Add(f.Field, f.Key, f.Args)
		}
	} else if err != nil {
		return err
	}
	return form.Err()
}

func (h *Handler) createCustomer(c *fiber.Ctx) error {
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	return h.saveCustomer(c, &model.Customer{})
}

func (h *Handler) loadCustomer(c *fiber.Ctx) (*model.Customer, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return h.store.Customer(h.scope(c), id)
}

func (h *Handler) editCustomer(c *fiber.Ctx) error {
	// Scope first: another customer's id is a 404 whatever the roles.
	cu, err := h.loadCustomer(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	v, err := h.customerForm(c, cu)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplCustomerForm, v)
}

func (h *Handler) updateCustomer(c *fiber.Ctx) error {
	// Scope first: another customer's id is a 404 whatever the roles.
	cu, err := h.loadCustomer(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	return h.saveCustomer(c, cu)
}

// customerPage is everything the customer view and print view show.
type customerPage struct {
	Customer    *model.Customer
	Group       *model.CustomerGroup
	Salesperson *model.User
	Locations   []*model.Location
	Users       []*model.User
	Attachments []*model.Attachment
	Activity    []*store.Activity
	CanEdit     bool
	CanLocs     bool
	CanUsers    bool
	Bar         *actionBar
}

func (h *Handler) customerPage(c *fiber.Ctx, id uint64) (*customerPage, error) {
	u := currentUser(c)
	sc := h.scope(c)
	p := &customerPage{}
	err := h.read(func(t *store.Tx) error {
		cu, err := t.Customer(sc, id)
		if err != nil {
			return err
		}
		p.Customer = cu
		if cu.GroupID != 0 {
			p.Group, _ = t.CustomerGroup(cu.GroupID)
		}
		if cu.SalespersonID != 0 {
			p.Salesperson, _ = t.UserByID(cu.SalespersonID)
		}
		if p.Locations, err = t.Locations(sc, id); err != nil {
			return err
		}
		if p.Users, _, err = t.ListCustomerUsers(sc, id, store.UserFilter{}, store.Page{}); err != nil {
			return err
		}
		if p.Attachments, err = t.Attachments("customer", id); err != nil {
			return err
		}
		if u.IsStaff() {
			p.Activity = t.ActivityOf("customer", id, 20)
		}
		return nil
	})
	p.CanEdit = u.Can(model.PermManageCustomers)
	p.CanLocs = p.CanEdit || u.Can(model.PermManageOwnLocs)
	p.CanUsers = u.Can(model.PermManageDealers) || u.Can(model.PermManageOwnUsers)
	if err == nil {
		p.Bar = p.bar(u.IsStaff())
	}
	return p, err
}

// showCustomer is the customer profile: header, locations, users,
// attachments and (for staff) the activity log.
func (h *Handler) showCustomer(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if !currentUser(c).Can(model.PermViewCustomers) && !currentUser(c).Can(model.PermViewOwnCustomer) {
		return fiber.ErrNotFound
	}
	p, err := h.customerPage(c, id)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplCustomerView, h.view(c, "customers.view", p))
}

// showMyCompany sends a dealer user to its own customer's profile.
func (h *Handler) showMyCompany(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.Kind != model.KindDealer {
		return fiber.ErrNotFound
	}
	return c.Redirect("/customers/"+itoa(u.CustomerID), fiber.StatusSeeOther)
}

// printCustomer is the A4 print view of one profile (print it or save it as
// PDF from the browser's print dialog).
func (h *Handler) printCustomer(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := h.customerPage(c, id)
	if err != nil {
		return err
	}
	v := h.view(c, "customers.print", p)
	v.Layout = "layouts/print"
	return h.render(c, fiber.StatusOK, tplCustomerPrint, v)
}

func (h *Handler) uploadCustomerAttachment(c *fiber.Ctx) error {
	// Scope first: another customer's id is a 404 whatever the roles.
	cu, err := h.loadCustomer(c)
	if err != nil {
		return err
	}
	if err := need(c, model.PermManageCustomers); err != nil {
		return err
	}
	if err := h.saveUpload(c, "customer", cu.ID, cu.ID); err != nil {
		p, perr := h.customerPage(c, cu.ID)
		if perr != nil {
			return perr
		}
		return h.formError(c, err, tplCustomerView, h.view(c, "customers.view", p))
	}
	h.setFlash(c, "flash.uploaded")
	return h.redirect(c, "/customers/"+itoa(cu.ID)+"#attachments")
}
