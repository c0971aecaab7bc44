package procurostest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
	"github.com/edibridge/edibridge/procuros/spec"
)

const token = "sandbox-token"

func start(t *testing.T, opts procurostest.Options) *procurostest.TestServer {
	t.Helper()
	opts.Token = token
	ts, err := procurostest.Start(opts)
	require.NoError(t, err)
	t.Cleanup(ts.Close)
	return ts
}

// call makes a request with the token (when auth) and returns status and
// decoded JSON body (nil when empty).
func call(t *testing.T, ts *procurostest.TestServer, method, path, body string, auth bool) (int, map[string]any) {
	t.Helper()
	status, raw := callRaw(t, ts, method, path, body, auth)
	if len(raw) == 0 {
		return status, nil
	}
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	return status, out
}

func callRaw(t *testing.T, ts *procurostest.TestServer, method, path, body string, auth bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

// example returns a published example of POST /v2/transactions as JSON.
func example(t *testing.T, name string) string {
	t.Helper()
	doc, err := spec.Load()
	require.NoError(t, err)
	ex := doc.Paths.Value("/v2/transactions").Post.RequestBody.Value.Content.Get("application/json").Examples[name]
	require.NotNil(t, ex, name)
	data, err := json.Marshal(ex.Value.Value)
	require.NoError(t, err)
	return string(data)
}

func TestNewServerNeedsToken(t *testing.T) {
	_, err := procurostest.NewServer(procurostest.Options{})
	assert.Error(t, err)
}

func TestAuthentication(t *testing.T) {
	ts := start(t, procurostest.Options{})
	status, body := call(t, ts, "GET", "/v2/ping", "", false)
	assert.Equal(t, 401, status)
	assert.Equal(t, "Unauthenticated.", body["message"])

	req, err := http.NewRequestWithContext(t.Context(), "GET", ts.URL+"/v2/ping", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Basic "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)

	status, _ = call(t, ts, "GET", "/v2/ping", "", true)
	assert.Equal(t, 204, status)
	status, _ = call(t, ts, "GET", "/v2/nowhere", "", false)
	assert.Equal(t, 401, status, "the token is checked before routing")
	status, body = call(t, ts, "GET", "/v2/nowhere", "", true)
	assert.Equal(t, 404, status)
	assert.Equal(t, "Not found.", body["message"])
}

// TestSpecExampleOverHTTP posts the published Minimal Order as it is, then
// with full timestamps, then again.
func TestSpecExampleOverHTTP(t *testing.T) {
	ts := start(t, procurostest.Options{})
	published := example(t, "Minimal Order")
	status, body := call(t, ts, "POST", "/v2/transactions", published, true)
	assert.Equal(t, 422, status)
	assert.Equal(t, "The given data was invalid.", body["message"])
	assert.ElementsMatch(t, []string{"content.header.orderDate", "content.header.requestedDeliveryDate"}, keys(body["errors"]))
	assert.Contains(t, body["errorUrl"], ts.URL+"/_admin/errors/")

	fixed := strings.NewReplacer(`"2021-09-30"`, `"2021-09-30T00:00:00+02:00"`, `"2021-10-05"`, `"2021-10-05T00:00:00+02:00"`).Replace(published)
	status, body = call(t, ts, "POST", "/v2/transactions", fixed, true)
	assert.Equal(t, 201, status)
	id, _ := body["procurosTransactionId"].(string)
	assert.Len(t, id, 36)

	status, body = call(t, ts, "POST", "/v2/transactions", fixed, true)
	assert.Equal(t, 400, status)
	assert.Equal(t, "Payload already received", body["message"])
	assert.Equal(t, ts.URL+"/_admin/transactions/"+id, body["errorUrl"])

	status, body = call(t, ts, "GET", "/_admin/", "", false)
	assert.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"received": 2.0, "accepted": 1.0, "rejected": 1.0, "duplicates": 1.0,
		"pendingIncoming": 0.0, "marks": 0.0, "errors": 0.0, "faultsQueued": 0.0, "requests": 3.0}, body)

	status, raw := callRaw(t, ts, "GET", "/_admin/received", "", false)
	assert.Equal(t, 200, status)
	var received []procurostest.Received
	require.NoError(t, json.Unmarshal(raw, &received))
	require.Len(t, received, 2)
	assert.Equal(t, 422, received[0].Status)
	assert.Equal(t, 1, received[1].Duplicates)
	assert.JSONEq(t, fixed, string(received[1].Body))

	status, _ = call(t, ts, "GET", "/_admin/transactions/"+id, "", false)
	assert.Equal(t, 200, status, "the duplicate's errorUrl resolves")
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSendMalformed(t *testing.T) {
	ts := start(t, procurostest.Options{})
	status, body := call(t, ts, "POST", "/v2/transactions", `{"type":`, true)
	assert.Equal(t, 400, status)
	assert.Equal(t, "The request body is not valid JSON.", body["message"])
	assert.NotEmpty(t, body["errorUrl"])

	status, body = call(t, ts, "POST", "/v2/transactions", `{"type":"PAYMENT_ADVICE","content":{}}`, true)
	assert.Equal(t, 422, status)
	assert.Equal(t, map[string]any{"type": []any{`Transaction type "PAYMENT_ADVICE" is not valid`}}, body["errors"])
}

func TestFaultsOverHTTP(t *testing.T) {
	ts := start(t, procurostest.Options{})
	status, _ := callRaw(t, ts, "POST", "/_admin/faults", `[{"kind":"500"},{"kind":"429","retryAfter":"3","path":"/v2/ping"}]`, false)
	assert.Equal(t, 201, status)

	status, _ = call(t, ts, "GET", "/v2/ping", "", true)
	assert.Equal(t, 500, status)
	req, err := http.NewRequestWithContext(t.Context(), "GET", ts.URL+"/v2/ping", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	status, _ = call(t, ts, "GET", "/v2/ping", "", true)
	assert.Equal(t, 204, status, "faults are used up")

	status, _ = call(t, ts, "POST", "/_admin/faults", `{"kind":"boom"}`, false)
	assert.Equal(t, 400, status)
	status, _ = callRaw(t, ts, "POST", "/_admin/faults", `{"kind":"hang","count":4}`, false)
	assert.Equal(t, 201, status)
	assert.Equal(t, 4, ts.Summary().Faults)
	status, _ = call(t, ts, "DELETE", "/_admin/faults", "", false)
	assert.Equal(t, 204, status)
	assert.Empty(t, ts.Faults())

	var outcomes []string
	for _, r := range ts.Requests() {
		outcomes = append(outcomes, r.Outcome)
	}
	assert.Equal(t, []string{"fault: 500", "fault: 429", "pong"}, outcomes)
}

// TestHangReleasedByClose: a request held by a hang fault is answered when
// the server closes. The request is known to be held before Close (its
// fault was taken, and no answer came), and only Close can release it (the
// client never gives up, MaxHang is an hour).
func TestHangReleasedByClose(t *testing.T) {
	ts := start(t, procurostest.Options{MaxHang: time.Hour})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultHang}))
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", ts.URL+"/v2/ping", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return len(ts.Faults()) == 0 }, 10*time.Second, time.Millisecond,
		"the request took the fault")
	select {
	case status := <-done:
		t.Fatalf("answered %d before Close", status)
	default:
	}
	ts.Server.Close()
	select {
	case status := <-done:
		assert.Equal(t, 504, status, "a released hang answers 504, never an empty 200")
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not release the request")
	}
}

