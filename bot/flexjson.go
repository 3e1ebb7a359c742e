package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
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
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*s = flexString(n.String())
	}
	return nil
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
