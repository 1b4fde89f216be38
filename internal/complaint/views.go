package complaint

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Access is how much of a complaint a caller sees.
type Access int

// The access levels.
const (
	// AccessNone: the caller may not know the complaint exists (404).
	AccessNone Access = iota
	// AccessPublic: no person, location rounded to about 100 m, no photos
	// (followers, Open311, the public).
	AccessPublic
	// AccessStaff: staff concerned with the case (category department,
	// district of the location, an anonymous case's handler) see the case
	// but not the person.
	AccessStaff
	// AccessFull: the reporter, the admin and the assigned handler.
	AccessFull
)

// AccessOf says what a sees of c.
func (s *Service) AccessOf(a account.Actor, c Complaint) Access {
	switch {
	case a.Is(account.RoleAdmin):
		return AccessFull
	case a.Is(account.RoleCitizen) && a.UserID != "" && c.Reporter.UserID == a.UserID && c.Source == "miniprogram":
		return AccessFull
	case isHandler(a, c) && !c.Anonymous:
		return AccessFull
	case isHandler(a, c), a.HasDepartment(s.categories[c.Category].Department), a.HasDistrict(c.District):
		return AccessStaff
	case a.Is(account.RoleCitizen) && slices.Contains(c.Followers, a.UserID):
		return AccessPublic
	}
	return AccessNone
}

// Redact returns the view of c at access level l.
func Redact(c Complaint, l Access) Complaint {
	if l >= AccessFull {
		return c
	}
	c.Reporter = Reporter{}
	c.Followers = nil
	// The history names the reporter on submit and feedback: hide it too.
	c.History = slices.Clone(c.History)
	for i := range c.History {
		if c.History[i].ByRole == string(account.RoleCitizen) || c.History[i].ByRole == "open311" {
			c.History[i].ByName = ""
		}
	}
	if l >= AccessStaff {
		return c
	}
	c.Lat, c.Lng = geo.RoundForPublic(c.Lat, c.Lng)
	c.Photos, c.ResultPix, c.Attributes = []string{}, []string{}, map[string]string{}
	return c
}

// Get returns a complaint as a may see it; AccessNone gives ErrNotFound,
// so other citizens cannot learn that a number exists.
func (s *Service) Get(ctx context.Context, a account.Actor, id string) (Complaint, Access, error) {
	c, err := s.st.get(ctx, id)
	if err != nil {
		return Complaint{}, AccessNone, err
	}
	l := s.AccessOf(a, c)
	if l == AccessNone {
		return Complaint{}, AccessNone, ErrNotFound
	}
	return Redact(c, l), l, nil
}

// Visible reports whether a may see c's photos: whoever sees more than the
// public view. Registered with the upload service.
func (s *Service) Visible(ctx context.Context, a account.Actor, id string) bool {
	c, err := s.st.get(ctx, id)
	return err == nil && s.AccessOf(a, c) >= AccessStaff
}

// Filter narrows the staff list; zero fields do not filter.
type Filter struct {
	Status     Status
	Category   string
	District   string
	Department string // handler department, or district adcode of the handler
	Overdue    *bool  // escalated (a deadline passed)
	From, To   *time.Time
}

// Item is one row of a list with the caller's access to it.
type Item struct {
	Complaint
	Access Access
}

// List returns complaints for staff, newest first, limited to what the
// caller is concerned with: all for the admin; for departments, cases of
// their categories or assigned to them; for districts, cases located in or
// assigned to them. It filters the in-memory list index and reads only the
// page's documents.
func (s *Service) List(ctx context.Context, a account.Actor, f Filter, limit int, cursor string) ([]Item, string, error) {
	match, err := s.listMatch(a, f)
	if err != nil {
		return nil, "", err
	}
	return s.page(ctx, a, match, "", limit, cursor)
}

// listMatch is List's filter on rows.
func (s *Service) listMatch(a account.Actor, f Filter) (func(*row) bool, error) {
	scope, err := s.staffScope(a)
	if err != nil {
		return nil, err
	}
	var from, to int64
	if f.From != nil {
		from = f.From.UnixMilli()
	}
	if f.To != nil {
		to = f.To.UnixMilli()
	}
	match := func(r *row) bool {
		return scope(r) && (f.Status == "" || r.status == f.Status) && (f.Category == "" || r.category == f.Category) &&
			(f.District == "" || r.district == f.District) && (f.Department == "" || r.hCode == f.Department) &&
			(f.Overdue == nil || r.escalated() == *f.Overdue) &&
			(f.From == nil || r.submitted >= from) && (f.To == nil || r.submitted < to)
	}
	return match, nil
}

