package store

import (
	"time"

	"dealerportal/model"
)

// Channel management and channel inventory (渠道管理 / 渠道库存): helpers shared
// by opportunities, complaints, service requests and stocktakes.

// Attachment owner types of the channel documents.
const (
	OwnerOpportunity    = "opportunity"
	OwnerComplaint      = "complaint"
	OwnerServiceRequest = "service_request"
)

func init() {
	// A channel document's files are read by exactly those who may read the
	// document: its customer's users and staff whose scope covers that
	// customer. For a complaint that customer is the complainant, so the
	// accused (or responsible) dealer can never download its evidence.
	for owner, kind := range map[string]model.DocType{
		OwnerOpportunity: model.DocOpportunity, OwnerComplaint: model.DocComplaint, OwnerServiceRequest: model.DocServiceRequest,
	} {
		RegisterAttachmentAccess(owner, func(t *Tx, sc Scope, a *model.Attachment) bool {
			_, err := t.DocOwner(sc, kind, a.OwnerID)
			return err == nil
		})
	}
}

// Today is the transaction's date (YYYY-MM-DD) in the enterprise's time
// zone: the day protections, stocktake dates and "today" compare with.
func (t *Tx) Today() string { return model.DateOf(t.Now, t.Zone()) }

// Zone is the enterprise's time zone as this transaction sees it: the
// cached one, or the one this transaction has just saved.
func (t *Tx) Zone() *time.Location {
	if t.zone != nil {
		return t.zone
	}
	return t.s.Zone()
}

// ChannelProduct finds the product with code for a channel document of
// customerID, as sc may choose it. A dealer (and anyone when catalogOnly)
// may name only an audited catalog entry published to that customer; staff
// otherwise any active product. Unknown, unpublished and inactive are one
// error (ErrNotFound), so that a dealer learns nothing beyond its catalog.
func (t *Tx) ChannelProduct(sc Scope, customerID uint64, code string, catalogOnly bool) (model.ProductRef, error) {
	if code == "" || !t.AllowsCustomer(sc, customerID) {
		return model.ProductRef{}, model.ErrNotFound
	}
	if catalogOnly || !sc.IsStaff() {
		e, err := t.CatalogEntryByCode(CustomerScope(customerID), code)
		if err != nil {
			return model.ProductRef{}, model.ErrNotFound
		}
		p, err := t.product(e.ProductID)
		if err != nil || !p.Active {
			return model.ProductRef{}, model.ErrNotFound
		}
		return model.RefOf(p, e.ID), nil
	}
	p, err := t.ProductByCode(code)
	if err != nil || !p.Active {
		return model.ProductRef{}, model.ErrNotFound
	}
	ref := model.RefOf(p, 0)
	if id := btoi(t.b(bCatalogByProduct).Get(itob(p.ID))); id != 0 {
		ref.EntryID = id
	}
	return ref, nil
}

// checkChannelProduct re-checks a product chosen earlier (the handler looks
// codes up; the store does not trust them): the same rule as ChannelProduct.
func (t *Tx) checkChannelProduct(sc Scope, customerID uint64, ref model.ProductRef, catalogOnly bool) bool {
	p, err := t.product(ref.ProductID)
	if err != nil {
		return false
	}
	got, err := t.ChannelProduct(sc, customerID, p.Code, catalogOnly)
	return err == nil && got.ProductID == ref.ProductID
}

// channelStatusParams are the status placeholders of a status event, in both
// languages (the message platform picks the recipient's).
func channelStatusParams(old, now model.Status) map[string]string {
	return map[string]string{
		"status_zh": statusNames[now][0], "status_en": statusNames[now][1],
		"old_status_zh": statusNames[old][0], "old_status_en": statusNames[old][1],
	}
}

// statusNames are the channel statuses' names for messages: zh, en (the
// pages use the catalogs; messages are rendered outside a request).
var statusNames = map[model.Status][2]string{
	model.StatusDraft: {"保存", "draft"}, model.StatusSubmitted: {"已提交", "submitted"},
	model.StatusAudited: {"已受理", "accepted for handling"}, model.StatusHandled: {"已处理", "handled"},
	model.StatusClosed: {"已关闭", "closed"}, model.StatusNew: {"新建", "new"},
	model.StatusInProgress: {"处理中", "in progress"}, model.StatusResolved: {"已解决", "resolved"},
	model.StatusAccepted: {"已接受", "accepted"}, model.StatusRejected: {"已拒绝", "rejected"},
	model.StatusNeedsInfo: {"需补充信息", "needs more information"}, model.StatusWon: {"已赢单", "won"},
	model.StatusLost: {"已丢单", "lost"}, model.StatusExpired: {"已过期", "expired"},
}

// deleteAttachments removes every attachment of an owner record (a deleted
// draft's files).
func (t *Tx) deleteAttachments(ownerType string, ownerID uint64) error {
	atts, err := t.Attachments(ownerType, ownerID)
	if err != nil {
		return err
	}
	for _, a := range atts {
		if err := t.DeleteAttachment(AdminScope(), a.ID); err != nil {
			return err
		}
	}
	return nil
}
