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
)

// decodedBytes is the memory decoding a picture of cfg takes: a tiny file
// may declare a huge canvas (a decompression bomb), and a 16-bit PNG takes
// twice the memory of an 8-bit one of the same size, so the budget
// (MaxImageBytes) counts bytes, not pixels.
// A progressive JPEG also keeps every DCT coefficient (an int32 per pixel
// and component) until the last scan.
func decodedBytes(cfg image.Config, progressive bool) int64 {
	per := int64(4)
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		per = 8
	case color.YCbCrModel:
		per = 3
		if progressive {
			per += 3 * 4
		}
	case color.Gray16Model:
		per = 2
	case color.GrayModel, color.AlphaModel:
		per = 1
	default:
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			per = 1
		}
	}
	return int64(cfg.Width) * int64(cfg.Height) * per
}

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
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", nil, Invalid("file", "err.image_type")
	}
	if decodedBytes(cfg, progressiveJPEG(data)) > MaxImageBytes {
		v := &ValidationError{}
		v.Add("file", "err.image_too_big", map[string]any{"max": MaxImageBytes / 4 / 1_000_000})
		return "", nil, v
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

// progressiveJPEG reports whether data is a JPEG whose frame header (read
// from the markers before the first scan) is progressive.
func progressiveJPEG(data []byte) bool {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return false
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return false
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce:
			return true
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc, m == 0xda:
			return false
		case m == 0x01 || m >= 0xd0 && m <= 0xd7:
			i += 2
			continue
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return false
}
