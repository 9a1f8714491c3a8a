package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// The integration API (集成接口, SPEC §6): JSON under /api/v1 for the
// enterprise's ERP. Every operation is one apiOp: the route, the grant it
// needs and its OpenAPI description come from the same value, so that the
// served document (/api/v1/openapi.json) cannot drift from the router.
// Calls authenticate with a client's bearer token, pass the client's IP
// allow-list and rate limit, and reach data only through the client's
// store.Scope, exactly as a staff member's pages do.

// APIPrefix is where the API is served.
const APIPrefix = "/api/v1"

// APIBodyLimit bounds one API request body: a bulk request of the largest
// size fits with room to spare.
const APIBodyLimit = 4 << 20

// APIBulkMax is the most records one bulk request may carry.
const APIBulkMax = 1000

// isAPIPath reports whether a request belongs to the API (and gets its
// errors as problem+json).
func isAPIPath(p string) bool { return p == APIPrefix || strings.HasPrefix(p, APIPrefix+"/") }

// apiOp is one operation of the API.
type apiOp struct {
	Method string
	// Path is the Fiber pattern under APIPrefix ("/products/:external_id").
	Path    string
	ID      string // operationId
	Tag     string
	Summary string
	// Doc is the longer description (Markdown) in the OpenAPI document.
	Doc    string
	Family model.APIFamily
	Write  bool
	// Public operations need no token (the OpenAPI document itself).
	Public bool
	// AnyScope operations need a valid token but no particular grant.
	AnyScope bool
	// Body is the request body's type (a pointer to a zero value), nil when
	// the operation takes none; Result is the success response's type.
	Body   any
	Result any
	// Status is the success status (200 when zero).
	Status int
	// Query lists the query parameters.
	Query []apiParam
	// Idempotent operations honour an Idempotency-Key header.
	Idempotent bool
	Handle     func(c *fiber.Ctx, a *apiCall) error
}

// apiParam is one query parameter of an operation.
type apiParam struct {
	Name, Type, Doc string
}

// apiCall is what an authenticated call carries: the client, the token
// used, the client's data scope and the user the client acts as.
type apiCall struct {
	Client *model.APIClient
	Token  *model.APIToken
	Scope  store.Scope
	Actor  *model.User
	Lang   string
	op     *apiOp
}

// apiOps lists every operation, by module; each module's list lives in its
// own file.
func (h *Handler) apiOps() []apiOp {
	var ops []apiOp
	for _, list := range [][]apiOp{
		h.apiMetaOps(),
		h.apiProductOps(), h.apiPriceOps(),
		h.apiCustomerOps(),
		h.apiOrderOps(),
		h.apiFinanceOps(),
		h.apiEventOps(), h.apiFeedDocOps(),
	} {
		ops = append(ops, list...)
	}
	return ops
}

// registerAPI mounts every operation. It runs before the session, CSRF and
// login middleware: the API authenticates by token, never by cookie, so a
// browser's session cannot be used against it (and CSRF cannot apply).
func (h *Handler) registerAPI(app *fiber.App) {
	h.api = newAPIState()
	ops := h.apiOps()
	doc, err := buildOpenAPI(ops)
	if err != nil {
		panic(err) // a programming error in an operation's types
	}
	h.api.doc = doc
	g := app.Group(APIPrefix, h.apiBase)
	for i := range ops {
		op := &ops[i]
		g.Add(op.Method, op.Path, h.apiHandler(op))
	}
	// Anything else under the prefix is a problem+json 404, never the
	// HTML pages' login redirect.
	g.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// apiState is the API's in-memory state: the document, the rate limiters
// and the buffered last-use times of tokens.
type apiState struct {
	doc   []byte
	mu    sync.Mutex
	rates map[uint64]*tokenBucket
	uses  map[uint64]model.APIToken
}

func newAPIState() *apiState {
	return &apiState{rates: map[uint64]*tokenBucket{}, uses: map[uint64]model.APIToken{}}
}

// tokenBucket is a client's rate limiter: rate tokens a second, bursts of
// twice the rate.
type tokenBucket struct {
	tokens float64
	last   time.Time
}

// take spends one token and reports how long to wait when none is left.
func (s *apiState) take(clientID uint64, rate int, now time.Time) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.rates[clientID]
	burst := float64(2 * rate)
	if b == nil {
		b = &tokenBucket{tokens: burst, last: now}
		s.rates[clientID] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*float64(rate))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / float64(rate) * float64(time.Second))
}

