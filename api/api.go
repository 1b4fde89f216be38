// Package api embeds the hand-written OpenAPI document, served at
// /api/openapi.yaml and checked against the router by a test.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
