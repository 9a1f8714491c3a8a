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

// SaveServiceRequest creates (ID 0: status new, numbered SR-YYYY-NNNNNN) or
// updates the basic information of a new request, with optimistic locking:
// the building block of the use case Store.SaveServiceRequest, which the
// caller's permission check (model.CanEditServiceRequest) precedes. The
// product must be one the customer may choose (a dealer: its published
// catalog). Creating raises service_request.created for the staff's
// templates and the API's feed. ErrNotFound outside sc, ErrNotAllowed when
// staff have started on it, ValidationError for bad fields.
func (t *Tx) SaveServiceRequest(sc Scope, u *model.User, r *model.ServiceRequest) error {
	if !t.AllowsCustomer(sc, r.CustomerID) {
		return model.ErrNotFound
	}
	var old *model.ServiceRequest
	if r.ID != 0 {
		var err error
		if old, err = t.ServiceRequest(sc, r.ID); err != nil {
			return err
		}
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if !t.checkChannelProduct(sc, r.CustomerID, r.Product, false) {
		return model.Invalid("product_code", "err.ch_product")
	}
	return t.saveServiceRequest(u, old, r)
}

// saveServiceRequest stores r as a new request (old nil) or over old, the
// stored request the caller loaded through its scope: status, dates and the
// handling are the store's, not the form's.
func (t *Tx) saveServiceRequest(u *model.User, old, r *model.ServiceRequest) error {
	if old == nil {
		r.Status = model.StatusNew
		r.RequestDate = t.Today()
		r.HandlerID, r.HandlerName, r.Log, r.Solution = 0, "", nil, ""
		r.Trail = []model.AuditEntry{{At: t.Now, By: u.Username, Action: "create", To: model.StatusNew}}
		if err := t.InsertDoc(AdminScope(), docServiceRequest, r); err != nil {
			return err
		}
		return t.emitServiceCreated(r)
	}
	if old.Version != r.Version {
		return &model.ConflictError{By: old.UpdatedBy, At: old.UpdatedAt}
	}
	if !old.Editable() || old.Status != r.Status {
		return model.ErrNotAllowed
	}
	r.HandlerID, r.HandlerName, r.Log, r.Solution = old.HandlerID, old.HandlerName, old.Log, old.Solution
	return t.UpdateDoc(AdminScope(), docServiceRequest, r)
}

// ServiceRequestInput is the form of the use case SaveServiceRequest.
type ServiceRequestInput struct {
	// Request holds the posted fields: ID 0 for a new request (with
	// CustomerID set to a dealer's own customer; staff give CustomerCode),
	// Version as the form showed it.
	Request      *model.ServiceRequest
	CustomerCode string
	// ProductCode is the product concerned, chosen from the customer's catalog.
	ProductCode string
}

// SaveServiceRequest files a new service request or corrects the basic
// information of a new one: one use case, at most once per a.Once for a new
// one. It returns the request's id. ErrNotFound when the request or the
// customer lies outside a.Scope, ConflictError for a stale version,
// ErrNotAllowed once staff have started on it, ValidationError for bad
// fields. The caller has checked that a.User may edit it
// (model.CanEditServiceRequest).
func (s *Store) SaveServiceRequest(a Actor, in ServiceRequestInput) (uint64, error) {
	return saveChannelDoc(s, a, channelSave[model.ServiceRequest, *model.ServiceRequest]{
		Doc: in.Request, CustomerCode: in.CustomerCode,
		SetCustomer: func(r *model.ServiceRequest, id uint64) { r.CustomerID = id },
		Load:        (*Tx).ServiceRequest,
		Products: func(r *model.ServiceRequest, product func(code, field string, optional bool) model.ProductRef) {
			r.Product = product(in.ProductCode, "product_code", true)
		},
		Validate: func(r *model.ServiceRequest, _ string) error { return r.Validate() },
		Save:     (*Tx).saveServiceRequest,
	})
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
// id by u with the version the user saw, writing the handling log: the
// building block of the use case Store.ActOnServiceRequest. The handler
// must be an active staff member who may handle requests and whose scope
// covers the customer (model.ServiceHandler); the solution and note as
// model.CheckServiceInput; reopening needs a reason. Every change raises
// service_request.status_changed. ErrNotFound outside sc, ConflictError for
// a stale version, StateError / ErrNotAllowed from the machine,
// ValidationError for bad input.
func (t *Tx) ActOnServiceRequest(sc Scope, u *model.User, id, version uint64, action string, in ServiceAction) (*model.ServiceRequest, error) {
	r, err := t.ServiceRequest(sc, id)
	if err != nil {
		return nil, err
	}
	return r, t.actOnServiceRequest(u, r, version, action, in)
}

// ActOnServiceRequest takes action on request id at the version the user
// saw: one use case, at most once per a.Once. The caller has checked that
// a.User holds the transition's permission; "log" adds a note to the
// handling log (the caller checks model.CanLogServiceRequest's
// permission). Errors as Tx.ActOnServiceRequest's and AddServiceLog's.
func (s *Store) ActOnServiceRequest(a Actor, id, version uint64, action string, in ServiceAction) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		r, err := t.ServiceRequest(a.Scope, id)
		if err != nil {
			return 0, err
		}
		if action == "log" {
			return 0, t.addServiceLog(a.User, r, version, in.Note)
		}
		return 0, t.actOnServiceRequest(a.User, r, version, action, in)
	})
	return err
}

