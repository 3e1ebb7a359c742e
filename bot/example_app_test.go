package bot_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
)

// Province mode: one app, one client per commune's OA, each with that
// commune's token store and package limit; all share the app's limit.
func ExampleNewApp() {
	quiet := zerolog.New(os.Stderr).Level(zerolog.Disabled)
	fake := zalosim.New(zalosim.Config{OAs: zalosim.GenerateOAs(2, 1, 100)}, quiet)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer fake.Close()

	app := bot.NewApp(bot.Config{APIBase: srv.URL, OAuthBase: srv.URL, AppID: fake.Credentials().AppID,
		AppSecret: fake.Credentials().AppSecret, RatePerMin: 4000}, quiet) // ZALO_RATE_PER_MIN, for every commune
	communes := map[string]string{"xa-an-phu": zalosim.GeneratedOAID(1), "xa-khanh-binh": zalosim.GeneratedOAID(2)}
	clients := map[string]*bot.Client{}
	for code, oaID := range communes {
		cr, _ := fake.OACredentials(oaID)
		store := &memStore{} // the commune's token row in loaxa
		store.set(cr.AccessToken, cr.RefreshToken, time.Now().Add(24*time.Hour))
		c, err := app.Client(code, store, 100) // the commune's package limit, 0 for none
		if err != nil {
			fmt.Println(err)
			return
		}
		clients[code] = c
	}
	fake.RevokeRefreshTokenOf(communes["xa-khanh-binh"])
	fake.ExpireAccessTokensOf(communes["xa-khanh-binh"])

	ctx := context.Background()
	for _, code := range []string{"xa-an-phu", "xa-khanh-binh"} {
		group := fake.GroupsOf(communes[code])[0].ID
		_, err := clients[code].SendGroupText(ctx, group, "Cảnh báo triều cường")
		fmt.Println(code, bot.ErrorClass(err))
	}
	for _, s := range app.States() {
		fmt.Println(s.OA, "paused:", s.Paused, "reconnect:", s.Reconnect)
	}
	// Output:
	// xa-an-phu none
	// xa-khanh-binh disconnected
	// xa-an-phu paused: false reconnect: false
	// xa-khanh-binh paused: true reconnect: true
}
