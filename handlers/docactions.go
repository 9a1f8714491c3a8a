package handlers

import (
	"errors"
	"strconv"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Document actions: every POST <docs>/:id/<action> of every module (submit,
// audit, reject, close, delete, confirm, reverse, order again…) is served
// by runDocAction, so a double click, a retried POST and a refusal behave
// the same everywhere:
//
//   - the document is loaded through the user's scope (404 outside it), then
//     the module's permission is checked (403);
//   - the action runs in one store transaction (its outbox messages with
//     it) at most once per user, route, posted version and one-time token:
//     a replay answers like the first post, with the same redirect;
//   - a refusal (a status that does not allow it, a stale version, a
//     validation error) shows the document's page again with the message
//     in the user's language: 409 or 422.

// docKind is one kind of document as its action routes serve it.
type docKind[T any] struct {
	// Base is the documents' path: each action is POST Base/:id/<name>.
	Base string
	// Load reads the route's document through the user's scope and checks
	// the module's permission to see it (loadRouteDoc).
	Load func(c *fiber.Ctx) (T, error)
	// Perm, when set, is the permission every action needs besides seeing
	// the document.
	Perm model.Perm
	// Page builds the document's page to show a refused action, with the
	// posted values of the action's form.
	Page func(c *fiber.Ctx, doc T, action string) (tpl string, v *View, err error)
	// Actions are the document's actions by the route's last segment.
	Actions map[string]docAction[T]
}

// docPageOf is a kind's Page when a refused action, whatever it was, shows
// the document's own page: template tpl titled title, with the data page
// builds for the document.
func docPageOf[T, P any](h *Handler, tpl, title string, page func(*fiber.Ctx, T) (P, error)) func(*fiber.Ctx, T, string) (string, *View, error) {
	return func(c *fiber.Ctx, doc T, _ string) (string, *View, error) {
		p, err := page(c, doc)
		if err != nil {
			return "", nil, err
		}
		return tpl, h.view(c, title, p), nil
	}
}

// docAction is one action of a kind of document.
type docAction[T any] struct {
	// Flash confirms the action (a catalog key; "" for none).
	Flash string
	// Token marks an action whose form shows no version but a one-time
	// token _idem (order again, a write-off's reversal): a post without the
	// token is a 400, never remembered as "done".
	Token bool
	// Run performs the action as one call of a store use case that owns
	// its transaction, checks the scope at its top and runs at most once
	// per x.Actor.Once. It returns the id of the document the browser goes
	// to next (0: this document), which Next turns into a path.
	Run func(x *docRun[T]) (uint64, error)
	// Next is where the browser goes after Run, from the request (an action
	// that goes back where it came from reads its Referer), the document's
	// id and Run's result; nil: Base/next, or Base/id when next is 0. A
	// replay of an action whose document is gone answers with Next too.
	Next func(c *fiber.Ctx, id, next uint64) string
}

// docRun is one run of a use-case action: the request (for the posted
// values), who acts (user, scope, replay key), the document as loaded and
// the version its form showed.
type docRun[T any] struct {
	C       *fiber.Ctx
	Actor   store.Actor
	Doc     T
	ID      uint64
	Version uint64
	Action  string
	// To, when Run sets it, is where the browser goes next (a result page
	// with its query, as the use case remembered it for a replay): it wins
	// over Next.
	To string
}

// Reason is the posted reason of the action (reject, close…).
func (x *docRun[T]) Reason() string { return x.C.FormValue("reason") }

// next is where the browser goes after a.Run returned next for document id.
func (a docAction[T]) next(c *fiber.Ctx, base string, id, next uint64) string {
	if a.Next != nil {
		return a.Next(c, id, next)
	}
	if next != 0 {
		id = next
	}
	return base + "/" + itoa(id)
}

// registerDocActions registers POST Base/:id/<name> for each action of k.
func registerDocActions[T any](h *Handler, r fiber.Router, k docKind[T]) {
	for name, a := range k.Actions {
		r.Post(k.Base+"/:id/"+name, func(c *fiber.Ctx) error { return runDocAction(h, c, k, name, a) })
	}
}

// runDocAction runs one action of a document for the route's :id. Its form
// posts the version it showed (a transition happens once per version) or,
// for an action with no version, a one-time token. The replay guard is
// keyed by user, path, version and token; a replay of a post whose action
// deleted the document still answers like the first.
func runDocAction[T any](h *Handler, c *fiber.Ctx, k docKind[T], name string, a docAction[T]) error {
	u := currentUser(c)
	version, token := formUint(c, "version"), c.FormValue("_idem")
	key := "act:" + c.Path() + "@" + strconv.FormatUint(version, 10) + ":" + token
	doc, err := k.Load(c)
	if err == nil && k.Perm != "" {
		err = need(c, k.Perm)
	}
	id, _ := idParam(c, "id")
	if errors.Is(err, model.ErrNotFound) || errors.Is(err, fiber.ErrNotFound) {
		var back string
		var ok bool
		_ = h.read(func(t *store.Tx) error {
			var next uint64
			if next, back, ok = t.ReplayedAction(u.ID, key); ok && back == "" {
				back = a.next(c, k.Base, id, next)
			}
			return nil
		})
		if ok {
			return h.actionDone(c, a.Flash, back)
		}
	}
	if err != nil {
		return err
	}
	if a.Token && token == "" {
		return fiber.ErrBadRequest
	}
	x := &docRun[T]{C: c, Actor: store.Actor{User: u, Scope: h.scope(c), Once: key}, Doc: doc, ID: id, Version: version, Action: name}
	next, err := a.Run(x)
	back := x.To
	if back == "" {
		back = a.next(c, k.Base, id, next)
	}
	if err != nil {
		return h.renderRefusal(c, err, func() (string, *View, error) {
			// The page shows the document as it is now, so the user can try again.
			fresh, lerr := k.Load(c)
			if lerr != nil {
				return "", nil, lerr
			}
			return k.Page(c, fresh, name)
		})
	}
	return h.actionDone(c, a.Flash, back)
}

// actionDone confirms an action (flash may be "") and sends the browser on.
func (h *Handler) actionDone(c *fiber.Ctx, flash, back string) error {
	if flash != "" {
		h.setFlash(c, flash)
	}
	return h.redirect(c, back)
}

// renderRefusal shows a refused document action on the document's page:
// field errors (422) and a stale version (409, who and when) through
// formError, a status that does not allow the action as a 409 message at
// the top; permission and scope errors go to the error handler.
func (h *Handler) renderRefusal(c *fiber.Ctx, err error, page func() (string, *View, error)) error {
	var se *model.StateError
	var ve *model.ValidationError
	var ce *model.ConflictError
	if !errors.As(err, &se) && !errors.As(err, &ve) && !errors.As(err, &ce) {
		return err
	}
	tpl, v, perr := page()
	if perr != nil {
		return perr
	}
	if se != nil {
		v.Errors = map[string]string{"_form": v.T("err.state", "action", v.T("action."+se.Action), "status", v.T("status."+se.Status))}
		return h.render(c, fiber.StatusConflict, tpl, v)
	}
	return h.formError(c, err, tpl, v)
}

// formActor is who runs a form's use case: the user, the scope, and the
// form's one-time token _idem as the replay key (a new record is made once
// per form); Fresh as for actor.
func (h *Handler) formActor(c *fiber.Ctx) store.Actor {
	return store.Actor{User: currentUser(c), Scope: h.scope(c), Once: c.FormValue("_idem"), Fresh: true}
}
