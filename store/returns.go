package store

import (
	"errors"
	"strconv"
	"strings"

	"dealerportal/model"
)

// Returns (退货): online returns (网上退货单) by dealers and return notices
// (退货通知单) by staff. A return claims its quantities on the sales order
// lines (ClaimedQty) while it is open — a draft or submitted online return,
// the unreceived rest of an audited return notice — so that two returns can
// never together exceed what was shipped; red outbounds (outbounds.go)
// turn the claim into ReturnedQty.

var (
	docOnlineReturn = RegisterDocType(model.DocOnlineReturn)
	docReturnNotice = RegisterDocType(model.DocReturnNotice)
)

// ReturnInput is the form of an online return or a return notice: its
// source (a sales order, or for an online return an outbound of the
// customer), header, and the quantity per source line number.
type ReturnInput struct {
	SalesOrderID uint64
	OutboundID   uint64
	Date         string
	Reason       string
	Remarks      string
	AllowAdjust  bool
	Qty          map[int]model.Qty
}

// loadReturnSource reads the source of a return through sc: an audited or
// closed sales order, or a posted blue outbound and its order
// (model.CheckReturnSource).
func (t *Tx) loadReturnSource(sc Scope, soID, obID uint64) (model.ReturnSource, error) {
	var src model.ReturnSource
	if obID != 0 {
		ob, err := t.Outbound(sc, obID)
		if err != nil {
			return src, err
		}
		if ob.Red {
			return src, model.ErrNotFound
		}
		src.Outbound, soID = ob, ob.SalesOrderID
	}
	so, err := t.SalesOrder(sc, soID)
	if err != nil {
		return src, err
	}
	src.Order = so
	return src, model.CheckReturnSource(src)
}

// claimLines claims the quantities of in on the source's order lines and
// returns the return's lines; claim errors are field errors in ve.
func claimLines(src model.ReturnSource, ve *model.ValidationError, qty map[int]model.Qty) []model.OrderLine {
	var lines []model.OrderLine
	checkLineNumbers(ve, qty, func(no int) bool { l, _ := src.Limit(no); return l != nil })
	for _, no := range src.LineNos() {
		q := qty[no]
		if q == 0 {
			continue
		}
		l, limit, err := src.Claim(no, q)
		if l == nil {
			continue
		}
		if err != nil {
			addLineError(ve, no, err, limit)
			continue
		}
		lines = append(lines, lineFrom(src.Order, l, len(lines)+1, q))
	}
	if len(lines) == 0 && len(ve.Fields) == 0 {
		ve.Add("lines", "err.no_lines", nil)
	}
	return lines
}

// unclaim gives back the claims of lines (of a return made from so).
func unclaim(so *model.SalesOrder, lines []model.OrderLine, rest func(i int) model.Qty) {
	for i := range lines {
		if l := so.LineByNo(lines[i].Source.Line); l != nil {
			l.Unclaim(rest(i))
		}
	}
}

func mergeInto(ve *model.ValidationError, err error) {
	var hv *model.ValidationError
	if errors.As(err, &hv) {
		ve.Fields = append(ve.Fields, hv.Fields...)
	}
}

// OnlineReturn returns online return id when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) OnlineReturn(sc Scope, id uint64) (*model.OnlineReturn, error) {
	r := &model.OnlineReturn{}
	if err := t.GetDoc(sc, docOnlineReturn, id, r); err != nil {
		return nil, err
	}
	return r, nil
}

// ReturnNotice returns return notice id when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) ReturnNotice(sc Scope, id uint64) (*model.ReturnNotice, error) {
	r := &model.ReturnNotice{}
	if err := t.GetDoc(sc, docReturnNotice, id, r); err != nil {
		return nil, err
	}
	return r, nil
}

func returnLink(id uint64) string { return "/returns/" + strconv.FormatUint(id, 10) }

