package ams

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// Decode reads a JSON request body into v. Unknown fields are ignored, as the official SDKs
// send many that cashier does not use. fastjson references (see ResolveRefs) are resolved
// first, as Antom resolves them. A type mismatch is reported as a FieldError naming the
// field by its JSON path.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &FieldError{Reason: "request body is empty"}
	}
	data, err := ResolveRefs(data)
	if err != nil {
		return err
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
