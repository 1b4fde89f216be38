// Package geo answers the geographic questions of the service without a
// spatial database (the embedded store has no 2dsphere index, DESIGN.md §2):
// which of Ordos' nine county-level divisions a point lies in, how far apart
// two points are, which bounding box to query for "near", and where to show
// a location publicly without revealing the exact spot.
//
// Coordinates are GCJ-02 degrees as WeChat's wx.getLocation({type:
// 'gcj02'}) returns them and as the boundary file is drawn; nothing here
// converts datums. Distances treat GCJ-02 as if it were WGS-84: its offset
// varies by metres over kilometres, far below what the callers need.
package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/ordos-wufei/wufei/configs"
)

// Path is where the Ordos boundaries are kept in the configs embed.FS.
const Path = "refdata/ordos_150600_full.geojson"

// EarthRadius is the mean Earth radius in metres (IUGG R1), used by Distance
// and BoundingBox.
const EarthRadius = 6371008.8

// District names a county-level division: 6-digit adcode and Chinese name.
type District struct {
	Adcode string `json:"adcode"`
	Name   string `json:"name"`
}

// Point is a location in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Box is a closed latitude/longitude rectangle. MinLng ≤ MaxLng always: no
// box produced here crosses the antimeridian.
type Box struct {
	MinLat float64 `json:"min_lat"`
	MinLng float64 `json:"min_lng"`
	MaxLat float64 `json:"max_lat"`
	MaxLng float64 `json:"max_lng"`
}

// Contains reports whether (lat, lng) lies in b, edges included. It is false
// for NaN coordinates.
func (b Box) Contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

func (b *Box) extend(lat, lng float64) {
	b.MinLat, b.MaxLat = min(b.MinLat, lat), max(b.MaxLat, lat)
	b.MinLng, b.MaxLng = min(b.MinLng, lng), max(b.MaxLng, lng)
}

var emptyBox = Box{MinLat: math.Inf(1), MinLng: math.Inf(1), MaxLat: math.Inf(-1), MaxLng: math.Inf(-1)}

// Division is a district with the geometry facts callers show or filter by.
type Division struct {
	District
	// Centroid is the file's "centroid" property when present, else the
	// area centroid of the shapes computed in plane degrees. Both lie
	// inside every Ordos division (tested), so it is safe as a map label.
	Centroid Point `json:"centroid"`
	// Box bounds every vertex of the division.
	Box Box `json:"box"`
}

// Boundaries holds the division shapes, indexed for point location. It is
// immutable after Parse and safe for concurrent use.
type Boundaries struct {
	divisions []division // in increasing adcode order: that order breaks ties
	bounds    Box
}

type division struct {
	Division
	polygons []polygon
}

// polygon is one GeoJSON polygon: its outer ring and holes, as edges. The
// even-odd rule over all rings makes holes work without telling rings apart.
type polygon struct {
	box   Box
	edges []edge
	// bands splits [box.MinLat, box.MaxLat] into equal slices; bands[i] lists
	// the edges whose latitude span meets slice i. Only edges spanning the
	// query latitude can be crossed by the ray or contain the point, so a
	// query looks at one short list instead of every edge.
	bands  [][]int32
	bandDY float64
}

// edge is a segment with its endpoints in canonical order: a below b, or
// left of b when level. Two divisions sharing a border store the same edge
// with the same a and b, so they evaluate bit-identical orientation tests
// and every point off the border is claimed by exactly one of them.
type edge struct {
	ax, ay, bx, by float64 // x = lng, y = lat
}

func newEdge(x1, y1, x2, y2 float64) edge {
	if y1 > y2 || (y1 == y2 && x1 > x2) {
		x1, y1, x2, y2 = x2, y2, x1, y1
	}
	return edge{x1, y1, x2, y2}
}

// Default returns the Ordos boundaries embedded in the binary, parsed on
// first use. It panics if the committed file does not parse, which the
// package's tests rule out, as template.Must would.
func Default() *Boundaries { return defaultBoundaries() }

var defaultBoundaries = sync.OnceValue(func() *Boundaries {
	b, err := Load(configs.FS)
	if err != nil {
		panic(err)
	}
	return b
})

// Locate is Default().Locate.
func Locate(lat, lng float64) (District, bool) { return Default().Locate(lat, lng) }

