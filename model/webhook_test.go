package model

import (
	"testing"
	"time"
)

func TestWebhookBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{
		1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 8: 1280 * time.Second,
		9: 30 * time.Minute, 10: 30 * time.Minute, 1000: 30 * time.Minute,
	} {
		if got := WebhookBackoff(n); got != want {
			t.Errorf("WebhookBackoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestWebhookFailWindow(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		first    time.Time // zero: this is the first attempt
		at       time.Time
		attempts int
		dead     bool
		next     time.Time
	}{
		{"first failure", time.Time{}, t0, 0, false, t0.Add(10 * time.Second)},
		{"third failure", t0, t0.Add(30 * time.Second), 2, false, t0.Add(70 * time.Second)},
		{"capped at 30 minutes", t0, t0.Add(5 * time.Hour), 20, false, t0.Add(5*time.Hour + 30*time.Minute)},
		{"last retry at the window's end", t0, t0.Add(23*time.Hour + 50*time.Minute), 60, false, t0.Add(24 * time.Hour)},
		{"failure at the end: dead", t0, t0.Add(24 * time.Hour), 61, true, time.Time{}},
		{"failure after the end: dead", t0, t0.Add(30 * time.Hour), 61, true, time.Time{}},
	} {
		d := &WebhookDelivery{Status: WebhookPending, FirstTry: c.first, Attempts: c.attempts, Sending: true}
		dead := d.Fail(c.at, WebhookRefused, 0)
		if dead != c.dead || !d.NextTry.Equal(c.next) || d.Attempts != c.attempts+1 || d.Sending || d.LastError != WebhookRefused {
			t.Errorf("%s: dead %v next %s attempts %d %+v", c.name, dead, d.NextTry, d.Attempts, d)
		}
		if c.dead != (d.Status == WebhookDead) {
			t.Errorf("%s: status %s", c.name, d.Status)
		}
	}
}

func TestWebhookSucceedAndResend(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	d := &WebhookDelivery{Status: WebhookPending, NextTry: t0}
	if err := d.Resend(t0, "admin"); err != ErrNotAllowed {
		t.Fatalf("resend pending: %v", err)
	}
	d.Fail(t0, WebhookTimedOut, 0)
	d.Succeed(t0.Add(time.Minute), 204)
	if d.Status != WebhookDelivered || d.Attempts != 2 || d.LastError != "" || d.LastStatus != 204 || !d.NextTry.IsZero() || !d.DeliveredAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("delivered: %+v", d)
	}
	d.Abandon(t0, WebhookScope)
	if err := d.Resend(t0.Add(time.Hour), "admin"); err != nil || d.Status != WebhookPending || d.Attempts != 0 || !d.FirstTry.IsZero() || d.ResentBy != "admin" {
		t.Fatalf("resent: %v %+v", err, d)
	}
	if d.WebhookID() != "whd_0" {
		t.Fatalf("id %s", d.WebhookID())
	}
}
