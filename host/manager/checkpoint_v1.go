package manager

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Format 1 of the checkpoint (written by release 9a25d52 and earlier) saved a unit's active state, a child's
// role and a job's type and state as numbers: the iota order of the Go constants of that release. These tables
// freeze those numbers; upgradeUnitV1 and upgradeJobV1 rewrite a format-1 record into names, which is all that
// changed in format 2, before it is decoded. testdata/checkpoint-9a25d52 is a checkpoint that release wrote.
var (
	v1Active   = []string{"inactive", "activating", "active", "deactivating", "failed", "reloading"}
	v1Role     = []string{"unspecified", "main", "control", "helper"} // the proto's numbers
	v1JobType  = []string{"start", "verify-active", "stop", "reload", "restart", "nop", "try-restart", "try-reload", "reload-or-start"}
	v1JobState = []string{"waiting", "running"}
)

// upgradeUnitV1 rewrites a format-1 unit record.
func upgradeUnitV1(b []byte) ([]byte, error) {
	var r map[string]json.RawMessage
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if err := v1Name(r, "active", v1Active); err != nil {
		return nil, err
	}
	if c := r["children"]; c != nil {
		var children map[string]map[string]json.RawMessage
		if err := json.Unmarshal(c, &children); err != nil {
			return nil, err
		}
		for pid, child := range children {
			if err := v1Name(child, "role", v1Role); err != nil {
				return nil, fmt.Errorf("child %s: %w", pid, err)
			}
		}
		r["children"], _ = json.Marshal(children)
	}
	return json.Marshal(r)
}

// upgradeJobV1 rewrites a format-1 job record.
func upgradeJobV1(b json.RawMessage) (json.RawMessage, error) {
	var r map[string]json.RawMessage
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if err := v1Name(r, "type", v1JobType); err != nil {
		return nil, err
	}
	if err := v1Name(r, "state", v1JobState); err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

// v1Name replaces the number under key by its name in names. A missing key was the zero value (omitted or
// not); a number out of the table is an error.
func v1Name(r map[string]json.RawMessage, key string, names []string) error {
	raw, ok := r[key]
	if !ok {
		raw = json.RawMessage("0")
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 || n >= len(names) {
		return fmt.Errorf("format 1 %s %s is not one of the %d known", key, raw, len(names))
	}
	r[key], _ = json.Marshal(names[n])
	return nil
}
