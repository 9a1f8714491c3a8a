package store

import (
	"encoding/binary"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
)

// Customer cards (客户标签): what a report row shows of its customer and
// what its scope check needs, in a few bytes by customer id, so that the
// balance summary and the execution report do not decode a customer's
// record for each row.
//
//   - customer_cards  customerID → org unit (8 bytes), salesperson (8),
//     then the code and the name (each a 2-byte length and the bytes).
//
// SaveCustomer writes the card with the record (customerSaved); the
// integrity check "customer cards" compares every card with the records.

var bCustomerCards = []byte("customer_cards")

func init() { allBuckets = append(allBuckets, bCustomerCards) }

// CustomerCard is a customer's card.
type CustomerCard struct {
	ID, OrgUnitID, SalespersonID uint64
	Code, Name                   string
}

func encodeCard(c *model.Customer) []byte {
	b := make([]byte, 0, 20+len(c.Code)+len(c.Name))
	b = binary.BigEndian.AppendUint64(b, c.OrgUnitID)
	b = binary.BigEndian.AppendUint64(b, c.SalespersonID)
	b = appendStr(b, c.Code)
	return appendStr(b, c.Name)
}

func decodeCard(id uint64, v []byte) (CustomerCard, bool) {
	if len(v) < 16 {
		return CustomerCard{}, false
	}
	c := CustomerCard{ID: id, OrgUnitID: btoi(v[:8]), SalespersonID: btoi(v[8:16])}
	c.Code, v = readStr(v[16:])
	c.Name, _ = readStr(v)
	return c, true
}

// card returns customer id's card; false when there is no such customer.
func (t *Tx) card(id uint64) (CustomerCard, bool) {
	return decodeCard(id, t.b(bCustomerCards).Get(itob(id)))
}

// CustomerCard returns the card of customer id, or false when it does not
// exist or lies outside sc.
func (t *Tx) CustomerCard(sc Scope, id uint64) (CustomerCard, bool) {
	c, ok := t.card(id)
	if !ok || !sc.allowsCard(&c) {
		return CustomerCard{}, false
	}
	return c, true
}

// allowsCard is allows on a card.
func (sc Scope) allowsCard(c *CustomerCard) bool {
	return sc.allowsSummary(c.ID, custSummary{org: c.OrgUnitID, salesperson: c.SalespersonID})
}

// PrefetchCustomerCards reads the cards of customers ids ahead of their
// CustomerCard calls (a page's customers): one query on PostgreSQL, not one
// per customer; nothing on bbolt. It is a hint: CustomerCard answers the
// same without it.
func (t *Tx) PrefetchCustomerCards(ids []uint64) {
	keys := make([][]byte, len(ids))
	for i, id := range ids {
		keys[i] = itob(id)
	}
	kv.Prefetch(t.b(bCustomerCards), keys)
}

func (t *Tx) putCard(c *model.Customer) error {
	return t.b(bCustomerCards).Put(itob(c.ID), encodeCard(c))
}

// migrateCustomerCards writes the card of every customer.
func migrateCustomerCards(btx kv.Tx) error {
	dst, err := btx.CreateBucketIfNotExists(bCustomerCards)
	if err != nil {
		return err
	}
	src := btx.Bucket(bCustomers)
	if src == nil {
		return nil
	}
	return src.ForEach(func(k, v []byte) error {
		c := &model.Customer{}
		if err := decodeRecord(v, c); err != nil {
			return fmt.Errorf("customer %d: %w", btoi(k), err)
		}
		return dst.Put(k, encodeCard(c))
	})
}

func init() {
	RegisterIntegrityCheck(IntegrityCheck{Name: "customer cards", Run: checkCustomerCards})
}

// checkCustomerCards compares every card with its customer's record.
func checkCustomerCards(t *Tx) []string {
	var out []string
	cards := t.b(bCustomerCards)
	n := 0
	_ = t.b(bCustomers).ForEach(func(k, v []byte) error {
		n++
		c := &model.Customer{}
		if err := decodeRecord(v, c); err != nil {
			return nil // the customer check reports it
		}
		if got, want := cards.Get(k), encodeCard(c); string(got) != string(want) {
			out = append(out, fmt.Sprintf("customer %s: card %q, record says %q", c.Code, got, want))
		}
		return nil
	})
	if m := cards.Stats().KeyN; m != n {
		out = append(out, fmt.Sprintf("%d cards for %d customers", m, n))
	}
	return out
}
