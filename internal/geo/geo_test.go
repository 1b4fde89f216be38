package geo

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ordos-wufei/wufei/configs"
)

// rawDivision is the committed file decoded independently of Parse, for the
// brute-force cross-checks.
type rawDivision struct {
	adcode   string
	name     string
	center   Point // DataV's "center": the seat of government
	centroid Point
	rings    [][][2]float64 // all rings of all polygons
}

func rawDivisions(t testing.TB) []rawDivision {
	t.Helper()
	data, err := fs.ReadFile(configs.FS, Path)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Features []struct {
			Properties struct {
				Adcode   int        `json:"adcode"`
				Name     string     `json:"name"`
				Center   [2]float64 `json:"center"`
				Centroid [2]float64 `json:"centroid"`
			} `json:"properties"`
			Geometry struct {
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	var out []rawDivision
	for _, f := range g.Features {
		p := f.Properties
		d := rawDivision{
			adcode:   strconv.Itoa(p.Adcode),
			name:     p.Name,
			center:   Point{Lat: p.Center[1], Lng: p.Center[0]},
			centroid: Point{Lat: p.Centroid[1], Lng: p.Centroid[0]},
		}
		for _, poly := range f.Geometry.Coordinates {
			d.rings = append(d.rings, poly...)
		}
		out = append(out, d)
	}
	return out
}

// pnpoly is W. R. Franklin's classic test, written with a division and no
// index, as the independent reference for Locate away from edges.
func pnpoly(rings [][][2]float64, lat, lng float64) bool {
	in := false
	for _, r := range rings {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			xi, yi, xj, yj := r[i][0], r[i][1], r[j][0], r[j][1]
			if (yi > lat) != (yj > lat) && lng < (xj-xi)*(lat-yi)/(yj-yi)+xi {
				in = !in
			}
		}
	}
	return in
}

// edgeDistance returns the planar distance in degrees from a point to the
// nearest edge of the rings.
func edgeDistance(rings [][][2]float64, lat, lng float64) float64 {
	best := math.Inf(1)
	for _, r := range rings {
		for i := 0; i+1 < len(r); i++ {
			ax, ay, bx, by := r[i][0], r[i][1], r[i+1][0], r[i+1][1]
			dx, dy := bx-ax, by-ay
			u := 0.0
			if l := dx*dx + dy*dy; l > 0 {
				u = max(0, min(1, ((lng-ax)*dx+(lat-ay)*dy)/l))
			}
			best = min(best, math.Hypot(lng-(ax+u*dx), lat-(ay+u*dy)))
		}
	}
	return best
}

func TestDefaultDistricts(t *testing.T) {
	t.Parallel()
	want := []District{
		{"150602", "东胜区"}, {"150603", "康巴什区"}, {"150621", "达拉特旗"},
		{"150622", "准格尔旗"}, {"150623", "鄂托克前旗"}, {"150624", "鄂托克旗"},
		{"150625", "杭锦旗"}, {"150626", "乌审旗"}, {"150627", "伊金霍洛旗"},
	}
	got := Districts()
	if len(got) != len(want) {
		t.Fatalf("%d districts, want %d", len(got), len(want))
	}
	for i, d := range got {
		if d.District != want[i] {
			t.Errorf("district %d = %v, want %v", i, d.District, want[i])
		}
		if !d.Box.Contains(d.Centroid.Lat, d.Centroid.Lng) {
			t.Errorf("%s: centroid %v outside its box %v", d.Name, d.Centroid, d.Box)
		}
	}
	got[0].Name = "changed"
	if Districts()[0].Name != "东胜区" {
		t.Fatal("Districts returned shared storage")
	}
	b := Default().Bounds()
	if b != (Box{MinLat: 37.621727, MinLng: 106.482468, MaxLat: 40.874305, MaxLng: 111.462916}) {
		t.Errorf("Bounds() = %+v", b)
	}
}

func TestLocateKnownPoints(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		lat, lng float64
		want     string // adcode; "" for outside
	}{
		"东胜 downtown":                 {lat: 39.8166, lng: 109.9633, want: "150602"},
		"Ordos government, 康巴什":       {lat: 39.6085, lng: 109.7810, want: "150603"},
		"Beijing":                     {lat: 39.9042, lng: 116.4074},
		"Hohhot":                      {lat: 40.8426, lng: 111.7492},
		"Baotou across the Yellow R.": {lat: 40.657, lng: 109.840},
		"Yulin to the south":          {lat: 38.285, lng: 109.734},
		"Wuhai to the west":           {lat: 39.655, lng: 106.794},
		"inside the box, outside":     {lat: 37.7, lng: 111.3},
		// DataV's "center" of 伊金霍洛旗 lies just over the border in 康巴什区.
		"伊金霍洛旗 center is in 康巴什区": {lat: 39.604312, lng: 109.787402, want: "150603"},
		// Vertices shared by three divisions go to the smallest adcode.
		"triple point 东胜/康巴什/伊金霍洛": {lat: 39.654296, lng: 109.975625, want: "150602"},
		"triple point 鄂前/鄂托克/乌审":   {lat: 38.284986, lng: 108.419054, want: "150623"},
		"triple point 杭锦/乌审/伊金霍洛":  {lat: 39.399159, lng: 109.009399, want: "150625"},
		// Outer-boundary extremes count as inside.
		"westernmost vertex": {lat: vertexAtLng(t, 106.482468), lng: 106.482468, want: "150623"},
		"NaN lat":            {lat: math.NaN(), lng: 109.78},
		"NaN lng":            {lat: 39.6, lng: math.NaN()},
		"+Inf":               {lat: math.Inf(1), lng: 109.78},
		"-Inf lng":           {lat: 39.6, lng: math.Inf(-1)},
		"out of range lat":   {lat: 139.6, lng: 109.78},
		"zero":               {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, ok := Locate(tc.lat, tc.lng)
			if ok != (tc.want != "") || d.Adcode != tc.want {
				t.Fatalf("Locate(%v, %v) = %v, %v; want %q", tc.lat, tc.lng, d, ok, tc.want)
			}
			if ok && d.Name == "" {
				t.Fatal("located without a name")
			}
		})
	}
}

