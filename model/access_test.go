package model

import (
	"errors"
	"testing"
	"time"
)

func TestCheckUserChange(t *testing.T) {
	dealer := &User{Kind: KindDealer, CustomerID: 1}
	cases := []struct {
		name string
		u    *User
		want error
	}{
		{"same", &User{Kind: KindDealer, CustomerID: 1, Name: "new name"}, nil},
		{"other customer", &User{Kind: KindDealer, CustomerID: 2}, ErrNotAllowed},
		{"becomes staff", &User{Kind: KindStaff}, ErrNotAllowed},
	}
	for _, c := range cases {
		if got := CheckUserChange(dealer, c.u); !errors.Is(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCheckInvitable(t *testing.T) {
	cases := []struct {
		name  string
		u     User
		want  error
		field string
	}{
		{"invitable", User{Email: "a@b.cn"}, nil, ""},
		{"password set", User{Email: "a@b.cn", PasswordHash: "x", Disabled: true}, ErrPasswordSet, ""},
		{"disabled", User{Email: "a@b.cn", Disabled: true}, ErrNotAllowed, ""},
		{"no e-mail", User{}, nil, "email"},
	}
	for _, c := range cases {
		got := CheckInvitable(&c.u)
		if c.field != "" {
			var ve *ValidationError
			if !errors.As(got, &ve) || ve.Fields[0].Field != c.field || ve.Fields[0].Key != "err.required" {
				t.Errorf("%s: %v, want a field error at %s", c.name, got, c.field)
			}
			continue
		}
		if !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestInvitationOpen(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	live := &Invitation{ExpiresAt: now.Add(time.Hour)}
	cases := []struct {
		name string
		inv  *Invitation
		u    User
		want bool
	}{
		{"open", live, User{}, true},
		{"expired", &Invitation{ExpiresAt: now}, User{}, false},
		{"none", nil, User{}, false},
		{"password chosen since", live, User{PasswordHash: "x"}, false},
		{"disabled since", live, User{Disabled: true}, false},
	}
	for _, c := range cases {
		if got := InvitationOpen(c.inv, &c.u, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMayLogin(t *testing.T) {
	cases := []struct {
		name   string
		u      User
		active bool
		want   bool
	}{
		{"staff", User{Kind: KindStaff}, false, true},
		{"disabled staff", User{Kind: KindStaff, Disabled: true}, true, false},
		{"dealer of an active customer", User{Kind: KindDealer}, true, true},
		{"dealer of an inactive customer", User{Kind: KindDealer}, false, false},
		{"disabled dealer", User{Kind: KindDealer, Disabled: true}, true, false},
		{"no kind", User{}, true, false},
	}
	for _, c := range cases {
		if got := c.u.MayLogin(c.active); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCheckSelfAction(t *testing.T) {
	a, b := &User{ID: 1}, &User{ID: 2}
	if err := CheckSelfAction(a, b, "_form"); err != nil {
		t.Errorf("another user: %v", err)
	}
	var ve *ValidationError
	if err := CheckSelfAction(a, &User{ID: 1}, "password"); !errors.As(err, &ve) || ve.Fields[0].Field != "password" || ve.Fields[0].Key != "err.self" {
		t.Errorf("oneself: %v", err)
	}
}

func TestLocationRules(t *testing.T) {
	cases := []struct {
		name     string
		old, l   Location
		count    int
		change   string // the field error key of CheckLocationChange(old, l), "" none
		deletion string // of CheckLocationDelete(old, count)
	}{
		{"primary kept", Location{Primary: true}, Location{Primary: true}, 2, "", "err.primary_delete"},
		{"primary un-flagged", Location{Primary: true}, Location{}, 2, "err.primary_required", "err.primary_delete"},
		{"the last one", Location{Primary: true}, Location{Primary: true}, 1, "", ""},
		{"another made primary", Location{}, Location{Primary: true}, 3, "", ""},
		{"another", Location{}, Location{}, 3, "", ""},
	}
	key := func(err error) string {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Fields[0].Field == "primary" {
			return ve.Fields[0].Key
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	for _, c := range cases {
		if got := key(CheckLocationChange(&c.old, &c.l)); got != c.change {
			t.Errorf("%s change: %q, want %q", c.name, got, c.change)
		}
		if got := key(CheckLocationDelete(&c.old, c.count)); got != c.deletion {
			t.Errorf("%s delete: %q, want %q", c.name, got, c.deletion)
		}
	}
}

func TestInviteOnUpsert(t *testing.T) {
	old := &User{Email: "a@b.cn"}
	cases := []struct {
		name    string
		old     *User
		u       User
		pending bool
		want    bool
	}{
		{"new", nil, User{Email: "a@b.cn"}, false, true},
		{"new and disabled", nil, User{Email: "a@b.cn", Disabled: true}, false, false},
		{"unchanged, invitation pending", old, User{Email: "a@b.cn"}, true, false},
		{"unchanged, no invitation left", old, User{Email: "a@b.cn"}, false, true},
		{"new address", old, User{Email: "c@d.cn"}, true, true},
		{"enabled again", &User{Email: "a@b.cn", Disabled: true}, User{Email: "a@b.cn"}, true, true},
		{"has a password", old, User{Email: "c@d.cn", PasswordHash: "x"}, false, false},
	}
	for _, c := range cases {
		if got := InviteOnUpsert(c.old, &c.u, c.pending); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
