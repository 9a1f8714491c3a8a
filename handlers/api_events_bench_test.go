package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"dealerportal/model"
	"dealerportal/store"
	"golang.org/x/crypto/bcrypt"
)

// feedBenchEvents is the number of pending events the feed benchmark reads.
const feedBenchEvents = 100_000

// BenchmarkAPIEventFeed reads pages of the event feed while 100,000 events
// are pending (not acknowledged), through the HTTP API as an ERP would:
// from the start, from the middle, at the end, and as a client scoped to
// one of two regions (figures in docs/api/events.md, Performance):
//
//	go test ./handlers -run '^$' -bench APIEventFeed -benchtime 2s
func BenchmarkAPIEventFeed(b *testing.B) {
	store.BcryptCost = bcrypt.MinCost
	st, err := store.Open(filepath.Join(b.TempDir(), "feed.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// Two regions of 50 customers each; events alternate between them.
	var custs []uint64
	var allTok, eastTok string
	err = st.Update("bench", func(tx *store.Tx) error {
		hq := &model.OrgUnit{Code: "HQ", Name: "总部"}
		if err := tx.SaveOrgUnit(hq); err != nil {
			return err
		}
		var regions []uint64
		for _, code := range []string{"EAST", "SOUTH"} {
			o := &model.OrgUnit{Code: code, Name: code, ParentID: hq.ID}
			if err := tx.SaveOrgUnit(o); err != nil {
				return err
			}
			regions = append(regions, o.ID)
		}
		for i := range 100 {
			c := &model.Customer{Code: "C" + strconv.Itoa(1000+i), Name: "客户" + strconv.Itoa(i), OrgUnitID: regions[i%2], Status: model.CustomerActive}
			if err := tx.SaveCustomer(store.AdminScope(), c); err != nil {
				return err
			}
			custs = append(custs, c.ID)
		}
		for _, cl := range []*model.APIClient{
			{Name: "erp", Scopes: []model.APIScope{"events:read"}, RateLimit: model.APIRateMax},
			{Name: "east-erp", Scopes: []model.APIScope{"events:read"}, RateLimit: model.APIRateMax, OrgUnits: []uint64{regions[0]}},
		} {
			if err := tx.SaveAPIClient(cl); err != nil {
				return err
			}
			tok, _, err := tx.IssueAPIToken(cl.ID, tx.Now.AddDate(1, 0, 0))
			if err != nil {
				return err
			}
			if cl.OrgUnits == nil {
				allTok = tok
			} else {
				eastTok = tok
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	before := st.Size()
	const perTx = 10_000
	for n := 0; n < feedBenchEvents; n += perTx {
		err := st.Update("c.buyer", func(tx *store.Tx) error {
			for i := n; i < n+perTx; i++ {
				ev := &model.FeedEvent{Event: model.EventOrderSubmitted, CustomerID: custs[i%len(custs)], DocType: model.DocOnlineOrder,
					DocID: uint64(i + 1), DocNumber: "OO-2026-" + strconv.Itoa(100000+i),
					Params: map[string]string{"amount": "¥1,234.00", "link": "/online-orders/" + strconv.Itoa(i+1)}}
				if err := tx.AppendFeedEvent(ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	bytesPerEvent := float64(st.Size()-before) / feedBenchEvents
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	app := h.App()
	read := func(b *testing.B, tok, query string) int {
		req := httptest.NewRequest("GET", "http://portal.test"+APIPrefix+"/events"+query, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := app.Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("%s: %d %s", query, res.StatusCode, body)
		}
		var p apiFeedPage
		if err := json.Unmarshal(body, &p); err != nil {
			b.Fatal(err)
		}
		return len(p.Events)
	}
	for _, bc := range []struct {
		name, tok, query string
	}{
		{"all/start/100", allTok, "?limit=100"},
		{"all/start/500", allTok, "?limit=500"},
		{"all/middle/100", allTok, "?limit=100&after=" + feedCursor(feedBenchEvents/2)},
		{"all/end/100", allTok, "?limit=100&after=" + feedCursor(feedBenchEvents-100)},
		{"east/start/100", eastTok, "?limit=100"},
		{"east/middle/500", eastTok, "?limit=500&after=" + feedCursor(feedBenchEvents/2)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			events := 0
			start := time.Now()
			for b.Loop() {
				events += read(b, bc.tok, bc.query)
			}
			b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(bytesPerEvent, "B/event")
		})
	}
}