// vertexAtLng returns the latitude of the file's vertex with that longitude.
func vertexAtLng(t testing.TB, lng float64) float64 {
	for _, d := range rawDivisions(t) {
		for _, r := range d.rings {
			for _, p := range r {
				if p[0] == lng {
					return p[1]
				}
			}
		}
	}
	t.Fatalf("no vertex at lng %v", lng)
	return 0
}

func TestLocateCentroids(t *testing.T) {
	t.Parallel()
	for _, d := range rawDivisions(t) {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Locate(d.centroid.Lat, d.centroid.Lng)
			if !ok || got.Adcode != d.adcode || got.Name != d.name {
				t.Fatalf("centroid %v located in %v, %v", d.centroid, got, ok)
			}
			// The computed centroid, used when a file has none, is inside too.
			c := areaCentroid([][][][2]float64{d.rings})
			if got, ok := Locate(c.Lat, c.Lng); !ok || got.Adcode != d.adcode {
				t.Fatalf("computed centroid %v located in %v, %v", c, got, ok)
			}
			if Distance(c.Lat, c.Lng, d.centroid.Lat, d.centroid.Lng) > 2000 {
				t.Errorf("computed centroid %v is far from the file's %v", c, d.centroid)
			}
		})
	}
}

// TestLocateSharedBorders walks every border edge shared by two divisions
// and checks that its midpoint goes to the smaller adcode and that points a
// hair (1e-7°, 1 cm) either side go to the division on that side.
func TestLocateSharedBorders(t *testing.T) {
	t.Parallel()
	divs := rawDivisions(t)
	type key struct{ a, b [2]float64 }
	owner := map[key]string{}
	checked := 0
	for _, d := range divs {
		for _, r := range d.rings {
			for i := 0; i+1 < len(r); i++ {
				k := key{r[i], r[i+1]}
				other, shared := owner[key{r[i+1], r[i]}]
				if !shared {
					owner[k] = d.adcode
					continue
				}
				checked++
				mLat, mLng := (k.a[1]+k.b[1])/2, (k.a[0]+k.b[0])/2
				lo := min(d.adcode, other)
				if got, ok := Locate(mLat, mLng); !ok {
					t.Fatalf("midpoint %v,%v of %s/%s border not located", mLat, mLng, d.adcode, other)
				} else if got.Adcode != lo && got.Adcode != d.adcode && got.Adcode != other {
					t.Fatalf("midpoint of %s/%s border located in %s", d.adcode, other, got.Adcode)
				}
				// Unit normal of the edge; which side is whose is decided by
				// the independent pnpoly.
				dx, dy := k.b[0]-k.a[0], k.b[1]-k.a[1]
				l := math.Hypot(dx, dy)
				for _, s := range []float64{1e-7, -1e-7} {
					lat, lng := mLat+s*dx/l, mLng-s*dy/l
					got, ok := Locate(lat, lng)
					if !ok {
						t.Fatalf("point beside the %s/%s border not located", d.adcode, other)
					}
					var want []string
					for _, dd := range divs {
						if pnpoly(dd.rings, lat, lng) {
							want = append(want, dd.adcode)
						}
					}
					if len(want) != 1 || got.Adcode != want[0] {
						t.Fatalf("beside %s/%s border: Locate %s, pnpoly %v", d.adcode, other, got.Adcode, want)
					}
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d shared edges checked", checked)
	}
}

// TestLocateBruteForce compares Locate with pnpoly over every division for
// random points in and around the city, skipping points within 1e-9° of an
// edge where the two floating-point formulas may legitimately differ.
func TestLocateBruteForce(t *testing.T) {
	t.Parallel()
	divs := rawDivisions(t)
	b := Default().Bounds()
	rng := rand.New(rand.NewPCG(1, 2))
	located := 0
	for range 4000 {
		lat := b.MinLat - 0.1 + rng.Float64()*(b.MaxLat-b.MinLat+0.2)
		lng := b.MinLng - 0.1 + rng.Float64()*(b.MaxLng-b.MinLng+0.2)
		var want []string
		near := false
		for _, d := range divs {
			if pnpoly(d.rings, lat, lng) {
				want = append(want, d.adcode)
			}
			if edgeDistance(d.rings, lat, lng) < 1e-9 {
				near = true
			}
		}
		if near {
			continue
		}
		if len(want) > 1 {
			t.Fatalf("%v,%v is in %v: divisions overlap", lat, lng, want)
		}
		got, ok := Locate(lat, lng)
		switch {
		case len(want) == 0 && ok:
			t.Fatalf("Locate(%v, %v) = %v, pnpoly: outside", lat, lng, got)
		case len(want) == 1 && (!ok || got.Adcode != want[0]):
			t.Fatalf("Locate(%v, %v) = %v, %v; pnpoly %s", lat, lng, got, ok, want[0])
		}
		if ok {
			located++
		}
	}
	if located < 1000 {
		t.Fatalf("only %d of 4000 points inside: sampling is off", located)
	}
}

// holeJSON has 102 = square 0..10 with a hole 1..3 (wound the "wrong" way),
// 101 = the hole, filled, and 103 = a separate square 20..30 with a string
// adcode and no centroid property.
const holeJSON = `{"type": "FeatureCollection", "features": [
 {"properties": {"adcode": 102, "name": "donut"}, "geometry": {"type": "MultiPolygon", "coordinates": [[
   [[0,0],[10,0],[10,10],[0,10],[0,0]],
   [[1,1],[3,1],[3,3],[1,3],[1,1]]]]}},
 {"properties": {"adcode": 101, "name": "hole", "centroid": [2, 2]}, "geometry": {"type": "Polygon", "coordinates": [
   [[1,1],[1,3],[3,3],[3,1],[1,1]]]}},
 {"properties": {"adcode": "103", "name": "apart"}, "geometry": {"type": "Polygon", "coordinates": [
   [[20,0],[30,0],[30,10],[20,10],[20,0]]]}}]}`

func TestLocateHoles(t *testing.T) {
	t.Parallel()
	b, err := Parse([]byte(holeJSON))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		lat, lng float64
		want     string
	}{
		"in the donut":               {lat: 5, lng: 5, want: "102"},
		"in the hole":                {lat: 2, lng: 2, want: "101"},
		"on the hole edge":           {lat: 2, lng: 1, want: "101"},
		"hole corner":                {lat: 3, lng: 3, want: "101"},
		"outer edge":                 {lat: 5, lng: 0, want: "102"},
		"outer corner":               {lat: 10, lng: 10, want: "102"},
		"level with a vertex, left":  {lat: 3, lng: 0.5, want: "102"},
		"level with a vertex, right": {lat: 3, lng: 5, want: "102"},
		"level with top edge":        {lat: 10, lng: 5, want: "102"},
		"above":                      {lat: 10.000001, lng: 5},
		"between":                    {lat: 5, lng: 15},
		"apart":                      {lat: 5, lng: 25, want: "103"},
		"apart left edge":            {lat: 5, lng: 20, want: "103"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, ok := b.Locate(tc.lat, tc.lng)
			if ok != (tc.want != "") || d.Adcode != tc.want {
				t.Fatalf("Locate(%v, %v) = %v, %v; want %q", tc.lat, tc.lng, d, ok, tc.want)
			}
		})
	}
	ds := b.Districts()
	// Donut: (100·(5,5) − 4·(2,2)) / 96 = (492/96, 492/96) = 5.125 each.
	want := map[string]Point{"101": {2, 2}, "102": {5.125, 5.125}, "103": {5, 25}}
	for _, d := range ds {
		if w := want[d.Adcode]; math.Abs(d.Centroid.Lat-w.Lat) > 1e-12 || math.Abs(d.Centroid.Lng-w.Lng) > 1e-12 {
			t.Errorf("%s centroid %v, want %v", d.Adcode, d.Centroid, w)
		}
	}
	if ds[0].Adcode != "101" || ds[2].Adcode != "103" {
		t.Errorf("order %v", ds)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	feature := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[{"properties":` + props + `,"geometry":` + geom + `}]}`
	}
	square := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`
	tests := map[string]struct {
		json, want string
	}{
		"not json":         {json: `[`, want: "unexpected end"},
		"not a collection": {json: `{"type":"Feature"}`, want: "FeatureCollection"},
		"no features":      {json: `{"type":"FeatureCollection","features":[]}`, want: "no features"},
		"no adcode":        {json: feature(`{"name":"x"}`, square), want: "not a code"},
		"null adcode":      {json: feature(`{"adcode":null,"name":"x"}`, square), want: "not a code"},
		"float adcode":     {json: feature(`{"adcode":1.5,"name":"x"}`, square), want: "not a code"},
		"no name":          {json: feature(`{"adcode":1}`, square), want: "no name"},
		"point":            {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"Point","coordinates":[0,0]}`), want: "want Polygon"},
		"open ring":        {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`), want: "not closed"},
		"short ring":       {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`), want: "at least 4"},
		"no rings":         {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"Polygon","coordinates":[]}`), want: "without rings"},
		"empty multi":      {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"MultiPolygon","coordinates":[]}`), want: "no polygons"},
		"bad coordinates":  {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"Polygon","coordinates":"x"}`), want: "cannot unmarshal"},
		"latitude 91":      {json: feature(`{"adcode":1,"name":"x"}`, `{"type":"Polygon","coordinates":[[[0,0],[1,91],[1,1],[0,0]]]}`), want: "out of range"},
		"duplicate adcode": {
			json: `{"type":"FeatureCollection","features":[{"properties":{"adcode":1,"name":"x"},"geometry":` + square +
				`},{"properties":{"adcode":"1","name":"y"},"geometry":` + square + `}]}`,
			want: "twice",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want error containing %q", err, tc.want)
			}
		})
	}
	if _, err := Load(fstest.MapFS{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(empty FS) = %v", err)
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		lat1, lng1, lat2, lng2 float64
		want                   float64
	}{
		"same point":   {lat1: 39.6, lng1: 109.78, lat2: 39.6, lng2: 109.78, want: 0},
		"one degree N": {lat1: 0, lng1: 0, lat2: 1, lng2: 0, want: EarthRadius * math.Pi / 180}, // 111,195.08 m
		"antipodes":    {lat1: 0, lng1: 0, lat2: 0, lng2: 180, want: math.Pi * EarthRadius},     // 20,015,114 m
		"pole to pole": {lat1: 90, lng1: 0, lat2: -90, lng2: 33, want: math.Pi * EarthRadius},
		// Reference values from an independent haversine in Python.
		"Beijing to 康巴什": {lat1: 39.9042, lng1: 116.4074, lat2: 39.6085, lng2: 109.7810, want: 567270.7594186545},
		"康巴什 to 东胜":      {lat1: 39.6085, lng1: 109.7810, lat2: 39.8166, lng2: 109.9633, want: 27903.47003672115},
		"across 180°":    {lat1: 0, lng1: 179.5, lat2: 0, lng2: -179.5, want: EarthRadius * math.Pi / 180},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Distance(tc.lat1, tc.lng1, tc.lat2, tc.lng2)
			if math.Abs(got-tc.want) > 1e-9*max(1, tc.want) {
				t.Fatalf("Distance = %.9f, want %.9f", got, tc.want)
			}
			if back := Distance(tc.lat2, tc.lng2, tc.lat1, tc.lng1); math.Abs(back-got) > 1e-9*max(1, got) {
				t.Fatalf("not symmetric: %v vs %v", got, back)
			}
		})
	}
	if !math.IsNaN(Distance(math.NaN(), 0, 0, 0)) {
		t.Error("NaN in did not give NaN")
	}
	// Cross-check with the spherical law of cosines, exact enough beyond 1 km.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		a, b := rng.Float64()*170-85, rng.Float64()*360-180
		c, d := rng.Float64()*170-85, rng.Float64()*360-180
		r := math.Pi / 180
		cos := math.Sin(a*r)*math.Sin(c*r) + math.Cos(a*r)*math.Cos(c*r)*math.Cos((d-b)*r)
		want := EarthRadius * math.Acos(max(-1, min(1, cos)))
		if want < 1000 || want > 0.99*math.Pi*EarthRadius {
			continue
		}
		if got := Distance(a, b, c, d); math.Abs(got-want) > 1e-3 {
			t.Fatalf("Distance(%v,%v,%v,%v) = %v, law of cosines %v", a, b, c, d, got, want)
		}
	}
}

