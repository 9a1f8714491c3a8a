package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"

	"dealerportal/model"
)

// The page layout (layouts/main) is the same for every request of a
// language, apart from a handful of values: the title, the CSRF token, the
// user's name, the enterprise's name, the language form's return address,
// the bell, the menu and the page's content. Executing the template for
// every page called the translation and asset helpers by reflection a few
// dozen times; instead the template is executed once per (language, signed
// in or not) with a marker in place of each per-request value, the output is
// cut at the markers, and a page is the static pieces with the request's
// values written between them, escaped as html/template escapes them in
// those places (text, quoted attributes, <title>). The template stays the
// one source of the markup; TestLayoutSkeleton compares both ways with
// hostile values.

// A layout slot is one per-request value of the layout.
type layoutSlot byte

const (
	slotTitle layoutSlot = 'a' + iota
	slotCSRF
	slotEnterprise
	slotNext
	slotUserName
	slotUsername
	slotBell
	slotNav
	slotContent
)

// slotMark is the marker of a slot in the skeleton's output: private-use
// characters, which html/template leaves alone in text and attributes.
func slotMark(s layoutSlot) string { return "\ue000" + string(rune(s)) + "\ue001" }

// raw reports whether a slot's value is HTML already (written as is).
func (s layoutSlot) raw() bool { return s == slotBell || s == slotNav || s == slotContent }

// layoutPiece is static markup followed by a slot (0: none, the end).
type layoutPiece struct {
	text string
	slot layoutSlot
}

type layoutKey struct {
	name, lang string
	user       bool
}

// layouts holds the cut layouts by layoutKey; built on first use.
type layouts struct {
	m sync.Map
}

// skeleton executes layout name once with markers and cuts it.
func (h *Handler) skeleton(name, l string, user bool) ([]layoutPiece, error) {
	// The language may point into the request's buffer (a cookie), which
	// the next request reuses: the key holds the catalog's own string.
	if i := slices.Index(Languages, l); i >= 0 {
		l = Languages[i]
	} else {
		l = strings.Clone(l)
	}
	k := layoutKey{name, l, user}
	if p, ok := h.layouts.m.Load(k); ok {
		return p.([]layoutPiece), nil
	}
	v := &View{h: h, Lang: l, skeleton: true, CSRF: slotMark(slotCSRF),
		Settings: &model.Settings{EnterpriseName: slotMark(slotEnterprise)}, Content: template.HTML(slotMark(slotContent))}
	if user {
		v.User = &model.User{Name: slotMark(slotUserName), Username: slotMark(slotUsername)}
	}
	var buf bytes.Buffer
	if err := h.engine.Render(&buf, name, v); err != nil {
		return nil, err
	}
	out := buf.String()
	if strings.Contains(strings.ToLower(out), "%ee%80") {
		return nil, fmt.Errorf("layout %s: a per-request value is placed in a URL", name)
	}
	var pieces []layoutPiece
	for {
		i := strings.Index(out, "\ue000")
		if i < 0 {
			break
		}
		rest := out[i+len("\ue000"):]
		if len(rest) < 1+len("\ue001") || !strings.HasPrefix(rest[1:], "\ue001") || rest[0] < byte(slotTitle) || rest[0] > byte(slotContent) {
			return nil, fmt.Errorf("layout %s: a per-request value is escaped where the layout cannot place it", name)
		}
		pieces = append(pieces, layoutPiece{text: out[:i], slot: layoutSlot(rest[0])})
		out = rest[1+len("\ue001"):]
	}
	if strings.Contains(out, "\ue001") {
		return nil, fmt.Errorf("layout %s: a broken marker", name)
	}
	pieces = append(pieces, layoutPiece{text: out})
	h.layouts.m.Store(k, pieces)
	return pieces, nil
}

// writeLayout writes the page of v (its Content set) in layout name.
func (h *Handler) writeLayout(w *bytes.Buffer, name string, v *View) error {
	pieces, err := h.skeleton(name, v.Lang, v.User != nil)
	if err != nil {
		return err
	}
	for _, p := range pieces {
		w.WriteString(p.text)
		if p.slot == 0 {
			continue
		}
		var s string
		switch p.slot {
		case slotTitle:
			s = v.PageTitle()
		case slotCSRF:
			s = v.CSRF
		case slotEnterprise:
			s = v.Settings.EnterpriseName
		case slotNext:
			s = v.NextURL()
		case slotUserName:
			s = v.User.Name
		case slotUsername:
			s = v.User.Username
		case slotBell:
			s = string(v.BellHTML())
		case slotNav:
			s = string(v.NavHTML())
		case slotContent:
			s = string(v.Content)
		}
		if p.slot.raw() {
			w.WriteString(s)
		} else {
			writeEscaped(w, s)
		}
	}
	return nil
}

// writeEscaped escapes s as html/template does in text, RCDATA and quoted
// attribute values (its htmlReplacementTable), byte for byte.
func writeEscaped(w *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(r)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// PageTitle is the <title> of a page: its translated title and the
// enterprise's name.
func (v *View) PageTitle() string {
	if v.skeleton {
		return slotMark(slotTitle)
	}
	return v.T(v.Title) + " · " + v.Settings.EnterpriseName
}

// NextURL is the current page's path and query, where the language form
// returns to.
func (v *View) NextURL() string {
	if v.skeleton {
		return slotMark(slotNext)
	}
	if v.Query == "" {
		return v.Path
	}
	return v.Path + "?" + v.Query
}

// BellHTML is the header's inbox link for the current user.
func (v *View) BellHTML() template.HTML {
	if v.skeleton {
		return template.HTML(slotMark(slotBell))
	}
	return v.h.bellHTML(v.Bell())
}

// NavHTML is the main menu for the current user and page.
func (v *View) NavHTML() template.HTML {
	if v.skeleton {
		return template.HTML(slotMark(slotNav))
	}
	return v.h.navHTML(v)
}

// bellHTML renders the bell; its markup depends on the language and the
// count only, so each (language, count) is rendered once.
func (h *Handler) bellHTML(b Bell) template.HTML {
	k := b.Lang + ":" + strconv.Itoa(b.Count)
	if s, ok := h.bells.Load(k); ok {
		return s.(template.HTML)
	}
	var buf bytes.Buffer
	if err := h.engine.Render(&buf, tplBell, b); err != nil {
		h.log.Error("render bell", "err", err)
		return ""
	}
	s := template.HTML(buf.String())
	h.bells.Store(k, s)
	return s
}

// navHTML renders the menu (partials/nav). Its markup depends on the
// language, the links the user's roles open, which of them the current
// path marks active, and whether it is an out-of-band swap: each such
// combination is rendered once.
func (h *Handler) navHTML(v *View) template.HTML {
	var kb strings.Builder
	kb.WriteString(v.Lang)
	kb.WriteByte(':')
	kb.WriteString(v.navKey)
	kb.WriteByte(':')
	if v.Path == "/" {
		kb.WriteByte('/')
	}
	if v.NavOOB {
		kb.WriteByte('o')
	}
	n := 0
	for _, g := range v.Nav {
		for _, it := range g.Items {
			if v.Active(it.Href) {
				kb.WriteByte(',')
				kb.WriteString(strconv.Itoa(n))
			}
			n++
		}
	}
	k := kb.String()
	if s, ok := h.navs.Load(k); ok {
		return s.(template.HTML)
	}
	var buf bytes.Buffer
	if err := h.engine.Render(&buf, "partials/nav", v); err != nil {
		h.log.Error("render nav", "err", err)
		return ""
	}
	s := template.HTML(buf.String())
	h.navs.Store(k, s)
	return s
}
