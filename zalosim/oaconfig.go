package zalosim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// GenerateOAs returns n OAs with groupsPerOA groups each, every OA with
// its own rate limit ratePerMin (0 = none) and generated tokens. The
// ids are stable from run to run: OA i (from 1) is "4" followed by i in 18
// digits and named "UBND xã Mô Phỏng i"; its group j is 8 hex digits of i
// then 12 of j, named "Ấp j". A province of 100 OAs × 18 groups is
// GenerateOAs(100, 18, 0).
func GenerateOAs(n, groupsPerOA, ratePerMin int) []OA {
	oas := make([]OA, n)
	for i := range oas {
		groups := make([]Group, groupsPerOA)
		for j := range groups {
			groups[j] = Group{ID: GeneratedGroupID(i+1, j+1), Name: fmt.Sprintf("Ấp %d", j+1), Members: 30 + (i*7+j*13)%60}
		}
		oas[i] = OA{ID: GeneratedOAID(i + 1), Name: fmt.Sprintf("UBND xã Mô Phỏng %d", i+1), Groups: groups, RatePerMin: ratePerMin}
	}
	return oas
}

// GeneratedOAID is the id GenerateOAs gives OA i (from 1).
func GeneratedOAID(i int) string { return fmt.Sprintf("4%018d", i) }

// GeneratedGroupID is the id GenerateOAs gives group j (from 1) of OA i.
func GeneratedGroupID(i, j int) string { return fmt.Sprintf("%08x%012x", i, j) }

// OAsFile is the JSON file of `loaxa zalosim --oas-file`:
//
//	{"oas": [{"oa_id": "…", "name": "UBND xã An Phú", "rate_per_min": 100,
//	          "refresh_token": "…", "oa_secret": "…",
//	          "groups": [{"group_id": "…", "name": "Ấp 1", "total_member": 40}]}],
//	 "oa_rate_code": -32, "oa_rate_message": "…"}
//
// Only oas is required; every OA field but groups may be left out
// (generated), and a group takes the fields of Group.
type OAsFile struct {
	OAs           []OA   `json:"oas"`
	OARateCode    int    `json:"oa_rate_code,omitempty"`
	OARateMessage string `json:"oa_rate_message,omitempty"`
}

// ReadOAsFile reads and checks an OAsFile: valid JSON with no unknown
// field, at least one OA, no OA or group twice.
func ReadOAsFile(r io.Reader) (OAsFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return OAsFile{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f OAsFile
	if err := dec.Decode(&f); err != nil {
		return OAsFile{}, fmt.Errorf("not the JSON of an OAs file: %w", err)
	}
	if len(f.OAs) == 0 {
		return OAsFile{}, errors.New(`no OA: want {"oas":[{"oa_id":"…","name":"…","groups":[…]}]}`)
	}
	if f.OARateCode > 0 {
		return OAsFile{}, errors.New("oa_rate_code must be negative, as Zalo's error codes are")
	}
	if err := (Config{OAs: f.OAs}).Validate(); err != nil {
		return OAsFile{}, err
	}
	return f, nil
}
