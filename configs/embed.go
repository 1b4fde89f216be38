// Package configs embeds the service's committed configuration and reference
// data (registry, rubrics, complaint categories, districts, boundaries, the
// working-day calendar) so the binary runs with no files beside it.
package configs

import "embed"

// FS holds every file of this directory tree, read-only.
//
//go:embed *
var FS embed.FS
