package httpapi

import (
	"fmt"
	"net/url"
	"strings"
)

// contentDisposition names a download with an ASCII fallback and the
// UTF-8 name of RFC 6266, which browsers show for Chinese file names.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}
