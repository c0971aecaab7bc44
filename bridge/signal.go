package bridge

import (
	"context"
	"time"
)

// A signal wakes a worker: notify never blocks, and notifications that
// come while the worker is busy fold into one.
type signal struct{ c chan struct{} }

func newSignal() *signal { return &signal{c: make(chan struct{}, 1)} }

func (s *signal) notify() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// loop runs step until ctx ends. After a step that did all there was to
// do, it waits for the signal, for the time the step says the next work
// is due (zero: no such time), or for idle, whichever comes first. After
// an error it waits errorWait before trying again.
func loop(ctx context.Context, wake *signal, idle time.Duration, step func() (more bool, next time.Time, err error), onError func(error)) error {
	const errorWait = 5 * time.Second
	for {
		more, next, err := step()
		wait := idle
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			onError(err)
			wait = errorWait
		case more:
			continue
		case !next.IsZero():
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-wake.c:
		case <-timer.C:
		}
		timer.Stop()
	}
}
