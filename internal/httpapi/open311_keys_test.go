package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
)

type open311KeyView struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by"`
	CreatedByName string     `json:"created_by_name"`
	RevokedAt     *time.Time `json:"revoked_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
}

// TestOpen311Keys: the admin lists keys (never a secret or hash) and
// revokes one; from then on it is refused, idempotently and audited once;
// last use is recorded at most once a minute.
func TestOpen311Keys(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	ctx := context.Background()
	clock := time.Now()
	e.srv.Complaints.SetClock(func() time.Time { return clock })

	issue := func(name string) (id, secret string) {
		m := e.do("POST", "/api/v1/admin/open311/keys", admin, map[string]string{"name": name}).want(201).json()
		return m["id"].(string), m["api_key"].(string)
	}
	hotlineID, hotline := issue("12345 市民热线")
	clock = clock.Add(time.Second)
	gridID, grid := issue("网格化平台")

	list := func() ([]open311KeyView, string) {
		var out struct {
			Items []open311KeyView `json:"items"`
		}
		res := e.do("GET", "/api/v1/admin/open311/keys", admin, nil).want(200)
		res.decode(&out)
		return out.Items, string(res.Body)
	}
	keys, body := list()
	if len(keys) != 2 || keys[0].ID != gridID || keys[1].ID != hotlineID || keys[1].Name != "12345 市民热线" ||
		keys[0].CreatedBy != e.userID(admin) || keys[0].CreatedAt.IsZero() || keys[0].RevokedAt != nil || keys[0].LastUsedAt != nil {
		t.Fatalf("keys: %s", body)
	}
	for _, secret := range []string{hotline, grid, hashHex(hotline), hashHex(grid), "api_key", "hash"} {
		if strings.Contains(body, secret) {
			t.Fatalf("list leaks %q: %s", secret, body)
		}
	}

	// Use is recorded, at most once a minute.
	post := func(key string) response {
		f := url.Values{"api_key": {key}, "service_code": {"other"}, "lat": {"39.6"}, "long": {"109.78"}, "description": {"堆放垃圾"}}
		return e.doRaw("POST", "/open311/v2/requests.json", "", f.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	}
	post(hotline).want(201)
	first := clock
	keys, _ = list()
	if keys[1].LastUsedAt == nil || !keys[1].LastUsedAt.Equal(first.Truncate(time.Millisecond)) || keys[0].LastUsedAt != nil {
		t.Fatalf("after first use: %+v", keys)
	}
	clock = clock.Add(59 * time.Second)
	post(hotline).want(201)
	if keys, _ = list(); !keys[1].LastUsedAt.Equal(first.Truncate(time.Millisecond)) {
		t.Fatalf("touched again within the minute: %v", keys[1].LastUsedAt)
	}
	clock = clock.Add(2 * time.Second)
	post(hotline).want(201)
	if keys, _ = list(); !keys[1].LastUsedAt.Equal(clock.Truncate(time.Millisecond)) {
		t.Fatalf("not touched after a minute: %v, want %v", keys[1].LastUsedAt, clock)
	}

	// Revoke: refused from that moment, in both formats; the other key works.
	rev := e.do("POST", "/api/v1/admin/open311/keys/"+hotlineID+"/revoke", admin, nil).want(200)
	var k open311KeyView
	rev.decode(&k)
	if k.ID != hotlineID || k.RevokedAt == nil || strings.Contains(string(rev.Body), hotline) {
		t.Fatalf("revoked: %s", rev.Body)
	}
	post(hotline).wantOpen311Error(t, 403)
	f := url.Values{"api_key": {hotline}, "service_code": {"other"}, "lat": {"39.6"}, "long": {"109.78"}, "description": {"x"}}
	var ex xmlErrors
	xmlDecode(t, e.doRaw("POST", "/open311/v2/requests.xml", "", f.Encode(), "Content-Type", "application/x-www-form-urlencoded").want(403), &ex)
	if len(ex.Errors) != 1 || ex.Errors[0].Code != 403 {
		t.Fatalf("xml: %+v", ex)
	}
	post(grid).want(201)

	// Idempotent: a second revocation answers the key unchanged, audited once.
	clock = clock.Add(time.Hour)
	var again open311KeyView
	e.do("POST", "/api/v1/admin/open311/keys/"+hotlineID+"/revoke", admin, nil).want(200).decode(&again)
	if again.RevokedAt == nil || !again.RevokedAt.Equal(*k.RevokedAt) {
		t.Fatalf("second revocation changed revoked_at: %v → %v", k.RevokedAt, again.RevokedAt)
	}
	n, err := e.db.Collection("audit").CountDocuments(ctx, bson.D{{Key: "action", Value: "open311_key.revoke"}, {Key: "object_id", Value: hotlineID}})
	if err != nil || n != 1 {
		t.Fatalf("revocation audited %d times (%v)", n, err)
	}
	keys, _ = list()
	if keys[1].RevokedAt == nil || keys[0].RevokedAt != nil {
		t.Fatalf("list after revocation: %+v", keys)
	}
	e.do("POST", "/api/v1/admin/open311/keys/k_nope/revoke", admin, nil).wantError(404, "open311_key_not_found")

	// Only the admin.
	for _, role := range []account.Role{account.RoleDepartment, account.RoleDistrict, account.RoleEvaluator, account.RoleCitizen} {
		e.do("GET", "/api/v1/admin/open311/keys", e.tokens[role], nil).wantError(403, "forbidden")
		e.do("POST", "/api/v1/admin/open311/keys/"+gridID+"/revoke", e.tokens[role], nil).wantError(403, "forbidden")
	}
	e.do("GET", "/api/v1/admin/open311/keys", "", nil).wantError(401, "unauthenticated")
	post(grid).want(201)
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
