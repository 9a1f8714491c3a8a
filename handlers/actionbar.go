package handlers

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Action bars (操作栏). Every document page shows its actions the same way
// (docs/DESIGN.md, "Staff screens"): one primary action, filled; then the
// secondary ones, quiet; then, apart at the end of the bar, the destructive
// ones (删除, 作废, 拒绝…), each asking first. An action that needs a reason
// opens its small form in a panel below the bar, so the buttons keep their
// size. The page's handler builds an actionBar from its document type's
// table of rows (barTable, the tables in bars.go); the template renders it
// with {{template "partials/actions" ($.ActionBar .Bar)}}.

// tplAsk is the confirmation page of a destructive action posted without
// JavaScript (askFirst).
const tplAsk = "partials/ask"

// barKind is an action's weight in its bar.
type barKind int

const (
	barSecondary barKind = iota
	barPrimary
	barDanger
)

// barField is a hidden field of an action's form.
type barField struct{ Name, Value string }

// barInput is the one field an action asks for before it posts (a reason,
// a customer code): the action then opens a panel below the bar holding the
// field and the button that posts.
type barInput struct {
	// ID is the field's element id ("" for one made from the action).
	ID string
	// Name is the form field; Label its catalog key.
	Name, Label string
	Value       string
	Required    bool
	// MinLen and MaxLen bound the text (0: no bound).
	MinLen, MaxLen int
	// Long asks in a textarea rather than a one-line input.
	Long        bool
	Placeholder string
}

// barAction is one action of a bar: a link when Href is set, else a form
// posting Fields (and the CSRF token) to Post.
type barAction struct {
	// Label is the catalog key of its text, with Args.
	Label string
	Args  []any
	Icon  string
	// ID is the element's id ("" for none).
	ID   string
	Href string
	// External links are not boosted by htmx (print views, files).
	External bool
	Download bool
	Post     string
	Fields   []barField
	// Ask is the catalog key of the question asked before posting: a
	// dialog with JavaScript, a confirmation page without (askFirst).
	Ask string
	// Input, when set, is asked for in a panel below the bar.
	Input *barInput
	// Submit is the catalog key of the panel's button ("" repeats Label),
	// with SubmitArgs.
	Submit     string
	SubmitArgs []any
	kind       barKind
	// back marks the way back to the list: never promoted to primary.
	back bool
}

// actionBar is a document page's actions, in the order the handler added
// them within each weight.
type actionBar struct {
	// ID is the bar's element id ("doc-actions" when empty).
	ID    string
	items []*barAction
	// below: the page's primary action is a form further down (sign for
	// the goods, handle the complaint), so the bar promotes none of its own.
	below bool
}

// barFact is a fact about a page that bar rows depend on (a bit, so that a
// row may name several).
type barFact uint32

const (
	// factEdit: the user may edit the document.
	factEdit barFact = 1 << iota
	// factDelete: the user may delete it.
	factDelete
	// factStaff: the user is staff.
	factStaff
	// factBelow: the page's primary action is a form below the bar (sign
	// for the goods, handle the complaint), so the bar promotes none.
	factBelow
	// factOrder: the document has a sales order to track.
	factOrder
	// factAgain: the dealer may order it again.
	factAgain
	// factRelease: the user may release the order's credit hold.
	factRelease
	// factConvert: the user may generate the sales order from it.
	factConvert
	// factShip: staff may ship it (a notice, an outbound) or receive the
	// goods of a return notice.
	factShip
	// factReturn: the dealer may return goods of it.
	factReturn
	// factTakeBack: staff may take its goods back (a return notice).
	factTakeBack
	// factChange: the user may request a change of it.
	factChange
	// factWriteOff: the user may write it off.
	factWriteOff
	// factEvaluate: staff may evaluate it.
	factEvaluate
	// factTab: the page shows the tab where it is handled or evaluated.
	factTab
	// factCustomer: staff see the document's customer.
	factCustomer
	// factEntry: the product has a catalog entry.
	factEntry
	// factList: the user may add the product to the catalog.
	factList
	// factOpen: the user may open the document itself.
	factOpen
	// factConfirm: the dealer confirms the document here: the
	// confirmation is the page's primary action.
	factConfirm
)

// barFacts says which facts hold for a page.
type barFacts map[barFact]bool

