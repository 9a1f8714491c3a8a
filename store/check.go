package store

import (
	"bytes"
	"fmt"

	"dealerportal/model"
	"dealerportal/store/kv"
	"dealerportal/store/kv/boltkv"
)

// IntegrityCheck recomputes one family of maintained figures or indexes from
// the records and reports every difference. Modules register theirs (stock,
// shipped and invoiced quantities, balances…) with RegisterIntegrityCheck.
type IntegrityCheck struct {
	Name string
	Run  func(t *Tx) []string
}

var integrityChecks = []IntegrityCheck{
	{"customer indexes", checkCustomerIndexes},
	{"user indexes", checkUserIndexes},
	{"outbox pending index", checkOutboxIndex},
	{"document summaries and counts", checkDocIndexes},
}

// RegisterIntegrityCheck adds a check; call it from init.
func RegisterIntegrityCheck(c IntegrityCheck) { integrityChecks = append(integrityChecks, c) }

// Check runs bbolt's page consistency check (on bbolt) and every integrity check in one
// transaction that holds writers off (so the figures it compares are from one
// moment). It returns the problems found, none when the database is sound.
func (s *Store) Check() ([]string, error) {
	var problems []string
	err := s.db.Update(func(btx kv.Tx) error {
		if bt := boltkv.BoltTx(btx); bt != nil {
			for e := range bt.Check() {
				problems = append(problems, "bbolt: "+e.Error())
			}
		}
		t := &Tx{tx: btx, s: s, Now: s.Now(), By: "check"}
		for _, c := range integrityChecks {
			for _, p := range c.Run(t) {
				problems = append(problems, c.Name+": "+p)
			}
		}
		return errCheckOnly // a check never writes
	})
	if err == errCheckOnly {
		err = nil
	}
	return problems, err
}

var errCheckOnly = fmt.Errorf("rollback")

func checkCustomerIndexes(t *Tx) []string {
	var out []string
	seen := 0
	_ = t.b(bCustomers).ForEach(func(k, v []byte) error {
		c := &model.Customer{}
		if err := jsonUnmarshal(v, c); err != nil {
			out = append(out, fmt.Sprintf("customer %d: %v", btoi(k), err))
			return nil
		}
		seen++
		want := summaryOf(c)
		if got := t.b(bCustomersByCode).Get([]byte(c.Code)); !bytes.Equal(got, want) {
			out = append(out, fmt.Sprintf("customer %s: code index differs", c.Code))
		}
		if got := t.b(bCustomersByName).Get(nameKey(c.Name, c.ID)); !bytes.Equal(got, want) {
			out = append(out, fmt.Sprintf("customer %s: name index differs", c.Code))
		}
		return nil
	})
	if n := t.b(bCustomersByCode).Stats().KeyN; n != seen {
		out = append(out, fmt.Sprintf("code index has %d entries for %d customers", n, seen))
	}
	if n := t.b(bCustomersByName).Stats().KeyN; n != seen {
		out = append(out, fmt.Sprintf("name index has %d entries for %d customers", n, seen))
	}
	return out
}

func checkUserIndexes(t *Tx) []string {
	var out []string
	seen := 0
	_ = t.b(bUsers).ForEach(func(k, v []byte) error {
		u := &model.User{}
		if err := jsonUnmarshal(v, u); err != nil {
			out = append(out, fmt.Sprintf("user %d: %v", btoi(k), err))
			return nil
		}
		seen++
		if btoi(t.b(bUsersByName).Get([]byte(u.Username))) != u.ID {
			out = append(out, fmt.Sprintf("user %s: username index differs", u.Username))
		}
		if u.Kind == model.KindDealer && t.b(bUsersByCustomer).Get(key(u.CustomerID, u.ID)) == nil {
			out = append(out, fmt.Sprintf("user %s: missing from its customer's index", u.Username))
		}
		return nil
	})
	if n := t.b(bUsersByName).Stats().KeyN; n != seen {
		out = append(out, fmt.Sprintf("username index has %d entries for %d users", n, seen))
	}
	return out
}

func checkOutboxIndex(t *Tx) []string {
	var out []string
	_ = t.b(bOutbox).ForEach(func(k, v []byte) error {
		m := &model.OutboxMessage{}
		if err := jsonUnmarshal(v, m); err != nil {
			out = append(out, fmt.Sprintf("message %d: %v", btoi(k), err))
			return nil
		}
		pending := t.b(bOutboxPending).Get(k) != nil
		if pending != (m.Status == model.OutboxPending) {
			out = append(out, fmt.Sprintf("message %d: status %s but pending index %v", m.ID, m.Status, pending))
		}
		return nil
	})
	return out
}
