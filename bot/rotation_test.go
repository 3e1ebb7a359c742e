package bot_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// journalStore is a memStore that also keeps the refresh mark
// (bot.RefreshJournal) and when the pair was saved.
type journalStore struct {
	memStore
	jmu       sync.Mutex
	mark      time.Time
	begins    int
	ends      int
	failBegin error
	savedAt   time.Time
}

func (s *journalStore) BeginZaloRefresh(ctx context.Context) (time.Time, error) {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	if s.failBegin != nil {
		return time.Time{}, s.failBegin
	}
	s.begins++
	earlier := s.mark
	if s.mark.IsZero() {
		s.mark = time.Now()
	}
	return earlier, nil
}

func (s *journalStore) EndZaloRefresh(ctx context.Context) error {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	s.ends++
	s.mark = time.Time{}
	return nil
}

func (s *journalStore) SaveZaloTokens(ctx context.Context, access, refresh string, exp time.Time) error {
	if err := s.memStore.SaveZaloTokens(ctx, access, refresh, exp); err != nil {
		return err
	}
	s.jmu.Lock()
	defer s.jmu.Unlock()
	s.mark, s.savedAt = time.Time{}, time.Now()
	return nil
}

func (s *journalStore) ZaloTokensSavedAt(ctx context.Context) (time.Time, error) {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	return s.savedAt, nil
}

func (s *journalStore) marked() bool {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	return !s.mark.IsZero()
}

func newJournalClient(t *testing.T, fake *zalosimtest.Server) (*bot.Client, *journalStore) {
	t.Helper()
	store := &journalStore{}
	store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(24*time.Hour))
	c := bot.NewClient(bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, testLogger(t))
	return c, store
}

// A pair whose answer never reached the store (here: the answer is lost
// after Zalo rotated; in life, loaxa killed before its commit) leaves a
// refresh token Zalo may have spent. The next refresh does not send it
// again (a strict OAuth server revokes everything on reuse): the client
// disconnects and says exactly why, with the time the lost refresh began,
// and how to reconnect.
func TestLostRotationIsNamedWhenZaloRefuses(t *testing.T) {
	fake := zalosimtest.New(t)
	c, store := newJournalClient(t, fake)
	gid := fake.Groups()[0].ID
	ctx := context.Background()

	fake.ExpireAccessTokens()
	fake.FailNext(1, zalosim.FaultLostAnswer.On(zalosim.PathAccessToken))
	if _, err := c.SendGroupText(ctx, gid, "một"); err == nil {
		t.Fatal("send with the token answer lost succeeded; want an error")
	} else if errors.Is(err, bot.ErrReconnect) {
		t.Fatalf("first send = %v; want a transient error, not yet a refusal", err)
	}
	if got := fake.Stats().Refreshes; got != 1 {
		t.Fatalf("simulator refreshes = %d; want 1 (rotated, answer lost)", got)
	}
	if !store.marked() {
		t.Fatal("the refresh mark was cleared after a lost answer; want it kept")
	}
	_, err := c.SendGroupText(ctx, gid, "hai")
	if !errors.Is(err, bot.ErrReconnect) {
		t.Fatalf("second send = %v; want ErrReconnect", err)
	}
	if st := fake.Stats(); st.ReusedRefresh != 0 {
		t.Errorf("the spent refresh token was sent again (%d reuses); want 0", st.ReusedRefresh)
	}
	h := c.Health()
	for _, want := range []string{"never stored Zalo's answer", "refresh token"} {
		if !strings.Contains(h.LastError, want) {
			t.Errorf("Health().LastError = %q; want it to contain %q", h.LastError, want)
		}
	}
	if h.Connected {
		t.Error("Health().Connected = true after the refusal")
	}
	for _, want := range []string{"loaxa zalo connect", "Kết nối Zalo OA"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name the step %q", err, want)
		}
	}
	if !store.marked() {
		t.Error("the mark was cleared by the refusal; want it kept until a new pair is stored")
	}
}

// A store that does not take writes (disk full, locked) gets no refresh:
// the answer could not be stored, so the refresh token is not spent.
func TestNoRefreshWhileTheStoreRefusesWrites(t *testing.T) {
	fake := zalosimtest.New(t)
	c, store := newJournalClient(t, fake)
	store.jmu.Lock()
	store.failBegin = errors.New("database or disk is full")
	store.jmu.Unlock()
	fake.ExpireAccessTokens()
	_, err := c.SendGroupText(context.Background(), fake.Groups()[0].ID, "một")
	if !errors.Is(err, bot.ErrTokensUnsaved) {
		t.Fatalf("send = %v; want ErrTokensUnsaved", err)
	}
	if cl := bot.ErrorClass(err); cl != bot.ClassDisconnected {
		t.Errorf("ErrorClass = %v; want ClassDisconnected (hold, spend no attempt)", cl)
	}
	if got := fake.Stats().Refreshes; got != 0 {
		t.Errorf("simulator refreshes = %d; want 0", got)
	}
	if _, r, _ := store.get(); r != fake.RefreshToken {
		t.Error("the stored refresh token changed")
	}
	// Writable again: the next call refreshes and sends.
	store.jmu.Lock()
	store.failBegin = nil
	store.jmu.Unlock()
	time.Sleep(10 * time.Millisecond)
	if _, err := c.SendGroupText(context.Background(), fake.Groups()[0].ID, "hai"); err != nil {
		t.Fatalf("send after the store recovered = %v", err)
	}
	if store.marked() {
		t.Error("mark left after a stored rotation")
	}
}

