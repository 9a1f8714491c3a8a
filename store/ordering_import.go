package store

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"
)

// ---- ordering settings ----

var keyOrdering = []byte("ordering")

// OrderingSettings returns the ordering center's settings (their own record,
// apart from the enterprise settings), with defaults for a new file.
func (t *Tx) OrderingSettings() *model.OrderingSettings {
	o := model.DefaultOrderingSettings()
	_ = getJSON(t.b(bSettings), keyOrdering, o)
	return o
}

// SaveOrderingSettings validates and stores them with optimistic locking.
func (t *Tx) SaveOrderingSettings(o *model.OrderingSettings) error {
	if err := o.Validate(); err != nil {
		return err
	}
	old := t.OrderingSettings()
	if err := t.checkVersion(old, o); err != nil {
		return err
	}
	return putJSON(t.b(bSettings), keyOrdering, o)
}

// ---- import jobs: an uploaded file kept between preview and confirmation ----

// ImportJob is an uploaded import file waiting for the user's confirmation.
type ImportJob struct {
	Token     string    `json:"token"`
	UserID    uint64    `json:"user_id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// importJobTTL is how long an unconfirmed upload is kept.
const importJobTTL = 24 * time.Hour

// SaveImportJob keeps an uploaded file under its token (and forgets uploads
// older than a day).
func (t *Tx) SaveImportJob(j *ImportJob, data []byte) error {
	b := t.b(bImportJobs)
	var old [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !bytes.HasSuffix(k, []byte("/meta")) {
			continue
		}
		o := &ImportJob{}
		if json.Unmarshal(v, o) == nil && t.Now.Sub(o.CreatedAt) > importJobTTL {
			tok := bytes.TrimSuffix(k, []byte("/meta"))
			old = append(old, bytes.Clone(k), append(bytes.Clone(tok), "/data"...))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	j.CreatedAt = t.Now
	if err := b.Put([]byte(j.Token+"/data"), data); err != nil {
		return err
	}
	return putJSON(b, []byte(j.Token+"/meta"), j)
}

// ImportJob returns the user's upload with token and its content, or
// ErrNotFound (another user's token included).
func (t *Tx) ImportJob(userID uint64, kind, token string) (*ImportJob, []byte, error) {
	if token == "" || strings.Contains(token, "/") {
		return nil, nil, model.ErrNotFound
	}
	j := &ImportJob{}
	if err := getJSON(t.b(bImportJobs), []byte(token+"/meta"), j); err != nil {
		return nil, nil, err
	}
	if j.UserID != userID || j.Kind != kind {
		return nil, nil, model.ErrNotFound
	}
	return j, bytes.Clone(t.b(bImportJobs).Get([]byte(token + "/data"))), nil
}

// DeleteImportJob forgets an upload once imported.
func (t *Tx) DeleteImportJob(token string) error {
	if err := t.b(bImportJobs).Delete([]byte(token + "/meta")); err != nil {
		return err
	}
	return t.b(bImportJobs).Delete([]byte(token + "/data"))
}

// ---- import plans ----

// ImportPlan is what an import file would do: the good rows ready to save,
// every problem with its row number, and the number of data rows.
type ImportPlan struct {
	Entries []*model.CatalogEntry
	Prices  []*model.PriceRecord
	Rows    []int // file row of each good entry / price
	Errors  []model.ImportError
	Total   int
}

// BadRows counts the rows with at least one problem.
func (p *ImportPlan) BadRows() int {
	seen := map[int]bool{}
	for _, e := range p.Errors {
		if e.Row > 0 {
			seen[e.Row] = true
		}
	}
	return len(seen)
}

func (p *ImportPlan) add(row int, col, key string, args map[string]any) {
	p.Errors = append(p.Errors, model.ImportError{Row: row, Column: col, Key: key, Args: args})
}

// addErr records a parse error of a cell (model.CellError).
func (p *ImportPlan) addErr(row int, col string, err error, key string) {
	p.Errors = append(p.Errors, model.CellError(row, col, err, key))
}

// planHeader maps the header row; missing required columns and an empty
// file are problems of the whole file (row 0).
func planHeader(cols []model.ImportColumn, table [][]string, p *ImportPlan) map[string]int {
	if len(table) == 0 {
		p.add(0, "", "err.import_empty", nil)
		return nil
	}
	idx, missing := model.MapHeader(cols, table[0])
	for _, m := range missing {
		p.add(0, m, "err.import_column", map[string]any{"column": m})
	}
	if len(missing) > 0 {
		return nil
	}
	if len(table)-1 > model.MaxImportRows {
		p.add(0, "", "err.import_too_many", map[string]any{"max": model.MaxImportRows})
		return nil
	}
	return idx
}

// PlanCatalogImport reads a catalog import table (header first) and checks
// every row against the database: product known and not yet in the catalog
// (nor twice in the file), category known, quantities valid, targets known
// and within sc. It writes nothing.
func (t *Tx) PlanCatalogImport(sc Scope, table [][]string) *ImportPlan {
	p := &ImportPlan{}
	idx := planHeader(model.CatalogImportColumns, table, p)
	if idx == nil {
		return p
	}
	seen := map[uint64]int{}
	in := t.audienceScope(sc) // group membership read once for the whole file
	for i, row := range table[1:] {
		n := i + 2
		if model.BlankRow(row) {
			continue
		}
		p.Total++
		r, errs := model.ReadCatalogImportRow(row, idx, n)
		e := &r.Entry
		if code := r.ProductCode; code != "" {
			if pr, err := t.ProductByCode(code); err != nil {
				errs = append(errs, rowErr(n, "product_code", "err.product_unknown", map[string]any{"value": code}))
			} else if t.b(bCatalogByProduct).Get(itob(pr.ID)) != nil {
				errs = append(errs, rowErr(n, "product_code", "err.already_in_catalog", nil))
			} else if first, dup := seen[pr.ID]; dup {
				errs = append(errs, rowErr(n, "product_code", "err.duplicate_in_file", map[string]any{"row": first}))
			} else {
				seen[pr.ID] = n
				e.ProductID = pr.ID
			}
		}
		if cat := r.CategoryCode; cat != "" {
			if c, err := t.CategoryByCode(cat); err != nil {
				errs = append(errs, rowErr(n, "category_code", "err.category_unknown", map[string]any{"value": cat}))
			} else {
				e.CategoryID = c.ID
			}
		}
		e.Targets, errs = t.importTargets(sc, in, &r, n, errs)
		model.SortImportErrors(model.CatalogImportColumns, errs)
		errs = model.RowChecks(errs, n, e.Validate)
		p.Errors = append(p.Errors, errs...)
		if len(errs) == 0 {
			p.Entries = append(p.Entries, e)
			p.Rows = append(p.Rows, n)
		}
	}
	if p.Total == 0 && len(p.Errors) == 0 {
		p.add(0, "", "err.import_empty", nil)
	}
	return p
}

func rowErr(n int, col, key string, args map[string]any) model.ImportError {
	return model.ImportError{Row: n, Column: col, Key: key, Args: args}
}

// importTargets looks up a row's target codes; in is sc's audienceScope,
// shared by every row of the file. Unknown codes and groups or org units
// outside sc are problems of row n.
func (t *Tx) importTargets(sc Scope, in *audienceScope, r *model.CatalogImportRow, n int, errs []model.ImportError) ([]model.Target, []model.ImportError) {
	var out []model.Target
	for _, code := range r.Customers {
		c, err := t.CustomerByCode(sc, code)
		if err != nil {
			errs = append(errs, rowErr(n, "customers", "err.ord_customer_unknown", map[string]any{"value": code}))
			continue
		}
		out = append(out, model.Target{Kind: model.TargetCustomer, ID: c.ID})
	}
	for _, code := range r.Groups {
		id := btoi(t.b(bGroupsByCode).Get([]byte(code)))
		if id == 0 {
			errs = append(errs, rowErr(n, "groups", "err.ord_group_unknown", map[string]any{"value": code}))
			continue
		}
		if !in.group(id) {
			errs = append(errs, rowErr(n, "groups", "err.audience_out_of_scope_value", map[string]any{"value": code}))
			continue
		}
		out = append(out, model.Target{Kind: model.TargetGroup, ID: id})
	}
	for _, code := range r.Orgs {
		id := t.orgIDByCode(code)
		if id == 0 {
			errs = append(errs, rowErr(n, "org_units", "err.ord_org_unknown", map[string]any{"value": code}))
			continue
		}
		if !in.org(id) {
			errs = append(errs, rowErr(n, "org_units", "err.audience_out_of_scope_value", map[string]any{"value": code}))
			continue
		}
		out = append(out, model.Target{Kind: model.TargetOrg, ID: id})
	}
	return out, errs
}

// orgIDByCode finds an org unit by code, as typed or in any case.
func (t *Tx) orgIDByCode(code string) uint64 {
	if v := t.b(bOrgUnitsByCode).Get([]byte(code)); v != nil {
		return btoi(v)
	}
	for _, u := range t.OrgUnits() {
		if strings.EqualFold(u.Code, code) {
			return u.ID
		}
	}
	return 0
}

// PlanPriceImport reads a price import table (header first) and checks every
// row: exactly one of customer (within sc) and group (every member within
// sc), a known product, a price, a quantity and dates that parse. It writes
// nothing.
func (t *Tx) PlanPriceImport(sc Scope, table [][]string) *ImportPlan {
	p := &ImportPlan{}
	idx := planHeader(model.PriceImportColumns, table, p)
	if idx == nil {
		return p
	}
	groups := t.audienceScope(sc)
	for i, row := range table[1:] {
		n := i + 2
		if model.BlankRow(row) {
			continue
		}
		p.Total++
		pr, errs := model.ReadPriceImportRow(row, idx, n)
		r := &pr.Record
		cc, gc := pr.CustomerCode, pr.GroupCode
		switch {
		case (cc == "") == (gc == ""): // refused by the row's own rule
		case cc != "":
			if c, err := t.CustomerByCode(sc, cc); err != nil {
				errs = append(errs, rowErr(n, "customer_code", "err.ord_customer_unknown", map[string]any{"value": cc}))
			} else {
				r.CustomerID = c.ID
			}
		default:
			if id := btoi(t.b(bGroupsByCode).Get([]byte(strings.ToUpper(gc)))); id == 0 {
				errs = append(errs, rowErr(n, "group_code", "err.ord_group_unknown", map[string]any{"value": gc}))
			} else if !groups.group(id) {
				errs = append(errs, rowErr(n, "group_code", "err.audience_out_of_scope_value", map[string]any{"value": gc}))
			} else {
				r.GroupID = id
			}
		}
		if code := pr.ProductCode; code != "" {
			if prod, err := t.ProductByCode(code); err != nil {
				errs = append(errs, rowErr(n, "product_code", "err.product_unknown", map[string]any{"value": code}))
			} else {
				r.ProductID = prod.ID
			}
		}
		model.SortImportErrors(model.PriceImportColumns, errs)
		errs = model.RowChecks(errs, n, r.Validate)
		p.Errors = append(p.Errors, errs...)
		if len(errs) == 0 {
			p.Prices = append(p.Prices, r)
			p.Rows = append(p.Rows, n)
		}
	}
	if p.Total == 0 && len(p.Errors) == 0 {
		p.add(0, "", "err.import_empty", nil)
	}
	return p
}

// ApplyImport saves the plan's good rows (as drafts) in the caller's
// transaction. Unless goodOnly, a plan with any problem imports nothing and
// returns a ValidationError on "file"; a plan without good rows too. The
// caller runs it in the same transaction as the planning, so that the
// import is all or nothing.
func (t *Tx) ApplyImport(sc Scope, p *ImportPlan, goodOnly bool) (int, error) {
	if err := model.ImportAllowed(len(p.Errors), len(p.Entries)+len(p.Prices), goodOnly); err != nil {
		return 0, err
	}
	for _, e := range p.Entries {
		if err := t.SaveCatalogEntry(sc, e); err != nil {
			return 0, err
		}
	}
	for _, r := range p.Prices {
		if err := t.SavePriceRecord(sc, r); err != nil {
			return 0, err
		}
	}
	return len(p.Entries) + len(p.Prices), nil
}

// ---- quick order ----

// QuickCheck is one quick-order line checked against the dealer's catalog:
// Item is the entry (nil when unknown or not published: one message for
// both, so a dealer learns nothing beyond its catalog), Err the catalog key
// of a problem, Short that the quantity exceeds available stock (a warning:
// the line can still go to the cart).
type QuickCheck struct {
	Line  model.QuickLine
	Item  *CatalogItem
	Err   string
	Args  map[string]any
	Short bool
}

// OK reports whether the line can go to the cart.
func (q *QuickCheck) OK() bool { return q.Err == "" }

// CheckQuickOrder checks parsed quick-order lines against the catalog sc
// sees: code published, quantity within min/multiple, stock.
func (t *Tx) CheckQuickOrder(sc Scope, lines []model.QuickLine) ([]*QuickCheck, error) {
	if err := shopScope(sc); err != nil {
		return nil, err
	}
	pc := t.newPricer(sc)
	out := make([]*QuickCheck, 0, len(lines))
	for _, l := range lines {
		q := &QuickCheck{Line: l, Err: l.Err, Args: l.Args}
		out = append(out, q)
		if q.Err != "" {
			continue
		}
		e, err := t.CatalogEntryByCode(sc, l.Code)
		if err != nil {
			q.Err = "err.quick_unknown"
			continue
		}
		it, err := t.catalogItem(pc, e.ID, l.Qty)
		if err != nil {
			return nil, err
		}
		q.Item = it
		if err := model.CheckOrderQty(l.Qty, e.MinQty, e.Multiple); err != nil {
			f := err.(*model.ValidationError).Fields[0]
			q.Err, q.Args = f.Key, f.Args
			continue
		}
		q.Short = l.Qty > it.Stock.Available()
	}
	return out, nil
}

// AddQuickOrder puts the good lines of a quick order into the user's cart, in
// the caller's transaction (all or none), and returns how many it added.
func (t *Tx) AddQuickOrder(sc Scope, userID uint64, lines []model.QuickLine) (int, error) {
	checks, err := t.CheckQuickOrder(sc, lines)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, q := range checks {
		if !q.OK() {
			continue
		}
		if _, err := t.AddToCart(sc, userID, q.Item.Entry.ID, q.Line.Qty); err != nil {
			return 0, err
		}
		n++
	}
	if n == 0 {
		return 0, model.Invalid("lines", "err.quick_nothing")
	}
	return n, nil
}

// ---- import use cases ----

// planImport checks table as an import of kind ("catalog" or "prices")
// within sc.
func (t *Tx) planImport(sc Scope, kind string, table [][]string) *ImportPlan {
	if kind == "prices" {
		return t.PlanPriceImport(sc, table)
	}
	return t.PlanCatalogImport(sc, table)
}

// importLog names the activity entry of an import of each kind.
var importLog = map[string]string{"catalog": "import.catalog", "prices": "import.prices"}

// ImportUpload is an uploaded import file: its kind ("catalog" or
// "prices"), name, content, its table as read, and the token that keeps it
// until the user confirms.
type ImportUpload struct {
	Kind, Name, Token string
	Data              []byte
	Table             [][]string
}

// PreviewImport plans the upload within the actor's scope (writing no
// record) and keeps the file for the user's confirmation under in.Token.
// It returns the plan: the good rows and every problem.
func (s *Store) PreviewImport(a Actor, in ImportUpload) (*ImportPlan, error) {
	var p *ImportPlan
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		p = t.planImport(a.Scope, in.Kind, in.Table)
		return 0, t.SaveImportJob(&ImportJob{Token: in.Token, UserID: a.User.ID, Kind: in.Kind, Name: in.Name}, in.Data)
	})
	return p, err
}

// ImportConfirmation is the user's confirmation of a kept upload: its kind
// and token, whether to import the good rows only, and how to read the
// file into a table.
type ImportConfirmation struct {
	Kind, Token string
	GoodOnly    bool
	Read        func(name string, data []byte) ([][]string, error)
}

// ImportResult is what a confirmed import did: the file's name, the plan
// made again now, and how many records it saved.
type ImportResult struct {
	Name string
	Plan *ImportPlan
	N    int
}

// ConfirmImport imports the user's kept upload: it plans the file again
// within the actor's scope and saves its rows (ApplyImport) in one
// transaction, all or nothing, forgets the upload and logs the import.
// A ValidationError at "file" when the upload is gone (another user's
// token included) or the plan may not be imported; the result then holds
// what is known (name, plan).
func (s *Store) ConfirmImport(a Actor, in ImportConfirmation) (ImportResult, error) {
	var res ImportResult
	_, err := s.staffAct(a, func(t *Tx) (uint64, error) {
		res = ImportResult{}
		job, data, err := t.ImportJob(a.User.ID, in.Kind, in.Token)
		if err != nil {
			return 0, model.Invalid("file", "err.import_expired")
		}
		res.Name = job.Name
		table, err := in.Read(job.Name, data)
		if err != nil {
			return 0, err
		}
		res.Plan = t.planImport(a.Scope, in.Kind, table)
		if res.N, err = t.ApplyImport(a.Scope, res.Plan, in.GoodOnly); err != nil {
			return 0, err
		}
		if err := t.DeleteImportJob(in.Token); err != nil {
			return 0, err
		}
		return 0, t.Log("import", 0, importLog[in.Kind], job.Name+" · "+strconv.Itoa(res.N))
	})
	return res, err
}
