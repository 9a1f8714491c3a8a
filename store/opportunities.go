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

// SaveOpportunity creates (ID 0, a draft numbered OP-YYYY-NNNNNN) or
// updates an editable opportunity, with optimistic locking: the building
// block of the use case Store.SaveOpportunity, which the caller's
// permission check (model.CanEditOpportunity) precedes. Every interest
// line's product must be one the customer may choose (a dealer: only its
// published catalog). ErrNotFound outside sc, ErrNotAllowed when it may not
// change any more, a ValidationError for bad fields.
func (t *Tx) SaveOpportunity(sc Scope, u *model.User, o *model.Opportunity) error {
	if !t.AllowsCustomer(sc, o.CustomerID) {
		return model.ErrNotFound
	}
	var old *model.Opportunity
	if o.ID != 0 {
		var err error
		if old, err = t.Opportunity(sc, o.ID); err != nil {
			return err
		}
	}
	if err := o.Validate(); err != nil {
		return err
	}
	for _, l := range o.Lines {
		if !t.checkChannelProduct(sc, o.CustomerID, l.ProductRef, false) {
			return model.Invalid("lines", "err.ch_product")
		}
	}
	return t.saveOpportunity(u, old, o)
}

// saveOpportunity stores o as a new draft (old nil) or over old, the
// stored opportunity the caller loaded through its scope.
func (t *Tx) saveOpportunity(u *model.User, old, o *model.Opportunity) error {
	if old == nil {
		o.Status = model.StatusDraft
		o.ReportDate = t.Today()
		o.Trail = []model.AuditEntry{{At: t.Now, By: u.Username, Action: "create", To: model.StatusDraft}}
		return t.InsertDoc(AdminScope(), docOpportunity, o)
	}
	if old.Version != o.Version {
		return &model.ConflictError{By: old.UpdatedBy, At: old.UpdatedAt}
	}
	if !old.Editable() || old.Status != o.Status || old.CustomerID != o.CustomerID {
		return model.ErrNotAllowed
	}
	if err := t.UpdateDoc(AdminScope(), docOpportunity, o); err != nil {
		return err
	}
	return t.reindexOppClient(old, o)
}

// OpportunityInput is the form of the use case SaveOpportunity.
type OpportunityInput struct {
	// Opportunity holds the posted fields: ID 0 for a new one (with
	// CustomerID set to a dealer's own customer; staff give CustomerCode),
	// Version as the form showed it, the interest lines with their
	// quantities and prices.
	Opportunity  *model.Opportunity
	CustomerCode string
	// LineCodes are the product codes of the lines, in order; a line's
	// refusals go to the field LineFields names.
	LineCodes, LineFields []string
	// Invalid is what the form's parsing refused, reported together with
	// the use case's own refusals.
	Invalid *model.ValidationError
	// More only resolves the form's products to show it again with more
	// rows: nothing is stored, and only the form's own refusals return.
	More bool
}

