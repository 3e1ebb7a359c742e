package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestTextMessageIsMarshalled: the text message's JSON is byte for byte
// what json.Marshal makes of its groupMessage, for texts that need
// escaping, an empty one (omitted), and after the text changes (the last
// text's JSON is kept for the next send).
func TestTextMessageIsMarshalled(t *testing.T) {
	c := NewClient(Config{APIBase: "http://127.0.0.1:1"}, nil, zerolog.Nop())
	texts := []string{
		"📢 THÔNG BÁO: Lịch tiêm phòng " + strings.Repeat("bà con lưu ý. ", 80),
		"📢 THÔNG BÁO: Lịch tiêm phòng " + strings.Repeat("bà con lưu ý. ", 80), // the same again
		`"Trích dẫn" \ <b>&amp;</b> ` + "\t\n\r\x00\x1f\u2028\u2029\x7f",
		"",
		"invalid UTF-8: \xff\xfe",
		"Cắt điện",
	}
	groups := []string{"g0000000000005a10000", `g"<&>`, "8364815283925738472"}
	for _, g := range groups {
		for _, text := range texts {
			got, err := c.textMessage(g, text)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(groupMessage{Recipient: groupRecipient{GroupID: g}, Message: messageBody{Text: text}})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("textMessage(%q, %.30q…):\n got %s\nwant %s", g, text, got, want)
			}
		}
	}
}
