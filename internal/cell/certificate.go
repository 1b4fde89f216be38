package cell

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// NumberPrefix starts every certificate number: 无废细胞 in initials.
const NumberPrefix = "WFXB"

var numberPattern = regexp.MustCompile(`^WFXB-([0-9]{4})-([0-9]{4,6})$`)

// FormatNumber writes a certificate number: prefix, year of issue and the
// sequence within that year, zero-padded to four digits. URL-safe ASCII and
// short enough to be a WeChat QR scene (≤ 32 characters).
func FormatNumber(year, seq int) string { return fmt.Sprintf("%s-%04d-%04d", NumberPrefix, year, seq) }

// ParseNumber reads a number written by FormatNumber; it accepts the
// lower-case and surrounding-space forms people type when verifying.
func ParseNumber(s string) (year, seq int, number string, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	m := numberPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, "", false
	}
	year, _ = strconv.Atoi(m[1])
	seq, _ = strconv.Atoi(m[2])
	if seq < 1 || year < 2000 {
		return 0, 0, "", false
	}
	return year, seq, FormatNumber(year, seq), true
}

// expiry is the first instant a certificate issued at from is no longer
// valid: midnight in Shanghai starting the day of the same date years on.
func expiry(from time.Time, years int) time.Time {
	l := from.In(shanghai)
	return time.Date(l.Year()+years, l.Month(), l.Day(), 0, 0, 0, 0, shanghai).UTC()
}

// issue creates the certificate of application d, or returns the one it
// already has (a retry after a failed write of the application). Numbers are
// the last number of the year plus one, inserted with the number as _id: a
// taken number fails the insert atomically on every back end and the loop
// takes the next, so numbers have neither gaps nor repeats. seqMu keeps this
// process's certifications from racing each other for the same number, and
// the last number issued is remembered per year, so only the first
// certification of a year after start scans for it.
func (s *Service) issue(ctx context.Context, d appDoc, now time.Time) (certDoc, error) {
	t, _ := s.rubrics.Type(d.Unit.Type)
	start := now
	if d.Renews != "" {
		// A renewal continues the old certificate without a gap or overlap.
		if old, err := s.st.cert(ctx, d.Renews); err == nil && !old.Revoked && old.ExpiresAt.After(now) {
			start = old.ExpiresAt
		}
	}
	year := now.In(shanghai).Year()
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	last, known := s.lastSeqs[year]
	if !known {
		var err error
		if last, err = s.st.lastSeq(ctx, year); err != nil {
			return certDoc{}, err
		}
	}
	for attempt := 0; attempt < 50; attempt++ {
		c := certDoc{ID: FormatNumber(year, last+1), Year: year, Seq: last + 1, ApplicationID: d.ID, Type: d.Unit.Type, Unit: d.Unit,
			IssuedAt: now, ExpiresAt: expiry(start, t.ValidityYears), Renews: d.Renews}
		err := s.st.insertCert(ctx, c)
		if err == nil {
			s.lastSeqs[year] = c.Seq
			return c, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return certDoc{}, fmt.Errorf("insert certificate: %w", err)
		}
		// Either this application already has its certificate (a retry
		// after the application's write failed: use it; the unique
		// application_id refused the insert), or another replica took the
		// number (try the next). Only this rare path scans.
		if c, err := s.st.certOfApp(ctx, d.ID); err == nil {
			return c, nil
		}
		last++
	}
	return certDoc{}, errs.ErrConflict
}

func (s *Service) certStatus(c certDoc) string {
	switch {
	case c.Revoked:
		return CertRevoked
	case !s.now().Before(c.ExpiresAt):
		return CertExpired
	}
	return CertValid
}

func (s *Service) certView(c certDoc) Certificate {
	t, _ := s.rubrics.Type(c.Type)
	return Certificate{Number: c.ID, Title: fmt.Sprintf("鄂尔多斯市“无废%s”认定证书", t.Name), ApplicationID: c.ApplicationID,
		Type: c.Type, TypeName: t.Name, UnitName: c.Unit.Name, CreditCode: c.Unit.CreditCode, District: c.Unit.District,
		DistrictName: c.Unit.DistrictName, Address: c.Unit.Address, Lat: c.Unit.Lat, Lng: c.Unit.Lng, IssuedAt: c.IssuedAt,
		ExpiresAt: c.ExpiresAt, Status: s.certStatus(c), RevokedAt: c.RevokedAt, RevokeReason: c.RevokeReason, Renews: c.Renews}
}

