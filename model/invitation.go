package model

import "time"

// InvitationDays is how long an invitation link works: a week, long enough
// for someone back from a few days away, short enough that a forgotten
// e-mail in a shared mailbox stops being a way in.
const InvitationDays = 7

// Invitation (用户邀请) lets a new user who has no password yet choose one:
// the e-mail to the user carries a one-time token; the file keeps only the
// token's SHA-256 (the key of the record), so a copy of the database does
// not open anyone's account. A user has at most one live invitation: a new
// one replaces the previous.
type Invitation struct {
	UserID uint64 `json:"user_id"`
	// Email is the address the invitation was sent to: a change of the
	// user's e-mail before acceptance sends a new one.
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Live reports whether the invitation can still be accepted at now.
func (i *Invitation) Live(now time.Time) bool { return i != nil && now.Before(i.ExpiresAt) }
