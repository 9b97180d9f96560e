package dbusapi

import (
	"errors"
	"testing"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// The core's refusals of freeze, thaw and clean get the error names systemd 252's bus_unit_method_freezer_generic
// and bus_unit_method_clean answer with.
func TestVerbErrorNames(t *testing.T) {
	for _, c := range []struct {
		err  error
		name string
	}{
		{errdefs.FailedPrecondition(errors.New("Unit is inactive.")), errUnitInactive},
		{errdefs.FailedPrecondition(errors.New("Unit has a pending job.")), errUnitBusy},
		{errdefs.FailedPrecondition(errors.New("Previously requested freezer operation for unit 'a.service' is still in progress.")), errUnitBusy},
		{errdefs.FailedPrecondition(errors.New("Unit 'a.target' does not support freezing.")), errNotSupported},
		{errdefs.FailedPrecondition(errors.New("Unit 'a.target' does not support cleaning.")), errNotSupported},
		{errdefs.FailedPrecondition(errors.New("Unit is not inactive or has pending job.")), errUnitBusy},
		{errdefs.FailedPrecondition(errors.New("No matching resources found.")), errNothingToClean},
		{errdefs.InvalidArgument(errors.New("Invalid log level 'loud'")), errInvalidArgs},
		{errdefs.FailedPrecondition(errors.New("something else")), errFailed},
	} {
		if name, text := errorName(c.err); name != c.name || text != c.err.Error() {
			t.Errorf("%v: %s %q, want %s", c.err, name, text, c.name)
		}
	}
}
