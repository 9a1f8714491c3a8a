package store

import (
	"bytes"
	"slices"
	"strconv"

	"dealerportal/model"
)

// Cross-territory sales complaints (串货投诉) are documents of the shared
// machinery whose owner is the complainant: GetDoc and ListDocs show a
// complaint to the complainant's users and to staff whose scope covers the
// complainant, and to nobody else. The dealer found responsible sees a
// handled complaint only through ComplaintNotice / ListComplaintNotices,
// which return model.ComplaintNotice — a type without the complainant, its
// description, evidence or trail. Their index:
//
//	complaint_notices  responsibleCustomerID|complaintID → nil

var (
	docComplaint      = RegisterDocType(model.DocComplaint)
	bComplaintNotices = []byte("complaint_notices")
)

func init() { allBuckets = append(allBuckets, bComplaintNotices) }

// Complaint returns complaint id when sc covers its complainant;
// ErrNotFound otherwise (for the accused dealer too).
func (t *Tx) Complaint(sc Scope, id uint64) (*model.Complaint, error) {
	c := &model.Complaint{}
	if err := t.GetDoc(sc, docComplaint, id, c); err != nil {
		return nil, err
	}
	return c, nil
}

// SaveComplaint creates (ID 0, a draft numbered CP-YYYY-NNNNNN) or updates
// a draft complaint, with optimistic locking: the building block of the
// use case Store.SaveComplaint, which the caller's permission check
// (model.CanEditComplaint) precedes. A product named from the catalog must
// be one the complainant may choose. ErrNotFound outside sc, ErrNotAllowed
// when it is no draft, ValidationError for bad fields.
func (t *Tx) SaveComplaint(sc Scope, u *model.User, c *model.Complaint) error {
	if !t.AllowsCustomer(sc, c.CustomerID) {
		return model.ErrNotFound
	}
	var old *model.Complaint
	if c.ID != 0 {
		var err error
		if old, err = t.Complaint(sc, c.ID); err != nil {
			return err
		}
	}
	if err := c.Validate(t.Today()); err != nil {
		return err
	}
	if c.Product.ProductID != 0 && !t.checkChannelProduct(sc, c.CustomerID, c.Product, false) {
		return model.Invalid("product_code", "err.ch_product")
	}
	return t.saveComplaint(u, old, c)
}

// saveComplaint stores c as a new draft (old nil) or over old, the stored
// complaint the caller loaded through its scope: status, filing date and
// handling are the store's, not the form's.
func (t *Tx) saveComplaint(u *model.User, old, c *model.Complaint) error {
	if old == nil {
		c.Status = model.StatusDraft
		c.FiledDate = t.Today()
		c.Handling, c.AccusedID = nil, 0
		c.Trail = []model.AuditEntry{{At: t.Now, By: u.Username, Action: "create", To: model.StatusDraft}}
		return t.InsertDoc(AdminScope(), docComplaint, c)
	}
	if old.Version != c.Version {
		return &model.ConflictError{By: old.UpdatedBy, At: old.UpdatedAt}
	}
	if !old.Editable() || old.Status != c.Status {
		return model.ErrNotAllowed
	}
	c.Handling, c.AccusedID = old.Handling, old.AccusedID
	return t.UpdateDoc(AdminScope(), docComplaint, c)
}

// ComplaintInput is the complaint form of the use case SaveComplaint.
type ComplaintInput struct {
	// Complaint holds the posted fields: ID 0 for a new complaint (with
	// CustomerID set to a dealer's own customer; staff give CustomerCode),
	// Version as the form showed it.
	Complaint    *model.Complaint
	CustomerCode string
	// ProductCode is the product chosen from the complainant's catalog ("" none).
	ProductCode string
	// Invalid is what the form's parsing refused (bad numbers), reported
	// together with the use case's own refusals.
	Invalid *model.ValidationError
}

// SaveComplaint files a new draft complaint or changes a draft: one use
// case, at most once per a.Once for a new one. It returns the complaint's
// id. ErrNotFound when the complaint or complainant lies outside a.Scope,
// ConflictError for a stale version, ErrNotAllowed when it is no longer a
// draft, ValidationError for bad fields. The caller has checked that
// a.User may edit it (model.CanEditComplaint).
func (s *Store) SaveComplaint(a Actor, in ComplaintInput) (uint64, error) {
	return saveChannelDoc(s, a, channelSave[model.Complaint, *model.Complaint]{
		Doc: in.Complaint, CustomerCode: in.CustomerCode, Invalid: in.Invalid,
		SetCustomer: func(c *model.Complaint, id uint64) { c.CustomerID = id },
		Load:        (*Tx).Complaint,
		Products: func(c *model.Complaint, product func(code, field string, optional bool) model.ProductRef) {
			c.Product = product(in.ProductCode, "product_code", true)
		},
		Validate: (*model.Complaint).Validate,
		Save:     (*Tx).saveComplaint,
	})
}

