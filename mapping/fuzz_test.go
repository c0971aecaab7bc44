package mapping

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/edibridge/edibridge/edifact"
)

// FuzzTranslate: no message makes the mapping panic; every problem that
// stops a message names its segment; every transaction mapped marshals and
// can be written back.
func FuzzTranslate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.edi"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	m, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := edifact.NewReader(bytes.NewReader(data))
		r.Accept = edifact.AllFaults
		for tr := range m.Translate(r) {
			if tr.Message == nil {
				continue
			}
			if tr.Err != nil {
				ps, ok := tr.Err.(Problems)
				if !ok {
					t.Fatalf("a mapping error is not Problems: %v", tr.Err)
				}
				for _, p := range ps.Errors() {
					if p.Pos <= 0 || p.Pos > len(tr.Message.Segments) {
						t.Fatalf("problem without a segment of the message: %v", p)
					}
				}
				continue
			}
			if _, err := json.Marshal(tr.Result.Transaction()); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			var buf bytes.Buffer
			env := testEnvelope(tr.Message.Header.Type.Directory())
			_, _ = m.WriteInterchange(&buf, env, []OutMessage{{Ref: "1", Content: tr.Result.Content}})
		}
	})
}
