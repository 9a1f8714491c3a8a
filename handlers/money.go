package handlers

import (
	"html"
	"html/template"
	"regexp"

	"dealerportal/model"
)

// How amounts are shown on screen: one formatting (model.Money.Format,
// "−¥2,240.00" for a negative amount) with negatives marked for the red
// of app.css. Exports keep Plain numbers (see list.go).

// Money shows an amount as model.Money.Format does ("¥1,234.50",
// "−¥2,240.00"); a negative one in <span class="neg"> (red, app.css). The
// text is escaped here (the symbol is an admin's input); in an attribute
// html/template drops the tags, and T takes it as its text. MoneyText is
// the plain string, for where HTML cannot go.
func (v *View) Money(m model.Money) template.HTML {
	s := template.HTMLEscapeString(v.Settings.Money(m))
	if m < 0 {
		return template.HTML(`<span class="neg">` + s + `</span>`)
	}
	return template.HTML(s)
}

// MoneyText is Money as a plain string ("−¥2,240.00"), never marked up.
func (v *View) MoneyText(m model.Money) string { return v.Settings.Money(m) }

var tagRe = regexp.MustCompile(`<[^>]*>`)

// htmlText is the text of a small piece of HTML made here (Money's span):
// its tags dropped, its entities decoded.
func htmlText(h template.HTML) string {
	return html.UnescapeString(tagRe.ReplaceAllString(string(h), ""))
}
