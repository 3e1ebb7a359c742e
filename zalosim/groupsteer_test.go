package zalosim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func patchGroup(t *testing.T, base, id, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPatch, base+"/_sim/groups/"+id, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSteerGroupPackage: a package set through the inspection API to end in
// 3 days is answered by getgroup as that date, the group still enabled; one
// that ended yesterday without auto-renewal is disabled, and sends to it
// answer -237; with auto-renewal it stays enabled.
func TestSteerGroupPackage(t *testing.T) {
	ts := NewTestServer(t)
	if code := patchGroup(t, ts.URL, g1, `{"valid_days":3,"auto_renew":false}`); code != http.StatusOK {
		t.Fatalf("PATCH = %d; want 200", code)
	}
	n := time.Now().In(vietnam)
	in3 := time.Date(n.Year(), n.Month(), n.Day()+3, 0, 0, 0, 0, vietnam).Format("02/01/2006")
	r := getAPI(t, ts.URL, PathGroupInfo+"?group_id="+g1, ts.AccessToken)
	for path, w := range map[string]want{"data.asset_info.valid_through": str(in3), "data.asset_info.auto_renew": str("false"),
		"data.group_info.status": str("enabled")} {
		v, ok := r.get(path)
		if problem := w(v, ok); problem != "" {
			t.Errorf("%s = %s\nbody: %s", path, problem, r.raw)
		}
	}
	if problem := num(0)(postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "Còn hạn")).get("error")); problem != "" {
		t.Errorf("send before expiry: error = %s", problem)
	}

	patchGroup(t, ts.URL, g1, `{"valid_days":-1}`)
	r = getAPI(t, ts.URL, PathGroupInfo+"?group_id="+g1, ts.AccessToken)
	if v, _ := r.get("data.group_info.status"); v != "disabled" {
		t.Errorf("expired package: status = %v; want disabled\nbody: %s", v, r.raw)
	}
	if problem := num(-237)(postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "Hết hạn")).get("error")); problem != "" {
		t.Errorf("send after expiry: error = %s", problem)
	}

	patchGroup(t, ts.URL, g1, `{"auto_renew":true}`)
	if problem := num(0)(postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "Tự gia hạn")).get("error")); problem != "" {
		t.Errorf("send with auto-renewal: error = %s", problem)
	}
}

// TestSteerGroupFullAndDisabled: member counts and the disabled flag are
// set through PATCH; unknown groups and bad dates are refused.
func TestSteerGroupFullAndDisabled(t *testing.T) {
	ts := NewTestServer(t)
	if code := patchGroup(t, ts.URL, g1, `{"total_member":10,"max_member":10}`); code != http.StatusOK {
		t.Fatalf("PATCH = %d; want 200", code)
	}
	r := getAPI(t, ts.URL, PathGroupInfo+"?group_id="+g1, ts.AccessToken)
	for path, w := range map[string]want{"data.group_info.total_member": num(10), "data.group_info.max_member": str("10")} {
		v, ok := r.get(path)
		if problem := w(v, ok); problem != "" {
			t.Errorf("%s = %s\nbody: %s", path, problem, r.raw)
		}
	}
	patchGroup(t, ts.URL, g1, `{"disabled":true}`)
	if problem := num(-237)(postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "Tắt")).get("error")); problem != "" {
		t.Errorf("send to a disabled group: error = %s", problem)
	}
	if code := patchGroup(t, ts.URL, "nope", `{"disabled":true}`); code != http.StatusNotFound {
		t.Errorf("PATCH of an unknown group = %d; want 404", code)
	}
	if code := patchGroup(t, ts.URL, g1, `{"valid_through":"mai"}`); code != http.StatusBadRequest {
		t.Errorf("PATCH with a bad date = %d; want 400", code)
	}
	if code := patchGroup(t, ts.URL, g1, `{"valid_through":"31/12/2030"}`); code != http.StatusOK {
		t.Errorf("PATCH with dd/mm/yyyy = %d; want 200", code)
	}
}
