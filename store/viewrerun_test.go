package store

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// viewCalls are the calls whose last argument runs as a View's fn: View,
// its variants, the store's viewFor and the handlers' read.
var viewCalls = map[string]bool{"View": true, "ViewFresh": true, "ViewOnce": true, "viewFor": true, "read": true}

// TestViewCallbacksMayRunAgain keeps the module's read-transaction callbacks
// re-runnable: a View's fn (Store.View, kv.DB.View) may run more than once,
// the second run starting afresh in a new snapshot, so a callback must not
// accumulate into a variable declared outside it — append to it, ++/--,
// += and the other compound assignments, a channel send — unless it resets
// that variable first: a plain assignment among its top-level statements,
// before the accumulation and before any other use of the variable
// (rows = nil, rows = rows[:0], n = 0, d.Items = []T{…}).
//
// It reads the source: every call X.View(func…) — and the other viewCalls —
// in the module's non-test files. A callback passed by name, or state
// changed through a method (buf.WriteString) or through a pointer declared
// inside the callback, is not seen.
func TestViewCallbacksMayRunAgain(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var found []string
	calls := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			switch {
			case path == root:
				return nil
			case name == "third_party" || name == "vendor" || name == "testdata" || name == "node_modules",
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"),
				rel == "store/kv/kvtest":
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		// The default mode resolves identifiers to their declarations
		// (ast.Ident.Obj), which tells a callback's own variables from
		// the ones it captured.
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || !viewCalls[sel.Sel.Name] {
				return true
			}
			lit, ok := call.Args[len(call.Args)-1].(*ast.FuncLit)
			if !ok {
				return true
			}
			calls++
			for _, a := range accumulations(lit) {
				p := fset.Position(a.node.Pos())
				found = append(found, fmt.Sprintf("%s:%d: %s on %s, declared outside the View callback of line %d, which does not reset it first",
					rel, p.Line, a.what, a.target, fset.Position(call.Pos()).Line))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 50 {
		t.Fatalf("found only %d View callbacks under %s: is the walk skipping the module?", calls, root)
	}
	if len(found) > 0 {
		t.Errorf("View callbacks that accumulate into outer state: a View's fn may run more than once "+
			"(again from the start, in a fresh snapshot, its first run's result discarded), so each of these would "+
			"count, append or send twice. Reset the variable as the callback's first statement (v = nil, v = v[:0], n = 0), "+
			"or accumulate after the View returns:\n\t%s", strings.Join(found, "\n\t"))
	}
}

// moduleRoot is the directory of the go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// accumulation is one statement of a callback that adds to outer state.
type accumulation struct {
	node   ast.Node
	what   string // "append", "++", "+=", "send"…
	target string // the variable, as written: rows, d.Items, n
}

// accumulations lists the accumulations of callback lit into variables
// declared outside it that its body does not reset first.
func accumulations(lit *ast.FuncLit) []accumulation {
	outer := func(e ast.Expr) bool {
		id := rootIdent(e)
		if id == nil || id.Name == "_" {
			return false
		}
		if id.Obj == nil {
			return true // declared in another file of the package
		}
		return id.Obj.Kind == ast.Var && (id.Obj.Pos() < lit.Pos() || id.Obj.Pos() >= lit.End())
	}
	var out []accumulation
	for i, stmt := range lit.Body.List {
		ast.Inspect(stmt, func(n ast.Node) bool {
			var a accumulation
			switch s := n.(type) {
			case *ast.IncDecStmt:
				a = accumulation{s, s.Tok.String(), types.ExprString(s.X)}
				if !outer(s.X) {
					return true
				}
			case *ast.SendStmt:
				a = accumulation{s, "a send", types.ExprString(s.Chan)}
				if !outer(s.Chan) {
					return true
				}
			case *ast.AssignStmt:
				switch {
				case s.Tok == token.ASSIGN && len(s.Lhs) == len(s.Rhs):
					for j, lhs := range s.Lhs {
						if c, ok := s.Rhs[j].(*ast.CallExpr); ok && isAppend(c) && len(c.Args) > 0 &&
							types.ExprString(c.Args[0]) == types.ExprString(lhs) && outer(lhs) {
							a = accumulation{s, "append", types.ExprString(lhs)}
							break
						}
					}
					if a.node == nil {
						return true
					}
				case s.Tok != token.ASSIGN && s.Tok != token.DEFINE && len(s.Lhs) == 1:
					a = accumulation{s, s.Tok.String(), types.ExprString(s.Lhs[0])}
					if !outer(s.Lhs[0]) {
						return true
					}
				default:
					return true
				}
			default:
				return true
			}
			if !resetBefore(lit.Body.List[:i], a.target) {
				out = append(out, a)
			}
			return true
		})
	}
	return out
}

// resetBefore reports whether one of stmts (a callback's top-level
// statements before the accumulation) is a plain assignment that resets
// target, with no use of target before it.
func resetBefore(stmts []ast.Stmt, target string) bool {
	for _, stmt := range stmts {
		if as, ok := stmt.(*ast.AssignStmt); ok && as.Tok == token.ASSIGN && len(as.Lhs) == len(as.Rhs) {
			for j, lhs := range as.Lhs {
				if types.ExprString(lhs) == target && isReset(as.Rhs[j], target) {
					return true
				}
			}
		}
		if uses(stmt, target) {
			return false
		}
	}
	return false
}

// isReset reports whether v, assigned to target, drops what target held:
// it does not read target, except as target[:0].
func isReset(v ast.Expr, target string) bool {
	if s, ok := v.(*ast.SliceExpr); ok && types.ExprString(s.X) == target && s.Low == nil && !s.Slice3 {
		if b, ok := s.High.(*ast.BasicLit); ok && b.Value == "0" {
			return true
		}
	}
	return !uses(v, target)
}

// uses reports whether n mentions target or a part of it (target.f,
// target[i]).
func uses(n ast.Node, target string) bool {
	used := false
	ast.Inspect(n, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && !used {
			s := types.ExprString(e)
			used = s == target || strings.HasPrefix(s, target+".") || strings.HasPrefix(s, target+"[")
		}
		return !used
	})
	return used
}

// isAppend reports whether c calls the builtin append.
func isAppend(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	return ok && id.Name == "append" && id.Obj == nil
}

// rootIdent is the variable an expression such as v, v.f, v[i], *v or
// v.f[i].g stores into; nil for one it cannot name (f().x).
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		case *ast.TypeAssertExpr:
			e = x.X
		default:
			return nil
		}
	}
}
