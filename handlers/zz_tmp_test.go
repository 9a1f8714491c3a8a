package handlers

import (
	"fmt"
	"regexp"
	"testing"
)

func TestTmpKeys(t *testing.T) {
	e := newTestEnv(t)
	orderingFixture(t, e)
	shippingFixture(t, e)
	so, rn := e.id("ship.so:C1"), e.id("ship.rn:C1")
	re := regexp.MustCompile(`⟦[^⟧]*⟧|executing "[^"]*"[^<]{0,200}|<no value>`)
	for _, u := range []string{"admin", "c1.buyer"} {
		c := e.login(u)
		for _, p := range []string{"/delivery-notices/new?so=" + so, "/outbounds/new?rn=" + rn, "/tracking/sales-orders/" + so, "/delivery-notices", "/reports/sales-order-execution", "/returns/new?so=" + so, "/"} {
			r := c.get(p)
			seen := map[string]bool{}
			for _, m := range re.FindAllString(r.Body, -1) {
				if !seen[m] {
					seen[m] = true
					fmt.Println(u, p, r.Code, m)
				}
			}
		}
	}
}
