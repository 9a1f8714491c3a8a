package store

// Online orders: the staff's and the dealer's actions on an order once it
// exists (reject, unreject, approve a credit hold, delete, generate the
// sales order), each one use case in its own transaction. Submitting and
// the cart's checkout are in onlineorders.go and cart.go.

// ActOnOnlineOrder runs reject, unreject or release_credit on online order
// id at the version the user saw, as one user action. Who may approve a
// credit hold is the caller's check (PermApproveCredit); the machine says
// who rejects. Errors as Tx.ActOnOnlineOrder's.
func (s *Store) ActOnOnlineOrder(a Actor, id, version uint64, action, reason string) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		_, err := t.ActOnOnlineOrder(a.Scope, id, version, action, a.User, reason)
		return 0, err
	})
	return err
}

// RemoveOnlineOrder deletes online order id at the version the user saw,
// as one user action (Tx.DeleteOnlineOrder; the caller lets only dealer
// users delete).
func (s *Store) RemoveOnlineOrder(a Actor, id, version uint64) error {
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		return 0, t.DeleteOnlineOrder(a.Scope, id, version, a.User)
	})
	return err
}

// ConvertOnlineOrder generates the sales order of online order id (with
// the staff's adjustments) at the version the user saw, as one user
// action, and returns the sales order's id. Who may is the caller's check
// (PermManageOrders). Errors as Tx.ConvertOnlineOrder's.
func (s *Store) ConvertOnlineOrder(a Actor, id, version uint64, adj []LineAdjust) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		so, err := t.ConvertOnlineOrder(a.Scope, id, version, a.User, adj)
		if err != nil {
			return 0, err
		}
		return so.ID, nil
	})
}
