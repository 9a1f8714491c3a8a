package model

import (
	"strings"
	"time"
)

// Settings are the enterprise's installation-wide settings.
type Settings struct {
	EnterpriseName string `json:"enterprise_name" validate:"required,max=100"`
	CurrencyCode   string `json:"currency_code"`
	CurrencySymbol string `json:"currency_symbol"`
	TimeZone       string `json:"time_zone"`
	Meta
}

// DefaultSettings are those of a new installation: CNY, Asia/Shanghai.
func DefaultSettings() *Settings {
	return &Settings{EnterpriseName: "Enterprise", CurrencyCode: "CNY", CurrencySymbol: "¥", TimeZone: "Asia/Shanghai"}
}

// Location returns the enterprise's time zone (UTC when unknown).
func (s *Settings) Location() *time.Location {
	if loc, err := time.LoadLocation(s.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	trimAll(&s.EnterpriseName, &s.CurrencyCode, &s.CurrencySymbol, &s.TimeZone)
	s.CurrencyCode = strings.ToUpper(s.CurrencyCode)
	v := &ValidationError{}
	checkTags(s, v)
	if len(s.CurrencyCode) != 3 {
		v.Add("currency_code", "err.currency_code", nil)
	}
	if s.CurrencySymbol == "" || len([]rune(s.CurrencySymbol)) > 4 {
		v.Add("currency_symbol", "err.required", nil)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" || s.TimeZone == "Local" {
		v.Add("time_zone", "err.time_zone", nil)
	}
	return v.Err()
}
