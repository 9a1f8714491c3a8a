package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplInbox        = "messages/inbox"
	tplInboxMessage = "messages/message"
	tplBell         = "messages/bell"
)

// The inbox (站内消息): every user's own in-app messages. The key of every
// message holds its user, so another user's message id is simply not found.
func (h *Handler) registerInbox(r fiber.Router) {
	r.Get("/inbox", h.showInbox)
	r.Get("/inbox/count", h.showInboxCount)
	r.Post("/inbox/read-all", h.markAllInboxRead)
	r.Get("/inbox/:id", h.showInboxMessage)
	r.Post("/inbox/:id/read", h.markInboxRead)
}

// bellLimit caps the unread count shown in the header ("99+").
const bellLimit = 100

// Bell is the header's inbox link: its count and label.
type Bell struct {
	Count int
	Label string
	Lang  string
}

// Text is the count as shown: "" for none, "99+" past the cap.
func (b Bell) Text() string {
	switch {
	case b.Count == 0:
		return ""
	case b.Count >= bellLimit:
		return "99+"
	}
	return strconv.Itoa(b.Count)
}

// bell is the header's inbox link of u; pre is the count the request read
// with the versions record, if any (syncVersions).
func (h *Handler) bell(u *model.User, lang string, pre store.Unread) Bell {
	b := Bell{Lang: lang}
	if u != nil {
		b.Count = h.bellCount(u.ID, pre)
	}
	b.Label = h.i18n.T(lang, "inbox.title")
	if b.Count > 0 {
		b.Label = h.i18n.T(lang, "inbox.unread_label", "count", b.Text())
	}
	return b
}

// bellCount counts user's unread messages up to bellLimit: the count read
// at the request's start when it was read for this user and is still
// current (store.UnreadFor), else a committed read of its own.
func (h *Handler) bellCount(user uint64, pre store.Unread) int {
	if n, ok := h.store.UnreadFor(pre, user); ok {
		return n
	}
	n, _ := h.store.UnreadCount(user, bellLimit)
	return n
}

// requestUnread is the unread count the request read with the versions
// record (syncVersions), zero when none.
func requestUnread(c *fiber.Ctx) store.Unread {
	u, _ := c.Locals(localUnread).(store.Unread)
	return u
}

// Bell is the layout's inbox link for the current user.
func (v *View) Bell() Bell { return v.h.bell(v.User, v.Lang, v.unread) }

// Lines splits plain text into lines for display with line breaks.
func (v *View) Lines(s string) []string { return splitLines(s) }

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// showInboxCount is the small fragment the header polls (a few hundred
// bytes): the bell link with the unread count. Without JavaScript the same
// link is rendered in the page and simply leads to the inbox.
func (h *Handler) showInboxCount(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if err := h.engine.Render(&buf, tplBell, h.bell(currentUser(c), lang(c), requestUnread(c))); err != nil {
		return fmt.Errorf("render bell: %w", err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

type inboxData struct {
	List
	Unread int
}

// showInbox lists the user's messages, newest first; ?unread=1 shows only
// the unread ones.
func (h *Handler) showInbox(c *fiber.Ctx) error {
	u := currentUser(c)
	q := parseListQuery(c)
	d := &inboxData{}
	err := h.read(func(t *store.Tx) error {
		rows, total, err := t.Inbox(u.ID, q.Get("unread") == "1", q.Page())
		if err != nil {
			return err
		}
		d.List = List{Rows: rows, Query: q, Pager: q.Pager(total)}
		d.Unread = t.UnreadCount(u.ID, bellLimit)
		return nil
	})
	if err != nil {
		return err
	}
	if q.Export != "" {
		loc := h.store.Zone()
		var out [][]string
		for _, m := range d.Rows.([]*model.InboxMessage) {
			read := ""
			if !m.ReadAt.IsZero() {
				read = m.ReadAt.In(loc).Format("2006-01-02 15:04")
			}
			out = append(out, []string{m.CreatedAt.In(loc).Format("2006-01-02 15:04"), m.Subject, m.Body, m.DocNumber, read})
		}
		return h.export(c, q.Export, "inbox", []exportCol{
			{"inbox.received", colDateTime}, {"inbox.subject", colText}, {"inbox.body", colText},
			{"inbox.document", colText}, {"inbox.read_at", colDateTime},
		}, out)
	}
	return h.render(c, fiber.StatusOK, tplInbox, h.view(c, "inbox.title", d))
}

// showInboxMessage shows one message and marks it read.
func (h *Handler) showInboxMessage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	m, err := h.store.ReadInboxMessage(store.Actor{User: u}, id)
	if err != nil {
		return err
	}
	c.Set("HX-Trigger", "inbox-changed") // the header's count refreshes
	return h.render(c, fiber.StatusOK, tplInboxMessage, h.view(c, "inbox.message", m))
}

// markInboxRead marks one message read: for HTMX the row is replaced, else
// back to the inbox.
func (h *Handler) markInboxRead(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	if _, err := h.store.ReadInboxMessage(store.Actor{User: u}, id); err != nil {
		return err
	}
	c.Set("HX-Trigger", "inbox-changed")
	return h.redirect(c, "/inbox")
}

func (h *Handler) markAllInboxRead(c *fiber.Ctx) error {
	u := currentUser(c)
	if _, err := h.store.ReadAllInbox(store.Actor{User: u}); err != nil {
		return err
	}
	h.setFlash(c, "flash.all_read")
	c.Set("HX-Trigger", "inbox-changed")
	return h.redirect(c, "/inbox")
}

// safeLink keeps only links inside the portal (a path), for the message's
// "open the document" button.
func safeLink(s string) template.URL {
	if len(s) > 1 && s[0] == '/' && s[1] != '/' && s[1] != '\\' {
		return template.URL(s)
	}
	return ""
}

// DocLink is the message's link to its document, or "" when it has none.
func (v *View) DocLink(s string) template.URL { return safeLink(s) }

// messageTiles are the home page's tiles of this module: unread in-app
// messages for everyone, unread announcements for dealers, drafts waiting
// for audit for staff who publish.
func (h *Handler) messageTiles(t *store.Tx, u *model.User, sc store.Scope) []Tile {
	var tiles []Tile
	if u.Can(model.PermMyAnnouncements) {
		tiles = append(tiles, Tile{"home.announcements_unread", strconv.Itoa(t.UnreadAnnouncements(sc, u.ID)), "/my/announcements"})
	}
	if u.Can(model.PermManageAnnouncements) {
		_, n, _ := t.ListAnnouncements(sc, store.AnnouncementFilter{State: model.StatusDraft}, store.Page{Limit: -1})
		tiles = append(tiles, Tile{"home.announcements_draft", strconv.Itoa(n), "/announcements?state=draft"})
	}
	n := t.UnreadCount(u.ID, bellLimit)
	v := strconv.Itoa(n)
	if n >= bellLimit {
		v = "99+"
	}
	return append(tiles, Tile{"home.inbox_unread", v, "/inbox?unread=1"})
}
