package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"dealerportal/model"
	"dealerportal/store"
)

// BenchmarkAPIBulkProducts measures one bulk upsert of 1,000 products
// through the whole stack (token, decoding, one transaction per record
// committed in batches, the answer) on a real bbolt file: records that
// are new, records that all change, and records already as sent (nothing
// written). products/s is the throughput of one client.
func BenchmarkAPIBulkProducts(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "portal.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	h, err := New(st, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	app := h.App()
	var token string
	err = st.Update("admin", func(t *store.Tx) error {
		cl := &model.APIClient{Name: "bench", Scopes: []model.APIScope{"products:write"}, RateLimit: model.APIRateMax}
		if err := t.SaveAPIClient(cl); err != nil {
			return err
		}
		token, _, err = t.IssueAPIToken(cl.ID, t.Now.AddDate(1, 0, 0))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	body := func(prefix string, price int) []byte {
		items := make([]map[string]any, APIBulkMax)
		for i := range items {
			items[i] = map[string]any{"external_id": fmt.Sprintf("%s-%04d", prefix, i), "name": "伺服电机 " + prefix, "spec": "SV-750",
				"unit": "台", "list_price": price + i, "tax_rate": 1300, "weight": 2.5, "active": true}
		}
		data, err := json.Marshal(map[string]any{"items": items})
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	post := func(data []byte, want string) {
		req := httptest.NewRequest("POST", APIPrefix+"/products/bulk", bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := app.Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var r apiBulkResult
		if res.StatusCode != 200 || json.Unmarshal(out, &r) != nil || r.Failed != 0 ||
			want == outcomeCreated && r.Created != APIBulkMax || want == outcomeUpdated && r.Updated != APIBulkMax ||
			want == outcomeUnchanged && r.Unchanged != APIBulkMax {
			b.Fatalf("bulk: %d %.300s", res.StatusCode, out)
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N*APIBulkMax)/b.Elapsed().Seconds(), "products/s")
	}
	b.Run("created", func(b *testing.B) {
		n := 0
		for b.Loop() {
			b.StopTimer()
			data := body(fmt.Sprintf("N%d", n), 1000)
			n++
			b.StartTimer()
			post(data, outcomeCreated)
		}
		report(b)
	})
	b.Run("updated", func(b *testing.B) {
		post(body("U", 1000), outcomeCreated)
		n := 0
		for b.Loop() {
			b.StopTimer()
			n++
			data := body("U", 1000+n*APIBulkMax)
			b.StartTimer()
			post(data, outcomeUpdated)
		}
		report(b)
	})
	b.Run("unchanged", func(b *testing.B) {
		data := body("S", 1000)
		post(data, outcomeCreated)
		for b.Loop() {
			post(data, outcomeUnchanged)
		}
		report(b)
	})
}
