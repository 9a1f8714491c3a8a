package store

import (
	"errors"
	"testing"

	"dealerportal/model"
)

// The use cases of people and access: scope at the top, one audit entry,
// a replayed create does nothing twice.
func TestPeopleUseCases(t *testing.T) {
	f := newFixture(t)
	boss := Actor{User: f.d1a, Scope: f.s.ScopeFor(f.d1a), Once: "form-1"}
	newUser := func(customerID uint64) *model.User {
		return &model.User{Username: "c001.new", Name: "新人", Kind: model.KindDealer, CustomerID: customerID,
			Roles: []model.Role{model.RoleBuyer}, Email: "new@c001.cn"}
	}
	id, err := f.s.CreateUser(boss, NewUserInput{User: newUser(f.c1.ID), Invite: true})
	if err != nil || id == 0 {
		t.Fatalf("create: %d %v", id, err)
	}
	// A double click: the same id, nothing made twice.
	again, err := f.s.CreateUser(boss, NewUserInput{User: newUser(f.c1.ID), Invite: true})
	if err != nil || again != id {
		t.Errorf("replay: %d %v, want %d", again, err, id)
	}
	// Another dealer's customer lies outside the manager's scope.
	other := boss
	other.Once = "form-2"
	_, err = f.s.CreateUser(other, NewUserInput{User: newUser(f.c2.ID)})
	wantNotFound(t, err)
	// An invited user is not invited while it has a password.
	if err := f.s.ResendInvitation(Actor{User: f.d1a, Scope: boss.Scope}, f.d1b.ID); !errors.Is(err, model.ErrPasswordSet) {
		t.Errorf("invite a user with a password: %v", err)
	}
	view(t, f.s, func(tx *Tx) error {
		n := 0
		for _, a := range tx.ActivityOf("customer", f.c1.ID, 50) {
			if a.Action == "user.create" || a.Action == "user.invite" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("audit entries: %d, want 2 (create, invite)", n)
		}
		if tx.PendingInvitation(id) == nil {
			t.Errorf("no invitation")
		}
		return nil
	})

	// Attachments: the file's customer inside the scope; removal only of
	// the record named.
	south := Actor{User: f.southViewer, Scope: f.s.ScopeFor(f.southViewer)}
	att := &model.Attachment{CustomerID: f.c1.ID, OwnerType: "customer", OwnerID: f.c1.ID, Name: "a.pdf", ContentType: "application/pdf"}
	_, err = f.s.AttachFile(south, att, []byte("%PDF"))
	wantNotFound(t, err)
	admin := Actor{User: f.admin, Scope: AdminScope()}
	attID, err := f.s.AttachFile(admin, att, []byte("%PDF"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.RemoveAttachment(admin, attID, "customer", f.c2.ID)
	wantNotFound(t, err)
	_, err = f.s.RemoveAttachment(south, attID, "customer", f.c1.ID)
	wantNotFound(t, err)
	if got, err := f.s.RemoveAttachment(admin, attID, "customer", f.c1.ID); err != nil || got.Name != "a.pdf" {
		t.Errorf("remove: %v %v", got, err)
	}
}
