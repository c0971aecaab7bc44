package mapping

import (
	"strconv"
	"strings"
	"time"

	"github.com/edibridge/edibridge/procuros"
)

// deletePath removes the member at a path like "items[1].colorCode" from
// decoded JSON.
func deletePath(v any, path string) {
	parts := strings.Split(path, ".")
	for i, part := range parts {
		name, index := part, -1
		if j := strings.IndexByte(part, '['); j >= 0 {
			name = part[:j]
			index, _ = strconv.Atoi(strings.TrimSuffix(part[j+1:], "]"))
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		if i == len(parts)-1 && index < 0 {
			delete(obj, name)
			return
		}
		v = obj[name]
		if index >= 0 {
			list, ok := v.([]any)
			if !ok || index >= len(list) {
				return
			}
			if i == len(parts)-1 {
				list[index] = nil
				return
			}
			v = list[index]
		}
	}
}

// normalize makes decoded JSON comparable across the forms one value may
// take: date-times become instants in UTC, nulls and empty members go.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := normalize(e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if n := normalize(e); n != nil {
				out = append(out, n)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if len(x) >= 10 && x[4] == '-' && x[7] == '-' {
			if d, err := procuros.ParseDateTime(x); err == nil {
				return d.Time.UTC().Format(time.RFC3339)
			}
		}
		if x == "" {
			return nil
		}
		return x
	}
	return v
}
