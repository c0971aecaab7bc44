package procuros

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Base URLs of the two Procuros environments. The spec's paths start with
// /v2, so these end at the host; the client adds /v2/... itself.
const (
	ProductionURL = "https://api.procuros.io"
	StagingURL    = "https://api.procuros-staging.io"
)

// Defaults of Config.
const (
	DefaultTimeout = 30 * time.Second
	DefaultPerPage = 100
	// maxResponseBytes bounds what is read of one response: a page of 100
	// large transactions stays well below it.
	maxResponseBytes = 64 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is ProductionURL, StagingURL or any other API, such as the
	// sandbox. A trailing "/v2" is accepted and ignored. Plain http is
	// refused except for loopback hosts, since the token would travel in
	// clear, unless AllowInsecureHTTP is set.
	BaseURL           string
	AllowInsecureHTTP bool

	// Token authenticates every request.
	Token Token

	// HTTPClient sends the requests; nil means a client with the default
	// transport. Leave its Timeout zero: Timeout below bounds each attempt.
	HTTPClient *http.Client

	// Timeout bounds one attempt, from sending the request to reading the
	// whole response. Zero means DefaultTimeout.
	Timeout time.Duration

	// Retry is the policy for 429, 5xx, timeouts and connection errors.
	// The zero value means DefaultRetryPolicy.
	Retry RetryPolicy

	// PerPage is sent as per_page on every list request (the API's default
	// differs between versions, SPEC-NOTES item 6). Zero means 100.
	PerPage int

	// Logger receives one debug record per attempt and a warning per
	// retry; nil discards them. Records never contain the token or bodies.
	Logger *slog.Logger

	// UserAgent is sent as User-Agent; empty means "edibridge".
	UserAgent string
}

// Client talks to the Procuros API v2. It is safe for concurrent use.
type Client struct {
	base      *url.URL // scheme, host and optional path prefix, without /v2
	token     Token
	http      *http.Client
	timeout   time.Duration
	retry     RetryPolicy
	perPage   int
	log       *slog.Logger
	userAgent string
}

// NewClient checks cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL, cfg.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, ErrNoToken
	}
	if cfg.PerPage < 0 || cfg.PerPage > 100 {
		return nil, fmt.Errorf("procuros: per page must be between 1 and 100, not %d", cfg.PerPage)
	}
	c := &Client{
		base:      base,
		token:     cfg.Token,
		http:      cfg.HTTPClient,
		timeout:   cfg.Timeout,
		retry:     cfg.Retry.withDefaults(),
		perPage:   cfg.PerPage,
		log:       cfg.Logger,
		userAgent: cfg.UserAgent,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.perPage == 0 {
		c.perPage = DefaultPerPage
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = "edibridge"
	}
	return c, nil
}

func parseBaseURL(raw string, allowHTTP bool) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("procuros: no base URL (use ProductionURL, StagingURL or the sandbox's URL)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("procuros: base URL: %w", err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("procuros: base URL %q must be http(s)://host[/prefix]", raw)
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("procuros: base URL %q: plain http would send the token in clear; use https", raw)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v2")
	u.RawPath, u.RawQuery, u.Fragment, u.User = "", "", "", nil
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL returns the API root the client talks to, ending in /v2, as it
// appears in messages.
func (c *Client) BaseURL() string { return c.base.JoinPath("v2").String() }

// Ping checks connectivity and the token: GET /v2/ping. Any 2xx is
// success (the spec says 204, a documentation sample 200).
func (c *Client) Ping(ctx context.Context) error {
	if err := c.call(ctx, request{op: "ping", method: http.MethodGet, path: "ping"}, nil); err != nil {
		return fmt.Errorf("procuros: ping: %w", err)
	}
	return nil
}

// request describes one API call; body, when not nil, is sent unchanged on
// every attempt.
type request struct {
	op     string // for logs
	method string
	path   string // below /v2, already escaped
	query  url.Values
	body   []byte
}

// response is what one attempt received.
type response struct {
	status int
	header http.Header
	body   []byte
}

// exchange is the end of a retried request: the last response, or the last
// transport error when no response came, and what to wait before trying
// again if that last attempt was retryable.
type exchange struct {
	resp       *response
	err        error
	attempts   int
	retryable  bool
	retryAfter time.Duration
}

// call runs req with retries and decodes a 2xx body into out (when not
// nil). Anything else is an *APIError or a transport error.
func (c *Client) call(ctx context.Context, req request, out any) error {
	ex, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	if ex.resp == nil {
		return fmt.Errorf("after %d attempts: %w", ex.attempts, ex.err)
	}
	if ex.resp.status < 200 || ex.resp.status > 299 {
		return c.apiError(ex)
	}
	if out != nil {
		if err := json.Unmarshal(ex.resp.body, out); err != nil {
			return fmt.Errorf("decode HTTP %d response: %w", ex.resp.status, err)
		}
	}
	return nil
}

// do sends req until it gets an answer that retrying cannot change, the
// retry policy is exhausted, or ctx ends. The only error is the end of ctx;
// everything else is in the exchange.
func (c *Client) do(ctx context.Context, req request) (exchange, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, req, attempt)
		if err != nil && ctx.Err() != nil {
			// The caller gave up; this is not the server's doing.
			return exchange{}, context.Cause(ctx)
		}
		ex := exchange{resp: resp, err: err, attempts: attempt}
		retryable, serverWait := classify(resp, err)
		if !retryable {
			return ex, nil
		}
		ex.retryable = true
		ex.retryAfter = c.retry.delay(attempt, serverWait, rand.Float64)
		if attempt >= c.retry.MaxAttempts || serverWait > c.retry.MaxDelay {
			return ex, nil
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "procuros: retrying",
			slog.String("op", req.op), slog.Int("attempt", attempt),
			slog.String("cause", describe(resp, err)), slog.Duration("wait", ex.retryAfter))
		if err := sleep(ctx, ex.retryAfter); err != nil {
			return exchange{}, err
		}
	}
}

// attempt performs one HTTP exchange, bounded by the client's timeout.
func (c *Client) attempt(ctx context.Context, req request, n int) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.base.JoinPath("v2", req.path)
	u.RawQuery = req.query.Encode()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Authorization", "Bearer "+string(c.token))
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.userAgent)
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		c.logAttempt(ctx, req, n, 0, start, err)
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.logAttempt(ctx, req, n, resp.StatusCode, start, err)
	if err != nil {
		return nil, fmt.Errorf("read HTTP %d response: %w", resp.StatusCode, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (c *Client) logAttempt(ctx context.Context, req request, n, status int, start time.Time, err error) {
	attrs := []slog.Attr{
		slog.String("op", req.op), slog.String("method", req.method), slog.String("path", "/v2/"+req.path),
		slog.Int("attempt", n), slog.Int("status", status), slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "procuros: request", attrs...)
}

// classify tells whether an attempt may succeed when repeated, and how long
// the server asked to wait (Retry-After), if it did.
func classify(resp *response, err error) (retryable bool, serverWait time.Duration) {
	if resp == nil {
		return err != nil, 0 // timeouts, refused or reset connections
	}
	switch {
	case resp.status == http.StatusTooManyRequests, resp.status == http.StatusRequestTimeout, resp.status >= 500:
		return true, retryAfter(resp.header)
	}
	return false, 0
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func describe(resp *response, err error) string {
	if resp != nil {
		msg := errorBody(resp.body).Message
		if msg == "" {
			return fmt.Sprintf("HTTP %d", resp.status)
		}
		return fmt.Sprintf("HTTP %d: %s", resp.status, msg)
	}
	if err != nil {
		return err.Error()
	}
	return "no response"
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
