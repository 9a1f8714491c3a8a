package model

import (
	"regexp"
	"strings"
)

// CustomerStatus: an inactive customer's users cannot log in.
type CustomerStatus string

const (
	CustomerActive   CustomerStatus = "active"
	CustomerInactive CustomerStatus = "inactive"
)

// Customer (客户) is a dealer: its profile as kept in CRM (SPEC §2.6).
type Customer struct {
	ID            uint64         `json:"id"`
	Code          string         `json:"code"`
	Name          string         `json:"name" validate:"required,max=100"`
	ShortName     string         `json:"short_name,omitempty" validate:"max=40"`
	GroupID       uint64         `json:"group_id,omitempty"`
	Level         string         `json:"level,omitempty"`
	OrgUnitID     uint64         `json:"org_unit_id"`
	SalespersonID uint64         `json:"salesperson_id,omitempty"`
	Contact       string         `json:"contact,omitempty" validate:"max=40"`
	Phone         string         `json:"phone,omitempty"`
	Email         string         `json:"email,omitempty" validate:"omitempty,email,max=100"`
	Address       string         `json:"address,omitempty" validate:"max=200"`
	TaxNumber     string         `json:"tax_number,omitempty"`
	Bank          string         `json:"bank,omitempty" validate:"max=100"`
	BankAccount   string         `json:"bank_account,omitempty" validate:"max=40"`
	CreditLimit   Money          `json:"credit_limit" validate:"gte=0"`
	Status        CustomerStatus `json:"status" validate:"oneof=active inactive"`
	Remarks       string         `json:"remarks,omitempty" validate:"max=500"`
	Meta
}

// CustomerLevels are the grades a customer can hold (客户等级).
var CustomerLevels = []string{"A", "B", "C", "D"}

var (
	codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$`)
	taxRe  = regexp.MustCompile(`^[0-9A-Z]{15,20}$`)
)

func trimAll(fields ...*string) {
	for _, f := range fields {
		*f = strings.TrimSpace(*f)
	}
}

// Validate trims and checks the profile's own fields (the store checks that the
// code is unique and that the org unit, group and salesperson exist).
func (c *Customer) Validate() error {
	trimAll(&c.Code, &c.Name, &c.ShortName, &c.Level, &c.Contact, &c.Phone, &c.Email, &c.Address, &c.TaxNumber, &c.Bank, &c.BankAccount, &c.Remarks)
	c.Code = strings.ToUpper(c.Code)
	c.TaxNumber = strings.ToUpper(c.TaxNumber)
	v := &ValidationError{}
	if !codeRe.MatchString(c.Code) {
		v.Add("code", "err.code", nil)
	}
	checkTags(c, v)
	if c.Level != "" && !contains(CustomerLevels, c.Level) {
		v.Add("level", "err.choice", nil)
	}
	if c.OrgUnitID == 0 {
		v.Add("org_unit_id", "err.required", nil)
	}
	checkPhone(v, "phone", c.Phone)
	if err := CheckAmount(c.CreditLimit); err != nil {
		v.AddErr("credit_limit", err, "")
	}
	if c.TaxNumber != "" && !taxRe.MatchString(c.TaxNumber) {
		v.Add("tax_number", "err.tax_number", nil)
	}
	return v.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CustomerGroup (客户分组) groups customers for prices and publishing.
type CustomerGroup struct {
	ID   uint64 `json:"id"`
	Code string `json:"code"`
	Name string `json:"name" validate:"required,max=60"`
	Meta
}

// Validate checks the group's own fields.
func (g *CustomerGroup) Validate() error {
	trimAll(&g.Code, &g.Name)
	g.Code = strings.ToUpper(g.Code)
	v := &ValidationError{}
	if !codeRe.MatchString(g.Code) {
		v.Add("code", "err.code", nil)
	}
	checkTags(g, v)
	return v.Err()
}

// Location (客户地点) is a ship-to address of a customer. Exactly one location
// of a customer that has any is primary; the store keeps that true.
type Location struct {
	ID         uint64 `json:"id"`
	CustomerID uint64 `json:"customer_id"`
	Name       string `json:"name" validate:"required,max=60"`
	Contact    string `json:"contact,omitempty" validate:"max=40"`
	Phone      string `json:"phone,omitempty"`
	Address    string `json:"address" validate:"required,max=200"`
	Region     string `json:"region,omitempty" validate:"max=60"`
	Primary    bool   `json:"primary,omitempty"`
	Meta
}

// Validate checks the location's own fields.
func (l *Location) Validate() error {
	trimAll(&l.Name, &l.Contact, &l.Phone, &l.Address, &l.Region)
	v := &ValidationError{}
	checkTags(l, v)
	checkPhone(v, "phone", l.Phone)
	return v.Err()
}