// CreateOnlineReturn saves a dealer's online return (draft, or submitted
// when submit) from an audited or closed sales order or a blue outbound of
// its customer: each line at most the returnable quantity, claimed at once.
// ErrNotFound when the source is outside sc, field errors for bad input.
// Who may make one is the caller's check (model.CanCreateOnlineReturn).
func (t *Tx) CreateOnlineReturn(sc Scope, u *model.User, in *ReturnInput, submit bool) (*model.OnlineReturn, error) {
	src, err := t.loadReturnSource(sc, in.SalesOrderID, in.OutboundID)
	if err != nil {
		return nil, err
	}
	r := &model.OnlineReturn{CustomerID: src.Order.CustomerID, SalesOrderID: src.Order.ID, OutboundID: in.OutboundID}
	if err := t.fillReturn(r, src, in); err != nil {
		return nil, err
	}
	model.Record(&r.Doc, "create", model.StatusDraft, u.Username, t.Now)
	if submit {
		if err := model.OnlineReturnMachine.Apply(&r.Doc, "submit", u, "", t.Now); err != nil {
			return nil, err
		}
	}
	if err := t.InsertDoc(sc, docOnlineReturn, r); err != nil {
		return nil, err
	}
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, src.Order); err != nil {
		return nil, err
	}
	if err := t.LinkToSalesOrder(src.Order.ID, docOnlineReturn, r.ID); err != nil {
		return nil, err
	}
	if submit {
		return r, t.returnEvent(model.EventReturnSubmitted, r, nil)
	}
	return r, nil
}

// fillReturn copies the header of in into r and claims its lines.
func (t *Tx) fillReturn(r *model.OnlineReturn, src model.ReturnSource, in *ReturnInput) error {
	r.ReturnDate, r.Reason, r.Remarks, r.AllowAdjust = in.Date, in.Reason, strings.TrimSpace(in.Remarks), in.AllowAdjust
	ve := &model.ValidationError{}
	mergeInto(ve, r.Validate())
	r.Lines = claimLines(src, ve, in.Qty)
	if err := ve.Err(); err != nil {
		return err
	}
	tot, err := model.SumLines(r.Lines)
	r.Totals = tot
	return err
}

func (t *Tx) returnEvent(ev model.Event, r *model.OnlineReturn, params map[string]string) error {
	return t.docEvent(ev, docOnlineReturn, r.ID, r.CustomerID, r.Number, returnLink(r.ID), r.Totals.Amount, params)
}

// UpdateOnlineReturn saves new values of online return id (version: the one
// the user edited): its old claims are given back and the new ones taken.
// Who may edit it is the caller's check (model.CanEditOnlineReturn).
// ErrNotFound outside sc, a ConflictError for a
// stale version, field errors for bad input. Editing a submitted return
// raises return.changed.
func (t *Tx) UpdateOnlineReturn(sc Scope, u *model.User, id, version uint64, in *ReturnInput) (*model.OnlineReturn, error) {
	r, err := t.OnlineReturn(sc, id)
	if err != nil {
		return nil, err
	}
	src, err := t.loadReturnSource(AdminScope(), r.SalesOrderID, r.OutboundID)
	if err != nil {
		return nil, err
	}
	unclaim(src.Order, r.Lines, func(i int) model.Qty { return r.Lines[i].Qty })
	if err := t.fillReturn(r, src, in); err != nil {
		return nil, err
	}
	r.Trail = append(r.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "edit"})
	r.Version = version
	if err := t.UpdateDoc(sc, docOnlineReturn, r); err != nil {
		return nil, err
	}
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, src.Order); err != nil {
		return nil, err
	}
	if r.Status == model.StatusSubmitted {
		// Staff and the ERP already hold the submitted return.
		return r, t.returnEvent(model.EventReturnChanged, r, nil)
	}
	return r, nil
}

// DeleteOnlineReturn deletes a draft or submitted online return and gives
// back its claims; a submitted one raises return.withdrawn. Who may delete
// it is the caller's check (model.CanDeleteOnlineReturn: staff reject
// instead).
func (t *Tx) DeleteOnlineReturn(sc Scope, u *model.User, id, version uint64) error {
	r, err := t.OnlineReturn(sc, id)
	if err != nil {
		return err
	}
	so, err := t.SalesOrder(AdminScope(), r.SalesOrderID)
	if err != nil {
		return err
	}
	unclaim(so, r.Lines, func(i int) model.Qty { return r.Lines[i].Qty })
	if err := t.DeleteDoc(sc, docOnlineReturn, id, version); err != nil {
		return err
	}
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, so); err != nil {
		return err
	}
	if err := t.UnlinkFromSalesOrder(so.ID, docOnlineReturn, id); err != nil {
		return err
	}
	if r.Status == model.StatusSubmitted {
		return t.returnEvent(model.EventReturnWithdrawn, r, nil)
	}
	return nil
}