// staffScope is the rows a member of staff is concerned with (List's
// rule; the statistics use it too).
func (s *Service) staffScope(a account.Actor) (func(*row) bool, error) {
	switch {
	case a.Is(account.RoleAdmin):
		return func(*row) bool { return true }, nil
	case a.Is(account.RoleDepartment):
		cats := map[string]bool{}
		for _, c := range s.cfg.Categories {
			if slices.Contains(a.Departments, c.Department) {
				cats[c.Code] = true
			}
		}
		return func(r *row) bool {
			return cats[r.category] || r.hKind == "department" && slices.Contains(a.Departments, r.hCode)
		}, nil
	case a.Is(account.RoleDistrict):
		return func(r *row) bool {
			return slices.Contains(a.Districts, r.district) || r.hKind == "district" && slices.Contains(a.Districts, r.hCode)
		}, nil
	}
	return nil, errs.ErrForbidden
}

// Mine returns the citizen's own complaints and those they follow.
func (s *Service) Mine(ctx context.Context, a account.Actor, limit int, cursor string) ([]Item, string, error) {
	if a.UserID == "" {
		return nil, "", errs.ErrForbidden
	}
	return s.page(ctx, a, mineMatch(a), a.UserID, limit, cursor)
}

// mineMatch is Mine's filter on rows.
func mineMatch(a account.Actor) func(*row) bool {
	return func(r *row) bool {
		return r.reporter == a.UserID && r.source == "miniprogram" || slices.Contains(r.followers, a.UserID)
	}
}

var cursorPattern = func(c string) bool {
	return len(c) >= 3 && len(c) <= 32 && strings.HasPrefix(c, "WF") && strings.Trim(c[2:], "0123456789") == ""
}

// page reads one page: the ids below the cursor whose rows match, newest
// first, one extra to know whether there is a next page (among the cases
// of user only, when given); then the page's documents by _id. A document
// changed since its row was read is checked again, so a page never shows a
// case that no longer matches.
func (s *Service) page(ctx context.Context, a account.Actor, match func(*row) bool, user string, limit int, cursor string) ([]Item, string, error) {
	ids, next, err := s.pageIDs(ctx, match, user, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	docs, err := s.fetch(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]Item, 0, len(docs))
	for _, c := range docs {
		if !match(rowOf(c)) {
			continue
		}
		l := max(s.AccessOf(a, c), AccessPublic)
		out = append(out, Item{Complaint: Redact(c, l), Access: l})
	}
	return out, next, nil
}

