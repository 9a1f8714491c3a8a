package handlers

import (
	"fmt"
	"html/template"
	"sort"
	"strings"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

const tplChannelReport = "channel/report"

// The channel sales analysis (渠道销售分析报表, SPEC §2.7): per product, opening
// stock, received (outbounds net of red), closing stock, sold, sell-through
// rate (动销率) and days of stock for one customer and period, with totals, a
// bar chart drawn here as SVG (no chart script), and CSV/XLSX export. Staff
// without a customer chosen get one row per customer in their scope (each
// customer's totals). The formulas live in model/sellthrough.go.
func (h *Handler) registerChannelReport(r fiber.Router) {
	r.Get("/channel-report", h.showChannelReport)
}

type channelReportPage struct {
	From, To     string
	CustomerCode string
	Staff        bool
	Report       *store.ChannelReport   // one customer
	All          []*store.ChannelReport // every customer in scope
	Empty        int                    // customers in scope without data
	Total        model.SellThrough      // of All
	Chart        template.HTML
	Err          string
}

// reportPeriod reads from and to (YYYY-MM-DD); the default is the first day
// of the previous month to today.
func reportPeriod(c *fiber.Ctx, today string) (from, to string, bad bool) {
	from, err1 := model.ParseDate(c.Query("from"))
	to, err2 := model.ParseDate(c.Query("to"))
	if from == "" {
		y, m := today[:4], today[5:7]
		first := y + "-" + m + "-01"
		from = model.AddDays(first, -1)[:8] + "01"
	}
	if to == "" {
		to = today
	}
	return from, to, err1 != nil || err2 != nil || to < from
}

func (h *Handler) showChannelReport(c *fiber.Ctx) error {
	if err := needChannel(c); err != nil {
		return err
	}
	u := currentUser(c)
	sc := h.scope(c)
	d := &channelReportPage{Staff: u.IsStaff(), CustomerCode: strings.TrimSpace(c.Query("customer"))}
	err := h.read(func(t *store.Tx) error {
		d.Err = "" // fn may run again (Store.View)
		var bad bool
		d.From, d.To, bad = reportPeriod(c, t.Today())
		if bad {
			d.Err = "err.ch_period"
			return nil
		}
		cust := u.CustomerID
		if u.IsStaff() {
			cust = 0
			if d.CustomerCode != "" {
				cu, err := t.CustomerByCode(sc, d.CustomerCode)
				if err != nil {
					d.Err = "err.ch_customer_unknown"
					return nil
				}
				cust = cu.ID
			}
		}
		if cust != 0 {
			r, err := t.ChannelReport(sc, cust, d.From, d.To)
			if err != nil {
				return err
			}
			d.Report = r
			return nil
		}
		var err error
		if d.All, d.Empty, err = t.ChannelReportAll(sc, d.From, d.To); err != nil {
			return err
		}
		d.Total = sumReports(d.All)
		return nil
	})
	if err != nil {
		return err
	}
	l := lang(c)
	if f := c.Query("export"); f != "" {
		return h.exportChannelReport(c, f, d)
	}
	switch {
	case d.Report != nil:
		d.Chart = h.sellThroughChart(l, productBars(d.Report.Rows))
	case len(d.All) > 0:
		d.Chart = h.sellThroughChart(l, customerBars(d.All))
	}
	status := fiber.StatusOK
	if d.Err != "" {
		status = fiber.StatusUnprocessableEntity
	}
	return h.render(c, status, tplChannelReport, h.view(c, "rep.title", d))
}

// sumReports adds the customers' totals up; the flags of each customer's
// missing counts carry over, so a partial total says it is partial.
func sumReports(all []*store.ChannelReport) model.SellThrough {
	var t model.SellThrough
	known := true
	for _, r := range all {
		t.Opening += r.Total.Opening
		t.Received += r.Total.Received
		t.Closing += r.Total.Closing
		t.Flags |= r.Total.Flags &^ (model.FlagNoBase | model.FlagNoSales)
		if r.Total.Known {
			t.Sold += r.Total.Sold
		} else {
			known = false
		}
	}
	t.Known = known && len(all) > 0
	if base := t.Opening + t.Received; t.Known && base > 0 {
		r := model.ComputeSellThrough(model.SellInput{Opening: t.Opening, Received: t.Received, Closing: t.Closing,
			HasOpening: true, HasClosing: true, InOpening: true, InClosing: true})
		t.RateBP, t.RateOK = r.RateBP, r.RateOK
	}
	return t
}

// flagText is a row's flags in words, for exports.
func (h *Handler) flagText(l string, f model.SellFlag) string {
	var parts []string
	for _, n := range f.Names() {
		parts = append(parts, h.i18n.T(l, "sell.flag."+n))
	}
	return strings.Join(parts, "; ")
}

func (h *Handler) exportChannelReport(c *fiber.Ctx, format string, d *channelReportPage) error {
	l := lang(c)
	figures := func(s model.SellThrough) []string {
		sold, rate, days := "", "", ""
		if s.Known {
			sold = s.Sold.String()
		}
		if s.RateOK {
			rate = model.FormatRate(s.RateBP)
		}
		if s.DaysOK {
			days = model.FormatTenths(s.DaysTenths)
		}
		return []string{s.Opening.String(), s.Received.String(), s.Closing.String(), sold, rate, days, h.flagText(l, s.Flags)}
	}
	tail := []exportCol{
		{"rep.opening", colNumber}, {"rep.received", colNumber}, {"rep.closing", colNumber}, {"rep.sold", colNumber},
		{"rep.rate", colPercent}, {"rep.days", colNumber}, {"rep.flags", colText},
	}
	var rows [][]string
	if d.Report != nil {
		for _, r := range d.Report.Rows {
			rows = append(rows, append([]string{r.Code, r.Name, r.Spec, r.Unit}, figures(r.SellThrough)...))
		}
		rows = append(rows, append([]string{h.i18n.T(l, "rep.total"), "", "", ""}, figures(d.Report.Total)...))
		return h.export(c, format, "channel-sales-"+d.Report.Customer.Code+"-"+d.From+"-"+d.To,
			append([]exportCol{
				{"ch.product_code", colText}, {"ch.product_name", colText}, {"ch.spec", colText}, {"ch.unit", colText},
			}, tail...), rows)
	}
	for _, r := range d.All {
		open, closing := "", ""
		if r.Opening != nil {
			open = r.Opening.Date
		}
		if r.Closing != nil {
			closing = r.Closing.Date
		}
		rows = append(rows, append([]string{r.Customer.Code, r.Customer.Name, open, closing}, figures(r.Total)...))
	}
	rows = append(rows, append([]string{h.i18n.T(l, "rep.total"), "", "", ""}, figures(d.Total)...))
	return h.export(c, format, "channel-sales-"+d.From+"-"+d.To,
		append([]exportCol{
			{"ch.customer_code", colText}, {"ch.customer", colText}, {"rep.opening_date", colDate},
			{"rep.closing_date", colDate},
		}, tail...), rows)
}

// chartBar is one bar of the sell-through chart: its label, the base
// (opening + received) split into sold and the rest, and the rate.
type chartBar struct {
	Label     string
	Href      string
	Base      model.Qty
	Sold      model.Qty
	Rate      string
	Known     bool
	Warning   bool
	Negative  bool
	SortValue model.Qty
}

// maxChartBars keeps the chart readable on a phone: the largest bars only.
const maxChartBars = 15

func barOf(label, href string, s model.SellThrough) chartBar {
	b := chartBar{Label: label, Href: href, Base: s.Opening + s.Received, Sold: s.Sold, Known: s.Known && s.RateOK,
		Warning: s.Flags.Warning(), Negative: s.Known && s.Sold < 0}
	if b.Known {
		b.Rate = model.FormatRate(s.RateBP)
	}
	b.SortValue = b.Base
	return b
}

func productBars(rows []store.ChannelReportRow) []chartBar {
	out := make([]chartBar, 0, len(rows))
	for _, r := range rows {
		out = append(out, barOf(r.Code+" "+r.Name, "", r.SellThrough))
	}
	return out
}

func customerBars(all []*store.ChannelReport) []chartBar {
	out := make([]chartBar, 0, len(all))
	for _, r := range all {
		out = append(out, barOf(r.Customer.Code+" "+r.Customer.Name, "/channel-report?customer="+r.Customer.Code+"&from="+r.From+"&to="+r.To, r.Total))
	}
	return out
}

// sellThroughChart draws the bars as an SVG that scales to its container
// (viewBox, width 100%): per bar a label line, then a bar whose length is its
// base (opening + received) relative to the largest, filled for the part
// sold. Labels sit above the bars, so long product names never squeeze them
// on a narrow screen. Colour is never the only signal: the rate (or "?")
// and a ⚠ mark are written as text too.
func (h *Handler) sellThroughChart(l string, bars []chartBar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	sort.SliceStable(bars, func(i, j int) bool { return bars[i].SortValue > bars[j].SortValue })
	more := 0
	if len(bars) > maxChartBars {
		more = len(bars) - maxChartBars
		bars = bars[:maxChartBars]
	}
	var maxBase model.Qty
	for _, b := range bars {
		maxBase = max(maxBase, b.Base, b.Base-b.Sold)
	}
	const (
		width  = 360.0
		left   = 4.0
		barW   = width - 2*left
		rowH   = 40.0
		barH   = 12.0
		labelY = 14.0
		barY   = 20.0
	)
	height := rowH*float64(len(bars)) + 24
	if more > 0 {
		height += 16
	}
	esc := template.HTMLEscapeString
	var b strings.Builder
	title := h.i18n.T(l, "rep.chart_title")
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif" font-size="13">`, width, height)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, esc(title))
	for i, bar := range bars {
		y := rowH * float64(i)
		label := bar.Label
		if r := []rune(label); len(r) > 30 {
			label = string(r[:29]) + "…"
		}
		rate := bar.Rate
		if !bar.Known {
			rate = "?"
		}
		if bar.Warning {
			rate = "⚠ " + rate
		}
		fmt.Fprintf(&b, `<g><text x="%.0f" y="%.1f" fill="#1f2933">%s</text>`, left, y+labelY, esc(label))
		rateFill := "#1f2933"
		if bar.Negative || bar.Warning {
			rateFill = "#b42318"
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="%s" font-weight="600">%s</text>`, width-left, y+labelY, rateFill, esc(rate))
		// The track, the base and the sold part.
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" rx="2" fill="#eef1f5"/>`, left, y+barY, barW, barH)
		if maxBase > 0 {
			base := float64(bar.Base) / float64(maxBase) * barW
			if base > 0 {
				fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" rx="2" fill="#b9d3ee"/>`, left, y+barY, base, barH)
			}
			if bar.Known && bar.Sold > 0 && bar.Base > 0 {
				sold := float64(min(bar.Sold, bar.Base)) / float64(maxBase) * barW
				fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" rx="2" fill="#1d5fa8"/>`, left, y+barY, sold, barH)
			}
			if bar.Negative {
				fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" fill="none" stroke="#b42318" stroke-width="1.5" stroke-dasharray="3 2"/>`, left, y+barY, barW, barH)
			}
		}
		b.WriteString(`</g>`)
	}
	y := rowH*float64(len(bars)) + 8
	// Legend.
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="#1d5fa8"/><text x="%.0f" y="%.0f" fill="#52606d">%s</text>`, left, y, left+14, y+9, esc(h.i18n.T(l, "rep.legend_sold")))
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="#b9d3ee"/><text x="%.0f" y="%.0f" fill="#52606d">%s</text>`, left+120, y, left+134, y+9, esc(h.i18n.T(l, "rep.legend_left")))
	if more > 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="#52606d">%s</text>`, left, y+26, esc(h.i18n.T(l, "rep.chart_more", "n", more)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