// ActOnOnlineReturn performs action on online return id: submit (a dealer
// who may edit it), reject with a reason (its claims are given back),
// unreject (claimed again: refused with a message when the goods are no
// longer returnable) or convert (generate the return notice, 生成退货通知单,
// which takes over the claim). Each raises its return.* event. It returns
// the return and, for convert, the new notice. Who may submit it is the
// caller's check (a dealer: model.CanEditOnlineReturn); the machine says
// which roles run the others.
func (t *Tx) ActOnOnlineReturn(sc Scope, u *model.User, id, version uint64, action, reason string) (*model.OnlineReturn, *model.ReturnNotice, error) {
	r, err := t.OnlineReturn(sc, id)
	if err != nil {
		return nil, nil, err
	}
	if err := model.OnlineReturnMachine.Apply(&r.Doc, action, u, reason, t.Now); err != nil {
		return nil, nil, err
	}
	var so *model.SalesOrder
	switch action {
	case "reject", "unreject":
		if so, err = t.SalesOrder(AdminScope(), r.SalesOrderID); err != nil {
			return nil, nil, err
		}
	}
	var rn *model.ReturnNotice
	var ev model.Event
	params := map[string]string{}
	switch action {
	case "submit":
		ev = model.EventReturnSubmitted
	case "reject":
		r.RejectReason = strings.TrimSpace(reason)
		unclaim(so, r.Lines, func(i int) model.Qty { return r.Lines[i].Qty })
		ev, params["reason"] = model.EventReturnRejected, r.RejectReason
	case "unreject":
		if err := model.Reclaim(so, r.Lines); err != nil {
			return nil, nil, err
		}
		r.RejectReason = ""
		ev = model.EventReturnUnrejected
	case "convert":
		rn = &model.ReturnNotice{CustomerID: r.CustomerID, OnlineReturnID: r.ID, SalesOrderID: r.SalesOrderID,
			NoticeDate: model.DateOf(t.Now, t.Zone()), Reason: r.Reason, Lines: append([]model.OrderLine(nil), r.Lines...)}
		tot, terr := model.SumLines(rn.Lines)
		if terr != nil {
			return nil, nil, terr
		}
		rn.Totals = tot
		rn.ReceivedQty = make([]model.Qty, len(rn.Lines))
		model.Record(&rn.Doc, "create", model.StatusAudited, u.Username, t.Now)
		if err := t.InsertDoc(sc, docReturnNotice, rn); err != nil {
			return nil, nil, err
		}
		if err := t.LinkToSalesOrder(r.SalesOrderID, docReturnNotice, rn.ID); err != nil {
			return nil, nil, err
		}
		r.NoticeID = rn.ID
		ev, params["return_notice"] = model.EventReturnConverted, rn.Number
	}
	if so != nil {
		if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, so); err != nil {
			return nil, nil, err
		}
	}
	r.Version = version
	if err := t.UpdateDoc(sc, docOnlineReturn, r); err != nil {
		return nil, nil, err
	}
	return r, rn, t.returnEvent(ev, r, params)
}

