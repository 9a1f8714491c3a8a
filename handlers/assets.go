package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// assets are the static files, read once at start with a content hash for
// cache-busting URLs and a gzip copy, so a request costs no compression.
type assets struct {
	files map[string]*asset
}

type asset struct {
	body, gz    []byte
	hash, ctype string
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		// Served flat under /static/: vendor/htmx.min.js becomes htmx.min.js.
		a.add(path.Base(p), body)
		return nil
	})
	return a, err
}

// add serves body as the asset name (its type from the name's extension),
// with its hash and gzip copy; the portal's generated assets (the report
// label stylesheets) are added this way beside the embedded files.
func (a *assets) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	f := &asset{body: body, hash: hex.EncodeToString(sum[:6]), ctype: mime.TypeByExtension(path.Ext(name))}
	if f.ctype == "" {
		f.ctype = "application/octet-stream"
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() < len(body) {
		f.gz = buf.Bytes()
	}
	a.files[name] = f
}

// url returns /static/name?v=hash; the hash changes with the content.
func (a *assets) url(name string) string {
	if f, ok := a.files[name]; ok {
		return "/static/" + name + "?v=" + f.hash
	}
	return "/static/" + name
}

// serveStatic sends an embedded file, cached for a year when the URL carries
// the current hash (the URL changes with the file), briefly otherwise.
func (h *Handler) serveStatic(c *fiber.Ctx) error {
	f, ok := h.assets.files[c.Params("file")]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	c.Vary(fiber.HeaderAcceptEncoding)
	if c.Query("v") == f.hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	c.Set(fiber.HeaderETag, `"`+f.hash+`"`)
	if c.Get(fiber.HeaderIfNoneMatch) == `"`+f.hash+`"` {
		return c.SendStatus(fiber.StatusNotModified)
	}
	if f.gz != nil && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(f.gz)
	}
	return c.Send(f.body)
}
