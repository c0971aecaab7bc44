package procurostest

import (
	"net/http/httptest"

	"github.com/edibridge/edibridge/procuros"
)

// TestServer is a Server listening on a loopback port, for tests.
type TestServer struct {
	*Server
	// URL is the base URL of the API, such as "http://127.0.0.1:39213",
	// for procuros.Config.BaseURL.
	URL string
	hs  *httptest.Server
}

// Start creates a Server with opts and serves it on a loopback port.
// Close the result when done.
func Start(opts Options) (*TestServer, error) {
	s, err := NewServer(opts)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewServer(s)
	return &TestServer{Server: s, URL: hs.URL, hs: hs}, nil
}

// Config returns a client configuration for the test server: its URL and
// token, and whatever else the caller sets on the result.
func (t *TestServer) Config() procuros.Config {
	return procuros.Config{BaseURL: t.URL, Token: t.opts.Token}
}

// Close releases hanging requests and stops the listener.
func (t *TestServer) Close() {
	t.Server.Close()
	t.hs.Close()
}
