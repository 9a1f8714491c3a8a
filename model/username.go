package model

import "strings"

// DealerUsernamePrefix is the start of the usernames a dealer's manager may
// give its users: the customer's code in lower case and a dot ("c1." for
// customer C1). The prefix keeps a manager's choices inside its own company,
// so that creating or renaming a user cannot tell it whether some staff or
// other dealer's username exists.
func DealerUsernamePrefix(customerCode string) string {
	return strings.ToLower(customerCode) + "."
}

// UsernameCodePrefixes returns every part of username before one of its dots
// in upper case, as customer codes are stored: "c1.x.bob" gives "C1" and
// "C1.X". A username that starts with a customer's code and a dot belongs to
// that customer's users only (the store checks it), so a manager who tries a
// name in its own namespace learns nothing about anyone else's names.
func UsernameCodePrefixes(username string) []string {
	var out []string
	for i := 1; i < len(username); i++ {
		if username[i] == '.' {
			out = append(out, strings.ToUpper(username[:i]))
		}
	}
	return out
}

// ErrUsernameUnavailable is the one answer for a username that is taken or
// reserved, whoever holds it.
func ErrUsernameUnavailable() error { return Invalid("username", "sec.username_unavailable") }