// pageIDs is the ids of a page from the list index, and the next cursor.
func (s *Service) pageIDs(ctx context.Context, match func(*row) bool, user string, limit int, cursor string) ([]string, string, error) {
	if cursor != "" && !cursorPattern(cursor) {
		return nil, "", ErrBadCursor
	}
	if err := s.idx.ready(ctx); err != nil {
		return nil, "", err
	}
	var ids []string
	if user != "" {
		ids = s.idx.userNewest(user, cursor, limit+1, match)
	} else {
		ids = s.idx.newest(cursor, limit+1, match)
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	return ids, next, nil
}

// fetchers bounds the concurrent reads of one page's documents.
const fetchers = 4

// fetch reads the complaints of ids by _id, a few at a time, in order,
// leaving out those not found. A document newer than its row updates the
// index (a replica that missed a change repairs itself).
func (s *Service) fetch(ctx context.Context, ids []string) ([]Complaint, error) {
	docs := make([]Complaint, len(ids))
	found := make([]bool, len(ids))
	errc := make(chan error, len(ids))
	sem := make(chan struct{}, fetchers)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := s.st.get(ctx, id)
			switch {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				errc <- err
			default:
				docs[i], found[i] = c, true
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	out := make([]Complaint, 0, len(ids))
	for i, c := range docs {
		if found[i] {
			s.idx.apply(s.idx.in.row(rowOf(c)))
			out = append(out, c)
		}
	}
	return out, nil
}

// PublicFilter narrows the public (Open311) list.
type PublicFilter struct {
	IDs      []string
	Category string
	Open     *bool
	From, To *time.Time
	Limit    int
}

// Public returns complaints for anyone: every filed complaint except those
// merged or rejected as abusive, redacted to the public view, newest first.
func (s *Service) Public(ctx context.Context, f PublicFilter) ([]Complaint, error) {
	ids, err := s.publicIDs(ctx, f)
	if err != nil {
		return nil, err
	}
	docs, err := s.fetch(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Complaint, 0, len(docs))
	for _, c := range docs {
		if publicOK(c) {
			out = append(out, Redact(c, AccessPublic))
		}
	}
	return out, nil
}

// publicIDs is the selection of Public from the list index.
func (s *Service) publicIDs(ctx context.Context, f PublicFilter) ([]string, error) {
	if err := s.idx.ready(ctx); err != nil {
		return nil, err
	}
	var ids []string
	if len(f.IDs) > 0 {
		// Unknown numbers and hidden cases are answered from the index
		// without a read; the rest by _id.
		for _, id := range f.IDs {
			if r, ok := s.idx.get(id); ok && publicRow(r) {
				ids = append(ids, id)
			}
		}
	} else {
		var from, to int64
		if f.From != nil {
			from = f.From.UnixMilli()
		}
		if f.To != nil {
			to = f.To.UnixMilli()
		}
		ids = s.idx.newest("", f.Limit, func(r *row) bool {
			return publicRow(r) && (f.Category == "" || r.category == f.Category) &&
				(f.Open == nil || r.status.Open() == *f.Open) &&
				(f.From == nil || r.submitted >= from) && (f.To == nil || r.submitted <= to)
		})
	}
	return ids, nil
}

// publicRow is publicOK on a row.
func publicRow(r *row) bool {
	return r.status != StatusMerged && !(r.status == StatusRejected && r.flags&flagAbusive != 0)
}

func publicOK(c Complaint) bool {
	return c.Status != StatusMerged && !(c.Status == StatusRejected && c.Abusive)
}

// RebuildDuplicateIndex refills the Redis sets used to suggest duplicates
// (after Redis lost its data, or on a fresh Redis): every open, located
// complaint filed within the duplicate window, from the list index.
func (s *Service) RebuildDuplicateIndex(ctx context.Context) (int, error) {
	if err := s.idx.ready(ctx); err != nil {
		return 0, err
	}
	since := s.now().Add(-time.Duration(s.cfg.Settings.DuplicateDays+1) * 24 * time.Hour).UnixMilli()
	var todo []Complaint
	s.idx.view(func(rows []*row, _ uint64) {
		for i := len(rows) - 1; i >= 0; i-- {
			if r := rows[i]; r.submitted >= since && r.status.Open() && r.flags&flagUnlocated == 0 {
				todo = append(todo, r.complaint())
			}
		}
	})
	for _, c := range todo {
		s.indexLocation(ctx, c)
	}
	return len(todo), nil
}

// RebuildIndex rewrites the stored rows of the list index from the
// complaints themselves (after a failed index write was logged, or data
// loaded from elsewhere), then makes every replica reload its index.
func (s *Service) RebuildIndex(ctx context.Context) (int, error) {
	s.invalidateClosure()
	n, err := s.st.rebuildIndex(ctx)
	if err != nil {
		return n, err
	}
	if err := s.idx.announceReload(ctx); err != nil {
		return n, err
	}
	return n, s.idx.ready(ctx)
}

// scanOpen calls fn with every open case (submitted to resolved) from the
// list index, newest first, until fn returns false. Only the row's fields
// are set (the deadline job re-reads a case before marking it).
func (s *Service) scanOpen(ctx context.Context, fn func(Complaint) bool) error {
	if err := s.idx.ready(ctx); err != nil {
		return err
	}
	var open []*row
	s.idx.view(func(rows []*row, _ uint64) {
		for i := len(rows) - 1; i >= 0; i-- {
			if rows[i].status.Open() {
				open = append(open, rows[i])
			}
		}
	})
	for _, r := range open {
		if !fn(r.complaint()) {
			return nil
		}
	}
	return nil
}
