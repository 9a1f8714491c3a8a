package store

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Reconciliation confirmations (对账确认 / 取消对账确认 / 异议) of posted
// outbounds (交货对账), invoices (发票对账) and receipt documents (收款对账).
// The state of each document lives in a record of its own beside the
// document, so that a dealer's confirmation never rewrites (nor conflicts
// with) the document:
//
//   - recon        kind|customerID|docID → model.Reconciliation
//   - recon_count  kind|customerID|state → how many (home tiles, without scans)
//
// Each action raises its event (SPEC §3) in the same transaction.

var (
	bRecon      = []byte("recon")
	bReconCount = []byte("recon_count")
)

func init() { allBuckets = append(allBuckets, bRecon, bReconCount) }

// ReconKinds are the document types a dealer reconciles.
var ReconKinds = []model.DocType{model.DocOutbound, model.DocInvoice, model.DocReceipt, model.DocAdvanceReceipt, model.DocRefund}

func reconKey(kind model.DocType, cust, id uint64) []byte {
	return append(append([]byte(kind), itob(cust)...), itob(id)...)
}

func reconCountKey(kind model.DocType, cust uint64, st model.Status) []byte {
	return append(append([]byte(kind), itob(cust)...), st...)
}

// reconState is a document's reconciliation state (unconfirmed when it has
// no record).
func (t *Tx) reconState(kind model.DocType, cust, id uint64) model.Status {
	// Only the status: lists ask this for every row they show.
	var r struct {
		Status model.Status `json:"status"`
	}
	v := t.b(bRecon).Get(reconKey(kind, cust, id))
	if v == nil || jsonUnmarshal(v, &r) != nil || r.Status == "" {
		return model.ReconUnconfirmed
	}
	return r.Status
}

// ReconStatesOf returns the reconciliation status of each of a customer's
// ledger rows (ReconState), in their order: on PostgreSQL one query for
// the page, not one per row.
func (t *Tx) ReconStatesOf(cust uint64, rows []model.DetailRow) []model.Status {
	keys := make([][]byte, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, reconKey(r.Kind, cust, r.ID))
	}
	kv.Prefetch(t.b(bRecon), keys)
	out := make([]model.Status, len(rows))
	for i, r := range rows {
		out[i] = t.ReconState(r.Kind, cust, r.ID)
	}
	return out
}

// Reconciliation returns the reconciliation record of document id of kind
// (a fresh, unconfirmed one when nothing was done yet) when sc may see the
// document; ErrNotFound otherwise.
func (t *Tx) Reconciliation(sc Scope, kind model.DocType, id uint64) (*model.Reconciliation, error) {
	if !isReconKind(kind) {
		return nil, model.ErrNotFound
	}
	s, err := t.summaryOf(kind, id)
	if err != nil || !t.AllowsCustomer(sc, s.CustomerID) {
		return nil, model.ErrNotFound
	}
	r := &model.Reconciliation{}
	if err := getJSON(t.b(bRecon), reconKey(kind, s.CustomerID, id), r); err != nil {
		r = &model.Reconciliation{Kind: kind, DocID: id, CustomerID: s.CustomerID}
	}
	r.Number = s.Number
	return r, nil
}