// used notes a token's use; FlushAPIUses writes the notes.
func (s *apiState) used(tok *model.APIToken, at time.Time, ip string) {
	s.mu.Lock()
	s.uses[tok.ID] = model.APIToken{LastUsedAt: at, LastUsedIP: ip}
	s.mu.Unlock()
}

// lastUse returns the buffered last use of a token not yet written.
func (h *Handler) lastUse(tok *model.APIToken) (time.Time, string) {
	if h.api == nil {
		return tok.LastUsedAt, tok.LastUsedIP
	}
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	if u, ok := h.api.uses[tok.ID]; ok && u.LastUsedAt.After(tok.LastUsedAt) {
		return u.LastUsedAt, u.LastUsedIP
	}
	return tok.LastUsedAt, tok.LastUsedIP
}

// FlushAPIUses writes the buffered last-use times of tokens (a worker does
// it every minute and at shutdown): one small write a minute instead of one
// per call.
func (h *Handler) FlushAPIUses() error {
	if h.api == nil {
		return nil
	}
	h.api.mu.Lock()
	uses := h.api.uses
	h.api.uses = map[uint64]model.APIToken{}
	h.api.mu.Unlock()
	if len(uses) == 0 {
		return nil
	}
	return h.store.Update("system", func(t *store.Tx) error { return t.TouchAPITokens(uses) })
}

// apiBase runs for every request under the prefix: the API's own security
// headers and language.
func (h *Handler) apiBase(c *fiber.Ctx) error {
	c.Locals(localLang, pickLang(c.Get(fiber.HeaderAcceptLanguage)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptLanguage)
	return c.Next()
}

const localAPICall = "apiCall"

// apiHandler authenticates the call, checks the client's grant for the
// operation's family and runs it.
func (h *Handler) apiHandler(op *apiOp) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if op.Public {
			return op.Handle(c, &apiCall{Lang: lang(c), op: op})
		}
		a, err := h.apiAuth(c)
		if err != nil {
			return err
		}
		a.op = op
		if !op.AnyScope && !a.Client.Can(op.Family, op.Write) {
			return apiError(fiber.StatusForbidden, "api.err_scope", "scope", string(model.ScopeOf(op.Family, op.Write)))
		}
		c.Locals(localAPICall, a)
		return op.Handle(c, a)
	}
}

// apiProblem is an error the API answers with its own status and message
// (a catalog key with arguments).
type apiProblem struct {
	Status int
	Key    string
	Args   []any
	// Header is set on the answer (WWW-Authenticate, Retry-After).
	Header [2]string
}

func (p *apiProblem) Error() string { return fmt.Sprintf("api %d %s", p.Status, p.Key) }

func apiError(status int, key string, args ...any) *apiProblem {
	return &apiProblem{Status: status, Key: key, Args: args}
}

// apiAuth resolves the bearer token to its client, and applies the
// client's IP allow-list and rate limit.
func (h *Handler) apiAuth(c *fiber.Ctx) (*apiCall, error) {
	unauth := &apiProblem{Status: fiber.StatusUnauthorized, Key: "api.err_token", Header: [2]string{fiber.HeaderWWWAuthenticate, `Bearer realm="api"`}}
	scheme, secret, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, unauth
	}
	var tok *model.APIToken
	var cl *model.APIClient
	err := h.read(func(t *store.Tx) (err error) {
		tok, cl, err = t.APICaller(strings.TrimSpace(secret))
		return err
	})
	if errors.Is(err, model.ErrNotFound) {
		return nil, unauth
	}
	if err != nil {
		return nil, err
	}
	ip := c.IP()
	if !cl.AllowsIP(ip) {
		return nil, apiError(fiber.StatusForbidden, "api.err_ip_denied", "ip", ip)
	}
	now := h.store.Now()
	if ok, wait := h.api.take(cl.ID, cl.RateLimit, time.Now()); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		return nil, &apiProblem{Status: fiber.StatusTooManyRequests, Key: "api.err_rate", Args: []any{"rate", cl.RateLimit},
			Header: [2]string{fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1))}}
	}
	h.api.used(tok, now, ip)
	return &apiCall{Client: cl, Token: tok, Scope: h.store.APIScope(cl), Actor: store.APIActor(cl), Lang: lang(c)}, nil
}

