package handlers

import (
	"errors"
	"strconv"
	"sync"

	"dealerportal/model"
	"dealerportal/store"

	"github.com/gofiber/fiber/v2"
)

// Upserts, single and bulk, of every family: one skeleton (upsertOne,
// upsertBulk) and one answer (replyItem, replyBulk). A bulk request
// carries up to APIBulkMax records, each with its own result. Each record
// is one call of its store use case (store.UpsertCustomer, UpsertProduct,
// PushInvoice…), so one transaction of its own (one record's error never
// undoes another's); the use cases run in the group commit
// (store.Actor.Batched) and many records are in flight at once, so a
// thousand records cost a few commits, not a thousand.

// Outcomes of one record of an upsert.
const (
	outcomeCreated   = "created"
	outcomeUpdated   = "updated"
	outcomeUnchanged = "unchanged"
	outcomeFailed    = "failed"
)

// bulkReplyDoc says in every bulk operation's description how it answers
// (replyBulk).
const bulkReplyDoc = "When not one record is accepted (nothing was written) the answer is a 422 problem with every record's errors " +
	"under `items[i]`; otherwise 200 with each record's result, the failed ones with their errors."

// apiBulk is the body of a bulk request.
type apiBulk[T any] struct {
	Items []T `json:"items" min:"1" max:"1000" doc:"The records, at most 1,000."`
}

// apiItemResult is one record's result in a bulk answer (and the answer
// of a single upsert).
type apiItemResult struct {
	Index      int            `json:"index" doc:"The record's position in items, from 0."`
	ExternalID string         `json:"external_id,omitempty"`
	ID         uint64         `json:"id,omitempty" doc:"The portal's id of the record."`
	Status     string         `json:"status" enum:"created,updated,unchanged,failed"`
	Errors     []problemField `json:"errors,omitempty" doc:"Why the record failed; the others are unaffected."`
}

