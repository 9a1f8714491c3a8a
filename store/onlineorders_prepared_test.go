package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"dealerportal/model"
)

// submitPrepared prepares a new order of dealer u in a read transaction
// and inserts it in a write transaction, as the order form's handler does;
// between runs between the two (another order committing meanwhile).
func (f *orderFix) submitPrepared(t *testing.T, u *model.User, submit bool, between func(), lines ...LineInput) uint64 {
	t.Helper()
	var p *PreparedOnlineOrder
	view(t, f.s, func(tx *Tx) error {
		o, err := tx.NewOnlineOrder(f.scope(u), u.CustomerID)
		if err != nil {
			return err
		}
		p, err = tx.PrepareOnlineOrder(f.scope(u), o, lines, u, submit)
		return err
	})
	if between != nil {
		between()
	}
	var id uint64
	if err := f.s.Batch(u.Username, func(tx *Tx) (err error) {
		id, err = tx.InsertPreparedOnlineOrder(f.scope(u), p, u)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// storedState is what a submit leaves: the order, its outbox messages and
// feed events, the customer's balance — decoded, and each stored record's
// JSON as a generic value (the same fields whatever their order).
type storedState struct {
	Order   *model.OnlineOrder
	Msgs    []*model.OutboxMessage
	Feed    []*model.FeedEvent
	Balance *model.CustomerBalance
	Raw     []any
}

func (f *orderFix) stored(t *testing.T, id uint64) storedState {
	t.Helper()
	var st storedState
	view(t, f.s, func(tx *Tx) error {
		var err error
		if st.Order, err = tx.OnlineOrder(AdminScope(), id); err != nil {
			return err
		}
		raw := func(data []byte) {
			js, err := recordJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(js, &v); err != nil {
				t.Fatalf("%v: %s", err, js)
			}
			st.Raw = append(st.Raw, v)
		}
		raw(tx.b(tx.docB(docOnlineOrder).main).Get(itob(id)))
		_ = tx.b(bOutbox).ForEach(func(k, v []byte) error {
			m, err := tx.OutboxMessage(btoi(k))
			if err == nil && m.DocType == model.DocOnlineOrder && m.DocID == id {
				st.Msgs = append(st.Msgs, m)
				raw(v)
			}
			return err
		})
		_ = tx.b(bAPIEvents).ForEach(func(k, v []byte) error {
			ev, err := tx.FeedEvent(btoi(k))
			if err == nil && ev.DocType == model.DocOnlineOrder && ev.DocID == id {
				st.Feed = append(st.Feed, ev)
				raw(v)
			}
			return err
		})
		st.Balance = tx.balance(st.Order.CustomerID)
		return nil
	})
	return st
}

// TestPreparedOnlineOrderMatchesSave: an order prepared outside the write
// transaction and inserted by the group commit is stored exactly as
// SaveOnlineOrder stores the same form — the document, its events, the
// balance, with and without a credit hold, and when the balance moved
// between the preparation and the commit — and the integrity check stays
// clean.
func TestPreparedOnlineOrderMatchesSave(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		name     string
		submit   bool
		qty      int64
		preOrder int64 // an order submitted before (0: none)
		between  int64 // an order submitted between preparation and commit
		hold     bool
	}{
		{name: "submit", submit: true, qty: 2},
		{name: "draft", submit: false, qty: 2},
		{name: "credit hold", submit: true, qty: 2, preOrder: 9, hold: true},
		{name: "hold after the preparation", submit: true, qty: 2, between: 9, hold: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want, got storedState
			for _, prepared := range []bool{false, true} {
				f := newOrderFixture(t)
				f.s.SetClock(func() time.Time { return now })
				d := f.d1b
				update(t, f.s, func(tx *Tx) error {
					f.c1.CreditLimit = 100000
					return tx.SaveCustomer(AdminScope(), f.c1)
				})
				if c.preOrder > 0 {
					f.placeOrder(t, d, true, LineInput{Code: "P1", Qty: qty(c.preOrder)})
				}
				var between func()
				if c.between > 0 {
					between = func() { f.placeOrder(t, d, true, LineInput{Code: "P1", Qty: qty(c.between)}) }
				}
				line := LineInput{Code: "P1", Qty: qty(c.qty), Remark: `a "quoted" remark`}
				var id uint64
				if prepared {
					id = f.submitPrepared(t, d, c.submit, between, line)
				} else {
					if between != nil {
						between()
					}
					id = f.placeOrder(t, d, c.submit, line).ID
				}
				st := f.stored(t, id)
				if prepared {
					got = st
				} else {
					want = st
				}
				if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
					t.Fatalf("check: %v %v", problems, err)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("prepared order stored as\n%+v\nnot as\n%+v", got, want)
			}
			if got.Order.CreditHold != c.hold || (got.Order.Status == model.StatusSubmitted) != c.submit {
				t.Fatalf("order %+v", got.Order)
			}
		})
	}
}

// TestPreparedCartOrderMatchesCheckout: a checkout prepared outside the
// write transaction (PrepareOnlineOrderFromCart, then InsertPreparedCartOrder
// in the group commit) stores the same order, events and balance and leaves
// the same cart as OnlineOrderFromCart for the same form — also when the
// chosen cart line's quantity changed between the preparation and the
// commit (the commit then does the whole checkout), and it refuses as
// OnlineOrderFromCart does when the line left the cart meanwhile.
func TestPreparedCartOrderMatchesCheckout(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		name    string
		submit  bool
		between string // "", "qty": the line's quantity changes, "gone": it leaves the cart
	}{
		{name: "submit", submit: true},
		{name: "draft"},
		{name: "quantity changed after the preparation", submit: true, between: "qty"},
		{name: "line removed after the preparation", submit: true, between: "gone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			type outcome struct {
				st   storedState
				err  error
				cart map[uint64]model.Qty
			}
			var want, got outcome
			for _, prepared := range []bool{false, true} {
				f := newOrderFixture(t)
				f.s.SetClock(func() time.Time { return now })
				d := f.d1b
				update(t, f.s, func(tx *Tx) error {
					for _, e := range f.entries[:2] {
						if _, err := tx.AddToCart(f.scope(d), d.ID, e.ID, 0); err != nil {
							return err
						}
					}
					return nil
				})
				chosen := []uint64{f.entries[0].ID}
				hdr := func() *model.OnlineOrder {
					return &model.OnlineOrder{ShipTo: model.ShipTo{LocationID: f.loc.ID, Name: f.loc.Name}, Remarks: "cart",
						Lines: []model.OrderLine{{EntryID: f.entries[0].ID, DeliveryDate: "2026-12-20", Remark: "door 2"}}}
				}
				between := func() {
					switch c.between {
					case "qty":
						update(t, f.s, func(tx *Tx) error { _, err := tx.SetCartQty(f.scope(d), d.ID, f.entries[0].ID, qty(5)); return err })
					case "gone":
						update(t, f.s, func(tx *Tx) error { return tx.RemoveCartLine(d.ID, f.entries[0].ID) })
					}
				}
				var out outcome
				var id uint64
				if prepared {
					var p *PreparedOnlineOrder
					view(t, f.s, func(tx *Tx) (err error) {
						p, err = tx.PrepareOnlineOrderFromCart(f.scope(d), d, chosen, hdr(), c.submit)
						return err
					})
					between()
					out.err = f.s.Batch(d.Username, func(tx *Tx) (err error) {
						id, err = tx.InsertPreparedCartOrder(f.scope(d), p, d)
						return err
					})
				} else {
					between()
					o := hdr()
					out.err = f.s.Batch(d.Username, func(tx *Tx) error {
						return tx.OnlineOrderFromCart(f.scope(d), d, chosen, o, c.submit)
					})
					id = o.ID
				}
				if out.err == nil {
					out.st = f.stored(t, id)
				}
				view(t, f.s, func(tx *Tx) error { out.cart = tx.CartQuantities(d.ID); return nil })
				if problems, err := f.s.Check(); err != nil || len(problems) > 0 {
					t.Fatalf("check: %v %v", problems, err)
				}
				if prepared {
					got = out
				} else {
					want = out
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("prepared checkout gave\n%+v\nnot\n%+v", got, want)
			}
			if (c.between == "gone") != (got.err != nil) {
				t.Fatalf("error %v", got.err)
			}
			if got.err == nil {
				o := got.st.Order
				if len(o.Lines) != 1 || o.Lines[0].Remark != "door 2" || (o.Status == model.StatusSubmitted) != c.submit ||
					(c.between == "qty") != (o.Lines[0].Qty == qty(5)) {
					t.Fatalf("order %+v", o)
				}
				if _, left := got.cart[o.Lines[0].EntryID]; left {
					t.Fatalf("ordered line still in the cart: %v", got.cart)
				}
			}
		})
	}
}
