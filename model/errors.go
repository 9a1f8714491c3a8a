// Package model holds the portal's domain types and pure business rules:
// statuses and their transitions, money and quantities, permissions. It knows
// nothing of HTTP or storage.
package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Sentinel errors mapped to HTTP statuses in one place (handlers.errorHandler).
var (
	// ErrNotFound: the object does not exist or lies outside the caller's data scope.
	ErrNotFound = errors.New("not found")
	// ErrNotAllowed: the caller's roles do not permit the action, or the
	// document's status does not allow it.
	ErrNotAllowed = errors.New("not allowed")
)

// ConflictError is returned when an update carries a stale version: somebody
// else saved the record in between. By and At say who and when, for the
// message; At is the instant (UTC), formatted only at display in the
// enterprise's zone. A zero At means "unknown".
type ConflictError struct {
	By string
	At time.Time
}

func (e *ConflictError) Error() string {
	return "conflict: changed by " + e.By + " at " + e.At.UTC().Format(time.RFC3339)
}

// StateError refuses an action that the document's current status does not allow.
type StateError struct {
	Action string
	Status string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("action %q not allowed in status %q", e.Action, e.Status)
}

// Is makes errors.Is(err, ErrNotAllowed) true for a StateError.
func (e *StateError) Is(target error) bool { return target == ErrNotAllowed }

// FieldError is one invalid field: Key is a message-catalog key, Args its named
// parameters. The handler translates it into the user's language.
type FieldError struct {
	Field string
	Key   string
	Args  map[string]any
}

// ValidationError collects every invalid field of one input. It is empty (nil
// from Err) when the input is valid.
type ValidationError struct {
	Fields []FieldError
}

// Add records one invalid field; a second error on the same field is ignored
// so that the user sees the first reason.
func (v *ValidationError) Add(field, key string, args map[string]any) {
	for _, f := range v.Fields {
		if f.Field == field {
			return
		}
	}
	v.Fields = append(v.Fields, FieldError{Field: field, Key: key, Args: args})
}

// Has reports whether field already has an error.
func (v *ValidationError) Has(field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns v as an error, or nil when no field is invalid.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string {
	parts := make([]string, 0, len(v.Fields))
	for _, f := range v.Fields {
		parts = append(parts, f.Field+": "+f.Key)
	}
	sort.Strings(parts)
	return "invalid input: " + strings.Join(parts, ", ")
}

// Invalid is a shorthand for a ValidationError with one field.
func Invalid(field, key string) error {
	v := &ValidationError{}
	v.Add(field, key, nil)
	return v
}
