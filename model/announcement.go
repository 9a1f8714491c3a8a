package model

import (
	"slices"
	"strings"
	"time"
)

// AnnouncementInvalid is the status of an announcement that staff took out of
// circulation (失效). Expiry needs no status: an audited announcement whose
// expiry time has passed simply stops being valid (see Valid).
const AnnouncementInvalid Status = "invalid"

// Display states of an announcement besides its stored status, computed at
// read time from the dates.
const (
	AnnouncementScheduled Status = "scheduled" // audited, not yet effective
	AnnouncementExpired   Status = "expired"   // audited, past its expiry time
)

// Audience (发布对象) says which customers an announcement is for: every
// customer, or those chosen one by one, through their customer group, or
// through their org unit (a unit covers its whole subtree). A customer is in
// the audience when any of these covers it.
type Audience struct {
	All       bool     `json:"all,omitempty"`
	Customers []uint64 `json:"customers,omitempty"`
	Groups    []uint64 `json:"groups,omitempty"`
	OrgUnits  []uint64 `json:"org_units,omitempty"`
}

// Empty reports whether the audience names nobody.
func (a Audience) Empty() bool {
	return !a.All && len(a.Customers) == 0 && len(a.Groups) == 0 && len(a.OrgUnits) == 0
}

// Covers reports whether customer c is in the audience; tree answers the
// org-subtree question (nil: org units cover only their own customers).
func (a Audience) Covers(c *Customer, tree *OrgTree) bool {
	if c == nil {
		return false
	}
	if a.All || slices.Contains(a.Customers, c.ID) || c.GroupID != 0 && slices.Contains(a.Groups, c.GroupID) {
		return true
	}
	for _, o := range a.OrgUnits {
		if o == c.OrgUnitID || tree != nil && tree.IsWithin(c.OrgUnitID, o) {
			return true
		}
	}
	return false
}

// Announcement (企业公告) is a notice from the enterprise to its dealers
// (SPEC §2.1). Auditing it publishes it (审核即发布) to its audience from
// EffectiveFrom until ExpiresAt (zero: no expiry).
type Announcement struct {
	ID            uint64    `json:"id"`
	Title         string    `json:"title" validate:"required,max=200"`
	Body          string    `json:"body" validate:"required,max=20000"`
	Audience      Audience  `json:"audience"`
	EffectiveFrom time.Time `json:"effective_from"`
	ExpiresAt     time.Time `json:"expires_at,omitempty"`
	Doc
}

// AnnouncementMachine is the announcement's life cycle: draft → audit
// (published) → invalidate; unaudit takes a published or invalidated one
// back to draft for changes.
var AnnouncementMachine = Machine{
	{Action: "audit", From: []Status{StatusDraft}, To: StatusAudited, Perm: PermManageAnnouncements},
	{Action: "unaudit", From: []Status{StatusAudited, AnnouncementInvalid}, To: StatusDraft, Perm: PermManageAnnouncements},
	{Action: "invalidate", From: []Status{StatusAudited}, To: AnnouncementInvalid, Perm: PermManageAnnouncements},
}

// Validate trims and checks the announcement's own fields (the store checks
// that the chosen customers, groups and org units exist).
func (a *Announcement) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	a.Body = strings.TrimRight(strings.ReplaceAll(a.Body, "\r\n", "\n"), " \n\t")
	v := &ValidationError{}
	checkTags(a, v)
	if a.Audience.Empty() {
		v.Add("audience", "err.audience_required", nil)
	}
	if a.EffectiveFrom.IsZero() {
		v.Add("effective_from", "err.required", nil)
	}
	if !a.ExpiresAt.IsZero() && !a.ExpiresAt.After(a.EffectiveFrom) {
		v.Add("expires_at", "err.expires_before_effective", nil)
	}
	a.Audience.Customers = uniqueIDs(a.Audience.Customers)
	a.Audience.Groups = uniqueIDs(a.Audience.Groups)
	a.Audience.OrgUnits = uniqueIDs(a.Audience.OrgUnits)
	return v.Err()
}

func uniqueIDs(ids []uint64) []uint64 {
	out := make([]uint64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Valid reports whether dealers see the announcement at now: audited, already
// effective and not yet expired. Expiry is computed here, at read time, so an
// expired announcement disappears without any job running.
func (a *Announcement) Valid(now time.Time) bool {
	return AnnouncementValid(a.Status, a.EffectiveFrom, a.ExpiresAt, now)
}

// AnnouncementValid is Valid on the fields alone (the store's indexes carry
// them without the record).
func AnnouncementValid(s Status, from, expires, now time.Time) bool {
	return s == StatusAudited && !now.Before(from) && (expires.IsZero() || now.Before(expires))
}

// State is what the staff list shows: the stored status, or for an audited
// announcement "scheduled" before it takes effect and "expired" after.
func (a *Announcement) State(now time.Time) Status {
	return AnnouncementState(a.Status, a.EffectiveFrom, a.ExpiresAt, now)
}

// AnnouncementState is State on the fields alone.
func AnnouncementState(s Status, from, expires, now time.Time) Status {
	if s != StatusAudited {
		return s
	}
	switch {
	case now.Before(from):
		return AnnouncementScheduled
	case !expires.IsZero() && !now.Before(expires):
		return AnnouncementExpired
	}
	return StatusAudited
}

// AnnouncementStates lists the states the staff list filters on, in order.
var AnnouncementStates = []Status{StatusDraft, AnnouncementScheduled, StatusAudited, AnnouncementExpired, AnnouncementInvalid}
