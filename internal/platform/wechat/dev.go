package wechat

import (
	"fmt"
	"strings"

	"github.com/ordos-wufei/wufei/internal/platform/wechat/internal/placeholder"
)

// devQRCode returns the development-mode stand-in for a mini-program code.
func devQRCode(scene string, width int) ([]byte, error) {
	b, err := placeholder.PNG(scene, width)
	if err != nil {
		return nil, fmt.Errorf("qr code: development placeholder: %w", err)
	}
	return b, nil
}

// maskID shortens an identifier such as an openid for logs: enough to tell
// two apart while debugging, not enough to act as the user.
func maskID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:3] + "***" + id[len(id)-3:]
}
