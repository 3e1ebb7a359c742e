package main

import (
	"strings"
	"testing"
)

// FuzzReadHamletCSV: any file is read or refused in one line, never a
// panic, and every row read keeps its line number.
//
//	go test ./cmd/loaxa -run '^$' -fuzz '^FuzzReadHamletCSV$' -fuzztime 30s
func FuzzReadHamletCSV(f *testing.F) {
	f.Add("code,name,group_id\nkhom-1,Khóm 1,grp-1\n,Ấp Đông Hòa,grp-2\n")
	f.Add("\ufeffCODE, Name ,group_id\r\nkhom-1,\"Khóm, 1\",grp-1\r\n")
	f.Add("code,name,group_id\n\"unterminated,x,y\n")
	f.Add("code,name,group_id\nkhom-1,Khóm 1\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		hs, lines, err := readHamletCSV("thon.csv", strings.NewReader(data))
		if err != nil {
			if hs != nil || lines != nil {
				t.Fatalf("rows returned with an error: %v", err)
			}
			return
		}
		if len(hs) == 0 || len(hs) != len(lines) {
			t.Fatalf("%d hamlets, %d line numbers", len(hs), len(lines))
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] <= lines[i-1] {
				t.Fatalf("line numbers not increasing: %v", lines)
			}
		}
	})
}