// problemDoc is an RFC 9457 problem document, with the field errors of an
// invalid request.
type problemDoc struct {
	Type     string         `json:"type" doc:"A URI naming the kind of problem (urn:dealer-portal:problem:<code>)."`
	Title    string         `json:"title" doc:"The kind of problem, in the caller's language."`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty" doc:"What went wrong with this request, in the caller's language."`
	Instance string         `json:"instance,omitempty" doc:"The request path."`
	Code     string         `json:"code" doc:"A stable code for programs: the message catalog key."`
	Errors   []problemField `json:"errors,omitempty" doc:"The invalid fields, each with its reason."`
	Request  string         `json:"request_id,omitempty"`
}

// problemField is one invalid field of a request: its JSON path
// ("lines[2].qty"), a stable code and the message the UI would show.
type problemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiErrorHandler answers every error under the prefix as problem+json in
// the caller's language; no HTML, no stack, no internal detail.
func (h *Handler) apiErrorHandler(c *fiber.Ctx, err error) error {
	l := lang(c)
	p := problemDoc{Status: fiber.StatusInternalServerError, Code: "err.internal", Instance: c.Path(), Request: requestID(c)}
	var ap *apiProblem
	var fe *fiber.Error
	var ce *model.ConflictError
	var se *model.StateError
	var ve *model.ValidationError
	var ir *apiItemRefusal
	switch {
	case errors.As(err, &ir):
		p.Status, p.Code, p.Errors = fiber.StatusUnprocessableEntity, "err.invalid", ir.fields
	case errors.As(err, &ap):
		p.Status, p.Code = ap.Status, ap.Key
		p.Detail = h.i18n.T(l, ap.Key, ap.Args...)
		if ap.Header[0] != "" {
			c.Set(ap.Header[0], ap.Header[1])
		}
	case errors.As(err, &fe):
		p.Status = fe.Code
		switch fe.Code {
		case fiber.StatusNotFound, fiber.StatusMethodNotAllowed:
			p.Status, p.Code = fiber.StatusNotFound, "err.not_found"
		case fiber.StatusRequestEntityTooLarge:
			p.Code = "api.err_too_large"
			p.Detail = h.i18n.T(l, p.Code, "max", APIBodyLimit>>20)
		case fiber.StatusTooManyRequests:
			p.Code = "err.too_many"
		default:
			p.Code = "err.bad_request"
			if fe.Code >= 500 {
				p.Code = "err.internal"
			}
		}
	case errors.Is(err, model.ErrNotFound):
		p.Status, p.Code = fiber.StatusNotFound, "err.not_found"
	case errors.As(err, &se):
		p.Status, p.Code = fiber.StatusConflict, "err.state"
		p.Detail = h.i18n.T(l, "err.state", "action", h.i18n.T(l, "action."+se.Action), "status", h.i18n.T(l, "status."+se.Status))
	case errors.Is(err, model.ErrNotAllowed):
		p.Status, p.Code = fiber.StatusForbidden, "err.forbidden"
	case errors.As(err, &ce):
		p.Status, p.Code = fiber.StatusConflict, "err.conflict"
		p.Detail = h.i18n.T(l, "err.conflict", "by", ce.By, "at", ce.At.In(h.store.Zone()).Format("2006-01-02 15:04"))
	case errors.As(err, &ve):
		p.Status, p.Code = fiber.StatusUnprocessableEntity, "err.invalid"
		p.Errors = h.problemFields(l, ve, "")
	}
	if p.Status >= 500 {
		h.log.Error("api request failed", "req", requestID(c), "path", c.Path(), "err", err)
	}
	p.Type = "urn:dealer-portal:problem:" + strings.TrimPrefix(strings.TrimPrefix(p.Code, "err."), "api.err_")
	p.Title = h.i18n.T(l, problemTitle(p.Status))
	if p.Detail == "" {
		p.Detail = h.i18n.T(l, p.Code)
	}
	h.setSecurityHeaders(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return apiJSON(c, p.Status, "application/problem+json", p)
}

// problemTitle is the catalog key of a status's short title.
func problemTitle(status int) string {
	switch status {
	case 400, 401, 403, 404, 409, 413, 415, 422, 429:
		return "api.status_" + strconv.Itoa(status)
	}
	if status >= 500 {
		return "api.status_500"
	}
	return "api.status_400"
}

// problemFields translates a validation error's fields, each prefixed with
// the path of the record it belongs to ("items[3].").
func (h *Handler) problemFields(l string, ve *model.ValidationError, prefix string) []problemField {
	out := make([]problemField, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		out = append(out, problemField{Field: prefix + f.Field, Code: f.Key, Message: h.i18n.TMap(l, f.Key, f.Args)})
	}
	return out
}

// apiJSON writes v as JSON with the status.
func apiJSON(c *fiber.Ctx, status int, ctype string, v any) error {
	b, err := apiEncode(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ctype)
	return c.Status(status).Send(b)
}

// apiEncode is the API's JSON, for answers and webhook bodies alike: text
// as typed ("<" stays "<": this is JSON, not HTML).
func apiEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// reply answers a successful call with the operation's status.
func (a *apiCall) reply(c *fiber.Ctx, v any) error {
	status := a.op.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	return apiJSON(c, status, fiber.MIMEApplicationJSON, v)
}

// apiRead answers a read: read renders the answer inside one read
// transaction (its error, a 404 for a record out of reach, is the
// answer's).
func apiRead[T any](h *Handler, c *fiber.Ctx, a *apiCall, read func(t *store.Tx) (T, error)) error {
	var out T
	err := h.read(func(t *store.Tx) (err error) {
		out, err = read(t)
		return err
	})
	if err != nil {
		return err
	}
	return a.reply(c, out)
}

// getDoc answers a GET of one document: by the path's id, or by the ERP's
// number of kind (docPathID); read renders it through the client's scope.
// An unknown id or number and a document outside the scope alike are a
// 404.
func getDoc[T any](h *Handler, c *fiber.Ctx, a *apiCall, kind string, read func(t *store.Tx, id uint64) (T, error)) error {
	return apiRead(h, c, a, func(t *store.Tx) (T, error) {
		id, err := docPathID(c, t, kind)
		if err != nil {
			var zero T
			return zero, err
		}
		return read(t, id)
	})
}

// decodeJSON reads the request body into v strictly: JSON only, one value,
// no unknown fields, every type as declared. A malformed body is a 400, a
// body of the wrong shape a 422 naming the field; neither writes anything.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0]))
	if ct != fiber.MIMEApplicationJSON {
		return apiError(fiber.StatusUnsupportedMediaType, "api.err_content_type")
	}
	body := c.Body()
	if len(body) > APIBodyLimit {
		return fiber.ErrRequestEntityTooLarge
	}
	return decodeStrict(body, v)
}

