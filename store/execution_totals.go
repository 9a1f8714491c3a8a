package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Maintained totals of the sales order execution report (销售订单执行报表的
// 维护合计): the report's totals row and its order count, summed per
// customer and per org unit, per order status and per order date, so that a
// report request reads a few dozen records for its range instead of every
// matching order.
//
//   - sales_order_execution_totals  key: level ('c' customer, 'o' org
//     unit) | id (8 bytes) | status | 0 | grain | date, where grain is 'm'
//     (a month, date YYYY-MM), 'd' (a day, YYYY-MM-DD) or 'x' (an order
//     date not of the form YYYY-MM-DD, kept as it is). Value: version
//     byte, then the twelve figures of ExecutionTotals as varints (orders,
//     lines, quantity, amount, noticed, shipped, shipped amount, returned,
//     invoiced, invoiced amount, received amount, open quantity). A record
//     that comes to zero is deleted.
//
// The hook that keeps the execution index (execution.go) moves an order's
// old contribution out and its new one in, in the writing transaction: at
// the customer's level and at its org unit's, in the month and the day.
// SaveCustomer moves a customer's records to its new org unit
// (customerSaved). A range [from, to] reads the whole months inside it and
// the days of the months at its edges; no date range reads the months only.
// The integrity check "execution totals" recomputes every record (and the
// order-date index below) from the execution index, which the check
// "orders and shipping" compares with the sales orders.

var bExecTotals = []byte("sales_order_execution_totals")

func init() { allBuckets = append(allBuckets, bExecTotals) }

const (
	execTotalsVersion = 1
	execLevelCustomer = 'c'
	execLevelOrg      = 'o'
)

// execSums are the figures of ExecutionTotals as one array, in its order.
type execSums [12]int64

func (tot *ExecutionTotals) sums() execSums {
	return execSums{int64(tot.Orders), int64(tot.Lines), int64(tot.Qty), int64(tot.Amount), int64(tot.NoticedQty), int64(tot.ShippedQty),
		int64(tot.ShippedAmount), int64(tot.ReturnedQty), int64(tot.InvoicedQty), int64(tot.InvoicedAmount), int64(tot.ReceivedAmount), int64(tot.OpenQty)}
}

func (s *execSums) totals() ExecutionTotals {
	return ExecutionTotals{Orders: int(s[0]), Lines: int(s[1]), Qty: model.Qty(s[2]), Amount: model.Money(s[3]), NoticedQty: model.Qty(s[4]),
		ShippedQty: model.Qty(s[5]), ShippedAmount: model.Money(s[6]), ReturnedQty: model.Qty(s[7]), InvoicedQty: model.Qty(s[8]),
		InvoicedAmount: model.Money(s[9]), ReceivedAmount: model.Money(s[10]), OpenQty: model.Qty(s[11])}
}

// add adds sign × o (sign ±1), or ErrOverflow when a figure would wrap.
func (s *execSums) add(o *execSums, sign int64) error {
	for i := range s {
		v := o[i]
		if sign < 0 {
			if v == math.MinInt64 {
				return model.ErrOverflow
			}
			v = -v
		}
		r := s[i] + v
		if (v > 0 && r < s[i]) || (v < 0 && r > s[i]) {
			return model.ErrOverflow
		}
		s[i] = r
	}
	return nil
}

func (s *execSums) zero() bool { return *s == execSums{} }

func (s *execSums) encode() []byte {
	b := make([]byte, 1, 1+len(s)*4)
	b[0] = execTotalsVersion
	for _, v := range s {
		b = binary.AppendVarint(b, v)
	}
	return b
}

func decodeExecSums(v []byte) (execSums, error) {
	var s execSums
	if len(v) < 1 || v[0] != execTotalsVersion {
		return s, fmt.Errorf("execution totals: bad record of %d bytes", len(v))
	}
	v = v[1:]
	for i := range s {
		x, k := binary.Varint(v)
		if k <= 0 {
			return s, fmt.Errorf("execution totals: short record")
		}
		s[i], v = x, v[k:]
	}
	if len(v) != 0 {
		return s, fmt.Errorf("execution totals: %d bytes too many", len(v))
	}
	return s, nil
}

// execRowSums is one order's contribution to the totals.
func execRowSums(id, cust uint64, h execHeader, lines []model.SalesOrderLine) execSums {
	tot := ExecutionTotals{Orders: 1}
	for i := range lines {
		tot.add(&ExecutionRow{SalesOrderID: id, CustomerID: cust, OrderDate: h.date, Status: h.status, Line: lines[i]})
	}
	return tot.sums()
}

// regularDate reports whether date has the form YYYY-MM-DD (digits), so
// that every such date of a month lies within month+"-00" … month+"-99".
func regularDate(date string) bool {
	if len(date) != 10 || date[4] != '-' || date[7] != '-' {
		return false
	}
	for i := range len(date) {
		if i != 4 && i != 7 && (date[i] < '0' || date[i] > '9') {
			return false
		}
	}
	return true
}

// execTotalsPrefix is the key prefix of level/id and status.
func execTotalsPrefix(level byte, id uint64, st model.Status) []byte {
	k := make([]byte, 0, 9+len(st)+13)
	k = append(k, level)
	k = binary.BigEndian.AppendUint64(k, id)
	k = append(k, st...)
	return append(k, 0)
}

// execTotalKeys are the keys an order of status st dated date counts in,
// below prefix p (level/id/status): its month and its day, or its
// irregular date.
func execTotalKeys(p []byte, date string) [][]byte {
	if !regularDate(date) {
		return [][]byte{append(append(bytes.Clone(p), 'x'), date...)}
	}
	return [][]byte{append(append(bytes.Clone(p), 'm'), date[:7]...), append(append(bytes.Clone(p), 'd'), date...)}
}

// changeExecTotal adds sign × s to the record at k.
func changeExecTotal(b kv.Bucket, k []byte, s *execSums, sign int64) error {
	var cur execSums
	if v := b.Get(k); v != nil {
		var err error
		if cur, err = decodeExecSums(v); err != nil {
			return err
		}
	}
	if err := cur.add(s, sign); err != nil {
		return err
	}
	if cur.zero() {
		return b.Delete(k)
	}
	return b.Put(k, cur.encode())
}

// execContribution is an order's place and figures in the totals.
type execContribution struct {
	status model.Status
	date   string
	sums   execSums
}

// moveExecTotals takes old out of and puts cur into customer cust's
// totals and its org unit's (either may be nil).
func (t *Tx) moveExecTotals(cust uint64, old, cur *execContribution) error {
	b := t.b(bExecTotals)
	org := t.customerOrg(cust)
	for _, c := range []struct {
		e    *execContribution
		sign int64
	}{{old, -1}, {cur, 1}} {
		if c.e == nil {
			continue
		}
		for _, lv := range []struct {
			level byte
			id    uint64
		}{{execLevelCustomer, cust}, {execLevelOrg, org}} {
			for _, k := range execTotalKeys(execTotalsPrefix(lv.level, lv.id, c.e.status), c.e.date) {
				if err := changeExecTotal(b, k, &c.e.sums, c.sign); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// moveExecTotalsOrg moves customer cust's totals from org unit from to org
// unit to (SaveCustomer changed its org unit).
func (t *Tx) moveExecTotalsOrg(cust, from, to uint64) error {
	b := t.b(bExecTotals)
	p := []byte{execLevelCustomer}
	p = binary.BigEndian.AppendUint64(p, cust)
	type rec struct {
		rest []byte
		s    execSums
	}
	var recs []rec
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		s, err := decodeExecSums(v)
		if err != nil {
			return err
		}
		recs = append(recs, rec{bytes.Clone(k[9:]), s})
	}
	for _, r := range recs {
		for _, o := range []struct {
			org  uint64
			sign int64
		}{{from, -1}, {to, 1}} {
			k := append(binary.BigEndian.AppendUint64([]byte{execLevelOrg}, o.org), r.rest...)
			if err := changeExecTotal(b, k, &r.s, o.sign); err != nil {
				return err
			}
		}
	}
	return nil
}

// execAdder gives the date test of the range [from, to] ("" leaves an end
// open) and the function that adds an encoded record of sums to into.
func execAdder(from, to string, into *execSums) (func(string) bool, func([]byte) error) {
	in := func(d string) bool { return (from == "" || d >= from) && (to == "" || d <= to) }
	add := func(v []byte) error {
		s, err := decodeExecSums(v)
		if err != nil {
			return err
		}
		return into.add(&s, 1)
	}
	return in, add
}

// execTotalsOf adds to into the totals of level/id (c is a cursor of b) for the statuses in want
// over the order dates [from, to] ("" leaves an end open).
func execTotalsOf(b kv.Bucket, c kv.Cursor, level byte, id uint64, want []model.Status, from, to string, into *execSums) error {
	in, add := execAdder(from, to, into)
	for _, st := range want {
		p := execTotalsPrefix(level, id, st)
		// Whole months, or the days of a month at an edge of the range.
		pm := append(bytes.Clone(p), 'm')
		for k, v := c.Seek(pm); k != nil && bytes.HasPrefix(k, pm); k, v = c.Next() {
			m := string(k[len(pm):])
			if to != "" && to < m+"-00" || from != "" && from > m+"-99" {
				continue
			}
			if (from == "" || from <= m+"-00") && (to == "" || to >= m+"-99") {
				if err := add(v); err != nil {
					return err
				}
				continue
			}
			pd := append(append(bytes.Clone(p), 'd'), m...)
			dc := b.Cursor()
			for dk, dv := dc.Seek(pd); dk != nil && bytes.HasPrefix(dk, pd); dk, dv = dc.Next() {
				if in(string(dk[len(p)+1:])) {
					if err := add(dv); err != nil {
						return err
					}
				}
			}
		}
		px := append(bytes.Clone(p), 'x')
		for k, v := c.Seek(px); k != nil && bytes.HasPrefix(k, px); k, v = c.Next() {
			if in(string(k[len(px):])) {
				if err := add(v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// executionTotals sums the maintained totals for the report: of customer
// cust when set, else of the org units (nil: every unit, an admin's
// scope), else of the customers custs.
func (t *Tx) executionTotals(cust uint64, units map[uint64]bool, custs []uint64, f ExecutionFilter, want []model.Status) (ExecutionTotals, error) {
	var s execSums
	b := t.b(bExecTotals)
	if _, ok := b.(kv.PrefixScanner); ok {
		// PostgreSQL: the records of every unit or customer in one query
		// (and their edge months' days in a second), not a cursor's seeks
		// per unit, customer and status.
		level, ids := byte(execLevelCustomer), custs
		switch {
		case cust != 0:
			ids = []uint64{cust}
		case units != nil:
			level, ids = execLevelOrg, slices.Sorted(maps.Keys(units))
		case custs == nil:
			level, ids = execLevelOrg, t.execTotalsOrgs()
		}
		err := execTotalsMany(b, level, ids, want, f.From, f.To, &s)
		return s.totals(), err
	}
	c := b.Cursor()
	var err error
	switch {
	case cust != 0:
		err = execTotalsOf(b, c, execLevelCustomer, cust, want, f.From, f.To, &s)
	case units != nil:
		for org := range units {
			if err = execTotalsOf(b, c, execLevelOrg, org, want, f.From, f.To, &s); err != nil {
				break
			}
		}
	case custs != nil:
		for _, id := range custs {
			if err = execTotalsOf(b, c, execLevelCustomer, id, want, f.From, f.To, &s); err != nil {
				break
			}
		}
	default: // every org unit that has totals
		for k, _ := c.Seek([]byte{execLevelOrg}); len(k) >= 9 && k[0] == execLevelOrg; {
			org := btoi(k[1:9])
			if err = execTotalsOf(b, c, execLevelOrg, org, want, f.From, f.To, &s); err != nil {
				break
			}
			if org == math.MaxUint64 {
				break
			}
			k, _ = c.Seek(binary.BigEndian.AppendUint64([]byte{execLevelOrg}, org+1))
		}
	}
	return s.totals(), err
}

// execTotalsOrgs lists the org units that may have totals: every unit
// (units are never deleted, and a customer's unit must exist when it is
// saved) and 0, the level of customers without a unit — the ids the
// records of the org level are kept under (execTotalsFrom).
func (t *Tx) execTotalsOrgs() []uint64 {
	ids := []uint64{0}
	_ = t.b(bOrgUnits).ForEach(func(k, _ []byte) error {
		if len(k) == 8 && btoi(k) != 0 {
			ids = append(ids, btoi(k))
		}
		return nil
	})
	return ids
}

// execTotalsMany is execTotalsOf for several ids of one level, in one
// kv.ScanPrefixes for the months and the unparsed dates of every id and
// status and one for the days of the months at the edges of the range.
func execTotalsMany(b kv.Bucket, level byte, ids []uint64, want []model.Status, from, to string, into *execSums) error {
	in, add := execAdder(from, to, into)
	prefixes := make([][]byte, 0, 2*len(ids)*len(want))
	for _, id := range ids {
		for _, st := range want {
			p := execTotalsPrefix(level, id, st)
			prefixes = append(prefixes, append(bytes.Clone(p), 'm'), append(p, 'x'))
		}
	}
	var days [][]byte // status prefix + 'd' + month
	var dayAt []int   // where the date starts in a key under days[i]
	err := kv.ScanPrefixes(b, prefixes, func(i int, k, v []byte) error {
		pre := prefixes[i]
		rest := string(k[len(pre):])
		if pre[len(pre)-1] == 'x' {
			if in(rest) {
				return add(v)
			}
			return nil
		}
		m := rest
		if to != "" && to < m+"-00" || from != "" && from > m+"-99" {
			return nil
		}
		if (from == "" || from <= m+"-00") && (to == "" || to >= m+"-99") {
			return add(v)
		}
		pd := append(append(bytes.Clone(pre[:len(pre)-1]), 'd'), m...)
		days, dayAt = append(days, pd), append(dayAt, len(pre))
		return nil
	})
	if err != nil || len(days) == 0 {
		return err
	}
	return kv.ScanPrefixes(b, days, func(i int, k, v []byte) error {
		if in(string(k[dayAt[i]:])) {
			return add(v)
		}
		return nil
	})
}

// execTotalsFrom recomputes every record from the execution index, with
// org units from the customer index: the migration and the check share it.
func execTotalsFrom(index, byCode kv.Bucket) (map[string]*execSums, error) {
	orgOf := map[uint64]uint64{}
	if byCode != nil {
		_ = byCode.ForEach(func(_, v []byte) error {
			s := decodeSummary(v)
			orgOf[s.id] = s.org
			return nil
		})
	}
	out := map[string]*execSums{}
	if index == nil {
		return out, nil
	}
	var buf []model.SalesOrderLine
	err := index.ForEach(func(k, v []byte) error {
		if len(k) != 16 {
			return nil
		}
		cust, id := btoi(k[:8]), btoi(k[8:])
		h, rest := decodeExecHeader(v)
		buf = decodeExecLines(rest, buf[:0], false)
		s := execRowSums(id, cust, h, buf)
		for _, lv := range []struct {
			level byte
			id    uint64
		}{{execLevelCustomer, cust}, {execLevelOrg, orgOf[cust]}} {
			for _, rk := range execTotalKeys(execTotalsPrefix(lv.level, lv.id, h.status), h.date) {
				w := out[string(rk)]
				if w == nil {
					w = &execSums{}
					out[string(rk)] = w
				}
				if err := w.add(&s, 1); err != nil {
					return fmt.Errorf("sales order %d: %w", id, err)
				}
			}
		}
		return nil
	})
	for k, w := range out {
		if w.zero() {
			delete(out, k)
		}
	}
	return out, err
}

// migrateExecutionTotals builds the execution index where it was not built
// yet, and the totals and the order-date index from it.
func migrateExecutionTotals(btx kv.Tx) error {
	t := &Tx{tx: btx}
	index, err := btx.CreateBucketIfNotExists(bExecIndex)
	if err != nil {
		return err
	}
	if index.Get(keyExecBuilt) == nil {
		if err := buildExecIndex(t, index); err != nil {
			return err
		}
	}
	dst, err := btx.CreateBucketIfNotExists(bExecTotals)
	if err != nil {
		return err
	}
	all, err := execTotalsFrom(index, btx.Bucket(bCustomersByCode))
	if err != nil {
		return err
	}
	// In key order: bbolt inserts into a node by copying, so random order
	// costs a copy of the node per key.
	for _, k := range slices.Sorted(maps.Keys(all)) {
		if err := dst.Put([]byte(k), all[k].encode()); err != nil {
			return err
		}
	}
	dates, err := btx.CreateBucketIfNotExists(bExecDates)
	if err != nil {
		return err
	}
	entries := execDatesFrom(index)
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		if err := dates.Put([]byte(k), entries[k]); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "execution totals", Run: checkExecTotals})
}

// checkExecTotals compares every record with a recomputation from the
// execution index.
func checkExecTotals(t *Tx) []string {
	want, err := execTotalsFrom(t.b(bExecIndex), t.b(bCustomersByCode))
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	_ = t.b(bExecTotals).ForEach(func(k, v []byte) error {
		got, err := decodeExecSums(v)
		w := want[string(k)]
		delete(want, string(k))
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("%s: %v", execTotalsKeyText(k), err))
		case w == nil:
			out = append(out, fmt.Sprintf("%s: %v with no such order", execTotalsKeyText(k), got))
		case got != *w:
			out = append(out, fmt.Sprintf("%s: %v, recomputed %v", execTotalsKeyText(k), got, *w))
		}
		return nil
	})
	for k, w := range want {
		out = append(out, fmt.Sprintf("%s: missing (recomputed %v)", execTotalsKeyText([]byte(k)), *w))
	}
	// The order-date index.
	dates := execDatesFrom(t.b(bExecIndex))
	_ = t.b(bExecDates).ForEach(func(k, v []byte) error {
		if w, ok := dates[string(k)]; !ok || !bytes.Equal(v, w) {
			out = append(out, fmt.Sprintf("order-date index: entry %q → %x, recomputed %x", k, v, w))
		}
		delete(dates, string(k))
		return nil
	})
	for k := range dates {
		out = append(out, fmt.Sprintf("order-date index: entry %q missing", k))
	}
	return out
}

// execTotalsKeyText names a record for the check's messages.
func execTotalsKeyText(k []byte) string {
	if len(k) < 10 {
		return fmt.Sprintf("record %x", k)
	}
	level := "customer"
	if k[0] == execLevelOrg {
		level = "org unit"
	}
	rest := k[9:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 || i+1 >= len(rest) {
		return fmt.Sprintf("%s %d: record %x", level, btoi(k[1:9]), rest)
	}
	return fmt.Sprintf("%s %d, %s, %c %s", level, btoi(k[1:9]), rest[:i], rest[i+1], rest[i+2:])
}

// ---- the order-date index ----

// bExecDates lists the sales orders by order date, newest first when read
// backwards, so that a report page (and a date range) reads only its own
// orders:
//
//   - 'a' | date | 0 | salesOrderID (8) → customer (8) and status
//   - 'c' | customerID (8) | date | 0 | salesOrderID (8) → status
//
// keepExecution moves an order's keys when its date or status changes;
// the check "execution totals" compares the bucket with one rebuilt from
// the execution index.
var bExecDates = []byte("sales_order_execution_dates")

func init() { allBuckets = append(allBuckets, bExecDates) }

func execDateKeyAll(date string, id uint64) []byte {
	k := make([]byte, 0, 1+len(date)+9)
	k = append(append(append(k, 'a'), date...), 0)
	return binary.BigEndian.AppendUint64(k, id)
}

func execDateKeyCust(cust uint64, date string, id uint64) []byte {
	k := make([]byte, 0, 9+len(date)+9)
	k = binary.BigEndian.AppendUint64(append(k, 'c'), cust)
	k = append(append(k, date...), 0)
	return binary.BigEndian.AppendUint64(k, id)
}

// execDateEntries are the date index's entries of one order.
func execDateEntries(cust, id uint64, status model.Status, date string) [2][2][]byte {
	return [2][2][]byte{
		{execDateKeyAll(date, id), append(itob(cust), status...)},
		{execDateKeyCust(cust, date, id), []byte(status)},
	}
}

// moveExecDates replaces an order's date index entries (old or cur nil:
// none).
func (t *Tx) moveExecDates(cust, id uint64, old, cur *execContribution) error {
	b := t.b(bExecDates)
	if old != nil {
		for _, e := range execDateEntries(cust, id, old.status, old.date) {
			if err := b.Delete(e[0]); err != nil {
				return err
			}
		}
	}
	if cur != nil {
		for _, e := range execDateEntries(cust, id, cur.status, cur.date) {
			if err := b.Put(e[0], e[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// execDatesFrom rebuilds the date index's entries from the execution index.
func execDatesFrom(index kv.Bucket) map[string][]byte {
	out := map[string][]byte{}
	if index == nil {
		return out
	}
	_ = index.ForEach(func(k, v []byte) error {
		if len(k) != 16 {
			return nil
		}
		h, _ := decodeExecHeader(v)
		for _, e := range execDateEntries(btoi(k[:8]), btoi(k[8:]), h.status, h.date) {
			out[string(e[0])] = e[1]
		}
		return nil
	})
	return out
}

// eachExecByDate calls fn with the orders of the date index below prefix
// (the 'a' level, or a customer's) dated within [from, to], newest date
// first (and the highest id first within a day), until fn returns false.
func eachExecByDate(b kv.Bucket, prefix []byte, from, to string, fn func(date string, id uint64, v []byte) bool) {
	c := b.Cursor()
	var k, v []byte
	if to != "" {
		k, _ = c.Seek(append(append(bytes.Clone(prefix), to...), 1))
	} else {
		k, _ = c.Seek(execPrefixEnd(prefix))
	}
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		rest := k[len(prefix):]
		if len(rest) < 9 {
			continue
		}
		date := string(rest[:len(rest)-9])
		if from != "" && date < from {
			return
		}
		if to != "" && date > to {
			continue
		}
		if !fn(date, btoi(rest[len(rest)-8:]), v) {
			return
		}
	}
}

// execPrefixEnd is the first key after every key with prefix p.
func execPrefixEnd(p []byte) []byte {
	e := bytes.Clone(p)
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] < 0xff {
			e[i]++
			return e[:i+1]
		}
	}
	return nil
}
