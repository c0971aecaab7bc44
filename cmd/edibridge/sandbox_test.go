package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

const sandboxToken = "sandbox-test-token"

// lines collects what a command writes, and hands out complete lines.
type lines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	ch      chan string
}

func newLines() *lines { return &lines{ch: make(chan string, 100)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		select {
		case l.ch <- string(l.partial[:i]):
		default:
		}
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// sandbox runs "edibridge sandbox" in-process on a free port and returns its
// base URL and stderr; the command stops when the test ends.
func sandbox(t *testing.T, vars map[string]string, args ...string) (string, *lines) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	stdout, stderr := newLines(), newLines()
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(k string) string { return vars[k] }}
	done := make(chan error, 1)
	go func() { done <- runSandbox(ctx, e, append([]string{"--listen", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "graceful shutdown")
		case <-time.After(10 * time.Second):
			t.Error("sandbox did not stop")
		}
	})
	select {
	case line := <-stdout.ch:
		base, ok := strings.CutPrefix(line, "listening on ")
		require.True(t, ok, "first line: %q", line)
		return base, stderr
	case err := <-done:
		t.Fatalf("sandbox ended: %v (stderr: %s)", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not start")
	}
	return "", nil
}

// specExample returns a published example of POST /v2/transactions.
func specExample(t *testing.T, name string) []byte {
	t.Helper()
	doc, err := spec.Load()
	require.NoError(t, err)
	ex := doc.Paths.Value("/v2/transactions").Post.RequestBody.Value.Content.Get("application/json").Examples[name]
	require.NotNil(t, ex, name)
	data, err := json.Marshal(ex.Value.Value)
	require.NoError(t, err)
	return data
}

// withTimestamps gives the Minimal Order example the full DateTimes the
// spec's pattern requires.
func withTimestamps(example []byte) []byte {
	return []byte(strings.NewReplacer(
		`"2021-09-30"`, `"2021-09-30T00:00:00+02:00"`,
		`"2021-10-05"`, `"2021-10-05T00:00:00+02:00"`,
	).Replace(string(example)))
}

func post(t *testing.T, url string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+sandboxToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestSandboxAnswersSpecExample(t *testing.T) {
	incoming := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(incoming, "order.json"),
		[]byte(`{"type":"ORDER","content":{"header":{"orderIdentifier":"PO-1","orderDate":"2021-09-30"}}}`), 0o600))
	base, stderr := sandbox(t, map[string]string{"PROCUROS_API_TOKEN": sandboxToken}, "--incoming", incoming)

	example := specExample(t, "Minimal Order")
	status, body := post(t, base+"/v2/transactions", example)
	assert.Equal(t, 422, status, "the published example has date-only DateTimes")
	assert.Equal(t, "The given data was invalid.", body["message"])
	assert.Contains(t, body["errors"], "content.header.orderDate")
	assert.Contains(t, body["errorUrl"], base+"/_admin/errors/")

	status, body = post(t, base+"/v2/transactions", withTimestamps(example))
	assert.Equal(t, 201, status)
	assert.Len(t, body["procurosTransactionId"], 36)

	status, body = post(t, base+"/v2/transactions", withTimestamps(example))
	assert.Equal(t, 400, status)
	assert.Equal(t, "Payload already received", body["message"])

	req, err := http.NewRequestWithContext(t.Context(), "GET", base+"/v2/transactions?per_page=10", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+sandboxToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var page struct {
		Count int `json:"count"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	resp.Body.Close()
	assert.Equal(t, 1, page.Count, "the incoming folder is served")

	logs := stderr.String()
	assert.Contains(t, logs, "incoming transactions queued")
	assert.Contains(t, logs, "status=201")
	assert.Contains(t, logs, "outcome=duplicate")
	assert.NotContains(t, logs, sandboxToken)
}

// TestSandboxCurl is the black-box check: curl posts a spec example.
func TestSandboxCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not on PATH")
	}
	base, _ := sandbox(t, nil, "--token", sandboxToken)
	file := filepath.Join(t.TempDir(), "order.json")
	require.NoError(t, os.WriteFile(file, withTimestamps(specExample(t, "Minimal Order")), 0o600))

	run := func(args ...string) (string, string) {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), curl, append([]string{"-sS", "-w", "\n%{http_code}"}, args...)...).Output()
		require.NoError(t, err)
		body, code, _ := strings.Cut(strings.TrimRight(string(out), "\n"), "\n")
		if code == "" { // no body: the status is the only line
			body, code = "", body
		}
		return body, code
	}
	auth := "Authorization: Bearer " + sandboxToken
	body, code := run("-X", "POST", "-H", auth, "-H", "Content-Type: application/json", "--data-binary", "@"+file, base+"/v2/transactions")
	assert.Equal(t, "201", code, body)
	assert.Contains(t, body, `"procurosTransactionId"`)

	body, code = run("-X", "POST", "-H", auth, "-H", "Content-Type: application/json", "--data-binary", "@"+file, base+"/v2/transactions")
	assert.Equal(t, "400", code)
	assert.Contains(t, body, "Payload already received")

	_, code = run("-H", auth, base+"/v2/ping")
	assert.Equal(t, "204", code)
	body, code = run(base + "/v2/ping")
	assert.Equal(t, "401", code)
	assert.JSONEq(t, `{"message":"Unauthenticated."}`, body)

	body, code = run("-X", "POST", "--data", `{"kind":"429","retryAfter":"1"}`, base+"/_admin/faults")
	assert.Equal(t, "201", code, body)
	_, code = run("-H", auth, base+"/v2/ping")
	assert.Equal(t, "429", code)
	body, code = run(base + "/_admin/")
	assert.Equal(t, "200", code)
	assert.Contains(t, body, `"duplicates":1`)
}

// TestSandboxMaxRecords: --max-records bounds what the sandbox keeps.
func TestSandboxMaxRecords(t *testing.T) {
	base, _ := sandbox(t, nil, "--token", sandboxToken, "--max-records", "2")
	example := withTimestamps(specExample(t, "Minimal Order"))
	for _, number := range []string{"PO-1", "PO-2", "PO-3"} {
		status, _ := post(t, base+"/v2/transactions", bytes.Replace(example, []byte("PO9383-R46"), []byte(number), 1))
		require.Equal(t, 201, status)
	}
	resp, err := http.Get(base + "/_admin/received")
	require.NoError(t, err)
	defer resp.Body.Close()
	var received []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&received))
	assert.Len(t, received, 2)
}

func TestSandboxUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"no token", nil, nil, 2},
		{"unknown type", []string{"--token", "t", "--not-forwarded-types", "ORDER,PAYMENT"}, nil, 2},
		{"bad flow", []string{"--token", "t", "--flow", "PROD"}, nil, 2},
		{"argument", []string{"--token", "t", "extra"}, nil, 2},
		{"unknown flag", []string{"--nope"}, nil, 2},
		{"missing folder", []string{"--incoming", "/nonexistent/folder"}, map[string]string{"PROCUROS_API_TOKEN": "t"}, 1},
		{"bad address", []string{"--token", "t", "--listen", "256.0.0.1:99999"}, nil, 1},
		{"no records", []string{"--token", "t", "--max-records", "0"}, nil, 2},
		{"help", []string{"-h"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr := newLines(), newLines()
			e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(k string) string { return tt.env[k] }}
			code := run(t.Context(), e, append([]string{"sandbox"}, tt.args...))
			assert.Equal(t, tt.code, code, "stderr: %s", stderr.String())
		})
	}
}

func TestSandboxFlagsToOptions(t *testing.T) {
	e := &env{getenv: func(string) string { return "from-env" }}
	opts, err := sandboxOptions(e, "", " INVOICE , CREDIT_NOTE ", "4012345000009,,", "test")
	require.NoError(t, err)
	assert.Equal(t, procuros.Token("from-env"), opts.Token)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", opts, opts), "from-env", "the token prints redacted")
	assert.Equal(t, "TEST", string(opts.Flow))
	assert.Len(t, opts.NotForwardedTypes, 2)
	assert.Equal(t, []string{"4012345000009"}, opts.NotForwardedPartners)

	var ee *exitError
	_, err = sandboxOptions(&env{getenv: func(string) string { return "" }}, "", "", "", "LIVE")
	require.True(t, errors.As(err, &ee))
	assert.Equal(t, 2, ee.code)
}

var _ io.Writer = (*lines)(nil)