// destination returns the point reached from (lat, lng) going dist metres
// on the initial bearing θ (radians), on the same sphere as Distance.
func destination(lat, lng, θ, dist float64) (float64, float64) {
	r := math.Pi / 180
	δ := dist / EarthRadius
	φ1, λ1 := lat*r, lng*r
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	lng2 := math.Mod(λ2/r+540, 360) - 180
	return φ2 / r, lng2
}

func TestBoundingBox(t *testing.T) {
	t.Parallel()
	// 1000 m is 1000/6371008.8 rad = 0.008993216° of latitude; at 39.6° the
	// longitude half-width is asin(sin(0.000156960)/cos(39.6°)) =
	// 0.011673° (0.008993216/0.770513).
	dLat := 1000 / EarthRadius * 180 / math.Pi
	dLng := math.Asin(math.Sin(1000/EarthRadius)/math.Cos(39.6*math.Pi/180)) * 180 / math.Pi
	tests := map[string]struct {
		lat, lng, r float64
		want        Box
	}{
		"1 km at 康巴什": {lat: 39.6, lng: 109.78, r: 1000, want: Box{
			MinLat: 39.6 - dLat - boxPad, MaxLat: 39.6 + dLat + boxPad,
			MinLng: 109.78 - dLng - boxPad, MaxLng: 109.78 + dLng + boxPad}},
		"zero radius":     {lat: 39.6, lng: 109.78, r: 0, want: Box{39.6 - boxPad, 109.78 - boxPad, 39.6 + boxPad, 109.78 + boxPad}},
		"negative radius": {lat: 39.6, lng: 109.78, r: -5, want: Box{39.6 - boxPad, 109.78 - boxPad, 39.6 + boxPad, 109.78 + boxPad}},
		"NaN radius":      {lat: 39.6, lng: 109.78, r: math.NaN(), want: Box{39.6 - boxPad, 109.78 - boxPad, 39.6 + boxPad, 109.78 + boxPad}},
		"reaches pole":    {lat: 89.99, lng: 10, r: 5000, want: Box{MinLat: 89.99 - 5000/EarthRadius*180/math.Pi - boxPad, MinLng: -180, MaxLat: 90, MaxLng: 180}},
		"antimeridian":    {lat: 0, lng: 179.999, r: 1000, want: Box{MinLat: -dLat - boxPad, MinLng: -180, MaxLat: dLat + boxPad, MaxLng: 180}},
		"whole earth":     {lat: 10, lng: 10, r: 3e7, want: Box{-90, -180, 90, 180}},
		"infinite radius": {lat: 10, lng: 10, r: math.Inf(1), want: Box{-90, -180, 90, 180}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := BoundingBox(tc.lat, tc.lng, tc.r)
			if math.Abs(got.MinLat-tc.want.MinLat) > 1e-12 || math.Abs(got.MaxLat-tc.want.MaxLat) > 1e-12 ||
				math.Abs(got.MinLng-tc.want.MinLng) > 1e-12 || math.Abs(got.MaxLng-tc.want.MaxLng) > 1e-12 {
				t.Fatalf("BoundingBox = %+v, want %+v", got, tc.want)
			}
			if !got.Contains(tc.lat, tc.lng) {
				t.Fatal("box does not contain its centre")
			}
		})
	}
	if b := BoundingBox(math.NaN(), 1, 1); b.Contains(0, 1) || b.Contains(math.NaN(), 1) {
		t.Error("NaN box contains something")
	}
}

