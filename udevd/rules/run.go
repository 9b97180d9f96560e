package rules

import (
	"context"
	"fmt"

	"github.com/sysmaster/sysmaster/udevd/builtin"
)

// ExecuteRun carries out the RUN list collected by Apply, in order: builtins in process, programs with the
// device's properties as environment, each bounded by what is left of the event's timeout. A failure is
// logged and the next entry runs.
func (ev *Event) ExecuteRun(ctx context.Context) {
	for _, r := range ev.Run {
		if ctx.Err() != nil {
			return
		}
		if r.Builtin {
			argv := SplitCommand(r.Command)
			if len(argv) == 0 {
				continue
			}
			b, ok := builtin.Lookup(argv[0])
			if !ok {
				ev.logf("RUN{builtin}: unknown builtin %q", argv[0])
				continue
			}
			if err := b.Run(ctx, ev.Dev, argv, ev.Test); err != nil {
				ev.logf("RUN{builtin}=%q: %v", r.Command, err)
			}
			continue
		}
		if _, err := ev.spawn(ctx, r.Command); err != nil {
			ev.logf("%s", fmt.Sprintf("RUN=%q: %v", r.Command, err))
		}
	}
}
