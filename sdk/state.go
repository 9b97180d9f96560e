package sdk

import "encoding/json"

// EncodeJSON is a convenience codec for config and state bytes. It panics only for values encoding/json cannot
// encode (channels, funcs), which is a programming error.
func EncodeJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sdk: EncodeJSON: " + err.Error())
	}
	return b
}

// DecodeJSON decodes b into v; empty bytes leave v at its zero value (a unit that never handled an event).
func DecodeJSON(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}
