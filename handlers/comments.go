package handlers

import (
	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Comment threads (留言) at the bottom of document pages: any document kept
// in the shared document storage can carry one. A module makes its
// documents commentable by registering the kind (registerCommentKind, from a
// package-level var or init): the link of a document's page, and who may see
// the document beyond its data scope. Its page data then holds a
// *CommentThread in a field named Thread and includes
// {{template "partials/comments" $}}.

// commentKind is how one document type takes part in comment threads.
type commentKind struct {
	// Link is the page of document id (the thread's anchor is #comments).
	Link func(id uint64) string
	// Visible checks, after the data scope, that the user may see the
	// document (e.g. a dealer sees only audited sales orders): an error
	// (ErrNotFound) refuses.
	Visible func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error
}

var commentKinds = map[model.DocType]commentKind{}

// registerCommentKind declares a commentable document type.
func registerCommentKind(kind model.DocType, k commentKind) bool {
	commentKinds[kind] = k
	return true
}

var _ = registerCommentKind(model.DocOnlineOrder, commentKind{
	Link: func(id uint64) string { return "/online-orders/" + itoa(id) },
	Visible: func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error {
		if _, err := t.OnlineOrder(sc, id); err != nil {
			return err
		}
		return seesOrders(u)
	},
})

var _ = registerCommentKind(model.DocSalesOrder, commentKind{
	Link: func(id uint64) string { return "/sales-orders/" + itoa(id) },
	Visible: func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error {
		if _, err := t.SalesOrder(sc, id); err != nil {
			return err
		}
		return seesOrders(u)
	},
})

var _ = registerCommentKind(model.DocChangeRequest, commentKind{
	Link: func(id uint64) string { return "/change-requests/" + itoa(id) },
	Visible: func(t *store.Tx, sc store.Scope, u *model.User, id uint64) error {
		if _, err := t.ChangeRequest(sc, id); err != nil {
			return err
		}
		return seesOrders(u)
	},
})

// seesOrders refuses (403) users who see no orders.
func seesOrders(u *model.User) error {
	if !canSeeOrders(u) {
		return model.ErrNotAllowed
	}
	return nil
}

// CommentThread is what partials/comments shows: the comments, oldest
// first, and where to post a new one (empty: the user may only read).
type CommentThread struct {
	Kind     model.DocType
	ID       uint64
	Comments []*model.Comment
	PostURL  string
}

// thread loads the comment thread of a document the user sees; users with
// the comment permission may post (the read-only viewer only reads).
func (h *Handler) thread(t *store.Tx, c *fiber.Ctx, kind model.DocType, id uint64) (*CommentThread, error) {
	cs, err := t.Comments(h.scope(c), kind, id)
	if err != nil {
		return nil, err
	}
	th := &CommentThread{Kind: kind, ID: id, Comments: cs}
	if u := currentUser(c); u.Can(model.PermComment) {
		th.PostURL = "/comments/" + string(kind) + "/" + itoa(id)
	}
	return th, nil
}

func (h *Handler) registerComments(r fiber.Router) {
	r.Post("/comments/:kind/:id", h.addComment)
}

// addComment posts a comment on a document the user may see (404
// otherwise; 403 for a user without the comment permission, such as the
// read-only viewer) and goes back to the document's thread. An empty or too
// long comment goes back with the message at the field.
func (h *Handler) addComment(c *fiber.Ctx) error {
	kind := model.DocType(c.Params("kind"))
	k, ok := commentKinds[kind]
	if !ok {
		return fiber.ErrNotFound
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	link := k.Link(id)
	// Who may see the document is a read through the scope; the use case
	// checks the scope again in its own transaction.
	if err := h.read(func(t *store.Tx) error { return k.Visible(t, sc, u, id) }); err != nil {
		return err
	}
	if err := need(c, model.PermComment); err != nil {
		return err
	}
	_, err = h.store.PostComment(store.Actor{User: u, Scope: sc, Once: c.FormValue("_idem")},
		store.CommentInput{Kind: kind, ID: id, Text: c.FormValue("text"), Link: link})
	if err != nil {
		if isValidation(err) {
			h.setFlash(c, "flash.comment_empty")
			return h.redirect(c, link+"#comments")
		}
		return err
	}
	h.setFlash(c, "flash.comment_added")
	return h.redirect(c, link+"#comments")
}

// CommentToken is a fresh one-time token for the comment form (a double
// click posts one comment).
func (v *View) CommentToken() string { return randomHex(12) }
