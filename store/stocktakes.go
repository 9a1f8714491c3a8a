package store

import (
	"bytes"
	"errors"
	"strconv"

	"dealerportal/model"
)

// Stocktakes (盘点库存) are documents of the shared machinery (ST numbers,
// scope by customer). A customer has at most one per date, which an index
// finds — and finds the latest on or before a date (the channel sales
// analysis's opening and closing stock) — with one seek:
//
//	stocktake_dates  customerID|YYYY-MM-DD → stocktake id

var (
	docStocktake    = RegisterDocType(model.DocStocktake)
	bStocktakeDates = []byte("stocktake_dates")
)

func init() { allBuckets = append(allBuckets, bStocktakeDates) }

func stocktakeDateKey(cust uint64, date string) []byte { return append(itob(cust), date...) }

// Stocktake returns stocktake id when sc may see it; ErrNotFound otherwise.
func (t *Tx) Stocktake(sc Scope, id uint64) (*model.Stocktake, error) {
	s := &model.Stocktake{}
	if err := t.GetDoc(sc, docStocktake, id, s); err != nil {
		return nil, err
	}
	return s, nil
}

// StocktakeOn returns the customer's stocktake of date, or ErrNotFound
// (also when sc does not cover the customer).
func (t *Tx) StocktakeOn(sc Scope, customerID uint64, date string) (*model.Stocktake, error) {
	id := btoi(t.b(bStocktakeDates).Get(stocktakeDateKey(customerID, date)))
	if id == 0 {
		return nil, model.ErrNotFound
	}
	return t.Stocktake(sc, id)
}

// StocktakeAtOrBefore returns the customer's latest stocktake dated on or
// before date, or ErrNotFound when it has none (or sc does not cover it).
func (t *Tx) StocktakeAtOrBefore(sc Scope, customerID uint64, date string) (*model.Stocktake, error) {
	if !t.AllowsCustomer(sc, customerID) || date == "" {
		return nil, model.ErrNotFound
	}
	prefix := itob(customerID)
	c := t.b(bStocktakeDates).Cursor()
	// The last key not above customerID|date.
	k, v := seekLast(c, stocktakeDateKey(customerID, date))
	if k == nil || !bytes.HasPrefix(k, prefix) || string(k[8:]) > date {
		return nil, model.ErrNotFound
	}
	return t.Stocktake(sc, btoi(v))
}

// StocktakeExistsError refuses a second stocktake for a date until the user
// confirms that it replaces the first (Existing).
type StocktakeExistsError struct {
	Existing *model.Stocktake
}

func (e *StocktakeExistsError) Error() string {
	return "a stocktake of " + e.Existing.Date + " exists: " + e.Existing.Number
}

// SaveStocktake creates (ID 0) or updates stocktake s with optimistic
// locking. Every line's product must be an audited catalog entry published
// to the customer. When another stocktake of the customer has s's date, it
// returns a *StocktakeExistsError unless replace is set; with replace, a new
// stocktake takes the existing one's place (its number stays, the trail says
// it was replaced) and an edited one whose date moved onto it removes it.
// ErrNotFound outside sc, ValidationError for bad fields. Who may edit the
// customer's stocktakes is the caller's check (model.CanEditStocktakes). Every save raises
// stocktake.recorded.
func (t *Tx) SaveStocktake(sc Scope, u *model.User, s *model.Stocktake, replace bool) error {
	if err := t.saveStocktake(sc, u, s, replace); err != nil {
		return err
	}
	p := map[string]string{"stocktake_date": s.Date, "lines": strconv.Itoa(len(s.Lines)),
		"link": "/stocktakes/" + strconv.FormatUint(s.ID, 10)}
	return t.Emit(&model.OutboxMessage{Event: model.EventStocktakeRecorded, CustomerID: s.CustomerID,
		DocType: model.DocStocktake, DocID: s.ID, DocNumber: s.Number, Params: p})
}

