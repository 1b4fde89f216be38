package complaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Open311 API keys: issued by the admin, listed, revoked, and checked on
// every Open311 POST. The check reads the key's document by _id each time
// (no cache), so a revocation is refused by every replica from the moment
// it is written.

// ErrAPIKeyNotFound answers a revocation of an unknown key id.
var ErrAPIKeyNotFound = errs.New(errs.KindNotFound, "open311_key_not_found", "API 密钥不存在")

// KeyTouchInterval is how stale a key's last_used_at may get: a check
// writes it only when the stored value is older, so a busy client costs
// at most one write a minute, not one per request.
const KeyTouchInterval = time.Minute

// maxKeys caps the key list; an administrator issues keys by hand.
const maxKeys = 1000

// APIKey describes an issued key; Secret is only set when issued.
type APIKey struct {
	ID            string
	Name          string
	Secret        string
	CreatedAt     time.Time
	CreatedBy     string // user id of the admin who issued it
	CreatedByName string
	RevokedAt     *time.Time
	LastUsedAt    *time.Time // to KeyTouchInterval
}

// keyDoc is a stored key: apiKey (store.go) with its life-cycle fields.
// Keys issued before these fields existed decode with them zero.
type keyDoc struct {
	Key           apiKey     `bson:",inline"`
	CreatedByName string     `bson:"created_by_name"`
	RevokedAt     *time.Time `bson:"revoked_at"`
	RevokedBy     string     `bson:"revoked_by"`
	LastUsedAt    *time.Time `bson:"last_used_at"`
}

func (k keyDoc) public() APIKey {
	return APIKey{ID: k.Key.ID, Name: k.Key.Name, CreatedAt: k.Key.CreatedAt, CreatedBy: k.Key.CreatedBy,
		CreatedByName: k.CreatedByName, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt}
}

func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// keyLock serialises the writes to one key (revoke, last-use touch): the
// embedded store writes a whole document back on update, so unserialised
// a touch could undo a revocation.
func (s *Service) keyLock(hash string) func() { return s.locks.Lock("open311-key:" + hash) }

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
	k := keyDoc{Key: apiKey{Hash: hashKey(secret), ID: "k_" + randomID()[:10], Name: name, CreatedBy: a.UserID, CreatedAt: s.now().UTC()},
		CreatedByName: a.DisplayName}
	if _, err := s.st.keys.InsertOne(ctx, k); err != nil {
		return APIKey{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "open311_key.issue", ObjectType: "open311_key", ObjectID: k.Key.ID,
		After: map[string]any{"name": name}})
	out := k.public()
	out.Secret = secret
	return out, nil
}

// ListAPIKeys returns every issued key, newest first, without secrets or
// hashes (admin only).
func (s *Service) ListAPIKeys(ctx context.Context, a account.Actor) ([]APIKey, error) {
	if !a.Is(account.RoleAdmin) {
		return nil, errs.ErrForbidden
	}
	cur, err := s.st.keys.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list open311 keys: %w", err)
	}
	defer cur.Close(ctx)
	var out []APIKey
	for cur.Next(ctx) && len(out) < maxKeys {
		var k keyDoc
		if err := cur.Decode(&k); err != nil {
			return nil, fmt.Errorf("decode open311 key: %w", err)
		}
		out = append(out, k.public())
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("list open311 keys: %w", err)
	}
	slices.SortFunc(out, func(x, y APIKey) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	return out, nil
}

// RevokeAPIKey revokes a key by its id (admin only); Open311 requests with
// it are refused from then on. Revoking a revoked key is a no-op that
// answers the key as it is (idempotent: a retried request succeeds), and
// only the first revocation is audited.
func (s *Service) RevokeAPIKey(ctx context.Context, a account.Actor, id string) (APIKey, error) {
	if !a.Is(account.RoleAdmin) {
		return APIKey{}, errs.ErrForbidden
	}
	// Keys are few and looked up by id only here, so no index on id.
	var k keyDoc
	err := s.st.keys.FindOne(ctx, bson.D{{Key: "id", Value: id}}).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return APIKey{}, ErrAPIKeyNotFound
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("read open311 key: %w", err)
	}
	if k.Key.Revoked {
		return k.public(), nil
	}
	now := s.now().UTC()
	unlock := s.keyLock(k.Key.Hash)
	res, err := s.st.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: k.Key.Hash}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}, {Key: "revoked_at", Value: now}, {Key: "revoked_by", Value: a.UserID}}}})
	unlock()
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke open311 key: %w", err)
	}
	if res.ModifiedCount > 0 {
		_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "open311_key.revoke", ObjectType: "open311_key", ObjectID: k.Key.ID,
			Before: map[string]any{"revoked": false}, After: map[string]any{"revoked": true, "name": k.Key.Name}})
	}
	if err := s.st.keys.FindOne(ctx, bson.D{{Key: "_id", Value: k.Key.Hash}}).Decode(&k); err != nil {
		return APIKey{}, fmt.Errorf("read open311 key: %w", err)
	}
	return k.public(), nil
}

// CheckAPIKey returns the client name of a valid key, and records its use
// at most once per KeyTouchInterval.
func (s *Service) CheckAPIKey(ctx context.Context, secret string) (string, error) {
	if secret == "" || len(secret) > 200 {
		return "", ErrInvalidAPIKey
	}
	var k keyDoc
	err := s.st.keys.FindOne(ctx, bson.D{{Key: "_id", Value: hashKey(secret)}}).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && k.Key.Revoked {
		return "", ErrInvalidAPIKey
	}
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= KeyTouchInterval {
		s.touchKey(ctx, k.Key.Hash, now)
	}
	return k.Key.Name, nil
}

// touchKey sets last_used_at unless another request (on any replica) set
// it within the interval: the condition is in the filter, so concurrent
// checks write once. A failure is logged; the request goes on.
func (s *Service) touchKey(ctx context.Context, hash string, now time.Time) {
	defer s.keyLock(hash)()
	_, err := s.st.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}, {Key: "revoked", Value: false},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "last_used_at", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "last_used_at", Value: nil}},
			bson.D{{Key: "last_used_at", Value: bson.D{{Key: "$lte", Value: now.Add(-KeyTouchInterval)}}}},
		}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_used_at", Value: now}}}})
	if err != nil {
		s.log.Warn("open311 key use not recorded", "err", err)
	}
}
