package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strconv"

	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Every list (序时簿) shares this: ?q= search, ?sort=&desc=1, ?page=&size=,
// module filters as further query values, and ?export=csv|xlsx for the
// filtered rows.

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// ListQuery is a list request as read from the URL.
type ListQuery struct {
	Path   string
	Vals   url.Values
	Q      string
	Sort   string
	Desc   bool
	PageNo int
	Size   int
	Export string
	// After is the keyset cursor of document lists (?after=<id>): the page
	// continues below that id (see KeysetPager).
	After uint64
}

// parseListQuery reads the list parameters; sort must be one of sorts (the
// first is the default).
func parseListQuery(c *fiber.Ctx, sorts ...string) ListQuery {
	vals, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	q := ListQuery{Path: c.Path(), Vals: vals, Q: vals.Get("q"), Desc: vals.Get("desc") == "1", Export: vals.Get("export")}
	q.Sort = vals.Get("sort")
	if !contains(sorts, q.Sort) && len(sorts) > 0 {
		q.Sort = sorts[0]
	}
	q.PageNo, _ = strconv.Atoi(vals.Get("page"))
	if q.PageNo < 1 {
		q.PageNo = 1
	}
	q.Size, _ = strconv.Atoi(vals.Get("size"))
	if q.Size < 1 || q.Size > maxPageSize {
		q.Size = defaultPageSize
	}
	q.After, _ = strconv.ParseUint(vals.Get("after"), 10, 64)
	return q
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Get returns a filter value.
func (q ListQuery) Get(name string) string { return q.Vals.Get(name) }

// Uint returns a numeric filter value, 0 when absent.
func (q ListQuery) Uint(name string) uint64 {
	n, _ := strconv.ParseUint(q.Vals.Get(name), 10, 64)
	return n
}

// Page is the store page to read: all rows for an export.
func (q ListQuery) Page() store.Page {
	if q.Export != "" {
		return store.Page{Desc: q.Desc}
	}
	if q.After != 0 {
		return store.Page{Limit: q.Size, Desc: q.Desc, After: q.After}
	}
	return store.Page{Offset: (q.PageNo - 1) * q.Size, Limit: q.Size, Desc: q.Desc}
}

// URL returns the list's URL with some parameters changed ("" removes one).
func (q ListQuery) URL(set ...string) string {
	vals := url.Values{}
	for k, v := range q.Vals {
		vals[k] = append([]string(nil), v...)
	}
	vals.Del("export")
	if len(set) > 0 {
		vals.Del("after") // a changed filter, sort or page starts afresh
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			vals.Del(set[i])
		} else {
			vals.Set(set[i], set[i+1])
		}
	}
	if e := vals.Encode(); e != "" {
		return q.Path + "?" + e
	}
	return q.Path
}

// ExportURL is the URL of the filtered list as a file: the list's own
// query (filters, search, sort) with export=format, without the page, the
// page size and the keyset cursor, since an export holds every matching row.
func (q ListQuery) ExportURL(format string) string {
	vals := url.Values{}
	for k, v := range q.Vals {
		switch k {
		case "page", "size", "after", "export":
		default:
			vals[k] = append([]string(nil), v...)
		}
	}
	vals.Set("export", format)
	return q.Path + "?" + vals.Encode()
}

// Pager describes the page shown, for the pager partial. Total is -1 when
// unknown (a filtered document list read after a keyset cursor).
type Pager struct {
	Total, PageNo, Pages, From, To int
	PrevURL, NextURL               string
	// FirstURL goes back to page 1 from a keyset page (which has no
	// previous-page cursor).
	FirstURL string
}

// Pager computes the pager for total matching rows.
func (q ListQuery) Pager(total int) Pager {
	p := Pager{Total: total, PageNo: q.PageNo, Pages: (total + q.Size - 1) / q.Size}
	if total > 0 {
		p.From = (q.PageNo-1)*q.Size + 1
		p.To = min(q.PageNo*q.Size, total)
	}
	if q.PageNo > 1 {
		p.PrevURL = q.URL("page", strconv.Itoa(q.PageNo-1))
	}
	if q.PageNo < p.Pages {
		p.NextURL = q.URL("page", strconv.Itoa(q.PageNo+1))
	}
	return p
}

