package cell

import (
	"fmt"
	"io/fs"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/ordos-wufei/wufei/configs"
)

// RubricPath is where the types and rubrics are kept in configs.FS.
const RubricPath = "cells/types.yaml"

// Evidence kinds a rubric item may require.
const (
	EvidenceNone     = ""         // no evidence required
	EvidencePhoto    = "photo"    // an image
	EvidenceDocument = "document" // an image or a PDF: scans are often photos
)

// Item is one line of a rubric.
type Item struct {
	Code     string  `yaml:"code" json:"code"`
	Text     string  `yaml:"text" json:"text"`
	Category string  `yaml:"category" json:"category"`
	MaxScore float64 `yaml:"max_score" json:"max_score"`
	Evidence string  `yaml:"evidence" json:"evidence"`
	// Veto marks a 一票否决 item: it is met only with its full score, and an
	// unmet veto item fails the application whatever the total.
	Veto bool `yaml:"veto" json:"veto"`
}

// Type is a kind of unit with its rubric.
type Type struct {
	Code          string  `yaml:"code" json:"code"`
	Name          string  `yaml:"name" json:"name"`
	PassMark      float64 `yaml:"pass_mark" json:"pass_mark"`
	ValidityYears int     `yaml:"validity_years" json:"validity_years"`
	Items         []Item  `yaml:"items" json:"items"`
}

// Item returns the item with code.
func (t Type) Item(code string) (Item, bool) {
	for _, it := range t.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// MaxTotal is the sum of the items' maximum scores.
func (t Type) MaxTotal() float64 {
	var sum float64
	for _, it := range t.Items {
		sum += it.MaxScore
	}
	return sum
}

// Rubrics are the configured types in file order.
type Rubrics struct {
	// Default is true while the values are the shipped defaults rather
	// than official ones.
	Default bool
	Types   []Type
}

// Type returns the type with code.
func (r Rubrics) Type(code string) (Type, bool) {
	for _, t := range r.Types {
		if t.Code == code {
			return t, true
		}
	}
	return Type{}, false
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// LoadRubrics reads and checks the rubrics in fsys (normally configs.FS).
func LoadRubrics(fsys fs.FS) (Rubrics, error) {
	data, err := fs.ReadFile(fsys, RubricPath)
	if err != nil {
		return Rubrics{}, fmt.Errorf("cell rubrics: %w", err)
	}
	return ParseRubrics(data)
}

// ParseRubrics parses and checks a rubric file: unique codes, positive
// maximum scores, a reachable pass mark and a positive validity, so a bad
// edit stops start-up instead of making every application unpassable.
func ParseRubrics(data []byte) (Rubrics, error) {
	var f struct {
		Default bool   `yaml:"default"`
		Types   []Type `yaml:"types"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		return Rubrics{}, fmt.Errorf("cell rubrics: %w", err)
	}
	if len(f.Types) == 0 {
		return Rubrics{}, fmt.Errorf("cell rubrics: no types")
	}
	seen := map[string]bool{}
	for _, t := range f.Types {
		if !codePattern.MatchString(t.Code) || seen[t.Code] || t.Name == "" {
			return Rubrics{}, fmt.Errorf("cell rubrics: type %q: code must be unique [A-Za-z0-9_-]{1,32} with a name", t.Code)
		}
		seen[t.Code] = true
		if len(t.Items) == 0 || t.ValidityYears < 1 || t.ValidityYears > 10 {
			return Rubrics{}, fmt.Errorf("cell rubrics: type %s: needs items and validity_years 1-10", t.Code)
		}
		items := map[string]bool{}
		for _, it := range t.Items {
			if !codePattern.MatchString(it.Code) || items[it.Code] || it.Text == "" || it.MaxScore <= 0 {
				return Rubrics{}, fmt.Errorf("cell rubrics: type %s item %q: unique code, text and a positive max_score", t.Code, it.Code)
			}
			if it.Evidence != EvidenceNone && it.Evidence != EvidencePhoto && it.Evidence != EvidenceDocument {
				return Rubrics{}, fmt.Errorf("cell rubrics: type %s item %s: evidence must be photo, document or empty", t.Code, it.Code)
			}
			items[it.Code] = true
		}
		if t.PassMark <= 0 || t.PassMark > t.MaxTotal() {
			return Rubrics{}, fmt.Errorf("cell rubrics: type %s: pass_mark %v outside (0, %v]", t.Code, t.PassMark, t.MaxTotal())
		}
	}
	return Rubrics{Default: f.Default, Types: f.Types}, nil
}

// Score sums a set of item scores and lists the unmet veto items.
func (t Type) Score(scores map[string]float64) (total float64, vetoFailed []string) {
	for _, it := range t.Items {
		v := scores[it.Code]
		total += v
		if it.Veto && v < it.MaxScore {
			vetoFailed = append(vetoFailed, it.Code)
		}
	}
	return total, vetoFailed
}

// DefaultRubrics loads the rubrics embedded in the binary.
func DefaultRubrics() (Rubrics, error) { return LoadRubrics(configs.FS) }
