package bot_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
)

// TestLiveZalo runs the read-only operations against the real Zalo OA API,
// which keeps the simulator honest where the API document is unsure. It
// needs an access token from the API Explorer (never a refresh token: this
// test must not rotate a commune's pair) and never sends a message.
//
//	LOAXA_LIVE_ZALO_TOKEN=… [LOAXA_LIVE_ZALO_GROUP=group_id] go test ./bot -run TestLiveZalo -v
func TestLiveZalo(t *testing.T) {
	token := os.Getenv("LOAXA_LIVE_ZALO_TOKEN")
	if token == "" {
		t.Skip("set LOAXA_LIVE_ZALO_TOKEN (an OA access token) to check the client against the real Zalo API; it cannot be reached from CI")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store := &memStore{access: token, expiresAt: time.Now().Add(time.Hour)}
	c := bot.NewClient(bot.Config{APIBase: bot.DefaultAPIBase, OAuthBase: bot.DefaultOAuthBase},
		store, zerolog.New(zerolog.NewTestWriter(t)))
	groups, err := c.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v (class %s)", err, bot.ErrorClass(err))
	}
	for _, g := range groups {
		if g.GroupID == "" || g.Name == "" {
			t.Errorf("group %+v lacks an id or a name", g)
		}
	}
	t.Logf("the OA has %d groups", len(groups))
	gid := os.Getenv("LOAXA_LIVE_ZALO_GROUP")
	if gid == "" && len(groups) > 0 {
		gid = groups[0].GroupID
	}
	if gid == "" {
		return
	}
	info, err := c.GroupInfo(ctx, gid)
	if err != nil || info.GroupID != gid {
		t.Errorf("GroupInfo(%s) = %+v, %v; want the group", gid, info.Group, err)
	}
	items, err := c.GroupConversation(ctx, gid, 10)
	if err != nil {
		t.Fatalf("GroupConversation(%s): %v", gid, err)
	}
	for i := 1; i < len(items); i++ {
		if items[i].Time.After(items[i-1].Time) {
			t.Errorf("conversation items %d and %d are not newest first", i-1, i)
		}
	}
	for _, it := range items {
		if it.MessageID == "" {
			t.Errorf("a conversation item has no message id: %+v", it)
		}
	}
}
