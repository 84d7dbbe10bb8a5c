package ams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxResolvedSize caps what ResolveRefs writes: a few kilobytes of references to references
// can stand for gigabytes of JSON, and no real request comes near 8 MiB.
const maxResolvedSize = 8 << 20

// maxResolvedDepth is encoding/json's nesting limit. Splicing a deep value into a deep place
// must not make a body that Decode then refuses as invalid JSON.
const maxResolvedDepth = 10000

// ResolveRefs returns body with every fastjson reference object replaced by a copy of the
// value it points to. The official Java SDK serialises requests with fastjson 1.x, which
// writes an object met a second time as a reference to where it was first written: one
// Amount passed as both order.orderAmount and paymentAmount arrives as
// "paymentAmount":{"$ref":"$.order.orderAmount"}. fastjson's parser resolves these silently,
// so a merchant's request means the resolved body.
//
// A reference object is an object whose only member is "$ref", however escaped, with a
// string value; an object with other members or a non-string "$ref" is data. The path is
// "$" (the root), "@" (the object or array holding the reference), ".." (that one's parent),
// or "$" followed by steps .name, ['name'], ["name"] and [index], in which a backslash
// escapes the next character of a name. Paths address the body as written, and a reference
// met on the way is followed. Where an object repeats a key, paths see its last value, as
// encoding/json does; the result keeps every member.
//
// A reference that points nowhere, or that leads back to itself or to a value holding it (as
// "@", ".." and "$" always do), is a *FieldError naming the field that holds it. So is a
// result over 8 MiB or nested deeper than encoding/json accepts.
//
// The result is compact and keeps every key, string and number exactly as written. A body
// without references, or that is not valid JSON, comes back unchanged (the same slice): Decode
// reports syntax errors. Only a body that could spell "$ref" is parsed at all.
func ResolveRefs(body []byte) ([]byte, error) {
	if !mayHoldRef(body) || !json.Valid(body) {
		return body, nil
	}
	p := parser{body: body}
	root := p.value(nil, 0)
	if p.refs == 0 {
		return body, nil
	}
	r := resolver{root: root}
	if err := r.resolve(root, nil, 0); err != nil {
		return nil, err
	}
	return root.write(make([]byte, 0, root.value().size)), nil
}

// mayHoldRef reports whether body could spell the key "$ref": a '$' followed by 'r' or by
// an escape, or a '$' escaped as \u0024 (hexadecimal without letters, so case does not
// matter). It runs on every request, so it does not allocate, and a "$" in text, as in
// "$10 off", costs no parse.
func mayHoldRef(body []byte) bool {
	if bytes.Contains(body, []byte(`\u0024`)) {
		return true
	}
	for {
		i := bytes.IndexByte(body, '$')
		if i < 0 || i+1 == len(body) {
			return false
		}
		if c := body[i+1]; c == 'r' || c == '\\' {
			return true
		}
		body = body[i+1:]
	}
}

type nodeKind uint8

const (
	scalarNode nodeKind = iota // a number, true, false or null
	stringNode
	objectNode
	arrayNode
	refNode
)

type resolveState uint8

const (
	resolving resolveState = iota + 1 // the zero state: not reached yet
	resolved
)

// node is one value of the body as written. Scalars and keys keep their bytes, so that the
// result spells them as the merchant did.
type node struct {
	kind   nodeKind
	raw    []byte   // a scalar or string as written
	keys   [][]byte // an object's keys as written
	kids   []*node
	byName map[string]*node // built when a path first steps into the object
	parent *node
	pos    int    // index in parent.kids
	ref    string // a reference's path

	target    *node // the value a reference stands for, once found
	following bool  // the reference's path is being walked

	state  resolveState
	size   int // length of the resolved value, written compactly
	height int // nesting depth of the resolved value
}

// value is the node that n stands for in the result.
func (n *node) value() *node {
	if n.kind == refNode {
		return n.target
	}
	return n
}

func (n *node) member(name string) *node {
	if n.kind != objectNode {
		return nil
	}
	if n.byName == nil {
		n.byName = make(map[string]*node, len(n.keys))
		for i, kid := range n.kids {
			n.byName[n.name(i)] = kid
		}
	}
	return n.byName[name]
}