// TestBoundingBoxBruteForce checks both promises: every point within the
// radius is in the box, and the box is tight (its edges are reached).
func TestBoundingBoxBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		lat, lng := 37+rng.Float64()*4, 106+rng.Float64()*6
		r := 10 + rng.Float64()*50000
		b := BoundingBox(lat, lng, r)
		for k := range 200 {
			θ := float64(k) / 200 * 2 * math.Pi
			plat, plng := destination(lat, lng, θ, r)
			if !b.Contains(plat, plng) {
				t.Fatalf("point %v,%v at %v m (Distance %v) outside box %+v of %v,%v r %v", plat, plng, r, Distance(lat, lng, plat, plng), b, lat, lng, r)
			}
			if in := r * rng.Float64(); !b.Contains(destination(lat, lng, θ, in)) {
				t.Fatalf("inner point outside box")
			}
		}
		north, _ := destination(lat, lng, 0, r)
		if math.Abs(north-b.MaxLat) > 1e-8 {
			t.Fatalf("MaxLat %v not reached (north point %v)", b.MaxLat, north)
		}
		// The easternmost point of the circle is at the tangent bearing.
		east := 0.0
		for k := range 2000 {
			_, e := destination(lat, lng, float64(k)/2000*math.Pi, r)
			east = max(east, e)
		}
		if b.MaxLng-east > 1e-6 || east > b.MaxLng {
			t.Fatalf("MaxLng %v vs easternmost %v", b.MaxLng, east)
		}
	}
}

