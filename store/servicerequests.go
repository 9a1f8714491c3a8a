package store

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"dealerportal/model"
)

// Service requests (服务请求) are documents of the shared machinery (SR
// numbers, scope by customer). A request is born "new" (there is no draft):
// the dealer's basic information can be corrected until staff start on it.

var docServiceRequest = RegisterDocType(model.DocServiceRequest)

// ServiceRequest returns request id when sc may see it; ErrNotFound
// otherwise.
func (t *Tx) ServiceRequest(sc Scope, id uint64) (*model.ServiceRequest, error) {
	r := &model.ServiceRequest{}
	if err := t.GetDoc(sc, docServiceRequest, id, r); err != nil {
		return nil, err
	}
	return r, nil
}

// CanEditServiceRequest says whether u may change r's basic information:
// while it is new, by the customer's users or staff who may file requests.
func CanEditServiceRequest(r *model.ServiceRequest, u *model.User) bool {
	if r.Status != model.StatusNew || !u.Can(model.PermFileService) {
		return false
	}
	return u.IsStaff() || u.CustomerID == r.CustomerID
}

// SaveServiceRequest creates (ID 0: status new, numbered SR-YYYY-NNNNNN) or
// updates the basic information of a request u may edit, with optimistic
// locking. The product must be one the customer may choose (a dealer: its
// published catalog). Creating raises service_request.created for the
// staff's templates and the API's feed. ErrNotFound outside sc, ErrNotAllowed when u
// may not edit it, ValidationError for bad fields.
func (t *Tx) SaveServiceRequest(sc Scope, u *model.User, r *model.ServiceRequest) error {
	if !t.AllowsCustomer(sc, r.CustomerID) {
		return model.ErrNotFound
	}
	isNew := r.ID == 0
	if isNew {
		r.Status = model.StatusNew
		r.RequestDate = t.Today()
		r.HandlerID, r.HandlerName, r.Log, r.Solution = 0, "", nil, ""
	}
	if !CanEditServiceRequest(r, u) {
		return model.ErrNotAllowed
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if !t.checkChannelProduct(sc, r.CustomerID, r.Product, false) {
		return model.Invalid("product_code", "err.ch_product")
	}
	if isNew {
		r.Trail = append(r.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "create", To: model.StatusNew})
		if err := t.InsertDoc(sc, docServiceRequest, r); err != nil {
			return err
		}
		return t.emitServiceCreated(r)
	}
	old, err := t.ServiceRequest(sc, r.ID)
	if err != nil {
		return err
	}
	if old.Version != r.Version {
		return &model.ConflictError{By: old.UpdatedBy, At: old.UpdatedAt}
	}
	if old.Status != r.Status {
		return model.ErrNotAllowed
	}
	r.HandlerID, r.HandlerName, r.Log, r.Solution = old.HandlerID, old.HandlerName, old.Log, old.Solution
	return t.UpdateDoc(sc, docServiceRequest, r)
}

// ServiceAction is the input of a service request action besides its name:
// the handler (start; 0 means the acting user), the solution (resolve), and
// a note for the handling log (any action; the reason of a reopen).
type ServiceAction struct {
	HandlerID uint64
	Solution  string
	Note      string
}

