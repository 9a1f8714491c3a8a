package store

import (
	"errors"
	"net/url"
	"strconv"

	"dealerportal/model"
)

// "Order again" (再次订货) as one use case per kind of past order: the
// order is loaded through the actor's scope at the top (ErrNotFound
// outside it), its lines go to the dealer's cart or a new draft online
// order (Tx.OrderAgain), and the answer is the result page with what was
// added and skipped in its query — remembered with the action, so a
// double click adds once and its replay shows the same page. The caller
// checks model.MayOrderAgain.

// AgainPage is the path of the page that shows what "order again" did.
const AgainPage = "/online-orders/again"

// OrderOnlineAgain orders online order id again; see above. It returns
// where the browser goes next.
func (s *Store) OrderOnlineAgain(a Actor, id uint64, toDraft bool) (string, error) {
	return s.orderAgain(a, toDraft, func(t *Tx) ([]model.OrderLine, error) {
		o, err := t.OnlineOrder(a.Scope, id)
		if err != nil {
			return nil, err
		}
		return o.Lines, nil
	})
}

// OrderSalesAgain orders sales order id again; see above. It returns
// where the browser goes next.
func (s *Store) OrderSalesAgain(a Actor, id uint64, toDraft bool) (string, error) {
	return s.orderAgain(a, toDraft, func(t *Tx) ([]model.OrderLine, error) {
		o, err := t.SalesOrder(a.Scope, id)
		if err != nil {
			return nil, err
		}
		lines := make([]model.OrderLine, len(o.Lines))
		for i := range o.Lines {
			lines[i] = o.Lines[i].OrderLine
		}
		return lines, nil
	})
}

// orderAgain runs "order again" on the lines load reads: nothing
// available is not a refusal but a result page saying so.
func (s *Store) orderAgain(a Actor, toDraft bool, load func(t *Tx) ([]model.OrderLine, error)) (string, error) {
	_, to, err := s.actTo(a, func(t *Tx) (uint64, string, error) {
		lines, err := load(t)
		if err != nil {
			return 0, "", err
		}
		res, err := t.OrderAgain(a.Scope, a.User, lines, toDraft)
		var ve *model.ValidationError
		if err != nil && !errors.As(err, &ve) {
			return 0, "", err
		}
		return res.OrderID, AgainPage + "?" + againQuery(res, toDraft), nil
	})
	return to, err
}

// againQuery is the result page's query: added, the new draft, each
// skipped line as code|reason key, and to=draft.
func againQuery(res *OrderAgainResult, toDraft bool) string {
	vals := url.Values{}
	if res != nil {
		vals.Set("added", strconv.Itoa(res.Added))
		if res.OrderID != 0 {
			vals.Set("draft", strconv.FormatUint(res.OrderID, 10))
		}
		for _, s := range res.Skipped {
			vals.Add("skipped", s.Code+"|"+s.Key)
		}
	}
	if toDraft {
		vals.Set("to", "draft")
	}
	return vals.Encode()
}
