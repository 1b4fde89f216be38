package assess

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrInvalidOverrides is wrapped by every error of LoadOverrides. The file is
// committed configuration, so a bad one is a start-up failure, not a 400.
var ErrInvalidOverrides = errors.New("invalid indicator overrides")

// ValueRule widens what CheckValue accepts for one indicator. The zero value
// is the strict default.
type ValueRule struct {
	// AllowNegative admits values below zero, e.g. a growth rate that fell or
	// a 下降幅度 whose quantity rose.
	AllowNegative bool `yaml:"allow_negative"`
	// AllowOver100 admits percentages above 100, e.g. a growth rate that more
	// than doubled.
	AllowOver100 bool `yaml:"allow_over_100"`
}

// Override is a reviewed per-indicator decision that the package's rules do
// not make by themselves. Direction is empty when only the value rule
// changes; Reason is the Chinese explanation shown to reviewers.
type Override struct {
	Code      string    `yaml:"code"`
	Direction Direction `yaml:"direction"`
	Reason    string    `yaml:"reason"`
	Rule      ValueRule `yaml:",inline"`
}

// overridesFile is the shape of configs/registry/overrides.yaml.
type overridesFile struct {
	Overrides []Override `yaml:"overrides"`
}

// indicatorCode matches I01 … I999: two digits at least, so codes sort in
// table order, and never I00.
var indicatorCode = regexp.MustCompile(`^I(?:0[1-9]|[1-9][0-9]{1,2})$`)

// ValidIndicatorCode reports whether code has the shape of an indicator code
// (I01, I27, I52, …). It does not say the indicator exists.
func ValidIndicatorCode(code string) bool { return indicatorCode.MatchString(code) }

// LoadOverrides parses the overrides YAML and returns the overrides keyed by
// indicator code. Unknown keys, a bad code, a duplicate code, an invalid
// direction, an entry that changes nothing and a missing reason are errors,
// each naming the entry, because a typo here would silently change how an
// indicator is judged. An empty document gives an empty map.
func LoadOverrides(data []byte) (map[string]Override, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f overridesFile
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOverrides, err)
	}
	out := make(map[string]Override, len(f.Overrides))
	for i, o := range f.Overrides {
		where := fmt.Sprintf("entry %d (%q)", i+1, o.Code)
		switch {
		case !ValidIndicatorCode(o.Code):
			return nil, fmt.Errorf("%w: %s: code must look like I01", ErrInvalidOverrides, where)
		case o.Direction != "" && !o.Direction.Valid():
			return nil, fmt.Errorf("%w: %s: direction %q is not %q or %q", ErrInvalidOverrides, where, o.Direction, Higher, Lower)
		case o.Direction == "" && o.Rule == ValueRule{}:
			return nil, fmt.Errorf("%w: %s: sets neither a direction nor a value rule", ErrInvalidOverrides, where)
		case strings.TrimSpace(o.Reason) == "":
			return nil, fmt.Errorf("%w: %s: reason is required", ErrInvalidOverrides, where)
		}
		if _, dup := out[o.Code]; dup {
			return nil, fmt.Errorf("%w: %s: duplicate code", ErrInvalidOverrides, where)
		}
		out[o.Code] = o
	}
	return out, nil
}
