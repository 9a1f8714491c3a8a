package store

import (
	"bytes"
	"slices"
	"strconv"

	"dealerportal/model"
)

// Opportunity reports (商机报备) are documents of the shared machinery (OP
// numbers, scope by customer, list indexes). Besides, an index by end client
// answers "who else registered this end client" (防撞单) with one prefix scan:
//
//	opportunity_clients  clientKey 0x00 id → customerID
//
// It holds every opportunity that is not a draft; whether one protects its
// end client is decided at read time (model.Opportunity.ProtectedOn, in the
// enterprise's zone), so a protection ends by itself after its last day.

var (
	docOpportunity = RegisterDocType(model.DocOpportunity)
	bOppClients    = []byte("opportunity_clients")
)

func init() { allBuckets = append(allBuckets, bOppClients) }

func oppClientKey(clientKey string, id uint64) []byte {
	return append(append([]byte(clientKey), 0), itob(id)...)
}

// Opportunity returns opportunity id when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) Opportunity(sc Scope, id uint64) (*model.Opportunity, error) {
	o := &model.Opportunity{}
	if err := t.GetDoc(sc, docOpportunity, id, o); err != nil {
		return nil, err
	}
	return o, nil
}

// CanEditOpportunity says whether u may change o's header and lines: while a
// draft or sent back for information, by the customer's users or staff who
// may file opportunities.
func CanEditOpportunity(o *model.Opportunity, u *model.User) bool {
	if o.Status != model.StatusDraft && o.Status != model.StatusNeedsInfo || !u.Can(model.PermFileOpportunity) {
		return false
	}
	return u.IsStaff() || u.CustomerID == o.CustomerID
}

// SaveOpportunity creates (ID 0, a draft numbered OP-YYYY-NNNNNN) or
// updates an opportunity that u may edit, with optimistic locking. Every
// interest line's product must be one the customer may choose (a dealer:
// only its published catalog). ErrNotFound outside sc, ErrNotAllowed when
// u may not edit it, a ValidationError for bad fields.
func (t *Tx) SaveOpportunity(sc Scope, u *model.User, o *model.Opportunity) error {
	if !t.AllowsCustomer(sc, o.CustomerID) {
		return model.ErrNotFound
	}
	if o.ID == 0 {
		o.Status = model.StatusDraft
		o.ReportDate = t.Today()
	}
	if !CanEditOpportunity(o, u) {
		return model.ErrNotAllowed
	}
	if err := o.Validate(); err != nil {
		return err
	}
	for _, l := range o.Lines {
		if !t.checkChannelProduct(sc, o.CustomerID, l.ProductRef, false) {
			return model.Invalid("lines", "err.ch_product")
		}
	}
	if o.ID == 0 {
		o.Trail = append(o.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "create", To: model.StatusDraft})
		return t.InsertDoc(sc, docOpportunity, o)
	}
	old, err := t.Opportunity(sc, o.ID)
	if err != nil {
		return err
	}
	if old.Version != o.Version {
		return &model.ConflictError{By: old.UpdatedBy, At: old.UpdatedAt}
	}
	if old.Status != o.Status || old.CustomerID != o.CustomerID {
		return model.ErrNotAllowed
	}
	if err := t.UpdateDoc(sc, docOpportunity, o); err != nil {
		return err
	}
	return t.reindexOppClient(old, o)
}

// SeedOpportunity stores an opportunity as given (any status, evaluation
// included) with its end-client index, without workflow checks or
// messages: for demo and volume data only.
func (t *Tx) SeedOpportunity(o *model.Opportunity) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := t.InsertDoc(AdminScope(), docOpportunity, o); err != nil {
		return err
	}
	return t.reindexOppClient(nil, o)
}

// reindexOppClient keeps the end-client index in step: drafts are not in it.
func (t *Tx) reindexOppClient(old, o *model.Opportunity) error {
	b := t.b(bOppClients)
	if old != nil && old.Status != model.StatusDraft {
		if err := b.Delete(oppClientKey(old.ClientKey, old.ID)); err != nil {
			return err
		}
	}
	if o.Status == model.StatusDraft || o.ClientKey == "" {
		return nil
	}
	return b.Put(oppClientKey(o.ClientKey, o.ID), itob(o.CustomerID))
}

// DeleteOpportunity removes a draft (with its attachments) that u may edit.
func (t *Tx) DeleteOpportunity(sc Scope, u *model.User, id, version uint64) error {
	o, err := t.Opportunity(sc, id)
	if err != nil {
		return err
	}
	if o.Status != model.StatusDraft {
		return &model.StateError{Action: "delete", Status: string(o.Status)}
	}
	if !CanEditOpportunity(o, u) {
		return model.ErrNotAllowed
	}
	if err := t.DeleteDoc(sc, docOpportunity, id, version); err != nil {
		return err
	}
	return t.deleteAttachments(OwnerOpportunity, id)
}

// ClientMatch is another customer's opportunity for the same end client.
// Visible says whether the reader's scope covers it (otherwise only that it
// exists and until when it protects may be shown, never whose it is).
type ClientMatch struct {
	ID            uint64
	CustomerID    uint64
	Number        string
	Status        model.Status
	ProtectionEnd string
	Protecting    bool
	Visible       bool
}

