package demo

import (
	"fmt"
	"time"

	"dealerportal/model"
	"dealerportal/store"
)

// The message platform's starting point: a template for every event of the
// catalogue in both languages (added on every start for events that have
// none yet, so events registered by later modules get theirs too), and, in
// the demo, a few announcements.

// eventTexts are the default subject and a line of body per event: zh, en.
var eventTexts = map[model.Event][4]string{
	model.EventAnnouncementPublished: {"新公告：{{.title}}", "New announcement: {{.title}}",
		"{{.enterprise}}发布了公告《{{.title}}》，{{.effective_from}} 起生效{{with .expires_at}}，{{.}} 失效{{end}}。",
		"{{.enterprise}} published the announcement “{{.title}}”, effective from {{.effective_from}}{{with .expires_at}} until {{.}}{{end}}."},
	model.EventCatalogPublished: {"新商品上架：{{.product_name}}", "New in your catalog: {{.product_name}}",
		"商品 {{.product_code}} {{.product_name}}（{{.category}}）已发布到您的商品目录。", "Product {{.product_code}} {{.product_name}} ({{.category}}) is now in your catalog."},
	model.EventOrderSubmitted: {"{{.customer_name}} 提交了网上订货单 {{.doc_number}}", "{{.customer_name}} submitted online order {{.doc_number}}",
		"客户 {{.customer_code}} {{.customer_name}} 提交了网上订货单 {{.doc_number}}，金额 {{.amount}}，请及时处理。", "Customer {{.customer_code}} {{.customer_name}} submitted online order {{.doc_number}} for {{.amount}}."},
	model.EventOrderRejected: {"网上订货单 {{.doc_number}} 被拒绝", "Online order {{.doc_number}} was rejected",
		"您的网上订货单 {{.doc_number}} 被 {{.actor}} 拒绝。原因：{{.reason}}", "Your online order {{.doc_number}} was rejected by {{.actor}}. Reason: {{.reason}}"},
	model.EventOrderUnrejected: {"网上订货单 {{.doc_number}} 已取消拒绝", "Online order {{.doc_number}} is no longer rejected",
		"您的网上订货单 {{.doc_number}} 已取消拒绝，将继续处理。", "The rejection of your online order {{.doc_number}} was withdrawn; it is being processed again."},
	model.EventOrderConverted: {"网上订货单 {{.doc_number}} 已生成销售订单", "Online order {{.doc_number}} became a sales order",
		"您的网上订货单 {{.doc_number}} 已生成销售订单 {{.sales_order}}。", "Your online order {{.doc_number}} became sales order {{.sales_order}}."},
	model.EventOrderCreditHold: {"网上订货单 {{.doc_number}} 超出信用额度", "Online order {{.doc_number}} exceeds the credit limit",
		"客户 {{.customer_name}} 的网上订货单 {{.doc_number}}（{{.amount}}）超出信用额度 {{.credit_limit}}，当前占用 {{.exposure}}，请审批。", "Online order {{.doc_number}} ({{.amount}}) of {{.customer_name}} exceeds the credit limit {{.credit_limit}}; exposure {{.exposure}}."},
	model.EventOrderChanged: {"{{.customer_name}} 修改了网上订货单 {{.doc_number}}", "{{.customer_name}} changed online order {{.doc_number}}",
		"已提交的网上订货单 {{.doc_number}} 被 {{.actor}} 修改，现金额 {{.amount}}，请按新内容处理。", "Submitted online order {{.doc_number}} was changed by {{.actor}}; it now comes to {{.amount}}."},
	model.EventOrderWithdrawn: {"{{.customer_name}} 撤回了网上订货单 {{.doc_number}}", "{{.customer_name}} withdrew online order {{.doc_number}}",
		"客户 {{.customer_code}} {{.customer_name}} 删除了已提交的网上订货单 {{.doc_number}}（{{.amount}}），无需再处理。", "Customer {{.customer_code}} {{.customer_name}} deleted submitted online order {{.doc_number}} ({{.amount}}); it needs no further handling."},
	model.EventReturnSubmitted: {"{{.customer_name}} 提交了网上退货单 {{.doc_number}}", "{{.customer_name}} submitted online return {{.doc_number}}",
		"客户 {{.customer_code}} {{.customer_name}} 提交了网上退货单 {{.doc_number}}，金额 {{.amount}}。", "Customer {{.customer_code}} {{.customer_name}} submitted online return {{.doc_number}} for {{.amount}}."},
	model.EventReturnRejected: {"网上退货单 {{.doc_number}} 被拒绝", "Online return {{.doc_number}} was rejected",
		"您的网上退货单 {{.doc_number}} 被拒绝。原因：{{.reason}}", "Your online return {{.doc_number}} was rejected. Reason: {{.reason}}"},
	model.EventReturnUnrejected: {"网上退货单 {{.doc_number}} 已取消拒绝", "Online return {{.doc_number}} is no longer rejected",
		"您的网上退货单 {{.doc_number}} 已取消拒绝。", "The rejection of your online return {{.doc_number}} was withdrawn."},
	model.EventReturnConverted: {"网上退货单 {{.doc_number}} 已生成退货通知单", "Online return {{.doc_number}} became a return notice",
		"您的网上退货单 {{.doc_number}} 已生成退货通知单 {{.return_notice}}。", "Your online return {{.doc_number}} became return notice {{.return_notice}}."},
	model.EventReturnChanged: {"{{.customer_name}} 修改了网上退货单 {{.doc_number}}", "{{.customer_name}} changed online return {{.doc_number}}",
		"已提交的网上退货单 {{.doc_number}} 被 {{.actor}} 修改，现金额 {{.amount}}。", "Submitted online return {{.doc_number}} was changed by {{.actor}}; it now comes to {{.amount}}."},
	model.EventReturnWithdrawn: {"{{.customer_name}} 撤回了网上退货单 {{.doc_number}}", "{{.customer_name}} withdrew online return {{.doc_number}}",
		"客户 {{.customer_code}} {{.customer_name}} 删除了已提交的网上退货单 {{.doc_number}}，无需再处理。", "Customer {{.customer_code}} {{.customer_name}} deleted submitted online return {{.doc_number}}; it needs no further handling."},
	model.EventChangeSubmitted: {"{{.customer_name}} 提交了变更申请 {{.doc_number}}", "{{.customer_name}} submitted change request {{.doc_number}}",
		"客户 {{.customer_name}} 对销售订单 {{.sales_order}} 提交了变更申请 {{.doc_number}}。", "{{.customer_name}} submitted change request {{.doc_number}} for sales order {{.sales_order}}."},
	model.EventChangeEffective: {"变更申请 {{.doc_number}} 已生效", "Change request {{.doc_number}} is effective",
		"销售订单 {{.sales_order}} 的变更申请 {{.doc_number}} 已生效。", "Change request {{.doc_number}} for sales order {{.sales_order}} is now effective."},
	model.EventChangeRejected: {"变更申请 {{.doc_number}} 被拒绝", "Change request {{.doc_number}} was rejected",
		"销售订单 {{.sales_order}} 的变更申请 {{.doc_number}} 被拒绝。原因：{{.reason}}", "Change request {{.doc_number}} for sales order {{.sales_order}} was rejected. Reason: {{.reason}}"},
	model.EventDeliveryNoticeCreated: {"订单 {{.sales_order}} 已安排发货", "Sales order {{.sales_order}} is being shipped",
		"发货通知单 {{.doc_number}}：发货日期 {{.ship_date}}，承运商 {{.carrier}}，运单号 {{.tracking_number}}。", "Delivery notice {{.doc_number}}: ship date {{.ship_date}}, carrier {{.carrier}}, tracking number {{.tracking_number}}."},
	model.EventReconOutboundConfirmed: {"{{.customer_name}} 确认了出库单 {{.doc_number}}", "{{.customer_name}} confirmed outbound {{.doc_number}}",
		"客户 {{.customer_name}} 对销售出库单 {{.doc_number}}（{{.amount}}）进行了对账确认。", "{{.customer_name}} confirmed sales outbound {{.doc_number}} ({{.amount}})."},
	model.EventReconOutboundCancelled: {"{{.customer_name}} 取消确认出库单 {{.doc_number}}", "{{.customer_name}} cancelled the confirmation of outbound {{.doc_number}}",
		"客户 {{.customer_name}} 取消了销售出库单 {{.doc_number}} 的对账确认。", "{{.customer_name}} cancelled the confirmation of sales outbound {{.doc_number}}."},
	model.EventReconOutboundDisputed: {"{{.customer_name}} 对出库单 {{.doc_number}} 有异议", "{{.customer_name}} disputes outbound {{.doc_number}}",
		"客户 {{.customer_name}} 对销售出库单 {{.doc_number}} 提出异议：{{.reason}}", "{{.customer_name}} disputes sales outbound {{.doc_number}}: {{.reason}}"},
	model.EventReconInvoiceConfirmed: {"{{.customer_name}} 确认了发票 {{.doc_number}}", "{{.customer_name}} confirmed invoice {{.doc_number}}",
		"客户 {{.customer_name}} 对销售发票 {{.doc_number}}（{{.amount}}）进行了对账确认。", "{{.customer_name}} confirmed sales invoice {{.doc_number}} ({{.amount}})."},
	model.EventReconInvoiceCancelled: {"{{.customer_name}} 取消确认发票 {{.doc_number}}", "{{.customer_name}} cancelled the confirmation of invoice {{.doc_number}}",
		"客户 {{.customer_name}} 取消了销售发票 {{.doc_number}} 的对账确认。", "{{.customer_name}} cancelled the confirmation of sales invoice {{.doc_number}}."},
	model.EventReconInvoiceDisputed: {"{{.customer_name}} 对发票 {{.doc_number}} 有异议", "{{.customer_name}} disputes invoice {{.doc_number}}",
		"客户 {{.customer_name}} 对销售发票 {{.doc_number}} 提出异议：{{.reason}}", "{{.customer_name}} disputes sales invoice {{.doc_number}}: {{.reason}}"},
	model.EventReconReceiptConfirmed: {"{{.customer_name}} 确认了收款单据 {{.doc_number}}", "{{.customer_name}} confirmed receipt {{.doc_number}}",
		"客户 {{.customer_name}} 对{{.doc_type}} {{.doc_number}}（{{.amount}}）进行了对账确认。", "{{.customer_name}} confirmed {{.doc_type}} {{.doc_number}} ({{.amount}})."},
	model.EventReconReceiptCancelled: {"{{.customer_name}} 取消确认收款单据 {{.doc_number}}", "{{.customer_name}} cancelled the confirmation of receipt {{.doc_number}}",
		"客户 {{.customer_name}} 取消了{{.doc_type}} {{.doc_number}} 的对账确认。", "{{.customer_name}} cancelled the confirmation of {{.doc_type}} {{.doc_number}}."},
	model.EventReconReceiptDisputed: {"{{.customer_name}} 对收款单据 {{.doc_number}} 有异议", "{{.customer_name}} disputes receipt {{.doc_number}}",
		"客户 {{.customer_name}} 对{{.doc_type}} {{.doc_number}} 提出异议：{{.reason}}", "{{.customer_name}} disputes {{.doc_type}} {{.doc_number}}: {{.reason}}"},
	model.EventComplaintStatus: {"窜货投诉 {{.doc_number}} 状态：{{.status}}", "Complaint {{.doc_number}}: {{.status}}",
		"窜货投诉 {{.doc_number}} 的状态由“{{.old_status}}”变为“{{.status}}”。{{with .resolution}}处理结果：{{.}}{{end}}", "Complaint {{.doc_number}} moved from “{{.old_status}}” to “{{.status}}”.{{with .resolution}} Resolution: {{.}}{{end}}"},
	model.EventServiceRequestStatus: {"服务请求 {{.doc_number}} 状态：{{.status}}", "Service request {{.doc_number}}: {{.status}}",
		"服务请求 {{.doc_number}} 的状态由“{{.old_status}}”变为“{{.status}}”。处理人：{{.handler}}", "Service request {{.doc_number}} moved from “{{.old_status}}” to “{{.status}}”. Handler: {{.handler}}"},
	model.EventOpportunityEvaluated: {"商机报备 {{.doc_number}} 评估结果：{{.verdict}}", "Opportunity {{.doc_number}}: {{.verdict}}",
		"您报备的项目“{{.project}}”（{{.doc_number}}）评估结果：{{.verdict}}。{{with .protection_end}}保护期至 {{.}}。{{end}}", "Your opportunity “{{.project}}” ({{.doc_number}}) was evaluated: {{.verdict}}.{{with .protection_end}} Protected until {{.}}.{{end}}"},
	model.EventOpportunitySubmitted: {"{{.customer_name}} 报备了商机 {{.doc_number}}", "{{.customer_name}} registered opportunity {{.doc_number}}",
		"客户 {{.customer_name}} 报备了项目“{{.project}}”（终端客户 {{.end_client}}，预计金额 {{.amount}}），撞单检查：{{.collision}}。请评估。", "{{.customer_name}} registered the project “{{.project}}” (end client {{.end_client}}, expected {{.amount}}); collision check: {{.collision}}. Please evaluate it."},
	model.EventServiceRequestNew: {"{{.customer_name}} 提交了服务请求 {{.doc_number}}", "{{.customer_name}} opened service request {{.doc_number}}",
		"客户 {{.customer_name}} 提交了服务请求 {{.doc_number}}（{{.product}}，优先级 {{.priority}}），请指派处理人。", "{{.customer_name}} opened service request {{.doc_number}} ({{.product}}, priority {{.priority}}); please assign a handler."},
	model.EventStocktakeRecorded: {"{{.customer_name}} 录入了盘点 {{.doc_number}}", "{{.customer_name}} recorded stocktake {{.doc_number}}",
		"客户 {{.customer_name}} 录入了 {{.stocktake_date}} 的库存盘点 {{.doc_number}}，共 {{.lines}} 行。", "{{.customer_name}} recorded the stocktake of {{.stocktake_date}} ({{.doc_number}}), {{.lines}} line(s)."},
	model.EventCommentAdded: {"{{.doc_type}} {{.doc_number}} 有新留言", "New comment on {{.doc_type}} {{.doc_number}}",
		"{{.actor}} 在{{.doc_type}} {{.doc_number}} 上留言：{{.comment}}", "{{.actor}} commented on {{.doc_type}} {{.doc_number}}: {{.comment}}"},
	model.EventMonthlyStatement: {"{{.period}} 对账单", "Statement for {{.period}}",
		"{{.customer_name}}：您 {{.period}} 的对账单已生成，期末余额 {{.closing_balance}}。", "{{.customer_name}}: your statement for {{.period}} is ready; closing balance {{.closing_balance}}."},
	model.EventUserInvited: {"{{.enterprise}}邀请您使用经销商门户", "{{.enterprise}} invites you to the dealer portal",
		"{{.enterprise}}为{{with .customer_name}}{{.}}{{else}}您{{end}}开通了经销商门户账号，您的用户名是 {{.username}}。\n请在 {{.expires_at}} 前打开下面的链接设置密码（链接只能使用一次）：\n{{.link}}\n\n如果您没有预期收到这封邮件，请忽略它。",
		"{{.enterprise}} has opened a dealer portal account for {{with .customer_name}}{{.}}{{else}}you{{end}}; your username is {{.username}}.\nOpen this link before {{.expires_at}} to choose your password (it works once):\n{{.link}}\n\nIf you did not expect this e-mail, ignore it."},
}

