package handlers

import (
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The picker (选择器): the one way the portal picks org units, customer
// groups and customers — a list of checkboxes with a filter box
// (partials/picker). It offers only what the user's scope covers; the
// handler that saves the choice checks it again. With JavaScript the filter
// hides the choices that do not match as one types (static/app.js);
// without it, the filter button posts the form back with _pick, and the
// form's handler shows it again, unsaved, with the list filtered and every
// choice kept (pickRequested). Customers can be thousands: their picker
// lists the chosen ones and, once filtered, the matches in scope; codes can
// also be typed or pasted into its text field. The chosen values are read
// the same way everywhere: pickedIDs and pickedCodes.

// pickQueryPrefix names a picker's filter box: _pickq_<field>.
const pickQueryPrefix = "_pickq_"

// maxCustomerMatches bounds the customers a filter lists.
const maxCustomerMatches = 30

// pickItem is one choice of a picker.
type pickItem struct {
	Value, Label string
	// Hint follows the label, quieter (a code, an org unit's path, "inactive").
	Hint  string
	Depth int
	// Checked: chosen. Hidden: filtered out by the server (a chosen item
	// never is).
	Checked, Hidden bool
}

// picker is a list of choices posted as field Name.
type picker struct {
	Name string
	// Label and Hint are catalog keys (Hint may be "").
	Label, Hint string
	Items       []pickItem
	// Filter is the text of the filter box.
	Filter string
	// Server: the form's handler answers _pick, so the filter works without
	// JavaScript; otherwise the box shows only with JavaScript.
	Server bool
	// Paste is the text field of typed or pasted codes (customers): it
	// posts as Name too.
	Paste *pickPaste
	// Err is the field's error.
	Err string
	// Empty is the catalog key shown when there is nothing to list.
	Empty string
	// Single: one choice or none (radio buttons, the first one "none").
	Single bool
}

// pickPaste is a picker's field for codes typed by hand.
type pickPaste struct {
	ID, Label, Value, Placeholder string
	Long                          bool
}

// pickFilter is the filter text posted for picker name (or in the query).
func pickFilter(c *fiber.Ctx, name string) string {
	return strings.TrimSpace(c.FormValue(pickQueryPrefix + name))
}

// pickRequested reports whether the request is a picker's filter button
// (_pick): the form is to be shown again, filtered, not saved.
func pickRequested(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPost && c.FormValue("_pick") != ""
}

// pickValues returns every value of a form field: a urlencoded or multipart
// body, else the query string.
func pickValues(c *fiber.Ctx, name string) []string {
	var raw []string
	ct := string(c.Request().Header.ContentType())
	switch {
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if f, err := c.MultipartForm(); err == nil && f != nil {
			raw = f.Value[name]
		}
	case c.Method() == fiber.MethodPost:
		for _, v := range c.Request().PostArgs().PeekMulti(name) {
			raw = append(raw, string(v))
		}
	default:
		for _, v := range c.Request().URI().QueryArgs().PeekMulti(name) {
			raw = append(raw, string(v))
		}
	}
	return raw
}

// pickedIDs reads the ids chosen in a picker (repeated field name): each
// once, in the order posted, blanks and non-numbers dropped. Whether the
// user may choose them is the saving handler's check.
func pickedIDs(c *fiber.Ctx, name string) []uint64 {
	var out []uint64
	seen := map[uint64]bool{}
	for _, s := range pickValues(c, name) {
		if n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64); err == nil && n != 0 && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// pickedCodes reads the customer codes chosen in a picker: the ticked ones
// and those typed into its text field (all posted as name), split at commas,
// semicolons, spaces and their full-width forms, upper-cased, each once.
func pickedCodes(c *fiber.Ctx, name string) []string {
	return splitPicked(pickValues(c, name)...)
}

// splitPicked splits texts of customer codes as pickedCodes does.
func splitPicked(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range texts {
		for _, code := range strings.FieldsFunc(v, func(r rune) bool {
			return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '，' || r == '、' || r == '；' || r == '　'
		}) {
			if code = strings.ToUpper(strings.TrimSpace(code)); code != "" && !seen[code] {
				seen[code] = true
				out = append(out, code)
			}
		}
	}
	return out
}

// matches reports whether a choice's words contain the filter (any case).
func matches(filter string, words ...string) bool {
	if filter == "" {
		return true
	}
	f := strings.ToLower(filter)
	for _, w := range words {
		if strings.Contains(strings.ToLower(w), f) {
			return true
		}
	}
	return false
}

// orgPicker offers org units (already limited to the user's scope), the
// chosen ones ticked, indented as tree (the caller's: t.OrgTree() inside a
// transaction, so that no second one opens inside it); inactive units say
// so.
func (h *Handler) orgPicker(tree *model.OrgTree, lang, name, label string, orgs []model.Node, chosen []uint64, filter string) picker {
	p := picker{Name: name, Label: label, Filter: filter, Empty: "pick.no_orgs"}
	for _, n := range orgs {
		it := pickItem{Value: itoa(n.Unit.ID), Label: n.Unit.Name, Depth: min(n.Depth, 5), Checked: contains64(chosen, n.Unit.ID)}
		if n.Unit.Inactive {
			it.Hint = h.i18n.T(lang, "org.status.inactive")
		}
		it.Hidden = !it.Checked && !matches(filter, n.Unit.Name, n.Unit.Code, tree.Path(n.Unit.ID))
		p.Items = append(p.Items, it)
	}
	return p
}

// groupPicker offers customer groups (already limited to the user's scope).
func groupPicker(name, label string, groups []*model.CustomerGroup, chosen []uint64, filter string) picker {
	p := picker{Name: name, Label: label, Filter: filter, Empty: "pick.no_groups"}
	for _, g := range groups {
		it := pickItem{Value: itoa(g.ID), Label: g.Name, Hint: g.Code, Checked: contains64(chosen, g.ID)}
		it.Hidden = !it.Checked && !matches(filter, g.Name, g.Code)
		p.Items = append(p.Items, it)
	}
	return p
}

// customerPicker offers customers by code: the chosen ones in sc ticked,
// then, when filter is set, up to maxCustomerMatches others in sc whose
// code or name contains it. Codes it cannot show (unknown or outside sc)
// stay in the text field, where the saving handler reports them.
func customerPicker(t *store.Tx, sc store.Scope, name, label string, codes []string, filter string, paste pickPaste) picker {
	p := picker{Name: name, Label: label, Hint: "pick.customers_hint", Filter: filter, Server: true, Empty: "pick.no_customers"}
	shown := map[string]bool{}
	var unknown []string
	for _, code := range codes {
		cu, err := t.CustomerByCode(sc, code)
		if err != nil {
			unknown = append(unknown, code)
			continue
		}
		shown[cu.Code] = true
		p.Items = append(p.Items, pickItem{Value: cu.Code, Label: cu.Name, Hint: cu.Code, Checked: true})
	}
	if filter != "" {
		found, _, _ := t.ListCustomers(sc, store.CustomerFilter{Q: filter}, store.Page{Limit: maxCustomerMatches + len(shown)})
		for _, cu := range found {
			if !shown[cu.Code] && len(p.Items)-len(shown) < maxCustomerMatches {
				shown[cu.Code] = true
				p.Items = append(p.Items, pickItem{Value: cu.Code, Label: cu.Name, Hint: cu.Code})
			}
		}
	}
	paste.Value = strings.Join(unknown, ", ")
	p.Paste = &paste
	return p
}

func contains64(list []uint64, id uint64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// pickerView is a picker as partials/picker shows it: texts translated.
type pickerView struct {
	picker
	Legend, HintText, EmptyText, PasteLabel string
	FilterText, FilterButton, NoMatch       string
	// Chosen counts the ticked choices; ChosenText says it.
	Chosen     int
	ChosenText string
}

// Picker prepares p for partials/picker; err is the field's error.
func (v *View) Picker(p picker) pickerView {
	pv := pickerView{picker: p, Legend: v.T(p.Label), EmptyText: v.T(p.Empty),
		FilterText: v.T("pick.filter"), FilterButton: v.T("pick.filter_button"), NoMatch: v.T("pick.no_match")}
	if p.Hint != "" {
		pv.HintText = v.T(p.Hint)
	}
	if p.Paste != nil {
		pv.PasteLabel = v.T(p.Paste.Label)
	}
	if pv.Err == "" {
		pv.Err = v.Err(p.Name)
	}
	for _, it := range p.Items {
		if it.Checked && it.Value != "" {
			pv.Chosen++
		}
	}
	pv.ChosenText = v.T("pick.chosen", "n", pv.Chosen)
	return pv
}

// GroupPicker is a single-choice customer group picker built in a template
// (a price's group: none or one), for forms whose handler does not answer
// _pick; the groups are already limited to the user's scope.
func (v *View) GroupPicker(name, label string, groups []*model.CustomerGroup, chosen uint64) pickerView {
	p := groupPicker(name, label, groups, []uint64{chosen}, "")
	p.Single = true
	p.Items = append([]pickItem{{Label: v.T("pick.none"), Checked: chosen == 0}}, p.Items...)
	return v.Picker(p)
}

// OrgPickerOne is a single-choice org unit picker built in a template (the
// one unit a customer or a staff user belongs to; one is required).
func (v *View) OrgPickerOne(name, label string, orgs []model.Node, chosen uint64) pickerView {
	p := v.h.orgPicker(v.h.store.OrgTree(), v.Lang, name, label, orgs, []uint64{chosen}, "")
	p.Single = true
	return v.Picker(p)
}

// OrgPicker is an org unit picker built in a template, for forms whose
// handler does not answer _pick (the staff user's and the API client's
// scope: they hold secrets, and the tree is short): without JavaScript the
// whole tree shows. hint is a catalog key ("" for none).
func (v *View) OrgPicker(name, label, hint string, orgs []model.Node, chosen []uint64) pickerView {
	p := v.h.orgPicker(v.h.store.OrgTree(), v.Lang, name, label, orgs, chosen, "")
	p.Hint = hint
	return v.Picker(p)
}

// targetPickers prepares the pickers of a catalog entry's publish targets
// (发布对象: customers, groups, org units) from tf and the choices offered.
func (h *Handler) targetPickers(c *fiber.Ctx, t *store.Tx, tf *targetForm, ch entryChoices) {
	tf.CustomerPick = customerPicker(t, h.scope(c), "customer_codes", "entry.target_customers", model.SplitCodes(tf.Customers),
		pickFilter(c, "customer_codes"), pickPaste{ID: "f-customer_codes", Label: "pick.paste_codes", Placeholder: "C0001 C0002"})
	tf.GroupPick = groupPicker("group_ids", "entry.target_groups", ch.Groups, tf.Groups, pickFilter(c, "group_ids"))
	tf.OrgPick = h.orgPicker(t.OrgTree(), lang(c), "org_ids", "entry.target_orgs", ch.Orgs, tf.Orgs, pickFilter(c, "org_ids"))
	tf.GroupPick.Server, tf.OrgPick.Server = true, true
}
