// Package static embeds the stylesheet, script, vendored htmx and icons.
package static

import "embed"

// FS holds the static assets served under /static/.
//
//go:embed all:*
var FS embed.FS
