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

// returnSource is what a return is made from: the order (always) and the
// outbound (when it came from one).
type returnSource struct {
	so *model.SalesOrder
	ob *model.Outbound
}

// loadReturnSource reads the source of a return through sc: an audited or
// closed sales order, or a posted blue outbound and its order.
func (t *Tx) loadReturnSource(sc Scope, soID, obID uint64) (*returnSource, error) {
	src := &returnSource{}
	if obID != 0 {
		ob, err := t.Outbound(sc, obID)
		if err != nil {
			return nil, err
		}
		if ob.Red {
			return nil, model.ErrNotFound
		}
		src.ob, soID = ob, ob.SalesOrderID
	}
	so, err := t.SalesOrder(sc, soID)
	if err != nil {
		return nil, err
	}
	if so.Status != model.StatusAudited && so.Status != model.StatusClosed {
		return nil, &model.StateError{Action: "return", Status: string(so.Status)}
	}
	src.so = so
	return src, nil
}

// ReturnLimit is what line no of the source may still return: the order
// line's returnable quantity, and from an outbound at most that outbound
// line's quantity.
func (src *returnSource) limit(no int) (l *model.SalesOrderLine, limit model.Qty) {
	if src.ob != nil {
		if no < 1 || no > len(src.ob.Lines) {
			return nil, 0
		}
		obl := &src.ob.Lines[no-1]
		l = src.so.LineByNo(obl.Source.Line)
		if l == nil {
			return nil, 0
		}
		return l, min(obl.Qty, l.ReturnableQty())
	}
	l = src.so.LineByNo(no)
	if l == nil {
		return nil, 0
	}
	return l, l.ReturnableQty()
}

// sourceLines lists the source's line numbers in order.
func (src *returnSource) lineNos() []int {
	var out []int
	if src.ob != nil {
		for i := range src.ob.Lines {
			out = append(out, src.ob.Lines[i].No)
		}
		return out
	}
	for i := range src.so.Lines {
		out = append(out, src.so.Lines[i].No)
	}
	return out
}

// claimLines claims the quantities of in on the source's order lines and
// returns the return's lines; claim errors are field errors in ve.
func (src *returnSource) claimLines(ve *model.ValidationError, qty map[int]model.Qty) []model.OrderLine {
	var lines []model.OrderLine
	checkLineNumbers(ve, qty, func(no int) bool { l, _ := src.limit(no); return l != nil })
	for _, no := range src.lineNos() {
		q := qty[no]
		if q == 0 {
			continue
		}
		l, limit := src.limit(no)
		if l == nil {
			continue
		}
		if q > limit && q > 0 {
			addLineError(ve, no, model.ErrOverReturn, limit)
			continue
		}
		if err := l.Claim(q); err != nil {
			addLineError(ve, no, err, limit)
			continue
		}
		lines = append(lines, lineFrom(src.so, l, len(lines)+1, q))
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
// ErrNotFound when the source is outside sc, ErrNotAllowed for a user
// without the dealer's order permission, field errors for bad input.
func (t *Tx) CreateOnlineReturn(sc Scope, u *model.User, in *ReturnInput, submit bool) (*model.OnlineReturn, error) {
	src, err := t.loadReturnSource(sc, in.SalesOrderID, in.OutboundID)
	if err != nil {
		return nil, err
	}
	if !u.Can(model.PermOrder) || u.CustomerID != src.so.CustomerID {
		return nil, model.ErrNotAllowed
	}
	r := &model.OnlineReturn{CustomerID: src.so.CustomerID, SalesOrderID: src.so.ID, OutboundID: in.OutboundID}
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
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, src.so); err != nil {
		return nil, err
	}
	if err := t.LinkToSalesOrder(src.so.ID, docOnlineReturn, r.ID); err != nil {
		return nil, err
	}
	if submit {
		return r, t.returnEvent(model.EventReturnSubmitted, r, nil)
	}
	return r, nil
}

// fillReturn copies the header of in into r and claims its lines.
func (t *Tx) fillReturn(r *model.OnlineReturn, src *returnSource, in *ReturnInput) error {
	r.ReturnDate, r.Reason, r.Remarks, r.AllowAdjust = in.Date, in.Reason, strings.TrimSpace(in.Remarks), in.AllowAdjust
	ve := &model.ValidationError{}
	mergeInto(ve, r.Validate())
	r.Lines = src.claimLines(ve, in.Qty)
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
// the user edited) for a user allowed to edit it (model.CanEditOnlineReturn):
// its old claims are given back and the new ones taken. ErrNotFound outside
// sc, ErrNotAllowed when the user may not edit it, a ConflictError for a
// stale version, field errors for bad input. Editing a submitted return
// raises return.changed.
func (t *Tx) UpdateOnlineReturn(sc Scope, u *model.User, id, version uint64, in *ReturnInput) (*model.OnlineReturn, error) {
	r, err := t.OnlineReturn(sc, id)
	if err != nil {
		return nil, err
	}
	if !model.CanEditOnlineReturn(r, u) {
		return nil, model.ErrNotAllowed
	}
	src, err := t.loadReturnSource(AdminScope(), r.SalesOrderID, r.OutboundID)
	if err != nil {
		return nil, err
	}
	unclaim(src.so, r.Lines, func(i int) model.Qty { return r.Lines[i].Qty })
	if err := t.fillReturn(r, src, in); err != nil {
		return nil, err
	}
	r.Trail = append(r.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "edit"})
	r.Version = version
	if err := t.UpdateDoc(sc, docOnlineReturn, r); err != nil {
		return nil, err
	}
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, src.so); err != nil {
		return nil, err
	}
	if r.Status == model.StatusSubmitted {
		// Staff and the ERP already hold the submitted return.
		return r, t.returnEvent(model.EventReturnChanged, r, nil)
	}
	return r, nil
}

