package cell

import "slices"

// Status is where an application is in the workflow (DESIGN.md §5).
type Status string

// The statuses. Expired is never stored: a certified application whose
// certificate has passed its expiry reads as expired (see Service.view).
const (
	StatusDraft          Status = "draft"           // being written by the applicant
	StatusSubmitted      Status = "submitted"       // waiting for the district's review
	StatusDistrictPassed Status = "district_passed" // waiting for the city's review
	StatusReturned       Status = "returned"        // sent back for revision by either review
	StatusPublicity      Status = "publicity"       // 公示: anyone may object until it ends
	StatusCertified      Status = "certified"       // holds a certificate
	StatusRejected       Status = "rejected"        // refused; final
	StatusWithdrawn      Status = "withdrawn"       // withdrawn by the applicant; final
	StatusRevoked        Status = "revoked"         // certificate revoked; final
	StatusExpired        Status = "expired"         // certificate expired; derived, final
)

// Action is a move of the workflow.
type Action string

// The actions.
const (
	ActEdit           Action = "edit"
	ActSubmit         Action = "submit"
	ActWithdraw       Action = "withdraw"
	ActDistrictPass   Action = "district_pass"
	ActDistrictReturn Action = "district_return"
	ActDistrictReject Action = "district_reject"
	ActCityPass       Action = "city_pass"
	ActCityReturn     Action = "city_return"
	ActCityReject     Action = "city_reject"
	ActObject         Action = "object"
	ActResolve        Action = "resolve_objection" // a dismissed objection lets publicity go on
	ActUphold         Action = "uphold_objection"  // an upheld objection rejects the application
	ActCertify        Action = "certify"
	ActRevoke         Action = "revoke"
	// ActReviewOverdue records, as the system, that the pending review went
	// past its due date and its reviewers and the city were told.
	ActReviewOverdue Action = "review_overdue"
)

// transition is one row of the table: from which statuses an action may
// start, and where it leads (empty: the status does not change).
type transition struct {
	from []Status
	to   Status
}

// transitions is the whole workflow; a move not listed here is refused with
// 409 and the current status. Who may make each move is checked by the
// service (applicant, district staff of the unit's district, admin).
var transitions = map[Action]transition{
	ActEdit:           {from: []Status{StatusDraft, StatusReturned}},
	ActSubmit:         {from: []Status{StatusDraft, StatusReturned}, to: StatusSubmitted},
	ActWithdraw:       {from: []Status{StatusDraft, StatusReturned, StatusSubmitted, StatusDistrictPassed}, to: StatusWithdrawn},
	ActDistrictPass:   {from: []Status{StatusSubmitted}, to: StatusDistrictPassed},
	ActDistrictReturn: {from: []Status{StatusSubmitted}, to: StatusReturned},
	ActDistrictReject: {from: []Status{StatusSubmitted}, to: StatusRejected},
	ActCityPass:       {from: []Status{StatusDistrictPassed}, to: StatusPublicity},
	ActCityReturn:     {from: []Status{StatusDistrictPassed}, to: StatusReturned},
	ActCityReject:     {from: []Status{StatusDistrictPassed}, to: StatusRejected},
	ActObject:         {from: []Status{StatusPublicity}},
	ActResolve:        {from: []Status{StatusPublicity}},
	ActUphold:         {from: []Status{StatusPublicity}, to: StatusRejected},
	ActCertify:        {from: []Status{StatusPublicity}, to: StatusCertified},
	ActRevoke:         {from: []Status{StatusCertified}, to: StatusRevoked},
	ActReviewOverdue:  {from: []Status{StatusSubmitted, StatusDistrictPassed}},
}

// allowed reports whether act may start from st, and the status it leads to.
func allowed(act Action, st Status) (Status, bool) {
	tr, ok := transitions[act]
	if !ok || !slices.Contains(tr.from, st) {
		return "", false
	}
	if tr.to == "" {
		return st, true
	}
	return tr.to, true
}

// InProgress reports whether an application is still moving towards a
// decision (counted beside indicator 41, and blocking a second application
// for the same unit).
func (st Status) InProgress() bool {
	switch st {
	case StatusDraft, StatusSubmitted, StatusDistrictPassed, StatusReturned, StatusPublicity:
		return true
	}
	return false
}

// Valid reports whether st is a status (for list filters).
func (st Status) Valid() bool {
	switch st {
	case StatusDraft, StatusSubmitted, StatusDistrictPassed, StatusReturned, StatusPublicity, StatusCertified,
		StatusRejected, StatusWithdrawn, StatusRevoked, StatusExpired:
		return true
	}
	return false
}