// Certificate returns a certificate by number for public verification.
func (s *Service) Certificate(ctx context.Context, number string) (Certificate, error) {
	_, _, n, ok := ParseNumber(number)
	if !ok {
		return Certificate{}, ErrCertificateNotFound
	}
	c, err := s.st.cert(ctx, n)
	if err != nil {
		return Certificate{}, err
	}
	return s.certView(c), nil
}

// QRCode returns the certificate's WeChat code, made on first request and
// kept: the scene is the number, which the verification page resolves.
func (s *Service) QRCode(ctx context.Context, number string) ([]byte, error) {
	_, _, n, ok := ParseNumber(number)
	if !ok {
		return nil, ErrCertificateNotFound
	}
	c, err := s.st.cert(ctx, n)
	if err != nil {
		return nil, err
	}
	if len(c.QRCode) > 0 {
		return c.QRCode, nil
	}
	if s.qr == nil {
		return nil, errs.ErrUnavailable.WithMessage("小程序码服务不可用")
	}
	img, err := s.qr.UnlimitedQRCode(ctx, c.ID, s.qrPage, 430)
	if err != nil {
		return nil, fmt.Errorf("certificate qr code: %w", err)
	}
	// Losing this race only means another request stored the same picture.
	if err := s.st.setCert(ctx, c.ID, c.Version, bson.D{{Key: "qr_code", Value: img}}); err != nil && !errors.Is(err, errVersion) {
		s.log.Error("keep certificate qr code", "certificate", c.ID, "err", err)
	}
	return img, nil
}

// Revoke withdraws a certificate (admin), with a reason; the application
// moves to revoked.
func (s *Service) Revoke(ctx context.Context, a account.Actor, number, reason string) (Certificate, error) {
	if !a.Is(account.RoleAdmin) {
		return Certificate{}, errs.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 2000 {
		return Certificate{}, errs.Invalid(errs.Field("reason", "required", "请填写撤销原因（不超过 2000 字）"))
	}
	_, _, n, ok := ParseNumber(number)
	if !ok {
		return Certificate{}, ErrCertificateNotFound
	}
	c, err := s.st.cert(ctx, n)
	if err != nil {
		return Certificate{}, err
	}
	if c.Revoked {
		return Certificate{}, ErrAlreadyRevoked
	}
	// The application move is the guarded step: of two revocations only one
	// passes it. The certificate is marked after, and a retry finishes it.
	_, err = s.change(ctx, a, c.ApplicationID, ActRevoke, adminOnly, func(d *appDoc, now time.Time) (string, error) {
		return reason, nil
	})
	if err != nil && !isStatus(err, StatusRevoked) {
		return Certificate{}, err
	}
	defer s.locks.Lock("cellcert:" + c.ID)()
	c, err = s.st.cert(ctx, n)
	if err != nil {
		return Certificate{}, err
	}
	if c.Revoked {
		return Certificate{}, ErrAlreadyRevoked
	}
	now := s.now().UTC()
	w := whoOf(a)
	if err := s.st.setCert(ctx, c.ID, c.Version, bson.D{{Key: "revoked", Value: true}, {Key: "revoked_at", Value: now},
		{Key: "revoke_reason", Value: reason}, {Key: "revoked_by", Value: w}}); err != nil {
		if errors.Is(err, errVersion) {
			return Certificate{}, errs.ErrConflict
		}
		return Certificate{}, err
	}
	c.Revoked, c.RevokedAt, c.RevokeReason, c.RevokedBy = true, &now, reason, &w
	s.dropSnapshot()
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "cell.certificate.revoke", ObjectType: "cell_certificate", ObjectID: c.ID,
		Before: map[string]any{"status": CertValid}, After: map[string]any{"status": CertRevoked, "reason": reason}})
	return s.certView(c), nil
}

