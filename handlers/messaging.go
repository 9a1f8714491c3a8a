package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/notify"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplMessagingSettings = "messages/settings"
	tplNotificationPrefs = "account/notifications"
)

// The SMTP server and SMS gateway settings with test buttons (admins), and
// each user's opt-outs of e-mail and SMS per event (/account/notifications).
func (h *Handler) registerMessagingSettings(r fiber.Router) {
	r.Get("/messages/settings", h.showMessagingSettings)
	r.Post("/messages/settings", h.saveMessagingSettings)
	r.Post("/messages/settings/test-email", h.sendTestEmail)
	r.Post("/messages/settings/test-sms", h.sendTestSMS)
}

func (h *Handler) registerNotificationPrefs(r fiber.Router) {
	r.Get("/account/notifications", h.showNotificationPrefs)
	r.Post("/account/notifications", h.saveNotificationPrefs)
}

type messagingForm struct {
	S           *model.MessagingSettings
	HasPassword bool
	TestTo      string
	TestPhone   string
	// TestResult is the outcome of the last test send ("" when none), in
	// words; TestDetail the server's own error, shown folded.
	TestResult string
	TestDetail string
	TestOK     bool
}

// sendErrorText says in lang why a delivery failed: its kind's text (for a
// delivery recorded without a kind, the kind read from its error text);
// "" when nothing failed. The error's own text is for the log and the
// technical detail, never the message.
func (h *Handler) sendErrorText(lang string, kind model.SendErrorKind, raw string) string {
	if kind == "" {
		kind = model.GuessSendErrorKind(raw)
	}
	if kind == "" {
		return ""
	}
	return h.i18n.T(lang, "senderr."+string(kind))
}

// SendError says in the reader's language why a delivery failed.
func (v *View) SendError(kind model.SendErrorKind, raw string) string {
	return v.h.sendErrorText(v.Lang, kind, raw)
}

func (h *Handler) messagingView(c *fiber.Ctx, s *model.MessagingSettings) *View {
	u := currentUser(c)
	f := &messagingForm{S: s, HasPassword: s.SMTPPassword != "", TestTo: u.Email, TestPhone: u.Mobile}
	return h.view(c, "messaging.title", f)
}

func (h *Handler) showMessagingSettings(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplMessagingSettings, h.messagingView(c, h.store.MessagingSettings()))
}

