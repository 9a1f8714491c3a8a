// Command erp-sync is an example ERP connector for the dealer portal's
// integration API: a starting point for an integrator, meant to be read.
//
// It pushes the ERP's export (CSV files) into the portal, then follows the
// portal's event feed and prints the dealers' new online orders:
//
//	erp-sync -url https://portal.example.com -token dpt_… -dir ./export
//	erp-sync -follow                  (PORTAL_URL and PORTAL_TOKEN from the environment)
//
// The push (sync.go): products and customers as bulk upserts by the ERP's
// own ids, then each open invoice as the chain sales order → outbound →
// invoice. Running it again changes nothing: every record answers
// "unchanged". The feed (feed.go): events from the client's acknowledged
// position, each page acknowledged once handled; -follow keeps polling.
// The HTTP side (client.go): the token, problem+json errors, retries on
// 429 and transient failures.
//
// It needs only the standard library. The token comes from the portal's
// admin (Settings → API clients) with the grants products:write,
// customers:write, orders:write, finance:write and events:read.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "erp-sync:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only wires it to the process (the test
// calls it directly).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("erp-sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	portalURL := fs.String("url", os.Getenv("PORTAL_URL"), "the portal's address, e.g. https://portal.example.com (PORTAL_URL)")
	token := fs.String("token", os.Getenv("PORTAL_TOKEN"), "the API token, dpt_… (PORTAL_TOKEN)")
	dir := fs.String("dir", "", "folder with products.csv, customers.csv and open_invoices.csv to push; empty: push nothing")
	follow := fs.Bool("follow", false, "keep following the event feed; without it, the feed is read until drained")
	poll := fs.Duration("poll", 10*time.Second, "how long to wait between reads of a drained feed, with -follow")
	lang := fs.String("lang", "zh-CN", "language of the portal's error messages: zh-CN or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *portalURL == "" || *token == "" {
		fs.Usage()
		return errors.New("the portal's URL and a token are required (-url, -token or PORTAL_URL, PORTAL_TOKEN)")
	}
	if u, err := url.Parse(*portalURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q: want the portal's address, such as https://portal.example.com", *portalURL)
	}
	c := newClient(*portalURL, *token, *lang, stdout)

	// GET /me answers for any valid token: the way to test one before
	// doing anything. A 401 here means an unknown, expired or revoked
	// token; a 403 an address the client's allow-list refuses.
	var me struct {
		Client string   `json:"client"`
		Scopes []string `json:"scopes"`
	}
	if _, err := c.get(ctx, "/me", &me); err != nil {
		return fmt.Errorf("check the token: %w", err)
	}
	fmt.Fprintf(stdout, "connected to %s as API client %q %v\n", *portalURL, me.Client, me.Scopes)

	failed := 0
	if *dir != "" {
		s, err := syncDir(ctx, c, *dir, stdout)
		if err != nil {
			return err
		}
		failed = s.failed()
	}
	f := &follower{c: c, out: stdout, follow: *follow, poll: *poll, limit: 100}
	if err := f.run(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	if failed > 0 {
		// A non-zero exit status tells the scheduler (cron, systemd) to
		// look at the output.
		return fmt.Errorf("%d records failed", failed)
	}
	return nil
}
