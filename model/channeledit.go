package model

import "strings"

// Who may change the channel documents (opportunities, complaints, service
// requests) and what their actions check besides the state machines: pure
// rules, called by the handlers (permissions) and the store (statuses,
// input) with what they loaded.

// filesFor says whether u may write a channel document of customer cust
// under permission p: staff holding p, or a user of that customer holding
// it. A nil or disabled user may not.
func filesFor(u *User, p Perm, cust uint64) bool {
	return u != nil && !u.Disabled && u.Can(p) && (u.IsStaff() || u.CustomerID == cust)
}

// Editable says whether an opportunity's header and lines may change: while
// a draft or sent back for information.
func (o *Opportunity) Editable() bool {
	return o.Status == StatusDraft || o.Status == StatusNeedsInfo
}

// CanEditOpportunity says whether u may change o: it is editable, and u is
// staff or one of its customer's users, allowed to file opportunities.
func CanEditOpportunity(o *Opportunity, u *User) bool {
	return o.Editable() && filesFor(u, PermFileOpportunity, o.CustomerID)
}

// Editable says whether a complaint may change: while a draft.
func (c *Complaint) Editable() bool { return c.Status == StatusDraft }

// CanEditComplaint says whether u may change c (or its evidence): it is a
// draft, and u is staff or one of the complainant's users, allowed to file
// complaints.
func CanEditComplaint(c *Complaint, u *User) bool {
	return c.Editable() && filesFor(u, PermFileService, c.CustomerID)
}

// ComplaintParty says whether dealer id may be named as the accused or the
// responsible dealer of c: any dealer but the complainant (the store checks
// that the acting user's scope covers it).
func (c *Complaint) ComplaintParty(id uint64) bool { return id != 0 && id != c.CustomerID }

// Editable says whether a service request's basic information may change:
// while it is new.
func (r *ServiceRequest) Editable() bool { return r.Status == StatusNew }

// CanEditServiceRequest says whether u may change r's basic information: it
// is new, and u is staff or one of its customer's users, allowed to file
// requests.
func CanEditServiceRequest(r *ServiceRequest, u *User) bool {
	return r.Editable() && filesFor(u, PermFileService, r.CustomerID)
}

// Loggable says whether notes may still be added to a service request's
// handling log: until it is closed.
func (r *ServiceRequest) Loggable() bool { return r.Status != StatusClosed }

// CanLogServiceRequest says whether u may add notes (and files) to r's
// handling log: staff who handle requests, until it is closed.
func CanLogServiceRequest(r *ServiceRequest, u *User) bool {
	return r.Loggable() && u != nil && u.Can(PermManageService)
}

// ServiceHandler says whether u may be named the handler of a service
// request: an active staff member who handles requests (the store checks
// that u's scope covers the request's customer).
func ServiceHandler(u *User) bool {
	return u != nil && u.IsStaff() && !u.Disabled && u.Can(PermManageService)
}

// CheckServiceInput checks the posted solution and note of service request
// action action and returns them trimmed: resolve needs a solution of 2 to
// 2000 characters; a note has at most 1000 characters, and the note of
// "log" (a handling-log entry of its own) at least 2. A ValidationError
// names the field.
func CheckServiceInput(action, solution, note string) (string, string, error) {
	solution, note = strings.TrimSpace(solution), strings.TrimSpace(note)
	if action == "resolve" {
		switch n := len([]rune(solution)); {
		case n < 2:
			return "", "", Invalid("solution", "err.required")
		case n > 2000:
			return "", "", Invalid("solution", "err.too_long")
		}
	}
	switch n := len([]rune(note)); {
	case action == "log" && n < 2:
		return "", "", Invalid("note", "err.required")
	case n > 1000:
		return "", "", Invalid("note", "err.too_long")
	}
	return solution, note, nil
}
