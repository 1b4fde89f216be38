package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// redisCache is the SDK's cache.Cache over our go-redis v9 client (the SDK's
// own Redis cache pulls in go-redis v8). Keys are stored under prefix. Strings
// and byte slices are stored as they are and everything else as JSON; Get
// returns the stored text, which is what the SDK expects for its tokens.
type redisCache struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

var _ cache.ContextCache = (*redisCache)(nil)

func newRedisCache(rdb redis.UniversalClient, prefix string, log *slog.Logger) *redisCache {
	return &redisCache{rdb: rdb, prefix: prefix, log: log}
}

// Get returns the value under key, or nil when it is absent or Redis fails.
func (c *redisCache) Get(key string) any { return c.GetContext(context.Background(), key) }

// GetContext returns the value under key, or nil when it is absent or Redis
// fails (the interface has no error; the failure is logged).
func (c *redisCache) GetContext(ctx context.Context, key string) any {
	v, err := c.lookup(ctx, key)
	if err != nil {
		c.log.WarnContext(ctx, "wechat token cache read failed", "key", c.prefix+key, "err", err)
		return nil
	}
	if v == "" {
		return nil
	}
	return v
}

// lookup returns the value under key, "" when absent, or Redis's error.
func (c *redisCache) lookup(ctx context.Context, key string) (string, error) {
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// Set stores val under key for timeout.
func (c *redisCache) Set(key string, val any, timeout time.Duration) error {
	return c.SetContext(context.Background(), key, val, timeout)
}

// SetContext stores val under key for timeout. A timeout of zero or less
// stores nothing and removes any old value, as the SDK's memory cache would
// (it computes timeouts as expires_in minus a margin, which can go negative).
func (c *redisCache) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	if timeout <= 0 {
		return c.rdb.Del(ctx, c.prefix+key).Err()
	}
	var s string
	switch v := val.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		s = string(b)
	}
	return c.rdb.Set(ctx, c.prefix+key, s, timeout).Err()
}

// IsExist reports whether key holds a value.
func (c *redisCache) IsExist(key string) bool { return c.IsExistContext(context.Background(), key) }

// IsExistContext reports whether key holds a value; false when Redis fails.
func (c *redisCache) IsExistContext(ctx context.Context, key string) bool {
	n, err := c.rdb.Exists(ctx, c.prefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key.
func (c *redisCache) Delete(key string) error { return c.DeleteContext(context.Background(), key) }

// DeleteContext removes key.
func (c *redisCache) DeleteContext(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, c.prefix+key).Err()
}

// deleteIfScript deletes a key only while it still holds the given value.
var deleteIfScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// deleteIf removes key only if it still holds val, so that a stale token is
// dropped without also dropping a fresh one another instance just stored.
func (c *redisCache) deleteIf(ctx context.Context, key, val string) error {
	return deleteIfScript.Run(ctx, c.rdb, []string{c.prefix + key}, val).Err()
}
