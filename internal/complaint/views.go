package complaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
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
// assigned to them.
func (s *Service) List(ctx context.Context, a account.Actor, f Filter, limit int, cursor string) ([]Item, string, error) {
	filter := bson.D{}
	switch {
	case a.Is(account.RoleAdmin):
	case a.Is(account.RoleDepartment):
		var cats []string
		for _, c := range s.cfg.Categories {
			if slices.Contains(a.Departments, c.Department) {
				cats = append(cats, c.Code)
			}
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "category", Value: bson.D{{Key: "$in", Value: nonNil(cats)}}}},
			bson.D{{Key: "handler.kind", Value: "department"}, {Key: "handler.code", Value: bson.D{{Key: "$in", Value: nonNil(a.Departments)}}}},
		}})
	case a.Is(account.RoleDistrict):
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "district", Value: bson.D{{Key: "$in", Value: nonNil(a.Districts)}}}},
			bson.D{{Key: "handler.kind", Value: "district"}, {Key: "handler.code", Value: bson.D{{Key: "$in", Value: nonNil(a.Districts)}}}},
		}})
	default:
		return nil, "", errs.ErrForbidden
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if f.District != "" {
		filter = append(filter, bson.E{Key: "district", Value: f.District})
	}
	if f.Department != "" {
		filter = append(filter, bson.E{Key: "handler.code", Value: f.Department})
	}
	if f.Overdue != nil {
		filter = append(filter, bson.E{Key: "escalated", Value: *f.Overdue})
	}
	if f.From != nil || f.To != nil {
		r := bson.D{}
		if f.From != nil {
			r = append(r, bson.E{Key: "$gte", Value: f.From.UTC()})
		}
		if f.To != nil {
			r = append(r, bson.E{Key: "$lt", Value: f.To.UTC()})
		}
		filter = append(filter, bson.E{Key: "submitted_at", Value: r})
	}
	return s.page(ctx, a, filter, limit, cursor)
}

// Mine returns the citizen's own complaints and those they follow.
func (s *Service) Mine(ctx context.Context, a account.Actor, limit int, cursor string) ([]Item, string, error) {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "reporter.user_id", Value: a.UserID}, {Key: "source", Value: "miniprogram"}},
		bson.D{{Key: "followers", Value: a.UserID}},
	}}}
	return s.page(ctx, a, filter, limit, cursor)
}

var cursorPattern = func(c string) bool {
	return len(c) >= 3 && len(c) <= 32 && strings.HasPrefix(c, "WF") && strings.Trim(c[2:], "0123456789") == ""
}

// page reads one page: ids below the cursor, newest first, one extra to
// know whether there is a next page.
func (s *Service) page(ctx context.Context, a account.Actor, filter bson.D, limit int, cursor string) ([]Item, string, error) {
	if cursor != "" {
		if !cursorPattern(cursor) {
			return nil, "", ErrBadCursor
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: cursor}}})
	}
	var ids []string
	err := s.st.find(ctx, filter, int64(limit+1), func(c Complaint) bool {
		ids = append(ids, c.ID)
		return true
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	// The page's whole documents, by _id (the embedded store's one index).
	out := make([]Item, 0, len(ids))
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		l := max(s.AccessOf(a, c), AccessPublic)
		out = append(out, Item{Complaint: Redact(c, l), Access: l})
	}
	return out, next, nil
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
// merged or rejected as abusive, redacted to the public view.
func (s *Service) Public(ctx context.Context, f PublicFilter) ([]Complaint, error) {
	if len(f.IDs) > 0 {
		var out []Complaint
		for _, id := range f.IDs {
			c, err := s.st.get(ctx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if publicOK(c) {
				out = append(out, Redact(c, AccessPublic))
			}
		}
		return out, nil
	}
	// One condition on status: a filter must not name a field twice.
	status := bson.D{{Key: "$ne", Value: StatusMerged}}
	if f.Open != nil && *f.Open {
		status = bson.D{{Key: "$nin", Value: bson.A{StatusClosed, StatusRejected, StatusMerged}}}
	} else if f.Open != nil {
		status = bson.D{{Key: "$in", Value: bson.A{StatusClosed, StatusRejected}}}
	}
	filter := bson.D{{Key: "status", Value: status}}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if f.From != nil || f.To != nil {
		r := bson.D{}
		if f.From != nil {
			r = append(r, bson.E{Key: "$gte", Value: f.From.UTC()})
		}
		if f.To != nil {
			r = append(r, bson.E{Key: "$lte", Value: f.To.UTC()})
		}
		filter = append(filter, bson.E{Key: "submitted_at", Value: r})
	}
	var ids []string
	err := s.st.find(ctx, filter, 0, func(c Complaint) bool {
		if publicOK(c) {
			ids = append(ids, c.ID)
		}
		return len(ids) < f.Limit
	})
	if err != nil {
		return nil, err
	}
	out := make([]Complaint, 0, len(ids))
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Redact(c, AccessPublic))
	}
	return out, nil
}