// TestForbiddenFault answers 403 without processing.
func TestForbiddenFault(t *testing.T) {
	ts := start(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultForbidden, Path: "/v2/transactions"}))
	status, body := call(t, ts, "POST", "/v2/transactions", example(t, "Minimal Order"), true)
	assert.Equal(t, 403, status)
	assert.Equal(t, "This action is unauthorized.", body["message"])
	assert.Empty(t, ts.Received())
	assert.Equal(t, "fault: 403", ts.Requests()[0].Outcome)
}

// TestAccessorsReturnCopies: what Received, Pending, Marks and Errors
// return is the caller's own; changing it changes nothing in the server.
func TestAccessorsReturnCopies(t *testing.T) {
	ts := start(t, procurostest.Options{})
	published := example(t, "Minimal Order")
	call(t, ts, "POST", "/v2/transactions", published, true)
	id, err := ts.AddIncoming(procuros.TypeOrder, map[string]any{"header": map[string]any{}})
	require.NoError(t, err)
	_, err = ts.AddIncoming(procuros.TypeOrder, map[string]any{"header": map[string]any{}})
	require.NoError(t, err)
	call(t, ts, "PUT", "/v2/transactions/"+id, `{"success":false,"errorReason":"x","errorType":"DATA","errorContext":{"line":"1"}}`, true)
	call(t, ts, "POST", "/v2/errors", `{"errorReason":"x","errorType":"DATA","errorContext":{"file":"a"}}`, true)

	received := ts.Received()
	require.Len(t, received, 1)
	body := string(received[0].Body)
	received[0].Body[0] = 'X'
	received[0].Errors["content.header.orderDate"][0] = "changed"
	received[0].Errors["new"] = []string{"x"}
	pending := ts.Pending()
	require.Len(t, pending, 1)
	content := string(pending[0]["content"])
	pending[0]["content"][0] = 'X'
	pending[0]["type"] = json.RawMessage(`"INVOICE"`)
	marks := ts.Marks()
	marks[0].ErrorContext["line"] = "changed"
	reported := ts.Errors()
	reported[0].ErrorContext["file"] = "changed"

	assert.Equal(t, body, string(ts.Received()[0].Body))
	assert.NotContains(t, ts.Received()[0].Errors, "new")
	assert.NotEqual(t, "changed", ts.Received()[0].Errors["content.header.orderDate"][0])
	assert.Equal(t, content, string(ts.Pending()[0]["content"]))
	assert.JSONEq(t, `"ORDER"`, string(ts.Pending()[0]["type"]))
	assert.Equal(t, "1", ts.Marks()[0].ErrorContext["line"])
	assert.Equal(t, "a", ts.Errors()[0].ErrorContext["file"])
	_, served := call(t, ts, "GET", "/v2/transactions", "", true)
	assert.Equal(t, "ORDER", served["items"].([]any)[0].(map[string]any)["type"])
}

