package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"dealerportal/model"
)

// SMSSender sends one text message to one mobile number.
type SMSSender interface {
	Send(ctx context.Context, s *model.MessagingSettings, phone, text string) error
}

// Gateway sends SMS through the configured HTTP gateway: one request per
// message, its URL and body rendered from the settings' templates with
// {{.phone}} and {{.text}}, its headers from the settings. Generic enough for
// the HTTP APIs of Chinese SMS providers that take a key in a header, the
// query or the body (providers that want a signature per request are reached
// through a small relay).
type Gateway struct {
	// Client sends the requests (a 15 s timeout when nil).
	Client *http.Client
}

// Send makes the request; anything but a 2xx answer (containing the
// success marker when one is set) is an error with the answer's beginning.
// A request that gets no answer at all is a *TransportError. Every error
// carries its kind (a *SendError).
func (g *Gateway) Send(ctx context.Context, s *model.MessagingSettings, phone, text string) error {
	if !s.SMSReady() {
		return &SendError{model.SendErrConfig, errors.New("sms: no gateway configured")}
	}
	vals := map[string]string{"phone": phone, "text": text}
	url, err := model.RenderTemplate(s.SMSURL, vals)
	if err != nil {
		return &SendError{model.SendErrConfig, err}
	}
	body, err := model.RenderTemplate(s.SMSBody, vals)
	if err != nil {
		return &SendError{model.SendErrConfig, err}
	}
	method := s.SMSMethod
	if method == "" {
		method = http.MethodPost
	}
	var rd io.Reader
	if method != http.MethodGet && body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSpace(url), rd)
	if err != nil {
		return &SendError{model.SendErrConfig, fmt.Errorf("sms: request: %w", err)}
	}
	for _, line := range strings.Split(s.SMSHeaders, "\n") {
		if name, value, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.TrimSpace(name) != "" {
			req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
	}
	if rd != nil && req.Header.Get("Content-Type") == "" {
		if strings.HasPrefix(strings.TrimSpace(body), "{") {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return &TransportError{sendErr(model.SendErrConnect, fmt.Errorf("sms: %w", err))}
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	snippet := strings.TrimSpace(string(answer))
	if r := []rune(snippet); len(r) > 200 {
		snippet = string(r[:200]) + "…"
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &SendError{model.SendErrGateway, fmt.Errorf("sms: gateway answered %d: %s", res.StatusCode, snippet)}
	}
	if s.SMSSuccess != "" && !strings.Contains(string(answer), s.SMSSuccess) {
		return &SendError{model.SendErrGateway, fmt.Errorf("sms: gateway answer lacks %q: %s", s.SMSSuccess, snippet)}
	}
	return nil
}
