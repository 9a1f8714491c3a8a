package handlers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"dealerportal/model"

	"github.com/gofiber/fiber/v2"
)

// The OpenAPI 3.1 document of the API, built from the operations at start-up:
// paths from their routes, schemas by reflection over their request and
// response types. Struct tags say what JSON cannot:
//   - json:"name,omitempty": the property; a field without omitempty is
//     required in requests and always present in responses;
//   - doc:"…": the property's description;
//   - enum:"a,b,c": the allowed values;
//   - min:"n" / max:"n": bounds of a number, or of a string's length
//     (maxLength) and an array's size (maxItems).
// Every object is closed (additionalProperties: false), as the decoder is.

var apiDocInfo = map[string]any{
	"title":   "Dealer Portal integration API",
	"version": "1.0.0",
	"description": "The JSON API through which the enterprise's ERP keeps the portal in step: master data and documents in, " +
		"business events out (a pull feed and signed webhooks). Authenticate with `Authorization: Bearer <token>`; " +
		"an admin creates clients and tokens under Settings → API clients. Errors are RFC 9457 problem documents in the " +
		"language of `Accept-Language` (zh-CN or en). See docs/API.md for the guide.",
}

var fiberParamRe = regexp.MustCompile(`:([a-zA-Z_][a-zA-Z0-9_]*)`)

// openAPIPath turns a Fiber pattern into an OpenAPI path template.
func openAPIPath(p string) string { return fiberParamRe.ReplaceAllString(p, "{$1}") }

// buildOpenAPI renders the document of ops as JSON.
func buildOpenAPI(ops []apiOp) ([]byte, error) {
	g := &schemaGen{schemas: map[string]any{}}
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	for i := range ops {
		op := &ops[i]
		p := openAPIPath(op.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		method := strings.ToLower(op.Method)
		if _, dup := paths[p][method]; dup {
			return nil, fmt.Errorf("openapi: %s %s twice", op.Method, p)
		}
		o, err := g.operation(op)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", op.Method, p, err)
		}
		paths[p][method] = o
		tags[op.Tag] = true
	}
	problem, err := g.ref(reflect.TypeOf(problemDoc{}), false)
	if err != nil {
		return nil, err
	}
	responses := map[string]any{}
	for _, st := range []int{400, 401, 403, 404, 409, 413, 415, 422, 429} {
		r := map[string]any{"description": statusDescription(st), "content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
		switch st {
		case 401:
			r["headers"] = map[string]any{"WWW-Authenticate": map[string]any{"schema": map[string]any{"type": "string"}}}
		case 429:
			r["headers"] = map[string]any{"Retry-After": map[string]any{"description": "Seconds to wait.", "schema": map[string]any{"type": "integer"}}}
		}
		responses["P"+strconv.Itoa(st)] = r
	}
	var tagList []map[string]any
	for t := range tags {
		tagList = append(tagList, map[string]any{"name": t})
	}
	sort.Slice(tagList, func(i, j int) bool { return tagList[i]["name"].(string) < tagList[j]["name"].(string) })
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    apiDocInfo,
		"servers": []any{map[string]any{"url": APIPrefix}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"schemas":         g.schemas,
			"responses":       responses,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "A client token (dpt_…), shown once when the admin creates it."}},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
	return json.MarshalIndent(doc, "", " ")
}

func statusDescription(st int) string {
	switch st {
	case 400:
		return "The request is malformed (not JSON, or a bad header)."
	case 401:
		return "No token, or an unknown, expired or revoked one."
	case 403:
		return "The client's scopes do not allow this family, or its IP allow-list refuses the caller."
	case 404:
		return "No such record, or one outside the client's data scope."
	case 409:
		return "The record changed meanwhile, or its status does not allow the action."
	case 413:
		return "The body is larger than 4 MiB."
	case 415:
		return "The body is not application/json."
	case 422:
		return "The body's fields are invalid: each is named in errors, with its reason."
	case 429:
		return "The client's rate limit is spent: wait Retry-After seconds."
	}
	return ""
}

// schemaGen collects the named schemas while it describes operations.
type schemaGen struct {
	schemas map[string]any
}

