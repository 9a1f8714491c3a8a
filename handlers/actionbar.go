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
// size. The page's handler builds an actionBar; the template renders it with
// {{template "partials/actions" ($.ActionBar .Bar)}}.

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

// link adds a secondary link.
func (b *actionBar) link(label, href string) *barAction {
	a := &barAction{Label: label, Href: href}
	b.items = append(b.items, a)
	return a
}

// post adds a secondary form posting the document's version to action.
func (b *actionBar) post(label, action string, version uint64) *barAction {
	a := &barAction{Label: label, Post: action, Fields: []barField{{"version", itoa(version)}}}
	b.items = append(b.items, a)
	return a
}

// postToken adds a secondary form posting a one-time token (_idem) instead
// of a version (order again).
func (b *actionBar) postToken(label, action, token string) *barAction {
	a := &barAction{Label: label, Post: action, Fields: []barField{{"_idem", token}}}
	b.items = append(b.items, a)
	return a
}

// printLinks adds the print view and the PDF of a document.
func (b *actionBar) printLinks(printURL, pdfURL string) {
	b.link("btn.print", printURL).icon("print").external()
	if pdfURL != "" {
		b.link("bar.pdf", pdfURL).external()
	}
}

// back adds the way back to the list, last among the secondary actions.
func (b *actionBar) back(href string) {
	a := b.link("btn.back", href)
	a.back = true
}

// primaryBelow says that the page's primary action is a form below the bar.
func (b *actionBar) primaryBelow() { b.below = true }

func (a *barAction) primary() *barAction { a.kind = barPrimary; return a }

// danger makes a destructive action: apart at the end, asking ask first.
func (a *barAction) danger(ask string) *barAction {
	a.kind, a.Ask = barDanger, ask
	return a
}

// confirm asks ask before an action that is not destructive but hard to
// take back (make a change effective, release a credit hold).
func (a *barAction) confirm(ask string) *barAction { a.Ask = ask; return a }

// asking makes the action ask for in first, in a panel below the bar.
func (a *barAction) asking(in barInput) *barAction { a.Input = &in; return a }

// reason makes the action ask for a required reason (2–200 characters).
func (a *barAction) reason(label string) *barAction {
	return a.asking(barInput{Name: "reason", Label: label, Required: true, MinLen: 2, MaxLen: 200, Long: true})
}

func (a *barAction) field(name, value string) *barAction {
	a.Fields = append(a.Fields, barField{name, value})
	return a
}
func (a *barAction) id(s string) *barAction      { a.ID = s; return a }
func (a *barAction) icon(name string) *barAction { a.Icon = name; return a }
func (a *barAction) external() *barAction        { a.External = true; return a }
func (a *barAction) download() *barAction        { a.Download = true; return a }
func (a *barAction) submit(label string, args ...any) *barAction {
	a.Submit, a.SubmitArgs = label, args
	return a
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
