package store

import (
	"dealerportal/model"
)

var bBalances = []byte("customer_balances")

func init() { allBuckets = append(allBuckets, bBalances) }

// Balance returns the maintained balance of a customer in sc (zero when no
// posting has touched it yet); ErrNotFound outside sc.
func (t *Tx) Balance(sc Scope, customerID uint64) (*model.CustomerBalance, error) {
	if !t.AllowsCustomer(sc, customerID) {
		return nil, model.ErrNotFound
	}
	return t.balance(customerID), nil
}

func (t *Tx) balance(customerID uint64) *model.CustomerBalance {
	b := &model.CustomerBalance{CustomerID: customerID}
	_ = t.getJSONID(t.b(bBalances), customerID, b)
	return b
}

// AdjustBalance changes a customer's balance by read-modify-write inside the
// caller's transaction (concurrent postings never lose an update). Every
// posting calls it with the deltas it causes. A result beyond the bounds
// (model.CustomerBalance.Check) is refused with a ValidationError and the
// posting's transaction rolls back: deltas of bounded documents cannot wrap
// a bounded balance, so this is where any wrapped figure would stop.
func (t *Tx) AdjustBalance(customerID uint64, change func(b *model.CustomerBalance)) error {
	b := t.balance(customerID)
	before := *b
	change(b)
	if err := b.Check(); err != nil {
		return err
	}
	if err := putJSON(t.b(bBalances), itob(customerID), b); err != nil {
		return err
	}
	// The summary's figures (balance_figures.go) hold the position only:
	// a change of the open orders alone (an order submitted) leaves them.
	if b.Uninvoiced != before.Uninvoiced || b.InvoicedReceivable != before.InvoicedReceivable || b.ReceiptBalance != before.ReceiptBalance {
		return t.setFiguresPosition(b)
	}
	return nil
}
