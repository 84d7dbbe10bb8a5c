package ams

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// Int is a whole number that the official SDKs send as a JSON number and Antom's
// documentation, which asks for every field as a string, sends as "3"; it accepts both and
// writes a number, as the SDKs' int32 fields do.
type Int int32

// UnmarshalJSON accepts a JSON integer, the same integer in a string, and null (zero).
func (n *Int) UnmarshalJSON(data []byte) error {
	s := string(bytes.TrimSpace(data))
	switch {
	case s == "null" || s == `""`:
		*n = 0
		return nil
	case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"':
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		// An UnmarshalTypeError lets encoding/json add the field's path to the message.
		return &json.UnmarshalTypeError{Value: "non-integer " + jsonValueKind(data), Type: reflect.TypeOf(int32(0))}
	}
	*n = Int(v)
	return nil
}
