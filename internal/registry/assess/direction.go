package assess

// Direction says which way an indicator improves.
type Direction string

// The directions.
const (
	Higher Direction = "higher"
	Lower  Direction = "lower"
)

// Valid reports whether d is one of the directions.
func (d Direction) Valid() bool { return d == Higher || d == Lower }

// DefaultDirection applies the package's rule (see the package doc) to the
// seed's baseline and target cells. It always returns a valid Direction.
func DefaultDirection(baseline, target string) Direction {
	return defaultDirection(baseline, ParseTarget(target))
}

func defaultDirection(baseline string, t Target) Direction {
	if !t.IsNumeric() {
		return Higher
	}
	switch t.Comparator {
	case Less, LessEqual:
		return Lower
	case Greater, GreaterEqual:
		return Higher
	}
	if b, ok := ParseNumber(baseline); ok && t.Value < b {
		return Lower
	}
	return Higher
}

// IndicatorDirection is the direction the registry uses for an indicator:
// the override's direction when overrides has one for code, else the rule's.
// A nil map means no overrides.
func IndicatorDirection(code, baseline, target string, overrides map[string]Override) Direction {
	if o, ok := overrides[code]; ok && o.Direction.Valid() {
		return o.Direction
	}
	return DefaultDirection(baseline, target)
}
