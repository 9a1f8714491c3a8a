package store

import "dealerportal/model"

// The dealer's shop as use cases: each add, change or removal of a
// favourite or a cart line is one call that checks the shop scope (a
// dealer's own customer; staff have no cart: ErrNotFound) at its top and
// runs in one batched write transaction (Store.Batch: many dealers' clicks
// share a commit). They are not replay-guarded: a second click on "add"
// adds one more step, as it always did. The caller checks that the user
// may shop (model.PermShop).

// shopBatch runs body for a's user in one batched transaction after the
// shop scope check.
func (s *Store) shopBatch(a Actor, body func(t *Tx) error) error {
	if err := shopScope(a.Scope); err != nil {
		return err
	}
	return s.Batch(a.User.Username, body)
}

// AddFavorites puts the entries ids into the user's favourites (again:
// refreshes their snapshots), all or none. ErrNotFound when one is not
// published to the user's customer.
func (s *Store) AddFavorites(a Actor, ids ...uint64) error {
	return s.shopBatch(a, func(t *Tx) error {
		for _, id := range ids {
			if err := t.AddFavorite(a.Scope, a.User.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddToCart adds qty of entry id to the user's cart (0: one step, see
// Tx.AddToCart) and returns the line. Errors as Tx.AddToCart's.
func (s *Store) AddToCart(a Actor, id uint64, qty model.Qty) (*model.CartLine, error) {
	var line *model.CartLine
	err := s.shopBatch(a, func(t *Tx) (err error) {
		line, err = t.AddToCart(a.Scope, a.User.ID, id, qty)
		return err
	})
	return line, err
}

// AddStepsToCart adds one step of each entry ids to the user's cart, all or
// none (the catalog's "add selected", favourites to cart). Errors as
// Tx.AddToCart's.
func (s *Store) AddStepsToCart(a Actor, ids []uint64) error {
	return s.shopBatch(a, func(t *Tx) error {
		for _, id := range ids {
			if _, err := t.AddToCart(a.Scope, a.User.ID, id, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// ChangeCartQty sets the quantity of the user's cart line of entry id.
// Errors as Tx.SetCartQty's.
func (s *Store) ChangeCartQty(a Actor, id uint64, qty model.Qty) error {
	return s.shopBatch(a, func(t *Tx) error {
		_, err := t.SetCartQty(a.Scope, a.User.ID, id, qty)
		return err
	})
}

// RemoveFromCart takes entry id out of the user's cart (ErrNotFound when
// it is not there).
func (s *Store) RemoveFromCart(a Actor, id uint64) error {
	return s.shopBatch(a, func(t *Tx) error { return t.RemoveCartLine(a.User.ID, id) })
}

// ClearCart removes every line of the user's cart.
func (s *Store) ClearCart(a Actor) error {
	return s.shopBatch(a, func(t *Tx) error { return t.EmptyCart(a.User.ID) })
}

// UpdateCartValues re-reads the latest catalog values into the user's cart
// lines (Tx.RefreshCart).
func (s *Store) UpdateCartValues(a Actor) error {
	return s.shopBatch(a, func(t *Tx) error { return t.RefreshCart(a.Scope, a.User.ID) })
}

// UpdateFavoriteValues re-reads the latest catalog values into the user's
// favourites (Tx.RefreshFavorites).
func (s *Store) UpdateFavoriteValues(a Actor) error {
	return s.shopBatch(a, func(t *Tx) error { return t.RefreshFavorites(a.Scope, a.User.ID) })
}

// RemoveFavorite takes entry id out of the user's favourites.
func (s *Store) RemoveFavorite(a Actor, id uint64) error {
	return s.shopBatch(a, func(t *Tx) error { return t.DeleteFavorite(a.User.ID, id) })
}

// AddQuickOrderToCart puts the good lines of a quick order into the user's
// cart, all or none, and returns how many (Tx.AddQuickOrder: the lines are
// checked again against the catalog now).
func (s *Store) AddQuickOrderToCart(a Actor, lines []model.QuickLine) (int, error) {
	var n int
	err := s.shopBatch(a, func(t *Tx) (err error) {
		n, err = t.AddQuickOrder(a.Scope, a.User.ID, lines)
		return err
	})
	return n, err
}
