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
	"text/template"
	"text/template/parse"
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

// CheckTemplate parses text as a template named name and checks that it uses
// only the allowed placeholders and no nested template calls; it also runs it
// once on sample values so that an error that only shows when executing is
// caught now. It returns nil for a good template.
func CheckTemplate(name, text string, allowed []string) *TemplateError {
	tpl, err := template.New(name).Funcs(templateFuncs).Option("missingkey=zero").Parse(text)
	if err != nil {
		line, reason := 1, err.Error()
		if m := parseErrRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			reason = m[2]
		}
		return &TemplateError{Line: line, Reason: reason, Key: "err.template_syntax", Args: map[string]any{"line": line, "reason": reason}}
	}
	if terr := checkNodes(tpl.Tree, tpl.Tree.Root, allowed); terr != nil {
		return terr
	}
	sample := map[string]string{}
	for _, p := range allowed {
		sample[p] = "x"
	}
	if err := tpl.Execute(&bytes.Buffer{}, sample); err != nil {
		line, reason := 1, err.Error()
		if m := parseErrRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			reason = m[2]
		}
		return &TemplateError{Line: line, Reason: reason, Key: "err.template_syntax", Args: map[string]any{"line": line, "reason": reason}}
	}
	return nil
}

// checkNodes walks the parse tree and refuses unknown placeholders and
// {{template}} calls, with the line of the offending node.
func checkNodes(tree *parse.Tree, n parse.Node, allowed []string) *TemplateError {
	lineOf := func(n parse.Node) int {
		loc, _ := tree.ErrorContext(n)
		parts := strings.Split(loc, ":")
		if len(parts) >= 2 {
			if l, err := strconv.Atoi(parts[1]); err == nil {
				return l
			}
		}
		return 1
	}
	unknown := func(n parse.Node, name string) *TemplateError {
		l := lineOf(n)
		return &TemplateError{Line: l, Reason: "unknown placeholder " + name, Key: "err.template_placeholder", Args: map[string]any{"line": l, "name": name}}
	}
	var walk func(n parse.Node) *TemplateError
	walkPipe := func(p *parse.PipeNode) *TemplateError {
		if p == nil {
			return nil
		}
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	walk = func(n parse.Node) *TemplateError {
		switch x := n.(type) {
		case nil:
			return nil
		case *parse.ListNode:
			if x == nil {
				return nil
			}
			for _, c := range x.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.ActionNode:
			return walkPipe(x.Pipe)
		case *parse.PipeNode:
			return walkPipe(x)
		case *parse.IfNode:
			return walkBranch(walk, walkPipe, &x.BranchNode)
		case *parse.RangeNode:
			return walkBranch(walk, walkPipe, &x.BranchNode)
		case *parse.WithNode:
			return walkBranch(walk, walkPipe, &x.BranchNode)
		case *parse.FieldNode:
			if len(x.Ident) > 0 && !slices.Contains(allowed, x.Ident[0]) {
				return unknown(x, x.Ident[0])
			}
		case *parse.VariableNode:
			if len(x.Ident) > 1 && x.Ident[0] == "$" && !slices.Contains(allowed, x.Ident[1]) {
				return unknown(x, x.Ident[1])
			}
		case *parse.ChainNode:
			return walk(x.Node)
		case *parse.TemplateNode:
			l := lineOf(x)
			return &TemplateError{Line: l, Reason: "{{template}} is not allowed", Key: "err.template_syntax", Args: map[string]any{"line": l, "reason": "{{template}} is not allowed"}}
		}
		return nil
	}
	return walk(n)
}

func walkBranch(walk func(parse.Node) *TemplateError, walkPipe func(*parse.PipeNode) *TemplateError, b *parse.BranchNode) *TemplateError {
	if err := walkPipe(b.Pipe); err != nil {
		return err
	}
	if b.List != nil {
		if err := walk(b.List); err != nil {
			return err
		}
	}
	if b.ElseList != nil {
		return walk(b.ElseList)
	}
	return nil
}

// ErrTemplate wraps a failure to render a message text.
var ErrTemplate = errors.New("message template")

// RenderTemplate executes a message text over values; a missing value
// renders empty. The text was checked at save time, so an error here means
// stored data went bad.
func RenderTemplate(text string, values map[string]string) (string, error) {
	tpl, err := template.New("m").Funcs(templateFuncs).Option("missingkey=zero").Parse(text)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, values); err != nil {
		return "", fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	return buf.String(), nil
}