func publicOK(c Complaint) bool {
	return c.Status != StatusMerged && !(c.Status == StatusRejected && c.Abusive)
}

// ---- Open311 API keys -----------------------------------------------------

// APIKey describes an issued key; Secret is only set when issued.
type APIKey struct {
	ID        string
	Name      string
	Secret    string
	CreatedAt time.Time
}

func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// IssueAPIKey creates an Open311 API key for a named client. The secret is
// returned once; only its SHA-256 is stored (as _id, so checks are an
// indexed lookup).
func (s *Service) IssueAPIKey(ctx context.Context, a account.Actor, name string) (APIKey, error) {
	if !a.Is(account.RoleAdmin) {
		return APIKey{}, errs.ErrForbidden
	}
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return APIKey{}, errs.Invalid(errs.Field("name", "required", "请填写客户端名称（不超过 100 字）"))
	}
	secret := "o311_" + randomID() + randomID()
	k := apiKey{Hash: hashKey(secret), ID: "k_" + randomID()[:10], Name: name, CreatedBy: a.UserID, CreatedAt: s.now().UTC()}
	if _, err := s.st.keys.InsertOne(ctx, k); err != nil {
		return APIKey{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "open311_key.issue", ObjectType: "open311_key", ObjectID: k.ID,
		After: map[string]any{"name": name}})
	return APIKey{ID: k.ID, Name: name, Secret: secret, CreatedAt: k.CreatedAt}, nil
}

// CheckAPIKey returns the client name of a valid key.
func (s *Service) CheckAPIKey(ctx context.Context, secret string) (string, error) {
	if secret == "" || len(secret) > 200 {
		return "", ErrInvalidAPIKey
	}
	var k apiKey
	err := s.st.keys.FindOne(ctx, bson.D{{Key: "_id", Value: hashKey(secret)}}).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && k.Revoked {
		return "", ErrInvalidAPIKey
	}
	if err != nil {
		return "", err
	}
	return k.Name, nil
}

// RebuildDuplicateIndex refills the Redis sets used to suggest duplicates
// from the store (after Redis lost its data, or on a fresh Redis): every
// open complaint filed within the duplicate window.
func (s *Service) RebuildDuplicateIndex(ctx context.Context) (int, error) {
	since := s.now().Add(-time.Duration(s.cfg.Settings.DuplicateDays+1) * 24 * time.Hour).UTC()
	n := 0
	err := s.st.findFull(ctx, bson.D{{Key: "submitted_at", Value: bson.D{{Key: "$gte", Value: since}}}}, func(c Complaint) bool {
		if c.Status.Open() {
			s.indexLocation(ctx, c)
			n++
		}
		return true
	})
	return n, err
}

// RebuildIndex rewrites the slim index the lists, the deadline job and
// indicator 48 read, from the complaints themselves (after a failed index
// write was logged, or data loaded from elsewhere).
func (s *Service) RebuildIndex(ctx context.Context) (int, error) {
	s.invalidateClosure()
	return s.st.rebuildIndex(ctx)
}
