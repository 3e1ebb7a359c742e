package notices_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/loaxa/loaxa/notices"
)

// TestPasswordsAreNFC: a password set in one Unicode form signs in typed
// in the other (a Mac types NFD, a phone NFC), and the length rules count
// characters after NFC.
func TestPasswordsAreNFC(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	const pw = "mưa chiều nay to"
	nfd, nfc := norm.NFD.String(pw), norm.NFC.String(pw)
	if nfd == nfc {
		t.Fatal("test password has no composed character")
	}
	u := &notices.User{Username: "lan", Role: notices.RoleEditor}
	if err := s.CreateUser(ctx, "test", u, nfd); err != nil {
		t.Fatal(err)
	}
	for name, typed := range map[string]string{"NFC": nfc, "NFD": nfd} {
		if _, err := s.Authenticate(ctx, "lan", typed); err != nil {
			t.Errorf("set in NFD, typed in %s: %v", name, err)
		}
	}
	if err := s.SetPassword(ctx, "test", "lan", norm.NFD.String("nắng sớm trên đồng")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "lan", norm.NFC.String("nắng sớm trên đồng")); err != nil {
		t.Errorf("reset in NFD, typed in NFC: %v", err)
	}

	// 11 characters in NFC, 15 code points in NFD: too short.
	short := "mưa rơi đêm"
	if n := len([]rune(norm.NFD.String(short))); n < 12 {
		t.Fatalf("NFD form has %d code points; the test needs 12 or more", n)
	}
	if err := notices.ValidatePassword("lan", norm.NFD.String(short)); err == nil || !strings.Contains(err.Error(), "11 ký tự") {
		t.Errorf("ValidatePassword(11 characters typed in NFD) = %v; want too short (11)", err)
	}
	// 72 bytes in NFC, more in NFD: accepted, and it signs in.
	long := strings.Repeat("ư", 20) + " mưa chiều nay to nắng sớm " // 40 + 32 bytes in NFC
	long = long[:len(long)-(len(norm.NFC.String(long))-72)]
	if len(norm.NFC.String(long)) != 72 || len(norm.NFD.String(long)) <= 72 {
		t.Fatalf("long password: %d bytes NFC, %d NFD", len(norm.NFC.String(long)), len(norm.NFD.String(long)))
	}
	if err := notices.ValidatePassword("lan", norm.NFD.String(long)); err != nil {
		t.Errorf("ValidatePassword(72 NFC bytes typed in NFD) = %v; want accepted", err)
	}

	// A hash made before this rule from NFD input still verifies, typed
	// either way, and is rehashed from the NFC form on the first success.
	legacy, err := bcrypt.GenerateFromPassword([]byte(nfd), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if _, err := db.Exec(`UPDATE users SET password_hash = ? WHERE username = 'lan'`, string(legacy)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "lan", nfd); err != nil {
		t.Fatalf("legacy NFD hash, typed in NFD: %v", err)
	}
	var stored string
	if err := db.QueryRow(`SELECT password_hash FROM users WHERE username = 'lan'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(stored), []byte(nfc)) != nil {
		t.Errorf("the legacy NFD hash was not rehashed from the NFC form")
	}
	if _, err := s.Authenticate(ctx, "lan", nfc); err != nil {
		t.Errorf("after the rehash, typed in NFC: %v", err)
	}
	if _, err := s.Authenticate(ctx, "lan", nfc+"x"); err == nil {
		t.Errorf("a wrong password signed in")
	}
}