func (n *node) elem(i int) *node {
	if n.kind != arrayNode || i >= len(n.kids) {
		return nil
	}
	return n.kids[i]
}

// field names n by its path in the body as Decode names fields, dotted, but with [i] for an
// array element so that the merchant can find it.
func (n *node) field() string {
	if n.parent == nil {
		return ""
	}
	prefix := n.parent.field()
	switch {
	case n.parent.kind == arrayNode:
		return prefix + "[" + strconv.Itoa(n.pos) + "]"
	case prefix == "":
		return n.parent.name(n.pos)
	}
	return prefix + "." + n.parent.name(n.pos)
}

// name returns the value of an object's ith key.
func (n *node) name(i int) string {
	return unquote(n.keys[i])
}

func (n *node) write(out []byte) []byte {
	n = n.value()
	if n.kind != objectNode && n.kind != arrayNode {
		return append(out, n.raw...)
	}
	open, end := byte('['), byte(']')
	if n.kind == objectNode {
		open, end = '{', '}'
	}
	out = append(out, open)
	for i, kid := range n.kids {
		if i > 0 {
			out = append(out, ',')
		}
		if n.kind == objectNode {
			out = append(append(out, n.keys[i]...), ':')
		}
		out = kid.write(out)
	}
	return append(out, end)
}

// parser builds the tree from a body that json.Valid has accepted, so it checks nothing.
// encoding/json's Decoder.Token took five times as long on a pay body, as it builds a syntax
// error to find the end of every scalar.
type parser struct {
	body []byte
	i    int
	refs int
}

func (p *parser) value(parent *node, pos int) *node {
	p.space()
	n := &node{parent: parent, pos: pos}
	switch c := p.body[p.i]; c {
	case '{', '[':
		n.kind = arrayNode
		end := byte(']')
		if c == '{' {
			n.kind, end = objectNode, '}'
		}
		p.i++
		for p.space(); p.body[p.i] != end; p.space() {
			if p.body[p.i] == ',' {
				p.i++
				p.space()
			}
			if n.kind == objectNode {
				n.keys = append(n.keys, p.str())
				p.space()
				p.i++ // the colon
			}
			n.kids = append(n.kids, p.value(n, len(n.kids)))
		}
		p.i++
		if n.kind == objectNode && len(n.kids) == 1 && n.kids[0].kind == stringNode && n.name(0) == "$ref" {
			n.kind, n.ref = refNode, unquote(n.kids[0].raw)
			p.refs++
		}
	case '"':
		n.kind, n.raw = stringNode, p.str()
	default:
		start := p.i
		for p.i < len(p.body) && !strings.ContainsRune(" \t\r\n,]}", rune(p.body[p.i])) {
			p.i++
		}
		n.kind, n.raw = scalarNode, p.body[start:p.i]
	}
	return n
}

func (p *parser) space() {
	for p.i < len(p.body) && strings.ContainsRune(" \t\r\n", rune(p.body[p.i])) {
		p.i++
	}
}

// str returns the string at p.i, quotes and escapes included.
func (p *parser) str() []byte {
	start := p.i
	for p.i++; p.body[p.i] != '"'; p.i++ {
		if p.body[p.i] == '\\' {
			p.i++
		}
	}
	p.i++
	return p.body[start:p.i]
}

// unquote returns the value of a valid JSON string as encoding/json decodes it.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // raw is valid JSON
	return s
}

// resolver computes each value's size and depth once, so that many references to one large
// value cost time in proportion to the result, which is capped, not to its expansion.
type resolver struct {
	root *node
}