// DeleteOnlineReturn deletes a draft or submitted online return a dealer
// user may edit (model.CanDeleteOnlineReturn: staff reject instead) and
// gives back its claims; a submitted one raises return.withdrawn.
func (t *Tx) DeleteOnlineReturn(sc Scope, u *model.User, id, version uint64) error {
	r, err := t.OnlineReturn(sc, id)
	if err != nil {
		return err
	}
	if !model.CanDeleteOnlineReturn(r, u) {
		return model.ErrNotAllowed
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
// the return and, for convert, the new notice.
func (t *Tx) ActOnOnlineReturn(sc Scope, u *model.User, id, version uint64, action, reason string) (*model.OnlineReturn, *model.ReturnNotice, error) {
	r, err := t.OnlineReturn(sc, id)
	if err != nil {
		return nil, nil, err
	}
	if action == "submit" && u.Kind == model.KindDealer && !model.CanEditOnlineReturn(r, u) {
		return nil, nil, model.ErrNotAllowed
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
		ve := &model.ValidationError{}
		for i := range r.Lines {
			l := so.LineByNo(r.Lines[i].Source.Line)
			if l == nil || l.Claim(r.Lines[i].Qty) != nil {
				ve.Add("_form", "err.return_no_longer_returnable", map[string]any{"code": r.Lines[i].Code})
			}
		}
		if err := ve.Err(); err != nil {
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
// most the returnable quantity, claimed at once.
func (t *Tx) CreateReturnNotice(sc Scope, u *model.User, in *ReturnInput) (*model.ReturnNotice, error) {
	src, err := t.loadReturnSource(sc, in.SalesOrderID, 0)
	if err != nil {
		return nil, err
	}
	if !u.Can(model.PermManageOrders) {
		return nil, model.ErrNotAllowed
	}
	rn := &model.ReturnNotice{CustomerID: src.so.CustomerID, SalesOrderID: src.so.ID, NoticeDate: in.Date, Reason: strings.TrimSpace(in.Reason)}
	ve := &model.ValidationError{}
	mergeInto(ve, rn.Validate())
	rn.Lines = src.claimLines(ve, in.Qty)
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
	if err := t.UpdateDoc(AdminScope(), model.DocSalesOrder, src.so); err != nil {
		return nil, err
	}
	return rn, t.LinkToSalesOrder(src.so.ID, docReturnNotice, rn.ID)
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
