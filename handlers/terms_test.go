package handlers

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// One term for each thing, in both languages: the glossary of docs/DESIGN.md
// ("Words and terms"), as the tests hold the catalogs to it.

// forbiddenTerms are variants the Chinese catalog must not use, with the
// term to write instead.
var forbiddenTerms = map[string]string{
	"串货":   "窜货",
	"商品代码": "商品编码",
	"客户代码": "客户编码",
	"网上订单": "网上订货单",
	"退货申请": "网上退货单",
	"物料编码": "商品编码",
}

// glossary pairs an English term with its Chinese term: a catalog text
// whose English says the one says the other in Chinese.
var glossary = []struct {
	en *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`(?i)\bproduct codes?\b`), "商品编码"},
	{regexp.MustCompile(`(?i)\bcustomer codes?\b`), "客户编码"},
	{regexp.MustCompile(`(?i)\bcross-territory\b`), "窜货"},
	{regexp.MustCompile(`(?i)\bonline orders?\b`), "网上订货单"},
	{regexp.MustCompile(`(?i)\bonline returns?\b`), "网上退货单"},
	{regexp.MustCompile(`(?i)\bdelivery notices?\b`), "发货通知单"},
	{regexp.MustCompile(`(?i)\bsales outbounds?\b`), "销售出库单"},
	{regexp.MustCompile(`(?i)\breturn notices?\b`), "退货通知单"},
	{regexp.MustCompile(`(?i)\bsales orders?\b`), "销售订单"},
	{regexp.MustCompile(`(?i)\bsales invoices?\b`), "销售发票"},
	{regexp.MustCompile(`(?i)\badvance receipts?\b`), "预收单"},
	{regexp.MustCompile(`(?i)\breceivable refunds?\b`), "应收退款单"},
	{regexp.MustCompile(`(?i)\bwrite-offs?\b`), "核销"},
	{regexp.MustCompile(`(?i)\bstatements?\b`), "对账单"},
	{regexp.MustCompile(`(?i)\bstocktakes?\b`), "盘点"},
	{regexp.MustCompile(`(?i)\bopportunity reports?\b`), "商机报备"},
	{regexp.MustCompile(`(?i)\bservice requests?\b`), "服务请求"},
	{regexp.MustCompile(`(?i)\bchange requests?\b`), "变更申请"},
}

// TestCatalogTerms fails on a forbidden variant in the Chinese catalog, and
// on a text whose English names a glossary term that its Chinese does not.
func TestCatalogTerms(t *testing.T) {
	for _, p := range termProblems(shippedCatalog(t)) {
		t.Error(p)
	}
}

// TestTermProblemsFound: the check finds a variant and a missing term.
func TestTermProblemsFound(t *testing.T) {
	i, err := testCatalog(t, `{
  "a": {"en": "Complaint", "zh": "串货投诉"},
  "b": {"en": "Unknown product code", "zh": "编码不存在"},
  "c": {"en": "Customer code", "zh": "客户编码"}
}`)
	if err != nil {
		t.Fatal(err)
	}
	got := termProblems(i)
	if len(got) != 2 || !strings.Contains(got[0], "窜货") || !strings.Contains(got[1], "商品编码") {
		t.Errorf("problems: %q", got)
	}
}

// termProblems lists the catalog's departures from the glossary, by key.
func termProblems(i *I18n) []string {
	var out []string
	walkCatalog(i, func(k, en, zh string) {
		for bad, good := range forbiddenTerms {
			if strings.Contains(zh, bad) {
				out = append(out, fmt.Sprintf("%s: %q uses %s: write %s", k, zh, bad, good))
			}
		}
		for _, g := range glossary {
			if g.en.MatchString(en) && !strings.Contains(zh, g.zh) {
				out = append(out, fmt.Sprintf("%s: %q says %q, but %q does not say %s", k, en, g.en.FindString(en), zh, g.zh))
			}
		}
	})
	return out
}