// apiBulkResult is a bulk answer: one result per record, in order, and
// the counts of each outcome.
type apiBulkResult struct {
	Results   []apiItemResult `json:"results"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Failed    int             `json:"failed"`
}

// readBulk decodes a bulk request's body strictly and refuses one without
// records or over the limit.
func readBulk[T any](c *fiber.Ctx) ([]T, error) {
	var in apiBulk[T]
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	return in.Items, checkBulk(len(in.Items))
}

// checkBulk refuses an empty bulk request or one over the limit.
func checkBulk(n int) error {
	if n == 0 {
		return model.Invalid("items", "err.required")
	}
	if n > APIBulkMax {
		ve := &model.ValidationError{}
		ve.Add("items", "api.err_bulk_max", map[string]any{"max": APIBulkMax})
		return ve
	}
	return nil
}

// apiItemFunc upserts record i with its use case (a store method that
// owns its transaction, in the group commit) and says what happened.
type apiItemFunc func(i int) (id uint64, outcome store.Outcome, err error)

// apiParallel is how many records of one request are in flight at once: a
// batch commits them together.
const apiParallel = 64

// runItems runs fn for records 0..n-1, each its own use case (so its own
// transaction), many at once so that a group commit takes many, and
// collects their results. A record's validation or reference
// error becomes its "failed" result with the field errors (prefixed with
// "items[i]." when bulk); any other error ends the request with it.
func (h *Handler) runItems(a *apiCall, n int, bulk bool, ext func(i int) string, fn apiItemFunc) (*apiBulkResult, error) {
	res := &apiBulkResult{Results: make([]apiItemResult, n)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, apiParallel)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			id, outcome, err := fn(i)
			r := &res.Results[i]
			r.Index, r.ExternalID = i, ext(i)
			if err != nil {
				errs[i] = err
				return
			}
			r.ID, r.Status = id, string(outcome)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			continue
		}
		fields, ok := h.itemProblem(a.Lang, err)
		if !ok {
			return nil, err
		}
		if bulk {
			for j := range fields {
				fields[j].Field = "items[" + strconv.Itoa(i) + "]." + fields[j].Field
			}
		}
		res.Results[i].Status, res.Results[i].Errors = outcomeFailed, fields
	}
	res.count()
	return res, nil
}

// count sums the results' outcomes.
func (res *apiBulkResult) count() {
	res.Created, res.Updated, res.Unchanged, res.Failed = 0, 0, 0, 0
	for _, r := range res.Results {
		switch r.Status {
		case outcomeCreated:
			res.Created++
		case outcomeUpdated:
			res.Updated++
		case outcomeUnchanged:
			res.Unchanged++
		default:
			res.Failed++
		}
	}
}

// itemProblem turns a record's refusal into its field errors: validation
// errors as they are, a missing record, a refused action or a document's
// external id pushed with other content as an error on the record itself.
// Other errors (storage) are not the record's fault.
func (h *Handler) itemProblem(l string, err error) ([]problemField, bool) {
	var ve *model.ValidationError
	var ce *model.ConflictError
	var ap *apiProblem
	switch {
	case errors.As(err, &ve):
		return h.problemFields(l, ve, ""), true
	case errors.As(err, &ap) && ap.Status == fiber.StatusConflict:
		// A document pushed again with other content (extDiffers).
		return []problemField{{Field: "external_id", Code: ap.Key, Message: h.i18n.T(l, ap.Key, ap.Args...)}}, true
	case errors.Is(err, model.ErrNotFound):
		return []problemField{{Field: "external_id", Code: "err.not_found", Message: h.i18n.T(l, "err.not_found")}}, true
	case errors.As(err, &ce):
		return []problemField{{Field: "external_id", Code: "err.conflict", Message: h.i18n.T(l, "err.conflict", "by", ce.By, "at", ce.At.In(h.store.Zone()).Format("2006-01-02 15:04"))}}, true
	case errors.Is(err, model.ErrNotAllowed):
		return []problemField{{Field: "external_id", Code: "err.forbidden", Message: h.i18n.T(l, "err.forbidden")}}, true
	}
	return nil, false
}

// apiUpsertFn upserts (or pushes) one record of type T with its use case
// and says what happened.
type apiUpsertFn[T any] func(in *T) (uint64, store.Outcome, error)

// upsertOne is every single upsert: the body is decoded strictly into a
// T, fit (when not nil) fits it to the path (the external id the path
// names), and run upserts it in a transaction of its own as a bulk of one
// record would; the answer is replyItem's. A check of the path's record
// (404 when out of reach) is the caller's, before: the record the path
// names is checked whatever the body holds.
func upsertOne[T any](h *Handler, c *fiber.Ctx, a *apiCall, ext string, fit func(in *T) error, run apiUpsertFn[T]) error {
	var in T
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if fit != nil {
		if err := fit(&in); err != nil {
			return err
		}
	}
	res, err := h.runItems(a, 1, false, func(int) string { return ext }, func(int) (uint64, store.Outcome, error) {
		return run(&in)
	})
	if err != nil {
		return err
	}
	return replyItem(c, res)
}

// upsertBulk is every bulk upsert: the records are read (readBulk), a
// record whose key (its external id; keyField names it in errors) came
// earlier in the request is refused (repeats), the others run through
// runItems, each in a transaction of its own, and the answer is
// replyBulk's.
func upsertBulk[T any](h *Handler, c *fiber.Ctx, a *apiCall, key func(it *T) string, keyField string, run apiUpsertFn[T]) error {
	items, err := readBulk[T](c)
	if err != nil {
		return err
	}
	ext := func(i int) string { return key(&items[i]) }
	repeated := repeats(len(items), ext, keyField)
	res, err := h.runItems(a, len(items), true, ext, func(i int) (uint64, store.Outcome, error) {
		if err := repeated(i); err != nil {
			return 0, "", err
		}
		return run(&items[i])
	})
	if err != nil {
		return err
	}
	return replyBulk(c, a, res)
}

// repeats returns the check of a bulk request's records for a key given
// twice: the records run at once, each in its own transaction, so two of
// one key would race; the first stands and a repeat is refused at
// keyField. A record without a key is its upsert's to refuse.
func repeats(n int, key func(i int) string, keyField string) func(i int) error {
	first := make(map[string]int, n)
	for i := n - 1; i >= 0; i-- {
		first[key(i)] = i
	}
	return func(i int) error {
		if k := key(i); k != "" && first[k] != i {
			return model.Invalid(keyField, "api.customers.duplicate_item")
		}
		return nil
	}
}

// replyItem answers a single upsert: 201 when created, 200 otherwise, or
// the record's refusal as a 422 problem.
func replyItem(c *fiber.Ctx, res *apiBulkResult) error {
	r := res.Results[0]
	if r.Status == outcomeFailed {
		return &apiItemRefusal{fields: r.Errors}
	}
	status := fiber.StatusOK
	if r.Status == outcomeCreated {
		status = fiber.StatusCreated
	}
	return apiJSON(c, status, fiber.MIMEApplicationJSON, r)
}

// replyBulk answers every bulk request by one rule: 200 with each record's
// result when at least one record was accepted; when not one was (so the
// request wrote nothing) a 422 problem listing every record's errors under
// items[i], as a single record's refusal is a 422. A request naming only
// records out of the client's scope is thus refused like a single one.
func replyBulk(c *fiber.Ctx, a *apiCall, res *apiBulkResult) error {
	if res.Failed == len(res.Results) {
		var fields []problemField
		for _, r := range res.Results {
			fields = append(fields, r.Errors...)
		}
		return &apiItemRefusal{fields: fields}
	}
	return a.reply(c, res)
}

// apiItemRefusal is a single record's refusal, already translated.
type apiItemRefusal struct{ fields []problemField }

func (e *apiItemRefusal) Error() string { return "record refused" }
