package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Maintained balance figures (账户余额汇总表的维护数): one compact record per
// customer that the balance summary reads instead of the customer's JSON
// balance and its open invoices.
//
//   - balance_figures  customerID → version byte, then un-invoiced, invoiced
//     receivable and receipt balance (8 bytes each, big-endian two's
//     complement), then the customer's open invoice amounts by invoice
//     date: repeated 10-byte date and 8-byte amount, dates ascending, no
//     zero amount.
//
// Aging depends on "today", so the record does not hold buckets: it holds
// the open amounts by invoice date (the open-items index summed per day),
// and a request puts each day into its bucket with three string
// comparisons (model.AgingCutoffs). Nothing has to roll at midnight, the
// record is right for any as-of clock (tests shift it), and a customer has
// one entry per day on which it still owes on an invoice — a handful, not
// one per invoice. The three position figures are written whenever a
// posting changes them (AdjustBalance, beside model.CustomerBalance), the
// dated amounts whenever an invoice's open amount changes (setOpen). The
// integrity check "balance figures" recomputes both from the balances and
// the open-items index, which the reconciliation check recomputes from the
// documents.
//
//   - balance_org_totals  orgUnitID → how many customers the org unit holds
//     (8 bytes), then the sum of its customers' figures in the same
//     encoding. The summary's totals and count for a whole org scope (an
//     admin, org-subtree staff, the org filter) sum the records of the
//     units in reach — a few dozen, however many customers there are — so
//     a page costs the same at 1,000 and at 10,000 customers. Postings move
//     a customer's deltas into its unit's record; SaveCustomer moves the
//     customer's figures and count when its org unit changes. The check
//     recomputes them from the figures and the customer index.

var (
	bBalanceFigures  = []byte("balance_figures")
	bBalanceOrgTotal = []byte("balance_org_totals")
)

func init() { allBuckets = append(allBuckets, bBalanceFigures, bBalanceOrgTotal) }

const figuresVersion = 1

// balanceFigures is the decoded record.
type balanceFigures struct {
	pos  model.Position
	open []datedAmount // ascending dates, no zero amount
}

type datedAmount struct {
	date   string
	amount model.Money
}

func (f *balanceFigures) encode() []byte {
	b := make([]byte, 0, 25+18*len(f.open))
	b = append(b, figuresVersion)
	for _, m := range []model.Money{f.pos.Uninvoiced, f.pos.InvoicedReceivable, f.pos.ReceiptBalance} {
		b = binary.BigEndian.AppendUint64(b, uint64(m))
	}
	for _, d := range f.open {
		b = append(b, d.date...)
		b = binary.BigEndian.AppendUint64(b, uint64(d.amount))
	}
	return b
}

func decodeFigures(v []byte) (balanceFigures, error) {
	var f balanceFigures
	if len(v) < 25 || v[0] != figuresVersion || (len(v)-25)%18 != 0 {
		return f, fmt.Errorf("balance figures: bad record of %d bytes", len(v))
	}
	m := func(i int) model.Money { return model.Money(int64(binary.BigEndian.Uint64(v[i:]))) }
	f.pos = model.Position{Uninvoiced: m(1), InvoicedReceivable: m(9), ReceiptBalance: m(17)}
	if n := (len(v) - 25) / 18; n > 0 {
		f.open = make([]datedAmount, n)
		for i := range f.open {
			o := 25 + 18*i
			f.open[i] = datedAmount{date: string(v[o : o+10]), amount: m(o + 10)}
		}
	}
	return f, nil
}

// aging sums the open amounts into their buckets.
func (f *balanceFigures) aging(cut model.AgingCutoffs) model.Aging {
	var a model.Aging
	for _, d := range f.open {
		a.Buckets[cut.Bucket(d.date)] += d.amount
	}
	return a
}

// addOpen adds m to the open amount dated date (keeping the order and
// dropping a day that comes to zero).
func (f *balanceFigures) addOpen(date string, m model.Money) {
	if m == 0 {
		return
	}
	i := 0
	for i < len(f.open) && f.open[i].date < date {
		i++
	}
	if i < len(f.open) && f.open[i].date == date {
		if f.open[i].amount += m; f.open[i].amount == 0 {
			f.open = append(f.open[:i], f.open[i+1:]...)
		}
		return
	}
	f.open = append(f.open, datedAmount{})
	copy(f.open[i+1:], f.open[i:])
	f.open[i] = datedAmount{date, m}
}

// figures returns customer cust's maintained figures (zero when nothing
// was posted for it).
func (t *Tx) figures(cust uint64) balanceFigures {
	f, _ := decodeFigures(t.b(bBalanceFigures).Get(itob(cust)))
	return f
}

