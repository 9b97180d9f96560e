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

// HandleJSON is the body of Handle for a type whose config and state bytes are JSON (as EncodeJSON writes them):
// it decodes u's config into a C and its state into an S, lets step handle the event with them, and stores the
// state step leaves. When decoding or step fails, u's state stays as it was and the error is returned.
func HandleJSON[C, S any](u *Unit, step func(c *C, st *S) error) error {
	var c C
	var st S
	if err := DecodeJSON(u.Config, &c); err != nil {
		return err
	}
	if err := DecodeJSON(u.State, &st); err != nil {
		return err
	}
	if err := step(&c, &st); err != nil {
		return err
	}
	u.State = EncodeJSON(st)
	return nil
}
