// Package upload stores files that citizens and staff attach to complaints
// and 无废细胞 applications: images and PDFs, typed by their content (never
// by their name), size-capped, with a SHA-256 kept. A file starts unattached,
// visible only to its uploader; the area that uses it claims it for one
// object (a complaint, an application), after which whoever may see that
// object may download it.
package upload

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// Kind is what a file is, decided from its bytes.
type Kind string

// The kinds accepted.
const (
	KindImage Kind = "image"
	KindPDF   Kind = "pdf"
)

// contentTypes maps sniffed types to kinds; nothing else is accepted.
var contentTypes = map[string]Kind{
	"image/jpeg":      KindImage,
	"image/png":       KindImage,
	"image/webp":      KindImage,
	"application/pdf": KindPDF,
}

// Ref names the object an upload is attached to.
type Ref struct {
	Type string `bson:"type" json:"type"`
	ID   string `bson:"id" json:"id"`
}

// Upload is a stored file's record.
type Upload struct {
	ID          string    `bson:"_id" json:"id"`
	SHA256      string    `bson:"sha256" json:"sha256"`
	ContentType string    `bson:"content_type" json:"content_type"`
	Kind        Kind      `bson:"kind" json:"kind"`
	Size        int64     `bson:"size" json:"size"`
	OwnerID     string    `bson:"owner_id" json:"-"`
	Ref         *Ref      `bson:"ref,omitempty" json:"-"`
	CreatedAt   time.Time `bson:"created_at" json:"created_at"`
}

// The area's errors.
var (
	ErrNotFound    = errs.New(errs.KindNotFound, "upload_not_found", "文件不存在")
	ErrTooLarge    = errs.New(errs.KindTooLarge, "file_too_large", "文件过大")
	ErrEmpty       = errs.New(errs.KindInvalid, "file_empty", "文件为空")
	ErrType        = errs.New(errs.KindUnsupportedMedia, "unsupported_file_type", "仅支持 JPEG、PNG、WebP 图片和 PDF 文件")
	ErrMissingFile = errs.New(errs.KindInvalid, "file_required", "请选择要上传的文件（表单字段 file）")
)

const collection = "uploads"

// Indexes are created by the schema steps.
var Indexes = []mongodb.Index{
	{Collection: collection, Name: "owner", Keys: bson.D{{Key: "owner_id", Value: 1}}},
	{Collection: collection, Name: "ref", Keys: bson.D{{Key: "ref.type", Value: 1}, {Key: "ref.id", Value: 1}}},
}

// Visibility decides whether a may download files attached to the object
// refID of one ref type.
type Visibility func(ctx context.Context, a account.Actor, refID string) bool

// Service stores and serves uploads.
type Service struct {
	coll     *mongo.Collection
	storage  Storage
	maxBytes int64
	log      *slog.Logger
	locks    *mongodb.Locker
	now      func() time.Time

	mu         sync.RWMutex
	visibility map[string]Visibility
}

// NewService returns the service; files larger than maxBytes are refused.
func NewService(db *mongo.Database, storage Storage, maxBytes int64, log *slog.Logger) *Service {
	return &Service{coll: db.Collection(collection), storage: storage, maxBytes: maxBytes, log: log,
		locks: mongodb.NewLocker(), now: time.Now, visibility: map[string]Visibility{}}
}

// RegisterVisibility says who may download files attached to objects of refType.
func (s *Service) RegisterVisibility(refType string, fn Visibility) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.visibility[refType] = fn
}

// Create stores the file read from r for actor a. The content type is
// sniffed from the first bytes; the SHA-256 is computed while writing.
func (s *Service) Create(ctx context.Context, a account.Actor, r io.Reader) (Upload, error) {
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Upload{}, fmt.Errorf("read upload: %w", err)
	}
	if len(head) == 0 {
		return Upload{}, ErrEmpty
	}
	ct := sniff(head)
	kind, ok := contentTypes[ct]
	if !ok {
		return Upload{}, ErrType
	}
	id := "up_" + randomID()
	h := sha256.New()
	limited := &io.LimitedReader{R: io.TeeReader(br, h), N: s.maxBytes + 1}
	size, err := s.storage.Put(ctx, id, limited)
	if err != nil {
		return Upload{}, err
	}
	if size > s.maxBytes {
		_ = s.storage.Delete(ctx, id)
		return Upload{}, ErrTooLarge.WithMessage(fmt.Sprintf("文件不能超过 %d MB", s.maxBytes>>20))
	}
	u := Upload{ID: id, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: ct, Kind: kind, Size: size, OwnerID: a.UserID, CreatedAt: s.now().UTC()}
	if _, err := s.coll.InsertOne(ctx, u); err != nil {
		_ = s.storage.Delete(ctx, id)
		return Upload{}, fmt.Errorf("record upload: %w", err)
	}
	return u, nil
}