// TestMaxRecords: a long-running sandbox keeps the last MaxRecords of each
// record, and duplicate detection holds for the sends it keeps.
func TestMaxRecords(t *testing.T) {
	ts := start(t, procurostest.Options{MaxRecords: 3})
	fixed := strings.NewReplacer(`"2021-09-30"`, `"2021-09-30T00:00:00+02:00"`, `"2021-10-05"`, `"2021-10-05T00:00:00+02:00"`).Replace(example(t, "Minimal Order"))
	payload := func(n int) string { return strings.Replace(fixed, `"PO9383-R46"`, fmt.Sprintf(`"PO-%d"`, n), 1) }
	for n := range 5 {
		status, _ := call(t, ts, "POST", "/v2/transactions", payload(n), true)
		require.Equal(t, 201, status)
	}
	received := ts.Received()
	require.Len(t, received, 3)
	assert.Contains(t, string(received[0].Body), `"PO-2"`, "the oldest are forgotten")
	for n := 2; n < 5; n++ {
		status, body := call(t, ts, "POST", "/v2/transactions", payload(n), true)
		assert.Equal(t, 400, status, "a send kept is still a duplicate")
		assert.Equal(t, "Payload already received", body["message"])
	}
	status, _ := call(t, ts, "POST", "/v2/transactions", payload(0), true)
	assert.Equal(t, 201, status, "a forgotten send is new again")

	_, body := call(t, ts, "GET", "/v2/all-transactions?per_page=100", "", true)
	assert.Equal(t, 3.0, body["count"], "finished transactions are bounded too")

	ids := make([]string, 5)
	for i := range ids {
		var err error
		ids[i], err = ts.AddIncoming(procuros.TypeOrder, map[string]any{"header": map[string]any{}})
		require.NoError(t, err)
	}
	assert.Len(t, ts.Pending(), 5, "pending transactions are never forgotten")
	for _, id := range ids {
		call(t, ts, "PUT", "/v2/transactions/"+id, `{"success":true}`, true)
		call(t, ts, "POST", "/v2/errors", `{"errorReason":"x","errorType":"DATA"}`, true)
	}
	assert.Len(t, ts.Marks(), 3)
	assert.Equal(t, ids[4], ts.Marks()[2].ProcurosTransactionID)
	assert.Len(t, ts.Errors(), 3)
	assert.Len(t, ts.Requests(), 3)
	status, _ = call(t, ts, "GET", "/_admin/errors/"+ts.Errors()[0].ID, "", false)
	assert.Equal(t, 200, status)
	status, _ = call(t, ts, "GET", "/v2/all-transactions/"+ids[4], "", true)
	assert.Equal(t, 200, status)
	status, _ = call(t, ts, "GET", "/v2/all-transactions/"+ids[0], "", true)
	assert.Equal(t, 404, status, "the oldest finished transactions are forgotten")
}