// saveMessagingSettings stores the form. The password is never sent back to
// the browser: an empty password field keeps the stored one, and the
// "clear" box removes it.
func (h *Handler) saveMessagingSettings(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	s := h.store.MessagingSettings()
	ve := &model.ValidationError{}
	s.SMTPHost, s.SMTPSecurity, s.SMTPUser = c.FormValue("smtp_host"), c.FormValue("smtp_security"), c.FormValue("smtp_user")
	s.SMTPFrom, s.SMTPFromName = c.FormValue("smtp_from"), c.FormValue("smtp_from_name")
	if pw := c.FormValue("smtp_password"); pw != "" {
		s.SMTPPassword = pw
	} else if c.FormValue("smtp_password_clear") == "1" {
		s.SMTPPassword = ""
	}
	atoi := func(field string) int {
		n, err := strconv.Atoi(strings.TrimSpace(c.FormValue(field)))
		if err != nil {
			ve.Add(field, "err.number", nil)
		}
		return n
	}
	s.SMTPPort = atoi("smtp_port")
	s.SMSURL, s.SMSMethod, s.SMSHeaders = c.FormValue("sms_url"), c.FormValue("sms_method"), c.FormValue("sms_headers")
	s.SMSBody, s.SMSSuccess = c.FormValue("sms_body"), c.FormValue("sms_success")
	s.MaxAttempts, s.RetrySeconds = atoi("max_attempts"), atoi("retry_seconds")
	s.Version = formUint(c, "version")
	ver := s.Version
	err := mergeErrors(ve, nil)
	if err == nil {
		err = h.store.SaveMessaging(store.Actor{User: currentUser(c)}, s)
	}
	if err != nil {
		s.Version = ver
		return h.formError(c, err, tplMessagingSettings, h.messagingView(c, s))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/messages/settings")
}

// testTimeout bounds the admin's test sends (they wait for the answer).
const testTimeout = 20 * time.Second

// sendTestEmail sends one e-mail with the saved settings and shows the
// server's answer on the settings page. It is the admin's explicit action,
// so it waits for the server (at most testTimeout); business actions never
// send directly.
func (h *Handler) sendTestEmail(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	s := h.store.MessagingSettings()
	v := h.messagingView(c, s)
	f := v.Data.(*messagingForm)
	f.TestTo = strings.TrimSpace(c.FormValue("to"))
	if !model.ValidAddress(f.TestTo) || !strings.Contains(f.TestTo, "@") {
		return h.formError(c, model.Invalid("to", "err.email"), tplMessagingSettings, v)
	}
	ctx, cancel := context.WithTimeout(c.Context(), testTimeout)
	defer cancel()
	ent := h.settingsIn(v.Lang).EnterpriseName
	err := (&notify.SMTP{}).Send(ctx, s, &notify.Email{To: f.TestTo, Subject: h.i18n.T(v.Lang, "messaging.test_subject", "name", ent),
		Body: h.i18n.T(v.Lang, "messaging.test_body", "name", ent), Date: h.store.LocalNow()})
	h.testOutcome(f, v.Lang, f.TestTo, err)
	h.log.Info("messages: test e-mail", "to", f.TestTo, "ok", err == nil, "err", err)
	return h.render(c, fiber.StatusOK, tplMessagingSettings, v)
}

// testOutcome puts the result of a test send to "to" into the form: sent,
// or why not in words, with the server's own text as the folded detail.
func (h *Handler) testOutcome(f *messagingForm, lang, to string, err error) {
	f.TestOK = err == nil
	f.TestResult = h.i18n.T(lang, "messaging.test_sent", "to", to)
	if err != nil {
		f.TestResult = h.i18n.T(lang, "messaging.test_failed", "err", h.sendErrorText(lang, model.SendErrorKindOf(err), err.Error()))
		f.TestDetail = err.Error()
	}
}

// sendTestSMS sends one SMS through the saved gateway settings.
func (h *Handler) sendTestSMS(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	s := h.store.MessagingSettings()
	v := h.messagingView(c, s)
	f := v.Data.(*messagingForm)
	f.TestPhone = strings.TrimSpace(c.FormValue("phone"))
	if !model.ValidAddress(f.TestPhone) || strings.Contains(f.TestPhone, "@") {
		return h.formError(c, model.Invalid("phone", "err.phone"), tplMessagingSettings, v)
	}
	ctx, cancel := context.WithTimeout(c.Context(), testTimeout)
	defer cancel()
	err := (&notify.Gateway{}).Send(ctx, s, f.TestPhone, h.i18n.T(v.Lang, "messaging.test_sms", "name", h.settingsIn(v.Lang).EnterpriseName))
	h.testOutcome(f, v.Lang, f.TestPhone, err)
	h.log.Info("messages: test SMS", "to", f.TestPhone, "ok", err == nil, "err", err)
	return h.render(c, fiber.StatusOK, tplMessagingSettings, v)
}

// prefRow is one event of the opt-out form.
type prefRow struct {
	Event model.Event
	Email bool
	SMS   bool
}

func (h *Handler) showNotificationPrefs(c *fiber.Ctx) error {
	u := currentUser(c)
	var p *model.MessagePrefs
	_ = h.read(func(t *store.Tx) error { p = t.MessagePrefs(u.ID); return nil })
	var rows []prefRow
	for _, d := range model.EventCatalogue {
		if d.Personal() {
			continue // sent to someone who cannot log in yet: nothing to opt out of
		}
		rows = append(rows, prefRow{Event: d.Name, Email: p.Wants(d.Name, model.ChannelEmail), SMS: p.Wants(d.Name, model.ChannelSMS)})
	}
	return h.render(c, fiber.StatusOK, tplNotificationPrefs, h.view(c, "prefs.title", rows))
}

// saveNotificationPrefs stores the user's opt-outs: an unticked box is an
// opt-out of that channel for that event.
func (h *Handler) saveNotificationPrefs(c *fiber.Ctx) error {
	u := currentUser(c)
	wanted := formValues(c, "want")
	p := &model.MessagePrefs{}
	for _, d := range model.EventCatalogue {
		if d.Personal() {
			continue
		}
		for _, ch := range []model.Channel{model.ChannelEmail, model.ChannelSMS} {
			k := string(d.Name) + "/" + string(ch)
			if !slices.Contains(wanted, k) {
				p.OptOut = append(p.OptOut, k)
			}
		}
	}
	if err := h.store.SetMessagePrefs(store.Actor{User: u}, p); err != nil {
		return err
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/account/notifications")
}

// startMessaging runs the message platform's delivery worker until ctx ends.
func (h *Handler) startMessaging(ctx context.Context, wg *sync.WaitGroup) {
	w := &notify.Worker{Store: h.store, BaseURL: h.cfg.BaseURL, Log: h.log}
	w.Start(ctx, wg)
}

// Strs lists its arguments, for option lists written in a template.
func (v *View) Strs(items ...string) []string { return items }
