// Package reqctx carries request-scoped values (the request id) through a
// context.Context, so audit records and logs below the HTTP layer can name
// the request without importing Fiber.
package reqctx

import "context"

type key int

const requestIDKey key = 1

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id in ctx, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