// decodeStrict is decodeJSON's parser, apart so that it can be fuzzed.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return apiError(fiber.StatusBadRequest, "api.err_json_trailing")
		}
		return nil
	}
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return apiError(fiber.StatusBadRequest, "api.err_json", "offset", syn.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return apiError(fiber.StatusBadRequest, "api.err_json_empty")
	}
	// A value of the wrong type or an unknown field: the decoder's message
	// lacks the list indices ("lines.qty"), so find the field again by
	// walking the body beside the type ("lines[2].qty").
	var raw any
	rd := json.NewDecoder(bytes.NewReader(body))
	rd.UseNumber()
	if rd.Decode(&raw) == nil {
		if path, want := misfit(reflect.TypeOf(v), raw, ""); path != "" {
			ve := &model.ValidationError{}
			if want == "" {
				ve.Add(path, "api.err_unknown_field", nil)
			} else {
				ve.Add(path, "api.err_type", map[string]any{"type": want})
			}
			return ve
		}
	}
	return apiError(fiber.StatusBadRequest, "api.err_json", "offset", 0)
}

// misfit finds the first place where the JSON value v does not fit the Go
// type t: its path, and the JSON type wanted there ("" for a field t does
// not have). "" path when it fits.
func misfit(t reflect.Type, v any, path string) (string, string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return "", "" // null leaves the zero value
	}
	at := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch {
	case t == timeType:
		if _, ok := v.(string); !ok {
			return path, "string"
		}
		return "", ""
	case t == numberType:
		switch n := v.(type) {
		case json.Number:
			return "", ""
		case string:
			if _, err := strconv.ParseFloat(n, 64); err == nil {
				return "", ""
			}
		}
		return path, "number"
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return path, "object"
		}
		fields := jsonFields(t)
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			ft, ok := fields[k]
			if !ok {
				return at(k), ""
			}
			if p, want := misfit(ft, obj[k], at(k)); p != "" {
				return p, want
			}
		}
	case reflect.Slice, reflect.Array:
		list, ok := v.([]any)
		if !ok {
			return path, "array"
		}
		for i, e := range list {
			if p, want := misfit(t.Elem(), e, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p, want
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return path, "object"
		}
		for k, e := range obj {
			if p, want := misfit(t.Elem(), e, at(k)); p != "" {
				return p, want
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return path, "string"
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return path, "boolean"
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return path, "integer"
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return path, "integer"
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return path, "integer"
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return path, "integer"
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return path, "number"
		}
	}
	return "", ""
}

