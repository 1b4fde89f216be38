package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// unlockScript deletes the lock only if it still holds our token, so a lock
// that expired and was taken by another replica is never released by us.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// TryLock takes the lock key (under the prefix) for ttl if nobody holds it.
// It is for periodic work that must run on one replica at a time; the work
// must finish well within ttl, since the lock then expires on its own.
func (c *Client) TryLock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	full := c.Key("lock", key)
	ok, err = c.SetNX(ctx, full, token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", key, err)
	}
	if !ok {
		return nil, false, nil
	}
	return func() { _ = unlockScript.Run(context.Background(), c.UniversalClient, []string{full}, token).Err() }, true, nil
}