func (t *Tx) saveStocktake(sc Scope, u *model.User, s *model.Stocktake, replace bool) error {
	if !t.AllowsCustomer(sc, s.CustomerID) {
		return model.ErrNotFound
	}
	if err := s.Validate(t.Today()); err != nil {
		return err
	}
	for _, l := range s.Lines {
		if !t.checkChannelProduct(sc, s.CustomerID, l.ProductRef, true) {
			return model.Invalid("lines", "err.stocktake_product")
		}
	}
	s.Status = model.StatusRecorded
	var old *model.Stocktake
	if s.ID != 0 {
		var err error
		if old, err = t.Stocktake(sc, s.ID); err != nil {
			return err
		}
		if old.CustomerID != s.CustomerID {
			return model.ErrNotAllowed
		}
	}
	other, err := t.StocktakeOn(sc, s.CustomerID, s.Date)
	if err != nil && err != model.ErrNotFound {
		return err
	}
	if other != nil && other.ID == s.ID {
		other = nil
	}
	if other != nil && !replace {
		return &StocktakeExistsError{Existing: other}
	}
	switch {
	case other != nil && old == nil:
		// The new count takes the place of the one of that date.
		s.ID, s.Number, s.Meta, s.Trail = other.ID, other.Number, other.Meta, other.Trail
		s.Trail = append(s.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "replace", From: other.Status, To: s.Status, Reason: s.Source})
		return t.UpdateDoc(sc, docStocktake, s)
	case other != nil:
		if err := t.deleteStocktake(sc, other); err != nil {
			return err
		}
	}
	if old == nil {
		s.Trail = append(s.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "create", To: s.Status, Reason: s.Source})
		if err := t.InsertDoc(sc, docStocktake, s); err != nil {
			return err
		}
		return t.b(bStocktakeDates).Put(stocktakeDateKey(s.CustomerID, s.Date), itob(s.ID))
	}
	s.Trail = append(old.Trail, model.AuditEntry{At: t.Now, By: u.Username, Action: "edit", From: old.Status, To: s.Status})
	if err := t.UpdateDoc(sc, docStocktake, s); err != nil {
		return err
	}
	if old.Date != s.Date {
		if err := t.b(bStocktakeDates).Delete(stocktakeDateKey(old.CustomerID, old.Date)); err != nil {
			return err
		}
	}
	return t.b(bStocktakeDates).Put(stocktakeDateKey(s.CustomerID, s.Date), itob(s.ID))
}

// DeleteStocktake removes stocktake id (optimistic locking). Who may is
// the caller's check (model.CanEditStocktakes).
func (t *Tx) DeleteStocktake(sc Scope, id, version uint64) error {
	s, err := t.Stocktake(sc, id)
	if err != nil {
		return err
	}
	if s.Version != version {
		return &model.ConflictError{By: s.UpdatedBy, At: s.UpdatedAt}
	}
	return t.deleteStocktake(sc, s)
}

func (t *Tx) deleteStocktake(sc Scope, s *model.Stocktake) error {
	if err := t.DeleteDoc(sc, docStocktake, s.ID, s.Version); err != nil {
		return err
	}
	return t.b(bStocktakeDates).Delete(stocktakeDateKey(s.CustomerID, s.Date))
}

// StocktakePlan is what a stocktake import file would record: the good lines
// with their file rows, and every problem with its row number.
type StocktakePlan struct {
	ImportPlan
	Lines []model.StocktakeLine
}

// PlanStocktakeImport reads a stocktake table (header first) for customer
// custID and checks every row: a product code published to the customer
// (unknown and unpublished are one reason), a quantity that parses and is
// not negative, each product once. It writes nothing.
func (t *Tx) PlanStocktakeImport(sc Scope, custID uint64, table [][]string) *StocktakePlan {
	p := &StocktakePlan{}
	idx := planHeader(model.StocktakeImportColumns, table, &p.ImportPlan)
	if idx == nil {
		return p
	}
	seen := map[uint64]int{}
	for i, row := range table[1:] {
		n := i + 2
		if model.BlankRow(row) {
			continue
		}
		p.Total++
		bad := len(p.Errors)
		var line model.StocktakeLine
		code := model.CodeCell(row, idx, "product_code")
		if code == "" {
			p.add(n, "product_code", "err.required", nil)
		} else if ref, err := t.ChannelProduct(sc, custID, code, true); err != nil {
			p.add(n, "product_code", "err.stocktake_product_row", map[string]any{"value": code})
		} else if first, dup := seen[ref.ProductID]; dup {
			p.add(n, "product_code", "err.duplicate_in_file", map[string]any{"row": first})
		} else {
			seen[ref.ProductID] = n
			line.ProductRef = ref
		}
		if s := model.CodeCell(row, idx, "qty"); s == "" {
			p.add(n, "qty", "err.required", nil)
		} else if q, err := model.ParseQty(s); err != nil {
			p.addErr(n, "qty", err, "err.qty_invalid")
		} else if q < 0 {
			p.add(n, "qty", "err.not_negative", nil)
		} else {
			line.Qty = q
		}
		if len(p.Errors) == bad {
			p.Lines = append(p.Lines, line)
			p.Rows = append(p.Rows, n)
		}
	}
	if p.Total == 0 && len(p.Errors) == 0 {
		p.add(0, "", "err.import_empty", nil)
	}
	return p
}

// SaveStocktakeForm records a stocktake from its form as one user action
// (a new one at most once per a.Once): the form's own errors (invalid
// holds them, from resolving its lines) with the stocktake's checks, then
// SaveStocktake. It returns the stocktake's id.
func (s *Store) SaveStocktakeForm(a Actor, st *model.Stocktake, invalid *model.ValidationError, replace bool) (uint64, error) {
	isNew := st.ID == 0
	if !isNew {
		a.Once = ""
	}
	return s.act(a, func(t *Tx) (uint64, error) {
		if isNew { // a retried transaction starts again from the form
			st.ID, st.Number = 0, ""
		}
		ve := &model.ValidationError{}
		if invalid != nil {
			ve.Fields = append(ve.Fields, invalid.Fields...)
		}
		if err := mergeValidation(ve.Err(), st.Validate(t.Today())); err != nil {
			return 0, err
		}
		if err := t.SaveStocktake(a.Scope, a.User, st, replace); err != nil {
			return 0, err
		}
		return st.ID, nil
	})
}

