package notices_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// TestOAuthStateCommune: on a database upgraded from the first release
// (schema 16 adds oauth_states.commune_id), a flow started for one commune
// gives that commune back, once; the only commune's flow gives 0; and the
// single-commune TakeOAuthState refuses a flow that names a commune.
func TestOAuthStateCommune(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile(v1DB)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loaxa.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := notices.Open(ctx, path, notices.Options{Location: hcm, PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("Open(v1.db) = %v", err)
	}
	defer s.Close()
	c := &notices.Commune{Code: "xa-b", Name: "UBND xã Bình"}
	if err := s.CreateCommune(ctx, "test", c); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOAuthStateFor(ctx, "admin", "sess", c.ID, "st-b", "ver-b", "https://x/cb"); err != nil {
		t.Fatal(err)
	}
	v, r, id, err := s.TakeOAuthStateFor(ctx, "st-b", "admin", "sess", 10*time.Minute)
	if err != nil || v != "ver-b" || r != "https://x/cb" || id != c.ID {
		t.Fatalf("TakeOAuthStateFor = %q, %q, %d, %v; want ver-b for commune %d", v, r, id, err, c.ID)
	}
	if _, _, _, err := s.TakeOAuthStateFor(ctx, "st-b", "admin", "sess", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("second take = %v; want ErrNotFound", err)
	}
	if es, err := s.Audit(ctx, notices.AuditFilter{Action: "zalo.connect_start", CommuneID: c.ID}); err != nil || len(es) != 1 {
		t.Errorf("commune %d's audit has %d connection starts (%v); want 1", c.ID, len(es), err)
	}
	// Another session's try spends the state, and still says whose it was.
	if err := s.SaveOAuthStateFor(ctx, "admin", "sess", c.ID, "st-b3", "ver", ""); err != nil {
		t.Fatal(err)
	}
	if v, _, id, err := s.TakeOAuthStateFor(ctx, "st-b3", "admin", "other", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) || v != "" || id != c.ID {
		t.Errorf("a stranger's take = %q, %d, %v; want ErrNotFound naming commune %d", v, id, err, c.ID)
	}
	if _, _, _, err := s.TakeOAuthStateFor(ctx, "st-b3", "admin", "sess", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("the owner's take after a stranger's = %v; want ErrNotFound (spent)", err)
	}
	if err := s.SaveOAuthState(ctx, "admin", "sess", "st-only", "ver", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, id, err := s.TakeOAuthStateFor(ctx, "st-only", "admin", "sess", 10*time.Minute); err != nil || id != 0 {
		t.Errorf("the only commune's flow: commune %d, %v; want 0", id, err)
	}
	if err := s.SaveOAuthStateFor(ctx, "admin", "sess", c.ID, "st-b2", "ver", ""); err != nil {
		t.Fatal(err)
	}
	if v, _, err := s.TakeOAuthState(ctx, "st-b2", "admin", "sess", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) || v != "" {
		t.Errorf("TakeOAuthState of commune %d's flow = %q, %v; want ErrNotFound", c.ID, v, err)
	}
	if err := s.SaveOAuthStateFor(ctx, "admin", "sess", 999, "st-x", "ver", ""); err == nil {
		t.Error("a flow for a commune that does not exist was saved")
	}

	// The OA of each commune's pair: recorded, kept across a rotation,
	// and found as another commune's.
	a, err := s.CommuneByCode(ctx, "xa")
	if err != nil {
		t.Fatal(err)
	}
	ta, tb := s.CommuneTokens(a.ID), s.CommuneTokens(c.ID)
	if err := ta.RecordZaloOA(ctx, "4100000000000000001"); err != nil {
		t.Fatal(err)
	}
	if err := ta.SaveZaloTokens(ctx, "a2", "r2", fixedNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o, err := tb.ZaloOAOwner(ctx, "4100000000000000001"); err != nil || o == nil || o.ID != a.ID {
		t.Errorf("owner of A's OA, asked for B = %+v, %v; want A", o, err)
	}
	for _, q := range []struct {
		t  *notices.CommuneTokens
		oa string
	}{{ta, "4100000000000000001"}, {tb, "4100000000000000002"}, {tb, ""}} {
		if o, err := q.t.ZaloOAOwner(ctx, q.oa); err != nil || o != nil {
			t.Errorf("owner of %q for commune %d = %+v, %v; want none", q.oa, q.t.CommuneID(), o, err)
		}
	}
}
