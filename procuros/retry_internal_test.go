package procuros

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, InitialDelay: 100 * time.Millisecond, MaxDelay: time.Second, Jitter: NoJitter}.withDefaults()
	half := func() float64 { return 0.5 }
	var got []time.Duration
	for n := 1; n <= 6; n++ {
		got = append(got, p.delay(n, 0, half))
	}
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second, time.Second}, got, "doubling, capped at MaxDelay, no jitter")

	assert.Equal(t, 3*time.Second, p.delay(1, 3*time.Second, half), "Retry-After is the least wait")

	p.Jitter = 0.5
	assert.Equal(t, 400*time.Millisecond, p.delay(4, 0, func() float64 { return 0 }), "jitter takes up to half off")
	assert.Equal(t, 600*time.Millisecond, p.delay(4, 0, half))
	for range 100 {
		d := p.delay(4, 0, func() float64 { return 0.999999 })
		assert.True(t, d > 400*time.Millisecond && d <= 800*time.Millisecond, d)
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	assert.Equal(t, DefaultRetryPolicy(), RetryPolicy{}.withDefaults())
	p := RetryPolicy{MaxAttempts: 2, Jitter: 7}.withDefaults()
	assert.Equal(t, RetryPolicy{MaxAttempts: 2, InitialDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, Jitter: 1}, p)
	assert.Equal(t, 1, NoRetry().withDefaults().MaxAttempts)
}

// TestRetryJitterDefault: a zero Jitter means the default like the other
// fields' zeros; NoJitter, or any negative value, turns it off.
func TestRetryJitterDefault(t *testing.T) {
	custom := RetryPolicy{MaxAttempts: 3, InitialDelay: time.Second, MaxDelay: time.Minute}
	assert.Equal(t, 0.5, custom.withDefaults().Jitter)
	assert.Equal(t, 500*time.Millisecond, custom.withDefaults().delay(1, 0, func() float64 { return 0 }))

	custom.Jitter = NoJitter
	assert.Zero(t, custom.withDefaults().Jitter)
	assert.Equal(t, time.Second, custom.withDefaults().delay(1, 0, func() float64 { return 0 }))
	custom.Jitter = -0.3
	assert.Zero(t, custom.withDefaults().Jitter)
	custom.Jitter = math.NaN()
	assert.Equal(t, 0.5, custom.withDefaults().Jitter)
}

// TestRetryAfterClamped: a Retry-After beyond a day, in seconds however
// many digits or as a date, is a day, not an overflowed Duration.
func TestRetryAfterClamped(t *testing.T) {
	h := http.Header{}
	for _, v := range []string{"86401", "9223372036", "9223372037", "99999999999999999999999999"} {
		h.Set("Retry-After", v)
		assert.Equal(t, 24*time.Hour, retryAfter(h), v)
	}
	h.Set("Retry-After", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
	assert.Equal(t, 24*time.Hour, retryAfter(h))
	h.Set("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")
	assert.Zero(t, retryAfter(h))
	h.Set("Retry-After", "-5")
	assert.Zero(t, retryAfter(h))
}

// TestRequestConstructionPermanent: a request that cannot be built fails
// the same way on every attempt, so it is tried once and reported as
// Misconfigured (Send) or ErrMisconfigured (other calls), never Retryable.
func TestRequestConstructionPermanent(t *testing.T) {
	c, err := NewClient(Config{BaseURL: "http://127.0.0.1:1", Token: "t", Retry: RetryPolicy{MaxAttempts: 5, InitialDelay: time.Millisecond}})
	if !assert.NoError(t, err) {
		return
	}
	req := request{op: "send", method: "BAD METHOD", path: "transactions", body: []byte("{}")}
	ex, err := c.do(t.Context(), req)
	assert.NoError(t, err)
	assert.Equal(t, 1, ex.attempts)
	assert.False(t, ex.retryable)
	res := c.sendResult(ex)
	assert.Equal(t, Misconfigured, res.Outcome)
	assert.Contains(t, res.Message, "build request")
	assert.False(t, res.Delivered())
	assert.ErrorIs(t, c.call(t.Context(), req, nil), ErrMisconfigured)
}

func TestRetryAfterHeader(t *testing.T) {
	h := http.Header{}
	assert.Zero(t, retryAfter(h))
	h.Set("Retry-After", "7")
	assert.Equal(t, 7*time.Second, retryAfter(h))
	h.Set("Retry-After", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
	assert.Zero(t, retryAfter(h), "a date in the past means now")
	h.Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	assert.InDelta(t, time.Hour.Seconds(), retryAfter(h).Seconds(), 5)
	h.Set("Retry-After", "soon")
	assert.Zero(t, retryAfter(h))
}

func TestClassify(t *testing.T) {
	for status, want := range map[int]bool{200: false, 201: false, 400: false, 401: false, 404: false, 408: true, 422: false, 429: true, 500: true, 502: true, 503: true} {
		got, _ := classify(&response{status: status, header: http.Header{}}, nil)
		assert.Equal(t, want, got, status)
	}
	got, _ := classify(nil, assert.AnError)
	assert.True(t, got, "no response at all is retryable")
}
