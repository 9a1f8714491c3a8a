package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
)

// Message texts are Go text/templates over a map of named placeholders:
// "订单 {{.doc_number}} 已驳回：{{.reason}}". Besides the built-in functions
// (printf, urlquery, …) they may use json, which quotes a value as a JSON
// string (for SMS gateway bodies).

// templateFuncs are the functions message templates may call.
var templateFuncs = template.FuncMap{
	"json": func(v any) string {
		b, _ := json.Marshal(fmt.Sprint(v))
		return string(b)
	},
}

// TemplateError is a refused template text: Key is a message-catalog key
// (err.template_syntax or err.template_placeholder) and Args carry the line
// and the reason or the unknown name.
type TemplateError struct {
	Line   int
	Reason string
	Key    string
	Args   map[string]any
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

var parseErrRe = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)?\s*(.*)$`)

// Message texts run on every event for every recipient, and the person who
// writes them is not the person whose memory they spend: a text is held to a
// budget both when it is saved and when it is sent. text/template cannot be
// stopped once it runs, so the budget is first a matter of shape, checked on
// the parse tree: no loops ({{range}}, also over integers), no variables
// (reassigning one doubles its length per line), no {{template}} calls, at
// most maxTemplateCalls functions in one action (nested escaping grows
// geometrically) and printf only with a literal format whose widths stay
// below 100. What is left runs in time linear in the text and the values;
// the output writer then caps the result at MaxTemplateOutput bytes and the
// run at maxTemplateTime.
const (
	// MaxTemplateText is the longest message text, in bytes.
	MaxTemplateText = 20000
	// MaxTemplateOutput is the most bytes one text may render to.
	MaxTemplateOutput = 64 << 10
	maxTemplateCalls  = 4
	maxTemplateTime   = 2 * time.Second
)

// ErrTemplateBudget marks a message text refused for its shape, its length
// or its output (with ErrTemplate): retrying it cannot succeed.
var ErrTemplateBudget = errors.New("over the message template budget")

// budgetWriter fails the run once the output passes max bytes or the
// deadline has passed.
type budgetWriter struct {
	buf      bytes.Buffer
	max      int
	deadline time.Time
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.max || time.Now().After(w.deadline) {
		return 0, ErrTemplateBudget
	}
	return w.buf.Write(p)
}

// execBudget runs tpl over data within the output and time budget.
func execBudget(tpl *template.Template, data any) (string, error) {
	w := &budgetWriter{max: MaxTemplateOutput, deadline: time.Now().Add(maxTemplateTime)}
	err := tpl.Execute(w, data)
	return w.buf.String(), err
}

// lineOf is the line of a node in its template's text.
func lineOf(tree *parse.Tree, n parse.Node) int {
	loc, _ := tree.ErrorContext(n)
	parts := strings.Split(loc, ":")
	if len(parts) >= 2 {
		if l, err := strconv.Atoi(parts[1]); err == nil {
			return l
		}
	}
	return 1
}

// checkShape refuses what the budget does not allow (see above), with the
// line of the first offending node.
func checkShape(tree *parse.Tree) *TemplateError {
	refuse := func(n parse.Node, key, reason string, args map[string]any) *TemplateError {
		l := lineOf(tree, n)
		if args == nil {
			args = map[string]any{}
		}
		args["line"] = l
		return &TemplateError{Line: l, Reason: reason, Key: key, Args: args}
	}
	calls := 0 // functions called in the current action
	return eachNode(tree.Root, func(n parse.Node) *TemplateError {
		switch x := n.(type) {
		case *parse.ActionNode, *parse.IfNode, *parse.WithNode:
			calls = 0
		case *parse.PipeNode:
			if len(x.Decl) > 0 || x.IsAssign {
				return refuse(x, "err.template_variable", "variables are not allowed", nil)
			}
		case *parse.CommandNode:
			if id, ok := x.Args[0].(*parse.IdentifierNode); ok && id.Ident == "printf" {
				if len(x.Args) < 2 {
					return refuse(id, "err.template_printf", "printf without a format", nil)
				}
				if f, ok := x.Args[1].(*parse.StringNode); !ok || !boundedFormat(f.Text) {
					return refuse(id, "err.template_printf", "printf needs a literal format with small widths", nil)
				}
			}
		case *parse.IdentifierNode:
			if calls++; calls > maxTemplateCalls {
				return refuse(x, "err.template_nesting", "too many functions in one action", map[string]any{"max": maxTemplateCalls})
			}
		case *parse.RangeNode, *parse.BreakNode, *parse.ContinueNode:
			return refuse(x, "err.template_loop", "{{range}} is not allowed", nil)
		case *parse.TemplateNode:
			return refuse(x, "err.template_syntax", "{{template}} is not allowed", map[string]any{"reason": "{{template}} is not allowed"})
		}
		return nil
	})
}

// eachNode calls fn on n and every node below it, in the order of the text,
// and stops at the first error fn returns.
func eachNode(n parse.Node, fn func(parse.Node) *TemplateError) *TemplateError {
	if p, ok := n.(*parse.PipeNode); n == nil || ok && p == nil {
		return nil
	}
	if err := fn(n); err != nil {
		return err
	}
	var kids []parse.Node
	branch := func(b *parse.BranchNode) {
		kids = append(kids, b.Pipe)
		if b.List != nil {
			kids = append(kids, b.List)
		}
		if b.ElseList != nil {
			kids = append(kids, b.ElseList)
		}
	}
	switch x := n.(type) {
	case *parse.ListNode:
		kids = x.Nodes
	case *parse.ActionNode:
		kids = []parse.Node{x.Pipe}
	case *parse.IfNode:
		branch(&x.BranchNode)
	case *parse.RangeNode:
		branch(&x.BranchNode)
	case *parse.WithNode:
		branch(&x.BranchNode)
	case *parse.TemplateNode:
		if x.Pipe != nil {
			kids = []parse.Node{x.Pipe}
		}
	case *parse.PipeNode:
		for _, c := range x.Cmds {
			kids = append(kids, c)
		}
	case *parse.CommandNode:
		kids = x.Args
	case *parse.ChainNode:
		kids = []parse.Node{x.Node}
	}
	for _, k := range kids {
		if err := eachNode(k, fn); err != nil {
			return err
		}
	}
	return nil
}

// boundedFormat reports whether a printf format has no "*" width and no
// width or precision of three digits or more.
func boundedFormat(f string) bool {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		digits := 0
		for i++; i < len(f); i++ {
			c := f[i]
			switch {
			case c == '*':
				return false
			case c >= '0' && c <= '9':
				if digits++; digits > 2 {
					return false
				}
			case c == '.' || c == '+' || c == '-' || c == ' ' || c == '#' || c == '[' || c == ']':
				digits = 0
			default:
				digits = -1
			}
			if digits < 0 {
				break
			}
		}
	}
	return true
}

// parseBudget parses a message text within the length and shape budget.
func parseBudget(name, text string) (*template.Template, *TemplateError) {
	if len(text) > MaxTemplateText {
		return nil, &TemplateError{Line: 1, Reason: "text too long", Key: "err.template_length", Args: map[string]any{"line": 1, "max": MaxTemplateText}}
	}
	tpl, err := template.New(name).Funcs(templateFuncs).Option("missingkey=zero").Parse(text)
	if err != nil {
		line, reason := 1, err.Error()
		if m := parseErrRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			reason = m[2]
		}
		return nil, &TemplateError{Line: line, Reason: reason, Key: "err.template_syntax", Args: map[string]any{"line": line, "reason": reason}}
	}
	if terr := checkShape(tpl.Tree); terr != nil {
		return nil, terr
	}
	return tpl, nil
}

// CheckTemplate parses text as a template named name and checks that it uses
// only the allowed placeholders and no nested template calls; it also runs it
// once on sample values so that an error that only shows when executing is
// caught now. It also holds the text to the message template budget (see
// MaxTemplateOutput). It returns nil for a good template.
func CheckTemplate(name, text string, allowed []string) *TemplateError {
	tpl, terr := parseBudget(name, text)
	if terr != nil {
		return terr
	}
	if terr := checkNodes(tpl.Tree, tpl.Tree.Root, allowed); terr != nil {
		return terr
	}
	sample := map[string]string{}
	for _, p := range allowed {
		sample[p] = "x"
	}
	if _, err := execBudget(tpl, sample); err != nil {
		if errors.Is(err, ErrTemplateBudget) {
			return &TemplateError{Line: 1, Reason: err.Error(), Key: "err.template_output", Args: map[string]any{"line": 1, "max": MaxTemplateOutput >> 10}}
		}
		line, reason := 1, err.Error()
		if m := parseErrRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			reason = m[2]
		}
		return &TemplateError{Line: line, Reason: reason, Key: "err.template_syntax", Args: map[string]any{"line": line, "reason": reason}}
	}
	return nil
}

// checkNodes walks the parse tree and refuses unknown placeholders, with
// the line of the offending node.
func checkNodes(tree *parse.Tree, n parse.Node, allowed []string) *TemplateError {
	unknown := func(n parse.Node, name string) *TemplateError {
		l := lineOf(tree, n)
		return &TemplateError{Line: l, Reason: "unknown placeholder " + name, Key: "err.template_placeholder", Args: map[string]any{"line": l, "name": name}}
	}
	return eachNode(n, func(n parse.Node) *TemplateError {
		switch x := n.(type) {
		case *parse.FieldNode:
			if len(x.Ident) > 0 && !slices.Contains(allowed, x.Ident[0]) {
				return unknown(x, x.Ident[0])
			}
		case *parse.VariableNode:
			if len(x.Ident) > 1 && x.Ident[0] == "$" && !slices.Contains(allowed, x.Ident[1]) {
				return unknown(x, x.Ident[1])
			}
		}
		return nil
	})
}

// ErrTemplate wraps a failure to render a message text.
var ErrTemplate = errors.New("message template")

// parsedTexts keeps the message texts RenderTemplate parsed, so that the
// fan-out of a batch of events parses each template text once, not once
// per event, language and channel. Parsed templates are read-only (text/
// template executes one safely in parallel). The kept texts are bounded in
// total length (maxParsedBytes, about fifty full-length texts): past it
// the map starts again, so an enterprise that edits its templates often
// keeps only what it still uses.
var parsedTexts struct {
	sync.Mutex
	m     map[string]*template.Template
	bytes int
}

const maxParsedBytes = 1 << 20

// parsedMessage is parseBudget("m", text), from parsedTexts when text was
// parsed before. A text that fails is not kept (it fails the same way
// again, and stored texts were checked when saved).
func parsedMessage(text string) (*template.Template, *TemplateError) {
	parsedTexts.Lock()
	tpl := parsedTexts.m[text]
	parsedTexts.Unlock()
	if tpl != nil {
		return tpl, nil
	}
	tpl, terr := parseBudget("m", text)
	if terr != nil {
		return nil, terr
	}
	parsedTexts.Lock()
	if parsedTexts.m == nil || parsedTexts.bytes+len(text) > maxParsedBytes {
		parsedTexts.m, parsedTexts.bytes = map[string]*template.Template{}, 0
	}
	if _, ok := parsedTexts.m[text]; !ok {
		parsedTexts.m[text] = tpl
		parsedTexts.bytes += len(text)
	}
	parsedTexts.Unlock()
	return tpl, nil
}

// RenderTemplate executes a message text over values; a missing value
// renders empty. The text was checked at save time, so an error here means
// stored data went bad; a text over the budget (also one saved before the
// budget existed) fails with ErrTemplateBudget, never running unbounded.
func RenderTemplate(text string, values map[string]string) (string, error) {
	tpl, terr := parsedMessage(text)
	if terr != nil {
		if terr.Key == "err.template_syntax" {
			return "", fmt.Errorf("%w: %v", ErrTemplate, terr)
		}
		return "", fmt.Errorf("%w: %w: %v", ErrTemplate, ErrTemplateBudget, terr)
	}
	out, err := execBudget(tpl, values)
	if errors.Is(err, ErrTemplateBudget) {
		return "", fmt.Errorf("%w: %w: more than %d bytes or %v", ErrTemplate, ErrTemplateBudget, MaxTemplateOutput, maxTemplateTime)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	return out, nil
}