// TestOffsetCursors: with OffsetCursors, the cursor counts the items
// served, so marking between pages shifts the list under it.
func TestOffsetCursors(t *testing.T) {
	ts := start(t, procurostest.Options{OffsetCursors: true})
	ids := make([]string, 5)
	for i := range ids {
		var err error
		ids[i], err = ts.AddIncoming(procuros.TypeOrder, map[string]any{"header": map[string]any{}})
		require.NoError(t, err)
	}
	_, body := call(t, ts, "GET", "/v2/transactions?per_page=2", "", true)
	cursor := body["nextCursor"].(string)
	for _, id := range ids[:2] {
		call(t, ts, "PUT", "/v2/transactions/"+id, `{"success":true}`, true)
	}
	_, body = call(t, ts, "GET", "/v2/transactions?per_page=2&cursor="+cursor, "", true)
	items := body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, ids[4], items[0].(map[string]any)["procurosTransactionId"], "ids[2] and ids[3] were skipped")

	keyset := start(t, procurostest.Options{})
	_, body = call(t, keyset, "GET", "/v2/transactions?per_page=2", "", true)
	assert.Nil(t, body["nextCursor"])
	status, _ := call(t, ts, "GET", "/v2/transactions?per_page=2&cursor=YWZ0ZXI6Mw", "", true)
	assert.Equal(t, 422, status, "a keyset cursor is not an offset cursor")
}

func TestHangBoundedByMaxHang(t *testing.T) {
	ts := start(t, procurostest.Options{MaxHang: 10 * time.Millisecond})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultHang}))
	status, _ := call(t, ts, "GET", "/v2/ping", "", true)
	assert.Equal(t, 504, status)
}

func TestListValidation(t *testing.T) {
	ts := start(t, procurostest.Options{})
	for path, key := range map[string]string{
		"/v2/transactions?per_page=0":                              "per_page",
		"/v2/transactions?per_page=101":                            "per_page",
		"/v2/transactions?per_page=x":                              "per_page",
		"/v2/transactions?filter%5Btype%5D=NOPE":                   "filter[type]",
		"/v2/transactions?cursor=garbage":                          "cursor",
		"/v2/all-transactions?filter[created_between]=2024-01-01":  "filter[created_between]",
		"/v2/all-transactions?filter[status]=DONE":                 "filter[status]",
		"/v2/all-transactions?filter[created_between]=a,2024-01-0": "filter[created_between]",
	} {
		status, body := call(t, ts, "GET", path, "", true)
		assert.Equal(t, 422, status, path)
		assert.Contains(t, body["errors"], key, path)
	}
}

// TestListShape: pages carry every member the spec requires, nulls
// included, and their transactions are valid envelopes.
func TestListShape(t *testing.T) {
	ts := start(t, procurostest.Options{})
	v, err := spec.NewValidator()
	require.NoError(t, err)
	order, err := os.ReadFile(filepath.Join("..", "testdata", "order.json"))
	require.NoError(t, err)
	for range 3 {
		_, err := ts.AddIncoming(procuros.TypeOrder, json.RawMessage(order))
		require.NoError(t, err)
	}
	for _, path := range []string{"/v2/transactions?per_page=2", "/v2/all-transactions?per_page=5"} {
		status, body := call(t, ts, "GET", path, "", true)
		require.Equal(t, 200, status)
		for _, k := range []string{"items", "hasMore", "perPage", "count", "nextCursor", "nextPageUrl"} {
			assert.Contains(t, body, k, path)
		}
		schema := map[bool]string{true: "ReceivedTransaction", false: "Transaction"}[strings.HasPrefix(path, "/v2/transactions")]
		for _, item := range body["items"].([]any) {
			data, _ := json.Marshal(item)
			value, err := spec.DecodeJSON(data)
			require.NoError(t, err)
			errs, err := v.Envelope(schema, value)
			require.NoError(t, err)
			assert.Empty(t, errs, path)
		}
	}
	_, body := call(t, ts, "GET", "/v2/all-transactions?per_page=5", "", true)
	assert.Nil(t, body["nextCursor"])
	assert.Nil(t, body["nextPageUrl"])
	_, body = call(t, ts, "GET", "/v2/transactions?per_page=2", "", true)
	next := body["nextPageUrl"].(string)
	assert.True(t, strings.HasPrefix(next, ts.URL+"/v2/transactions?"), next)
	status, body := call(t, ts, "GET", strings.TrimPrefix(next, ts.URL), "", true)
	assert.Equal(t, 200, status)
	assert.Equal(t, 1.0, body["count"])
}