// DeleteComplaint removes a draft complaint (with its evidence): the
// building block of RemoveComplaint. ErrNotFound outside sc, StateError
// when it is no draft, ConflictError for a stale version.
func (t *Tx) DeleteComplaint(sc Scope, id, version uint64) error {
	c, err := t.Complaint(sc, id)
	if err != nil {
		return err
	}
	return t.deleteComplaint(c, version)
}

func (t *Tx) deleteComplaint(c *model.Complaint, version uint64) error {
	if !c.Editable() {
		return &model.StateError{Action: "delete", Status: string(c.Status)}
	}
	if err := t.DeleteDoc(AdminScope(), docComplaint, c.ID, version); err != nil {
		return err
	}
	return t.deleteAttachments(OwnerComplaint, c.ID)
}

// RemoveComplaint deletes draft complaint id at the version the user saw,
// once per a.Once; the caller has checked that a.User may edit it. Errors
// as DeleteComplaint's.
func (s *Store) RemoveComplaint(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteComplaint(a.Scope, id, version)
	})
	return err
}

// ComplaintAction is the input of a complaint action besides its name: the
// reason (close, reopen), the accused dealer staff identified (audit,
// handle; 0 keeps it) and the handling (handle).
type ComplaintAction struct {
	Reason   string
	Accused  uint64
	Handling *model.ComplaintHandling
}

// ActOnComplaint takes action (submit, audit, handle, close, reopen) on
// complaint id by u with the version the user saw: the building block of
// the use case Store.ActOnComplaint. Handling must name a responsible
// dealer (when it names one) inside sc and other than the complainant.
// Every status change raises complaint.status_changed to the
// complainant's users; handling also tells the responsible dealer —
// through a message that names neither the complainant nor links to the
// complaint, only to its notice. ErrNotFound outside sc, ConflictError for
// a stale version, StateError / ErrNotAllowed from the machine,
// ValidationError for bad handling.
func (t *Tx) ActOnComplaint(sc Scope, u *model.User, id, version uint64, action string, in ComplaintAction) (*model.Complaint, error) {
	c, err := t.Complaint(sc, id)
	if err != nil {
		return nil, err
	}
	return c, t.actOnComplaint(sc, u, c, version, action, in)
}

// ComplaintActionInput is the form of a complaint action: its input with
// the dealers as staff typed their codes (looked up inside the actor's
// scope), and what the form's parsing refused.
type ComplaintActionInput struct {
	ComplaintAction
	AccusedCode, ResponsibleCode string
	Invalid                      *model.ValidationError
}

// ActOnComplaint takes action on complaint id at the version the user saw:
// one use case, at most once per a.Once. The caller has checked that
// a.User holds the transition's permission. Errors as Tx.ActOnComplaint's;
// an unknown dealer code is a field error.
func (s *Store) ActOnComplaint(a Actor, id, version uint64, action string, in ComplaintActionInput) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		c, err := t.Complaint(a.Scope, id)
		if err != nil {
			return 0, err
		}
		ve := &model.ValidationError{}
		if cust := t.customerCode(a.Scope, in.AccusedCode, "accused_code", ve); cust != 0 {
			in.Accused = cust
		}
		if action == "handle" {
			if in.Handling == nil {
				in.Handling = &model.ComplaintHandling{}
			}
			if cust := t.customerCode(a.Scope, in.ResponsibleCode, "responsible_code", ve); cust != 0 {
				in.Handling.ResponsibleID = cust
			}
		}
		if err := formRefusal(ve, in.Invalid, nil); err != nil {
			return 0, err
		}
		return 0, t.actOnComplaint(a.Scope, a.User, c, version, action, in.ComplaintAction)
	})
	return err
}