// A definite answer that rotated nothing (503: turned away) clears the mark.
func TestTurnedAwayRefreshClearsTheMark(t *testing.T) {
	fake := zalosimtest.New(t)
	c, store := newJournalClient(t, fake)
	fake.ExpireAccessTokens()
	fake.FailNext(1, zalosim.Fault5xx.On(zalosim.PathAccessToken))
	if _, err := c.SendGroupText(context.Background(), fake.Groups()[0].ID, "một"); err == nil {
		t.Fatal("want an error")
	}
	if store.marked() || store.ends != 1 {
		t.Errorf("mark kept after a 503 (ends %d); want it cleared", store.ends)
	}
}

// A token that lives shorter than the default margin (5 h) is refreshed
// at four fifths of its life, not before every call.
func TestShortTokenLifeIsNotRefreshedOnEveryCall(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithTokenTTL(time.Hour))
	c, store := newJournalClient(t, fake)
	store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(time.Hour))
	for i := range 20 {
		if _, err := c.SendGroupText(context.Background(), fake.Groups()[0].ID, "vòng "+string(rune('A'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if got := fake.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes = %d; want 1 (the loaded pair's life is unknown; the new one's is an hour)", got)
	}
	// A client loading that pair knows its life from when it was saved.
	c2 := bot.NewClient(bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: -1}, store, testLogger(t))
	if _, err := c2.SendGroupText(context.Background(), fake.Groups()[0].ID, "sau khi khởi động lại"); err != nil {
		t.Fatal(err)
	}
	if got := fake.Stats().Refreshes; got != 1 {
		t.Errorf("refreshes after a restart = %d; want still 1", got)
	}
}

// A refresh request that never left (the connection could not be opened)
// cannot have spent the token: the mark is cleared, and the next refresh
// goes ahead instead of asking for a reconnect.
func TestRefreshThatNeverLeftClearsTheMark(t *testing.T) {
	fake := zalosimtest.New(t)
	store := &journalStore{}
	store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(-time.Minute))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	down := bot.NewClient(bot.Config{APIBase: fake.URL, OAuthBase: closed, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, testLogger(t))
	gid := fake.Groups()[0].ID
	if _, err := down.SendGroupText(context.Background(), gid, "một"); err == nil {
		t.Fatal("send with the OAuth server unreachable succeeded")
	}
	if store.marked() {
		t.Fatal("the refresh mark was kept after a request that never left")
	}
	up := bot.NewClient(bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, testLogger(t))
	if _, err := up.SendGroupText(context.Background(), gid, "hai"); err != nil {
		t.Fatalf("send once the OAuth server is reachable = %v", err)
	}
	if st := fake.Stats(); st.Refreshes != 1 || st.ReusedRefresh != 0 {
		t.Errorf("simulator %+v; want 1 refresh, no reuse", st)
	}
}

// A refresh stopped while it waits for the rate limit (Ctrl-C on a CLI
// command) sent nothing: the mark is cleared.
func TestRefreshStoppedBeforeItLeftClearsTheMark(t *testing.T) {
	fake := zalosimtest.New(t)
	store := &journalStore{}
	store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(2*time.Second))
	c := bot.NewClient(bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: 1, RefreshAhead: time.Second, Timeout: 5 * time.Second}, store, testLogger(t))
	gid := fake.Groups()[0].ID
	// The only request of the minute: a send, with the token not yet due.
	if _, err := c.SendGroupText(context.Background(), gid, "một"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // now due: the next call refreshes first
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.SendGroupText(ctx, gid, "hai"); err == nil {
		t.Fatal("send stopped while waiting for the rate limit succeeded")
	}
	if store.begins != 1 {
		t.Fatalf("refresh marks = %d; want 1 (the refresh was under way)", store.begins)
	}
	if store.marked() {
		t.Error("the refresh mark was kept after a refresh stopped before it left")
	}
	if st := fake.Stats(); st.Refreshes != 0 {
		t.Errorf("simulator refreshes = %d; want 0", st.Refreshes)
	}
}
