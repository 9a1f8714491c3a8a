package model

import (
	"errors"
	"strings"
	"sync"
	"time"
)

// Settings are the enterprise's installation-wide settings.
type Settings struct {
	EnterpriseName string `json:"enterprise_name" validate:"required,max=100"`
	CurrencyCode   string `json:"currency_code"`
	CurrencySymbol string `json:"currency_symbol"`
	TimeZone       string `json:"time_zone"`
	// The enterprise's details printed on the statement (对账单) and other
	// documents sent to customers: address, bank (开户行) and account
	// (账号), contact (联系人) and phone (电话). All optional; an empty one
	// is left off the page. Stored in the same JSON record as the rest, so
	// older records read them as empty and need no migration.
	Address     string `json:"address,omitempty" validate:"max=200"`
	Bank        string `json:"bank,omitempty" validate:"max=100"`
	BankAccount string `json:"bank_account,omitempty" validate:"max=40"`
	Contact     string `json:"contact,omitempty" validate:"max=40"`
	Phone       string `json:"phone,omitempty" validate:"max=40"`
	Meta
}

// DefaultSettings are those of a new installation: CNY, Asia/Shanghai.
func DefaultSettings() *Settings {
	return &Settings{EnterpriseName: "Enterprise", CurrencyCode: "CNY", CurrencySymbol: "¥", TimeZone: "Asia/Shanghai"}
}

// Money shows an amount in the enterprise's currency: "¥1,234.50",
// "−¥2,240.00" (Money.Format with the currency symbol).
func (s *Settings) Money(m Money) string { return m.Format(s.CurrencySymbol) }

// Location returns the enterprise's time zone (UTC when unknown). Every
// calendar date of the product (today, a period's end, a document's date, a
// file name) is computed in this zone, never in the host's.
func (s *Settings) Location() *time.Location {
	if loc, err := LoadZone(s.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// zones caches loaded time zones by name: time.LoadLocation reads and parses
// the zone database on every call.
var zones sync.Map

// LoadZone returns the named IANA time zone, loaded once per process; an
// error for an unknown name, for "" and for "Local" (the host's zone, which
// must never decide a business date).
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, errUnknownZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

var errUnknownZone = errors.New("unknown time zone")

// Validate checks the settings.
func (s *Settings) Validate() error {
	trimAll(&s.EnterpriseName, &s.CurrencyCode, &s.CurrencySymbol, &s.TimeZone, &s.Address, &s.Bank, &s.BankAccount, &s.Contact, &s.Phone)
	s.CurrencyCode = strings.ToUpper(s.CurrencyCode)
	v := &ValidationError{}
	checkTags(s, v)
	if len(s.CurrencyCode) != 3 {
		v.Add("currency_code", "err.currency_code", nil)
	}
	if s.CurrencySymbol == "" || len([]rune(s.CurrencySymbol)) > 4 {
		v.Add("currency_symbol", "err.required", nil)
	}
	if _, err := LoadZone(s.TimeZone); err != nil {
		v.Add("time_zone", "err.time_zone", nil)
	}
	return v.Err()
}
