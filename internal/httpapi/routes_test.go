package httpapi_test

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ordos-wufei/wufei/api"
	"github.com/ordos-wufei/wufei/internal/account"
)

var paramPattern = regexp.MustCompile(`:([A-Za-z_]+)`)

// specPath turns a Fiber path into an OpenAPI path: /a/:id → /a/{id}.
func specPath(p string) string { return paramPattern.ReplaceAllString(p, "{$1}") }

// TestSpecMatchesRouter fails when a route is missing from api/openapi.yaml,
// the spec has an operation the router lacks, or their role rules differ.
func TestSpecMatchesRouter(t *testing.T) {
	e := newEnv(t)
	var spec struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &spec); err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	inSpec := map[string][]string{}
	for path, ops := range spec.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			var o struct {
				Roles []string `yaml:"x-roles"`
			}
			if err := op.Decode(&o); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			roles := slices.Clone(o.Roles)
			sort.Strings(roles)
			inSpec[strings.ToUpper(method)+" "+path] = roles
		}
	}
	inRouter := map[string][]string{}
	for _, r := range e.srv.Routes() {
		var roles []string
		if r.Rule.Public {
			roles = []string{"public"}
		} else {
			for _, role := range r.Rule.Roles {
				roles = append(roles, string(role))
			}
		}
		sort.Strings(roles)
		inRouter[r.Method+" "+specPath(r.Path)] = roles
	}
	for op, roles := range inRouter {
		specRoles, ok := inSpec[op]
		if !ok {
			t.Errorf("route %s is not in api/openapi.yaml", op)
			continue
		}
		if !slices.Equal(roles, specRoles) {
			t.Errorf("%s: router allows %v, spec x-roles says %v", op, roles, specRoles)
		}
	}
	for op := range inSpec {
		if _, ok := inRouter[op]; !ok {
			t.Errorf("api/openapi.yaml has %s, the router does not", op)
		}
	}
	if len(inRouter) == 0 {
		t.Fatal("no routes")
	}
	// The spec is also served.
	res := e.do("GET", "/api/openapi.yaml", "", nil).want(200)
	if string(res.Body) != string(api.OpenAPI) {
		t.Error("served spec differs from api/openapi.yaml")
	}
}

// TestEveryRouteRefusesWrongCallers walks the whole route table: every
// route that needs a login refuses no token, a bad token, and every role
// its rule leaves out — before any handler runs.
func TestEveryRouteRefusesWrongCallers(t *testing.T) {
	e := newEnv(t)
	checked := 0
	for _, r := range e.srv.Routes() {
		if r.Rule.Public {
			continue
		}
		path := paramPattern.ReplaceAllString(r.Path, "x")
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			e.t = t
			e.do(r.Method, path, "", "{}").wantError(401, "unauthenticated")
			e.do(r.Method, path, "not-a-token", "{}").wantError(401, "session_invalid")
			for _, role := range account.Roles {
				if r.Rule.Allows(role) {
					continue
				}
				e.do(r.Method, path, e.tokens[role], "{}").wantError(403, "forbidden")
				checked++
			}
		})
	}
	e.t = t
	if checked == 0 {
		t.Fatal("no route refused any role: the table has no role rules?")
	}
}