// staffRolesFor are the staff roles that receive a staff event by default
// (besides the customer's salesperson).
var staffRolesFor = map[model.Event][]model.Role{
	model.EventOrderCreditHold:        {model.RoleFinance},
	model.EventReconOutboundConfirmed: {model.RoleFinance}, model.EventReconOutboundCancelled: {model.RoleFinance}, model.EventReconOutboundDisputed: {model.RoleFinance},
	model.EventReconInvoiceConfirmed: {model.RoleFinance}, model.EventReconInvoiceCancelled: {model.RoleFinance}, model.EventReconInvoiceDisputed: {model.RoleFinance},
	model.EventReconReceiptConfirmed: {model.RoleFinance}, model.EventReconReceiptCancelled: {model.RoleFinance}, model.EventReconReceiptDisputed: {model.RoleFinance},
}

// DefaultTemplates returns a template for every event of the catalogue:
// dealer events go in-app and by e-mail to the customer's users, staff events
// in-app and by e-mail to the salesperson (and finance for reconciliation),
// personal events (an invitation) by e-mail to their one user; SMS off; both
// languages, a link to the document at the end.
func DefaultTemplates() []*model.MessageTemplate {
	var out []*model.MessageTemplate
	for _, d := range model.EventCatalogue {
		tx, ok := eventTexts[d.Name]
		if !ok {
			tx = [4]string{"{{.doc_type}} {{.doc_number}}", "{{.doc_type}} {{.doc_number}}", "{{.doc_type}} {{.doc_number}}", "{{.doc_type}} {{.doc_number}}"}
		}
		m := &model.MessageTemplate{Event: d.Name, Channels: []model.Channel{model.ChannelInApp, model.ChannelEmail},
			SubjectZh: tx[0], SubjectEn: tx[1],
			BodyZh: "{{with .customer_name}}{{.}}：\n\n{{end}}" + tx[2] + "\n\n{{with .link}}查看：{{.}}\n{{end}}— {{.enterprise}}",
			BodyEn: "{{with .customer_name}}Dear {{.}},\n\n{{end}}" + tx[3] + "\n\n{{with .link}}Open: {{.}}\n{{end}}— {{.enterprise}}"}
		switch {
		case d.Personal():
			// An invitation goes by e-mail to its user only; the body greets
			// the user, not the customer, and already holds the link.
			m.Channels = []model.Channel{model.ChannelEmail}
			m.BodyZh = "{{.user_name}}，您好：\n\n" + tx[2] + "\n\n— {{.enterprise}}"
			m.BodyEn = "Dear {{.user_name}},\n\n" + tx[3] + "\n\n— {{.enterprise}}"
		case d.Audience == model.ForDealer:
			m.ToCustomerUsers = true
		default:
			m.ToSalesperson = true
			m.StaffRoles = staffRolesFor[d.Name]
		}
		if d.Name == model.EventCommentAdded {
			// Either side may comment; the event names the side to tell.
			m.ToCustomerUsers = true
		}
		out = append(out, m)
	}
	return out
}

