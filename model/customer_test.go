package model

import (
	"strings"
	"testing"
)

func validCustomer() Customer {
	return Customer{Code: "C001", Name: "上海华东贸易有限公司", OrgUnitID: 3, Status: CustomerActive}
}

func TestCustomerValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Customer)
		want map[string]string
	}{
		{"minimal", func(c *Customer) {}, nil},
		{"full", func(c *Customer) {
			c.ShortName, c.Level, c.Contact, c.Phone = "华东", "A", "张三", "021-5555 1234"
			c.Email, c.Address, c.TaxNumber, c.Bank, c.BankAccount = "ap@huadong.cn", "上海市浦东新区", "91310000MA1FL1234X", "工商银行", "6222020000000000"
			c.CreditLimit, c.Status, c.Remarks, c.GroupID, c.SalespersonID = 5000000, CustomerInactive, "老客户", 2, 4
		}, nil},
		{"phone with plus and parens", func(c *Customer) { c.Phone = "+86 (21) 5555-1234" }, nil},
		{"max lengths in runes", func(c *Customer) {
			c.Name, c.ShortName, c.Address, c.Remarks = strings.Repeat("名", 100), strings.Repeat("简", 40), strings.Repeat("址", 200), strings.Repeat("备", 500)
		}, nil},

		{"code missing", func(c *Customer) { c.Code = "" }, map[string]string{"code": "err.code"}},
		{"code blank", func(c *Customer) { c.Code = "   " }, map[string]string{"code": "err.code"}},
		{"code chinese", func(c *Customer) { c.Code = "客户1" }, map[string]string{"code": "err.code"}},
		{"code with slash", func(c *Customer) { c.Code = "C/1" }, map[string]string{"code": "err.code"}},
		{"code leading dash", func(c *Customer) { c.Code = "-C1" }, map[string]string{"code": "err.code"}},
		{"code 31 chars", func(c *Customer) { c.Code = strings.Repeat("C", 31) }, map[string]string{"code": "err.code"}},
		{"name missing", func(c *Customer) { c.Name = "" }, map[string]string{"name": "err.required"}},
		{"name only spaces", func(c *Customer) { c.Name = " \t " }, map[string]string{"name": "err.required"}},
		{"name too long", func(c *Customer) { c.Name = strings.Repeat("名", 101) }, map[string]string{"name": "err.too_long"}},
		{"short name too long", func(c *Customer) { c.ShortName = strings.Repeat("x", 41) }, map[string]string{"short_name": "err.too_long"}},
		{"contact too long", func(c *Customer) { c.Contact = strings.Repeat("x", 41) }, map[string]string{"contact": "err.too_long"}},
		{"address too long", func(c *Customer) { c.Address = strings.Repeat("x", 201) }, map[string]string{"address": "err.too_long"}},
		{"bank too long", func(c *Customer) { c.Bank = strings.Repeat("x", 101) }, map[string]string{"bank": "err.too_long"}},
		{"bank account too long", func(c *Customer) { c.BankAccount = strings.Repeat("1", 41) }, map[string]string{"bank_account": "err.too_long"}},
		{"remarks too long", func(c *Customer) { c.Remarks = strings.Repeat("x", 501) }, map[string]string{"remarks": "err.too_long"}},
		{"bad email", func(c *Customer) { c.Email = "ap@" }, map[string]string{"email": "err.email"}},
		{"email too long", func(c *Customer) { c.Email = strings.Repeat("a", 95) + "@x.com" }, map[string]string{"email": "err.too_long"}},
		{"bad phone", func(c *Customer) { c.Phone = "phone me" }, map[string]string{"phone": "err.phone_shape"}},
		{"phone too short", func(c *Customer) { c.Phone = "123" }, map[string]string{"phone": "err.phone_shape"}},
		{"bad tax number", func(c *Customer) { c.TaxNumber = "1234" }, map[string]string{"tax_number": "err.tax_number"}},
		{"tax number with symbol", func(c *Customer) { c.TaxNumber = "91310000MA1FL-234X" }, map[string]string{"tax_number": "err.tax_number"}},
		{"tax number too long", func(c *Customer) { c.TaxNumber = strings.Repeat("9", 21) }, map[string]string{"tax_number": "err.tax_number"}},
		{"bad level", func(c *Customer) { c.Level = "Z" }, map[string]string{"level": "err.choice"}},
		{"status missing", func(c *Customer) { c.Status = "" }, map[string]string{"status": "err.choice"}},
		{"status unknown", func(c *Customer) { c.Status = "deleted" }, map[string]string{"status": "err.choice"}},
		{"negative credit", func(c *Customer) { c.CreditLimit = -1 }, map[string]string{"credit_limit": "err.not_negative"}},
		{"no org unit", func(c *Customer) { c.OrgUnitID = 0 }, map[string]string{"org_unit_id": "err.required"}},
		{"several", func(c *Customer) { c.Code, c.Name, c.Email, c.OrgUnitID = "", "", "x", 0 },
			map[string]string{"code": "err.code", "name": "err.required", "email": "err.email", "org_unit_id": "err.required"}},
	}
	for _, tt := range tests {
		c := validCustomer()
		tt.edit(&c)
		checkFields(t, tt.name, c.Validate(), tt.want)
	}
}

func TestCustomerValidateNormalizes(t *testing.T) {
	c := validCustomer()
	c.Code, c.Name, c.TaxNumber, c.Email = "  c-001 ", "  华东  ", " 91310000ma1fl1234x ", " a@b.cn "
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Code != "C-001" || c.Name != "华东" || c.TaxNumber != "91310000MA1FL1234X" || c.Email != "a@b.cn" {
		t.Errorf("not normalized: %+v", c)
	}
}