// TestIncomingFromSpecExample seeds the spec's list example over the admin
// endpoint: its ids and content are served as published.
func TestIncomingFromSpecExample(t *testing.T) {
	ts := start(t, procurostest.Options{})
	doc, err := spec.Load()
	require.NoError(t, err)
	ex := doc.Paths.Value("/v2/transactions").Get.Responses.Value("200").Value.Content.Get("application/json").Examples["List of transactions"]
	data, err := json.Marshal(ex.Value.Value)
	require.NoError(t, err)

	status, body := call(t, ts, "POST", "/_admin/incoming", string(data), false)
	require.Equal(t, 201, status)
	assert.Equal(t, []any{"949b2f25-fd9d-4c58-8899-b4dc277f8cf9", "94fe13aa-8c9b-40e5-9937-42b852185858", "94fe1224-ae01-4587-8155-8e852cbbe75d"}, body["ids"])
	status, _ = call(t, ts, "POST", "/_admin/incoming", string(data), false)
	assert.Equal(t, 400, status, "ids are unique")

	_, body = call(t, ts, "GET", "/v2/transactions?per_page=100&filter[type]=SHIPPING_NOTICE", "", true)
	items := body["items"].([]any)
	require.Len(t, items, 1)
	header := items[0].(map[string]any)["content"].(map[string]any)["header"].(map[string]any)
	assert.Equal(t, "2021-11-24", header["shippingNoticeDate"], "served as seeded, date-only included")

	status, body = call(t, ts, "PUT", "/v2/transactions/94fe13aa-8c9b-40e5-9937-42b852185858", `{"success":false,"errorReason":"GLN unknown","errorType":"DATA"}`, true)
	assert.Equal(t, 200, status)
	assert.Equal(t, ts.URL+"/_admin/transactions/94fe13aa-8c9b-40e5-9937-42b852185858/errors", body["data"].(map[string]any)["errorUrl"])
	status, _ = callRaw(t, ts, "GET", "/_admin/transactions/94fe13aa-8c9b-40e5-9937-42b852185858/errors", "", false)
	assert.Equal(t, 200, status)
	assert.Len(t, ts.Pending(), 2)
}

func TestLoadIncomingDir(t *testing.T) {
	ts := start(t, procurostest.Options{})
	dir := t.TempDir()
	write := func(name, data string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600))
	}
	write("b.json", `[{"type":"INVOICE","content":{"header":{}}},{"type":"ORDER","content":{"header":{}},"flow":"TEST"}]`)
	write("a.json", `{"procurosTransactionId":"11111111-1111-4111-8111-111111111111","type":"ORDER","content":{"header":{}}}`)
	write("notes.txt", `not json`)
	ids, err := ts.LoadIncomingDir(dir)
	require.NoError(t, err)
	require.Len(t, ids, 3)
	assert.Equal(t, "11111111-1111-4111-8111-111111111111", ids[0], "files in name order")

	_, body := call(t, ts, "GET", "/v2/all-transactions?filter[flow]=TEST", "", true)
	assert.Equal(t, 1.0, body["count"])

	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "c.json"), []byte(`{"type":"NOPE","content":{}}`), 0o600))
	_, err = ts.LoadIncomingDir(bad)
	assert.ErrorContains(t, err, "c.json")
	_, err = ts.LoadIncomingDir(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}

func TestAddIncomingRejects(t *testing.T) {
	ts := start(t, procurostest.Options{})
	for _, data := range []string{`{"type":"ORDER"}`, `{"type":"ORDER","content":[]}`, `{"content":{}}`, `[1]`, `{`} {
		_, err := ts.AddIncomingJSON([]byte(data))
		assert.Error(t, err, data)
	}
	_, err := ts.AddIncomingJSON([]byte(`[{"type":"ORDER","content":{}},{"type":"BAD","content":{}}]`))
	assert.Error(t, err)
	assert.Empty(t, ts.Pending(), "all or nothing")
}

func TestBulkMarkValidation(t *testing.T) {
	ts := start(t, procurostest.Options{})
	status, body := call(t, ts, "POST", "/v2/transactions/bulk/mark-processed",
		`[{"procurosTransactionId":"949b2ef2-3f40-465e-a7ee-ea3f9f189860","success":true}]`, true)
	assert.Equal(t, 422, status, "the bare array of the docs' sample is refused")
	assert.Contains(t, body["errors"], "")

	status, _ = call(t, ts, "POST", "/v2/transactions/bulk/mark-processed", `{"items":[]}`, true)
	assert.Equal(t, 422, status)
}

