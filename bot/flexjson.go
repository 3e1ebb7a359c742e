package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The sources disagree on JSON types (expires_in "90000" or 90000, IDs and
// times as strings or numbers), so the client accepts every documented form.
// Numbers are decoded through json.Number: a 19-digit ID never goes through
// float64.

// flexString accepts a JSON string, a number (kept digit for digit) or null.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		if v, ok := plainJSONString(b); ok {
			*s = flexString(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		if isJSONNumber(b) {
			*s = flexString(b)
			return nil
		}
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*s = flexString(n.String())
	}
	return nil
}

// plainJSONString returns the text of a quoted JSON string that needs no
// unescaping (no backslash, no control character, valid UTF-8): what
// json.Unmarshal would return, without its second pass over the answer.
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	for _, c := range in {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// isJSONNumber reports whether b is exactly one JSON number literal, which
// json.Number would keep as it is.
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(b)
}

// flexInt accepts a JSON number, a numeric string, "" or null.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	t := strings.TrimSpace(string(s))
	if t == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(t, 64) // "90000.0"
		if ferr != nil {
			return fmt.Errorf("want an integer, got %s", b)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// flexBool accepts true/false, "true"/"false", 1/0 and null.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		if bytes.Equal(bytes.TrimSpace(b), []byte("true")) {
			*v = true
			return nil
		}
		*v = false
		if bytes.Equal(bytes.TrimSpace(b), []byte("false")) {
			return nil
		}
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "true", "1", "yes":
		*v = true
	default:
		*v = false
	}
	return nil
}

// msTime turns a millisecond Unix timestamp into a time; zero stays zero.
func msTime(ms flexInt) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms))
}
