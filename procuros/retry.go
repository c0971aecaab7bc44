package procuros

import (
	"math"
	"time"
)

// RetryPolicy says how a Client repeats a request that failed in a way that
// may pass: 408, 429, 5xx, a timeout or a connection error. Other answers
// are never repeated. A repeated request carries the very bytes of the
// first one, so that the API's duplicate detection (400 "Payload already
// received") recognises a transaction whose first response was lost.
//
// Waits grow exponentially from InitialDelay, capped at MaxDelay, with
// Jitter spreading clients that failed together. A server's Retry-After is
// honoured as the least wait; when it exceeds MaxDelay the client stops
// retrying in-process and reports the wait instead (SendResult.RetryAfter,
// APIError.RetryAfter), so that a durable scheduler can take over.
type RetryPolicy struct {
	// MaxAttempts counts every attempt including the first; 1 disables
	// retries. Zero means DefaultRetryPolicy as a whole.
	MaxAttempts int
	// InitialDelay is the wait after the first failure; zero means 500ms.
	InitialDelay time.Duration
	// MaxDelay caps every wait; zero means 30s.
	MaxDelay time.Duration
	// Jitter is the fraction (0 to 1) of each wait that is random: with 0.5
	// a 2s wait becomes 1s to 2s. Zero means 0.5, like the other fields'
	// zero values mean their defaults; NoJitter (any negative value) turns
	// jitter off, for waits that must be exact.
	Jitter float64
}

// NoJitter is the Jitter of a policy whose waits are not randomised.
const NoJitter = -1.0

// defaultJitter is the Jitter that a zero Jitter stands for.
const defaultJitter = 0.5

// DefaultRetryPolicy makes 4 attempts over about 3.5 seconds at most, then
// hands over to the caller.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, InitialDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, Jitter: defaultJitter}
}

// NoRetry makes every call a single attempt.
func NoRetry() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		return DefaultRetryPolicy()
	}
	if p.InitialDelay <= 0 {
		p.InitialDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	switch {
	case p.Jitter < 0:
		p.Jitter = 0
	case p.Jitter == 0 || math.IsNaN(p.Jitter):
		p.Jitter = defaultJitter
	}
	p.Jitter = min(p.Jitter, 1)
	return p
}

// delay is the wait after failed attempt n (1-based): the exponential
// backoff with jitter, but never less than what the server asked for.
// random returns a number in [0, 1).
func (p RetryPolicy) delay(n int, serverWait time.Duration, random func() float64) time.Duration {
	d := p.InitialDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if p.Jitter > 0 {
		spread := time.Duration(float64(d) * p.Jitter)
		d = d - spread + time.Duration(random()*float64(spread))
	}
	return max(d, serverWait)
}