func isReconKind(kind model.DocType) bool {
	for _, k := range ReconKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// ReconPath is the URL segment of a reconciled document type.
func ReconPath(kind model.DocType) string {
	switch kind {
	case model.DocOutbound:
		return "outbounds"
	case model.DocInvoice:
		return "invoices"
	case model.DocReceipt:
		return "receipts"
	case model.DocAdvanceReceipt:
		return "advance-receipts"
	case model.DocRefund:
		return "refunds"
	}
	return ""
}

// ReconKindOf is the document type of a ReconPath segment ("" when unknown).
func ReconKindOf(path string) model.DocType {
	for _, k := range ReconKinds {
		if ReconPath(k) == path {
			return k
		}
	}
	return ""
}

// Reconcile confirms, cancels the confirmation of, or disputes (with a
// comment) posted document id of kind, as u, with the record version the
// user saw (0 before any action), and raises the matching event. ErrNotFound
// outside sc, a StateError when the document is not posted or its state
// does not allow the action, a ConflictError for a stale version,
// ErrNotAllowed for a user who may not and a field error ("reason") for a
// dispute without a comment (model.Reconciliation.Act's rules). Handlers
// ask model.CanReconcile first, so that who may not is refused before the
// document's state is looked at.
func (t *Tx) Reconcile(sc Scope, u *model.User, kind model.DocType, id, version uint64, action, comment string) (*model.Reconciliation, error) {
	r, err := t.Reconciliation(sc, kind, id)
	if err != nil {
		return nil, err
	}
	s, err := t.summaryOf(kind, id)
	if err != nil {
		return nil, err
	}
	if s.Status != model.StatusAudited {
		return nil, &model.StateError{Action: action, Status: string(s.Status)}
	}
	if r.Version != version {
		return nil, &model.ConflictError{By: r.UpdatedBy, At: r.UpdatedAt}
	}
	old := r.State()
	if err := r.Act(action, u, comment, t.Now); err != nil {
		return nil, err
	}
	if r.Version == 0 {
		t.stamp(r)
	} else {
		r.Version++
		r.UpdatedAt, r.UpdatedBy = t.Now, t.By
	}
	if err := t.addReconCount(kind, r.CustomerID, old, -1); err != nil {
		return nil, err
	}
	if err := t.addReconCount(kind, r.CustomerID, r.State(), 1); err != nil {
		return nil, err
	}
	if err := putJSON(t.b(bRecon), reconKey(kind, r.CustomerID, id), r); err != nil {
		return nil, err
	}
	if err := t.bumpLedgerVersion(r.CustomerID); err != nil { // the statement prints the state
		return nil, err
	}
	p := map[string]string{
		"link":      "/reconciliation/" + ReconPath(kind) + "/" + strconv.FormatUint(id, 10),
		"amount":    t.Settings().Money(s.Amount),
		"status":    reconStateNames[r.State()][1],
		"status_zh": reconStateNames[r.State()][0],
		"status_en": reconStateNames[r.State()][1],
	}
	if action == model.ReconDispute {
		p["reason"] = r.Comment
	}
	return r, t.Emit(&model.OutboxMessage{Event: model.ReconEvent(kind, action), CustomerID: r.CustomerID, DocType: kind, DocID: id, DocNumber: s.Number, Params: p})
}

// reconStateNames name the states in messages (zh, en).
var reconStateNames = map[model.Status][2]string{
	model.ReconUnconfirmed: {"未确认", "unconfirmed"},
	model.ReconConfirmed:   {"已确认", "confirmed"},
	model.ReconDisputed:    {"有异议", "disputed"},
}

// addReconCount keeps the per-customer counts of confirmed and disputed
// documents (unconfirmed ones are the posted documents less those).
func (t *Tx) addReconCount(kind model.DocType, cust uint64, st model.Status, d int64) error {
	if st == model.ReconUnconfirmed || st == "" {
		return nil
	}
	k := reconCountKey(kind, cust, st)
	n := int64(btoi(t.b(bReconCount).Get(k))) + d
	if n <= 0 {
		return t.b(bReconCount).Delete(k)
	}
	return t.b(bReconCount).Put(k, itob(uint64(n)))
}

// deleteRecon forgets a deleted document's record.
func (t *Tx) deleteRecon(kind model.DocType, cust, id uint64) error {
	k := reconKey(kind, cust, id)
	r := &model.Reconciliation{}
	if getJSON(t.b(bRecon), k, r) != nil {
		return nil
	}
	if err := t.addReconCount(kind, cust, r.State(), -1); err != nil {
		return err
	}
	return t.b(bRecon).Delete(k)
}

// CountRecon counts the documents of kinds in sc in reconciliation state
// st: confirmed and disputed from the maintained counts, unconfirmed as the
// posted documents less those.
func (t *Tx) CountRecon(sc Scope, st model.Status, kinds ...model.DocType) int {
	n := 0
	for _, kind := range kinds {
		count := func(st model.Status) int {
			m := 0
			sum := func(cust uint64) {
				m += int(btoi(t.b(bReconCount).Get(reconCountKey(kind, cust, st))))
			}
			if sc.IsAll() {
				prefix := []byte(kind)
				c := t.b(bReconCount).Cursor()
				for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
					if model.Status(k[len(prefix)+8:]) == st {
						m += int(btoi(v))
					}
				}
				return m
			}
			for _, id := range t.CustomerIDs(sc) {
				sum(id)
			}
			return m
		}
		if st == model.ReconUnconfirmed {
			n += t.CountDocs(sc, kind, model.StatusAudited) - count(model.ReconConfirmed) - count(model.ReconDisputed)
		} else {
			n += count(st)
		}
	}
	return n
}