// SaveOpportunity registers a new opportunity (a draft) or changes an
// editable one: one use case, at most once per a.Once for a new one. It
// returns the opportunity's id; the lines' products are resolved into
// in.Opportunity even when it is refused. ErrNotFound when the
// opportunity or customer lies outside a.Scope, ConflictError for a stale
// version, ErrNotAllowed when it may not change any more, ValidationError
// for bad fields. The caller has checked that a.User may edit it
// (model.CanEditOpportunity).
func (s *Store) SaveOpportunity(a Actor, in OpportunityInput) (uint64, error) {
	return saveChannelDoc(s, a, channelSave[model.Opportunity, *model.Opportunity]{
		Doc: in.Opportunity, CustomerCode: in.CustomerCode, Invalid: in.Invalid, ResolveOnly: in.More,
		SetCustomer: func(o *model.Opportunity, id uint64) { o.CustomerID = id },
		Load:        (*Tx).Opportunity,
		Products: func(o *model.Opportunity, product func(code, field string, optional bool) model.ProductRef) {
			for i := range o.Lines {
				o.Lines[i].ProductRef = product(in.LineCodes[i], in.LineFields[i], false)
			}
		},
		Validate: func(o *model.Opportunity, _ string) error { return o.Validate() },
		Save:     (*Tx).saveOpportunity,
	})
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

// DeleteOpportunity removes a draft (with its attachments): the building
// block of RemoveOpportunity. ErrNotFound outside sc, StateError when it is
// no draft, ConflictError for a stale version.
func (t *Tx) DeleteOpportunity(sc Scope, id, version uint64) error {
	o, err := t.Opportunity(sc, id)
	if err != nil {
		return err
	}
	if o.Status != model.StatusDraft {
		return &model.StateError{Action: "delete", Status: string(o.Status)}
	}
	if err := t.DeleteDoc(AdminScope(), docOpportunity, id, version); err != nil {
		return err
	}
	return t.deleteAttachments(OwnerOpportunity, id)
}

// RemoveOpportunity deletes draft opportunity id at the version the user
// saw, once per a.Once; the caller has checked that a.User may edit it.
// Errors as DeleteOpportunity's.
func (s *Store) RemoveOpportunity(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteOpportunity(a.Scope, id, version)
	})
	return err
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
	c, k, v := firstUnder(t.b(bOppClients), prefix, true)
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
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
// version the user saw: the building block of the use case
// Store.ActOnOpportunity. submit (the end client is checked for collisions
// and the opportunity flagged), the evaluations accept / reject / need_info
// (eval carries the verdict's fields; accepting is refused while another
// dealer's registration protects the end client), win, lose, expire.
// Submitting raises opportunity.submitted for staff, evaluations
// opportunity.evaluated to the customer's users. ErrNotFound outside sc,
// ConflictError for a stale version, StateError / ErrNotAllowed from the
// machine, ValidationError for a bad evaluation.
func (t *Tx) ActOnOpportunity(sc Scope, u *model.User, id, version uint64, action string, eval *model.Evaluation) (*model.Opportunity, error) {
	o, err := t.Opportunity(sc, id)
	if err != nil {
		return nil, err
	}
	return o, t.actOnOpportunity(u, o, version, action, eval)
}

// ActOnOpportunity takes action on opportunity id at the version the user
// saw (eval: the evaluation of accept, reject, need_info): one use case, at
// most once per a.Once. The caller has checked that a.User holds the
// transition's permission. Errors as Tx.ActOnOpportunity's.
func (s *Store) ActOnOpportunity(a Actor, id, version uint64, action string, eval *model.Evaluation) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		o, err := t.Opportunity(a.Scope, id)
		if err != nil {
			return 0, err
		}
		var e *model.Evaluation
		if eval != nil {
			cp := *eval // the body may run twice (a retried transaction)
			e = &cp
		}
		return 0, t.actOnOpportunity(a.User, o, version, action, e)
	})
	return err
}

// actOnOpportunity is ActOnOpportunity on opportunity o as loaded.
func (t *Tx) actOnOpportunity(u *model.User, o *model.Opportunity, version uint64, action string, eval *model.Evaluation) error {
	if version != o.Version {
		return &model.ConflictError{By: o.UpdatedBy, At: o.UpdatedAt}
	}
	tr := model.OpportunityMachine.Find(action)
	if tr == nil {
		return &model.StateError{Action: action, Status: string(o.Status)}
	}
	old := *o
	day := t.Today()
	reason := ""
	isEval := slices.Contains(model.OpportunityEvaluations, action)
	if isEval {
		if eval == nil {
			eval = &model.Evaluation{}
		}
		// The state first: a refused action is not a form error.
		if !slices.Contains(tr.From, o.Status) {
			return &model.StateError{Action: action, Status: string(o.Status)}
		}
		if err := model.CheckEvaluation(action, eval, day); err != nil {
			return err
		}
		if action == "accept" {
			if m, err := t.Collision(o, day); err != nil {
				return err
			} else if m != nil {
				return collisionError(m)
			}
		}
		eval.By, eval.At = u.Username, day
		reason = eval.Comments
	}
	if err := model.OpportunityMachine.Apply(&o.Doc, action, u, reason, t.Now); err != nil {
		return err
	}
	switch {
	case isEval:
		o.Evaluation = eval
	case action == "submit":
		m, err := t.Collision(o, day)
		if err != nil {
			return err
		}
		o.Collided = m != nil
	}
	if err := t.UpdateDoc(AdminScope(), docOpportunity, o); err != nil {
		return err
	}
	if err := t.reindexOppClient(&old, o); err != nil {
		return err
	}
	switch {
	case isEval:
		return t.emitOpportunityEvaluated(o)
	case action == "submit":
		return t.emitOpportunitySubmitted(o)
	}
	return nil
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
