// Package console embeds the built web console (the Vue application in this
// directory, built by `npm run build` into dist/). The built files are
// committed so that `go run ./cmd/wufei serve` on a fresh clone serves the
// full console without Node.js; CI rebuilds dist/ and fails when it differs
// from the committed copy.
package console

import (
	"embed"
	"io/fs"
)

// The all: prefix keeps files whose names start with "_" or ".", which Vite
// may emit for some chunks.
//
//go:embed all:dist
var dist embed.FS

// FS returns the built console rooted at dist/ (index.html at its top).
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub only fails for an invalid path; "dist" is valid.
		panic(err)
	}
	return sub
}