func TestRoundForPublic(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		lat, lng, wantLat, wantLng float64
	}{
		"typical":         {lat: 39.60851, lng: 109.78149, wantLat: 39.609, wantLng: 109.781},
		"already on grid": {lat: 39.609, lng: 109.781, wantLat: 39.609, wantLng: 109.781},
		"down":            {lat: 39.6084999, lng: 109.7804999, wantLat: 39.608, wantLng: 109.780},
		"negative":        {lat: -33.86881, lng: -151.20929, wantLat: -33.869, wantLng: -151.209},
		"tiny negative":   {lat: -0.0004, lng: 0.0004, wantLat: 0, wantLng: 0},
		"extremes":        {lat: 90, lng: -180, wantLat: 90, wantLng: -180},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lat, lng := RoundForPublic(tc.lat, tc.lng)
			if lat != tc.wantLat || lng != tc.wantLng || math.Signbit(lat) != math.Signbit(tc.wantLat) {
				t.Fatalf("RoundForPublic(%v, %v) = %v, %v; want %v, %v", tc.lat, tc.lng, lat, lng, tc.wantLat, tc.wantLng)
			}
		})
	}
	lat, lng := RoundForPublic(math.NaN(), math.Inf(-1))
	if !math.IsNaN(lat) || !math.IsInf(lng, -1) {
		t.Errorf("NaN/Inf: %v, %v", lat, lng)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 10000 {
		la, ln := 37+rng.Float64()*4, 106+rng.Float64()*6
		rla, rln := RoundForPublic(la, ln)
		if d := Distance(la, ln, rla, rln); d > 72 {
			t.Fatalf("%v,%v moved %v m", la, ln, d)
		}
		if a, b := RoundForPublic(rla, rln); a != rla || b != rln {
			t.Fatalf("not idempotent at %v,%v", rla, rln)
		}
		for _, v := range []float64{rla, rln} {
			s := strconv.FormatFloat(v, 'f', -1, 64)
			if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 3 {
				t.Fatalf("%v prints as %s", v, s)
			}
		}
	}
}

