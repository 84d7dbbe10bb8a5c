package ams

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// FieldError says which field of a request is missing or malformed. Its message is safe to
// return to the merchant.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + " " + e.Reason
}

// Decode reads a JSON request body into v, strictly enough that the body has one reading:
// encoding/json alone keeps the last of two equal keys and binds keys case-insensitively,
// where other parsers differ. Unknown fields are ignored, as the official SDKs send many that
// cashier does not use, but a key that matches a field of v only case-insensitively is
// refused, as is an object, at any depth, with a key twice or two keys that differ only in
// case (strings.EqualFold), and a key or string that is not valid UTF-8 or holds a control
// character other than tab, line feed and carriage return. fastjson references (see
// ResolveRefs) are resolved first, as Antom resolves them, and the checks read the resolved
// body. Every failure is a *FieldError naming the field by its JSON path.
//
// Decode is meant for every JSON body from outside, so that each has one reading: the API's,
// and the browser SDK's JSON posts.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &FieldError{Reason: "request body is empty"}
	}
	data, err := ResolveRefs(data)
	if err != nil {
		return err
	}
	if json.Valid(data) {
		if err := checkStrict(data, reflect.TypeOf(v)); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &FieldError{Reason: "request body has data after the JSON object"}
	}
	return nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &FieldError{Reason: fmt.Sprintf("request body must be a JSON object, not %s", typeErr.Value)}
		}
		return &FieldError{Field: field, Reason: fmt.Sprintf("has the wrong type: got %s, want %s", typeErr.Value, jsonKind(typeErr.Type.Kind().String()))}
	case errors.As(err, &syntaxErr):
		return &FieldError{Reason: fmt.Sprintf("request body is not valid JSON (at byte %d)", syntaxErr.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Reason: "request body is truncated JSON"}
	}
	// Errors from a field's own UnmarshalJSON (such as Bool) carry no path in encoding/json v1.
	return &FieldError{Reason: "request body is malformed: " + err.Error()}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "bool":
		return "boolean"
	}
	return "number"
}
