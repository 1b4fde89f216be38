package main

import (
	"io/fs"

	console "github.com/ordos-wufei/wufei/web/console"
)

// consoleFS is the web console built into this binary (web/console/dist).
func consoleFS() fs.FS { return console.FS() }