// barRow is one row of a document type's bar table: an action, when the
// bar shows it, and how.
type barRow struct {
	// If and Unless are the facts the row depends on: it shows when all
	// of If hold and none of Unless.
	If, Unless barFact
	// Action names a state-machine action: the row shows only when the
	// page offers it. Its Label defaults to "action.<Action>", its Post to
	// "{base}/<Action>".
	Action string
	// Label is the catalog key of the action's text.
	Label string
	// Link is where a link leads; else the action is a form posting
	// Fields, or else the document's version, to Post.
	Link, Post string
	Fields     []barField
	// Kind is its weight: primary, secondary or destructive (barDanger,
	// apart at the end).
	Kind barKind
	// Ask is the catalog key of the question asked before posting.
	Ask string
	// Input is the field asked for in a panel below the bar; Submit the
	// catalog key of its button ("" repeats Label), with SubmitArgs.
	Input      *barInput
	Submit     string
	SubmitArgs []any
	ID, Icon   string
	// External links are not boosted by htmx (print views, files).
	External, Download bool
	// Back makes the row the way back to the list, Link: labelled
	// btn.back and never promoted to primary.
	Back bool
	// Below adds no action: it says the page's primary action is a form
	// below the bar.
	Below bool
}

// barTable is a document type's bar: its rows in the order the bar shows
// them. A run of rows naming state-machine actions shows the actions the
// page offers in the page's order, each by the first of those rows that
// names it and whose facts hold.
type barTable []barRow

// barDoc is what a bar table reads of a page: the document's path and
// version, the state-machine actions the page offers, the facts that hold,
// and the values its rows name ({id}, {so}…: placeholder, value pairs),
// filled into their paths, fields and inputs along with {base}.
type barDoc struct {
	Base    string
	Version uint64
	Actions []string
	Facts   barFacts
	Vars    []string
}

// shows reports whether row r shows on d's page (not counting its Action).
func (d barDoc) shows(r barRow) bool {
	for f := barFact(1); f != 0 && f <= r.If|r.Unless; f <<= 1 {
		if r.If&f != 0 && !d.Facts[f] || r.Unless&f != 0 && d.Facts[f] {
			return false
		}
	}
	return true
}

// build lays out t for d: the bar the page shows.
func (t barTable) build(d barDoc) *actionBar {
	b := &actionBar{}
	fill := strings.NewReplacer(append([]string{"{base}", d.Base}, d.Vars...)...).Replace
	for i := 0; i < len(t); i++ {
		if t[i].Action == "" {
			if d.shows(t[i]) {
				b.add(t[i], d, fill)
			}
			continue
		}
		run := t[i:]
		for j := range run {
			if run[j].Action == "" {
				run = run[:j]
				break
			}
		}
		for _, name := range d.Actions {
			for _, r := range run {
				if r.Action == name && d.shows(r) {
					b.add(r, d, fill)
					break
				}
			}
		}
		i += len(run) - 1
	}
	return b
}

// add adds row r of d's bar, its placeholders filled.
func (b *actionBar) add(r barRow, d barDoc, fill func(string) string) {
	if r.Below {
		b.below = true
		return
	}
	a := &barAction{Label: r.Label, Ask: r.Ask, Submit: r.Submit, SubmitArgs: r.SubmitArgs, ID: r.ID, Icon: r.Icon,
		External: r.External, Download: r.Download, kind: r.Kind, back: r.Back}
	switch {
	case r.Back:
		a.Label = "btn.back"
	case a.Label == "":
		a.Label = "action." + r.Action
	}
	switch {
	case r.Link != "":
		a.Href = fill(r.Link)
	case r.Post != "":
		a.Post = fill(r.Post)
	default:
		a.Post = fill("{base}/" + r.Action)
	}
	if a.Post != "" {
		for _, f := range r.Fields {
			a.Fields = append(a.Fields, barField{f.Name, fill(f.Value)})
		}
		if len(r.Fields) == 0 {
			a.Fields = []barField{{"version", itoa(d.Version)}}
		}
	}
	if r.Input != nil {
		in := *r.Input
		in.Value = fill(in.Value)
		a.Input = &in
	}
	b.items = append(b.items, a)
}

// tkey is a label argument that is itself a catalog key, translated when
// the bar is shown.
type tkey string

