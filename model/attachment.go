package model

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"time"
)

// MaxAttachmentSize is the largest file accepted as an attachment.
const MaxAttachmentSize = 10 << 20

// Attachment (附件) is a file attached to a record. CustomerID decides who may
// download it: 0 means enterprise-internal (staff only) unless the owning
// record grants more (announcements do).
type Attachment struct {
	ID          uint64    `json:"id"`
	CustomerID  uint64    `json:"customer_id,omitempty"`
	OwnerType   string    `json:"owner_type"`
	OwnerID     uint64    `json:"owner_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// allowedTypes maps what the content looks like (sniffed, never the client's
// word) to the extensions a file of that kind may carry.
var allowedTypes = map[string][]string{
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/gif":       {".gif"},
	"image/webp":      {".webp"},
	"application/pdf": {".pdf"},
	"application/zip": {".zip", ".xlsx", ".docx", ".pptx"},
	"text/plain":      {".txt", ".csv"},
}

var officeTypes = map[string]string{
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".csv":  "text/csv",
}

// CheckAttachment decides from the file's first bytes and its name whether it
// may be stored, and the content type to serve it with. It refuses empty and
// oversized files, and any content (HTML, SVG, scripts, executables…) outside
// the allow-list or whose extension does not match its content.
func CheckAttachment(name string, size int64, head []byte) (string, error) {
	if size <= 0 {
		return "", Invalid("file", "err.file_empty")
	}
	if size > MaxAttachmentSize {
		return "", Invalid("file", "err.file_too_big")
	}
	sniffed := http.DetectContentType(head)
	base, _, _ := strings.Cut(sniffed, ";")
	ext := strings.ToLower(path.Ext(name))
	exts, ok := allowedTypes[base]
	if !ok || !contains(exts, ext) {
		return "", Invalid("file", "err.file_type")
	}
	if base == "text/plain" {
		// The sniffer calls SVG (and HTML not at the very start) plain text.
		lower := bytes.ToLower(head)
		for _, tag := range []string{"<script", "<svg", "<html", "<iframe"} {
			if bytes.Contains(lower, []byte(tag)) {
				return "", Invalid("file", "err.file_type")
			}
		}
	}
	if t, ok := officeTypes[ext]; ok {
		return t, nil
	}
	return base, nil
}

// CleanFileName keeps the last path element of an uploaded name and drops
// control characters and quotes, for storage and Content-Disposition.
func CleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		// Control characters, quotes and the bidirectional overrides that
		// can make "exe.pdf" look like "fdp.exe".
		if r < 0x20 || r == 0x7f || r == '"' || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." || name == "/" {
		return "file"
	}
	if r := []rune(name); len(r) > 120 {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = string(r[:120-len(ext)]) + string(ext)
	}
	return name
}