// KeysetPager is the pager of a newest-first document list (store.ListDocs):
// the next link continues after the last row shown (?after=<lastID>&page=n+1),
// so a deep page costs what the first does; from a keyset page the way back
// is to the first page. shown is the number of rows on this page; total < 0
// means unknown (no total, no page count shown).
func (q ListQuery) KeysetPager(total, shown int, lastID uint64) Pager {
	p := Pager{Total: total, PageNo: q.PageNo}
	if total > 0 {
		p.Pages = (total + q.Size - 1) / q.Size
	}
	if shown > 0 {
		p.From = (q.PageNo-1)*q.Size + 1
		p.To = p.From + shown - 1
	}
	more := shown == q.Size && (total < 0 || p.To < total)
	if more && lastID != 0 {
		p.NextURL = q.URL("page", strconv.Itoa(q.PageNo+1), "after", strconv.FormatUint(lastID, 10))
	}
	if q.PageNo > 1 {
		if q.After != 0 {
			p.FirstURL = q.URL("page", "", "after", "")
		} else {
			p.PrevURL = q.URL("page", strconv.Itoa(q.PageNo-1))
		}
	}
	return p
}

// List is what a list template gets: its rows, the query and the pager.
type List struct {
	Rows  any
	Query ListQuery
	Pager Pager
}

// SortHead renders a sortable column header: a link that sorts by col, or
// reverses the order when the list is already sorted by it.
func (v *View) SortHead(q ListQuery, col, labelKey string) template.HTML {
	desc := ""
	mark := ""
	if q.Sort == col {
		if q.Desc {
			mark = " ▼"
		} else {
			desc, mark = "1", " ▲"
		}
	}
	href := q.URL("sort", col, "desc", desc, "page", "")
	// The order is said in words to screen readers (aria-sort belongs on
	// the <th>, which the templates write, not on this link).
	state := ""
	if mark != "" {
		key := map[bool]string{true: "a11y.sorted_desc", false: "a11y.sorted_asc"}[q.Desc]
		state = `<span aria-hidden="true">` + mark + `</span><span class="sr-only">` + html.EscapeString(v.T(key)) + `</span>`
	}
	return template.HTML(fmt.Sprintf(`<a href="%s" class="sort">%s%s</a>`,
		html.EscapeString(href), html.EscapeString(v.T(labelKey)), state))
}

// export sends rows as CSV (UTF-8 with BOM, which Excel needs for Chinese) or
// XLSX, named name-YYYYMMDD.ext. Each column's header is a catalog key; its
// kind types the XLSX cells (the CSV writes the rows' text as it is).
func (h *Handler) export(c *fiber.Ctx, format, name string, cols []exportCol, rows [][]string) error {
	lang := lang(c)
	head := make([]string, len(cols))
	kinds := make([]colKind, len(cols))
	for i, col := range cols {
		head[i] = h.i18n.T(lang, col.Key)
		kinds[i] = col.Kind
	}
	return h.exportRaw(c, format, name, head, kinds, rows)
}

// exportRaw is export with header texts given as they are (import
// templates) and the columns' kinds (nil: all text).
func (h *Handler) exportRaw(c *fiber.Ctx, format, name string, head []string, kinds []colKind, rows [][]string) error {
	// The file is named by the enterprise's date, not the host's.
	file := fmt.Sprintf("%s-%s", name, h.store.LocalNow().Format("20060102"))
	var buf bytes.Buffer
	switch format {
	case "csv":
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		_ = w.Write(head)
		for _, r := range rows {
			_ = w.Write(csvSafe(r))
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		file += ".csv"
	case "xlsx":
		if err := writeXLSX(&buf, head, kinds, rows, h.store.Settings().CurrencySymbol); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		file += ".xlsx"
	default:
		return fiber.ErrBadRequest
	}
	c.Set(fiber.HeaderContentDisposition, attachmentDisposition(file))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// csvSafe neutralises cells that a spreadsheet would run as a formula.
func csvSafe(r []string) []string {
	out := make([]string, len(r))
	for i, s := range r {
		if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' && !isNumber(s) || s[0] == '@') {
			s = "'" + s
		}
		out[i] = s
	}
	return out
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// attachmentDisposition builds a Content-Disposition that downloads the file
// under its (possibly Chinese) name in every browser.
func attachmentDisposition(name string) string {
	ascii := make([]byte, 0, len(name))
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			ascii = append(ascii, '_')
		} else {
			ascii = append(ascii, byte(r))
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}