// ActOnServiceRequest takes action (start, resolve, close, reopen) on request
// id by u with the version the user saw, writing the handling log. The
// handler must be an active staff member who may handle requests; resolving
// needs a solution; reopening a reason. Every change raises
// service_request.status_changed. ErrNotFound outside sc, ConflictError for
// a stale version, StateError / ErrNotAllowed from the machine,
// ValidationError for bad input.
func (t *Tx) ActOnServiceRequest(sc Scope, u *model.User, id, version uint64, action string, in ServiceAction) (*model.ServiceRequest, error) {
	r, err := t.ServiceRequest(sc, id)
	if err != nil {
		return nil, err
	}
	if version != r.Version {
		return nil, &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	tr := model.ServiceRequestMachine.Find(action)
	if tr == nil {
		return nil, &model.StateError{Action: action, Status: string(r.Status)}
	}
	if !u.Can(tr.Perm) {
		return nil, model.ErrNotAllowed
	}
	if !slices.Contains(tr.From, r.Status) {
		return nil, &model.StateError{Action: action, Status: string(r.Status)}
	}
	note := strings.TrimSpace(in.Note)
	switch action {
	case "start":
		hid := in.HandlerID
		if hid == 0 {
			hid = u.ID
		}
		h, err := t.UserByID(hid)
		if err != nil || !h.IsStaff() || h.Disabled || !h.Can(model.PermManageService) || !t.AllowsCustomer(t.UserScope(h), r.CustomerID) {
			return nil, model.Invalid("handler_id", "err.sr_handler")
		}
		r.HandlerID, r.HandlerName = h.ID, h.Name
	case "resolve":
		r.Solution = strings.TrimSpace(in.Solution)
		if len([]rune(r.Solution)) < 2 {
			return nil, model.Invalid("solution", "err.required")
		}
		if len([]rune(r.Solution)) > 2000 {
			return nil, model.Invalid("solution", "err.too_long")
		}
	}
	if len([]rune(note)) > 1000 {
		return nil, model.Invalid("note", "err.too_long")
	}
	old := r.Status
	if err := model.ServiceRequestMachine.Apply(&r.Doc, action, u, note, t.Now); err != nil {
		var ve *model.ValidationError
		if errors.As(err, &ve) {
			return nil, model.Invalid("note", "err.reason_required")
		}
		return nil, err
	}
	text := note
	if action == "resolve" && note == "" {
		text = r.Solution
	}
	r.Log = append(r.Log, t.serviceLog(u, action, text))
	if err := t.UpdateDoc(sc, docServiceRequest, r); err != nil {
		return nil, err
	}
	return r, t.emitServiceStatus(r, old)
}

// AddServiceLog appends a note to the handling log of request id (staff who
// handle requests; not once it is closed).
func (t *Tx) AddServiceLog(sc Scope, u *model.User, id, version uint64, note string) (*model.ServiceRequest, error) {
	r, err := t.ServiceRequest(sc, id)
	if err != nil {
		return nil, err
	}
	if !u.Can(model.PermManageService) {
		return nil, model.ErrNotAllowed
	}
	if r.Status == model.StatusClosed {
		return nil, &model.StateError{Action: "log", Status: string(r.Status)}
	}
	if version != r.Version {
		return nil, &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	note = strings.TrimSpace(note)
	switch n := len([]rune(note)); {
	case n < 2:
		return nil, model.Invalid("note", "err.required")
	case n > 1000:
		return nil, model.Invalid("note", "err.too_long")
	}
	r.Log = append(r.Log, t.serviceLog(u, "note", note))
	return r, t.UpdateDoc(sc, docServiceRequest, r)
}

func (t *Tx) serviceLog(u *model.User, action, note string) model.ServiceLogEntry {
	loc := t.Zone()
	return model.ServiceLogEntry{At: t.Now.In(loc).Format("2006-01-02 15:04"), By: u.Username, Name: u.Name, Action: action, Note: note}
}

// emitServiceCreated raises service_request.created for staff (and the
// feed): a new request waits for a handler.
func (t *Tx) emitServiceCreated(r *model.ServiceRequest) error {
	p := channelStatusParams("", r.Status)
	p["priority"] = r.Priority
	p["product"] = strings.TrimSpace(r.Product.Code + " " + r.Product.Name)
	p["link"] = "/service-requests/" + strconv.FormatUint(r.ID, 10)
	return t.Emit(&model.OutboxMessage{Event: model.EventServiceRequestNew, CustomerID: r.CustomerID,
		DocType: model.DocServiceRequest, DocID: r.ID, DocNumber: r.Number, Params: p})
}

func (t *Tx) emitServiceStatus(r *model.ServiceRequest, old model.Status) error {
	p := channelStatusParams(old, r.Status)
	p["handler"] = r.HandlerName
	p["link"] = "/service-requests/" + strconv.FormatUint(r.ID, 10)
	return t.Emit(&model.OutboxMessage{Event: model.EventServiceRequestStatus, CustomerID: r.CustomerID,
		DocType: model.DocServiceRequest, DocID: r.ID, DocNumber: r.Number, Params: p})
}
