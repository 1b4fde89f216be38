package console

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestBuiltConsole checks the committed build: index.html is there, under
// the /console/ base, and every file it loads is in the embedded tree (a
// half-committed dist/ would serve a blank page).
func TestBuiltConsole(t *testing.T) {
	t.Parallel()
	fsys := FS()
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("dist/index.html: %v (run npm run build in web/console)", err)
	}
	if !strings.Contains(string(index), `lang="zh-CN"`) {
		t.Error("index.html is not the console's")
	}
	refs := regexp.MustCompile(`(?:src|href)="/console/([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html loads %d files; want the script and the styles", len(refs))
	}
	for _, r := range refs {
		if _, err := fs.Stat(fsys, r[1]); err != nil {
			t.Errorf("index.html loads %s, which is not in dist/: %v", r[1], err)
		}
	}
	assets, err := fs.Glob(fsys, "assets/*.js")
	if err != nil || len(assets) == 0 {
		t.Fatalf("no scripts under dist/assets: %v", err)
	}
}