func (g *schemaGen) operation(op *apiOp) (map[string]any, error) {
	o := map[string]any{"operationId": op.ID, "summary": op.Summary, "tags": []string{op.Tag}}
	if op.Doc != "" {
		o["description"] = op.Doc
	}
	if op.Public {
		o["security"] = []any{}
	} else if !op.AnyScope {
		o["x-scope"] = string(model.ScopeOf(op.Family, op.Write))
	}
	var params []any
	for _, m := range fiberParamRe.FindAllStringSubmatch(op.Path, -1) {
		typ := map[string]any{"type": "string", "maxLength": 100}
		if m[1] == "id" || strings.HasSuffix(m[1], "_id") && !strings.HasSuffix(m[1], "external_id") {
			typ = map[string]any{"type": "integer", "minimum": 1}
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": typ})
	}
	for _, q := range op.Query {
		params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Doc, "schema": map[string]any{"type": q.Type}})
	}
	if op.Idempotent {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "Makes a retry safe: the same key with the same body returns the first result (kept 48 hours).",
			"schema": map[string]any{"type": "string", "maxLength": model.MaxFormToken, "pattern": `^[\p{L}\p{N}_.:/-]*$`}})
	}
	params = append(params, map[string]any{"name": "Accept-Language", "in": "header", "description": "zh-CN or en: the language of error messages.", "schema": map[string]any{"type": "string"}})
	o["parameters"] = params
	if op.Body != nil {
		s, err := g.ref(reflect.TypeOf(op.Body), true)
		if err != nil {
			return nil, err
		}
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": s}}}
	}
	status := op.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	res := map[string]any{}
	if op.Result != nil {
		s, err := g.ref(reflect.TypeOf(op.Result), false)
		if err != nil {
			return nil, err
		}
		res[strconv.Itoa(status)] = map[string]any{"description": "Success.", "content": map[string]any{"application/json": map[string]any{"schema": s}}}
		switch _, item := op.Result.(*apiItemResult); {
		case status == fiber.StatusCreated:
			// A create that finds its record made before (the same external
			// id or Idempotency-Key) answers it with 200.
			res["200"] = map[string]any{"description": "The record existed already: it is returned unchanged (or brought up to date).", "content": map[string]any{"application/json": map[string]any{"schema": s}}}
		case item:
			// A single upsert answers 201 when it created the record and 200
			// otherwise (replyItem): both are documented.
			res["201"] = map[string]any{"description": "Created.", "content": map[string]any{"application/json": map[string]any{"schema": s}}}
		}
	} else {
		res[strconv.Itoa(status)] = map[string]any{"description": "Success."}
	}
	errs := []int{400, 404, 413, 415, 422}
	if !op.Public {
		errs = append(errs, 401, 403, 409, 429)
	}
	for _, st := range errs {
		res[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/P" + strconv.Itoa(st)}
	}
	o["responses"] = res
	return o, nil
}

var (
	timeType   = reflect.TypeOf(time.Time{})
	numberType = reflect.TypeOf(json.Number(""))
)

var typeArgRe = regexp.MustCompile(`[\w./]*\.`)

// schemaName names a Go type in the document: without the "api" prefix of
// the wire types, capitalised, a generic type's arguments appended
// ("apiBulk[dealerportal/handlers.apiProduct]" is "BulkProduct").
func schemaName(goName string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(typeArgRe.ReplaceAllString(goName, ""), func(r rune) bool { return r == '[' || r == ']' || r == ',' }) {
		part = strings.TrimPrefix(part, "api")
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// ref describes t, naming struct types in components/schemas. A request
// type and a response type of the same Go struct differ only in what is
// required, so request schemas get their own name ("…Input").
func (g *schemaGen) ref(t reflect.Type, input bool) (map[string]any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}, nil
	case t == numberType:
		return map[string]any{"type": "number"}, nil
	case t.Kind() == reflect.Struct:
		name := schemaName(t.Name())
		if name == "" {
			return nil, fmt.Errorf("anonymous struct %s", t)
		}
		if input {
			name += "Input"
		}
		if _, ok := g.schemas[name]; !ok {
			g.schemas[name] = nil // a recursive type refers to itself
			s, err := g.object(t, input)
			if err != nil {
				return nil, err
			}
			g.schemas[name] = s
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}, nil
	case t.Kind() == reflect.Slice:
		items, err := g.ref(t.Elem(), input)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": items}, nil
	case t.Kind() == reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key %s", t.Key())
		}
		v, err := g.ref(t.Elem(), input)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "object", "additionalProperties": v}, nil
	}
	return scalarSchema(t)
}

func scalarSchema(t reflect.Type) (map[string]any, error) {
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}, nil
	case reflect.Bool:
		return map[string]any{"type": "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}, nil
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}, nil
	case reflect.Interface:
		return map[string]any{}, nil
	}
	return nil, fmt.Errorf("type %s has no JSON schema", t)
}

func (g *schemaGen) object(t reflect.Type, input bool) (map[string]any, error) {
	props := map[string]any{}
	var required []string
	if err := g.fields(t, input, props, &required); err != nil {
		return nil, err
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s, nil
}

func (g *schemaGen) fields(t reflect.Type, input bool, props map[string]any, required *[]string) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			// Promoted fields, as encoding/json reads them: an embedded
			// struct's fields count even when its type is unexported.
			if err := g.fields(f.Type, input, props, required); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s, err := g.ref(f.Type, input)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		if _, isRef := s["$ref"]; isRef && f.Tag.Get("doc") != "" {
			s = map[string]any{"allOf": []any{s}}
		}
		if d := f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		if e := f.Tag.Get("enum"); e != "" {
			s["enum"] = strings.Split(e, ",")
		}
		for _, b := range []struct{ tag, num, str, arr string }{{"min", "minimum", "minLength", "minItems"}, {"max", "maximum", "maxLength", "maxItems"}} {
			v := f.Tag.Get(b.tag)
			if v == "" {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s.%s: %s %q", t.Name(), f.Name, b.tag, v)
			}
			switch s["type"] {
			case "string":
				s[b.str] = n
			case "array":
				s[b.arr] = n
			default:
				s[b.num] = n
			}
		}
		props[name] = s
		omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if !omit {
			*required = append(*required, name)
		}
	}
	return nil
}
