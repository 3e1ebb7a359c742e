package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/rs/zerolog"
)

// The call sequence of the dispatcher: send, and on an unknown outcome look
// in the group's history before sending again.
func Example() {
	quiet := zerolog.New(os.Stderr).Level(zerolog.Disabled)
	fake := zalosim.New(zalosim.Config{Groups: zalosim.DefaultGroups()}, quiet)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer fake.Close()
	creds := fake.Credentials()

	store := &memStore{} // notices.Store in loaxa
	store.set(creds.AccessToken, creds.RefreshToken, time.Now().Add(24*time.Hour))
	c := bot.NewClient(bot.Config{APIBase: srv.URL, OAuthBase: srv.URL, AppID: creds.AppID, AppSecret: creds.AppSecret},
		store, quiet)
	ctx := context.Background()
	group := fake.Groups()[0].ID
	text := "📢 THÔNG BÁO\nHọp thôn 19h tối nay tại nhà văn hóa."

	fake.FailNext(1, zalosim.FaultLostAnswer) // delivered, but the answer is lost
	_, err := c.SendGroupText(ctx, group, text)
	switch {
	case errors.Is(err, bot.ErrOutcomeUnknown):
		items, _ := c.GroupConversation(ctx, group, 10)
		for _, it := range items {
			if it.FromOA() && it.Message == text {
				fmt.Println("already delivered:", it.MessageID != "")
			}
		}
	case err != nil:
		fmt.Println(bot.ErrorClass(err), bot.Reason(err))
	}
	// Output: already delivered: true
}
