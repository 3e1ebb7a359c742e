package zalosim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestOAFlags(t *testing.T) {
	var cfg Config
	if err := (OAFlags{N: 3, GroupsPerOA: 5, RatePerMin: 100}).Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.OAs) != 3 || len(cfg.OAs[2].Groups) != 5 || cfg.OAs[1].RatePerMin != 100 || cfg.OAs[0].ID != GeneratedOAID(1) {
		t.Fatalf("--oas 3 --groups-per-oa 5: %+v", cfg.OAs)
	}
	s := New(cfg, zerolog.Nop())
	defer s.Close()
	var out bytes.Buffer
	PrintBanner(&out, "http://sim", s)
	for _, c := range s.AllCredentials() {
		if !strings.Contains(out.String(), "oa "+c.OAID+"  UBND xã Mô Phỏng") || !strings.Contains(out.String(), "refresh_token="+c.RefreshToken) {
			t.Errorf("banner lacks OA %s and its refresh token:\n%s", c.OAID, out.String())
		}
	}
	if !strings.Contains(out.String(), "ZALO_APP_ID="+s.Credentials().AppID) || !strings.Contains(out.String(), GeneratedGroupID(3, 5)+"  Ấp 5") {
		t.Errorf("banner lacks the app id or OA 3's group 5:\n%s", out.String())
	}

	path := filepath.Join(t.TempDir(), "oas.json")
	os.WriteFile(path, []byte(`{"oas":[{"oa_id":"11","name":"UBND xã An Phú","groups":[{"group_id":"g1","name":"Ấp 1"}]},
		{"oa_id":"12","rate_per_min":7,"groups":[{"group_id":"g2"}]}],"oa_rate_code":-211}`), 0o600)
	cfg = Config{}
	if err := (OAFlags{File: path, RatePerMin: 50}).Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.OAs) != 2 || cfg.OAs[0].RatePerMin != 50 || cfg.OAs[1].RatePerMin != 7 || cfg.OARateCode != -211 {
		t.Errorf("--oas-file with --oa-rate-per-min 50: %+v, code %d", cfg.OAs, cfg.OARateCode)
	}

	for _, c := range []struct {
		f    OAFlags
		cfg  Config
		want string
	}{
		{OAFlags{N: 2, File: path}, Config{}, "not both"},
		{OAFlags{N: 2, GroupsPerOA: 3}, Config{Groups: DefaultGroups()}, "single OA"},
		{OAFlags{N: -1}, Config{}, "between 1 and 10000"},
		{OAFlags{RatePerMin: 5}, Config{}, "needs --oas"},
		{OAFlags{File: filepath.Join(t.TempDir(), "none.json")}, Config{}, "--oas-file"},
	} {
		cfg := c.cfg
		if err := c.f.Apply(&cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Apply = %v; want %q", c.f, err, c.want)
		}
	}
	cfg = Config{Groups: DefaultGroups()}
	if err := (OAFlags{GroupsPerOA: 18}).Apply(&cfg); err != nil || cfg.OAs != nil {
		t.Errorf("no multi-OA flag: %v, %+v; want the single OA kept", err, cfg.OAs)
	}
}
