package zalosim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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

// OAFlags are the multi-OA flags of `loaxa zalosim`: --oas N generates N
// OAs with --groups-per-oa groups each (GenerateOAs), --oas-file F reads
// them from an OAsFile, and --oa-rate-per-min gives each OA that has none
// its own limit.
type OAFlags struct {
	N           int
	GroupsPerOA int
	RatePerMin  int
	File        string
}

// Apply puts the OAs the flags describe into cfg. No flag set: cfg keeps
// its single OA. It refuses --oas with --oas-file, either with the
// single-OA settings (--groups, --refresh-token), and counts out of range.
func (f OAFlags) Apply(cfg *Config) error {
	if f.N == 0 && f.File == "" {
		if f.RatePerMin != 0 {
			return errors.New("--oa-rate-per-min needs --oas or --oas-file")
		}
		return nil
	}
	switch {
	case f.N != 0 && f.File != "":
		return errors.New("give --oas or --oas-file, not both")
	case len(cfg.Groups) > 0 || cfg.RefreshToken != "" || cfg.OAID != "":
		return errors.New("--groups and --refresh-token describe the single OA; with several OAs give groups and tokens in --oas-file")
	case f.N < 0 || f.N > 10000:
		return errors.New("--oas must be between 1 and 10000")
	case f.File == "" && (f.GroupsPerOA < 0 || f.GroupsPerOA > 1000):
		return errors.New("--groups-per-oa must be between 0 and 1000")
	case f.RatePerMin < 0:
		return errors.New("--oa-rate-per-min must not be negative")
	}
	if f.N > 0 {
		cfg.OAs = GenerateOAs(f.N, f.GroupsPerOA, f.RatePerMin)
		return nil
	}
	file, err := os.Open(f.File)
	if err != nil {
		return fmt.Errorf("--oas-file: %w", err)
	}
	defer file.Close()
	oas, err := ReadOAsFile(file)
	if err != nil {
		return fmt.Errorf("--oas-file %s: %w", f.File, err)
	}
	for i := range oas.OAs {
		if oas.OAs[i].RatePerMin == 0 {
			oas.OAs[i].RatePerMin = f.RatePerMin
		}
	}
	cfg.OAs, cfg.OARateCode, cfg.OARateMessage = oas.OAs, oas.OARateCode, oas.OARateMessage
	return nil
}
