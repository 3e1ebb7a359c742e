package schedule

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
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

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A calendar job that panics is logged at error level and the scheduler,
// and the daemon, carry on.
func TestCalendarJobPanicIsRecoveredAndLogged(t *testing.T) {
	var logs lockedBuffer
	c := newCron(time.UTC, zerolog.New(&logs))
	ran := make(chan struct{}, 10)
	if _, err := c.AddFunc("@every 1s", func() { panic("job exploded") }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddFunc("@every 1s", func() { ran <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	c.Start()
	defer c.Stop()
	for range 2 {
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatal("the other job stopped running after a panic")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), "job exploded") {
		if time.Now().After(deadline) {
			t.Fatalf("no error-level log of the panic:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