// ReconRow is a reconciliation list row: a posted document's summary, its
// type and its reconciliation record (nil: unconfirmed, nothing done yet).
type ReconRow struct {
	model.DocSummary
	Kind  model.DocType
	Recon *model.Reconciliation
}

// State is the row's reconciliation state.
func (r *ReconRow) State() model.Status {
	if r.Recon == nil {
		return model.ReconUnconfirmed
	}
	return r.Recon.State()
}

func (t *Tx) reconOf(kind model.DocType, cust, id uint64) *model.Reconciliation {
	r := &model.Reconciliation{}
	if getJSON(t.b(bRecon), reconKey(kind, cust, id), r) != nil {
		return nil
	}
	return r
}

// ListRecon returns one page of the posted documents of kinds in sc that
// match f and are in reconciliation state st ("" = any), newest first, and
// how many match (-1 when unknown after a keyset cursor). A single kind
// with no state filter pages by keyset like every document list. With a
// state: confirmed and disputed documents are found from their records
// (only documents someone acted on have one); unconfirmed ones by walking
// the document list newest first and skipping the others, only as far as
// the page needs (the total then comes from the maintained counts unless
// f filters on more than the customer).
func (t *Tx) ListRecon(sc Scope, kinds []model.DocType, f DocFilter, st model.Status, p Page) ([]ReconRow, int, error) {
	f.Statuses = []model.Status{model.StatusAudited}
	if len(kinds) == 1 && st == "" {
		sums, total, err := t.ListDocs(sc, kinds[0], f, p)
		if err != nil {
			return nil, 0, err
		}
		rows := make([]ReconRow, len(sums))
		for i, s := range sums {
			rows[i] = ReconRow{DocSummary: s, Kind: kinds[0], Recon: t.reconOf(kinds[0], s.CustomerID, s.ID)}
		}
		return rows, total, nil
	}
	need := 0
	if p.Limit > 0 {
		need = p.Offset + p.Limit
	}
	var all []ReconRow
	total := 0
	for _, kind := range kinds {
		rows, n, err := t.reconRows(sc, kind, f, st, need)
		if err != nil {
			return nil, 0, err
		}
		all = append(all, rows...)
		total += n
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Date != all[j].Date {
			return all[i].Date > all[j].Date
		}
		if all[i].Kind != all[j].Kind {
			return all[i].Kind > all[j].Kind
		}
		return all[i].ID > all[j].ID
	})
	if p.Offset >= len(all) {
		return nil, total, nil
	}
	all = all[p.Offset:]
	if p.Limit > 0 && len(all) > p.Limit {
		all = all[:p.Limit]
	}
	return all, total, nil
}