// addDefaultTemplates stores the default template of every event that has
// none yet.
func addDefaultTemplates(st *store.Store) error {
	return st.Update(actor, func(t *store.Tx) error {
		_, err := t.AddMissingTemplates(DefaultTemplates())
		return err
	})
}

// demoAnnouncements are published to the demo dealers: one to everybody,
// one to the East region, one to the top-tier group, and a draft.
var demoAnnouncements = []struct {
	title, body string
	aud         func(w *world) model.Audience
	publish     bool
	days        int // expiry in days (0: none)
}{
	{"五一劳动节放假及发货安排通知", "各位经销商伙伴：\n\n根据国家法定节假日安排，公司 5 月 1 日至 5 日放假，共 5 天。\n4 月 28 日 16:00 前确认的订单将于节前发货；节日期间提交的网上订货单将于 5 月 6 日起按顺序处理。\n\n如有紧急需求，请联系您的业务员。\n\n华信机电设备有限公司 销售部",
		func(w *world) model.Audience { return model.Audience{All: true} }, true, 60},
	{"华东大区 2026 年第二季度促销政策", "华东大区各经销商：\n\n第二季度（4 月 1 日至 6 月 30 日）变频电机系列累计进货满 20 万元返利 2%，满 50 万元返利 3.5%。\n详细政策见附件，请与区域业务员确认。",
		func(w *world) model.Audience { return model.Audience{OrgUnits: []uint64{w.org["EAST"]}} }, true, 90},
	{"一级经销商年度大会邀请", "尊敬的一级经销商：\n\n公司定于 6 月 18 日在上海召开年度经销商大会，请于 6 月 1 日前回复参会人数。",
		func(w *world) model.Audience { return model.Audience{Groups: []uint64{w.groups["TIER1"]}} }, true, 0},
	{"（草稿）新品发布预告", "新一代伺服系统即将上市，敬请期待。",
		func(w *world) model.Audience { return model.Audience{All: true} }, false, 0},
}

