package notify

import (
	"encoding/json"
	"strings"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
	"dealerportal/store/kv"
)

// TestPersonalEventGoesToItsUserOnly: an invitation reaches the one user it
// names, by e-mail and (when the admin turned it on) in-app, and nobody
// else: not the customer's other users, not staff, not a fixed address,
// whatever the stored template names; a disabled user gets nothing.
func TestPersonalEventGoesToItsUserOnly(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t, "127.0.0.1:0", "", "")
	e.useSMTP(srv.addr, "", "", 3)
	// Written past the template's validation (which drops such recipients),
	// as an older file or a bug might hold it: the fan-out itself refuses.
	tpl, _ := json.Marshal(&model.MessageTemplate{Event: model.EventUserInvited, Channels: []model.Channel{model.ChannelEmail, model.ChannelInApp},
		ToCustomerUsers: true, ToSalesperson: true, StaffRoles: []model.Role{model.RoleFinance}, Addresses: []string{"all@c1.example.com"},
		SubjectZh: "邀请 {{.username}}", SubjectEn: "Invitation for {{.username}}",
		BodyZh: "{{.user_name}}：{{.link}}（{{.expires_at}} 前有效）", BodyEn: "{{.user_name}}: {{.link}} (until {{.expires_at}})"})
	if err := e.st.KV().Update(func(tx kv.Tx) error {
		return tx.Bucket([]byte("message_templates")).Put([]byte(model.EventUserInvited), tpl)
	}); err != nil {
		t.Fatal(err)
	}
	invitee := e.users["c1.en"]
	invite := func(u *model.User) {
		e.emit(&model.OutboxMessage{Event: model.EventUserInvited, CustomerID: e.cust.ID, UserID: u.ID, Actor: "api:ERP",
			Params: map[string]string{"link": "/invite/tok-" + u.Username, "username": u.Username, "user_name": u.Name, "expires_at": "2026-04-08 10:00"}})
	}
	invite(invitee)
	run(t, e.worker())
	got := srv.received()
	if len(got) != 1 || got[0].To[0] != "en@c1.example.com" {
		var to []string
		for _, m := range got {
			to = append(to, m.To...)
		}
		t.Fatalf("mail went to %v", to)
	}
	if body := got[0].body(); !strings.Contains(body, "https://portal.example.com/invite/tok-c1.en") || !strings.Contains(got[0].header("Subject"), "Invitation for c1.en") {
		t.Fatalf("mail: %s / %s", got[0].header("Subject"), body)
	}
	if n := len(e.inbox("c1.en")); n != 1 {
		t.Errorf("invitee's inbox: %d", n)
	}
	for _, other := range []string{"c1.zh", "c1.quiet", "east.sales", "east.fin"} {
		if n := len(e.inbox(other)); n != 0 {
			t.Errorf("%s got %d in-app messages", other, n)
		}
	}
	// A disabled invitee: nothing at all.
	e.update(func(tx *store.Tx) error {
		u := e.users["c1.zh"]
		u.Disabled = true
		return tx.SaveUser(store.AdminScope(), u)
	})
	invite(e.users["c1.zh"])
	run(t, e.worker())
	if n := len(srv.received()); n != 1 {
		t.Fatalf("%d mails after inviting a disabled user", n)
	}
}
