// Package views embeds the HTML templates and message catalogs, so that the
// binary needs no files at run time.
package views

import "embed"

// FS holds layouts/, partials/, one folder per module, and i18n/.
//
//go:embed all:*
var FS embed.FS