func TestShowAndReset(t *testing.T) {
	ts := start(t, procurostest.Options{Flow: procuros.FlowTest})
	id, err := ts.AddIncoming(procuros.TypeOrder, map[string]any{"header": map[string]any{}})
	require.NoError(t, err)
	status, body := call(t, ts, "GET", "/v2/all-transactions/"+id, "", true)
	assert.Equal(t, 200, status)
	data := body["data"].(map[string]any)
	assert.Equal(t, "TEST", data["flow"])
	assert.Equal(t, "PENDING", data["status"])
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$`, data["createdAt"], "Europe/Berlin, RFC 3339")

	status, _ = call(t, ts, "POST", "/_admin/reset", "", false)
	assert.Equal(t, 204, status)
	status, _ = call(t, ts, "GET", "/v2/all-transactions/"+id, "", true)
	assert.Equal(t, 404, status)
	status, _ = call(t, ts, "GET", "/_admin/nothing-here", "", false)
	assert.Equal(t, 404, status)
}

func TestPortalURL(t *testing.T) {
	ts := start(t, procurostest.Options{PortalURL: "https://portal.example/"})
	status, body := call(t, ts, "POST", "/v2/errors", `{"errorReason":"x","errorType":"INTERNAL"}`, true)
	assert.Equal(t, 201, status)
	assert.True(t, strings.HasPrefix(body["errorUrl"].(string), "https://portal.example/errors/"))
	status, raw := callRaw(t, ts, "GET", "/_admin/errors", "", false)
	assert.Equal(t, 200, status)
	assert.True(t, bytes.Contains(raw, []byte(`"errorType":"INTERNAL"`)))
}

// TestUnprocessableFault: a 422 fault with a body match hits only the
// request carrying that string, answers as the real API's 422 does (errors
// and an errorUrl that resolves), is recorded among the sends, and leaves
// every other request alone.
func TestUnprocessableFault(t *testing.T) {
	ts := start(t, procurostest.Options{})
	good := strings.NewReplacer(`"2021-09-30"`, `"2021-09-30T00:00:00+02:00"`, `"2021-10-05"`, `"2021-10-05T00:00:00+02:00"`).Replace(example(t, "Minimal Order"))
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(good), &doc))
	doc["content"].(map[string]any)["header"].(map[string]any)["orderIdentifier"] = "BAD-DOC-1"
	badJSON, err := json.Marshal(doc)
	require.NoError(t, err)
	bad := string(badJSON)

	status, _ := callRaw(t, ts, "POST", "/_admin/faults",
		`{"kind":"422","method":"POST","path":"/v2/transactions","bodyContains":"BAD-DOC-1","errors":{"content.header.orderIdentifier":["Unknown order."]}}`, false)
	require.Equal(t, 201, status)

	status, body := call(t, ts, "POST", "/v2/transactions", good, true)
	assert.Equal(t, 201, status, "a request without the string is not hit")
	require.Len(t, ts.Faults(), 1, "the fault waits for its request")

	status, body = call(t, ts, "POST", "/v2/transactions", bad, true)
	assert.Equal(t, 422, status)
	assert.Equal(t, "The given data was invalid.", body["message"])
	assert.Equal(t, map[string]any{"content.header.orderIdentifier": []any{"Unknown order."}}, body["errors"])
	errorURL, _ := body["errorUrl"].(string)
	require.True(t, strings.HasPrefix(errorURL, ts.URL+"/_admin/errors/"), errorURL)
	assert.Empty(t, ts.Faults(), "used up")

	received := ts.Received()
	require.Len(t, received, 2)
	assert.Equal(t, 422, received[1].Status)
	assert.Equal(t, errorURL, received[1].ErrorURL)
	assert.Equal(t, "ORDER", received[1].Type)
	assert.JSONEq(t, bad, string(received[1].Body))

	status, shown := call(t, ts, "GET", strings.TrimPrefix(errorURL, ts.URL), "", false)
	assert.Equal(t, 200, status)
	assert.Equal(t, float64(422), shown["status"])

	status, _ = call(t, ts, "POST", "/v2/transactions", bad, true)
	assert.Equal(t, 201, status, "without the fault the same payload is taken")
	assert.Equal(t, "fault: 422 invalid: content.header.orderIdentifier", ts.Requests()[1].Outcome)

	status, _ = call(t, ts, "POST", "/_admin/faults", `{"kind":"422","bodyContains":"x","count":-1}`, false)
	assert.Equal(t, 400, status)
}
