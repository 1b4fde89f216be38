package httpapi

import (
	"context"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/upload"
)

// RegistryEvidence wires registry evidence to uploads: upload ids must be
// the reporter's own files (images or PDFs), and once attached to the
// public registry any logged-in user may open them.
func RegistryEvidence(up *upload.Service) func(ctx context.Context, a account.Actor, ids []string, refType, refID string) error {
	public := func(context.Context, account.Actor, string) bool { return true }
	up.RegisterVisibility("indicator", public)
	up.RegisterVisibility("task", public)
	return func(ctx context.Context, a account.Actor, ids []string, refType, refID string) error {
		return up.Claim(ctx, a, ids, upload.Ref{Type: refType, ID: refID}, nil, upload.Field("evidence"))
	}
}
