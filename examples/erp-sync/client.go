package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// client calls the portal's API (https://<portal>/api/v1). Every call
// carries the token as a bearer token and the language in which the portal
// words its error messages, and every call shares one retry policy.
//
// Retrying is safe for every call this program makes, which is why the
// policy can retry a POST whose answer was lost:
//   - master data goes in as upserts: the same payload again writes
//     nothing and answers "unchanged";
//   - documents carry the ERP's document number as external_id, which the
//     portal treats as permanent idempotency: the same number again
//     answers the document made the first time, never a second one;
//   - acknowledging the event feed up to a cursor twice changes nothing.
//
// (A program that pushes documents without an external id would send an
// Idempotency-Key header instead, which the portal honours for 48 hours.)
type client struct {
	base  string // the portal's URL with /api/v1, without a trailing slash
	token string // dpt_…, issued by the portal's admin
	lang  string // Accept-Language: zh-CN or en
	http  *http.Client
	// attempts bounds how often one call is tried in all; backoff is the
	// first wait after a transient failure, doubled each time up to
	// maxBackoff. A 429 waits what its Retry-After header says instead.
	attempts   int
	backoff    time.Duration
	maxBackoff time.Duration
	// notes receives a line for each retry, so that an operator sees why a
	// run is slow.
	notes io.Writer
}

func newClient(portalURL, token, lang string, notes io.Writer) *client {
	return &client{
		base:       strings.TrimSuffix(portalURL, "/") + "/api/v1",
		token:      token,
		lang:       lang,
		http:       &http.Client{Timeout: 60 * time.Second},
		attempts:   6,
		backoff:    500 * time.Millisecond,
		maxBackoff: 30 * time.Second,
		notes:      notes,
	}
}

// problem is the portal's error answer: an RFC 9457 problem document
// (Content-Type application/problem+json), worded in the language the
// request asked for with the same messages as the portal's own forms.
// Code and each field's Code are stable keys for programs; Field is the
// JSON path of the offending value in the request ("lines[2].qty",
// "items[7].unit").
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Instance  string       `json:"instance"`
	Code      string       `json:"code"`
	RequestID string       `json:"request_id"`
	Errors    []fieldError `json:"errors"`
}

// fieldError is one invalid field of a request.
type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e fieldError) String() string {
	if e.Field == "" {
		return fmt.Sprintf("%s (%s)", e.Message, e.Code)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code)
}

// Error puts the problem on one line: status, title, detail, and each
// field's message.
func (p *problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", p.Status, p.Title)
	if p.Detail != "" && p.Detail != p.Title {
		fmt.Fprintf(&b, ": %s", p.Detail)
	}
	if p.Code != "" {
		fmt.Fprintf(&b, " (%s)", p.Code)
	}
	for _, f := range p.Errors {
		fmt.Fprintf(&b, "; %s", f)
	}
	if p.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", p.RequestID)
	}
	return b.String()
}

// asProblem returns the problem behind err, if the portal answered with one.
func asProblem(err error) (*problem, bool) {
	var p *problem
	ok := errors.As(err, &p)
	return p, ok
}

// isStatus reports whether err is the portal's answer with that status.
func isStatus(err error, status int) bool {
	p, ok := asProblem(err)
	return ok && p.Status == status
}

// get reads path (below /api/v1, with its query) into out.
func (c *client) get(ctx context.Context, path string, out any) (int, error) {
	return c.call(ctx, http.MethodGet, path, nil, out)
}

// post sends body as JSON and decodes the answer into out; it returns the
// status, which tells a document that was made (201) from one that was
// there already (200).
func (c *client) post(ctx context.Context, path string, body, out any) (int, error) {
	return c.call(ctx, http.MethodPost, path, body, out)
}

// call sends one request, retrying what is worth retrying: a 429 after the
// Retry-After the portal names, and transient failures (the network, a
// proxy's 502/503/504) with exponential backoff. Any other answer is final:
// a 2xx is decoded into out, an error becomes a *problem.
func (c *client) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	wait := c.backoff
	for attempt := 1; ; attempt++ {
		status, retryAfter, err := c.once(ctx, method, path, payload, out)
		if err == nil || ctx.Err() != nil {
			return status, err
		}
		var pause time.Duration
		switch {
		case status == http.StatusTooManyRequests:
			// The client's rate limit (requests a second, set by the admin)
			// is spent; the portal says when a request will pass again.
			pause = retryAfter
		case transient(status, err):
			pause = wait + rand.N(wait/2+1) // jitter: clients that failed together do not retry together
			wait = min(2*wait, c.maxBackoff)
		default:
			return status, err
		}
		if attempt >= c.attempts {
			return status, fmt.Errorf("%s %s: giving up after %d attempts: %w", method, path, attempt, err)
		}
		fmt.Fprintf(c.notes, "  … %s %s: %v; retrying in %s\n", method, path, err, pause.Round(time.Millisecond))
		if err := sleep(ctx, pause); err != nil {
			return status, err
		}
	}
}

// transient reports whether a failure may pass by itself: no answer at all
// (refused, reset, timed out), or a gateway's answer while the portal
// restarts. A 500 is not retried: it would fail again the same way.
func transient(status int, err error) bool {
	if status == 0 {
		return !errors.Is(err, errPermanent)
	}
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// errPermanent marks a failure no retry can help: a request that cannot be
// built, an answer that cannot be read.
var errPermanent = errors.New("permanent failure")

// once sends the request a single time. It returns the status (0 when no
// answer came), the wait a 429 asks for, and the error.
func (c *client) once(ctx context.Context, method, path string, payload []byte, out any) (int, time.Duration, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", c.lang)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return resp.StatusCode, 0, fmt.Errorf("%w: %s %s: unreadable answer: %v", errPermanent, method, path, err)
			}
		}
		return resp.StatusCode, 0, nil
	}
	p := &problem{}
	if json.Unmarshal(data, p) != nil || p.Status == 0 {
		// Not the portal's problem document: a proxy in front of it
		// answered (its HTML error page, say).
		p = &problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), Detail: snippet(data)}
	}
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After")), p
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. The
// portal sends whole seconds; without a usable header, one second.
func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return max(time.Duration(n)*time.Second, 100*time.Millisecond)
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return time.Second
}

// snippet shortens a body that is not JSON for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

// sleep waits d, or less when ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
