package placeholder

import (
	"bytes"
	"image/png"
	"testing"
)

func TestPNG(t *testing.T) {
	t.Parallel()
	for name, size := range map[string]int{"tiny": 1, "grid": 21, "qr": 430} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := PNG("scene=1", size)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if want := max(size, grid); img.Bounds().Dx() != want {
				t.Fatalf("width = %d, want %d", img.Bounds().Dx(), want)
			}
			if got, ok := Label(b); !ok || got != "scene=1" {
				t.Fatalf("Label = %q, %v", got, ok)
			}
		})
	}
	a, _ := PNG("a", 100)
	b, _ := PNG("b", 100)
	if bytes.Equal(a, b) {
		t.Fatal("different labels drew the same image")
	}
}

func FuzzLabel(f *testing.F) {
	good, _ := PNG("x", 21)
	f.Add(good)
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x05tEXt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Label(b) // must not panic
	})
}