// actOnComplaint is ActOnComplaint on complaint c as loaded through sc.
func (t *Tx) actOnComplaint(sc Scope, u *model.User, c *model.Complaint, version uint64, action string, in ComplaintAction) error {
	if version != c.Version {
		return &model.ConflictError{By: c.UpdatedBy, At: c.UpdatedAt}
	}
	tr := model.ComplaintMachine.Find(action)
	// The state before the input: a refused action is no form error.
	if tr == nil || !slices.Contains(tr.From, c.Status) {
		return &model.StateError{Action: action, Status: string(c.Status)}
	}
	oldResponsible := uint64(0)
	if c.Handling != nil {
		oldResponsible = c.Handling.ResponsibleID
	}
	if (action == "audit" || action == "handle") && in.Accused != 0 {
		if !c.ComplaintParty(in.Accused) || !t.AllowsCustomer(sc, in.Accused) {
			return model.Invalid("accused_code", "err.complaint_dealer")
		}
		c.AccusedID = in.Accused
	}
	if action == "handle" {
		h := in.Handling
		if h == nil {
			h = &model.ComplaintHandling{}
		}
		if err := h.Validate(); err != nil {
			return err
		}
		if h.ResponsibleID != 0 && (!c.ComplaintParty(h.ResponsibleID) || !t.AllowsCustomer(sc, h.ResponsibleID)) {
			return model.Invalid("responsible_code", "err.complaint_dealer")
		}
		h.By, h.At = u.Username, t.Today()
		c.Handling = h
	}
	old := c.Status
	if err := model.ComplaintMachine.Apply(&c.Doc, action, u, in.Reason, t.Now); err != nil {
		return err
	}
	if err := t.UpdateDoc(AdminScope(), docComplaint, c); err != nil {
		return err
	}
	if err := t.reindexComplaintNotice(c, oldResponsible); err != nil {
		return err
	}
	return t.emitComplaintStatus(c, old, action)
}

// SeedComplaint stores a complaint as given (any status, handling
// included) with its notice index, without workflow checks or messages:
// for demo and volume data only.
func (t *Tx) SeedComplaint(c *model.Complaint) error {
	if err := t.InsertDoc(AdminScope(), docComplaint, c); err != nil {
		return err
	}
	return t.reindexComplaintNotice(c, 0)
}

func (t *Tx) reindexComplaintNotice(c *model.Complaint, oldResponsible uint64) error {
	b := t.b(bComplaintNotices)
	if oldResponsible != 0 {
		if err := b.Delete(key(oldResponsible, c.ID)); err != nil {
			return err
		}
	}
	if c.Handling != nil && c.Handling.ResponsibleID != 0 {
		return b.Put(key(c.Handling.ResponsibleID, c.ID), nil)
	}
	return nil
}

func (t *Tx) emitComplaintStatus(c *model.Complaint, old model.Status, action string) error {
	p := channelStatusParams(old, c.Status)
	if c.Handling != nil {
		p["resolution"] = c.Handling.Resolution
	}
	p["link"] = "/complaints/" + strconv.FormatUint(c.ID, 10)
	err := t.Emit(&model.OutboxMessage{Event: model.EventComplaintStatus, CustomerID: c.CustomerID,
		DocType: model.DocComplaint, DocID: c.ID, DocNumber: c.Number, Params: p})
	if err != nil || action != "handle" || c.Handling.ResponsibleID == 0 {
		return err
	}
	// The responsible dealer's message: built from the notice alone, so that
	// nothing of the complainant can reach it (its customer placeholders are
	// the recipient's own).
	n, _ := c.Notice()
	q := channelStatusParams(old, c.Status)
	q["resolution"] = n.Resolution
	q["link"] = "/complaint-notices/" + strconv.FormatUint(c.ID, 10)
	return t.Emit(&model.OutboxMessage{Event: model.EventComplaintStatus, CustomerID: c.Handling.ResponsibleID,
		DocType: model.DocComplaint, DocNumber: n.Number, Params: q})
}

// ComplaintNotice returns what the responsible dealer may see of complaint
// id (model.ComplaintNotice, without the complainant) when sc covers that
// dealer and the complaint has been handled; ErrNotFound otherwise.
func (t *Tx) ComplaintNotice(sc Scope, id uint64) (*model.ComplaintNotice, error) {
	c := &model.Complaint{}
	if err := t.GetDoc(AdminScope(), docComplaint, id, c); err != nil {
		return nil, err
	}
	n, ok := c.Notice()
	if !ok || !t.AllowsCustomer(sc, c.Handling.ResponsibleID) || t.b(bComplaintNotices).Get(key(c.Handling.ResponsibleID, id)) == nil {
		return nil, model.ErrNotFound
	}
	return &n, nil
}

// ListComplaintNotices returns one page of the notices addressed to the
// dealer of sc (newest first) and how many there are; staff scopes get
// none (they read complaints themselves).
func (t *Tx) ListComplaintNotices(sc Scope, p Page) ([]*model.ComplaintNotice, int, error) {
	cust := sc.CustomerID()
	if cust == 0 {
		return nil, 0, nil
	}
	prefix := itob(cust)
	var out []*model.ComplaintNotice
	total := 0
	c, k, _ := firstUnder(t.b(bComplaintNotices), prefix, true)
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		n, err := t.ComplaintNotice(sc, btoi(k[8:]))
		if err != nil {
			continue // reopened: not handled now
		}
		total++
		if total <= p.Offset || p.Limit > 0 && len(out) >= p.Limit {
			continue
		}
		out = append(out, n)
	}
	return out, total, nil
}
