package complaint

import (
	"context"

	"github.com/ordos-wufei/wufei/internal/account"
)

// Summary exposes the index document of a complaint to the benchmarks,
// which load complaints straight into the store.
var Summary = summary

// IndexLoads counts the full loads of s's list index.
func IndexLoads(s *Service) int64 { return s.idx.loads.Load() }

// SetIndexLoadHook makes every full load of s's list index call hook after
// it marked the change stream and before it reads the store.
func SetIndexLoadHook(s *Service, hook func()) { s.idx.loadHook = hook }

// SetIndexCheckHook makes every CheckIndex of s's RunIndex call hook with
// the rows it repaired.
func SetIndexCheckHook(s *Service, hook func(repaired int)) { s.checkHook = hook }

// IndexStream is the Redis key of the list index's change stream.
func IndexStream(s *Service) string { return s.idx.stream }

// ListIDs is the selection of List from the list index, without reading
// the page's documents (benchmarks separate the two).
func ListIDs(ctx context.Context, s *Service, a account.Actor, f Filter, limit int, cursor string) ([]string, string, error) {
	match, err := s.listMatch(a, f)
	if err != nil {
		return nil, "", err
	}
	return s.pageIDs(ctx, match, "", limit, cursor)
}

// MineIDs is the selection of Mine.
func MineIDs(ctx context.Context, s *Service, a account.Actor, limit int) ([]string, error) {
	ids, _, err := s.pageIDs(ctx, mineMatch(a), a.UserID, limit, "")
	return ids, err
}

// PublicIDs is the selection of Public.
func PublicIDs(ctx context.Context, s *Service, f PublicFilter) ([]string, error) {
	return s.publicIDs(ctx, f)
}
