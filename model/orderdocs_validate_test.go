package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestOnlineOrderTagRules: the three text fields keep their length rules,
// and the values OnlineOrder marks `validate:"-"` (so that the tag
// validator does not walk them) hold no tag rule it would skip.
func TestOnlineOrderTagRules(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(o *OnlineOrder)
	}{
		{"contact", func(o *OnlineOrder) { o.Contact = strings.Repeat("张", 41) }},
		{"phone", func(o *OnlineOrder) { o.Phone = strings.Repeat("1", 31) }},
		{"remarks", func(o *OnlineOrder) { o.Remarks = strings.Repeat("x", 501) }},
	} {
		o := &OnlineOrder{}
		tc.set(o)
		v := &ValidationError{}
		checkTags(o, v)
		var ve *ValidationError
		if err := v.Err(); !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != tc.field || ve.Fields[0].Key != "err.too_long" {
			t.Errorf("%s too long: %v", tc.field, v.Err())
		}
	}
	typ := reflect.TypeFor[OnlineOrder]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Tag.Get("validate") == "-" {
			if path := tagRule(f.Type, f.Name, map[reflect.Type]bool{}); path != "" {
				t.Errorf("OnlineOrder.%s is skipped by the tag validator but %s has a validate tag", f.Name, path)
			}
		}
	}
}

// tagRule returns the path of a field under typ with a validate tag, "" when
// there is none.
func tagRule(typ reflect.Type, path string, seen map[reflect.Type]bool) string {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array || typ.Kind() == reflect.Map {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || seen[typ] {
		return ""
	}
	seen[typ] = true
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Tag.Get("validate") != "" {
			return path + "." + f.Name
		}
		if p := tagRule(f.Type, path+"."+f.Name, seen); p != "" {
			return p
		}
	}
	return ""
}