// reconRows returns the first need (0: all) documents of kind in sc
// matching f in state st, newest first (by id within a kind), and how many
// match.
func (t *Tx) reconRows(sc Scope, kind model.DocType, f DocFilter, st model.Status, need int) ([]ReconRow, int, error) {
	cust := f.CustomerID
	if sc.CustomerID() != 0 {
		if cust != 0 && cust != sc.CustomerID() {
			return nil, 0, nil
		}
		cust = sc.CustomerID()
	}
	if cust != 0 && !t.AllowsCustomer(sc, cust) {
		return nil, 0, nil
	}
	switch st {
	case "":
		sums, total, err := t.ListDocs(sc, kind, f, Page{Limit: need})
		rows := make([]ReconRow, len(sums))
		for i, s := range sums {
			rows[i] = ReconRow{DocSummary: s, Kind: kind, Recon: t.reconOf(kind, s.CustomerID, s.ID)}
		}
		return rows, total, err
	case model.ReconConfirmed, model.ReconDisputed:
		var inScope map[uint64]bool
		if cust == 0 && !sc.IsAll() {
			inScope = map[uint64]bool{}
			for _, id := range t.CustomerIDs(sc) {
				inScope[id] = true
			}
		}
		prefix := []byte(kind)
		if cust != 0 {
			prefix = append(prefix, itob(cust)...)
		}
		var rows []ReconRow
		c := t.b(bRecon).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if inScope != nil && !inScope[btoi(k[2:])] {
				continue
			}
			r := &model.Reconciliation{}
			if err := json.Unmarshal(v, r); err != nil {
				return nil, 0, err
			}
			if r.State() != st {
				continue
			}
			s, err := t.summaryOf(kind, r.DocID)
			if err != nil || !docMatches(s, f) {
				continue
			}
			rows = append(rows, ReconRow{DocSummary: *s, Kind: kind, Recon: r})
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].ID > rows[j].ID })
		total := len(rows)
		if need > 0 && len(rows) > need {
			rows = rows[:need]
		}
		return rows, total, nil
	}
	// Unconfirmed: walk newest first, skipping documents acted on.
	counted := f.From == "" && f.To == "" && f.Q == "" && f.Flag == ""
	var rows []ReconRow
	total := 0
	var after uint64
	for {
		sums, _, err := t.ListDocs(sc, kind, f, Page{Limit: 500, After: after})
		if err != nil {
			return nil, 0, err
		}
		for _, s := range sums {
			r := t.reconOf(kind, s.CustomerID, s.ID)
			if r != nil && r.State() != model.ReconUnconfirmed {
				continue
			}
			total++
			if need == 0 || len(rows) < need {
				rows = append(rows, ReconRow{DocSummary: s, Kind: kind, Recon: r})
			}
		}
		if len(sums) < 500 || counted && need > 0 && len(rows) >= need {
			break
		}
		after = sums[len(sums)-1].ID
	}
	if counted {
		sc2 := sc
		if cust != 0 {
			sc2 = CustomerScope(cust)
		}
		total = t.CountRecon(sc2, model.ReconUnconfirmed, kind)
	}
	return rows, total, nil
}

// docMatches applies a document filter's status, date, text and flag
// conditions to a summary (the customer is the caller's business).
func docMatches(s *model.DocSummary, f DocFilter) bool {
	if len(f.Statuses) > 0 {
		ok := false
		for _, st := range f.Statuses {
			ok = ok || s.Status == st
		}
		if !ok {
			return false
		}
	}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	return (f.From == "" || s.Date >= f.From) && (f.To == "" || s.Date <= f.To) &&
		(q == "" || strings.Contains(s.Text, q)) && (f.Flag == "" || s.Flag == f.Flag)
}

// Disputes lists the disputed documents of every reconciled type in sc,
// newest dispute first.
func (t *Tx) Disputes(sc Scope) ([]*model.Reconciliation, error) {
	var out []*model.Reconciliation
	var inScope map[uint64]bool
	if !sc.IsAll() {
		inScope = map[uint64]bool{}
		for _, id := range t.CustomerIDs(sc) {
			inScope[id] = true
		}
	}
	err := t.b(bRecon).ForEach(func(k, v []byte) error {
		r := &model.Reconciliation{}
		if err := json.Unmarshal(v, r); err != nil {
			return err
		}
		if r.State() == model.ReconDisputed && (inScope == nil || inScope[r.CustomerID]) {
			out = append(out, r)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, err
}

// ReconRecord returns the reconciliation record of a document the caller
// has already read through its scope; nil when nothing was done yet.
func (t *Tx) ReconRecord(kind model.DocType, cust, id uint64) *model.Reconciliation {
	return t.reconOf(kind, cust, id)
}

// Reconcile is the use case "confirm, cancel or dispute a posted document"
// (对账确认), at most once per a.Once. Errors as Tx.Reconcile's.
func (s *Store) Reconcile(a Actor, kind model.DocType, id, version uint64, action, comment string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.Reconcile(a.Scope, a.User, kind, id, version, action, comment)
		return 0, err
	})
	return err
}
