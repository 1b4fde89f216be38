// Package placeholder draws the stand-in mini-program code used in development
// mode and by the fake WeChat server: a QR-like PNG whose pattern is derived
// from a label, with the label itself kept in a PNG tEXt chunk so that tests
// can read it back. It encodes nothing but the label.
package placeholder

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
)

// textKeyword is the tEXt keyword under which the label is stored.
const textKeyword = "wufei-placeholder"

// grid is the number of modules on a side, as in a version-1 QR code.
const grid = 21

// PNG returns a size×size PNG whose pattern depends on label and whose tEXt
// chunk holds label. label must be Latin-1 without NUL (callers pass
// mini-program scenes, which are ASCII).
func PNG(label string, size int) ([]byte, error) {
	if size < grid {
		size = grid
	}
	bits := sha256.Sum256([]byte(label))
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	module := size / grid
	offset := (size - module*grid) / 2
	for gy := range grid {
		for gx := range grid {
			if !dark(gx, gy, bits) {
				continue
			}
			for y := offset + gy*module; y < offset+(gy+1)*module; y++ {
				for x := offset + gx*module; x < offset+(gx+1)*module; x++ {
					img.SetColorIndex(x, y, 1)
				}
			}
		}
	}

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return withText(buf.Bytes(), textKeyword, label)
}

// Label returns the label stored by PNG, and false when b holds none.
func Label(b []byte) (string, bool) {
	const sigLen = 8
	if len(b) < sigLen {
		return "", false
	}
	for p := sigLen; p+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[p:]))
		if n < 0 || p+12+n > len(b) {
			return "", false
		}
		typ, data := string(b[p+4:p+8]), b[p+8:p+8+n]
		if typ == "tEXt" {
			if k, v, ok := bytes.Cut(data, []byte{0}); ok && string(k) == textKeyword {
				return string(v), true
			}
		}
		p += 12 + n
	}
	return "", false
}

// dark reports whether module (x, y) is dark: three finder squares as in a QR
// code, and elsewhere one bit of the label's hash per module.
func dark(x, y int, bits [32]byte) bool {
	for _, o := range [][2]int{{0, 0}, {grid - 7, 0}, {0, grid - 7}} {
		dx, dy := x-o[0], y-o[1]
		if dx >= 0 && dx < 7 && dy >= 0 && dy < 7 {
			ring := min(dx, dy, 6-dx, 6-dy)
			return ring != 1
		}
	}
	i := (y*grid + x) % (len(bits) * 8)
	return bits[i/8]&(1<<(i%8)) != 0
}

// withText inserts a tEXt chunk just before the IEND chunk, which the standard
// encoder always writes last.
func withText(p []byte, keyword, text string) ([]byte, error) {
	const iendLen = 12
	if len(p) < 8+iendLen || string(p[len(p)-iendLen+4:len(p)-iendLen+8]) != "IEND" {
		return nil, errors.New("placeholder: PNG does not end with IEND")
	}
	data := append([]byte(keyword+"\x00"), text...)
	chunk := make([]byte, 0, 12+len(data))
	chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))

	out := make([]byte, 0, len(p)+len(chunk))
	out = append(out, p[:len(p)-iendLen]...)
	out = append(out, chunk...)
	return append(out, p[len(p)-iendLen:]...), nil
}