// targs translates the tkey arguments of a label.
func (v *View) targs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if k, ok := a.(tkey); ok {
			out[i] = v.T(string(k))
		} else {
			out[i] = a
		}
	}
	return out
}

// barItem is an action as the template shows it: texts translated, its
// class and place decided.
type barItem struct {
	*barAction
	Text, AskText, SubmitText, InputLabel string
	// Class is the button's class: "primary", "danger" or "".
	Class string
	// Apart starts the destructive group at the end of the bar.
	Apart bool
	// Key makes the element ids of its panel unique in the page.
	Key string
	// Err is the error of its input after a refused post; the panel is then open.
	Err string
}

// barView is a bar ready to render.
type barView struct {
	ID    string
	CSRF  string
	Items []barItem
	// Panels says whether some action opens a panel (the bar then anchors it).
	Panels bool
}

// ActionBar lays out b: the primary action first (the first one marked, or
// else the first secondary action that does not ask first, the way back
// only when nothing else is left), the secondary ones, then the destructive
// ones apart. A nil bar renders nothing.
func (v *View) ActionBar(b *actionBar) barView {
	out := barView{ID: "doc-actions", CSRF: v.CSRF}
	if b == nil {
		return out
	}
	if b.ID != "" {
		out.ID = b.ID
	}
	var primary *barAction
	for _, a := range b.items {
		if a.kind == barPrimary {
			primary = a
			break
		}
	}
	if primary == nil && !b.below {
		// The first plain action; the way back only when there is nothing else.
		for _, a := range b.items {
			if a.kind == barSecondary && a.Ask == "" && a.Input == nil && (!a.back || primary == nil) {
				if primary = a; !a.back {
					break
				}
			}
		}
	}
	item := func(a *barAction, class string) barItem {
		it := barItem{barAction: a, Text: v.T(a.Label, v.targs(a.Args)...), Class: class, Key: strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(strings.Trim(a.Post, "/"))}
		if a.Ask != "" {
			it.AskText = v.T(a.Ask)
		}
		if a.Input != nil {
			it.InputLabel = v.T(a.Input.Label)
			it.Err = v.Err(a.Input.Name)
			it.SubmitText = it.Text
			if a.Submit != "" {
				it.SubmitText = v.T(a.Submit, v.targs(a.SubmitArgs)...)
			}
			out.Panels = true
		}
		return it
	}
	if primary != nil {
		out.Items = append(out.Items, item(primary, "primary"))
	}
	for _, a := range b.items {
		if a != primary && a.kind != barDanger {
			out.Items = append(out.Items, item(a, ""))
		}
	}
	apart := true
	for _, a := range b.items {
		if a.kind == barDanger {
			it := item(a, "danger")
			it.Apart, apart = apart, false
			out.Items = append(out.Items, it)
		}
	}
	return out
}

// askPage is the confirmation page's data.
type askPage struct {
	Question, Do string
	Action, Back string
	Fields       []barField
}

// askFirst shows the confirmation page of a destructive action posted
// without JavaScript. Such a form carries _ask, the catalog key of its
// question (and _ask_do, its button's), which htmx blanks after its own
// dialog; the page posts the same fields again without them. Any other
// request passes.
func (h *Handler) askFirst(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost || !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return c.Next()
	}
	ask := string(c.Request().PostArgs().Peek("_ask"))
	if ask == "" || !h.i18n.Has(ask) {
		return c.Next()
	}
	p := askPage{Question: ask, Do: string(c.Request().PostArgs().Peek("_ask_do")), Action: c.Path(), Back: askBack(c)}
	if !h.i18n.Has(p.Do) {
		p.Do = "bar.confirm"
	}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		switch name := string(k); name {
		case "_csrf", "_ask", "_ask_do":
		default:
			p.Fields = append(p.Fields, barField{name, string(val)})
		}
	})
	return h.render(c, fiber.StatusOK, tplAsk, h.view(c, "bar.confirm_title", p))
}

// askBack is where the confirmation page's "cancel" leads: the page the
// form was on (the Referer, when it is this site's), else the action's
// document (its path without the last segment).
func askBack(c *fiber.Ctx) string {
	if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Host == string(c.Request().Host()) && strings.HasPrefix(ref.Path, "/") {
		if ref.RawQuery != "" {
			return ref.Path + "?" + ref.RawQuery
		}
		return ref.Path
	}
	p := c.Path()
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return "/"
}
