// Package condition evaluates a unit's Condition…= and Assert…= checks (man systemd.unit, "Conditions and
// Asserts") against the running system.
//
// The rule for a list: every check without "|" must hold, and if there are checks with "|" (triggering), at
// least one of them must hold; "!" negates one check. A check that cannot be evaluated (a kind this host does
// not know how to test) fails, and the reason says so: it never passes by accident.
package condition

import (
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/host/unit"
)

// Result is the outcome of a list of checks.
type Result struct {
	OK bool
	// Failed is the first check that decided a negative outcome, for `sctl status` ("ConditionPathExists=/x
	// was not met"); nil when OK.
	Failed *unit.Condition
	Reason string
	// Undetermined lists the checks that could not be evaluated (a bad parameter, a kind this host cannot
	// test), each with why, as systemd logs them: "Couldn't determine result for ConditionFirstBoot=maybe,
	// assuming failed: …".
	Undetermined []string
	// States is each check's outcome, by its index in the list: 1 held, -1 did not (or could not be
	// evaluated), 0 not evaluated (the list stopped at a check that decided it), systemd's Conditions= states.
	States []int32
}

// Env is what checks look at; Default reads the real system. Tests substitute pieces.
type Env struct {
	// Check evaluates one check without its negation; it returns an error when the kind cannot be tested.
	Check func(kind, param string) (bool, error)
}

// Evaluate applies the list rule to conds.
func (e Env) Evaluate(conds []unit.Condition) Result {
	var triggers []*unit.Condition
	var undetermined []string
	triggerOK := false
	states := make([]int32, len(conds))
	for i := range conds {
		c := &conds[i]
		ok, reason, err := e.one(c)
		states[i] = map[bool]int32{true: 1, false: -1}[ok]
		if err != nil {
			undetermined = append(undetermined, fmt.Sprintf("Couldn't determine result for %s, assuming failed: %v", Setting(c), err))
		}
		if c.Trigger {
			triggers = append(triggers, c)
			triggerOK = triggerOK || ok
			continue
		}
		if !ok {
			return Result{Failed: c, Reason: reason, Undetermined: undetermined, States: states}
		}
	}
	if len(triggers) > 0 && !triggerOK {
		return Result{Failed: triggers[0], Reason: "none of the triggering conditions was met", Undetermined: undetermined, States: states}
	}
	return Result{OK: true, Undetermined: undetermined, States: states}
}

func (e Env) one(c *unit.Condition) (bool, string, error) {
	ok, err := e.Check(c.Kind, c.Param)
	if err != nil {
		return false, err.Error(), err
	}
	if c.Negate {
		ok = !ok
	}
	if ok {
		return true, "", nil
	}
	return false, fmt.Sprintf("%s=%s%s was not met", name(c), negation(c), c.Param), nil
}

func name(c *unit.Condition) string {
	if c.Assert {
		return "Assert" + c.Kind
	}
	return "Condition" + c.Kind
}

func negation(c *unit.Condition) string {
	s := ""
	if c.Trigger {
		s += "|"
	}
	if c.Negate {
		s += "!"
	}
	return s
}

// Setting is a check as written in the unit file: "ConditionPathExists=!/x", "AssertPathIsDirectory=|/y".
func Setting(c *unit.Condition) string {
	if c == nil {
		return ""
	}
	return name(c) + "=" + negation(c) + c.Param
}

// Describe formats a failed result as systemctl status shows it.
func Describe(r Result) string {
	if r.OK || r.Failed == nil {
		return ""
	}
	return strings.TrimSpace(r.Reason)
}
