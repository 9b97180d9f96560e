package timer

import "github.com/sysmaster/sysmaster/pkg/calendar"

// next is the outcome of computing the timer's elapses: the earliest monotonic and realtime ones (0: none), and
// whether a value that follows the triggered unit keeps the timer around (compute also disables the one-time
// values that came, in the state, and keeps each value's elapse in machine.nexts).
type next struct {
	mono, real  uint64
	leaveAround bool
}

// compute is systemd's timer_enter_waiting without the arming: the next elapse of every value that is not
// disabled, from its base. timeChange is set when the clock was set: one-shot values are not disabled then.
func (m *machine) compute(timeChange bool) next {
	var n next
	real, mono := m.env.now()
	m.nexts = make([]uint64, len(m.c.Values))
	for i, v := range m.c.Values {
		if m.s.disabled(i) {
			continue
		}
		if v.Base == onCalendar {
			spec, err := calendar.Parse(v.Calendar)
			if err != nil {
				continue
			}
			// From the last trigger; before any, from now (systemd counts from the timer's start, which gives
			// the same elapse while the timer waits: a clock set past it is handled in onTimeChanged).
			b := m.s.LastReal
			if b == 0 {
				b = real
			}
			at, err := spec.NextUsec(int64(b))
			if err != nil {
				continue
			}
			// An elapse that passed before the manager started (a catch-up at boot) is due at the start, so
			// that RandomizedDelaySec= spreads catch-ups too; the start is taken on CLOCK_MONOTONIC, since the
			// wall clock may have been wrong at boot.
			if rebased := real - min(real, mono-min(mono, m.env.startup())); uint64(at) < rebased {
				at = int64(rebased)
			}
			m.nexts[i] = uint64(at)
			if n.real == 0 || uint64(at) < n.real {
				n.real = uint64(at)
			}
			continue
		}
		var base uint64
		switch v.Base {
		case onActive:
			base = mono
			if m.active() {
				base = m.s.ActivatedMono
			}
		case onBoot:
			base = 0 // CLOCK_MONOTONIC is the uptime
		case onStartup:
			base = m.env.startup()
		case onUnitActive:
			n.leaveAround = true
			if base = max(m.s.UnitUpMono, m.s.LastMono); base == 0 {
				continue
			}
		case onUnitIdle:
			n.leaveAround = true
			if base = max(m.s.UnitDownMono, m.s.LastMono); base == 0 {
				continue
			}
		}
		at := base + v.USec
		if (m.s.LastReal != 0 || m.s.LastMono != 0) && !timeChange && at < mono &&
			(v.Base == onActive || v.Base == onBoot || v.Base == onStartup) {
			m.s.disable(i) // a one-time elapse that came already
			continue
		}
		m.nexts[i] = at
		if n.mono == 0 || at < n.mono {
			n.mono = at
		}
	}
	return n
}

// addRandom adds RandomizedDelaySec='s delay to the elapse at (systemd's add_random).
func (m *machine) addRandom(at uint64) uint64 {
	if m.c.RandomizedDelayUSec == 0 || at == 0 {
		return at
	}
	var add uint64
	if m.c.FixedRandomDelay {
		add = m.env.fixedDelay(m.c.Name) % m.c.RandomizedDelayUSec
	} else {
		add = m.env.random(m.c.RandomizedDelayUSec)
	}
	return at + add
}

// coalesce picks the time to wake up for an elapse at at with AccuracySec= accuracy, as sd-event's
// sleep_between does: the latest time in [at, at+accuracy] that falls on this boot's perturbation within the
// minute, else within 10 s, 1 s, 250 ms, else at+accuracy. Every timer of the boot (and of every program on
// sd-event) thus wakes at the same instants.
func coalesce(at, accuracy, perturb uint64) uint64 {
	if accuracy <= 1 {
		return at
	}
	b := at + accuracy
	for _, step := range []uint64{60e6, 10e6, 1e6, 250e3} {
		c := b/step*step + perturb%step
		if c >= b {
			if c < step {
				return b
			}
			c -= step
		}
		if c >= at {
			return c
		}
	}
	return b
}