// sniff detects the type from content; WebP needs its own check since the
// standard sniffer reports it only on newer Go versions.
func sniff(head []byte) string {
	if len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		return "image/webp"
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return ct
}

// Get returns an upload's record.
func (s *Service) Get(ctx context.Context, id string) (Upload, error) {
	var u Upload
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&u)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("read upload: %w", err)
	}
	return u, nil
}

// CanView reports whether a may download u: its uploader, the admin, or
// whoever the attached object's area allows.
func (s *Service) CanView(ctx context.Context, a account.Actor, u Upload) bool {
	if a.UserID == u.OwnerID || a.Is(account.RoleAdmin) {
		return true
	}
	if u.Ref == nil {
		return false
	}
	s.mu.RLock()
	fn := s.visibility[u.Ref.Type]
	s.mu.RUnlock()
	return fn != nil && fn(ctx, a, u.Ref.ID)
}

// Open returns the file of id for a, or ErrNotFound when it does not exist
// or a may not see it (so existence is not revealed).
func (s *Service) Open(ctx context.Context, a account.Actor, id string) (io.ReadCloser, Upload, error) {
	u, err := s.Get(ctx, id)
	if err != nil {
		return nil, u, err
	}
	if !s.CanView(ctx, a, u) {
		return nil, u, ErrNotFound
	}
	rc, err := s.storage.Open(ctx, id)
	if err != nil {
		return nil, u, err
	}
	return rc, u, nil
}

// ClaimOption adjusts Claim.
type ClaimOption func(*claimOptions)

type claimOptions struct {
	field    string
	anyOwner bool
}

// Field names the input field in error messages ("photos", "evidence").
func Field(name string) ClaimOption { return func(o *claimOptions) { o.field = name } }

// AnyOwner lets staff claim files uploaded by others (e.g. an application's
// evidence re-attached on renewal).
func AnyOwner() ClaimOption { return func(o *claimOptions) { o.anyOwner = true } }

// Claim attaches the uploads ids to ref on behalf of a. Each must exist,
// have been uploaded by a (unless AnyOwner), be of an allowed kind (any
// kind when allowed is empty) and not be attached to another object.
// Re-claiming for the same ref is allowed. Nothing is attached unless all
// pass; the per-field errors name each bad id's position.
func (s *Service) Claim(ctx context.Context, a account.Actor, ids []string, ref Ref, allowed []Kind, opts ...ClaimOption) error {
	o := claimOptions{field: "files"}
	for _, opt := range opts {
		opt(&o)
	}
	var fields []errs.FieldError
	seen := map[string]bool{}
	for i, id := range ids {
		name := fmt.Sprintf("%s[%d]", o.field, i)
		if seen[id] {
			fields = append(fields, errs.Field(name, "duplicate", "同一文件重复提交"))
			continue
		}
		seen[id] = true
		u, err := s.Get(ctx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			fields = append(fields, errs.Field(name, "not_found", "文件不存在，请重新上传"))
		case err != nil:
			return err
		case !o.anyOwner && u.OwnerID != a.UserID:
			fields = append(fields, errs.Field(name, "not_owner", "只能使用本人上传的文件"))
		case len(allowed) > 0 && !slices.Contains(allowed, u.Kind):
			fields = append(fields, errs.Field(name, "wrong_kind", kindMessage(allowed)))
		case u.Ref != nil && *u.Ref != ref:
			fields = append(fields, errs.Field(name, "in_use", "该文件已用于其他事项"))
		}
	}
	if len(fields) > 0 {
		return errs.Invalid(fields...)
	}
	for _, id := range ids {
		if err := s.attach(ctx, id, ref); err != nil {
			return err
		}
	}
	return nil
}

func kindMessage(allowed []Kind) string {
	if slices.Equal(allowed, []Kind{KindImage}) {
		return "此处只能使用图片"
	}
	return "文件类型不符合要求"
}

// attach sets the ref of an unattached upload (or keeps the same ref).
func (s *Service) attach(ctx context.Context, id string, ref Ref) error {
	defer s.locks.Lock("upload:" + id)()
	u, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if u.Ref != nil {
		if *u.Ref == ref {
			return nil
		}
		return errs.Invalid(errs.Field(id, "in_use", "该文件已用于其他事项"))
	}
	res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "ref", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ref", Value: ref}}}})
	if err != nil {
		return fmt.Errorf("attach upload: %w", err)
	}
	if res.MatchedCount == 0 {
		return errs.ErrConflict
	}
	return nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
