package handlers

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// compressResponses compresses every answer the way Fiber's compress
// middleware does at its default level (brotli when the client accepts
// it, else gzip or deflate; fasthttp skips bodies too small to gain and
// types it cannot compress), except bodies that are compressed already:
// a PDF's streams are deflated, an XLSX is a ZIP. Compressing those again
// gains a few per cent at the cost of a brotli pass over every byte — for
// the statement PDF that pass was most of a repeated download's CPU.
func compressResponses() fiber.Handler {
	compressor := fasthttp.CompressHandlerBrotliLevel(func(*fasthttp.RequestCtx) {},
		fasthttp.CompressBrotliDefaultCompression, fasthttp.CompressDefaultCompression)
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		if !packedType(c.Response().Header.ContentType()) {
			compressor(c.Context())
		}
		return nil
	}
}

// packedTypes are content types whose bodies are compressed already.
var packedTypes = [][]byte{
	[]byte("application/pdf"),
	[]byte("application/zip"),
	[]byte("application/vnd.openxmlformats-officedocument."), // xlsx, docx
	[]byte("application/gzip"),
}

func packedType(ct []byte) bool {
	for _, p := range packedTypes {
		if bytes.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}