func isStatus(err error, st Status) bool {
	e, ok := errs.As(err)
	return ok && errors.Is(err, ErrWrongStatus) && len(e.Fields) == 1 && e.Fields[0].Code == string(st)
}

// ---- lists ------------------------------------------------------------------

// Filter narrows lists; zero fields do not filter.
type Filter struct {
	Status, Type, District string
}

// ErrBadCursor is a cursor that names nothing in the list.
var ErrBadCursor = errs.New(errs.KindInvalid, "invalid_cursor", "分页游标无效")

func paginate[T any](items []T, key func(T) string, limit int, cursor string) ([]T, string, error) {
	start := 0
	if cursor != "" {
		i := slices.IndexFunc(items, func(it T) bool { return key(it) == cursor })
		if i < 0 {
			return nil, "", ErrBadCursor
		}
		start = i + 1
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = key(items[end-1])
	}
	return items[start:end], next, nil
}

// List returns the applications a may see, newest first: their own for
// applicants, their districts' for district staff, all for the admin.
func (s *Service) List(ctx context.Context, a account.Actor, f Filter, limit int, cursor string) ([]Application, string, error) {
	if f.Status != "" && !Status(f.Status).Valid() {
		return nil, "", errs.Invalid(errs.Field("status", "invalid", "状态无效"))
	}
	q := bson.D{}
	if a.Role == account.RoleCitizen {
		q = bson.D{{Key: "applicants", Value: a.UserID}}
	}
	docs, err := s.st.appsWhere(ctx, q)
	if err != nil {
		return nil, "", err
	}
	var out []Application
	for _, d := range docs {
		if !mayView(a, d) || f.Type != "" && d.Unit.Type != f.Type || f.District != "" && d.Unit.District != f.District {
			continue
		}
		v := s.view(d)
		if f.Status != "" && string(v.Status) != f.Status {
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(x, y Application) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return paginate(out, func(x Application) string { return x.ID }, limit, cursor)
}

// PublicityItem is an application in publicity as the public sees it.
type PublicityItem struct {
	ApplicationID string    `json:"application_id"`
	UnitName      string    `json:"unit_name"`
	Type          string    `json:"type"`
	TypeName      string    `json:"type_name"`
	District      string    `json:"district"`
	DistrictName  string    `json:"district_name"`
	Address       string    `json:"address"`
	Score         float64   `json:"score"` // the city review's total
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
}

// Publicity lists the applications now in publicity, ending soonest first,
// so anyone can read them and object.
func (s *Service) Publicity(ctx context.Context) ([]PublicityItem, error) {
	docs, err := s.st.appsWhere(ctx, bson.D{{Key: "status", Value: string(StatusPublicity)}})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []PublicityItem{}
	for _, d := range docs {
		if d.PublicityEnd == nil || !now.Before(*d.PublicityEnd) {
			continue
		}
		t, _ := s.rubrics.Type(d.Unit.Type)
		it := PublicityItem{ApplicationID: d.ID, UnitName: d.Unit.Name, Type: t.Code, TypeName: t.Name, District: d.Unit.District,
			DistrictName: d.Unit.DistrictName, Address: d.Unit.Address, Start: *d.PublicityStart, End: *d.PublicityEnd}
		if d.CityReview != nil {
			it.Score = d.CityReview.Total
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(x, y PublicityItem) int { return x.End.Compare(y.End) })
	return out, nil
}

// Counts are certified units by type and by district, keyed by the codes
// the list's filters take (type code, district adcode) with the names
// beside them, so a client can filter by the row it shows.
type Counts struct {
	Total      int             `json:"total"`
	ByType     []TypeCount     `json:"by_type"`     // configured type order, then by code; only types with units
	ByDistrict []DistrictCount `json:"by_district"` // by adcode; only districts with units
}

// TypeCount is the number of certified units of one type.
type TypeCount struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// DistrictCount is the number of certified units in one district.
type DistrictCount struct {
	Adcode string `json:"adcode"`
	Name   string `json:"name"`
	Count  int    `json:"count"`
}

// Certified lists the valid certificates (for the public map) by number,
// with counts over every valid certificate.
func (s *Service) Certified(ctx context.Context, f Filter, limit int, cursor string) ([]Certificate, string, Counts, error) {
	sn, err := s.snapshot(ctx)
	if err != nil {
		return nil, "", Counts{}, err
	}
	var keep []Certificate
	for _, c := range sn.certs {
		if f.Type != "" && c.Type != f.Type || f.District != "" && c.District != f.District {
			continue
		}
		keep = append(keep, c)
	}
	page, next, err := paginate(keep, func(c Certificate) string { return c.Number }, limit, cursor)
	return page, next, sn.counts, err
}

// snapshotTTL bounds how long a snapshot serves reads: changes made by this
// process drop it at once, other replicas' show within this time.
const snapshotTTL = 30 * time.Second

// snapshot is what indicator 41 and the public map read: the valid
// certificates (one per unit, the latest when a renewal overlaps, by
// number) and the applications under way. Computing it reads every
// certificate and application (the embedded store scans anyway), so it is
// kept until a change by this process, the next expiry, or snapshotTTL.
type snapshot struct {
	certs              []Certificate
	counts             Counts // of certs; shared by every reader, never modified
	inProgress, drafts int
	until              time.Time
}

func (s *Service) snapshot(ctx context.Context) (*snapshot, error) {
	now := s.now()
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.snap != nil && now.Before(s.snap.until) && !now.Before(s.snapFrom) {
		return s.snap, nil
	}
	docs, err := s.st.allCerts(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{until: now.Add(snapshotTTL)}
	byUnit := map[string]Certificate{}
	for _, d := range docs {
		c := s.certView(d)
		if c.Status != CertValid {
			continue
		}
		if c.ExpiresAt.Before(sn.until) {
			sn.until = c.ExpiresAt
		}
		if prev, ok := byUnit[c.CreditCode]; !ok || c.IssuedAt.After(prev.IssuedAt) {
			byUnit[c.CreditCode] = c
		}
	}
	sn.certs = make([]Certificate, 0, len(byUnit))
	for _, c := range byUnit {
		sn.certs = append(sn.certs, c)
	}
	slices.SortFunc(sn.certs, func(x, y Certificate) int { return strings.Compare(x.Number, y.Number) })
	sn.counts = s.countCerts(sn.certs)
	statuses, err := s.st.appStatuses(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range statuses {
		switch {
		case st == StatusDraft:
			sn.drafts++
		case st.InProgress():
			sn.inProgress++
		}
	}
	s.snap, s.snapFrom = sn, now
	return sn, nil
}

// dropSnapshot forgets the snapshot after a change.
func (s *Service) dropSnapshot() {
	s.snapMu.Lock()
	s.snap = nil
	s.snapMu.Unlock()
}

// countCerts counts certs by type (in the rubric file's order, a type no
// longer configured after them by code) and by district (by adcode).
func (s *Service) countCerts(certs []Certificate) Counts {
	c := Counts{ByType: []TypeCount{}, ByDistrict: []DistrictCount{}}
	types, districts := map[string]int{}, map[string]int{} // code → index in c.ByType, c.ByDistrict
	for _, x := range certs {
		c.Total++
		if i, ok := types[x.Type]; ok {
			c.ByType[i].Count++
		} else {
			types[x.Type] = len(c.ByType)
			c.ByType = append(c.ByType, TypeCount{Code: x.Type, Name: x.TypeName, Count: 1})
		}
		if i, ok := districts[x.District]; ok {
			c.ByDistrict[i].Count++
		} else {
			districts[x.District] = len(c.ByDistrict)
			c.ByDistrict = append(c.ByDistrict, DistrictCount{Adcode: x.District, Name: x.DistrictName, Count: 1})
		}
	}
	order := func(code string) int {
		if i := slices.IndexFunc(s.rubrics.Types, func(t Type) bool { return t.Code == code }); i >= 0 {
			return i
		}
		return len(s.rubrics.Types)
	}
	slices.SortFunc(c.ByType, func(x, y TypeCount) int {
		if d := order(x.Code) - order(y.Code); d != 0 {
			return d
		}
		return strings.Compare(x.Code, y.Code)
	})
	slices.SortFunc(c.ByDistrict, func(x, y DistrictCount) int { return strings.Compare(x.Adcode, y.Adcode) })
	return c
}
