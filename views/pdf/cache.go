package pdf

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"reflect"
	"sync"
	"time"
)

// Finished PDFs. Render is a pure function of its Layout (the fonts and
// this code are fixed per binary), so a document whose layout hashes to a
// key seen recently is the same bytes: it is served from a bounded cache
// instead of being laid out again. The key hashes every value of the
// layout (found by reflection, so a field added later is part of it) and
// the creation instant to the second (what the PDF records); every posting
// or setting that changes a printed figure or text changes the key. A
// statement downloaded again within the same printed minute, by anyone
// allowed to see it, costs its data read and a hash, not a rendering.

// CacheBytes bounds the memory the finished PDFs take (least recently used
// out); a PDF larger than an eighth of it is not kept. Set it before the
// first Render; 0 keeps none and serves none from the cache.
var CacheBytes = 16 << 20

// Key identifies the PDF of a layout: the SHA-256 of all it prints.
type Key [sha256.Size]byte

// ETag is k as an HTTP entity tag.
func (k Key) ETag() string { return `"` + hex.EncodeToString(k[:16]) + `"` }

// Key returns l's key. Equal keys, equal PDFs.
func (l *Layout) Key() Key {
	h := sha256.New()
	hashValue(h, reflect.ValueOf(*l))
	var k Key
	h.Sum(k[:0])
	return k
}

var timeType = reflect.TypeFor[time.Time]()

// hashValue writes v to h with its type and lengths, so that no two
// different layouts write the same bytes.
func hashValue(h hash.Hash, v reflect.Value) {
	var b [8]byte
	num := func(u uint64) {
		binary.BigEndian.PutUint64(b[:], u)
		h.Write(b[:])
	}
	if v.Type() == timeType {
		// The PDF records the instant to the second, with its offset.
		h.Write([]byte(v.Interface().(time.Time).Format(time.RFC3339)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		num(uint64(v.Len()))
		h.Write([]byte(v.String()))
	case reflect.Bool:
		if v.Bool() {
			num(1)
		} else {
			num(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		num(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		num(v.Uint())
	case reflect.Float32, reflect.Float64:
		num(math.Float64bits(v.Float()))
	case reflect.Slice, reflect.Array:
		num(uint64(v.Len()))
		for i := range v.Len() {
			hashValue(h, v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			hashValue(h, v.Field(i))
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			num(0)
			return
		}
		num(1)
		if v.Kind() == reflect.Interface {
			h.Write([]byte(v.Elem().Type().String()))
		}
		hashValue(h, v.Elem())
	default:
		// A kind a layout does not hold (map, func, channel): refuse to
		// give two layouts the same key by accident.
		panic("pdf: cannot hash a layout field of kind " + v.Kind().String())
	}
}

type cached struct {
	key Key
	pdf []byte
}

// pdfCache is the finished PDFs, least recently used last.
var pdfCache = struct {
	sync.Mutex
	byKey map[Key]*list.Element
	order list.List
	bytes int
}{byKey: map[Key]*list.Element{}}

func cacheGet(k Key) []byte {
	pdfCache.Lock()
	defer pdfCache.Unlock()
	if e, ok := pdfCache.byKey[k]; ok {
		pdfCache.order.MoveToFront(e)
		return e.Value.(*cached).pdf
	}
	return nil
}

func cachePut(k Key, pdf []byte) {
	if len(pdf) > CacheBytes/8 {
		return
	}
	pdfCache.Lock()
	defer pdfCache.Unlock()
	if _, ok := pdfCache.byKey[k]; ok {
		return
	}
	pdfCache.byKey[k] = pdfCache.order.PushFront(&cached{k, pdf})
	pdfCache.bytes += len(pdf)
	for pdfCache.bytes > CacheBytes {
		old := pdfCache.order.Back()
		c := old.Value.(*cached)
		pdfCache.order.Remove(old)
		delete(pdfCache.byKey, c.key)
		pdfCache.bytes -= len(c.pdf)
	}
}

// cacheBytes is what the cached PDFs hold now.
func cacheBytes() int {
	pdfCache.Lock()
	defer pdfCache.Unlock()
	return pdfCache.bytes
}