func (t *Tx) putFigures(cust uint64, f *balanceFigures) error {
	if f.pos == (model.Position{}) && len(f.open) == 0 {
		return t.b(bBalanceFigures).Delete(itob(cust))
	}
	return t.b(bBalanceFigures).Put(itob(cust), f.encode())
}

// setFiguresPosition records a customer's position after a posting changed
// its balance, in its record and its org unit's totals.
func (t *Tx) setFiguresPosition(b *model.CustomerBalance) error {
	f := t.figures(b.CustomerID)
	old := f.pos
	f.pos = model.Position{Uninvoiced: b.Uninvoiced, InvoicedReceivable: b.InvoicedReceivable, ReceiptBalance: b.ReceiptBalance}
	if err := t.putFigures(b.CustomerID, &f); err != nil {
		return err
	}
	return t.changeOrgTotals(t.customerOrg(b.CustomerID), 0, func(o *balanceFigures) {
		o.pos = addPosition(o.pos, f.pos, 1)
		o.pos = addPosition(o.pos, old, -1)
	})
}

// moveOpenInvoice moves an invoice's open amount in the dated figures from
// (oldDate, old) to (date, open), in the customer's record and its org
// unit's totals.
func (t *Tx) moveOpenInvoice(cust uint64, oldDate string, old model.Money, date string, open model.Money) error {
	if old == open && oldDate == date {
		return nil
	}
	move := func(f *balanceFigures) {
		f.addOpen(oldDate, -old)
		f.addOpen(date, open)
	}
	f := t.figures(cust)
	move(&f)
	if err := t.putFigures(cust, &f); err != nil {
		return err
	}
	return t.changeOrgTotals(t.customerOrg(cust), 0, move)
}

func addPosition(a, b model.Position, sign model.Money) model.Position {
	return model.Position{Uninvoiced: a.Uninvoiced + sign*b.Uninvoiced, InvoicedReceivable: a.InvoicedReceivable + sign*b.InvoicedReceivable,
		ReceiptBalance: a.ReceiptBalance + sign*b.ReceiptBalance}
}

// customerOrg is the org unit of customer id (0 when it does not exist).
func (t *Tx) customerOrg(id uint64) uint64 {
	c, _ := t.card(id)
	return c.OrgUnitID
}

// orgTotals returns org unit org's totals and customer count.
func (t *Tx) orgTotals(org uint64) (balanceFigures, uint64) {
	v := t.b(bBalanceOrgTotal).Get(itob(org))
	if len(v) < 8 {
		return balanceFigures{}, 0
	}
	f, _ := decodeFigures(v[8:])
	return f, btoi(v)
}

// changeOrgTotals applies change and a change of the count by dn to org
// unit org's totals.
func (t *Tx) changeOrgTotals(org uint64, dn int64, change func(*balanceFigures)) error {
	f, n := t.orgTotals(org)
	change(&f)
	n = uint64(int64(n) + dn)
	if n == 0 && f.pos == (model.Position{}) && len(f.open) == 0 {
		return t.b(bBalanceOrgTotal).Delete(itob(org))
	}
	return t.b(bBalanceOrgTotal).Put(itob(org), append(itob(n), f.encode()...))
}

// customerSaved keeps the org totals when a customer is created (new: its
// count) or moves from org unit oldOrg to another (its count and figures
// move along, and its execution report totals, execution_totals.go), and
// writes its card (customer_cards.go). SaveCustomer calls it.
func (t *Tx) customerSaved(c *model.Customer, oldOrg uint64, created bool) error {
	if err := t.putCard(c); err != nil {
		return err
	}
	id, org := c.ID, c.OrgUnitID
	if !created && oldOrg == org {
		return nil
	}
	f := t.figures(id)
	if !created {
		if err := t.moveExecTotalsOrg(id, oldOrg, org); err != nil {
			return err
		}
		err := t.changeOrgTotals(oldOrg, -1, func(o *balanceFigures) {
			o.pos = addPosition(o.pos, f.pos, -1)
			for _, d := range f.open {
				o.addOpen(d.date, -d.amount)
			}
		})
		if err != nil {
			return err
		}
	}
	return t.changeOrgTotals(org, 1, func(o *balanceFigures) {
		o.pos = addPosition(o.pos, f.pos, 1)
		for _, d := range f.open {
			o.addOpen(d.date, d.amount)
		}
	})
}

