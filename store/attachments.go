package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"dealerportal/model"
)

// AttachmentAccess decides, for one owner type, whether a scope may read an
// attachment. Modules whose records are shared more widely than one customer
// (announcements) register their own rule; the default rule is below.
type AttachmentAccess func(t *Tx, sc Scope, a *model.Attachment) bool

var attachmentAccess = map[string]AttachmentAccess{}

// RegisterAttachmentAccess sets the access rule for attachments of ownerType.
// Call it from init.
func RegisterAttachmentAccess(ownerType string, f AttachmentAccess) { attachmentAccess[ownerType] = f }

// defaultAccess: a customer's attachment is visible to whoever sees the
// customer; an enterprise-internal one (CustomerID 0) to staff only.
func defaultAccess(t *Tx, sc Scope, a *model.Attachment) bool {
	if a.CustomerID == 0 {
		return sc.IsStaff()
	}
	return t.AllowsCustomer(sc, a.CustomerID)
}

func ownerKey(ownerType string, ownerID uint64) []byte {
	return append(append([]byte(ownerType), '/'), itob(ownerID)...)
}

// AddAttachment stores a checked file (see model.CheckAttachment) for an owner
// record and returns its id. The owner's customer decides who may read it.
func (t *Tx) AddAttachment(a *model.Attachment, data []byte) error {
	if int64(len(data)) > model.MaxAttachmentSize {
		return model.Invalid("file", "err.file_too_big")
	}
	b := t.b(bAttachments)
	id, err := nextID(b)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	a.ID, a.Size, a.SHA256 = id, int64(len(data)), hex.EncodeToString(sum[:])
	a.UploadedAt, a.UploadedBy = t.Now, t.By
	if err := t.b(bAttachmentBlobs).Put(itob(id), data); err != nil {
		return err
	}
	if err := t.b(bAttachmentsByOwn).Put(append(ownerKey(a.OwnerType, a.OwnerID), itob(id)...), nil); err != nil {
		return err
	}
	return putJSON(b, itob(id), a)
}

// Attachment returns an attachment's record and content when sc may read it;
// ErrNotFound otherwise (also for another owner's id guessed in a URL).
func (t *Tx) Attachment(sc Scope, id uint64) (*model.Attachment, []byte, error) {
	a, err := t.attachment(sc, id)
	if err != nil {
		return nil, nil, err
	}
	return a, bytes.Clone(t.b(bAttachmentBlobs).Get(itob(id))), nil
}

// AttachmentInfo is Attachment's record without the content.
func (t *Tx) AttachmentInfo(sc Scope, id uint64) (*model.Attachment, error) {
	return t.attachment(sc, id)
}

// attachment is Attachment's record without the content.
func (t *Tx) attachment(sc Scope, id uint64) (*model.Attachment, error) {
	a := &model.Attachment{}
	if err := t.getJSONID(t.b(bAttachments), id, a); err != nil {
		return nil, err
	}
	access := attachmentAccess[a.OwnerType]
	if access == nil {
		access = defaultAccess
	}
	if !access(t, sc, a) {
		return nil, model.ErrNotFound
	}
	return a, nil
}

// Attachments lists an owner record's attachments. The caller has already
// checked that sc sees the owner.
func (t *Tx) Attachments(ownerType string, ownerID uint64) ([]*model.Attachment, error) {
	var out []*model.Attachment
	prefix := ownerKey(ownerType, ownerID)
	c := t.b(bAttachmentsByOwn).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		a := &model.Attachment{}
		if err := getJSON(t.b(bAttachments), k[len(prefix):], a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// DeleteAttachment removes an attachment that sc may read.
func (t *Tx) DeleteAttachment(sc Scope, id uint64) error {
	a, err := t.attachment(sc, id)
	if err != nil {
		return err
	}
	return t.deleteAttachment(a)
}

// deleteAttachment removes attachment a as loaded.
func (t *Tx) deleteAttachment(a *model.Attachment) error {
	id := a.ID
	if err := t.b(bAttachmentsByOwn).Delete(append(ownerKey(a.OwnerType, a.OwnerID), itob(id)...)); err != nil {
		return err
	}
	if err := t.b(bAttachmentBlobs).Delete(itob(id)); err != nil {
		return err
	}
	return t.b(bAttachments).Delete(itob(id))
}

// AttachFile stores a checked file (model.CheckAttachment) as attachment
// att of its owner record, with the audit entry, at most once per a.Once,
// and returns its id. The caller has loaded the owner through a.Scope and
// checked that a.User may change it; the file's customer (0: enterprise
// internal, staff only) must lie inside a.Scope (ErrNotFound).
// ValidationError at file when too big.
func (s *Store) AttachFile(a Actor, att *model.Attachment, data []byte) (uint64, error) {
	form := *att
	return s.act(a, func(t *Tx) (uint64, error) {
		*att = form
		if !defaultAccess(t, a.Scope, att) {
			return 0, model.ErrNotFound
		}
		if err := t.AddAttachment(att, data); err != nil {
			return 0, err
		}
		return att.ID, t.Log(att.OwnerType, att.OwnerID, "attach", att.Name)
	})
}

// RemoveAttachment deletes attachment id of the owner record (ownerType,
// ownerID) with the audit entry and returns it as it was. ErrNotFound when
// a.Scope may not read it or it belongs to another record. The caller has
// checked that a.User may change the owner (and that the owner's rule
// allows it now).
func (s *Store) RemoveAttachment(a Actor, id uint64, ownerType string, ownerID uint64) (*model.Attachment, error) {
	var att *model.Attachment
	_, err := s.act(a, func(t *Tx) (uint64, error) {
		var err error
		if att, err = t.attachment(a.Scope, id); err != nil {
			return 0, err
		}
		if att.OwnerType != ownerType || att.OwnerID != ownerID {
			return 0, model.ErrNotFound
		}
		if err := t.deleteAttachment(att); err != nil {
			return 0, err
		}
		return 0, t.Log(ownerType, ownerID, "detach", att.Name)
	})
	return att, err
}
