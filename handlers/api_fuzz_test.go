package handlers

import (
	"errors"
	"testing"

	"dealerportal/model"
)

// fuzzRecord has the shapes of the API's bodies: strings, integers of
// cents, exact quantities, nested lists and objects.
type fuzzRecord struct {
	ExternalID string   `json:"external_id"`
	Amount     int64    `json:"amount"`
	Qty        apiQty   `json:"qty,omitempty"`
	Active     bool     `json:"active,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Lines      []struct {
		Product string `json:"product"`
		Qty     apiQty `json:"qty"`
	} `json:"lines,omitempty"`
}

// FuzzDecodeStrict: whatever the body, the decoder answers with a value or
// with one of the API's refusals (a problem or field errors), never a
// panic, never another error; and what it accepts reads its quantities
// within bounds or refuses them at the field.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"external_id":"P-1","amount":100}`,
		`{"external_id":"P-1","amount":"100"}`,
		`{"external_id":"P-1","amount":1e400}`,
		`{"external_id":"P-1","amount":1,"qty":1.2345}`,
		`{"external_id":"P-1","amount":1,"lines":[{"product":"A","qty":-0.5}]}`,
		`{"external_id":"P-1","amount":1,"nope":1}`,
		`{"external_id":"P-1"}{"x":1}`,
		`[`, ``, `null`, `{"lines":[{"product":1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v fuzzRecord
		err := decodeStrict(body, &v)
		var ap *apiProblem
		var ve *model.ValidationError
		if err != nil {
			if !errors.As(err, &ap) && !errors.As(err, &ve) {
				t.Fatalf("decode %q: unexpected error %T %v", body, err, err)
			}
			if ve != nil && (len(ve.Fields) != 1 || ve.Fields[0].Key == "") {
				t.Fatalf("decode %q: field errors %+v", body, ve.Fields)
			}
			return
		}
		fe := &model.ValidationError{}
		q := readQty(v.Qty, "qty", fe)
		if v.Qty != "" && fe.Err() == nil && (q > model.MaxQty || q < -model.MaxQty) {
			t.Fatalf("qty %s read as %d, past the bound", v.Qty, q)
		}
		for i, l := range v.Lines {
			readQty(l.Qty, itemPath("lines", i, "qty"), fe)
		}
	})
}

// TestDecodeStrictNamesTheField: a wrong type or an unknown field is a
// field error at its full JSON path, list indices included.
func TestDecodeStrictNamesTheField(t *testing.T) {
	for body, want := range map[string][2]string{
		`{"external_id":"P","amount":1,"lines":[{"product":"A","qty":1},{"product":"B","qty":"many"}]}`: {"lines[1].qty", "api.err_type"},
		`{"external_id":"P","amount":1,"lines":[{"product":"A","qty":1,"colour":"red"}]}`:               {"lines[0].colour", "api.err_unknown_field"},
		`{"external_id":"P","amount":"100"}`:                                                            {"amount", "api.err_type"},
		`{"external_id":"P","amount":1.5}`:                                                              {"amount", "api.err_type"},
		`{"external_id":"P","amount":99999999999999999999}`:                                             {"amount", "api.err_type"},
		`{"external_id":"P","amount":1,"tags":"a"}`:                                                     {"tags", "api.err_type"},
		`{"external_id":7,"amount":1}`:                                                                  {"external_id", "api.err_type"},
	} {
		var v fuzzRecord
		err := decodeStrict([]byte(body), &v)
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != want[0] || ve.Fields[0].Key != want[1] {
			t.Errorf("%s: %v, want %s at %s", body, err, want[1], want[0])
		}
	}
}
