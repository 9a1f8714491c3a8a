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

	"github.com/jung-kurt/gofpdf"
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
var CacheBytes = defaultCacheBytes

// SizeCaches sizes the memory the PDFs keep between requests for a process
// whose Go memory is held to limit bytes (GOMEMLIMIT): the finished PDFs
// an eighth of it, each shared font's subsets (gofpdf.SubsetCacheBytes,
// three fonts) a sixty-fourth, never more than the defaults (16 MiB and 4
// MiB). At the 80 MiB default that is 10 MiB and 1.25 MiB; under a 100 MB
// cgroup (a 60 MiB limit) 7.5 MiB and 0.94 MiB. The finished PDFs need
// room for a round of the statements in demand: a least-recently-used
// cache a little smaller than the documents requested in turn misses every
// time (64 dealers' statements of 64 KB missed every request in a 3.75 MiB
// cache). Call it at start-up, before the first Render.
func SizeCaches(limit int64) {
	CacheBytes = int(min(limit/8, defaultCacheBytes))
	gofpdf.SubsetCacheBytes = int(min(limit/64, defaultSubsetBytes))
}

const defaultCacheBytes, defaultSubsetBytes = 16 << 20, 4 << 20

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

// KeyOf returns the key of any value hashed as a layout is (every field,
// by reflection): a caller's key of the inputs a layout is built from.
func KeyOf(v any) Key {
	h := sha256.New()
	hashValue(h, reflect.ValueOf(v))
	var k Key
	h.Sum(k[:0])
	return k
}

// Finished PDFs by their inputs. A caller that can name everything a
// layout is built from, more cheaply than building it (the statement: the
// customer, the settings, the period, the printed minute and the
// customer's ledger version), records which layout key those inputs gave
// (Remember) and later finds the key, and the PDF while it is cached,
// without building the layout (Recall). The caller answers for the inputs
// being complete: equal inputs must mean an equal layout.
var byInputs = struct {
	sync.Mutex
	keys map[Key]Key
}{keys: map[Key]Key{}}

// inputsMax bounds the remembered inputs (about 64 bytes each); past it
// they are forgotten all at once, and the next request of each builds its
// layout again.
const inputsMax = 1 << 14

// Remember records that the layout built from inputs has key k.
func Remember(inputs, k Key) {
	byInputs.Lock()
	defer byInputs.Unlock()
	if len(byInputs.keys) >= inputsMax {
		clear(byInputs.keys)
	}
	byInputs.keys[inputs] = k
}

// Recall returns the layout key remembered for inputs (ok false when
// none) and its PDF while the cache still holds it (nil otherwise).
func Recall(inputs Key) (k Key, pdf []byte, ok bool) {
	byInputs.Lock()
	k, ok = byInputs.keys[inputs]
	byInputs.Unlock()
	if ok && CacheBytes > 0 {
		pdf = cacheGet(k)
	}
	return k, pdf, ok
}
