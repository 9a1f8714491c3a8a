package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"dealerportal/model"
)

func addAttachment(t *testing.T, s *Store, a *model.Attachment, data []byte) {
	t.Helper()
	update(t, s, func(tx *Tx) error { return tx.AddAttachment(a, data) })
}

func TestAttachmentsAccess(t *testing.T) {
	f := newFixture(t)
	s := f.s
	data := []byte("%PDF-1.7 contract of C001")
	mine := &model.Attachment{CustomerID: f.c1.ID, OwnerType: "customer", OwnerID: f.c1.ID, Name: "合同.pdf", ContentType: "application/pdf"}
	addAttachment(t, s, mine, data)
	internal := &model.Attachment{OwnerType: "customer", OwnerID: f.c1.ID, Name: "internal.txt", ContentType: "text/plain"}
	addAttachment(t, s, internal, []byte("staff only notes"))
	other := &model.Attachment{CustomerID: f.c4.ID, OwnerType: "customer", OwnerID: f.c4.ID, Name: "c004.png", ContentType: "image/png"}
	addAttachment(t, s, other, []byte("\x89PNG..."))

	sum := sha256.Sum256(data)
	if mine.ID == 0 || mine.Size != int64(len(data)) || mine.SHA256 != hex.EncodeToString(sum[:]) || mine.UploadedBy != "tester" || !mine.UploadedAt.Equal(testNow) {
		t.Fatalf("stored attachment = %+v", mine)
	}

	tests := []struct {
		name string
		sc   Scope
		id   uint64
		ok   bool
	}{
		{"admin, customer file", AdminScope(), mine.ID, true},
		{"admin, internal file", AdminScope(), internal.ID, true},
		{"north lead, C001 file", f.scope(f.northLead), mine.ID, true},
		{"north lead, internal file", f.scope(f.northLead), internal.ID, true},
		{"north lead, C004 file", f.scope(f.northLead), other.ID, false},
		{"own customers, C001 file", f.scope(f.bjOwn), mine.ID, true},
		{"south viewer, C001 file", f.scope(f.southViewer), mine.ID, false},
		{"south viewer, C004 file", f.scope(f.southViewer), other.ID, true},
		{"south viewer, internal file", f.scope(f.southViewer), internal.ID, true},
		{"C001 dealer, own file", f.scope(f.d1b), mine.ID, true},
		{"C001 dealer, internal file", f.scope(f.d1b), internal.ID, false},
		{"C001 dealer, C004 file", f.scope(f.d1b), other.ID, false},
		{"C004 dealer, C001 file", f.scope(f.d4), mine.ID, false},
		{"disabled admin", f.scope(f.disabled), mine.ID, false},
		{"disabled admin, internal file", f.scope(f.disabled), internal.ID, false},
		{"zero scope, internal file", Scope{}, internal.ID, false},
		{"missing id", AdminScope(), 999, false},
	}
	for _, tt := range tests {
		view(t, s, func(tx *Tx) error {
			a, blob, err := tx.Attachment(tt.sc, tt.id)
			if tt.ok {
				if err != nil || a.ID != tt.id || len(blob) == 0 {
					t.Errorf("%s: %v, %d bytes, %v", tt.name, a, len(blob), err)
				}
				return nil
			}
			if err == nil || a != nil || blob != nil {
				t.Errorf("%s: got %v (%d bytes), %v; want ErrNotFound", tt.name, a, len(blob), err)
			}
			wantNotFound(t, err)
			return nil
		})
	}
	view(t, s, func(tx *Tx) error {
		_, blob, _ := tx.Attachment(AdminScope(), mine.ID)
		if !bytes.Equal(blob, data) {
			t.Errorf("content = %q", blob)
		}
		list, err := tx.Attachments("customer", f.c1.ID)
		if err != nil || len(list) != 2 || list[0].ID != mine.ID || list[1].ID != internal.ID {
			t.Errorf("Attachments(C001) = %+v, %v", list, err)
		}
		if list, _ := tx.Attachments("customer", f.c4.ID); len(list) != 1 {
			t.Errorf("Attachments(C004) = %d", len(list))
		}
		if list, _ := tx.Attachments("order", f.c1.ID); len(list) != 0 {
			t.Errorf("another owner type lists %d", len(list))
		}
		return nil
	})

	// Deleting applies the same rule.
	wantNotFound(t, s.Update("x", func(tx *Tx) error { return tx.DeleteAttachment(f.scope(f.d4), mine.ID) }))
	wantNotFound(t, s.Update("x", func(tx *Tx) error { return tx.DeleteAttachment(f.scope(f.d1a), internal.ID) }))
	update(t, s, func(tx *Tx) error { return tx.DeleteAttachment(f.scope(f.d1a), mine.ID) })
	view(t, s, func(tx *Tx) error {
		_, _, err := tx.Attachment(AdminScope(), mine.ID)
		wantNotFound(t, err)
		if list, _ := tx.Attachments("customer", f.c1.ID); len(list) != 1 || list[0].ID != internal.ID {
			t.Errorf("after delete: %+v", list)
		}
		if tx.b(bAttachmentBlobs).Get(itob(mine.ID)) != nil {
			t.Errorf("blob left behind")
		}
		return nil
	})
	wantNotFound(t, s.Update("x", func(tx *Tx) error { return tx.DeleteAttachment(AdminScope(), mine.ID) }))
}

func TestAttachmentSizeLimit(t *testing.T) {
	s := openStore(t)
	big := make([]byte, model.MaxAttachmentSize+1)
	err := s.Update("x", func(tx *Tx) error {
		return tx.AddAttachment(&model.Attachment{OwnerType: "customer", OwnerID: 1, Name: "big.pdf"}, big)
	})
	wantField(t, err, "file", "err.file_too_big")
	view(t, s, func(tx *Tx) error {
		if n := tx.b(bAttachments).Stats().KeyN + tx.b(bAttachmentBlobs).Stats().KeyN; n != 0 {
			t.Errorf("oversized file stored: %d", n)
		}
		return nil
	})
}

func TestRegisterAttachmentAccess(t *testing.T) {
	f := newFixture(t)
	s := f.s
	// Announcements are internal records (CustomerID 0) that dealers may read.
	var calls int
	RegisterAttachmentAccess("test_announcement", func(tx *Tx, sc Scope, a *model.Attachment) bool {
		calls++
		return sc.IsStaff() || sc.CustomerID() != 0
	})
	t.Cleanup(func() { delete(attachmentAccess, "test_announcement") })

	ann := &model.Attachment{OwnerType: "test_announcement", OwnerID: 1, Name: "price-list.pdf"}
	addAttachment(t, s, ann, []byte("%PDF"))
	plain := &model.Attachment{OwnerType: "customer", OwnerID: 1, Name: "internal.pdf"}
	addAttachment(t, s, plain, []byte("%PDF"))

	view(t, s, func(tx *Tx) error {
		if _, _, err := tx.Attachment(f.scope(f.d4), ann.ID); err != nil {
			t.Errorf("dealer cannot read an announcement attachment: %v", err)
		}
		if _, _, err := tx.Attachment(tx.ScopeFor(f.southViewer), ann.ID); err != nil {
			t.Errorf("staff cannot read an announcement attachment: %v", err)
		}
		_, _, err := tx.Attachment(Scope{}, ann.ID)
		wantNotFound(t, err)
		// Other owner types keep the default rule.
		_, _, err = tx.Attachment(f.scope(f.d4), plain.ID)
		wantNotFound(t, err)
		return nil
	})
	if calls != 3 {
		t.Errorf("override called %d times, want 3", calls)
	}
}