// RemoveStocktake deletes stocktake id at the version the user saw, as
// one user action (DeleteStocktake).
func (s *Store) RemoveStocktake(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteStocktake(a.Scope, id, version)
	})
	return err
}

// StocktakeImportKind is the import job kind of stocktake files.
const StocktakeImportKind = "stocktake"

// StocktakeImportForm is the form of a stocktake import: the customer
// (its code, typed by staff; a dealer's own otherwise), the date, the
// remarks, and the upload (preview: Name, Data, Table under Token;
// confirmation: Token, with Read to read the kept file again).
type StocktakeImportForm struct {
	CustomerCode, Date, Remarks string
	Name, Token                 string
	Data                        []byte
	Table                       [][]string
	GoodOnly, Replace           bool
	Read                        func(name string, data []byte) ([][]string, error)
}

// StocktakeImport is what a stocktake import found: the file's name, the
// date as stored, the plan, the stocktake already recorded on that date
// (nil: none), and the stocktake recorded (confirmation).
type StocktakeImport struct {
	Name      string
	Date      string
	Plan      *StocktakePlan
	Existing  *model.Stocktake
	Stocktake *model.Stocktake
}

// stocktakeImportTarget is the import's customer, checked through sc (the
// use case's one scope check: a dealer's own, or the code staff typed), and
// its date (model.StocktakeImportDate); their field errors together.
func (t *Tx) stocktakeImportTarget(sc Scope, in *StocktakeImportForm, res *StocktakeImport) (*model.Customer, error) {
	var own uint64
	if !sc.IsStaff() {
		own = sc.CustomerID()
	}
	cu, err := t.ChannelCustomer(sc, own, in.CustomerCode, "customer_code")
	var ve *model.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return nil, err
	}
	date, derr := model.StocktakeImportDate(in.Date, t.Today())
	if err := mergeValidation(err, derr); err != nil {
		return nil, err
	}
	res.Date = date
	return cu, nil
}

// PreviewStocktakeImport plans the upload for the form's customer and date
// (writing no stocktake) and keeps the file for the confirmation under
// in.Token. Field errors at customer_code and date; ErrNotFound for a
// customer outside the actor's scope. The caller checks that the user may
// record the customer's stocktakes (model.CanEditStocktakes).
func (s *Store) PreviewStocktakeImport(a Actor, in StocktakeImportForm) (StocktakeImport, error) {
	var res StocktakeImport
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		res = StocktakeImport{Name: in.Name, Date: in.Date}
		cu, err := t.stocktakeImportTarget(a.Scope, &in, &res)
		if err != nil {
			return 0, err
		}
		sc := a.Scope
		res.Plan = t.PlanStocktakeImport(sc, cu.ID, in.Table)
		res.Existing, _ = t.StocktakeOn(sc, cu.ID, res.Date)
		return 0, t.SaveImportJob(&ImportJob{Token: in.Token, UserID: a.User.ID, Kind: StocktakeImportKind, Name: in.Name}, in.Data)
	})
	return res, err
}

// ConfirmStocktakeImport records the user's kept upload as the customer's
// stocktake of the date, planned again now, in one transaction: all rows
// when none is bad, the good ones only with in.GoodOnly; an existing
// stocktake of that date is replaced only with in.Replace
// (StocktakeExistsError otherwise). The upload is then forgotten and the
// import logged. A ValidationError at "file" when the upload is gone or
// the plan may not be recorded; the result holds what is known.
func (s *Store) ConfirmStocktakeImport(a Actor, in StocktakeImportForm) (StocktakeImport, error) {
	var res StocktakeImport
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		res = StocktakeImport{Date: in.Date}
		job, data, err := t.ImportJob(a.User.ID, StocktakeImportKind, in.Token)
		if err != nil {
			return 0, model.Invalid("file", "err.import_expired")
		}
		res.Name = job.Name
		cu, err := t.stocktakeImportTarget(a.Scope, &in, &res)
		if err != nil {
			return 0, err
		}
		table, err := in.Read(job.Name, data)
		if err != nil {
			return 0, err
		}
		sc := a.Scope
		res.Plan = t.PlanStocktakeImport(sc, cu.ID, table)
		res.Existing, _ = t.StocktakeOn(sc, cu.ID, res.Date)
		if err := model.ImportAllowed(len(res.Plan.Errors), len(res.Plan.Lines), in.GoodOnly); err != nil {
			return 0, err
		}
		st := &model.Stocktake{CustomerID: cu.ID, Date: res.Date, Remarks: in.Remarks, Source: job.Name, Lines: res.Plan.Lines}
		if err := t.SaveStocktake(sc, a.User, st, in.Replace); err != nil {
			return 0, err
		}
		res.Stocktake = st
		if err := t.DeleteImportJob(in.Token); err != nil {
			return 0, err
		}
		return st.ID, t.Log("import", 0, "import.stocktake", job.Name+" · "+st.Number)
	})
	return res, err
}
