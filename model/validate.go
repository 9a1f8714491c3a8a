package model

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// validate checks the declarative rules in `validate` struct tags; the
// Validate methods add the rules that tags cannot say.
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			return f.Name
		}
		return name
	})
	return v
}()

// tagKeys maps validator tags to message-catalog keys.
var tagKeys = map[string]string{
	"required": "err.required",
	"max":      "err.too_long",
	"min":      "err.too_short",
	"email":    "err.email",
	"oneof":    "err.choice",
	"gte":      "err.not_negative",
}

// checkTags runs the struct-tag rules of s and adds every failure to v, with
// the field's JSON name (which is also the form field's name).
func checkTags(s any, v *ValidationError) {
	err := validate.Struct(s)
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) {
		return
	}
	for _, fe := range errs {
		key, ok := tagKeys[fe.Tag()]
		if !ok {
			key = "err.invalid"
		}
		var args map[string]any
		if fe.Param() != "" {
			args = map[string]any{"max": fe.Param(), "min": fe.Param()}
		}
		v.Add(fe.Field(), key, args)
	}
}
