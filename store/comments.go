package store

import (
	"bytes"
	"encoding/json"

	"dealerportal/model"
)

// Comment threads (留言, SPEC §7): dealer and staff leave comments on a
// document — an online order, a sales order, a return, a complaint, a
// service request… — kept per document type and id in one bucket:
//
//	comments  type|0|docID|commentID → model.Comment
//
// Any document type kept in the shared document storage (docs.go) can have
// a thread: its scope decides who may read and write it. Each comment
// raises comment.added to the other side of the conversation: a staff
// comment to the customer's users, a dealer's comment to the responsible
// staff (the event's "to_side" param; notify keeps only that side).

var bComments = []byte("comments")

func init() { allBuckets = append(allBuckets, bComments) }

func commentPrefix(kind model.DocType, docID uint64) []byte {
	k := append([]byte(kind), 0)
	return append(k, itob(docID)...)
}

// Comments returns the thread of document id of kind, oldest first, when sc
// may see the document; ErrNotFound otherwise.
func (t *Tx) Comments(sc Scope, kind model.DocType, id uint64) ([]*model.Comment, error) {
	if _, err := t.DocOwner(sc, kind, id); err != nil {
		return nil, err
	}
	var out []*model.Comment
	prefix := commentPrefix(kind, id)
	c := t.b(bComments).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		cm := &model.Comment{}
		if err := json.Unmarshal(v, cm); err != nil {
			return nil, err
		}
		out = append(out, cm)
	}
	return out, nil
}

// CountComments returns how many comments document id of kind has (0 when
// none or not visible).
func (t *Tx) CountComments(sc Scope, kind model.DocType, id uint64) int {
	if _, err := t.DocOwner(sc, kind, id); err != nil {
		return 0
	}
	return countPrefix(t.b(bComments), commentPrefix(kind, id))
}

// AddComment adds u's comment to the thread of document id of kind (which
// sc must see; ErrNotFound otherwise) and raises comment.added for the other
// side, with link as the message's link. An empty or too long text is a
// ValidationError on "text".
func (t *Tx) AddComment(sc Scope, kind model.DocType, id uint64, u *model.User, text, link string) (*model.Comment, error) {
	if u == nil || u.Disabled {
		return nil, model.ErrNotAllowed
	}
	s, err := t.summaryOf(kind, id)
	if err != nil || !t.AllowsCustomer(sc, s.CustomerID) {
		return nil, model.ErrNotFound
	}
	cm := &model.Comment{DocType: kind, DocID: id, By: u.Username, ByName: u.Name, Staff: u.IsStaff(), Text: text, At: t.Now, Customer: s.CustomerID}
	if err := cm.Validate(); err != nil {
		return nil, err
	}
	cid, err := nextID(t.b(bComments))
	if err != nil {
		return nil, err
	}
	cm.ID = cid
	if err := putJSON(t.b(bComments), append(commentPrefix(kind, id), itob(cid)...), cm); err != nil {
		return nil, err
	}
	side := "staff"
	if cm.Staff {
		side = "dealer"
	}
	excerpt := []rune(cm.Text)
	if len(excerpt) > 200 {
		excerpt = append(excerpt[:200], '…')
	}
	return cm, t.Emit(&model.OutboxMessage{Event: model.EventCommentAdded, CustomerID: s.CustomerID, DocType: kind, DocID: id,
		DocNumber: s.Number, Params: map[string]string{"comment": string(excerpt), "link": link, "to_side": side,
			"amount": t.Settings().Money(s.Amount)}})
}

// CommentInput is the comment form of the use case PostComment: the
// document (kind, id), the text, and the link of the message it raises.
type CommentInput struct {
	Kind       model.DocType
	ID         uint64
	Text, Link string
}

// PostComment adds a.User's comment to a document's thread: one use case,
// at most once per a.Once (the form's one-time token). It returns the
// comment's id. The caller has checked that a.User may see the document
// and comment; errors as AddComment's.
func (s *Store) PostComment(a Actor, in CommentInput) (uint64, error) {
	return s.act(a, func(t *Tx) (uint64, error) {
		cm, err := t.AddComment(a.Scope, in.Kind, in.ID, a.User, in.Text, in.Link)
		if err != nil {
			return 0, err
		}
		return cm.ID, nil
	})
}
