package bot_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// F15: a commune's refused refresh token is logged with the commune (the
// key its client was made with) and the command that reconnects it, which
// names the commune: without --commune it is a usage error in province mode.
func TestAppRefusedRefreshLogNamesTheCommune(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(zalosim.GenerateOAs(1, 1, 0)...))
	var buf lockedBuffer
	app := bot.NewApp(appConfig(fake, 4000), zerolog.New(&buf))
	store := &memStore{}
	store.set("", "typo-token", time.Time{})
	c, err := app.Client("xa-an-phu", store, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListGroups(context.Background()); err == nil {
		t.Fatal("ListGroups with a refused refresh token: no error")
	}
	var line string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "zalo refused the refresh token") {
			line = l
		}
	}
	if !strings.Contains(line, `"commune":"xa-an-phu"`) || !strings.Contains(line, "loaxa zalo connect --commune xa-an-phu") {
		t.Errorf("log line of the refused refresh = %q; want \"commune\":\"xa-an-phu\" and `loaxa zalo connect --commune xa-an-phu`", line)
	}
}