// Districts is Default().Districts.
func Districts() []Division { return Default().Districts() }

// Load reads the boundaries from Path in fsys (normally configs.FS).
func Load(fsys fs.FS) (*Boundaries, error) {
	data, err := fs.ReadFile(fsys, Path)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	return Parse(data)
}

type geoJSON struct {
	Type     string `json:"type"`
	Features []struct {
		Properties struct {
			Adcode   json.RawMessage `json:"adcode"`
			Name     string          `json:"name"`
			Centroid []float64       `json:"centroid"`
		} `json:"properties"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// Parse reads a GeoJSON FeatureCollection whose features are Polygons or
// MultiPolygons with "adcode" (number or string) and "name" properties, as
// in DataV's ordos_150600_full.geojson. It rejects rings that are not closed
// or have fewer than four positions, non-finite or out-of-range
// coordinates, and repeated adcodes.
func Parse(data []byte) (*Boundaries, error) {
	var g geoJSON
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	if g.Type != "FeatureCollection" {
		return nil, fmt.Errorf("geo: type %q, want FeatureCollection", g.Type)
	}
	if len(g.Features) == 0 {
		return nil, errors.New("geo: no features")
	}
	b := &Boundaries{bounds: emptyBox}
	seen := make(map[string]bool)
	for i, f := range g.Features {
		adcode, err := parseAdcode(f.Properties.Adcode)
		if err != nil {
			return nil, fmt.Errorf("geo: feature %d: %w", i, err)
		}
		if seen[adcode] {
			return nil, fmt.Errorf("geo: adcode %s appears twice", adcode)
		}
		seen[adcode] = true
		if f.Properties.Name == "" {
			return nil, fmt.Errorf("geo: feature %s has no name", adcode)
		}
		var shapes [][][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("geo: feature %s: %w", adcode, err)
			}
			shapes = [][][][2]float64{p}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &shapes); err != nil {
				return nil, fmt.Errorf("geo: feature %s: %w", adcode, err)
			}
		default:
			return nil, fmt.Errorf("geo: feature %s: geometry %q, want Polygon or MultiPolygon", adcode, f.Geometry.Type)
		}
		d := division{Division: Division{District: District{Adcode: adcode, Name: f.Properties.Name}, Box: emptyBox}}
		for _, rings := range shapes {
			p, err := newPolygon(rings)
			if err != nil {
				return nil, fmt.Errorf("geo: feature %s: %w", adcode, err)
			}
			d.polygons = append(d.polygons, p)
			d.Box.extend(p.box.MinLat, p.box.MinLng)
			d.Box.extend(p.box.MaxLat, p.box.MaxLng)
		}
		if len(d.polygons) == 0 {
			return nil, fmt.Errorf("geo: feature %s has no polygons", adcode)
		}
		if c := f.Properties.Centroid; len(c) == 2 && validLatLng(c[1], c[0]) {
			d.Centroid = Point{Lat: c[1], Lng: c[0]}
		} else {
			d.Centroid = areaCentroid(shapes)
		}
		b.bounds.extend(d.Box.MinLat, d.Box.MinLng)
		b.bounds.extend(d.Box.MaxLat, d.Box.MaxLng)
		b.divisions = append(b.divisions, d)
	}
	slices.SortFunc(b.divisions, func(x, y division) int {
		if len(x.Adcode) != len(y.Adcode) { // numeric order for numeric codes
			return len(x.Adcode) - len(y.Adcode)
		}
		if x.Adcode < y.Adcode {
			return -1
		}
		return 1 // adcodes are unique
	})
	return b, nil
}

func parseAdcode(raw json.RawMessage) (string, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
			return n.String(), nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && s != "" {
		return s, nil
	}
	return "", fmt.Errorf("adcode %s is not a code", raw)
}

func validLatLng(lat, lng float64) bool {
	return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180 // false for NaN
}

// bandCount caps the latitude slices of a polygon; about one slice per two
// edges keeps lists short without making the index larger than the shape.
const bandCount = 256

func newPolygon(rings [][][2]float64) (polygon, error) {
	p := polygon{box: emptyBox}
	if len(rings) == 0 {
		return p, errors.New("polygon without rings")
	}
	for _, r := range rings {
		if len(r) < 4 {
			return p, fmt.Errorf("ring of %d positions, want at least 4", len(r))
		}
		if r[0] != r[len(r)-1] {
			return p, errors.New("ring not closed")
		}
		for i, pt := range r {
			if !validLatLng(pt[1], pt[0]) {
				return p, fmt.Errorf("position %v out of range", pt)
			}
			p.box.extend(pt[1], pt[0])
			if i > 0 && r[i-1] != pt { // repeated positions make no edge
				p.edges = append(p.edges, newEdge(r[i-1][0], r[i-1][1], pt[0], pt[1]))
			}
		}
	}
	n := min(bandCount, len(p.edges)/2+1)
	p.bands = make([][]int32, n)
	p.bandDY = (p.box.MaxLat - p.box.MinLat) / float64(n)
	for i, e := range p.edges {
		for k := p.band(e.ay); k <= p.band(e.by); k++ {
			p.bands[k] = append(p.bands[k], int32(i))
		}
	}
	return p, nil
}

// band returns the slice of latitude y, clamped to the polygon. It is
// monotonic in y, which is all the index needs to be exact.
func (p *polygon) band(y float64) int {
	if p.bandDY <= 0 {
		return 0
	}
	k := int((y - p.box.MinLat) / p.bandDY)
	return max(0, min(k, len(p.bands)-1))
}

// where tells where a point lies relative to a polygon.
type where int8

const (
	outside where = iota
	inside
	boundary
)

// locate classifies (x=lng, y=lat) by the even-odd crossing rule with a ray
// to +x and half-open edges (a.y ≤ y < b.y), so vertices on the ray count
// once. A point exactly on an edge, by the same orientation test, is
// reported as boundary instead.
func (p *polygon) locate(x, y float64) where {
	if !p.box.Contains(y, x) {
		return outside
	}
	in := false
	for _, i := range p.bands[p.band(y)] {
		e := &p.edges[i]
		if y < e.ay || y > e.by {
			continue
		}
		// c > 0: the point is left of the upward edge a→b.
		c := (e.bx-e.ax)*(y-e.ay) - (x-e.ax)*(e.by-e.ay)
		if c == 0 && x >= min(e.ax, e.bx) && x <= max(e.ax, e.bx) {
			return boundary
		}
		if y < e.by && c > 0 {
			in = !in
		}
	}
	if in {
		return inside
	}
	return outside
}

// Locate returns the division containing (lat, lng). Points on a border,
// and points on the outer boundary, count as inside; a point on the border
// of two divisions (or a vertex shared by several) goes to the one with the
// smallest adcode, so the answer never depends on map iteration or file
// order. It returns false for points outside every division, for NaN or
// infinite input and for coordinates outside ±90/±180.
func (b *Boundaries) Locate(lat, lng float64) (District, bool) {
	if !validLatLng(lat, lng) || !b.bounds.Contains(lat, lng) {
		return District{}, false
	}
	for i := range b.divisions {
		d := &b.divisions[i]
		if !d.Box.Contains(lat, lng) {
			continue
		}
		for j := range d.polygons {
			if d.polygons[j].locate(lng, lat) != outside {
				return d.District, true
			}
		}
	}
	return District{}, false
}

// Districts returns every division in increasing adcode order. The slice is
// a copy the caller may keep or change.
func (b *Boundaries) Districts() []Division {
	out := make([]Division, len(b.divisions))
	for i, d := range b.divisions {
		out[i] = d.Division
	}
	return out
}

// Bounds returns the box around all divisions: for Ordos, a cheap first
// test of "inside the city" before Locate.
func (b *Boundaries) Bounds() Box { return b.bounds }

// areaCentroid is the area-weighted centroid of the shapes in plane
// degrees, holes subtracted. Only used when the file gives no centroid; at
// the scale of a county the plane approximation moves the point by metres.
func areaCentroid(shapes [][][][2]float64) Point {
	var sa, sx, sy float64
	for _, rings := range shapes {
		for k, r := range rings {
			var a, cx, cy float64 // twice the signed area, and moments
			for i := 0; i+1 < len(r); i++ {
				x0, y0, x1, y1 := r[i][0], r[i][1], r[i+1][0], r[i+1][1]
				cr := x0*y1 - x1*y0
				a += cr
				cx += (x0 + x1) * cr
				cy += (y0 + y1) * cr
			}
			if a == 0 {
				continue
			}
			// The ring centroid cx/3a does not depend on winding, so the
			// file's winding (which GeoJSON producers get wrong) is ignored:
			// the first ring adds, holes subtract.
			w := math.Abs(a) / 2
			if k > 0 {
				w = -w
			}
			sa += w
			sx += w * cx / (3 * a)
			sy += w * cy / (3 * a)
		}
	}
	if sa == 0 {
		return Point{Lat: math.NaN(), Lng: math.NaN()}
	}
	return Point{Lat: sy / sa, Lng: sx / sa}
}

// Distance returns the great-circle distance in metres between two points
// by the haversine formula on a sphere of EarthRadius. Its error against
// the ellipsoid is below 0.5%, ample for "near" and duplicates. NaN in, NaN
// out.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := lat1*rad, lat2*rad
	sφ := math.Sin((lat2 - lat1) * rad / 2)
	sλ := math.Sin((lng2 - lng1) * rad / 2)
	h := sφ*sφ + math.Cos(φ1)*math.Cos(φ2)*sλ*sλ
	return 2 * EarthRadius * math.Asin(math.Sqrt(min(1, h))) // min: rounding may push h past 1
}

// boxPad widens every box by about a tenth of a millimetre so that points at
// exactly radius, whose coordinates are rounded, are still inside.
const boxPad = 1e-9

// BoundingBox returns a box that contains every point within radius metres
// of (lat, lng) as measured by Distance, and is tight apart from boxPad: its
// latitude edges are reached due north and south, its longitude edges at the
// tangent points of the circle (J. Matuschek, "Finding Points Within a
// Distance of a Latitude/Longitude Using Bounding Coordinates"). When the
// circle reaches a pole the box spans all longitudes; when it crosses the
// antimeridian it also spans all longitudes rather than wrapping, so that
// min ≤ lng ≤ max stays a correct filter. A negative or NaN radius counts
// as 0; NaN coordinates give a box of NaN that contains nothing.
func BoundingBox(lat, lng, radius float64) Box {
	if !(radius > 0) {
		radius = 0
	}
	if math.IsNaN(lat) || math.IsNaN(lng) {
		nan := math.NaN()
		return Box{nan, nan, nan, nan}
	}
	const deg = 180 / math.Pi
	r := radius / EarthRadius // angular radius
	box := Box{MinLat: lat - r*deg - boxPad, MaxLat: lat + r*deg + boxPad}
	if box.MinLat <= -90 || box.MaxLat >= 90 || r >= math.Pi/2 {
		box.MinLat, box.MaxLat = max(box.MinLat, -90), min(box.MaxLat, 90)
		box.MinLng, box.MaxLng = -180, 180
		return box
	}
	s := math.Sin(r) / math.Cos(lat/deg)
	if s >= 1 {
		box.MinLng, box.MaxLng = -180, 180
		return box
	}
	dλ := math.Asin(s)*deg + boxPad
	box.MinLng, box.MaxLng = lng-dλ, lng+dλ
	if box.MinLng < -180 || box.MaxLng > 180 {
		box.MinLng, box.MaxLng = -180, 180
	}
	return box
}

// PublicGrid is the step, in degrees, of the grid public locations are
// rounded to: 0.001° is 111 m of latitude and, across Ordos (37.6°–40.9° N),
// 84–88 m of longitude.
const PublicGrid = 0.001

// RoundForPublic returns the point of the 0.001° grid nearest to (lat,
// lng), each coordinate rounded half away from zero to three decimals. The
// result is at most about 70 m from the input in Ordos, so public maps show
// the street block but not the doorway, and the same input always gives the
// same output, so rounded points of one place coincide instead of
// scattering. NaN and ±Inf pass through; −0 comes out as 0.
func RoundForPublic(lat, lng float64) (float64, float64) {
	return roundGrid(lat), roundGrid(lng)
}

func roundGrid(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	// Dividing the integer k by 1000 gives the double nearest k/1000, which
	// prints as exactly three decimals; multiplying by 0.001 would not.
	r := math.Round(v*1000) / 1000
	if r == 0 {
		return 0
	}
	return r
}