func TestTooLongCarriesMax(t *testing.T) {
	c := validCustomer()
	c.ShortName = strings.Repeat("x", 41)
	var ve *ValidationError
	if err := c.Validate(); err == nil {
		t.Fatal("no error")
	} else if !asValidation(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Args["max"] != "40" {
		t.Errorf("fields = %+v", ve)
	}
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}

func TestCustomerGroupValidate(t *testing.T) {
	tests := []struct {
		name string
		g    CustomerGroup
		want map[string]string
	}{
		{"valid", CustomerGroup{Code: "vip", Name: "VIP 客户"}, nil},
		{"no code", CustomerGroup{Name: "x"}, map[string]string{"code": "err.code"}},
		{"bad code", CustomerGroup{Code: "a b", Name: "x"}, map[string]string{"code": "err.code"}},
		{"no name", CustomerGroup{Code: "G1"}, map[string]string{"name": "err.required"}},
		{"name too long", CustomerGroup{Code: "G1", Name: strings.Repeat("组", 61)}, map[string]string{"name": "err.too_long"}},
	}
	for _, tt := range tests {
		g := tt.g
		checkFields(t, tt.name, g.Validate(), tt.want)
	}
	g := CustomerGroup{Code: " vip ", Name: " VIP "}
	if err := g.Validate(); err != nil || g.Code != "VIP" || g.Name != "VIP" {
		t.Errorf("group not normalized: %+v, %v", g, err)
	}
}

func TestLocationValidate(t *testing.T) {
	valid := func() Location {
		return Location{CustomerID: 1, Name: "主仓", Address: "上海市闵行区 1 号"}
	}
	tests := []struct {
		name string
		edit func(l *Location)
		want map[string]string
	}{
		{"valid", func(l *Location) {}, nil},
		{"with phone", func(l *Location) { l.Phone, l.Contact, l.Region = "13800000000", "王", "华东" }, nil},
		{"no name", func(l *Location) { l.Name = "" }, map[string]string{"name": "err.required"}},
		{"no address", func(l *Location) { l.Address = "  " }, map[string]string{"address": "err.required"}},
		{"name too long", func(l *Location) { l.Name = strings.Repeat("x", 61) }, map[string]string{"name": "err.too_long"}},
		{"address too long", func(l *Location) { l.Address = strings.Repeat("址", 201) }, map[string]string{"address": "err.too_long"}},
		{"contact too long", func(l *Location) { l.Contact = strings.Repeat("x", 41) }, map[string]string{"contact": "err.too_long"}},
		{"region too long", func(l *Location) { l.Region = strings.Repeat("x", 61) }, map[string]string{"region": "err.too_long"}},
		{"bad phone", func(l *Location) { l.Phone = "abc" }, map[string]string{"phone": "err.phone_shape"}},
		{"both missing", func(l *Location) { l.Name, l.Address = "", "" }, map[string]string{"name": "err.required", "address": "err.required"}},
	}
	for _, tt := range tests {
		l := valid()
		tt.edit(&l)
		checkFields(t, tt.name, l.Validate(), tt.want)
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *Settings)
		want map[string]string
	}{
		{"defaults", func(s *Settings) {}, nil},
		{"usd lower-case", func(s *Settings) { s.CurrencyCode, s.CurrencySymbol, s.TimeZone = "usd", "US$", "America/New_York" }, nil},
		{"utc", func(s *Settings) { s.TimeZone = "UTC" }, nil},
		{"no name", func(s *Settings) { s.EnterpriseName = " " }, map[string]string{"enterprise_name": "err.required"}},
		{"name too long", func(s *Settings) { s.EnterpriseName = strings.Repeat("企", 101) }, map[string]string{"enterprise_name": "err.too_long"}},
		{"currency code short", func(s *Settings) { s.CurrencyCode = "RM" }, map[string]string{"currency_code": "err.currency_code"}},
		{"currency code long", func(s *Settings) { s.CurrencyCode = "EURO" }, map[string]string{"currency_code": "err.currency_code"}},
		{"currency code empty", func(s *Settings) { s.CurrencyCode = "" }, map[string]string{"currency_code": "err.currency_code"}},
		{"no symbol", func(s *Settings) { s.CurrencySymbol = "" }, map[string]string{"currency_symbol": "err.required"}},
		{"symbol too long", func(s *Settings) { s.CurrencySymbol = "12345" }, map[string]string{"currency_symbol": "err.required"}},
		{"bad zone", func(s *Settings) { s.TimeZone = "Mars/Olympus" }, map[string]string{"time_zone": "err.time_zone"}},
		{"empty zone", func(s *Settings) { s.TimeZone = "" }, map[string]string{"time_zone": "err.time_zone"}},
	}
	for _, tt := range tests {
		s := DefaultSettings()
		tt.edit(s)
		checkFields(t, tt.name, s.Validate(), tt.want)
	}
	s := DefaultSettings()
	s.CurrencyCode = " usd "
	if err := s.Validate(); err != nil || s.CurrencyCode != "USD" {
		t.Errorf("currency code not normalized: %q, %v", s.CurrencyCode, err)
	}
}

func TestSettingsLocation(t *testing.T) {
	s := DefaultSettings()
	if s.CurrencyCode != "CNY" || s.CurrencySymbol != "¥" {
		t.Errorf("defaults = %+v", s)
	}
	if got := s.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location = %s", got)
	}
	s.TimeZone = "Nowhere/Else"
	if got := s.Location().String(); got != "UTC" {
		t.Errorf("unknown zone Location = %s, want UTC", got)
	}
}
