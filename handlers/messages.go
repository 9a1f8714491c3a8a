package handlers

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const (
	tplTemplateList    = "messages/templates"
	tplTemplateForm    = "messages/template_form"
	tplTemplatePreview = "messages/preview"
)

// The message platform's admin screens (消息自定义平台): a template per event
// of the catalogue (channels, recipients, texts in both languages with the
// event's placeholders listed, a preview with sample data), the outbox, and
// the SMTP and SMS settings. Admins only.
func (h *Handler) registerMessages(r fiber.Router) {
	r.Get("/messages/templates", h.showTemplates)
	r.Get("/messages/templates/:event", h.editTemplate)
	r.Post("/messages/templates/:event", h.saveTemplate)
	r.Post("/messages/templates/:event/preview", h.previewTemplate)
	h.registerOutbox(r)
	h.registerMessagingSettings(r)
	h.registerInbox(r)
	h.registerNotificationPrefs(r)
}

// templateRow is one event of the template list.
type templateRow struct {
	Def      model.EventDef
	Template *model.MessageTemplate
}

func (h *Handler) showTemplates(c *fiber.Ctx) error {
	if err := need(c, model.PermAdmin); err != nil {
		return err
	}
	var rows []templateRow
	err := h.read(func(t *store.Tx) error {
		rows = nil // fn may run again (Store.View)
		for _, d := range model.EventCatalogue {
			tpl, _ := t.MessageTemplate(d.Name)
			rows = append(rows, templateRow{Def: d, Template: tpl})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if f := c.Query("export"); f != "" {
		return h.exportTemplates(c, f, rows)
	}
	return h.render(c, fiber.StatusOK, tplTemplateList, h.view(c, "templates.title", rows))
}

// exportTemplates writes the template list as the page shows it: per event,
// its channels, recipients and subjects.
func (h *Handler) exportTemplates(c *fiber.Ctx, format string, rows []templateRow) error {
	l := lang(c)
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		channels := h.i18n.T(l, "templates.none")
		var who []string
		var subZh, subEn string
		if m := r.Template; m != nil {
			channels = h.i18n.T(l, "templates.off")
			if len(m.Channels) > 0 {
				names := make([]string, 0, len(m.Channels))
				for _, ch := range m.Channels {
					names = append(names, h.i18n.T(l, "channel."+string(ch)))
				}
				channels = strings.Join(names, "; ")
			}
			if m.ToCustomerUsers {
				who = append(who, h.i18n.T(l, "templates.to_customer_users"))
			}
			if m.ToSalesperson {
				who = append(who, h.i18n.T(l, "templates.to_salesperson"))
			}
			for _, role := range m.StaffRoles {
				who = append(who, h.i18n.T(l, "role."+string(role)))
			}
			who = append(who, m.Addresses...)
			subZh, subEn = m.SubjectZh, m.SubjectEn
		}
		out = append(out, []string{h.i18n.T(l, "event."+string(r.Def.Name)), string(r.Def.Name),
			h.i18n.T(l, "templates.for_"+string(r.Def.Audience)), channels, strings.Join(who, "; "), subZh, subEn})
	}
	return h.export(c, format, "message-templates", []exportCol{
		{"templates.event", colText}, {"export.event_key", colText}, {"templates.audience", colText},
		{"templates.channels", colText}, {"templates.recipients", colText}, {"templates.subject_zh", colText},
		{"templates.subject_en", colText},
	}, out)
}

// templateForm is the editor's data.
type templateForm struct {
	Def          *model.EventDef
	T            *model.MessageTemplate
	Placeholders []string
	Channels     []model.Channel
	StaffRoles   []model.Role
	DealerRoles  []model.Role
	Addresses    string
	Preview      *templatePreview
}

func (h *Handler) templateView(c *fiber.Ctx, def *model.EventDef, m *model.MessageTemplate) *View {
	return h.view(c, "templates.edit", &templateForm{Def: def, T: m, Placeholders: def.AllPlaceholders(), Channels: model.Channels,
		StaffRoles: model.StaffRoles, DealerRoles: model.DealerRoles, Addresses: strings.Join(m.Addresses, "\n")})
}

// loadTemplate returns the event of the route and its template (a new,
// empty one when the event has none yet); 404 for an unknown event.
func (h *Handler) loadTemplate(c *fiber.Ctx) (*model.EventDef, *model.MessageTemplate, error) {
	if err := need(c, model.PermAdmin); err != nil {
		return nil, nil, err
	}
	def := model.FindEvent(model.Event(c.Params("event")))
	if def == nil {
		return nil, nil, fiber.ErrNotFound
	}
	var m *model.MessageTemplate
	_ = h.read(func(t *store.Tx) (err error) { m, err = t.MessageTemplate(def.Name); return })
	if m == nil {
		m = &model.MessageTemplate{Event: def.Name}
	}
	return def, m, nil
}

func (h *Handler) editTemplate(c *fiber.Ctx) error {
	def, m, err := h.loadTemplate(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, tplTemplateForm, h.templateView(c, def, m))
}

// formValues reads a repeated form field (checkbox lists) as strings.
func formValues(c *fiber.Ctx, name string) []string {
	if form, err := c.MultipartForm(); err == nil && form != nil {
		return form.Value[name]
	}
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

// readTemplate copies the form into m.
func readTemplate(c *fiber.Ctx, m *model.MessageTemplate) {
	m.Channels, m.DealerRoles, m.StaffRoles = nil, nil, nil
	for _, v := range formValues(c, "channels") {
		m.Channels = append(m.Channels, model.Channel(v))
	}
	for _, v := range formValues(c, "dealer_roles") {
		m.DealerRoles = append(m.DealerRoles, model.Role(v))
	}
	for _, v := range formValues(c, "staff_roles") {
		m.StaffRoles = append(m.StaffRoles, model.Role(v))
	}
	m.ToCustomerUsers = c.FormValue("to_customer_users") == "1"
	m.ToSalesperson = c.FormValue("to_salesperson") == "1"
	m.Addresses = strings.FieldsFunc(c.FormValue("addresses"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' || r == '\r' })
	m.SubjectZh, m.SubjectEn = c.FormValue("subject_zh"), c.FormValue("subject_en")
	m.BodyZh, m.BodyEn = c.FormValue("body_zh"), c.FormValue("body_en")
	m.SMSZh, m.SMSEn = c.FormValue("sms_zh"), c.FormValue("sms_en")
	m.Version = formUint(c, "version")
}

// saveTemplate stores the template; a text that does not parse or names an
// unknown placeholder is refused at its field with the line and reason.
func (h *Handler) saveTemplate(c *fiber.Ctx) error {
	def, m, err := h.loadTemplate(c)
	if err != nil {
		return err
	}
	readTemplate(c, m)
	if err := h.store.SaveTemplate(store.Actor{User: currentUser(c)}, m); err != nil {
		return h.formError(c, err, tplTemplateForm, h.templateView(c, def, m))
	}
	h.setFlash(c, "flash.saved")
	return h.redirect(c, "/messages/templates/"+string(def.Name))
}

// templatePreview is the rendering of the texts with sample data, or the
// errors that stop it.
type templatePreview struct {
	Langs  []previewLang
	Errors map[string]string
}

type previewLang struct {
	Lang, Subject, Body, SMS string
}

// previewTemplate renders the posted texts with sample values: the fragment
// alone for HTMX, else the form page with the preview below it.
func (h *Handler) previewTemplate(c *fiber.Ctx) error {
	def, m, err := h.loadTemplate(c)
	if err != nil {
		return err
	}
	readTemplate(c, m)
	v := h.templateView(c, def, m)
	p := &templatePreview{Errors: map[string]string{}}
	allowed := def.AllPlaceholders()
	for _, f := range model.TemplateFields {
		text := c.FormValue(f)
		if strings.TrimSpace(text) == "" {
			continue
		}
		if terr := model.CheckTemplate(f, text, allowed); terr != nil {
			p.Errors[f] = h.i18n.TMap(v.Lang, terr.Key, terr.Args)
		}
	}
	if len(p.Errors) == 0 {
		for _, l := range Languages {
			vals := samplePlaceholders(def, l, h.settingsIn(l).EnterpriseName)
			s, b, sm := m.Texts(l)
			pl := previewLang{Lang: l}
			// The sample values are longer than the check's: a text near
			// the output budget may pass the check and fail here.
			run := func(field, text string) string {
				out, err := model.RenderTemplate(text, vals)
				if err != nil {
					p.Errors[field+"_"+l] = h.i18n.T(v.Lang, "err.template_output", "max", model.MaxTemplateOutput>>10)
				}
				return out
			}
			pl.Subject = run("subject", s)
			pl.Body = run("body", b)
			if sm == "" {
				pl.SMS = pl.Subject
			} else {
				pl.SMS = run("sms", sm)
			}
			p.Langs = append(p.Langs, pl)
		}
	}
	v.Data.(*templateForm).Preview = p
	status := fiber.StatusOK
	if len(p.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	if isFragment(c) {
		var buf bytes.Buffer
		if err := h.engine.Render(&buf, tplTemplatePreview, v); err != nil {
			return fmt.Errorf("render preview: %w", err)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Status(status).Send(buf.Bytes())
	}
	return h.render(c, status, tplTemplateForm, v)
}

// sampleValues are the preview's example values by placeholder: [zh, en].
var sampleValues = map[string][2]string{
	"doc_number": {"SO-2026-000123", "SO-2026-000123"}, "doc_type": {"销售订单", "sales order"},
	"amount": {"¥12,800.00", "¥12,800.00"}, "status": {"已审核", "audited"}, "reason": {"价格与合同不符", "price differs from the contract"},
	"title": {"五一劳动节放假通知", "Labour Day holiday notice"}, "effective_from": {"2026-04-28 09:00", "2026-04-28 09:00"},
	"expires_at": {"2026-05-06 00:00", "2026-05-06 00:00"}, "product_code": {"P-1001", "P-1001"},
	"product_name": {"变频电机 7.5kW", "Inverter motor 7.5 kW"}, "category": {"电机", "Motors"},
	"sales_order": {"SO-2026-000120", "SO-2026-000120"}, "credit_limit": {"¥500,000.00", "¥500,000.00"},
	"exposure": {"¥512,300.00", "¥512,300.00"}, "return_notice": {"RN-2026-000015", "RN-2026-000015"},
	"ship_date": {"2026-04-02", "2026-04-02"}, "carrier": {"顺丰速运", "SF Express"}, "tracking_number": {"SF1234567890", "SF1234567890"},
	"old_status": {"已提交", "submitted"}, "resolution": {"已责令退回窜货", "goods ordered back"}, "handler": {"王芳", "Wang Fang"},
	"verdict": {"通过", "accepted"}, "protection_end": {"2026-07-31", "2026-07-31"}, "project": {"苏州工业园区厂房改造", "Suzhou plant retrofit"},
	"comment": {"请尽快确认交期", "Please confirm the delivery date"}, "period": {"2026-03", "2026-03"},
	"closing_balance": {"¥86,420.00", "¥86,420.00"}, "customer_code": {"C0001", "C0001"},
	"customer_name": {"上海华东机电有限公司", "上海华东机电有限公司"}, "actor": {"张伟", "Zhang Wei"},
	"link": {"https://portal.example.com/orders/123", "https://portal.example.com/orders/123"}, "date": {"2026-04-01 10:30", "2026-04-01 10:30"},
	"username": {"c0001.wang", "c0001.wang"}, "user_name": {"王磊", "Wang Lei"},
}

// samplePlaceholders gives every placeholder of def an example value.
func samplePlaceholders(def *model.EventDef, lang, enterprise string) map[string]string {
	vals := map[string]string{}
	i := 0
	if lang == "en" {
		i = 1
	}
	for _, p := range def.AllPlaceholders() {
		if v, ok := sampleValues[p]; ok {
			vals[p] = v[i]
		} else {
			vals[p] = "‹" + p + "›"
		}
	}
	vals["enterprise"] = enterprise
	return vals
}

// Enabled reports whether the template form has ch ticked.
func (f *templateForm) Enabled(ch model.Channel) bool { return slices.Contains(f.T.Channels, ch) }

// TextField is one template text input of the editor.
type TextField struct {
	Name, Label, Value, Err string
	Rows                    int
	Required                bool
}

// TextField builds the input of template text name (a field of
// model.TemplateFields) with its label and error.
func (v *View) TextField(name, value string, rows int) TextField {
	return TextField{Name: name, Label: v.T("templates." + name), Value: value, Err: v.Err(name), Rows: rows, Required: !strings.HasPrefix(name, "sms_")}
}
