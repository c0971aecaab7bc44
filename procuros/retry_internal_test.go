package procuros

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, InitialDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
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
