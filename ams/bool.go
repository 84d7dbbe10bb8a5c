package ams

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Bool is a flag that the official SDKs send as a JSON boolean and Antom's documentation
// sends as the string "true"/"false"; it accepts both and writes a boolean.
type Bool bool

// UnmarshalJSON accepts true, false, "true", "false" and null.
func (b *Bool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`, `"TRUE"`, `"True"`:
		*b = true
	case "false", `"false"`, `"FALSE"`, `"False"`, "null", `""`:
		*b = false
	default:
		// An UnmarshalTypeError lets encoding/json add the field's path to the message.
		return &json.UnmarshalTypeError{Value: "non-boolean " + jsonValueKind(data), Type: reflect.TypeOf(true)}
	}
	return nil
}

func jsonValueKind(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "value"
	}
	switch data[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "number"
}