// figuresFrom recomputes every customer's figures from the maintained
// balances and the open-items index: the migration that builds the bucket
// and the integrity check share it.
func figuresFrom(balances, open kv.Bucket) (map[uint64]*balanceFigures, error) {
	out := map[uint64]*balanceFigures{}
	get := func(c uint64) *balanceFigures {
		if out[c] == nil {
			out[c] = &balanceFigures{}
		}
		return out[c]
	}
	if balances == nil || open == nil {
		return out, nil // a file older than the reconciliation module: nothing posted
	}
	err := balances.ForEach(func(k, v []byte) error {
		b := &model.CustomerBalance{}
		if err := jsonUnmarshal(v, b); err != nil {
			return fmt.Errorf("balance %d: %w", btoi(k), err)
		}
		get(btoi(k)).pos = model.Position{Uninvoiced: b.Uninvoiced, InvoicedReceivable: b.InvoicedReceivable, ReceiptBalance: b.ReceiptBalance}
		return nil
	})
	if err != nil {
		return nil, err
	}
	inv := []byte(model.DocInvoice)
	err = open.ForEach(func(k, v []byte) error {
		if len(k) < 8+len(inv) || !bytes.Equal(k[8:8+len(inv)], inv) {
			return nil
		}
		m, date := decodeOpen(v)
		get(btoi(k)).addOpen(date, m)
		return nil
	})
	for c, f := range out {
		if f.pos == (model.Position{}) && len(f.open) == 0 {
			delete(out, c)
		}
	}
	return out, err
}

// migrateBalanceFigures builds balance_figures for a file written before it.
func migrateBalanceFigures(tx kv.Tx) error {
	dst, err := tx.CreateBucketIfNotExists(bBalanceFigures)
	if err != nil {
		return err
	}
	all, err := figuresFrom(tx.Bucket(bBalances), tx.Bucket(bReconOpen))
	if err != nil {
		return err
	}
	for c, f := range all {
		if err := dst.Put(itob(c), f.encode()); err != nil {
			return err
		}
	}
	totals, err := tx.CreateBucketIfNotExists(bBalanceOrgTotal)
	if err != nil {
		return err
	}
	for org, o := range orgTotalsFrom(tx.Bucket(bCustomersByCode), all) {
		if err := totals.Put(itob(org), o); err != nil {
			return err
		}
	}
	return nil
}

// orgTotalsFrom sums customers' figures (by customer id) per org unit, as
// balance_org_totals values, reading the customers' org units from the
// code index.
func orgTotalsFrom(byCode kv.Bucket, figs map[uint64]*balanceFigures) map[uint64][]byte {
	type tot struct {
		n uint64
		f balanceFigures
	}
	sums := map[uint64]*tot{}
	if byCode != nil {
		_ = byCode.ForEach(func(_, v []byte) error {
			s := decodeSummary(v)
			o := sums[s.org]
			if o == nil {
				o = &tot{}
				sums[s.org] = o
			}
			o.n++
			if f := figs[s.id]; f != nil {
				o.f.pos = addPosition(o.f.pos, f.pos, 1)
				for _, d := range f.open {
					o.f.addOpen(d.date, d.amount)
				}
			}
			return nil
		})
	}
	out := map[uint64][]byte{}
	for org, o := range sums {
		out[org] = append(itob(o.n), o.f.encode()...)
	}
	return out
}

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "balance figures", Run: checkBalanceFigures})
}

// checkBalanceFigures compares every record with a recomputation.
func checkBalanceFigures(t *Tx) []string {
	var out []string
	want, err := figuresFrom(t.b(bBalances), t.b(bReconOpen))
	if err != nil {
		return []string{err.Error()}
	}
	_ = t.b(bBalanceFigures).ForEach(func(k, v []byte) error {
		c := btoi(k)
		got, err := decodeFigures(v)
		w := want[c]
		delete(want, c)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("customer %d: %v", c, err))
		case w == nil:
			out = append(out, fmt.Sprintf("customer %d: figures %v with nothing posted", c, got.pos))
		case !bytes.Equal(v, w.encode()):
			out = append(out, fmt.Sprintf("customer %d: figures %v, open %v; recomputed %v, open %v", c, got.pos, got.open, w.pos, w.open))
		}
		return nil
	})
	for c, w := range want {
		out = append(out, fmt.Sprintf("customer %d: figures missing (recomputed %v, open %v)", c, w.pos, w.open))
	}
	// The org totals, from the stored figures (just compared).
	figs := map[uint64]*balanceFigures{}
	_ = t.b(bBalanceFigures).ForEach(func(k, v []byte) error {
		if f, err := decodeFigures(v); err == nil {
			figs[btoi(k)] = &f
		}
		return nil
	})
	wantOrg := orgTotalsFrom(t.b(bCustomersByCode), figs)
	_ = t.b(bBalanceOrgTotal).ForEach(func(k, v []byte) error {
		org := btoi(k)
		if w := wantOrg[org]; !bytes.Equal(v, w) {
			out = append(out, fmt.Sprintf("org unit %d: totals %x, recomputed %x", org, v, w))
		}
		delete(wantOrg, org)
		return nil
	})
	for org, w := range wantOrg {
		out = append(out, fmt.Sprintf("org unit %d: totals missing (recomputed %x)", org, w))
	}
	return out
}