// jsonFields maps a struct's JSON names to their types, embedded structs
// flattened as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// bodyHash fingerprints a request body for the idempotency check: the
// same key with another body is refused.
func bodyHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:16])
}

// idempotencyKey returns the request's Idempotency-Key header, checked:
// at most 128 printable characters.
func idempotencyKey(c *fiber.Ctx) (string, error) {
	k := strings.TrimSpace(c.Get("Idempotency-Key"))
	if !model.ValidFormToken(k) {
		return "", apiError(fiber.StatusBadRequest, "api.err_idempotency_key")
	}
	return k, nil
}

// keyed is who runs a use case for this call: its user and scope, the
// Idempotency-Key as the replay key with the digest of body (what the
// key's request sent) as its fingerprint, in the group commit. A repeat
// of the key with another body is store.ErrKeyReused (apiKeyError).
func (a *apiCall) keyed(key string, body []byte) store.Actor {
	ac := store.Actor{User: a.Actor, Scope: a.Scope, Batched: true}
	if key != "" {
		ac.Once, ac.Fingerprint = "api:"+key, bodyHash(body)
	}
	return ac
}

// batched is who runs a use case for this call without a replay key: its
// user and scope, in the group commit (a bulk request's records, whose
// external ids make a repeat safe).
func (a *apiCall) batched() store.Actor { return a.keyed("", nil) }

// apiKeyError answers store.ErrKeyReused with the 422 of once; other
// errors stay as they are.
func apiKeyError(err error) error {
	if errors.Is(err, store.ErrKeyReused) {
		return apiError(fiber.StatusUnprocessableEntity, "api.err_idempotency_reuse")
	}
	return err
}

// A document's external id (the ERP's number) is its permanent
// idempotency: every push records the fingerprint of its request beside
// the mapping (store.SetExternalDoc), and a later push of the same number
// is compared by it. The same request answers the document made before;
// another is refused with a 409 naming that document — a push never
// changes a document nor makes a second under one number.

// pushFingerprint identifies a push by its decoded content, normalised by
// the family's read (trimmed, numbers in one spelling): the same document
// sent again with other spacing, key order or number spelling is the same
// push. Fields a repeat may change (finance's draft) are zeroed by the
// caller first.
func pushFingerprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return bodyHash(b)
}

// pushBody is what a push's Idempotency-Key covers: its path and body
// (so that one key cannot push to two paths).
func pushBody(c *fiber.Ctx) []byte { return append([]byte(c.Path()+"\n"), c.Body()...) }

// pushAnswer answers a push use case's result for external id ext: a
// *store.PushedDiffersError as the 409 naming that document, a reused
// Idempotency-Key as the 422, another error as it is; else the document id
// rendered by answer in a read transaction with the outcome, 201 when the
// push created it, else 200 (a repeat is "unchanged").
func (h *Handler) pushAnswer(c *fiber.Ctx, ext string, id uint64, outcome store.Outcome, err error, answer func(t *store.Tx, id uint64, outcome string) (any, error)) error {
	if err != nil {
		return apiKeyError(pushRefusal(ext, err))
	}
	status := fiber.StatusOK
	if outcome == store.OutcomeCreated {
		status = fiber.StatusCreated
	}
	var out any
	if err := h.read(func(t *store.Tx) (err error) { out, err = answer(t, id, string(outcome)); return err }); err != nil {
		return err
	}
	return apiJSON(c, status, fiber.MIMEApplicationJSON, out)
}

// pushRefusal answers a *store.PushedDiffersError of a push of external
// id ext as the 409 naming its document (extDiffers); other errors stay as
// they are.
func pushRefusal(ext string, err error) error {
	var differs *store.PushedDiffersError
	if errors.As(err, &differs) {
		return extDiffers(ext, differs.Number)
	}
	return err
}

// createdOr is the outcome of a push that says only whether it created
// its document: created, else unchanged.
func createdOr(created bool) store.Outcome {
	if created {
		return store.OutcomeCreated
	}
	return store.OutcomeUnchanged
}

// extDiffers refuses a push whose external id names document number,
// made by a different request: 409.
func extDiffers(ext, number string) error {
	return apiError(fiber.StatusConflict, "api.err_exists_differs", "external_id", ext, "number", number)
}
