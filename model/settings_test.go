package model

import (
	"strings"
	"testing"
	"time"
)

func TestLoadZoneOnce(t *testing.T) {
	a, err := LoadZone("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadZone("Asia/Shanghai")
	if a != b {
		t.Error("the zone was loaded twice")
	}
	// The host's zone never decides a business date.
	for _, name := range []string{"", "Local", "Mars/Olympus"} {
		if _, err := LoadZone(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	s := &Settings{TimeZone: "Local"}
	if s.Location() != time.UTC {
		t.Errorf("Local settings give %s, want UTC", s.Location())
	}
	if s := DefaultSettings(); s.Location() != a {
		t.Errorf("default zone %s", s.Location())
	}
}

func TestDateOfAtDayEdges(t *testing.T) {
	sh, _ := LoadZone("Asia/Shanghai")
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC), "2026-12-31"}, // 23:59 in Shanghai
		{time.Date(2026, 12, 31, 16, 1, 0, 0, time.UTC), "2027-01-01"},  // 00:01 in Shanghai
		{time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), "2027-01-01"}, // 07:59 in Shanghai
		{time.Date(2027, 1, 1, 0, 1, 0, 0, time.UTC), "2027-01-01"},     // 08:01 in Shanghai
	} {
		if got := DateOf(c.at, sh); got != c.want {
			t.Errorf("DateOf(%v) = %s, want %s", c.at, got, c.want)
		}
		// The same instant read in another zone gives the same date.
		if got := DateOf(c.at.In(time.FixedZone("SST", -11*3600)), sh); got != c.want {
			t.Errorf("DateOf(%v in SST) = %s, want %s", c.at, got, c.want)
		}
	}
}

// TestSettingsStatementFields: the statement's enterprise details are
// optional, trimmed, and bounded like the customer's own.
func TestSettingsStatementFields(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *Settings)
		want map[string]string
	}{
		{"all set", func(s *Settings) {
			s.Address, s.Bank, s.BankAccount, s.Contact, s.Phone = "上海市浦东新区张江路 88 号", "中国工商银行上海张江支行", "1001 2345 6789 0123 456", "王经理", "021-5080 1234"
		}, nil},
		{"address too long", func(s *Settings) { s.Address = strings.Repeat("路", 201) }, map[string]string{"address": "err.too_long"}},
		{"bank too long", func(s *Settings) { s.Bank = strings.Repeat("行", 101) }, map[string]string{"bank": "err.too_long"}},
		{"account too long", func(s *Settings) { s.BankAccount = strings.Repeat("1", 41) }, map[string]string{"bank_account": "err.too_long"}},
		{"contact too long", func(s *Settings) { s.Contact = strings.Repeat("王", 41) }, map[string]string{"contact": "err.too_long"}},
		{"phone too long", func(s *Settings) { s.Phone = strings.Repeat("1", 41) }, map[string]string{"phone": "err.too_long"}},
	}
	for _, tt := range tests {
		s := DefaultSettings()
		tt.edit(s)
		checkFields(t, tt.name, s.Validate(), tt.want)
	}
	s := DefaultSettings()
	s.Bank = "  中国银行 "
	if err := s.Validate(); err != nil || s.Bank != "中国银行" {
		t.Errorf("bank not trimmed: %q, %v", s.Bank, err)
	}
}