func BenchmarkLocate(b *testing.B) {
	bounds := Default().Bounds()
	rng := rand.New(rand.NewPCG(9, 10))
	pts := make([]Point, 1024)
	for i := range pts {
		pts[i] = Point{
			Lat: bounds.MinLat + rng.Float64()*(bounds.MaxLat-bounds.MinLat),
			Lng: bounds.MinLng + rng.Float64()*(bounds.MaxLng-bounds.MinLng),
		}
	}
	m := Default()
	// Points of the city's box, about 60% inside a division; then the
	// points inside only, each needing the full test of its division.
	inside := slices.DeleteFunc(slices.Clone(pts), func(p Point) bool { _, ok := m.Locate(p.Lat, p.Lng); return !ok })
	for _, set := range []struct {
		name string
		pts  []Point
	}{{"box", pts}, {"inside", inside}} {
		b.Run(set.name, func(b *testing.B) {
			i, found := 0, 0
			for b.Loop() {
				p := set.pts[i%len(set.pts)]
				if _, ok := m.Locate(p.Lat, p.Lng); ok {
					found++
				}
				i++
			}
			if set.name == "inside" && found != i {
				b.Fatalf("%d of %d found", found, i)
			}
		})
	}
}

func FuzzLocate(f *testing.F) {
	for _, s := range [][2]float64{
		{39.6085, 109.7810}, {math.NaN(), 0}, {0, math.NaN()}, {math.Inf(1), math.Inf(-1)},
		{39.654296, 109.975625}, {-90, -180}, {90, 180}, {1e308, -1e308}, {5e-324, 0},
	} {
		f.Add(s[0], s[1])
	}
	m := Default()
	f.Fuzz(func(t *testing.T, lat, lng float64) {
		d, ok := m.Locate(lat, lng)
		if ok {
			found := false
			for _, div := range m.Districts() {
				if div.District == d {
					found = div.Box.Contains(lat, lng)
				}
			}
			if !found {
				t.Fatalf("Locate(%v, %v) = %v outside its box", lat, lng, d)
			}
		}
		rla, rln := RoundForPublic(lat, lng)
		if ok && (math.IsNaN(rla) || math.IsNaN(rln)) {
			t.Fatalf("rounding a located point gave NaN")
		}
		_ = Distance(lat, lng, 39.6, 109.78)
		bb := BoundingBox(lat, lng, math.Abs(lat))
		if validLatLng(lat, lng) && !bb.Contains(lat, lng) {
			t.Fatalf("BoundingBox(%v, %v) = %+v misses its centre", lat, lng, bb)
		}
	})
}
