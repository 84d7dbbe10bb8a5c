package ams

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// checkStrict walks a body that json.Valid accepted, with the type it decodes into, and
// refuses what encoding/json would read one way and another parser another way, or what a
// database cannot hold:
//
//   - an object that has a key twice, or two keys equal under case folding (strings.EqualFold):
//     encoding/json keeps the last one, other parsers the first;
//   - a key that matches a field of t only case-insensitively, which encoding/json would bind
//     to that field although the SDKs always spell it exactly;
//   - a key or string that is not valid UTF-8 (raw bytes or a lone surrogate escape), which
//     encoding/json silently turns into U+FFFD;
//   - a key or string holding a C0 control character other than tab, line feed and carriage
//     return, or DEL: PostgreSQL text cannot hold NUL, and none of them belongs in a field.
//
// It looks at every value, including those under unknown fields and raw JSON fields, which
// are checked for keys and text only, their shape being unknown here.
func checkStrict(data []byte, t reflect.Type) error {
	p := parser{body: data}
	return checkValue(p.value(nil, 0), t)
}

func checkValue(n *node, t reflect.Type) error {
	t = shape(t)
	switch n.kind {
	case stringNode:
		if reason := textProblem(n.raw); reason != "" {
			return fieldError(n.field(), reason)
		}
	case arrayNode:
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for _, kid := range n.kids {
			if err := checkValue(kid, elem); err != nil {
				return err
			}
		}
	case objectNode:
		return checkObject(n, t)
	}
	return nil
}

func checkObject(n *node, t reflect.Type) error {
	var fields map[string]reflect.Type
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields = structFields(t)
	case t.Kind() == reflect.Map:
		t = t.Elem()
	default:
		t = nil
	}
	// Keys equal under case folding: pairwise for the objects of a request, whose keys are
	// few; by folded key beyond smallObject, so that a body of many keys costs no square.
	var first map[string]string // folded key → the key as first written
	var names [smallObject]string
	if len(n.keys) > smallObject {
		first = make(map[string]string, len(n.keys))
	}
	for i, raw := range n.keys {
		key := n.name(i)
		if reason := textProblem(raw); reason != "" {
			return fieldError(n.field(), "has a key that "+reason)
		}
		prev, seen := "", false
		if first != nil {
			folded := foldKey(key)
			prev, seen = first[folded]
			first[folded] = key
		} else {
			for _, p := range names[:i] {
				if strings.EqualFold(p, key) {
					prev, seen = p, true
					break
				}
			}
			names[i] = key
		}
		if seen {
			if prev == key {
				return fieldError(join(n.field(), key), "appears twice in one object")
			}
			return fieldError(join(n.field(), prev), fmt.Sprintf("appears twice in one object, the second time as %s: keys that differ only in case are one key", strconv.Quote(key)))
		}
		kidType := t
		if fields != nil {
			var known bool
			if kidType, known = fields[key]; !known {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return fieldError(join(n.field(), key), "is not a field: field names are case-sensitive, and this one is "+name)
					}
				}
			}
		}
		if err := checkValue(n.kids[i], kidType); err != nil {
			return err
		}
	}
	return nil
}

// smallObject is the most keys an object has for its keys to be compared pairwise.
const smallObject = 16

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// shape is the type whose JSON shape t fixes, nil when t decodes any shape itself (a
// json.Unmarshaler such as json.RawMessage, or an interface).
func shape(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// structFields maps the JSON names encoding/json binds in struct t to their types, with the
// fields of untagged embedded structs promoted as encoding/json promotes them.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			if et := shape(f.Type); et != nil && et.Kind() == reflect.Struct {
				for name, ft := range structFields(et) {
					m[name] = ft
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		m[tag] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// textProblem says what is wrong with a JSON string as written (quotes included), or "".
func textProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8"
	}
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x7f:
			return controlProblem(0x7f)
		case c != '\\':
			continue
		}
		i++
		switch s[i] {
		case 'b':
			return controlProblem('\b')
		case 'f':
			return controlProblem('\f')
		case 'u':
			r := hexRune(s[i+1 : i+5])
			i += 4
			switch {
			case r == 0x7f || (r < 0x20 && r != '\t' && r != '\n' && r != '\r'):
				return controlProblem(r)
			case r >= 0xdc00 && r <= 0xdfff:
				return "is not valid UTF-8: it has a lone surrogate escape"
			case r >= 0xd800 && r <= 0xdbff:
				if i+7 > len(s) || s[i+1] != '\\' || s[i+2] != 'u' || utf16.DecodeRune(r, hexRune(s[i+3:i+7])) == unicode.ReplacementChar {
					return "is not valid UTF-8: it has a lone surrogate escape"
				}
				i += 6
			}
		}
	}
	return ""
}

func controlProblem(r rune) string {
	return fmt.Sprintf("holds the control character U+%04X", r)
}

// hexRune reads the four hex digits of a \u escape that json.Valid accepted.
func hexRune(h []byte) rune {
	v, _ := strconv.ParseUint(string(h), 16, 32)
	return rune(v)
}

// foldKey maps keys that strings.EqualFold finds equal to one string: each rune becomes the
// smallest rune of its case-folding orbit.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func fieldError(field, reason string) *FieldError {
	if field == "" {
		return &FieldError{Reason: "request body " + reason}
	}
	return &FieldError{Field: field, Reason: reason}
}
