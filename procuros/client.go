package procuros

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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
	// The Client sends with a copy of it whose CheckRedirect returns
	// http.ErrUseLastResponse, whatever HTTPClient's own says: a followed
	// 301, 302 or 303 turns the POST of a transaction into a GET, whose 2xx
	// would read as a delivery of a document never created. A 3xx thus comes
	// back as itself, and is a failure (see Send).
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

	// UserAgent is sent as User-Agent; empty means "edibridge". Control
	// characters are refused, since net/http would fail every request.
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
	if err := cfg.Token.check(); err != nil {
		return nil, err
	}
	if i := strings.IndexFunc(cfg.UserAgent, isControl); i >= 0 {
		return nil, fmt.Errorf("procuros: user agent has a control character at byte %d", i+1)
	}
	if cfg.PerPage < 0 || cfg.PerPage > 100 {
		return nil, fmt.Errorf("procuros: per page must be between 1 and 100, not %d", cfg.PerPage)
	}
	c := &Client{
		base:      base,
		token:     cfg.Token,
		http:      noRedirects(cfg.HTTPClient),
		timeout:   cfg.Timeout,
		retry:     cfg.Retry.withDefaults(),
		perPage:   cfg.PerPage,
		log:       cfg.Logger,
		userAgent: cfg.UserAgent,
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

// noRedirects returns a copy of hc, or a new client when hc is nil, that
// never follows a redirect (see Config.HTTPClient). hc itself is left alone:
// the caller may share it.
func noRedirects(hc *http.Client) *http.Client {
	c := &http.Client{}
	if hc != nil {
		*c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

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

// response is what one attempt received. readErr is set when the body
// could not be read to the end: the status stands all the same, since it
// tells what the server did (a 201 whose body is cut off still created the
// transaction).
type response struct {
	status  int
	header  http.Header
	body    []byte
	readErr error
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
	if ex.resp == nil && !ex.retryable {
		return ex.err // a *permanentError, after one attempt
	}
	if ex.resp == nil {
		return fmt.Errorf("after %d attempts: %w", ex.attempts, ex.err)
	}
	if ex.resp.status < 200 || ex.resp.status > 299 {
		return c.apiError(ex)
	}
	if out == nil {
		return nil
	}
	// Not retried: the request took effect, and repeating a POST such as
	// a reported error would repeat that effect.
	if ex.resp.readErr != nil {
		return ex.resp.readErr
	}
	if err := json.Unmarshal(ex.resp.body, out); err != nil {
		return fmt.Errorf("decode HTTP %d response: %w", ex.resp.status, err)
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
// A transport error is returned as such, or as a *permanentError when
// repeating the request cannot help.
func (c *Client) attempt(ctx context.Context, req request, n int) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hr, err := c.newRequest(ctx, req)
	if err != nil {
		return nil, &permanentError{fmt.Errorf("build request: %w", err)}
	}
	start := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		c.logAttempt(ctx, req, n, 0, start, err)
		if isCertificateError(err) {
			return nil, &permanentError{err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.logAttempt(ctx, req, n, resp.StatusCode, start, err)
	r := &response{status: resp.StatusCode, header: resp.Header, body: data}
	if err != nil {
		r.readErr = fmt.Errorf("read HTTP %d response: %w", resp.StatusCode, err)
	}
	return r, nil
}

func (c *Client) newRequest(ctx context.Context, req request) (*http.Request, error) {
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
	return hr, nil
}

// permanentError is a failure to exchange a request that retrying cannot
// mend: the request could not be built, or the server's certificate was
// refused. Send reports it as Misconfigured, the other calls as an error
// matching ErrMisconfigured.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrMisconfigured) work.
func (e *permanentError) Is(target error) bool { return target == ErrMisconfigured }

// isCertificateError tells a TLS failure that is the same on every attempt:
// a certificate that does not verify (unknown authority, wrong host name,
// expired), or a server that does not speak TLS at all (an https URL to a
// plain http port). Such a failure needs a person, not a retry.
func isCertificateError(err error) bool {
	var verification *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	return errors.As(err, &verification) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) || errors.Is(err, http.ErrSchemeMismatch)
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
		// Timeouts, refused or reset connections may pass; a request that
		// cannot be built or a certificate that does not verify will not.
		var permanent *permanentError
		return err != nil && !errors.As(err, &permanent), 0
	}
	switch {
	case resp.status == http.StatusTooManyRequests, resp.status == http.StatusRequestTimeout, resp.status >= 500:
		return true, retryAfter(resp.header)
	}
	return false, 0
}

// maxRetryAfter caps a server's Retry-After. A larger value is more likely a
// fault than a plan, and multiplied into a Duration it would overflow.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After header in seconds or as an HTTP date,
// capped at maxRetryAfter.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// ParseUint returns the largest uint64 on overflow, so a huge
		// number is capped like any other.
		return time.Duration(min(secs, uint64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
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