// actOnServiceRequest is ActOnServiceRequest on request r as loaded.
func (t *Tx) actOnServiceRequest(u *model.User, r *model.ServiceRequest, version uint64, action string, in ServiceAction) error {
	if version != r.Version {
		return &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	tr := model.ServiceRequestMachine.Find(action)
	if tr == nil || !slices.Contains(tr.From, r.Status) {
		return &model.StateError{Action: action, Status: string(r.Status)}
	}
	if action == "start" {
		hid := in.HandlerID
		if hid == 0 {
			hid = u.ID
		}
		h, err := t.UserByID(hid)
		if err != nil || !model.ServiceHandler(h) || !t.AllowsCustomer(t.UserScope(h), r.CustomerID) {
			return model.Invalid("handler_id", "err.sr_handler")
		}
		r.HandlerID, r.HandlerName = h.ID, h.Name
	}
	solution, note, err := model.CheckServiceInput(action, in.Solution, in.Note)
	if err != nil {
		return err
	}
	if action == "resolve" {
		r.Solution = solution
	}
	old := r.Status
	if err := model.ServiceRequestMachine.Apply(&r.Doc, action, u, note, t.Now); err != nil {
		var ve *model.ValidationError
		if errors.As(err, &ve) {
			return model.Invalid("note", "err.reason_required")
		}
		return err
	}
	text := note
	if action == "resolve" && note == "" {
		text = r.Solution
	}
	r.Log = append(r.Log, t.serviceLog(u, action, text))
	if err := t.UpdateDoc(AdminScope(), docServiceRequest, r); err != nil {
		return err
	}
	return t.emitServiceStatus(r, old)
}

// AddServiceLog appends a note to the handling log of request id, until it
// is closed (the caller checks that u handles requests). ErrNotFound outside
// sc, StateError once closed, ConflictError for a stale version,
// ValidationError for a missing or long note.
func (t *Tx) AddServiceLog(sc Scope, u *model.User, id, version uint64, note string) (*model.ServiceRequest, error) {
	r, err := t.ServiceRequest(sc, id)
	if err != nil {
		return nil, err
	}
	return r, t.addServiceLog(u, r, version, note)
}

func (t *Tx) addServiceLog(u *model.User, r *model.ServiceRequest, version uint64, note string) error {
	if !r.Loggable() {
		return &model.StateError{Action: "log", Status: string(r.Status)}
	}
	if version != r.Version {
		return &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	_, note, err := model.CheckServiceInput("log", "", note)
	if err != nil {
		return err
	}
	r.Log = append(r.Log, t.serviceLog(u, "note", note))
	return t.UpdateDoc(AdminScope(), docServiceRequest, r)
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