// seedAnnouncements writes the demo announcements, audits (publishes) the
// first ones and attaches a small price sheet to the regional one.
func seedAnnouncements(st *store.Store, w *world) error {
	admin := w.staff["admin"]
	if admin == nil {
		return nil
	}
	return st.Update(admin.Username, func(t *store.Tx) error {
		now := t.Now.Truncate(time.Minute)
		for i, spec := range demoAnnouncements {
			a := &model.Announcement{Title: spec.title, Body: spec.body, Audience: spec.aud(w), EffectiveFrom: now.Add(-time.Duration(len(demoAnnouncements)-i) * time.Hour)}
			if spec.days > 0 {
				a.ExpiresAt = now.AddDate(0, 0, spec.days)
			}
			if err := t.SaveAnnouncement(store.AdminScope(), a); err != nil {
				return fmt.Errorf("announcement %q: %w", spec.title, err)
			}
			if i == 1 {
				att := &model.Attachment{OwnerType: store.OwnerAnnouncement, OwnerID: a.ID, Name: "促销政策.csv", ContentType: "text/csv"}
				sheet := "系列,累计进货（元）,返利\n变频电机,200000,2%\n变频电机,500000,3.5%\n"
				if err := t.AddAttachment(att, []byte(sheet)); err != nil {
					return err
				}
			}
			if spec.publish {
				if _, err := t.ActOnAnnouncement(store.AdminScope(), a.ID, a.Version, "audit", admin); err != nil {
					return fmt.Errorf("publish %q: %w", spec.title, err)
				}
			}
		}
		return nil
	})
}
