package edigen

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Big is the large benchmark input: 20,000 messages (ORDERS, DESADV, INVOIC
// in turn) of 20 lines each, about 55 MB, in UNOC with umlauts and escapes.
var Big = Options{Messages: 20000, Lines: 20, Seed: 1}

// TempFile writes an interchange into a file of the benchmark's temporary
// folder and returns its path and size. EDIBRIDGE_BENCH_MESSAGES sets a
// smaller (or larger) number of messages, for quick runs and profiles.
func TempFile(tb testing.TB, opt Options) (string, int64) {
	tb.Helper()
	if n, err := strconv.Atoi(os.Getenv("EDIBRIDGE_BENCH_MESSAGES")); err == nil && n > 0 {
		opt.Messages = n
	}
	path := filepath.Join(tb.TempDir(), "input.edi")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := Write(f, opt)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	return path, st.Bytes
}
