package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a config file, at a line.
type Error struct {
	File string
	Line int
	Msg  string // "what is wrong — what to write instead"
}

func (e Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Errors is every problem found in a config file, in line order. Load and
// Parse return it as *Errors; errors.As works with a target of either
// *Errors or **Errors.
type Errors []Error

// Error gives one "FILE:LINE: message" a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// As lets errors.As fill a plain Errors target from the *Errors that Load returns.
func (es Errors) As(target any) bool {
	if t, ok := target.(*Errors); ok {
		*t = es
		return true
	}
	return false
}

// problems collects Errors while a file is decoded and validated.
type problems struct {
	file string
	errs Errors
}

// add records a problem: what is wrong, then what to write instead, joined
// with an em dash. Problems of the file as a whole are put on line 1.
func (p *problems) add(line int, wrong, fix string) {
	if line < 1 {
		line = 1
	}
	msg := wrong
	if fix != "" {
		msg += " — " + fix
	}
	p.errs = append(p.errs, Error{File: p.file, Line: line, Msg: msg})
}

// err returns the collected problems sorted by line, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	es := append(Errors(nil), p.errs...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return &es
}
