package model

import (
	"strconv"
	"strings"
)

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

// CheckDealerUsername refuses a new username, or a rename, outside the
// customer's namespace (DealerUsernamePrefix followed by at least one
// character); keeping the current name (oldName) always passes, so that
// users named before the rule keep their names. It is the rule a dealer's
// manager and the integration API follow.
func CheckDealerUsername(customerCode, oldName, name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	prefix := DealerUsernamePrefix(customerCode)
	if name == oldName || (strings.HasPrefix(name, prefix) && len(name) > len(prefix)) {
		return nil
	}
	v := &ValidationError{}
	v.Add("username", "sec.username_prefix", map[string]any{"prefix": prefix})
	return v
}

// maxUsername is the longest username (usernameRe).
const maxUsername = 40

// SuggestDealerUsername derives a username in the customer's namespace
// from an e-mail address: the prefix and the address's local part in lower
// case, keeping letters, digits, dot, dash and underscore ("c1.wang.li" for
// Wang.Li@example.com), cut to the longest username allowed. n > 1 gives
// the n-th candidate, ending in n ("c1.wang.li2"), for when the first is
// taken. An address without usable characters gives "<prefix>user".
func SuggestDealerUsername(customerCode, email string, n int) string {
	prefix := DealerUsernamePrefix(customerCode)
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	var b strings.Builder
	for _, r := range local {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	base := strings.Trim(b.String(), ".-_")
	if base == "" {
		base = "user"
	}
	suffix := ""
	if n > 1 {
		suffix = strconv.Itoa(n)
	}
	if room := maxUsername - len(prefix) - len(suffix); len(base) > room {
		base = strings.TrimRight(base[:max(room, 1)], ".-_")
	}
	return prefix + base + suffix
}
