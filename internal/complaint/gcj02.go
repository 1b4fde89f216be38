package complaint

import "math"

// GCJ-02 is the datum Chinese maps and WeChat's wx.getLocation({type:
// 'gcj02'}) use: WGS-84 with a published, deliberately irregular offset of
// up to a few hundred metres. Open311 speaks WGS-84, the /api/v1 routes and
// the stored complaints GCJ-02, so the Open311 layer converts. These are
// the widely published formulas (eviltransform and others); the inverse is
// solved by fixed-point iteration, exact to well under a millimetre.

const (
	gcjA  = 6378245.0              // Krasovsky 1940 semi-major axis
	gcjEE = 0.00669342162296594323 // its eccentricity squared
)

// outOfChina reports whether the offset does not apply (the transform is
// only defined for mainland China's rough box).
func outOfChina(lat, lng float64) bool {
	return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271
}

func gcjDelta(lat, lng float64) (dLat, dLng float64) {
	x, y := lng-105.0, lat-35.0
	dLat = -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	dLat += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	dLng = 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLng += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLng += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	dLng += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	rad := lat / 180.0 * math.Pi
	magic := 1 - gcjEE*math.Sin(rad)*math.Sin(rad)
	sq := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sq) * math.Pi)
	dLng = (dLng * 180.0) / (gcjA / sq * math.Cos(rad) * math.Pi)
	return dLat, dLng
}

// WGS84ToGCJ02 converts a WGS-84 point to GCJ-02. Points outside China
// are returned unchanged.
func WGS84ToGCJ02(lat, lng float64) (float64, float64) {
	if outOfChina(lat, lng) {
		return lat, lng
	}
	dLat, dLng := gcjDelta(lat, lng)
	return lat + dLat, lng + dLng
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 by iteration.
func GCJ02ToWGS84(lat, lng float64) (float64, float64) {
	if outOfChina(lat, lng) {
		return lat, lng
	}
	wLat, wLng := lat, lng
	for i := 0; i < 30; i++ {
		gLat, gLng := WGS84ToGCJ02(wLat, wLng)
		eLat, eLng := gLat-lat, gLng-lng
		wLat, wLng = wLat-eLat, wLng-eLng
		if math.Abs(eLat) < 1e-10 && math.Abs(eLng) < 1e-10 {
			break
		}
	}
	return wLat, wLng
}