// resolve works out the size and depth of n's value at depth in the result. via is the last
// reference followed to get here: reaching a value that is still being resolved means the
// value holds itself, and via is the reference that closed the loop.
func (r *resolver) resolve(n, via *node, depth int) error {
	if n.kind == refNode {
		t, err := r.deref(n)
		if err != nil {
			return err
		}
		return r.resolve(t, n, depth)
	}
	switch n.state {
	case resolving:
		return refError(via, "makes a cycle")
	case resolved:
		if depth+n.height > maxResolvedDepth {
			return tooDeep()
		}
		return nil
	}
	n.state = resolving
	switch n.kind {
	case scalarNode, stringNode:
		n.size = len(n.raw)
	default:
		if depth >= maxResolvedDepth {
			return tooDeep()
		}
		n.size, n.height = 2, 1
		for i, kid := range n.kids {
			if err := r.resolve(kid, via, depth+1); err != nil {
				return err
			}
			v := kid.value()
			if i > 0 {
				n.size++
			}
			if n.kind == objectNode {
				n.size += len(n.keys[i]) + 1
			}
			n.size += v.size
			n.height = max(n.height, v.height+1)
			if n.size > maxResolvedSize {
				return &FieldError{Reason: "request body is over 8 MiB once its references are resolved"}
			}
		}
	}
	n.state = resolved
	return nil
}

func tooDeep() error {
	return &FieldError{Reason: "request body nests too deeply once its references are resolved"}
}

// deref returns the value that reference n stands for, which is never itself a reference.
func (r *resolver) deref(n *node) (*node, error) {
	if n.target != nil {
		return n.target, nil
	}
	n.following = true
	t, err := r.walk(n)
	n.following = false
	if err != nil {
		return nil, err
	}
	n.target = t
	return t, nil
}

// walk follows ref's path through the body as written.
func (r *resolver) walk(ref *node) (*node, error) {
	var at *node
	rest := ""
	switch path := ref.ref; {
	case path == "@":
		at = ref.parent
	case path == "..":
		if ref.parent != nil {
			at = ref.parent.parent
		}
	case strings.HasPrefix(path, "$"):
		at, rest = r.root, path[1:]
	}
	for at != nil {
		if at.kind == refNode {
			if at.following {
				return nil, refError(ref, "makes a cycle")
			}
			var err error
			if at, err = r.deref(at); err != nil {
				return nil, err
			}
		}
		if rest == "" {
			return at, nil
		}
		name, index, next, ok := step(rest)
		if !ok {
			break
		}
		if index >= 0 {
			at = at.elem(index)
		} else {
			at = at.member(name)
		}
		rest = next
	}
	return nil, refError(ref, "points nowhere")
}

// step splits the first step off a path: .name, ['name'] or ["name"] (index -1), or [index].
func step(path string) (name string, index int, rest string, ok bool) {
	switch {
	case strings.HasPrefix(path, "."):
		name, rest = unescapeName(path[1:], ".[")
		return name, -1, rest, name != ""
	case strings.HasPrefix(path, "['"), strings.HasPrefix(path, `["`):
		quote := path[1:2]
		name, rest = unescapeName(path[2:], quote)
		rest, ok = strings.CutPrefix(rest, quote+"]")
		return name, -1, rest, ok
	case strings.HasPrefix(path, "["):
		digits, rest, found := strings.Cut(path[1:], "]")
		if !found || digits == "" || strings.Trim(digits, "0123456789") != "" {
			return "", 0, "", false
		}
		index, err := strconv.Atoi(digits)
		return "", index, rest, err == nil
	}
	return "", 0, "", false
}

// unescapeName reads a name up to the first unescaped byte of stops, dropping the backslash
// before each escaped character. A backslash that ends the path is left in rest, where no
// step accepts it.
func unescapeName(s, stops string) (name, rest string) {
	var b strings.Builder
	i := 0
	for ; i < len(s) && !strings.ContainsRune(stops, rune(s[i])); i++ {
		if s[i] == '\\' {
			if i+1 == len(s) {
				break
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), s[i:]
}

func refError(ref *node, problem string) error {
	reason := fmt.Sprintf("is a reference (%s) that %s", quotePath(ref.ref), problem)
	field := ref.field()
	if field == "" {
		return &FieldError{Reason: "request body " + reason}
	}
	return &FieldError{Field: field, Reason: reason}
}

// quotePath quotes a path for an error message, cut short: the message goes back to the
// merchant, and the path can be as long as the body.
func quotePath(path string) string {
	const maxLen = 64
	if len(path) <= maxLen {
		return strconv.Quote(path)
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(path[cut]) {
		cut--
	}
	return strconv.Quote(path[:cut]) + "..."
}