// CreateReturnNotice issues a return notice directly (staff, without an
// online return) from an audited or closed sales order in sc: each line at
// most the returnable quantity, claimed at once. Who may issue one is the
// caller's check (PermManageOrders).
func (t *Tx) CreateReturnNotice(sc Scope, u *model.User, in *ReturnInput) (*model.ReturnNotice, error) {
	src, err := t.loadReturnSource(sc, in.SalesOrderID, 0)
	if err != nil {
		return nil, err
	}
	rn := &model.ReturnNotice{CustomerID: src.Order.CustomerID, SalesOrderID: src.Order.ID, NoticeDate: in.Date, Reason: strings.TrimSpace(in.Reason)}
	ve := &model.ValidationError{}
	mergeInto(ve, rn.Validate())
	rn.Lines = claimLines(src, ve, in.Qty)
	if err := ve.Err(); err != nil {
		return nil, err
	}
	tot, terr := model.SumLines(rn.Lines)
	if terr != nil {
		return nil, terr
	}
	rn.Totals = tot
	rn.ReceivedQty = make([]model.Qty, len(rn.Lines))
	model.Record(&rn.Doc, "create", model.StatusAudited, u.Username, t.Now)
	if err := t.InsertDoc(sc, docReturnNotice, rn); err != nil {
		return nil, err
	}
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, src.Order); err != nil {
		return nil, err
	}
	return rn, t.LinkToSalesOrder(src.Order.ID, docReturnNotice, rn.ID)
}

// CloseReturnNotice closes an audited return notice early: what it has not
// received stops being claimed.
func (t *Tx) CloseReturnNotice(sc Scope, u *model.User, id, version uint64, reason string) (*model.ReturnNotice, error) {
	rn, err := t.ReturnNotice(sc, id)
	if err != nil {
		return nil, err
	}
	if err := model.ReturnNoticeMachine.Apply(&rn.Doc, "close", u, reason, t.Now); err != nil {
		return nil, err
	}
	so, err := t.SalesOrder(AdminScope(), rn.SalesOrderID)
	if err != nil {
		return nil, err
	}
	unclaim(so, rn.Lines, rn.ReturnRest)
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, so); err != nil {
		return nil, err
	}
	rn.Version = version
	return rn, t.UpdateDoc(sc, docReturnNotice, rn)
}

// CreateOnlineReturn saves a dealer's online return from its form (draft,
// or submitted when submit) as one user action, at most once per a.Once,
// and returns its id. Errors as Tx.CreateOnlineReturn's.
func (s *Store) CreateOnlineReturn(a Actor, in ReturnInput, submit bool) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		r, err := t.CreateOnlineReturn(a.Scope, a.User, &in, submit)
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	})
}

// SaveOnlineReturn saves the edited online return id at the version the
// user loaded and, with submit, submits it when it is still a draft: one
// user action in one transaction.
func (s *Store) SaveOnlineReturn(a Actor, id, version uint64, in ReturnInput, submit bool) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		saved, err := t.UpdateOnlineReturn(a.Scope, a.User, id, version, &in)
		if err != nil {
			return 0, err
		}
		if submit && saved.Status == model.StatusDraft {
			_, _, err = t.ActOnOnlineReturn(a.Scope, a.User, id, saved.Version, "submit", "")
		}
		return 0, err
	})
	return err
}

// ActOnOnlineReturn runs submit, reject, unreject or convert on online
// return id at the version the user saw, as one user action; it returns
// the id of the return notice a convert made (0 otherwise).
func (s *Store) ActOnOnlineReturn(a Actor, id, version uint64, action, reason string) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		_, rn, err := t.ActOnOnlineReturn(a.Scope, a.User, id, version, action, reason)
		if err != nil || rn == nil {
			return 0, err
		}
		return rn.ID, nil
	})
}

// RemoveOnlineReturn deletes online return id at the version the user saw,
// as one user action (Tx.DeleteOnlineReturn).
func (s *Store) RemoveOnlineReturn(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteOnlineReturn(a.Scope, a.User, id, version)
	})
	return err
}

// CreateReturnNotice issues a return notice from its form as one user
// action, at most once per a.Once, and returns its id. Errors as
// Tx.CreateReturnNotice's.
func (s *Store) CreateReturnNotice(a Actor, in ReturnInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		rn, err := t.CreateReturnNotice(a.Scope, a.User, &in)
		if err != nil {
			return 0, err
		}
		return rn.ID, nil
	})
}

// CloseReturnNotice closes return notice id early at the version the user
// saw, as one user action (Tx.CloseReturnNotice).
func (s *Store) CloseReturnNotice(a Actor, id, version uint64, reason string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.CloseReturnNotice(a.Scope, a.User, id, version, reason)
		return 0, err
	})
	return err
}