// SameClient lists the other customers' opportunities (not drafts) for o's
// end client, newest first, with whether each protects it on day.
func (t *Tx) SameClient(sc Scope, o *model.Opportunity, day string) ([]ClientMatch, error) {
	if o.ClientKey == "" {
		return nil, nil
	}
	var out []ClientMatch
	prefix := append([]byte(o.ClientKey), 0)
	c := t.b(bOppClients).Cursor()
	for k, v := seekLast(c, prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		id, cust := btoi(k[len(prefix):]), btoi(v)
		if id == o.ID || cust == o.CustomerID {
			continue
		}
		other := &model.Opportunity{}
		if err := t.GetDoc(AdminScope(), docOpportunity, id, other); err != nil {
			return nil, err
		}
		m := ClientMatch{ID: id, CustomerID: cust, Number: other.Number, Status: other.Status,
			Protecting: other.ProtectedOn(day), Visible: t.AllowsCustomer(sc, cust)}
		if other.Evaluation != nil {
			m.ProtectionEnd = other.Evaluation.ProtectionEnd
		}
		out = append(out, m)
	}
	return out, nil
}

// Collision returns the other dealer's opportunity that protects o's end
// client on day (防撞单), or nil: o then collides with it.
func (t *Tx) Collision(o *model.Opportunity, day string) (*ClientMatch, error) {
	ms, err := t.SameClient(AdminScope(), o, day)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].Protecting {
			return &ms[i], nil
		}
	}
	return nil, nil
}

// ActOnOpportunity takes a life-cycle action on opportunity id by u with the
// version the user saw: submit (the end client is checked for collisions and
// the opportunity flagged), the evaluations accept / reject / need_info (eval
// carries the verdict's fields; accepting is refused while another dealer's
// registration protects the end client), win, lose, expire. Submitting
// raises opportunity.submitted for staff, evaluations
// opportunity.evaluated to the customer's users. ErrNotFound outside
// sc, ConflictError for a stale version, StateError / ErrNotAllowed from the
// machine, ValidationError for a bad evaluation.
func (t *Tx) ActOnOpportunity(sc Scope, u *model.User, id, version uint64, action string, eval *model.Evaluation) (*model.Opportunity, error) {
	o, err := t.Opportunity(sc, id)
	if err != nil {
		return nil, err
	}
	if version != o.Version {
		return nil, &model.ConflictError{By: o.UpdatedBy, At: o.UpdatedAt}
	}
	tr := model.OpportunityMachine.Find(action)
	if tr == nil {
		return nil, &model.StateError{Action: action, Status: string(o.Status)}
	}
	old := *o
	day := t.Today()
	reason := ""
	isEval := action == "accept" || action == "reject" || action == "need_info"
	if isEval {
		if eval == nil {
			eval = &model.Evaluation{}
		}
		// Permission and state first: a refused action is not a form error.
		if !u.Can(tr.Perm) {
			return nil, model.ErrNotAllowed
		}
		if !slices.Contains(tr.From, o.Status) {
			return nil, &model.StateError{Action: action, Status: string(o.Status)}
		}
		if err := model.CheckEvaluation(action, eval, day); err != nil {
			return nil, err
		}
		if action == "accept" {
			if m, err := t.Collision(o, day); err != nil {
				return nil, err
			} else if m != nil {
				return nil, collisionError(m)
			}
		}
		eval.By, eval.At = u.Username, day
		reason = eval.Comments
	}
	if err := model.OpportunityMachine.Apply(&o.Doc, action, u, reason, t.Now); err != nil {
		return nil, err
	}
	switch {
	case isEval:
		o.Evaluation = eval
	case action == "submit":
		m, err := t.Collision(o, day)
		if err != nil {
			return nil, err
		}
		o.Collided = m != nil
	}
	if err := t.UpdateDoc(sc, docOpportunity, o); err != nil {
		return nil, err
	}
	if err := t.reindexOppClient(&old, o); err != nil {
		return nil, err
	}
	switch {
	case isEval:
		if err := t.emitOpportunityEvaluated(o); err != nil {
			return nil, err
		}
	case action == "submit":
		if err := t.emitOpportunitySubmitted(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// emitOpportunitySubmitted raises opportunity.submitted for staff (and the
// feed), saying whether the end client collides with another dealer's
// protected registration.
func (t *Tx) emitOpportunitySubmitted(o *model.Opportunity) error {
	p := channelStatusParams(model.StatusDraft, o.Status)
	p["project"], p["end_client"] = o.Project, o.EndClient
	p["amount"] = t.Settings().Money(o.ExpectedAmount)
	p["collision_zh"], p["collision_en"] = "无", "none"
	if o.Collided {
		p["collision_zh"], p["collision_en"] = "与其他经销商的保护期冲突", "collides with another dealer's protection"
	}
	p["link"] = "/opportunities/" + strconv.FormatUint(o.ID, 10)
	return t.Emit(&model.OutboxMessage{Event: model.EventOpportunitySubmitted, CustomerID: o.CustomerID,
		DocType: model.DocOpportunity, DocID: o.ID, DocNumber: o.Number, Params: p})
}

func collisionError(m *ClientMatch) error {
	v := &model.ValidationError{}
	v.Add("verdict", "err.opp_collision", map[string]any{"until": m.ProtectionEnd})
	return v
}

var verdictNames = map[string][2]string{
	model.VerdictAccepted: {"接受", "accepted"}, model.VerdictRejected: {"拒绝", "rejected"}, model.VerdictNeedsInfo: {"需补充信息", "needs more information"},
}

func (t *Tx) emitOpportunityEvaluated(o *model.Opportunity) error {
	e := o.Evaluation
	p := channelStatusParams(model.StatusSubmitted, o.Status)
	p["verdict_zh"], p["verdict_en"] = verdictNames[e.Verdict][0], verdictNames[e.Verdict][1]
	p["protection_end"] = e.ProtectionEnd
	p["project"] = o.Project
	p["reason"] = e.Comments
	p["link"] = "/opportunities/" + strconv.FormatUint(o.ID, 10)
	return t.Emit(&model.OutboxMessage{Event: model.EventOpportunityEvaluated, CustomerID: o.CustomerID,
		DocType: model.DocOpportunity, DocID: o.ID, DocNumber: o.Number, Params: p})
}
