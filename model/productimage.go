package model

import (
	"bytes"
	"image"
	"image/color"
	stddraw "image/draw"
	_ "image/gif" // decode GIF uploads
	"image/jpeg"
	_ "image/png" // decode PNG uploads

	"golang.org/x/image/draw"
)

// Product images (商品图片): the upload is checked (size, sniffed type), decoded once,
// and its variants are computed at upload, never per request: a small
// thumbnail for lists (slow mobile links) and a medium picture for the
// detail page, both JPEG.
// Image variants kept besides the original.
const (
	ImageSmall  = 's' // list thumbnail, at most 160 px
	ImageMedium = 'm' // detail page, at most 640 px
)

const (
	thumbSmall  = 160
	thumbMedium = 640
	// maxImagePixels refuses decompression bombs (a tiny file declaring a
	// huge canvas) before decoding them.
	maxImagePixels = 40_000_000
)

var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true}

// CheckProductImage validates an uploaded picture and returns its content
// type and variants. Errors are field errors on "file".
func CheckProductImage(name string, data []byte) (string, map[byte][]byte, error) {
	ctype, err := CheckAttachment(name, int64(len(data)), data[:min(512, len(data))])
	if err != nil {
		return "", nil, err
	}
	if !imageTypes[ctype] {
		return "", nil, Invalid("file", "err.image_type")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return "", nil, Invalid("file", "err.image_type")
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", nil, Invalid("file", "err.image_type")
	}
	variants := map[byte][]byte{}
	for v, box := range map[byte]int{ImageSmall: thumbSmall, ImageMedium: thumbMedium} {
		out, err := scaleJPEG(img, box, map[byte]int{ImageSmall: 72, ImageMedium: 82}[v])
		if err != nil {
			return "", nil, err
		}
		variants[v] = out
	}
	return ctype, variants, nil
}

// scaleJPEG fits img into a box×box square (never enlarging), flattens
// transparency onto white and encodes it as JPEG.
func scaleJPEG(img image.Image, box, quality int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > box || h > box {
		if w >= h {
			h = max(1, h*box/w)
			w = box
		} else {
			w = max(1, w*box/h)
			h = box
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	stddraw.Draw(dst, dst.Bounds(), &image.Uniform{color.White}, image.Point{}, stddraw.Src)
	var scaler draw.Interpolator = draw.CatmullRom
	if box <= thumbSmall {
		scaler = draw.ApproxBiLinear
	}
	scaler.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
